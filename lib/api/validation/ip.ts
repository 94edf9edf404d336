// IP and CIDR checks of core validation, on top of lib/ipam/cidr.ts (which parses as netutils and
// applies apimachinery's strict rules: StrictIPCIDRValidation on, its default from 1.36).
// "Legacy" fields accept any spelling of a valid address; the others require the canonical one.
import type { FieldError } from '../errors.js';
import { field } from '../errors.js';
import {
  type CIDR,
  MSG_IP_LEADING_ZEROS,
  cidrContains,
  ipFamilyName,
  validateCIDR as checkCIDR,
  validateIP as checkIP,
  parseCIDRSloppy,
  parseIPSloppy,
  parseIPStrict,
} from '../../ipam/cidr.js';

export { parseCIDRSloppy, parseIPSloppy };

/** validation.IsValidIP: a valid address in canonical form (clusterIPs, externalIPs, nameservers). */
export function validateIP(path: string, value: string): FieldError[] {
  if (CLEAN_IPS.has(value)) return [];
  const errs = checkIP(value, path, { canonical: true });
  if (errs.length === 0) remember(CLEAN_IPS, value);
  return errs;
}

// Addresses that passed (an Endpoints object is re-validated in full on every update, and its
// pods' addresses with it). Only clean answers are kept: errors carry their field path.
const CLEAN_IPS = new Set<string>();
const CLEAN_NON_SPECIAL_IPS = new Set<string>();

function remember(set: Set<string>, value: string): void {
  if (set.size >= 65_536) set.clear();
  set.add(value);
}

/** validation.IsValidCIDR: a subnet (no host bits) in canonical form (Node podCIDRs, loadBalancerSourceRanges). */
export function validateCIDR(path: string, value: string): FieldError[] {
  return checkCIDR(value, path, { canonical: true });
}

/** validation.IsValidCIDRForLegacyField with strict validation (NetworkPolicy ipBlock). */
export function validateCIDRForLegacyField(path: string, value: string): FieldError[] {
  return checkCIDR(value, path);
}

/** 'IPv4' or 'IPv6' of a sloppily parsed address (IPv4-mapped addresses count as IPv4), or undefined. */
export function ipFamilyOf(s: string): 'IPv4' | 'IPv6' | undefined {
  const ip = parseIPSloppy(s);
  return ip ? ipFamilyName(ip.family) : undefined;
}

/** 'IPv4' or 'IPv6' of a parsed CIDR. */
export function cidrFamily(c: CIDR): 'IPv4' | 'IPv6' {
  return ipFamilyName(c.family);
}

/** True when the address was written with an ambiguous leading 0 in an IPv4 octet. */
export function hasLeadingZeros(s: string): boolean {
  return parseIPStrict(s) === MSG_IP_LEADING_ZEROS;
}

/** net.IPNet.Contains for the network address of `inner` (same family only). */
export function containsNetwork(outer: CIDR, inner: CIDR): boolean {
  return outer.family === inner.family && cidrContains(outer, inner.base);
}

/** True when `ip` (any spelling) lies in `cidr`. */
export function cidrHas(cidr: CIDR, ip: string): boolean {
  return cidrContains(cidr, ip);
}

const inRange = (v: bigint, base: bigint, prefix: number, bits: number) => v >> BigInt(bits - prefix) === base >> BigInt(bits - prefix);

/** core validation's ValidateNonSpecialIP (also ValidateEndpointIP): no unspecified, loopback or link-local. */
export function validateNonSpecialIP(path: string, value: string): FieldError[] {
  if (CLEAN_NON_SPECIAL_IPS.has(value)) return [];
  const errs = nonSpecialIPErrors(path, value);
  if (errs.length === 0) remember(CLEAN_NON_SPECIAL_IPS, value);
  return errs;
}

function nonSpecialIPErrors(path: string, value: string): FieldError[] {
  const ip = parseIPSloppy(value);
  if (!ip) return [field.invalid(path, value, 'must be a valid IP address')];
  const v = ip.value;
  const v4 = ip.family === 4;
  const errs: FieldError[] = [];
  if (v === 0n) errs.push(field.invalid(path, value, `may not be unspecified (${value})`));
  if (v4 ? inRange(v, 0x7f000000n, 8, 32) : v === 1n) errs.push(field.invalid(path, value, 'may not be in the loopback range (127.0.0.0/8, ::1/128)'));
  if (v4 ? inRange(v, 0xa9fe0000n, 16, 32) : inRange(v, 0xfe80n << 112n, 10, 128)) {
    errs.push(field.invalid(path, value, 'may not be in the link-local range (169.254.0.0/16, fe80::/10)'));
  }
  // Go's IsLinkLocalMulticast: 224.0.0.0/24, and ff?2::/16 (any flags nibble) for IPv6.
  const llMulticast = v4 ? inRange(v, 0xe0000000n, 24, 32) : v >> 120n === 0xffn && ((v >> 112n) & 0x0fn) === 0x02n;
  if (llMulticast) errs.push(field.invalid(path, value, 'may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)'));
  return errs;
}
