// Endpoints as kube-proxy's EndpointSlice cache builds them (pkg/proxy/endpointslicecache.go):
// per ServicePort key, one EndpointInfo per distinct "ip:port", sorted by that string.
// Node-specific facts (is the endpoint local?) are not stored here: they are worked out
// per NodeView when rules are written, so one model serves every node.
import type { EndpointSlice, Protocol } from '../lib/api/types.js';
import { servicePortKey, servicePortName } from './serviceport.js';
import { formatIPv4, parseIPv4Sloppy } from './sloppyip.js';

/** The label binding an EndpointSlice to its Service. */
export const LabelServiceName = 'kubernetes.io/service-name';

/** One usable endpoint of a service port. Immutable; unchanged endpoints keep their object. */
export interface EndpointInfo {
  /** Canonical IPv4 address. */
  readonly ip: string;
  readonly ipNum: number;
  readonly port: number;
  /** `ip:port`, the sort key and the text kube-proxy hashes and prints. */
  readonly endpoint: string;
  readonly ready: boolean;
  readonly serving: boolean;
  readonly terminating: boolean;
  /** '' when the endpoint has no nodeName (then it is never local). */
  readonly nodeName: string;
  readonly zone: string;
  /** hints.forZones names, or null when the endpoint has none. */
  readonly zoneHints: ReadonlySet<string> | null;
  /** hints.forNodes names, or null. */
  readonly nodeHints: ReadonlySet<string> | null;
}

/** The `ns/service` an EndpointSlice belongs to, or null when it has no service-name label. */
export function sliceServiceKey(slice: EndpointSlice): string | null {
  const svc = slice.metadata.labels?.[LabelServiceName];
  if (!svc || !slice.metadata.namespace || !slice.metadata.name) return null;
  return `${slice.metadata.namespace}/${svc}`;
}

function hintSet(list: { name: string }[] | undefined): ReadonlySet<string> | null {
  if (!list || list.length === 0) return null;
  return new Set(list.map((h) => h.name));
}

function sameSet(a: ReadonlySet<string> | null, b: ReadonlySet<string> | null): boolean {
  if (a === b) return true;
  if (a === null || b === null || a.size !== b.size) return false;
  for (const x of a) if (!b.has(x)) return false;
  return true;
}

/** Field-wise equality of two endpoints. */
export function sameEndpoint(a: EndpointInfo, b: EndpointInfo): boolean {
  return (
    a === b ||
    (a.endpoint === b.endpoint &&
      a.ready === b.ready &&
      a.serving === b.serving &&
      a.terminating === b.terminating &&
      a.nodeName === b.nodeName &&
      a.zone === b.zone &&
      sameSet(a.zoneHints, b.zoneHints) &&
      sameSet(a.nodeHints, b.nodeHints))
  );
}

/** Element-wise equality of two sorted endpoint lists. */
export function sameEndpoints(a: readonly EndpointInfo[], b: readonly EndpointInfo[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!sameEndpoint(a[i]!, b[i]!)) return false;
  return true;
}

/**
 * Endpoints per service port key (`ns/name:port/PROTO`) from the IPv4 slices of one Service.
 * As upstream: only addresses[0]; ports with a nil name or a nil/zero port are ignored; an
 * "ip:port" seen twice keeps the first copy unless the later one is not terminating.
 * Slices are read in name order (upstream reads a Go map) so the outcome is deterministic.
 */
export function endpointsByServicePort(namespace: string, serviceName: string, slices: readonly EndpointSlice[]): Map<string, EndpointInfo[]> {
  const byKey = new Map<string, Map<string, EndpointInfo>>();
  const sorted = [...slices].sort((a, b) => ((a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1));
  for (const slice of sorted) {
    if (slice.addressType !== 'IPv4') continue;
    for (const port of slice.ports ?? []) {
      if (port.name === undefined || port.name === null) continue;
      if (!port.port) continue;
      const protocol: Protocol = port.protocol ?? 'TCP';
      const key = servicePortKey(servicePortName(namespace, serviceName, port.name), protocol);
      let set = byKey.get(key);
      if (!set) byKey.set(key, (set = new Map()));
      for (const ep of slice.endpoints ?? []) {
        const addr = ep.addresses?.[0];
        if (addr === undefined) continue;
        const ipNum = parseIPv4Sloppy(addr);
        if (ipNum === null) continue;
        const ip = formatIPv4(ipNum);
        const endpoint = `${ip}:${port.port}`;
        const c = ep.conditions ?? {};
        const terminating = c.terminating === true;
        if (set.has(endpoint) && terminating) continue;
        set.set(endpoint, {
          ip,
          ipNum,
          port: port.port,
          endpoint,
          ready: c.ready !== false,
          serving: c.serving !== false,
          terminating,
          nodeName: ep.nodeName ?? '',
          zone: ep.zone ?? '',
          zoneHints: hintSet(ep.hints?.forZones),
          nodeHints: hintSet(ep.hints?.forNodes),
        });
      }
    }
  }
  const out = new Map<string, EndpointInfo[]>();
  for (const [key, set] of byKey) {
    if (set.size === 0) continue;
    // Plain string order, so 10.0.0.10:80 sorts before 10.0.0.2:80, as upstream.
    const list = [...set.values()].sort((a, b) => (a.endpoint < b.endpoint ? -1 : a.endpoint > b.endpoint ? 1 : 0));
    out.set(key, list);
  }
  return out;
}

/** `next` with every endpoint equal to one in `prev` replaced by the `prev` object. */
export function reuseEndpoints(prev: readonly EndpointInfo[], next: EndpointInfo[]): EndpointInfo[] {
  if (prev.length === 0) return next;
  const old = new Map<string, EndpointInfo>();
  for (const e of prev) old.set(e.endpoint, e);
  for (let i = 0; i < next.length; i++) {
    const o = old.get(next[i]!.endpoint);
    if (o && sameEndpoint(o, next[i]!)) next[i] = o;
  }
  return next;
}
