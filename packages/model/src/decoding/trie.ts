// Prefix trie over one request's candidate codes, and a cursor that walks it while a
// slate is generated. The cursor admits only codes that lead to a candidate not yet
// emitted, so decoding under it yields real candidates, each at most once. Two
// candidates with identical codes share a leaf; the leaf then admits as many visits as
// it has candidates and hands them out in candidate order.

export class CandidateTrie {
  readonly levels: number;
  readonly candidateCount: number;
  /** Children of node n: childCodes/childNodes[childStart[n] .. childStart[n+1]), codes ascending. */
  readonly childStart: Int32Array;
  readonly childCodes: Int32Array;
  readonly childNodes: Int32Array;
  /** Candidates under each node (used to seed a cursor's remaining counts). */
  readonly subtreeSize: Int32Array;
  /** Candidate indices at each leaf (empty for inner nodes). */
  readonly leafCandidates: Int32Array[];

  /** `codes` is [candidates x levels] row-major: candidate i's code at level l is codes[i * levels + l]. */
  constructor(codes: ArrayLike<number>, levels: number) {
    if (!Number.isInteger(levels) || levels < 1)
      throw new RangeError(`trie levels must be >= 1, got ${levels}`);
    if (codes.length % levels !== 0) {
      throw new RangeError(`trie codes length ${codes.length} is not a multiple of ${levels} levels`);
    }
    this.levels = levels;
    this.candidateCount = codes.length / levels;
    const children: Map<number, number>[] = [new Map()];
    const leaves: number[][] = [[]];
    for (let c = 0; c < this.candidateCount; c++) {
      let node = 0;
      for (let l = 0; l < levels; l++) {
        const code = codes[c * levels + l] as number;
        if (!Number.isInteger(code) || code < 0)
          throw new RangeError(`candidate ${c} has invalid code ${code}`);
        const map = children[node] as Map<number, number>;
        let next = map.get(code);
        if (next === undefined) {
          next = children.length;
          map.set(code, next);
          children.push(new Map());
          leaves.push([]);
        }
        node = next;
      }
      (leaves[node] as number[]).push(c);
    }
    const n = children.length;
    this.childStart = new Int32Array(n + 1);
    let total = 0;
    for (let i = 0; i < n; i++) {
      this.childStart[i] = total;
      total += (children[i] as Map<number, number>).size;
    }
    this.childStart[n] = total;
    this.childCodes = new Int32Array(total);
    this.childNodes = new Int32Array(total);
    for (let i = 0; i < n; i++) {
      const entries = [...(children[i] as Map<number, number>)].sort((a, b) => a[0] - b[0]);
      let k = this.childStart[i] as number;
      for (const [code, child] of entries) {
        this.childCodes[k] = code;
        this.childNodes[k] = child;
        k++;
      }
    }
    this.leafCandidates = leaves.map((l) => Int32Array.from(l));
    this.subtreeSize = new Int32Array(n);
    // Children always have larger ids than their parent, so a reverse sweep sums subtrees.
    for (let i = n - 1; i >= 0; i--) {
      let s = (this.leafCandidates[i] as Int32Array).length;
      for (let k = this.childStart[i] as number; k < (this.childStart[i + 1] as number); k++) {
        s += this.subtreeSize[this.childNodes[k] as number] as number;
      }
      this.subtreeSize[i] = s;
    }
  }

  get nodeCount(): number {
    return this.subtreeSize.length;
  }

  cursor(): TrieCursor {
    return new TrieCursor(this);
  }
}

/** Decoding state of one slate: where in the trie we are and which candidates are used. */
export class TrieCursor {
  private remaining: Int32Array;
  private leafUsed: Int32Array;
  private path: number[] = [0];
  /** Candidate indices emitted so far, in order. */
  readonly emitted: number[] = [];

  constructor(
    readonly trie: CandidateTrie,
    state?: { remaining: Int32Array; leafUsed: Int32Array; path: number[]; emitted: number[] },
  ) {
    if (state) {
      this.remaining = Int32Array.from(state.remaining);
      this.leafUsed = Int32Array.from(state.leafUsed);
      this.path = [...state.path];
      this.emitted = [...state.emitted];
    } else {
      this.remaining = Int32Array.from(trie.subtreeSize);
      this.leafUsed = new Int32Array(trie.nodeCount);
    }
  }

  /** Level of the next code (0 at the start of an item). */
  get level(): number {
    return this.path.length - 1;
  }

  private get node(): number {
    return this.path[this.path.length - 1] as number;
  }

  /** Candidates not yet emitted. */
  get left(): number {
    return this.remaining[0] as number;
  }

  /** Codes admissible next, ascending. */
  allowed(): number[] {
    const t = this.trie;
    const out: number[] = [];
    const node = this.node;
    for (let k = t.childStart[node] as number; k < (t.childStart[node + 1] as number); k++) {
      if ((this.remaining[t.childNodes[k] as number] as number) > 0) out.push(t.childCodes[k] as number);
    }
    return out;
  }

  /**
   * Candidates still reachable from the current position (not emitted and matching the
   * codes already taken for the current item), as a 0/1 mask over candidate indices.
   */
  reachable(): Uint8Array {
    const t = this.trie;
    const out = new Uint8Array(t.candidateCount);
    const stack = [this.node];
    while (stack.length > 0) {
      const n = stack.pop() as number;
      if ((this.remaining[n] as number) === 0) continue;
      const leaf = t.leafCandidates[n] as Int32Array;
      for (let i = this.leafUsed[n] as number; i < leaf.length; i++) out[leaf[i] as number] = 1;
      for (let k = t.childStart[n] as number; k < (t.childStart[n + 1] as number); k++)
        stack.push(t.childNodes[k] as number);
    }
    return out;
  }

  /** Whether `code` is admissible next. */
  admits(code: number): boolean {
    return this.childFor(code) >= 0;
  }

  private childFor(code: number): number {
    const t = this.trie;
    const node = this.node;
    for (let k = t.childStart[node] as number; k < (t.childStart[node + 1] as number); k++) {
      if (t.childCodes[k] === code) {
        const child = t.childNodes[k] as number;
        return (this.remaining[child] as number) > 0 ? child : -1;
      }
    }
    return -1;
  }

  /**
   * Take `code`. Completing an item returns its candidate index (and the cursor returns to
   * the root for the next item); otherwise returns -1. An inadmissible code throws.
   */
  push(code: number): number {
    const child = this.childFor(code);
    if (child < 0) throw new Error(`code ${code} is not admissible at level ${this.level}`);
    this.path.push(child);
    if (this.path.length - 1 < this.trie.levels) return -1;
    const leaf = this.trie.leafCandidates[child] as Int32Array;
    const candidate = leaf[this.leafUsed[child] as number] as number;
    this.leafUsed[child] = (this.leafUsed[child] as number) + 1;
    for (const n of this.path) this.remaining[n] = (this.remaining[n] as number) - 1;
    this.path = [0];
    this.emitted.push(candidate);
    return candidate;
  }

  clone(): TrieCursor {
    return new TrieCursor(this.trie, {
      remaining: this.remaining,
      leafUsed: this.leafUsed,
      path: this.path,
      emitted: this.emitted,
    });
  }
}

/**
 * The admissible codes at every step of a given token sequence (teacher forcing): entry t
 * lists the codes the cursor admitted before token t. The sequence itself must be admissible.
 */
export function allowedAlong(trie: CandidateTrie, tokens: ArrayLike<number>): number[][] {
  const cursor = trie.cursor();
  const out: number[][] = [];
  for (let t = 0; t < tokens.length; t++) {
    out.push(cursor.allowed());
    cursor.push(tokens[t] as number);
  }
  return out;
}

/** Tokens (codes, item after item) of a slate given as candidate indices. */
export function slateTokens(codes: ArrayLike<number>, levels: number, slate: ArrayLike<number>): Int32Array {
  const out = new Int32Array(slate.length * levels);
  for (let i = 0; i < slate.length; i++) {
    const c = slate[i] as number;
    for (let l = 0; l < levels; l++) out[i * levels + l] = codes[c * levels + l] as number;
  }
  return out;
}
