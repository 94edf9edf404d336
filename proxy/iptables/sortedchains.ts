// The per-service nat chains of a node, kept in iptables-save's order (by name, byte-wise)
// as a list of small sorted chunks, so replacing one service's chains costs O(log n + chunk)
// instead of moving hundreds of thousands of entries.
import type { ChainText } from './servicerules.js';

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

export class SortedChains {
  #chunks: ChainText[][] = [];
  #size = 0;

  /** Builds from chains in any order. */
  static from(chains: ChainText[]): SortedChains {
    const s = new SortedChains();
    const sorted = sortByKey(chains) ?? chains.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (let i = 0; i < sorted.length; i += CHUNK) s.#chunks.push(sorted.slice(i, i + CHUNK));
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
      const last = c[mid]!;
      if (last[last.length - 1]!.name < name) lo = mid + 1;
      else hi = mid;
    }
    return Math.min(lo, c.length - 1);
  }

  /** Adds a chain (its name must not be present). */
  insert(chain: ChainText): void {
    this.#size++;
    if (this.#chunks.length === 0) {
      this.#chunks.push([chain]);
      return;
    }
    const ci = this.#chunkFor(chain.name);
    const chunk = this.#chunks[ci]!;
    chunk.splice(lowerBound(chunk, chain.name), 0, chain);
    if (chunk.length > 2 * CHUNK) this.#chunks.splice(ci, 1, chunk.slice(0, CHUNK), chunk.slice(CHUNK));
  }

  /** Removes the chain called `name`; returns whether it was there. */
  remove(name: string): boolean {
    if (this.#chunks.length === 0) return false;
    const ci = this.#chunkFor(name);
    const chunk = this.#chunks[ci]!;
    const i = lowerBound(chunk, name);
    if (chunk[i]?.name !== name) return false;
    chunk.splice(i, 1);
    if (chunk.length === 0) this.#chunks.splice(ci, 1);
    this.#size--;
    return true;
  }

  /** Chains in name order. */
  *[Symbol.iterator](): IterableIterator<ChainText> {
    for (const chunk of this.#chunks) yield* chunk;
  }

  /** The chunks, for fast read-only iteration. */
  chunks(): readonly (readonly ChainText[])[] {
    return this.#chunks;
  }
}
