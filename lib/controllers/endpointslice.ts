// The EndpointSlice controller (k8s.io/endpointslice reconciler.go, utils.go): for every
// Service with a selector, slices per address family of at most 100 endpoints, grouped by the
// ports their pods resolve (pods disagreeing on a named port land in different slices). It
// reconciles as upstream does: existing slices keep the endpoints still wanted (updated in
// place), slices being updated are filled first, then the unchanged slice that fits best,
// then new ones; an empty Service keeps one placeholder slice. Services without a selector
// are left to their users.
import { objectKey } from '../api/meta.js';
import type { Endpoint, EndpointSlice, EndpointSlicePort, Node, Pod, Service, ServicePort } from '../api/types.js';
import { ensureIndexer } from './controllerref.js';
import { ZONE_LABEL } from '../kubelet/node.js';
import { isPodReady, isPodTerminal } from '../kubelet/podstatus.js';
import type { Controller, ControllerContext, ReconcileResult } from '../reconcile/controller.js';
import { WorkQueue } from '../reconcile/workqueue.js';
import { ServiceSelectorIndex } from '../scheduler/serviceindex.js';
import type { Informer } from '../store/informer.js';

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
export const HEADLESS_LABEL = 'service.kubernetes.io/headless';
export const ENDPOINTSLICE_CONTROLLER_NAME = 'endpointslice-controller.k8s.io';
/** --max-endpoints-per-slice default. */
export const MAX_ENDPOINTS_PER_SLICE = 100;
const SLICES_BY_SERVICE_INDEX = 'netsim/endpointslices-by-service';

type AddressType = 'IPv4' | 'IPv6';

// ---- shared with the Endpoints controller (upstream's endpointslice util) ----

/** ShouldPodBeInEndpoints: not terminal, has an IP, and not terminating unless those are included. */
export function shouldPodBeInEndpoints(pod: Pod, includeTerminating: boolean): boolean {
  if (isPodTerminal(pod)) return false;
  if (!pod.status?.podIP && !pod.status?.podIPs?.length) return false;
  if (!includeTerminating && pod.metadata.deletionTimestamp) return false;
  return true;
}

/** ShouldSetHostname: the pod has a hostname and its subdomain names the Service (same namespace). */
export function shouldSetHostname(pod: Pod, svc: Service): boolean {
  return !!pod.spec.hostname && pod.spec.subdomain === svc.metadata.name && (pod.metadata.namespace ?? 'default') === (svc.metadata.namespace ?? 'default');
}

/** FindPort: a numeric targetPort as is; a named one looked up in the pod's containers (and sidecars) by name and protocol. */
export function findPort(pod: Pod, sp: ServicePort): number | undefined {
  const target = sp.targetPort ?? sp.port;
  const proto = sp.protocol ?? 'TCP';
  if (typeof target === 'number') return target;
  if (/^\d+$/.test(target)) return Number(target);
  for (const c of pod.spec.containers) {
    for (const p of c.ports ?? []) if (p.name === target && (p.protocol ?? 'TCP') === proto) return p.containerPort;
  }
  for (const c of pod.spec.initContainers ?? []) {
    if ((c as { restartPolicy?: string }).restartPolicy !== 'Always') continue;
    for (const p of c.ports ?? []) if (p.name === target && (p.protocol ?? 'TCP') === proto) return p.containerPort;
  }
  return undefined;
}

/** isServiceIPSet: a cluster IP that is neither empty nor None. */
export function isServiceIPSet(svc: Service): boolean {
  return !!svc.spec.clusterIP && svc.spec.clusterIP !== 'None';
}

/** Whether a pod change can change its endpoint (podEndpointsChanged), besides label changes. */
export function podEndpointsChanged(o: Pod, n: Pod): boolean {
  if (o.metadata.deletionTimestamp !== n.metadata.deletionTimestamp) return true;
  if (isPodReady(o) !== isPodReady(n)) return true;
  if (isPodTerminal(o) !== isPodTerminal(n)) return true;
  const a = o.status?.podIPs ?? [];
  const b = n.status?.podIPs ?? [];
  if (a.length !== b.length || (o.status?.podIP ?? '') !== (n.status?.podIP ?? '')) return true;
  for (let i = 0; i < a.length; i++) if (a[i]!.ip !== b[i]!.ip) return true;
  return o.spec.nodeName !== n.spec.nodeName || o.spec.hostname !== n.spec.hostname || o.spec.subdomain !== n.spec.subdomain;
}

function sameLabels(a: Readonly<Record<string, string>> | undefined, b: Readonly<Record<string, string>> | undefined): boolean {
  const ka = Object.keys(a ?? {});
  if (ka.length !== Object.keys(b ?? {}).length) return false;
  for (const k of ka) if (a![k] !== b?.[k]) return false;
  return true;
}

/**
 * Service membership kept from informer events: which pods each Service selects (the
 * selector index finds the Services of a pod), so a pod change costs work for its own
 * Services only and a sync never lists the namespace.
 */
export class ServiceMembership {
  readonly index = new ServiceSelectorIndex();
  readonly #members = new Map<string, Map<string, Pod>>();
  /** The Services of a labels object (pod versions share it), while the index is unchanged. */
  readonly #byLabels = new WeakMap<object, { version: number; keys: string[] }>();

  #servicesFor(ns: string, labels: Readonly<Record<string, string>> | undefined): string[] {
    if (!labels) return [];
    const hit = this.#byLabels.get(labels);
    if (hit && hit.version === this.index.version) return hit.keys;
    // A right-sized copy: a pushed-to array keeps 17 slots, and one is cached per pod.
    const keys = this.index.servicesFor(ns, labels).slice();
    this.#byLabels.set(labels, { version: this.index.version, keys });
    return keys;
  }

  constructor(private readonly pods: Informer<Pod>) {}

  /** The pods a Service selects, in the order they joined. */
  members(svcKey: string): ReadonlyMap<string, Pod> {
    return this.#members.get(svcKey) ?? new Map();
  }

  /** A Service was added or changed: re-index, and re-list its pods if the selector changed. Returns whether it did. */
  upsertService(svc: Service): boolean {
    const key = objectKey(svc);
    const before = this.index.selector(key);
    this.index.upsert(svc);
    const after = this.index.selector(key);
    if (before && after && sameLabels(before, after) && this.#members.has(key)) return false;
    const m = new Map<string, Pod>();
    if (after) {
      for (const p of this.pods.lister.list(svc.metadata.namespace)) {
        if (matches(after, p.metadata.labels)) m.set(objectKey(p), p);
      }
    }
    this.#members.set(key, m);
    return true;
  }

  removeService(key: string): void {
    this.index.remove(key);
    this.#members.delete(key);
  }

  /** Records the pod's new state; returns the Services it left and the ones it belongs to now. */
  updatePod(old: Pod | undefined, pod: Pod | undefined): { left: string[]; current: string[] } {
    const p = pod ?? old!;
    const ns = p.metadata.namespace ?? 'default';
    const key = objectKey(p);
    const now = pod ? this.#servicesFor(ns, pod.metadata.labels) : [];
    let left: string[] = [];
    // Status writes keep the labels object: membership cannot have changed.
    if (old && (!pod || old.metadata.labels !== pod.metadata.labels)) {
      const nowSet = new Set(now);
      left = this.#servicesFor(ns, old.metadata.labels).filter((s) => !nowSet.has(s));
      for (const s of left) this.#members.get(s)?.delete(key);
    }
    for (const s of now) {
      let m = this.#members.get(s);
      if (!m) this.#members.set(s, (m = new Map()));
      m.set(key, pod!);
    }
    return { left, current: now };
  }
}

function matches(sel: Readonly<Record<string, string>>, labels: Readonly<Record<string, string>> | undefined): boolean {
  if (!labels) return false;
  for (const k in sel) if (labels[k] !== sel[k]) return false;
  return true;
}

// ---- desired endpoints ----

interface DesiredEndpoint {
  key: string;
  endpoint: Endpoint;
  ports: EndpointSlicePort[];
  portKey: string;
}

/** The address families a Service's slices use (getAddressTypesForService). */
export function addressTypesFor(svc: Service): AddressType[] {
  const fams = svc.spec.ipFamilies ?? [];
  if (fams.length) return [...new Set(fams)].sort() as AddressType[];
  if (isServiceIPSet(svc)) return [svc.spec.clusterIP!.includes(':') ? 'IPv6' : 'IPv4'];
  return ['IPv4', 'IPv6'];
}

/** getEndpointPorts: the Service ports this pod serves (named ports it lacks are left out). */
function endpointPorts(svc: Service, pod: Pod): EndpointSlicePort[] {
  const out: EndpointSlicePort[] = [];
  const ports = svc.spec.ports ?? [];
  if (ports.length === 0 && svc.spec.clusterIP === 'None') return out;
  for (const sp of ports) {
    const n = findPort(pod, sp);
    if (n === undefined) continue;
    const ep: EndpointSlicePort = { name: sp.name ?? '', port: n, protocol: sp.protocol ?? 'TCP' };
    if (sp.appProtocol) ep.appProtocol = sp.appProtocol;
    out.push(ep);
  }
  return out.slice();
}

/** NewPortMapKey: ports compared as a set. */
function portMapKey(ports: readonly EndpointSlicePort[] | undefined): string {
  return (ports ?? []).map((p) => `${p.name ?? ''}/${p.protocol ?? ''}/${p.port ?? ''}/${p.appProtocol ?? ''}`).sort().join(',');
}

/** The endpoint's identity in the slices (hashEndpoint): pod reference, addresses, hostname. */
function endpointKey(ep: Endpoint): string {
  const ref = ep.targetRef;
  return `${ref?.namespace ?? ''}/${ref?.name ?? ''}|${[...ep.addresses].sort().join(',')}|${ep.hostname ?? ''}`;
}

/** EndpointsEqualBeyondHash: conditions, node, zone, hints and pod reference. */
function endpointsEqual(a: Endpoint, b: Endpoint): boolean {
  if (a === b) return true;
  const ca = a.conditions ?? {};
  const cb = b.conditions ?? {};
  return ca.ready === cb.ready && ca.serving === cb.serving && ca.terminating === cb.terminating &&
    a.nodeName === b.nodeName && a.zone === b.zone && JSON.stringify(a.hints) === JSON.stringify(b.hints) &&
    a.targetRef?.kind === b.targetRef?.kind && a.targetRef?.namespace === b.targetRef?.namespace &&
    a.targetRef?.name === b.targetRef?.name && a.targetRef?.uid === b.targetRef?.uid;
}

/** podToEndpoint for one address family; undefined when the pod has no address of that family. */
function podToEndpoint(pod: Pod, node: Node | undefined, svc: Service, at: AddressType): Endpoint | undefined {
  const addresses: string[] = [];
  const ips = pod.status?.podIPs?.length ? pod.status.podIPs.map((x) => x.ip) : pod.status?.podIP ? [pod.status.podIP] : [];
  for (const ip of ips) if (ip.includes(':') === (at === 'IPv6')) addresses.push(ip);
  if (addresses.length === 0) return undefined;
  const serving = isPodReady(pod);
  const terminating = !!pod.metadata.deletionTimestamp;
  // A terminating pod is never "ready" unless the Service publishes not-ready addresses.
  const ready = svc.spec.publishNotReadyAddresses === true || (serving && !terminating);
  const ep: Endpoint = { addresses: addresses.slice(), conditions: { ready, serving, terminating } };
  if (shouldSetHostname(pod, svc)) ep.hostname = pod.spec.hostname;
  ep.targetRef = { kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid };
  if (pod.spec.nodeName) ep.nodeName = pod.spec.nodeName;
  const zone = node?.metadata.labels?.[ZONE_LABEL];
  if (zone) ep.zone = zone;
  return ep;
}

const emptyList = (a: readonly unknown[] | undefined) => !a || a.length === 0;

/** EndpointSlices of Services with selectors, keyed by Service. */
export class EndpointSliceController implements Controller {
  readonly name = 'endpointslice-controller';
  readonly queue: WorkQueue;
  readonly maxEndpointsPerSlice: number;
  readonly membership: ServiceMembership;
  readonly #services: Informer<Service>;
  readonly #pods: Informer<Pod>;
  readonly #nodes: Informer<Node>;
  readonly #slices: Informer<EndpointSlice>;
  /** resourceVersions of the slices this controller wrote (its endpointSliceTracker). */
  readonly #written = new Map<string, string>();
  /** The endpoint last computed for a pod version, with the Service version and zone it was for. */
  readonly #endpointCache = new WeakMap<Pod, { svc: Service; at: AddressType; zone: string; d: DesiredEndpoint | null }>();

  constructor(private readonly ctx: ControllerContext, opts: { maxEndpointsPerSlice?: number } = {}) {
    this.maxEndpointsPerSlice = opts.maxEndpointsPerSlice ?? MAX_ENDPOINTS_PER_SLICE;
    this.queue = new WorkQueue(this.name, ctx.timers);
    this.#services = ctx.informers.for<Service>('Service');
    this.#pods = ctx.informers.for<Pod>('Pod');
    this.#nodes = ctx.informers.for<Node>('Node');
    this.#slices = ctx.informers.for<EndpointSlice>('EndpointSlice');
    this.membership = new ServiceMembership(this.#pods);
    ensureIndexer(this.#slices, SLICES_BY_SERVICE_INDEX, (s) => {
      const svc = s.metadata.labels?.[SERVICE_NAME_LABEL];
      return svc && s.metadata.labels?.[MANAGED_BY_LABEL] === ENDPOINTSLICE_CONTROLLER_NAME ? [`${s.metadata.namespace}/${svc}`] : [];
    });

    this.#services.on('add', (s) => {
      this.membership.upsertService(s);
      this.queue.add(objectKey(s));
    });
    this.#services.on('update', (_o, s) => {
      this.membership.upsertService(s);
      this.queue.add(objectKey(s));
    });
    this.#services.on('delete', (s) => {
      this.membership.removeService(objectKey(s));
      this.queue.add(objectKey(s));
    });
    this.#pods.on('add', (p) => {
      for (const s of this.membership.updatePod(undefined, p).current) this.queue.add(s);
    });
    this.#pods.on('update', (o, p) => {
      const { left, current } = this.membership.updatePod(o, p);
      const labelsChanged = !sameLabels(o.metadata.labels, p.metadata.labels);
      for (const s of left) this.queue.add(s);
      if (labelsChanged || podEndpointsChanged(o, p)) for (const s of current) this.queue.add(s);
    });
    this.#pods.on('delete', (p) => {
      for (const s of this.membership.updatePod(p, undefined).left) this.queue.add(s);
    });
    const sliceChanged = (s: EndpointSlice) => {
      if (s.metadata.labels?.[MANAGED_BY_LABEL] !== ENDPOINTSLICE_CONTROLLER_NAME) return;
      const svc = s.metadata.labels?.[SERVICE_NAME_LABEL];
      if (!svc) return;
      // Our own writes come back as events; only someone else's change needs a sync.
      if (this.#written.get(objectKey(s)) === s.metadata.resourceVersion) return;
      this.queue.add(`${s.metadata.namespace}/${svc}`);
    };
    this.#slices.on('add', sliceChanged);
    this.#slices.on('update', (_o, s) => sliceChanged(s));
    this.#slices.on('delete', (s) => {
      this.#written.delete(objectKey(s));
      const svc = s.metadata.labels?.[SERVICE_NAME_LABEL];
      if (svc && s.metadata.labels?.[MANAGED_BY_LABEL] === ENDPOINTSLICE_CONTROLLER_NAME) this.queue.add(`${s.metadata.namespace}/${svc}`);
    });
  }

  async reconcile(key: string): Promise<ReconcileResult | undefined> {
    const slash = key.indexOf('/');
    const svc = this.#services.lister.get(key.slice(0, slash), key.slice(slash + 1));
    // A deleted Service's slices go with it through their owner reference (garbage collector).
    if (!svc) return;
    if (svc.spec.type === 'ExternalName' || !svc.spec.selector || Object.keys(svc.spec.selector).length === 0) return;
    const types = addressTypesFor(svc);
    const existing = this.#slices.byIndex(SLICES_BY_SERVICE_INDEX, key);
    const byType = new Map<string, EndpointSlice[]>();
    const unsupported: EndpointSlice[] = [];
    for (const s of existing) {
      if (!types.includes(s.addressType as AddressType)) unsupported.push(s);
      else {
        let l = byType.get(s.addressType);
        if (!l) byType.set(s.addressType, (l = []));
        l.push(s);
      }
    }
    for (const at of types) await this.#reconcileByAddressType(svc, byType.get(at) ?? [], at);
    for (const s of unsupported) await this.#delete(s);
  }

  /** The desired endpoints of one family, grouped by port set, in membership order. */
  #desired(svc: Service, at: AddressType): Map<string, { ports: EndpointSlicePort[]; endpoints: Map<string, Endpoint> }> {
    const out = new Map<string, { ports: EndpointSlicePort[]; endpoints: Map<string, Endpoint> }>();
    for (const pod of this.membership.members(objectKey(svc)).values()) {
      if (!shouldPodBeInEndpoints(pod, true)) continue;
      const node = pod.spec.nodeName ? this.#nodes.lister.get(undefined, pod.spec.nodeName) : undefined;
      // The endpoint depends on the pod, the Service (a stored object: one per version) and the
      // node's zone: cached per version of each, compared without building a key per pod.
      const zone = node ? (node.metadata.labels?.[ZONE_LABEL] ?? '') : '\u0000';
      const hit = this.#endpointCache.get(pod);
      let d: DesiredEndpoint | null;
      if (hit && hit.svc === svc && hit.at === at && hit.zone === zone) d = hit.d;
      else {
        // A pod on a node that does not exist is skipped unless not-ready addresses are published.
        const ep = !node && !svc.spec.publishNotReadyAddresses ? undefined : podToEndpoint(pod, node, svc, at);
        if (ep) {
          const ports = endpointPorts(svc, pod);
          d = { key: endpointKey(ep), endpoint: ep, ports, portKey: portMapKey(ports) };
        } else d = null;
        this.#endpointCache.set(pod, { svc, at, zone, d });
      }
      if (!d) continue;
      let g = out.get(d.portKey);
      if (!g) out.set(d.portKey, (g = { ports: d.ports, endpoints: new Map() }));
      g.endpoints.set(d.key, d.endpoint);
    }
    return out;
  }

  async #reconcileByAddressType(svc: Service, existing: EndpointSlice[], at: AddressType): Promise<void> {
    const toCreate: EndpointSlice[] = [];
    const toUpdate: EndpointSlice[] = [];
    const toDelete: EndpointSlice[] = [];
    const existingByPorts = new Map<string, EndpointSlice[]>();
    for (const s of existing) {
      if (!s.metadata.ownerReferences?.some((o) => o.uid === svc.metadata.uid && o.kind === 'Service' && o.apiVersion === 'v1')) {
        toDelete.push(s);
        continue;
      }
      const k = portMapKey(s.ports);
      let l = existingByPorts.get(k);
      if (!l) existingByPorts.set(k, (l = []));
      l.push(s);
    }
    const desired = this.#desired(svc, at);
    for (const [pk, d] of desired) {
      const r = this.#reconcileByPortMapping(svc, existingByPorts.get(pk) ?? [], d.endpoints, d.ports, at);
      toCreate.push(...r.create);
      toUpdate.push(...r.update);
      toDelete.push(...r.remove);
    }
    for (const [pk, slices] of existingByPorts) if (!desired.has(pk)) toDelete.push(...slices);
    // An empty Service keeps one placeholder slice (no ports, no endpoints).
    if (existing.length === toDelete.length && toCreate.length === 0) {
      const placeholder = this.#newSlice(svc, [], at);
      if (toDelete.length === 1 && this.#isPlaceholder(toDelete[0]!, placeholder)) toDelete.length = 0;
      else toCreate.push(placeholder);
    }
    await this.#finalize(svc, toCreate, toUpdate, toDelete);
  }

  #isPlaceholder(s: EndpointSlice, p: EndpointSlice): boolean {
    return s.metadata.namespace === p.metadata.namespace && sameLabels(s.metadata.labels, p.metadata.labels) &&
      s.addressType === p.addressType && emptyList(s.endpoints) && emptyList(s.ports) &&
      JSON.stringify(s.metadata.ownerReferences) === JSON.stringify(p.metadata.ownerReferences);
  }

  /** reconcileByPortMapping, steps 1-3 of upstream's reconciler. */
  #reconcileByPortMapping(svc: Service, existing: EndpointSlice[], desired: Map<string, Endpoint>, ports: EndpointSlicePort[], at: AddressType) {
    const max = this.maxEndpointsPerSlice;
    const byName = new Map<string, EndpointSlice>();
    const unchanged: string[] = [];
    const updating: string[] = [];
    const deleting: string[] = [];
    const wantLabels = this.#labels(svc);
    // 1. Keep the endpoints still wanted (updated where they changed), drop the rest.
    for (const s of existing) {
      const name = s.metadata.name!;
      byName.set(name, s);
      const kept: Endpoint[] = [];
      let changed = false;
      for (const ep of s.endpoints ?? []) {
        const k = endpointKey(ep);
        const want = desired.get(k);
        if (!want) continue;
        kept.push(want);
        if (!endpointsEqual(want, ep)) changed = true;
        desired.delete(k);
      }
      const labelsChanged = !sameLabels(s.metadata.labels, wantLabels);
      if (changed || kept.length !== (s.endpoints ?? []).length) {
        if (kept.length === 0) deleting.push(name);
        else {
          byName.set(name, { ...s, metadata: { ...s.metadata, labels: wantLabels }, endpoints: kept });
          updating.push(name);
        }
      } else if (labelsChanged) {
        byName.set(name, { ...s, metadata: { ...s.metadata, labels: wantLabels } });
        updating.push(name);
      } else unchanged.push(name);
    }
    const remaining = desired.values();
    let left = desired.size;
    const pop = (): Endpoint => {
      left--;
      return remaining.next().value!;
    };
    // 2. Fill the slices being updated, fullest first.
    if (left > 0 && updating.length) {
      const order = updating.map((n) => byName.get(n)!).sort((a, b) => b.endpoints.length - a.endpoints.length);
      for (const s of order) {
        const eps = [...s.endpoints];
        while (left > 0 && eps.length < max) eps.push(pop());
        byName.set(s.metadata.name!, { ...s, endpoints: eps });
      }
    }
    // 3. Then the unchanged slice that ends up closest to full, else new slices.
    const create: EndpointSlice[] = [];
    while (left > 0) {
      let fill: EndpointSlice | undefined;
      if (left < max && unchanged.length) fill = sliceToFill(unchanged.map((n) => byName.get(n)!), left, max);
      if (!fill) fill = this.#newSlice(svc, ports, at);
      const eps = [...fill.endpoints];
      while (left > 0 && eps.length < max) eps.push(pop());
      if (fill.metadata.name) {
        const name = fill.metadata.name;
        byName.set(name, { ...fill, endpoints: eps });
        updating.push(name);
        unchanged.splice(unchanged.indexOf(name), 1);
      } else create.push({ ...fill, endpoints: eps });
    }
    return {
      create,
      update: updating.map((n) => byName.get(n)!),
      remove: deleting.map((n) => byName.get(n)!),
    };
  }

  /** Service labels (reserved ones excluded) plus the headless, service-name and managed-by labels. */
  #labels(svc: Service): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(svc.metadata.labels ?? {})) {
      if (k === SERVICE_NAME_LABEL || k === MANAGED_BY_LABEL || k === HEADLESS_LABEL) continue;
      out[k] = v;
    }
    if (!isServiceIPSet(svc)) out[HEADLESS_LABEL] = '';
    out[SERVICE_NAME_LABEL] = svc.metadata.name!;
    out[MANAGED_BY_LABEL] = ENDPOINTSLICE_CONTROLLER_NAME;
    return out;
  }

  #newSlice(svc: Service, ports: EndpointSlicePort[], at: AddressType): EndpointSlice {
    return {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        generateName: `${svc.metadata.name}-`,
        namespace: svc.metadata.namespace,
        labels: this.#labels(svc),
        ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: svc.metadata.name!, uid: svc.metadata.uid!, controller: true, blockOwnerDeletion: true }],
      },
      addressType: at,
      endpoints: [],
      ports: ports.map((p) => ({ ...p })),
    };
  }

  /** finalize: creates that can reuse a slice being deleted become updates; then create, update, delete. */
  async #finalize(svc: Service, create: EndpointSlice[], update: EndpointSlice[], remove: EndpointSlice[]): Promise<void> {
    for (let i = 0; i < remove.length && create.length > 0;) {
      const gone = remove[i]!;
      const fresh = create[create.length - 1]!;
      if (gone.addressType === fresh.addressType && gone.metadata.ownerReferences?.some((o) => o.uid === svc.metadata.uid)) {
        create.pop();
        update.push({ ...fresh, metadata: { ...gone.metadata, labels: fresh.metadata.labels, ownerReferences: fresh.metadata.ownerReferences } });
        remove.splice(i, 1);
      } else i++;
    }
    for (const s of create) this.#track(await this.ctx.store.create<EndpointSlice>(s));
    for (const s of update) this.#track(await this.ctx.store.update<EndpointSlice>(s));
    for (const s of remove) await this.#delete(s);
  }

  #track(s: EndpointSlice): void {
    this.#written.set(objectKey(s), s.metadata.resourceVersion!);
  }

  async #delete(s: EndpointSlice): Promise<void> {
    this.#written.delete(objectKey(s));
    try {
      await this.ctx.store.delete('EndpointSlice', s.metadata.namespace, s.metadata.name!);
    } catch {
      // Already gone.
    }
  }
}

/** getSliceToFill: the slice closest to full that still fits `count` more endpoints. */
function sliceToFill(slices: readonly EndpointSlice[], count: number, max: number): EndpointSlice | undefined {
  let closest = max;
  let best: EndpointSlice | undefined;
  for (const s of slices) {
    const diff = max - (count + s.endpoints.length);
    if (diff >= 0 && diff < closest) {
      closest = diff;
      best = s;
      if (closest === 0) return best;
    }
  }
  return best;
}
