// The chains kube-proxy always owns: the jumps from the built-in chains (added with
// "ensure rule, prepend" on full syncs, so each built-in chain lists them in reverse), the
// canary chains, KUBE-POSTROUTING, KUBE-MARK-MASQ, KUBE-FORWARD, KUBE-FIREWALL and the
// final KUBE-SERVICES → KUBE-NODEPORTS rule.
import type { NodeView } from '../nodeview.js';
import { type CidrV4, cidrContains, formatIPv4, parseCIDRv4Sloppy, parseIPv4Sloppy } from '../sloppyip.js';
import type { ProxyConfig } from './config.js';
import { commentMatch, markHex } from './savefmt.js';

/** One jump kube-proxy ensures from a built-in chain (iptablesJumpChains, then the kubelet duplicates). */
interface JumpChain {
  readonly table: 'filter' | 'nat';
  readonly dst: string;
  readonly src: string;
  readonly comment: string;
  readonly newOnly: boolean;
}

const JUMP_CHAINS: readonly JumpChain[] = [
  { table: 'filter', dst: 'KUBE-EXTERNAL-SERVICES', src: 'INPUT', comment: 'kubernetes externally-visible service portals', newOnly: true },
  { table: 'filter', dst: 'KUBE-EXTERNAL-SERVICES', src: 'FORWARD', comment: 'kubernetes externally-visible service portals', newOnly: true },
  { table: 'filter', dst: 'KUBE-NODEPORTS', src: 'INPUT', comment: 'kubernetes health check service ports', newOnly: false },
  { table: 'filter', dst: 'KUBE-SERVICES', src: 'FORWARD', comment: 'kubernetes service portals', newOnly: true },
  { table: 'filter', dst: 'KUBE-SERVICES', src: 'OUTPUT', comment: 'kubernetes service portals', newOnly: true },
  { table: 'filter', dst: 'KUBE-FORWARD', src: 'FORWARD', comment: 'kubernetes forwarding rules', newOnly: false },
  { table: 'filter', dst: 'KUBE-PROXY-FIREWALL', src: 'INPUT', comment: 'kubernetes load balancer firewall', newOnly: true },
  { table: 'filter', dst: 'KUBE-PROXY-FIREWALL', src: 'OUTPUT', comment: 'kubernetes load balancer firewall', newOnly: true },
  { table: 'filter', dst: 'KUBE-PROXY-FIREWALL', src: 'FORWARD', comment: 'kubernetes load balancer firewall', newOnly: true },
  { table: 'nat', dst: 'KUBE-SERVICES', src: 'OUTPUT', comment: 'kubernetes service portals', newOnly: false },
  { table: 'nat', dst: 'KUBE-SERVICES', src: 'PREROUTING', comment: 'kubernetes service portals', newOnly: false },
  { table: 'nat', dst: 'KUBE-POSTROUTING', src: 'POSTROUTING', comment: 'kubernetes postrouting rules', newOnly: false },
  // Duplicates of kubelet's chain, without a comment.
  { table: 'filter', dst: 'KUBE-FIREWALL', src: 'INPUT', comment: '', newOnly: false },
  { table: 'filter', dst: 'KUBE-FIREWALL', src: 'OUTPUT', comment: '', newOnly: false },
];

export const BUILTIN_CHAINS = {
  mangle: ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'],
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
} as const;

/** Rules kube-proxy puts in built-in chains of `table`, in chain-then-position order. */
export function builtinJumpRules(table: 'filter' | 'nat'): string {
  let out = '';
  for (const chain of BUILTIN_CHAINS[table]) {
    // Each jump is inserted at position 1, so the last one ensured comes first.
    for (let i = JUMP_CHAINS.length - 1; i >= 0; i--) {
      const j = JUMP_CHAINS[i]!;
      if (j.table !== table || j.src !== chain) continue;
      const state = j.newOnly ? ' -m conntrack --ctstate NEW' : '';
      const comment = j.comment === '' ? '' : commentMatch(j.comment);
      out += `-A ${chain}${state}${comment} -j ${j.dst}\n`;
    }
  }
  return out;
}

/** Count of the built-in jump rules (not part of kube-proxy's restore, so not in its rule metric). */
export const BUILTIN_JUMP_COUNT = JUMP_CHAINS.length;

/** nat KUBE-POSTROUTING: skip unmarked packets, clear the mark, MASQUERADE. */
export function postroutingRules(config: ProxyConfig): string {
  const m = markHex(config.masqueradeBit);
  return (
    `-A KUBE-POSTROUTING -m mark ! --mark ${m}/${m} -j RETURN\n` +
    // xor-mark shows as --set-xmark M/0x0; the mark is cleared so a re-traversal is not masqueraded twice.
    `-A KUBE-POSTROUTING -j MARK --set-xmark ${m}/0x0\n` +
    `-A KUBE-POSTROUTING${commentMatch('kubernetes service traffic requiring SNAT')} -j MASQUERADE${config.randomFully ? ' --random-fully' : ''}\n`
  );
}

/** nat KUBE-MARK-MASQ: `--or-mark M`, which iptables-save shows as `--set-xmark M/M`. */
export function markMasqRules(config: ProxyConfig): string {
  const m = markHex(config.masqueradeBit);
  return `-A KUBE-MARK-MASQ -j MARK --set-xmark ${m}/${m}\n`;
}

/** filter KUBE-FORWARD: drop INVALID (unless tcp_be_liberal), accept marked and established traffic. */
export function forwardRules(config: ProxyConfig): { rules: string; count: number } {
  const m = markHex(config.masqueradeBit);
  let rules = '';
  let count = 0;
  if (!config.conntrackTCPBeLiberal) {
    rules += `-A KUBE-FORWARD -m conntrack --ctstate INVALID${config.nfacct ? ' -m nfacct --nfacct-name  ct_state_invalid_dropped_pkts' : ''} -j DROP\n`;
    count++;
  }
  rules += `-A KUBE-FORWARD${commentMatch('kubernetes forwarding rules')} -m mark --mark ${m}/${m} -j ACCEPT\n`;
  rules += `-A KUBE-FORWARD${commentMatch('kubernetes forwarding conntrack rule')} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n`;
  return { rules, count: count + 2 };
}

/** filter KUBE-FIREWALL: the route_localnet anti-martian rule, only with localhost NodePorts. */
export function kubeletFirewallRules(localhostNodePorts: boolean): string {
  if (!localhostNodePorts) return '';
  return `-A KUBE-FIREWALL ! -s 127.0.0.0/8 -d 127.0.0.0/8${commentMatch('block incoming localnet connections')} -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP\n`;
}

/** kube-proxy's NodePortAddresses for IPv4: CIDRs, whether they match everything, whether they cover 127.0.0.1. */
export interface NodePortAddresses {
  readonly matchAll: boolean;
  readonly cidrs: readonly CidrV4[];
  readonly containsLoopback: boolean;
}

const LOOPBACK = 0x7f000001;
const LOOPBACK_START = 0x7f000000;

/** As proxyutil.NewNodePortAddresses: IPv4 entries only; none, or "0.0.0.0/0", matches all. */
export function nodePortAddresses(config: ProxyConfig): NodePortAddresses {
  const cidrs: CidrV4[] = [];
  let containsLoopback = false;
  for (const raw of config.nodePortAddresses) {
    const s = raw.trim();
    const c = parseCIDRv4Sloppy(s);
    if (c === null) continue;
    if ((c.base >>> 24) === 127 || cidrContains(c, LOOPBACK_START)) containsLoopback = true;
    if (s === '0.0.0.0/0') return { matchAll: true, cidrs: [c], containsLoopback: true };
    cidrs.push(c);
  }
  if (cidrs.length === 0) return { matchAll: true, cidrs: [], containsLoopback: true };
  return { matchAll: false, cidrs, containsLoopback };
}

/** localhostNodePorts as kube-proxy uses it: off unless nodePortAddresses covers 127.0.0.1. */
export function effectiveLocalhostNodePorts(config: ProxyConfig): boolean {
  return config.localhostNodePorts && nodePortAddresses(config).containsLoopback;
}

/**
 * The node's interface addresses as kube-proxy would list them: its node IPs, 127.0.0.1 on
 * lo, and the pod CIDR gateway on cni0 (the bridge CNI's first address).
 */
export function nodeInterfaceAddresses(node: NodeView): number[] {
  const out = new Set<number>();
  for (const ip of node.nodeIPs) {
    const n = parseIPv4Sloppy(ip);
    if (n !== null) out.add(n);
  }
  out.add(LOOPBACK);
  const pod = parseCIDRv4Sloppy(node.podCIDR);
  if (pod !== null && pod.prefix < 31) out.add(pod.base + 1);
  return [...out].sort((a, b) => a - b);
}

const NODEPORTS_COMMENT = commentMatch('kubernetes service nodeports; NOTE: this must be the last rule in this chain');

/** The last rule(s) of nat KUBE-SERVICES, sending local destinations to KUBE-NODEPORTS. */
export function nodePortsJumpRules(config: ProxyConfig, node: NodeView): { rules: string; count: number } {
  const npa = nodePortAddresses(config);
  const localhost = effectiveLocalhostNodePorts(config);
  if (npa.matchAll) {
    const notLoopback = localhost ? '' : ' ! -d 127.0.0.0/8';
    return { rules: `-A KUBE-SERVICES${notLoopback}${NODEPORTS_COMMENT} -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS\n`, count: 1 };
  }
  let rules = '';
  let count = 0;
  // Upstream lists matching addresses from a Go map; netsim sorts them numerically.
  for (const ip of nodeInterfaceAddresses(node)) {
    if (!npa.cidrs.some((c) => cidrContains(c, ip))) continue;
    if ((ip >>> 24) === 127 && !localhost) continue;
    rules += `-A KUBE-SERVICES -d ${formatIPv4(ip)}/32${NODEPORTS_COMMENT} -j KUBE-NODEPORTS\n`;
    count++;
  }
  return { rules, count };
}
