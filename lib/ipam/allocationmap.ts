// The set of used offsets of a range, as the API server's allocator.AllocationMap: a bitmap
// (one bit per address, so a /12 costs 128 KiB) up to 2^24 offsets, a sparse Set beyond
// (IPv6 /64 ranges), where allocations are always a vanishing fraction of the range.
import type { Random } from '../sim/random.js';

export interface AllocationMap {
  /** Number of offsets in the range, [0, size). */
  readonly size: bigint;
  /** Number of offsets currently set. */
  count(): bigint;
  has(offset: bigint): boolean;
  /** Marks the offset used; false if it already was. */
  set(offset: bigint): boolean;
  /** Marks the offset free; false if it already was. */
  clear(offset: bigint): boolean;
  /** First free offset scanning `from`..`hi`, then wrapping `lo`..`from-1`; undefined if [lo, hi] is full. */
  findClear(lo: bigint, hi: bigint, from: bigint): bigint | undefined;
  /** Used offsets in ascending order. */
  offsets(): bigint[];
}

const BITMAP_LIMIT = 1n << 24n;

/** An allocation map for `size` offsets, bitmap-backed when that stays small. */
export function newAllocationMap(size: bigint): AllocationMap {
  return size <= BITMAP_LIMIT ? new BitmapMap(Number(size)) : new SparseMap(size);
}

/** A bitmap over [0, size) with number offsets; word-at-a-time scans skip full words. */
export class Bitmap {
  readonly #words: Uint32Array;
  readonly size: number;
  #count = 0;
  constructor(size: number) {
    this.size = size;
    this.#words = new Uint32Array(Math.ceil(size / 32));
  }
  get count(): number {
    return this.#count;
  }
  has(i: number): boolean {
    return (this.#words[i >>> 5]! & (1 << (i & 31))) !== 0;
  }
  set(i: number): boolean {
    const w = i >>> 5;
    const m = 1 << (i & 31);
    if (this.#words[w]! & m) return false;
    this.#words[w] = this.#words[w]! | m;
    this.#count++;
    return true;
  }
  clear(i: number): boolean {
    const w = i >>> 5;
    const m = 1 << (i & 31);
    if (!(this.#words[w]! & m)) return false;
    this.#words[w] = this.#words[w]! & ~m;
    this.#count--;
    return true;
  }
  /** First clear bit in [a, b], or -1. */
  firstClear(a: number, b: number): number {
    let i = a;
    while (i <= b) {
      const w = i >>> 5;
      const free = ~this.#words[w]! & (0xffffffff << (i & 31));
      if (free === 0) {
        i = (w + 1) << 5;
        continue;
      }
      const idx = (w << 5) + (31 - Math.clz32(free & -free));
      return idx <= b ? idx : -1;
    }
    return -1;
  }
  /** First clear bit scanning from..hi then lo..from-1, or -1. */
  findClear(lo: number, hi: number, from: number): number {
    const a = this.firstClear(from, hi);
    if (a >= 0) return a;
    return from > lo ? this.firstClear(lo, from - 1) : -1;
  }
  /** Set bits in ascending order. */
  *ones(): Generator<number> {
    for (let w = 0; w < this.#words.length; w++) {
      let word = this.#words[w]!;
      while (word !== 0) {
        const bit = 31 - Math.clz32(word & -word);
        yield (w << 5) + bit;
        word &= word - 1;
      }
    }
  }
}

class BitmapMap implements AllocationMap {
  readonly size: bigint;
  readonly #bits: Bitmap;
  constructor(size: number) {
    this.size = BigInt(size);
    this.#bits = new Bitmap(size);
  }
  count(): bigint {
    return BigInt(this.#bits.count);
  }
  has(o: bigint): boolean {
    return o >= 0n && o < this.size && this.#bits.has(Number(o));
  }
  set(o: bigint): boolean {
    return this.#bits.set(Number(o));
  }
  clear(o: bigint): boolean {
    return this.#bits.clear(Number(o));
  }
  findClear(lo: bigint, hi: bigint, from: bigint): bigint | undefined {
    const r = this.#bits.findClear(Number(lo), Number(hi), Number(from));
    return r < 0 ? undefined : BigInt(r);
  }
  offsets(): bigint[] {
    return [...this.#bits.ones()].map(BigInt);
  }
}

class SparseMap implements AllocationMap {
  readonly size: bigint;
  readonly #used = new Set<bigint>();
  constructor(size: bigint) {
    this.size = size;
  }
  count(): bigint {
    return BigInt(this.#used.size);
  }
  has(o: bigint): boolean {
    return this.#used.has(o);
  }
  set(o: bigint): boolean {
    if (this.#used.has(o)) return false;
    this.#used.add(o);
    return true;
  }
  clear(o: bigint): boolean {
    return this.#used.delete(o);
  }
  findClear(lo: bigint, hi: bigint, from: bigint): bigint | undefined {
    // A free offset turns up within (used + 1) steps unless [lo, hi] is entirely used.
    const span = hi - lo + 1n;
    const limit = span < BigInt(this.#used.size) + 1n ? span : BigInt(this.#used.size) + 1n;
    let c = from;
    for (let i = 0n; i < limit; i++) {
      if (!this.#used.has(c)) return c;
      c = c === hi ? lo : c + 1n;
    }
    return undefined;
  }
  offsets(): bigint[] {
    return [...this.#used].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }
}

/** Uniform integer in [0, n) from a seeded stream (rejection sampling on 16-bit draws above 2^31). */
export function randomBelow(random: Random, n: bigint): bigint {
  if (n <= 0n) throw new RangeError('randomBelow: empty range');
  if (n <= 0x80000000n) return BigInt(random.int(0, Number(n) - 1));
  const bits = n.toString(2).length;
  const chunks = Math.ceil(bits / 16);
  const mask = (1n << BigInt(bits)) - 1n;
  for (;;) {
    let v = 0n;
    for (let i = 0; i < chunks; i++) v = (v << 16n) | BigInt(random.int(0, 0xffff));
    v &= mask;
    if (v < n) return v;
  }
}
