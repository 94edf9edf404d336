// The Deployment controller (pkg/controller/deployment): owns ReplicaSets named
// `<deployment>-<pod-template-hash>`, rolls them over with RollingUpdate (maxSurge /
// maxUnavailable) or Recreate, scales them proportionally, keeps `revisionHistoryLimit` old
// ones, and reports replicas and the Available / Progressing conditions in status.
import { isStatusError } from '../api/errors.js';
import { type Selector, selectorFromLabelSelector } from '../api/labels.js';
import type { Deployment, Pod, ReplicaSet } from '../api/types.js';
import type { Controller, ControllerContext, ReconcileResult } from '../reconcile/controller.js';
import { TerminalError } from '../reconcile/controller.js';
import { WorkQueue } from '../reconcile/workqueue.js';
import type { Informer } from '../store/informer.js';
import { InstantCoalescer } from './coalesce.js';
import { claimCandidates, claimObjects, ensureControllerIndex, getControllerOf, newControllerRef, ownedBy, ownerChanged } from './controllerref.js';
import {
  type DeploymentStatus,
  bySizeNewer,
  bySizeOlder,
  byCreation,
  byRevision,
  calculateStatus,
  DESIRED_REPLICAS_ANNOTATION,
  deploymentComplete,
  deploymentProgressing,
  deploymentTimedOut,
  filterActiveReplicaSets,
  findActiveOrLatest,
  findNewReplicaSet,
  getCondition,
  getProportion,
  isRollingUpdate,
  isSaturated,
  maxRevision,
  maxSurge,
  maxUnavailable,
  newCondition,
  newRSNewReplicas,
  progressDeadline,
  Reason,
  removeCondition,
  replicaCount,
  replicasAnnotationsNeedUpdate,
  replicasOf,
  REVISION_ANNOTATION,
  revisionHistoryLimit,
  setCondition,
  setNewReplicaSetAnnotations,
  setReplicasAnnotations,
  availableReplicaCount,
  actualReplicaCount,
} from './deploymentutil.js';
import { computeHash, equalIgnoreHash, jsonEqual, POD_TEMPLATE_HASH_LABEL } from './podtemplatehash.js';
import { simTime } from './podconditions.js';

const COMPONENT = 'deployment-controller';

const specReplicas = (rs: ReplicaSet) => rs.spec.replicas ?? 1;

/** Reconciles Deployments into ReplicaSets. */
export class DeploymentController implements Controller {
  readonly name = 'deployment';
  readonly queue: WorkQueue;
  readonly #deployments: Informer<Deployment>;
  readonly #replicaSets: Informer<ReplicaSet>;
  readonly #pods: Informer<Pod>;
  /** ReplicaSet events: one reconcile per Deployment per instant. */
  readonly #rsEvents: InstantCoalescer;

  constructor(private readonly ctx: ControllerContext) {
    this.queue = new WorkQueue(this.name, ctx.timers);
    this.#rsEvents = new InstantCoalescer(ctx.timers, this.queue);
    this.#deployments = ctx.informers.for<Deployment>('Deployment');
    this.#replicaSets = ctx.informers.for<ReplicaSet>('ReplicaSet');
    this.#pods = ctx.informers.for<Pod>('Pod');
    ensureControllerIndex(this.#replicaSets);
    ensureControllerIndex(this.#pods);

    const enqueue = (d: Deployment) => this.queue.add(`${d.metadata.namespace}/${d.metadata.name}`);
    this.#deployments
      .on('add', enqueue)
      .on('update', (old, d) => {
        if (ownerChanged(old, d)) enqueue(d);
      })
      .on('delete', enqueue);
    this.#replicaSets
      .on('add', (rs) => this.#rsChanged(rs, true))
      .on('update', (old, cur) => {
        if (old.metadata.resourceVersion === cur.metadata.resourceVersion) return;
        const oldRef = getControllerOf(old);
        const curRef = getControllerOf(cur);
        if (oldRef && (!curRef || oldRef.uid !== curRef.uid)) this.#rsChanged(old, false);
        if (curRef) this.#rsChanged(cur, false);
        else if (!jsonEqual(old.metadata.labels ?? {}, cur.metadata.labels ?? {}) || oldRef) this.#rsChanged(cur, true);
      })
      .on('delete', (rs) => this.#rsChanged(rs, false));
    // Recreate waits for the old pods to be gone: a pod deletion may unblock it.
    this.#pods.on('delete', (pod) => {
      const ref = getControllerOf(pod);
      if (ref?.kind !== 'ReplicaSet') return;
      const rs = this.#replicaSets.lister.get(pod.metadata.namespace, ref.name);
      const dref = rs && getControllerOf(rs);
      if (dref?.kind !== 'Deployment') return;
      const d = this.#deployments.lister.get(pod.metadata.namespace, dref.name);
      if (d && d.metadata.uid === dref.uid && !isRollingUpdate(d)) enqueue(d);
    });
  }

  #rsChanged(rs: ReplicaSet, lookForAdopters: boolean): void {
    const ref = getControllerOf(rs);
    if (ref) {
      if (ref.kind !== 'Deployment') return;
      const d = this.#deployments.lister.get(rs.metadata.namespace, ref.name);
      if (d && d.metadata.uid === ref.uid) this.#rsEvents.add(`${rs.metadata.namespace}/${ref.name}`);
      return;
    }
    if (!lookForAdopters || rs.metadata.deletionTimestamp !== undefined) return;
    for (const d of this.#deployments.lister.list(rs.metadata.namespace)) {
      let sel: Selector;
      try {
        sel = selectorFromLabelSelector(d.spec.selector);
      } catch {
        continue;
      }
      if (!sel.empty() && sel.matches(rs.metadata.labels)) this.queue.add(`${d.metadata.namespace}/${d.metadata.name}`);
    }
  }

  async reconcile(key: string): Promise<ReconcileResult | undefined> {
    const [ns, name] = key.split('/') as [string, string];
    const cached = this.#deployments.lister.get(ns, name);
    if (!cached) return undefined;
    // A working copy of what this controller changes (annotations, status); the spec stays
    // the cached, read-only object so its template's printed form is memoised.
    const d: Deployment = {
      ...cached,
      metadata: { ...cached.metadata, annotations: { ...cached.metadata.annotations } },
      status: structuredClone(cached.status ?? {}),
    };
    if (Object.keys(d.metadata.annotations!).length === 0 && !cached.metadata.annotations) delete d.metadata.annotations;
    let selector: Selector;
    try {
      selector = selectorFromLabelSelector(d.spec.selector);
    } catch (e) {
      throw new TerminalError(`Deployment ${key}: invalid selector: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (selector.empty()) {
      await this.ctx.events.record(d, 'Warning', 'SelectingAll', 'This deployment is selecting all pods. A non-empty selector is required.', COMPONENT);
      if ((d.status!.observedGeneration ?? 0) < (d.metadata.generation ?? 0)) {
        d.status!.observedGeneration = d.metadata.generation;
        await this.#write(d);
      }
      return undefined;
    }
    const rsList = await claimObjects(this.ctx.store, d, selector, claimCandidates(this.#replicaSets, d));
    if (d.metadata.deletionTimestamp !== undefined) return this.#syncStatusOnly(d, rsList);
    await this.#checkPausedConditions(d);
    if (d.spec.paused) return this.#sync(d, rsList);
    if (await this.#isScalingEvent(d, rsList)) return this.#sync(d, rsList);
    return isRollingUpdate(d) ? this.#rolloutRolling(d, rsList) : this.#rolloutRecreate(d, rsList);
  }

  // ---- writes ----

  /** Writes the working copy's annotations (update) and status (status subresource) when they differ. */
  async #write(d: Deployment): Promise<void> {
    const cur = this.#deployments.lister.get(d.metadata.namespace, d.metadata.name!);
    if (!cur || cur.metadata.uid !== d.metadata.uid) return;
    let latest = cur;
    if (!jsonEqual(cur.metadata.annotations ?? {}, d.metadata.annotations ?? {})) {
      const next: Deployment = { ...cur, metadata: { ...cur.metadata, annotations: { ...d.metadata.annotations } } };
      latest = await this.ctx.store.update(next);
    }
    if (!jsonEqual(latest.status ?? {}, d.status ?? {})) {
      await this.ctx.store.updateStatus({ ...latest, status: structuredClone(d.status) });
    }
  }

  /** scaleReplicaSetAndRecordEvent: scales `rs` to `newScale` unless it is there already. */
  async #scaleAndRecord(rs: ReplicaSet, newScale: number, d: Deployment): Promise<{ scaled: boolean; rs: ReplicaSet }> {
    if (specReplicas(rs) === newScale) return { scaled: false, rs };
    return this.#scaleReplicaSet(rs, newScale, d);
  }

  /** scaleReplicaSet: writes size and desired/max annotations; records ScalingReplicaSet when the size changed. */
  async #scaleReplicaSet(rs: ReplicaSet, newScale: number, d: Deployment): Promise<{ scaled: boolean; rs: ReplicaSet }> {
    const sizeNeedsUpdate = specReplicas(rs) !== newScale;
    const desired = replicasOf(d);
    const max = desired + maxSurge(d);
    if (!sizeNeedsUpdate && !replicasAnnotationsNeedUpdate(rs, desired, max)) return { scaled: false, rs };
    const oldScale = specReplicas(rs);
    // Shallow: the template stays the cached object, so its printed form stays memoised.
    const copy: ReplicaSet = { ...rs, metadata: { ...rs.metadata, annotations: { ...rs.metadata.annotations } }, spec: { ...rs.spec, replicas: newScale } };
    setReplicasAnnotations(copy.metadata.annotations!, desired, max);
    const updated = await this.ctx.store.update(copy);
    if (sizeNeedsUpdate) {
      const op = oldScale < newScale ? 'up' : 'down';
      await this.ctx.events.record(d, 'Normal', 'ScalingReplicaSet', `Scaled ${op} replica set ${updated.metadata.name} from ${oldScale} to ${newScale}`, COMPONENT);
    }
    return { scaled: sizeNeedsUpdate, rs: updated };
  }

  // ---- the new and old ReplicaSets ----

  async #getAllReplicaSetsAndSyncRevision(d: Deployment, rsList: ReplicaSet[], create: boolean): Promise<{ newRS: ReplicaSet | undefined; oldRSs: ReplicaSet[] }> {
    const found = findNewReplicaSet(d, rsList);
    const oldRSs = rsList.filter((rs) => rs !== found);
    const newRS = await this.#getNewReplicaSet(d, oldRSs, found, create);
    return { newRS, oldRSs };
  }

  async #getNewReplicaSet(d: Deployment, oldRSs: ReplicaSet[], existing: ReplicaSet | undefined, create: boolean): Promise<ReplicaSet | undefined> {
    const newRevision = maxRevision(oldRSs) + 1;
    const now = this.ctx.clock.timestamp();
    if (existing) {
      const annotations = { ...existing.metadata.annotations };
      const annotationsUpdated = setNewReplicaSetAnnotations(d, annotations, newRevision, true);
      const minReadyNeedsUpdate = (existing.spec.minReadySeconds ?? 0) !== (d.spec.minReadySeconds ?? 0);
      if (annotationsUpdated || minReadyNeedsUpdate) {
        const copy: ReplicaSet = { ...existing, metadata: { ...existing.metadata, annotations }, spec: { ...existing.spec } };
        if (d.spec.minReadySeconds) copy.spec.minReadySeconds = d.spec.minReadySeconds;
        else delete copy.spec.minReadySeconds;
        return this.ctx.store.update(copy);
      }
      let needsUpdate = this.#setDeploymentRevision(d, existing.metadata.annotations?.[REVISION_ANNOTATION]);
      if (progressDeadline(d) !== undefined && !getCondition(d.status, 'Progressing')) {
        setCondition(d.status!, newCondition('Progressing', 'True', Reason.FoundNewReplicaSet, `Found new replica set ${JSON.stringify(existing.metadata.name)}`, now));
        needsUpdate = true;
      }
      if (needsUpdate) await this.#write(d);
      return existing;
    }
    if (!create) return undefined;

    const hash = computeHash(d.spec.template, d.status?.collisionCount);
    const template = structuredClone(d.spec.template);
    template.metadata = { ...template.metadata, labels: { ...template.metadata?.labels, [POD_TEMPLATE_HASH_LABEL]: hash } };
    const selector = structuredClone(d.spec.selector);
    selector.matchLabels = { ...selector.matchLabels, [POD_TEMPLATE_HASH_LABEL]: hash };
    const rs: ReplicaSet = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${d.metadata.name}-${hash}`,
        namespace: d.metadata.namespace,
        labels: { ...template.metadata.labels },
        ownerReferences: [newControllerRef(d)],
      },
      spec: { replicas: 0, selector, template, ...(d.spec.minReadySeconds ? { minReadySeconds: d.spec.minReadySeconds } : {}) },
    };
    rs.spec.replicas = newRSNewReplicas(d, [...oldRSs, rs], rs);
    const annotations: Record<string, string> = {};
    setNewReplicaSetAnnotations(d, annotations, newRevision, false);
    rs.metadata.annotations = annotations;

    let created: ReplicaSet;
    let alreadyExists = false;
    try {
      created = await this.ctx.store.create(rs);
    } catch (e) {
      if (!isStatusError(e) || e.reason !== 'AlreadyExists') {
        await this.ctx.events.record(d, 'Warning', Reason.FailedReplicaSetCreate, `Failed to create new replica set ${JSON.stringify(rs.metadata.name)}: ${e instanceof Error ? e.message : String(e)}`, COMPONENT);
        throw e;
      }
      const other = this.#replicaSets.lister.get(d.metadata.namespace, rs.metadata.name!);
      if (other && getControllerOf(other)?.uid === d.metadata.uid && equalIgnoreHash(d.spec.template, other.spec.template)) {
        created = other;
        alreadyExists = true;
      } else {
        // A hash collision with someone else's ReplicaSet: bump collisionCount and retry.
        d.status!.collisionCount = (d.status!.collisionCount ?? 0) + 1;
        await this.#write(d);
        throw e;
      }
    }
    const count = specReplicas(created);
    if (!alreadyExists && count > 0) {
      await this.ctx.events.record(d, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${created.metadata.name} from 0 to ${count}`, COMPONENT);
    }
    let needsUpdate = this.#setDeploymentRevision(d, String(newRevision));
    if (!alreadyExists && progressDeadline(d) !== undefined) {
      setCondition(d.status!, newCondition('Progressing', 'True', Reason.NewReplicaSet, `Created new replica set ${JSON.stringify(created.metadata.name)}`, now));
      needsUpdate = true;
    }
    if (needsUpdate) await this.#write(d);
    return created;
  }

  /** SetDeploymentRevision on the working copy; true when it changed. */
  #setDeploymentRevision(d: Deployment, revision: string | undefined): boolean {
    if (revision === undefined) return false;
    d.metadata.annotations ??= {};
    if (d.metadata.annotations[REVISION_ANNOTATION] === revision) return false;
    d.metadata.annotations[REVISION_ANNOTATION] = revision;
    return true;
  }

  // ---- sync paths ----

  async #syncStatusOnly(d: Deployment, rsList: ReplicaSet[]): Promise<undefined> {
    const { newRS, oldRSs } = await this.#getAllReplicaSetsAndSyncRevision(d, rsList, false);
    await this.#syncDeploymentStatus([...oldRSs, newRS], newRS, d);
    return undefined;
  }

  async #sync(d: Deployment, rsList: ReplicaSet[]): Promise<undefined> {
    const { newRS, oldRSs } = await this.#getAllReplicaSetsAndSyncRevision(d, rsList, false);
    await this.#scale(d, newRS, oldRSs);
    if (d.spec.paused) await this.#cleanupDeployment(oldRSs, d);
    await this.#syncDeploymentStatus([...oldRSs, newRS], newRS, d);
    return undefined;
  }

  async #syncDeploymentStatus(allRSs: (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined, d: Deployment): Promise<void> {
    const status = calculateStatus(allRSs, newRS, d, this.ctx.clock.timestamp());
    if (jsonEqual(status, d.status ?? {})) return;
    d.status = status;
    await this.#write(d);
  }

  async #checkPausedConditions(d: Deployment): Promise<void> {
    if (progressDeadline(d) === undefined) return;
    const cond = getCondition(d.status, 'Progressing');
    if (cond?.reason === Reason.TimedOut) return;
    const pausedExists = cond?.reason === Reason.Paused;
    const now = this.ctx.clock.timestamp();
    if (d.spec.paused && !pausedExists) {
      setCondition(d.status!, newCondition('Progressing', 'Unknown', Reason.Paused, 'Deployment is paused', now));
    } else if (!d.spec.paused && pausedExists) {
      setCondition(d.status!, newCondition('Progressing', 'Unknown', Reason.Resumed, 'Deployment is resumed', now));
    } else return;
    await this.#write(d);
  }

  /** isScalingEvent: an active RS whose desired-replicas annotation differs from spec.replicas. */
  async #isScalingEvent(d: Deployment, rsList: ReplicaSet[]): Promise<boolean> {
    const { newRS, oldRSs } = await this.#getAllReplicaSetsAndSyncRevision(d, rsList, false);
    for (const rs of filterActiveReplicaSets([...oldRSs, newRS])) {
      const v = rs.metadata.annotations?.[DESIRED_REPLICAS_ANNOTATION];
      if (v === undefined || !/^\d+$/.test(v)) continue;
      if (Number(v) !== replicasOf(d)) return true;
    }
    return false;
  }

  /** scale: a scaling event (or paused Deployment) spreads the change across active RSs proportionally. */
  async #scale(d: Deployment, newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): Promise<void> {
    const single = findActiveOrLatest(newRS, oldRSs);
    if (single) {
      if (specReplicas(single) === replicasOf(d)) return;
      await this.#scaleAndRecord(single, replicasOf(d), d);
      return;
    }
    if (isSaturated(d, newRS)) {
      for (const old of filterActiveReplicaSets(oldRSs)) await this.#scaleAndRecord(old, 0, d);
      return;
    }
    if (!isRollingUpdate(d)) return;
    const all = filterActiveReplicaSets([...oldRSs, newRS]);
    const allowed = replicasOf(d) > 0 ? replicasOf(d) + maxSurge(d) : 0;
    const toAdd = allowed - replicaCount(all);
    if (toAdd > 0) all.sort(bySizeNewer);
    else if (toAdd < 0) all.sort(bySizeOlder);
    let added = 0;
    const sizes = new Map<string, number>();
    for (const rs of all) {
      if (toAdd !== 0) {
        const p = getProportion(rs, d, toAdd, added);
        sizes.set(rs.metadata.name!, specReplicas(rs) + p);
        added += p;
      } else sizes.set(rs.metadata.name!, specReplicas(rs));
    }
    for (let i = 0; i < all.length; i++) {
      const rs = all[i]!;
      // Leftovers go to the largest ReplicaSet.
      if (i === 0 && toAdd !== 0) sizes.set(rs.metadata.name!, Math.max(0, sizes.get(rs.metadata.name!)! + toAdd - added));
      await this.#scaleReplicaSet(rs, sizes.get(rs.metadata.name!)!, d);
    }
  }

  /** cleanupDeployment: deletes the oldest fully scaled-down RSs beyond revisionHistoryLimit. */
  async #cleanupDeployment(oldRSs: ReplicaSet[], d: Deployment): Promise<void> {
    const limit = revisionHistoryLimit(d);
    const alive = oldRSs.filter((rs) => rs.metadata.deletionTimestamp === undefined);
    const diff = alive.length - limit;
    if (diff <= 0) return;
    alive.sort(byRevision);
    for (let i = 0; i < diff; i++) {
      const rs = alive[i]!;
      if ((rs.status?.replicas ?? 0) !== 0 || specReplicas(rs) !== 0 || (rs.metadata.generation ?? 0) > (rs.status?.observedGeneration ?? 0)) continue;
      try {
        await this.ctx.store.delete('ReplicaSet', rs.metadata.namespace, rs.metadata.name!, { uid: rs.metadata.uid });
      } catch (e) {
        if (!isStatusError(e) || e.reason !== 'NotFound') throw e;
      }
    }
  }

  // ---- RollingUpdate ----

  async #rolloutRolling(d: Deployment, rsList: ReplicaSet[]): Promise<ReconcileResult | undefined> {
    const { newRS, oldRSs } = await this.#getAllReplicaSetsAndSyncRevision(d, rsList, true);
    const allRSs = [...oldRSs, newRS!];
    if (await this.#reconcileNewReplicaSet(allRSs, newRS!, d)) return this.#syncRolloutStatus(allRSs, newRS, d);
    if (await this.#reconcileOldReplicaSets(allRSs, filterActiveReplicaSets(oldRSs), newRS!, d)) return this.#syncRolloutStatus(allRSs, newRS, d);
    if (deploymentComplete(d, d.status!)) await this.#cleanupDeployment(oldRSs, d);
    return this.#syncRolloutStatus(allRSs, newRS, d);
  }

  async #reconcileNewReplicaSet(allRSs: ReplicaSet[], newRS: ReplicaSet, d: Deployment): Promise<boolean> {
    const want = replicasOf(d);
    if (specReplicas(newRS) === want) return false;
    if (specReplicas(newRS) > want) return (await this.#scaleAndRecord(newRS, want, d)).scaled;
    return (await this.#scaleAndRecord(newRS, newRSNewReplicas(d, allRSs, newRS), d)).scaled;
  }

  async #reconcileOldReplicaSets(allRSs: ReplicaSet[], oldRSs: ReplicaSet[], newRS: ReplicaSet, d: Deployment): Promise<boolean> {
    if (replicaCount(oldRSs) === 0) return false;
    const allPods = replicaCount(allRSs);
    const minAvailable = replicasOf(d) - maxUnavailable(d);
    const newRSUnavailable = specReplicas(newRS) - (newRS.status?.availableReplicas ?? 0);
    const maxScaledDown = allPods - minAvailable - newRSUnavailable;
    if (maxScaledDown <= 0) return false;
    const cleaned = await this.#cleanupUnhealthyReplicas(oldRSs, d, maxScaledDown);
    const scaledDown = await this.#scaleDownOldReplicaSetsForRollingUpdate([...cleaned.oldRSs, newRS], cleaned.oldRSs, d);
    return cleaned.count + scaledDown > 0;
  }

  /** Scales down old RSs' unavailable replicas first (they cost no availability). */
  async #cleanupUnhealthyReplicas(oldRSs: ReplicaSet[], d: Deployment, maxCleanup: number): Promise<{ oldRSs: ReplicaSet[]; count: number }> {
    const sorted = [...oldRSs].sort(byCreation);
    let total = 0;
    for (let i = 0; i < sorted.length; i++) {
      if (total >= maxCleanup) break;
      const rs = sorted[i]!;
      const available = rs.status?.availableReplicas ?? 0;
      if (specReplicas(rs) === 0 || specReplicas(rs) === available) continue;
      const n = Math.min(maxCleanup - total, specReplicas(rs) - available);
      sorted[i] = (await this.#scaleAndRecord(rs, specReplicas(rs) - n, d)).rs;
      total += n;
    }
    return { oldRSs: sorted, count: total };
  }

  async #scaleDownOldReplicaSetsForRollingUpdate(allRSs: ReplicaSet[], oldRSs: ReplicaSet[], d: Deployment): Promise<number> {
    const minAvailable = replicasOf(d) - maxUnavailable(d);
    const available = availableReplicaCount(allRSs);
    if (available <= minAvailable) return 0;
    const totalToScaleDown = available - minAvailable;
    let total = 0;
    for (const rs of [...oldRSs].sort(byCreation)) {
      if (total >= totalToScaleDown) break;
      if (specReplicas(rs) === 0) continue;
      const n = Math.min(specReplicas(rs), totalToScaleDown - total);
      await this.#scaleAndRecord(rs, specReplicas(rs) - n, d);
      total += n;
    }
    return total;
  }

  // ---- Recreate ----

  async #rolloutRecreate(d: Deployment, rsList: ReplicaSet[]): Promise<ReconcileResult | undefined> {
    let { newRS, oldRSs } = await this.#getAllReplicaSetsAndSyncRevision(d, rsList, false);
    let allRSs: (ReplicaSet | undefined)[] = [...oldRSs, newRS];
    let scaledDown = false;
    for (const rs of filterActiveReplicaSets(oldRSs)) {
      if ((await this.#scaleAndRecord(rs, 0, d)).scaled) scaledDown = true;
    }
    if (scaledDown || this.#oldPodsRunning(newRS, oldRSs)) return this.#syncRolloutStatus(allRSs, newRS, d);
    if (!newRS) {
      ({ newRS, oldRSs } = await this.#getAllReplicaSetsAndSyncRevision(d, rsList, true));
      allRSs = [...oldRSs, newRS];
    }
    await this.#scaleAndRecord(newRS!, replicasOf(d), d);
    if (deploymentComplete(d, d.status!)) await this.#cleanupDeployment(oldRSs, d);
    return this.#syncRolloutStatus(allRSs, newRS, d);
  }

  /** oldPodsRunning: old RSs still report replicas, or own pods that have not finished. */
  #oldPodsRunning(newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): boolean {
    if (actualReplicaCount(oldRSs) > 0) return true;
    for (const rs of oldRSs) {
      if (newRS && rs.metadata.uid === newRS.metadata.uid) continue;
      for (const pod of ownedBy(this.#pods, rs.metadata.uid!)) {
        const phase = pod.status?.phase;
        if (phase === 'Failed' || phase === 'Succeeded') continue;
        return true;
      }
    }
    return false;
  }

  // ---- progress ----

  /** syncRolloutStatus: status plus the Progressing condition; requeues to catch a progress deadline. */
  async #syncRolloutStatus(allRSs: (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined, d: Deployment): Promise<ReconcileResult | undefined> {
    const now = this.ctx.clock.timestamp();
    const nowMs = this.ctx.clock.now();
    const status: DeploymentStatus = calculateStatus(allRSs, newRS, d, now);
    const deadline = progressDeadline(d);
    if (deadline === undefined) removeCondition(status, 'Progressing');
    const current = getCondition(d.status, 'Progressing');
    const isComplete = (status.replicas ?? 0) === (status.updatedReplicas ?? 0) && current?.reason === Reason.NewReplicaSetAvailable;
    const rsName = JSON.stringify(newRS?.metadata.name ?? '');
    if (deadline !== undefined && !isComplete) {
      if (deploymentComplete(d, status)) {
        setCondition(status, newCondition('Progressing', 'True', Reason.NewReplicaSetAvailable, `ReplicaSet ${rsName} has successfully progressed.`, now));
      } else if (deploymentProgressing(d, status)) {
        const msg = newRS ? `ReplicaSet ${rsName} is progressing.` : `Deployment ${JSON.stringify(d.metadata.name)} is progressing.`;
        const cond = newCondition('Progressing', 'True', Reason.ReplicaSetUpdated, msg, now);
        if (current) {
          if (current.status === 'True') cond.lastTransitionTime = current.lastTransitionTime;
          removeCondition(status, 'Progressing');
        }
        setCondition(status, cond);
      } else if (deploymentTimedOut(d, status, nowMs)) {
        setCondition(status, newCondition('Progressing', 'False', Reason.TimedOut, `ReplicaSet ${rsName} has timed out progressing.`, now));
      }
    }
    // Surface the new ReplicaSet's ReplicaFailure condition on the Deployment.
    const failure = newRS?.status?.conditions?.find((c) => c.type === 'ReplicaFailure');
    if (failure) setCondition(status, newCondition('ReplicaFailure', failure.status, failure.reason ?? '', failure.message ?? '', now));
    else removeCondition(status, 'ReplicaFailure');
    if (status.conditions?.length === 0) delete status.conditions;

    if (jsonEqual(status, d.status ?? {})) return this.#requeueStuckDeployment(d, status);
    d.status = status;
    await this.#write(d);
    return undefined;
  }

  /** requeueStuckDeployment: come back when the progress deadline passes. */
  #requeueStuckDeployment(d: Deployment, status: DeploymentStatus): ReconcileResult | undefined {
    const deadline = progressDeadline(d);
    const cond = getCondition(d.status, 'Progressing');
    if (deadline === undefined || !cond) return undefined;
    if (deploymentComplete(d, status) || cond.reason === Reason.TimedOut) return undefined;
    const updated = simTime(cond.lastUpdateTime);
    if (Number.isNaN(updated)) return undefined;
    // Strictly after the deadline, so DeploymentTimedOut holds on the next sync.
    return { requeueAfter: Math.max(1, updated + deadline * 1000 + 1 - this.ctx.clock.now()) };
  }
}
