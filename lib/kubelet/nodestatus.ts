// The kubelet's node status manager, acting for every node: registers a Node that has no
// conditions yet, and after the timeline restarts a stopped kubelet posts a healthy status
// again. A stopped kubelet posts nothing; the node lifecycle controller notices.
import type { Condition } from '../api/meta.js';
import type { Node } from '../api/types.js';
import type { Controller, ControllerContext, ReconcileResult } from '../reconcile/controller.js';
import { WorkQueue } from '../reconcile/workqueue.js';
import type { Informer } from '../store/informer.js';
import { kubeletStopped, registeredNodeStatus } from './node.js';

/** Transition events of the kubelet's condition setters, in the order it records them. */
const CONDITION_EVENTS: [string, string][] = [
  ['MemoryPressure', 'NodeHasSufficientMemory'],
  ['DiskPressure', 'NodeHasNoDiskPressure'],
  ['PIDPressure', 'NodeHasSufficientPID'],
];

export class NodeStatusController implements Controller {
  readonly name = 'kubelet-node-status';
  readonly queue: WorkQueue;
  readonly #nodes: Informer<Node>;

  constructor(private readonly ctx: ControllerContext) {
    this.queue = new WorkQueue(this.name, ctx.timers);
    this.#nodes = ctx.informers.for<Node>('Node');
    this.#nodes.on('add', (n) => this.queue.add(n.metadata.name!));
    this.#nodes.on('update', (o, n) => {
      if (kubeletStopped(o) !== kubeletStopped(n) || !n.status?.conditions?.length) this.queue.add(n.metadata.name!);
    });
  }

  async reconcile(name: string): Promise<ReconcileResult | void> {
    const node = this.#nodes.lister.get(undefined, name);
    if (!node || kubeletStopped(node)) return;
    if (node.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True') return;
    const now = this.ctx.clock.timestamp();
    const fresh = registeredNodeStatus(node, now, this.ctx.cluster.cni);
    // A restart keeps the transition time of conditions whose status did not change.
    const prev = new Map((node.status?.conditions ?? []).map((c) => [c.type, c] as const));
    fresh.conditions = (fresh.conditions ?? []).map((c): Condition => {
      const p = prev.get(c.type);
      return p && p.status === c.status ? { ...c, lastTransitionTime: p.lastTransitionTime } : c;
    });
    const written = await this.ctx.store.updateStatus<Node>({ ...node, status: fresh });
    const rec = (reason: string, message: string) => this.ctx.events.record(written, 'Normal', reason, message, 'kubelet', name);
    await rec('Starting', 'Starting kubelet.');
    for (const [type, reason] of CONDITION_EVENTS) {
      if (prev.get(type)?.status !== 'False') await rec(reason, `Node ${name} status is now: ${reason}`);
    }
    await rec('NodeAllocatableEnforced', 'Updated Node Allocatable limit across pods');
    await rec('NodeReady', `Node ${name} status is now: NodeReady`);
  }
}
