// The iptables rules flanneld adds on every node besides kube-proxy's (kube-flannel runs with
// --ip-masq): FLANNEL-POSTRTG masquerades pod traffic leaving the cluster network and host
// traffic entering it, and FLANNEL-FWD accepts forwarding to and from the cluster network
// (flannel pkg/trafficmngr/iptables: masqRules, forwardRules; one IPv4 cluster CIDR).
import { type Prefix, formatPrefix } from './prefix.js';

/** Rules one agent adds to a node, per table: extra chains and `-A` lines (iptables-save syntax). */
export interface HostRules {
  readonly filter: { readonly chains: readonly string[]; readonly rules: readonly string[] };
  readonly nat: { readonly chains: readonly string[]; readonly rules: readonly string[] };
}

/** kube-proxy's masquerade mark as flannel matches it (trafficmngr.KubeProxyMark). */
const KUBE_PROXY_MARK = '0x4000/0x4000';

/** flanneld's rules for a node whose lease is `podCIDR` in the flannel network `clusterCIDR`. */
export function flannelRules(clusterCIDR: Prefix, podCIDR: Prefix): HostRules {
  const cluster = formatPrefix(clusterCIDR, false);
  const pod = formatPrefix(podCIDR, false);
  const masq = '-m comment --comment "flanneld masq"';
  const fwd = '-m comment --comment "flanneld forward"';
  return {
    nat: {
      chains: ['FLANNEL-POSTRTG'],
      rules: [
        `-A POSTROUTING ${masq} -j FLANNEL-POSTRTG`,
        `-A FLANNEL-POSTRTG -m mark --mark ${KUBE_PROXY_MARK} ${masq} -j RETURN`,
        `-A FLANNEL-POSTRTG -s ${pod} -d ${cluster} ${masq} -j RETURN`,
        `-A FLANNEL-POSTRTG -s ${cluster} -d ${pod} ${masq} -j RETURN`,
        `-A FLANNEL-POSTRTG ! -s ${cluster} -d ${pod} ${masq} -j RETURN`,
        `-A FLANNEL-POSTRTG -s ${cluster} ! -d 224.0.0.0/4 ${masq} -j MASQUERADE --random-fully`,
        `-A FLANNEL-POSTRTG ! -s ${cluster} -d ${cluster} ${masq} -j MASQUERADE --random-fully`,
      ],
    },
    filter: {
      chains: ['FLANNEL-FWD'],
      rules: [`-A FORWARD ${fwd} -j FLANNEL-FWD`, `-A FLANNEL-FWD -s ${cluster} ${fwd} -j ACCEPT`, `-A FLANNEL-FWD -d ${cluster} ${fwd} -j ACCEPT`],
    },
  };
}

/**
 * Adds other agents' rules to an iptables-save text: their chains are declared after the
 * table's own, their rules appended at the end of the table (they were added with -A after
 * kube-proxy's jumps).
 */
export function mergeHostRules(text: string, extra: readonly HostRules[]): string {
  if (extra.length === 0) return text;
  const lines = text.split('\n');
  const out: string[] = [];
  let table = '';
  let declared = false;
  for (const line of lines) {
    if (line.startsWith('*')) {
      table = line.slice(1);
      declared = false;
      out.push(line);
      continue;
    }
    const add = table === 'nat' || table === 'filter' ? extra.map((e) => e[table as 'nat' | 'filter']) : [];
    if (!declared && !line.startsWith(':') && add.length > 0) {
      for (const a of add) for (const c of a.chains) out.push(`:${c} - [0:0]`);
      declared = true;
    }
    if (line === 'COMMIT') for (const a of add) out.push(...a.rules);
    out.push(line);
  }
  return out.join('\n');
}
