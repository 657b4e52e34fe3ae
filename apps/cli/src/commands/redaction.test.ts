// Issue 17: a PostgreSQL password never reaches a printed line, whether it is given as
// user:password@ or as ?password=, in `doctor` or in the error of an unreachable store.
import { describe, expect, it } from 'vitest';
import { runCli } from '../test-support/run-cli.js';

const URL_WITH_SECRETS = 'postgres://alice:s3cret-one@127.0.0.1:1/runs?sslmode=disable&password=s3cret-two';

describe('PostgreSQL passwords in printed URLs', () => {
  it('doctor shows the database URL without its passwords', async () => {
    const r = await runCli(['doctor', '--json'], { GLORANK_DB_URL: URL_WITH_SECRETS });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).storage.database).toBe(
      'postgres://alice:***@127.0.0.1:1/runs?sslmode=disable&password=***',
    );
    expect(r.stdout + r.stderr).not.toContain('s3cret');
  });

  it('an unreachable store is one line naming the redacted URL, exit 2', async () => {
    const r = await runCli(['runs', 'ls', '--db', URL_WITH_SECRETS]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('postgres://alice:***@127.0.0.1:1/runs');
    expect(r.stderr).not.toContain('s3cret');
  });
});
