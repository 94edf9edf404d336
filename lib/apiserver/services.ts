// Service IP and port allocation as the API server's service registry does it
// (pkg/registry/core/service/storage/alloc.go): cluster IPs per IP family, node ports,
// health-check node ports; released when the Service is deleted or stops needing them.
import { StatusError, errors, field } from '../api/errors.js';
import type { KubeObject } from '../api/meta.js';
import type { IPFamily, Service } from '../api/types.js';
import { ServiceClusterIPAllocator } from '../ipam/clusterip.js';
import { ipFamilyName as familyName, parseCIDR, parseIPSloppy } from '../ipam/cidr.js';
import { NodePortAllocator } from '../ipam/nodeport.js';
import type { ClusterSettings } from '../scenario/types.js';
import type { Random } from '../sim/random.js';
import type { AdmissionPlugin } from './apiserver.js';


export class ServiceAllocation implements AdmissionPlugin {
  readonly ipAllocators = new Map<IPFamily, ServiceClusterIPAllocator>();
  readonly nodePorts: NodePortAllocator;
  /** The cluster's primary family: the family of the first service CIDR. */
  readonly primary: IPFamily;

  constructor(cluster: ClusterSettings, random: Random) {
    for (const cidr of cluster.serviceCIDR) {
      const a = new ServiceClusterIPAllocator(cidr, random.child(`clusterip/${cidr}`));
      this.ipAllocators.set(familyName(a.cidr.family), a);
    }
    this.primary = familyName(parseCIDR(cluster.serviceCIDR[0]!).family);
    this.nodePorts = new NodePortAllocator(cluster.nodePortRange, random.child('nodeport'));
  }

  admit(obj: KubeObject, old: KubeObject | undefined): (() => void) | undefined {
    if (obj.kind !== 'Service') return undefined;
    const svc = obj as Service;
    const prev = old as Service | undefined;
    const undo: (() => void)[] = [];
    const rollback = () => {
      for (const u of undo.reverse()) u();
    };
    if (prev) dropTypeDependentFields(svc, prev);
    try {
      this.#clusterIPs(svc, prev, undo);
      this.#nodePorts(svc, prev, undo);
      this.#healthCheckNodePort(svc, prev, undo);
    } catch (e) {
      rollback();
      throw e;
    }
    // What the update no longer uses is released only once it is stored.
    if (prev) this.#pendingRelease.set(svc, prev);
    return rollback;
  }

  /** Called by the API server after a successful write. */
  stored(obj: KubeObject): void {
    const prev = this.#pendingRelease.get(obj);
    if (prev) {
      this.#pendingRelease.delete(obj);
      this.#releaseUnused(prev, obj as Service);
    }
  }

  #pendingRelease = new WeakMap<KubeObject, Service>();

  deleted(obj: KubeObject): void {
    if (obj.kind !== 'Service') return;
    this.#releaseUnused(obj as Service, undefined);
  }

  /** Cluster IPs per family: requested ones honoured (or refused), the rest allocated; kept on update. */
  #clusterIPs(svc: Service, prev: Service | undefined, undo: (() => void)[]): void {
    const spec = svc.spec;
    if (spec.type === 'ExternalName') {
      delete spec.clusterIP;
      delete spec.clusterIPs;
      delete spec.ipFamilies;
      delete spec.ipFamilyPolicy;
      return;
    }
    if (prev && prev.spec.type !== 'ExternalName' && prev.spec.clusterIPs?.length) {
      // clusterIPs are immutable (validation refuses a change); carry them over.
      spec.clusterIP = prev.spec.clusterIP;
      spec.clusterIPs = [...prev.spec.clusterIPs];
      spec.ipFamilies = [...(prev.spec.ipFamilies ?? [])];
      spec.ipFamilyPolicy = spec.ipFamilyPolicy ?? prev.spec.ipFamilyPolicy;
      return;
    }
    const requested = spec.clusterIPs?.length ? [...spec.clusterIPs] : spec.clusterIP ? [spec.clusterIP] : [];
    // Malformed addresses are left for validation to report in its own words.
    if (requested.some((ip) => typeof ip !== 'string' || (ip !== 'None' && !parseIPSloppy(ip)))) return;
    const policy = spec.ipFamilyPolicy ?? 'SingleStack';
    const dualStackCluster = this.ipAllocators.size === 2;
    if (policy === 'RequireDualStack' && !dualStackCluster) {
      throw errors.invalid('Service', svc.metadata.name ?? '', [
        field.invalid('spec.ipFamilyPolicy', policy, 'this cluster is not configured for dual-stack services'),
      ]);
    }
    // Families: as requested, else from requested IPs, else the cluster's order.
    let families: IPFamily[] = spec.ipFamilies?.length ? [...spec.ipFamilies] : [];
    if (!families.length) {
      for (const ip of requested) {
        if (ip === 'None') continue;
        const p = parseIPSloppy(ip);
        if (p) families.push(familyName(p.family));
      }
    }
    if (!families.length) families = [this.primary];
    for (const f of families) {
      if (!this.ipAllocators.has(f)) {
        throw errors.invalid('Service', svc.metadata.name ?? '', [
          field.invalid('spec.ipFamilies', families, `${f} is not configured on this cluster`),
        ]);
      }
    }
    if (policy !== 'SingleStack' && dualStackCluster && families.length === 1) {
      families.push(families[0] === 'IPv4' ? 'IPv6' : 'IPv4');
    }
    if (policy === 'SingleStack') families = families.slice(0, 1);
    spec.ipFamilies = families;
    spec.ipFamilyPolicy = policy;
    if (requested[0] === 'None') {
      spec.clusterIP = 'None';
      spec.clusterIPs = ['None'];
      return;
    }
    const ips: string[] = [];
    for (const [i, f] of families.entries()) {
      const alloc = this.ipAllocators.get(f)!;
      const want = requested[i];
      const ip = want ? alloc.allocate(want, { name: svc.metadata.name ?? '', clusterIPs: requested }) : alloc.allocateNext();
      undo.push(() => alloc.release(ip));
      ips.push(ip);
    }
    spec.clusterIP = ips[0];
    spec.clusterIPs = ips;
  }

  #needsNodePorts(svc: Service): boolean {
    const t = svc.spec.type;
    return t === 'NodePort' || (t === 'LoadBalancer' && svc.spec.allocateLoadBalancerNodePorts !== false);
  }

  #nodePorts(svc: Service, prev: Service | undefined, undo: (() => void)[]): void {
    const ports = svc.spec.ports ?? [];
    if (!this.#needsNodePorts(svc)) {
      // A LoadBalancer without node ports may still keep ports the user set.
      if (svc.spec.type !== 'LoadBalancer') for (const p of ports) delete p.nodePort;
      return;
    }
    const held = new Set<number>();
    for (const p of prev?.spec.ports ?? []) if (p.nodePort) held.add(p.nodePort);
    // As upstream: the same node port may serve one port number over two protocols.
    const byPort = new Map<number, number>();
    ports.forEach((p, i) => {
      if (p.nodePort !== undefined && !Number.isInteger(p.nodePort)) return; // validation reports it
      if (p.nodePort) {
        if (!held.has(p.nodePort) && !byPort.has(p.nodePort)) {
          this.nodePorts.allocate(p.nodePort, { name: svc.metadata.name ?? '', field: `spec.ports[${i}].nodePort` });
          const n = p.nodePort;
          undo.push(() => this.nodePorts.release(n));
        }
        byPort.set(p.port, p.nodePort);
        return;
      }
      const prevPort = prev?.spec.ports?.find((q) => q.port === p.port && (q.protocol ?? 'TCP') === (p.protocol ?? 'TCP'))?.nodePort;
      if (prevPort) {
        p.nodePort = prevPort;
        return;
      }
      const shared = byPort.get(p.port);
      if (shared) {
        p.nodePort = shared;
        return;
      }
      const n = this.nodePorts.allocateNext();
      undo.push(() => this.nodePorts.release(n));
      p.nodePort = n;
      byPort.set(p.port, n);
    });
  }

  #healthCheckNodePort(svc: Service, prev: Service | undefined, undo: (() => void)[]): void {
    const needs = svc.spec.type === 'LoadBalancer' && svc.spec.externalTrafficPolicy === 'Local';
    if (!needs) {
      delete svc.spec.healthCheckNodePort;
      return;
    }
    if (svc.spec.healthCheckNodePort) {
      if (prev?.spec.healthCheckNodePort === svc.spec.healthCheckNodePort) return;
      const n = svc.spec.healthCheckNodePort;
      this.nodePorts.allocate(n, { name: svc.metadata.name ?? '', field: 'spec.healthCheckNodePort' });
      undo.push(() => this.nodePorts.release(n));
      return;
    }
    if (prev?.spec.healthCheckNodePort) {
      svc.spec.healthCheckNodePort = prev.spec.healthCheckNodePort;
      return;
    }
    const n = this.nodePorts.allocateNext();
    undo.push(() => this.nodePorts.release(n));
    svc.spec.healthCheckNodePort = n;
  }

  /** Releases what `prev` held and `next` (undefined on delete) no longer uses. */
  #releaseUnused(prev: Service, next: Service | undefined): void {
    const keepIPs = new Set(next?.spec.clusterIPs ?? []);
    for (const ip of prev.spec.clusterIPs ?? []) {
      if (ip === 'None' || keepIPs.has(ip)) continue;
      const p = parseIPSloppy(ip);
      if (p) this.ipAllocators.get(familyName(p.family))?.release(ip);
    }
    const keepPorts = new Set<number>();
    for (const p of next?.spec.ports ?? []) if (p.nodePort) keepPorts.add(p.nodePort);
    if (next?.spec.healthCheckNodePort) keepPorts.add(next.spec.healthCheckNodePort);
    const held = new Set<number>();
    for (const p of prev.spec.ports ?? []) if (p.nodePort) held.add(p.nodePort);
    if (prev.spec.healthCheckNodePort) held.add(prev.spec.healthCheckNodePort);
    for (const n of held) if (!keepPorts.has(n)) this.nodePorts.release(n);
  }
}

const externallyAccessible = (t: string | undefined) => t === 'NodePort' || t === 'LoadBalancer';

/**
 * As the registry's dropTypeDependentFields: when an update changes the type so that a field no
 * longer applies, the field is cleared if the client left it as it was.
 */
function dropTypeDependentFields(svc: Service, prev: Service): void {
  const s = svc.spec;
  const p = prev.spec;
  if ((s.type ?? 'ClusterIP') === (p.type ?? 'ClusterIP')) return;
  if (!externallyAccessible(s.type)) {
    (s.ports ?? []).forEach((port) => {
      const old = p.ports?.find((q) => q.port === port.port && (q.protocol ?? 'TCP') === (port.protocol ?? 'TCP'));
      if (port.nodePort !== undefined && port.nodePort === old?.nodePort) delete port.nodePort;
    });
    if (s.externalTrafficPolicy === p.externalTrafficPolicy && !(s.externalIPs?.length)) delete s.externalTrafficPolicy;
  }
  if (s.type !== 'LoadBalancer') {
    if (s.healthCheckNodePort === p.healthCheckNodePort) delete s.healthCheckNodePort;
    if (s.allocateLoadBalancerNodePorts === p.allocateLoadBalancerNodePorts) delete s.allocateLoadBalancerNodePorts;
    if (s.loadBalancerClass === p.loadBalancerClass) delete s.loadBalancerClass;
  }
}

/** True for the StatusError a full range gives (the object is refused; the run reports it). */
export function isAllocationError(e: unknown): boolean {
  return e instanceof StatusError && /failed to allocate/.test(e.message);
}
