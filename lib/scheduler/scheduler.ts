// kube-scheduler's default profile for pods without spec.nodeName: a scheduling cycle filters
// nodes from where the last cycle stopped until it has found percentageOfNodesToScore feasible
// ones, scores those, picks the best (reservoir sampling among ties) and binds. A pod no node
// fits stays Pending with PodScheduled=False/Unschedulable and a FailedScheduling event; it is
// tried again (after its backoff) when a node is added or changed or a bound pod goes away.
import { type Selector, everything, selectorFromLabelSelector, selectorFromSet } from '../api/labels.js';
import { objectKey } from '../api/meta.js';
import type { Node, Pod, ReplicaSet, ReplicationController, Service, StatefulSet } from '../api/types.js';
import { isPodTerminal, setCondition } from '../kubelet/podstatus.js';
import type { Controller, ControllerContext, ReconcileResult } from '../reconcile/controller.js';
import { WorkQueue } from '../reconcile/workqueue.js';
import type { Informer } from '../store/informer.js';
import { deepEqual } from '../store/memory.js';
import { HOT_SLOW, SchedulerCache, podHostPorts } from './cache.js';
import { type FilterStatus, type PodInfo, runFilters } from './filters.js';
import { ERR_NO_NODES, fitErrorMessage } from './fiterror.js';
import { hasRequiredNodeAffinity } from './nodeaffinity.js';
import { podRequests } from './resources.js';
import { scoreNodes } from './scores.js';
import { ServiceSelectorIndex } from './serviceindex.js';

export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';
/** minFeasibleNodesToFind / minFeasibleNodesPercentageToFind. */
const MIN_FEASIBLE_NODES = 100;
const MIN_FEASIBLE_PERCENTAGE = 5;
/** podInitialBackoffDuration / podMaxBackoffDuration. */
export const POD_INITIAL_BACKOFF_MS = 1000;
export const POD_MAX_BACKOFF_MS = 10_000;
/** Events are cut at 1024 bytes, as the scheduler's truncateMessage does. */
const NOTE_LENGTH_LIMIT = 1024;

export interface SchedulerOptions {
  /** KubeSchedulerConfiguration.percentageOfNodesToScore; 0 = adaptive (the default). */
  percentageOfNodesToScore?: number;
}

/** numFeasibleNodesToFind: all nodes below 100; else 50% − nodes/125 (at least 5%), at least 100 nodes. */
export function numFeasibleNodesToFind(numAllNodes: number, percentage = 0): number {
  if (numAllNodes < MIN_FEASIBLE_NODES) return numAllNodes;
  let pct = percentage;
  if (pct === 0) {
    pct = 50 - Math.trunc(numAllNodes / 125);
    if (pct < MIN_FEASIBLE_PERCENTAGE) pct = MIN_FEASIBLE_PERCENTAGE;
  }
  const n = Math.trunc((numAllNodes * pct) / 100);
  return n < MIN_FEASIBLE_NODES ? MIN_FEASIBLE_NODES : n;
}

/** calculateBackoffDuration: 1 s doubling per failed attempt, at most 10 s. */
export function podBackoffMs(attempts: number): number {
  let d = POD_INITIAL_BACKOFF_MS;
  for (let i = 1; i < attempts; i++) {
    d *= 2;
    if (d > POD_MAX_BACKOFF_MS) return POD_MAX_BACKOFF_MS;
  }
  return d;
}

/** The AND of several selectors (DefaultSelector merges service, RC, RS and StatefulSet selectors). */
function allOf(parts: Selector[]): Selector {
  const real = parts.filter((s) => !s.empty());
  if (real.length === 0) return everything;
  if (real.length === 1) return real[0]!;
  const reqs = real.flatMap((s) => [...s.requirements]).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const text = real.map((s) => s.toString()).join(',');
  return {
    requirements: reqs,
    matches: (l) => real.every((s) => s.matches(l)),
    empty: () => false,
    toString: () => text,
  };
}

interface Unschedulable {
  attempts: number;
  backoffUntil: number;
}

/** Feasible node ids of the current cycle (reused). */
let feasibleBuf = new Int32Array(1024);

/** What a scheduling cycle decided. */
export type ScheduleResult = { node: string; evaluated: number; feasible: number } | { error: string };

/** kube-scheduler with the default profile, keyed by pod. */
export class SchedulerController implements Controller {
  readonly name = DEFAULT_SCHEDULER_NAME;
  readonly queue: WorkQueue;
  readonly cache = new SchedulerCache();
  readonly #pods: Informer<Pod>;
  readonly #nodes: Informer<Node>;
  readonly #services: Informer<Service>;
  readonly #replicaSets: Informer<ReplicaSet>;
  readonly #rcs: Informer<ReplicationController>;
  readonly #statefulSets: Informer<StatefulSet>;
  readonly #serviceIndex = new ServiceSelectorIndex();
  readonly #unschedulable = new Map<string, Unschedulable>();
  readonly #selectorCache = new Map<string, Selector>();
  /** DefaultSelector answers (null: none) by what they depend on; see #defaultSelector. */
  readonly #defaultSelectors = new Map<string, Selector | null>();
  readonly #percentage: number;
  #nextStartNodeIndex = 0;

  constructor(private readonly ctx: ControllerContext, opts: SchedulerOptions = {}) {
    this.#percentage = opts.percentageOfNodesToScore ?? 0;
    this.queue = new WorkQueue(this.name, ctx.timers);
    this.#pods = ctx.informers.for<Pod>('Pod');
    this.#nodes = ctx.informers.for<Node>('Node');
    this.#services = ctx.informers.for<Service>('Service');
    this.#replicaSets = ctx.informers.for<ReplicaSet>('ReplicaSet');
    this.#rcs = ctx.informers.for<ReplicationController>('ReplicationController');
    this.#statefulSets = ctx.informers.for<StatefulSet>('StatefulSet');

    this.#nodes.on('add', (n) => {
      this.cache.addNode(n);
      this.#requeueUnschedulable();
    });
    this.#nodes.on('update', (o, n) => {
      this.cache.updateNode(n);
      if (schedulingRelevantChange(o, n)) this.#requeueUnschedulable();
    });
    this.#nodes.on('delete', (n) => this.cache.removeNode(n.metadata.name!));

    this.#pods.on('add', (p) => {
      const key = objectKey(p);
      this.cache.setPod(key, p);
      if (this.#responsibleFor(p)) this.queue.add(key);
    });
    this.#pods.on('update', (o, p) => {
      // Status writes keep spec and labels (same objects): only the terminal phase matters then.
      if (o.spec === p.spec && o.metadata.labels === p.metadata.labels && isPodTerminal(o) === isPodTerminal(p)) return;
      const key = objectKey(p);
      const wasCounted = this.cache.hasPod(key);
      this.cache.setPod(key, p);
      // A bound pod that finished frees its node's resources.
      if (wasCounted && !this.cache.hasPod(key)) this.#requeueUnschedulable();
      // Only spec or label changes can change a decision; status writes (ours included) cannot.
      if (this.#responsibleFor(p) && (o.metadata.generation !== p.metadata.generation || !deepEqual(o.metadata.labels, p.metadata.labels))) {
        this.queue.add(key);
      }
    });
    this.#pods.on('delete', (p) => {
      const key = objectKey(p);
      const wasCounted = this.cache.hasPod(key);
      this.cache.setPod(key, undefined);
      this.#unschedulable.delete(key);
      if (wasCounted) this.#requeueUnschedulable();
    });

    this.#services.on('add', (s) => this.#serviceIndex.upsert(s));
    this.#services.on('update', (_o, s) => this.#serviceIndex.upsert(s));
    this.#services.on('delete', (s) => this.#serviceIndex.remove(objectKey(s)));
  }

  /** Pending pods without a node that name this scheduler. */
  #responsibleFor(p: Pod): boolean {
    return !p.spec.nodeName && (p.spec.schedulerName ?? DEFAULT_SCHEDULER_NAME) === DEFAULT_SCHEDULER_NAME &&
      !isPodTerminal(p) && !p.metadata.deletionTimestamp;
  }

  /** MoveAllToActiveOrBackoffQueue: unschedulable pods are tried again (each after its backoff). */
  #requeueUnschedulable(): void {
    for (const key of this.#unschedulable.keys()) this.queue.add(key);
  }

  async reconcile(key: string): Promise<ReconcileResult | undefined> {
    const slash = key.indexOf('/');
    const pod = this.#pods.lister.get(key.slice(0, slash), key.slice(slash + 1));
    if (!pod || !this.#responsibleFor(pod)) {
      this.#unschedulable.delete(key);
      return;
    }
    const now = this.ctx.clock.now();
    const u = this.#unschedulable.get(key);
    if (u && now < u.backoffUntil) return { requeueAfter: u.backoffUntil - now };
    const result = this.schedule(pod);
    if ('node' in result) {
      this.#unschedulable.delete(key);
      await this.#bind(pod, result.node);
      return;
    }
    const attempts = (u?.attempts ?? 0) + 1;
    this.#unschedulable.set(key, { attempts, backoffUntil: now + podBackoffMs(attempts) });
    await this.#recordFailure(pod, result.error);
  }

  /** One scheduling cycle for `pod` against the cache (no writes). */
  schedule(pod: Pod): ScheduleResult {
    const nodes = this.cache.nodeList();
    const all = nodes.length;
    if (all === 0) return { error: ERR_NO_NODES };
    const p: PodInfo = {
      pod,
      key: objectKey(pod),
      res: podRequests(pod),
      ports: podHostPorts(pod),
      tolerations: pod.spec.tolerations ?? [],
      constrained: hasRequiredNodeAffinity(pod),
    };
    const want = numFeasibleNodesToFind(all, this.#percentage);
    const ids = this.cache.listIds();
    const hot = this.cache.hot;
    if (feasibleBuf.length < want) feasibleBuf = new Int32Array(Math.max(want, feasibleBuf.length * 2));
    const feasible = feasibleBuf;
    let nFeasible = 0;
    const failed: FilterStatus[] = [];
    // The common pod (no node constraints, host ports or extended resources) on the common node
    // (schedulable, no NoSchedule/NoExecute taints) needs only the resource arithmetic.
    const simple = !p.constrained && p.ports.length === 0 && p.res.scalar.size === 0;
    const cpu = p.res.milliCPU;
    const mem = p.res.memory;
    const { flags, pods, allocPods, allocCPU, reqCPU, allocMem, reqMem } = hot;
    const start = this.#nextStartNodeIndex % all;
    for (let i = 0, j = start; i < all && nFeasible < want; i++, j = j + 1 === all ? 0 : j + 1) {
      const id = ids[j]!;
      if (simple && (flags[id]! & HOT_SLOW) === 0 && pods[id]! + 1 <= allocPods[id]! &&
        (cpu <= 0 || cpu <= allocCPU[id]! - reqCPU[id]!) && (mem <= 0 || mem <= allocMem[id]! - reqMem[id]!)) {
        feasible[nFeasible++] = id;
        continue;
      }
      const st = runFilters(p, nodes[j]!);
      if (st) failed.push(st);
      else feasible[nFeasible++] = id;
    }
    this.#nextStartNodeIndex = (start + nFeasible + failed.length) % all;
    const evaluated = nFeasible + failed.length;
    if (nFeasible === 0) return { error: fitErrorMessage(all, failed) };
    if (nFeasible === 1) return { node: this.cache.nodeById(feasible[0]!)!.name, evaluated, feasible: 1 };
    const scores = scoreNodes(p, feasible, nFeasible, this.cache, this.#defaultSelector(pod));
    return { node: this.#selectHost(feasible, nFeasible, scores), evaluated, feasible: nFeasible };
  }

  /**
   * selectHost: the highest total, a uniformly random one among ties (upstream samples the
   * ties reservoir-style; one draw over the tied nodes gives the same distribution).
   */
  #selectHost(ids: Int32Array, n: number, scores: ArrayLike<number>): string {
    let max = scores[0]!;
    let count = 1;
    for (let i = 1; i < n; i++) {
      const s = scores[i]!;
      if (s > max) {
        max = s;
        count = 1;
      } else if (s === max) count++;
    }
    let pick = count === 1 ? 0 : this.ctx.random.int(0, count - 1);
    let chosen = ids[0]!;
    for (let i = 0; i < n; i++) {
      if (scores[i] !== max) continue;
      if (pick === 0) {
        chosen = ids[i]!;
        break;
      }
      pick--;
    }
    return this.cache.nodeById(chosen)!.name;
  }

  /**
   * helper.DefaultSelector: the selectors of the Services selecting the pod, merged, and of
   * its controlling ReplicationController, ReplicaSet or StatefulSet; undefined when empty.
   */
  #defaultSelector(pod: Pod): Selector | undefined {
    const ns = pod.metadata.namespace ?? 'default';
    // The answer depends on the pod's namespace and labels, the Services (their index version)
    // and the controlling RC/RS/StatefulSet as stored: pods of one ReplicaSet share it.
    let key = `${ns}\u0000${this.#serviceIndex.version}\u0000${this.#ownerVersion(pod, ns)}\u0000`;
    const labels = pod.metadata.labels;
    if (labels) for (const k in labels) key += `${k}=${labels[k]}\u0000`;
    const hit = this.#defaultSelectors.get(key);
    if (hit !== undefined) return hit ?? undefined;
    const sel = this.#computeDefaultSelector(pod, ns);
    if (this.#defaultSelectors.size >= 10_000) this.#defaultSelectors.clear();
    this.#defaultSelectors.set(key, sel ?? null);
    return sel;
  }

  /** uid and resourceVersion of the pod's controlling RC, ReplicaSet or StatefulSet as cached ('' if none). */
  #ownerVersion(pod: Pod, ns: string): string {
    const owner = pod.metadata.ownerReferences?.find((o) => o.controller);
    if (!owner || (owner.apiVersion !== 'v1' && owner.apiVersion !== 'apps/v1')) return '';
    const lister = owner.kind === 'ReplicationController' ? this.#rcs.lister : owner.kind === 'ReplicaSet' ? this.#replicaSets.lister : owner.kind === 'StatefulSet' ? this.#statefulSets.lister : undefined;
    const o = lister?.get(ns, owner.name);
    return o ? `${owner.kind}/${o.metadata.uid}/${o.metadata.resourceVersion}` : '';
  }

  #computeDefaultSelector(pod: Pod, ns: string): Selector | undefined {
    const set: Record<string, string> = {};
    for (const key of this.#serviceIndex.servicesFor(ns, pod.metadata.labels)) Object.assign(set, this.#serviceIndex.selector(key));
    const parts: Selector[] = [selectorFromSet(set)];
    const owner = pod.metadata.ownerReferences?.find((o) => o.controller);
    if (owner) {
      if (owner.kind === 'ReplicationController' && owner.apiVersion === 'v1') {
        const rc = this.#rcs.lister.get(ns, owner.name);
        if (rc?.spec.selector) {
          Object.assign(set, rc.spec.selector);
          parts[0] = selectorFromSet(set);
        }
      } else if (owner.kind === 'ReplicaSet' && owner.apiVersion === 'apps/v1') {
        const rs = this.#replicaSets.lister.get(ns, owner.name);
        if (rs) parts.push(this.#cachedSelector(rs));
      } else if (owner.kind === 'StatefulSet' && owner.apiVersion === 'apps/v1') {
        const ss = this.#statefulSets.lister.get(ns, owner.name);
        if (ss) parts.push(this.#cachedSelector(ss));
      }
    }
    const sel = allOf(parts);
    return sel.empty() ? undefined : sel;
  }

  #cachedSelector(obj: ReplicaSet | StatefulSet): Selector {
    const k = `${obj.metadata.uid}/${obj.metadata.resourceVersion}`;
    let s = this.#selectorCache.get(k);
    if (!s) {
      try {
        s = selectorFromLabelSelector(obj.spec.selector);
      } catch {
        s = everything;
      }
      if (this.#selectorCache.size > 10_000) this.#selectorCache.clear();
      this.#selectorCache.set(k, s);
    }
    return s;
  }

  /** The binding subresource: spec.nodeName and PodScheduled=True, then the Scheduled event. */
  async #bind(pod: Pod, node: string): Promise<void> {
    const now = this.ctx.clock.timestamp();
    const conditions = setCondition(pod.status?.conditions, { type: 'PodScheduled', status: 'True' }, now);
    const bound = await this.ctx.store.update<Pod>({
      ...pod,
      spec: { ...pod.spec, nodeName: node },
      status: { ...(pod.status ?? {}), conditions },
    });
    await this.ctx.events.record(bound, 'Normal', 'Scheduled', `Successfully assigned ${pod.metadata.namespace}/${pod.metadata.name} to ${node}`, DEFAULT_SCHEDULER_NAME);
  }

  async #recordFailure(pod: Pod, message: string): Promise<void> {
    const now = this.ctx.clock.timestamp();
    const conditions = setCondition(pod.status?.conditions, { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message }, now);
    let written = pod;
    if (conditions !== pod.status?.conditions) {
      written = await this.ctx.store.updateStatus<Pod>({ ...pod, status: { phase: 'Pending', ...(pod.status ?? {}), conditions } });
    }
    await this.ctx.events.record(written, 'Warning', 'FailedScheduling', truncateMessage(message), DEFAULT_SCHEDULER_NAME);
  }

  /** Number of pods waiting after a failed attempt (for reports and tests). */
  get unschedulableCount(): number {
    return this.#unschedulable.size;
  }
}

/** Node changes that can make an unschedulable pod fit: labels, taints, unschedulable, allocatable. */
function schedulingRelevantChange(o: Node, n: Node): boolean {
  return o.spec.unschedulable !== n.spec.unschedulable || !deepEqual(o.spec.taints, n.spec.taints) ||
    !deepEqual(o.metadata.labels, n.metadata.labels) || !deepEqual(o.status?.allocatable, n.status?.allocatable);
}

function truncateMessage(message: string): string {
  if (message.length <= NOTE_LENGTH_LIMIT) return message;
  return `${message.slice(0, NOTE_LENGTH_LIMIT - 3)}...`;
}
