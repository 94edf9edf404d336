// IP prefixes (CIDRs) as integers: the form routes, local addresses and pod CIDRs take in
// the network model. IPv4 is a uint32 `number`, IPv6 a 128-bit `bigint` (netfilter's Address).
import { type Address, type Family, formatAddress, parseIPv4, parseIPv6, prefixMask } from './netfilter/address.js';

export type { Address, Family };

/** A prefix with its host bits cleared. */
export interface Prefix {
  readonly family: Family;
  readonly address: Address;
  readonly length: number;
}

/** Parses a bare address (either family); null when it is not one. */
export function parseIP(text: string): Address | null {
  return text.includes(':') ? parseIPv6(text) : parseIPv4(text);
}

/** Parses `ADDR/LEN` (host bits are cleared, as `ip route` does); a bare address is a host prefix. */
export function parsePrefix(text: string): Prefix | null {
  const slash = text.indexOf('/');
  const ip = parseIP(slash < 0 ? text : text.slice(0, slash));
  if (ip === null) return null;
  const family: Family = typeof ip === 'number' ? 4 : 6;
  const max = family === 4 ? 32 : 128;
  const lenText = slash < 0 ? String(max) : text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(lenText)) return null;
  const length = Number(lenText);
  if (length > max) return null;
  return prefixOf(ip, length);
}

/** The prefix of `length` bits containing `ip`. */
export function prefixOf(ip: Address, length: number): Prefix {
  if (typeof ip === 'number') return { family: 4, address: (ip & (prefixMask(length, 4) as number)) >>> 0, length };
  return { family: 6, address: ip & (prefixMask(length, 6) as bigint), length };
}

/** Whether `ip` lies in `p` (false across families). */
export function prefixContains(p: Prefix, ip: Address): boolean {
  if (typeof ip === 'number') return p.family === 4 && ((ip & (prefixMask(p.length, 4) as number)) >>> 0) === p.address;
  return p.family === 6 && (ip & (prefixMask(p.length, 6) as bigint)) === p.address;
}

/** `ADDR/LEN`, or `default` for the zero-length prefix, as `ip route` prints it. */
export function formatPrefix(p: Prefix, hostAsAddress = true): string {
  if (p.length === 0) return 'default';
  const max = p.family === 4 ? 32 : 128;
  if (hostAsAddress && p.length === max) return formatAddress(p.address);
  return `${formatAddress(p.address)}/${p.length}`;
}

/** The `n`-th address of a prefix (n = 1 is the gateway a bridge CNI takes). */
export function nthInPrefix(p: Prefix, n: number): Address {
  return typeof p.address === 'number' ? (p.address + n) >>> 0 : p.address + BigInt(n);
}

export { formatAddress };
