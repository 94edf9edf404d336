// How iptables-save prints the pieces of kube-proxy's rules: quoted strings, statistic
// probabilities after the kernel's fixed-point round trip, marks. Each rule line is
// `-A CHAIN [!] -s A/M [!] -d A/M [!] -i IF -p PROTO -m MATCH... -j TARGET`, whatever order
// kube-proxy passed the arguments in.

/** xtables_save_string: bare when only [A-Za-z0-9_-], else double-quoted with " \ ' escaped. */
export function saveString(value: string): string {
  if (/^[A-Za-z0-9_-]+$/.test(value)) return value;
  return `"${value.replace(/["\\']/g, (c) => `\\${c}`)}"`;
}

/** ` -m comment --comment TEXT` as iptables-save prints it. */
export function commentMatch(text: string): string {
  return ` -m comment --comment ${saveString(text)}`;
}

/** An address or CIDR as iptables-save prints it: a bare address gets /32. */
export function saveAddr(ipOrCidr: string): string {
  return ipOrCidr.includes('/') ? ipOrCidr : `${ipOrCidr}/32`;
}

/** `x` (a finite double ≥ 0) with `digits` decimals, exactly rounded, ties to even (Go's %f, glibc printf). */
export function formatFixedExact(x: number, digits: number): string {
  // x = mant / 2^shift exactly.
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const expBits = Number((bits >> 52n) & 0x7ffn);
  let mant = bits & ((1n << 52n) - 1n);
  let e2: number;
  if (expBits === 0) e2 = -1074;
  else {
    mant |= 1n << 52n;
    e2 = expBits - 1075;
  }
  const scale = 10n ** BigInt(digits);
  let q: bigint;
  if (e2 >= 0) q = (mant << BigInt(e2)) * scale;
  else {
    const den = 1n << BigInt(-e2);
    const num = mant * scale;
    q = num / den;
    const twice = 2n * (num % den);
    if (twice > den || (twice === den && q % 2n === 1n)) q += 1n;
  }
  const s = q.toString().padStart(digits + 1, '0');
  return digits === 0 ? s : `${s.slice(0, s.length - digits)}.${s.slice(s.length - digits)}`;
}

const probabilities = new Map<number, string>();

/**
 * The `--probability` iptables-save shows for kube-proxy's 1/n: kube-proxy writes
 * fmt "%0.10f" of 1/n; xt_statistic stores lround(p · 2^31) and prints count/2^31 with "%.11f"
 * (so 1/3 shows as 0.33333333349).
 */
export function saveProbability(n: number): string {
  let s = probabilities.get(n);
  if (s === undefined) {
    const written = formatFixedExact(1 / n, 10);
    const stored = Math.round(Number.parseFloat(written) * 0x80000000);
    s = formatFixedExact(stored / 0x80000000, 11);
    probabilities.set(n, s);
  }
  return s;
}

/** kube-proxy's own probability text for 1/n (its restore input), "%0.10f". */
export function restoreProbability(n: number): string {
  return formatFixedExact(1 / n, 10);
}

/** The masquerade mark value as iptables-save prints it: 0x4000 for bit 14. */
export function markHex(masqueradeBit: number): string {
  return `0x${(2 ** masqueradeBit).toString(16)}`;
}
