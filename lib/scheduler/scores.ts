// The default profile's score plugins with their weights (TaintToleration 3, NodeAffinity 2,
// PodTopologySpread 2, NodeResourcesFit 1 with LeastAllocated, NodeResourcesBalancedAllocation
// 1), each normalised to 0..100 as upstream does, in Go's integer arithmetic. ImageLocality and
// InterPodAffinity score every node alike here (no image lists, no pod affinity) and are left out.
import type { Selector } from '../api/labels.js';
import { HOT_HOSTNAME, HOT_ZONE, type NodeInfo, type SchedulerCache } from './cache.js';
import type { PodInfo } from './filters.js';
import { podMatchesNodeSelectorAndAffinity, preferredAffinityScore } from './nodeaffinity.js';
import { tolerationsTolerateTaint } from './taints.js';

export const MAX_NODE_SCORE = 100;
const HOSTNAME_LABEL = 'kubernetes.io/hostname';
const ZONE_LABEL = 'topology.kubernetes.io/zone';

export const WEIGHTS = {
  TaintToleration: 3,
  NodeAffinity: 2,
  PodTopologySpread: 2,
  NodeResourcesFit: 1,
  NodeResourcesBalancedAllocation: 1,
} as const;

/** One system-default spread constraint (ScheduleAnyway). */
interface SpreadConstraint {
  key: string;
  maxSkew: number;
}


/** The scheduler's system defaults: hostname maxSkew 3, zone maxSkew 5, both ScheduleAnyway. */
export const SYSTEM_DEFAULT_CONSTRAINTS: readonly SpreadConstraint[] = [
  { key: HOSTNAME_LABEL, maxSkew: 3 },
  { key: ZONE_LABEL, maxSkew: 5 },
];

/** Go's int64 division (truncates toward zero). */
const idiv = (a: number, b: number): number => Math.trunc(a / b);

/** leastRequestedScore for one resource. */
function leastRequested(requested: number, capacity: number): number {
  if (capacity === 0 || requested > capacity) return 0;
  return idiv((capacity - requested) * MAX_NODE_SCORE, capacity);
}

/** NodeResourcesFit LeastAllocated over cpu and memory (weight 1 each), with non-zero requests. */
export function leastAllocatedScore(p: PodInfo, n: NodeInfo): number {
  let score = 0;
  let weights = 0;
  if (n.allocMilliCPU !== 0) {
    score += leastRequested(n.nonZeroMilliCPU + p.res.nonZeroMilliCPU, n.allocMilliCPU);
    weights++;
  }
  if (n.allocMemory !== 0) {
    score += leastRequested(n.nonZeroMemory + p.res.nonZeroMemory, n.allocMemory);
    weights++;
  }
  return weights === 0 ? 0 : idiv(score, weights);
}

/** NodeResourcesBalancedAllocation: 100 × (1 − |cpu fraction − memory fraction| / 2), with actual requests. */
export function balancedAllocationScore(p: PodInfo, n: NodeInfo): number {
  const hasCPU = n.allocMilliCPU !== 0;
  const hasMem = n.allocMemory !== 0;
  // With fewer than two resources the standard deviation is 0.
  if (!hasCPU || !hasMem) return MAX_NODE_SCORE;
  const fc = Math.min(1, (n.reqMilliCPU + p.res.milliCPU) / n.allocMilliCPU);
  const fm = Math.min(1, (n.reqMemory + p.res.memory) / n.allocMemory);
  return Math.trunc((1 - Math.abs((fc - fm) / 2)) * MAX_NODE_SCORE);
}

/** DefaultNormalizeScore: scale to 0..100 by the maximum; `reverse` flips it. */
export function defaultNormalize(scores: number[], reverse: boolean): void {
  let max = 0;
  for (const s of scores) if (s > max) max = s;
  if (max === 0) {
    if (reverse) scores.fill(MAX_NODE_SCORE);
    return;
  }
  for (let i = 0; i < scores.length; i++) {
    const s = idiv(MAX_NODE_SCORE * scores[i]!, max);
    scores[i] = reverse ? MAX_NODE_SCORE - s : s;
  }
}

/** TaintToleration: PreferNoSchedule taints the pod does not tolerate (fewer is better). */
function taintScores(p: PodInfo, ids: Int32Array, n: number, cache: SchedulerCache): number[] {
  const tols = p.tolerations.filter((t) => !t.effect || t.effect === 'PreferNoSchedule');
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const info = cache.nodeById(ids[i]!)!;
    let c = 0;
    if (info.preferNoSchedule) for (const t of info.node.spec.taints ?? []) if (t.effect === 'PreferNoSchedule' && !tolerationsTolerateTaint(tols, t)) c++;
    out[i] = c;
  }
  defaultNormalize(out, true);
  return out;
}

let cycle = 0;
// Scratch buffers reused by every scheduling cycle (the simulation is single-threaded).
let totalBuf = new Float64Array(1024);
let hostBuf = new Float64Array(1024);
let rawBuf = new Float64Array(1024);
let zoneBuf = new Int32Array(1024);
let seenBuf = new Int32Array(16);

/** A per-cycle map from cache zone index to candidate zone number, all -1. */
function zoneSeen(zoneCount: number): Int32Array {
  if (seenBuf.length < zoneCount) seenBuf = new Int32Array(Math.max(zoneCount, seenBuf.length * 2));
  seenBuf.fill(-1, 0, zoneCount);
  return seenBuf;
}

function ensureCapacity(n: number): void {
  if (totalBuf.length >= n) return;
  const size = Math.max(n, totalBuf.length * 2);
  totalBuf = new Float64Array(size);
  hostBuf = new Float64Array(size);
  rawBuf = new Float64Array(size);
  zoneBuf = new Int32Array(size);
}

/**
 * PodTopologySpread scoring with the system-default constraints: for each node, the matching
 * pods on the node (hostname) and in its zone, weighted by log(number of topology values + 2),
 * plus maxSkew−1; then reversed so the emptiest domains score highest. Counts come from the
 * label groups (only the nodes holding matching pods are visited).
 */
function spreadScores(p: PodInfo, ids: Int32Array, n: number, cache: SchedulerCache, selector: Selector, out: Float64Array): void {
  const ns = p.pod.metadata.namespace ?? 'default';
  const groups = cache.matchingGroups(ns, selector);
  const hot = cache.hot;
  const mark = ++cycle;
  const hostCount = hostBuf;
  const zoneOf = zoneBuf;
  const markArr = hot.mark;
  const slotArr = hot.slot;
  const zoneArr = hot.zone;
  // Topology values among the candidates (a node without the label counts as value ''): their
  // cache-wide zone indexes, renumbered in order of first appearance.
  const seen = zoneSeen(cache.zoneNames.length);
  const zones: string[] = [];
  for (let i = 0; i < n; i++) {
    const id = ids[i]!;
    markArr[id] = mark;
    slotArr[id] = i;
    hostCount[i] = 0;
    const zi = zoneArr[id]!;
    let z = seen[zi]!;
    if (z < 0) {
      z = zones.push(cache.zoneNames[zi]!) - 1;
      seen[zi] = z;
    }
    zoneOf[i] = z;
  }
  const limit = hot.size;
  for (const g of groups) {
    if (g.perNode.size < n) {
      g.perNode.forEach((count, id) => {
        if (id < limit && markArr[id] === mark) hostCount[slotArr[id]!]! += count;
      });
    } else {
      // A big group: look the candidates up instead.
      for (let i = 0; i < n; i++) hostCount[i]! += g.perNode.get(ids[i]!) ?? 0;
    }
  }
  // Matching pods per zone over every node that passes the pod's node affinity (nodeAffinityPolicy Honor).
  const zoneCount = new Array<number>(zones.length).fill(0);
  if (!p.constrained) {
    for (let z = 0; z < zones.length; z++) for (const g of groups) zoneCount[z]! += g.perZone.get(zones[z]!) ?? 0;
  } else {
    for (const g of groups) {
      for (const [id, count] of g.perNode) {
        const info = cache.nodeById(id);
        if (!info || !podMatchesNodeSelectorAndAffinity(p.pod, info.node)) continue;
        const z = zones.indexOf(info.zone);
        if (z >= 0) zoneCount[z]! += count;
      }
    }
  }
  const wHost = Math.log(n + 2);
  const wZone = Math.log(zones.length + 2);
  const skewHost = SYSTEM_DEFAULT_CONSTRAINTS[0]!.maxSkew - 1;
  const skewZone = SYSTEM_DEFAULT_CONSTRAINTS[1]!.maxSkew - 1;
  const zc = Float64Array.from(zoneCount);
  const flags = hot.flags;
  let min = Number.MAX_SAFE_INTEGER;
  let max = 0;
  const raw = rawBuf;
  for (let i = 0; i < n; i++) {
    const f = flags[ids[i]!]!;
    let sc = 0;
    if (f & HOT_HOSTNAME) sc += hostCount[i]! * wHost + skewHost;
    if (f & HOT_ZONE) sc += zc[zoneOf[i]!]! * wZone + skewZone;
    const r = Math.round(sc);
    raw[i] = r;
    if (r < min) min = r;
    if (r > max) max = r;
  }
  const w = WEIGHTS.PodTopologySpread;
  if (max === 0) {
    for (let i = 0; i < n; i++) out[i]! += w * MAX_NODE_SCORE;
    return;
  }
  for (let i = 0; i < n; i++) out[i]! += w * Math.trunc((MAX_NODE_SCORE * (max + min - raw[i]!)) / max);
}

/**
 * Weighted total for the first `n` node ids of `ids` (a scratch buffer, valid until the next
 * call). `spread` is the DefaultSelector, absent when it is empty. Plugins that would score
 * every node alike (TaintToleration without PreferNoSchedule taints, NodeAffinity without
 * preferred terms, ImageLocality, InterPodAffinity) are skipped: a constant added to every node
 * does not change the choice.
 */
export function scoreNodes(p: PodInfo, ids: Int32Array, n: number, cache: SchedulerCache, spread: Selector | undefined): Float64Array {
  ensureCapacity(n);
  const total = totalBuf;
  total.fill(0, 0, n);
  if (cache.preferNoScheduleNodes > 0) {
    const taints = taintScores(p, ids, n, cache);
    for (let i = 0; i < n; i++) total[i]! += WEIGHTS.TaintToleration * taints[i]!;
  }
  if (p.pod.spec.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution?.length) {
    const aff = new Array<number>(n);
    for (let i = 0; i < n; i++) aff[i] = preferredAffinityScore(p.pod, cache.nodeById(ids[i]!)!.node);
    defaultNormalize(aff, false);
    for (let i = 0; i < n; i++) total[i]! += WEIGHTS.NodeAffinity * aff[i]!;
  }
  if (spread) spreadScores(p, ids, n, cache, spread, total);
  const h = cache.hot;
  const allocCPU = h.allocCPU;
  const allocMem = h.allocMem;
  const nzCPUArr = h.nzCPU;
  const nzMemArr = h.nzMem;
  const reqCPUArr = h.reqCPU;
  const reqMemArr = h.reqMem;
  const bestEffort = p.res.milliCPU === 0 && p.res.memory === 0;
  const nzCPU = p.res.nonZeroMilliCPU;
  const nzMem = p.res.nonZeroMemory;
  const cpu = p.res.milliCPU;
  const mem = p.res.memory;
  for (let i = 0; i < n; i++) {
    const id = ids[i]!;
    const aCPU = allocCPU[id]!;
    const aMem = allocMem[id]!;
    // NodeResourcesFit LeastAllocated over cpu and memory (weight 1 each), with non-zero requests.
    let least = 0;
    let weights = 0;
    if (aCPU !== 0) {
      const req = nzCPUArr[id]! + nzCPU;
      least += req > aCPU ? 0 : Math.trunc(((aCPU - req) * MAX_NODE_SCORE) / aCPU);
      weights++;
    }
    if (aMem !== 0) {
      const req = nzMemArr[id]! + nzMem;
      least += req > aMem ? 0 : Math.trunc(((aMem - req) * MAX_NODE_SCORE) / aMem);
      weights++;
    }
    let sc = weights === 0 ? 0 : Math.trunc(least / weights) * WEIGHTS.NodeResourcesFit;
    // NodeResourcesBalancedAllocation: 100 × (1 − |cpu fraction − memory fraction| / 2), with
    // actual requests; skipped for best-effort pods, so they do not pile onto one node.
    if (!bestEffort) {
      let balanced = MAX_NODE_SCORE;
      if (aCPU !== 0 && aMem !== 0) {
        const fc = Math.min(1, (reqCPUArr[id]! + cpu) / aCPU);
        const fm = Math.min(1, (reqMemArr[id]! + mem) / aMem);
        balanced = Math.trunc((1 - Math.abs((fc - fm) / 2)) * MAX_NODE_SCORE);
      }
      sc += WEIGHTS.NodeResourcesBalancedAllocation * balanced;
    }
    total[i]! += sc;
  }
  return total;
}
