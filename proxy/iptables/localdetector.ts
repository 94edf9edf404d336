// kube-proxy's LocalTrafficDetector (pkg/proxy/util/localdetector.go): how a rule tells
// traffic from local pods apart, per --detect-local-mode, as iptables-save prints it.
import type { NodeView } from '../nodeview.js';
import { parseCIDRv4Sloppy } from '../sloppyip.js';
import type { ProxyConfig } from './config.js';

/** The header fields a rule can carry; rendered by ruleHead in iptables-save order. */
export interface RuleHeader {
  src?: string;
  srcNeg?: boolean;
  dst?: string;
  dstNeg?: boolean;
  inIface?: string;
  inIfaceNeg?: boolean;
  proto?: string;
}

/** A configured detector: a source CIDR or an input interface (name may end in '+'). */
export type LocalDetector = { readonly cidr: string } | { readonly iface: string } | null;

/** The IPv4 CIDR of a possibly comma-separated dual-stack list, canonical, or ''. */
function ipv4CIDR(list: string): string {
  for (const part of list.split(',')) {
    const c = parseCIDRv4Sloppy(part.trim());
    if (c !== null) return c.text;
  }
  return '';
}

/** The detector on this node, or null when none is configured (then no masquerade/short-circuit rules). */
export function localDetector(config: ProxyConfig, node: NodeView): LocalDetector {
  switch (config.detectLocalMode) {
    case 'ClusterCIDR': {
      const c = ipv4CIDR(config.clusterCIDR);
      return c === '' ? null : { cidr: c };
    }
    case 'NodeCIDR': {
      const c = ipv4CIDR(node.podCIDR);
      return c === '' ? null : { cidr: c };
    }
    case 'BridgeInterface':
      return config.bridgeInterface === '' ? null : { iface: config.bridgeInterface };
    case 'InterfaceNamePrefix':
      return config.interfaceNamePrefix === '' ? null : { iface: `${config.interfaceNamePrefix}+` };
    default:
      return null;
  }
}

/** Whether the detector's rules differ from node to node (NodeCIDR). */
export function detectorIsPerNode(config: ProxyConfig): boolean {
  return config.detectLocalMode === 'NodeCIDR';
}

/** Adds the "from a local pod" match (IfLocal) to a header. */
export function ifLocal(d: NonNullable<LocalDetector>, h: RuleHeader): RuleHeader {
  if ('cidr' in d) h.src = d.cidr;
  else h.inIface = d.iface;
  return h;
}

/** Adds the "not from a local pod" match (IfNotLocal) to a header. */
export function ifNotLocal(d: NonNullable<LocalDetector>, h: RuleHeader): RuleHeader {
  if ('cidr' in d) {
    h.src = d.cidr;
    h.srcNeg = true;
  } else {
    h.inIface = d.iface;
    h.inIfaceNeg = true;
  }
  return h;
}

/** `-A CHAIN` and the header fields, in the order iptables-save prints them. */
export function ruleHead(chain: string, h: RuleHeader): string {
  let s = `-A ${chain}`;
  if (h.src !== undefined) s += `${h.srcNeg ? ' !' : ''} -s ${h.src.includes('/') ? h.src : `${h.src}/32`}`;
  if (h.dst !== undefined) s += `${h.dstNeg ? ' !' : ''} -d ${h.dst.includes('/') ? h.dst : `${h.dst}/32`}`;
  if (h.inIface !== undefined) s += `${h.inIfaceNeg ? ' !' : ''} -i ${h.inIface}`;
  if (h.proto !== undefined) s += ` -p ${h.proto}`;
  return s;
}
