// Pod state as the workload controllers read it (k8s.io/kubernetes/pkg/api/v1/pod and
// controller_utils): ready, available after minReadySeconds, active, terminating.
import type { Condition } from '../api/meta.js';
import type { Pod } from '../api/types.js';
import { SIM_EPOCH_MS } from '../sim/clock.js';

/** Simulated milliseconds of an RFC 3339 timestamp written by the VirtualClock (NaN if absent). */
export function simTime(ts: string | undefined): number {
  if (!ts) return Number.NaN;
  return Date.parse(ts) - SIM_EPOCH_MS;
}

/** The pod's Ready condition, if any. */
export function podReadyCondition(pod: Pod): Condition | undefined {
  const conds = pod.status?.conditions;
  if (!conds) return undefined;
  for (const c of conds) if (c.type === 'Ready') return c;
  return undefined;
}

/** podutil.IsPodReady: the Ready condition is True. */
export function isPodReady(pod: Pod): boolean {
  return podReadyCondition(pod)?.status === 'True';
}

/** When the pod became ready (sim ms), or NaN when it is not ready. */
export function podReadyTime(pod: Pod): number {
  const c = podReadyCondition(pod);
  return c?.status === 'True' ? simTime(c.lastTransitionTime) : Number.NaN;
}

/**
 * podutil.IsPodAvailable: ready, and ready for longer than minReadySeconds. As upstream the
 * comparison is strict (lastTransitionTime + minReadySeconds before now).
 */
export function isPodAvailable(pod: Pod, minReadySeconds: number, nowMs: number): boolean {
  if (!isPodReady(pod)) return false;
  if (!minReadySeconds) return true;
  const since = simTime(podReadyCondition(pod)!.lastTransitionTime);
  if (Number.isNaN(since)) return false;
  return since + minReadySeconds * 1000 < nowMs;
}

/**
 * Milliseconds until a ready pod becomes available (the first instant `isPodAvailable` holds),
 * or undefined when it is not ready or already available.
 */
export function untilAvailable(pod: Pod, minReadySeconds: number, nowMs: number): number | undefined {
  if (!minReadySeconds || !isPodReady(pod)) return undefined;
  const since = simTime(podReadyCondition(pod)!.lastTransitionTime);
  if (Number.isNaN(since)) return undefined;
  const at = since + minReadySeconds * 1000 + 1;
  return at > nowMs ? at - nowMs : undefined;
}

/** controller.IsPodActive: not Succeeded, not Failed, not being deleted. */
export function isPodActive(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed' && pod.metadata.deletionTimestamp === undefined;
}

/** True while the pod is being deleted (deletionTimestamp set). */
export function isPodTerminating(pod: Pod): boolean {
  return pod.metadata.deletionTimestamp !== undefined;
}

/** controller.FilterActivePods. */
export function filterActivePods(pods: readonly Pod[]): Pod[] {
  return pods.filter(isPodActive);
}

/** Highest restart count among the pod's containers. */
export function maxContainerRestarts(pod: Pod): number {
  let n = 0;
  for (const s of pod.status?.containerStatuses ?? []) if (s.restartCount > n) n = s.restartCount;
  return n;
}
