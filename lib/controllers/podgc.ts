// The pod garbage collector's orphan sweep (pkg/controller/podgc gcOrphaned): pods bound to a
// node that does not exist are, after a 40 s quarantine, marked Failed with the
// DisruptionTarget condition (DeletionByPodGC) and deleted. This is what removes a deleted
// node's pods, so their controllers (a DaemonSet's among them) follow the node's removal.
// Upstream checks every 20 s, so its delay is 40-60 s; here it is exactly the quarantine.
import type { Node, Pod } from '../api/types.js';
import { podNodeValues } from '../kubelet/podindex.js';
import type { Controller, ControllerContext } from '../reconcile/controller.js';
import { WorkQueue } from '../reconcile/workqueue.js';
import type { Informer } from '../store/informer.js';
import { ensureIndexer, ignoreNotFound } from './controllerref.js';

/** Time a node must stay missing before its pods are collected. */
export const POD_GC_QUARANTINE_MS = 40_000;
const POD_NODE_INDEX = 'workloads/node-name';

/** Deletes pods whose node no longer exists. */
export class PodGCController implements Controller {
  readonly name = 'podgc';
  readonly queue: WorkQueue;
  readonly #pods: Informer<Pod>;
  readonly #nodes: Informer<Node>;

  constructor(private readonly ctx: ControllerContext) {
    this.queue = new WorkQueue(this.name, ctx.timers);
    this.#pods = ctx.informers.for<Pod>('Pod');
    this.#nodes = ctx.informers.for<Node>('Node');
    ensureIndexer(this.#pods, POD_NODE_INDEX, podNodeValues);
    this.#nodes.on('delete', (n) => this.queue.addAfter(n.metadata.name!, POD_GC_QUARANTINE_MS));
    const podBound = (p: Pod) => {
      const n = p.spec.nodeName;
      if (n && !this.#nodes.lister.get(undefined, n)) this.queue.addAfter(n, POD_GC_QUARANTINE_MS);
    };
    this.#pods.on('add', podBound).on('update', (old, cur) => {
      if (old.spec.nodeName !== cur.spec.nodeName) podBound(cur);
    });
  }

  async reconcile(nodeName: string): Promise<undefined> {
    if (this.#nodes.lister.get(undefined, nodeName)) return undefined;
    for (const pod of this.#pods.byIndex(POD_NODE_INDEX, nodeName)) {
      const phase = pod.status?.phase;
      if (phase !== 'Succeeded' && phase !== 'Failed') {
        const status = structuredClone(pod.status ?? {});
        status.phase = 'Failed';
        const now = this.ctx.clock.timestamp();
        status.conditions = [
          ...(status.conditions ?? []).filter((c) => c.type !== 'DisruptionTarget'),
          { type: 'DisruptionTarget', status: 'True', reason: 'DeletionByPodGC', message: 'PodGC: node no longer exists', lastTransitionTime: now },
        ];
        await ignoreNotFound(this.ctx.store.updateStatus({ ...pod, status }));
      }
      await ignoreNotFound(this.ctx.store.delete('Pod', pod.metadata.namespace, pod.metadata.name!, { uid: pod.metadata.uid }));
    }
    return undefined;
  }
}
