// How each compiled check (atom) is decided for a packet, and the side effects some checks
// have (recent --set/--update/--remove, statistic nth counters). Pure functions of the packet
// state and the context, shared by the walk and the fast path.

import type { Address } from './address.js';
import {
  A_CTSTATE,
  A_DPORT,
  A_DST4,
  A_DST6,
  A_DSTTYPE,
  A_FRAG,
  A_ICMP,
  A_IN,
  A_MARK,
  A_MULTIPORT,
  A_NOFRAG,
  A_NTH,
  A_OUT,
  A_PROTO,
  A_RECENT,
  A_SPORT,
  A_SRC4,
  A_SRC6,
  A_SRCTYPE,
  A_TCPFLAGS,
  type AtomData,
  CT_DNAT,
  CT_INVALID,
  CT_NEW,
  CT_RELATED,
  CT_SNAT,
  CT_UNTRACKED,
  type CTable,
  INV,
} from './compile.js';
import type { Effect, EffectList, EvalContext, PacketState } from './outcome.js';
import { ADDR_TYPES, type RecentMatch } from './ruleset.js';

const T_UNICAST = 1;
const T_LOCAL = 2;
const T_BROADCAST = 3;
const T_MULTICAST = 5;

/** The address type as the addrtype match sees it (RTN_* as an index into ADDR_TYPES). */
function addressType(addr: Address, iface: string | undefined, ctx: EvalContext): number {
  if (ctx.addressType) return ADDR_TYPES.indexOf(ctx.addressType(addr, iface));
  if (typeof addr === 'number') {
    // As inet_addr_type: 0.0.0.0/8 and 255.255.255.255 are BROADCAST, 224/4 MULTICAST.
    if (addr >>> 24 === 0 || addr === 0xffffffff) return T_BROADCAST;
    if (addr >>> 28 === 0xe) return T_MULTICAST;
  } else if (addr >> 120n === 0xffn) return T_MULTICAST;
  return ctx.isLocalAddress(addr, iface) ? T_LOCAL : T_UNICAST;
}

function ifaceMatches(d: AtomData, inv: boolean, name: string | undefined): boolean {
  const n = name ?? '';
  // As the kernel's masked ifname compare: `eth+` is a prefix, otherwise the whole name.
  return (d.prefix ? n.startsWith(d.name) : n === d.name) !== inv;
}

/** The conntrack state bits of the packet (with SNAT/DNAT when a tracked connection has them). */
export function ctBits(s: PacketState, withNat: boolean): number {
  const base = s.ctstate;
  if (!withNat || base === CT_INVALID || base === CT_UNTRACKED) return base;
  return base | (s.ctSnat ? CT_SNAT : 0) | (s.ctDnat ? CT_DNAT : 0);
}

/** nf_nat only consults the nat table for the first packet of a connection (NEW or RELATED). */
export function natTableRuns(s: PacketState): boolean {
  return s.ctstate === CT_NEW || s.ctstate === CT_RELATED;
}

function maskAddress(a: Address, mask: Address): Address {
  return typeof a === 'number' ? (a & (mask as number)) >>> 0 : a & (mask as bigint);
}

interface RecentDecision {
  readonly ret: boolean;
  readonly found: boolean;
  readonly key: Address;
}

/** xt_recent's decision for this packet, including what earlier checks of this branch did to the list. */
function recentDecision(m: RecentMatch, s: PacketState, ctx: EvalContext): RecentDecision {
  const key = maskAddress(m.side === 'source' ? s.src : s.dst, m.mask);
  const now = ctx.now ?? 0;
  const base = ctx.recent?.get(m.name)?.get(key);
  let stamps: number[] | null = base === undefined ? null : typeof base === 'number' ? [base] : [...base];
  // Effects are newest first; replay this list's ones from the oldest.
  const mine: Effect[] = [];
  for (let e: EffectList | null = s.effects; e !== null; e = e.next) {
    const x = e.effect;
    if (x.kind === 'recent' && x.name === m.name && x.address === key) mine.push(x);
  }
  for (let i = mine.length - 1; i >= 0; i--) {
    const x = mine[i]!;
    stamps = x.kind === 'recent' && x.op === 'remove' ? null : [...(stamps ?? []), now];
  }
  let ret = m.invert;
  if (stamps === null) {
    if (m.command === 'set') ret = !ret;
    return { ret, found: false, key };
  }
  if (m.command === 'set' || m.command === 'remove') return { ret: !ret, found: true, key };
  // --rcheck / --update: a stamp within --seconds (and --hitcount of them) matches.
  const since = now - m.seconds * 1000;
  let hits = 0;
  for (const t of stamps) {
    if (m.seconds && t < since) continue;
    if (!m.hitcount || ++hits >= m.hitcount) {
      ret = !ret;
      break;
    }
  }
  return { ret, found: true, key };
}

/** Next value of an nth counter (the kernel's count: `every - 1` wraps to 0, which matches). */
function nthNext(d: AtomData, s: PacketState, ctx: EvalContext): number {
  const m = d.nth!;
  let cur: number | undefined;
  for (let e: EffectList | null = s.effects; e !== null && cur === undefined; e = e.next) {
    if (e.effect.kind === 'nth' && e.effect.counter === d.counter) cur = e.effect.value;
  }
  // xt_statistic starts the counter at every - 1 - packet.
  cur ??= ctx.nthCounters?.get(d.counter) ?? m.every - 1 - m.packet;
  return cur === m.every - 1 ? 0 : cur + 1;
}

/** Decides the atom at offset `ao` of the table's code (never A_RANDOM, which the caller forks on). */
export function testAtom(t: CTable, ao: number, s: PacketState, ctx: EvalContext): boolean {
  const code = t.code;
  const ki = code[ao]!;
  const inv = (ki & INV) !== 0;
  const a = code[ao + 1]!;
  const m = code[ao + 2]!;
  switch (ki & 255) {
    case A_SRC4:
      return (((s.src as number) & m) === a) !== inv;
    case A_DST4:
      return (((s.dst as number) & m) === a) !== inv;
    case A_PROTO:
      return (s.proto === a) !== inv;
    case A_SPORT:
      return s.pkt.fragment !== true && (s.sport >= a && s.sport <= m) !== inv;
    case A_DPORT:
      return s.pkt.fragment !== true && (s.dport >= a && s.dport <= m) !== inv;
    case A_NOFRAG:
      return s.pkt.fragment !== true;
    case A_MARK:
      return ((s.mark & m) === a) !== inv;
    case A_SRC6: {
      const d = t.atoms[code[ao + 3]!]!;
      return (((s.src as bigint) & d.m6) === d.a6) !== inv;
    }
    case A_DST6: {
      const d = t.atoms[code[ao + 3]!]!;
      return (((s.dst as bigint) & d.m6) === d.a6) !== inv;
    }
    case A_IN:
      return ifaceMatches(t.atoms[code[ao + 3]!]!, inv, s.pkt.inIface);
    case A_OUT:
      return ifaceMatches(t.atoms[code[ao + 3]!]!, inv, s.pkt.outIface);
    case A_FRAG:
      return (s.pkt.fragment === true) !== inv;
    case A_TCPFLAGS: {
      if (s.pkt.fragment === true) return false;
      const flags = s.pkt.tcpFlags ?? (s.ctstate === CT_NEW ? 0x02 : 0x10);
      return ((flags & m) === a) !== inv;
    }
    case A_MULTIPORT: {
      if (s.pkt.fragment === true) return false;
      for (const [lo, hi] of t.atoms[code[ao + 3]!]!.ports!) {
        if (a !== 2 && s.sport >= lo && s.sport <= hi) return !inv;
        if (a !== 1 && s.dport >= lo && s.dport <= hi) return !inv;
      }
      return inv;
    }
    case A_SRCTYPE:
    case A_DSTTYPE: {
      const addr = (ki & 255) === A_SRCTYPE ? s.src : s.dst;
      const iface = m === 1 ? (s.pkt.inIface ?? '') : m === 2 ? (s.pkt.outIface ?? '') : undefined;
      return ((a & (1 << addressType(addr, iface, ctx))) !== 0) !== inv;
    }
    case A_NTH:
      return (nthNext(t.atoms[code[ao + 3]!]!, s, ctx) === 0) !== inv;
    case A_RECENT:
      return recentDecision(t.atoms[code[ao + 3]!]!.recent!, s, ctx).ret;
    case A_CTSTATE:
      return ((ctBits(s, m === 1) & a) !== 0) !== inv;
    case A_ICMP: {
      if (s.pkt.fragment === true) return false;
      const type = s.pkt.icmpType ?? 8;
      const c = s.pkt.icmpCode ?? 0;
      return (a === 255 || (type === a && c >= m >> 8 && c <= (m & 255))) !== inv;
    }
    default:
      throw new Error(`netfilter: unknown check kind ${ki & 255}`);
  }
}

/** Whether the atom at `ao` can change state (so the caller must ask `atomEffect` after testing it). */
export function hasEffect(t: CTable, ao: number): boolean {
  const k = t.code[ao]! & 255;
  return k === A_RECENT || k === A_NTH;
}

/** The side effect of the atom at `ao`, just decided with `result`, or null. */
export function atomEffect(t: CTable, ao: number, s: PacketState, ctx: EvalContext, result: boolean): Effect | null {
  const d = t.atoms[t.code[ao + 3]!]!;
  if ((t.code[ao]! & 255) === A_NTH) return { kind: 'nth', counter: d.counter, value: nthNext(d, s, ctx) };
  const m = d.recent!;
  const r = recentDecision(m, s, ctx);
  const at = ctx.now ?? 0;
  if (m.command === 'set') return { kind: 'recent', op: 'set', name: m.name, address: r.key, at };
  if (m.command === 'remove') return r.found ? { kind: 'recent', op: 'remove', name: m.name, address: r.key, at } : null;
  // As recent_mt: --update refreshes an existing entry only when the (inverted) result is true.
  if (m.command === 'update' && result && r.found) return { kind: 'recent', op: 'update', name: m.name, address: r.key, at };
  return null;
}
