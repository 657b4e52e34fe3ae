// Public API of @glorank/base: what every package needs and nothing more (Node built-ins only).
// Every export is named here; nothing else is importable.

export { buildDirAtomic, removeStaleTemps, TEMP_NAME, writeFileAtomic } from './atomic.js';
export type { UserErrorLocation } from './user-error.js';
export { isUserError, UserError } from './user-error.js';
