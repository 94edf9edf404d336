// Small rule-writing scenarios shared by the golden tests and the iptables-restore
// integration test. "overall" is upstream's TestOverallIPTablesRules (pkg/proxy/iptables/
// proxier_test.go): its fake proxier has clusterCIDR 10.0.0.0/8, node "test-node"
// (192.168.0.2), nfacct counters, and no --random-fully.
import type { KubeObject } from '../../../lib/api/meta.js';
import { type ProxyConfig, proxyConfig } from '../../../proxy/iptables/config.js';
import type { NodeView } from '../../../proxy/nodeview.js';
import { makeService, makeSlice, testNode } from '../fixtures.js';

export interface Scenario {
  readonly name: string;
  readonly objects: KubeObject[];
  readonly node: NodeView;
  readonly config: ProxyConfig;
}

const p80 = { name: 'p80', port: 80, protocol: 'TCP' as const };

function overallObjects(): KubeObject[] {
  return [
    makeService('ns1', 'svc1', (s) => {
      s.spec.clusterIP = '172.30.0.41';
      s.spec.ports = [p80];
    }),
    makeService('ns2', 'svc2', (s) => {
      s.spec.type = 'LoadBalancer';
      s.spec.externalTrafficPolicy = 'Local';
      s.spec.clusterIP = '172.30.0.42';
      s.spec.ports = [{ ...p80, nodePort: 3001 }];
      s.status = { loadBalancer: { ingress: [{ ip: '1.2.3.4' }] } };
      s.spec.externalIPs = ['192.168.99.22'];
      s.spec.healthCheckNodePort = 30000;
    }),
    makeService('ns3', 'svc3', (s) => {
      s.spec.type = 'NodePort';
      s.spec.clusterIP = '172.30.0.43';
      s.spec.ports = [{ ...p80, nodePort: 3003 }];
    }),
    makeService('ns4', 'svc4', (s) => {
      s.spec.type = 'NodePort';
      s.spec.clusterIP = '172.30.0.44';
      s.spec.externalIPs = ['192.168.99.33'];
      s.spec.ports = [{ ...p80, targetPort: 80 }];
    }),
    makeService('ns5', 'svc5', (s) => {
      s.spec.type = 'LoadBalancer';
      s.spec.externalTrafficPolicy = 'Cluster';
      s.spec.clusterIP = '172.30.0.45';
      s.spec.ports = [{ ...p80, nodePort: 3002 }];
      s.status = { loadBalancer: { ingress: [{ ip: '5.6.7.8' }] } };
      s.spec.healthCheckNodePort = 30000;
      s.spec.loadBalancerSourceRanges = [' 203.0.113.0/25'];
      s.spec.sessionAffinity = 'ClientIP';
      s.spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: 10800 } };
    }),
    makeService('ns6', 'svc6', (s) => {
      s.spec.type = 'ClusterIP';
      s.spec.clusterIP = '172.30.0.46';
      s.spec.ports = [{ ...p80, targetPort: 80 }];
    }),
    makeSlice('ns1', 'svc1', 1, (e) => {
      e.endpoints = [{ addresses: ['10.180.0.1'] }];
      e.ports = [p80];
    }),
    makeSlice('ns2', 'svc2', 1, (e) => {
      e.endpoints = [{ addresses: ['10.180.0.2'] }];
      e.ports = [p80];
    }),
    makeSlice('ns3', 'svc3', 1, (e) => {
      e.endpoints = [{ addresses: ['10.180.0.3'] }];
      e.ports = [p80];
    }),
    makeSlice('ns4', 'svc4', 1, (e) => {
      e.endpoints = [{ addresses: ['10.180.0.4'] }, { addresses: ['10.180.0.5'], nodeName: 'test-node' }];
      e.ports = [p80];
    }),
    makeSlice('ns5', 'svc5', 1, (e) => {
      e.endpoints = [{ addresses: ['10.180.0.3'] }];
      e.ports = [p80];
    }),
  ];
}

/** upstream's TestOverallIPTablesRules, with its fake proxier's options. */
export const overall: Scenario = {
  name: 'upstream-overall',
  objects: overallObjects(),
  node: testNode,
  config: proxyConfig({ clusterCIDR: '10.0.0.0/8', nfacct: true, randomFully: false }),
};

/**
 * netsim defaults on a two-node cluster: ClusterIP with three endpoints, a NodePort with
 * ClientIP affinity, an eTP=Local LoadBalancer with source ranges (one local endpoint on
 * node-1), an iTP=Local Service without local endpoints, UDP and SCTP Services, one with
 * zone hints, and one without endpoints.
 */
function defaultsObjects(): KubeObject[] {
  return [
    makeService('default', 'web', (s) => {
      s.spec.clusterIP = '10.96.0.10';
      s.spec.ports = [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 }];
    }),
    makeSlice('default', 'web', 1, (e) => {
      e.endpoints = [
        { addresses: ['10.244.1.5'], nodeName: 'node-1', conditions: { ready: true } },
        { addresses: ['10.244.2.7'], nodeName: 'node-2', conditions: { ready: true } },
        { addresses: ['10.244.1.10'], nodeName: 'node-1', conditions: { ready: true } },
      ];
      e.ports = [{ name: 'http', port: 8080, protocol: 'TCP' }];
    }),
    makeService('default', 'sticky', (s) => {
      s.spec.type = 'NodePort';
      s.spec.clusterIP = '10.96.0.11';
      s.spec.ports = [{ port: 8080, protocol: 'TCP', nodePort: 30080 }];
      s.spec.sessionAffinity = 'ClientIP';
    }),
    makeSlice('default', 'sticky', 1, (e) => {
      e.endpoints = [{ addresses: ['10.244.2.8'], nodeName: 'node-2' }, { addresses: ['10.244.1.9'], nodeName: 'node-1' }];
      e.ports = [{ name: '', port: 8080, protocol: 'TCP' }];
    }),
    makeService('shop', 'front', (s) => {
      s.spec.type = 'LoadBalancer';
      s.spec.externalTrafficPolicy = 'Local';
      s.spec.clusterIP = '10.96.0.12';
      s.spec.ports = [{ name: 'https', port: 443, protocol: 'TCP', nodePort: 31443 }];
      s.spec.healthCheckNodePort = 32000;
      s.spec.loadBalancerSourceRanges = ['192.168.0.0/24', '203.0.113.0/24'];
      s.status = { loadBalancer: { ingress: [{ ip: '172.18.255.1' }, { ip: '172.18.255.9', ipMode: 'Proxy' }] } };
    }),
    makeSlice('shop', 'front', 1, (e) => {
      e.endpoints = [
        { addresses: ['10.244.1.20'], nodeName: 'node-1' },
        { addresses: ['10.244.2.20'], nodeName: 'node-2' },
        { addresses: ['10.244.2.21'], nodeName: 'node-2', conditions: { ready: false, serving: true, terminating: true } },
      ];
      e.ports = [{ name: 'https', port: 8443, protocol: 'TCP' }];
    }),
    makeService('shop', 'cache', (s) => {
      s.spec.clusterIP = '10.96.0.13';
      s.spec.internalTrafficPolicy = 'Local';
      s.spec.ports = [{ name: 'redis', port: 6379, protocol: 'TCP' }];
    }),
    makeSlice('shop', 'cache', 1, (e) => {
      e.endpoints = [{ addresses: ['10.244.2.30'], nodeName: 'node-2' }];
      e.ports = [{ name: 'redis', port: 6379, protocol: 'TCP' }];
    }),
    makeService('kube-system', 'kube-dns', (s) => {
      s.spec.clusterIP = '10.96.0.53';
      s.spec.ports = [
        { name: 'dns', port: 53, protocol: 'UDP' },
        { name: 'dns-tcp', port: 53, protocol: 'TCP' },
      ];
    }),
    makeSlice('kube-system', 'kube-dns', 1, (e) => {
      e.endpoints = [{ addresses: ['10.244.1.2'], nodeName: 'node-1' }];
      e.ports = [
        { name: 'dns', port: 53, protocol: 'UDP' },
        { name: 'dns-tcp', port: 53, protocol: 'TCP' },
      ];
    }),
    makeService('default', 'zoned', (s) => {
      s.spec.clusterIP = '10.96.0.15';
      s.spec.trafficDistribution = 'PreferClose';
      s.spec.ports = [{ name: 'http', port: 80, protocol: 'TCP' }];
    }),
    makeSlice('default', 'zoned', 1, (e) => {
      e.endpoints = [
        { addresses: ['10.244.1.40'], nodeName: 'node-1', zone: 'zone-a', hints: { forZones: [{ name: 'zone-a' }] } },
        { addresses: ['10.244.3.41'], nodeName: 'node-3', zone: 'zone-a', hints: { forZones: [{ name: 'zone-a' }] } },
        { addresses: ['10.244.2.42'], nodeName: 'node-2', zone: 'zone-b', hints: { forZones: [{ name: 'zone-b' }] } },
      ];
      e.ports = [{ name: 'http', port: 8080, protocol: 'TCP' }];
    }),
    makeService('default', 'signal', (s) => {
      s.spec.clusterIP = '10.96.0.16';
      s.spec.ports = [{ name: 'sctp', port: 9999, protocol: 'SCTP' }];
    }),
    makeSlice('default', 'signal', 1, (e) => {
      e.endpoints = [{ addresses: ['10.244.2.50'], nodeName: 'node-2' }];
      e.ports = [{ name: 'sctp', port: 9999, protocol: 'SCTP' }];
    }),
    makeService('default', 'empty', (s) => {
      s.spec.type = 'LoadBalancer';
      s.spec.clusterIP = '10.96.0.14';
      s.spec.externalIPs = ['198.51.100.7'];
      s.spec.ports = [{ name: 'http', port: 80, protocol: 'TCP', nodePort: 30081 }];
      s.status = { loadBalancer: { ingress: [{ ip: '172.18.255.2' }] } };
    }),
  ];
}

/** netsim's defaults (clusterCIDR 10.244.0.0/16, --random-fully, no nfacct) on node-1. */
export const defaultsNode1: Scenario = {
  name: 'defaults-node-1',
  objects: defaultsObjects(),
  node: { nodeName: 'node-1', nodeIPs: ['192.168.0.11'], zone: 'zone-a', podCIDR: '10.244.1.0/24' },
  config: proxyConfig({ clusterCIDR: '10.244.0.0/16' }),
};

/** The same cluster seen from node-2. */
export const defaultsNode2: Scenario = {
  ...defaultsNode1,
  name: 'defaults-node-2',
  node: { nodeName: 'node-2', nodeIPs: ['192.168.0.12'], zone: 'zone-b', podCIDR: '10.244.2.0/24' },
};

/** node-1 with masqueradeAll, localhost NodePorts off, and nodePortAddresses limited to the node network. */
export const optionsNode1: Scenario = {
  ...defaultsNode1,
  name: 'options-node-1',
  config: proxyConfig({
    clusterCIDR: '10.244.0.0/16',
    masqueradeAll: true,
    localhostNodePorts: false,
    nodePortAddresses: ['192.168.0.0/24'],
    masqueradeBit: 15,
  }),
};

/** node-1 without any local-traffic detector (no clusterCIDR). */
export const noDetectorNode1: Scenario = {
  ...defaultsNode1,
  name: 'no-detector-node-1',
  config: proxyConfig({ clusterCIDR: '' }),
};

/** node-1 detecting pod traffic by the cni0 bridge. */
export const bridgeNode1: Scenario = {
  ...defaultsNode1,
  name: 'bridge-node-1',
  config: proxyConfig({ detectLocalMode: 'BridgeInterface', bridgeInterface: 'cni0' }),
};

/** node-1 detecting pod traffic by interface name prefix (veth+), without --random-fully. */
export const prefixNode1: Scenario = {
  ...defaultsNode1,
  name: 'ifprefix-node-1',
  config: proxyConfig({ detectLocalMode: 'InterfaceNamePrefix', interfaceNamePrefix: 'veth', randomFully: false }),
};

export const scenarios: readonly Scenario[] = [overall, defaultsNode1, defaultsNode2, optionsNode1, noDetectorNode1, bridgeNode1, prefixNode1];
