// Timers in simulated time: a binary heap ordered by (due time, insertion order), so two
// timers due at the same instant always fire in the order they were set.
import type { VirtualClock } from './clock.js';

interface Timer {
  due: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

/** Handle to cancel a timer. */
export interface TimerHandle {
  cancel(): void;
}

export class TimerQueue {
  #heap: Timer[] = [];
  #seq = 0;
  #live = 0;
  constructor(readonly clock: VirtualClock) {}

  /** Runs `fn` when simulated time reaches `due` (ms). A due time in the past fires at the next step. */
  at(due: number, fn: () => void): TimerHandle {
    const t: Timer = { due: Math.max(due, this.clock.now()), seq: this.#seq++, fn, cancelled: false };
    this.#push(t);
    this.#live++;
    return {
      cancel: () => {
        if (!t.cancelled) {
          t.cancelled = true;
          this.#live--;
        }
      },
    };
  }

  /** Runs `fn` after `delay` ms of simulated time. */
  after(delay: number, fn: () => void): TimerHandle {
    return this.at(this.clock.now() + delay, fn);
  }

  /** Due time of the earliest live timer, or undefined. */
  nextDue(): number | undefined {
    this.#dropCancelled();
    return this.#heap[0]?.due;
  }

  /** Number of timers not yet fired or cancelled. */
  get size(): number {
    return this.#live;
  }

  /** Advances the clock to the earliest timer (if due at or before `limit`) and fires every timer due then. Returns false if none. */
  fireNext(limit = Number.POSITIVE_INFINITY): boolean {
    const due = this.nextDue();
    if (due === undefined || due > limit) return false;
    this.clock.advanceTo(due);
    while (this.#heap.length && this.#heap[0]!.due <= due) {
      const t = this.#pop()!;
      if (t.cancelled) continue;
      t.cancelled = true;
      this.#live--;
      t.fn();
    }
    return true;
  }

  #dropCancelled(): void {
    while (this.#heap.length && this.#heap[0]!.cancelled) this.#pop();
  }

  #less(a: Timer, b: Timer): boolean {
    return a.due < b.due || (a.due === b.due && a.seq < b.seq);
  }

  #push(t: Timer): void {
    const h = this.#heap;
    h.push(t);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.#less(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  #pop(): Timer | undefined {
    const h = this.#heap;
    if (h.length === 0) return undefined;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.#less(h[l]!, h[m]!)) m = l;
        if (r < h.length && this.#less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}
