// Latency statistics of a benchmark run: nearest-rank percentiles (as dnsperf's and wrk's
// reports read), summaries rounded to microseconds, and the points of a latency CDF.

/** p50/p90/p99/max of a set of latencies, in milliseconds (µs precision); all 0 for no samples. */
export interface LatencySummary {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** The nearest-rank percentile of ascending `sorted` (p in [0, 100]): the smallest value with at least p % of samples at or below it. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return 0;
  // Rank 1 at least: a p so small that p/100 * n underflows to 0 still means the minimum.
  const rank = Math.min(n, Math.max(1, Math.ceil((p / 100) * n)));
  return sorted[rank - 1]!;
}

/** Sorts a copy of the samples ascending (numeric, not lexicographic). */
export function sortedCopy(samples: ArrayLike<number>): Float64Array {
  const out = Float64Array.from(samples);
  out.sort();
  return out;
}

/** Rounds milliseconds to whole microseconds, the resolution the reports show. */
export function roundMs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

/** Summarises ascending samples (ms). */
export function summarize(sorted: ArrayLike<number>): LatencySummary {
  const n = sorted.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i]!;
  return {
    count: n,
    mean: n ? roundMs(sum / n) : 0,
    p50: roundMs(percentile(sorted, 50)),
    p90: roundMs(percentile(sorted, 90)),
    p99: roundMs(percentile(sorted, 99)),
    max: roundMs(n ? sorted[n - 1]! : 0),
  };
}

/** One point of an empirical CDF: the fraction of samples at or below `latencyMs`. */
export interface CdfPoint {
  latencyMs: number;
  fraction: number;
}

/**
 * At most ~`points` + 6 points of the empirical CDF of ascending samples: evenly spaced in
 * fraction, plus the tail ranks (99, 99.5, 99.9, 99.99 %) and the maximum, so the tail shows.
 */
export function cdfPoints(sorted: ArrayLike<number>, points = 200): CdfPoint[] {
  const n = sorted.length;
  if (n === 0) return [];
  const ranks = new Set<number>();
  for (let i = 1; i <= points; i++) ranks.add(Math.max(1, Math.ceil((i / points) * n)));
  for (const q of [0.99, 0.995, 0.999, 0.9999]) ranks.add(Math.max(1, Math.ceil(q * n)));
  ranks.add(1);
  ranks.add(n);
  return [...ranks].sort((a, b) => a - b).map((r) => ({ latencyMs: roundMs(sorted[r - 1]!), fraction: r / n }));
}

/** Counts as a plain object with sorted keys (report output order never depends on arrival order). */
export function sortedCounts(counts: ReadonlyMap<string, number> | Readonly<Record<string, number>>): Record<string, number> {
  const entries = counts instanceof Map ? [...counts] : Object.entries(counts);
  return Object.fromEntries(entries.filter(([, v]) => v > 0).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
