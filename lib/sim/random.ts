// Seeded randomness. Every subsystem takes its own child stream derived from the scenario
// seed and a name, so a new draw in one subsystem never shifts another's output.
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';

/** A deterministic random stream. */
export class Random {
  #gen: RandomGenerator;
  readonly seed: number;
  constructor(seed: number) {
    this.seed = seed >>> 0;
    this.#gen = xoroshiro128plus(this.seed);
  }
  /** An independent stream for the subsystem `name`, fixed by (seed, name). */
  child(name: string): Random {
    return new Random(hash32(`${this.seed}/${name}`));
  }
  /** Uniform integer in [min, max]. */
  int(min: number, max: number): number {
    return uniformInt(this.#gen, min, max);
  }
  /** Uniform float in [0, 1). */
  float(): number {
    return this.int(0, 0x3fffffff) / 0x40000000;
  }
  /** Lower-case alphanumeric string as Kubernetes' name generator uses (no vowels, no 0/1/3). */
  suffix(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += SUFFIX_ALPHABET[this.int(0, SUFFIX_ALPHABET.length - 1)];
    return s;
  }
}

/** apimachinery's util/rand alphabet: consonants and digits that cannot spell words. */
export const SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** FNV-1a 32-bit hash of a string. */
export function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
