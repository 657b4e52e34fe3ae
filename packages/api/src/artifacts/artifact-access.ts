// Artifacts as the dashboard serves them: only files the store registered for a run, and
// only when they resolve inside the artifact folder (resolveInsideRoot).
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Artifact } from '@glorank/tracking';
import { TRPCError } from '@trpc/server';
import type { ApiContext } from '../context.js';
import { ArtifactPathError, resolveInsideRoot } from './safe-path.js';

/** The real path of a registered artifact's file (throws ArtifactPathError when refused). */
export function artifactFile(
  ctx: Pick<ApiContext, 'artifactsDir'>,
  artifact: Pick<Artifact, 'path'>,
): string {
  if (ctx.artifactsDir === null) throw new ArtifactPathError('no artifact folder is configured');
  // Stores may record absolute paths; they are served only when inside the folder anyway.
  const rel = path.isAbsolute(artifact.path)
    ? path.relative(path.resolve(ctx.artifactsDir), artifact.path)
    : artifact.path;
  return resolveInsideRoot(ctx.artifactsDir, rel);
}

export interface ArtifactView extends Artifact {
  /** False when the file is gone or lies outside the artifact folder. */
  available: boolean;
  /** Why it is not available. */
  problem: string | null;
}

export async function viewArtifacts(ctx: ApiContext, runId: number): Promise<ArtifactView[]> {
  const list = await ctx.store.listArtifacts(runId);
  return Promise.all(
    list.map(async (a): Promise<ArtifactView> => {
      try {
        const file = artifactFile(ctx, a);
        if (!(await stat(file)).isFile()) return { ...a, available: false, problem: 'not a file' };
        return { ...a, available: true, problem: null };
      } catch (err) {
        return { ...a, available: false, problem: (err as Error).message };
      }
    }),
  );
}

/**
 * For the download route: the file of artifact `artifactId` of run `runId`, its size and a
 * download name. Unknown ids are NOT_FOUND; refused paths are FORBIDDEN.
 */
export async function openArtifact(
  ctx: ApiContext,
  runId: number,
  artifactId: number,
): Promise<{ file: string; bytes: number; name: string; kind: Artifact['kind'] }> {
  const artifact = (await ctx.store.listArtifacts(runId)).find((a) => a.id === artifactId);
  if (!artifact)
    throw new TRPCError({ code: 'NOT_FOUND', message: `Artifact ${artifactId} of run ${runId} not found` });
  let file: string;
  try {
    file = artifactFile(ctx, artifact);
  } catch (err) {
    throw new TRPCError({ code: 'FORBIDDEN', message: (err as Error).message });
  }
  const st = await stat(file);
  if (!st.isFile())
    throw new TRPCError({ code: 'FORBIDDEN', message: `Artifact ${artifactId} is not a file` });
  return { file, bytes: st.size, name: path.basename(file), kind: artifact.kind };
}
