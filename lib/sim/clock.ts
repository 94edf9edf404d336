// Virtual time for the model: milliseconds since the simulation started. Nothing in the
// model reads real time; adapters that need it live at the edge.

/** A clock that only moves when the simulation advances it. */
export class VirtualClock {
  #now = 0;
  #tsAt = Number.NaN;
  #ts = '';
  /** Simulated milliseconds since start. */
  now(): number {
    return this.#now;
  }
  /** Move time forward to `t` (ms); time never goes backwards. */
  advanceTo(t: number): void {
    if (t < this.#now) throw new RangeError(`clock cannot go back from ${this.#now} to ${t}`);
    this.#now = t;
  }
  advanceBy(ms: number): void {
    this.advanceTo(this.#now + ms);
  }
  /** RFC 3339 timestamp of the current simulated instant, counted from a fixed epoch. */
  timestamp(): string {
    // Formatted once per instant: thousands of writes share one instant and one string.
    if (this.#tsAt !== this.#now) {
      this.#tsAt = this.#now;
      this.#ts = timestampAt(this.#now);
    }
    return this.#ts;
  }
}

/** The wall-clock instant simulated time 0 is shown as (fixed, so output is reproducible). */
export const SIM_EPOCH_MS = Date.UTC(2026, 0, 1, 0, 0, 0);

/** Timestamps are whole seconds: every instant within a second shares one string. */
const SECOND_TEXT = new Map<number, string>();

/** RFC 3339 timestamp (whole seconds) of simulated instant `ms`; one shared string per second. */
export function timestampAt(ms: number): string {
  const sec = Math.floor(ms / 1000);
  let text = SECOND_TEXT.get(sec);
  if (text === undefined) {
    if (SECOND_TEXT.size >= 4096) SECOND_TEXT.clear();
    text = new Date(SIM_EPOCH_MS + sec * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    SECOND_TEXT.set(sec, text);
  }
  return text;
}

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parses a Go/Kubernetes duration (`300ms`, `1m30s`, `5m`, `1h`) into milliseconds; null if malformed. */
export function parseDuration(text: string): number | null {
  if (typeof text !== 'string') return null;
  const s = text.trim();
  if (s === '0') return 0;
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s)) !== null) {
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    matched = re.lastIndex;
  }
  if (matched === 0 || matched !== s.length) return null;
  return total;
}

/** Formats milliseconds as Go does for durations (`1m30s`, `300ms`, `0s`). */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1000) return `${ms}ms`;
  let rest = ms;
  let out = '';
  const h = Math.floor(rest / 3_600_000);
  if (h) { out += `${h}h`; rest -= h * 3_600_000; }
  const m = Math.floor(rest / 60_000);
  if (m || h) { out += `${m}m`; rest -= m * 60_000; }
  const s = rest / 1000;
  out += `${Number.isInteger(s) ? s : Number(s.toFixed(3))}s`;
  return out;
}
