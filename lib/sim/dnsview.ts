// The cluster DNS of a simulation: a ClusterZone kept up to date from the shared informers
// (Services, EndpointSlices, Pods, Namespaces), as CoreDNS watches the API server.
import type { KubeObject } from '../api/meta.js';
import type { Pod } from '../api/types.js';
import { answerQuery } from '../../dns/kubernetes.js';
import { type ResolverKind, type ResolverWalk, resolveName } from '../../dns/resolver.js';
import { type ResolvConf, podResolvConf } from '../../dns/resolvconf.js';
import { ClusterZone, clusterDNSConfig } from '../../dns/zone.js';
import { nthAddress, parseCIDR } from '../ipam/cidr.js';
import type { ClusterSettings } from '../scenario/types.js';
import type { Simulation } from './simulation.js';

const DNS_KINDS = ['Namespace', 'Service', 'EndpointSlice', 'Pod'];

/** A zone fed by the simulation's informers; changes are answerable at once. */
export async function clusterZoneOf(sim: Simulation): Promise<ClusterZone> {
  const c = sim.scenario.cluster;
  const zone = new ClusterZone(
    clusterDNSConfig({ dnsDomain: c.dnsDomain, dnsServiceIP: c.dnsServiceIP, serviceCIDR: c.serviceCIDR, dns: c.dns }),
    { clock: sim.clock },
  );
  for (const kind of DNS_KINDS) {
    const inf = sim.informers.for<KubeObject>(kind);
    inf.on('add', (o: KubeObject) => zone.upsert(o));
    inf.on('update', (_old: KubeObject, o: KubeObject) => zone.upsert(o));
    inf.on('delete', (o: KubeObject) => zone.remove(o));
  }
  await sim.informers.startAll();
  for (const kind of DNS_KINDS) for (const o of sim.informers.for<KubeObject>(kind).lister.list()) zone.upsert(o);
  return zone;
}

/** The resolv.conf of the node a pod runs on, as the simulation models it: the node network's gateway, no search. */
export function hostResolvConf(cluster: ClusterSettings): string {
  return cluster.nodeNetwork ? `nameserver ${nthAddress(parseCIDR(cluster.nodeNetwork), 1n)}\n` : '';
}

/** The resolv.conf the kubelet writes for `pod` (its dnsPolicy and dnsConfig). */
export function podResolvConfOf(sim: Simulation, pod: Pod): ResolvConf {
  const c = sim.scenario.cluster;
  const node = pod.status?.hostIP ? [pod.status.hostIP] : [];
  return podResolvConf(pod, { clusterDomain: c.dnsDomain, clusterDNS: [c.dnsServiceIP], hostResolvConf: hostResolvConf(c), nodeIPs: node }).resolvConf;
}

/** Resolves `name` as `pod`'s libc would, against the cluster DNS. */
export function resolveFromPod(sim: Simulation, zone: ClusterZone, pod: Pod, name: string, type: string, resolver: ResolverKind = 'glibc'): ResolverWalk {
  return resolveName(podResolvConfOf(sim, pod), name, type, (n, t) => answerQuery(zone, { name: n, type: t }), { resolver });
}
