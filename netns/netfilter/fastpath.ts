// The compiled fast path: a decision tree learned from the rule walk itself. A recorded walk
// leaves behind only what depended on the packet or the host — the checks it decided (with
// their results), the index lookups, the random forks, the NAT/MARK actions and the finished
// outcomes — while everything fixed (rules that cannot match, hops, rule counts,
// probabilities) is folded into the leaves. Checks whose result already follows from earlier
// decisions on the same branch (`-p tcp` after the index matched a tcp rule, `-d VIP/32` after
// the index looked the VIP up) are folded away too. A later packet replays the tree: it
// decides the remaining checks on its own fields, follows the same branches and instantiates
// the same leaves. Because the walk is deterministic given those decisions, the result is
// identical to walking the rules; a packet that reaches an unexplored branch is walked (and
// recorded) instead. Nodes live in one Int32Array, so a replay reads a few cache lines.

import type { Address } from './address.js';
import { atomEffect, hasEffect, natTableRuns, testAtom } from './checks.js';
import { IntMap, IntPairMap } from './intmap.js';
import {
  A_DST4,
  A_SRC4,
  type CTable,
  type CompiledRuleset,
  INV,
  R_TA,
  R_TB,
  R_TCODE,
  type Run,
  TF_ADDR,
  T_DNAT,
  T_MARK,
  compileRuleset,
  protoSlot,
} from './compile.js';
import { type Facts, NO_FACTS, afterLookup, afterTarget, implied, learn } from './facts.js';
import {
  type Path,
  type Recorder,
  type TableSelector,
  applyTarget,
  initialCtState,
  lookupRun,
  normalisePacket,
  protocolNumber,
  tablePlan,
  walk,
} from './evaluate.js';
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
} from './outcome.js';
import type { Hook, Ruleset } from './ruleset.js';

// Node layout: 8 ints. Child offsets are -1 until a walk explores them.
const N_KIND = 0;
const N_YES = 1;
const N_NO = 2;
const N_A = 3;
const N_B = 4;
const N_C = 5;
const N_D = 6;
const N_E = 7;
const NODE_INTS = 8;

/** A check: A table, B atom offset, C kind|inv, D and E the atom's two ints (inlined). */
const K_TEST = 1;
/** The nat-table gate (NEW/RELATED only). */
const K_GATE = 2;
/** An index lookup: A lookup slot. */
const K_LOOKUP = 3;
/** A random fork: YES matched, NO not. */
const K_FORK = 4;
/** A NAT/MARK/NOTRACK target: A table, B rule id, YES next. */
const K_ACT = 5;
/** A finished outcome: A leaf slot (hops, reject type), B verdict, C rules evaluated, D/E probability bits. */
const K_LEAF = 6;

const VERDICTS: readonly Verdict[] = ['ACCEPT', 'DROP', 'REJECT'];

interface LookupSlot {
  readonly run: Run;
  readonly rid: number;
  /** Candidate rule id (-1 none) -> child node offset. */
  readonly kids: IntMap;
  /**
   * (dst, proto slot << 16 | dport) -> child node offset, filled as packets replay: one probe
   * instead of index + branch. Only for runs without port-only rules, so keys stay bounded.
   */
  readonly direct: IntPairMap | null;
}

// A double's bits as two int32s, to keep a leaf's probability inside its node.
const F64 = new Float64Array(1);
const I32 = new Int32Array(F64.buffer);

/** Packet state for replay: copied on write, so forked branches can share it. */
class ReplayState implements PacketState {
  pkt!: Packet;
  proto!: number;
  src!: Address;
  dst!: Address;
  sport!: number;
  dport!: number;
  mark!: number;
  ctstate!: number;
  ctSnat!: boolean;
  ctDnat!: boolean;
  dnat!: DnatRecord | null;
  snat!: SnatRecord | null;
  effects!: EffectList | null;
  constructor(from: PacketState) {
    this.copyFrom(from);
  }
  copyFrom(from: PacketState): void {
    this.pkt = from.pkt;
    this.proto = from.proto;
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
  }
}

/** Where a branch of a recorded walk attaches its next node, and what it knows so far. */
interface Cursor {
  readonly parent: number;
  /** 'yes' / 'no' child, or a lookup key. */
  readonly slot: 'yes' | 'no' | number;
  readonly lookup: LookupSlot | null;
  readonly facts: Facts;
}

/** A compiled decision function with identical outcomes to `evaluate` for its hook and tables. */
export interface FastPath {
  (packet: Packet, ctx: EvalContext): Outcome[];
  /** Decision-tree nodes learned so far, packets that needed a (recorded) walk, packets replayed. */
  readonly stats: { readonly nodes: number; readonly walks: number; readonly replays: number };
}

export interface FastPathOptions {
  /** Stop learning beyond this many nodes (later misses are walked without recording). */
  readonly maxNodes?: number;
}

/** The learned tree and the recorder that grows it. */
class Tree implements Recorder {
  code = new Int32Array(NODE_INTS * 1024);
  used = NODE_INTS; // node 0 is the root holder; its YES is the first real node
  readonly tables: CTable[] = [];
  readonly tableIndex = new Map<CTable, number>();
  readonly lookups: LookupSlot[] = [];
  readonly leafHops: (readonly Hop[])[] = [];
  readonly leafReject: (string | null)[] = [];
  private readonly scratch: ReplayState;

  constructor() {
    this.code[N_KIND] = K_GATE;
    this.code[N_YES] = -1;
    this.code[N_NO] = -1;
    this.scratch = new ReplayState({
      pkt: { src: 0, dst: 0, proto: 'tcp', sport: 0, dport: 0 },
      proto: 6,
      src: 0,
      dst: 0,
      sport: 0,
      dport: 0,
      mark: 0,
      ctstate: 0,
      ctSnat: false,
      ctDnat: false,
      dnat: null,
      snat: null,
      effects: null,
    });
  }

  get nodes(): number {
    return this.used / NODE_INTS - 1;
  }

  private tableId(t: CTable): number {
    let i = this.tableIndex.get(t);
    if (i === undefined) {
      i = this.tables.length;
      this.tables.push(t);
      this.tableIndex.set(t, i);
    }
    return i;
  }

  private alloc(kind: number, a: number, b: number, c: number, d: number, e: number): number {
    if (this.used + NODE_INTS > this.code.length) {
      const next = new Int32Array(this.code.length * 2);
      next.set(this.code);
      this.code = next;
    }
    const at = this.used;
    const code = this.code;
    code[at + N_KIND] = kind;
    code[at + N_YES] = -1;
    code[at + N_NO] = -1;
    code[at + N_A] = a;
    code[at + N_B] = b;
    code[at + N_C] = c;
    code[at + N_D] = d;
    code[at + N_E] = e;
    this.used += NODE_INTS;
    return at;
  }

  /** The node at the branch's cursor, creating it when this is the first walk to get there. */
  private step(p: Path, kind: number, make: () => number): number {
    const c = p.cursor as Cursor;
    let at = c.lookup !== null ? c.lookup.kids.get(c.slot as number) : this.code[c.parent + (c.slot === 'yes' ? N_YES : N_NO)]!;
    if (at < 0) {
      at = make();
      if (c.lookup !== null) c.lookup.kids.set(c.slot as number, at);
      else this.code[c.parent + (c.slot === 'yes' ? N_YES : N_NO)] = at;
    } else if (this.code[at + N_KIND] !== kind) {
      // The walk is deterministic given the decisions so far, so it must meet the same step.
      throw new Error('netfilter fast path: recorded walk diverged from the tree');
    }
    return at;
  }

  start(p: Path): void {
    p.cursor = { parent: 0, slot: 'yes', lookup: null, facts: NO_FACTS } satisfies Cursor;
  }

  test(p: Path, table: CTable | null, ao: number, result: boolean): void {
    const c = p.cursor as Cursor;
    if (table === null) {
      const at = this.step(p, K_GATE, () => this.alloc(K_GATE, 0, 0, 0, 0, 0));
      p.cursor = { parent: at, slot: result ? 'yes' : 'no', lookup: null, facts: c.facts } satisfies Cursor;
      return;
    }
    const ki = table.code[ao]!;
    const a = table.code[ao + 1]!;
    const m = table.code[ao + 2]!;
    const inv = (ki & INV) !== 0;
    const raw = result !== inv;
    const known = table.family === 4 ? implied(ki & 255, a, m, c.facts) : undefined;
    if (known !== undefined) {
      if (known !== raw) throw new Error('netfilter fast path: a folded check disagrees with the walk');
      return; // implied by earlier decisions: no node
    }
    const at = this.step(p, K_TEST, () => this.alloc(K_TEST, this.tableId(table), ao, ki, a, m));
    const facts = table.family === 4 ? learn(ki & 255, a, m, raw, c.facts) : c.facts;
    p.cursor = { parent: at, slot: result ? 'yes' : 'no', lookup: null, facts } satisfies Cursor;
  }

  lookup(p: Path, run: Run, rid: number, candidate: number): void {
    const c = p.cursor as Cursor;
    const at = this.step(p, K_LOOKUP, () => {
      this.lookups.push({ run, rid, kids: new IntMap(), direct: run.byPort.size === 0 && p.table!.family === 4 ? new IntPairMap() : null });
      return this.alloc(K_LOOKUP, this.lookups.length - 1, 0, 0, 0, 0);
    });
    const slot = this.lookups[this.code[at + N_A]!]!;
    p.cursor = { parent: at, slot: candidate, lookup: slot, facts: afterLookup(p.table!, candidate, c.facts) } satisfies Cursor;
  }

  fork(p: Path, alt: Path): void {
    const c = p.cursor as Cursor;
    const at = this.step(p, K_FORK, () => this.alloc(K_FORK, 0, 0, 0, 0, 0));
    p.cursor = { parent: at, slot: 'yes', lookup: null, facts: c.facts } satisfies Cursor;
    alt.cursor = { parent: at, slot: 'no', lookup: null, facts: c.facts } satisfies Cursor;
  }

  act(p: Path, table: CTable, rid: number): void {
    const c = p.cursor as Cursor;
    const off = table.ruleOffset[rid]!;
    const tc = table.code[off + R_TCODE]!;
    // A v4 DNAT to a fixed address and port, or a MARK, is inlined into the node.
    const inline = table.family === 4 && ((tc & 255) === T_MARK || ((tc & 255) === T_DNAT && tc & TF_ADDR && table.code[off + R_TB]! >= 0));
    const at = this.step(p, K_ACT, () =>
      this.alloc(K_ACT, this.tableId(table), rid, inline ? tc : 0, table.code[off + R_TA]!, table.code[off + R_TB]!),
    );
    p.cursor = { parent: at, slot: 'yes', lookup: null, facts: afterTarget(table, rid, c.facts) } satisfies Cursor;
  }

  finish(p: Path, o: Outcome): void {
    this.step(p, K_LEAF, () => {
      const slot = this.leafHops.length;
      this.leafHops.push(o.hops);
      this.leafReject.push(o.rejectWith ?? null);
      F64[0] = o.probability;
      return this.alloc(K_LEAF, slot, VERDICTS.indexOf(o.verdict), o.rulesEvaluated, I32[0]!, I32[1]!);
    });
  }

  private leaf(at: number, s: PacketState, out: Outcome[]): void {
    const code = this.code;
    const slot = code[at + N_A]!;
    const v = code[at + N_B]!;
    const reject = v === 2 ? this.leafReject[slot]! : null;
    I32[0] = code[at + N_D]!;
    I32[1] = code[at + N_E]!;
    out.push(makeOutcome(s, VERDICTS[v]!, reject, F64[0]!, this.leafHops[slot]!, code[at + N_C]!));
  }

  /** Replays from node `at`; false when it reaches a branch no walk has explored yet. */
  replay(at: number, s: PacketState, ctx: EvalContext, out: Outcome[]): boolean {
    const code = this.code;
    for (;;) {
      if (at < 0) return false;
      switch (code[at + N_KIND]) {
        case K_TEST: {
          const ki = code[at + N_C]!;
          const a = code[at + N_D]!;
          const m = code[at + N_E]!;
          let r: boolean;
          // The common header checks inline; everything else through the shared checker.
          switch (ki & 255) {
            case A_SRC4:
              r = (((s.src as number) & m) === a) !== ((ki & INV) !== 0);
              break;
            case A_DST4:
              r = (((s.dst as number) & m) === a) !== ((ki & INV) !== 0);
              break;
            default: {
              const t = this.tables[code[at + N_A]!]!;
              const ao = code[at + N_B]!;
              r = testAtom(t, ao, s, ctx);
              if (hasEffect(t, ao)) {
                const e = atomEffect(t, ao, s, ctx, r);
                if (e !== null) {
                  const c = new ReplayState(s);
                  c.effects = { effect: e, next: s.effects };
                  s = c;
                }
              }
            }
          }
          at = r ? code[at + N_YES]! : code[at + N_NO]!;
          continue;
        }
        case K_GATE:
          at = natTableRuns(s) ? code[at + N_YES]! : code[at + N_NO]!;
          continue;
        case K_LOOKUP: {
          const l = this.lookups[code[at + N_A]!]!;
          const slot = protoSlot(s.proto);
          const cacheable = l.direct !== null && slot >= 0 && s.pkt.fragment !== true;
          const low = (slot << 16) | s.dport;
          if (cacheable) {
            const hit = l.direct!.get((s.dst as number) | 0, low);
            if (hit >= 0) {
              at = hit;
              continue;
            }
          }
          const cand = lookupRun(l.run, s, l.rid);
          at = l.kids.get(cand);
          // Only exact-destination hits are remembered (a miss depends on nothing but the key too,
          // but there are as many of those as addresses).
          if (cacheable && cand >= 0 && at >= 0) l.direct!.set((s.dst as number) | 0, low, at);
          continue;
        }
        case K_FORK:
          if (!this.replay(code[at + N_YES]!, s, ctx, out)) return false;
          at = code[at + N_NO]!;
          continue;
        case K_ACT: {
          const next = code[at + N_YES]!;
          // Target then outcome: the state change never outlives the outcome, so use a scratch state.
          const c = next >= 0 && code[next + N_KIND] === K_LEAF ? this.scratch : new ReplayState(s);
          if (c === this.scratch) c.copyFrom(s);
          const tc = code[at + N_C]!;
          if ((tc & 255) === T_DNAT) {
            const address = code[at + N_D]! >>> 0;
            const port = code[at + N_E]!;
            if (address !== c.dst || port !== c.dport) c.ctDnat = true;
            c.dst = address;
            c.dport = port;
            c.dnat = { address, port };
          } else if ((tc & 255) === T_MARK) {
            c.mark = ((c.mark & ~code[at + N_E]!) ^ code[at + N_D]!) >>> 0;
          } else applyTarget(this.tables[code[at + N_A]!]!, code[at + N_B]!, c, ctx);
          if (c === this.scratch) {
            this.leaf(next, c, out);
            return true;
          }
          s = c;
          at = next;
          continue;
        }
        default:
          this.leaf(at, s, out);
          return true;
      }
    }
  }
}

/**
 * Compiles the fast path for one hook (and one table, or all of them): a function from packet
 * and context to exactly the outcomes `evaluate` returns. It learns lazily: the first packet of
 * each kind is walked and recorded, later ones replay the recorded decisions.
 */
export function compileFastPath(ruleset: Ruleset, hook: Hook, table: TableSelector = 'all', options: FastPathOptions = {}): FastPath {
  const c: CompiledRuleset = compileRuleset(ruleset);
  tablePlan(c, hook, table); // throws now for a table without this hook
  const tree = new Tree();
  const maxNodes = options.maxNodes ?? 5_000_000;
  const stats = { nodes: 0, walks: 0, replays: 0 };
  // Replay never writes to the state it starts from (targets work on copies), so one object serves every call.
  const start = initialState({ src: 0, dst: 0, proto: 'tcp', sport: 0, dport: 0 }, { isLocalAddress: () => false });
  const decide = (packet: Packet, ctx: EvalContext): Outcome[] => {
    const pkt = normalisePacket(c, packet);
    const out: Outcome[] = [];
    resetState(start, pkt, ctx);
    if (tree.replay(tree.code[N_YES]!, start, ctx, out)) {
      stats.replays++;
      return mergeOutcomes(out);
    }
    stats.walks++;
    const result = walk(c, hook, table, pkt, ctx, tree.nodes < maxNodes ? tree : null);
    stats.nodes = tree.nodes;
    return result;
  };
  return Object.assign(decide, { stats });
}

function resetState(s: ReplayState, pkt: Packet, ctx: EvalContext): void {
  s.pkt = pkt;
  s.proto = protocolNumber(pkt.proto);
  s.src = pkt.src;
  s.dst = pkt.dst;
  s.sport = pkt.sport;
  s.dport = pkt.dport;
  s.mark = (pkt.mark ?? 0) >>> 0;
  s.ctstate = initialCtState(ctx);
  s.ctSnat = ctx.ctNat?.snat === true;
  s.ctDnat = ctx.ctNat?.dnat === true;
  s.dnat = null;
  s.snat = null;
  s.effects = null;
}

function initialState(pkt: Packet, ctx: EvalContext): ReplayState {
  return new ReplayState({
    pkt,
    proto: protocolNumber(pkt.proto),
    src: pkt.src,
    dst: pkt.dst,
    sport: pkt.sport,
    dport: pkt.dport,
    mark: (pkt.mark ?? 0) >>> 0,
    ctstate: initialCtState(ctx),
    ctSnat: ctx.ctNat?.snat === true,
    ctDnat: ctx.ctNat?.dnat === true,
    dnat: null,
    snat: null,
    effects: null,
  });
}
