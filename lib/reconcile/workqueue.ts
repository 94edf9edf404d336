// A de-duplicating work queue on simulated time, as client-go's rate-limited workqueue:
// a key queued twice is processed once; failures retry with per-key exponential backoff.
import type { TimerHandle, TimerQueue } from '../sim/timers.js';

/** client-go's default per-item backoff: 5 ms doubling up to 1000 s. */
export const BACKOFF_BASE_MS = 5;
export const BACKOFF_MAX_MS = 1_000_000;

export class WorkQueue {
  #queue: string[] = [];
  #head = 0;
  #queued = new Set<string>();
  #failures = new Map<string, number>();
  #delayed = new Map<string, { due: number; handle: TimerHandle }>();
  constructor(
    readonly name: string,
    private readonly timers: TimerQueue,
  ) {}

  /** Queues `key` unless it is already waiting. */
  add(key: string): void {
    if (this.#queued.has(key)) return;
    this.#queued.add(key);
    this.#queue.push(key);
  }

  /** Queues `key` after `delayMs` of simulated time; an earlier pending delay for it wins. */
  addAfter(key: string, delayMs: number): void {
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    const due = this.timers.clock.now() + delayMs;
    const prev = this.#delayed.get(key);
    if (prev && prev.due <= due) return;
    prev?.handle.cancel();
    const handle = this.timers.at(due, () => {
      this.#delayed.delete(key);
      this.add(key);
    });
    this.#delayed.set(key, { due, handle });
  }

  /** Queues `key` again after its backoff (5 ms × 2^failures, capped). */
  addRateLimited(key: string): void {
    const n = this.#failures.get(key) ?? 0;
    this.#failures.set(key, n + 1);
    this.addAfter(key, Math.min(BACKOFF_BASE_MS * 2 ** n, BACKOFF_MAX_MS));
  }

  /** Clears the backoff history of `key` (after a success). */
  forget(key: string): void {
    if (this.#failures.size !== 0) this.#failures.delete(key);
  }

  /** Next key to process, or undefined when empty. */
  get(): string | undefined {
    if (this.#head >= this.#queue.length) return undefined;
    const key = this.#queue[this.#head++]!;
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    this.#queued.delete(key);
    return key;
  }

  get length(): number {
    return this.#queue.length - this.#head;
  }
}
