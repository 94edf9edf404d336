// The simulated data plane of a cluster: kube-proxy's shared service model (one copy for all
// nodes), the network topology (nodes, pods, routes), and per-node rulesets built only for
// the nodes a trace touches. Fed incrementally from the store's objects (the simulation's
// informers); everything a trace reads is brought up to date by `sync()`.
import type { KubeObject } from '../api/meta.js';
import type { EndpointSlice, Node, Pod, Service } from '../api/types.js';
import { type HostRules, flannelRules } from '../../netns/flannel.js';
import { KubeProxyRules } from '../../netns/kuberules.js';
import { parsePrefix } from '../../netns/prefix.js';
import { type NodeNetwork, buildNodeNetwork } from '../../netns/node.js';
import type { Ruleset } from '../../netns/netfilter/ruleset.js';
import {
  type CNIMode,
  ClusterTopology,
  LABEL_EXCLUDE_FROM_LB,
  type NodeInfo,
  type PodInfo,
  networkSettings,
  nodeInfo,
  podInfo,
} from '../../netns/topology.js';
import type { LoadBalancerInfo, LoadBalancerTarget, TraceEnvironment, TraceProtocol } from '../../netns/trace.js';
import { formatAddress } from '../../netns/netfilter/address.js';
import { proxyConfigFromSettings } from '../../proxy/iptables/config.js';
import { IptablesWriter } from '../../proxy/iptables/writer.js';
import { type ServicePortEntry, ServiceProxyModel } from '../../proxy/model.js';
import { type NodeView, nodeViewFromNode } from '../../proxy/nodeview.js';
import { parseIPv4Sloppy } from '../../proxy/sloppyip.js';
import type { ProxySettings } from '../scenario/types.js';
import type { Simulation } from './simulation.js';

/** kube-proxy's healthz port, which cloud load balancers probe for externalTrafficPolicy Cluster. */
export const KUBE_PROXY_HEALTHZ_PORT = 10256;

export interface DataplaneSettings {
  readonly cni: CNIMode;
  readonly nodeNetwork: string;
  readonly clusterCIDR: readonly string[];
  readonly serviceCIDR: readonly string[];
  readonly proxy: ProxySettings;
}

export interface DataplaneOptions {
  /** Simulated time in ms, read when a trace runs. */
  readonly now?: () => number;
  /** Service ports up to which traces parse whole node rulesets (see netns/kuberules.ts). */
  readonly fullRulesetLimit?: number;
}

interface ServiceIndex {
  version: number;
  loadBalancerVIPs: Map<number, ServicePortEntry[]>;
  externalIPs: Set<number>;
}

const WATCHED_KINDS = ['Service', 'EndpointSlice', 'Node', 'Pod'];

/** The data plane of one cluster; implements the trace's view of it. */
export class Dataplane implements TraceEnvironment {
  readonly settings: DataplaneSettings;
  readonly model = new ServiceProxyModel();
  readonly writer: IptablesWriter;
  readonly kubeRules: KubeProxyRules;
  #now: () => number;
  #nodes = new Map<string, Node>();
  #pods = new Map<string, Pod>();
  #topologyDirty = true;
  #topology!: ClusterTopology;
  #views = new Map<string, NodeView>();
  #networks = new Map<string, NodeNetwork>();
  #index: ServiceIndex | null = null;

  constructor(settings: DataplaneSettings, options: DataplaneOptions = {}) {
    this.settings = settings;
    this.writer = new IptablesWriter(proxyConfigFromSettings(settings.proxy));
    const cluster = settings.clusterCIDR.map((c) => parsePrefix(c)).find((p) => p !== null && p.family === 4) ?? null;
    // flannel (host-gw or vxlan backend) adds its masquerade and forward rules on every node.
    const hostRules = (view: NodeView): HostRules[] => {
      const pod = view.podCIDR ? parsePrefix(view.podCIDR) : null;
      return cluster && pod ? [flannelRules(cluster, pod)] : [];
    };
    this.kubeRules = new KubeProxyRules(this.model, this.writer, { hostRules, ...(options.fullRulesetLimit !== undefined ? { fullLimit: options.fullRulesetLimit } : {}) });
    this.#now = options.now ?? (() => 0);
  }

  /** The data plane of a simulation, kept current by its informers (one per simulation). */
  static async of(sim: Simulation): Promise<Dataplane> {
    let dp = BY_SIMULATION.get(sim);
    if (dp) {
      dp.sync();
      return dp;
    }
    const c = sim.scenario.cluster;
    dp = new Dataplane({ cni: c.cni, nodeNetwork: c.nodeNetwork, clusterCIDR: c.clusterCIDR, serviceCIDR: c.serviceCIDR, proxy: c.proxy }, { now: () => sim.clock.now() });
    const d = dp;
    for (const kind of WATCHED_KINDS) {
      const inf = sim.informers.for<KubeObject>(kind);
      inf.on('add', (o: KubeObject) => d.upsert(o));
      inf.on('update', (_old: KubeObject, o: KubeObject) => d.upsert(o));
      inf.on('delete', (o: KubeObject) => d.remove(o));
    }
    await sim.informers.startAll();
    BY_SIMULATION.set(sim, dp);
    dp.sync();
    return dp;
  }

  /** Records an added or changed object (Service, EndpointSlice, Node, Pod; others are ignored). */
  upsert(o: KubeObject): void {
    switch (o.kind) {
      case 'Service':
        this.model.onServiceUpdate(undefined, o as Service);
        return;
      case 'EndpointSlice':
        this.model.onEndpointSliceUpdate(undefined, o as EndpointSlice);
        return;
      case 'Node':
        this.#nodes.set(o.metadata.name ?? '', o as Node);
        this.#topologyDirty = true;
        return;
      case 'Pod':
        this.#pods.set(`${o.metadata.namespace ?? 'default'}/${o.metadata.name}`, o as Pod);
        this.#topologyDirty = true;
        return;
    }
  }

  /** Records a deleted object. */
  remove(o: KubeObject): void {
    switch (o.kind) {
      case 'Service':
        this.model.onServiceDelete(o as Service);
        return;
      case 'EndpointSlice':
        this.model.onEndpointSliceDelete(o as EndpointSlice);
        return;
      case 'Node':
        this.#nodes.delete(o.metadata.name ?? '');
        this.#topologyDirty = true;
        return;
      case 'Pod':
        this.#pods.delete(`${o.metadata.namespace ?? 'default'}/${o.metadata.name}`);
        this.#topologyDirty = true;
        return;
    }
  }

  /** Applies the recorded changes: the model syncs, the topology is rebuilt if nodes or pods changed. */
  sync(): void {
    if (this.model.pending > 0) this.model.sync();
    if (!this.#topologyDirty && this.#topology) return;
    const nodes = [...this.#nodes.values()].map(nodeInfo);
    const pods: PodInfo[] = [];
    for (const p of this.#pods.values()) {
      const info = podInfo(p);
      if (info) pods.push(info);
    }
    const s = this.settings;
    this.#topology = new ClusterTopology(networkSettings({ cni: s.cni, nodeNetwork: s.nodeNetwork, clusterCIDR: s.clusterCIDR, serviceCIDR: s.serviceCIDR }), nodes, pods);
    this.#views.clear();
    for (const n of this.#nodes.values()) this.#views.set(n.metadata.name ?? '', nodeViewFromNode(n));
    this.#networks.clear();
    this.#topologyDirty = false;
  }

  get topology(): ClusterTopology {
    if (this.#topologyDirty || !this.#topology) this.sync();
    return this.#topology;
  }

  get now(): number {
    return this.#now();
  }

  /** kube-proxy's view of a node (its name, addresses, zone, pod CIDR). */
  nodeView(node: string): NodeView {
    const v = this.#views.get(node);
    if (!v) throw new Error(`netsim: unknown node ${node}`);
    return v;
  }

  /** The node's namespaces, built on first use after each topology change. */
  network(node: string): NodeNetwork {
    let n = this.#networks.get(node);
    if (!n) {
      const info = this.topology.node(node);
      if (!info) throw new Error(`netsim: unknown node ${node}`);
      n = buildNodeNetwork(this.topology, info);
      this.#networks.set(node, n);
    }
    return n;
  }

  /** Node networks built so far (a trace builds only the nodes it touches). */
  get builtNetworks(): number {
    return this.#networks.size;
  }

  rules(node: string, dst: number, dport: number): Ruleset {
    return this.kubeRules.rulesetFor(this.nodeView(node), dst, dport);
  }

  /** What `iptables-save` shows on the node after kube-proxy's restore. */
  iptablesSave(node: string): string {
    this.sync();
    return this.kubeRules.text(this.nodeView(node));
  }

  #services(): ServiceIndex {
    if (this.#index && this.#index.version === this.model.version) return this.#index;
    const loadBalancerVIPs = new Map<number, ServicePortEntry[]>();
    const externalIPs = new Set<number>();
    for (const e of this.model.servicePorts()) {
      for (const v of e.info.loadBalancerVIPs) {
        const n = parseIPv4Sloppy(v);
        if (n === null) continue;
        const list = loadBalancerVIPs.get(n) ?? [];
        list.push(e);
        loadBalancerVIPs.set(n, list);
      }
      for (const x of e.info.externalIPs) {
        const n = parseIPv4Sloppy(x);
        if (n !== null) externalIPs.add(n);
      }
    }
    this.#index = { version: this.model.version, loadBalancerVIPs, externalIPs };
    return this.#index;
  }

  isLoadBalancerIP(ip: number): boolean {
    return this.#services().loadBalancerVIPs.has(ip);
  }

  isExternalIP(ip: number): boolean {
    return this.#services().externalIPs.has(ip);
  }

  /**
   * The cloud load balancer's rule for a VIP and port: its target nodes (all nodes but those
   * labelled to be excluded) and their health as its checks see it. With
   * externalTrafficPolicy Local it probes the health check node port, where kube-proxy
   * answers 200 only while the node has a ready local endpoint of the Service; with Cluster
   * it probes kube-proxy's /healthz, which a running node passes.
   */
  loadBalancer(vip: number, port: number, protocol: TraceProtocol): LoadBalancerInfo | null {
    const proto = protocol.toUpperCase();
    const entry = this.#services().loadBalancerVIPs.get(vip)?.find((e) => e.info.port === port && e.info.protocol === proto);
    if (!entry) return null;
    const info = entry.info;
    const local = info.externalPolicyLocal;
    const siblings = this.model.servicePortsOf(`${info.namespace}/${info.serviceName}`);
    const targets: LoadBalancerTarget[] = [];
    for (const node of this.topology.nodes) {
      if (node.labels[LABEL_EXCLUDE_FROM_LB] !== undefined || node.addresses.length === 0) continue;
      targets.push(this.#health(node, local, info.healthCheckNodePort, siblings));
    }
    return { servicePort: info.name, externalTrafficPolicy: local ? 'Local' : 'Cluster', targets };
  }

  #health(node: NodeInfo, local: boolean, hcnp: number, siblings: readonly ServicePortEntry[]): LoadBalancerTarget {
    const addr = formatAddress(node.addresses[0]!);
    if (node.down) return { node, healthy: false, detail: `health check to ${addr} times out: the node is down` };
    if (!local || hcnp === 0) return { node, healthy: true, detail: `health check http://${addr}:${KUBE_PROXY_HEALTHZ_PORT}/healthz → 200` };
    const ready = new Set<string>();
    for (const e of siblings) for (const ep of e.endpoints) if (ep.nodeName === node.name && ep.ready) ready.add(ep.ip);
    return ready.size > 0
      ? { node, healthy: true, detail: `health check http://${addr}:${hcnp}/healthz → 200, localEndpoints ${ready.size}` }
      : { node, healthy: false, detail: `health check http://${addr}:${hcnp}/healthz → 503, no local endpoints` };
  }
}

const BY_SIMULATION = new WeakMap<Simulation, Dataplane>();
