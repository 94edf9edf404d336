// The decisions kube-proxy's syncProxyRules makes for one service port on one node before
// writing any rule: which endpoints, which chains exist, where each kind of traffic goes,
// and what the filter table does when there is nowhere to send it.
import type { ServicePortEntry } from '../model.js';
import type { ServicePortInfo } from '../serviceport.js';
import type { CategorizedEndpoints } from '../topology.js';
import { chainNamesOf, type EntryChainNames } from './chainnames.js';
import type { LocalDetector } from './localdetector.js';

/** Per-render facts shared by every service port of one node. */
export interface WriterContext {
  readonly detector: LocalDetector;
  /** More than 1000 endpoints in total: per-endpoint comments are left out. */
  readonly largeClusterMode: boolean;
  /** kube-proxy's nodeIP (primary IPv4) as uint32, null when unknown. */
  readonly nodeIP: number | null;
  /** localhostNodePorts after kube-proxy's check that nodePortAddresses covers 127.0.0.1. */
  readonly localhostNodePorts: boolean;
  readonly masqueradeAll: boolean;
  readonly nfacct: boolean;
}

export interface FilterVerdict {
  /** REJECT (no endpoints anywhere) or DROP (no local endpoints for a Local policy). */
  readonly target: 'REJECT' | 'DROP';
  readonly comment: string;
}

export interface ServicePortPlan {
  readonly entry: ServicePortEntry;
  readonly info: ServicePortInfo;
  readonly names: EntryChainNames;
  /** Lowercase protocol for `-p` / `-m`. */
  readonly proto: string;
  readonly clusterPolicyChain: string;
  readonly localPolicyChain: string;
  readonly externalChain: string;
  readonly firewallChain: string;
  readonly cat: CategorizedEndpoints;
  readonly usesClusterPolicyChain: boolean;
  readonly usesLocalPolicyChain: boolean;
  /** Chain the cluster IP jumps to (SVC, or SVL with iTP=Local). */
  readonly internalChain: string;
  readonly hasInternalEndpoints: boolean;
  /** Chain the EXT chain finally jumps to (SVC, or SVL with eTP=Local). */
  readonly externalPolicyChain: string;
  readonly hasExternalEndpoints: boolean;
  readonly usesExternalChain: boolean;
  readonly usesFirewallChain: boolean;
  /** Where LB IPs jump: EXT, or FW when source ranges are set. */
  readonly loadBalancerChain: string;
  /** Set when the cluster IP has no usable endpoints. */
  readonly internalFilter: FilterVerdict | null;
  /** Set when external destinations have no usable endpoints. */
  readonly externalFilter: FilterVerdict | null;
}

/** The plan for one service port given its categorized endpoints on this node. */
export function planServicePort(entry: ServicePortEntry, cat: CategorizedEndpoints): ServicePortPlan {
  const info = entry.info;
  const names = chainNamesOf(entry);
  const h = names.hash;
  const clusterPolicyChain = `KUBE-SVC-${h}`;
  const localPolicyChain = `KUBE-SVL-${h}`;
  const externalChain = `KUBE-EXT-${h}`;
  const firewallChain = `KUBE-FW-${h}`;
  const hasAny = cat.hasAnyEndpoints;

  const usesClusterPolicyChain = cat.clusterEndpoints.length > 0 && info.usesClusterEndpoints;
  const usesLocalPolicyChain = cat.localEndpoints.length > 0 && info.usesLocalEndpoints;

  let internalChain = clusterPolicyChain;
  let hasInternalEndpoints = hasAny;
  if (info.internalPolicyLocal) {
    internalChain = localPolicyChain;
    if (cat.localEndpoints.length === 0) hasInternalEndpoints = false;
  }
  let externalPolicyChain = clusterPolicyChain;
  let hasExternalEndpoints = hasAny;
  if (info.externalPolicyLocal) {
    externalPolicyChain = localPolicyChain;
    if (cat.localEndpoints.length === 0) hasExternalEndpoints = false;
  }
  // Built even without externally usable endpoints: the short-circuit rules still apply.
  const usesExternalChain = hasAny && info.externallyAccessible;
  const usesFirewallChain = hasAny && info.loadBalancerVIPs.length > 0 && info.loadBalancerSourceRanges.length > 0;

  let internalFilter: FilterVerdict | null = null;
  let externalFilter: FilterVerdict | null = null;
  if (!hasAny) {
    internalFilter = externalFilter = { target: 'REJECT', comment: `${info.name} has no endpoints` };
  } else {
    const drop: FilterVerdict = { target: 'DROP', comment: `${info.name} has no local endpoints` };
    if (!hasInternalEndpoints) internalFilter = drop;
    if (!hasExternalEndpoints) externalFilter = drop;
  }

  return {
    entry,
    info,
    names,
    proto: info.protocol.toLowerCase(),
    clusterPolicyChain,
    localPolicyChain,
    externalChain,
    firewallChain,
    cat,
    usesClusterPolicyChain,
    usesLocalPolicyChain,
    internalChain,
    hasInternalEndpoints,
    externalPolicyChain,
    hasExternalEndpoints,
    usesExternalChain,
    usesFirewallChain,
    loadBalancerChain: usesFirewallChain ? firewallChain : externalChain,
    internalFilter,
    externalFilter,
  };
}
