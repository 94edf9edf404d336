// The node IPAM controller with the range allocator (kube-controller-manager
// --allocate-node-cidrs): each Node gets spec.podCIDR/podCIDRs, one subnet per cluster CIDR;
// CIDRs a node already declares are marked used first; when the cluster CIDR is exhausted the
// node stays without one and a CIDRNotAvailable event says so; a deleted node's subnets are
// freed and the nodes still waiting are tried again.
import type { Node } from '../api/types.js';
import { NodeCIDRAllocator } from '../ipam/nodecidr.js';
import type { Controller, ControllerContext, ReconcileResult } from '../reconcile/controller.js';
import { WorkQueue } from '../reconcile/workqueue.js';
import type { Informer } from '../store/informer.js';

/** The event source of the range allocator. */
export const CIDR_ALLOCATOR_COMPONENT = 'cidrAllocator';

function podCIDRsOf(node: Node): string[] {
  if (node.spec.podCIDRs?.length) return node.spec.podCIDRs;
  return node.spec.podCIDR ? [node.spec.podCIDR] : [];
}

/** The range allocator, keyed by node. */
export class NodeIPAMController implements Controller {
  readonly name = 'node-ipam-controller';
  readonly queue: WorkQueue;
  readonly allocator: NodeCIDRAllocator;
  readonly #nodes: Informer<Node>;
  #occupied = false;
  /** Nodes left without a CIDR: tried again when a node is deleted. */
  readonly #waiting = new Set<string>();

  constructor(private readonly ctx: ControllerContext) {
    this.queue = new WorkQueue(this.name, ctx.timers);
    this.allocator = new NodeCIDRAllocator({
      clusterCIDRs: ctx.cluster.clusterCIDR,
      nodeCIDRMaskSize: ctx.cluster.nodeCIDRMaskSize,
      nodeCIDRMaskSizeIPv6: ctx.cluster.nodeCIDRMaskSizeIPv6,
      serviceCIDRs: ctx.cluster.serviceCIDR,
    });
    this.#nodes = ctx.informers.for<Node>('Node');
    this.#nodes.on('add', (n) => this.queue.add(n.metadata.name!));
    this.#nodes.on('update', (o, n) => {
      if (podCIDRsOf(o).join() !== podCIDRsOf(n).join()) this.queue.add(n.metadata.name!);
    });
    this.#nodes.on('delete', (n) => this.queue.add(n.metadata.name!));
  }

  async reconcile(name: string): Promise<ReconcileResult | undefined> {
    // As NewCIDRRangeAllocator: the CIDRs existing nodes hold are marked before any allocation.
    if (!this.#occupied) {
      this.#occupied = true;
      for (const n of this.#nodes.lister.list()) {
        const cidrs = podCIDRsOf(n);
        if (cidrs.length) this.allocator.occupy(n.metadata.name!, cidrs);
      }
    }
    const node = this.#nodes.lister.get(undefined, name);
    if (!node) {
      this.#waiting.delete(name);
      if (this.allocator.release(name)) for (const w of [...this.#waiting].sort()) this.queue.add(w);
      return;
    }
    const have = podCIDRsOf(node);
    if (have.length) {
      this.#waiting.delete(name);
      this.allocator.occupy(name, have);
      return;
    }
    const r = this.allocator.allocate(name);
    if (!r.ok) {
      this.#waiting.add(name);
      // RecordNodeStatusChange: a Normal event named after the new status.
      await this.ctx.events.record(node, 'Normal', r.reason, r.message, CIDR_ALLOCATOR_COMPONENT);
      return;
    }
    this.#waiting.delete(name);
    try {
      await this.ctx.store.update<Node>({ ...node, spec: { ...node.spec, podCIDR: r.podCIDRs[0], podCIDRs: r.podCIDRs } });
    } catch (e) {
      // The write failed: give the subnets back so the retry starts clean.
      this.allocator.release(name);
      throw e;
    }
  }
}
