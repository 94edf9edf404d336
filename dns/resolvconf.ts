// /etc/resolv.conf as the kubelet writes it for a pod (kubernetes pkg/kubelet/network/dns/dns.go):
// base config by dnsPolicy, then dnsConfig appended, then the nameserver/search limits.
import type { Pod, PodDNSConfig } from '../lib/api/types.js';

export interface ResolvConfOption {
  name: string;
  value?: string;
}

export interface ResolvConf {
  nameservers: string[];
  searches: string[];
  options: ResolvConfOption[];
}

export interface PodResolvConf {
  resolvConf: ResolvConf;
  /** The policy actually applied (ClusterFirst on a hostNetwork pod becomes Default). */
  effectivePolicy: 'ClusterFirst' | 'ClusterFirstWithHostNet' | 'Default' | 'None';
  /** `DNSConfigForming` / `MissingClusterDNS` warnings the kubelet would record as events. */
  warnings: string[];
}

export interface KubeletDNSSettings {
  /** kubelet clusterDomain (e.g. cluster.local); '' = none. */
  clusterDomain: string;
  /** kubelet clusterDNS addresses (the cluster DNS Service IP). */
  clusterDNS: string[];
  /**
   * The node's resolv.conf as kubelet reads it (`--resolv-conf`), as text or parsed;
   * null = kubelet configured with an empty resolvConf.
   */
  hostResolvConf: string | ResolvConf | null;
  /** Node IPs, only used when hostResolvConf is null (127.0.0.1 or ::1 per family). */
  nodeIPs?: string[];
}

/** kubelet's limits (ExpandedDNSConfig, GA since 1.28). */
export const MAX_NAMESERVERS = 3;
export const MAX_SEARCH_PATHS = 32;
export const MAX_SEARCH_LIST_CHARS = 2048;
const MAX_SEARCH_PATH_LENGTH = 253;

/**
 * Parses resolv.conf text as kubelet does: nameservers accumulate, the last `search` and
 * `options` lines win, `.` is dropped from search and trailing dots are stripped.
 */
export function parseResolvConf(text: string): ResolvConf {
  const rc: ResolvConf = { nameservers: [], searches: [], options: [] };
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed.startsWith('#')) continue;
    const fields = trimmed.split(/\s+/).filter(Boolean);
    if (fields.length === 0) continue;
    if (fields[0] === 'nameserver' && fields.length >= 2) rc.nameservers.push(fields[1]!);
    if (fields[0] === 'search') rc.searches = fields.slice(1).filter((s) => s !== '.').map((s) => s.replace(/\.$/, ''));
    if (fields[0] === 'options') rc.options = fields.slice(1).map(parseOption);
  }
  return rc;
}

function parseOption(text: string): ResolvConfOption {
  const i = text.indexOf(':');
  return i === -1 ? { name: text } : { name: text.slice(0, i), value: text.slice(i + 1) };
}

/** The resolv.conf text a container runtime writes: search, nameservers, options. */
export function formatResolvConf(rc: ResolvConf): string {
  const lines: string[] = [];
  if (rc.searches.length > 0) lines.push(`search ${rc.searches.join(' ')}`);
  for (const ns of rc.nameservers) lines.push(`nameserver ${ns}`);
  if (rc.options.length > 0) lines.push(`options ${rc.options.map((o) => (o.value !== undefined && o.value !== '' ? `${o.name}:${o.value}` : o.name)).join(' ')}`);
  return `${lines.join('\n')}\n`;
}

function omitDuplicates(list: readonly string[]): string[] {
  return [...new Set(list)];
}

/** Option merge: later entries replace earlier ones of the same name (kubelet mergeDNSOptions; order kept). */
function mergeOptions(existing: readonly ResolvConfOption[], added: PodDNSConfig['options']): ResolvConfOption[] {
  const merged = new Map<string, string>();
  for (const o of existing) merged.set(o.name, o.value ?? '');
  for (const o of added ?? []) merged.set(o.name, o.value ?? '');
  return [...merged].map(([name, value]) => (value === '' ? { name } : { name, value }));
}

/** The resolv.conf kubelet writes for a pod, from its dnsPolicy, dnsConfig and the node's resolv.conf. */
export function podResolvConf(pod: Pod, kubelet: KubeletDNSSettings): PodResolvConf {
  const warnings: string[] = [];
  const host = kubelet.hostResolvConf === null ? null : typeof kubelet.hostResolvConf === 'string' ? parseResolvConf(kubelet.hostResolvConf) : kubelet.hostResolvConf;
  let rc: ResolvConf = host ? { nameservers: [...host.nameservers], searches: [...host.searches], options: [...host.options] } : { nameservers: [], searches: [], options: [] };
  const policy = pod.spec.dnsPolicy ?? 'ClusterFirst'; // the API server's default
  let effective: PodResolvConf['effectivePolicy'] = policy;
  if (policy === 'ClusterFirst' && pod.spec.hostNetwork) effective = 'Default';
  if (effective === 'None') rc = { nameservers: [], searches: [], options: [] };
  if (effective === 'ClusterFirst' || effective === 'ClusterFirstWithHostNet') {
    if (kubelet.clusterDNS.length > 0) {
      const ns = pod.metadata.namespace ?? 'default';
      const d = kubelet.clusterDomain;
      rc.nameservers = [...kubelet.clusterDNS];
      rc.searches = d ? omitDuplicates([`${ns}.svc.${d}`, `svc.${d}`, d, ...rc.searches]) : rc.searches;
      rc.options = [{ name: 'ndots', value: '5' }]; // node options are not inherited
    } else {
      warnings.push(`MissingClusterDNS: kubelet does not have ClusterDNS IP configured and cannot create Pod using "${policy}" policy. Falling back to "Default" policy.`);
      effective = 'Default';
    }
  }
  if (effective === 'Default' && host === null) {
    const ips = kubelet.nodeIPs ?? [];
    rc.nameservers = ips.length > 0 ? ips.map((ip) => (ip.includes(':') ? '::1' : '127.0.0.1')) : ['127.0.0.1'];
    rc.searches = ['.'];
  }
  const extra = pod.spec.dnsConfig;
  if (extra) {
    rc.nameservers = omitDuplicates([...rc.nameservers, ...(extra.nameservers ?? [])]);
    rc.searches = omitDuplicates([...rc.searches, ...(extra.searches ?? [])]);
    rc.options = mergeOptions(rc.options, extra.options);
  }
  if (rc.nameservers.length > MAX_NAMESERVERS) {
    rc.nameservers = rc.nameservers.slice(0, MAX_NAMESERVERS);
    warnings.push(`DNSConfigForming: Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: ${rc.nameservers.join(' ')}`);
  }
  const searches = fitSearches(rc.searches);
  if (searches.exceeded) warnings.push(`DNSConfigForming: Search Line limits were exceeded, some search paths have been omitted, the applied search line is: ${searches.list.join(' ')}`);
  rc.searches = searches.list;
  return { resolvConf: rc, effectivePolicy: effective, warnings };
}

/** kubelet formDNSSearchFitsLimits: at most 32 paths, none over 253 chars, 2048 chars in all (cut from the end). */
function fitSearches(input: readonly string[]): { list: string[]; exceeded: boolean } {
  let exceeded = false;
  let list = [...input];
  if (list.length > MAX_SEARCH_PATHS) {
    list = list.slice(0, MAX_SEARCH_PATHS);
    exceeded = true;
  }
  const kept = list.filter((s) => s.length <= MAX_SEARCH_PATH_LENGTH);
  if (kept.length !== list.length) exceeded = true;
  list = kept;
  let total = list.join(' ').length;
  if (total > MAX_SEARCH_LIST_CHARS) {
    while (list.length > 0 && total > MAX_SEARCH_LIST_CHARS) total -= list.pop()!.length + 1;
    exceeded = true;
  }
  return { list, exceeded };
}

/** The `ndots` option (default 1, capped at 15 as glibc and musl do). */
export function ndotsOf(rc: ResolvConf): number {
  let n = 1;
  for (const o of rc.options) if (o.name === 'ndots' && o.value !== undefined && /^\d+$/.test(o.value)) n = Math.min(Number(o.value), 15);
  return n;
}
