// The pods-by-node index every node-side controller shares on the Pod informer (the kubelet's
// pod source, the node lifecycle and taint managers, the scheduler's requeue logic).
import type { Pod } from '../api/types.js';
import { ensureIndexer } from '../controllers/controllerref.js';
import type { Informer } from '../store/informer.js';

export const PODS_BY_NODE_INDEX = 'netsim/pods-by-node';

const NO_NODE: readonly string[] = [];
/** One index answer per node name: every pod write re-indexes the pod, mostly to the same node. */
const NODE_VALUES = new Map<string, readonly string[]>();

/** Index values of a pod by spec.nodeName (none while unscheduled). */
export function podNodeValues(p: Pod): readonly string[] {
  const n = p.spec?.nodeName;
  if (!n) return NO_NODE;
  let v = NODE_VALUES.get(n);
  if (v === undefined) {
    if (NODE_VALUES.size >= 65_536) NODE_VALUES.clear();
    NODE_VALUES.set(n, (v = [n]));
  }
  return v;
}

const byNode = podNodeValues;

/** Registers the index once on the shared Pod informer. */
export function ensurePodsByNodeIndex(pods: Informer<Pod>): void {
  ensureIndexer(pods, PODS_BY_NODE_INDEX, byNode);
}

/** Pods bound to `node`, sorted by namespace/name. */
export function podsOnNode(pods: Informer<Pod>, node: string): Pod[] {
  return pods.byIndex(PODS_BY_NODE_INDEX, node);
}
