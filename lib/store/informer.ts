// An informer, as client-go's / kubernetes-client/javascript's: list, then watch from the
// list's resourceVersion into a local indexed cache, and tell handlers what changed. A watch
// that ends is resumed from the last resourceVersion seen; Expired (410) means the events in
// between are gone, so the informer relists and reports the differences as synthetic events.
import { isStatusError } from '../api/errors.js';
import { parseSelector, type Selector } from '../api/labels.js';
import { type KubeObject, objectKey } from '../api/meta.js';
import { kindInfo } from '../api/types.js';
import { type IndexFunc, ObjectIndex } from './memory.js';
import type { ListOptions, Store, Watch, WatchEvent } from './store.js';

/** Read access to an informer's cache (client-go's Lister). Objects are shared: copy before changing. */
export interface Lister<T extends KubeObject> {
  /** The cached object, or undefined. O(1). */
  get(namespace: string | undefined, name: string): T | undefined;
  /** Cached objects in `namespace` (all when omitted) matching `selector`, sorted by namespace/name. */
  list(namespace?: string, selector?: Selector | string): T[];
}

type Handlers<T> = {
  add: ((obj: T) => void)[];
  update: ((oldObj: T, newObj: T) => void)[];
  delete: ((obj: T) => void)[];
  error: ((err: Error) => void)[];
};

/** Relists in a row before an informer gives up (each needs the window to overflow again). */
const MAX_RELISTS = 5;

/**
 * Caches one kind (optionally narrowed by namespace/label/field selector) and reports adds,
 * updates and deletes. Handlers run synchronously, in event order, after the cache changed.
 */
export class Informer<T extends KubeObject> {
  readonly #store: Store;
  readonly #kind: string;
  readonly #opts: ListOptions;
  readonly #cache = new ObjectIndex<T>();
  readonly #clusterScoped: boolean;
  readonly #handlers: Handlers<T> = { add: [], update: [], delete: [], error: [] };
  #synced = false;
  #started = false;
  #stopped = false;
  #watch: Watch | undefined;
  /** Identifies the current watch; callbacks of older watches are ignored. */
  #watchId = 0;
  #lastRv = '';
  readonly lister: Lister<T>;

  constructor(store: Store, kind: string, opts: ListOptions = {}) {
    this.#store = store;
    this.#kind = kind;
    this.#opts = { ...opts };
    this.#clusterScoped = kindInfo(kind)?.namespaced === false;
    this.lister = {
      get: (namespace, name) => this.#cache.getIn(this.#clusterScoped ? undefined : namespace, name),
      list: (namespace, selector) =>
        this.#cache.select({
          namespace: this.#clusterScoped ? undefined : namespace,
          labels: typeof selector === 'string' ? parseSelector(selector) : selector,
        }),
    };
  }

  /** The kind this informer caches. */
  get kind(): string {
    return this.#kind;
  }

  /**
   * Registers a handler. An `add` handler registered after the first list is called at once
   * for every cached object (as client-go's AddEventHandler). `error` receives failures the
   * informer cannot recover from and handler exceptions; without one they are rethrown.
   */
  on(event: 'add', handler: (obj: T) => void): this;
  on(event: 'update', handler: (oldObj: T, newObj: T) => void): this;
  on(event: 'delete', handler: (obj: T) => void): this;
  on(event: 'error', handler: (err: Error) => void): this;
  on(event: keyof Handlers<T>, handler: (...args: never[]) => void): this {
    (this.#handlers[event] as unknown[]).push(handler);
    if (event === 'add' && this.#synced) {
      for (const obj of this.#cache.select()) this.#call(() => (handler as (o: T) => void)(obj));
    }
    return this;
  }

  /** Adds a named index over the cache (e.g. pods by node); existing objects are indexed at once. */
  addIndexer(name: string, fn: IndexFunc<T>): void {
    this.#cache.addIndexer(name, fn);
  }

  /** Cached objects whose index `name` yields `value`, sorted by namespace/name. */
  byIndex(name: string, value: string): T[] {
    return this.#cache.byIndex(name, value);
  }

  /** True once the first list has been loaded into the cache. */
  hasSynced(): boolean {
    return this.#synced;
  }

  /** The resourceVersion of the last list, event or bookmark seen. */
  lastSyncResourceVersion(): string {
    return this.#lastRv;
  }

  /** Lists, fills the cache (one `add` per object) and starts watching; resolves once watching. */
  async start(): Promise<void> {
    if (this.#started) throw new Error(`informer for ${this.#kind} already started`);
    this.#started = true;
    try {
      await this.#listAndWatch();
    } catch (err) {
      this.#started = false;
      throw err;
    }
  }

  /** Stops watching; the cache keeps its last contents. Idempotent. */
  stop(): void {
    this.#stopped = true;
    this.#watchId++;
    this.#watch?.stop();
    this.#watch = undefined;
  }

  async #listAndWatch(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const res = await this.#store.list<T>(this.#kind, this.#opts);
      if (this.#stopped) return;
      this.#replace(res.items, res.resourceVersion);
      try {
        await this.#watchFrom(res.resourceVersion);
        return;
      } catch (err) {
        // The window overflowed between the list and the watch: list again.
        if (!isExpired(err) || attempt >= MAX_RELISTS) throw err;
      }
    }
  }

  async #watchFrom(rv: string): Promise<void> {
    const id = ++this.#watchId;
    const w = await this.#store.watch<T>(
      this.#kind,
      { ...this.#opts, resourceVersion: rv, allowBookmarks: true },
      (ev) => {
        if (id === this.#watchId) this.#onEvent(ev);
      },
      (err) => {
        if (id === this.#watchId) this.#onWatchEnded(err);
      },
    );
    if (id !== this.#watchId || this.#stopped) {
      w.stop();
      return;
    }
    this.#watch = w;
  }

  #onWatchEnded(err: Error): void {
    this.#watch = undefined;
    this.#watchId++;
    if (this.#stopped) return;
    if (isExpired(err)) {
      this.#listAndWatch().catch((e: unknown) => this.#report(e));
      return;
    }
    // As the reflector: a closed watch resumes from the last resourceVersion seen ("0"
    // would mean "from now", losing events: relist instead).
    if (this.#lastRv === '' || this.#lastRv === '0') {
      this.#listAndWatch().catch((e: unknown) => this.#report(e));
      return;
    }
    this.#watchFrom(this.#lastRv).catch((e: unknown) => {
      if (isExpired(e)) this.#listAndWatch().catch((e2: unknown) => this.#report(e2));
      else this.#report(e);
    });
  }

  #onEvent(ev: WatchEvent<T>): void {
    const obj = ev.object;
    const rv = obj.metadata.resourceVersion ?? this.#lastRv;
    if (ev.type === 'BOOKMARK') {
      this.#lastRv = rv;
      return;
    }
    const key = objectKey(obj);
    this.#lastRv = rv;
    if (ev.type === 'DELETED') {
      const old = this.#cache.delete(key);
      if (old) this.#emitDelete(obj);
      return;
    }
    const old = this.#cache.set(key, obj);
    if (old) this.#emitUpdate(old, obj);
    else this.#emitAdd(obj);
  }

  /**
   * Replaces the cache with a fresh list. Reports only the differences: deletes first (the
   * last cached state, sorted by key), then adds and updates (changed resourceVersion) in
   * list order.
   */
  #replace(items: T[], rv: string): void {
    const fresh = new Map<string, T>();
    for (const obj of items) fresh.set(objectKey(obj), obj);
    for (const key of [...this.#cache.keys()]) {
      if (fresh.has(key)) continue;
      const old = this.#cache.delete(key)!;
      this.#emitDelete(old);
    }
    for (const [key, obj] of fresh) {
      const old = this.#cache.get(key);
      if (old && old.metadata.resourceVersion === obj.metadata.resourceVersion) continue;
      this.#cache.set(key, obj);
      if (old) this.#emitUpdate(old, obj);
      else this.#emitAdd(obj);
    }
    this.#lastRv = rv;
    this.#synced = true;
  }

  // Handlers are called in place (no closure per event and handler: every write reaches several).
  #emitAdd(obj: T): void {
    for (const h of this.#handlers.add) {
      try {
        h(obj);
      } catch (err) {
        this.#report(err);
      }
    }
  }
  #emitUpdate(oldObj: T, newObj: T): void {
    for (const h of this.#handlers.update) {
      try {
        h(oldObj, newObj);
      } catch (err) {
        this.#report(err);
      }
    }
  }
  #emitDelete(obj: T): void {
    for (const h of this.#handlers.delete) {
      try {
        h(obj);
      } catch (err) {
        this.#report(err);
      }
    }
  }

  #call(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.#report(err);
    }
  }

  #report(e: unknown): void {
    const err = e instanceof Error ? e : new Error(String(e));
    if (this.#handlers.error.length === 0) {
      queueMicrotask(() => {
        throw err;
      });
      return;
    }
    for (const h of this.#handlers.error) h(err);
  }
}

function isExpired(e: unknown): boolean {
  return isStatusError(e) && e.reason === 'Expired';
}
