// Validation of Kubernetes objects as the API server does it after defaulting: one entry point
// for create and one for update, dispatching on kind, reporting every error at once.
//
// The API server runs, in order: defaulting (lib/api/defaults.ts applyDefaults), admission
// (admitDefaultTolerations), name generation, then for Services the allocator (cluster IPs,
// families, node ports, health-check node port), then validation. validateObject expects that
// pipeline: e.g. a LoadBalancer Service with externalTrafficPolicy Local and no
// healthCheckNodePort is reported as Required, and a Job needs its generated selector
// (defaultJobSelector) and metadata.uid.
import type { FieldError } from '../errors.js';
import type { KubeObject } from '../meta.js';
import { kindInfo } from '../types.js';
import { validateDaemonSet, validateDaemonSetUpdate, validateDeployment, validateDeploymentUpdate, validateReplicaSet, validateReplicaSetUpdate, validateStatefulSet, validateStatefulSetUpdate } from './apps.js';
import { validateHorizontalPodAutoscaler, validateHorizontalPodAutoscalerUpdate } from './autoscaling.js';
import { validateJob, validateJobUpdate } from './batch.js';
import { validateConfigMap, validateConfigMapUpdate, validateEndpoints, validateNamespace, validateNode, validateNodeUpdate, validatePod, validatePodUpdate, validateReplicationController } from './core.js';
import { validateEndpointSlice, validateEndpointSliceUpdate } from './discovery.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './meta.js';
import { nameIsDNSSubdomain } from './names.js';
import { validateIngress, validateIngressClass, validateIngressClassUpdate, validateNetworkPolicy } from './networking.js';
import { validateService, validateServiceUpdate } from './service.js';
import type { Obj } from './values.js';

/** Cluster settings some checks need (the allocator's ranges). */
export interface ValidationOptions {
  /** Service CIDRs (one per family): a requested clusterIP must lie in the one of its family. */
  serviceCIDRs?: string[];
  /** The node-port range (--service-node-port-range): requested nodePorts must lie in it. */
  nodePortRange?: { base: number; size: number };
}

type Create = (o: Obj, opts: ValidationOptions) => FieldError[];
type Update = (o: Obj, old: Obj, opts: ValidationOptions) => FieldError[];

const CREATE: Record<string, Create> = {
  Pod: (o) => validatePod(o),
  Service: (o, opts) => validateService(o, opts),
  Node: (o) => validateNode(o),
  Namespace: (o) => validateNamespace(o),
  Endpoints: (o) => validateEndpoints(o),
  ConfigMap: (o) => validateConfigMap(o),
  ReplicationController: (o) => validateReplicationController(o),
  EndpointSlice: (o) => validateEndpointSlice(o),
  Deployment: (o) => validateDeployment(o),
  ReplicaSet: (o) => validateReplicaSet(o),
  StatefulSet: (o) => validateStatefulSet(o),
  DaemonSet: (o) => validateDaemonSet(o),
  Job: (o) => validateJob(o),
  Ingress: (o) => validateIngress(o),
  IngressClass: (o) => validateIngressClass(o),
  NetworkPolicy: (o) => validateNetworkPolicy(o),
  HorizontalPodAutoscaler: (o) => validateHorizontalPodAutoscaler(o),
  // Events are only checked for a sane name here.
  Event: (o) => validateObjectMeta(o.metadata, true, nameIsDNSSubdomain),
};

const UPDATE: Record<string, Update> = {
  Pod: (o, old) => validatePodUpdate(o, old),
  Service: (o, old, opts) => validateServiceUpdate(o, old, opts),
  Node: (o, old) => validateNodeUpdate(o, old),
  ConfigMap: (o, old) => validateConfigMapUpdate(o, old),
  EndpointSlice: (o, old) => validateEndpointSliceUpdate(o, old),
  Deployment: (o, old) => validateDeploymentUpdate(o, old),
  ReplicaSet: (o, old) => validateReplicaSetUpdate(o, old),
  StatefulSet: (o, old) => validateStatefulSetUpdate(o, old),
  DaemonSet: (o, old) => validateDaemonSetUpdate(o, old),
  Job: (o, old) => validateJobUpdate(o, old),
  IngressClass: (o, old) => validateIngressClassUpdate(o, old),
  HorizontalPodAutoscaler: (o, old) => validateHorizontalPodAutoscalerUpdate(o, old),
};

/** As field.ErrorList.ToAggregate: an error reported twice (same text) is shown once. */
function dedupe(errs: FieldError[]): FieldError[] {
  const seen = new Set<string>();
  return errs.filter((e) => {
    const s = String(e);
    if (seen.has(s)) return false;
    seen.add(s);
    return true;
  });
}

/** Create validation: every FieldError of `obj` (empty when valid); unknown kinds get metadata checks only. */
export function validateObject(obj: KubeObject, opts: ValidationOptions = {}): FieldError[] {
  const o = obj as unknown as Obj;
  const fn = CREATE[obj.kind];
  if (fn) return dedupe(fn(o, opts));
  const namespaced = kindInfo(obj.kind)?.namespaced ?? Boolean(obj.metadata?.namespace);
  return dedupe(validateObjectMeta(o.metadata, namespaced, nameIsDNSSubdomain));
}

/**
 * Update validation: the create rules plus what may not change (metadata.name/namespace/uid,
 * workload selectors, Job templates, most StatefulSet fields, Service clusterIPs, ...).
 */
export function validateObjectUpdate(obj: KubeObject, old: KubeObject, opts: ValidationOptions = {}): FieldError[] {
  const o = obj as unknown as Obj;
  const prev = old as unknown as Obj;
  const fn = UPDATE[obj.kind];
  if (fn) return dedupe(fn(o, prev, opts));
  return dedupe([...validateObjectMetaUpdate(o.metadata, prev.metadata), ...validateObject(obj, opts)]);
}

export { TOTAL_ANNOTATION_SIZE_LIMIT, validateObjectMeta } from './meta.js';
