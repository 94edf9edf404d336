// The kubelet's node status manager, acting for every node: registers a Node that has no
// conditions yet (a node without an InternalIP gets the next free address of
// cluster.nodeNetwork), and after the timeline restarts a stopped kubelet posts a healthy
// status again. A stopped kubelet posts nothing; the node lifecycle controller notices.
import type { Condition } from '../api/meta.js';
import type { Node, NodeAddress } from '../api/types.js';
import { formatIP, parseCIDRSloppy } from '../ipam/cidr.js';
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

/** The kubelets' node status posting, keyed by node. */
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

  async reconcile(name: string): Promise<ReconcileResult | undefined> {
    const node = this.#nodes.lister.get(undefined, name);
    if (!node || kubeletStopped(node)) return;
    if (node.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True') return;
    const now = this.ctx.clock.timestamp();
    const fresh = registeredNodeStatus(node, now, this.ctx.cluster.cni);
    if (!fresh.addresses?.some((a) => a.type === 'InternalIP')) {
      const ip = this.#freeNodeIP();
      if (ip) fresh.addresses = [{ type: 'InternalIP', address: ip }, ...(fresh.addresses ?? [])];
    }
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

  /** The next address of cluster.nodeNetwork no node uses, from the network's .2 on (as kind hands them out). */
  #freeNodeIP(): string | undefined {
    const net = this.ctx.cluster.nodeNetwork ? parseCIDRSloppy(this.ctx.cluster.nodeNetwork) : undefined;
    if (!net) return undefined;
    const used = new Set<string>();
    for (const n of this.#nodes.lister.list()) for (const a of n.status?.addresses ?? ([] as NodeAddress[])) used.add(a.address);
    const last = net.base + net.size - (net.family === 4 ? 2n : 1n);
    for (let v = net.base + 2n; v <= last; v++) {
      const ip = formatIP(v, net.family);
      if (!used.has(ip)) return ip;
    }
    return undefined;
  }
}
