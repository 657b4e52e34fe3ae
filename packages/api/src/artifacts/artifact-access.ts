// Artifacts as the dashboard serves them: only files the store registered for a run, and
// only when they resolve inside the artifact folder (resolveInsideRoot).
import { type FileHandle, lstat } from 'node:fs/promises';
import path from 'node:path';
import type { Artifact } from '@glorank/tracking';
import { TRPCError } from '@trpc/server';
import { create as contentDisposition } from 'content-disposition';
import type { ApiContext } from '../context.js';
import { openRegularFile } from './regular-file.js';
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
        // lstat never opens the file, so a FIFO or device costs nothing here.
        if (!(await lstat(file)).isFile()) return { ...a, available: false, problem: 'not a regular file' };
        return { ...a, available: true, problem: null };
      } catch (err) {
        return { ...a, available: false, problem: (err as Error).message };
      }
    }),
  );
}

/** An artifact opened for download: the checked regular file, its size and response headers. */
export interface OpenedArtifact {
  file: string;
  bytes: number;
  name: string;
  kind: Artifact['kind'];
  /** Open on the very file that was checked; the caller streams it (and so closes it). */
  handle: FileHandle;
  headers: Record<string, string>;
}

const TEXT_KINDS = new Set(['.json', '.jsonl', '.txt', '.md', '.yaml', '.yml', '.csv', '.log']);

/**
 * Response headers for downloading a file named `name`: text kinds inline as plain text, the
 * rest as attachments. Any name is safe here (non-Latin-1, quotes, newlines): the header is
 * built by content-disposition (RFC 6266, with an ASCII fallback), after control characters
 * are replaced.
 */
export function downloadHeaders(name: string, bytes: number): Record<string, string> {
  const dot = name.lastIndexOf('.');
  const text = dot >= 0 && TEXT_KINDS.has(name.slice(dot).toLowerCase());
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is replaced.
  const clean = name.replace(/[\u0000-\u001f\u007f-\u009f]/g, '_');
  return {
    'content-type': text ? 'text/plain; charset=utf-8' : 'application/octet-stream',
    'content-length': String(bytes),
    'content-disposition': contentDisposition(clean, { type: text ? 'inline' : 'attachment' }),
    'x-content-type-options': 'nosniff',
  };
}

/**
 * For the download route: artifact `artifactId` of run `runId`, opened when it is a regular
 * file inside the artifact folder. Unknown ids are NOT_FOUND; refused paths and anything but a
 * regular file (FIFO, device, socket, folder) are FORBIDDEN, without ever blocking.
 */
export async function openArtifact(
  ctx: ApiContext,
  runId: number,
  artifactId: number,
): Promise<OpenedArtifact> {
  const artifact = (await ctx.store.listArtifacts(runId)).find((a) => a.id === artifactId);
  if (!artifact)
    throw new TRPCError({ code: 'NOT_FOUND', message: `Artifact ${artifactId} of run ${runId} not found` });
  let file: string;
  let opened: Awaited<ReturnType<typeof openRegularFile>>;
  try {
    file = artifactFile(ctx, artifact);
    opened = await openRegularFile(file);
  } catch (err) {
    throw new TRPCError({ code: 'FORBIDDEN', message: `Artifact ${artifactId}: ${(err as Error).message}` });
  }
  const name = path.basename(file);
  return {
    file,
    bytes: opened.stat.size,
    name,
    kind: artifact.kind,
    handle: opened.handle,
    headers: downloadHeaders(name, opened.stat.size),
  };
}
