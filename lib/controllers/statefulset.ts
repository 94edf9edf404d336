// The StatefulSet controller (pkg/controller/statefulset): pods `<set>-<ordinal>` with a stable
// identity (hostname = pod name, subdomain = serviceName, pod-name and pod-index labels),
// created in ordinal order one at a time (OrderedReady) or all at once (Parallel), condemned
// highest ordinal first, and rolled to a new revision in reverse ordinal order down to the
// partition, at most maxUnavailable pods at a time (MaxUnavailableStatefulSet, default 1).
//
// Revisions: upstream stores ControllerRevisions; netsim has no such kind, so the revision
// name (`<set>-<hash>`, hash as history.HashControllerRevision: FNV-1 over the template patch
// printed as canonical JSON, then the collision count) is computed, and the template of each
// revision seen is remembered in memory to recreate pods below the partition.
import { type Selector, selectorFromLabelSelector } from '../api/labels.js';
import type { Pod, PodTemplateSpec, StatefulSet } from '../api/types.js';
import type { Controller, ControllerContext, ReconcileResult } from '../reconcile/controller.js';
import { TerminalError } from '../reconcile/controller.js';
import { WorkQueue } from '../reconcile/workqueue.js';
import type { Informer } from '../store/informer.js';
import { InstantCoalescer } from './coalesce.js';
import { claimCandidates, claimObjects, ensureControllerIndex, getControllerOf, ignoreNotFound, newControllerRef, ownedBy, ownerChanged } from './controllerref.js';
import { scaledValue } from './deploymentutil.js';
import { errorText, podFromTemplate } from './podcontrol.js';
import { isPodAvailable, isPodReady, isPodTerminating, untilAvailable } from './podconditions.js';
import { canonicalJSON, hashControllerRevision, jsonEqual } from './podtemplatehash.js';

/** The identity labels a StatefulSet puts on its pods. */
export const STATEFULSET_POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';
export const CONTROLLER_REVISION_HASH_LABEL = 'controller-revision-hash';

const COMPONENT = 'statefulset-controller';
const ORDINAL_RE = /^(.*)-([0-9]+)$/;

type StatefulSetStatus = NonNullable<StatefulSet['status']>;

/** getParentNameAndOrdinal: the set name and ordinal encoded in a pod name (ordinal -1 if none). */
export function parentNameAndOrdinal(pod: Pod): { parent: string; ordinal: number } {
  const m = ORDINAL_RE.exec(pod.metadata.name ?? '');
  if (!m) return { parent: '', ordinal: -1 };
  const n = Number(m[2]);
  return Number.isSafeInteger(n) && n <= 2147483647 ? { parent: m[1]!, ordinal: n } : { parent: m[1]!, ordinal: -1 };
}

/** The revision name of a set's current template: `<set>-<hash>`. */
export function statefulSetRevisionName(set: StatefulSet): string {
  let patch = patches.get(set.spec.template);
  if (patch === undefined) {
    patch = canonicalJSON({ spec: { template: { ...set.spec.template, $patch: 'replace' } } });
    patches.set(set.spec.template, patch);
  }
  return `${set.metadata.name}-${hashControllerRevision(patch, set.status?.collisionCount ?? 0)}`;
}

// Templates are immutable cache snapshots: their patch text is computed once.
const patches = new WeakMap<object, string>();

/** newStatefulSetPod: the pod for `ordinal` of `set` from `template`, at `revision`. */
export function newStatefulSetPod(set: StatefulSet, template: PodTemplateSpec, ordinal: number, revision: string): Pod {
  const pod = podFromTemplate(template, set, newControllerRef(set));
  const name = `${set.metadata.name}-${ordinal}`;
  pod.metadata.name = name;
  pod.metadata.labels = { ...pod.metadata.labels, [STATEFULSET_POD_NAME_LABEL]: name, [POD_INDEX_LABEL]: String(ordinal), [CONTROLLER_REVISION_HASH_LABEL]: revision };
  pod.spec.hostname = name;
  if (set.spec.serviceName) pod.spec.subdomain = set.spec.serviceName;
  else delete pod.spec.subdomain;
  return pod;
}

const isCreatedPhase = (p: Pod, phase: string) => p.status?.phase === phase;
const isRunningAndReady = (p: Pod) => isCreatedPhase(p, 'Running') && isPodReady(p);
const isRunningAndAvailable = (p: Pod, minReady: number, now: number) => isCreatedPhase(p, 'Running') && isPodAvailable(p, minReady, now);
const isHealthy = (p: Pod) => isRunningAndReady(p) && !isPodTerminating(p);
const podRevision = (p: Pod) => p.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL] ?? '';

interface Replica {
  pod: Pod;
  created: boolean;
}

/** Reconciles StatefulSets into ordinal pods. */
export class StatefulSetController implements Controller {
  readonly name = 'statefulset';
  readonly queue: WorkQueue;
  readonly #sets: Informer<StatefulSet>;
  readonly #pods: Informer<Pod>;
  /** Templates of the revisions seen, by set UID and revision name. */
  readonly #revisions = new Map<string, Map<string, PodTemplateSpec>>();
  /** Pod events: one reconcile per set per instant. */
  readonly #podEvents: InstantCoalescer;

  constructor(private readonly ctx: ControllerContext) {
    this.queue = new WorkQueue(this.name, ctx.timers);
    this.#podEvents = new InstantCoalescer(ctx.timers, this.queue);
    this.#sets = ctx.informers.for<StatefulSet>('StatefulSet');
    this.#pods = ctx.informers.for<Pod>('Pod');
    ensureControllerIndex(this.#pods);
    const enqueue = (s: StatefulSet) => this.queue.add(`${s.metadata.namespace}/${s.metadata.name}`);
    this.#sets
      .on('add', enqueue)
      .on('update', (old, s) => {
        if (ownerChanged(old, s)) enqueue(s);
      })
      .on('delete', (s) => {
        this.#revisions.delete(s.metadata.uid!);
        enqueue(s);
      });
    const podEvent = (pod: Pod) => {
      const ref = getControllerOf(pod);
      if (ref) {
        if (ref.kind === 'StatefulSet') this.#podEvents.add(`${pod.metadata.namespace}/${ref.name}`);
        return;
      }
      for (const s of this.#sets.lister.list(pod.metadata.namespace)) {
        if (parentNameAndOrdinal(pod).parent !== s.metadata.name) continue;
        try {
          const sel = selectorFromLabelSelector(s.spec.selector);
          if (!sel.empty() && sel.matches(pod.metadata.labels)) enqueue(s);
        } catch {
          // An invalid selector adopts nothing.
        }
      }
    };
    this.#pods
      .on('add', podEvent)
      .on('update', (old, cur) => {
        if (old.metadata.resourceVersion === cur.metadata.resourceVersion) return;
        const oldRef = getControllerOf(old);
        if (oldRef && oldRef.uid !== getControllerOf(cur)?.uid) podEvent(old);
        podEvent(cur);
      })
      .on('delete', podEvent);
  }

  async reconcile(key: string): Promise<ReconcileResult | undefined> {
    const [ns, name] = key.split('/') as [string, string];
    const set = this.#sets.lister.get(ns, name);
    if (!set) return undefined;
    let selector: Selector;
    try {
      selector = selectorFromLabelSelector(set.spec.selector);
    } catch (e) {
      throw new TerminalError(`StatefulSet ${key}: invalid selector: ${errorText(e)}`);
    }
    if (selector.empty()) return undefined;
    const isMember = (p: Pod) => parentNameAndOrdinal(p).parent === set.metadata.name;
    const pods = await claimObjects(this.ctx.store, set, selector, claimCandidates(this.#pods, set), isMember);

    const updateRevision = statefulSetRevisionName(set);
    const known = this.#revisions.get(set.metadata.uid!) ?? new Map<string, PodTemplateSpec>();
    this.#revisions.set(set.metadata.uid!, known);
    known.set(updateRevision, set.spec.template);
    const currentRevision = set.status?.currentRevision && known.has(set.status.currentRevision) ? set.status.currentRevision : updateRevision;
    // Forget revisions no pod and no status refers to any more.
    for (const rev of [...known.keys()]) {
      if (rev !== updateRevision && rev !== currentRevision && !pods.some((p) => podRevision(p) === rev)) known.delete(rev);
    }

    await this.#updateStatefulSet(set, pods, currentRevision, known.get(currentRevision)!, updateRevision);

    // Status from the pods as they are now (the store is read-your-writes).
    const now = this.ctx.clock.now();
    const fresh = ownedBy(this.#pods, set.metadata.uid!).filter(isMember);
    const status = computeStatus(set, fresh, currentRevision, updateRevision, now);
    if (!jsonEqual(status, set.status ?? {})) {
      const latest = this.#sets.lister.get(ns, name);
      if (latest && latest.metadata.uid === set.metadata.uid) await this.ctx.store.updateStatus({ ...latest, status });
    }
    const minReady = set.spec.minReadySeconds ?? 0;
    let next: number | undefined;
    if (minReady > 0) {
      for (const p of fresh) {
        const t = untilAvailable(p, minReady, now);
        if (t !== undefined && (next === undefined || t < next)) next = t;
      }
    }
    return next !== undefined ? { requeueAfter: next } : undefined;
  }

  async #updateStatefulSet(set: StatefulSet, pods: Pod[], currentRevision: string, currentTemplate: PodTemplateSpec, updateRevision: string): Promise<void> {
    const start = set.spec.ordinals?.start ?? 0;
    const count = set.spec.replicas ?? 1;
    const now = this.ctx.clock.now();
    const minReady = set.spec.minReadySeconds ?? 0;
    const rolling = (set.spec.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
    const partition = set.spec.updateStrategy?.rollingUpdate?.partition ?? 0;

    const slots: (Replica | undefined)[] = new Array(count);
    const condemned: Pod[] = [];
    for (const pod of pods) {
      const ord = parentNameAndOrdinal(pod).ordinal;
      if (ord >= start && ord < start + count) slots[ord - start] = { pod, created: true };
      else if (ord >= 0) condemned.push(pod);
    }
    const replicas: Replica[] = [];
    for (let i = 0; i < count; i++) {
      const ord = start + i;
      // Below the partition a rolling set recreates pods at the current revision.
      const atCurrent = rolling && ord < start + partition;
      replicas.push(
        slots[i] ?? {
          pod: atCurrent ? newStatefulSetPod(set, currentTemplate, ord, currentRevision) : newStatefulSetPod(set, set.spec.template, ord, updateRevision),
          created: false,
        },
      );
    }
    condemned.sort((a, b) => parentNameAndOrdinal(b).ordinal - parentNameAndOrdinal(a).ordinal);

    let firstUnhealthy: Pod | undefined;
    for (const r of replicas) if (!firstUnhealthy && (!r.created || !isHealthy(r.pod))) firstUnhealthy = r.pod;
    for (const p of condemned) if (!firstUnhealthy && !isHealthy(p)) firstUnhealthy = p;

    if (set.metadata.deletionTimestamp !== undefined) return;
    const monotonic = set.spec.podManagementPolicy !== 'Parallel';

    let exit = false;
    for (let i = 0; i < replicas.length; i++) {
      const stop = await this.#processReplica(set, replicas[i]!, monotonic, minReady, now);
      if (stop) {
        exit = true;
        if (monotonic) break;
      }
    }
    if (exit) return;

    for (const pod of condemned) {
      let stop: boolean;
      if (isPodTerminating(pod)) stop = monotonic;
      else if (monotonic && pod !== firstUnhealthy && (!isRunningAndReady(pod) || !isRunningAndAvailable(pod, minReady, now))) stop = true;
      else {
        await this.#deletePod(set, pod);
        stop = monotonic;
      }
      if (stop) {
        exit = true;
        if (monotonic) break;
      }
    }
    if (exit || !rolling) return;

    // MaxUnavailableStatefulSet (on by default): with fewer than maxUnavailable pods
    // unavailable, delete old-revision pods from the highest ordinal down to the partition.
    const maxUnavailable = Math.max(1, scaledValue(set.spec.updateStrategy?.rollingUpdate?.maxUnavailable ?? 1, count, true));
    let unavailable = 0;
    for (const r of replicas) if (!r.created || !isHealthy(r.pod) || !isRunningAndAvailable(r.pod, minReady, now)) unavailable++;
    let budget = maxUnavailable - unavailable;
    for (let target = replicas.length - 1; target >= partition && budget > 0; target--) {
      const r = replicas[target]!;
      if (r.created && podRevision(r.pod) !== updateRevision && !isPodTerminating(r.pod)) {
        await this.#deletePod(set, r.pod);
        budget--;
      }
    }
  }

  /** processReplica: returns true when the sync must stop here. */
  async #processReplica(set: StatefulSet, r: Replica, monotonic: boolean, minReady: number, now: number): Promise<boolean> {
    const pod = r.pod;
    if (r.created && (isCreatedPhase(pod, 'Failed') || isCreatedPhase(pod, 'Succeeded'))) {
      // A finished pod is replaced: delete it, recreate on the next sync.
      if (!isPodTerminating(pod)) await this.#deletePod(set, pod);
      return true;
    }
    if (!r.created) {
      await this.#createPod(set, pod);
      return monotonic;
    }
    if (isPodTerminating(pod) && monotonic) return true;
    if (monotonic && !isRunningAndReady(pod)) return true;
    if (monotonic && !isRunningAndAvailable(pod, minReady, now)) return true;
    // Enforce the identity (labels) if someone changed them.
    const ord = parentNameAndOrdinal(pod).ordinal;
    const labels = pod.metadata.labels ?? {};
    if (labels[STATEFULSET_POD_NAME_LABEL] !== pod.metadata.name || labels[POD_INDEX_LABEL] !== String(ord)) {
      const copy = structuredClone(pod);
      copy.metadata.labels = { ...copy.metadata.labels, [STATEFULSET_POD_NAME_LABEL]: pod.metadata.name!, [POD_INDEX_LABEL]: String(ord) };
      await ignoreNotFound(this.ctx.store.update(copy));
      await this.ctx.events.record(set, 'Normal', 'SuccessfulUpdate', `update Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} successful`, COMPONENT);
    }
    return false;
  }

  async #createPod(set: StatefulSet, pod: Pod): Promise<void> {
    try {
      await this.ctx.store.create(pod);
    } catch (e) {
      await this.ctx.events.record(set, 'Warning', 'FailedCreate', `create Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} failed error: ${errorText(e)}`, COMPONENT);
      throw e;
    }
    await this.ctx.events.record(set, 'Normal', 'SuccessfulCreate', `create Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} successful`, COMPONENT);
  }

  async #deletePod(set: StatefulSet, pod: Pod): Promise<void> {
    try {
      await this.ctx.store.delete('Pod', pod.metadata.namespace, pod.metadata.name!, { uid: pod.metadata.uid });
    } catch (e) {
      await this.ctx.events.record(set, 'Warning', 'FailedDelete', `delete Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} failed error: ${errorText(e)}`, COMPONENT);
      throw e;
    }
    await this.ctx.events.record(set, 'Normal', 'SuccessfulDelete', `delete Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} successful`, COMPONENT);
  }
}

/** The set's status from its member pods; a finished rolling update makes the update revision current. */
export function computeStatus(set: StatefulSet, pods: readonly Pod[], currentRevision: string, updateRevision: string, nowMs: number): StatefulSetStatus {
  const minReady = set.spec.minReadySeconds ?? 0;
  let replicas = 0;
  let ready = 0;
  let available = 0;
  let current = 0;
  let updated = 0;
  for (const p of pods) {
    replicas++;
    if (isRunningAndReady(p)) {
      ready++;
      if (isRunningAndAvailable(p, minReady, nowMs)) available++;
    }
    if (!isPodTerminating(p)) {
      if (podRevision(p) === currentRevision) current++;
      if (podRevision(p) === updateRevision) updated++;
    }
  }
  let currentRev = currentRevision;
  if ((set.spec.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate' && updated === replicas && ready === replicas) {
    current = updated;
    currentRev = updateRevision;
  }
  const status: StatefulSetStatus = { replicas, availableReplicas: available, collisionCount: set.status?.collisionCount ?? 0 };
  if (set.metadata.generation !== undefined) status.observedGeneration = set.metadata.generation;
  if (ready) status.readyReplicas = ready;
  if (current) status.currentReplicas = current;
  if (updated) status.updatedReplicas = updated;
  status.currentRevision = currentRev;
  status.updateRevision = updateRevision;
  return status;
}
