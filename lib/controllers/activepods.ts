// Which pods a controller deletes first when it scales down, as controller_utils' ActivePods
// and ActivePodsWithRanks (LogarithmicScaleDown, on by default since 1.22). Sorting puts the
// pods to delete first at the front.
import type { Pod } from '../api/types.js';
import { isPodReady, maxContainerRestarts, podReadyTime, simTime } from './podconditions.js';

/** The annotation that orders deletion among otherwise equal pods (PodDeletionCost). */
export const POD_DELETION_COST_ANNOTATION = 'controller.kubernetes.io/pod-deletion-cost';

const PHASE_ORDINAL: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

function phaseOrdinal(p: Pod): number {
  return PHASE_ORDINAL[p.status?.phase ?? ''] ?? 0;
}

function deletionCost(p: Pod): number {
  const v = p.metadata.annotations?.[POD_DELETION_COST_ANNOTATION];
  if (v === undefined) return 0;
  const n = Number(v);
  return Number.isInteger(n) ? n : 0;
}

/** afterOrZero: a missing time first, then the later time first. <0 when `a` goes first. */
function afterOrZero(a: number, b: number): number {
  const az = Number.isNaN(a);
  const bz = Number.isNaN(b);
  if (az || bz) return az === bz ? 0 : az ? -1 : 1;
  return a > b ? -1 : a < b ? 1 : 0;
}

/** floor(log2(age in ns)), -1 for no age: pods in the same power-of-two age bucket tie. */
function logRank(t: number, nowMs: number): number {
  const d = (nowMs - t) * 1e6;
  return d > 0 ? Math.floor(Math.log2(d)) : -1;
}

/** Compares two times as upstream's logarithmic comparison (newer bucket first, then UID). */
function compareLogarithmic(a: Pod, ta: number, b: Pod, tb: number, nowMs: number): number {
  if (Number.isNaN(ta) || Number.isNaN(tb)) return afterOrZero(ta, tb);
  const diff = logRank(ta, nowMs) - logRank(tb, nowMs);
  if (diff !== 0) return diff;
  const ua = a.metadata.uid ?? '';
  const ub = b.metadata.uid ?? '';
  return ua < ub ? -1 : ua > ub ? 1 : 0;
}

function commonPrefix(a: Pod, b: Pod): number {
  // 1. Unassigned before assigned.
  const na = a.spec.nodeName ?? '';
  const nb = b.spec.nodeName ?? '';
  if (na !== nb && (na === '' || nb === '')) return na === '' ? -1 : 1;
  // 2. Pending < Unknown < Running.
  const pa = phaseOrdinal(a);
  const pb = phaseOrdinal(b);
  if (pa !== pb) return pa - pb;
  // 3. Not ready before ready.
  const ra = isPodReady(a);
  const rb = isPodReady(b);
  if (ra !== rb) return ra ? 1 : -1;
  return 0;
}

function byName(a: Pod, b: Pod): number {
  const ka = `${a.metadata.namespace}/${a.metadata.name}`;
  const kb = `${b.metadata.namespace}/${b.metadata.name}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/** controller.ActivePods ordering (used by the Job controller); ties broken by name for determinism. */
export function compareActivePods(a: Pod, b: Pod): number {
  const c = commonPrefix(a, b);
  if (c !== 0) return c;
  // 4. Ready for a shorter time before longer.
  if (isPodReady(a) && isPodReady(b)) {
    const d = afterOrZero(podReadyTime(a), podReadyTime(b));
    if (d !== 0) return d;
  }
  // 5. More restarts first.
  const ra = maxContainerRestarts(a);
  const rb = maxContainerRestarts(b);
  if (ra !== rb) return rb - ra;
  // 6. Newer first.
  const d = afterOrZero(simTime(a.metadata.creationTimestamp), simTime(b.metadata.creationTimestamp));
  return d !== 0 ? d : byName(a, b);
}

/**
 * ActivePodsWithRanks ordering (ReplicaSet scale-down): rank is the number of related pods on
 * the same node (doubled-up pods go first); ready and creation times compare in logarithmic
 * age buckets, ties by UID. Final ties by name for determinism (Go's sort is not stable).
 */
export function compareActivePodsWithRanks(a: Pod, rankA: number, b: Pod, rankB: number, nowMs: number): number {
  const c = commonPrefix(a, b);
  if (c !== 0) return c;
  // 4. Lower pod-deletion-cost first.
  const ca = deletionCost(a);
  const cb = deletionCost(b);
  if (ca !== cb) return ca - cb;
  // 5. More co-located related pods first.
  if (rankA !== rankB) return rankB - rankA;
  // 6. Ready for less time first.
  if (isPodReady(a) && isPodReady(b)) {
    const ta = podReadyTime(a);
    const tb = podReadyTime(b);
    if (ta !== tb && !(Number.isNaN(ta) && Number.isNaN(tb))) {
      const d = compareLogarithmic(a, ta, b, tb, nowMs);
      if (d !== 0) return d;
      return byName(a, b);
    }
  }
  // 7. More restarts first.
  const ra = maxContainerRestarts(a);
  const rb = maxContainerRestarts(b);
  if (ra !== rb) return rb - ra;
  // 8. Newer first.
  const ta = simTime(a.metadata.creationTimestamp);
  const tb = simTime(b.metadata.creationTimestamp);
  if (ta !== tb && !(Number.isNaN(ta) && Number.isNaN(tb))) {
    const d = compareLogarithmic(a, ta, b, tb, nowMs);
    if (d !== 0) return d;
  }
  return byName(a, b);
}

/**
 * getPodsToDelete: the `diff` pods to delete, ranking each by how many `related` active pods
 * (pods of the same owner's other ReplicaSets included) share its node.
 */
export function podsToDelete(filtered: readonly Pod[], related: readonly Pod[], diff: number, nowMs: number): Pod[] {
  if (diff >= filtered.length) return [...filtered];
  const onNode = new Map<string, number>();
  for (const p of related) {
    const n = p.spec.nodeName;
    if (!n || p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed' || p.metadata.deletionTimestamp) continue;
    onNode.set(n, (onNode.get(n) ?? 0) + 1);
  }
  const ranked = filtered.map((pod) => ({ pod, rank: pod.spec.nodeName ? (onNode.get(pod.spec.nodeName) ?? 0) : 0 }));
  ranked.sort((x, y) => compareActivePodsWithRanks(x.pod, x.rank, y.pod, y.rank, nowMs));
  return ranked.slice(0, diff).map((r) => r.pod);
}
