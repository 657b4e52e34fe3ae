// The code version a result table names: the model package version plus the git commit of
// the working tree when there is one ("+dirty" when it has uncommitted changes).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  name: string;
  version: string;
};

function git(args: string[], cwd: string): string | null {
  try {
    return execFileSync('git', args, { cwd, stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 })
      .toString()
      .trim();
  } catch {
    return null;
  }
}

export function codeVersion(cwd: string = process.cwd()): string {
  const base = `${pkg.name} ${pkg.version}`;
  const commit = git(['rev-parse', '--short=12', 'HEAD'], cwd);
  if (commit === null) return base;
  // Untracked files do not count: experiment outputs and scratch files should not mark a build dirty.
  const dirty = git(['status', '--porcelain', '--untracked-files=no'], cwd);
  return `${base} (git ${commit}${dirty ? '+dirty' : ''})`;
}
