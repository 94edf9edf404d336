// kube-proxy's iptables rules on a node, parsed for the rule walk, built only for nodes a
// trace touches and cached per node and model version. On a large cluster the walk gets a
// *view* of the node's ruleset: every fixed chain, plus the rules of the service ports the
// packet can meet (those whose cluster, external or load-balancer IP, node port or health
// check port it is addressed to, and, transitively, of those the endpoints are addressed
// to). Every rule left out matches on another destination or port, so the walk's outcomes
// and the rules it fires are the same as over the whole ruleset, at a fraction of the cost.
// Other agents' rules on the node (the CNI's) are added to what the walk sees.
import type { IptablesWriter, NodeRuleset } from '../proxy/iptables/writer.js';
import { saveDump } from '../proxy/iptables/savedump.js';
import type { ServicePortRules } from '../proxy/iptables/servicerules.js';
import { SortedChains } from '../proxy/iptables/sortedchains.js';
import type { ServicePortEntry, ServiceProxyModel } from '../proxy/model.js';
import type { NodeView } from '../proxy/nodeview.js';
import { parseIPv4Sloppy } from '../proxy/sloppyip.js';
import { type HostRules, mergeHostRules } from './flannel.js';
import { parseIptablesSave } from './netfilter/parse.js';
import type { Ruleset } from './netfilter/ruleset.js';

/** Up to this many service ports a node's whole ruleset is parsed; above, per-packet views. */
export const FULL_RULESET_LIMIT = 400;

interface NodeCache {
  version: number;
  viewKey: string;
  ruleset: NodeRuleset | null;
  full: Ruleset | null;
  views: Map<string, Ruleset>;
}

interface DestinationIndex {
  version: number;
  byIP: Map<number, ServicePortEntry[]>;
  byPort: Map<number, ServicePortEntry[]>;
}

function push<K>(m: Map<K, ServicePortEntry[]>, k: K, e: ServicePortEntry): void {
  const list = m.get(k);
  if (list) {
    if (list[list.length - 1] !== e) list.push(e);
  } else m.set(k, [e]);
}

function viewKeyOf(v: NodeView): string {
  return `${v.nodeName}|${v.nodeIPs.join(',')}|${v.zone}|${v.podCIDR}`;
}

const compareEntries = (a: ServicePortEntry, b: ServicePortEntry): number => {
  const x = a.info;
  const y = b.info;
  if (x.name !== y.name) return x.name < y.name ? -1 : 1;
  return x.protocol < y.protocol ? -1 : x.protocol > y.protocol ? 1 : 0;
};

export class KubeProxyRules {
  readonly model: ServiceProxyModel;
  readonly writer: IptablesWriter;
  /** Service-port count up to which the whole ruleset is used. */
  readonly fullLimit: number;
  #nodes = new Map<string, NodeCache>();
  #index: DestinationIndex | null = null;
  /** Rulesets parsed so far (whole or views), for tests and the performance report. */
  parsed = 0;
  #hostRules: (view: NodeView) => readonly HostRules[];

  constructor(model: ServiceProxyModel, writer: IptablesWriter, options: { fullLimit?: number; hostRules?: (view: NodeView) => readonly HostRules[] } = {}) {
    this.model = model;
    this.writer = writer;
    this.fullLimit = options.fullLimit ?? FULL_RULESET_LIMIT;
    this.#hostRules = options.hostRules ?? (() => []);
  }

  #parse(view: NodeView, text: string): Ruleset {
    this.parsed++;
    return parseIptablesSave(mergeHostRules(text, this.#hostRules(view)), { family: 4 });
  }

  #cache(view: NodeView): NodeCache {
    const key = viewKeyOf(view);
    let c = this.#nodes.get(view.nodeName);
    if (c === undefined || c.viewKey !== key) {
      c = { version: -1, viewKey: key, ruleset: null, full: null, views: new Map() };
      this.#nodes.set(view.nodeName, c);
    }
    if (c.version !== this.model.version) {
      c.version = this.model.version;
      c.full = null;
      c.views.clear();
    }
    return c;
  }

  /** The node's ruleset as the proxy writer keeps it (built on first use, refreshed to the model). */
  nodeRuleset(view: NodeView): NodeRuleset {
    const c = this.#cache(view);
    if (c.ruleset === null) c.ruleset = this.writer.forNode(this.model, view);
    else c.ruleset.refresh();
    return c.ruleset;
  }

  /** What `iptables-save` prints on the node. */
  text(view: NodeView): string {
    return this.nodeRuleset(view).text();
  }

  /** Whether traces on this model use per-packet views rather than whole rulesets. */
  get usesViews(): boolean {
    return this.model.servicePorts().length > this.fullLimit;
  }

  /** The rules a packet to `dst:dport` can meet on the node (the whole ruleset on a small cluster), with the CNI's. */
  rulesetFor(view: NodeView, dst: number, dport: number): Ruleset {
    const c = this.#cache(view);
    if (!this.usesViews) {
      if (c.full === null) c.full = this.#parse(view, this.text(view));
      return c.full;
    }
    const entries = this.relevantEntries(dst, dport);
    const key = entries.map((e) => e.info.key).join('\n');
    let rs = c.views.get(key);
    if (rs === undefined) {
      rs = this.#parse(view, this.viewText(view, entries));
      c.views.set(key, rs);
    }
    return rs;
  }

  /** iptables-save text of the node restricted to `entries` (plus every fixed chain). */
  viewText(view: NodeView, entries: readonly ServicePortEntry[]): string {
    const ctx = this.writer.context(this.model, view);
    const servicePorts: ServicePortRules[] = [];
    const chains = [];
    for (const e of entries) {
      const r = this.writer.servicePortRules(e, view, ctx);
      servicePorts.push(r);
      for (const ch of r.natChains) chains.push(ch);
    }
    return saveDump({
      config: this.writer.config,
      node: view,
      localhostNodePorts: ctx.localhostNodePorts,
      servicePorts,
      chains: [SortedChains.from(chains)],
    });
  }

  #destinations(): DestinationIndex {
    const v = this.model.version;
    if (this.#index !== null && this.#index.version === v) return this.#index;
    const byIP = new Map<number, ServicePortEntry[]>();
    const byPort = new Map<number, ServicePortEntry[]>();
    for (const e of this.model.servicePorts()) {
      const i = e.info;
      for (const text of [i.clusterIP, ...i.externalIPs, ...i.loadBalancerVIPs]) {
        const ip = parseIPv4Sloppy(text);
        if (ip !== null) push(byIP, ip, e);
      }
      if (i.nodePort) push(byPort, i.nodePort, e);
      if (i.healthCheckNodePort) push(byPort, i.healthCheckNodePort, e);
    }
    this.#index = { version: v, byIP, byPort };
    return this.#index;
  }

  /**
   * The service ports whose rules can match a packet to `dst:dport`, closed over their
   * endpoints (a DNAT target may itself be another service's address), in model order.
   */
  relevantEntries(dst: number, dport: number): ServicePortEntry[] {
    const idx = this.#destinations();
    const found = new Set<ServicePortEntry>();
    const seen = new Set<string>();
    const todo: [number, number][] = [[dst, dport]];
    while (todo.length > 0) {
      const [ip, port] = todo.pop()!;
      const k = `${ip}:${port}`;
      if (seen.has(k)) continue;
      seen.add(k);
      for (const e of [...(idx.byIP.get(ip) ?? []), ...(idx.byPort.get(port) ?? [])]) {
        if (found.has(e)) continue;
        found.add(e);
        for (const ep of e.endpoints) todo.push([ep.ipNum, ep.port]);
      }
    }
    return [...found].sort(compareEntries);
  }
}
