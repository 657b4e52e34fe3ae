// Artifact download: only files registered for the run, and only inside the artifact folder
// (@glorank/api's openArtifact refuses everything else).
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { loadApi } from '@/server/api-context';

export const dynamic = 'force-dynamic';

const TEXT_KINDS = new Set(['.json', '.jsonl', '.txt', '.md', '.yaml', '.yml', '.csv', '.log']);

export async function GET(_req: Request, ctx: { params: Promise<{ runId: string; artifactId: string }> }) {
  const { runId, artifactId } = await ctx.params;
  const run = Number(runId);
  const artifact = Number(artifactId);
  if (!Number.isInteger(run) || run < 1 || !Number.isInteger(artifact) || artifact < 1) {
    return new Response('expected /api/artifacts/<run id>/<artifact id> with positive integers\n', {
      status: 400,
    });
  }
  try {
    const { api, ctx: apiCtx } = await loadApi();
    const found = await api.openArtifact(apiCtx, run, artifact);
    const ext = found.name.slice(found.name.lastIndexOf('.')).toLowerCase();
    const body = Readable.toWeb(createReadStream(found.file)) as ReadableStream<Uint8Array>;
    return new Response(body, {
      headers: {
        'content-type': TEXT_KINDS.has(ext) ? 'text/plain; charset=utf-8' : 'application/octet-stream',
        'content-length': String(found.bytes),
        'content-disposition': `${TEXT_KINDS.has(ext) ? 'inline' : 'attachment'}; filename="${found.name.replace(/"/g, '')}"`,
        'x-content-type-options': 'nosniff',
      },
    });
  } catch (err) {
    // openArtifact refuses with a TRPCError (matched by name: that class lives in the runtime-loaded API).
    const e = err as { name?: string; code?: string; message?: string };
    if (e.name === 'TRPCError') {
      return new Response(`${e.message}\n`, { status: e.code === 'NOT_FOUND' ? 404 : 403 });
    }
    throw err;
  }
}
