// Version of @glorank/data recorded in every manifest, read from the package's own package.json
// (same relative path from src/ and dist/).
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};
export const DATA_TOOL_VERSION = `@glorank/data ${pkg.version}`;
