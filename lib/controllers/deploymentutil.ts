// Pure pieces of the Deployment controller, as pkg/controller/deployment/util: surge and
// unavailability fenceposts, revision and replica annotations, proportional scaling,
// conditions, status, and kubectl's rollout status text.
import type { Condition } from '../api/meta.js';
import type { Deployment, IntOrString, ReplicaSet } from '../api/types.js';
import { computeHash, equalIgnoreHash, POD_TEMPLATE_HASH_LABEL } from './podtemplatehash.js';
import { getControllerOf } from './controllerref.js';
import { simTime } from './podconditions.js';

/** The annotations the Deployment controller keeps on Deployments and their ReplicaSets. */
export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
export const REVISION_HISTORY_ANNOTATION = 'deployment.kubernetes.io/revision-history';
export const DESIRED_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/max-replicas';
const ROLLBACK_TO_ANNOTATION = 'deprecated.deployment.rollback.to';
const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';
/** Annotations never copied from a Deployment to its ReplicaSets. */
const ANNOTATIONS_TO_SKIP = new Set([LAST_APPLIED_ANNOTATION, REVISION_ANNOTATION, REVISION_HISTORY_ANNOTATION, DESIRED_REPLICAS_ANNOTATION, MAX_REPLICAS_ANNOTATION, ROLLBACK_TO_ANNOTATION]);
/** Upper bound on the revision-history annotation's length. */
const MAX_REV_HISTORY_LENGTH = 2000;

/** Condition reasons of the Deployment controller. */
export const Reason = {
  NewReplicaSet: 'NewReplicaSetCreated',
  FoundNewReplicaSet: 'FoundNewReplicaSet',
  ReplicaSetUpdated: 'ReplicaSetUpdated',
  NewReplicaSetAvailable: 'NewReplicaSetAvailable',
  TimedOut: 'ProgressDeadlineExceeded',
  Paused: 'DeploymentPaused',
  Resumed: 'DeploymentResumed',
  MinimumReplicasAvailable: 'MinimumReplicasAvailable',
  MinimumReplicasUnavailable: 'MinimumReplicasUnavailable',
  FailedReplicaSetCreate: 'ReplicaSetCreateError',
} as const;

export type DeploymentStatus = NonNullable<Deployment['status']>;

// ---- defaults the API server applies (assumed when a field is absent) ----

/** spec.replicas (default 1). */
export function replicasOf(d: Deployment): number {
  return d.spec.replicas ?? 1;
}
/** spec.strategy.type (default RollingUpdate). */
export function isRollingUpdate(d: Deployment): boolean {
  return (d.spec.strategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
}
/** spec.progressDeadlineSeconds (default 600), or undefined when there is none. */
export function progressDeadline(d: Deployment): number | undefined {
  const v = d.spec.progressDeadlineSeconds ?? 600;
  return v === 2147483647 ? undefined : v;
}
/** spec.revisionHistoryLimit (default 10). */
export function revisionHistoryLimit(d: Deployment): number {
  return d.spec.revisionHistoryLimit ?? 10;
}

// ---- fenceposts ----

/** intstr.GetScaledValueFromIntOrPercent: an int as is, "N%" of `total` rounded up or down. */
export function scaledValue(v: IntOrString | undefined, total: number, roundUp: boolean): number {
  if (v === undefined) return 0;
  if (typeof v === 'number') return v;
  const m = /^(-?\d+)%$/.exec(v);
  if (!m) {
    const n = Number(v);
    return Number.isInteger(n) ? n : 0;
  }
  const x = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(x) : Math.floor(x);
}

/** ResolveFenceposts: surge rounds up, unavailable rounds down; both zero means unavailable 1. */
export function resolveFenceposts(maxSurge: IntOrString | undefined, maxUnavailable: IntOrString | undefined, desired: number): [number, number] {
  const surge = scaledValue(maxSurge ?? '25%', desired, true);
  let unavailable = scaledValue(maxUnavailable ?? '25%', desired, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return [surge, unavailable];
}

/** MaxSurge of a rolling Deployment (0 for Recreate). */
export function maxSurge(d: Deployment): number {
  if (!isRollingUpdate(d)) return 0;
  const ru = d.spec.strategy?.rollingUpdate;
  return resolveFenceposts(ru?.maxSurge, ru?.maxUnavailable, replicasOf(d))[0];
}

/** MaxUnavailable of a rolling Deployment (0 for Recreate or 0 replicas), capped at replicas. */
export function maxUnavailable(d: Deployment): number {
  const replicas = replicasOf(d);
  if (!isRollingUpdate(d) || replicas === 0) return 0;
  const ru = d.spec.strategy?.rollingUpdate;
  const u = resolveFenceposts(ru?.maxSurge, ru?.maxUnavailable, replicas)[1];
  return u > replicas ? replicas : u;
}

// ---- replica sets ----

const specReplicas = (rs: ReplicaSet) => rs.spec.replicas ?? 1;

/** ReplicaSetsByCreationTimestamp (ties by name). */
export function byCreation(a: ReplicaSet, b: ReplicaSet): number {
  const ta = simTime(a.metadata.creationTimestamp);
  const tb = simTime(b.metadata.creationTimestamp);
  if (ta !== tb) return ta - tb;
  return a.metadata.name! < b.metadata.name! ? -1 : a.metadata.name! > b.metadata.name! ? 1 : 0;
}
/** ReplicaSetsBySizeNewer: bigger first, then newer first. */
export function bySizeNewer(a: ReplicaSet, b: ReplicaSet): number {
  return specReplicas(a) === specReplicas(b) ? byCreation(b, a) : specReplicas(b) - specReplicas(a);
}
/** ReplicaSetsBySizeOlder: bigger first, then older first. */
export function bySizeOlder(a: ReplicaSet, b: ReplicaSet): number {
  return specReplicas(a) === specReplicas(b) ? byCreation(a, b) : specReplicas(b) - specReplicas(a);
}

/** The revision annotation of an RS as a number (0 when absent or malformed). */
export function revisionOf(rs: { metadata: { annotations?: Record<string, string> } }): number {
  const v = rs.metadata.annotations?.[REVISION_ANNOTATION];
  if (v === undefined || !/^\d+$/.test(v)) return 0;
  return Number(v);
}

/** ReplicaSetsByRevision: lower revision first, ties by creation. */
export function byRevision(a: ReplicaSet, b: ReplicaSet): number {
  const ra = revisionOf(a);
  const rb = revisionOf(b);
  return ra === rb ? byCreation(a, b) : ra - rb;
}

/** MaxRevision: the highest revision among `rss` (0 when none). */
export function maxRevision(rss: readonly ReplicaSet[]): number {
  let m = 0;
  for (const rs of rss) m = Math.max(m, revisionOf(rs));
  return m;
}

/**
 * FindNewReplicaSet: the oldest RS whose template equals the Deployment's (ignoring the hash
 * label). Also accepted: an RS of this Deployment carrying the hash the template computes to,
 * so that API-server defaulting applied to only one of the two templates cannot fork an RS.
 */
export function findNewReplicaSet(d: Deployment, rsList: readonly ReplicaSet[]): ReplicaSet | undefined {
  const sorted = [...rsList].sort(byCreation);
  for (const rs of sorted) if (equalIgnoreHash(rs.spec.template, d.spec.template)) return rs;
  const hash = computeHash(d.spec.template, d.status?.collisionCount);
  for (const rs of sorted) {
    if (rs.spec.template?.metadata?.labels?.[POD_TEMPLATE_HASH_LABEL] === hash && getControllerOf(rs)?.uid === d.metadata.uid) return rs;
  }
  return undefined;
}

/** FilterActiveReplicaSets: those with spec.replicas > 0. */
export function filterActiveReplicaSets(rss: readonly (ReplicaSet | undefined)[]): ReplicaSet[] {
  return rss.filter((rs): rs is ReplicaSet => rs !== undefined && specReplicas(rs) > 0);
}

/** Sum of spec.replicas. */
export function replicaCount(rss: readonly (ReplicaSet | undefined)[]): number {
  let n = 0;
  for (const rs of rss) if (rs) n += specReplicas(rs);
  return n;
}
/** Sum of status.replicas. */
export function actualReplicaCount(rss: readonly (ReplicaSet | undefined)[]): number {
  let n = 0;
  for (const rs of rss) if (rs) n += rs.status?.replicas ?? 0;
  return n;
}
/** Sum of status.readyReplicas. */
export function readyReplicaCount(rss: readonly (ReplicaSet | undefined)[]): number {
  let n = 0;
  for (const rs of rss) if (rs) n += rs.status?.readyReplicas ?? 0;
  return n;
}
/** Sum of status.availableReplicas. */
export function availableReplicaCount(rss: readonly (ReplicaSet | undefined)[]): number {
  let n = 0;
  for (const rs of rss) if (rs) n += rs.status?.availableReplicas ?? 0;
  return n;
}

/** NewRSNewReplicas: how many replicas the new RS should have now. */
export function newRSNewReplicas(d: Deployment, allRSs: readonly (ReplicaSet | undefined)[], newRS: ReplicaSet): number {
  if (!isRollingUpdate(d)) return replicasOf(d);
  const maxTotal = replicasOf(d) + maxSurge(d);
  const current = replicaCount(allRSs);
  if (current >= maxTotal) return specReplicas(newRS);
  const scaleUp = Math.min(maxTotal - current, replicasOf(d) - specReplicas(newRS));
  return specReplicas(newRS) + scaleUp;
}

/** IsSaturated: the new RS has all the Deployment's replicas, desired and available. */
export function isSaturated(d: Deployment, rs: ReplicaSet | undefined): boolean {
  if (!rs) return false;
  const desired = Number(rs.metadata.annotations?.[DESIRED_REPLICAS_ANNOTATION]);
  return specReplicas(rs) === replicasOf(d) && desired === replicasOf(d) && (rs.status?.availableReplicas ?? 0) === replicasOf(d);
}

/** FindActiveOrLatest: the only active RS, or the newest when none is active; undefined when several are active. */
export function findActiveOrLatest(newRS: ReplicaSet | undefined, oldRSs: readonly ReplicaSet[]): ReplicaSet | undefined {
  if (!newRS && oldRSs.length === 0) return undefined;
  // ReplicaSetsByCreationTimestamp reversed: newest first.
  const sortedOld = [...oldRSs].sort((a, b) => byCreation(b, a));
  const active = filterActiveReplicaSets([...sortedOld, newRS]);
  if (active.length === 0) return newRS ?? sortedOld[0];
  if (active.length === 1) return active[0];
  return undefined;
}

/** getReplicaSetFraction + GetProportion: this RS's share of `toAdd` in a proportional scale. */
export function getProportion(rs: ReplicaSet, d: Deployment, toAdd: number, added: number): number {
  if (specReplicas(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
  let fraction: number;
  if (replicasOf(d) === 0) fraction = -specReplicas(rs);
  else {
    const deploymentReplicas = replicasOf(d) + maxSurge(d);
    const ann = rs.metadata.annotations?.[MAX_REPLICAS_ANNOTATION];
    const annotated = ann !== undefined && /^\d+$/.test(ann) ? Number(ann) : (d.status?.replicas ?? 0);
    // Go's integer.RoundToInt32 is math.Round: halves away from zero.
    const size = annotated === 0 ? specReplicas(rs) : (specReplicas(rs) * deploymentReplicas) / annotated;
    fraction = Math.sign(size) * Math.round(Math.abs(size)) - specReplicas(rs);
  }
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}

/** ReplicasAnnotationsNeedUpdate. */
export function replicasAnnotationsNeedUpdate(rs: ReplicaSet, desired: number, max: number): boolean {
  const a = rs.metadata.annotations ?? {};
  return a[DESIRED_REPLICAS_ANNOTATION] !== String(desired) || a[MAX_REPLICAS_ANNOTATION] !== String(max);
}

/** SetReplicasAnnotations on a mutable copy; true when something changed. */
export function setReplicasAnnotations(annotations: Record<string, string>, desired: number, max: number): boolean {
  let changed = false;
  if (annotations[DESIRED_REPLICAS_ANNOTATION] !== String(desired)) {
    annotations[DESIRED_REPLICAS_ANNOTATION] = String(desired);
    changed = true;
  }
  if (annotations[MAX_REPLICAS_ANNOTATION] !== String(max)) {
    annotations[MAX_REPLICAS_ANNOTATION] = String(max);
    changed = true;
  }
  return changed;
}

/**
 * SetNewReplicaSetAnnotations on a mutable annotation map: copies the Deployment's own
 * annotations, raises the revision (keeping the old one in revision-history when it was
 * rolled back to), and for a new RS sets desired/max replicas. True when something changed.
 */
export function setNewReplicaSetAnnotations(d: Deployment, annotations: Record<string, string>, newRevision: number, exists: boolean): boolean {
  let changed = false;
  for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) {
    if (ANNOTATIONS_TO_SKIP.has(k) || annotations[k] === v) continue;
    annotations[k] = v;
    changed = true;
  }
  const oldRevision = annotations[REVISION_ANNOTATION];
  let oldRevisionInt = 0;
  if (oldRevision !== undefined) {
    if (!/^\d+$/.test(oldRevision)) return changed;
    oldRevisionInt = Number(oldRevision);
  }
  if (oldRevisionInt < newRevision) {
    annotations[REVISION_ANNOTATION] = String(newRevision);
    changed = true;
    if (oldRevision !== undefined) {
      const history = annotations[REVISION_HISTORY_ANNOTATION] ?? '';
      if (history === '') annotations[REVISION_HISTORY_ANNOTATION] = oldRevision;
      else {
        let revs = history.split(',');
        let total = history.length + oldRevision.length + 1;
        let start = 0;
        while (total > MAX_REV_HISTORY_LENGTH && start < revs.length) total -= revs[start++]!.length + 1;
        if (total <= MAX_REV_HISTORY_LENGTH) {
          revs = [...revs.slice(start), oldRevision];
          annotations[REVISION_HISTORY_ANNOTATION] = revs.join(',');
        }
      }
    }
  }
  if (!exists && setReplicasAnnotations(annotations, replicasOf(d), replicasOf(d) + maxSurge(d))) changed = true;
  return changed;
}

// ---- conditions ----

/** NewDeploymentCondition with both times set to `now`. */
export function newCondition(type: string, status: Condition['status'], reason: string, message: string, now: string): Condition {
  return { type, status, lastUpdateTime: now, lastTransitionTime: now, reason, message };
}

/** GetDeploymentCondition. */
export function getCondition(status: DeploymentStatus | undefined, type: string): Condition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

/** SetDeploymentCondition: no-op for the same status and reason; keeps lastTransitionTime for the same status. */
export function setCondition(status: DeploymentStatus, cond: Condition): void {
  const cur = getCondition(status, cond.type);
  if (cur && cur.status === cond.status && cur.reason === cond.reason) return;
  const next = cur && cur.status === cond.status ? { ...cond, lastTransitionTime: cur.lastTransitionTime } : cond;
  status.conditions = [...(status.conditions ?? []).filter((c) => c.type !== cond.type), next];
}

/** RemoveDeploymentCondition. */
export function removeCondition(status: DeploymentStatus, type: string): void {
  if (!status.conditions) return;
  status.conditions = status.conditions.filter((c) => c.type !== type);
}

// ---- status ----

/** calculateStatus: counters from the ReplicaSets and the Available condition (zero counters omitted, as the API's omitempty). */
export function calculateStatus(allRSs: readonly (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined, d: Deployment, now: string): DeploymentStatus {
  const available = availableReplicaCount(allRSs);
  const total = replicaCount(allRSs);
  const unavailable = Math.max(0, total - available);
  const replicas = actualReplicaCount(allRSs);
  const updated = actualReplicaCount([newRS]);
  const ready = readyReplicaCount(allRSs);
  const status: DeploymentStatus = {};
  if (d.metadata.generation !== undefined) status.observedGeneration = d.metadata.generation;
  if (replicas) status.replicas = replicas;
  if (updated) status.updatedReplicas = updated;
  if (ready) status.readyReplicas = ready;
  if (available) status.availableReplicas = available;
  if (unavailable) status.unavailableReplicas = unavailable;
  if (d.status?.collisionCount !== undefined) status.collisionCount = d.status.collisionCount;
  if (d.status?.conditions) status.conditions = d.status.conditions.map((c) => ({ ...c }));
  if (available >= replicasOf(d) - maxUnavailable(d)) {
    setCondition(status, newCondition('Available', 'True', Reason.MinimumReplicasAvailable, 'Deployment has minimum availability.', now));
  } else {
    setCondition(status, newCondition('Available', 'False', Reason.MinimumReplicasUnavailable, 'Deployment does not have minimum availability.', now));
  }
  return status;
}

/** DeploymentComplete: every replica updated and available, and the spec observed. */
export function deploymentComplete(d: Deployment, s: DeploymentStatus): boolean {
  const r = replicasOf(d);
  return (s.updatedReplicas ?? 0) === r && (s.replicas ?? 0) === r && (s.availableReplicas ?? 0) === r && (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0);
}

/** DeploymentProgressing: more updated, ready or available replicas, or fewer old ones, than last time. */
export function deploymentProgressing(d: Deployment, s: DeploymentStatus): boolean {
  const old = d.status ?? {};
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const newOld = (s.replicas ?? 0) - (s.updatedReplicas ?? 0);
  return (
    (s.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) ||
    newOld < oldOld ||
    (s.readyReplicas ?? 0) > (old.readyReplicas ?? 0) ||
    (s.availableReplicas ?? 0) > (old.availableReplicas ?? 0)
  );
}

/** DeploymentTimedOut: no progress reported for progressDeadlineSeconds (strictly before now). */
export function deploymentTimedOut(d: Deployment, s: DeploymentStatus, nowMs: number): boolean {
  const deadline = progressDeadline(d);
  if (deadline === undefined) return false;
  const c = getCondition(s, 'Progressing');
  if (!c) return false;
  if (c.reason === Reason.NewReplicaSetAvailable) return false;
  if (c.reason === Reason.TimedOut) return true;
  return simTime(c.lastUpdateTime) + deadline * 1000 < nowMs;
}

/** kubectl rollout status for a Deployment: the line it prints and whether the rollout is done. */
export function rolloutStatus(d: Deployment): { message: string; done: boolean; error?: string } {
  const name = JSON.stringify(d.metadata.name ?? '');
  const s = d.status ?? {};
  if ((d.metadata.generation ?? 0) <= (s.observedGeneration ?? 0)) {
    const cond = getCondition(s, 'Progressing');
    if (cond?.reason === Reason.TimedOut) {
      const error = `deployment ${name} exceeded its progress deadline`;
      return { message: `error: ${error}`, done: false, error };
    }
    const want = replicasOf(d);
    const updated = s.updatedReplicas ?? 0;
    const replicas = s.replicas ?? 0;
    const available = s.availableReplicas ?? 0;
    if (updated < want) return { message: `Waiting for deployment ${name} rollout to finish: ${updated} out of ${want} new replicas have been updated...`, done: false };
    if (replicas > updated) return { message: `Waiting for deployment ${name} rollout to finish: ${replicas - updated} old replicas are pending termination...`, done: false };
    if (available < updated) return { message: `Waiting for deployment ${name} rollout to finish: ${available} of ${updated} updated replicas are available...`, done: false };
    return { message: `deployment ${name} successfully rolled out`, done: true };
  }
  return { message: 'Waiting for deployment spec update to be observed...', done: false };
}
