// Item codes are a contract of @glorank/data (the dashboard reads them without TensorFlow);
// the model's modules import them from here.
export type { ItemCodes } from '@glorank/data';
export { candidateCodes, itemCodes } from '@glorank/data';
