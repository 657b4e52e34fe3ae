import { describe, expect, it } from 'vitest';
import { apiSettingsFromEnv } from './settings.js';

describe('apiSettingsFromEnv', () => {
  it('defaults to ./runs and ./datasets/out, read-only', () => {
    expect(apiSettingsFromEnv({}, '/w')).toEqual({
      database: '/w/runs/glorank.db',
      artifactsDir: '/w/runs',
      datasetsDir: '/w/datasets/out',
      allowWrite: false,
    });
  });

  it('serves artifacts from the SQLite file folder when only the database is given', () => {
    const s = apiSettingsFromEnv({ GLORANK_DB_URL: 'team/store.db', GLORANK_DATASETS_DIR: '/data' }, '/w');
    expect(s.database).toBe('team/store.db');
    expect(s.artifactsDir).toBe('/w/team');
    expect(s.datasetsDir).toBe('/data');
  });

  it('uses the runs folder for a PostgreSQL store and honours the overrides', () => {
    const s = apiSettingsFromEnv(
      {
        GLORANK_DB_URL: 'postgres://u:p@h/db',
        GLORANK_ARTIFACTS_DIR: '/art',
        GLORANK_DASHBOARD_WRITE: '1',
      },
      '/w',
    );
    expect(s).toMatchObject({ artifactsDir: '/art', allowWrite: true });
    expect(apiSettingsFromEnv({ GLORANK_DB_URL: 'postgres://h/db' }, '/w').artifactsDir).toBe('/w/runs');
  });
});
