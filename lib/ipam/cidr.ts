// IP addresses and CIDRs: parsing, validation with Kubernetes' messages (apimachinery
// api/validation/ip.go), canonical text, and integer forms (uint32 for IPv4, bigint for IPv6).
// ip-num parses and prints IPv6; IPv4 goes through a small hand-written parser (hot path).
import { IPv6, Validator, collapseIPv6Number } from 'ip-num';
import { type FieldError, StatusError, field } from '../api/errors.js';

export type IPFamily = 4 | 6;

/** An IP address: family, integer value, canonical text (Go's net.IP.String()). */
export interface IP {
  readonly family: IPFamily;
  readonly value: bigint;
  readonly text: string;
}

/** A CIDR with no host bits: base address, prefix length, number of addresses, canonical text. */
export interface CIDR {
  readonly family: IPFamily;
  readonly bits: 32 | 128;
  readonly base: bigint;
  readonly prefix: number;
  readonly size: bigint;
  readonly text: string;
}

/** Kubernetes' IPFamily name for a family ('IPv4' / 'IPv6'). */
export const ipFamilyName = (f: IPFamily): 'IPv4' | 'IPv6' => (f === 4 ? 'IPv4' : 'IPv6');

// Messages of apimachinery's api/validation/ip.go.
export const MSG_INVALID_IP = 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)';
export const MSG_IP_LEADING_ZEROS = 'must not have leading 0s';
export const MSG_IP_MAPPED = 'must not be an IPv4-mapped IPv6 address';
export const MSG_INVALID_CIDR = 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)';
export const MSG_CIDR_LEADING_ZEROS = 'must not have leading 0s in IP or prefix length';
export const MSG_CIDR_MAPPED = 'must not have an IPv4-mapped IPv6 address';
export const MSG_CIDR_HOST_BITS = 'must not have bits set beyond the prefix length';
const canonicalMsg = (c: string) => `must be in canonical form (${JSON.stringify(c)})`;

// ---- IPv4 fast path ----

/** Dotted-quad text to uint32, or -1 when not a strict IPv4 address (no leading 0s). No ip-num: hot path. */
export function ipToUint32(s: string): number {
  const n = s.length;
  if (n < 7 || n > 15) return -1;
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || dots === 3) return -1;
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57) {
      if (digits === 1 && octet === 0) return -1; // leading zero
      octet = octet * 10 + (c - 48);
      if (octet > 255) return -1;
      digits++;
    } else return -1;
  }
  if (dots !== 3 || digits === 0) return -1;
  return value * 256 + octet;
}

/** uint32 to dotted-quad text. */
export function uint32ToIp(n: number): string {
  return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** IPv4 as Go's ParseIPSloppy reads it: leading 0s allowed and read as decimal. */
function parseIPv4Sloppy(s: string): number {
  const parts = s.split('.');
  if (parts.length !== 4) return -1;
  let v = 0;
  for (const p of parts) {
    if (!/^[0-9]+$/.test(p)) return -1;
    const o = Number(p);
    if (o > 255) return -1;
    v = v * 256 + o;
  }
  return v;
}

// ---- IPv6 via ip-num ----

const isMapped = (v: bigint) => v >> 32n === 0xffffn;

/** IPv6 text to bigint, or undefined. Zones (`%eth0`) are rejected, as Kubernetes does. */
function parseIPv6(s: string): bigint | undefined {
  if (!s.includes(':') || !/^[0-9A-Fa-f:.]+$/.test(s)) return undefined;
  const [ok] = Validator.isValidIPv6String(s);
  if (!ok) return undefined;
  try {
    return IPv6.fromString(s).value;
  } catch {
    return undefined;
  }
}

/** Canonical IPv6 text (RFC 5952, as Go prints it). */
export function formatIPv6(v: bigint): string {
  return collapseIPv6Number(IPv6.fromBigInt(v).toString());
}

/** Canonical text of an address of the given family. */
export function formatIP(value: bigint, family: IPFamily): string {
  return family === 4 ? uint32ToIp(Number(value)) : formatIPv6(value);
}

// ---- IP parsing and validation ----

interface IPScan {
  ip?: IP;
  leadingZeros: boolean;
  mapped: boolean;
}

function scanIP(s: string): IPScan {
  if (!s.includes(':')) {
    const strict = ipToUint32(s);
    if (strict >= 0) return { ip: { family: 4, value: BigInt(strict), text: uint32ToIp(strict) }, leadingZeros: false, mapped: false };
    const sloppy = parseIPv4Sloppy(s);
    if (sloppy >= 0) return { ip: { family: 4, value: BigInt(sloppy), text: uint32ToIp(sloppy) }, leadingZeros: true, mapped: false };
    return { leadingZeros: false, mapped: false };
  }
  const v = parseIPv6(s);
  if (v === undefined) return { leadingZeros: false, mapped: false };
  if (isMapped(v)) {
    // Go's net.IP treats ::ffff:a.b.c.d as the IPv4 address a.b.c.d.
    const v4 = Number(v & 0xffffffffn);
    return { ip: { family: 4, value: BigInt(v4), text: uint32ToIp(v4) }, leadingZeros: false, mapped: true };
  }
  return { ip: { family: 6, value: v, text: formatIPv6(v) }, leadingZeros: false, mapped: false };
}

/** Go's netutils.ParseIPSloppy: leading 0s and IPv4-mapped IPv6 accepted (as legacy fields are read). */
export function parseIPSloppy(s: string): IP | undefined {
  return scanIP(s).ip;
}

/** Strict parse for new objects: the IP, or the Kubernetes error detail. Non-canonical IPv6 text is accepted. */
export function parseIPStrict(s: string): IP | string {
  const r = scanIP(s);
  if (!r.ip) return MSG_INVALID_IP;
  if (r.leadingZeros) return MSG_IP_LEADING_ZEROS;
  if (r.mapped) return MSG_IP_MAPPED;
  return r.ip;
}

/** Strict parse that throws StatusError BadRequest (`Invalid value: "x": ...`). */
export function parseIP(s: string): IP {
  const r = parseIPStrict(s);
  if (typeof r === 'string') throw badValue(s, r);
  return r;
}

/** Field errors for an IP address value (IsValidIPForLegacyField strict; `canonical` adds IsValidIP's form check). */
export function validateIP(value: unknown, path: string, opts: { canonical?: boolean } = {}): FieldError[] {
  if (typeof value !== 'string') return [field.invalid(path, value, MSG_INVALID_IP)];
  const r = parseIPStrict(value);
  if (typeof r === 'string') return [field.invalid(path, value, r)];
  if (opts.canonical && r.text !== value) return [field.invalid(path, value, canonicalMsg(r.text))];
  return [];
}

// ---- CIDR parsing and validation ----

function makeCIDR(family: IPFamily, base: bigint, prefix: number): CIDR {
  const bits = family === 4 ? 32 : 128;
  const size = 1n << BigInt(bits - prefix);
  return { family, bits, base, prefix, size, text: `${formatIP(base, family)}/${prefix}` };
}

/** Mask of the host part for a prefix length. */
const hostMask = (bits: number, prefix: number) => (1n << BigInt(bits - prefix)) - 1n;

interface CIDRScan {
  cidr?: CIDR;
  leadingZeros: boolean;
  mapped: boolean;
  hostBits: boolean;
}

function scanCIDR(s: string): CIDRScan {
  const none: CIDRScan = { leadingZeros: false, mapped: false, hostBits: false };
  const slash = s.indexOf('/');
  if (slash < 0 || slash !== s.lastIndexOf('/')) return none;
  const ipText = s.slice(0, slash);
  const len = s.slice(slash + 1);
  if (!/^[0-9]+$/.test(len)) return none;
  const prefixLeadingZero = len.length > 1 && len[0] === '0';
  const prefix = Number(len);
  const ip = scanIP(ipText);
  if (!ip.ip) return none;
  // An IPv4-mapped IPv6 CIDR keeps 128-bit prefix semantics; anything else uses its family's width.
  const bits = ip.mapped ? 128 : ip.ip.family === 4 ? 32 : 128;
  if (prefix > bits) return none;
  let family: IPFamily = ip.ip.family;
  let value = ip.ip.value;
  let p = prefix;
  if (ip.mapped) {
    if (prefix < 96) return { ...none, mapped: true };
    p = prefix - 96;
    family = 4;
  }
  const width = family === 4 ? 32 : 128;
  const mask = hostMask(width, p);
  const base = value & ~mask & ((1n << BigInt(width)) - 1n);
  value = value & ((1n << BigInt(width)) - 1n);
  return { cidr: makeCIDR(family, base, p), leadingZeros: ip.leadingZeros || prefixLeadingZero, mapped: ip.mapped, hostBits: base !== value };
}

/** Go's netutils.ParseCIDRSloppy: leading 0s and host bits accepted (host bits are masked off). */
export function parseCIDRSloppy(s: string): CIDR | undefined {
  return scanCIDR(s).cidr;
}

/** Strict parse for new objects: the CIDR, or the Kubernetes error detail (host bits set are an error). */
export function parseCIDRStrict(s: string): CIDR | string {
  const r = scanCIDR(s);
  if (!r.cidr) return r.mapped ? MSG_CIDR_MAPPED : MSG_INVALID_CIDR;
  if (r.leadingZeros) return MSG_CIDR_LEADING_ZEROS;
  if (r.mapped) return MSG_CIDR_MAPPED;
  if (r.hostBits) return MSG_CIDR_HOST_BITS;
  return r.cidr;
}

/** Strict parse that throws StatusError BadRequest (`Invalid value: "10.244.3.7/24": must not have bits set ...`). */
export function parseCIDR(s: string): CIDR {
  const r = parseCIDRStrict(s);
  if (typeof r === 'string') throw badValue(s, r);
  return r;
}

/** Field errors for a CIDR value (IsValidCIDRForLegacyField strict; `canonical` adds IsValidCIDR's form check). */
export function validateCIDR(value: unknown, path: string, opts: { canonical?: boolean } = {}): FieldError[] {
  if (typeof value !== 'string') return [field.invalid(path, value, MSG_INVALID_CIDR)];
  const r = parseCIDRStrict(value);
  if (typeof r === 'string') return [field.invalid(path, value, r)];
  if (opts.canonical && r.text !== value) return [field.invalid(path, value, canonicalMsg(r.text))];
  return [];
}

function badValue(s: string, detail: string): StatusError {
  const cause = field.invalid('', s, detail);
  return new StatusError('BadRequest', cause.toString(), { causes: [cause] });
}

/** Accepts a CIDR or its text (strict). */
export function toCIDR(c: CIDR | string): CIDR {
  return typeof c === 'string' ? parseCIDR(c) : c;
}

/** A CIDR from a family, any address inside it and a prefix length (host bits are dropped). */
export function cidrFrom(family: IPFamily, address: bigint, prefix: number): CIDR {
  const bits = family === 4 ? 32 : 128;
  return makeCIDR(family, address & ~hostMask(bits, prefix) & ((1n << BigInt(bits)) - 1n), prefix);
}

// ---- arithmetic ----

/** The last address of the CIDR (the broadcast address for IPv4). */
export const lastAddress = (c: CIDR): bigint => c.base + c.size - 1n;

/** True when `ip` (an IP, its text, or a value of the CIDR's family) lies inside the CIDR. */
export function cidrContains(c: CIDR, ip: IP | bigint | string): boolean {
  let v: bigint;
  if (typeof ip === 'bigint') v = ip;
  else {
    const p = typeof ip === 'string' ? parseIPSloppy(ip) : ip;
    if (!p || p.family !== c.family) return false;
    v = p.value;
  }
  return v >= c.base && v < c.base + c.size;
}

/** True when the two CIDRs share at least one address (different families never do). */
export function cidrsOverlap(a: CIDR, b: CIDR): boolean {
  return a.family === b.family && a.base < b.base + b.size && b.base < a.base + a.size;
}

/** True when `inner` lies entirely inside `outer`. */
export function cidrContainsCIDR(outer: CIDR, inner: CIDR): boolean {
  return outer.family === inner.family && inner.base >= outer.base && inner.base + inner.size <= outer.base + outer.size;
}

/** Text of the n-th address of the CIDR counting the base as 0 (kubeadm's DNS IP is the 10th). Throws if outside. */
export function nthAddress(c: CIDR, n: bigint): string {
  if (n < 0n || n >= c.size) throw new StatusError('BadRequest', `address ${n} is outside ${c.text}`);
  return formatIP(c.base + n, c.family);
}

/** The `index`-th subnet of length `prefix` inside the CIDR, by arithmetic (no splitting into objects). */
export function subnetAt(c: CIDR, prefix: number, index: bigint): CIDR {
  const step = 1n << BigInt(c.bits - prefix);
  return makeCIDR(c.family, c.base + index * step, prefix);
}

/** IPv4 CIDR as [first, last] uint32 values, for hot-path matching. */
export function cidrToUint32Range(c: CIDR): [number, number] {
  if (c.family !== 4) throw new StatusError('BadRequest', `${c.text} is not an IPv4 CIDR`);
  return [Number(c.base), Number(c.base + c.size - 1n)];
}
