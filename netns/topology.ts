// The cluster as the network sees it: nodes with their addresses and pod CIDRs, pods with
// their IPs, the node network and its upstream router. Built from Node and Pod objects;
// per-node namespaces are made from it on demand (see node.ts).
import type { Node, Pod, Protocol } from '../lib/api/types.js';
import { KUBELET_STOPPED_ANNOTATION } from '../lib/kubelet/node.js';
import { parseIPv4 } from './netfilter/address.js';
import { type Prefix, nthInPrefix, parsePrefix, prefixContains } from './prefix.js';
import { RouteTable } from './route.js';

export type CNIMode = 'host-gw' | 'vxlan';

/** Nodes with this label are left out of cloud load balancers (service controller). */
export const LABEL_EXCLUDE_FROM_LB = 'node.kubernetes.io/exclude-from-external-load-balancers';

export interface NodeInfo {
  readonly name: string;
  /** IPv4 InternalIP addresses, primary first. */
  readonly addresses: readonly number[];
  readonly podCIDR: Prefix | null;
  readonly labels: Readonly<Record<string, string>>;
  /** The machine is down (timeline nodeDown): packets to it are lost. */
  readonly down: boolean;
}

export interface PodPortInfo {
  readonly containerPort: number;
  readonly protocol: Protocol;
  readonly hostPort?: number;
}

export interface PodInfo {
  readonly namespace: string;
  readonly name: string;
  /** `ns/name`. */
  readonly key: string;
  readonly node: string;
  /** IPv4 pod IP (the node's address for hostNetwork pods); null before one is assigned. */
  readonly ip: number | null;
  readonly hostNetwork: boolean;
  readonly ports: readonly PodPortInfo[];
}

export interface NetworkSettings {
  readonly cni: CNIMode;
  /** The network node IPs live on; its first address is the upstream router. */
  readonly nodeNetwork: Prefix | null;
  readonly clusterCIDRs: readonly Prefix[];
  readonly serviceCIDRs: readonly Prefix[];
}

/** Parses the scenario's network settings (IPv4 parts; IPv6 is not routed by this model). */
export function networkSettings(s: { cni: CNIMode; nodeNetwork: string; clusterCIDR: readonly string[]; serviceCIDR: readonly string[] }): NetworkSettings {
  const v4 = (list: readonly string[]) => list.map((c) => parsePrefix(c)).filter((p): p is Prefix => p !== null && p.family === 4);
  const nn = s.nodeNetwork ? parsePrefix(s.nodeNetwork) : null;
  return { cni: s.cni, nodeNetwork: nn && nn.family === 4 ? nn : null, clusterCIDRs: v4(s.clusterCIDR), serviceCIDRs: v4(s.serviceCIDR) };
}

/** The network facts of a Node object. */
export function nodeInfo(node: Node): NodeInfo {
  const addresses: number[] = [];
  for (const a of node.status?.addresses ?? []) {
    if (a.type !== 'InternalIP') continue;
    const ip = parseIPv4(a.address);
    if (ip !== null && !addresses.includes(ip)) addresses.push(ip);
  }
  const cidrText = node.spec.podCIDRs?.find((c) => !c.includes(':')) ?? (node.spec.podCIDR && !node.spec.podCIDR.includes(':') ? node.spec.podCIDR : undefined);
  const podCIDR = cidrText ? parsePrefix(cidrText) : null;
  return {
    name: node.metadata.name ?? '',
    addresses,
    podCIDR,
    labels: node.metadata.labels ?? {},
    // The timeline's nodeDown: netsim takes the whole machine as unreachable.
    down: node.metadata.annotations?.[KUBELET_STOPPED_ANNOTATION] === 'true',
  };
}

/** The network facts of a Pod object; null for a pod that holds no address (unscheduled, or finished). */
export function podInfo(pod: Pod): PodInfo | null {
  const node = pod.spec.nodeName;
  const phase = pod.status?.phase;
  if (!node || phase === 'Succeeded' || phase === 'Failed') return null;
  const text = pod.status?.podIPs?.find((p) => !p.ip.includes(':'))?.ip ?? pod.status?.podIP;
  const ip = text ? parseIPv4(text) : null;
  const ports: PodPortInfo[] = [];
  for (const c of pod.spec.containers ?? []) {
    for (const p of c.ports ?? []) ports.push({ containerPort: p.containerPort, protocol: p.protocol ?? 'TCP', ...(p.hostPort ? { hostPort: p.hostPort } : {}) });
  }
  const namespace = pod.metadata.namespace ?? 'default';
  const name = pod.metadata.name ?? '';
  return { namespace, name, key: `${namespace}/${name}`, node, ip, hostNetwork: pod.spec.hostNetwork === true, ports };
}

const byName = <T extends { name: string }>(a: T, b: T) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

export class ClusterTopology {
  readonly settings: NetworkSettings;
  /** Nodes in name order. */
  readonly nodes: readonly NodeInfo[];
  /** The upstream router of the node network (its first address), or null without a node network. */
  readonly gateway: number | null;
  #nodes = new Map<string, NodeInfo>();
  #nodeByAddress = new Map<number, NodeInfo>();
  #podCIDRs = new RouteTable('main', 4);
  #podByIP = new Map<number, PodInfo>();
  #podsOn = new Map<string, PodInfo[]>();
  #pods = new Map<string, PodInfo>();

  constructor(settings: NetworkSettings, nodes: readonly NodeInfo[], pods: readonly PodInfo[]) {
    this.settings = settings;
    this.nodes = [...nodes].sort(byName);
    this.gateway = settings.nodeNetwork ? (nthInPrefix(settings.nodeNetwork, 1) as number) : null;
    for (const n of this.nodes) {
      this.#nodes.set(n.name, n);
      for (const a of n.addresses) if (!this.#nodeByAddress.has(a)) this.#nodeByAddress.set(a, n);
      if (n.podCIDR) this.#podCIDRs.add({ type: 'unicast', dst: n.podCIDR, dev: n.name, scope: 'global', proto: 'static' });
    }
    const sorted = [...pods].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    for (const p of sorted) {
      this.#pods.set(p.key, p);
      let list = this.#podsOn.get(p.node);
      if (!list) this.#podsOn.set(p.node, (list = []));
      list.push(p);
      // The first pod in name order keeps a shared address (a stale IP has no say in routing).
      if (p.ip !== null && !p.hostNetwork && !this.#podByIP.has(p.ip)) this.#podByIP.set(p.ip, p);
    }
  }

  node(name: string): NodeInfo | undefined {
    return this.#nodes.get(name);
  }

  /** The node with this InternalIP. */
  nodeByAddress(ip: number): NodeInfo | undefined {
    return this.#nodeByAddress.get(ip);
  }

  /** The node whose pod CIDR holds `ip`. */
  nodeByPodIP(ip: number): NodeInfo | undefined {
    const r = this.#podCIDRs.lookup(ip);
    return r ? this.#nodes.get(r.dev) : undefined;
  }

  /** The (non-hostNetwork) pod holding `ip`. */
  podByIP(ip: number): PodInfo | undefined {
    return this.#podByIP.get(ip);
  }

  pod(key: string): PodInfo | undefined {
    return this.#pods.get(key);
  }

  /** Pods on a node, in name order. */
  podsOn(node: string): readonly PodInfo[] {
    return this.#podsOn.get(node) ?? [];
  }

  /** Whether `ip` is cluster-internal (a pod or service address), which the upstream network cannot route. */
  isClusterInternal(ip: number): boolean {
    return this.settings.clusterCIDRs.some((p) => prefixContains(p, ip)) || this.settings.serviceCIDRs.some((p) => prefixContains(p, ip));
  }
}
