// The shared service-proxy model: one copy of every service port and its endpoints for the
// whole cluster (kube-proxy's ServicePortMap + EndpointsMap), updated incrementally from
// Service and EndpointSlice events. Rule writers read it with a per-node NodeView; nothing
// node-specific is stored here, so 5,000 nodes share one model.
import type { KubeObject } from '../lib/api/meta.js';
import type { EndpointSlice, Service } from '../lib/api/types.js';
import { ChangeTracker, serviceKey, sliceId } from './changetracker.js';
import { type EndpointInfo, endpointsByServicePort, reuseEndpoints, sameEndpoints, sliceServiceKey } from './endpoints.js';
import { type ServicePortInfo, type ServicePortOptions, defaultServicePortOptions, sameServicePortInfo, servicePortInfos } from './serviceport.js';

/** One service port with its endpoints, as of the last sync. Replaced (never mutated) on change. */
export interface ServicePortEntry {
  readonly info: ServicePortInfo;
  /** Sorted by "ip:port". */
  readonly endpoints: readonly EndpointInfo[];
  /** Model version at which this entry last changed: writers cache against it. */
  readonly version: number;
  /** Some endpoint carries topology hints, so cluster endpoints may differ per node. */
  readonly hasHints: boolean;
  /**
   * Node-independent data a rule writer derives from this entry alone (hashed chain names),
   * filled on first use and shared by all nodes; a changed entry starts with an empty bag.
   */
  readonly derived: Record<string, unknown>;
}

/** A store watch event for a Service or an EndpointSlice (other kinds are ignored). */
export interface ProxyEvent {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';
  readonly object: KubeObject;
}

const NO_ENDPOINTS: readonly EndpointInfo[] = [];

function compareEntries(a: ServicePortEntry, b: ServicePortEntry): number {
  const x = a.info;
  const y = b.info;
  if (x.name !== y.name) return x.name < y.name ? -1 : 1;
  return x.protocol < y.protocol ? -1 : x.protocol > y.protocol ? 1 : 0;
}

export class ServiceProxyModel {
  readonly options: ServicePortOptions;
  #tracker = new ChangeTracker();
  #services = new Map<string, Service>();
  /** `ns/service` → slice id → applied slice. */
  #slices = new Map<string, Map<string, EndpointSlice>>();
  /** slice id → `ns/service` it is applied to. */
  #sliceOwner = new Map<string, string>();
  #ports = new Map<string, ServicePortEntry>();
  #portsByService = new Map<string, string[]>();
  /** Entries in (ServicePortName, protocol) order, kept sorted by binary insertion. */
  #sorted: ServicePortEntry[] = [];
  #hooks: ((entry: ServicePortEntry) => void)[] = [];
  #version = 0;
  #lastSyncBase = 0;
  #totalEndpoints = 0;

  constructor(options: ServicePortOptions = defaultServicePortOptions) {
    this.options = options;
  }

  /**
   * Calls `hook` with every entry a sync creates or replaces (from the next sync on), so a
   * rule writer can precompute what it derives from the entry alone, as kube-proxy's
   * makeServiceInfo / makeEndpointInfo hooks do with chain names.
   */
  addEntryHook(hook: (entry: ServicePortEntry) => void): void {
    this.#hooks.push(hook);
  }

  /** Records a watch event; takes effect at the next sync(). */
  apply(ev: ProxyEvent): void {
    const o = ev.object;
    if (o.kind === 'Service') {
      if (ev.type === 'DELETED') this.#tracker.onServiceDelete(o as Service);
      else if (ev.type !== 'BOOKMARK') this.#tracker.onServiceUpdate(undefined, o as Service);
    } else if (o.kind === 'EndpointSlice') {
      if (ev.type === 'DELETED') this.#tracker.onEndpointSliceDelete(o as EndpointSlice);
      else if (ev.type !== 'BOOKMARK') this.#tracker.onEndpointSliceUpdate(undefined, o as EndpointSlice);
    }
  }

  /** Records a new Service. */
  onServiceAdd(svc: Service): void {
    this.#tracker.onServiceAdd(svc);
  }
  /** Records a changed Service. */
  onServiceUpdate(old: Service | undefined, svc: Service): void {
    this.#tracker.onServiceUpdate(old, svc);
  }
  /** Records a deleted Service. */
  onServiceDelete(svc: Service): void {
    this.#tracker.onServiceDelete(svc);
  }
  /** Records a new EndpointSlice. */
  onEndpointSliceAdd(slice: EndpointSlice): void {
    this.#tracker.onEndpointSliceAdd(slice);
  }
  /** Records a changed EndpointSlice. */
  onEndpointSliceUpdate(old: EndpointSlice | undefined, slice: EndpointSlice): void {
    this.#tracker.onEndpointSliceUpdate(old, slice);
  }
  /** Records a deleted EndpointSlice. */
  onEndpointSliceDelete(slice: EndpointSlice): void {
    this.#tracker.onEndpointSliceDelete(slice);
  }

  /**
   * Applies every recorded change and returns the ServicePortNames whose info or endpoints
   * changed (added, modified or removed) since the last sync, sorted and without duplicates.
   */
  sync(): string[] {
    this.#lastSyncBase = this.#version;
    const pending = this.#tracker.checkout();
    const dirty = new Set<string>();
    for (const [key, svc] of pending.services) {
      if (svc === null) this.#services.delete(key);
      else this.#services.set(key, svc);
      dirty.add(key);
    }
    for (const [id, slice] of pending.slices) {
      const oldOwner = this.#sliceOwner.get(id);
      if (oldOwner !== undefined) {
        const m = this.#slices.get(oldOwner)!;
        m.delete(id);
        if (m.size === 0) this.#slices.delete(oldOwner);
        this.#sliceOwner.delete(id);
        dirty.add(oldOwner);
      }
      const owner = slice === null ? null : sliceServiceKey(slice);
      if (slice !== null && owner !== null) {
        let m = this.#slices.get(owner);
        if (!m) this.#slices.set(owner, (m = new Map()));
        m.set(id, slice);
        this.#sliceOwner.set(id, owner);
        dirty.add(owner);
      }
    }
    const changed = new Set<string>();
    for (const key of dirty) this.#rebuildService(key, changed);
    return [...changed].sort();
  }

  #rebuildService(key: string, changed: Set<string>): void {
    const svc = this.#services.get(key);
    const infos = svc ? servicePortInfos(svc, this.options) : [];
    const oldKeys = this.#portsByService.get(key) ?? [];
    const newKeys: string[] = [];
    let byPort: Map<string, EndpointInfo[]> | null = null;
    if (infos.length > 0) {
      const slash = key.indexOf('/');
      byPort = endpointsByServicePort(key.slice(0, slash), key.slice(slash + 1), [...(this.#slices.get(key)?.values() ?? [])]);
    }
    for (const info of infos) {
      newKeys.push(info.key);
      const old = this.#ports.get(info.key);
      const fresh = byPort!.get(info.key);
      const endpoints = fresh ? reuseEndpoints(old?.endpoints ?? NO_ENDPOINTS, fresh) : NO_ENDPOINTS;
      if (old && sameServicePortInfo(old.info, info) && sameEndpoints(old.endpoints, endpoints)) continue;
      const entry: ServicePortEntry = {
        info,
        endpoints,
        version: ++this.#version,
        hasHints: endpoints.some((e) => e.zoneHints !== null || e.nodeHints !== null),
        derived: {},
      };
      for (const hook of this.#hooks) hook(entry);
      this.#totalEndpoints += endpoints.length - (old?.endpoints.length ?? 0);
      this.#ports.set(info.key, entry);
      if (old) this.#sorted[this.#indexOf(old)] = entry;
      else this.#insertSorted(entry);
      changed.add(info.name);
    }
    for (const k of oldKeys) {
      if (newKeys.includes(k)) continue;
      const old = this.#ports.get(k)!;
      this.#ports.delete(k);
      this.#sorted.splice(this.#indexOf(old), 1);
      this.#totalEndpoints -= old.endpoints.length;
      this.#version++;
      changed.add(old.info.name);
    }
    if (newKeys.length > 0) this.#portsByService.set(key, newKeys);
    else this.#portsByService.delete(key);
  }

  /** Index of the first entry not before `e` in the sorted list. */
  #lowerBound(e: ServicePortEntry): number {
    let lo = 0;
    let hi = this.#sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareEntries(this.#sorted[mid]!, e) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  #indexOf(e: ServicePortEntry): number {
    const i = this.#lowerBound(e);
    if (this.#sorted[i]?.info.key !== e.info.key) throw new Error(`model: ${e.info.key} not in sorted index`);
    return i;
  }

  #insertSorted(e: ServicePortEntry): void {
    this.#sorted.splice(this.#lowerBound(e), 0, e);
  }

  /** All service ports as of the last sync, in (ServicePortName, protocol) order. Do not mutate. */
  servicePorts(): readonly ServicePortEntry[] {
    return this.#sorted;
  }

  /** One service port by its key (`ns/name:port/PROTO`). */
  get(key: string): ServicePortEntry | undefined {
    return this.#ports.get(key);
  }

  /** The service ports of one Service (`ns/name`), in spec order. */
  servicePortsOf(service: string): ServicePortEntry[] {
    return (this.#portsByService.get(service) ?? []).map((k) => this.#ports.get(k)!);
  }

  /** Sum of endpoints over all service ports (kube-proxy's large-cluster-mode input). */
  get totalEndpoints(): number {
    return this.#totalEndpoints;
  }

  /** Increases whenever any service port changes. */
  get version(): number {
    return this.#version;
  }

  /** The version before the last sync: a reader at this version may apply just that sync's names. */
  get lastSyncBaseVersion(): number {
    return this.#lastSyncBase;
  }

  /** Changes recorded and not yet synced. */
  get pending(): number {
    return this.#tracker.pending;
  }

  /** The applied Service objects' keys (`ns/name`), for diagnostics and tests. */
  serviceKeys(): string[] {
    return [...this.#services.keys()].sort();
  }

  /** Builds a synced model from a full list of objects. */
  static fromObjects(objects: Iterable<KubeObject>, options?: ServicePortOptions, hooks: ((entry: ServicePortEntry) => void)[] = []): ServiceProxyModel {
    const m = new ServiceProxyModel(options);
    for (const h of hooks) m.addEntryHook(h);
    for (const o of objects) m.apply({ type: 'ADDED', object: o });
    m.sync();
    return m;
  }
}

export { serviceKey, sliceId };
