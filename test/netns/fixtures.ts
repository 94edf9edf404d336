// A small hand-built cluster for the data-plane tests: two nodes with pod CIDRs, pods with
// IPs, Services and EndpointSlices written directly (no controllers), as a user could.
import type { KubeObject } from '../../lib/api/meta.js';
import type { EndpointSlice, Node, Pod, Service } from '../../lib/api/types.js';
import type { FieldError } from '../../lib/api/errors.js';
import { parseClusterSettings } from '../../lib/scenario/cluster.js';
import type { Scenario } from '../../lib/scenario/types.js';
import { Simulation } from '../../lib/sim/simulation.js';

export interface ClusterOptions {
  cni?: 'host-gw' | 'vxlan';
  proxy?: Record<string, unknown>;
  nodes?: { name: string; ip: string; podCIDR: string; labels?: Record<string, string> }[];
}

export const NODES = [
  { name: 'node-1', ip: '192.168.0.11', podCIDR: '10.244.1.0/24' },
  { name: 'node-2', ip: '192.168.0.12', podCIDR: '10.244.2.0/24' },
];

/** A bootstrapped simulation with the given nodes (pod CIDRs set as node IPAM would). */
export async function cluster(opts: ClusterOptions = {}): Promise<Simulation> {
  const nodes: NonNullable<ClusterOptions['nodes']> = opts.nodes ?? NODES;
  const errs: FieldError[] = [];
  const settings = parseClusterSettings(
    {
      clusterCIDR: '10.244.0.0/16',
      serviceCIDR: '10.96.0.0/12',
      nodeNetwork: '192.168.0.0/24',
      cni: opts.cni ?? 'host-gw',
      ...(opts.proxy ? { proxy: opts.proxy } : {}),
      nodes: nodes.map((n) => ({ name: n.name, ip: n.ip, ...(n.labels ? { labels: n.labels } : {}) })),
    },
    errs,
  );
  if (errs.length) throw new Error(errs.map(String).join('\n'));
  const scenario: Scenario = { name: 'test', description: '', file: 'test.yaml', cluster: settings, objects: [], timeline: [], checks: [], implicitNamespaces: [] };
  const sim = new Simulation(scenario);
  await sim.bootstrap();
  for (const n of nodes) {
    const cur = await sim.api.get<Node>('Node', undefined, n.name);
    await sim.backend.update<Node>({ ...cur, spec: { ...cur.spec, podCIDR: n.podCIDR, podCIDRs: [n.podCIDR] } });
  }
  return sim;
}

/** A running, ready pod with an IP on a node (as the scheduler and kubelet would leave it). */
export async function addPod(sim: Simulation, ns: string, name: string, node: string, ip: string, labels: Record<string, string> = {}, port = 8080, hostNetwork = false): Promise<Pod> {
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { namespace: ns, name, labels },
    spec: { nodeName: node, ...(hostNetwork ? { hostNetwork: true } : {}), containers: [{ name: 'c', image: 'registry.k8s.io/e2e-test-images/agnhost:2.53', ports: [{ containerPort: port, protocol: 'TCP' }] }] },
    status: { phase: 'Running', podIP: ip, podIPs: [{ ip }], conditions: [{ type: 'Ready', status: 'True' }] },
  };
  return sim.backend.create(pod);
}

/** A Service created through the API server (defaulting, validation, the given IPs kept). */
export async function addService(sim: Simulation, svc: Partial<Service> & { metadata: Service['metadata']; spec: Service['spec'] }): Promise<Service> {
  return sim.api.create<Service>({ apiVersion: 'v1', kind: 'Service', ...svc } as Service);
}

/** An EndpointSlice of `service` with ready endpoints (address, node) on `port`. */
export async function addSlice(sim: Simulation, ns: string, service: string, port: { name?: string; port: number; protocol?: 'TCP' | 'UDP' | 'SCTP' }, endpoints: { ip: string; node?: string; pod?: string; ready?: boolean }[], suffix = 'abcde'): Promise<EndpointSlice> {
  const slice: EndpointSlice = {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { namespace: ns, name: `${service}-${suffix}`, labels: { 'kubernetes.io/service-name': service } },
    addressType: 'IPv4',
    endpoints: endpoints.map((e) => ({
      addresses: [e.ip],
      conditions: { ready: e.ready ?? true, serving: e.ready ?? true, terminating: false },
      ...(e.node ? { nodeName: e.node } : {}),
      ...(e.pod ? { targetRef: { kind: 'Pod', namespace: ns, name: e.pod } } : {}),
    })),
    ports: [{ name: port.name ?? '', port: port.port, protocol: port.protocol ?? 'TCP' }],
  };
  return sim.api.create(slice as KubeObject) as Promise<EndpointSlice>;
}

/**
 * The test cluster of the data-plane tests: node-1 (192.168.0.11, 10.244.1.0/24) with pods
 * client 10.244.1.5 and web-1 10.244.1.6, node-2 (192.168.0.12, 10.244.2.0/24) with web-2
 * 10.244.2.7, and Services (selector-less, their slices written here):
 *   web     ClusterIP 10.96.0.20:80 (port http) → web-1, web-2 :8080
 *   np      NodePort 10.96.0.30:80, nodePort 30080 → web-2
 *   lbl     LoadBalancer eTP Local 10.96.0.40, 172.18.255.1:80, nodePort 30081, hc 31000 → web-2
 *   lbc     LoadBalancer eTP Cluster 10.96.0.41, 172.18.255.2:80, nodePort 30082, sourceRanges 203.0.113.0/24 → web-2
 *   lbgone  LoadBalancer eTP Local 10.96.0.42, 172.18.255.3:80, nodePort 30083 → 10.244.9.5 on node-9 (not modelled)
 *   empty   ClusterIP 10.96.0.50:80, no endpoints
 *   ext     ClusterIP 10.96.0.60:80, externalIPs 198.51.100.10 → web-2
 *   sticky  ClusterIP 10.96.0.70:80, ClientIP affinity → web-1, web-2
 */
export async function testCluster(opts: ClusterOptions = {}): Promise<Simulation> {
  const sim = await cluster(opts);
  await addPod(sim, 'default', 'client', 'node-1', '10.244.1.5', { app: 'client' });
  await addPod(sim, 'default', 'web-1', 'node-1', '10.244.1.6', { app: 'web' });
  await addPod(sim, 'default', 'web-2', 'node-2', '10.244.2.7', { app: 'web' });
  const both = [{ ip: '10.244.1.6', node: 'node-1', pod: 'web-1' }, { ip: '10.244.2.7', node: 'node-2', pod: 'web-2' }];
  const web2 = [{ ip: '10.244.2.7', node: 'node-2', pod: 'web-2' }];
  await addService(sim, { metadata: { namespace: 'default', name: 'web' }, spec: { clusterIP: '10.96.0.20', ports: [{ name: 'http', port: 80, targetPort: 8080 }] } });
  await addSlice(sim, 'default', 'web', { name: 'http', port: 8080 }, both);
  await addService(sim, { metadata: { namespace: 'default', name: 'np' }, spec: { type: 'NodePort', clusterIP: '10.96.0.30', ports: [{ port: 80, targetPort: 8080, nodePort: 30080 }] } });
  await addSlice(sim, 'default', 'np', { port: 8080 }, web2);
  const lb = (name: string, clusterIP: string, vip: string, nodePort: number, extra: Partial<Service['spec']>) =>
    addService(sim, {
      metadata: { namespace: 'default', name },
      spec: { type: 'LoadBalancer', clusterIP, ports: [{ port: 80, targetPort: 8080, nodePort }], ...extra },
      status: { loadBalancer: { ingress: [{ ip: vip, ipMode: 'VIP' }] } },
    } as Service);
  await lb('lbl', '10.96.0.40', '172.18.255.1', 30081, { externalTrafficPolicy: 'Local', healthCheckNodePort: 31000 });
  await addSlice(sim, 'default', 'lbl', { port: 8080 }, web2);
  await lb('lbc', '10.96.0.41', '172.18.255.2', 30082, { loadBalancerSourceRanges: ['203.0.113.0/24'] });
  await addSlice(sim, 'default', 'lbc', { port: 8080 }, web2);
  await lb('lbgone', '10.96.0.42', '172.18.255.3', 30083, { externalTrafficPolicy: 'Local', healthCheckNodePort: 31001 });
  await addSlice(sim, 'default', 'lbgone', { port: 8080 }, [{ ip: '10.244.9.5', node: 'node-9' }]);
  await addService(sim, { metadata: { namespace: 'default', name: 'empty' }, spec: { clusterIP: '10.96.0.50', ports: [{ port: 80, targetPort: 8080 }] } });
  await addService(sim, { metadata: { namespace: 'default', name: 'ext' }, spec: { clusterIP: '10.96.0.60', externalIPs: ['198.51.100.10'], ports: [{ port: 80, targetPort: 8080 }] } });
  await addSlice(sim, 'default', 'ext', { port: 8080 }, web2);
  await addService(sim, { metadata: { namespace: 'default', name: 'sticky' }, spec: { clusterIP: '10.96.0.70', sessionAffinity: 'ClientIP', ports: [{ port: 80, targetPort: 8080 }] } });
  await addSlice(sim, 'default', 'sticky', { port: 8080 }, both);
  return sim;
}
