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
export type { Reranker, TrainContext, TrainLogger } from './methods/reranker.js';
export { silentLogger } from './methods/reranker.js';
export type { MeanInterval } from './metrics/intervals.js';
export { meanInterval, pairedDifference, studentT975 } from './metrics/intervals.js';
export type { RequestMetrics, SlateMetrics } from './metrics/slate-metrics.js';
export { requestMetrics, slateMetrics } from './metrics/slate-metrics.js';
