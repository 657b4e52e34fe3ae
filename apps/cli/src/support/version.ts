// The CLI's own version, read from its package.json at run time.
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};
export const CLI_VERSION: string = pkg.version;
