// IP text <-> integer helpers for the DNS hot path (ip-num is far too slow per query), and the
// reverse-zone name forms (in-addr.arpa / ip6.arpa).

/** Parses dotted-quad IPv4 text (no leading zeros, as Go's net.ParseIP) into a uint32; -1 if invalid. */
export function parseIPv4(text: string): number {
  const n = text.length;
  if (n < 7 || n > 15) return -1;
  let value = 0;
  let octets = 0;
  let octet = 0;
  let digits = 0;
  for (let i = 0; i <= n; i++) {
    const c = i < n ? text.charCodeAt(i) : 46;
    if (c === 46) {
      if (digits === 0 || octet > 255) return -1;
      value = value * 256 + octet;
      octets++;
      octet = 0;
      digits = 0;
      continue;
    }
    if (c < 48 || c > 57) return -1;
    if (digits === 1 && octet === 0) return -1; // leading zero
    octet = octet * 10 + (c - 48);
    digits++;
    if (digits > 3) return -1;
  }
  return octets === 4 ? value : -1;
}

/** Formats a uint32 as dotted-quad IPv4 text. */
export function formatIPv4(value: number): string {
  return `${value >>> 24}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}`;
}

/** Parses IPv6 text (with `::` and an optional trailing dotted quad) into a 128-bit bigint; null if invalid. */
export function parseIPv6(text: string): bigint | null {
  if (text.length < 2 || text.length > 45 || text.includes('%')) return null;
  const dbl = text.indexOf('::');
  if (dbl !== -1 && text.indexOf('::', dbl + 1) !== -1) return null;
  const parseGroups = (part: string): number[] | null => {
    if (part === '') return [];
    const groups: number[] = [];
    const pieces = part.split(':');
    for (let k = 0; k < pieces.length; k++) {
      const p = pieces[k]!;
      if (k === pieces.length - 1 && p.includes('.')) {
        const v4 = parseIPv4(p);
        if (v4 < 0) return null;
        groups.push(v4 >>> 16, v4 & 0xffff);
        continue;
      }
      if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return null;
      groups.push(Number.parseInt(p, 16));
    }
    return groups;
  };
  let groups: number[];
  if (dbl === -1) {
    const g = parseGroups(text);
    if (g?.length !== 8) return null;
    groups = g;
  } else {
    const head = parseGroups(text.slice(0, dbl));
    const tail = parseGroups(text.slice(dbl + 2));
    if (!head || !tail || head.length + tail.length > 7) return null;
    groups = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  }
  let value = 0n;
  for (const g of groups) value = (value << 16n) | BigInt(g);
  return value;
}

/** Formats a 128-bit value as canonical IPv6 text (RFC 5952: lower case, longest zero run as `::`). */
export function formatIPv6(value: bigint): string {
  const groups: number[] = [];
  for (let k = 7; k >= 0; k--) groups.push(Number((value >> BigInt(k * 16)) & 0xffffn));
  let bestStart = -1;
  let bestLen = 0;
  for (let k = 0; k < 8; ) {
    if (groups[k] !== 0) { k++; continue; }
    let j = k;
    while (j < 8 && groups[j] === 0) j++;
    if (j - k > bestLen) { bestStart = k; bestLen = j - k; }
    k = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestLen < 2) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/**
 * Index key of an address as CoreDNS compares them: IPv4 as its uint32, IPv6 as canonical text.
 * Non-canonical text (e.g. `2001:DB8::1`) gets no key, because CoreDNS compares the canonical
 * form of the queried IP with the stored text and such an address never matches.
 */
export function addressKey(text: string): number | string | null {
  const v4 = parseIPv4(text);
  if (v4 >= 0) return v4;
  const v6 = parseIPv6(text);
  if (v6 === null) return null;
  return formatIPv6(v6) === text ? text : null;
}

/** 4 or 6 for a valid IP literal, 0 otherwise. */
export function ipFamily(text: string): 0 | 4 | 6 {
  if (parseIPv4(text) >= 0) return 4;
  return parseIPv6(text) !== null ? 6 : 0;
}

/** The in-addr.arpa / ip6.arpa name (lower case, no trailing dot) of an address; null if not an IP. */
export function reverseName(text: string): string | null {
  const v4 = parseIPv4(text);
  if (v4 >= 0) return `${v4 & 255}.${(v4 >>> 8) & 255}.${(v4 >>> 16) & 255}.${v4 >>> 24}.in-addr.arpa`;
  const v6 = parseIPv6(text);
  if (v6 === null) return null;
  const nibbles: string[] = [];
  for (let k = 0; k < 32; k++) nibbles.push(Number((v6 >> BigInt(k * 4)) & 0xfn).toString(16));
  return `${nibbles.join('.')}.ip6.arpa`;
}

/**
 * The address key of a reverse name (lower case, no trailing dot): the four decimal labels of
 * in-addr.arpa or the 32 nibbles of ip6.arpa; null when the name is not a full address.
 */
export function addressKeyFromReverse(name: string): number | string | null {
  if (name.endsWith('.in-addr.arpa')) {
    const labels = name.slice(0, -'.in-addr.arpa'.length).split('.');
    if (labels.length !== 4) return null;
    const v4 = parseIPv4(labels.reverse().join('.'));
    return v4 >= 0 ? v4 : null;
  }
  if (name.endsWith('.ip6.arpa')) {
    const labels = name.slice(0, -'.ip6.arpa'.length).split('.');
    if (labels.length !== 32) return null;
    let value = 0n;
    for (let k = 31; k >= 0; k--) {
      const l = labels[k]!;
      if (!/^[0-9a-f]$/.test(l)) return null;
      value = (value << 4n) | BigInt(Number.parseInt(l, 16));
    }
    return formatIPv6(value);
  }
  return null;
}

/** Text form of an address key (uint32 or canonical IPv6 text). */
export function addressFromKey(key: number | string): string {
  return typeof key === 'number' ? formatIPv4(key) : key;
}

/** The n-th address (0-based offset) of a CIDR's network, e.g. (10.96.0.0/12, 10) -> 10.96.0.10; null if invalid. */
export function nthAddress(cidr: string, n: number): string | null {
  const slash = cidr.indexOf('/');
  const base = slash === -1 ? cidr : cidr.slice(0, slash);
  const bits = slash === -1 ? -1 : Number(cidr.slice(slash + 1));
  const v4 = parseIPv4(base);
  if (v4 >= 0) {
    const prefix = bits < 0 ? 32 : bits;
    if (!(prefix >= 0 && prefix <= 32)) return null;
    const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
    return formatIPv4(((v4 & mask) >>> 0) + n);
  }
  const v6 = parseIPv6(base);
  if (v6 === null) return null;
  const prefix = bits < 0 ? 128 : bits;
  if (!(prefix >= 0 && prefix <= 128)) return null;
  const mask = prefix === 0 ? 0n : ((1n << 128n) - 1n) ^ ((1n << BigInt(128 - prefix)) - 1n);
  return formatIPv6((v6 & mask) + BigInt(n));
}
