// IPv4 parsing as kube-proxy does it (k8s.io/utils/net ParseIPSloppy / ParseCIDRSloppy):
// legacy octets with leading zeros are read as decimal ("172.30.0.041" is .41), and the
// result is written back in canonical form. Addresses are uint32 numbers on the hot path.

/** A parsed IPv4 CIDR: network base (host bits cleared, as Go's ParseCIDR), prefix, canonical text. */
export interface CidrV4 {
  readonly base: number;
  readonly prefix: number;
  readonly mask: number;
  readonly text: string;
}

/** Decimal digits at s[i..]; returns [value, nextIndex] or null (Go's dtoi, any leading zeros). */
function readDecimal(s: string, i: number, max: number): [number, number] | null {
  let n = 0;
  const start = i;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) break;
    n = n * 10 + (c - 48);
    if (n > max) return null;
    i++;
  }
  return i === start ? null : [n, i];
}

/** Dotted-quad IPv4 (decimal octets, leading zeros allowed) to uint32, or null. */
export function parseIPv4Sloppy(s: string): number | null {
  let value = 0;
  let i = 0;
  for (let octet = 0; octet < 4; octet++) {
    if (octet > 0) {
      if (s.charCodeAt(i) !== 46) return null;
      i++;
    }
    const r = readDecimal(s, i, 255);
    if (r === null) return null;
    value = value * 256 + r[0];
    i = r[1];
  }
  return i === s.length ? value : null;
}

/** uint32 to dotted quad. */
export function formatIPv4(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** Netmask for a prefix length, as uint32. */
export function prefixMask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** `a.b.c.d/n` to a CIDR with host bits cleared (what Go's IPNet.String() prints), or null. */
export function parseCIDRv4Sloppy(s: string): CidrV4 | null {
  const slash = s.indexOf('/');
  if (slash < 0) return null;
  const ip = parseIPv4Sloppy(s.slice(0, slash));
  if (ip === null) return null;
  const r = readDecimal(s, slash + 1, 32);
  if (r === null || r[1] !== s.length) return null;
  const prefix = r[0];
  const mask = prefixMask(prefix);
  const base = (ip & mask) >>> 0;
  return { base, prefix, mask, text: `${formatIPv4(base)}/${prefix}` };
}

/** Whether the uint32 address is inside the CIDR. */
export function cidrContains(cidr: CidrV4, ip: number): boolean {
  return ((ip & cidr.mask) >>> 0) === cidr.base;
}

/** Canonical form of a sloppy IPv4 string, or null when it is not IPv4. */
export function canonicalIPv4(s: string): string | null {
  const n = parseIPv4Sloppy(s);
  return n === null ? null : formatIPv4(n);
}
