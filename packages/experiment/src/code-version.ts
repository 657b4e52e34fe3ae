// The code version a result table names: the model package version plus the git commit of
// the working tree when there is one ("+dirty" when it has uncommitted changes). It names
// @glorank/model (whose code computes every number), as it did before the harness moved here;
// the package versions move in step. Its package.json sits beside its resolved entry's dist/.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const modelEntry = import.meta.resolve('@glorank/model');
const pkg = JSON.parse(readFileSync(new URL('../package.json', modelEntry), 'utf8')) as {
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
