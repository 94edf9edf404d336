// resource.Quantity parsing, as apimachinery's pkg/api/resource (quantity.go, suffix.go).
// Values are computed exactly with bigint and rounded up to nano units, as upstream does.
import { errors } from './errors.js';

const SPLIT_RE = '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$';
const ERR_FORMAT = `quantities must match the regular expression '${SPLIT_RE}'`;
const ERR_SUFFIX = "unable to parse quantity's suffix";
const ERR_NUMERIC = 'unable to parse numeric part of quantity';

type Format = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

const BINARY_SI: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DECIMAL_SI: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const SUFFIX_CHARS = 'eEinumkKMGTP';
const MAX_INT64 = 2n ** 63n - 1n;
const NANO = 10n ** 9n;

/** A parsed quantity: the exact value rounded up (away from zero) to whole nano units. */
export interface ParsedQuantity {
  /** Value in nano units (1e-9 of the base unit). */
  nanos: bigint;
  format: Format;
}

/** Scans as upstream's parseQuantityString: sign, digits, '.', digits, then the suffix. */
function scan(str: string): { positive: boolean; num: string; denom: string; suffix: string } {
  let positive = true;
  let pos = 0;
  const end = str.length;
  if (pos < end && (str[0] === '-' || str[0] === '+')) {
    positive = str[0] === '+';
    pos++;
  }
  while (pos < end && str[pos] === '0') pos++;
  // Upstream quirk kept: a sign or a run of zeros alone is 0.
  if (pos >= end) return { positive, num: '0', denom: '', suffix: '' };
  const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';
  let i = pos;
  while (isDigit(str[i])) i++;
  const num = str.slice(pos, i) || '0';
  pos = i;
  let denom = '';
  if (str[pos] === '.') {
    pos++;
    i = pos;
    while (isDigit(str[i])) i++;
    denom = str.slice(pos, i);
    pos = i;
  }
  const suffixStart = pos;
  while (pos < end && SUFFIX_CHARS.includes(str[pos]!)) pos++;
  if (pos < end && (str[pos] === '-' || str[pos] === '+')) pos++;
  while (isDigit(str[pos])) pos++;
  if (pos < end) throw errors.badRequest(ERR_FORMAT);
  return { positive, num, denom, suffix: str.slice(suffixStart) };
}

function interpret(suffix: string): { base: 2 | 10; exponent: number; format: Format } | undefined {
  if (Object.hasOwn(DECIMAL_SI, suffix)) return { base: 10, exponent: DECIMAL_SI[suffix]!, format: 'DecimalSI' };
  if (Object.hasOwn(BINARY_SI, suffix)) return { base: 2, exponent: BINARY_SI[suffix]!, format: 'BinarySI' };
  if (suffix.length > 1 && (suffix[0] === 'e' || suffix[0] === 'E')) {
    const rest = suffix.slice(1);
    // strconv.ParseInt(rest, 10, 64); beyond ±1000 the result is Infinity or 1n either way, so clamp.
    if (!/^[+-]?[0-9]+$/.test(rest)) return undefined;
    const e = BigInt(rest);
    if (e < -(2n ** 63n) || e > 2n ** 63n - 1n) return undefined;
    const clamped = e > 1000n ? 1000 : e < -1000n ? -1000 : Number(e);
    return { base: 10, exponent: clamped, format: 'DecimalExponent' };
  }
  return undefined;
}

/** resource.ParseQuantity, exact: throws StatusError BadRequest with upstream's messages. Leading/trailing space is trimmed as JSON decoding does. */
export function parseQuantityExact(input: string | number): ParsedQuantity {
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) throw errors.badRequest(ERR_FORMAT);
    input = String(input);
  }
  if (typeof input !== 'string') throw errors.badRequest(ERR_FORMAT);
  const str = input.trim();
  if (str.length === 0) throw errors.badRequest(ERR_FORMAT);
  if (str === '0') return { nanos: 0n, format: 'DecimalSI' };
  const { positive, num, denom, suffix } = scan(str);
  const kind = interpret(suffix);
  if (!kind) throw errors.badRequest(ERR_SUFFIX);
  let digits: bigint;
  try {
    digits = BigInt(num + denom);
  } catch {
    throw errors.badRequest(ERR_NUMERIC);
  }
  // value = digits / 10^len(denom) * (10^exp | 2^exp); nanos = ceil(value * 1e9).
  let numer = digits * NANO;
  let den = 10n ** BigInt(denom.length);
  if (kind.base === 2) numer *= 2n ** BigInt(kind.exponent);
  else if (kind.exponent >= 0) numer *= 10n ** BigInt(kind.exponent);
  else den *= 10n ** BigInt(-kind.exponent);
  let nanos = (numer + den - 1n) / den;
  let format = kind.format;
  // BinarySI values are capped at the int64 maximum; below 1 they print as DecimalSI.
  if (format === 'BinarySI' && nanos > MAX_INT64 * NANO) nanos = MAX_INT64 * NANO;
  if (format === 'BinarySI' && nanos > 0n && nanos < NANO) format = 'DecimalSI';
  return { nanos: positive ? nanos : -nanos, format };
}

/** The quantity in base units as a number (cores for cpu, bytes for memory): "500m" -> 0.5, "8Gi" -> 8589934592. */
export function parseQuantity(s: string | number): number {
  const { nanos } = parseQuantityExact(s);
  const whole = nanos / NANO;
  const frac = nanos % NANO;
  return Number(whole) + Number(frac) / 1e9;
}

/** Quantity.MilliValue: whole milli-units, any fraction rounded up away from zero ("0.0001" -> 1). */
export function parseMilli(s: string | number): number {
  const { nanos } = parseQuantityExact(s);
  const mag = nanos < 0n ? -nanos : nanos;
  const milli = (mag + 999_999n) / 1_000_000n;
  return Number(nanos < 0n ? -milli : milli);
}

/** Quantity.Value: whole base units, any fraction rounded up away from zero ("1.5" -> 2, "100m" -> 1). */
export function parseValue(s: string | number): number {
  const { nanos } = parseQuantityExact(s);
  const mag = nanos < 0n ? -nanos : nanos;
  const v = (mag + NANO - 1n) / NANO;
  return Number(nanos < 0n ? -v : v);
}
