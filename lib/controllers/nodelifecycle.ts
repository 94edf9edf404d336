// The node lifecycle controller (pkg/controller/nodelifecycle): watches the kubelets'
// heartbeats. A node whose kubelet stopped is marked Unknown at the first monitor pass
// (every node-monitor-period, 5 s) after node-monitor-grace-period (50 s since 1.32) without a
// heartbeat; it gets the unreachable taints (NoSchedule at once, NoExecute as the eviction rate
// limiter and the zone's disruption state allow) and its pods are marked not ready. When the
// kubelet posts Ready again the taints go away. The taint manager does the evicting.
//
// The timeline stops and starts kubelets with nodeDown/nodeUp, which only set or clear the
// annotation netsim.io/kubelet-stopped; nothing is timed unless a node is down.
import type { Condition } from '../api/meta.js';
import type { Node, Pod, Taint } from '../api/types.js';
import { KUBELET_STOPPED_ANNOTATION, kubeletStopped, nodeReadyCondition } from '../kubelet/node.js';
import { ensurePodsByNodeIndex, podsOnNode } from '../kubelet/podindex.js';
import { setCondition } from '../kubelet/podstatus.js';
import type { Controller, ControllerContext, ReconcileResult } from '../reconcile/controller.js';
import { WorkQueue } from '../reconcile/workqueue.js';
import { zoneKey } from '../scheduler/cache.js';
import { TAINT_NOT_READY, TAINT_UNREACHABLE } from '../scheduler/taints.js';
import type { Informer } from '../store/informer.js';
import type { Store } from '../store/store.js';

export const NODE_CONTROLLER_COMPONENT = 'node-controller';
/** --node-monitor-grace-period (50 s since Kubernetes 1.32). */
export const NODE_MONITOR_GRACE_PERIOD_MS = 50_000;
/** --node-monitor-period. */
export const NODE_MONITOR_PERIOD_MS = 5000;
/** --node-eviction-rate 0.1 nodes/s: one NoExecute tainting per zone every 10 s. */
export const NODE_EVICTION_INTERVAL_MS = 10_000;
/** --unhealthy-zone-threshold and --large-cluster-size-threshold. */
const UNHEALTHY_ZONE_THRESHOLD = 0.55;
const LARGE_CLUSTER_SIZE_THRESHOLD = 50;

const STOPPED_MESSAGE = 'Kubelet stopped posting node status.';
const KUBELET_CONDITIONS = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'];

/** The timeline's nodeDown: the node's kubelet stops posting status and syncing pods. */
export async function nodeDown(store: Store, name: string): Promise<void> {
  await setStopped(store, name, true);
}

/** The timeline's nodeUp: the kubelet starts again and posts Ready. */
export async function nodeUp(store: Store, name: string): Promise<void> {
  await setStopped(store, name, false);
}

async function setStopped(store: Store, name: string, stopped: boolean): Promise<void> {
  const node = await store.get<Node>('Node', undefined, name);
  const annotations = { ...(node.metadata.annotations ?? {}) };
  if (stopped) annotations[KUBELET_STOPPED_ANNOTATION] = 'true';
  else delete annotations[KUBELET_STOPPED_ANNOTATION];
  await store.update<Node>({ ...node, metadata: { ...node.metadata, annotations } });
}

type ZoneState = 'Normal' | 'PartialDisruption' | 'FullDisruption';

/** The first monitor pass strictly after `t` (passes at multiples of the monitor period). */
function firstMonitorPassAfter(t: number): number {
  return (Math.floor(t / NODE_MONITOR_PERIOD_MS) + 1) * NODE_MONITOR_PERIOD_MS;
}

const isTaint = (t: Taint, key: string, effect: string) => t.key === key && t.effect === effect;

/** Node health and taints, keyed by node. */
export class NodeLifecycleController implements Controller {
  readonly name = 'node-lifecycle-controller';
  readonly queue: WorkQueue;
  readonly #nodes: Informer<Node>;
  readonly #pods: Informer<Pod>;
  /** When each stopped kubelet was last heard from (simulated ms). */
  readonly #lastHeartbeat = new Map<string, number>();
  /** Last NoExecute tainting per zone (the eviction rate limiter). */
  readonly #lastTainting = new Map<string, number>();

  constructor(private readonly ctx: ControllerContext) {
    this.queue = new WorkQueue(this.name, ctx.timers);
    this.#nodes = ctx.informers.for<Node>('Node');
    this.#pods = ctx.informers.for<Pod>('Pod');
    ensurePodsByNodeIndex(this.#pods);
    this.#nodes.on('add', (n) => this.queue.add(n.metadata.name!));
    this.#nodes.on('update', (o, n) => {
      if (kubeletStopped(o) !== kubeletStopped(n) || nodeReadyCondition(o)?.status !== nodeReadyCondition(n)?.status) {
        this.queue.add(n.metadata.name!);
        // The zone's disruption state changed: nodes waiting for their NoExecute taint look again.
        for (const other of this.#lastHeartbeat.keys()) this.queue.add(other);
      }
    });
    this.#nodes.on('delete', (n) => this.queue.add(n.metadata.name!));
  }

  async reconcile(name: string): Promise<ReconcileResult | undefined> {
    const node = this.#nodes.lister.get(undefined, name);
    if (!node) {
      this.#lastHeartbeat.delete(name);
      return;
    }
    const now = this.ctx.clock.now();
    if (kubeletStopped(node)) return this.#unreachable(node, now);
    this.#lastHeartbeat.delete(name);
    const ready = nodeReadyCondition(node);
    // Not registered yet: not-ready, as the TaintNodesByCondition admission plugin marks new nodes.
    if (!ready) {
      await this.#setTaints(node, [[TAINT_NOT_READY, 'NoSchedule']], []);
      return;
    }
    if (ready.status === 'True') {
      await this.#setTaints(node, [], [TAINT_UNREACHABLE, TAINT_NOT_READY]);
    } else if (ready.status === 'False') {
      await this.#setTaints(node, [[TAINT_NOT_READY, 'NoSchedule'], [TAINT_NOT_READY, 'NoExecute']], [TAINT_UNREACHABLE]);
    }
  }

  async #unreachable(node: Node, now: number): Promise<ReconcileResult | undefined> {
    const name = node.metadata.name!;
    let heard = this.#lastHeartbeat.get(name);
    if (heard === undefined) this.#lastHeartbeat.set(name, (heard = now));
    const due = firstMonitorPassAfter(heard + NODE_MONITOR_GRACE_PERIOD_MS);
    if (now < due) return { requeueAfter: due - now };
    let current = node;
    if (nodeReadyCondition(node)?.status !== 'Unknown') current = await this.#markUnknown(node);
    // doNoScheduleTaintingPass: the NoSchedule taint follows the condition at once.
    current = await this.#setTaints(current, [[TAINT_UNREACHABLE, 'NoSchedule']], [TAINT_NOT_READY]);
    if (current.spec.taints?.some((t) => isTaint(t, TAINT_UNREACHABLE, 'NoExecute'))) return;
    // doNoExecuteTaintingPass: rate limited per zone, and held back in disrupted zones.
    const zone = zoneKey(current);
    const state = this.#zoneState(zone);
    if (state === 'FullDisruption') return;
    if (state === 'PartialDisruption' && this.#nodes.lister.list().length <= LARGE_CLUSTER_SIZE_THRESHOLD) return;
    const interval = state === 'PartialDisruption' ? NODE_EVICTION_INTERVAL_MS * 10 : NODE_EVICTION_INTERVAL_MS;
    const last = this.#lastTainting.get(zone);
    if (last !== undefined && now < last + interval) return { requeueAfter: last + interval - now };
    this.#lastTainting.set(zone, now);
    await this.#setTaints(current, [[TAINT_UNREACHABLE, 'NoSchedule'], [TAINT_UNREACHABLE, 'NoExecute']], [TAINT_NOT_READY]);
  }

  /** ComputeZoneState: every node not ready is a full disruption; more than 2 and ≥55% a partial one. */
  #zoneState(zone: string): ZoneState {
    let total = 0;
    let notReady = 0;
    for (const n of this.#nodes.lister.list()) {
      if (zoneKey(n) !== zone) continue;
      total++;
      if (nodeReadyCondition(n)?.status !== 'True') notReady++;
    }
    if (total > 0 && notReady === total) return 'FullDisruption';
    if (notReady > 2 && notReady / total >= UNHEALTHY_ZONE_THRESHOLD) return 'PartialDisruption';
    return 'Normal';
  }

  /** The kubelet's conditions go Unknown; the node event; its pods are marked not ready. */
  async #markUnknown(node: Node): Promise<Node> {
    const now = this.ctx.clock.timestamp();
    const conditions = (node.status?.conditions ?? []).map((c): Condition => {
      if (!KUBELET_CONDITIONS.includes(c.type) || c.status === 'Unknown') return c;
      return { ...c, status: 'Unknown', reason: 'NodeStatusUnknown', message: STOPPED_MESSAGE, lastTransitionTime: now };
    });
    const written = await this.ctx.store.updateStatus<Node>({ ...node, status: { ...(node.status ?? {}), conditions } });
    await this.ctx.events.record(written, 'Normal', 'NodeNotReady', `Node ${node.metadata.name} status is now: NodeNotReady`, NODE_CONTROLLER_COMPONENT);
    // MarkPodsNotReady: only the Ready condition changes; the event follows the write.
    for (const pod of podsOnNode(this.#pods, node.metadata.name!)) {
      const ready = pod.status?.conditions?.find((c) => c.type === 'Ready');
      if (!ready || ready.status === 'False') continue;
      const conds = setCondition(pod.status!.conditions, { ...ready, status: 'False', lastTransitionTime: undefined }, now);
      let updated: Pod;
      try {
        updated = await this.ctx.store.updateStatus<Pod>({ ...pod, status: { ...pod.status, conditions: conds } });
      } catch {
        continue;
      }
      await this.ctx.events.record(updated, 'Warning', 'NodeNotReady', 'Node is not ready', NODE_CONTROLLER_COMPONENT);
    }
    return this.#nodes.lister.get(undefined, node.metadata.name!) ?? written;
  }

  /** Adds the wanted taints that are missing (timeAdded now) and removes every taint of `dropKeys`; one write. */
  async #setTaints(node: Node, want: [string, Taint['effect']][], dropKeys: string[]): Promise<Node> {
    const now = this.ctx.clock.timestamp();
    const taints = node.spec.taints ?? [];
    const keep = taints.filter((t) => !dropKeys.includes(t.key));
    const added: Taint[] = [];
    for (const [key, effect] of want) if (!keep.some((t) => isTaint(t, key, effect))) added.push({ key, effect, timeAdded: now });
    const next = [...keep, ...added];
    if (next.length === taints.length && added.length === 0) return node;
    const spec = { ...node.spec, taints: next };
    if (next.length === 0) delete (spec as { taints?: Taint[] }).taints;
    return this.ctx.store.update<Node>({ ...node, spec });
  }
}
