// What every reader produces: interactions interned into compact typed columns as they stream
// in (memory grows with the number of ratings by 20 bytes each, plus the raw-id maps), and the
// item/user side information keyed by interned id.
import type { SourceFile } from '../schema/types.js';

/** Raw string id <-> interned int, in order of first appearance. */
export class IdMap {
  private readonly index = new Map<string, number>();
  /** Same ids keyed by integer value, for readers that parse numeric ids without strings. */
  private readonly numeric = new Map<number, number>();
  readonly raw: string[] = [];

  /** Intern the canonical decimal id `n` (no leading zeros), without building its string each time. */
  internNumber(n: number): number {
    let id = this.numeric.get(n);
    if (id === undefined) {
      id = this.intern(String(n));
      this.numeric.set(n, id);
    }
    return id;
  }

  intern(raw: string): number {
    let id = this.index.get(raw);
    if (id === undefined) {
      id = this.raw.length;
      this.index.set(raw, id);
      this.raw.push(raw);
    }
    return id;
  }

  get(raw: string): number | undefined {
    return this.index.get(raw);
  }

  get size(): number {
    return this.raw.length;
  }
}

type Growable = Int32Array | Float32Array | Float64Array;

function grow<A extends Growable>(a: A, make: (n: number) => A, need: number): A {
  if (need <= a.length) return a;
  const next = make(Math.max(need, a.length * 2));
  next.set(a);
  return next;
}

/** Interaction columns that grow by doubling; `count` rows are valid. */
export class InteractionLog {
  readonly users = new IdMap();
  readonly items = new IdMap();
  count = 0;
  user = new Int32Array(1 << 14);
  item = new Int32Array(1 << 14);
  rating = new Float32Array(1 << 14);
  ts = new Float64Array(1 << 14);

  add(rawUser: string, rawItem: string, rating: number, ts: number): void {
    this.push(this.users.intern(rawUser), this.items.intern(rawItem), rating, ts);
  }

  push(user: number, item: number, rating: number, ts: number): void {
    const n = this.count;
    if (n === this.user.length) {
      this.user = grow(this.user, (k) => new Int32Array(k), n + 1);
      this.item = grow(this.item, (k) => new Int32Array(k), n + 1);
      this.rating = grow(this.rating, (k) => new Float32Array(k), n + 1);
      this.ts = grow(this.ts, (k) => new Float64Array(k), n + 1);
    }
    this.user[n] = user;
    this.item[n] = item;
    this.rating[n] = rating;
    this.ts[n] = ts;
    this.count = n + 1;
  }
}

export interface ItemMeta {
  title: string | null;
  categories: string[];
  year: number | null;
}

/** A benchmark as read from its source files, before the request protocol. */
export interface SourceData {
  /** Reader name, e.g. 'ml-100k'. */
  format: string;
  /** Suggested dataset name (from the folder or file name). */
  name: string;
  log: InteractionLog;
  /** Item side information by interned item id (undefined: the metadata had no entry). */
  itemMeta: (ItemMeta | undefined)[];
  /** User attributes by name, each aligned with interned user ids. */
  userAttributes: Record<string, (string | number | null)[]>;
  sourceFiles: SourceFile[];
  linesRead: number;
  skippedLines: number;
  /** False when the source has no timestamps and `ts` is the position in the user's sequence. */
  timed: boolean;
  /** True when every interaction counts as positive (no ratings in the source). */
  implicit: boolean;
}
