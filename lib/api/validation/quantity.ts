// resource.Quantity as far as validation needs it beyond lib/api/quantity.ts's parser: compare
// and print in canonical form (`0.5` prints `500m`, `1.5Gi` prints `1536Mi`), as exact fractions.

import { isStatusError } from '../errors.js';
import { parseQuantityExact } from '../quantity.js';

type Format = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

/** An exact quantity: numerator / denominator (denominator > 0), with the format it was written in. */
export interface Quantity {
  n: bigint;
  d: bigint;
  format: Format;
}

const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

const gcd = (a: bigint, b: bigint): bigint => {
  a = a < 0n ? -a : a;
  while (b) [a, b] = [b, a % b];
  return a;
};

/** A quantity from a manifest value (YAML numbers are quantities too), or upstream's parse error text. */
export function quantityOf(v: unknown): { q: Quantity } | { error: string } {
  if (typeof v !== 'string' && typeof v !== 'number') return { error: 'must be a quantity' };
  try {
    const { nanos, format } = parseQuantityExact(v);
    const g = gcd(nanos, 1_000_000_000n) || 1n;
    return { q: { n: nanos / g, d: 1_000_000_000n / g, format } };
  } catch (e) {
    if (isStatusError(e)) return { error: e.message };
    throw e;
  }
}

/** -1, 0 or 1, as Quantity.Cmp. */
export function cmpQuantity(a: Quantity, b: Quantity): number {
  const l = a.n * b.d;
  const r = b.n * a.d;
  return l < r ? -1 : l > r ? 1 : 0;
}

/** True when the quantity is a whole number (MilliValue % 1000 == 0). */
export function isWholeQuantity(q: Quantity): boolean {
  return q.d === 1n;
}

/** Quantity.String(): the canonical form in the quantity's own format. */
export function formatQuantity(q: Quantity): string {
  if (q.n === 0n) return '0';
  const neg = q.n < 0n;
  const abs = neg ? -q.n : q.n;
  const sign = neg ? '-' : '';
  // Binary SI only for whole numbers of at least 1024; anything else prints as decimal SI.
  if (q.format === 'BinarySI' && q.d === 1n && abs >= 1024n) {
    const names = ['Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];
    for (let k = names.length; k >= 1; k--) {
      const unit = 1024n ** BigInt(k);
      if (abs % unit === 0n) return `${sign}${abs / unit}${names[k - 1]}`;
    }
    return `${sign}${abs}`;
  }
  // Decimal: the largest exponent (a multiple of 3, at least -9) that keeps the mantissa whole;
  // values finer than nano round up, as Quantity does.
  for (let e = 18; e >= -9; e -= 3) {
    const scaleN = e >= 0 ? 10n ** BigInt(e) : 1n;
    const scaleD = e < 0 ? 10n ** BigInt(-e) : 1n;
    const num = abs * scaleD;
    const den = q.d * scaleN;
    if (num % den === 0n) return sign + suffixed(num / den, e, q.format);
  }
  const nanos = (abs * 10n ** 9n + q.d - 1n) / q.d;
  return sign + suffixed(nanos, -9, q.format);
}

function suffixed(mantissa: bigint, e: number, format: Format): string {
  if (format === 'DecimalExponent') return e === 0 ? `${mantissa}` : `${mantissa}e${e}`;
  const name = Object.keys(DECIMAL).find((k) => DECIMAL[k] === e) ?? '';
  return `${mantissa}${name}`;
}
