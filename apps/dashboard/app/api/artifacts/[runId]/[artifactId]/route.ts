// Artifact download: only files registered for the run, only inside the artifact folder, and
// only regular files (@glorank/api's openArtifact refuses everything else, FIFOs and devices
// included, without blocking). The body streams from the very file that was checked.
import { Readable } from 'node:stream';
import { loadApi } from '@/server/api-context';

export const dynamic = 'force-dynamic';

export async function GET(_req: Request, ctx: { params: Promise<{ runId: string; artifactId: string }> }) {
  const { runId, artifactId } = await ctx.params;
  const run = Number(runId);
  const artifact = Number(artifactId);
  if (!Number.isSafeInteger(run) || run < 1 || !Number.isSafeInteger(artifact) || artifact < 1) {
    return new Response('expected /api/artifacts/<run id>/<artifact id> with positive integers\n', {
      status: 400,
    });
  }
  try {
    const { api, ctx: apiCtx } = await loadApi();
    const found = await api.openArtifact(apiCtx, run, artifact);
    const body = Readable.toWeb(found.handle.createReadStream()) as ReadableStream<Uint8Array>;
    return new Response(body, { headers: found.headers });
  } catch (err) {
    // openArtifact refuses with a TRPCError (matched by name: that class lives in the runtime-loaded API).
    const e = err as { name?: string; code?: string; message?: string };
    if (e.name === 'TRPCError') {
      return new Response(`${e.message}\n`, { status: e.code === 'NOT_FOUND' ? 404 : 403 });
    }
    throw err;
  }
}
