// Errors a user can cause (bad file, bad flag, bad config). The CLI prints their message
// on one line and exits with code 2; everything else is a bug and keeps its stack trace.

export interface UserErrorLocation {
  /** File the problem was found in. */
  file?: string;
  /** 1-based line number within `file`. */
  line?: number;
  /** Field, column or flag name. */
  field?: string;
}

/** A mistake in the user's input: message names where and what was expected. */
export class UserError extends Error {
  readonly exitCode = 2;
  readonly location: UserErrorLocation;

  constructor(message: string, location: UserErrorLocation = {}) {
    const where = [
      location.file !== undefined
        ? location.file + (location.line !== undefined ? `:${location.line}` : '')
        : '',
      location.field !== undefined ? `field '${location.field}'` : '',
    ]
      .filter((s) => s.length > 0)
      .join(', ');
    super(where.length > 0 ? `${where}: ${message}` : message);
    this.name = 'UserError';
    this.location = location;
  }
}

export function isUserError(err: unknown): err is UserError {
  return err instanceof Error && (err as { name?: string }).name === 'UserError' && 'exitCode' in err;
}
