// Public API of @glorank/model. Every export is named here; nothing else is importable.

export type { BackendChoice, BackendInfo, BackendName, BackendProbe } from './backend/select-backend.js';
export {
  activeBackend,
  BACKEND_ORDER,
  isBackendChoice,
  probeBackends,
  selectBackend,
} from './backend/select-backend.js';
export { registerWasmSegmentSum } from './backend/wasm-segment-sum.js';
