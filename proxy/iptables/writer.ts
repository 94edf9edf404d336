// The iptables rule writer: what `iptables-save` shows on a node after kube-proxy's
// iptables-restore. Rules are written per service port and cached against the model entry
// and the few node facts they depend on. Service ports whose rules are the same on every
// node (no Local policy, no topology hints, no source ranges, no per-node detector) live
// once in a shared index per model; a NodeRuleset holds only its node's own service ports,
// so thousands of nodes cost little more than one. Both are refreshed incrementally.
import type { ServicePortEntry, ServiceProxyModel } from '../model.js';
import type { NodeView } from '../nodeview.js';
import { parseIPv4Sloppy } from '../sloppyip.js';
import { type CategorizedEndpoints, categorizeEndpoints } from '../topology.js';
import { type ProxyConfig, proxyConfig } from './config.js';
import { firewallAllowsNode } from './external.js';
import { effectiveLocalhostNodePorts, forwardRules, nodePortsJumpRules } from './fixedchains.js';
import { detectorIsPerNode, localDetector } from './localdetector.js';
import type { WriterContext } from './plan.js';
import { RuleIndex } from './ruleindex.js';
import { saveDumpChunks } from './savedump.js';
import { type ServicePortRules, writeServicePortRules } from './servicerules.js';

/** Above this many endpoints kube-proxy drops per-endpoint comments (largeClusterEndpointsThreshold). */
export const LARGE_CLUSTER_ENDPOINTS = 1000;

/** A node's ruleset: the iptables-save text and kube-proxy's rule counts. */
export interface IptablesRender {
  readonly text: string;
  /** nat rules kube-proxy wrote (its sync_proxy_rules_iptables_total{table="nat"}). */
  readonly natRules: number;
  /** filter rules kube-proxy wrote. */
  readonly filterRules: number;
}

interface CacheSlot {
  entry: ServicePortEntry;
  large: boolean;
  /** Rules for the empty signature (every node-independent port): no Map for the common case. */
  plain: ServicePortRules | undefined;
  bySignature: Map<string, ServicePortRules> | undefined;
}

/** The shared index of one model: rules of service ports that are the same on every node. */
interface SharedIndex {
  readonly index: RuleIndex;
  version: number;
  large: boolean;
}

const PROTOCOLS = ['TCP', 'UDP', 'SCTP'];
const NO_NODE: NodeView = { nodeName: '', nodeIPs: [], zone: '', podCIDR: '' };

/** Writes service-port rules for any node, sharing what nodes have in common. */
export class IptablesWriter {
  readonly config: ProxyConfig;
  #cache = new Map<string, CacheSlot>();
  #shared = new WeakMap<ServiceProxyModel, SharedIndex>();

  constructor(config: ProxyConfig = proxyConfig()) {
    this.config = config;
  }

  /** The per-render context of a node. */
  context(model: ServiceProxyModel, node: NodeView): WriterContext {
    return {
      detector: localDetector(this.config, node),
      largeClusterMode: model.totalEndpoints > LARGE_CLUSTER_ENDPOINTS,
      nodeIP: node.nodeIPs.length > 0 ? parseIPv4Sloppy(node.nodeIPs[0]!) : null,
      localhostNodePorts: effectiveLocalhostNodePorts(this.config),
      masqueradeAll: this.config.masqueradeAll,
      nfacct: this.config.nfacct,
    };
  }

  /** Whether a service port's rules can differ from node to node. */
  isPerNode(entry: ServicePortEntry): boolean {
    const info = entry.info;
    return (
      info.usesLocalEndpoints ||
      entry.hasHints ||
      (info.loadBalancerVIPs.length > 0 && info.loadBalancerSourceRanges.length > 0) ||
      detectorIsPerNode(this.config)
    );
  }

  /** The rules of one service port on a node (cached per distinct node-specific input). */
  servicePortRules(entry: ServicePortEntry, node: NodeView, ctx: WriterContext): ServicePortRules {
    let slot = this.#cache.get(entry.info.key);
    if (slot === undefined || slot.entry !== entry || slot.large !== ctx.largeClusterMode) {
      slot = { entry, large: ctx.largeClusterMode, plain: undefined, bySignature: undefined };
      this.#cache.set(entry.info.key, slot);
    }
    const info = entry.info;
    let cat: CategorizedEndpoints | null = null;
    let sig = '';
    if (this.isPerNode(entry)) {
      // What this node's rules depend on: its endpoint choice, source-range match, pod CIDR.
      cat = categorizeEndpoints(entry.endpoints, info, node, this.config.featureGates);
      sig = `${positions(entry.endpoints, cat.clusterEndpoints)}|${positions(entry.endpoints, cat.localEndpoints)}`;
      if (info.loadBalancerSourceRanges.length > 0 && firewallAllowsNode(info, ctx.nodeIP)) sig += '|fw';
      if (ctx.detector !== null && 'cidr' in ctx.detector && detectorIsPerNode(this.config)) sig += `|${ctx.detector.cidr}`;
    }
    let rules = sig === '' ? slot.plain : slot.bySignature?.get(sig);
    if (rules === undefined) {
      cat ??= categorizeEndpoints(entry.endpoints, info, node, this.config.featureGates);
      rules = writeServicePortRules(entry, cat, ctx);
      if (sig === '') slot.plain = rules;
      else (slot.bySignature ??= new Map()).set(sig, rules);
    }
    return rules;
  }

  /** Drops the cached rules of a service port (it left the model). */
  forget(key: string): void {
    this.#cache.delete(key);
  }

  /**
   * The shared index of `model`, brought up to date. `changed` is the last sync's
   * ServicePortNames; it is used only when the index saw every earlier sync.
   */
  shared(model: ServiceProxyModel, changed?: Iterable<string>): RuleIndex {
    let s = this.#shared.get(model);
    if (s === undefined) {
      s = { index: new RuleIndex(), version: -1, large: false };
      this.#shared.set(model, s);
    }
    if (s.version === model.version) return s.index;
    const ctx = this.context(model, NO_NODE);
    const refresh = (key: string): void => {
      const entry = model.get(key);
      if (entry !== undefined && !this.isPerNode(entry)) {
        if (s.index.entryOf(key) !== entry) s.index.set(entry, this.servicePortRules(entry, NO_NODE, ctx));
      } else {
        s.index.delete(key);
        if (entry === undefined) this.forget(key);
      }
    };
    if (s.version < 0 || ctx.largeClusterMode !== s.large) {
      const items: [ServicePortEntry, ServicePortRules][] = [];
      for (const e of model.servicePorts()) if (!this.isPerNode(e)) items.push([e, this.servicePortRules(e, NO_NODE, ctx)]);
      s.index.reset(items);
    } else if (changed !== undefined && s.version === model.lastSyncBaseVersion) {
      for (const name of changed) for (const p of PROTOCOLS) refresh(`${name}/${p}`);
    } else {
      for (const e of model.servicePorts()) if (s.index.entryOf(e.info.key) !== e) refresh(e.info.key);
      for (const key of [...s.index.keys()]) if (model.get(key) === undefined) refresh(key);
      for (const key of [...this.#cache.keys()]) if (model.get(key) === undefined) this.forget(key);
    }
    s.version = model.version;
    s.large = ctx.largeClusterMode;
    return s.index;
  }

  /** A ruleset for one node, built now and refreshed with `refresh()` after model syncs. */
  forNode(model: ServiceProxyModel, node: NodeView): NodeRuleset {
    return new NodeRuleset(this, model, node);
  }
}

/** Indices of `sub` (a subsequence) inside `all`, as a compact string. */
function positions(all: readonly unknown[], sub: readonly unknown[]): string {
  if (sub.length === all.length) return '*';
  let s = '';
  let j = 0;
  for (let i = 0; i < all.length && j < sub.length; i++) {
    if (all[i] === sub[j]) {
      s += `${i},`;
      j++;
    }
  }
  return s;
}

/** One node's view: the shared index plus its own node-specific service ports. */
export class NodeRuleset {
  readonly writer: IptablesWriter;
  readonly model: ServiceProxyModel;
  readonly node: NodeView;
  #ctx!: WriterContext;
  #shared!: RuleIndex;
  #own = new RuleIndex();
  #version = -1;

  constructor(writer: IptablesWriter, model: ServiceProxyModel, node: NodeView) {
    this.writer = writer;
    this.model = model;
    this.node = node;
    this.refresh();
  }

  /**
   * Brings the ruleset up to date with the model. With `changed` (the ServicePortNames the
   * last model sync returned) only those service ports are rewritten, provided this ruleset
   * saw every earlier sync; otherwise all entries are compared. A flip of large-cluster mode
   * rewrites everything, as kube-proxy would.
   */
  refresh(changed?: readonly string[]): void {
    const model = this.model;
    const writer = this.writer;
    this.#shared = writer.shared(model, changed);
    if (model.version === this.#version) return;
    const ctx = writer.context(model, this.node);
    const refresh = (key: string): void => {
      const entry = model.get(key);
      if (entry !== undefined && writer.isPerNode(entry)) {
        if (this.#own.entryOf(key) !== entry) this.#own.set(entry, writer.servicePortRules(entry, this.node, ctx));
      } else {
        this.#own.delete(key);
      }
    };
    if (this.#version < 0 || ctx.largeClusterMode !== this.#ctx.largeClusterMode) {
      const items: [ServicePortEntry, ServicePortRules][] = [];
      for (const e of model.servicePorts()) if (writer.isPerNode(e)) items.push([e, writer.servicePortRules(e, this.node, ctx)]);
      this.#own.reset(items);
    } else if (changed !== undefined && this.#version === model.lastSyncBaseVersion) {
      for (const name of changed) for (const p of PROTOCOLS) refresh(`${name}/${p}`);
    } else {
      for (const e of model.servicePorts()) if (writer.isPerNode(e) && this.#own.entryOf(e.info.key) !== e) refresh(e.info.key);
      for (const key of [...this.#own.keys()]) {
        const e = model.get(key);
        if (e === undefined || !writer.isPerNode(e)) refresh(key);
      }
    }
    this.#ctx = ctx;
    this.#version = model.version;
  }

  /** nat rules in kube-proxy's metric sense (its restore input, without the built-in jumps). */
  get natRules(): number {
    return this.#shared.natRuleCount + this.#own.natRuleCount + 4 + nodePortsJumpRules(this.writer.config, this.node).count;
  }

  /** filter rules in kube-proxy's metric sense. */
  get filterRules(): number {
    const config = this.writer.config;
    return this.#shared.filterRuleCount + this.#own.filterRuleCount + forwardRules(config).count + (this.#ctx.localhostNodePorts ? 1 : 0);
  }

  /** The ruleset as `iptables-save` prints it (mangle, filter, nat; no timestamp comments). */
  text(): string {
    return this.chunks().join('');
  }

  /** `text()` as pieces to write in order; after a small change most are cached strings. */
  chunks(): string[] {
    const servicePorts: ServicePortRules[] = [];
    for (const e of this.model.servicePorts()) {
      const key = e.info.key;
      servicePorts.push((this.#own.get(key) ?? this.#shared.get(key))!);
    }
    const chains = [this.#shared.chains, this.#own.chains].filter((c) => c.size > 0);
    return saveDumpChunks({ config: this.writer.config, node: this.node, localhostNodePorts: this.#ctx.localhostNodePorts, servicePorts, chains });
  }

  /** Text plus rule counts. */
  render(): IptablesRender {
    return { text: this.text(), natRules: this.natRules, filterRules: this.filterRules };
  }
}

/** What `iptables-save` shows on `node` after kube-proxy synced `model` with `config`. */
export function writeIptablesSave(model: ServiceProxyModel, node: NodeView, config: ProxyConfig = proxyConfig()): string {
  return new IptablesWriter(config).forNode(model, node).text();
}

/** The iptables-save text of `node` with kube-proxy's nat and filter rule counts. */
export function renderIptables(model: ServiceProxyModel, node: NodeView, config: ProxyConfig = proxyConfig()): IptablesRender {
  return new IptablesWriter(config).forNode(model, node).render();
}
