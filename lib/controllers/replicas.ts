// The replica manager both the ReplicaSet and the ReplicationController controllers run, as
// upstream's RC controller is the RS controller adapted (pkg/controller/replicaset): keep
// `spec.replicas` active pods matching the selector, adopting orphans and releasing pods that
// stopped matching, and report replicas / fullyLabeled / ready / available in status.
import { type Selector, selectorFromSet } from '../api/labels.js';
import type { Condition } from '../api/meta.js';
import type { Pod, PodTemplateSpec, ReplicaSet, ReplicaSetStatus, ReplicationController } from '../api/types.js';
import type { Controller, ControllerContext, ReconcileResult } from '../reconcile/controller.js';
import { TerminalError } from '../reconcile/controller.js';
import { WorkQueue } from '../reconcile/workqueue.js';
import type { Informer } from '../store/informer.js';
import { podsToDelete } from './activepods.js';
import { InstantCoalescer } from './coalesce.js';
import { jsonEqual } from './podtemplatehash.js';
import { claimCandidates, claimObjects, ensureControllerIndex, getControllerOf, labelMatcher, newControllerRef, ownedBy, ownerChanged } from './controllerref.js';
import { errorText, PodControl } from './podcontrol.js';
import { filterActivePods, isPodAvailable, isPodReady, untilAvailable } from './podconditions.js';

/** Most pods one sync creates or deletes (the controller's burstReplicas). */
export const BURST_REPLICAS = 500;

type ReplicaObject = ReplicaSet | ReplicationController;

/** What differs between the ReplicaSet and the ReplicationController flavours. */
export interface ReplicaKind<T extends ReplicaObject> {
  kind: T['kind'];
  /** The component name events are recorded under. */
  component: string;
  /** The pod selector (throws StatusError BadRequest when invalid). */
  selector(obj: T): Selector;
  template(obj: T): PodTemplateSpec | undefined;
}

/** A reconciler keeping a ReplicaSet's (or ReplicationController's) pods at `spec.replicas`. */
export class ReplicaManager<T extends ReplicaObject> implements Controller {
  readonly queue: WorkQueue;
  readonly #owners: Informer<T>;
  readonly #pods: Informer<Pod>;
  readonly #podControl: PodControl;
  /** Pod events: one reconcile per owner per instant, however many of its pods changed. */
  readonly #podEvents: InstantCoalescer;

  constructor(
    readonly name: string,
    private readonly ctx: ControllerContext,
    private readonly flavour: ReplicaKind<T>,
  ) {
    this.queue = new WorkQueue(name, ctx.timers);
    this.#owners = ctx.informers.for<T>(flavour.kind);
    this.#pods = ctx.informers.for<Pod>('Pod');
    this.#podControl = new PodControl(ctx, flavour.component);
    this.#podEvents = new InstantCoalescer(ctx.timers, this.queue);
    ensureControllerIndex(this.#pods);
    ensureControllerIndex(this.#owners);

    const enqueue = (o: T) => this.queue.add(`${o.metadata.namespace}/${o.metadata.name}`);
    this.#owners
      .on('add', enqueue)
      .on('update', (old, o) => {
        if (ownerChanged(old, o)) enqueue(o);
      })
      .on('delete', enqueue);
    this.#pods
      .on('add', (p) => this.#podChanged(p, true))
      .on('update', (old, cur) => this.#podUpdated(old, cur))
      .on('delete', (p) => this.#podChanged(p, false));
  }

  /** Enqueues the controller of `pod`, or (for an orphan being added) every owner that selects it. */
  #podChanged(pod: Pod, lookForAdopters: boolean): void {
    const ref = getControllerOf(pod);
    if (ref) {
      if (ref.kind !== this.flavour.kind) return;
      const owner = this.#owners.lister.get(pod.metadata.namespace, ref.name);
      if (owner && owner.metadata.uid === ref.uid) this.#podEvents.add(`${pod.metadata.namespace}/${ref.name}`);
      return;
    }
    if (lookForAdopters && pod.metadata.deletionTimestamp === undefined) this.#enqueueSelecting(pod);
  }

  #podUpdated(old: Pod, cur: Pod): void {
    if (old.metadata.resourceVersion === cur.metadata.resourceVersion) return;
    const oldRef = getControllerOf(old);
    const curRef = getControllerOf(cur);
    if (oldRef && (!curRef || oldRef.uid !== curRef.uid)) this.#podChanged(old, false);
    if (curRef) {
      this.#podChanged(cur, false);
      return;
    }
    // An orphan whose labels or ownership changed may now be adoptable.
    const labelsChanged = !jsonEqual(old.metadata.labels ?? {}, cur.metadata.labels ?? {});
    if ((labelsChanged || oldRef) && cur.metadata.deletionTimestamp === undefined) this.#enqueueSelecting(cur);
  }

  #enqueueSelecting(pod: Pod): void {
    for (const owner of this.#owners.lister.list(pod.metadata.namespace)) {
      let sel: Selector;
      try {
        sel = this.flavour.selector(owner);
      } catch {
        continue;
      }
      if (!sel.empty() && sel.matches(pod.metadata.labels)) this.queue.add(`${owner.metadata.namespace}/${owner.metadata.name}`);
    }
  }

  async reconcile(key: string): Promise<ReconcileResult | undefined> {
    const [ns, name] = key.split('/') as [string, string];
    const owner = this.#owners.lister.get(ns, name);
    if (!owner) return undefined;
    let selector: Selector;
    try {
      selector = this.flavour.selector(owner);
    } catch (e) {
      // As upstream: an invalid selector is logged and the owner left alone.
      throw new TerminalError(`${this.flavour.kind} ${key}: invalid selector: ${errorText(e)}`);
    }
    const candidates = filterActivePods(claimCandidates(this.#pods, owner));
    const pods = await claimObjects(this.ctx.store, owner, selector, candidates);

    let manageError: unknown;
    if (owner.metadata.deletionTimestamp === undefined) {
      try {
        await this.#manageReplicas(pods, owner);
      } catch (e) {
        manageError = e;
      }
    }
    const now = this.ctx.clock.now();
    const status = calculateReplicaStatus(owner, this.flavour.template(owner), pods, manageError, this.ctx.clock.timestamp(), now);
    const prev = owner.status;
    if (!jsonEqual(prev ?? {}, status)) {
      await this.ctx.store.updateStatus({ ...owner, status });
    }
    if (manageError !== undefined) throw manageError;
    // Wake up when the next ready pod becomes available (minReadySeconds).
    const minReady = owner.spec.minReadySeconds ?? 0;
    let next: number | undefined;
    if (minReady > 0) {
      for (const p of pods) {
        const t = untilAvailable(p, minReady, now);
        if (t !== undefined && (next === undefined || t < next)) next = t;
      }
    }
    return next !== undefined ? { requeueAfter: next } : undefined;
  }

  async #manageReplicas(pods: Pod[], owner: T): Promise<void> {
    const want = owner.spec.replicas ?? 1;
    const diff = pods.length - want;
    if (diff < 0) {
      const template = this.flavour.template(owner);
      if (!template) return;
      const n = Math.min(-diff, BURST_REPLICAS);
      const ref = newControllerRef(owner);
      const res = await this.#podControl.slowStartBatch(n, () => this.#podControl.createPod(template, owner, ref));
      if (res.error !== undefined) throw res.error;
    } else if (diff > 0) {
      const n = Math.min(diff, BURST_REPLICAS);
      const victims = podsToDelete(pods, this.#relatedPods(owner), n, this.ctx.clock.now());
      let firstError: unknown;
      for (const p of victims) {
        try {
          await this.#podControl.deletePod(p, owner);
        } catch (e) {
          firstError ??= e;
        }
      }
      if (firstError !== undefined) throw firstError;
    }
  }

  /** Pods of every ReplicaSet sharing this one's controller (getIndirectlyRelatedPods). */
  #relatedPods(owner: T): Pod[] {
    const ref = getControllerOf(owner);
    if (!ref) return [];
    const out: Pod[] = [];
    for (const sibling of ownedBy(this.#owners, ref.uid)) out.push(...ownedBy(this.#pods, sibling.metadata.uid!));
    return out;
  }
}

/**
 * calculateStatus of the replica set controller: counts over the claimed active pods; zero
 * counters are left out as the API's omitempty fields are. A manage error sets ReplicaFailure.
 */
export function calculateReplicaStatus(
  owner: ReplicaObject,
  template: PodTemplateSpec | undefined,
  pods: readonly Pod[],
  manageError: unknown,
  timestamp: string,
  nowMs: number,
): ReplicaSetStatus {
  const fullyLabeledMatch = labelMatcher(selectorFromSet(template?.metadata?.labels));
  const minReady = owner.spec.minReadySeconds ?? 0;
  let fullyLabeled = 0;
  let ready = 0;
  let available = 0;
  for (const p of pods) {
    if (fullyLabeledMatch(p.metadata.labels)) fullyLabeled++;
    if (isPodReady(p)) {
      ready++;
      if (isPodAvailable(p, minReady, nowMs)) available++;
    }
  }
  let conditions = owner.status?.conditions?.filter((c) => c.type !== 'ReplicaFailure');
  const failure = owner.status?.conditions?.find((c) => c.type === 'ReplicaFailure');
  if (manageError !== undefined) {
    const want = owner.spec.replicas ?? 1;
    const cond: Condition = failure ?? {
      type: 'ReplicaFailure',
      status: 'True',
      lastTransitionTime: timestamp,
      reason: pods.length < want ? 'FailedCreate' : 'FailedDelete',
      message: errorText(manageError),
    };
    conditions = [...(conditions ?? []), cond];
  }
  const status: ReplicaSetStatus = { replicas: pods.length };
  if (fullyLabeled) status.fullyLabeledReplicas = fullyLabeled;
  if (ready) status.readyReplicas = ready;
  if (available) status.availableReplicas = available;
  if (owner.metadata.generation !== undefined) status.observedGeneration = owner.metadata.generation;
  if (conditions?.length) status.conditions = conditions;
  return status;
}
