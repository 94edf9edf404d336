// Test objects in the shape of upstream's makeTestService / makeTestEndpointSlice helpers.
import type { EndpointSlice, Service } from '../../lib/api/types.js';
import type { NodeView } from '../../proxy/nodeview.js';

/** A Service `ns/name` with an empty spec, changed by `mutate`. */
export function makeService(ns: string, name: string, mutate: (s: Service) => void = () => {}): Service {
  const s: Service = { apiVersion: 'v1', kind: 'Service', metadata: { namespace: ns, name }, spec: {} };
  mutate(s);
  return s;
}

/** EndpointSlice `name-N` of Service `ns/name`, changed by `mutate`. */
export function makeSlice(ns: string, name: string, n: number, mutate: (s: EndpointSlice) => void = () => {}): EndpointSlice {
  const s: EndpointSlice = {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { namespace: ns, name: `${name}-${n}`, labels: { 'kubernetes.io/service-name': name } },
    addressType: 'IPv4',
    endpoints: [],
    ports: [],
  };
  mutate(s);
  return s;
}

/** upstream's test node: "test-node", node IP 192.168.0.2. */
export const testNode: NodeView = { nodeName: 'test-node', nodeIPs: ['192.168.0.2'], zone: '', podCIDR: '10.0.1.0/24' };

/** A ClusterIP Service with one TCP port `p80` and a slice of `eps` addresses on port 80. */
export function clusterIPService(ns: string, name: string, clusterIP: string, eps: string[]): [Service, EndpointSlice] {
  return [
    makeService(ns, name, (s) => {
      s.spec.clusterIP = clusterIP;
      s.spec.ports = [{ name: 'p80', port: 80, protocol: 'TCP' }];
    }),
    makeSlice(ns, name, 1, (s) => {
      s.endpoints = eps.map((a) => ({ addresses: [a] }));
      s.ports = [{ name: 'p80', port: 80, protocol: 'TCP' }];
    }),
  ];
}
