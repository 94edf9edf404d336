// Taints and tolerations as k8s.io/component-helpers/scheduling/corev1 and core/v1 helpers
// match them (Toleration.ToleratesTaint, FindMatchingUntoleratedTaint, GetMatchingTolerations).
import type { Taint, Toleration } from '../api/types.js';

export const TAINT_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_UNREACHABLE = 'node.kubernetes.io/unreachable';
export const TAINT_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';

/** Toleration.ToleratesTaint: effect and key match when set; Equal compares values, Exists matches any. */
export function toleratesTaint(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  const op = t.operator ?? 'Equal';
  if (op === 'Exists') return true;
  if (op === 'Equal') return (t.value ?? '') === (taint.value ?? '');
  return false;
}

/** True when some toleration tolerates the taint. */
export function tolerationsTolerateTaint(tolerations: readonly Toleration[] | undefined, taint: Taint): boolean {
  if (!tolerations) return false;
  for (const t of tolerations) if (toleratesTaint(t, taint)) return true;
  return false;
}

/** The first taint (in node order) passing `filter` that no toleration tolerates. */
export function findUntoleratedTaint(taints: readonly Taint[] | undefined, tolerations: readonly Toleration[] | undefined, filter: (t: Taint) => boolean): Taint | undefined {
  if (!taints) return undefined;
  for (const taint of taints) {
    if (!filter(taint)) continue;
    if (!tolerationsTolerateTaint(tolerations, taint)) return taint;
  }
  return undefined;
}

/** NoSchedule and NoExecute: the taints the scheduler's filter cares about. */
export const doNotSchedule = (t: Taint): boolean => t.effect === 'NoSchedule' || t.effect === 'NoExecute';

/**
 * GetMatchingTolerations: whether every taint is tolerated, and the tolerations that matched
 * (the first matching toleration per taint, as upstream collects them).
 */
export function matchingTolerations(taints: readonly Taint[], tolerations: readonly Toleration[] | undefined): { tolerated: boolean; used: Toleration[] } {
  const used: Toleration[] = [];
  for (const taint of taints) {
    let found: Toleration | undefined;
    for (const t of tolerations ?? []) {
      if (toleratesTaint(t, taint)) {
        found = t;
        break;
      }
    }
    if (!found) return { tolerated: false, used: [] };
    used.push(found);
  }
  return { tolerated: true, used };
}

/** getMinTolerationTime in ms: the smallest tolerationSeconds (negative counts as 0); -1 when all are unbounded. */
export function minTolerationMs(used: readonly Toleration[]): number {
  let min = -1;
  for (const t of used) {
    if (t.tolerationSeconds === undefined || t.tolerationSeconds === null) continue;
    const ms = Math.max(0, t.tolerationSeconds) * 1000;
    if (min < 0 || ms < min) min = ms;
  }
  return min;
}
