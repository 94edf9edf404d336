// kube-proxy's hashed chain names: the first 16 characters of the RFC 4648 base32 encoding
// of SHA-256(servicePortName + lowercase protocol [+ "ip:port"]). All of KUBE-SVC-, -SVL-,
// -EXT- and -FW- share one suffix; KUBE-SEP- hashes the endpoint too.
import { hash } from 'node:crypto';
import type { EndpointInfo } from '../endpoints.js';
import type { ServicePortEntry } from '../model.js';

const BASE32 = Array.from('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', (c) => c.charCodeAt(0));

/** First 16 base32 characters of SHA-256(input): exactly the first 80 bits, so no padding. */
export function hash16(input: string): string {
  // A 'binary' (latin1) digest string, one char per byte, is much cheaper to get than a Buffer.
  const d = hash('sha256', input, 'binary');
  // 80 bits as four 20-bit groups of four characters each.
  const a = (d.charCodeAt(0) << 12) | (d.charCodeAt(1) << 4) | (d.charCodeAt(2) >> 4);
  const b = ((d.charCodeAt(2) & 15) << 16) | (d.charCodeAt(3) << 8) | d.charCodeAt(4);
  const c = (d.charCodeAt(5) << 12) | (d.charCodeAt(6) << 4) | (d.charCodeAt(7) >> 4);
  const e = ((d.charCodeAt(7) & 15) << 16) | (d.charCodeAt(8) << 8) | d.charCodeAt(9);
  const t = BASE32;
  return String.fromCharCode(
    t[(a >> 15) & 31]!, t[(a >> 10) & 31]!, t[(a >> 5) & 31]!, t[a & 31]!,
    t[(b >> 15) & 31]!, t[(b >> 10) & 31]!, t[(b >> 5) & 31]!, t[b & 31]!,
    t[(c >> 15) & 31]!, t[(c >> 10) & 31]!, t[(c >> 5) & 31]!, t[c & 31]!,
    t[(e >> 15) & 31]!, t[(e >> 10) & 31]!, t[(e >> 5) & 31]!, t[e & 31]!,
  );
}

/** The shared suffix of a service port's SVC/SVL/EXT/FW chains (portProtoHash). */
export function portProtoHash(servicePortName: string, protocol: string): string {
  return hash16(servicePortName + protocol.toLowerCase());
}

/** KUBE-SEP- name for one endpoint ("ip:port") of a service port. */
export function endpointChainName(servicePortName: string, protocol: string, endpoint: string): string {
  return `KUBE-SEP-${hash16(servicePortName + protocol.toLowerCase() + endpoint)}`;
}

/** A service port's chain names: the shared hash, and KUBE-SEP- names aligned with its endpoints. */
export interface EntryChainNames {
  readonly hash: string;
  readonly seps: readonly string[];
}

/**
 * The chain names of a model entry, computed once per entry and kept in its `derived` bag
 * (entries are replaced when they change), so every node and writer shares them.
 */
export function chainNamesOf(entry: ServicePortEntry): EntryChainNames {
  let n = entry.derived.iptablesNames as EntryChainNames | undefined;
  if (n === undefined) {
    const info = entry.info;
    const prefix = info.name + info.protocol.toLowerCase();
    n = { hash: hash16(prefix), seps: entry.endpoints.map((ep) => `KUBE-SEP-${hash16(prefix + ep.endpoint)}`) };
    entry.derived.iptablesNames = n;
  }
  return n;
}

/** Model hook computing the names when an entry is synced, as kube-proxy's newServiceInfo/newEndpointInfo do. */
export function precomputeChainNames(entry: ServicePortEntry): void {
  chainNamesOf(entry);
}

/** KUBE-SEP- names of `sub`, a subsequence (same order) of `all` whose names are `names`. */
export function sepNamesOf(all: readonly EndpointInfo[], names: readonly string[], sub: readonly EndpointInfo[]): readonly string[] {
  if (sub.length === all.length) return names;
  const out: string[] = [];
  let j = 0;
  for (let i = 0; i < all.length && j < sub.length; i++) {
    if (all[i] === sub[j]) {
      out.push(names[i]!);
      j++;
    }
  }
  return out;
}
