// The pods-by-node index every node-side controller shares on the Pod informer (the kubelet's
// pod source, the node lifecycle and taint managers, the scheduler's requeue logic).
import type { Pod } from '../api/types.js';
import { ensureIndexer } from '../controllers/controllerref.js';
import type { Informer } from '../store/informer.js';

export const PODS_BY_NODE_INDEX = 'netsim/pods-by-node';

const byNode = (p: Pod): readonly string[] => (p.spec?.nodeName ? [p.spec.nodeName] : []);

/** Registers the index once on the shared Pod informer. */
export function ensurePodsByNodeIndex(pods: Informer<Pod>): void {
  ensureIndexer(pods, PODS_BY_NODE_INDEX, byNode);
}

/** Pods bound to `node`, sorted by namespace/name. */
export function podsOnNode(pods: Informer<Pod>, node: string): Pod[] {
  return pods.byIndex(PODS_BY_NODE_INDEX, node);
}
