// Defaulting as the API server applies it to a decoded object before validation: the v1
// SetDefaults_* functions of pkg/apis/{core,apps,batch,autoscaling,networking,discovery}, plus
// the registry steps that must precede validation (namespace for namespaced kinds, cleared
// namespace for cluster-scoped ones, a Service's clusterIPs from its clusterIP).
//
// Not done here, because later stages own them: the Service allocator sets clusterIP(s),
// ipFamilies, ipFamilyPolicy (SingleStack unless dual-stack was asked for), nodePorts and
// healthCheckNodePort; name generation (generateName); a Job's generated selector
// (defaultJobSelector, which needs the uid); admission plugins (admitDefaultTolerations).
// Every function mutates in place and never throws, whatever the input's shape.
import type { KubeObject } from './meta.js';
import { kindInfo } from './types.js';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const absent = (v: unknown) => v === undefined || v === null;
const isEmpty = (v: unknown) => v === undefined || v === null || v === '';
/** The object at `o[k]`, created when absent; undefined when something else is there. */
function ensureObj(o: Obj, k: string): Obj | undefined {
  if (absent(o[k])) o[k] = {};
  return isObj(o[k]) ? (o[k] as Obj) : undefined;
}
const objs = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObj) : []);

/** v1.DefaultTerminationGracePeriodSeconds. */
export const DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS = 30;
/** v1.DefaultSchedulerName. */
export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';
/** v1.DefaultClientIPServiceAffinitySeconds (3 hours). */
export const DEFAULT_CLIENT_IP_AFFINITY_SECONDS = 10800;
/** The DefaultTolerationSeconds admission plugin's default for not-ready and unreachable nodes. */
export const DEFAULT_TOLERATION_SECONDS = 300;
/** autoscaling.DefaultCPUUtilization. */
export const DEFAULT_CPU_UTILIZATION = 80;

// ---- pods ----

/** The tag of an image reference as the kubelet's parser sees it: `latest` when none, '' when only a digest. */
function imageTag(image: string): string {
  if (image === '') return '';
  const at = image.indexOf('@');
  const name = at >= 0 ? image.slice(0, at) : image;
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  // The repository path must be lower case; an invalid reference has no tag.
  const repo = colon > slash ? name.slice(0, colon) : name;
  const firstSlash = repo.indexOf('/');
  const host = firstSlash >= 0 ? repo.slice(0, firstSlash) : '';
  const hasDomain = host.includes('.') || host.includes(':') || host === 'localhost';
  const path = hasDomain ? repo.slice(firstSlash + 1) : repo;
  if (path === '' || /[A-Z]/.test(path)) return '';
  if (colon > slash) return name.slice(colon + 1);
  return at >= 0 ? '' : 'latest';
}

function defaultProbe(p: unknown): void {
  if (!isObj(p)) return;
  if (isEmpty(p.timeoutSeconds) || p.timeoutSeconds === 0) p.timeoutSeconds = 1;
  if (isEmpty(p.periodSeconds) || p.periodSeconds === 0) p.periodSeconds = 10;
  if (isEmpty(p.successThreshold) || p.successThreshold === 0) p.successThreshold = 1;
  if (isEmpty(p.failureThreshold) || p.failureThreshold === 0) p.failureThreshold = 3;
  defaultHTTPGet(p.httpGet);
}

function defaultHTTPGet(h: unknown): void {
  if (!isObj(h)) return;
  if (isEmpty(h.path)) h.path = '/';
  if (isEmpty(h.scheme)) h.scheme = 'HTTP';
}

/** SetDefaults_Container and the per-field defaults of a container (ports, probes, env). */
export function defaultContainer(c: Obj): void {
  if (isEmpty(c.imagePullPolicy)) c.imagePullPolicy = imageTag(typeof c.image === 'string' ? c.image : '') === 'latest' ? 'Always' : 'IfNotPresent';
  if (isEmpty(c.terminationMessagePath)) c.terminationMessagePath = '/dev/termination-log';
  if (isEmpty(c.terminationMessagePolicy)) c.terminationMessagePolicy = 'File';
  for (const p of objs(c.ports)) if (isEmpty(p.protocol)) p.protocol = 'TCP';
  defaultProbe(c.livenessProbe);
  defaultProbe(c.readinessProbe);
  defaultProbe(c.startupProbe);
  if (isObj(c.lifecycle)) for (const h of [c.lifecycle.postStart, c.lifecycle.preStop]) if (isObj(h)) defaultHTTPGet(h.httpGet);
  for (const e of objs(c.env)) {
    const fieldRef = isObj(e.valueFrom) ? e.valueFrom.fieldRef : undefined;
    if (isObj(fieldRef) && isEmpty(fieldRef.apiVersion)) fieldRef.apiVersion = 'v1';
  }
}

/** SetDefaults_PodSpec (shared by pods and pod templates) and its containers and volumes. */
export function defaultPodSpec(spec: Obj): void {
  if (isEmpty(spec.dnsPolicy)) spec.dnsPolicy = 'ClusterFirst';
  if (isEmpty(spec.restartPolicy)) spec.restartPolicy = 'Always';
  if (absent(spec.securityContext)) spec.securityContext = {};
  if (absent(spec.terminationGracePeriodSeconds)) spec.terminationGracePeriodSeconds = DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS;
  if (isEmpty(spec.schedulerName)) spec.schedulerName = DEFAULT_SCHEDULER_NAME;
  for (const v of objs(spec.volumes)) {
    // SetDefaults_Volume: a volume that names no source is an emptyDir.
    if (Object.keys(v).every((k) => k === 'name' || absent(v[k]))) v.emptyDir = {};
  }
  for (const c of [...objs(spec.containers), ...objs(spec.initContainers)]) defaultContainer(c);
}

/** A pod template: its spec is defaulted like a pod's (but without the Pod-only defaults). */
export function defaultPodTemplateSpec(template: Obj): void {
  const spec = ensureObj(template, 'spec');
  if (spec) defaultPodSpec(spec);
}

/** SetDefaults_Pod: service links on, requests from limits, host ports under hostNetwork; then the spec. */
export function defaultPod(pod: Obj): void {
  const spec = ensureObj(pod, 'spec');
  if (!spec) return;
  for (const c of [...objs(spec.containers), ...objs(spec.initContainers)]) {
    if (!isObj(c.resources) || !isObj(c.resources.limits)) continue;
    const limits = c.resources.limits;
    if (absent(c.resources.requests)) c.resources.requests = {};
    const requests = c.resources.requests;
    if (!isObj(requests)) continue;
    for (const k of Object.keys(limits)) if (!(k in requests)) requests[k] = limits[k];
  }
  if (absent(spec.enableServiceLinks)) spec.enableServiceLinks = true;
  if (spec.hostNetwork === true) {
    for (const c of [...objs(spec.containers), ...objs(spec.initContainers)]) {
      for (const p of objs(c.ports)) if ((isEmpty(p.hostPort) || p.hostPort === 0) && !absent(p.containerPort)) p.hostPort = p.containerPort;
    }
  }
  defaultPodSpec(spec);
}

/**
 * The DefaultTolerationSeconds admission plugin: tolerate not-ready and unreachable nodes for
 * 300 s unless the pod already tolerates those NoExecute taints (an empty key or effect counts).
 */
export function admitDefaultTolerations(pod: KubeObject): void {
  const spec = ensureObj(pod as unknown as Obj, 'spec');
  if (!spec) return;
  if (absent(spec.tolerations)) spec.tolerations = [];
  if (!Array.isArray(spec.tolerations)) return;
  const tolerations = spec.tolerations as unknown[];
  const tolerates = (key: string) =>
    objs(tolerations).some((t) => (t.key === key || isEmpty(t.key)) && (t.effect === 'NoExecute' || isEmpty(t.effect)));
  const add = ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable'].filter((key) => !tolerates(key))
    .map((key) => ({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: DEFAULT_TOLERATION_SECONDS }));
  // concat, not push: a right-sized array (every pod keeps one).
  if (add.length) spec.tolerations = tolerations.concat(add);
}

// ---- services ----

/** ExternallyAccessible: LoadBalancer, NodePort, or ClusterIP with external IPs. */
function externallyAccessible(spec: Obj): boolean {
  return spec.type === 'LoadBalancer' || spec.type === 'NodePort' || (spec.type === 'ClusterIP' && Array.isArray(spec.externalIPs) && spec.externalIPs.length > 0);
}

/** SetDefaults_Service. */
export function defaultService(svc: Obj): void {
  const spec = ensureObj(svc, 'spec');
  if (!spec) return;
  if (isEmpty(spec.sessionAffinity)) spec.sessionAffinity = 'None';
  if (spec.sessionAffinity === 'None') delete spec.sessionAffinityConfig;
  if (spec.sessionAffinity === 'ClientIP') {
    const cfg = spec.sessionAffinityConfig;
    const clientIP = isObj(cfg) ? cfg.clientIP : undefined;
    if (!isObj(cfg) || !isObj(clientIP) || absent(clientIP.timeoutSeconds)) {
      spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: DEFAULT_CLIENT_IP_AFFINITY_SECONDS } };
    }
  }
  if (isEmpty(spec.type)) spec.type = 'ClusterIP';
  for (const p of objs(spec.ports)) {
    if (isEmpty(p.protocol)) p.protocol = 'TCP';
    if ((absent(p.targetPort) || p.targetPort === 0 || p.targetPort === '') && !absent(p.port)) p.targetPort = p.port;
  }
  if (externallyAccessible(spec) && isEmpty(spec.externalTrafficPolicy)) spec.externalTrafficPolicy = 'Cluster';
  if (absent(spec.internalTrafficPolicy) && (spec.type === 'NodePort' || spec.type === 'LoadBalancer' || spec.type === 'ClusterIP')) {
    spec.internalTrafficPolicy = 'Cluster';
  }
  if (spec.type === 'LoadBalancer' && absent(spec.allocateLoadBalancerNodePorts)) spec.allocateLoadBalancerNodePorts = true;
  if (spec.type === 'LoadBalancer' && isObj(svc.status) && isObj(svc.status.loadBalancer)) {
    for (const ing of objs(svc.status.loadBalancer.ingress)) if (!isEmpty(ing.ip) && absent(ing.ipMode)) ing.ipMode = 'VIP';
  }
  normalizeClusterIPs(svc);
}

/**
 * The Service registry's NormalizeClusterIPs: a client that sets only `clusterIP` gets
 * `clusterIPs: [clusterIP]`; on update, a changed `clusterIP` with unchanged `clusterIPs` does too.
 */
export function normalizeClusterIPs(svc: Obj, old?: Obj): void {
  const spec = isObj(svc.spec) ? svc.spec : undefined;
  if (!spec || typeof spec.clusterIP !== 'string') return;
  const ips = spec.clusterIPs;
  if (!old) {
    if (spec.clusterIP !== '' && (absent(ips) || (Array.isArray(ips) && ips.length === 0))) spec.clusterIPs = [spec.clusterIP];
    return;
  }
  const oldSpec = isObj(old.spec) ? old.spec : {};
  const sameIPs = JSON.stringify(ips ?? []) === JSON.stringify(oldSpec.clusterIPs ?? []);
  if (spec.clusterIP !== oldSpec.clusterIP && sameIPs) spec.clusterIPs = spec.clusterIP === '' ? [] : [spec.clusterIP];
}

// ---- workloads ----

/** SetDefaults_Deployment and its template. */
export function defaultDeployment(d: Obj): void {
  const spec = ensureObj(d, 'spec');
  if (!spec) return;
  if (absent(spec.replicas)) spec.replicas = 1;
  const strategy = ensureObj(spec, 'strategy');
  if (strategy) {
    if (isEmpty(strategy.type)) strategy.type = 'RollingUpdate';
    if (strategy.type === 'RollingUpdate') {
      const ru = ensureObj(strategy, 'rollingUpdate');
      if (ru) {
        if (absent(ru.maxUnavailable)) ru.maxUnavailable = '25%';
        if (absent(ru.maxSurge)) ru.maxSurge = '25%';
      }
    }
  }
  if (absent(spec.revisionHistoryLimit)) spec.revisionHistoryLimit = 10;
  if (absent(spec.progressDeadlineSeconds)) spec.progressDeadlineSeconds = 600;
  const template = ensureObj(spec, 'template');
  if (template) defaultPodTemplateSpec(template);
}

/** SetDefaults_ReplicaSet and its template. */
export function defaultReplicaSet(rs: Obj): void {
  const spec = ensureObj(rs, 'spec');
  if (!spec) return;
  if (absent(spec.replicas)) spec.replicas = 1;
  const template = ensureObj(spec, 'template');
  if (template) defaultPodTemplateSpec(template);
}

/** SetDefaults_StatefulSet (MaxUnavailableStatefulSet on, as from 1.35) and its templates. */
export function defaultStatefulSet(ss: Obj): void {
  const spec = ensureObj(ss, 'spec');
  if (!spec) return;
  if (isEmpty(spec.podManagementPolicy)) spec.podManagementPolicy = 'OrderedReady';
  const us = ensureObj(spec, 'updateStrategy');
  if (us) {
    if (isEmpty(us.type)) {
      us.type = 'RollingUpdate';
      if (absent(us.rollingUpdate)) us.rollingUpdate = {};
    }
    if (us.type === 'RollingUpdate' && isObj(us.rollingUpdate)) {
      if (absent(us.rollingUpdate.partition)) us.rollingUpdate.partition = 0;
      if (absent(us.rollingUpdate.maxUnavailable)) us.rollingUpdate.maxUnavailable = 1;
    }
  }
  const retention = ensureObj(spec, 'persistentVolumeClaimRetentionPolicy');
  if (retention) {
    if (isEmpty(retention.whenDeleted)) retention.whenDeleted = 'Retain';
    if (isEmpty(retention.whenScaled)) retention.whenScaled = 'Retain';
  }
  if (absent(spec.replicas)) spec.replicas = 1;
  if (absent(spec.revisionHistoryLimit)) spec.revisionHistoryLimit = 10;
  const template = ensureObj(spec, 'template');
  if (template) defaultPodTemplateSpec(template);
  for (const pvc of objs(spec.volumeClaimTemplates)) {
    const pvcSpec = ensureObj(pvc, 'spec');
    if (pvcSpec && absent(pvcSpec.volumeMode)) pvcSpec.volumeMode = 'Filesystem';
    const status = ensureObj(pvc, 'status');
    if (status && isEmpty(status.phase)) status.phase = 'Pending';
  }
}

/** SetDefaults_DaemonSet and its template. */
export function defaultDaemonSet(ds: Obj): void {
  const spec = ensureObj(ds, 'spec');
  if (!spec) return;
  const us = ensureObj(spec, 'updateStrategy');
  if (us) {
    if (isEmpty(us.type)) us.type = 'RollingUpdate';
    if (us.type === 'RollingUpdate') {
      const ru = ensureObj(us, 'rollingUpdate');
      if (ru) {
        if (absent(ru.maxUnavailable)) ru.maxUnavailable = 1;
        if (absent(ru.maxSurge)) ru.maxSurge = 0;
      }
    }
  }
  if (absent(spec.revisionHistoryLimit)) spec.revisionHistoryLimit = 10;
  const template = ensureObj(spec, 'template');
  if (template) defaultPodTemplateSpec(template);
}

/** SetDefaults_ReplicationController: selector and labels from the template when empty, replicas 1. */
export function defaultReplicationController(rc: Obj): void {
  const spec = ensureObj(rc, 'spec');
  if (!spec) return;
  const template = isObj(spec.template) ? spec.template : undefined;
  const labels = template && isObj(template.metadata) && isObj(template.metadata.labels) ? template.metadata.labels : undefined;
  if (labels) {
    if (!isObj(spec.selector) || Object.keys(spec.selector).length === 0) spec.selector = { ...labels };
    const meta = ensureObj(rc, 'metadata');
    if (meta && (!isObj(meta.labels) || Object.keys(meta.labels).length === 0)) meta.labels = { ...labels };
  }
  if (absent(spec.replicas)) spec.replicas = 1;
  if (template) defaultPodTemplateSpec(template);
}

/** SetDefaults_Job (JobPodReplacementPolicy GA): completions/parallelism 1 when both unset, backoffLimit 6, .... */
export function defaultJob(job: Obj): void {
  const spec = ensureObj(job, 'spec');
  if (!spec) return;
  if (absent(spec.completions) && absent(spec.parallelism)) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  if (absent(spec.parallelism)) spec.parallelism = 1;
  if (absent(spec.backoffLimit)) spec.backoffLimit = absent(spec.backoffLimitPerIndex) ? 6 : 2147483647;
  const template = ensureObj(spec, 'template');
  const tmeta = template && isObj(template.metadata) ? template.metadata : undefined;
  if (tmeta && isObj(tmeta.labels)) {
    const meta = ensureObj(job, 'metadata');
    if (meta && (!isObj(meta.labels) || Object.keys(meta.labels).length === 0)) meta.labels = { ...tmeta.labels };
  }
  if (absent(spec.completionMode)) spec.completionMode = 'NonIndexed';
  if (absent(spec.suspend)) spec.suspend = false;
  if (absent(spec.podReplacementPolicy)) spec.podReplacementPolicy = absent(spec.podFailurePolicy) ? 'TerminatingOrFailed' : 'Failed';
  if (absent(spec.manualSelector)) spec.manualSelector = false;
  if (isObj(spec.podFailurePolicy)) {
    for (const rule of objs(spec.podFailurePolicy.rules)) for (const pattern of objs(rule.onPodConditions)) if (isEmpty(pattern.status)) pattern.status = 'True';
  }
  if (template) defaultPodTemplateSpec(template);
}

/**
 * The Job registry's generateSelector (unless spec.manualSelector): label the template with the
 * job's name and uid (legacy and batch.kubernetes.io/ keys) and select on the uid.
 */
export function defaultJobSelector(job: KubeObject, uid: string): void {
  const o = job as unknown as Obj;
  const meta = ensureObj(o, 'metadata');
  if (!meta) return;
  if (isEmpty(meta.uid)) meta.uid = uid;
  const spec = ensureObj(o, 'spec');
  if (!spec || spec.manualSelector === true) return;
  const template = ensureObj(spec, 'template');
  const tmeta = template && ensureObj(template, 'metadata');
  const labels = tmeta && ensureObj(tmeta, 'labels');
  const id = String(meta.uid);
  const name = typeof meta.name === 'string' ? meta.name : '';
  if (labels) {
    for (const k of ['job-name', 'batch.kubernetes.io/job-name']) if (!(k in labels)) labels[k] = name;
    for (const k of ['controller-uid', 'batch.kubernetes.io/controller-uid']) if (!(k in labels)) labels[k] = id;
  }
  const selector = ensureObj(spec, 'selector');
  const matchLabels = selector && ensureObj(selector, 'matchLabels');
  if (matchLabels && !('batch.kubernetes.io/controller-uid' in matchLabels)) matchLabels['batch.kubernetes.io/controller-uid'] = id;
}

// ---- autoscaling ----

const SCALE_UP_RULES = () => ({
  stabilizationWindowSeconds: 0,
  selectPolicy: 'Max',
  policies: [
    { type: 'Pods', value: 4, periodSeconds: 15 },
    { type: 'Percent', value: 100, periodSeconds: 15 },
  ],
});
// No stabilization window: the controller's --horizontal-pod-autoscaler-downscale-stabilization (5m) applies.
const SCALE_DOWN_RULES = () => ({ selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] });

function scalingRules(from: unknown, defaults: Obj): Obj {
  if (!isObj(from)) return defaults;
  for (const k of ['selectPolicy', 'stabilizationWindowSeconds', 'policies', 'tolerance']) if (!absent(from[k])) defaults[k] = from[k];
  return defaults;
}

/** SetDefaults_HorizontalPodAutoscaler: minReplicas 1, CPU at 80% when no metrics, full behavior rules when any are given. */
export function defaultHorizontalPodAutoscaler(hpa: Obj): void {
  const spec = ensureObj(hpa, 'spec');
  if (!spec) return;
  if (absent(spec.minReplicas)) spec.minReplicas = 1;
  if (!Array.isArray(spec.metrics) || spec.metrics.length === 0) {
    spec.metrics = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: DEFAULT_CPU_UTILIZATION } } }];
  }
  if (isObj(spec.behavior)) {
    spec.behavior.scaleUp = scalingRules(spec.behavior.scaleUp, SCALE_UP_RULES());
    spec.behavior.scaleDown = scalingRules(spec.behavior.scaleDown, SCALE_DOWN_RULES());
  }
}

// ---- networking, discovery, and the rest of core ----

/** SetDefaults_NetworkPolicy: ports are TCP; policyTypes Ingress, plus Egress when egress rules exist. */
export function defaultNetworkPolicy(np: Obj): void {
  const spec = ensureObj(np, 'spec');
  if (!spec) return;
  for (const dir of ['ingress', 'egress']) for (const rule of objs(spec[dir])) for (const p of objs(rule.ports)) if (absent(p.protocol)) p.protocol = 'TCP';
  if (!Array.isArray(spec.policyTypes) || spec.policyTypes.length === 0) {
    spec.policyTypes = Array.isArray(spec.egress) && spec.egress.length > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
  }
}

/** SetDefaults_IngressClass: parameters are cluster-scoped unless said otherwise. */
export function defaultIngressClass(ic: Obj): void {
  const spec = isObj(ic.spec) ? ic.spec : undefined;
  if (spec && isObj(spec.parameters) && absent(spec.parameters.scope)) spec.parameters.scope = 'Cluster';
}

/** SetDefaults_EndpointPort for EndpointSlices: name "" and protocol TCP. */
export function defaultEndpointSlice(slice: Obj): void {
  for (const p of objs(slice.ports)) {
    if (absent(p.name)) p.name = '';
    if (absent(p.protocol)) p.protocol = 'TCP';
  }
}

/** SetDefaults_Endpoints: ports are TCP. */
export function defaultEndpoints(ep: Obj): void {
  for (const ss of objs(ep.subsets)) for (const p of objs(ss.ports)) if (isEmpty(p.protocol)) p.protocol = 'TCP';
}

/** SetDefaults_Namespace: the kubernetes.io/metadata.name label; status Active. */
export function defaultNamespace(ns: Obj): void {
  const meta = ensureObj(ns, 'metadata');
  if (meta && typeof meta.name === 'string' && meta.name.length > 0) {
    const labels = ensureObj(meta, 'labels');
    if (labels) labels['kubernetes.io/metadata.name'] = meta.name;
  }
  const status = ensureObj(ns, 'status');
  if (status && isEmpty(status.phase)) status.phase = 'Active';
}

/** SetDefaults_NodeStatus: allocatable defaults to capacity. */
export function defaultNode(node: Obj): void {
  // spec is a struct in the API: an object without one reads back with `spec: {}`.
  if (!isObj(node.spec)) node.spec = {};
  const status = isObj(node.status) ? node.status : undefined;
  if (status && absent(status.allocatable) && isObj(status.capacity)) status.allocatable = { ...status.capacity };
}

/** SetDefaults_ConfigMap: data is an empty map rather than null. */
export function defaultConfigMap(cm: Obj): void {
  if (absent(cm.data)) cm.data = {};
}

const BY_KIND: Record<string, (o: Obj) => void> = {
  Pod: defaultPod,
  Service: defaultService,
  Deployment: defaultDeployment,
  ReplicaSet: defaultReplicaSet,
  StatefulSet: defaultStatefulSet,
  DaemonSet: defaultDaemonSet,
  ReplicationController: defaultReplicationController,
  Job: defaultJob,
  HorizontalPodAutoscaler: defaultHorizontalPodAutoscaler,
  NetworkPolicy: defaultNetworkPolicy,
  IngressClass: defaultIngressClass,
  EndpointSlice: defaultEndpointSlice,
  Endpoints: defaultEndpoints,
  Namespace: defaultNamespace,
  Node: defaultNode,
  ConfigMap: defaultConfigMap,
};

/** Defaults `obj` in place as the API server does before validation (see the file comment for what is left out). */
export function applyDefaults(obj: KubeObject): void {
  const o = obj as unknown as Obj;
  const info = kindInfo(typeof obj.kind === 'string' ? obj.kind : '');
  const meta = ensureObj(o, 'metadata');
  if (meta && info) {
    // As rest.BeforeCreate: the request's namespace for namespaced kinds, none for cluster-scoped ones.
    if (info.namespaced && isEmpty(meta.namespace)) meta.namespace = 'default';
    if (!info.namespaced) delete meta.namespace;
  }
  BY_KIND[obj.kind]?.(o);
}
