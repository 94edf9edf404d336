// Environment-variable service discovery as the kubelet builds it for a container
// (kubelet_pods.go getServiceEnvVarMap / makeEnvironmentVariables, pkg/kubelet/envvars):
// Services with a cluster IP in the pod's namespace (when enableServiceLinks) and the master
// Service `kubernetes` in `default`, as they were when the container started.
import type { EnvVar, Pod, Service } from '../api/types.js';

/** One resolved variable of a container's environment. */
export interface ResolvedEnvVar {
  name: string;
  value: string;
}

export interface PodEnvironmentOptions {
  /** Container name; default the first container. */
  container?: string;
  /** Only Services created at or before this RFC 3339 time; default the container's start (startedAt, else pod startTime). */
  at?: string;
}

/** The master services the kubelet always exposes from the default namespace. */
const MASTER_SERVICES = new Set(['kubernetes']);

/** makeEnvVariableName: upper case, '-' to '_'. */
export function envVarName(s: string): string {
  return s.toUpperCase().replace(/-/g, '_');
}

/** IsServiceIPSet: a cluster IP that is neither empty nor None. */
function hasClusterIP(svc: Service): boolean {
  const ip = svc.spec.clusterIP;
  return ip !== undefined && ip !== '' && ip !== 'None';
}

function hostPort(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** envvars.FromServices for one Service: the _SERVICE_HOST/_SERVICE_PORT set and the docker-link variables. */
export function serviceEnvVars(svc: Service): ResolvedEnvVar[] {
  const out: ResolvedEnvVar[] = [];
  if (!hasClusterIP(svc) || !svc.spec.ports?.length) return out;
  const ip = svc.spec.clusterIP!;
  const prefix = envVarName(svc.metadata.name!);
  out.push({ name: `${prefix}_SERVICE_HOST`, value: ip });
  out.push({ name: `${prefix}_SERVICE_PORT`, value: String(svc.spec.ports[0]!.port) });
  for (const sp of svc.spec.ports) {
    if (sp.name) out.push({ name: `${prefix}_SERVICE_PORT_${envVarName(sp.name)}`, value: String(sp.port) });
  }
  svc.spec.ports.forEach((sp, i) => {
    const proto = sp.protocol ?? 'TCP';
    const url = `${proto.toLowerCase()}://${hostPort(ip, sp.port)}`;
    // Docker special-cases the first port.
    if (i === 0) out.push({ name: `${prefix}_PORT`, value: url });
    const pp = `${prefix}_PORT_${sp.port}_${proto.toUpperCase()}`;
    out.push({ name: pp, value: url });
    out.push({ name: `${pp}_PROTO`, value: proto.toLowerCase() });
    out.push({ name: `${pp}_PORT`, value: String(sp.port) });
    out.push({ name: `${pp}_ADDR`, value: ip });
  });
  return out;
}

/** The time the container's environment was built: its start, else the pod's start. */
function envBuiltAt(pod: Pod, container: string): string | undefined {
  const cs = pod.status?.containerStatuses?.find((s) => s.name === container);
  const running = (cs?.state as { running?: { startedAt?: string }; terminated?: { startedAt?: string } } | undefined);
  return running?.running?.startedAt ?? running?.terminated?.startedAt ?? pod.status?.startTime;
}

/** getServiceEnvVarMap: the service variables a container of `pod` gets (a map, unordered upstream). */
export function serviceEnvironment(pod: Pod, services: readonly Service[], at?: string): Map<string, string> {
  const ns = pod.metadata.namespace ?? 'default';
  const links = pod.spec.enableServiceLinks ?? true;
  const chosen = new Map<string, Service>();
  // Sorted so that the (unordered upstream) projection is deterministic.
  const sorted = [...services].sort((a, b) => key(a).localeCompare(key(b)));
  for (const svc of sorted) {
    if (!hasClusterIP(svc)) continue;
    if (at !== undefined && svc.metadata.creationTimestamp !== undefined && svc.metadata.creationTimestamp > at) continue;
    const name = svc.metadata.name!;
    if ((svc.metadata.namespace ?? 'default') === 'default' && MASTER_SERVICES.has(name)) {
      if (!chosen.has(name)) chosen.set(name, svc);
    } else if ((svc.metadata.namespace ?? 'default') === ns && links) {
      chosen.set(name, svc);
    }
  }
  const m = new Map<string, string>();
  for (const svc of chosen.values()) for (const v of serviceEnvVars(svc)) m.set(v.name, v.value);
  return m;
}

const key = (s: Service) => `${s.metadata.namespace ?? ''}/${s.metadata.name ?? ''}`;

/**
 * A container's environment as the kubelet hands it to the runtime: the user's variables
 * ($(VAR) expanded against earlier user variables and the service variables) override the
 * service variables. Sorted by name (the kubelet's own order comes from a Go map).
 */
export function podEnvironment(pod: Pod, services: readonly Service[], opts: PodEnvironmentOptions = {}): ResolvedEnvVar[] {
  const container = pod.spec.containers.find((c) => c.name === opts.container) ?? (opts.container ? undefined : pod.spec.containers[0]);
  if (!container) return [];
  const at = opts.at ?? envBuiltAt(pod, container.name);
  const serviceEnv = serviceEnvironment(pod, services, at);
  const userEnv = new Map<string, string>();
  for (const ev of container.env ?? []) {
    userEnv.set(ev.name, resolveValue(ev, pod, (name) => userEnv.get(name) ?? serviceEnv.get(name)));
  }
  const all = new Map(serviceEnv);
  for (const [k, v] of userEnv) all.set(k, v);
  return [...all.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([name, value]) => ({ name, value }));
}

function resolveValue(ev: EnvVar, pod: Pod, lookup: (name: string) => string | undefined): string {
  if (ev.value !== undefined) return expand(ev.value, lookup);
  const ref = (ev.valueFrom as { fieldRef?: { fieldPath?: string } } | undefined)?.fieldRef?.fieldPath;
  return ref ? fieldRefValue(pod, ref) : '';
}

/** The downward API fields the kubelet resolves for env (podFieldSelectorRuntimeValue and friends). */
function fieldRefValue(pod: Pod, path: string): string {
  const m = /^metadata\.(labels|annotations)\['(.*)'\]$/.exec(path);
  if (m) return (m[1] === 'labels' ? pod.metadata.labels : pod.metadata.annotations)?.[m[2]!] ?? '';
  switch (path) {
    case 'metadata.name': return pod.metadata.name ?? '';
    case 'metadata.namespace': return pod.metadata.namespace ?? '';
    case 'metadata.uid': return pod.metadata.uid ?? '';
    case 'spec.nodeName': return pod.spec.nodeName ?? '';
    case 'spec.serviceAccountName': return pod.spec.serviceAccountName ?? '';
    case 'status.hostIP': return pod.status?.hostIP ?? '';
    case 'status.hostIPs': return (pod.status?.hostIPs ?? []).map((x) => x.ip).join(',');
    case 'status.podIP': return pod.status?.podIP ?? '';
    case 'status.podIPs': return (pod.status?.podIPs ?? []).map((x) => x.ip).join(',');
    default: return '';
  }
}

/**
 * third_party/forked/golang/expansion: `$(VAR)` becomes VAR's value when defined (kept
 * verbatim otherwise), `$$` escapes a dollar, any other `$x` stays as written.
 */
export function expand(input: string, lookup: (name: string) => string | undefined): string {
  let out = '';
  let i = 0;
  while (i < input.length) {
    const c = input[i]!;
    if (c !== '$' || i + 1 >= input.length) {
      out += c;
      i++;
      continue;
    }
    const n = input[i + 1]!;
    if (n === '$') {
      out += '$';
      i += 2;
    } else if (n === '(') {
      const close = input.indexOf(')', i + 2);
      if (close < 0) {
        // Unterminated reference: kept verbatim.
        out += input.slice(i);
        break;
      }
      const name = input.slice(i + 2, close);
      const v = lookup(name);
      out += v === undefined ? `$(${name})` : v;
      i = close + 1;
    } else {
      out += c + n;
      i += 2;
    }
  }
  return out;
}
