// kubectl's human-readable columns per kind (pkg/printers/internalversion), for `netsim get`.
import type { KubeObject } from '../api/meta.js';
import type {
  ConfigMap, DaemonSet, Deployment, EndpointSlice, Endpoints, Event, HorizontalPodAutoscaler, Ingress,
  IngressClass, Job, Namespace, NetworkPolicy, Node, Pod, ReplicaSet, ReplicationController, Service, StatefulSet,
} from '../api/types.js';
import { SIM_EPOCH_MS } from '../sim/clock.js';
import { humanDuration } from './table.js';

export interface PrintOptions {
  wide: boolean;
  /** Simulated now, in ms since the simulation epoch, for AGE columns. */
  now: number;
}

export interface Columns {
  headers: string[];
  wideHeaders: string[];
  row(o: KubeObject, opts: PrintOptions): { cells: string[]; wide: string[] };
}

const age = (o: KubeObject, now: number) => ts(o.metadata.creationTimestamp, now);
function ts(t: string | undefined, now: number): string {
  if (!t) return '<unknown>';
  return humanDuration(SIM_EPOCH_MS + now - Date.parse(t));
}
const none = (s: string | undefined) => (s === undefined || s === '' ? '<none>' : s);
const selectorText = (sel: Record<string, string> | undefined) =>
  sel && Object.keys(sel).length ? Object.keys(sel).sort().map((k) => `${k}=${sel[k]}`).join(',') : '<none>';
const labelSelectorText = (sel: { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] } | undefined) => {
  if (!sel) return '<none>';
  const parts = Object.keys(sel.matchLabels ?? {}).sort().map((k) => `${k}=${sel.matchLabels![k]}`);
  for (const e of sel.matchExpressions ?? []) {
    const op = e.operator;
    if (op === 'Exists') parts.push(e.key);
    else if (op === 'DoesNotExist') parts.push(`!${e.key}`);
    else parts.push(`${e.key} ${op.toLowerCase()} (${(e.values ?? []).join(',')})`);
  }
  return parts.length ? parts.join(',') : '<none>';
};

function podStatus(p: Pod): { ready: string; status: string; restarts: string } {
  const statuses = p.status?.containerStatuses ?? [];
  const total = p.spec.containers.length;
  const ready = statuses.filter((s) => s.ready).length;
  let status: string = p.status?.reason ?? p.status?.phase ?? 'Pending';
  for (const s of statuses) {
    const waiting = (s.state as { waiting?: { reason?: string } } | undefined)?.waiting?.reason;
    const terminated = (s.state as { terminated?: { reason?: string } } | undefined)?.terminated?.reason;
    if (waiting) status = waiting;
    else if (terminated && status !== 'Running') status = terminated;
  }
  if (p.metadata.deletionTimestamp) status = p.status?.reason === 'NodeLost' ? 'Unknown' : 'Terminating';
  const restarts = statuses.reduce((n, s) => n + (s.restartCount ?? 0), 0);
  return { ready: `${ready}/${total}`, status, restarts: String(restarts) };
}

function servicePorts(s: Service): string {
  const ports = s.spec.ports ?? [];
  if (!ports.length) return '<none>';
  return ports.map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`).join(',');
}

function externalIP(s: Service): string {
  const type = s.spec.type ?? 'ClusterIP';
  const ext = [...(s.spec.externalIPs ?? [])];
  if (type === 'ExternalName') return s.spec.externalName ?? '<none>';
  if (type === 'LoadBalancer') {
    const lb = (s.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? i.hostname ?? '').filter(Boolean);
    const all = [...lb, ...ext];
    return all.length ? all.join(',') : '<pending>';
  }
  return ext.length ? ext.join(',') : '<none>';
}

function nodeStatus(n: Node): string {
  const ready = n.status?.conditions?.find((c) => c.type === 'Ready');
  const parts = [ready?.status === 'True' ? 'Ready' : ready ? 'NotReady' : 'Unknown'];
  if (n.spec.unschedulable) parts.push('SchedulingDisabled');
  return parts.join(',');
}

function nodeRoles(n: Node): string {
  const roles = Object.keys(n.metadata.labels ?? {})
    .filter((k) => k.startsWith('node-role.kubernetes.io/'))
    .map((k) => k.slice('node-role.kubernetes.io/'.length))
    .filter(Boolean)
    .sort();
  return roles.length ? roles.join(',') : '<none>';
}

function slicePorts(s: EndpointSlice): string {
  const ports = (s.ports ?? []).map((p) => String(p.port ?? '')).filter(Boolean);
  return ports.length ? ports.join(',') : '<unset>';
}

/** kubectl shows at most three addresses and "+ N more...". */
function firstThree(list: string[]): string {
  if (!list.length) return '<none>';
  const shown = list.slice(0, 3).join(',');
  return list.length > 3 ? `${shown} + ${list.length - 3} more...` : shown;
}

function endpointsText(e: Endpoints): string {
  const out: string[] = [];
  // As kubectl's formatEndpoints: port-major within each subset.
  for (const ss of e.subsets ?? []) {
    if (!ss.ports?.length) {
      for (const a of ss.addresses ?? []) out.push(a.ip);
      continue;
    }
    for (const p of ss.ports) for (const a of ss.addresses ?? []) out.push(`${a.ip}:${p.port}`);
  }
  return firstThree(out);
}

const t = (headers: string[], wideHeaders: string[], row: Columns['row']): Columns => ({ headers, wideHeaders, row });

export const PRINTERS: Record<string, Columns> = {
  Pod: t(['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE'], ['IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES'], (o, { now }) => {
    const p = o as Pod;
    const s = podStatus(p);
    return {
      cells: [p.metadata.name!, s.ready, s.status, s.restarts, age(p, now)],
      wide: [none(p.status?.podIP), none(p.spec.nodeName), none(p.status?.nominatedNodeName), '<none>'],
    };
  }),
  Service: t(['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE'], ['SELECTOR'], (o, { now }) => {
    const s = o as Service;
    return {
      cells: [s.metadata.name!, s.spec.type ?? 'ClusterIP', none(s.spec.clusterIP), externalIP(s), servicePorts(s), age(s, now)],
      wide: [selectorText(s.spec.selector)],
    };
  }),
  Node: t(['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION'], ['INTERNAL-IP', 'EXTERNAL-IP', 'POD-CIDR', 'OS-IMAGE', 'KERNEL-VERSION', 'CONTAINER-RUNTIME'], (o, { now }) => {
    const n = o as Node;
    const addr = (type: string) => n.status?.addresses?.find((a) => a.type === type)?.address;
    const info = (n.status as { nodeInfo?: Record<string, string> } | undefined)?.nodeInfo ?? {};
    return {
      cells: [n.metadata.name!, nodeStatus(n), nodeRoles(n), age(n, now), info.kubeletVersion ?? '<none>'],
      wide: [none(addr('InternalIP')), none(addr('ExternalIP')), none((n.spec.podCIDRs ?? []).join(',') || n.spec.podCIDR), info.osImage ?? '<unknown>', info.kernelVersion ?? '<unknown>', info.containerRuntimeVersion ?? '<unknown>'],
    };
  }),
  Namespace: t(['NAME', 'STATUS', 'AGE'], [], (o, { now }) => ({ cells: [o.metadata.name!, (o as Namespace).status?.phase ?? 'Active', age(o, now)], wide: [] })),
  EndpointSlice: t(['NAME', 'ADDRESSTYPE', 'PORTS', 'ENDPOINTS', 'AGE'], [], (o, { now }) => {
    const s = o as EndpointSlice;
    const addrs = (s.endpoints ?? []).flatMap((e) => e.addresses.slice(0, 1));
    return { cells: [s.metadata.name!, s.addressType, slicePorts(s), firstThree(addrs), age(s, now)], wide: [] };
  }),
  Endpoints: t(['NAME', 'ENDPOINTS', 'AGE'], [], (o, { now }) => ({ cells: [o.metadata.name!, endpointsText(o as Endpoints), age(o, now)], wide: [] })),
  Deployment: t(['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE'], ['CONTAINERS', 'IMAGES', 'SELECTOR'], (o, { now }) => {
    const d = o as Deployment;
    const st = d.status ?? {};
    const cs = d.spec.template.spec.containers;
    return {
      cells: [d.metadata.name!, `${st.readyReplicas ?? 0}/${d.spec.replicas ?? 1}`, String(st.updatedReplicas ?? 0), String(st.availableReplicas ?? 0), age(d, now)],
      wide: [cs.map((c) => c.name).join(','), cs.map((c) => c.image ?? '').join(','), labelSelectorText(d.spec.selector)],
    };
  }),
  ReplicaSet: t(['NAME', 'DESIRED', 'CURRENT', 'READY', 'AGE'], ['CONTAINERS', 'IMAGES', 'SELECTOR'], (o, { now }) => {
    const r = o as ReplicaSet;
    const cs = r.spec.template?.spec.containers ?? [];
    return {
      cells: [r.metadata.name!, String(r.spec.replicas ?? 1), String(r.status?.replicas ?? 0), String(r.status?.readyReplicas ?? 0), age(r, now)],
      wide: [cs.map((c) => c.name).join(','), cs.map((c) => c.image ?? '').join(','), labelSelectorText(r.spec.selector)],
    };
  }),
  ReplicationController: t(['NAME', 'DESIRED', 'CURRENT', 'READY', 'AGE'], ['CONTAINERS', 'IMAGES', 'SELECTOR'], (o, { now }) => {
    const r = o as ReplicationController;
    const cs = r.spec.template?.spec.containers ?? [];
    return {
      cells: [r.metadata.name!, String(r.spec.replicas ?? 1), String(r.status?.replicas ?? 0), String(r.status?.readyReplicas ?? 0), age(r, now)],
      wide: [cs.map((c) => c.name).join(','), cs.map((c) => c.image ?? '').join(','), selectorText(r.spec.selector)],
    };
  }),
  StatefulSet: t(['NAME', 'READY', 'AGE'], ['CONTAINERS', 'IMAGES'], (o, { now }) => {
    const s = o as StatefulSet;
    const cs = s.spec.template.spec.containers;
    return {
      cells: [s.metadata.name!, `${s.status?.readyReplicas ?? 0}/${s.spec.replicas ?? 1}`, age(s, now)],
      wide: [cs.map((c) => c.name).join(','), cs.map((c) => c.image ?? '').join(',')],
    };
  }),
  DaemonSet: t(['NAME', 'DESIRED', 'CURRENT', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'NODE SELECTOR', 'AGE'], ['CONTAINERS', 'IMAGES', 'SELECTOR'], (o, { now }) => {
    const d = o as DaemonSet;
    const st = d.status;
    const cs = d.spec.template.spec.containers;
    return {
      cells: [d.metadata.name!, String(st?.desiredNumberScheduled ?? 0), String(st?.currentNumberScheduled ?? 0), String(st?.numberReady ?? 0), String(st?.updatedNumberScheduled ?? 0), String(st?.numberAvailable ?? 0), selectorText(d.spec.template.spec.nodeSelector), age(d, now)],
      wide: [cs.map((c) => c.name).join(','), cs.map((c) => c.image ?? '').join(','), labelSelectorText(d.spec.selector)],
    };
  }),
  Job: t(['NAME', 'STATUS', 'COMPLETIONS', 'DURATION', 'AGE'], ['CONTAINERS', 'IMAGES', 'SELECTOR'], (o, { now }) => {
    const j = o as Job;
    const st = j.status ?? {};
    const cond = (type: string) => st.conditions?.some((c) => c.type === type && c.status === 'True');
    const status = cond('Complete') ? 'Complete' : cond('Failed') ? 'Failed' : cond('Suspended') ? 'Suspended' : 'Running';
    const completions = j.spec.completions !== undefined ? `${st.succeeded ?? 0}/${j.spec.completions}` : `${st.succeeded ?? 0}/1 of ${j.spec.parallelism ?? 1}`;
    const start = st.startTime ? Date.parse(st.startTime) : undefined;
    const end = st.completionTime ? Date.parse(st.completionTime) : SIM_EPOCH_MS + now;
    const cs = j.spec.template.spec.containers;
    return {
      cells: [j.metadata.name!, status, completions, start === undefined ? '' : humanDuration(end - start), age(j, now)],
      wide: [cs.map((c) => c.name).join(','), cs.map((c) => c.image ?? '').join(','), labelSelectorText(j.spec.selector)],
    };
  }),
  Ingress: t(['NAME', 'CLASS', 'HOSTS', 'ADDRESS', 'PORTS', 'AGE'], [], (o, { now }) => {
    const i = o as Ingress;
    const hosts = (i.spec.rules ?? []).map((r) => r.host ?? '*');
    const addr = (i.status?.loadBalancer?.ingress ?? []).map((x) => x.ip ?? x.hostname ?? '').filter(Boolean).join(',');
    return { cells: [i.metadata.name!, i.spec.ingressClassName ?? '<none>', hosts.length ? hosts.join(',') : '*', addr, i.spec.tls?.length ? '80, 443' : '80', age(i, now)], wide: [] };
  }),
  IngressClass: t(['NAME', 'CONTROLLER', 'PARAMETERS', 'AGE'], [], (o, { now }) => ({ cells: [o.metadata.name!, (o as IngressClass).spec.controller ?? '', '<none>', age(o, now)], wide: [] })),
  NetworkPolicy: t(['NAME', 'POD-SELECTOR', 'AGE'], [], (o, { now }) => ({ cells: [o.metadata.name!, labelSelectorText((o as NetworkPolicy).spec.podSelector).replace('<none>', '<none>'), age(o, now)], wide: [] })),
  HorizontalPodAutoscaler: t(['NAME', 'REFERENCE', 'TARGETS', 'MINPODS', 'MAXPODS', 'REPLICAS', 'AGE'], [], (o, { now }) => {
    const h = o as HorizontalPodAutoscaler;
    const ref = `${h.spec.scaleTargetRef.kind}/${h.spec.scaleTargetRef.name}`;
    const targets = (h.spec.metrics ?? []).map((m) => {
      const cur = (h.status?.currentMetrics as { resource?: { current?: { averageUtilization?: number } } }[] | undefined)?.[0]?.resource?.current?.averageUtilization;
      const target = m.resource?.target.averageUtilization;
      return `${m.resource?.name ?? m.type}: ${cur === undefined ? '<unknown>' : `${cur}%`}/${target ?? '?'}%`;
    });
    return { cells: [h.metadata.name!, ref, targets.join(', ') || '<none>', String(h.spec.minReplicas ?? 1), String(h.spec.maxReplicas), String(h.status?.currentReplicas ?? 0), age(h, now)], wide: [] };
  }),
  ConfigMap: t(['NAME', 'DATA', 'AGE'], [], (o, { now }) => {
    const c = o as ConfigMap;
    return { cells: [c.metadata.name!, String(Object.keys(c.data ?? {}).length + Object.keys(c.binaryData ?? {}).length), age(c, now)], wide: [] };
  }),
  Event: t(['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE'], [], (o, { now }) => {
    const e = o as Event;
    const obj = `${(e.involvedObject.kind ?? '').toLowerCase()}/${e.involvedObject.name ?? ''}`;
    return { cells: [ts(e.lastTimestamp, now), e.type, e.reason, obj, e.message], wide: [] };
  }),
};
