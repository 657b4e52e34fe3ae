// Config files (YAML or JSON), read one way for every front end: the experiment config and
// GloRank's training config. A mistake is one UserError naming the file, the line, the field,
// what was found and what was expected (for an unknown field, the fields allowed there).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { isMap, isSeq, LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { UserError } from '../errors/user-error.js';

export type PathKey = string | number;

function fieldName(pathKeys: readonly PropertyKey[]): string {
  let out = '';
  for (const k of pathKeys) {
    if (typeof k === 'number') out += `[${k}]`;
    else out += out.length > 0 ? `.${String(k)}` : String(k);
  }
  return out.length > 0 ? out : '(top level)';
}

function valueAt(root: unknown, keys: readonly PropertyKey[]): unknown {
  let v: unknown = root;
  for (const k of keys) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

type SchemaDef = {
  type: string;
  in?: unknown;
  shape?: Record<string, unknown>;
  innerType?: unknown;
  out?: unknown;
  element?: unknown;
  options?: unknown[];
  discriminator?: string;
};
const defOf = (s: unknown): SchemaDef => (s as { _zod: { def: SchemaDef } })._zod.def;

/** Field names allowed at `keys` (for "unknown field" messages), following the raw value through unions. */
function allowedKeys(schema: unknown, raw: unknown, keys: readonly PathKey[]): string[] {
  let s = schema;
  let v = raw;
  let i = 0;
  for (let guard = 0; guard < 64; guard++) {
    const def = defOf(s);
    if (def.type === 'default' || def.type === 'optional' || def.type === 'nullable') s = def.innerType;
    else if (def.type === 'pipe')
      s = def.in !== undefined && defOf(def.in).type !== 'transform' ? def.in : def.out;
    else if (def.type === 'union' && def.options) {
      const d = def.discriminator;
      const tag = d && v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[d] : undefined;
      const match = def.options.find((o) => {
        const shape = defOf(o).shape;
        const lit = shape && d ? (defOf(shape[d]) as { values?: unknown[] }).values : undefined;
        return lit?.includes(tag);
      });
      if (!match) return [];
      s = match;
    } else if (i >= keys.length) return def.shape ? Object.keys(def.shape) : [];
    else if (def.type === 'object' && def.shape) {
      s = def.shape[keys[i] as string];
      v = (v as Record<string, unknown> | undefined)?.[keys[i] as string];
      i++;
      if (s === undefined) return [];
    } else if (def.type === 'array' && def.element) {
      s = def.element;
      v = (v as unknown[] | undefined)?.[keys[i] as number];
      i++;
    } else return [];
  }
  return [];
}

function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/**
 * Validate a parsed config object against `schema`. `lineOf` maps a field path to a 1-based
 * line (YAML); the error names the first problem's field and line and lists every problem.
 */
export function validateConfig<S extends z.ZodType>(
  raw: unknown,
  file: string,
  schema: S,
  lineOf: (keys: readonly PathKey[]) => number | undefined = () => undefined,
): z.output<S> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    let keys = issue.path.filter((k): k is PathKey => typeof k === 'string' || typeof k === 'number');
    // An unknown key is reported at its own path, so the line points at the typo.
    if (issue.code === 'unrecognized_keys' && issue.keys.length > 0)
      keys = [...keys, issue.keys[0] as string];
    const got = issue.code === 'unrecognized_keys' ? '' : ` (got ${describeValue(valueAt(raw, keys))})`;
    let message = issue.message;
    if (issue.code === 'unrecognized_keys') {
      const allowed = allowedKeys(schema, raw, keys.slice(0, -1));
      message = `unknown field${allowed.length > 0 ? `; expected one of ${allowed.join(', ')}` : ''}`;
    }
    return { keys, line: lineOf(keys), text: `${message}${got}` };
  });
  const first = problems[0]!;
  const rest = problems
    .slice(1)
    .map((p) => `; ${fieldName(p.keys)}${p.line ? ` (line ${p.line})` : ''}: ${p.text}`);
  const location: { file: string; field: string; line?: number } = { file, field: fieldName(first.keys) };
  if (first.line !== undefined) location.line = first.line;
  throw new UserError(`${first.text}${rest.join('')}`, location);
}

/** What a config file is called in messages. */
export interface ConfigKind {
  /** 'experiment config', 'training config' */
  name: string;
  /** What its top level maps: 'experiment settings (name, dataset, methods, ...)' */
  mapping: string;
}

/** Parse YAML or JSON text (JSON is YAML) and validate it against `schema`. */
export function parseConfigText<S extends z.ZodType>(
  text: string,
  file: string,
  schema: S,
  kind: ConfigKind,
): z.output<S> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const pos = e.linePos?.[0];
    const location: { file: string; line?: number } = { file };
    if (pos) location.line = pos.line;
    const what = (e.message.split('\n')[0] ?? e.message).replace(/ at line \d+, column \d+:?$/, '');
    throw new UserError(`not valid YAML/JSON: ${what}`, location);
  }
  const raw: unknown = doc.toJS();
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new UserError(`expected a mapping of ${kind.mapping}`, { file });
  }
  const lineOf = (keys: readonly PathKey[]): number | undefined => {
    // Walk down to the deepest node that exists, so a missing field points at its parent.
    for (let n = keys.length; n >= 0; n--) {
      const node = keys.length === 0 ? doc.contents : doc.getIn(keys.slice(0, n), true);
      const parent = n > 0 ? doc.getIn(keys.slice(0, n - 1), true) : null;
      let range: readonly number[] | null | undefined;
      if (n > 0 && isMap(parent)) {
        const pair = parent.items.find((p) => (p.key as { value?: unknown } | null)?.value === keys[n - 1]);
        range = (pair?.key as { range?: readonly number[] } | null)?.range;
      } else if (n > 0 && isSeq(parent)) {
        range = (node as { range?: readonly number[] } | null)?.range;
      } else if (node && typeof node === 'object') {
        range = (node as { range?: readonly number[] }).range;
      }
      if (range && range.length > 0) return lineCounter.linePos(range[0] as number).line;
    }
    return undefined;
  };
  return validateConfig(raw, file, schema, lineOf);
}

/** Read and validate a config file; returns the config and the file's absolute path and folder. */
export async function readConfigFile<S extends z.ZodType>(
  file: string,
  schema: S,
  kind: ConfigKind,
): Promise<{ config: z.output<S>; file: string; dir: string }> {
  const abs = path.resolve(file);
  let text: string;
  try {
    text = await readFile(abs, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(
      code === 'ENOENT' ? `${kind.name} not found` : `cannot read config (${code ?? String(err)})`,
      {
        file: abs,
      },
    );
  }
  return { config: parseConfigText(text, abs, schema, kind), file: abs, dir: path.dirname(abs) };
}
