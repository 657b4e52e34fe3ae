// The one gate between a user-supplied artifact path and the file system: the dashboard may
// serve files under the store's artifact folder and nothing else, including through symlinks.
import { realpathSync } from 'node:fs';
import path from 'node:path';

export class ArtifactPathError extends Error {
  override readonly name = 'ArtifactPathError';
}

/**
 * Resolve `relative` inside `root` and return the real absolute path, or throw
 * ArtifactPathError when it is absolute, climbs out with `..`, holds a NUL byte, does not
 * exist, or is a symlink (anywhere along the way) whose target lies outside `root`.
 */
export function resolveInsideRoot(root: string, relative: string): string {
  if (relative.includes('\0')) throw new ArtifactPathError('artifact path contains a NUL byte');
  if (relative === '' || path.isAbsolute(relative) || /^[a-zA-Z]:[\\/]/.test(relative)) {
    throw new ArtifactPathError(`artifact path must be relative to the artifact folder, got '${relative}'`);
  }
  const realRoot = realpathSync(path.resolve(root));
  const joined = path.resolve(realRoot, relative);
  if (!isInside(realRoot, joined)) {
    throw new ArtifactPathError(`artifact path '${relative}' leaves the artifact folder`);
  }
  let real: string;
  try {
    real = realpathSync(joined);
  } catch {
    throw new ArtifactPathError(`artifact '${relative}' does not exist`);
  }
  if (!isInside(realRoot, real)) {
    throw new ArtifactPathError(`artifact path '${relative}' links outside the artifact folder`);
  }
  return real;
}

function isInside(root: string, candidate: string): boolean {
  const rel = path.relative(root, candidate);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}
