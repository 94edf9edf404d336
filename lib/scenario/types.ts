// The Scenario document of spec/scenario.md §1, after defaulting.
import type { KubeObject } from '../api/meta.js';
import type { Taint } from '../api/types.js';

export type PodsMode = 'disabled' | 'insecure' | 'verified';

export interface ClusterDNSSettings {
  pods: PodsMode;
  ttl: number;
  endpointPodNames: boolean;
  namespaces: string[];
  ignoreEmptyService: boolean;
  zones: string[];
  upstream: { records: string[]; forward: string[] };
}

export interface ProxySettings {
  mode: 'iptables' | 'ipvs' | 'nftables';
  masqueradeAll: boolean;
  detectLocalMode: 'ClusterCIDR' | 'NodeCIDR' | 'None' | 'BridgeInterface' | 'InterfaceNamePrefix';
  /** Defaults to the cluster's clusterCIDR. */
  clusterCIDR: string;
  nodePortAddresses: string[];
  iptables: { masqueradeBit: number; localhostNodePorts: boolean };
  ipvs: { scheduler: string; strictARP: boolean };
}

export interface ScenarioNode {
  name: string;
  /** InternalIP and others, as Node status addresses; empty when the IP comes from nodeNetwork. */
  addresses: { type: 'InternalIP' | 'ExternalIP' | 'Hostname' | 'InternalDNS' | 'ExternalDNS'; address: string }[];
  labels: Record<string, string>;
  capacity: Record<string, string>;
  taints: Taint[];
}

export interface ClusterSettings {
  /** One CIDR, or one per family for dual-stack (IPv4 first as given). */
  clusterCIDR: string[];
  serviceCIDR: string[];
  nodeCIDRMaskSize: number;
  nodeCIDRMaskSizeIPv6: number;
  nodeNetwork: string;
  nodePortRange: { base: number; size: number };
  loadBalancerPool: string;
  dnsDomain: string;
  dnsServiceIP: string;
  dns: ClusterDNSSettings;
  proxy: ProxySettings;
  cni: 'host-gw' | 'vxlan';
  seed: number;
  nodes: ScenarioNode[];
}

/** Where a document came from, for error messages: file, 1-based document index, path inside it. */
export interface Origin {
  file: string;
  document: number;
  /** Field path to the object inside the document (e.g. `objects[3]`), empty for a whole document. */
  path: string;
}

export interface SourcedObject {
  object: KubeObject;
  origin: Origin;
}

export interface TimelineEntry {
  at: number;
  origin: Origin;
  action:
    | { type: 'scale'; kind: string; name: string; namespace: string; replicas: number }
    | { type: 'apply'; object: KubeObject }
    | { type: 'delete'; kind: string; name: string; namespace: string }
    | { type: 'nodeDown'; node: string }
    | { type: 'nodeUp'; node: string };
}

export interface Check {
  name: string;
  at?: number;
  origin: Origin;
  kind: 'flow' | 'dns' | 'http';
  spec: Record<string, unknown>;
  expect: Record<string, unknown>;
}

export interface Scenario {
  name: string;
  description: string;
  file: string;
  cluster: ClusterSettings;
  objects: SourcedObject[];
  timeline: TimelineEntry[];
  checks: Check[];
  /** Namespaces used by objects but not declared; created for them (and reported). */
  implicitNamespaces: string[];
  /** The `benchmark:` section of a benchmark scenario (`netsim bench`), checked by lib/bench. */
  benchmark?: unknown;
}
