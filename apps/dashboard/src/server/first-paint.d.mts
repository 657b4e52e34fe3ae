// Types of first-paint.mjs (plain JavaScript, loaded as is by server.mjs).
import type { ServerResponse } from 'node:http';

export function loaderScript(sources: readonly string[]): string;
export function deferFrameworkScripts(head: string): string | null;
export function paintFirst(res: ServerResponse): void;
