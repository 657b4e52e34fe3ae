// Describes a file on disk as an artifact record: size and SHA-256, streamed so large
// checkpoints are hashed without being loaded into memory.
import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { UserError } from '@glorank/base';
import type { ArtifactInput, ArtifactKind } from '../types.js';

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export interface DescribeArtifactOptions {
  /** Store the path relative to this directory (default: absolute). */
  relativeTo?: string;
}

export async function describeArtifactFile(
  file: string,
  kind: ArtifactKind,
  options: DescribeArtifactOptions = {},
): Promise<ArtifactInput> {
  const stat = await fs.stat(file).catch(() => null);
  if (!stat?.isFile()) throw new UserError('artifact is not a readable file', { file });
  const abs = path.resolve(file);
  return {
    path: options.relativeTo ? path.relative(path.resolve(options.relativeTo), abs) : abs,
    kind,
    bytes: stat.size,
    sha256: await sha256File(abs),
  };
}
