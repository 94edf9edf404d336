// What a branch of a recorded walk already knows about its packet (exact addresses, ports,
// protocol, mark bits, earlier address checks), so the fast path can fold away checks whose
// result follows from earlier decisions. Facts are kept exact: a fold is never a guess.

import {
  A_DPORT,
  A_DST4,
  A_MARK,
  A_NOFRAG,
  A_PROTO,
  A_SPORT,
  A_SRC4,
  ATOM_INTS,
  type CTable,
  INV,
  R_ATOMS,
  R_NATOMS,
  R_TA,
  R_TB,
  R_TCODE,
  TF_ADDR,
  T_DNAT,
  T_MARK,
  T_MASQUERADE,
  T_SNAT,
} from './compile.js';

/**
 * What a branch already knows about the packet from its earlier decisions, so a check whose
 * result follows from them needs no node. Values are exact (uint32 addresses); undefined =
 * unknown. `seen` keeps raw results of address checks while the address is unchanged.
 */
export interface Facts {
  readonly src?: number;
  readonly dst?: number;
  readonly proto?: number;
  readonly sport?: number;
  readonly dport?: number;
  readonly noFrag?: boolean;
  /** Mark bits known, and their values. */
  readonly markMask: number;
  readonly markValue: number;
  readonly seen: ReadonlyMap<string, boolean>;
}

export const NO_FACTS: Facts = { markMask: 0, markValue: 0, seen: new Map() };

/** The raw (uninverted) result of a check implied by the facts, or undefined. */
export function implied(kind: number, a: number, m: number, f: Facts): boolean | undefined {
  switch (kind) {
    case A_SRC4:
      if (f.src !== undefined) return (f.src & m) === a;
      return f.seen.get(`s${a}/${m}`);
    case A_DST4:
      if (f.dst !== undefined) return (f.dst & m) === a;
      return f.seen.get(`d${a}/${m}`);
    case A_PROTO:
      return f.proto === undefined ? undefined : f.proto === a;
    case A_SPORT:
      return f.noFrag && f.sport !== undefined ? f.sport >= a && f.sport <= m : undefined;
    case A_DPORT:
      return f.noFrag && f.dport !== undefined ? f.dport >= a && f.dport <= m : undefined;
    case A_NOFRAG:
      return f.noFrag ? true : undefined;
    case A_MARK:
      return (m & ~f.markMask) === 0 ? (f.markValue & m) === a : undefined;
    default:
      return undefined;
  }
}

/** The facts after a check of `kind` came out `raw` (uninverted). */
export function learn(kind: number, a: number, m: number, raw: boolean, f: Facts): Facts {
  switch (kind) {
    case A_SRC4: {
      const seen = new Map(f.seen).set(`s${a}/${m}`, raw);
      return raw && m === -1 ? { ...f, src: a >>> 0, seen } : { ...f, seen };
    }
    case A_DST4: {
      const seen = new Map(f.seen).set(`d${a}/${m}`, raw);
      return raw && m === -1 ? { ...f, dst: a >>> 0, seen } : { ...f, seen };
    }
    case A_PROTO:
      return raw ? { ...f, proto: a } : f;
    case A_SPORT:
      return raw ? { ...f, noFrag: true, ...(a === m ? { sport: a } : {}) } : f;
    case A_DPORT:
      return raw ? { ...f, noFrag: true, ...(a === m ? { dport: a } : {}) } : f;
    case A_NOFRAG:
      return raw ? { ...f, noFrag: true } : f;
    case A_MARK:
      return raw ? { ...f, markMask: f.markMask | m, markValue: (f.markValue & ~m) | a } : f;
    default:
      return f;
  }
}

function withoutSeen(f: Facts, prefix: string): Map<string, boolean> {
  const seen = new Map<string, boolean>();
  for (const [k, v] of f.seen) if (!k.startsWith(prefix)) seen.set(k, v);
  return seen;
}

/** The facts after rule `rid`'s target changed the packet. */
export function afterTarget(t: CTable, rid: number, f: Facts): Facts {
  const off = t.ruleOffset[rid]!;
  const tc = t.code[off + R_TCODE]!;
  const ta = t.code[off + R_TA]!;
  const tb = t.code[off + R_TB]!;
  switch (tc & 255) {
    case T_MARK: {
      const markMask = f.markMask | tb;
      return { ...f, markMask, markValue: ((f.markValue & ~tb) ^ ta) & markMask };
    }
    case T_DNAT:
      return {
        ...f,
        dst: tc & TF_ADDR && t.family === 4 ? ta >>> 0 : tc & TF_ADDR ? undefined : f.dst,
        dport: tb >= 0 ? tb : f.dport,
        seen: tc & TF_ADDR ? withoutSeen(f, 'd') : f.seen,
      };
    case T_SNAT:
    case T_MASQUERADE: {
      const fixed = (tc & 255) === T_SNAT && tc & TF_ADDR && t.family === 4;
      const keep = (tc & 255) === T_SNAT && !(tc & TF_ADDR);
      return {
        ...f,
        src: fixed ? ta >>> 0 : keep ? f.src : undefined,
        sport: tb >= 0 ? tb : f.sport,
        seen: keep ? f.seen : withoutSeen(f, 's'),
      };
    }
    default:
      return f;
  }
}

/** The facts an index hit establishes: the candidate rule's own key (it matched exactly that). */
export function afterLookup(t: CTable, candidate: number, f: Facts): Facts {
  if (candidate < 0) return f;
  const off = t.ruleOffset[candidate]!;
  let g: Facts = { ...f, noFrag: true };
  for (let k = 0, ao = off + R_ATOMS; k < t.code[off + R_NATOMS]!; k++, ao += ATOM_INTS) {
    const ki = t.code[ao]!;
    if (ki & INV) continue;
    g = learn(ki & 255, t.code[ao + 1]!, t.code[ao + 2]!, true, g);
  }
  return g;
}
