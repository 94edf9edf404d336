// ObjectMeta and the shape every stored object shares (apimachinery's metav1).

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
}

/** Any Kubernetes object: apiVersion, kind, metadata, and whatever else its kind has. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

export interface LabelSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}

/** metav1.LabelSelector. */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  lastHeartbeatTime?: string;
  lastProbeTime?: string;
  lastUpdateTime?: string;
  observedGeneration?: number;
}

/** `namespace/name`, or `name` for cluster-scoped objects: the key stores and work queues use. */
export function objectKey(o: { metadata: ObjectMeta }): string {
  const ns = o.metadata.namespace;
  return ns ? namespacePrefix(ns) + o.metadata.name : `${o.metadata.name}`;
}

const NAMESPACE_PREFIXES = new Map<string, string>();

/** `<namespace>/`, one string per namespace: keys held by the million then share it. */
export function namespacePrefix(ns: string): string {
  let p = NAMESPACE_PREFIXES.get(ns);
  if (p === undefined) {
    if (NAMESPACE_PREFIXES.size >= 4096) NAMESPACE_PREFIXES.clear();
    NAMESPACE_PREFIXES.set(ns, (p = `${ns}/`));
  }
  return p;
}
