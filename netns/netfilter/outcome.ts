// What goes into an evaluation (a packet and the host context) and what comes out (one
// Outcome per distinct result, with its probability, rewritten packet, NAT, trace and
// side effects). Shared by the rule walk and the fast path so both build identical objects.

import type { Address } from './address.js';
import type { AddrType, TableName } from './ruleset.js';

/** A packet at one hook. Addresses are uint32 numbers (IPv4) or bigints (IPv6). */
export interface Packet {
  readonly src: Address;
  readonly dst: Address;
  /** Lowercase protocol name: `tcp`, `udp`, `sctp`, `icmp`, `icmpv6`, ... */
  readonly proto: string;
  readonly sport: number;
  readonly dport: number;
  /** Incoming interface (PREROUTING, INPUT, FORWARD); absent means none, as in OUTPUT. */
  readonly inIface?: string;
  /** Outgoing interface (FORWARD, OUTPUT, POSTROUTING). */
  readonly outIface?: string;
  /** skb->mark; 0 when absent. */
  readonly mark?: number;
  /** TCP flag bits (FIN 1, SYN 2, RST 4, PSH 8, ACK 16, URG 32); default SYN for a NEW connection, else ACK. */
  readonly tcpFlags?: number;
  readonly icmpType?: number;
  readonly icmpCode?: number;
  /** True for a second or later fragment (what `-f` matches; port matches never match it). */
  readonly fragment?: boolean;
}

export type ConntrackState = 'NEW' | 'ESTABLISHED' | 'RELATED' | 'INVALID' | 'UNTRACKED';

/** Per-name tables of the `recent` match: address -> last-seen time, or every time seen (oldest first). */
export type RecentTables = ReadonlyMap<string, ReadonlyMap<Address, number | readonly number[]>>;

/** Host state the rules consult. Only `isLocalAddress` is required. */
export interface EvalContext {
  /** addrtype LOCAL: whether the address belongs to this host (on `iface` with --limit-iface-*). */
  isLocalAddress(address: Address, iface?: string): boolean;
  /** Full address type when rules ask for more than LOCAL; default: LOCAL/MULTICAST/BROADCAST/UNICAST. */
  addressType?(address: Address, iface?: string): AddrType;
  /** Conntrack state of the packet; default NEW (the first packet of a connection). */
  readonly ctstate?: ConntrackState;
  /** NAT conntrack already recorded for this connection (what `--ctstate SNAT,DNAT` sees). */
  readonly ctNat?: { readonly snat?: boolean; readonly dnat?: boolean };
  /** The `recent` match's tables. */
  readonly recent?: RecentTables;
  /** Virtual time in ms, for `recent --seconds`; default 0. */
  readonly now?: number;
  /** MASQUERADE: the address of the outgoing interface for this packet; src is kept when absent. */
  masqueradeAddress?(packet: Packet): Address;
  /** Counters of `statistic --mode nth` rules by Effect counter key; default the rule's initial value. */
  readonly nthCounters?: ReadonlyMap<string, number>;
}

/** One step of the trace: a rule that fired (or a random rule not taken, or a chain policy). */
export interface Hop {
  readonly table: TableName;
  readonly chain: string;
  /** 1-based rule number in the chain (as `iptables -L --line-numbers`); 0 for the chain policy. */
  readonly index: number;
  /** The rule as written (`-A KUBE-SERVICES ...`), or `-P CHAIN POLICY` for a policy. */
  readonly rule: string;
  /** `jump KUBE-SVC-X`, `goto X`, `DNAT --to-destination 10.244.1.5:80`, `policy ACCEPT`, `not taken`, ... */
  readonly action: string;
  /** For rules with `statistic --mode random`: the chance of this branch at this rule. */
  readonly probability?: number;
}

/** A state change the caller commits if it follows this outcome. */
export type Effect =
  | {
      readonly kind: 'recent';
      readonly op: 'set' | 'update' | 'remove';
      readonly name: string;
      /** The (masked) address recorded, source or destination as the rule says. */
      readonly address: Address;
      readonly at: number;
    }
  | { readonly kind: 'nth'; readonly counter: string; readonly value: number };

export interface DnatRecord {
  readonly address: Address;
  readonly port: number;
}

export interface SnatRecord {
  readonly address: Address;
  readonly port: number;
  readonly masquerade: boolean;
  readonly randomFully: boolean;
}

export type Verdict = 'ACCEPT' | 'DROP' | 'REJECT';

export interface Outcome {
  /** Exact chance of this outcome (outcomes of one evaluation sum to 1). */
  readonly probability: number;
  readonly verdict: Verdict;
  /** REJECT only: `icmp-port-unreachable`, `tcp-reset`, ... */
  readonly rejectWith?: string;
  /** The packet after NAT and MARK. */
  readonly packet: Packet;
  readonly mark: number;
  /** Destination NAT done by this evaluation. */
  readonly dnat?: DnatRecord;
  /** Source NAT (SNAT or MASQUERADE) done by this evaluation. */
  readonly snat?: SnatRecord;
  /** The rules this outcome went through. For merged outcomes, those of the first branch. */
  readonly hops: readonly Hop[];
  /** Rules checked, as iptables checks them (every rule in order until one matches); for merged outcomes the probability-weighted mean. */
  readonly rulesEvaluated: number;
  readonly effects: readonly Effect[];
}

/** The mutable part of a packet while it is walked (read by matches, written by targets). */
export interface PacketState {
  /** Protocol number of pkt.proto (6 tcp, 17 udp, ...; -1 when unknown). */
  readonly proto: number;
  src: Address;
  dst: Address;
  sport: number;
  dport: number;
  mark: number;
  ctstate: number;
  ctSnat: boolean;
  ctDnat: boolean;
  dnat: DnatRecord | null;
  snat: SnatRecord | null;
  effects: EffectList | null;
  readonly pkt: Packet;
}

/** Effects as a persistent list (newest first) so that forked branches share their past. */
export interface EffectList {
  readonly effect: Effect;
  readonly next: EffectList | null;
}

/** The packet after rewriting: the caller's optional fields kept, the rest from the state. */
export function rewrittenPacket(s: PacketState): Packet {
  const p = s.pkt;
  // Whole literals for the usual packets (at most an input interface): no per-field map transitions.
  if (p.outIface === undefined && p.tcpFlags === undefined && p.icmpType === undefined && p.icmpCode === undefined && p.fragment === undefined) {
    if (p.inIface === undefined) return { src: s.src, dst: s.dst, proto: p.proto, sport: s.sport, dport: s.dport, mark: s.mark };
    return { src: s.src, dst: s.dst, proto: p.proto, sport: s.sport, dport: s.dport, mark: s.mark, inIface: p.inIface };
  }
  const out: {
    src: Address;
    dst: Address;
    proto: string;
    sport: number;
    dport: number;
    inIface?: string;
    outIface?: string;
    mark: number;
    tcpFlags?: number;
    icmpType?: number;
    icmpCode?: number;
    fragment?: boolean;
  } = { src: s.src, dst: s.dst, proto: p.proto, sport: s.sport, dport: s.dport, mark: s.mark };
  if (p.inIface !== undefined) out.inIface = p.inIface;
  if (p.outIface !== undefined) out.outIface = p.outIface;
  if (p.tcpFlags !== undefined) out.tcpFlags = p.tcpFlags;
  if (p.icmpType !== undefined) out.icmpType = p.icmpType;
  if (p.icmpCode !== undefined) out.icmpCode = p.icmpCode;
  if (p.fragment !== undefined) out.fragment = p.fragment;
  return out;
}

const NO_EFFECTS: readonly Effect[] = Object.freeze([]);

function effectArray(list: EffectList | null): readonly Effect[] {
  if (list === null) return NO_EFFECTS;
  const out: Effect[] = [];
  for (let e: EffectList | null = list; e !== null; e = e.next) out.push(e.effect);
  return out.reverse();
}

/** Builds one outcome from a finished branch. */
export function makeOutcome(
  s: PacketState,
  verdict: Verdict,
  rejectWith: string | null,
  probability: number,
  hops: readonly Hop[],
  rulesEvaluated: number,
): Outcome {
  const packet = rewrittenPacket(s);
  const effects = effectArray(s.effects);
  // Whole literals for the common shapes (a DNAT'd or untouched ACCEPT) keep object maps stable.
  if (rejectWith === null && s.snat === null) {
    if (s.dnat !== null) return { probability, verdict, packet, mark: s.mark, hops, rulesEvaluated, effects, dnat: s.dnat };
    return { probability, verdict, packet, mark: s.mark, hops, rulesEvaluated, effects };
  }
  const o: {
    probability: number;
    verdict: Verdict;
    rejectWith?: string;
    packet: Packet;
    mark: number;
    dnat?: DnatRecord;
    snat?: SnatRecord;
    hops: readonly Hop[];
    rulesEvaluated: number;
    effects: readonly Effect[];
  } = { probability, verdict, packet, mark: s.mark, hops, rulesEvaluated, effects };
  if (rejectWith !== null) o.rejectWith = rejectWith;
  if (s.dnat !== null) o.dnat = s.dnat;
  if (s.snat !== null) o.snat = s.snat;
  return o;
}

function sameEffects(a: readonly Effect[], b: readonly Effect[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.kind !== y.kind) return false;
    if (x.kind === 'nth') {
      if (y.kind !== 'nth' || x.counter !== y.counter || x.value !== y.value) return false;
    } else if (y.kind !== 'recent' || x.op !== y.op || x.name !== y.name || x.address !== y.address || x.at !== y.at) {
      return false;
    }
  }
  return true;
}

/** Whether two outcomes have the same result (everything but probability and trace). */
export function sameResult(a: Outcome, b: Outcome): boolean {
  const p = a.packet;
  const q = b.packet;
  return (
    a.verdict === b.verdict &&
    p.dst === q.dst &&
    p.dport === q.dport &&
    p.src === q.src &&
    p.sport === q.sport &&
    a.mark === b.mark &&
    a.rejectWith === b.rejectWith &&
    a.dnat?.address === b.dnat?.address &&
    a.dnat?.port === b.dnat?.port &&
    a.snat?.address === b.snat?.address &&
    a.snat?.port === b.snat?.port &&
    a.snat?.masquerade === b.snat?.masquerade &&
    a.snat?.randomFully === b.snat?.randomFully &&
    sameEffects(a.effects, b.effects)
  );
}

/**
 * Merges outcomes with the same result, keeping first-branch order: probabilities add, the
 * first branch's hops stay, and rulesEvaluated becomes the probability-weighted mean.
 */
export function mergeOutcomes(list: Outcome[]): Outcome[] {
  const n = list.length;
  if (n < 2) return list;
  // Outcomes with pairwise different destinations (the usual: one per endpoint) cannot merge.
  const dsts: Address[] = new Array(n);
  let clash = false;
  for (let i = 0; i < n && !clash; i++) {
    const d = list[i]!.packet.dst;
    for (let j = 0; j < i; j++) {
      if (dsts[j] === d) {
        clash = true;
        break;
      }
    }
    dsts[i] = d;
  }
  if (!clash) return list;
  const out: Outcome[] = [];
  for (const o of list) {
    let k = 0;
    while (k < out.length && !sameResult(out[k]!, o)) k++;
    if (k === out.length) {
      out.push(o);
      continue;
    }
    const m = out[k]!;
    const probability = m.probability + o.probability;
    const rulesEvaluated = (m.rulesEvaluated * m.probability + o.rulesEvaluated * o.probability) / probability;
    out[k] = { ...m, probability, rulesEvaluated };
  }
  return out;
}
