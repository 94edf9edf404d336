// Turns a parsed Ruleset into what the walk runs. Like the kernel's ip_tables blob, each
// table becomes one flat Int32Array of rule records (target, then the rule's checks as
// 4-int atoms in the kernel's order), so walking a chain touches a few contiguous cache lines
// instead of dozens of objects. Rule ids are consecutive within a chain, so "the next rule" is
// id + 1 and "rules skipped" is a subtraction. Strings, IPv6 values and other cold data live in
// side arrays indexed by rule id or atom slot.
//
// Each chain also gets an index over runs of rules that only say `-d IP/32 -p P --dport N`
// (kube-proxy's KUBE-SERVICES): the walk jumps to the first rule of the run that can match,
// still counting every rule iptables would have checked on the way.

import type { Address, Family } from './address.js';
import { formatTarget } from './format.js';
import { IntMap, IntPairMap } from './intmap.js';
import type { Hop } from './outcome.js';
import {
  ADDR_TYPES,
  type Chain,
  type CtState,
  HOOK_TABLES,
  type Hook,
  type PortRange,
  type RecentMatch,
  type Rule,
  type Ruleset,
  type StatisticNthMatch,
  type Table,
  type TableName,
  type Target,
} from './ruleset.js';

// ---- record layout ---------------------------------------------------------------------

/** Target code (low 8 bits) plus flags. */
export const R_TCODE = 0;
/** Jump/goto: destination chain id. DNAT/SNAT: IPv4 address. MARK: value. */
export const R_TA = 1;
/** DNAT/SNAT/MASQUERADE: port or -1. MARK: mask. */
export const R_TB = 2;
/** Index run id, or -1. */
export const R_RUN = 3;
export const R_NATOMS = 4;
export const R_ATOMS = 5;
/** Ints per atom: kind | inv << 8, a, m, x (side-table slot). */
export const ATOM_INTS = 4;

export const TF_ADDR = 0x100;
export const TF_RANDOM_FULLY = 0x200;
export const INV = 0x100;

// Atom kinds.
export const A_SRC4 = 1;
export const A_DST4 = 2;
export const A_SRC6 = 3;
export const A_DST6 = 4;
export const A_IN = 5;
export const A_OUT = 6;
export const A_PROTO = 7;
export const A_FRAG = 8;
export const A_SPORT = 9;
export const A_DPORT = 10;
export const A_NOFRAG = 11;
export const A_TCPFLAGS = 12;
export const A_MULTIPORT = 13;
export const A_SRCTYPE = 14;
export const A_DSTTYPE = 15;
export const A_RANDOM = 16;
export const A_NTH = 17;
export const A_RECENT = 18;
export const A_MARK = 19;
export const A_CTSTATE = 20;
export const A_ICMP = 21;

// Target codes.
export const T_NONE = 0;
export const T_JUMP = 1;
export const T_GOTO = 2;
export const T_RETURN = 3;
export const T_ACCEPT = 4;
export const T_DROP = 5;
export const T_REJECT = 6;
export const T_DNAT = 7;
export const T_SNAT = 8;
export const T_MASQUERADE = 9;
export const T_MARK = 10;
export const T_LOG = 11;
export const T_NOTRACK = 12;

// Conntrack state bits (a bitmask in xt_conntrack's order).
export const CT_INVALID = 1;
export const CT_NEW = 2;
export const CT_RELATED = 4;
export const CT_ESTABLISHED = 8;
export const CT_UNTRACKED = 16;
export const CT_SNAT = 32;
export const CT_DNAT = 64;

const CT_BITS: Readonly<Record<CtState, number>> = {
  INVALID: CT_INVALID,
  NEW: CT_NEW,
  RELATED: CT_RELATED,
  ESTABLISHED: CT_ESTABLISHED,
  UNTRACKED: CT_UNTRACKED,
  SNAT: CT_SNAT,
  DNAT: CT_DNAT,
};

/** Cold data of an atom that does not fit in ints. */
export interface AtomData {
  readonly name: string;
  readonly prefix: boolean;
  readonly a6: bigint;
  readonly m6: bigint;
  readonly ports: readonly PortRange[] | null;
  readonly recent: RecentMatch | null;
  readonly nth: StatisticNthMatch | null;
  /** Counter key of an nth rule, as Effect.counter. */
  readonly counter: string;
  /** Random atoms: the rule they belong to and the chance they are true (for the skip hop). */
  readonly rid: number;
  readonly chance: number;
}

/** Cold data of a target. */
export interface TargetData {
  readonly address: Address | null;
  readonly rejectWith: string;
}

/** A run of consecutive rules keyed by (destination, protocol, destination port). */
export interface Run {
  readonly first: number;
  /** Rule id after the run's last rule. */
  readonly end: number;
  /** (dst, proto slot << 16 | dport) -> the first rule id with that key. */
  readonly byDst: IntPairMap;
  /** proto slot << 16 | dport, for rules without `-d` -> the first rule id with that key. */
  readonly byPort: IntMap;
  /** Keys used by more than one rule -> all their rule ids in ascending order (rare). */
  readonly repeatsByDst: Map<number, number[]>;
  readonly repeatsByPort: Map<number, number[]>;
}

export interface ChainInfo {
  readonly id: number;
  readonly name: string;
  readonly builtin: boolean;
  readonly policy: 'ACCEPT' | 'DROP' | null;
  readonly policyHop: Hop | null;
}

export interface CTable {
  readonly name: TableName;
  readonly family: Family;
  readonly code: Int32Array;
  /** Rule id -> offset of its record in `code`. */
  readonly ruleOffset: Int32Array;
  /** Chain id -> its first rule id; rules of a chain are consecutive. */
  readonly chainFirst: Int32Array;
  /** Chain id -> rule id after its last rule. */
  readonly chainEnd: Int32Array;
  readonly chains: readonly ChainInfo[];
  readonly chainIds: ReadonlyMap<string, number>;
  /** Rule id -> the hop recorded when it fires; made on first use (see ruleHop). */
  readonly hops: (Hop | null)[];
  /** Rule id -> its chain id. */
  readonly ruleChain: Int32Array;
  /** Rule id -> position in its chain (0-based). */
  readonly ruleIndex: Int32Array;
  readonly rules: readonly Rule[];
  readonly targets: readonly (TargetData | null)[];
  readonly runs: readonly Run[];
  readonly atoms: readonly AtomData[];
  /** Atom slot -> hop of a random branch not taken; made on first use (see skipHop). */
  readonly skipHops: (Hop | null)[];
}

export interface CompiledRuleset {
  readonly family: Family;
  readonly tables: ReadonlyMap<TableName, CTable>;
  /** Per hook, the tables that have rules there, in priority order. */
  readonly plans: ReadonlyMap<Hook, readonly CTable[]>;
}

/** Smallest run worth indexing; shorter ones are cheaper to scan. */
const MIN_RUN = 8;

/** Protocol numbers by canonical name (what the walk compares). */
export const PROTO_NUMBERS: ReadonlyMap<string, number> = new Map([
  ['tcp', 6],
  ['udp', 17],
  ['udplite', 136],
  ['icmp', 1],
  ['icmpv6', 58],
  ['esp', 50],
  ['ah', 51],
  ['sctp', 132],
  ['gre', 47],
  ['dccp', 33],
  ['mh', 135],
]);

/** Index key of a destination/protocol/port triple (protocol slot 0..2 keeps it below 2^50). */
export function dstKey(dst: number, protoSlot: number, dport: number): number {
  return dst * 262144 + protoSlot * 65536 + dport;
}

/** Index key of a protocol/port pair. */
export function portKey(protoSlot: number, dport: number): number {
  return protoSlot * 65536 + dport;
}

/** The index's protocol slot (tcp 0, udp 1, sctp 2) or -1. */
export function protoSlot(proto: number): number {
  return proto === 6 ? 0 : proto === 17 ? 1 : proto === 132 ? 2 : -1;
}

const compiled = new WeakMap<Ruleset, CompiledRuleset>();

/** Compiles (once per Ruleset object) the form the walk and the fast path run. */
export function compileRuleset(rs: Ruleset): CompiledRuleset {
  let c = compiled.get(rs);
  if (!c) {
    c = build(rs);
    compiled.set(rs, c);
  }
  return c;
}

function build(rs: Ruleset): CompiledRuleset {
  const tables = new Map<TableName, CTable>();
  for (const t of rs.tables.values()) tables.set(t.name, compileTable(t, rs.family));
  const plans = new Map<Hook, CTable[]>();
  for (const [hook, order] of Object.entries(HOOK_TABLES) as [Hook, readonly TableName[]][]) {
    plans.set(hook, order.map((n) => tables.get(n)).filter((t): t is CTable => t !== undefined));
  }
  return { family: rs.family, tables, plans };
}

/** Growable Int32Array writer. */
class IntWriter {
  buf = new Int32Array(1024);
  len = 0;
  push(v: number): void {
    if (this.len === this.buf.length) {
      const next = new Int32Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.len++] = v;
  }
}

const EMPTY_ATOM: AtomData = {
  name: '',
  prefix: false,
  a6: 0n,
  m6: 0n,
  ports: null,
  recent: null,
  nth: null,
  counter: '',
  rid: -1,
  chance: 0,
};

function compileTable(t: Table, family: Family): CTable {
  const chainIds = new Map<string, number>();
  t.chains.forEach((c, i) => {
    chainIds.set(c.name, i);
  });
  let total = 0;
  for (const c of t.chains) total += c.rules.length;
  const w = new IntWriter();
  const ruleOffset = new Int32Array(total);
  const ruleIndex = new Int32Array(total);
  const chainFirst = new Int32Array(t.chains.length);
  const chainEnd = new Int32Array(t.chains.length);
  const hops: (Hop | null)[] = new Array(total).fill(null);
  const ruleChain = new Int32Array(total);
  const rules: Rule[] = new Array(total);
  const targets: (TargetData | null)[] = new Array(total).fill(null);
  const atoms: AtomData[] = [EMPTY_ATOM];
  const runs: Run[] = [];
  const chains: ChainInfo[] = [];
  let rid = 0;
  t.chains.forEach((c, ci) => {
    chainFirst[ci] = rid;
    const runAt = buildRuns(c.rules, family, rid, runs);
    c.rules.forEach((r, i) => {
      ruleOffset[rid] = w.len;
      ruleIndex[rid] = i;
      ruleChain[rid] = ci;
      rules[rid] = r;
      writeTarget(w, r, chainIds, targets, rid);
      w.push(runAt[i] ?? -1);
      writeAtoms(w, t.name, c.name, i, r, family, atoms, rid);
      rid++;
    });
    chainEnd[ci] = rid;
    chains.push(chainInfo(t.name, c, ci));
  });
  return {
    name: t.name,
    family,
    code: w.buf.slice(0, w.len),
    ruleOffset,
    chainFirst,
    chainEnd,
    chains,
    chainIds,
    hops,
    ruleChain,
    ruleIndex,
    rules,
    targets,
    runs,
    atoms,
    skipHops: new Array(atoms.length).fill(null),
  };
}

function chainInfo(table: TableName, c: Chain, id: number): ChainInfo {
  const policyHop: Hop | null = c.builtin
    ? Object.freeze({ table, chain: c.name, index: 0, rule: `-P ${c.name} ${c.policy}`, action: `policy ${c.policy}` })
    : null;
  return { id, name: c.name, builtin: c.builtin, policy: c.policy, policyHop };
}

function actionText(t: Target): string {
  if (t.kind === 'jump') return `jump ${t.chain}`;
  if (t.kind === 'goto') return `goto ${t.chain}`;
  return formatTarget(t).replace(/^ -j /, '');
}

/** Product of the rule's random-branch chances (shown on the hop of a rule that fires). */
function firedProbability(r: Rule): number | undefined {
  let p: number | undefined;
  for (const m of r.matches) {
    if (m.module === 'statistic' && m.mode === 'random') {
      const x = m.threshold / 0x80000000;
      p = (p ?? 1) * (m.invert ? 1 - x : x);
    }
  }
  return p;
}

function writeTarget(
  w: IntWriter,
  r: Rule,
  chainIds: ReadonlyMap<string, number>,
  targets: (TargetData | null)[],
  rid: number,
): void {
  const t = r.target;
  if (!t) {
    w.push(T_NONE);
    w.push(0);
    w.push(0);
    return;
  }
  let code = T_NONE;
  let a = 0;
  let b = 0;
  let data: TargetData | null = null;
  switch (t.kind) {
    case 'jump':
    case 'goto':
      code = t.kind === 'jump' ? T_JUMP : T_GOTO;
      a = chainIds.get(t.chain)!;
      break;
    case 'RETURN':
      code = T_RETURN;
      break;
    case 'ACCEPT':
      code = T_ACCEPT;
      break;
    case 'DROP':
      code = T_DROP;
      break;
    case 'REJECT':
      code = T_REJECT;
      data = { address: null, rejectWith: t.with };
      break;
    case 'DNAT':
    case 'SNAT': {
      code = t.kind === 'DNAT' ? T_DNAT : T_SNAT;
      if (t.address !== null) code |= TF_ADDR;
      if (t.kind === 'SNAT' && t.randomFully) code |= TF_RANDOM_FULLY;
      a = typeof t.address === 'number' ? t.address | 0 : 0;
      b = t.port ?? -1;
      data = { address: t.address, rejectWith: '' };
      break;
    }
    case 'MASQUERADE':
      code = T_MASQUERADE | (t.randomFully ? TF_RANDOM_FULLY : 0);
      b = t.port ?? -1;
      break;
    case 'MARK':
      code = T_MARK;
      a = t.value | 0;
      b = t.mask | 0;
      break;
    case 'LOG':
      code = T_LOG;
      break;
    case 'NOTRACK':
      code = T_NOTRACK;
      break;
  }
  targets[rid] = data;
  w.push(code);
  w.push(a);
  w.push(b);
}

function typeMask(types: readonly string[]): number {
  let m = 0;
  for (const t of types) m |= 1 << ADDR_TYPES.indexOf(t as (typeof ADDR_TYPES)[number]);
  return m;
}

function stateMask(states: readonly CtState[]): number {
  let m = 0;
  for (const s of states) m |= CT_BITS[s];
  return m;
}

function putAtom(w: IntWriter, atoms: AtomData[], kind: number, inv: boolean, a: number, m: number, data: Partial<AtomData> | null): void {
  let x = 0;
  if (data) {
    x = atoms.length;
    atoms.push({ ...EMPTY_ATOM, ...data });
  }
  w.push(kind | (inv ? INV : 0));
  w.push(a | 0);
  w.push(m | 0);
  w.push(x);
}

/** Writes the rule's checks in kernel order: the IP header part (ip_packet_match), then each match. */
function writeAtoms(
  w: IntWriter,
  table: TableName,
  chain: string,
  index: number,
  r: Rule,
  family: Family,
  atoms: AtomData[],
  rid: number,
): void {
  const countAt = w.len;
  w.push(0);
  const start = w.len;
  if (r.source) {
    if (family === 4) putAtom(w, atoms, A_SRC4, r.source.invert, r.source.address as number, r.source.mask as number, null);
    else putAtom(w, atoms, A_SRC6, r.source.invert, 0, 0, { a6: r.source.address as bigint, m6: r.source.mask as bigint });
  }
  if (r.destination) {
    const d = r.destination;
    if (family === 4) putAtom(w, atoms, A_DST4, d.invert, d.address as number, d.mask as number, null);
    else putAtom(w, atoms, A_DST6, d.invert, 0, 0, { a6: d.address as bigint, m6: d.mask as bigint });
  }
  if (r.inInterface) putAtom(w, atoms, A_IN, r.inInterface.invert, 0, 0, ifaceData(r.inInterface.name));
  if (r.outInterface) putAtom(w, atoms, A_OUT, r.outInterface.invert, 0, 0, ifaceData(r.outInterface.name));
  if (r.protocol) putAtom(w, atoms, A_PROTO, r.protocol.invert, r.protocol.number, 0, null);
  if (r.fragment) putAtom(w, atoms, A_FRAG, r.fragment.invert, 0, 0, null);
  for (let mi = 0; mi < r.matches.length; mi++) {
    const m = r.matches[mi]!;
    switch (m.module) {
      case 'tcp':
      case 'udp':
      case 'sctp':
        if (m.sport) putAtom(w, atoms, A_SPORT, m.sport.invert, m.sport.range[0], m.sport.range[1], null);
        if (m.dport) putAtom(w, atoms, A_DPORT, m.dport.invert, m.dport.range[0], m.dport.range[1], null);
        if (m.tcpFlags) putAtom(w, atoms, A_TCPFLAGS, m.tcpFlags.invert, m.tcpFlags.comp, m.tcpFlags.mask, null);
        // A port match without options still refuses non-first fragments.
        if (!m.sport && !m.dport && !m.tcpFlags) putAtom(w, atoms, A_NOFRAG, false, 0, 0, null);
        break;
      case 'multiport': {
        const dir = m.direction === 'source' ? 1 : m.direction === 'destination' ? 2 : 3;
        putAtom(w, atoms, A_MULTIPORT, m.invert, dir, 0, { ports: m.ports });
        break;
      }
      case 'comment':
      case 'nfacct':
        break;
      case 'addrtype': {
        const side = m.limitIfaceIn ? 1 : m.limitIfaceOut ? 2 : 0;
        if (m.srcType) putAtom(w, atoms, A_SRCTYPE, m.srcType.invert, typeMask(m.srcType.types), side, null);
        if (m.dstType) putAtom(w, atoms, A_DSTTYPE, m.dstType.invert, typeMask(m.dstType.types), side, null);
        break;
      }
      case 'statistic':
        if (m.mode === 'random') {
          // The kernel matches when random31 < threshold: the chance is exactly threshold / 2^31.
          putAtom(w, atoms, A_RANDOM, m.invert, m.threshold, 0, { rid, chance: randomChance(m.invert ? INV : 0, m.threshold) });
        } else {
          putAtom(w, atoms, A_NTH, m.invert, 0, 0, { nth: m, counter: `${table}/${chain}/${index + 1}/${mi}` });
        }
        break;
      case 'recent':
        putAtom(w, atoms, A_RECENT, m.invert, 0, 0, { recent: m, name: m.name });
        break;
      case 'mark':
        putAtom(w, atoms, A_MARK, m.invert, m.value, m.mask, null);
        break;
      case 'conntrack':
      case 'state':
        putAtom(w, atoms, A_CTSTATE, m.invert, stateMask(m.states), m.module === 'conntrack' ? 1 : 0, null);
        break;
      case 'icmp':
      case 'icmp6':
        putAtom(w, atoms, A_ICMP, m.invert, m.type, (m.codeMin << 8) | m.codeMax, null);
        break;
    }
  }
  w.buf[countAt] = (w.len - start) / ATOM_INTS;
}

function ifaceData(name: string): Partial<AtomData> {
  const prefix = name.endsWith('+');
  return { name: prefix ? name.slice(0, -1) : name, prefix };
}

/**
 * The hop of rule `rid` firing. Hops are made on first use: a 320,000-rule ruleset would
 * otherwise build as many objects and action strings up front, most never shown.
 */
export function ruleHop(t: CTable, rid: number): Hop {
  let h = t.hops[rid];
  if (h === null || h === undefined) {
    const r = t.rules[rid]!;
    const probability = firedProbability(r);
    const hop: Hop = { table: t.name, chain: t.chains[t.ruleChain[rid]!]!.name, index: t.ruleIndex[rid]! + 1, rule: r.text, action: actionText(r.target!) };
    h = Object.freeze(probability === undefined ? hop : { ...hop, probability });
    t.hops[rid] = h;
  }
  return h;
}

/** The hop of the random atom in slot `x` not being taken. */
export function skipHop(t: CTable, x: number): Hop {
  let h = t.skipHops[x];
  if (h === null || h === undefined) {
    const d = t.atoms[x]!;
    h = Object.freeze({
      table: t.name,
      chain: t.chains[t.ruleChain[d.rid]!]!.name,
      index: t.ruleIndex[d.rid]! + 1,
      rule: t.rules[d.rid]!.text,
      action: 'not taken (statistic random)',
      probability: 1 - d.chance,
    });
    t.skipHops[x] = h;
  }
  return h;
}

/** The chance that a random atom is true (threshold/2^31, inverted when written with `!`). */
export function randomChance(kindInv: number, threshold: number): number {
  const p = threshold / 0x80000000;
  return kindInv & INV ? 1 - p : p;
}

/** The (dst, proto, dport) key of a rule the index can hold, or null. */
function ruleKey(r: Rule, family: Family): { dst: number | null; slot: number; dport: number } | null {
  if (family !== 4 || r.source || r.inInterface || r.outInterface || r.fragment) return null;
  if (!r.protocol || r.protocol.invert) return null;
  const slot = protoSlot(r.protocol.number);
  if (slot < 0) return null;
  let dst: number | null = null;
  if (r.destination) {
    if (r.destination.invert || r.destination.mask !== 0xffffffff) return null;
    dst = r.destination.address as number;
  }
  let dport: number | null = null;
  for (const m of r.matches) {
    if (m.module === 'comment' || m.module === 'nfacct') continue;
    if ((m.module === 'tcp' || m.module === 'udp' || m.module === 'sctp') && dport === null) {
      if (m.sport || m.tcpFlags || !m.dport || m.dport.invert || m.dport.range[0] !== m.dport.range[1]) return null;
      dport = m.dport.range[0];
      continue;
    }
    return null;
  }
  if (dport === null) return null;
  return { dst, slot, dport };
}

/** Finds the indexable runs of a chain; returns, per rule position, its run id (or undefined). */
function buildRuns(rules: readonly Rule[], family: Family, firstRid: number, runs: Run[]): (number | undefined)[] {
  const runAt: (number | undefined)[] = new Array(rules.length);
  const keys = rules.map((r) => ruleKey(r, family));
  let i = 0;
  while (i < rules.length) {
    if (!keys[i]) {
      i++;
      continue;
    }
    let j = i;
    while (j < rules.length && keys[j]) j++;
    if (j - i >= MIN_RUN) {
      const run: Run = { first: firstRid + i, end: firstRid + j, byDst: new IntPairMap(), byPort: new IntMap(), repeatsByDst: new Map(), repeatsByPort: new Map() };
      const id = runs.length;
      runs.push(run);
      for (let k = i; k < j; k++) {
        const key = keys[k]!;
        const rid = firstRid + k;
        const low = (key.slot << 16) | key.dport;
        const repeats = key.dst === null ? run.repeatsByPort : run.repeatsByDst;
        const mk = key.dst === null ? portKey(key.slot, key.dport) : dstKey(key.dst, key.slot, key.dport);
        const first = key.dst === null ? run.byPort.get(low) : run.byDst.get(key.dst | 0, low);
        if (first < 0) {
          if (key.dst === null) run.byPort.set(low, rid);
          else run.byDst.set(key.dst | 0, low, rid);
        } else {
          const list = repeats.get(mk);
          if (list) list.push(rid);
          else repeats.set(mk, [first, rid]);
        }
        runAt[k] = id;
      }
    }
    i = j;
  }
  return runAt;
}
