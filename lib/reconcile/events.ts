// core/v1 Events as client-go's recorder writes them: one Event per (object, reason,
// message), counted and re-stamped when it repeats.
import type { KubeObject } from '../api/meta.js';
import type { Event } from '../api/types.js';
import type { VirtualClock } from '../sim/clock.js';
import type { Store } from '../store/store.js';

export class EventRecorder {
  #byKey = new Map<string, Event>();
  #seq = 0;
  constructor(
    private readonly store: Store,
    private readonly clock: VirtualClock,
  ) {}

  /** Records an event about `obj` from `component` (e.g. `deployment-controller`). */
  async record(obj: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string, component: string, host?: string): Promise<void> {
    const ns = obj.metadata.namespace ?? 'default';
    const key = `${obj.kind}/${ns}/${obj.metadata.name}/${obj.metadata.uid ?? ''}/${reason}/${message}`;
    const now = this.clock.timestamp();
    const prev = this.#byKey.get(key);
    if (prev) {
      const next: Event = { ...prev, metadata: { ...prev.metadata }, count: (prev.count ?? 1) + 1, lastTimestamp: now };
      try {
        this.#byKey.set(key, await this.store.update(next));
        return;
      } catch {
        // The event was removed meanwhile; write it anew below.
      }
    }
    // As client-go: the name is the object's name plus a unique hex suffix.
    const suffix = (0x17d00000000 + this.clock.now() * 1000 + this.#seq++).toString(16);
    const ev: Event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `${obj.metadata.name}.${suffix}`, namespace: ns },
      involvedObject: {
        kind: obj.kind,
        namespace: obj.metadata.namespace,
        name: obj.metadata.name,
        uid: obj.metadata.uid,
        apiVersion: obj.apiVersion,
        resourceVersion: obj.metadata.resourceVersion,
      },
      reason,
      message,
      type,
      source: host ? { component, host } : { component },
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
      reportingComponent: component,
    };
    this.#byKey.set(key, await this.store.create(ev));
  }
}
