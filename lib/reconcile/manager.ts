// Runs controllers over simulated time: drain every work queue, then jump the clock to the
// next timer, until nothing is left to do ("quiescent") or a time limit is reached.
import { isStatusError } from '../api/errors.js';
import type { TimerQueue } from '../sim/timers.js';
import { type Controller, TerminalError } from './controller.js';

/** As many controllers: drop a key after this many consecutive failures. */
export const MAX_RETRIES = 15;

export interface ReconcileFailure {
  controller: string;
  key: string;
  message: string;
  at: number;
}

export class ControllerManager {
  readonly controllers: Controller[] = [];
  /** Keys given up on (terminal errors, retries exhausted, netsim bugs), for the report. */
  readonly failures: ReconcileFailure[] = [];
  #failCount = new Map<string, number>();
  /** Reconciles run so far (for benchmarks: the cost of a change). */
  reconciles = 0;
  constructor(private readonly timers: TimerQueue) {}

  add(c: Controller): void {
    this.controllers.push(c);
  }

  /** Processes queued keys (round robin over controllers in registration order) until all queues are empty. Returns how many reconciles ran. */
  async drain(): Promise<number> {
    let total = 0;
    for (;;) {
      let round = 0;
      for (const c of this.controllers) {
        // A bounded batch per controller keeps the interleaving fair and deterministic.
        for (let i = 0; i < 256; i++) {
          const key = c.queue.get();
          if (key === undefined) break;
          round++;
          await this.#reconcileOne(c, key);
        }
      }
      total += round;
      if (round === 0) return total;
    }
  }

  /** Drains, then fires timers in time order, up to simulated time `limit` (ms). Returns true if work remains after `limit`. */
  async runUntil(limit: number): Promise<boolean> {
    await this.drain();
    while (this.timers.fireNext(limit)) await this.drain();
    if (this.timers.clock.now() < limit && Number.isFinite(limit)) this.timers.clock.advanceTo(limit);
    return this.timers.size > 0;
  }

  /** Runs until no work and no timers remain, or until `limit`. Returns true if it settled. */
  async runUntilQuiescent(limit: number): Promise<boolean> {
    await this.drain();
    while (this.timers.fireNext(limit)) await this.drain();
    return this.timers.size === 0;
  }

  async #reconcileOne(c: Controller, key: string): Promise<void> {
    this.reconciles++;
    try {
      const res = await c.reconcile(key);
      c.queue.forget(key);
      // The failure key is built only when some key is failing (it is rare; reconciles are not).
      if (this.#failCount.size !== 0) this.#failCount.delete(`${c.name}\u0000${key}`);
      if (res?.requeueAfter !== undefined) c.queue.addAfter(key, res.requeueAfter);
    } catch (e) {
      const id = `${c.name}\u0000${key}`;
      const n = (this.#failCount.get(id) ?? 0) + 1;
      const retryable = !(e instanceof TerminalError) && (isStatusError(e) || n < 3);
      if (retryable && n < MAX_RETRIES) {
        this.#failCount.set(id, n);
        c.queue.addRateLimited(key);
        return;
      }
      this.#failCount.delete(id);
      c.queue.forget(key);
      this.failures.push({ controller: c.name, key, message: e instanceof Error ? e.message : String(e), at: this.timers.clock.now() });
    }
  }
}
