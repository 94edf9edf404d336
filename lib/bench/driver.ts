// Adapter: drives one benchmark run against a live DNS server. Lookups start open-loop at the
// target rate (bounded in flight); each is the full search-list walk of its client's libc,
// query by query over UDP, and every query and lookup is timed with the real clock.
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import type { ResolvConf } from '../../dns/resolvconf.js';
import { type ResolverKind, resolveNameAsync } from '../../dns/resolver.js';
import { Random } from '../sim/random.js';
import { QueryCancelledError, QueryLostError, UdpDnsClient } from './udpclient.js';
import { LookupStream, dueAt, lookupCount } from './workload.js';

/** A client of one run: its resolv.conf and libc, and the name it asks for each mix entry. */
export interface LoadClient {
  rc: ResolvConf;
  resolver: ResolverKind;
  names: string[];
}

/** Everything one run needs; plain data, so it can cross into a worker. */
export interface LoadPlan {
  host: string;
  port: number;
  rate: number;
  durationMs: number;
  concurrency: number;
  timeoutMs: number;
  /** The seed and stream name of the lookup draws (same seed and name: same lookups in the same order). */
  seed: number;
  stream: string;
  /** Per mix entry: weight and lookup type. */
  weights: number[];
  types: string[];
  clients: LoadClient[];
}

/** What happened, sample by sample; summarised by report.ts. */
export interface LoadSamples {
  /** Lookups due in the window, and how many were started before it closed. */
  planned: number;
  started: number;
  /** From the first start to the last completion (ms). */
  elapsedMs: number;
  /** Per completed lookup, in completion order. */
  lookupEntry: Uint16Array;
  lookupClient: Uint16Array;
  lookupQueries: Uint16Array;
  /** Index into `statuses`. */
  lookupStatus: Uint8Array;
  lookupLatencyMs: Float64Array;
  lookups: number;
  statuses: string[];
  /** Latency of every answered query (ms). */
  queryLatencyMs: Float64Array;
  queriesSent: number;
  queriesAnswered: number;
  queriesLost: number;
  queriesCancelled: number;
  queryRcodes: Record<string, number>;
  /** Lookups that started more than LATE_MS after they were due (concurrency full or the loop busy), and the worst lag. */
  lateStarts: number;
  maxStartLagMs: number;
  unmatchedReplies: number;
}

/** A start later than this behind schedule is late (timer granularity alone gives about 1 ms). */
const LATE_MS = 10;
/** After the window closes, in-flight lookups get this long (beyond the timeout) before they are cancelled. */
const DRAIN_GRACE_MS = 1000;

/** Runs one benchmark run and returns its samples; sockets and timers are closed on return. */
export async function runLoad(plan: LoadPlan): Promise<LoadSamples> {
  const planned = lookupCount(plan.rate, plan.durationMs);
  const stream = new LookupStream(plan.weights, plan.clients.length, new Random(plan.seed).child(plan.stream));
  const client = await UdpDnsClient.open(plan.host, plan.port, { timeoutMs: plan.timeoutMs, sockets: Math.min(8, Math.max(1, Math.ceil(plan.concurrency / 64))) });

  const lookupEntry = new Uint16Array(planned);
  const lookupClient = new Uint16Array(planned);
  const lookupQueries = new Uint16Array(planned);
  const lookupStatus = new Uint8Array(planned);
  const lookupLatencyMs = new Float64Array(planned);
  const statuses: string[] = [];
  const statusIndex = new Map<string, number>();
  let queryLatencyMs = new Float64Array(Math.min(planned * 4, 1 << 20));
  const queryRcodes = new Map<string, number>();
  let queriesSent = 0;
  let queriesAnswered = 0;
  let queriesLost = 0;
  let queriesCancelled = 0;
  let lookups = 0;
  let started = 0;
  let inFlight = 0;
  let lateStarts = 0;
  let maxStartLagMs = 0;
  let lastDone = 0;

  const recordQuery = (latency: number, rcode: string) => {
    if (queriesAnswered === queryLatencyMs.length) {
      const grown = new Float64Array(queryLatencyMs.length * 2);
      grown.set(queryLatencyMs);
      queryLatencyMs = grown;
    }
    queryLatencyMs[queriesAnswered++] = latency;
    queryRcodes.set(rcode, (queryRcodes.get(rcode) ?? 0) + 1);
  };
  const ask = async (name: string, type: string) => {
    queriesSent++;
    try {
      const r = await client.query(name, type);
      recordQuery(r.latencyMs, r.rcode);
      return r.answer;
    } catch (e) {
      if (e instanceof QueryLostError) queriesLost++;
      else if (e instanceof QueryCancelledError) queriesCancelled++;
      throw e;
    }
  };

  let wake: (() => void) | null = null;
  const lookup = async (entry: number, clientIndex: number) => {
    const c = plan.clients[clientIndex]!;
    const t0 = performance.now();
    let queries = 0;
    let status: string;
    try {
      const walk = await resolveNameAsync(c.rc, c.names[entry]!, plan.types[entry]!, (n, t) => {
        queries++;
        return ask(n, t);
      }, { resolver: c.resolver });
      status = walk.status;
    } catch (e) {
      // A lost query ends the lookup here: the report counts it, a retry would hide it.
      status = e instanceof QueryLostError ? 'LOST' : e instanceof QueryCancelledError ? 'CANCELLED' : 'ERROR';
    }
    const t1 = performance.now();
    let s = statusIndex.get(status);
    if (s === undefined) {
      s = statuses.length;
      statuses.push(status);
      statusIndex.set(status, s);
    }
    lookupEntry[lookups] = entry;
    lookupClient[lookups] = clientIndex;
    lookupQueries[lookups] = queries;
    lookupStatus[lookups] = s;
    lookupLatencyMs[lookups] = t1 - t0;
    lookups++;
    lastDone = t1;
    inFlight--;
    wake?.();
  };

  const start = performance.now();
  const windowEnd = start + plan.durationMs;
  try {
    // Pacing: start every lookup that is due, as far as concurrency allows, then sleep until the next one is due.
    while (started < planned) {
      const now = performance.now();
      if (now >= windowEnd) break;
      const due = Math.min(planned, Math.floor(((now - start) * plan.rate) / 1000) + 1);
      while (started < due && inFlight < plan.concurrency) {
        const lag = performance.now() - start - dueAt(started, plan.rate);
        if (lag > LATE_MS) lateStarts++;
        if (lag > maxStartLagMs) maxStartLagMs = lag;
        const d = stream.next();
        started++;
        inFlight++;
        void lookup(d.entry, d.client);
      }
      if (started >= planned) break;
      if (inFlight >= plan.concurrency) {
        await new Promise<void>((resolve) => (wake = resolve));
        wake = null;
        continue;
      }
      const nextDue = start + dueAt(started, plan.rate);
      await new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, Math.min(nextDue, windowEnd) - performance.now())));
    }
    // Drain: each pending query ends by its timeout; a walk still going after that is cancelled.
    const drainEnd = performance.now() + plan.timeoutMs + DRAIN_GRACE_MS;
    while (inFlight > 0 && performance.now() < drainEnd) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.max(1, drainEnd - performance.now()));
        wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      wake = null;
    }
  } finally {
    await client.close();
  }
  // Walks cancelled by close() finish on the next turns of the loop.
  for (let i = 0; i < 100 && inFlight > 0; i++) await new Promise<void>((resolve) => setImmediate(resolve));

  const rcodes: Record<string, number> = {};
  for (const [k, v] of [...queryRcodes].sort(([a], [b]) => (a < b ? -1 : 1))) rcodes[k] = v;
  return {
    planned,
    started,
    elapsedMs: Math.max(0, (lastDone || start) - start),
    lookupEntry: lookupEntry.slice(0, lookups),
    lookupClient: lookupClient.slice(0, lookups),
    lookupQueries: lookupQueries.slice(0, lookups),
    lookupStatus: lookupStatus.slice(0, lookups),
    lookupLatencyMs: lookupLatencyMs.slice(0, lookups),
    lookups,
    statuses,
    queryLatencyMs: queryLatencyMs.slice(0, queriesAnswered),
    queriesSent,
    queriesAnswered,
    queriesLost,
    queriesCancelled,
    queryRcodes: rcodes,
    lateStarts,
    maxStartLagMs,
    unmatchedReplies: client.unmatched,
  };
}

// The worker's program: load the TypeScript loader when this file is TypeScript, import this
// module, then run each plan it is sent and post the samples back with their buffers transferred.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const ready = (async () => {
  if (workerData.loader) (await import(workerData.loader)).register();
  return (await import(workerData.module)).runLoad;
})();
parentPort.on('message', async (plan) => {
  try {
    const s = await (await ready)(plan);
    const buffers = [s.lookupEntry, s.lookupClient, s.lookupQueries, s.lookupStatus, s.lookupLatencyMs, s.queryLatencyMs].map((a) => a.buffer);
    parentPort.postMessage({ samples: s }, buffers);
  } catch (e) {
    parentPort.postMessage({ error: String((e && e.stack) || e) });
  }
});
`;

/** A load generator on its own worker thread, so it and the server (on this thread) each get a core; one run at a time. */
export class LoadGenerator {
  readonly #worker: Worker;
  #failure: Error | null = null;
  #waiting: ((m: { samples?: LoadSamples; error?: string }) => void) | null = null;

  constructor() {
    const module = import.meta.url;
    const loader = module.endsWith('.ts') ? import.meta.resolve('tsx/esm/api') : null;
    this.#worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { module, loader } });
    this.#worker.on('message', (m: { samples?: LoadSamples; error?: string }) => this.#waiting?.(m));
    const fail = (e: Error) => {
      this.#failure = e;
      this.#waiting?.({ error: e.message });
    };
    this.#worker.on('error', fail);
    this.#worker.on('exit', (code) => fail(new Error(`load generator exited with code ${code}`)));
  }

  /** Runs one plan on the worker and returns its samples. */
  async run(plan: LoadPlan): Promise<LoadSamples> {
    if (this.#failure) throw this.#failure;
    if (this.#waiting) throw new Error('the load generator runs one plan at a time');
    const reply = new Promise<{ samples?: LoadSamples; error?: string }>((resolve) => (this.#waiting = resolve));
    this.#worker.postMessage(plan);
    const m = await reply;
    this.#waiting = null;
    if (!m.samples) throw new Error(`load generator failed: ${m.error}`);
    return m.samples;
  }

  /** Stops the worker (its sockets are closed after every run already). */
  async close(): Promise<void> {
    this.#worker.removeAllListeners('exit');
    await this.#worker.terminate();
  }
}
