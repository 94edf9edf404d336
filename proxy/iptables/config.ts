// kube-proxy's iptables-mode options (KubeProxyConfiguration fields) with its defaults
// (pkg/proxy/apis/config/v1alpha1/defaults.go), plus the host facts that change the rules.
import { defaultTopologyGates, type TopologyGates } from '../topology.js';

export type DetectLocalMode = 'ClusterCIDR' | 'NodeCIDR' | 'BridgeInterface' | 'InterfaceNamePrefix' | 'None';

export interface ProxyConfig {
  readonly masqueradeAll: boolean;
  /** Bit of the fwmark that asks for SNAT; default 14 (0x4000). */
  readonly masqueradeBit: number;
  /** The pod network; for ClusterCIDR detection. Comma-separated dual-stack lists are allowed. */
  readonly clusterCIDR: string;
  readonly detectLocalMode: DetectLocalMode;
  /** For BridgeInterface detection. */
  readonly bridgeInterface: string;
  /** For InterfaceNamePrefix detection. */
  readonly interfaceNamePrefix: string;
  /** CIDRs whose node addresses accept NodePorts; empty = all local addresses. */
  readonly nodePortAddresses: readonly string[];
  /** iptables.localhostNodePorts. */
  readonly localhostNodePorts: boolean;
  /** Host: iptables supports MASQUERADE --random-fully (any iptables ≥ 1.6.2). */
  readonly randomFully: boolean;
  /** Host: nfacct counters could be created (adds counting rules); off by default here. */
  readonly nfacct: boolean;
  /** Host: sysctl nf_conntrack_tcp_be_liberal != 0 drops the INVALID DROP rule. */
  readonly conntrackTCPBeLiberal: boolean;
  readonly featureGates: TopologyGates;
}

export const defaultProxyConfig: ProxyConfig = {
  masqueradeAll: false,
  masqueradeBit: 14,
  clusterCIDR: '',
  detectLocalMode: 'ClusterCIDR',
  bridgeInterface: '',
  interfaceNamePrefix: '',
  nodePortAddresses: [],
  localhostNodePorts: true,
  randomFully: true,
  nfacct: false,
  conntrackTCPBeLiberal: false,
  featureGates: defaultTopologyGates,
};

/** Fills unset fields with kube-proxy's defaults. */
export function proxyConfig(partial: Partial<ProxyConfig> = {}): ProxyConfig {
  return { ...defaultProxyConfig, ...partial, featureGates: { ...defaultTopologyGates, ...partial.featureGates } };
}

/**
 * From the scenario's `cluster.proxy` settings (KubeProxyConfiguration field names):
 * `{masqueradeAll, detectLocalMode, clusterCIDR, nodePortAddresses, iptables: {masqueradeBit, localhostNodePorts}}`.
 */
export function proxyConfigFromSettings(s: {
  masqueradeAll?: boolean;
  detectLocalMode?: string;
  clusterCIDR?: string;
  nodePortAddresses?: readonly string[];
  iptables?: { masqueradeBit?: number; localhostNodePorts?: boolean };
  detectLocal?: { bridgeInterface?: string; interfaceNamePrefix?: string };
}): ProxyConfig {
  return proxyConfig({
    masqueradeAll: s.masqueradeAll ?? false,
    detectLocalMode: (s.detectLocalMode as DetectLocalMode | undefined) ?? 'ClusterCIDR',
    clusterCIDR: s.clusterCIDR ?? '',
    nodePortAddresses: s.nodePortAddresses ?? [],
    masqueradeBit: s.iptables?.masqueradeBit ?? 14,
    localhostNodePorts: s.iptables?.localhostNodePorts ?? true,
    bridgeInterface: s.detectLocal?.bridgeInterface ?? '',
    interfaceNamePrefix: s.detectLocal?.interfaceNamePrefix ?? '',
  });
}
