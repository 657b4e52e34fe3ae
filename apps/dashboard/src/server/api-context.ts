// The server's one API context, opened on first use and shared by every route (kept on
// globalThis because each route bundle gets its own copy of this module). @glorank/api is
// loaded by Node at run time, never bundled: it brings native store drivers and file access,
// and a rebuilt API then needs no `next build`. Settings come from the environment (see
// apiSettingsFromEnv in @glorank/api: GLORANK_DB_URL, GLORANK_DATASETS_DIR, ...).
import type { ApiContext } from '@glorank/api';

export type GlorankApi = typeof import('@glorank/api');

const KEY = Symbol.for('glorank.dashboard.api');
type Holder = { [KEY]?: Promise<{ api: GlorankApi; ctx: ApiContext }> };

export function loadApi(): Promise<{ api: GlorankApi; ctx: ApiContext }> {
  const holder = globalThis as Holder;
  holder[KEY] ??= (async () => {
    const api = (await import(
      /* turbopackIgnore: true */ /* webpackIgnore: true */ '@glorank/api'
    )) as GlorankApi;
    const ctx = await api.openApiContext(api.apiSettingsFromEnv(process.env));
    return { api, ctx };
  })();
  // A failed open (bad path, database down) is retried on the next request.
  holder[KEY].catch(() => {
    delete holder[KEY];
  });
  return holder[KEY];
}
