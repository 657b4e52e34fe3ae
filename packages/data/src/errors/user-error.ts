// UserError is defined in @glorank/base (the leaf every package may import, so the tracking
// store need not depend on @glorank/data for it); data's modules keep importing it from here.
export type { UserErrorLocation } from '@glorank/base';
export { isUserError, UserError } from '@glorank/base';
