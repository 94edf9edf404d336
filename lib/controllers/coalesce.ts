// Coalescing of per-pod events: a controller whose reconcile is proportional to its pods (or,
// for a DaemonSet, to the nodes) should not run once per pod update when a whole batch of its
// pods changes at the same simulated instant. A zero-delay timer queues the key at the same
// instant, but only after everything already runnable at that instant has drained.
import type { WorkQueue } from '../reconcile/workqueue.js';
import type { TimerQueue } from '../sim/timers.js';

/** Queues keys "at the end of the current instant"; a key waiting already is not queued twice. */
export class InstantCoalescer {
  readonly #pending = new Set<string>();
  constructor(
    private readonly timers: TimerQueue,
    private readonly queue: WorkQueue,
  ) {}

  /** Queues `key` once the work due now has drained (same simulated time). */
  add(key: string): void {
    if (this.#pending.has(key)) return;
    this.#pending.add(key);
    this.timers.at(this.timers.clock.now(), () => {
      this.#pending.delete(key);
      this.queue.add(key);
    });
  }
}
