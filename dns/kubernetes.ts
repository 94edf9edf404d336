// The pure answer function: what CoreDNS's `kubernetes` plugin (plus the reverse zones and the
// simulated upstream) answers for one question against a ClusterZone. No I/O, no clock.
import { addressKey, addressKeyFromReverse, formatIPv6, ipFamily, parseIPv4, parseIPv6 } from './address.js';
import { absolute, formatRR, parseRR, type RR } from './record.js';
import type { ClusterZone, EndpointRecord, PortRecord, ServiceRecord } from './zone.js';

export { formatRR, parseRR, type RR };

export type Rcode = 'NOERROR' | 'NXDOMAIN' | 'REFUSED' | 'SERVFAIL' | 'FORMERR' | 'NOTIMP';

export interface DnsQuestion {
  /** Any spelling, with or without the trailing dot. */
  name: string;
  /** A, AAAA, SRV, PTR, TXT, SOA, NS, CNAME, ANY, MX, ... or TYPEnnn. */
  type: string;
  class?: string;
}

export interface DnsAnswer {
  rcode: Rcode;
  authoritative: boolean;
  answer: RR[];
  authority: RR[];
  additional: RR[];
}

export interface AnswerOptions {
  /** Internal: CNAME chase depth. */
  depth?: number;
}

/** The schema version CoreDNS publishes at dns-version.<zone> (kubernetes/dns specification 1.1.0). */
export const DNS_SCHEMA_VERSION = '1.1.0';
const DNS_VERSION_TTL = 28800;
const MAX_CNAME_CHAIN = 10;

interface SrvCandidate {
  target: string;
  port: number;
  address: string;
}

/** Everything a name owns; an answer picks the RRset of the asked type. */
interface NameNode {
  a?: string[];
  aaaa?: string[];
  srv?: SrvCandidate[];
  cname?: string;
  txt?: string[];
  ptr?: string[];
  soa?: boolean;
  ns?: boolean;
}

interface Ctx {
  zone: ClusterZone;
  /** Question name as spelled, no trailing dot. */
  qname: string;
  lower: string;
  type: string;
  /** The matched zone, lower case. */
  zoneName: string;
  /** The matched zone as the question spells it. */
  zoneSpelled: string;
  ttl: number;
  depth: number;
}

const EMPTY: NameNode = {};

/** Answers one question as CoreDNS's kubernetes plugin would for this zone (see reference §1-§10). */
export function answerQuery(zone: ClusterZone, question: DnsQuestion, opts: AnswerOptions = {}): DnsAnswer {
  const qname = question.name.endsWith('.') ? question.name.slice(0, -1) : question.name;
  const type = question.type.toUpperCase();
  if (question.class !== undefined && question.class.toUpperCase() !== 'IN') return refused();
  const lower = qname.toLowerCase();
  if (lower === '') return refused();
  const match = matchZone(zone, lower);
  if (!match) return upstream(zone, qname, type);
  const ctx: Ctx = {
    zone,
    qname,
    lower,
    type,
    zoneName: match.zone,
    zoneSpelled: qname.slice(qname.length - match.zone.length),
    ttl: zone.config.ttl,
    depth: opts.depth ?? 0,
  };
  if (type === 'AXFR' || type === 'IXFR') return refused(); // no `transfer` plugin
  if (match.reverse) {
    const node = reverseNode(ctx, match.fallthrough);
    if (node === 'fallthrough') return upstream(zone, qname, type);
    return respond(ctx, node);
  }
  return respond(ctx, forwardNode(ctx));
}

function refused(): DnsAnswer {
  return { rcode: 'REFUSED', authoritative: false, answer: [], authority: [], additional: [] };
}

function upstream(zone: ClusterZone, qname: string, type: string): DnsAnswer {
  const found = zone.upstream.lookup(qname, type);
  if (!found) return refused();
  return { rcode: found.rcode, authoritative: false, answer: found.answer, authority: found.authority, additional: [] };
}

const REVERSE_ROOTS = ['in-addr.arpa', 'ip6.arpa'];

function isReverseZone(z: string): boolean {
  return z === 'in-addr.arpa' || z === 'ip6.arpa' || z.endsWith('.in-addr.arpa') || z.endsWith('.ip6.arpa');
}

function within(name: string, z: string): boolean {
  return name === z || (name.length > z.length && name.endsWith(z) && name.charCodeAt(name.length - z.length - 1) === 46);
}

/** Longest configured zone holding `name`; the whole reverse trees are served with fallthrough. */
function matchZone(zone: ClusterZone, name: string): { zone: string; reverse: boolean; fallthrough: boolean } | null {
  const cfg = zone.config;
  let best: { zone: string; reverse: boolean; fallthrough: boolean } | null = null;
  const consider = (z: string, fallthrough: boolean) => {
    if (within(name, z) && (!best || z.length > best.zone.length)) best = { zone: z, reverse: isReverseZone(z), fallthrough };
  };
  consider(cfg.zone, false);
  for (const z of cfg.zones) consider(z, false);
  for (const z of REVERSE_ROOTS) consider(z, true);
  return best;
}

// ---- forward zone ----

function stripUnderscore(label: string): string {
  return label.startsWith('_') ? label.slice(1) : label;
}

function forwardNode(ctx: Ctx): NameNode | null {
  const { zone, lower, zoneName } = ctx;
  const rest = lower === zoneName ? '' : lower.slice(0, lower.length - zoneName.length - 1);
  const labels = rest === '' ? [] : rest.split('.');
  const n = labels.length;
  if (n === 0) return { soa: true, ns: true };
  const top = labels[n - 1]!;
  if (n === 1) {
    if (top === 'svc' || top === 'pod' || top === 'dns') return EMPTY; // empty non-terminals
    if (top === 'dns-version') return { txt: [`"${DNS_SCHEMA_VERSION}"`] };
    return null;
  }
  if (n === 2) {
    const ns = labels[0]!;
    if (top === 'svc') return zone.namespaceExposed(ns) ? EMPTY : null;
    if (top === 'pod') return zone.config.pods !== 'disabled' && zone.namespaceExposed(ns) ? EMPTY : null;
    if (top === 'dns' && ns === 'ns') return familyNode([zone.config.dnsServiceIP]);
    return null;
  }
  if (top === 'pod') return n === 3 ? podNode(ctx, labels[0]!, labels[1]!) : null;
  if (top !== 'svc') return null;
  const namespace = labels[n - 2]!;
  const svc = zone.service(namespace, labels[n - 3]!);
  if (!svc) return null;
  if (n === 3) return serviceNode(ctx, svc);
  if (n === 4) return endpointNode(ctx, svc, labels[0]!);
  if (n === 5) return portNode(ctx, svc, stripUnderscore(labels[0]!), stripUnderscore(labels[1]!));
  return null; // too long (wildcards are ordinary labels since CoreDNS 1.9.0)
}

function familyNode(addresses: readonly string[]): NameNode {
  const a: string[] = [];
  const aaaa: string[] = [];
  for (const ip of addresses) {
    const f = ipFamily(ip);
    if (f === 4) { if (!a.includes(ip)) a.push(ip); }
    else if (f === 6) { const c = formatIPv6(parseIPv6(ip)!); if (!aaaa.includes(c)) aaaa.push(c); }
  }
  return { a, aaaa };
}

function serviceFQDN(ctx: Ctx, svc: ServiceRecord): string {
  return `${svc.name}.${svc.namespace}.svc.${ctx.zoneSpelled}.`;
}

function portMatches(port: PortRecord, name: string, protocol: string): boolean {
  return (name === '' || port.name.toLowerCase() === name) && (protocol === '' || port.protocol.toLowerCase() === protocol);
}

function serviceNode(ctx: Ctx, svc: ServiceRecord): NameNode | null {
  const eps = ctx.zone.endpoints(svc.namespace, svc.name);
  if (svc.kind === 'ExternalName') {
    // An IP literal as externalName yields no record at all in CoreDNS.
    if (svc.externalName === '' || ipFamily(svc.externalName.replace(/\.$/, '')) !== 0) return null;
    return { cname: absolute(svc.externalName) };
  }
  const fqdn = serviceFQDN(ctx, svc);
  if (svc.kind === 'Headless') {
    if (eps.length === 0) return null; // no ready endpoint: NXDOMAIN (spec 2.4.1)
    const node = familyNode(eps.map((e) => e.address));
    node.srv = endpointCandidates(eps, fqdn, '', '');
    return node;
  }
  if (ctx.zone.config.ignoreEmptyService && eps.length === 0) return null;
  const node = familyNode(svc.clusterIPs);
  node.srv = [];
  for (const p of svc.ports) for (const ip of svc.clusterIPs) node.srv.push({ target: fqdn, port: p.port, address: ip });
  return node;
}

function endpointCandidates(eps: readonly EndpointRecord[], fqdn: string, portName: string, protocol: string): SrvCandidate[] {
  const out: SrvCandidate[] = [];
  for (const ep of eps) {
    for (const p of ep.ports) {
      if (portMatches(p, portName, protocol)) out.push({ target: `${ep.hostname}.${fqdn}`, port: p.port, address: ep.address });
    }
  }
  return out;
}

function endpointNode(ctx: Ctx, svc: ServiceRecord, label: string): NameNode | null {
  if (svc.kind === 'ExternalName') return null;
  const eps = ctx.zone.endpoints(svc.namespace, svc.name).filter((e) => e.hostname.toLowerCase() === label);
  if (eps.length === 0) return null;
  const node = familyNode(eps.map((e) => e.address));
  node.srv = endpointCandidates(eps, serviceFQDN(ctx, svc), '', '');
  return node;
}

function portNode(ctx: Ctx, svc: ServiceRecord, portName: string, protocol: string): NameNode | null {
  if (svc.kind === 'ExternalName') return null;
  const fqdn = serviceFQDN(ctx, svc);
  let srv: SrvCandidate[];
  if (svc.kind === 'Headless') {
    // Headless ports come from the EndpointSlices, not the Service.
    srv = endpointCandidates(ctx.zone.endpoints(svc.namespace, svc.name), fqdn, portName, protocol);
  } else {
    if (ctx.zone.config.ignoreEmptyService && ctx.zone.endpoints(svc.namespace, svc.name).length === 0) return null;
    srv = [];
    for (const p of svc.ports) {
      if (!portMatches(p, portName, protocol)) continue;
      for (const ip of svc.clusterIPs) srv.push({ target: fqdn, port: p.port, address: ip });
    }
    // A matching port on a service without addresses still makes the name exist.
    if (srv.length === 0 && svc.ports.some((p) => portMatches(p, portName, protocol))) return EMPTY;
  }
  return srv.length > 0 ? { srv } : null;
}

/** Decodes `a-b-c-d` (exactly three dashes, no `--`) as IPv4, anything else as dashed IPv6. */
function podNode(ctx: Ctx, label: string, namespace: string): NameNode | null {
  const { zone } = ctx;
  if (zone.config.pods === 'disabled' || !zone.namespaceExposed(namespace)) return null;
  const dashes = label.split('-').length - 1;
  let ip: string;
  let family: 4 | 6;
  if (dashes === 3 && !label.includes('--')) {
    ip = label.replaceAll('-', '.');
    if (parseIPv4(ip) < 0) return null;
    family = 4;
  } else {
    ip = label.replaceAll('-', ':');
    if (parseIPv6(ip) === null) return null;
    family = 6;
  }
  if (zone.config.pods === 'verified' && !zone.podExists(namespace, ip)) return null;
  return family === 4 ? { a: [ip] } : { aaaa: [formatIPv6(parseIPv6(ip)!)] };
}

// ---- reverse zones ----

function reverseNode(ctx: Ctx, fallthrough: boolean): NameNode | null | 'fallthrough' {
  const { zone, lower, zoneName } = ctx;
  const miss = fallthrough ? 'fallthrough' : null;
  const key = addressKeyFromReverse(lower);
  if (key === null) return !fallthrough && lower === zoneName ? { soa: true, ns: true } : miss;
  const primary = zone.config.zone;
  const services = zone.servicesByClusterIP(key);
  if (services.length > 0) {
    // A ClusterIP answers with its Service only (first match), before any endpoint.
    const s = services[0]!;
    return { ptr: [`${s.name}.${s.namespace}.svc.${primary}.`] };
  }
  const names = zone.endpointNamesByIP(key);
  if (names.length === 0) return miss;
  return { ptr: names.map((e) => `${e.hostname}.${e.service}.${e.namespace}.svc.${primary}.`) };
}

// ---- building the message ----

function rr(name: string, type: string, ttl: number, data: string): RR {
  return { name, type, class: 'IN', ttl, data };
}

function soaRecord(ctx: Ctx): RR {
  const z = ctx.zoneSpelled;
  const ttl = ctx.ttl;
  return rr(`${z}.`, 'SOA', Math.min(ttl, 300), `ns.dns.${z}. hostmaster.${z}. ${ctx.zone.serial} 7200 1800 86400 ${ttl}`);
}

function negative(ctx: Ctx, rcode: 'NXDOMAIN' | 'NOERROR'): DnsAnswer {
  return { rcode, authoritative: true, answer: [], authority: [soaRecord(ctx)], additional: [] };
}

function positive(answer: RR[], additional: RR[] = []): DnsAnswer {
  return { rcode: 'NOERROR', authoritative: true, answer, authority: [], additional };
}

function addressRecords(owner: string, ttl: number, addresses: readonly string[]): RR[] {
  return addresses.map((ip) => rr(owner, ipFamily(ip) === 6 ? 'AAAA' : 'A', ttl, ipFamily(ip) === 6 ? formatIPv6(parseIPv6(ip)!) : ip));
}

/** SRV records (priority 0, weight floor(100/N) min 1, one per target+port) and their glue. */
function srvRecords(owner: string, ttl: number, candidates: readonly SrvCandidate[]): { answer: RR[]; additional: RR[] } {
  const weight = Math.max(1, Math.floor(100 / candidates.length));
  const answer: RR[] = [];
  const additional: RR[] = [];
  const seenSrv = new Set<string>();
  const seenGlue = new Set<string>();
  for (const c of candidates) {
    const sk = `${c.target.toLowerCase()} ${c.port}`;
    if (!seenSrv.has(sk)) {
      seenSrv.add(sk);
      answer.push(rr(owner, 'SRV', ttl, `0 ${weight} ${c.port} ${c.target}`));
    }
    const gk = `${c.target.toLowerCase()} ${c.address}`;
    if (!seenGlue.has(gk)) {
      seenGlue.add(gk);
      additional.push(...addressRecords(c.target, ttl, [c.address]));
    }
  }
  return { answer, additional };
}

function nsRecords(ctx: Ctx): { answer: RR[]; additional: RR[] } {
  const { zone } = ctx;
  const z = ctx.zoneSpelled;
  const owner = `${ctx.qname}.`;
  const key = addressKey(zone.config.dnsServiceIP);
  const services = key === null ? [] : zone.servicesByClusterIP(key);
  const answer: RR[] = [];
  const additional: RR[] = [];
  if (services.length === 0) {
    // No Service fronts the DNS server: CoreDNS names itself ns.dns.<zone>.
    answer.push(rr(owner, 'NS', ctx.ttl, `ns.dns.${z}.`));
    additional.push(...addressRecords(`ns.dns.${z}.`, ctx.ttl, [zone.config.dnsServiceIP]));
  }
  for (const s of services) {
    const target = `${s.name}.${s.namespace}.svc.${z}.`;
    answer.push(rr(owner, 'NS', ctx.ttl, target));
    additional.push(...addressRecords(target, ctx.ttl, s.clusterIPs));
  }
  return { answer, additional };
}

function respond(ctx: Ctx, node: NameNode | null): DnsAnswer {
  if (node === null) return negative(ctx, 'NXDOMAIN');
  const owner = `${ctx.qname}.`;
  const { ttl } = ctx;
  if (node.cname !== undefined) return respondCNAME(ctx, node.cname);
  const pick = (type: string): DnsAnswer | null => {
    switch (type) {
      case 'A':
        return node.a?.length ? positive(addressRecords(owner, ttl, node.a)) : null;
      case 'AAAA':
        return node.aaaa?.length ? positive(addressRecords(owner, ttl, node.aaaa)) : null;
      case 'SRV': {
        if (!node.srv?.length) return null;
        const { answer, additional } = srvRecords(owner, ttl, node.srv);
        return positive(answer, additional);
      }
      case 'TXT':
        return node.txt?.length ? positive(node.txt.map((t) => rr(owner, 'TXT', DNS_VERSION_TTL, t))) : null;
      case 'PTR':
        return node.ptr?.length ? positive(node.ptr.map((p) => rr(owner, 'PTR', ttl, p))) : null;
      case 'SOA':
        return node.soa ? positive([soaRecord(ctx)]) : null;
      case 'NS': {
        if (!node.ns) return null;
        const { answer, additional } = nsRecords(ctx);
        return positive(answer, additional);
      }
      default:
        return null;
    }
  };
  if (ctx.type === 'ANY') {
    // RFC 8482: a minimal answer, the first RRset the name owns.
    for (const t of ['A', 'AAAA', 'SRV', 'TXT', 'PTR', 'SOA']) {
      const found = pick(t);
      if (found) return found;
    }
    return negative(ctx, 'NOERROR');
  }
  return pick(ctx.type) ?? negative(ctx, 'NOERROR');
}

/** ExternalName: the CNAME first, then the target's records (chased inside the cluster or in the simulated upstream). */
function respondCNAME(ctx: Ctx, target: string): DnsAnswer {
  const owner = `${ctx.qname}.`;
  const record = rr(owner, 'CNAME', ctx.ttl, target);
  if (ctx.type === 'CNAME' || ctx.type === 'ANY') return positive([record]);
  if (ctx.type === 'SRV') return negative(ctx, 'NOERROR'); // SRV for ExternalName is not implemented in CoreDNS
  const bare = target.slice(0, -1).toLowerCase();
  // Loop guard: a CNAME to the name itself or below it is dropped, as are chains over 10.
  if (within(bare, ctx.lower) || ctx.depth >= MAX_CNAME_CHAIN) return negative(ctx, 'NOERROR');
  const inside = matchZone(ctx.zone, bare);
  if (inside && !inside.reverse) {
    const next = answerQuery(ctx.zone, { name: target, type: ctx.type }, { depth: ctx.depth + 1 });
    // CoreDNS keeps the CNAME only when the in-cluster target produced records.
    if (next.answer.length === 0) return negative(ctx, 'NOERROR');
    return positive([record, ...next.answer], next.additional);
  }
  const outside = ctx.zone.upstream.lookup(target.slice(0, -1), ctx.type);
  // The upstream's rcode is not copied: an empty external answer still gives NOERROR + CNAME.
  return positive([record, ...(outside?.answer ?? [])]);
}
