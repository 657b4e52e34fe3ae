// Atomic writes are defined in @glorank/base (the leaf every package may import); data's
// modules keep importing them from here.
export { buildDirAtomic, removeStaleTemps, TEMP_NAME, writeFileAtomic } from '@glorank/base';
