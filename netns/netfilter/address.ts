// IP addresses as integers for rule matching: IPv4 is a uint32 `number`, IPv6 a 128-bit `bigint`.
// Parsing is strict (numeric only): iptables would resolve host names, netsim never does.

/** An address on the hot path: a uint32 number for IPv4, a bigint for IPv6. */
export type Address = number | bigint;
export type Family = 4 | 6;

const V6_ALL = (1n << 128n) - 1n;

/** Parses a dotted-quad IPv4 address to a uint32; null when it is not one. */
export function parseIPv4(text: string): number | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let value = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return null;
    const octet = Number(p);
    if (octet > 255) return null;
    value = value * 256 + octet;
  }
  return value;
}

/** Prints a uint32 as a dotted quad. */
export function formatIPv4(value: number): string {
  return `${value >>> 24}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}`;
}

/** Parses an IPv6 address (with `::` and an embedded IPv4 tail) to a bigint; null when invalid. */
export function parseIPv6(text: string): bigint | null {
  if (text.length === 0 || /[^0-9a-fA-F:.]/.test(text)) return null;
  let head = text;
  let tailV4: number | null = null;
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.', lastColon)) {
    tailV4 = parseIPv4(text.slice(lastColon + 1));
    if (tailV4 === null) return null;
    head = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const halves = head.split('::');
  if (halves.length > 2) return null;
  const groups = (s: string): string[] | null => {
    if (s === '') return [];
    const g = s.split(':');
    return g.every((x) => /^[0-9a-fA-F]{1,4}$/.test(x)) ? g : null;
  };
  const left = groups(halves[0]!);
  const right = halves.length === 2 ? groups(halves[1]!) : [];
  if (left === null || right === null) return null;
  const missing = 8 - left.length - right.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const all = [...left, ...new Array<string>(missing).fill('0'), ...right];
  let value = 0n;
  for (const g of all) value = (value << 16n) | BigInt(Number.parseInt(g, 16));
  if (tailV4 !== null) value = (value & ~0xffffffffn) | BigInt(tailV4);
  return value;
}

/** Prints an IPv6 address as inet_ntop does (RFC 5952: lowercase, longest zero run as `::`). */
export function formatIPv6(value: bigint): string {
  const g: number[] = [];
  for (let i = 7; i >= 0; i--) g.push(Number((value >> BigInt(i * 16)) & 0xffffn));
  // IPv4-mapped addresses keep their dotted tail, as glibc prints them.
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) {
    return `::ffff:${formatIPv4(Number(value & 0xffffffffn))}`;
  }
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/** Parses an address of the given family. */
export function parseAddress(text: string, family: Family): Address | null {
  return family === 4 ? parseIPv4(text) : parseIPv6(text);
}

/** Prints an address of either family. */
export function formatAddress(value: Address): string {
  return typeof value === 'number' ? formatIPv4(value) : formatIPv6(value);
}

/** The network mask of a prefix length (uint32 for IPv4, bigint for IPv6). */
export function prefixMask(prefix: number, family: Family): Address {
  if (family === 4) return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return prefix === 0 ? 0n : (V6_ALL << BigInt(128 - prefix)) & V6_ALL;
}

/** The prefix length of a contiguous mask, or -1 when the mask has holes. */
export function maskPrefix(mask: Address): number {
  if (typeof mask === 'number') {
    let n = 0;
    let m = mask >>> 0;
    while (m & 0x80000000) {
      n++;
      m = (m << 1) >>> 0;
    }
    return m === 0 ? n : -1;
  }
  let n = 0;
  let m = mask;
  const top = 1n << 127n;
  while (m & top) {
    n++;
    m = (m << 1n) & V6_ALL;
  }
  return m === 0n ? n : -1;
}

/** An address with its mask, as `-s`/`-d` take it; the address is already masked. */
export interface AddressMask {
  readonly address: Address;
  readonly mask: Address;
}

/**
 * Parses `addr[/prefix|/mask]` as iptables does: no mask means a host mask, host bits are
 * cleared (`10.0.0.1/8` becomes `10.0.0.0/8`). Returns an error text instead of throwing.
 */
export function parseAddressMask(text: string, family: Family): AddressMask | string {
  const slash = text.indexOf('/');
  const addrText = slash < 0 ? text : text.slice(0, slash);
  const maskText = slash < 0 ? null : text.slice(slash + 1);
  const addr = parseAddress(addrText, family);
  if (addr === null) {
    return `host/network \`${addrText}' not found (netsim takes numeric IPv${family} addresses only)`;
  }
  let mask: Address;
  if (maskText === null) mask = prefixMask(family === 4 ? 32 : 128, family);
  else if (/^\d+$/.test(maskText)) {
    const bits = Number(maskText);
    if (bits > (family === 4 ? 32 : 128)) return `invalid mask \`${maskText}' specified`;
    mask = prefixMask(bits, family);
  } else {
    const m = parseAddress(maskText, family);
    if (m === null) return `invalid mask \`${maskText}' specified`;
    mask = m;
  }
  return { address: andAddress(addr, mask), mask };
}

/** Bitwise AND of two addresses of the same family. */
export function andAddress(a: Address, b: Address): Address {
  return typeof a === 'number' ? (a & (b as number)) >>> 0 : a & (b as bigint);
}

/** Prints an address/mask as iptables-save does (`/32` prefixes, a dotted mask when it has holes). */
export function formatAddressMask(am: AddressMask): string {
  const prefix = maskPrefix(am.mask);
  return `${formatAddress(am.address)}/${prefix >= 0 ? prefix : formatAddress(am.mask)}`;
}
