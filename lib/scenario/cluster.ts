// `cluster:` of a Scenario: defaults (kubeadm's) and validation, with field paths.
import { type FieldError, field } from '../api/errors.js';
import { validateLabels } from '../api/labels.js';
import { parseQuantity } from '../api/quantity.js';
import { isDNS1123Subdomain } from '../api/validation/names.js';
import { type CIDR, cidrsOverlap, nthAddress, parseCIDRStrict, parseIPStrict } from '../ipam/cidr.js';
import type { ClusterSettings, ProxySettings, ScenarioNode } from './types.js';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads `cluster:` with kubeadm's defaults; problems are appended to `errs` with paths under `cluster.`. */
export function parseClusterSettings(raw: unknown, errs: FieldError[]): ClusterSettings {
  const c: Obj = isObj(raw) ? raw : {};
  if (raw !== undefined && raw !== null && !isObj(raw)) errs.push(field.invalid('cluster', raw, 'must be an object'));
  unknownFields(c, 'cluster', CLUSTER_FIELDS, errs);
  if (isObj(c.dns)) {
    unknownFields(c.dns, 'cluster.dns', ['pods', 'ttl', 'endpointPodNames', 'namespaces', 'ignoreEmptyService', 'zones', 'upstream'], errs);
    if (isObj(c.dns.upstream)) unknownFields(c.dns.upstream, 'cluster.dns.upstream', ['records', 'forward'], errs);
  }
  if (isObj(c.proxy)) {
    unknownFields(c.proxy, 'cluster.proxy', ['mode', 'masqueradeAll', 'detectLocalMode', 'clusterCIDR', 'nodePortAddresses', 'iptables', 'ipvs'], errs);
    if (isObj(c.proxy.iptables)) unknownFields(c.proxy.iptables, 'cluster.proxy.iptables', ['masqueradeBit', 'localhostNodePorts'], errs);
    if (isObj(c.proxy.ipvs)) unknownFields(c.proxy.ipvs, 'cluster.proxy.ipvs', ['scheduler', 'strictARP'], errs);
  }

  const clusterCIDR = cidrList(c.clusterCIDR ?? '10.244.0.0/16', 'cluster.clusterCIDR', errs);
  const serviceCIDR = cidrList(c.serviceCIDR ?? '10.96.0.0/12', 'cluster.serviceCIDR', errs);
  const nodeNetwork = cidrList(c.nodeNetwork ?? '192.168.0.0/24', 'cluster.nodeNetwork', errs, true);
  const lbPool = cidrList(c.loadBalancerPool ?? '172.18.255.0/24', 'cluster.loadBalancerPool', errs, true);

  const nodeCIDRMaskSize = int(c.nodeCIDRMaskSize ?? 24, 'cluster.nodeCIDRMaskSize', 1, 32, errs);
  const nodeCIDRMaskSizeIPv6 = int(c.nodeCIDRMaskSizeIPv6 ?? 64, 'cluster.nodeCIDRMaskSizeIPv6', 1, 128, errs);
  for (const [i, cidr] of clusterCIDR.entries()) {
    const size = cidr.family === 4 ? nodeCIDRMaskSize : nodeCIDRMaskSizeIPv6;
    if (cidr.prefix > size) {
      errs.push(field.invalid(`cluster.nodeCIDRMaskSize${cidr.family === 6 ? 'IPv6' : ''}`, size,
        `must be at least the cluster CIDR's prefix length (${clusterCIDR[i]!.text})`));
    }
  }

  // As kube-controller-manager and the API server: pod, service and node networks must not overlap.
  const nets: [string, CIDR][] = [
    ...clusterCIDR.map((x) => ['cluster.clusterCIDR', x] as [string, CIDR]),
    ...serviceCIDR.map((x) => ['cluster.serviceCIDR', x] as [string, CIDR]),
    ...nodeNetwork.map((x) => ['cluster.nodeNetwork', x] as [string, CIDR]),
  ];
  for (let i = 0; i < nets.length; i++) {
    for (let j = i + 1; j < nets.length; j++) {
      const [pa, a] = nets[i]!;
      const [pb, b] = nets[j]!;
      if (pa !== pb && cidrsOverlap(a, b)) errs.push(field.invalid(pb, b.text, `overlaps with ${pa} ${a.text}`));
    }
  }

  const nodePortRange = portRange(c.nodePortRange ?? '30000-32767', errs);
  const dnsDomain = str(c.dnsDomain ?? 'cluster.local', 'cluster.dnsDomain', errs).replace(/\.$/, '').toLowerCase();
  let dnsServiceIP = '';
  if (c.dnsServiceIP !== undefined) {
    dnsServiceIP = str(c.dnsServiceIP, 'cluster.dnsServiceIP', errs);
    const ip = parseIPStrict(dnsServiceIP);
    if (typeof ip === 'string') errs.push(field.invalid('cluster.dnsServiceIP', dnsServiceIP, ip));
    else if (serviceCIDR[0] && !(ip.family === serviceCIDR[0].family && ip.value >= serviceCIDR[0].base && ip.value < serviceCIDR[0].base + serviceCIDR[0].size)) {
      errs.push(field.invalid('cluster.dnsServiceIP', dnsServiceIP, `must be inside cluster.serviceCIDR ${serviceCIDR[0].text}`));
    }
  } else if (serviceCIDR[0]) {
    // kubeadm: the 10th address of the service range (and it fails when there is none).
    if (serviceCIDR[0].size > 11n) dnsServiceIP = nthAddress(serviceCIDR[0], 10n);
    else errs.push(field.invalid('cluster.serviceCIDR', serviceCIDR[0].text, 'too small for the cluster DNS at its 10th address; set cluster.dnsServiceIP or use a larger range'));
  }

  const dnsRaw: Obj = isObj(c.dns) ? c.dns : {};
  const upstream: Obj = isObj(dnsRaw.upstream) ? dnsRaw.upstream : {};
  const pods = dnsRaw.pods ?? 'insecure';
  if (pods !== 'disabled' && pods !== 'insecure' && pods !== 'verified') {
    errs.push(field.notSupported('cluster.dns.pods', pods, ['disabled', 'insecure', 'verified']));
  }
  const dns = {
    pods: pods as ClusterSettings['dns']['pods'],
    ttl: int(dnsRaw.ttl ?? 30, 'cluster.dns.ttl', 0, 3600, errs),
    endpointPodNames: bool(dnsRaw.endpointPodNames ?? false, 'cluster.dns.endpointPodNames', errs),
    namespaces: strList(dnsRaw.namespaces ?? [], 'cluster.dns.namespaces', errs),
    ignoreEmptyService: bool(dnsRaw.ignoreEmptyService ?? false, 'cluster.dns.ignoreEmptyService', errs),
    zones: strList(dnsRaw.zones ?? [], 'cluster.dns.zones', errs),
    upstream: {
      records: strList(upstream.records ?? [], 'cluster.dns.upstream.records', errs),
      forward: strList(upstream.forward ?? [], 'cluster.dns.upstream.forward', errs),
    },
  };

  const proxy = parseProxy(c.proxy, clusterCIDR[0]?.text ?? '', errs);
  const cni = c.cni ?? 'host-gw';
  if (cni !== 'host-gw' && cni !== 'vxlan') errs.push(field.notSupported('cluster.cni', cni, ['host-gw', 'vxlan']));
  const seed = int(c.seed ?? 1, 'cluster.seed', 0, 2 ** 32 - 1, errs);

  return {
    clusterCIDR: clusterCIDR.map((x) => x.text),
    serviceCIDR: serviceCIDR.map((x) => x.text),
    nodeCIDRMaskSize,
    nodeCIDRMaskSizeIPv6,
    nodeNetwork: nodeNetwork[0]?.text ?? '',
    nodePortRange,
    loadBalancerPool: lbPool[0]?.text ?? '',
    dnsDomain,
    dnsServiceIP,
    dns,
    proxy,
    cni: cni as ClusterSettings['cni'],
    seed,
    nodes: parseNodes(c.nodes, errs),
  };
}

const CLUSTER_FIELDS = [
  'clusterCIDR', 'serviceCIDR', 'nodeCIDRMaskSize', 'nodeCIDRMaskSizeIPv6', 'nodeNetwork', 'nodePortRange', 'loadBalancerPool',
  'dnsDomain', 'dnsServiceIP', 'dns', 'proxy', 'cni', 'seed', 'nodes',
];
const NODE_FIELDS = ['name', 'ip', 'addresses', 'labels', 'capacity', 'taints', 'generate'];

/** As kubectl's strict field validation: a misspelt field is an error, not silently ignored. */
function unknownFields(o: Obj, path: string, known: readonly string[], errs: FieldError[]): void {
  for (const k of Object.keys(o)) if (!known.includes(k)) errs.push(field.invalid(`${path}.${k}`, o[k], `unknown field "${k}"`));
}

function parseProxy(raw: unknown, clusterCIDR: string, errs: FieldError[]): ProxySettings {
  const p: Obj = isObj(raw) ? raw : {};
  const mode = p.mode ?? 'iptables';
  if (mode !== 'iptables' && mode !== 'ipvs' && mode !== 'nftables') {
    errs.push(field.notSupported('cluster.proxy.mode', mode, ['iptables', 'ipvs', 'nftables']));
  }
  const detect = p.detectLocalMode ?? 'ClusterCIDR';
  const modes = ['ClusterCIDR', 'NodeCIDR', 'None', 'BridgeInterface', 'InterfaceNamePrefix'];
  if (!modes.includes(detect as string)) errs.push(field.notSupported('cluster.proxy.detectLocalMode', detect, modes));
  const ipt: Obj = isObj(p.iptables) ? p.iptables : {};
  const ipvs: Obj = isObj(p.ipvs) ? p.ipvs : {};
  const scheduler = ipvs.scheduler ?? 'rr';
  const schedulers = ['rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'sh', 'dh', 'sed', 'nq', 'mh'];
  if (!schedulers.includes(scheduler as string)) errs.push(field.notSupported('cluster.proxy.ipvs.scheduler', scheduler, schedulers));
  let proxyCIDR = clusterCIDR;
  if (p.clusterCIDR !== undefined && p.clusterCIDR !== '') {
    const list = cidrList(p.clusterCIDR, 'cluster.proxy.clusterCIDR', errs);
    proxyCIDR = list.map((x) => x.text).join(',');
  }
  const nodePortAddresses = strList(p.nodePortAddresses ?? [], 'cluster.proxy.nodePortAddresses', errs);
  nodePortAddresses.forEach((a, i) => {
    if (a === 'primary') return;
    const r = parseCIDRStrict(a);
    if (typeof r === 'string') errs.push(field.invalid(`cluster.proxy.nodePortAddresses[${i}]`, a, r));
  });
  return {
    mode: mode as ProxySettings['mode'],
    masqueradeAll: bool(p.masqueradeAll ?? false, 'cluster.proxy.masqueradeAll', errs),
    detectLocalMode: detect as ProxySettings['detectLocalMode'],
    clusterCIDR: proxyCIDR,
    nodePortAddresses,
    iptables: {
      masqueradeBit: int(ipt.masqueradeBit ?? 14, 'cluster.proxy.iptables.masqueradeBit', 0, 31, errs),
      localhostNodePorts: bool(ipt.localhostNodePorts ?? true, 'cluster.proxy.iptables.localhostNodePorts', errs),
    },
    ipvs: { scheduler: scheduler as string, strictARP: bool(ipvs.strictARP ?? false, 'cluster.proxy.ipvs.strictARP', errs) },
  };
}

const ADDRESS_TYPES = ['InternalIP', 'ExternalIP', 'Hostname', 'InternalDNS', 'ExternalDNS'];

function parseNodes(raw: unknown, errs: FieldError[]): ScenarioNode[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    errs.push(field.invalid('cluster.nodes', raw, 'must be a list'));
    return [];
  }
  const out: ScenarioNode[] = [];
  const seen = new Set<string>();
  raw.forEach((n: unknown, i) => {
    const path = `cluster.nodes[${i}]`;
    if (!isObj(n)) {
      errs.push(field.invalid(path, n, 'must be an object'));
      return;
    }
    unknownFields(n, path, NODE_FIELDS, errs);
    const base = nodeFields(n, path, errs);
    if (n.generate !== undefined) {
      const g: Obj = isObj(n.generate) ? n.generate : {};
      unknownFields(g, `${path}.generate`, ['count', 'prefix', 'labels', 'capacity', 'taints'], errs);
      const count = int(g.count, `${path}.generate.count`, 1, 100_000, errs);
      const prefix = g.prefix === undefined ? 'node-' : str(g.prefix, `${path}.generate.prefix`, errs);
      const gen = nodeFields(g, `${path}.generate`, errs);
      for (let k = 1; k <= count; k++) add({ ...gen, labels: { ...gen.labels }, name: `${prefix}${k}`, addresses: [] }, `${path}.generate`);
      return;
    }
    if (typeof n.name !== 'string' || n.name === '') {
      errs.push(field.required(`${path}.name`));
      return;
    }
    // Node names are DNS-1123 subdomains, as the API server validates them.
    const bad = isDNS1123Subdomain(n.name);
    if (bad.length) errs.push(field.invalid(`${path}.name`, n.name, bad.join('; ')));
    add({ ...base, name: n.name }, `${path}.name`);
  });
  return out;

  function add(node: ScenarioNode, path: string) {
    if (seen.has(node.name)) {
      errs.push(field.duplicate(path, node.name));
      return;
    }
    seen.add(node.name);
    out.push(node);
  }
}

function nodeFields(n: Obj, path: string, errs: FieldError[]): ScenarioNode {
  const addresses: ScenarioNode['addresses'] = [];
  if (n.ip !== undefined) {
    const ip = str(n.ip, `${path}.ip`, errs);
    const r = parseIPStrict(ip);
    if (typeof r === 'string') errs.push(field.invalid(`${path}.ip`, ip, r));
    else addresses.push({ type: 'InternalIP', address: r.text });
  }
  if (n.addresses !== undefined) {
    if (!Array.isArray(n.addresses)) errs.push(field.invalid(`${path}.addresses`, n.addresses, 'must be a list'));
    else {
      n.addresses.forEach((a: unknown, i) => {
        const p = `${path}.addresses[${i}]`;
        if (!isObj(a)) { errs.push(field.invalid(p, a, 'must be an object')); return; }
        if (!ADDRESS_TYPES.includes(a.type as string)) errs.push(field.notSupported(`${p}.type`, a.type, ADDRESS_TYPES));
        const addr = str(a.address, `${p}.address`, errs);
        if (a.type === 'InternalIP' || a.type === 'ExternalIP') {
          const r = parseIPStrict(addr);
          if (typeof r === 'string') { errs.push(field.invalid(`${p}.address`, addr, r)); return; }
        }
        addresses.push({ type: a.type as ScenarioNode['addresses'][number]['type'], address: addr });
      });
    }
  }
  const labels = n.labels === undefined ? {} : (n.labels as Record<string, string>);
  errs.push(...validateLabels(labels, `${path}.labels`));
  const capacity: Record<string, string> = { cpu: '4', memory: '8Gi', pods: '110' };
  if (n.capacity !== undefined) {
    if (!isObj(n.capacity)) errs.push(field.invalid(`${path}.capacity`, n.capacity, 'must be an object'));
    else {
      for (const [k, v] of Object.entries(n.capacity)) {
        try {
          parseQuantity(v as string);
          capacity[k] = String(v);
        } catch (e) {
          errs.push(field.invalid(`${path}.capacity.${k}`, v, (e as Error).message));
        }
      }
    }
  }
  const taints = Array.isArray(n.taints) ? (n.taints as ScenarioNode['taints']) : [];
  taints.forEach((t, i) => {
    if (!isObj(t)) { errs.push(field.invalid(`${path}.taints[${i}]`, t, 'must be an object')); return; }
    if (!t.key) errs.push(field.required(`${path}.taints[${i}].key`));
    if (!['NoSchedule', 'PreferNoSchedule', 'NoExecute'].includes(t.effect as string)) {
      errs.push(field.notSupported(`${path}.taints[${i}].effect`, t.effect, ['NoExecute', 'NoSchedule', 'PreferNoSchedule']));
    }
  });
  return { name: '', addresses, labels: isObj(labels) ? labels : {}, capacity, taints };
}

// ---- small typed readers: each reports a FieldError and returns a safe value ----

function cidrList(v: unknown, path: string, errs: FieldError[], single = false): CIDR[] {
  const items = Array.isArray(v) ? v : [v];
  if (single && items.length !== 1) {
    errs.push(field.invalid(path, v, 'must be a single CIDR'));
    return [];
  }
  if (items.length === 0 || items.length > 2) {
    errs.push(field.invalid(path, v, 'must be one CIDR, or two (one IPv4 and one IPv6) for dual-stack'));
    return [];
  }
  const out: CIDR[] = [];
  items.forEach((item, i) => {
    const p = Array.isArray(v) ? `${path}[${i}]` : path;
    if (typeof item !== 'string') { errs.push(field.invalid(p, item, 'must be a string')); return; }
    const r = parseCIDRStrict(item);
    if (typeof r === 'string') errs.push(field.invalid(p, item, r));
    else out.push(r);
  });
  if (out.length === 2 && out[0]!.family === out[1]!.family) errs.push(field.invalid(path, v, 'dual-stack needs one IPv4 and one IPv6 CIDR'));
  return out;
}

function portRange(v: unknown, errs: FieldError[]): { base: number; size: number } {
  const m = typeof v === 'string' ? /^\s*(\d+)\s*-\s*(\d+)\s*$/.exec(v) : null;
  if (!m) {
    errs.push(field.invalid('cluster.nodePortRange', v, 'must be a port range such as "30000-32767"'));
    return { base: 30000, size: 2768 };
  }
  const lo = Number(m[1]);
  const hi = Number(m[2]);
  if (lo < 1 || hi > 65535 || lo > hi) {
    errs.push(field.invalid('cluster.nodePortRange', v, 'must be a port range within 1-65535 with start <= end'));
    return { base: 30000, size: 2768 };
  }
  return { base: lo, size: hi - lo + 1 };
}

function int(v: unknown, path: string, min: number, max: number, errs: FieldError[]): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    errs.push(field.invalid(path, v, 'must be an integer'));
    return min;
  }
  if (v < min || v > max) errs.push(field.invalid(path, v, `must be between ${min} and ${max}, inclusive`));
  return v;
}

function bool(v: unknown, path: string, errs: FieldError[]): boolean {
  if (typeof v !== 'boolean') {
    errs.push(field.invalid(path, v, 'must be a boolean'));
    return false;
  }
  return v;
}

function str(v: unknown, path: string, errs: FieldError[]): string {
  if (typeof v !== 'string') {
    errs.push(field.invalid(path, v, 'must be a string'));
    return '';
  }
  return v;
}

function strList(v: unknown, path: string, errs: FieldError[]): string[] {
  if (!Array.isArray(v)) {
    errs.push(field.invalid(path, v, 'must be a list of strings'));
    return [];
  }
  return v.map((x, i) => str(x, `${path}[${i}]`, errs));
}
