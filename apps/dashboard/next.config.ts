// Next.js settings for the glorank dashboard. The server side loads @glorank/api at run time
// (src/server/api-context.ts), so no store driver or dataset reader is bundled.
import path from 'node:path';
import type { NextConfig } from 'next';
import { SECURITY_HEADERS } from './src/server/request-guard';

const config: NextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // The monorepo root, so file tracing and Turbopack resolve the hoisted node_modules.
  outputFileTracingRoot: path.join(import.meta.dirname, '..', '..'),
  turbopack: { root: path.join(import.meta.dirname, '..', '..') },
  // proxy.ts sets these too; here they also cover anything Next answers before the proxy.
  async headers() {
    return [
      {
        source: '/:path*',
        headers: Object.entries(SECURITY_HEADERS).map(([key, value]) => ({ key, value })),
      },
    ];
  },
};

export default config;
