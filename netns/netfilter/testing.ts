// Test fixture: kube-proxy-shaped iptables-save text for N Services x E endpoints, spelled as
// iptables-save prints kube-proxy's rules (hashed chain names, quantised probabilities,
// large-cluster mode without per-endpoint comments). It lets the evaluator's tests and bench
// run without the real rule writer (proxy/iptables); the lead runs the evaluator on that too.

import { createHash } from 'node:crypto';
import { formatIPv4, parseIPv4 } from './address.js';
import { quoteSaveString } from './tokenize.js';

export interface GeneratedEndpoint {
  readonly ip: number;
  readonly port: number;
  readonly chain: string;
}

export interface GeneratedService {
  /** ServicePortName, `ns/name:port`. */
  readonly name: string;
  readonly protocol: 'tcp' | 'udp';
  readonly clusterIP: number;
  readonly port: number;
  readonly nodePort: number | null;
  /** ClientIP affinity timeout in seconds, or null. */
  readonly affinity: number | null;
  readonly svcChain: string;
  readonly extChain: string;
  /** In kube-proxy's order (sorted by the `ip:port` string). */
  readonly endpoints: readonly GeneratedEndpoint[];
}

export interface KubeProxyShape {
  readonly services: number;
  /** Endpoints per Service (a function of the Service index for variety). */
  readonly endpoints: number | ((service: number) => number);
  /** Pod network, used by the masquerade rule (`! -s clusterCIDR`); default 10.244.0.0/16. */
  readonly clusterCIDR?: string;
  /** Every k-th Service gets a NodePort (30000 + index); 0 = none. */
  readonly nodePortEvery?: number;
  /** Every k-th Service has ClientIP affinity (timeout 10800 s); 0 = none. */
  readonly affinityEvery?: number;
  /** Every k-th Service has UDP instead of TCP; 0 = none. */
  readonly udpEvery?: number;
}

export interface GeneratedRules {
  readonly text: string;
  readonly services: readonly GeneratedService[];
  /** nat rules written (kube-proxy's count: 5 + N * (2 + 3E) for plain ClusterIP Services). */
  readonly natRules: number;
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function base32(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

/** kube-proxy's chain-name hash: the first 16 base32 characters of SHA-256. */
export function chainHash(input: string): string {
  return base32(createHash('sha256').update(input).digest()).slice(0, 16);
}

function at(n: number | ((i: number) => number), i: number): number {
  return typeof n === 'number' ? n : n(i);
}

/** Generates kube-proxy's nat and filter tables, in iptables-save spelling, for the shape. */
export function generateKubeProxyRules(shape: KubeProxyShape): GeneratedRules {
  const cidr = shape.clusterCIDR ?? '10.244.0.0/16';
  const serviceBase = parseIPv4('10.96.0.0')!;
  const podBase = parseIPv4('10.244.0.0')!;
  const services: GeneratedService[] = [];
  let totalEndpoints = 0;
  for (let i = 0; i < shape.services; i++) {
    const protocol = shape.udpEvery && i % shape.udpEvery === shape.udpEvery - 1 ? 'udp' : 'tcp';
    const port = [80, 443, 8080, 6379, 53][i % 5]!;
    const name = `ns${i % 50}/svc${i}:p${port}`;
    const hash = chainHash(name + protocol);
    const e = at(shape.endpoints, i);
    const eps = [];
    for (let j = 0; j < e; j++) {
      const ip = podBase + 256 + ((i * 97 + j * 131) % 65000);
      const epText = `${formatIPv4(ip)}:${port}`;
      eps.push({ ip, port, text: epText, chain: `KUBE-SEP-${chainHash(name + protocol + epText)}` });
    }
    // As kube-proxy: endpoints ordered by their "ip:port" string (plain lexicographic).
    eps.sort((a, b) => (a.text < b.text ? -1 : a.text > b.text ? 1 : 0));
    totalEndpoints += e;
    services.push({
      name,
      protocol,
      clusterIP: serviceBase + 16 + i,
      port,
      nodePort: shape.nodePortEvery && i % shape.nodePortEvery === 0 ? 30000 + (i % 2768) : null,
      affinity: shape.affinityEvery && i % shape.affinityEvery === shape.affinityEvery - 1 ? 10800 : null,
      svcChain: `KUBE-SVC-${hash}`,
      extChain: `KUBE-EXT-${hash}`,
      endpoints: eps.map(({ ip, port: p, chain }) => ({ ip, port: p, chain })),
    });
  }
  // Large-cluster mode drops the per-endpoint comments above 1000 endpoints.
  const large = totalEndpoints > 1000;
  const q = quoteSaveString;

  const natChains: string[] = ['KUBE-SERVICES', 'KUBE-NODEPORTS', 'KUBE-POSTROUTING', 'KUBE-MARK-MASQ'];
  const natRules: string[] = [
    '-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
    '-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
    '-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING',
    '-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000',
    '-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN',
    '-A KUBE-POSTROUTING -j MARK --set-xmark 0x4000/0x0',
    '-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully',
  ];
  const filterSvc: string[] = [];
  const filterExt: string[] = [];
  const servicesRules: string[] = [];
  const nodePortRules: string[] = [];
  const perService: string[] = [];
  let natCount = 5;
  for (const s of services) {
    const p = s.protocol;
    const vip = `${formatIPv4(s.clusterIP)}/32`;
    if (s.endpoints.length === 0) {
      filterSvc.push(`-A KUBE-SERVICES -d ${vip} -p ${p} -m comment --comment ${q(`${s.name} has no endpoints`)} -m ${p} --dport ${s.port} -j REJECT --reject-with icmp-port-unreachable`);
      if (s.nodePort !== null) {
        filterExt.push(`-A KUBE-EXTERNAL-SERVICES -p ${p} -m comment --comment ${q(`${s.name} has no endpoints`)} -m addrtype --dst-type LOCAL -m ${p} --dport ${s.nodePort} -j REJECT --reject-with icmp-port-unreachable`);
      }
      continue;
    }
    natChains.push(s.svcChain);
    servicesRules.push(`-A KUBE-SERVICES -d ${vip} -p ${p} -m comment --comment ${q(`${s.name} cluster IP`)} -m ${p} --dport ${s.port} -j ${s.svcChain}`);
    perService.push(`-A ${s.svcChain} ! -s ${cidr} -d ${vip} -p ${p} -m comment --comment ${q(`${s.name} cluster IP`)} -m ${p} --dport ${s.port} -j KUBE-MARK-MASQ`);
    natCount += 2;
    if (s.nodePort !== null) {
      natChains.push(s.extChain);
      nodePortRules.push(`-A KUBE-NODEPORTS -p ${p} -m comment --comment ${q(s.name)} -m ${p} --dport ${s.nodePort} -j ${s.extChain}`);
      perService.push(`-A ${s.extChain} -m comment --comment ${q(`masquerade traffic for ${s.name} external destinations`)} -j KUBE-MARK-MASQ`);
      perService.push(`-A ${s.extChain} -j ${s.svcChain}`);
    }
    const n = s.endpoints.length;
    const epComment = (e: GeneratedEndpoint): string =>
      large ? '' : ` -m comment --comment ${q(`${s.name} -> ${formatIPv4(e.ip)}:${e.port}`)}`;
    if (s.affinity !== null) {
      for (const e of s.endpoints) {
        perService.push(`-A ${s.svcChain}${epComment(e)} -m recent --rcheck --seconds ${s.affinity} --reap --name ${e.chain} --mask 255.255.255.255 --rsource -j ${e.chain}`);
      }
    }
    s.endpoints.forEach((e, i) => {
      if (i < n - 1) {
        // kube-proxy writes 1/(n-i) with %0.10f; iptables stores lround(p * 2^31) and prints it back with %.11f.
        const written = Number((1 / (n - i)).toFixed(10));
        const shown = (Math.round(written * 0x80000000) / 0x80000000).toFixed(11);
        perService.push(`-A ${s.svcChain}${epComment(e)} -m statistic --mode random --probability ${shown} -j ${e.chain}`);
      } else {
        perService.push(`-A ${s.svcChain}${epComment(e)} -j ${e.chain}`);
      }
    });
    for (const e of s.endpoints) {
      natChains.push(e.chain);
      const c = large ? '' : ` -m comment --comment ${q(s.name)}`;
      perService.push(`-A ${e.chain} -s ${formatIPv4(e.ip)}/32${c} -j KUBE-MARK-MASQ`);
      const set = s.affinity !== null ? ` -m recent --set --name ${e.chain} --mask 255.255.255.255 --rsource` : '';
      perService.push(`-A ${e.chain} -p ${p}${c}${set} -m ${p} -j DNAT --to-destination ${formatIPv4(e.ip)}:${e.port}`);
      natCount += 3;
    }
  }
  servicesRules.push(
    '-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS',
  );
  const lines: string[] = ['# Generated by netsim (kube-proxy-shaped test fixture)', '*filter'];
  for (const c of ['INPUT ACCEPT', 'FORWARD ACCEPT', 'OUTPUT ACCEPT']) lines.push(`:${c} [0:0]`);
  for (const c of ['KUBE-EXTERNAL-SERVICES', 'KUBE-FIREWALL', 'KUBE-FORWARD', 'KUBE-NODEPORTS', 'KUBE-PROXY-FIREWALL', 'KUBE-SERVICES']) {
    lines.push(`:${c} - [0:0]`);
  }
  lines.push(
    '-A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL',
    '-A INPUT -m comment --comment "kubernetes health check service ports" -j KUBE-NODEPORTS',
    '-A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES',
    '-A INPUT -j KUBE-FIREWALL',
    '-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL',
    '-A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD',
    '-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
    '-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES',
    '-A OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL',
    '-A OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
    '-A OUTPUT -j KUBE-FIREWALL',
    '-A KUBE-FIREWALL ! -s 127.0.0.0/8 -d 127.0.0.0/8 -m comment --comment "block incoming localnet connections" -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP',
    '-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP',
    '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT',
    '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
  );
  for (const r of filterExt) lines.push(r);
  for (const r of filterSvc) lines.push(r);
  lines.push('COMMIT', '*nat');
  for (const c of ['PREROUTING ACCEPT', 'INPUT ACCEPT', 'OUTPUT ACCEPT', 'POSTROUTING ACCEPT']) lines.push(`:${c} [0:0]`);
  for (const c of natChains) lines.push(`:${c} - [0:0]`);
  for (const r of natRules) lines.push(r);
  // Concatenate instead of spreading: 300k-element spreads overflow the call stack.
  const all = lines.concat(nodePortRules, servicesRules, perService, ['COMMIT', '']);
  return { text: all.join('\n'), services, natRules: natCount };
}
