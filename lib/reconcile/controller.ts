// The controller contract, as controller-runtime's: level-based reconcile keyed by
// `namespace/name`, returning an optional requeue; errors retry with per-key backoff.
import type { ClusterSettings } from '../scenario/types.js';
import type { VirtualClock } from '../sim/clock.js';
import type { Random } from '../sim/random.js';
import type { TimerQueue } from '../sim/timers.js';
import type { Store } from '../store/store.js';
import type { EventRecorder } from './events.js';
import type { SharedInformers } from './informers.js';
import type { WorkQueue } from './workqueue.js';

export interface ReconcileResult {
  /** Reconcile this key again after so many simulated ms (e.g. waiting for minReadySeconds). */
  requeueAfter?: number;
}

/** What every controller is given: it talks to the cluster only through `store`. */
export interface ControllerContext {
  store: Store;
  informers: SharedInformers;
  timers: TimerQueue;
  clock: VirtualClock;
  /** The controller's own random stream (a child of the scenario seed). */
  random: Random;
  cluster: ClusterSettings;
  events: EventRecorder;
}

export interface Controller {
  readonly name: string;
  readonly queue: WorkQueue;
  reconcile(key: string): Promise<ReconcileResult | undefined | void>;
}

/** An error that retrying cannot fix: the key is dropped after recording it. */
export class TerminalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TerminalError';
  }
}
