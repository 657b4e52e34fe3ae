// The metric names every table, chart and trainer uses, defined once. The protocol metrics
// (PROTOCOL.md) are computed from slates and labels by slateMetrics; a results table adds the
// expected reward under the experiment's simulator.

export const PROTOCOL_METRICS = ['precision', 'recall', 'f1', 'ndcg', 'map'] as const;
export type ProtocolMetric = (typeof PROTOCOL_METRICS)[number];

/** Columns of a results table, in order. */
export const METRIC_KEYS = [...PROTOCOL_METRICS, 'reward'] as const;
export type MetricKey = (typeof METRIC_KEYS)[number];
