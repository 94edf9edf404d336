// The per-service nat chains of a node, kept in iptables-save's order (by name, byte-wise)
// as a list of small sorted chunks, so replacing one service's chains costs O(log n + chunk)
// instead of moving hundreds of thousands of entries.
import { type ChainText, flatten } from './servicerules.js';

const CHUNK = 512;

function lowerBound(a: readonly ChainText[], name: string): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]!.name < name) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

// Sorting a few hundred thousand random names as strings is slow; hashed chain names sort
// by a number instead: the family (in name order) and the first 6 base32 characters,
// ranked in ASCII order (digits 2-7 before letters), with full names breaking ties.
const FAMILIES = ['KUBE-EXT-', 'KUBE-FW-', 'KUBE-SEP-', 'KUBE-SVC-', 'KUBE-SVL-'];
const INDEX_RANGE = 2 ** 20;

function charRank(c: number): number {
  if (c >= 65 && c <= 90) return c - 59; // A-Z → 6..31
  if (c >= 50 && c <= 55) return c - 50; // 2-7 → 0..5
  return -1;
}

/** Numeric sort key of a hashed chain name, or -1 when the name is not one. */
function sortKey(name: string): number {
  let f = -1;
  for (let i = 0; i < FAMILIES.length; i++) {
    if (name.startsWith(FAMILIES[i]!)) {
      f = i;
      break;
    }
  }
  if (f < 0) return -1;
  const at = FAMILIES[f]!.length;
  if (name.length < at + 6) return -1;
  let k = f;
  for (let i = 0; i < 6; i++) {
    const r = charRank(name.charCodeAt(at + i));
    if (r < 0) return -1;
    k = k * 32 + r;
  }
  return k;
}

/** Chains sorted by name through numeric keys, or null when a name has no key. */
function sortByKey(chains: readonly ChainText[]): ChainText[] | null {
  const n = chains.length;
  if (n >= INDEX_RANGE) return null;
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const k = sortKey(chains[i]!.name);
    if (k < 0) return null;
    keys[i] = k * INDEX_RANGE + i;
  }
  keys.sort();
  const out = new Array<ChainText>(n);
  for (let i = 0; i < n; i++) out[i] = chains[keys[i]! % INDEX_RANGE]!;
  // Equal 6-character prefixes: order those runs by the whole name.
  for (let i = 0; i < n; ) {
    const k = Math.floor(keys[i]! / INDEX_RANGE);
    let j = i + 1;
    while (j < n && Math.floor(keys[j]! / INDEX_RANGE) === k) j++;
    if (j - i > 1) {
      const run = out.slice(i, j).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (let x = 0; x < run.length; x++) out[i + x] = run[x]!;
    }
    i = j;
  }
  return out;
}

/**
 * A run of chains in name order, with its declaration lines and its rules joined once and
 * kept until the run changes, so a dump after a small change re-joins only a few runs.
 */
export class ChainChunk {
  readonly chains: ChainText[];
  #decls: string | null = null;
  #rules: string | null = null;

  constructor(chains: ChainText[]) {
    this.chains = chains;
  }

  get first(): string {
    return this.chains[0]!.name;
  }

  get last(): string {
    return this.chains[this.chains.length - 1]!.name;
  }

  /** `:NAME - [0:0]\n` of every chain, in order. */
  get decls(): string {
    if (this.#decls === null) this.#decls = joinDecls(this.chains, 0, this.chains.length);
    return this.#decls;
  }

  /** The rules of every chain, in order. */
  get rules(): string {
    if (this.#rules === null) this.#rules = joinRules(this.chains, 0, this.chains.length);
    return this.#rules;
  }

  /** Drops the joined texts (the chains changed). */
  invalidate(): void {
    this.#decls = null;
    this.#rules = null;
  }
}

/** Declaration lines of `chains[from..to)`, one flat string. */
export function joinDecls(chains: readonly ChainText[], from: number, to: number): string {
  let s = '';
  for (let i = from; i < to; i++) s += `:${chains[i]!.name} - [0:0]\n`;
  return flatten(s);
}

/** Rules of `chains[from..to)`, one flat string. */
export function joinRules(chains: readonly ChainText[], from: number, to: number): string {
  let s = '';
  for (let i = from; i < to; i++) s += chains[i]!.rules;
  return flatten(s);
}

export class SortedChains {
  #chunks: ChainChunk[] = [];
  #size = 0;

  /** Builds from chains in any order. */
  static from(chains: ChainText[]): SortedChains {
    const s = new SortedChains();
    const sorted = sortByKey(chains) ?? chains.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (let i = 0; i < sorted.length; i += CHUNK) s.#chunks.push(new ChainChunk(sorted.slice(i, i + CHUNK)));
    s.#size = sorted.length;
    return s;
  }

  get size(): number {
    return this.#size;
  }

  /** Index of the chunk that holds, or would hold, `name`. */
  #chunkFor(name: string): number {
    const c = this.#chunks;
    let lo = 0;
    let hi = c.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (c[mid]!.last < name) lo = mid + 1;
      else hi = mid;
    }
    return Math.min(lo, c.length - 1);
  }

  /** Adds a chain (its name must not be present). */
  insert(chain: ChainText): void {
    this.#size++;
    if (this.#chunks.length === 0) {
      this.#chunks.push(new ChainChunk([chain]));
      return;
    }
    const ci = this.#chunkFor(chain.name);
    const chunk = this.#chunks[ci]!;
    const list = chunk.chains;
    list.splice(lowerBound(list, chain.name), 0, chain);
    chunk.invalidate();
    if (list.length > 2 * CHUNK) this.#chunks.splice(ci, 1, new ChainChunk(list.slice(0, CHUNK)), new ChainChunk(list.slice(CHUNK)));
  }

  /** Removes the chain called `name`; returns whether it was there. */
  remove(name: string): boolean {
    if (this.#chunks.length === 0) return false;
    const ci = this.#chunkFor(name);
    const chunk = this.#chunks[ci]!;
    const list = chunk.chains;
    const i = lowerBound(list, name);
    if (list[i]?.name !== name) return false;
    list.splice(i, 1);
    chunk.invalidate();
    if (list.length === 0) this.#chunks.splice(ci, 1);
    this.#size--;
    return true;
  }

  /** Chains in name order. */
  *[Symbol.iterator](): IterableIterator<ChainText> {
    for (const chunk of this.#chunks) yield* chunk.chains;
  }

  /** The chunks, in name order, for fast read-only iteration. */
  chunks(): readonly ChainChunk[] {
    return this.#chunks;
  }
}
