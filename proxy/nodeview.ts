// The per-node facts a rule writer applies to the shared model: which endpoints are local,
// the node's zone for topology hints, its addresses for NodePorts and its pod CIDR.
import type { Node } from '../lib/api/types.js';
import { canonicalIPv4 } from './sloppyip.js';

export interface NodeView {
  readonly nodeName: string;
  /** The node's IPv4 addresses, primary first (kube-proxy's nodeIP is the first). */
  readonly nodeIPs: readonly string[];
  /** topology.kubernetes.io/zone label, '' when absent. */
  readonly zone: string;
  /** spec.podCIDR ('' when unallocated). */
  readonly podCIDR: string;
}

export const LabelTopologyZone = 'topology.kubernetes.io/zone';

/** A NodeView from a Node object: InternalIP addresses first, then ExternalIP (IPv4 only). */
export function nodeViewFromNode(node: Node): NodeView {
  const ips: string[] = [];
  for (const type of ['InternalIP', 'ExternalIP'] as const) {
    for (const a of node.status?.addresses ?? []) {
      if (a.type !== type) continue;
      const ip = canonicalIPv4(a.address);
      if (ip !== null && !ips.includes(ip)) ips.push(ip);
    }
  }
  const podCIDR = node.spec.podCIDRs?.find((c) => !c.includes(':')) ?? (node.spec.podCIDR?.includes(':') ? '' : (node.spec.podCIDR ?? ''));
  return { nodeName: node.metadata.name ?? '', nodeIPs: ips, zone: node.metadata.labels?.[LabelTopologyZone] ?? '', podCIDR };
}
