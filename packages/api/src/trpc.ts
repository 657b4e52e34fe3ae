// tRPC setup shared by every router: the context type, procedure builders, and the mapping
// from errors a user can cause (bad input, bad query, unknown id, bad artifact) to clear
// client-facing messages instead of a 500.
import { isUserError } from '@glorank/data';
import { initTRPC, TRPCError } from '@trpc/server';
import { ArtifactPathError } from './artifacts/safe-path.js';
import type { ApiContext } from './context.js';
import { RunQueryError } from './runs/run-query.js';

interface IssueLike {
  path?: readonly PropertyKey[];
  message: string;
}

function hasIssues(cause: unknown): cause is { issues: IssueLike[] } {
  return typeof cause === 'object' && cause !== null && Array.isArray((cause as { issues?: unknown }).issues);
}

/** "Invalid input: ids: expected at least 1 item; sort.by: expected one of ..." */
export function describeIssues(issues: readonly IssueLike[]): string {
  const parts = issues.slice(0, 5).map((i) => {
    const where = i.path && i.path.length > 0 ? `${i.path.map(String).join('.')}: ` : '';
    // zod's own messages often start with "Invalid input:" too; say it once.
    return `${where}${i.message.replace(/^Invalid input:\s*/i, '')}`;
  });
  return `Invalid input: ${parts.join('; ')}${issues.length > 5 ? ` (and ${issues.length - 5} more)` : ''}`;
}

const t = initTRPC.context<ApiContext>().create({
  errorFormatter({ shape, error }) {
    const message =
      error.code === 'BAD_REQUEST' && hasIssues(error.cause)
        ? describeIssues(error.cause.issues)
        : shape.message;
    return { ...shape, message, data: { ...shape.data, stack: undefined } };
  },
  sse: {
    ping: { enabled: true, intervalMs: 10_000 },
    client: { reconnectAfterInactivityMs: 25_000 },
  },
});

// Errors with a known meaning become the matching tRPC code; anything else stays a 500.
const mapErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok) {
    const cause = result.error.cause;
    if (cause instanceof RunQueryError) {
      throw new TRPCError({ code: 'BAD_REQUEST', message: `Query: ${cause.message}`, cause });
    }
    if (cause instanceof ArtifactPathError) {
      throw new TRPCError({ code: 'FORBIDDEN', message: cause.message, cause });
    }
    if (isUserError(cause)) throw new TRPCError({ code: 'BAD_REQUEST', message: cause.message, cause });
  }
  return result;
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;
export const publicProcedure = t.procedure.use(mapErrors);

/** Procedures that change the store: refused unless the server was started with writes on. */
export const writeProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.allowWrite) {
    throw new TRPCError({
      code: 'FORBIDDEN',
      message: 'The dashboard is read-only; start it with --allow-write to tag or delete runs.',
    });
  }
  return next();
});

export function notFound(what: string): TRPCError {
  return new TRPCError({ code: 'NOT_FOUND', message: `${what} not found` });
}
