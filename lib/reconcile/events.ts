// core/v1 Events as client-go's recorder writes them: one Event per (object, reason,
// message), counted and re-stamped when it repeats.
import type { KubeObject } from '../api/meta.js';
import type { Event } from '../api/types.js';

type EventSource = NonNullable<Event['source']>;
import type { VirtualClock } from '../sim/clock.js';
import type { Store } from '../store/store.js';

/** Repeated message texts ("Started container app") are kept once; the table is bounded. */
const MESSAGE_TABLE_MAX = 4096;

export class EventRecorder {
  /**
   * Events recorded so far by involved object (its uid, shared with the object; kind/ns/name
   * when it has none): a short list each, searched by reason and message. Keys are not
   * concatenated per event, which at 750,000 events is most of the recorder's memory.
   */
  #byObject = new Map<string, Event[]>();
  #sources = new Map<string, Map<string, EventSource>>();
  #messages = new Map<string, string>();
  #seq = 0;
  constructor(
    private readonly store: Store,
    private readonly clock: VirtualClock,
  ) {}

  /** Records an event about `obj` from `component` (e.g. `deployment-controller`). */
  async record(obj: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string, component: string, host?: string): Promise<void> {
    const m = obj.metadata;
    const ns = m.namespace ?? 'default';
    const objKey = m.uid || `${obj.kind}/${ns}/${m.name}`;
    const now = this.clock.timestamp();
    let list = this.#byObject.get(objKey);
    const at = list ? findEvent(list, obj, ns, reason, message) : -1;
    if (list && at >= 0) {
      const prev = list[at]!;
      const next: Event = { ...prev, metadata: { ...prev.metadata }, count: (prev.count ?? 1) + 1, lastTimestamp: now };
      try {
        list[at] = await this.store.update(next);
        return;
      } catch {
        // The event was removed meanwhile; write it anew below.
        list.splice(at, 1);
      }
    }
    // As client-go: the name is the object's name plus a unique hex suffix.
    const suffix = (0x17d00000000 + this.clock.now() * 1000 + this.#seq++).toString(16);
    const ev: Event = {
      apiVersion: 'v1',
      kind: 'Event',
      // join writes one flat string (a template literal would be a tree of pieces to flatten).
      metadata: { name: [String(m.name), '.', suffix].join(''), namespace: ns },
      involvedObject: list ? involvedObjectOf(list, obj) : newInvolvedObject(obj),
      reason,
      message: this.#intern(message),
      type,
      source: this.#source(component, host),
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
      reportingComponent: component,
    };
    const stored = await this.store.create(ev);
    list = this.#byObject.get(objKey);
    // A literal, not push onto []: V8 would reserve 17 slots for most objects' 1-5 events.
    if (list) list.push(stored);
    else this.#byObject.set(objKey, [stored]);
  }

  /** One source object per component and host, shared by its events (stored objects are read-only). */
  #source(component: string, host: string | undefined): EventSource {
    let byHost = this.#sources.get(component);
    if (!byHost) this.#sources.set(component, (byHost = new Map()));
    const h = host ?? '';
    let s = byHost.get(h);
    if (!s) byHost.set(h, (s = host ? { component, host } : { component }));
    return s;
  }

  #intern(message: string): string {
    const known = this.#messages.get(message);
    if (known !== undefined) return known;
    if (this.#messages.size >= MESSAGE_TABLE_MAX) this.#messages.clear();
    const flat = flatString(message);
    this.#messages.set(flat, flat);
    return flat;
  }
}

/**
 * `s` as one flat string. Texts built by concatenation are trees of pieces (32 bytes per
 * piece) that V8 keeps as such; an Event holds its name and message for good.
 */
function flatString(s: string): string {
  // normalize() returns a sequential string without a JSON round trip; NFC may change
  // non-Latin-1 text, so such a string that differs is copied the slow way.
  const n = s.normalize();
  return n === s ? n : (JSON.parse(JSON.stringify(s)) as string);
}

function newInvolvedObject(obj: KubeObject): Event['involvedObject'] {
  const m = obj.metadata;
  return { kind: obj.kind, namespace: m.namespace, name: m.name, uid: m.uid, apiVersion: obj.apiVersion, resourceVersion: m.resourceVersion };
}

/**
 * The reference for a new event about `obj`: the last event's (stored events are read-only)
 * when it names the same object version, as the kubelet's Pulled, Created and Started do.
 */
function involvedObjectOf(list: Event[], obj: KubeObject): Event['involvedObject'] {
  const io = list[list.length - 1]?.involvedObject;
  const m = obj.metadata;
  if (io && io.resourceVersion === m.resourceVersion && io.uid === m.uid && io.name === m.name && io.namespace === m.namespace && io.kind === obj.kind && io.apiVersion === obj.apiVersion) return io;
  return newInvolvedObject(obj);
}

/** Index in `list` of the event about `obj` with this reason and message, or -1. */
function findEvent(list: Event[], obj: KubeObject, ns: string, reason: string, message: string): number {
  for (let i = 0; i < list.length; i++) {
    const e = list[i]!;
    const io = e.involvedObject;
    if (e.reason === reason && e.message === message && io.kind === obj.kind && io.name === obj.metadata.name && (io.namespace ?? 'default') === ns) return i;
  }
  return -1;
}
