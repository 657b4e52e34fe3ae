// Public API of @glorank/data. Every export is named here; nothing else is importable.

export type { UserErrorLocation } from './errors/user-error.js';
export { isUserError, UserError } from './errors/user-error.js';
export { buildDirAtomic, writeFileAtomic } from './io/atomic.js';
export { Rng } from './random/rng.js';
export type {
  DatasetManifest,
  InteractionTable,
  ItemTable,
  LoadedDataset,
  ProtocolParams,
  RerankRequest,
  SourceFile,
  Split,
  UserTable,
} from './schema/types.js';
