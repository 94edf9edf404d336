// The taint eviction controller (pkg/controller/tainteviction): pods on a node with NoExecute
// taints are deleted — at once when they do not tolerate a taint, else after the smallest
// tolerationSeconds of the tolerations that matched (counted from when the pod was first seen
// under the taint); a pod whose taints go away before that is spared.
import { objectKey } from '../api/meta.js';
import type { Node, Pod, Taint } from '../api/types.js';
import { ensurePodsByNodeIndex, podsOnNode } from '../kubelet/podindex.js';
import { setCondition } from '../kubelet/podstatus.js';
import type { Controller, ControllerContext, ReconcileResult } from '../reconcile/controller.js';
import { WorkQueue } from '../reconcile/workqueue.js';
import { matchingTolerations, minTolerationMs } from '../scheduler/taints.js';
import type { Informer } from '../store/informer.js';
import { deepEqual } from '../store/memory.js';

export const TAINT_EVICTION_COMPONENT = 'taint-eviction-controller';

const noExecute = (n: Node | undefined): Taint[] => (n?.spec.taints ?? []).filter((t) => t.effect === 'NoExecute');

/** NoExecute evictions, keyed by pod. */
export class TaintEvictionController implements Controller {
  readonly name = 'taint-eviction-controller';
  readonly queue: WorkQueue;
  readonly #pods: Informer<Pod>;
  readonly #nodes: Informer<Node>;
  /** Pending evictions: pod key -> (uid, when the pod was first found under the taints). */
  readonly #scheduled = new Map<string, { uid: string; createdAt: number }>();

  constructor(private readonly ctx: ControllerContext) {
    this.queue = new WorkQueue(this.name, ctx.timers);
    this.#pods = ctx.informers.for<Pod>('Pod');
    this.#nodes = ctx.informers.for<Node>('Node');
    ensurePodsByNodeIndex(this.#pods);
    const nodeChanged = (o: Node | undefined, n: Node) => {
      if (deepEqual(noExecute(o), noExecute(n))) return;
      for (const p of podsOnNode(this.#pods, n.metadata.name!)) this.queue.add(objectKey(p));
    };
    this.#nodes.on('add', (n) => nodeChanged(undefined, n));
    this.#nodes.on('update', nodeChanged);
    this.#pods.on('add', (p) => {
      if (p.spec.nodeName && noExecute(this.#nodes.lister.get(undefined, p.spec.nodeName)).length) this.queue.add(objectKey(p));
    });
    this.#pods.on('update', (o, p) => {
      if (o.spec === p.spec || !p.spec.nodeName) return;
      if (o.spec.nodeName === p.spec.nodeName && deepEqual(o.spec.tolerations, p.spec.tolerations)) return;
      // Only pods under NoExecute taints, or with an eviction pending, have anything to do:
      // binding 150,000 pods to untainted nodes must not cost a reconcile each.
      const key = objectKey(p);
      if (this.#scheduled.has(key) || noExecute(this.#nodes.lister.get(undefined, p.spec.nodeName)).length) this.queue.add(key);
    });
    this.#pods.on('delete', (p) => this.#scheduled.delete(objectKey(p)));
  }

  async reconcile(key: string): Promise<ReconcileResult | undefined> {
    const slash = key.indexOf('/');
    const pod = this.#pods.lister.get(key.slice(0, slash), key.slice(slash + 1));
    const pending = this.#scheduled.get(key);
    if (!pod?.spec.nodeName || (pending && pending.uid !== pod.metadata.uid)) {
      this.#scheduled.delete(key);
      if (!pod?.spec.nodeName) return;
    }
    const taints = noExecute(this.#nodes.lister.get(undefined, pod.spec.nodeName));
    if (taints.length === 0) {
      await this.#cancel(key, pod);
      return;
    }
    const { tolerated, used } = matchingTolerations(taints, pod.spec.tolerations);
    if (!tolerated) {
      await this.#evict(key, pod);
      return;
    }
    const min = minTolerationMs(used);
    if (min < 0) {
      await this.#cancel(key, pod);
      return;
    }
    const now = this.ctx.clock.now();
    let entry = this.#scheduled.get(key);
    if (!entry) this.#scheduled.set(key, (entry = { uid: pod.metadata.uid ?? '', createdAt: now }));
    const due = entry.createdAt + min;
    if (now >= due) {
      await this.#evict(key, pod);
      return;
    }
    return { requeueAfter: due - now };
  }

  async #cancel(key: string, pod: Pod): Promise<void> {
    if (!this.#scheduled.delete(key)) return;
    await this.ctx.events.record(pod, 'Normal', 'TaintManagerEviction', `Cancelling deletion of Pod ${key}`, TAINT_EVICTION_COMPONENT);
  }

  /** The event, then addConditionAndDeletePod: the DisruptionTarget condition and the delete. */
  async #evict(key: string, pod: Pod): Promise<void> {
    this.#scheduled.delete(key);
    await this.ctx.events.record(pod, 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${key}`, TAINT_EVICTION_COMPONENT);
    const now = this.ctx.clock.timestamp();
    const conditions = setCondition(pod.status?.conditions, {
      type: 'DisruptionTarget', status: 'True', reason: 'DeletionByTaintManager', message: 'Taint manager: deleting due to NoExecute taint',
    }, now);
    try {
      await this.ctx.store.updateStatus<Pod>({ ...pod, status: { ...(pod.status ?? {}), conditions } });
      await this.ctx.store.delete('Pod', pod.metadata.namespace, pod.metadata.name!, { uid: pod.metadata.uid });
    } catch {
      // Gone already.
    }
  }
}
