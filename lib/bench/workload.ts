// The lookup workload, pure and seeded: which mix entry and which client each lookup is, when it
// is due, and the resolv.conf variants the comparison runs use.
import type { ResolvConf } from '../../dns/resolvconf.js';
import type { Random } from '../sim/random.js';

/** Weighted choice over fixed weights (cumulative table, binary search). */
export class WeightedChoice {
  readonly #cumulative: Float64Array;
  readonly total: number;
  constructor(weights: readonly number[]) {
    if (weights.length === 0) throw new RangeError('no weights');
    this.#cumulative = new Float64Array(weights.length);
    let sum = 0;
    weights.forEach((w, i) => {
      if (!(w > 0) || !Number.isFinite(w)) throw new RangeError(`weight ${i} must be a positive number`);
      sum += w;
      this.#cumulative[i] = sum;
    });
    this.total = sum;
  }
  /** The index whose cumulative interval holds `u` in [0, total). */
  indexAt(u: number): number {
    const c = this.#cumulative;
    let lo = 0;
    let hi = c.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (u < c[mid]!) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
  /** Draws an index with probability weight / total. */
  pick(random: Random): number {
    return this.indexAt(random.float() * this.total);
  }
}

/** One lookup of the workload: a mix entry asked by a client. */
export interface LookupDraw {
  entry: number;
  client: number;
}

/** The stream of lookups: entries by weight, clients uniformly, from one seeded stream. */
export class LookupStream {
  readonly #mix: WeightedChoice;
  readonly #clients: number;
  readonly #random: Random;
  constructor(weights: readonly number[], clients: number, random: Random) {
    if (clients < 1) throw new RangeError('no clients');
    this.#mix = new WeightedChoice(weights);
    this.#clients = clients;
    this.#random = random;
  }
  next(): LookupDraw {
    const entry = this.#mix.pick(this.#random);
    const client = this.#clients === 1 ? 0 : this.#random.int(0, this.#clients - 1);
    return { entry, client };
  }
}

/** Lookups a run of `durationMs` at `rate` per second starts: open loop, the i-th due at i / rate. */
export function lookupCount(rate: number, durationMs: number): number {
  return Math.max(1, Math.floor((rate * durationMs) / 1000));
}

/** When the i-th lookup is due, in ms from the start of the run. */
export function dueAt(i: number, rate: number): number {
  return (i * 1000) / rate;
}

/** The resolv.conf with `options ndots:N` set (replacing any ndots option), as a pod's dnsConfig would. */
export function withNdots(rc: ResolvConf, ndots: number): ResolvConf {
  const options = rc.options.filter((o) => o.name !== 'ndots');
  options.push({ name: 'ndots', value: String(ndots) });
  return { nameservers: [...rc.nameservers], searches: [...rc.searches], options };
}

/** The name with a trailing dot: what a user writes to skip the search list. */
export function absoluteName(name: string): string {
  return name.endsWith('.') ? name : `${name}.`;
}
