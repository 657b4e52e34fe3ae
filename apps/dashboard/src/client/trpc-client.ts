// The browser's tRPC client: queries batched over HTTP, subscriptions over server-sent events.
import type { AppRouter } from '@glorank/api';
import {
  createTRPCClient,
  httpBatchLink,
  httpSubscriptionLink,
  splitLink,
  TRPCClientError,
} from '@trpc/client';

export const trpc = createTRPCClient<AppRouter>({
  links: [
    splitLink({
      condition: (op) => op.type === 'subscription',
      true: httpSubscriptionLink({ url: '/api/trpc' }),
      false: httpBatchLink({ url: '/api/trpc', maxItems: 8 }),
    }),
  ],
});

/** A message fit for the page: the server's own message for known errors. */
export function errorMessage(err: unknown): string {
  if (err instanceof TRPCClientError) return err.message;
  if (err instanceof Error) return err.message;
  return String(err);
}

/** The tRPC error code (NOT_FOUND, BAD_REQUEST ...) when there is one. */
export function errorCode(err: unknown): string | null {
  if (err instanceof TRPCClientError) return (err.data as { code?: string } | undefined)?.code ?? null;
  return null;
}
