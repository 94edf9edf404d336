// The cluster DNS zone: a slim DNS-only projection of Services, EndpointSlices, Pods and
// Namespaces, updated one object at a time (as CoreDNS's kubernetes plugin keeps its own
// trimmed object cache). The lead feeds it from store informers via upsert/remove.
import type { KubeObject } from '../lib/api/meta.js';
import type { EndpointSlice, Pod, Service } from '../lib/api/types.js';
import { SIM_EPOCH_MS, type VirtualClock } from '../lib/sim/clock.js';
import { addressKey, ipFamily, nthAddress } from './address.js';
import { UpstreamWorld } from './upstream.js';

export type PodsMode = 'disabled' | 'insecure' | 'verified';

/** Resolved settings of the cluster DNS (spec §1 `cluster.dns`, plus dnsDomain and dnsServiceIP). */
export interface ClusterDNSConfig {
  /** The cluster domain (dnsDomain), lower case, no trailing dot. */
  zone: string;
  dnsServiceIP: string;
  pods: PodsMode;
  ttl: number;
  endpointPodNames: boolean;
  /** Exposed namespaces; empty = all. */
  namespaces: string[];
  ignoreEmptyService: boolean;
  /** Extra zones served authoritatively (lower case, no trailing dot). */
  zones: string[];
  upstream: { records: string[]; forward: string[] };
}

/** The scenario's `cluster` fields the DNS reads, every one optional (spec §1). */
export interface ClusterDNSSettings {
  dnsDomain?: string;
  dnsServiceIP?: string;
  serviceCIDR?: string | string[];
  dns?: {
    pods?: PodsMode;
    ttl?: number;
    endpointPodNames?: boolean;
    namespaces?: string[];
    ignoreEmptyService?: boolean;
    zones?: string[];
    upstream?: { records?: string[]; forward?: string[] };
  };
}

function bareName(name: string): string {
  return name.toLowerCase().replace(/\.+$/, '');
}

/** Fills the spec §1 defaults: cluster.local, 10th address of serviceCIDR, pods insecure, ttl 30. */
export function clusterDNSConfig(settings: ClusterDNSSettings = {}): ClusterDNSConfig {
  const dns = settings.dns ?? {};
  const cidrs = settings.serviceCIDR === undefined ? ['10.96.0.0/12'] : ([] as string[]).concat(settings.serviceCIDR);
  const dnsServiceIP = settings.dnsServiceIP ?? nthAddress(cidrs[0] ?? '10.96.0.0/12', 10) ?? '10.96.0.10';
  return {
    zone: bareName(settings.dnsDomain ?? 'cluster.local'),
    dnsServiceIP,
    pods: dns.pods ?? 'insecure',
    ttl: dns.ttl ?? 30,
    endpointPodNames: dns.endpointPodNames ?? false,
    namespaces: [...(dns.namespaces ?? [])],
    ignoreEmptyService: dns.ignoreEmptyService ?? false,
    zones: (dns.zones ?? []).map(bareName).filter((z) => z !== ''),
    upstream: { records: [...(dns.upstream?.records ?? [])], forward: [...(dns.upstream?.forward ?? [])] },
  };
}

export interface PortRecord {
  /** Port name ('' when unnamed). */
  name: string;
  /** TCP, UDP or SCTP. */
  protocol: string;
  port: number;
}

export type ServiceDNSKind = 'ClusterIP' | 'Headless' | 'ExternalName';

/** What DNS needs of a Service. */
export interface ServiceRecord {
  namespace: string;
  name: string;
  kind: ServiceDNSKind;
  /** spec.clusterIPs (valid addresses only; empty for headless / ExternalName). */
  clusterIPs: string[];
  ports: PortRecord[];
  externalName: string;
}

/** One ready address of an EndpointSlice, with its DNS name and the slice's ports. */
export interface EndpointRecord {
  address: string;
  family: 4 | 6;
  /** The endpoint's DNS label: hostname, pod name (endpointPodNames) or the dashed address. */
  hostname: string;
  ports: readonly PortRecord[];
}

interface SliceRecord {
  serviceKey: string;
  endpoints: EndpointRecord[];
}

interface PodEntry {
  namespace: string;
  ip: string;
}

const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

/**
 * The DNS label of an endpoint, as CoreDNS names it: hostname, else (endpointPodNames) the
 * pod name when it fits a label, else the address with `.`/`:` turned into `-`.
 */
export function endpointHostname(address: string, hostname: string | undefined, podName: string | undefined, endpointPodNames: boolean): string {
  if (hostname) return hostname;
  if (endpointPodNames && podName && podName.length < 64) return podName;
  if (address.includes('.')) return address.replaceAll('.', '-');
  const dashed = address.replaceAll(':', '-');
  // A label may not end with a dash: `2001:db8::` becomes `2001-db8--0`.
  return dashed.endsWith('-') ? `${dashed}0` : dashed;
}

/** A DNS projection of the cluster, indexed by (namespace, name) and by address. */
export class ClusterZone {
  readonly config: ClusterDNSConfig;
  readonly upstream: UpstreamWorld;
  readonly #clock: VirtualClock | undefined;
  #revision = 0;
  #serial: number;
  readonly #services = new Map<string, ServiceRecord>();
  readonly #slices = new Map<string, SliceRecord>();
  readonly #slicesByService = new Map<string, Set<string>>();
  readonly #endpointCache = new Map<string, EndpointRecord[]>();
  readonly #namespaces = new Set<string>();
  readonly #exposed: Set<string> | null;
  readonly #byClusterIP = new Map<number | string, Set<string>>();
  readonly #byEndpointIP = new Map<number | string, Map<string, SliceRecord>>();
  readonly #pods = new Map<string, PodEntry>();
  readonly #podsByIP = new Map<string, Map<string, string>>();

  constructor(config: ClusterDNSConfig = clusterDNSConfig(), options: { clock?: VirtualClock } = {}) {
    this.config = config;
    this.upstream = new UpstreamWorld(config.upstream.records);
    this.#clock = options.clock;
    this.#exposed = config.namespaces.length > 0 ? new Set(config.namespaces) : null;
    this.#serial = this.#now();
  }

  /** Bumped on every change that can alter an answer; caches key on it. */
  get revision(): number {
    return this.#revision;
  }

  /** SOA serial: Unix seconds (simulated) of the last change, as CoreDNS's Modified(). */
  get serial(): number {
    return this.#serial;
  }

  #now(): number {
    return Math.floor((SIM_EPOCH_MS + (this.#clock?.now() ?? 0)) / 1000);
  }

  #changed(): void {
    this.#revision++;
    this.#serial = this.#now();
  }

  /** Adds or replaces a Service, EndpointSlice, Pod or Namespace; other kinds are ignored. */
  upsert(obj: KubeObject): void {
    switch (obj.kind) {
      case 'Service':
        this.#upsertService(obj as Service);
        break;
      case 'EndpointSlice':
        this.#upsertSlice(obj as EndpointSlice);
        break;
      case 'Pod':
        this.#upsertPod(obj as Pod);
        break;
      case 'Namespace':
        if (obj.metadata.name && !this.#namespaces.has(obj.metadata.name)) {
          this.#namespaces.add(obj.metadata.name);
          this.#changed();
        }
        break;
    }
  }

  /** Removes a Service, EndpointSlice, Pod or Namespace (only its kind, namespace and name are read). */
  remove(obj: KubeObject): void {
    const key = `${obj.metadata.namespace ?? 'default'}/${obj.metadata.name}`;
    switch (obj.kind) {
      case 'Service':
        if (this.#services.has(key)) {
          this.#unindexService(key);
          this.#services.delete(key);
          this.#changed();
        }
        break;
      case 'EndpointSlice':
        if (this.#slices.has(key)) {
          this.#removeSlice(key);
          this.#changed();
        }
        break;
      case 'Pod':
        if (this.#pods.has(key)) {
          this.#unindexPod(key);
          this.#changed();
        }
        break;
      case 'Namespace':
        if (obj.metadata.name && this.#namespaces.delete(obj.metadata.name)) this.#changed();
        break;
    }
  }

  #upsertService(svc: Service): void {
    const namespace = svc.metadata.namespace ?? 'default';
    const name = svc.metadata.name ?? '';
    const key = `${namespace}/${name}`;
    const spec = svc.spec ?? {};
    let kind: ServiceDNSKind = 'ClusterIP';
    let clusterIPs: string[] = [];
    if (spec.type === 'ExternalName') kind = 'ExternalName';
    else {
      const ips = spec.clusterIPs?.length ? spec.clusterIPs : spec.clusterIP ? [spec.clusterIP] : [];
      if (ips[0] === 'None') kind = 'Headless';
      else clusterIPs = ips.filter((ip) => ipFamily(ip) !== 0);
    }
    const record: ServiceRecord = {
      namespace,
      name,
      kind,
      clusterIPs,
      ports: (spec.ports ?? []).map((p) => ({ name: p.name ?? '', protocol: p.protocol ?? 'TCP', port: p.port })),
      externalName: kind === 'ExternalName' ? (spec.externalName ?? '') : '',
    };
    if (this.#services.has(key)) this.#unindexService(key);
    this.#services.set(key, record);
    for (const ip of clusterIPs) {
      const k = addressKey(ip);
      if (k === null) continue;
      let set = this.#byClusterIP.get(k);
      if (!set) this.#byClusterIP.set(k, (set = new Set()));
      set.add(key);
    }
    this.#changed();
  }

  #unindexService(key: string): void {
    const old = this.#services.get(key);
    if (!old) return;
    for (const ip of old.clusterIPs) {
      const k = addressKey(ip);
      if (k === null) continue;
      const set = this.#byClusterIP.get(k);
      set?.delete(key);
      if (set && set.size === 0) this.#byClusterIP.delete(k);
    }
  }

  #upsertSlice(slice: EndpointSlice): void {
    const namespace = slice.metadata.namespace ?? 'default';
    const key = `${namespace}/${slice.metadata.name}`;
    if (this.#slices.has(key)) this.#removeSlice(key);
    const serviceName = slice.metadata.labels?.[SERVICE_NAME_LABEL];
    if (!serviceName || slice.addressType === 'FQDN') {
      this.#changed();
      return;
    }
    const ports: PortRecord[] = [];
    for (const p of slice.ports ?? []) {
      if (typeof p.port !== 'number') continue; // a port without a number has no SRV record
      ports.push({ name: p.name ?? '', protocol: p.protocol ?? 'TCP', port: p.port });
    }
    const endpoints: EndpointRecord[] = [];
    for (const ep of slice.endpoints ?? []) {
      // CoreDNS reads only `ready`; nil counts as ready, serving/terminating are ignored.
      if (ep.conditions?.ready === false) continue;
      for (const address of ep.addresses ?? []) {
        const family = ipFamily(address);
        if (family === 0) continue;
        const hostname = endpointHostname(address, ep.hostname, ep.targetRef?.name, this.config.endpointPodNames);
        endpoints.push({ address, family, hostname, ports });
      }
    }
    const serviceKey = `${namespace}/${serviceName}`;
    const record: SliceRecord = { serviceKey, endpoints };
    this.#slices.set(key, record);
    let set = this.#slicesByService.get(serviceKey);
    if (!set) this.#slicesByService.set(serviceKey, (set = new Set()));
    set.add(key);
    this.#endpointCache.delete(serviceKey);
    for (const ep of endpoints) {
      const k = addressKey(ep.address);
      if (k === null) continue;
      let bySlice = this.#byEndpointIP.get(k);
      if (!bySlice) this.#byEndpointIP.set(k, (bySlice = new Map()));
      bySlice.set(key, record);
    }
    this.#changed();
  }

  #removeSlice(key: string): void {
    const old = this.#slices.get(key);
    if (!old) return;
    this.#slices.delete(key);
    const set = this.#slicesByService.get(old.serviceKey);
    set?.delete(key);
    if (set && set.size === 0) this.#slicesByService.delete(old.serviceKey);
    this.#endpointCache.delete(old.serviceKey);
    for (const ep of old.endpoints) {
      const k = addressKey(ep.address);
      if (k === null) continue;
      const bySlice = this.#byEndpointIP.get(k);
      bySlice?.delete(key);
      if (bySlice && bySlice.size === 0) this.#byEndpointIP.delete(k);
    }
  }

  #upsertPod(pod: Pod): void {
    const namespace = pod.metadata.namespace ?? 'default';
    const key = `${namespace}/${pod.metadata.name}`;
    const old = this.#pods.get(key);
    // As CoreDNS's pod cache: updates of a terminating pod are ignored until its delete.
    if (old && pod.metadata.deletionTimestamp) return;
    const ip = pod.status?.podIP ?? '';
    if (old && old.ip === ip) return; // nothing DNS can see changed
    if (old) this.#unindexPod(key);
    if (ip) {
      this.#pods.set(key, { namespace, ip });
      let byKey = this.#podsByIP.get(ip);
      if (!byKey) this.#podsByIP.set(ip, (byKey = new Map()));
      byKey.set(key, namespace);
    }
    if (old || ip) this.#changed();
  }

  #unindexPod(key: string): void {
    const old = this.#pods.get(key);
    if (!old) return;
    this.#pods.delete(key);
    const byKey = this.#podsByIP.get(old.ip);
    byKey?.delete(key);
    if (byKey && byKey.size === 0) this.#podsByIP.delete(old.ip);
  }

  // ---- lookups (names lower case) ----

  /** True when the namespace exists and passes the `namespaces` filter. */
  namespaceExposed(namespace: string): boolean {
    return this.#namespaces.has(namespace) && (this.#exposed === null || this.#exposed.has(namespace));
  }

  /** The Service in an exposed namespace, or undefined. */
  service(namespace: string, name: string): ServiceRecord | undefined {
    if (!this.namespaceExposed(namespace)) return undefined;
    return this.#services.get(`${namespace}/${name}`);
  }

  /** Every ready endpoint address of a Service across its slices (slice-name order, duplicates kept). */
  endpoints(namespace: string, name: string): readonly EndpointRecord[] {
    const key = `${namespace}/${name}`;
    let list = this.#endpointCache.get(key);
    if (list) return list;
    list = [];
    const sliceKeys = [...(this.#slicesByService.get(key) ?? [])].sort();
    for (const sk of sliceKeys) list.push(...this.#slices.get(sk)!.endpoints);
    this.#endpointCache.set(key, list);
    return list;
  }

  /** Services (exposed namespaces) that own this ClusterIP, sorted by namespace/name. */
  servicesByClusterIP(key: number | string): ServiceRecord[] {
    const set = this.#byClusterIP.get(key);
    if (!set) return [];
    return [...set].sort().map((k) => this.#services.get(k)!).filter((s) => this.namespaceExposed(s.namespace));
  }

  /** (namespace, service, endpoint hostname) of every ready endpoint with this address, exposed namespaces only, sorted and deduplicated. */
  endpointNamesByIP(key: number | string): { namespace: string; service: string; hostname: string }[] {
    const bySlice = this.#byEndpointIP.get(key);
    if (!bySlice) return [];
    const seen = new Map<string, { namespace: string; service: string; hostname: string }>();
    for (const slice of bySlice.values()) {
      const slash = slice.serviceKey.indexOf('/');
      const namespace = slice.serviceKey.slice(0, slash);
      if (!this.namespaceExposed(namespace)) continue;
      const service = slice.serviceKey.slice(slash + 1);
      for (const ep of slice.endpoints) {
        if (addressKey(ep.address) !== key) continue;
        const id = `${namespace}/${service}/${ep.hostname}`;
        if (!seen.has(id)) seen.set(id, { namespace, service, hostname: ep.hostname });
      }
    }
    return [...seen.keys()].sort().map((k) => seen.get(k)!);
  }

  /** True when a pod in `namespace` has this primary status.podIP (pods verified). */
  podExists(namespace: string, ip: string): boolean {
    const byKey = this.#podsByIP.get(ip);
    if (!byKey) return false;
    for (const ns of byKey.values()) if (ns === namespace) return true;
    return false;
  }

  /** Number of Services, EndpointSlices and Pods held (for benchmarks and debugging). */
  size(): { services: number; endpointSlices: number; pods: number; namespaces: number } {
    return { services: this.#services.size, endpointSlices: this.#slices.size, pods: this.#pods.size, namespaces: this.#namespaces.size };
  }
}
