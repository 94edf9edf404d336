// What a fresh kubeadm cluster holds before any user object: the system namespaces, the
// Nodes of the scenario, and the `kubernetes` Service with its endpoints on the API server.
import type { KubeObject } from '../api/meta.js';
import type { EndpointSlice, Node, Service } from '../api/types.js';
import { formatIP, parseCIDR } from '../ipam/cidr.js';
import type { ClusterSettings, ScenarioNode } from '../scenario/types.js';

export const SYSTEM_NAMESPACES = ['default', 'kube-node-lease', 'kube-public', 'kube-system'];
/** The label kubeadm puts on control-plane nodes. */
export const CONTROL_PLANE_LABEL = 'node-role.kubernetes.io/control-plane';
/** kube-apiserver's secure port, behind the `kubernetes` Service's 443. */
export const APISERVER_PORT = 6443;

export function namespaceObject(name: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, labels: { 'kubernetes.io/metadata.name': name } },
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  };
}

/** Node objects for the scenario's nodes; nodes without an address get the next free one of nodeNetwork (from .2, as kind). */
export function nodeObjects(cluster: ClusterSettings): Node[] {
  const taken = new Set(cluster.nodes.flatMap((n) => n.addresses.map((a) => a.address)));
  const net = cluster.nodeNetwork ? parseCIDR(cluster.nodeNetwork) : undefined;
  let next = net ? net.base + 2n : 0n;
  const nextFree = (): string | undefined => {
    if (!net) return undefined;
    const last = net.base + net.size - (net.family === 4 ? 2n : 1n);
    while (next <= last) {
      const ip = formatIP(next++, net.family);
      if (!taken.has(ip)) return ip;
    }
    return undefined;
  };
  return cluster.nodes.map((n) => nodeObject(n, n.addresses.some((a) => a.type === 'InternalIP') ? undefined : nextFree()));
}

function nodeObject(n: ScenarioNode, assigned: string | undefined): Node {
  const addresses = [...n.addresses];
  if (assigned) addresses.unshift({ type: 'InternalIP', address: assigned });
  if (!addresses.some((a) => a.type === 'Hostname')) addresses.push({ type: 'Hostname', address: n.name });
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: n.name,
      // The labels the kubelet sets on registration, then the scenario's.
      labels: { 'beta.kubernetes.io/arch': 'amd64', 'beta.kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', 'kubernetes.io/hostname': n.name, 'kubernetes.io/os': 'linux', ...n.labels },
    },
    spec: { ...(n.taints.length ? { taints: n.taints.map((t) => ({ ...t })) } : {}) },
    status: { capacity: { ...n.capacity }, allocatable: { ...n.capacity }, addresses },
  };
}

/** The node that hosts the API server: the first control-plane node, else the first node. */
export function controlPlaneNode(nodes: readonly Node[]): Node | undefined {
  return nodes.find((n) => n.metadata.labels?.[CONTROL_PLANE_LABEL] !== undefined) ?? nodes[0];
}

/** The `kubernetes` Service in default (the first service IP is reserved for it by the allocator). */
export function kubernetesService(clusterIP: string): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'kubernetes', namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
    spec: {
      type: 'ClusterIP',
      clusterIP,
      clusterIPs: [clusterIP],
      ipFamilies: ['IPv4'],
      ipFamilyPolicy: 'SingleStack',
      internalTrafficPolicy: 'Cluster',
      ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: APISERVER_PORT }],
      sessionAffinity: 'None',
    },
  };
}

/** The slice the API server keeps for `kubernetes`: named like the Service, not managed by the slice controller. */
export function kubernetesEndpointSlice(apiserverIP: string): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: 'kubernetes',
      namespace: 'default',
      labels: { 'kubernetes.io/service-name': 'kubernetes', 'endpointslice.kubernetes.io/managed-by': 'endpointslicemirroring-controller.k8s.io' },
    },
    addressType: 'IPv4',
    endpoints: [{ addresses: [apiserverIP], conditions: { ready: true } }],
    ports: [{ name: 'https', port: APISERVER_PORT, protocol: 'TCP' }],
  };
}

/** The legacy Endpoints the API server keeps for `kubernetes` beside its slice. */
export function kubernetesEndpoints(apiserverIP: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: 'kubernetes', namespace: 'default', labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
    subsets: [{ addresses: [{ ip: apiserverIP }], ports: [{ name: 'https', port: APISERVER_PORT, protocol: 'TCP' }] }],
  };
}

/** kube-dns in kube-system at the cluster DNS address, as kubeadm creates it for CoreDNS. */
export function kubeDNSService(dnsIP: string): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: 'kube-dns',
      namespace: 'kube-system',
      labels: { 'k8s-app': 'kube-dns', 'kubernetes.io/cluster-service': 'true', 'kubernetes.io/name': 'CoreDNS' },
      annotations: { 'prometheus.io/port': '9153', 'prometheus.io/scrape': 'true' },
    },
    spec: {
      selector: { 'k8s-app': 'kube-dns' },
      clusterIP: dnsIP,
      ports: [
        { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 },
        { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 },
        { name: 'metrics', port: 9153, protocol: 'TCP', targetPort: 9153 },
      ],
    },
  };
}

/** The CoreDNS Deployment kubeadm installs: two replicas, tolerating the control-plane taint. */
export function coreDNSDeployment(): KubeObject {
  const labels = { 'k8s-app': 'kube-dns' };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'coredns', namespace: 'kube-system', labels },
    spec: {
      replicas: 2,
      selector: { matchLabels: labels },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } },
      template: {
        metadata: { labels },
        spec: {
          priorityClassName: 'system-cluster-critical',
          serviceAccountName: 'coredns',
          dnsPolicy: 'Default',
          tolerations: [
            { key: 'CriticalAddonsOnly', operator: 'Exists' },
            { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' },
          ],
          containers: [
            {
              name: 'coredns',
              image: 'registry.k8s.io/coredns/coredns:v1.12.1',
              args: ['-conf', '/etc/coredns/Corefile'],
              resources: { limits: { memory: '170Mi' }, requests: { cpu: '100m', memory: '70Mi' } },
              ports: [
                { containerPort: 53, name: 'dns', protocol: 'UDP' },
                { containerPort: 53, name: 'dns-tcp', protocol: 'TCP' },
                { containerPort: 9153, name: 'metrics', protocol: 'TCP' },
              ],
              readinessProbe: { httpGet: { path: '/ready', port: 8181, scheme: 'HTTP' }, periodSeconds: 10 },
            },
          ],
        },
      },
    },
  };
}
