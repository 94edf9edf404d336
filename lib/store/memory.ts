// The in-memory Store: Kubernetes API semantics (etcd-style global revision, optimistic
// concurrency, watch cache with a bounded per-kind event window) over indexed Maps, sized
// for 500,000 objects. Also exports ObjectIndex, the indexed object table the informer's
// cache reuses.
//
// Ordering: lists come back sorted by the `namespace/name` key compared as bytes, which is
// the order etcd returns a range in. Each index keeps a lazily materialised sorted key array
// (see SortedKeys): writes only record what changed, and a list pays O(n + k log k) once for
// k keys added since the last list, O(n) per list otherwise (the unfiltered list of a kind is
// also cached until the next write). Indexed lists (label equality, pod spec.nodeName) sort
// only their small candidate set. Label keys are indexed on their first equality query, so
// writes pay only for labels someone selects on.
//
// Watch delivery is synchronous: events reach every handler, in resourceVersion order, during
// the write call that caused them (before its promise resolves). Handlers should only enqueue
// work; a handler that writes to the store is safe (its events are queued and delivered after
// the current event reached every watcher) but its write's promise resolves later.
// Bookmarks are sent on request only: call `bookmark()` (there are no timers in the model).
import { type KubeObject, namespacePrefix, type ObjectMeta } from '../api/meta.js';
import { errors, field, StatusError } from '../api/errors.js';
import { kindInfo, type KindInfo } from '../api/types.js';
import { parseSelector, type Selector } from '../api/labels.js';
import { VirtualClock } from '../sim/clock.js';
import { Random, SUFFIX_ALPHABET } from '../sim/random.js';
import { parseFieldSelector, type FieldSelector } from './fieldselector.js';
import type {
  DeleteOptions,
  ListOptions,
  ListResult,
  Store,
  Watch,
  WatchEvent,
  WatchOptions,
} from './store.js';

export interface MemoryStoreOptions {
  /** Source of creationTimestamp; default a fresh VirtualClock (time 0). */
  clock?: VirtualClock;
  /** Events retained per kind for resuming watches (the watch cache window). Default 10,000. */
  watchWindow?: number;
  /** UID generator; default UUID v4 text drawn from `random`. */
  uidSource?: () => string;
  /** Seeded randomness for UIDs and generateName suffixes; default Random(0). */
  random?: Random;
  /** Debug mode: deep-freeze stored objects so a caller mutating a shared snapshot throws. */
  freeze?: boolean;
  /** Lists over fewer objects than this scan instead of using indexes (default 256; tests use 0). */
  indexScanBelow?: number;
}

const DEFAULT_WATCH_WINDOW = 10_000;
/** As apimachinery's SimpleNameGenerator: 5 random chars after a prefix cut to 58. */
const GENERATED_SUFFIX_LENGTH = 5;
const MAX_GENERATED_PREFIX = 63 - GENERATED_SUFFIX_LENGTH;
/** The API server retries a colliding generated name this many times (RetryGenerateName). */
const GENERATE_NAME_ATTEMPTS = 8;
const EMPTY_LABELS: Readonly<Record<string, string>> = Object.freeze({});

// ---------------------------------------------------------------------------------------
// Sorted keys, materialised lazily.

/**
 * A key set's sorted order, kept cheaply under writes: appends in order stay sorted; other
 * adds are pushed to a pending list and removes only mark the order dirty; the next
 * `sorted()` drops dead keys (checked against `live`), sorts the pending ones and merges.
 */
export class SortedKeys {
  #sorted: string[] = [];
  /** Keys added since the last materialisation (may hold since-removed or repeated keys). */
  #pending: string[] = [];
  #dirty = false;
  constructor(private readonly live: { has(key: string): boolean; readonly size: number }) {}

  /** Record that `key` joined the live set. */
  add(key: string): void {
    const s = this.#sorted;
    if (this.#pending.length === 0 && !this.#dirty && (s.length === 0 || key > s[s.length - 1]!)) {
      s.push(key);
      return;
    }
    this.#pending.push(key);
    // Churn without lists must not grow the pending list without bound.
    if (this.#pending.length > 2 * this.live.size + 1024) this.sorted();
  }
  /** Record that `key` left the live set. */
  remove(_key: string): void {
    this.#dirty = true;
  }
  /** All live keys in byte order. The array is shared: do not mutate it. */
  sorted(): readonly string[] {
    if (this.#pending.length === 0 && !this.#dirty) return this.#sorted;
    const live = this.live;
    const adds = this.#pending.filter((k) => live.has(k)).sort();
    const kept = this.#dirty ? this.#sorted.filter((k) => live.has(k)) : this.#sorted;
    this.#sorted = mergeSortedUnique(kept, adds);
    this.#pending = [];
    this.#dirty = false;
    return this.#sorted;
  }
}

/** Merges two sorted arrays, dropping repeats (a key removed and added again appears in both). */
function mergeSortedUnique(a: string[], b: string[]): string[] {
  if (b.length === 0) return a;
  if (a.length === 0 && isStrictlySorted(b)) return b;
  if (a.length > 0 && a[a.length - 1]! < b[0]! && isStrictlySorted(b)) return a.concat(b);
  const out: string[] = [];
  let i = 0;
  let j = 0;
  let last: string | undefined;
  while (i < a.length || j < b.length) {
    const k = j >= b.length || (i < a.length && a[i]! <= b[j]!) ? a[i++]! : b[j++]!;
    if (k !== last) out.push(k);
    last = k;
  }
  return out;
}

function isStrictlySorted(a: string[]): boolean {
  for (let i = 1; i < a.length; i++) if (!(a[i - 1]! < a[i]!)) return false;
  return true;
}

// ---------------------------------------------------------------------------------------
// The indexed object table.

/** Computes the index values of an object (client-go's IndexFunc). */
export type IndexFunc<T extends KubeObject = KubeObject> = (obj: T) => readonly string[];

/** Label keys an ObjectIndex indexes on demand; queries on further keys scan. */
const MAX_INDEXED_LABEL_KEYS = 64;
/** Below this many candidates a scan is as cheap as any index. */
const SCAN_BELOW = 256;

/** What to select from an ObjectIndex; absent parts match everything. */
export interface IndexQuery {
  namespace?: string;
  labels?: Selector;
  fields?: FieldSelector;
}

/** One namespace's objects by name (a get needs no key concatenation) and their name order. */
interface NamespaceBucket {
  objects: Map<string, KubeObject>;
  order: SortedKeys;
}

interface Indexer<T extends KubeObject> {
  fn: IndexFunc<T>;
  values: Map<string, Set<string>>;
}

/**
 * Objects keyed by `namespace/name` (or `name`), indexed by namespace, by every label
 * `key=value`, and by named index functions, as client-go's thread-safe store with indexers.
 * Reads return the stored objects themselves (shared, read-only).
 */
export class ObjectIndex<T extends KubeObject = KubeObject> {
  readonly #objects = new Map<string, T>();
  readonly #all = new SortedKeys(this.#objects);
  readonly #namespaces = new Map<string, NamespaceBucket>();
  /**
   * label key -> value -> object keys, for the label keys selected on so far. A key is indexed
   * on its first equality query (one scan), then kept current: writes pay only for label keys
   * someone selects on, not for every label of every object.
   */
  readonly #labels = new Map<string, Map<string, Set<string>>>();
  readonly #indexers = new Map<string, Indexer<T>>();
  /** Field selector field -> name of the index that answers `field=value`. */
  readonly #fieldIndexes = new Map<string, string>();
  readonly #scanBelow: number;
  /** Every object in key order, until the next write. */
  #everything: T[] | undefined;

  /** `scanBelow`: collections smaller than this are scanned, not looked up in indexes (tests set 0). */
  constructor(opts: { scanBelow?: number } = {}) {
    this.#scanBelow = opts.scanBelow ?? SCAN_BELOW;
  }

  get size(): number {
    return this.#objects.size;
  }
  /** The object stored under `key`, or undefined. */
  get(key: string): T | undefined {
    return this.#objects.get(key);
  }
  /** The object `name` in `namespace` (cluster-scoped: namespace undefined or ""), or undefined. */
  getIn(namespace: string | undefined, name: string): T | undefined {
    if (!namespace) return this.#objects.get(name);
    return this.#namespaces.get(namespace)?.objects.get(name) as T | undefined;
  }
  has(key: string): boolean {
    return this.#objects.has(key);
  }
  /** Number of objects in `namespace`. */
  namespaceSize(namespace: string): number {
    return this.#namespaces.get(namespace)?.objects.size ?? 0;
  }

  /** Stores `obj` under `key`, keeping every index current; returns the object it replaced. */
  set(key: string, obj: T): T | undefined {
    const prev = this.#objects.get(key);
    this.#objects.set(key, obj);
    this.#everything = undefined;
    if (!prev) {
      this.#all.add(key);
      const ns = obj.metadata.namespace;
      if (ns) {
        let b = this.#namespaces.get(ns);
        if (!b) {
          const objects = new Map<string, KubeObject>();
          b = { objects, order: new SortedKeys(objects) };
          this.#namespaces.set(ns, b);
        }
        const name = obj.metadata.name!;
        b.objects.set(name, obj);
        b.order.add(name);
      }
      const labels = obj.metadata.labels;
      if (labels && this.#labels.size) {
        for (const [k, byValue] of this.#labels) {
          const v = labels[k];
          if (v !== undefined) indexAdd(byValue, v, key);
        }
      }
      for (const ix of this.#indexers.values()) for (const v of ix.fn(obj)) indexAdd(ix.values, v, key);
      return undefined;
    }
    if (prev.metadata.namespace) this.#namespaces.get(prev.metadata.namespace)!.objects.set(prev.metadata.name!, obj);
    const before = prev.metadata.labels ?? EMPTY_LABELS;
    const after = obj.metadata.labels ?? EMPTY_LABELS;
    if (before !== after && this.#labels.size) {
      for (const [k, byValue] of this.#labels) {
        const was = before[k];
        const now = after[k];
        if (was === now) continue;
        if (was !== undefined) indexRemove(byValue, was, key);
        if (now !== undefined) indexAdd(byValue, now, key);
      }
    }
    for (const ix of this.#indexers.values()) {
      const was = ix.fn(prev);
      const now = ix.fn(obj);
      if (sameStrings(was, now)) continue;
      for (const v of was) indexRemove(ix.values, v, key);
      for (const v of now) indexAdd(ix.values, v, key);
    }
    return prev;
  }

  /** Removes `key`; returns the object it held. */
  delete(key: string): T | undefined {
    const prev = this.#objects.get(key);
    if (!prev) return undefined;
    this.#objects.delete(key);
    this.#everything = undefined;
    this.#all.remove(key);
    const ns = prev.metadata.namespace;
    if (ns) {
      const b = this.#namespaces.get(ns)!;
      const name = prev.metadata.name!;
      b.objects.delete(name);
      b.order.remove(name);
      if (b.objects.size === 0) this.#namespaces.delete(ns);
    }
    const labels = prev.metadata.labels;
    if (labels && this.#labels.size) {
      for (const [k, byValue] of this.#labels) {
        const v = labels[k];
        if (v !== undefined) indexRemove(byValue, v, key);
      }
    }
    for (const ix of this.#indexers.values()) for (const v of ix.fn(prev)) indexRemove(ix.values, v, key);
    return prev;
  }

  /** Every key in byte order (shared array). */
  keys(): readonly string[] {
    return this.#all.sorted();
  }

  /** Registers an index function and indexes the objects already held. */
  addIndexer(name: string, fn: IndexFunc<T>): void {
    if (this.#indexers.has(name)) throw new Error(`indexer "${name}" already exists`);
    const ix: Indexer<T> = { fn, values: new Map() };
    for (const [key, obj] of this.#objects) for (const v of fn(obj)) indexAdd(ix.values, v, key);
    this.#indexers.set(name, ix);
  }
  /** Lets `select` answer `field=value` field selector terms from the index `indexName`. */
  useIndexForField(fieldName: string, indexName: string): void {
    this.#fieldIndexes.set(fieldName, indexName);
  }
  hasIndexer(name: string): boolean {
    return this.#indexers.has(name);
  }
  /** Objects whose index `name` yields `value`, sorted by key; throws for an unknown index. */
  byIndex(name: string, value: string): T[] {
    const ix = this.#indexers.get(name);
    if (!ix) throw new Error(`index "${name}" does not exist`);
    const set = ix.values.get(value);
    return set ? this.#sortedObjects([...set]) : [];
  }

  /**
   * Objects matching the query, sorted by key. Uses the smallest applicable index: the
   * namespace, a label equality (`=`, `==`, `in`), or an indexed field equality.
   */
  select(q: IndexQuery = {}): T[] {
    let ns = q.namespace || undefined;
    const labels = q.labels && !q.labels.empty() ? q.labels : undefined;
    const fields = q.fields && !q.fields.empty() ? q.fields : undefined;
    let nameKey: string | undefined;
    if (fields) {
      for (const r of fields.requirements) {
        if (r.operator === '!=') continue;
        if (r.field === 'metadata.namespace') {
          if (ns !== undefined && ns !== r.value) return [];
          ns = r.value || undefined;
        }
      }
      for (const r of fields.requirements) {
        if (r.operator !== '!=' && r.field === 'metadata.name' && ns) nameKey = `${ns}/${r.value}`;
      }
    }
    if (nameKey !== undefined) {
      const obj = this.#objects.get(nameKey);
      return obj && this.#passes(obj, ns, labels, fields) ? [obj] : [];
    }

    // The ordered source: the namespace bucket, or everything.
    let bucket: NamespaceBucket | undefined;
    if (ns) {
      bucket = this.#namespaces.get(ns);
      if (!bucket) return [];
    }
    const orderedSize = bucket ? bucket.objects.size : this.#objects.size;

    // The smallest unordered candidate set from the label and field indexes.
    let best: Set<string>[] | undefined;
    let bestSize = Infinity;
    const consider = (sets: Set<string>[]) => {
      let n = 0;
      for (const s of sets) n += s.size;
      if (n < bestSize) {
        best = sets;
        bestSize = n;
      }
    };
    const useIndexes = orderedSize >= this.#scanBelow;
    if (labels && useIndexes) {
      for (const r of labels.requirements) {
        const op = r.operator;
        if (op !== '=' && op !== '==' && op !== 'in') continue;
        const byValue = this.#labelIndex(r.key);
        if (!byValue) continue;
        const sets: Set<string>[] = [];
        for (const v of r.values) {
          const s = byValue.get(v);
          if (s) sets.push(s);
        }
        consider(sets);
      }
    }
    if (fields && useIndexes) {
      for (const r of fields.requirements) {
        if (r.operator === '!=') continue;
        const ixName = this.#fieldIndexes.get(r.field);
        const ix = ixName ? this.#indexers.get(ixName) : undefined;
        if (!ix) continue;
        const s = ix.values.get(r.value);
        consider(s ? [s] : []);
      }
    }
    if (bestSize === 0) return [];

    // Sorting k candidates beats walking n ordered keys when k log k is well under n.
    if (best && bestSize * 16 < orderedSize) {
      const keys: string[] = [];
      for (const s of best) {
        for (const key of s) {
          const obj = this.#objects.get(key)!;
          if (this.#passes(obj, ns, labels, fields)) keys.push(key);
        }
      }
      return this.#sortedObjects(keys);
    }
    // A bucket orders names; the kind-wide order is of keys.
    const order = bucket ? bucket.order.sorted() : this.#all.sorted();
    const out: T[] = [];
    const objects = (bucket ? bucket.objects : this.#objects) as Map<string, T>;
    if (!labels && !fields) {
      // An unfiltered list of the whole kind is kept until the next write (informers relist).
      if (!bucket && this.#everything) return this.#everything.slice();
      for (let i = 0; i < order.length; i++) out.push(objects.get(order[i]!)!);
      if (!bucket) this.#everything = out.slice();
      return out;
    }
    for (let i = 0; i < order.length; i++) {
      const obj = objects.get(order[i]!)!;
      if (this.#passes(obj, undefined, labels, fields)) out.push(obj);
    }
    return out;
  }

  #passes(obj: T, ns: string | undefined, labels: Selector | undefined, fields: FieldSelector | undefined): boolean {
    if (ns !== undefined && obj.metadata.namespace !== ns) return false;
    if (labels && !labels.matches(obj.metadata.labels ?? EMPTY_LABELS)) return false;
    if (fields && !fields.matches(obj)) return false;
    return true;
  }

  #sortedObjects(keys: string[]): T[] {
    keys.sort();
    const out = new Array<T>(keys.length);
    for (let i = 0; i < keys.length; i++) out[i] = this.#objects.get(keys[i]!)!;
    return out;
  }

  /** The index of label key `k`, built on first use; undefined when too many keys are indexed already. */
  #labelIndex(k: string): Map<string, Set<string>> | undefined {
    let byValue = this.#labels.get(k);
    if (byValue) return byValue;
    if (this.#labels.size >= MAX_INDEXED_LABEL_KEYS) return undefined;
    byValue = new Map();
    for (const [key, obj] of this.#objects) {
      const v = obj.metadata.labels?.[k];
      if (v !== undefined) indexAdd(byValue, v, key);
    }
    this.#labels.set(k, byValue);
    return byValue;
  }
}

function indexAdd(m: Map<string, Set<string>>, v: string, key: string): void {
  let s = m.get(v);
  if (!s) {
    s = new Set();
    m.set(v, s);
  }
  s.add(key);
}

function indexRemove(m: Map<string, Set<string>>, v: string, key: string): void {
  const s = m.get(v);
  if (!s) return;
  s.delete(key);
  if (s.size === 0) m.delete(v);
}

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

// ---------------------------------------------------------------------------------------
// Watch cache: a bounded log of events per kind.

type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';
const EVENT_TYPES: readonly EventType[] = ['ADDED', 'MODIFIED', 'DELETED'];

interface LoggedEvent {
  rv: number;
  type: EventType;
  /** The object after the write; for DELETED, the last state carrying the delete's rv. */
  object: KubeObject;
  /** The object before the write (MODIFIED, DELETED). */
  prev: KubeObject | undefined;
  /** The event as most watchers see it, built on first delivery. */
  shared?: WatchEvent;
  /** For a watcher whose selector the object left: prev, carrying this event's rv. */
  leaving?: KubeObject;
}

/**
 * A ring buffer of the last `capacity` events of one kind, in parallel arrays so that a
 * write allocates nothing here; events are materialised only for replay.
 */
class EventLog {
  readonly #rvs: number[] = [];
  readonly #types: number[] = [];
  readonly #objects: KubeObject[] = [];
  readonly #prevs: (KubeObject | undefined)[] = [];
  #start = 0;
  #end = 0;
  /** True once an event has fallen out of the window. */
  evicted = false;
  constructor(private readonly capacity: number) {}

  push(rv: number, type: EventType, object: KubeObject, prev: KubeObject | undefined): void {
    if (this.#end - this.#start === this.capacity) {
      this.#start++;
      this.evicted = true;
    }
    const i = this.#end % this.capacity;
    if (i === this.#rvs.length) {
      this.#rvs.push(rv);
      this.#types.push(EVENT_TYPES.indexOf(type));
      this.#objects.push(object);
      this.#prevs.push(prev);
    } else {
      this.#rvs[i] = rv;
      this.#types[i] = EVENT_TYPES.indexOf(type);
      this.#objects[i] = object;
      this.#prevs[i] = prev;
    }
    this.#end++;
  }
  /** rv of the oldest retained event, or undefined when empty. */
  oldest(): number | undefined {
    return this.#end > this.#start ? this.#rvs[this.#start % this.capacity]! : undefined;
  }
  /** Retained events with rv > `rv`, oldest first. */
  since(rv: number): LoggedEvent[] {
    let lo = this.#start;
    let hi = this.#end;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#rvs[mid % this.capacity]! > rv) hi = mid;
      else lo = mid + 1;
    }
    const out: LoggedEvent[] = [];
    for (let n = lo; n < this.#end; n++) {
      const i = n % this.capacity;
      out.push({ rv: this.#rvs[i]!, type: EVENT_TYPES[this.#types[i]!]!, object: this.#objects[i]!, prev: this.#prevs[i] });
    }
    return out;
  }
}

interface Watcher {
  table: KindTable;
  namespace: string | undefined;
  labels: Selector | undefined;
  fields: FieldSelector | undefined;
  bookmarks: boolean;
  handler: (ev: WatchEvent) => void;
  onError: ((err: Error) => void) | undefined;
  /** Highest rv delivered (or skipped by filter); later deliveries of older events are dropped. */
  lastRv: number;
  stopped: boolean;
}

interface KindTable {
  info: KindInfo;
  /** `pods`, `deployments.apps`: how the API server names the resource in messages. */
  resource: string;
  /** `Pod`, `Deployment.apps`: how the API server names the kind in Invalid messages. */
  qualifiedKind: string;
  /** etcd key prefix, as the API server's registry stores it (for StorageError text). */
  etcdPrefix: string;
  index: ObjectIndex;
  log: EventLog;
  watchers: Set<Watcher>;
}

type Delivery = { table: KindTable; ev: LoggedEvent; bookmark?: undefined } | { table: KindTable; ev?: undefined; bookmark: number };

// Registry paths that differ from the plural resource name (pkg/registry/*/storage).
const ETCD_PREFIX: Record<string, string> = {
  services: 'services/specs',
  endpoints: 'services/endpoints',
  nodes: 'minions',
  replicationcontrollers: 'controllers',
  ingresses: 'ingress',
};

// ---------------------------------------------------------------------------------------
// The store.

/** The in-memory Store. See the file header for ordering and delivery rules. */
export class MemoryStore implements Store {
  readonly #clock: VirtualClock;
  readonly #window: number;
  readonly #uid: () => string;
  readonly #names: Random;
  readonly #freeze: boolean;
  readonly #scanBelow: number | undefined;
  readonly #tables = new Map<string, KindTable>();
  /** The revision of the last write. As etcd, an empty store is at revision 1, so "0" is never a real version. */
  #rv = 1;
  #closed = false;
  #tsAt = Number.NaN;
  #ts = '';
  readonly #queue: Delivery[] = [];
  #delivering = false;
  readonly #labelCache = new Map<string, Selector>();
  readonly #fieldCache = new Map<string, FieldSelector>();

  constructor(opts: MemoryStoreOptions = {}) {
    this.#clock = opts.clock ?? new VirtualClock();
    this.#window = opts.watchWindow ?? DEFAULT_WATCH_WINDOW;
    if (!Number.isInteger(this.#window) || this.#window < 1) throw new RangeError(`watchWindow must be a positive integer, got ${this.#window}`);
    const random = opts.random ?? new Random(0);
    const uids = random.child('store/uid');
    this.#uid = opts.uidSource ?? (() => uuidV4(uids));
    this.#names = random.child('store/generateName');
    this.#freeze = opts.freeze ?? false;
    this.#scanBelow = opts.indexScanBelow;
  }

  async get<T extends KubeObject>(kind: string, namespace: string | undefined, name: string): Promise<T> {
    const t = this.#table(kind);
    if (!name) throw errors.badRequest('resource name may not be empty');
    const obj = t.info.namespaced ? (namespace ? t.index.getIn(namespace, name) : undefined) : t.index.getIn(undefined, name);
    if (!obj) throw errors.notFound(t.resource, name);
    return obj as T;
  }

  async list<T extends KubeObject>(kind: string, opts: ListOptions = {}): Promise<ListResult<T>> {
    const t = this.#table(kind);
    const q = this.#query(t, opts);
    return { items: t.index.select(q) as T[], resourceVersion: String(this.#rv) };
  }

  async create<T extends KubeObject>(obj: T): Promise<T> {
    this.#open();
    const t = this.#table(obj.kind);
    const src = obj.metadata;
    const namespace = t.info.namespaced ? src.namespace || undefined : undefined;
    if (!src.name && !src.generateName || (t.info.namespaced && !namespace)) {
      const causes = [];
      if (!src.name && !src.generateName) causes.push(field.required('metadata.name', 'name or generateName is required'));
      if (t.info.namespaced && !namespace) causes.push(field.required('metadata.namespace'));
      throw errors.invalid(t.qualifiedKind, src.name ?? '', causes);
    }

    let name = src.name;
    if (name) {
      if (t.index.getIn(namespace, name)) throw errors.alreadyExists(t.resource, name);
    } else {
      const prefix = src.generateName!.slice(0, MAX_GENERATED_PREFIX);
      for (let attempt = 1; ; attempt++) {
        name = prefix + this.#suffix();
        if (!t.index.getIn(namespace, name)) break;
        if (attempt === GENERATE_NAME_ATTEMPTS) throw errors.alreadyExists(t.resource, name);
      }
    }

    const rv = ++this.#rv;
    // As etcd3 storage under the registry: the uid the API server layer chose is kept (one is made
    // when the store is used directly); a new object is never being deleted (no deletionTimestamp).
    obj.metadata = buildMeta(src, name, namespace, src.uid || this.#uid(), String(rv), 1, this.#timestamp(), undefined, undefined);
    if (this.#freeze) deepFreeze(obj);
    t.index.set(keyOf(t, namespace, name), obj);
    this.#publish(t, rv, 'ADDED', obj, undefined);
    return obj;
  }

  async update<T extends KubeObject>(obj: T): Promise<T> {
    this.#open();
    const t = this.#table(obj.kind);
    const { key, prev } = this.#existing(t, obj);
    const src = obj.metadata;
    const pm = prev.metadata;
    if (src.uid && src.uid !== pm.uid) {
      throw errors.invalid(t.qualifiedKind, pm.name!, [field.invalid('metadata.uid', src.uid, 'field is immutable')]);
    }
    // As the API server's BeforeUpdate: system fields come from the stored object, and a
    // deletion timestamp, once set, cannot change.
    const deleting = pm.deletionTimestamp !== undefined;
    const meta = buildMeta(
      src,
      pm.name!,
      pm.namespace,
      pm.uid,
      pm.resourceVersion!,
      pm.generation,
      pm.creationTimestamp,
      deleting ? pm.deletionTimestamp : src.deletionTimestamp,
      deleting ? pm.deletionGracePeriodSeconds : src.deletionGracePeriodSeconds,
    );
    obj.metadata = meta;
    const specChanged = !specEqual(prev, obj);
    // A write that changes nothing is not a write (etcd3 GuaranteedUpdate): no new rv, no event.
    if (!specChanged && deepEqual(prev.status, obj.status) && deepEqual(pm, meta)) return prev as T;
    const rv = ++this.#rv;
    meta.resourceVersion = String(rv);
    if (specChanged) meta.generation = (pm.generation ?? 0) + 1;
    if (this.#freeze) deepFreeze(obj);
    t.index.set(key, obj);
    this.#publish(t, rv, 'MODIFIED', obj, prev);
    return obj;
  }

  async updateStatus<T extends KubeObject>(obj: T): Promise<T> {
    this.#open();
    const t = this.#table(obj.kind);
    const { key, prev } = this.#existing(t, obj);
    if (deepEqual(prev.status, obj.status)) return prev as T;
    const rv = ++this.#rv;
    const metadata = { ...prev.metadata, resourceVersion: String(rv) };
    let next: KubeObject;
    if ('status' in prev && obj.status !== undefined) {
      // Overriding keys the object already has is V8's fast spread path.
      next = { ...prev, metadata, status: obj.status };
    } else {
      next = { apiVersion: prev.apiVersion, kind: prev.kind, metadata };
      for (const k in prev) if (k !== 'apiVersion' && k !== 'kind' && k !== 'metadata' && k !== 'status') next[k] = prev[k];
      if (obj.status !== undefined) next.status = obj.status;
    }
    if (this.#freeze) deepFreeze(next);
    t.index.set(key, next);
    this.#publish(t, rv, 'MODIFIED', next, prev);
    return next as T;
  }

  async delete<T extends KubeObject>(kind: string, namespace: string | undefined, name: string, opts: DeleteOptions = {}): Promise<T> {
    this.#open();
    const t = this.#table(kind);
    if (!name) throw errors.badRequest('resource name may not be empty');
    const key = keyOf(t, namespace, name);
    const prev = t.index.get(key);
    if (!prev) throw errors.notFound(t.resource, name);
    const pm = prev.metadata;
    if (opts.uid !== undefined && opts.uid !== pm.uid) {
      throw this.#preconditionFailed(t, key, name, `UID in precondition: ${opts.uid}, UID in object meta: ${pm.uid ?? ''}`);
    }
    if (opts.resourceVersion !== undefined && opts.resourceVersion !== pm.resourceVersion) {
      throw this.#preconditionFailed(
        t,
        key,
        name,
        `ResourceVersion in precondition: ${opts.resourceVersion}, ResourceVersion in object meta: ${pm.resourceVersion ?? ''}`,
      );
    }
    const rv = ++this.#rv;
    // As etcd3's delete: the returned last state carries the revision of the delete.
    const last: KubeObject = { ...prev, metadata: { ...pm, resourceVersion: String(rv) } };
    if (this.#freeze) deepFreeze(last);
    t.index.delete(key);
    this.#publish(t, rv, 'DELETED', last, prev);
    return last as T;
  }

  async watch<T extends KubeObject>(
    kind: string,
    opts: WatchOptions,
    handler: (ev: WatchEvent<T>) => void,
    onError?: (err: Error) => void,
  ): Promise<Watch> {
    this.#open();
    const t = this.#table(kind);
    const q = this.#query(t, opts);
    let from = this.#rv;
    const given = opts.resourceVersion;
    if (given !== undefined && given !== '' && given !== '0') {
      if (!/^\d+$/.test(given)) throw errors.badRequest(`invalid resource version: ${given}`);
      from = Number(given);
      if (from > this.#rv) throw new StatusError('Timeout', `Too large resource version: ${from}, current: ${this.#rv}`);
      const oldest = t.log.oldest();
      // As the watch cache: once events fell out of the window, anything before oldest-1 is gone.
      if (t.log.evicted && oldest !== undefined && from < oldest - 1) {
        throw errors.expired(`too old resource version: ${from} (${oldest - 1})`);
      }
    }
    const w: Watcher = {
      table: t,
      namespace: q.namespace,
      labels: q.labels && !q.labels.empty() ? q.labels : undefined,
      fields: q.fields && !q.fields.empty() ? q.fields : undefined,
      bookmarks: opts.allowBookmarks ?? false,
      handler: handler as (ev: WatchEvent) => void,
      onError,
      lastRv: from,
      stopped: false,
    };
    // Replay with delivery held, so writes made by the handler queue up; re-read the log
    // until it holds nothing newer, then join the live watchers.
    const outer = this.#delivering;
    this.#delivering = true;
    try {
      for (let batch = from < this.#rv ? t.log.since(from) : []; batch.length && !w.stopped; batch = t.log.since(w.lastRv)) {
        for (const ev of batch) this.#deliver(w, ev);
      }
      if (!w.stopped) t.watchers.add(w);
    } finally {
      if (!outer) {
        this.#delivering = false;
        this.#drain();
      }
    }
    return {
      stop: () => {
        w.stopped = true;
        t.watchers.delete(w);
      },
    };
  }

  async currentResourceVersion(): Promise<string> {
    return String(this.#rv);
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const t of this.#tables.values()) {
      for (const w of t.watchers) w.stopped = true;
      t.watchers.clear();
    }
  }

  // ---- beyond the Store interface ----

  /** Sends a BOOKMARK with the current resourceVersion to every watcher of `kind` (or all kinds) that asked for them. */
  bookmark(kind?: string): void {
    const tables = kind === undefined ? [...this.#tables.values()] : [this.#table(kind)];
    for (const t of tables) if (t.watchers.size) this.#enqueue({ table: t, bookmark: this.#rv });
  }

  /** Ends every watch of `kind` with `err` (as the API server closing watch streams, e.g. on etcd compaction). */
  terminateWatches(kind: string, err: Error): void {
    const t = this.#table(kind);
    for (const w of [...t.watchers]) this.#fail(w, err);
  }

  /** Number of objects of `kind` held. */
  count(kind: string): number {
    return this.#table(kind).index.size;
  }

  // ---- internals ----

  #open(): void {
    if (this.#closed) throw new StatusError('ServiceUnavailable', 'store is closed');
  }

  #table(kind: string): KindTable {
    let t = this.#tables.get(kind);
    if (t) return t;
    const info = kindInfo(kind);
    if (!info) throw new StatusError('NotFound', 'the server could not find the requested resource');
    const slash = info.apiVersion.indexOf('/');
    const group = slash < 0 ? '' : info.apiVersion.slice(0, slash);
    const index = new ObjectIndex(this.#scanBelow === undefined ? {} : { scanBelow: this.#scanBelow });
    if (kind === 'Pod') {
      // The kubelet lists its pods by spec.nodeName: answer that from an index.
      index.addIndexer('spec.nodeName', (o) => [((o.spec as { nodeName?: string } | undefined)?.nodeName) ?? '']);
      index.useIndexForField('spec.nodeName', 'spec.nodeName');
    }
    t = {
      info,
      resource: group ? `${info.resource}.${group}` : info.resource,
      qualifiedKind: group ? `${info.kind}.${group}` : info.kind,
      etcdPrefix: ETCD_PREFIX[info.resource] ?? info.resource,
      index,
      log: new EventLog(this.#window),
      watchers: new Set(),
    };
    this.#tables.set(kind, t);
    return t;
  }

  #query(t: KindTable, opts: ListOptions): IndexQuery {
    const q: IndexQuery = {};
    // A cluster-scoped resource has no namespace to filter by (the API server ignores it).
    if (t.info.namespaced && opts.namespace) q.namespace = opts.namespace;
    if (opts.labelSelector) {
      let sel = this.#labelCache.get(opts.labelSelector);
      if (!sel) {
        sel = parseSelector(opts.labelSelector);
        remember(this.#labelCache, opts.labelSelector, sel);
      }
      q.labels = sel;
    }
    if (opts.fieldSelector) {
      const ck = `${t.info.kind}\u0000${opts.fieldSelector}`;
      let sel = this.#fieldCache.get(ck);
      if (!sel) {
        sel = parseFieldSelector(t.info.kind, opts.fieldSelector);
        remember(this.#fieldCache, ck, sel);
      }
      q.fields = sel;
    }
    return q;
  }

  /** Finds the stored object `obj` updates, applying the resourceVersion precondition. */
  #existing(t: KindTable, obj: KubeObject): { key: string; prev: KubeObject } {
    const m = obj.metadata;
    if (!m.name) throw errors.badRequest('resource name may not be empty');
    if (t.info.namespaced && !m.namespace) throw errors.invalid(t.qualifiedKind, m.name, [field.required('metadata.namespace')]);
    const key = keyOf(t, m.namespace, m.name);
    const prev = t.index.get(key);
    if (!prev) throw errors.notFound(t.resource, m.name);
    if (m.resourceVersion && m.resourceVersion !== prev.metadata.resourceVersion) {
      throw errors.conflict(t.resource, m.name, 'the object has been modified; please apply your changes to the latest version and try again');
    }
    return { key, prev };
  }

  #preconditionFailed(t: KindTable, key: string, name: string, detail: string): StatusError {
    // The namespace registry checks preconditions itself; every other resource reports the
    // etcd3 StorageError text (ErrCodeInvalidObj = 4).
    if (t.info.kind === 'Namespace') return errors.conflict(t.resource, name, `Precondition failed: ${detail}`);
    return errors.conflict(
      t.resource,
      name,
      `StorageError: invalid object, Code: 4, Key: /registry/${t.etcdPrefix}/${key}, ResourceVersion: 0, AdditionalErrorMsg: Precondition failed: ${detail}`,
    );
  }

  #timestamp(): string {
    const now = this.#clock.now();
    if (now !== this.#tsAt) {
      this.#tsAt = now;
      this.#ts = this.#clock.timestamp();
    }
    return this.#ts;
  }

  #suffix(): string {
    let s = '';
    for (let i = 0; i < GENERATED_SUFFIX_LENGTH; i++) s += SUFFIX_ALPHABET[this.#names.int(0, SUFFIX_ALPHABET.length - 1)];
    return s;
  }

  #publish(t: KindTable, rv: number, type: EventType, object: KubeObject, prev: KubeObject | undefined): void {
    t.log.push(rv, type, object, prev);
    if (t.watchers.size) this.#enqueue({ table: t, ev: { rv, type, object, prev } });
  }

  #enqueue(d: Delivery): void {
    this.#queue.push(d);
    this.#drain();
  }

  /** Delivers queued events in order; a no-op when a delivery is already running up the stack. */
  #drain(): void {
    if (this.#delivering || this.#queue.length === 0) return;
    this.#delivering = true;
    const q = this.#queue;
    try {
      for (let i = 0; i < q.length; i++) {
        const item = q[i]!;
        for (const w of item.table.watchers) {
          if (item.ev) this.#deliver(w, item.ev);
          else this.#deliverBookmark(w, item.bookmark);
        }
      }
    } finally {
      q.length = 0;
      this.#delivering = false;
    }
  }

  #deliver(w: Watcher, ev: LoggedEvent): void {
    if (w.stopped || ev.rv <= w.lastRv) return;
    w.lastRv = ev.rv;
    const out = this.#project(w, ev);
    if (!out) return;
    try {
      w.handler(out);
    } catch (err) {
      this.#fail(w, err instanceof Error ? err : new Error(String(err)));
    }
  }

  #deliverBookmark(w: Watcher, rv: number): void {
    if (w.stopped || !w.bookmarks) return;
    if (rv > w.lastRv) w.lastRv = rv;
    const info = w.table.info;
    const object: KubeObject = { apiVersion: info.apiVersion, kind: info.kind, metadata: { resourceVersion: String(rv) } };
    try {
      w.handler({ type: 'BOOKMARK', object });
    } catch (err) {
      this.#fail(w, err instanceof Error ? err : new Error(String(err)));
    }
  }

  /** The event `w` sees, as the watch cache filters it: selector transitions become ADDED/DELETED. */
  #project(w: Watcher, ev: LoggedEvent): WatchEvent | undefined {
    const cur = passes(w, ev.object);
    if (ev.type !== 'MODIFIED') return cur ? (ev.shared ??= { type: ev.type, object: ev.object }) : undefined;
    const old = passes(w, ev.prev!);
    if (cur && old) return (ev.shared ??= { type: ev.type, object: ev.object });
    if (cur) return { type: 'ADDED', object: ev.object };
    if (!old) return undefined;
    ev.leaving ??= { ...ev.prev!, metadata: { ...ev.prev!.metadata, resourceVersion: String(ev.rv) } };
    return { type: 'DELETED', object: ev.leaving };
  }

  #fail(w: Watcher, err: Error): void {
    if (w.stopped) return;
    w.stopped = true;
    w.table.watchers.delete(w);
    if (w.onError) w.onError(err);
    else
      queueMicrotask(() => {
        throw err;
      });
  }
}

function passes(w: Watcher, obj: KubeObject): boolean {
  if (w.namespace !== undefined && obj.metadata.namespace !== w.namespace) return false;
  if (w.labels && !w.labels.matches(obj.metadata.labels ?? EMPTY_LABELS)) return false;
  if (w.fields && !w.fields.matches(obj)) return false;
  return true;
}

/** The ObjectMeta fields buildMeta places itself, in apimachinery's order. */
const META_FIELDS = new Set([
  'name', 'generateName', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp',
  'deletionTimestamp', 'deletionGracePeriodSeconds', 'labels', 'annotations', 'ownerReferences', 'finalizers',
]);

/**
 * A new ObjectMeta: the user fields of `src` plus the given system fields, keys in the order
 * the API server serialises ObjectMeta. Built field by field because spreading and then adding
 * keys is pathologically slow in V8 (~20 µs per object measured here).
 */
function buildMeta(
  src: ObjectMeta,
  name: string,
  namespace: string | undefined,
  uid: string | undefined,
  resourceVersion: string,
  generation: number | undefined,
  creationTimestamp: string | undefined,
  deletionTimestamp: string | undefined,
  deletionGracePeriodSeconds: number | undefined,
): ObjectMeta {
  const m: ObjectMeta = { name };
  if (src.generateName !== undefined) m.generateName = src.generateName;
  if (namespace !== undefined) m.namespace = namespace;
  if (uid !== undefined) m.uid = uid;
  m.resourceVersion = resourceVersion;
  if (generation !== undefined) m.generation = generation;
  if (creationTimestamp !== undefined) m.creationTimestamp = creationTimestamp;
  if (deletionTimestamp !== undefined) m.deletionTimestamp = deletionTimestamp;
  if (deletionGracePeriodSeconds !== undefined) m.deletionGracePeriodSeconds = deletionGracePeriodSeconds;
  if (src.labels !== undefined) m.labels = src.labels;
  if (src.annotations !== undefined) m.annotations = src.annotations;
  if (src.ownerReferences !== undefined) m.ownerReferences = src.ownerReferences;
  if (src.finalizers !== undefined) m.finalizers = src.finalizers;
  // Fields netsim does not model (managedFields, selfLink, ...) are kept, after the known ones.
  for (const k in src) {
    if (!META_FIELDS.has(k)) (m as Record<string, unknown>)[k] = (src as Record<string, unknown>)[k];
  }
  return m;
}

function keyOf(t: KindTable, namespace: string | undefined, name: string): string {
  return t.info.namespaced ? namespacePrefix(namespace ?? '') + name : name;
}

function remember<V>(cache: Map<string, V>, key: string, v: V): void {
  if (cache.size >= 1024) cache.clear();
  cache.set(key, v);
}

const HEX_DIGITS = '0123456789abcdef';
const UUID_CODES: number[] = new Array(36).fill(45); // '-' at 8, 13, 18, 23

function putHex(at: number, n: number, digits: number): void {
  for (let i = digits - 1; i >= 0; i--) {
    UUID_CODES[at + i] = HEX_DIGITS.charCodeAt(n & 15);
    n >>>= 4;
  }
}

/** A UUID v4 text drawn from `r` (deterministic for a seeded stream). Built flat from char codes: 36 bytes, not a rope. */
export function uuidV4(r: Random): string {
  const a = r.int(0, 0xffffffff);
  const b = r.int(0, 0xffffffff);
  const c = r.int(0, 0xffffffff);
  const d = r.int(0, 0xffffffff);
  putHex(0, a, 8);
  putHex(9, b >>> 16, 4);
  putHex(14, (b & 0x0fff) | 0x4000, 4);
  putHex(19, ((c >>> 16) & 0x3fff) | 0x8000, 4);
  putHex(24, c & 0xffff, 4);
  putHex(28, d, 8);
  return String.fromCharCode.apply(null, UUID_CODES);
}

const NOT_SPEC = new Set(['apiVersion', 'kind', 'metadata', 'status']);

/** True when everything outside apiVersion/kind/metadata/status is equal (the generation rule). */
function specEqual(a: KubeObject, b: KubeObject): boolean {
  for (const k in a) if (!NOT_SPEC.has(k) && !deepEqual(a[k], b[k])) return false;
  for (const k in b) if (!NOT_SPEC.has(k) && !(k in a) && b[k] !== undefined) return false;
  return true;
}

/** Structural equality of JSON values; an undefined property equals a missing one. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  for (const k in x) if (!deepEqual(x[k], y[k])) return false;
  for (const k in y) if (!(k in x) && y[k] !== undefined) return false;
  return true;
}

function deepFreeze(o: unknown): void {
  if (typeof o !== 'object' || o === null || Object.isFrozen(o)) return;
  Object.freeze(o);
  for (const v of Object.values(o)) deepFreeze(v);
}
