// The `benchmark:` section of a benchmark scenario (`netsim bench FILE`): parsed, defaulted and
// checked with every problem reported at once, as field paths (`benchmark.mix[2].weight: ...`).
import { type FieldError, field } from '../api/errors.js';
import type { LookupType, ResolverKind } from '../../dns/resolver.js';
import { parseDuration } from '../sim/clock.js';
import { parseAddress } from '../sim/address.js';
import { QUERY_TYPES } from './wire.js';

/** A pod whose resolver sends lookups, and the libc it uses. */
export interface BenchmarkClient {
  /** As written: a pod address of spec §2 (pod/NAME, pod/NS/NAME, pod/PREFIX*, pod:SELECTOR). */
  from: string;
  resolver: ResolverKind;
}

/** One weighted entry of the lookup mix. */
export interface BenchmarkLookup {
  name: string;
  /** A query type, or `A+AAAA` for getaddrinfo(AF_UNSPEC) (both queries per candidate). */
  type: LookupType;
  weight: number;
}

/** A DNS lookup benchmark, defaulted. */
export interface DnsBenchmark {
  kind: 'dns';
  /** Wall time of the main run. */
  durationMs: number;
  /** Target lookups started per second. */
  rate: number;
  /** Most lookups in flight at once. */
  concurrency: number;
  /** A query unanswered after this long is lost. */
  timeoutMs: number;
  clients: BenchmarkClient[];
  mix: BenchmarkLookup[];
  compare: {
    /** One extra run per value, with `options ndots:N` in every client's resolv.conf. */
    ndots: number[];
    /** One extra run with every name written as the FQDN it resolves to, trailing dot included. */
    fqdn: boolean;
    /** Wall time of each comparison run (default: duration). */
    durationMs: number;
  };
  /** Output folder as written (relative to the working directory), or null for the default. */
  output: string | null;
}

/**
 * Hard caps: the load stays bounded in time and count whatever the file says. On top of the
 * 60 s of runs come the unmeasured warm-ups (at most 2 s, then 250 ms per run) and each run's
 * drain (at most timeout + 1 s).
 */
export const BENCHMARK_LIMITS = {
  totalDurationMs: 60_000,
  rate: 50_000,
  concurrency: 4096,
  timeoutMs: 5_000,
  mixEntries: 100,
  clients: 64,
  ndotsValues: 8,
} as const;

const KEYS = ['kind', 'duration', 'rate', 'concurrency', 'timeout', 'clients', 'mix', 'compare', 'output'];
const LOOKUP_TYPES = ['A+AAAA', ...Object.keys(QUERY_TYPES)];
const RESOLVERS: ResolverKind[] = ['glibc', 'musl'];
const DEFAULTS = { durationMs: 10_000, rate: 1000, concurrency: 100, timeoutMs: 1000 };

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses the `benchmark:` section; `benchmark` is null whenever `errors` is not empty. */
export function parseBenchmark(raw: unknown, path = 'benchmark'): { benchmark: DnsBenchmark | null; errors: FieldError[] } {
  const errs: FieldError[] = [];
  if (raw === undefined || raw === null) return { benchmark: null, errors: [field.required(path, 'this is not a benchmark scenario: add a benchmark: section (kind: dns, clients, mix)')] };
  if (!isObj(raw)) return { benchmark: null, errors: [field.invalid(path, raw, 'must be an object')] };
  for (const k of Object.keys(raw)) if (!KEYS.includes(k)) errs.push(field.notSupported(`${path}.${k}`, k, KEYS));
  if (raw.kind !== 'dns') errs.push(raw.kind === undefined ? field.required(`${path}.kind`, 'supported values: "dns"') : field.notSupported(`${path}.kind`, raw.kind, ['dns']));

  const durationMs = durationField(raw.duration, `${path}.duration`, DEFAULTS.durationMs, errs);
  const rate = numberField(raw.rate, `${path}.rate`, DEFAULTS.rate, { min: 1, max: BENCHMARK_LIMITS.rate, integer: false, unit: 'lookups per second' }, errs);
  const concurrency = numberField(raw.concurrency, `${path}.concurrency`, DEFAULTS.concurrency, { min: 1, max: BENCHMARK_LIMITS.concurrency, integer: true, unit: 'lookups in flight' }, errs);
  const timeoutMs = durationField(raw.timeout, `${path}.timeout`, DEFAULTS.timeoutMs, errs, BENCHMARK_LIMITS.timeoutMs);
  const clients = parseClients(raw.clients, `${path}.clients`, errs);
  const mix = parseMix(raw.mix, `${path}.mix`, errs);
  const compare = parseCompare(raw.compare, `${path}.compare`, durationMs, errs);
  let output: string | null = null;
  if (raw.output !== undefined && raw.output !== null) {
    if (typeof raw.output !== 'string' || raw.output.trim() === '') errs.push(field.invalid(`${path}.output`, raw.output, 'must be a folder path'));
    else output = raw.output;
  }
  const runs = 1 + compare.ndots.length + (compare.fqdn ? 1 : 0);
  const total = durationMs + (runs - 1) * compare.durationMs;
  if (total > BENCHMARK_LIMITS.totalDurationMs) {
    const at = runs > 1 ? `${path}.compare.duration` : `${path}.duration`;
    errs.push(field.invalid(at, total / 1000, `the runs would take ${total / 1000}s of load in all (${runs} run${runs > 1 ? 's' : ''}); at most ${BENCHMARK_LIMITS.totalDurationMs / 1000}s${runs > 1 ? ': shorten duration or set compare.duration' : ''}`));
  }
  if (errs.length) return { benchmark: null, errors: errs };
  return { benchmark: { kind: 'dns', durationMs, rate, concurrency, timeoutMs, clients, mix, compare, output }, errors: [] };
}

function durationField(v: unknown, p: string, dflt: number, errs: FieldError[], max: number = BENCHMARK_LIMITS.totalDurationMs): number {
  if (v === undefined || v === null) return dflt;
  const ms = typeof v === 'number' ? v * 1000 : typeof v === 'string' ? parseDuration(v) : null;
  if (ms === null || !Number.isFinite(ms)) {
    errs.push(field.invalid(p, v, 'must be a duration such as 500ms, 10s or 1m'));
    return dflt;
  }
  if (ms < 1 || ms > max) {
    errs.push(field.invalid(p, v, `must be between 1ms and ${max / 1000}s`));
    return dflt;
  }
  return ms;
}

function numberField(v: unknown, p: string, dflt: number, o: { min: number; max: number; integer: boolean; unit: string }, errs: FieldError[]): number {
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'number' || !Number.isFinite(v) || (o.integer && !Number.isInteger(v))) {
    errs.push(field.invalid(p, v, `must be ${o.integer ? 'an integer' : 'a number'} (${o.unit})`));
    return dflt;
  }
  if (v < o.min || v > o.max) {
    errs.push(field.invalid(p, v, `must be between ${o.min} and ${o.max} ${o.unit}`));
    return dflt;
  }
  return v;
}

function parseClients(v: unknown, p: string, errs: FieldError[]): BenchmarkClient[] {
  if (v === undefined || v === null) {
    errs.push(field.required(p, 'the pods whose resolvers send the lookups, e.g. [pod:app=frontend, {from: pod/alpine-client, resolver: musl}]'));
    return [];
  }
  if (!Array.isArray(v) || v.length === 0) {
    errs.push(field.invalid(p, v, 'must be a non-empty list of pods'));
    return [];
  }
  if (v.length > BENCHMARK_LIMITS.clients) errs.push(field.tooMany(p, v.length, BENCHMARK_LIMITS.clients));
  const out: BenchmarkClient[] = [];
  v.forEach((c: unknown, i) => {
    const at = `${p}[${i}]`;
    const entry = typeof c === 'string' ? { from: c } : c;
    if (!isObj(entry)) {
      errs.push(field.invalid(at, c, 'must be a pod address (pod/NAME, pod/NS/NAME, pod/PREFIX*, pod:SELECTOR) or {from: ADDRESS, resolver: glibc|musl}'));
      return;
    }
    for (const k of Object.keys(entry)) if (k !== 'from' && k !== 'resolver') errs.push(field.notSupported(`${at}.${k}`, k, ['from', 'resolver']));
    const from = entry.from;
    const fromPath = typeof c === 'string' ? at : `${at}.from`;
    if (typeof from !== 'string' || from === '') {
      errs.push(field.required(fromPath, 'a pod address such as pod/NAME or pod:app=frontend'));
      return;
    }
    try {
      const a = parseAddress(from);
      if (a.form !== 'pod' && a.form !== 'podSelector') throw new Error('not a pod: use pod/NAME, pod/NS/NAME, pod/PREFIX* or pod:SELECTOR');
    } catch (e) {
      errs.push(field.invalid(fromPath, from, (e as Error).message.replace(/^invalid address "[^"]*": /, '')));
      return;
    }
    const resolver = entry.resolver ?? 'glibc';
    if (typeof resolver !== 'string' || !RESOLVERS.includes(resolver as ResolverKind)) {
      errs.push(field.notSupported(`${at}.resolver`, resolver, RESOLVERS));
      return;
    }
    out.push({ from, resolver: resolver as ResolverKind });
  });
  return out;
}

/** A name a stub resolver can put on the wire: labels of 1-63 letters, digits, `-` or `_`, at most 253 characters. */
function checkName(name: string): string | null {
  const bare = name.replace(/\.$/, '');
  if (bare === '' || name.endsWith('..')) return 'must be a DNS name';
  if (bare.length > 253) return 'must be at most 253 characters';
  for (const label of bare.split('.')) {
    if (label === '') return 'must not contain an empty label';
    if (label.length > 63) return 'labels must be at most 63 characters';
    if (!/^[A-Za-z0-9_-]+$/.test(label)) return 'labels may contain only letters, digits, "-" and "_"';
  }
  return null;
}

function parseMix(v: unknown, p: string, errs: FieldError[]): BenchmarkLookup[] {
  if (v === undefined || v === null) {
    errs.push(field.required(p, 'the weighted lookups, e.g. [{name: redis-master, weight: 5}]'));
    return [];
  }
  if (!Array.isArray(v) || v.length === 0) {
    errs.push(field.invalid(p, v, 'must be a non-empty list of {name, type, weight}'));
    return [];
  }
  if (v.length > BENCHMARK_LIMITS.mixEntries) errs.push(field.tooMany(p, v.length, BENCHMARK_LIMITS.mixEntries));
  const out: BenchmarkLookup[] = [];
  const seen = new Set<string>();
  v.forEach((m: unknown, i) => {
    const at = `${p}[${i}]`;
    const entry = typeof m === 'string' ? { name: m } : m;
    if (!isObj(entry)) {
      errs.push(field.invalid(at, m, 'must be {name, type, weight} or a name'));
      return;
    }
    for (const k of Object.keys(entry)) if (!['name', 'type', 'weight'].includes(k)) errs.push(field.notSupported(`${at}.${k}`, k, ['name', 'type', 'weight']));
    const before = errs.length;
    const name = entry.name;
    if (typeof name !== 'string' || name === '') errs.push(field.required(`${at}.name`));
    else {
      const why = checkName(name);
      if (why) errs.push(field.invalid(`${at}.name`, name, why));
    }
    const typeRaw = entry.type ?? 'A';
    const type = typeof typeRaw === 'string' ? typeRaw.toUpperCase() : '';
    if (!LOOKUP_TYPES.includes(type)) errs.push(field.notSupported(`${at}.type`, typeRaw, LOOKUP_TYPES));
    const weight = entry.weight ?? 1;
    if (typeof weight !== 'number' || !Number.isFinite(weight) || weight <= 0 || weight > 1e6) errs.push(field.invalid(`${at}.weight`, weight, 'must be a number greater than 0 (at most 1000000)'));
    if (errs.length > before) return;
    const key = `${(name as string).toLowerCase()}|${type}`;
    if (seen.has(key)) {
      errs.push(field.duplicate(`${at}`, `${name} ${type}`));
      return;
    }
    seen.add(key);
    out.push({ name: name as string, type, weight: weight as number });
  });
  return out;
}

function parseCompare(v: unknown, p: string, durationMs: number, errs: FieldError[]): DnsBenchmark['compare'] {
  const none = { ndots: [], fqdn: false, durationMs };
  if (v === undefined || v === null) return none;
  if (!isObj(v)) {
    errs.push(field.invalid(p, v, 'must be an object: {ndots: [5, 2, 1], fqdn: true}'));
    return none;
  }
  for (const k of Object.keys(v)) if (!['ndots', 'fqdn', 'duration'].includes(k)) errs.push(field.notSupported(`${p}.${k}`, k, ['duration', 'fqdn', 'ndots']));
  const ndots: number[] = [];
  if (v.ndots !== undefined && v.ndots !== null) {
    if (!Array.isArray(v.ndots)) errs.push(field.invalid(`${p}.ndots`, v.ndots, 'must be a list of integers between 0 and 15'));
    else {
      if (v.ndots.length > BENCHMARK_LIMITS.ndotsValues) errs.push(field.tooMany(`${p}.ndots`, v.ndots.length, BENCHMARK_LIMITS.ndotsValues));
      v.ndots.forEach((n: unknown, i) => {
        // glibc and musl cap ndots at 15.
        if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 15) errs.push(field.invalid(`${p}.ndots[${i}]`, n, 'must be an integer between 0 and 15'));
        else if (ndots.includes(n)) errs.push(field.duplicate(`${p}.ndots[${i}]`, n));
        else ndots.push(n);
      });
    }
  }
  let fqdn = false;
  if (v.fqdn !== undefined && v.fqdn !== null) {
    if (typeof v.fqdn !== 'boolean') errs.push(field.invalid(`${p}.fqdn`, v.fqdn, 'must be true or false'));
    else fqdn = v.fqdn;
  }
  const d = durationField(v.duration, `${p}.duration`, durationMs, errs);
  return { ndots, fqdn, durationMs: d };
}
