// tRPC over the fetch adapter: queries as GET/POST, live run updates as server-sent events.
import { loadApi } from '@/server/api-context';

export const dynamic = 'force-dynamic';

async function handler(req: Request): Promise<Response> {
  const { api, ctx } = await loadApi();
  return api.handleTrpcRequest(req, ctx, '/api/trpc');
}

export { handler as GET, handler as POST };
