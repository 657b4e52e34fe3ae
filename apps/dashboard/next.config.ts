// Next.js settings for the glorank dashboard. The API packages stay external (loaded by Node
// at run time, not bundled): they open native SQLite/PostgreSQL drivers and read Arrow files,
// and keeping them out of the bundle means a rebuilt @glorank/api needs no `next build`.
import path from 'node:path';
import type { NextConfig } from 'next';

const config: NextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  serverExternalPackages: [
    '@glorank/api',
    '@glorank/tracking',
    '@glorank/data',
    '@glorank/model',
    'better-sqlite3',
    'pg',
    'apache-arrow',
  ],
  // The monorepo root, so file tracing and Turbopack resolve the hoisted node_modules.
  outputFileTracingRoot: path.join(import.meta.dirname, '..', '..'),
  turbopack: { root: path.join(import.meta.dirname, '..', '..') },
  typescript: { tsconfigPath: 'tsconfig.json' },
};

export default config;
