// The small committed reader fixtures (synthetic files in each format's layout).
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../readers/fixtures');
