// A node's connection tracking table, as nf_conntrack keeps it: each connection has an
// original tuple (as the first packet arrived) and a reply tuple (what a reply must look
// like after the NAT done on the way out). Later packets of either direction are found by
// their tuple and rewritten, which is how DNAT and MASQUERADE are undone for replies.
import { type Address, formatAddress } from './prefix.js';

/** The addresses and ports of a packet (its conntrack tuple). */
export interface Tuple {
  readonly proto: string;
  readonly src: Address;
  readonly dst: Address;
  readonly sport: number;
  readonly dport: number;
}

export interface ConntrackEntry {
  readonly original: Tuple;
  readonly reply: Tuple;
  /** The destination was rewritten (IPS_DST_NAT). */
  readonly dnat: boolean;
  /** The source was rewritten (IPS_SRC_NAT). */
  readonly snat: boolean;
}

/** The tuple of a packet going the other way. */
export function invertTuple(t: Tuple): Tuple {
  return { proto: t.proto, src: t.dst, dst: t.src, sport: t.dport, dport: t.sport };
}

function tupleKey(t: Tuple): string {
  return `${t.proto}|${String(t.src)}|${String(t.dst)}|${t.sport}|${t.dport}`;
}

export function sameTuple(a: Tuple, b: Tuple): boolean {
  return a.proto === b.proto && a.src === b.src && a.dst === b.dst && a.sport === b.sport && a.dport === b.dport;
}

/** A packet after conntrack's NAT for an established connection. */
export interface Translation {
  readonly entry: ConntrackEntry;
  readonly direction: 'original' | 'reply';
  readonly packet: Tuple;
}

export class Conntrack {
  #byOriginal = new Map<string, ConntrackEntry>();
  #byReply = new Map<string, ConntrackEntry>();

  /** Records a new connection: `original` as the packet entered, `final` as it left after NAT. */
  track(original: Tuple, final: Tuple): ConntrackEntry {
    const entry: ConntrackEntry = {
      original,
      reply: invertTuple(final),
      dnat: original.dst !== final.dst || original.dport !== final.dport,
      snat: original.src !== final.src || original.sport !== final.sport,
    };
    this.#byOriginal.set(tupleKey(entry.original), entry);
    this.#byReply.set(tupleKey(entry.reply), entry);
    return entry;
  }

  /** The entry a packet belongs to and the packet after NAT; undefined for an untracked tuple. */
  translate(packet: Tuple): Translation | undefined {
    const key = tupleKey(packet);
    const r = this.#byReply.get(key);
    if (r !== undefined) return { entry: r, direction: 'reply', packet: invertTuple(r.original) };
    const o = this.#byOriginal.get(key);
    if (o !== undefined) return { entry: o, direction: 'original', packet: invertTuple(o.reply) };
    return undefined;
  }

  get size(): number {
    return this.#byOriginal.size;
  }

  /** Entries in insertion order. */
  entries(): ConntrackEntry[] {
    return [...this.#byOriginal.values()];
  }
}

/** An entry as `conntrack -L` prints it (without timeout and counters). */
export function formatConntrackEntry(e: ConntrackEntry): string {
  const t = (x: Tuple) => `src=${formatAddress(x.src)} dst=${formatAddress(x.dst)} sport=${x.sport} dport=${x.dport}`;
  const flags = [e.dnat ? 'DNAT' : '', e.snat ? 'SNAT' : ''].filter(Boolean);
  return `${e.original.proto} ${t(e.original)} ${t(e.reply)}${flags.length ? ` [${flags.join(',')}]` : ''}`;
}
