// The faithful rule walk: netfilter's semantics for one packet through one hook, of one table
// or of every table the hook runs (raw, mangle, nat, filter, security in priority order).
// Rules are checked in order; a jump pushes a return point, goto does not, RETURN and the end
// of a user chain pop it, and running off a built-in chain applies its policy. ACCEPT ends the
// table (the next table at the hook runs), DROP and REJECT end the hook, NAT targets end the
// nat table. `statistic --mode random` is explored exactly: the walk forks into the matched
// branch (chance threshold/2^31, the kernel's quantised value) and the unmatched one, and
// returns every outcome with its probability.

import type { Address } from './address.js';
import { atomEffect, natTableRuns, testAtom } from './checks.js';
import {
  A_RANDOM,
  A_RECENT,
  A_NTH,
  ATOM_INTS,
  CT_ESTABLISHED,
  CT_INVALID,
  CT_NEW,
  CT_RELATED,
  CT_UNTRACKED,
  type CTable,
  type CompiledRuleset,
  PROTO_NUMBERS,
  R_ATOMS,
  R_NATOMS,
  R_RUN,
  R_TA,
  R_TB,
  R_TCODE,
  type Run,
  TF_ADDR,
  TF_RANDOM_FULLY,
  T_ACCEPT,
  T_DNAT,
  T_DROP,
  T_GOTO,
  T_JUMP,
  T_LOG,
  T_MARK,
  T_MASQUERADE,
  T_NONE,
  T_NOTRACK,
  T_REJECT,
  T_RETURN,
  T_SNAT,
  compileRuleset,
  dstKey,
  portKey,
  protoSlot,
  randomChance,
  ruleHop,
  skipHop,
} from './compile.js';
import {
  type DnatRecord,
  type EffectList,
  type EvalContext,
  type Hop,
  type Outcome,
  type Packet,
  type PacketState,
  type SnatRecord,
  type Verdict,
  makeOutcome,
  mergeOutcomes,
  rewrittenPacket,
} from './outcome.js';
import type { Hook, Ruleset, TableName } from './ruleset.js';

export type { EvalContext, Hop, Outcome, Packet } from './outcome.js';

/** Which tables to run at the hook: one table, or all of them in netfilter priority order. */
export type TableSelector = TableName | 'all';

interface Frame {
  readonly chain: number;
  readonly rid: number;
  readonly next: Frame | null;
}

/** One branch of the walk: the packet state plus where it is in the rules. */
export class Path implements PacketState {
  readonly pkt: Packet;
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
  prob: number;
  /** Position in the hook's table plan, the table, its built-in chain, the current chain and rule. */
  ti: number;
  table: CTable | null;
  base: number;
  chain: number;
  rid: number;
  stack: Frame | null;
  /** The trace so far; a fork copies it (traces are a handful of hops). */
  hops: Hop[];
  evaluated: number;
  /** Where a recorder attaches this branch's next observation. */
  cursor: unknown;

  constructor(pkt: Packet, proto: number, from: Path | null, ctx: EvalContext | null) {
    this.pkt = pkt;
    this.proto = proto;
    if (from !== null) {
      this.src = from.src;
      this.dst = from.dst;
      this.sport = from.sport;
      this.dport = from.dport;
      this.mark = from.mark;
      this.ctstate = from.ctstate;
      this.ctSnat = from.ctSnat;
      this.ctDnat = from.ctDnat;
      this.dnat = from.dnat;
      this.snat = from.snat;
      this.effects = from.effects;
      this.prob = from.prob;
      this.ti = from.ti;
      this.table = from.table;
      this.base = from.base;
      this.chain = from.chain;
      this.rid = from.rid;
      this.stack = from.stack;
      this.hops = from.hops.slice();
      this.evaluated = from.evaluated;
      this.cursor = from.cursor;
    } else {
      this.src = pkt.src;
      this.dst = pkt.dst;
      this.sport = pkt.sport;
      this.dport = pkt.dport;
      this.mark = (pkt.mark ?? 0) >>> 0;
      this.ctstate = initialCtState(ctx!);
      this.ctSnat = ctx!.ctNat?.snat === true;
      this.ctDnat = ctx!.ctNat?.dnat === true;
      this.dnat = null;
      this.snat = null;
      this.effects = null;
      this.prob = 1;
      this.ti = -1;
      this.table = null;
      this.base = 0;
      this.chain = 0;
      this.rid = 0;
      this.stack = null;
      this.hops = [];
      this.evaluated = 0;
      this.cursor = null;
    }
  }

  pushHop(hop: Hop): void {
    this.hops.push(hop);
  }
}

/** Observes a walk so the fast path can learn its decisions (see fastpath.ts). */
export interface Recorder {
  start(p: Path): void;
  /** A check decided at atom offset `ao` of the branch's table (or the nat gate when ao < 0). */
  test(p: Path, table: CTable | null, ao: number, result: boolean): void;
  /** An index lookup at rule `rid` of `run`, giving `candidate` (-1 none). */
  lookup(p: Path, run: Run, rid: number, candidate: number): void;
  fork(p: Path, alt: Path): void;
  /** A NAT/MARK/NOTRACK target of rule `rid` applied. */
  act(p: Path, table: CTable, rid: number): void;
  finish(p: Path, outcome: Outcome): void;
}

/** The conntrack state bit a walk starts with (ctx.ctstate, default NEW). */
export function initialCtState(ctx: EvalContext): number {
  switch (ctx.ctstate ?? 'NEW') {
    case 'NEW':
      return CT_NEW;
    case 'ESTABLISHED':
      return CT_ESTABLISHED;
    case 'RELATED':
      return CT_RELATED;
    case 'INVALID':
      return CT_INVALID;
    case 'UNTRACKED':
      return CT_UNTRACKED;
  }
}

const PROTO_ALIASES: ReadonlyMap<string, string> = new Map([
  ['ipv6-icmp', 'icmpv6'],
  ['ipv6-mh', 'mh'],
]);

/** The packet with a canonical protocol name, checked against the ruleset's family. */
export function normalisePacket(c: CompiledRuleset, pkt: Packet): Packet {
  const wantNumber = c.family === 4;
  if ((typeof pkt.src === 'number') !== wantNumber || (typeof pkt.dst === 'number') !== wantNumber) {
    throw new TypeError(`netfilter: an IPv${c.family} ruleset needs ${wantNumber ? 'number' : 'bigint'} addresses in the packet`);
  }
  const p = pkt.proto;
  if (PROTO_NUMBERS.has(p)) return pkt;
  const lower = p.toLowerCase();
  const proto = PROTO_ALIASES.get(lower) ?? lower;
  return proto === p ? pkt : { ...pkt, proto };
}

/** Protocol number of a canonical name (or of a decimal number); -1 when unknown. */
export function protocolNumber(name: string): number {
  const n = PROTO_NUMBERS.get(name);
  if (n !== undefined) return n;
  return /^\d+$/.test(name) ? Number(name) : -1;
}

/** The tables a walk runs at a hook. */
export function tablePlan(c: CompiledRuleset, hook: Hook, table: TableSelector): readonly CTable[] {
  if (table === 'all') return c.plans.get(hook)!;
  const t = c.tables.get(table);
  if (!t) return [];
  const id = t.chainIds.get(hook);
  if (id === undefined || !t.chains[id]!.builtin) throw new RangeError(`netfilter: table ${table} has no ${hook} chain`);
  return [t];
}

/** The first rule id at or after `rid` among those with one key, given the first of them (-1 none). */
function firstAtLeast(repeats: Map<number, number[]>, key: number, first: number, rid: number): number {
  if (first < 0 || first >= rid) return first;
  // Only keys used by several rules get here (a jump returned into the middle of the run).
  const list = repeats.get(key);
  if (list !== undefined) for (const r of list) if (r >= rid) return r;
  return -1;
}

/** The first rule at or after `rid` in an indexed run that can match the packet, or -1. */
export function lookupRun(run: Run, s: PacketState, rid: number): number {
  if (s.pkt.fragment === true) return -1;
  const slot = protoSlot(s.proto);
  if (slot < 0) return -1;
  const low = (slot << 16) | s.dport;
  const first = run.byDst.get((s.dst as number) | 0, low);
  let best = first < 0 ? -1 : firstAtLeast(run.repeatsByDst, dstKey(s.dst as number, slot, s.dport), first, rid);
  if (run.byPort.size > 0) {
    const c = firstAtLeast(run.repeatsByPort, portKey(slot, s.dport), run.byPort.get(low), rid);
    if (c >= 0 && (best < 0 || c < best)) best = c;
  }
  return best;
}

/** Applies rule `rid`'s NAT, MARK or NOTRACK target to the packet state (shared with the fast path). */
export function applyTarget(t: CTable, rid: number, s: PacketState, ctx: EvalContext): void {
  const off = t.ruleOffset[rid]!;
  const tc = t.code[off + R_TCODE]!;
  const ta = t.code[off + R_TA]!;
  const tb = t.code[off + R_TB]!;
  switch (tc & 255) {
    case T_MARK:
      s.mark = ((s.mark & ~tb) ^ ta) >>> 0;
      return;
    case T_NOTRACK:
      s.ctstate = CT_UNTRACKED;
      return;
    case T_DNAT: {
      const address = tc & TF_ADDR ? (t.family === 4 ? ta >>> 0 : t.targets[rid]!.address!) : s.dst;
      const port = tb >= 0 ? tb : s.dport;
      // The conntrack entry gets IPS_DST_NAT only when the tuple really changes.
      if (address !== s.dst || port !== s.dport) s.ctDnat = true;
      s.dst = address;
      s.dport = port;
      s.dnat = { address, port };
      return;
    }
    case T_SNAT:
    case T_MASQUERADE: {
      const masquerade = (tc & 255) === T_MASQUERADE;
      let address: Address;
      if (masquerade) address = ctx.masqueradeAddress ? ctx.masqueradeAddress(rewrittenPacket(s)) : s.src;
      else address = tc & TF_ADDR ? (t.family === 4 ? ta >>> 0 : t.targets[rid]!.address!) : s.src;
      const port = tb >= 0 ? tb : s.sport;
      if (address !== s.src || port !== s.sport) s.ctSnat = true;
      s.src = address;
      s.sport = port;
      s.snat = { address, port, masquerade, randomFully: (tc & TF_RANDOM_FULLY) !== 0 };
      return;
    }
  }
}

/**
 * Walks one packet through `hook` of `table` (or of all tables at the hook) and returns every
 * outcome with its probability, identical outcomes merged.
 */
export function evaluate(ruleset: Ruleset, hook: Hook, table: TableSelector, packet: Packet, ctx: EvalContext): Outcome[] {
  return walk(compileRuleset(ruleset), hook, table, packet, ctx, null);
}

interface WalkEnv {
  readonly hook: Hook;
  readonly plan: readonly CTable[];
  readonly ctx: EvalContext;
  readonly rec: Recorder | null;
  readonly results: Outcome[];
  readonly pending: Path[];
}

/** The walk over a compiled ruleset, optionally observed by a recorder. */
export function walk(c: CompiledRuleset, hook: Hook, table: TableSelector, packet: Packet, ctx: EvalContext, rec: Recorder | null): Outcome[] {
  const pkt = normalisePacket(c, packet);
  const w: WalkEnv = { hook, plan: tablePlan(c, hook, table), ctx, rec, results: [], pending: [] };
  const first = new Path(pkt, protocolNumber(pkt.proto), null, ctx);
  if (rec !== null) rec.start(first);
  // Depth first, matched branch before unmatched: forks wait on a stack.
  if (nextTable(first, w)) run(first, w);
  while (w.pending.length > 0) run(w.pending.pop()!, w);
  return mergeOutcomes(w.results);
}

function finish(p: Path, w: WalkEnv, verdict: Verdict, rejectWith: string | null): void {
  const o = makeOutcome(p, verdict, rejectWith, p.prob, p.hops, p.evaluated);
  if (w.rec !== null) w.rec.finish(p, o);
  w.results.push(o);
}

/** Moves the branch to the next table at the hook; false when it finished (accepted by all). */
function nextTable(p: Path, w: WalkEnv): boolean {
  for (;;) {
    p.ti++;
    if (p.ti >= w.plan.length) {
      finish(p, w, 'ACCEPT', null);
      return false;
    }
    const t = w.plan[p.ti]!;
    if (t.name === 'nat') {
      const ok = natTableRuns(p);
      if (w.rec !== null) w.rec.test(p, null, -1, ok);
      if (!ok) continue;
    }
    const id = t.chainIds.get(w.hook)!;
    p.table = t;
    p.base = id;
    p.chain = id;
    p.rid = t.chainFirst[id]!;
    p.stack = null;
    return true;
  }
}

/** Runs off a built-in chain (or RETURN from it): its policy decides. False when finished. */
function policy(p: Path, w: WalkEnv): boolean {
  const base = p.table!.chains[p.base]!;
  p.pushHop(base.policyHop!);
  if (base.policy === 'DROP') {
    finish(p, w, 'DROP', null);
    return false;
  }
  return nextTable(p, w);
}

function run(p: Path, w: WalkEnv): void {
  const ctx = w.ctx;
  const rec = w.rec;
  let t = p.table!;
  let code = t.code;
  for (;;) {
    if (p.table !== t) {
      t = p.table!;
      code = t.code;
    }
    if (p.rid >= t.chainEnd[p.chain]!) {
      const f = p.stack;
      if (f !== null) {
        p.stack = f.next;
        p.chain = f.chain;
        p.rid = f.rid;
        continue;
      }
      if (!policy(p, w)) return;
      continue;
    }
    let off = t.ruleOffset[p.rid]!;
    const runId = code[off + R_RUN]!;
    if (runId >= 0) {
      const r = t.runs[runId]!;
      const cand = lookupRun(r, p, p.rid);
      if (rec !== null) rec.lookup(p, r, p.rid, cand);
      if (cand < 0) {
        // Every rule left in the run is checked by iptables and fails.
        p.evaluated += r.end - p.rid;
        p.rid = r.end;
        continue;
      }
      p.evaluated += cand - p.rid;
      p.rid = cand;
      off = t.ruleOffset[cand]!;
    }
    p.evaluated++;
    const n = code[off + R_NATOMS]!;
    let ok = true;
    for (let k = 0, ao = off + R_ATOMS; k < n; k++, ao += ATOM_INTS) {
      const kind = code[ao]! & 255;
      if (kind === A_RANDOM) {
        const q = randomChance(code[ao]!, code[ao + 1]!);
        if (q <= 0) {
          ok = false;
          break;
        }
        if (q >= 1) continue;
        // Fork: the unmatched branch resumes after this rule; this branch goes on matching.
        const alt = new Path(p.pkt, p.proto, p, null);
        alt.prob *= 1 - q;
        alt.pushHop(skipHop(t, code[ao + 3]!));
        alt.rid = p.rid + 1;
        if (rec !== null) rec.fork(p, alt);
        p.prob *= q;
        w.pending.push(alt);
        continue;
      }
      const res = testAtom(t, ao, p, ctx);
      if (kind === A_RECENT || kind === A_NTH) {
        const e = atomEffect(t, ao, p, ctx, res);
        if (e !== null) p.effects = { effect: e, next: p.effects };
      }
      if (rec !== null) rec.test(p, t, ao, res);
      if (!res) {
        ok = false;
        break;
      }
    }
    const tc = code[off + R_TCODE]! & 255;
    if (!ok || tc === T_NONE) {
      p.rid++;
      continue;
    }
    p.pushHop(ruleHop(t, p.rid));
    switch (tc) {
      case T_JUMP: {
        const dest = code[off + R_TA]!;
        p.stack = { chain: p.chain, rid: p.rid + 1, next: p.stack };
        p.chain = dest;
        p.rid = t.chainFirst[dest]!;
        continue;
      }
      case T_GOTO: {
        const dest = code[off + R_TA]!;
        p.chain = dest;
        p.rid = t.chainFirst[dest]!;
        continue;
      }
      case T_RETURN: {
        const f = p.stack;
        if (f !== null) {
          p.stack = f.next;
          p.chain = f.chain;
          p.rid = f.rid;
          continue;
        }
        if (!policy(p, w)) return;
        continue;
      }
      case T_ACCEPT:
        if (!nextTable(p, w)) return;
        continue;
      case T_DROP:
        finish(p, w, 'DROP', null);
        return;
      case T_REJECT:
        finish(p, w, 'REJECT', t.targets[p.rid]!.rejectWith);
        return;
      case T_DNAT:
      case T_SNAT:
      case T_MASQUERADE:
        // A NAT target ends the nat table's walk for this hook, like ACCEPT.
        applyTarget(t, p.rid, p, ctx);
        if (rec !== null) rec.act(p, t, p.rid);
        if (!nextTable(p, w)) return;
        continue;
      case T_MARK:
      case T_NOTRACK:
        applyTarget(t, p.rid, p, ctx);
        if (rec !== null) rec.act(p, t, p.rid);
        p.rid++;
        continue;
      case T_LOG:
        p.rid++;
        continue;
    }
  }
}

