// The DaemonSet controller (pkg/controller/daemon): one pod per eligible node (node name,
// nodeSelector, required node affinity, taints against the pod's tolerations plus those the
// controller adds), pinned with a required `metadata.name In [node]` node affinity so the
// scheduler binds it; follows nodes as they come, change and go; RollingUpdate replaces old
// pods up to maxUnavailable at a time. maxSurge > 0 is treated as maxSurge 0 (not modelled).
import { type Selector, selectorFromLabelSelector } from '../api/labels.js';
import type { Affinity, DaemonSet, Node, Pod, PodSpec, PodTemplateSpec, Toleration } from '../api/types.js';
import type { Controller, ControllerContext, ReconcileResult } from '../reconcile/controller.js';
import { TerminalError } from '../reconcile/controller.js';
import { WorkQueue } from '../reconcile/workqueue.js';
import type { Informer } from '../store/informer.js';
import { InstantCoalescer } from './coalesce.js';
import { claimCandidates, claimObjects, ensureControllerIndex, newControllerRef, ownedBy, ownerChanged, podOwnerHandlers } from './controllerref.js';
import { scaledValue } from './deploymentutil.js';
import { findUntoleratedTaint, podMatchesNodeAffinity, targetNodeName } from './nodepredicates.js';
import { errorText, PodControl } from './podcontrol.js';
import { isPodAvailable, isPodReady, simTime, untilAvailable } from './podconditions.js';
import { computeHash, jsonEqual } from './podtemplatehash.js';
import { CONTROLLER_REVISION_HASH_LABEL } from './statefulset.js';

/** Label carrying the DaemonSet's template generation on its pods. */
export const DAEMONSET_TEMPLATE_GENERATION_LABEL = 'pod-template-generation';
const TEMPLATE_GENERATION_ANNOTATION = 'deprecated.daemonset.template.generation';
const COMPONENT = 'daemonset-controller';
/** Most pods one sync creates or deletes (the controller's BurstReplicas). */
export const DAEMONSET_BURST_REPLICAS = 250;

type DaemonSetStatus = NonNullable<DaemonSet['status']>;

/**
 * AddOrUpdateDaemonPodTolerations: daemon pods survive node problems (not-ready and
 * unreachable NoExecute without a time limit) and tolerate the condition taints.
 */
export function addDaemonPodTolerations(spec: PodSpec): void {
  const add = (t: Toleration) => {
    const list = (spec.tolerations ??= []);
    const i = list.findIndex((x) => (x.key ?? '') === (t.key ?? '') && (x.operator ?? 'Equal') === t.operator && (x.value ?? '') === (t.value ?? '') && (x.effect ?? '') === (t.effect ?? ''));
    if (i < 0) list.push(t);
    else if (!jsonEqual(list[i], t)) list[i] = t;
  };
  add({ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' });
  add({ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' });
  add({ key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' });
  add({ key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' });
  add({ key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' });
  add({ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' });
  if (spec.hostNetwork) add({ key: 'node.kubernetes.io/network-unavailable', operator: 'Exists', effect: 'NoSchedule' });
}

const daemonSpecs = new WeakMap<object, PodSpec>();

/** The DaemonSet template's pod spec with the daemon tolerations added (memoised per template). */
function daemonPodSpec(template: PodTemplateSpec): PodSpec {
  let spec = daemonSpecs.get(template);
  if (!spec) {
    spec = structuredClone(template.spec);
    addDaemonPodTolerations(spec);
    daemonSpecs.set(template, spec);
  }
  return spec;
}

/** NodeShouldRunDaemonPod: whether a daemon pod should be created on `node`, and whether one there may keep running. */
export function nodeShouldRunDaemonPod(node: Node, ds: DaemonSet): { shouldRun: boolean; shouldContinueRunning: boolean } {
  const tmplNode = ds.spec.template.spec.nodeName;
  if (tmplNode && tmplNode !== node.metadata.name) return { shouldRun: false, shouldContinueRunning: false };
  const spec = daemonPodSpec(ds.spec.template);
  if (!podMatchesNodeAffinity(spec, node)) return { shouldRun: false, shouldContinueRunning: false };
  const taints = node.spec?.taints;
  if (findUntoleratedTaint(taints, spec.tolerations, (t) => t.effect === 'NoExecute' || t.effect === 'NoSchedule')) {
    // A pod already there keeps running unless a NoExecute taint is not tolerated.
    const noExecute = findUntoleratedTaint(taints, spec.tolerations, (t) => t.effect === 'NoExecute');
    return { shouldRun: false, shouldContinueRunning: !noExecute };
  }
  return { shouldRun: true, shouldContinueRunning: true };
}

/** ReplaceDaemonSetPodNodeNameNodeAffinity: the required node affinity becomes `metadata.name In [node]`. */
export function replaceNodeNameAffinity(affinity: Affinity | undefined, nodeName: string): Affinity {
  const term = { matchFields: [{ key: 'metadata.name', operator: 'In' as const, values: [nodeName] }] };
  const out: Affinity = affinity ? structuredClone(affinity) : {};
  out.nodeAffinity ??= {};
  out.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution = { nodeSelectorTerms: [term] };
  return out;
}

/** util.GetTemplateGeneration: the deprecated annotation the API server keeps, else metadata.generation. */
function templateGeneration(ds: DaemonSet): string | undefined {
  const a = ds.metadata.annotations?.[TEMPLATE_GENERATION_ANNOTATION];
  if (a !== undefined) return a;
  return ds.metadata.generation !== undefined ? String(ds.metadata.generation) : undefined;
}

/** util.IsPodUpdated: the pod carries the current hash or template generation. */
function isPodUpdated(pod: Pod, hash: string, generation: string | undefined): boolean {
  const labels = pod.metadata.labels ?? {};
  return (hash !== '' && labels[CONTROLLER_REVISION_HASH_LABEL] === hash) || (generation !== undefined && labels[DAEMONSET_TEMPLATE_GENERATION_LABEL] === generation);
}

/** podByCreationTimestampAndPhase: scheduled first, then oldest, then by name. */
function byCreationAndPhase(a: Pod, b: Pod): number {
  const sa = !!a.spec.nodeName;
  const sb = !!b.spec.nodeName;
  if (sa !== sb) return sa ? -1 : 1;
  const ta = simTime(a.metadata.creationTimestamp);
  const tb = simTime(b.metadata.creationTimestamp);
  if (ta !== tb) return ta - tb;
  return a.metadata.name! < b.metadata.name! ? -1 : a.metadata.name! > b.metadata.name! ? 1 : 0;
}

/** Reconciles DaemonSets into one pod per eligible node. */
export class DaemonSetController implements Controller {
  readonly name = 'daemonset';
  readonly queue: WorkQueue;
  readonly #sets: Informer<DaemonSet>;
  readonly #pods: Informer<Pod>;
  readonly #nodes: Informer<Node>;
  readonly #podControl: PodControl;
  /** Pod events: one reconcile per DaemonSet per instant (a reconcile visits every node). */
  readonly #podEvents: InstantCoalescer;

  constructor(private readonly ctx: ControllerContext) {
    this.queue = new WorkQueue(this.name, ctx.timers);
    this.#podEvents = new InstantCoalescer(ctx.timers, this.queue);
    this.#sets = ctx.informers.for<DaemonSet>('DaemonSet');
    this.#pods = ctx.informers.for<Pod>('Pod');
    this.#nodes = ctx.informers.for<Node>('Node');
    this.#podControl = new PodControl(ctx, COMPONENT);
    ensureControllerIndex(this.#pods);

    const enqueue = (ds: DaemonSet) => this.queue.add(`${ds.metadata.namespace}/${ds.metadata.name}`);
    this.#sets
      .on('add', enqueue)
      .on('update', (old, ds) => {
        if (ownerChanged(old, ds)) enqueue(ds);
      })
      .on('delete', enqueue);
    const pods = podOwnerHandlers<DaemonSet>({
      kind: 'DaemonSet',
      onOwned: (key) => this.#podEvents.add(key),
      candidates: (ns) => this.#sets.lister.list(ns),
      selectorOf: (ds) => ds.spec.selector,
      enqueue,
    });
    this.#pods
      .on('add', (p) => pods.event(p, true))
      .on('update', pods.update)
      .on('delete', (p) => pods.event(p, false));
    const allSets = () => {
      for (const ds of this.#sets.lister.list()) enqueue(ds);
    };
    this.#nodes
      .on('add', (node) => {
        for (const ds of this.#sets.lister.list()) if (nodeShouldRunDaemonPod(node, ds).shouldRun) enqueue(ds);
      })
      .on('update', (old, cur) => {
        // Only what the predicates read matters: labels, taints, the name.
        if (jsonEqual(old.metadata.labels ?? {}, cur.metadata.labels ?? {}) && jsonEqual(old.spec?.taints ?? [], cur.spec?.taints ?? [])) return;
        for (const ds of this.#sets.lister.list()) {
          const a = nodeShouldRunDaemonPod(old, ds);
          const b = nodeShouldRunDaemonPod(cur, ds);
          if (a.shouldRun !== b.shouldRun || a.shouldContinueRunning !== b.shouldContinueRunning) enqueue(ds);
        }
      })
      .on('delete', allSets);
  }

  async reconcile(key: string): Promise<ReconcileResult | undefined> {
    const [ns, name] = key.split('/') as [string, string];
    const ds = this.#sets.lister.get(ns, name);
    if (!ds) return undefined;
    let selector: Selector;
    try {
      selector = selectorFromLabelSelector(ds.spec.selector);
    } catch (e) {
      throw new TerminalError(`DaemonSet ${key}: invalid selector: ${errorText(e)}`);
    }
    if (selector.empty()) {
      await this.ctx.events.record(ds, 'Warning', 'SelectingAll', 'This daemon set is selecting all pods. A non-empty selector is required.', COMPONENT);
      return undefined;
    }
    const nodes = this.#nodes.lister.list();
    const hash = computeHash(ds.spec.template, (ds.status as { collisionCount?: number } | undefined)?.collisionCount);
    const pods = await claimObjects(this.ctx.store, ds, selector, claimCandidates(this.#pods, ds));

    let syncError: unknown;
    if (ds.metadata.deletionTimestamp === undefined) {
      try {
        await this.#manage(ds, nodes, hash, pods);
        if ((ds.spec.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate') {
          await this.#rollingUpdate(ds, nodes, hash, ownedBy(this.#pods, ds.metadata.uid!));
        }
      } catch (e) {
        syncError = e;
      }
    }
    const now = this.ctx.clock.now();
    const owned = ownedBy(this.#pods, ds.metadata.uid!);
    const status = this.#status(ds, nodes, hash, owned, now);
    if (!jsonEqual(status, ds.status ?? {})) {
      const latest = this.#sets.lister.get(ns, name);
      if (latest && latest.metadata.uid === ds.metadata.uid) await this.ctx.store.updateStatus({ ...latest, status });
    }
    if (syncError !== undefined) throw syncError;
    const minReady = ds.spec.minReadySeconds ?? 0;
    let next: number | undefined;
    if (minReady > 0) {
      for (const p of owned) {
        const t = untilAvailable(p, minReady, now);
        if (t !== undefined && (next === undefined || t < next)) next = t;
      }
    }
    return next !== undefined ? { requeueAfter: next } : undefined;
  }

  /** getNodesToDaemonPods: the set's pods grouped by the node they are bound or pinned to. */
  #nodeToDaemonPods(pods: readonly Pod[]): Map<string, Pod[]> {
    const m = new Map<string, Pod[]>();
    for (const p of pods) {
      const n = targetNodeName(p.spec);
      if (n === undefined) continue;
      const list = m.get(n);
      if (list) list.push(p);
      else m.set(n, [p]);
    }
    return m;
  }

  async #manage(ds: DaemonSet, nodes: readonly Node[], hash: string, pods: readonly Pod[]): Promise<void> {
    const byNode = this.#nodeToDaemonPods(pods);
    const needing: string[] = [];
    const toDelete: Pod[] = [];
    for (const node of nodes) {
      const { shouldRun, shouldContinueRunning } = nodeShouldRunDaemonPod(node, ds);
      const daemonPods = byNode.get(node.metadata.name!);
      if (shouldRun && !daemonPods) {
        needing.push(node.metadata.name!);
      } else if (shouldContinueRunning) {
        const running: Pod[] = [];
        for (const pod of daemonPods ?? []) {
          if (pod.metadata.deletionTimestamp !== undefined) continue;
          if (pod.status?.phase === 'Failed') {
            await this.ctx.events.record(ds, 'Warning', 'FailedDaemonPod', `Found failed daemon pod ${pod.metadata.namespace}/${pod.metadata.name} on node ${node.metadata.name}, will try to kill it`, COMPONENT);
            toDelete.push(pod);
          } else if (pod.status?.phase === 'Succeeded') toDelete.push(pod);
          else running.push(pod);
        }
        // More than one pod on a node: keep the oldest.
        if (running.length > 1) toDelete.push(...running.sort(byCreationAndPhase).slice(1));
      } else if (daemonPods) {
        for (const pod of daemonPods) if (pod.metadata.deletionTimestamp === undefined) toDelete.push(pod);
      }
    }
    // Unscheduled pods pinned to nodes that no longer exist.
    const names = new Set(nodes.map((n) => n.metadata.name!));
    for (const [nodeName, list] of [...byNode].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      if (names.has(nodeName)) continue;
      for (const p of list) if (!p.spec.nodeName && p.metadata.deletionTimestamp === undefined) toDelete.push(p);
    }
    await this.#syncNodes(ds, toDelete, needing, hash);
  }

  /** syncNodes: deletes and creates (slow-start batches, at most the burst), pinning each new pod to its node. */
  async #syncNodes(ds: DaemonSet, toDelete: Pod[], needing: string[], hash: string): Promise<void> {
    const create = needing.slice(0, DAEMONSET_BURST_REPLICAS);
    const del = toDelete.slice(0, DAEMONSET_BURST_REPLICAS);
    const template = structuredClone(ds.spec.template);
    addDaemonPodTolerations(template.spec);
    const generation = templateGeneration(ds);
    template.metadata = {
      ...template.metadata,
      labels: { ...template.metadata?.labels, ...(generation !== undefined ? { [DAEMONSET_TEMPLATE_GENERATION_LABEL]: generation } : {}), [CONTROLLER_REVISION_HASH_LABEL]: hash },
    };
    const ref = newControllerRef(ds);
    let firstError: unknown;
    const res = await this.#podControl.slowStartBatch(create.length, (i) => {
      const t: PodTemplateSpec = { ...template, spec: { ...template.spec, affinity: replaceNodeNameAffinity(template.spec.affinity, create[i]!) } };
      return this.#podControl.createPod(t, ds, ref);
    });
    firstError = res.error;
    for (const p of del) {
      try {
        await this.#podControl.deletePod(p, ds);
      } catch (e) {
        firstError ??= e;
      }
    }
    if (firstError !== undefined) throw firstError;
  }

  /** rollingUpdate with maxSurge 0: replaces old pods while at most maxUnavailable pods are unavailable. */
  async #rollingUpdate(ds: DaemonSet, nodes: readonly Node[], hash: string, pods: readonly Pod[]): Promise<void> {
    const byNode = this.#nodeToDaemonPods(pods);
    let desired = 0;
    for (const node of nodes) {
      if (!nodeShouldRunDaemonPod(node, ds).shouldRun) continue;
      desired++;
      if (!byNode.has(node.metadata.name!)) byNode.set(node.metadata.name!, []);
    }
    const ru = ds.spec.updateStrategy?.rollingUpdate;
    // As util.UnavailableCount: percentages round up here.
    let maxUnavailable = scaledValue(ru?.maxUnavailable ?? 1, desired, true);
    const maxSurge = scaledValue(ru?.maxSurge ?? 0, desired, true);
    if (desired > 0 && maxUnavailable === 0 && maxSurge === 0) maxUnavailable = 1;
    const now = this.ctx.clock.now();
    const minReady = ds.spec.minReadySeconds ?? 0;
    const generation = templateGeneration(ds);
    let unavailable = 0;
    const replacements: Pod[] = [];
    const candidates: Pod[] = [];
    for (const nodeName of [...byNode.keys()].sort()) {
      let newPod: Pod | undefined;
      let oldPod: Pod | undefined;
      let ok = true;
      for (const p of byNode.get(nodeName)!) {
        if (p.metadata.deletionTimestamp !== undefined) continue;
        if (isPodUpdated(p, hash, generation)) {
          if (newPod) ok = false;
          newPod = p;
        } else {
          if (oldPod) ok = false;
          oldPod = p;
        }
      }
      if (!ok || (!newPod && !oldPod) || (newPod && oldPod)) {
        unavailable++;
        continue;
      }
      if (newPod) {
        if (!isPodAvailable(newPod, minReady, now)) unavailable++;
        continue;
      }
      if (!isPodAvailable(oldPod!, minReady, now)) replacements.push(oldPod!);
      else if (unavailable < maxUnavailable) candidates.push(oldPod!);
    }
    const remaining = Math.min(Math.max(0, maxUnavailable - unavailable), candidates.length);
    const victims = [...replacements, ...candidates.slice(0, remaining)];
    if (victims.length) await this.#syncNodes(ds, victims, [], hash);
  }

  /** updateDaemonSetStatus: counts over the nodes the set should run on (zero optional counters omitted). */
  #status(ds: DaemonSet, nodes: readonly Node[], hash: string, pods: readonly Pod[], now: number): DaemonSetStatus {
    const byNode = this.#nodeToDaemonPods(pods);
    const generation = templateGeneration(ds);
    const minReady = ds.spec.minReadySeconds ?? 0;
    let desired = 0;
    let current = 0;
    let misscheduled = 0;
    let ready = 0;
    let available = 0;
    let updated = 0;
    for (const node of nodes) {
      const { shouldRun } = nodeShouldRunDaemonPod(node, ds);
      const list = byNode.get(node.metadata.name!);
      const scheduled = !!list && list.length > 0;
      if (shouldRun) {
        desired++;
        if (!scheduled) continue;
        current++;
        const pod = [...list!].sort(byCreationAndPhase)[0]!;
        if (isPodReady(pod)) {
          ready++;
          if (isPodAvailable(pod, minReady, now)) available++;
        }
        if (isPodUpdated(pod, hash, generation)) updated++;
      } else if (scheduled) misscheduled++;
    }
    const status: DaemonSetStatus = { currentNumberScheduled: current, numberMisscheduled: misscheduled, desiredNumberScheduled: desired, numberReady: ready };
    if (ds.metadata.generation !== undefined) status.observedGeneration = ds.metadata.generation;
    if (updated) status.updatedNumberScheduled = updated;
    if (available) status.numberAvailable = available;
    if (desired - available) status.numberUnavailable = desired - available;
    return status;
  }
}
