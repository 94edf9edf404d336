// Service ports as kube-proxy sees them (pkg/proxy/serviceport.go, servicechangetracker.go):
// each port of a Service is one ServicePortInfo, keyed by its ServicePortName.
import type { Protocol, Service } from '../lib/api/types.js';
import { type CidrV4, canonicalIPv4, parseCIDRv4Sloppy, parseIPv4Sloppy } from './sloppyip.js';

/** Options of the single-stack (IPv4) proxier that reads the Services. */
export interface ServicePortOptions {
  /** LoadBalancerIPMode feature gate (GA, on): ingress entries with ipMode Proxy get no rules. */
  readonly loadBalancerIPMode: boolean;
}

export const defaultServicePortOptions: ServicePortOptions = { loadBalancerIPMode: true };

/** Everything the rule writers need about one Service port. Immutable once built. */
export interface ServicePortInfo {
  /** ServicePortName: `ns/name:port`, or `ns/name` for an unnamed port. */
  readonly name: string;
  /** Unique key inside the model: the name plus the protocol (kube-proxy keys by both). */
  readonly key: string;
  readonly namespace: string;
  readonly serviceName: string;
  readonly portName: string;
  readonly protocol: Protocol;
  readonly clusterIP: string;
  readonly port: number;
  readonly nodePort: number;
  readonly externalIPs: readonly string[];
  /** status.loadBalancer.ingress[].ip of VIP mode, canonical, in order. */
  readonly loadBalancerVIPs: readonly string[];
  readonly loadBalancerSourceRanges: readonly CidrV4[];
  readonly sessionAffinityClientIP: boolean;
  /** ClientIP affinity timeout in seconds (0 without affinity). */
  readonly stickyMaxAgeSeconds: number;
  readonly externalPolicyLocal: boolean;
  readonly internalPolicyLocal: boolean;
  readonly healthCheckNodePort: number;
  /** Reachable through something other than the cluster IP (NodePort, external IP, LB IP). */
  readonly externallyAccessible: boolean;
  /** Ever sends traffic to "Cluster" policy endpoints (also needed for eTP=Local short-circuit). */
  readonly usesClusterEndpoints: boolean;
  /** Ever sends traffic to "Local" policy endpoints. */
  readonly usesLocalEndpoints: boolean;
}

/** `ns/name:port`, or `ns/name` when the port has no name (ServicePortName.String()). */
export function servicePortName(namespace: string, name: string, port: string): string {
  return port === '' ? `${namespace}/${name}` : `${namespace}/${name}:${port}`;
}

/** The model key of a service port: ServicePortName plus protocol. */
export function servicePortKey(name: string, protocol: Protocol): string {
  return `${name}/${protocol}`;
}

/** As apiservice.ExternallyAccessible: decided by type (used only for eTP). */
function typeExternallyAccessible(svc: Service): boolean {
  const t = svc.spec.type ?? 'ClusterIP';
  return t === 'LoadBalancer' || t === 'NodePort' || (t === 'ClusterIP' && (svc.spec.externalIPs?.length ?? 0) > 0);
}

/** As proxyutil.GetClusterIPByFamily for IPv4: '' when the Service has no IPv4 cluster IP. */
function ipv4ClusterIP(svc: Service): string {
  const fams = svc.spec.ipFamilies ?? [];
  if (fams.length === 0) {
    const ip = svc.spec.clusterIP ?? '';
    if (ip === '' || ip === 'None' || ip.includes(':')) return '';
    return ip;
  }
  const idx = fams.indexOf('IPv4');
  return idx >= 0 ? (svc.spec.clusterIPs?.[idx] ?? '') : '';
}

/** Whether kube-proxy skips the Service entirely (headless, no IP, ExternalName). */
export function shouldSkipService(svc: Service): boolean {
  const ip = svc.spec.clusterIP ?? '';
  return ip === '' || ip === 'None' || svc.spec.type === 'ExternalName';
}

/** The IPv4 ServicePortInfos of a Service, in spec order; [] when kube-proxy skips it. */
export function servicePortInfos(svc: Service, opts: ServicePortOptions = defaultServicePortOptions): ServicePortInfo[] {
  if (shouldSkipService(svc)) return [];
  const clusterIP = canonicalIPv4(ipv4ClusterIP(svc));
  if (clusterIP === null) return [];
  const namespace = svc.metadata.namespace ?? 'default';
  const serviceName = svc.metadata.name ?? '';
  const spec = svc.spec;

  const externalPolicyLocal = typeExternallyAccessible(svc) && spec.externalTrafficPolicy === 'Local';
  const internalPolicyLocal = spec.internalTrafficPolicy === 'Local';
  const affinity = spec.sessionAffinity === 'ClientIP';
  // API defaulting gives 10800 s; an undefaulted object means the same.
  const sticky = affinity ? (spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? 10800) : 0;

  const externalIPs: string[] = [];
  for (const s of spec.externalIPs ?? []) {
    const ip = canonicalIPv4(s);
    if (ip !== null) externalIPs.push(ip);
  }
  // Validation lets whitespace through; kube-proxy trims it.
  const ranges: CidrV4[] = [];
  for (const s of spec.loadBalancerSourceRanges ?? []) {
    const c = parseCIDRv4Sloppy(s.trim());
    if (c !== null) ranges.push(c);
  }
  const vips: string[] = [];
  for (const ing of svc.status?.loadBalancer?.ingress ?? []) {
    if (!ing.ip) continue;
    if (opts.loadBalancerIPMode && ing.ipMode === 'Proxy') continue;
    const n = parseIPv4Sloppy(ing.ip);
    if (n !== null) vips.push(canonicalIPv4(ing.ip)!);
  }
  // As apiservice.NeedsHealthCheck: LoadBalancer with eTP=Local.
  const hcnp = spec.type === 'LoadBalancer' && externalPolicyLocal ? (spec.healthCheckNodePort ?? 0) : 0;

  const out: ServicePortInfo[] = [];
  for (const p of spec.ports ?? []) {
    const portName = p.name ?? '';
    const protocol: Protocol = p.protocol ?? 'TCP';
    const name = servicePortName(namespace, serviceName, portName);
    const nodePort = p.nodePort ?? 0;
    const externallyAccessible = nodePort !== 0 || vips.length > 0 || externalIPs.length > 0;
    out.push({
      name,
      key: servicePortKey(name, protocol),
      namespace,
      serviceName,
      portName,
      protocol,
      clusterIP,
      port: p.port,
      nodePort,
      externalIPs,
      loadBalancerVIPs: vips,
      loadBalancerSourceRanges: ranges,
      sessionAffinityClientIP: affinity,
      stickyMaxAgeSeconds: sticky,
      externalPolicyLocal,
      internalPolicyLocal,
      healthCheckNodePort: hcnp,
      externallyAccessible,
      usesClusterEndpoints: !internalPolicyLocal || externallyAccessible,
      usesLocalEndpoints: internalPolicyLocal || (externalPolicyLocal && externallyAccessible),
    });
  }
  return out;
}

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Field-wise equality: an unchanged port keeps its rules. */
export function sameServicePortInfo(a: ServicePortInfo, b: ServicePortInfo): boolean {
  return (
    a.key === b.key &&
    a.clusterIP === b.clusterIP &&
    a.port === b.port &&
    a.nodePort === b.nodePort &&
    a.sessionAffinityClientIP === b.sessionAffinityClientIP &&
    a.stickyMaxAgeSeconds === b.stickyMaxAgeSeconds &&
    a.externalPolicyLocal === b.externalPolicyLocal &&
    a.internalPolicyLocal === b.internalPolicyLocal &&
    a.healthCheckNodePort === b.healthCheckNodePort &&
    sameStrings(a.externalIPs, b.externalIPs) &&
    sameStrings(a.loadBalancerVIPs, b.loadBalancerVIPs) &&
    sameStrings(
      a.loadBalancerSourceRanges.map((c) => c.text),
      b.loadBalancerSourceRanges.map((c) => c.text),
    )
  );
}
