// Next.js settings for the glorank dashboard. The server side loads @glorank/api at run time
// (src/server/api-context.ts), so no store driver or dataset reader is bundled.
import path from 'node:path';
import type { NextConfig } from 'next';

const config: NextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // The monorepo root, so file tracing and Turbopack resolve the hoisted node_modules.
  outputFileTracingRoot: path.join(import.meta.dirname, '..', '..'),
  turbopack: { root: path.join(import.meta.dirname, '..', '..') },
};

export default config;
