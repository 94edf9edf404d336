// The legacy Endpoints controller (pkg/controller/endpoint): one Endpoints object per Service
// with a selector, named like it, its subsets repacked as RepackSubsets does (addresses that
// offer the same ports share a subset; ready and not-ready addresses apart), addresses sorted
// by IP then UID, and at most 1000 addresses, marked `endpoints.kubernetes.io/over-capacity:
// truncated` when cut. Ports and subsets are ordered by name/port/protocol where upstream
// orders them by a hash.
import { objectKey } from '../api/meta.js';
import type { EndpointAddress, EndpointPort, EndpointSubset, Endpoints, Pod, Service } from '../api/types.js';
import { isPodReady } from '../kubelet/podstatus.js';
import type { Controller, ControllerContext, ReconcileResult } from '../reconcile/controller.js';
import { WorkQueue } from '../reconcile/workqueue.js';
import type { Informer } from '../store/informer.js';
import { deepEqual } from '../store/memory.js';
import {
  HEADLESS_LABEL,
  ServiceMembership,
  findPort,
  isServiceIPSet,
  podEndpointsChanged,
  shouldPodBeInEndpoints,
  shouldSetHostname,
} from './endpointslice.js';

/** maxCapacity of the Endpoints controller. */
export const MAX_ENDPOINTS_CAPACITY = 1000;
export const OVER_CAPACITY_ANNOTATION = 'endpoints.kubernetes.io/over-capacity';
export const ENDPOINTS_CONTROLLER_COMPONENT = 'endpoint-controller';

/** One pod's contribution to a Service's Endpoints. */
interface Entry {
  pod: Pod;
  fingerprint: string;
  address: EndpointAddress;
  /** Sort key: IP bytes then UID (LessEndpointAddress). */
  sortKey: string;
  ready: boolean;
  /** The ports it offers; null = a headless Service without ports. */
  ports: EndpointPort[] | null;
}

/** Per Service: entries by pod key and the same entries kept sorted. */
interface ServiceState {
  entries: Map<string, Entry>;
  sorted: Entry[];
}

const portKey = (p: EndpointPort) => `${p.name ?? ''}\u0000${p.port}\u0000${p.protocol ?? ''}\u0000${p.appProtocol ?? ''}`;
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function lowerBound(arr: readonly Entry[], key: string): number {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (arr[mid]!.sortKey < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** podToEndpointAddressForService: the pod IP of the Service's (first) family. */
function endpointIP(svc: Service, pod: Pod): string | undefined {
  let v6: boolean;
  if (svc.spec.ipFamilies?.length) v6 = svc.spec.ipFamilies[0] === 'IPv6';
  else if (isServiceIPSet(svc)) v6 = svc.spec.clusterIP!.includes(':');
  else v6 = (pod.status?.podIP ?? '').includes(':');
  const ips = pod.status?.podIPs?.length ? pod.status.podIPs.map((x) => x.ip) : pod.status?.podIP ? [pod.status.podIP] : [];
  return ips.find((ip) => ip.includes(':') === v6);
}

/** RepackSubsets: ports grouped by the exact set of (address, ready) offering them. */
export function repackSubsets(sorted: readonly Entry[]): EndpointSubset[] {
  const portByKey = new Map<string, EndpointPort | null>();
  const offering = new Map<string, number[]>();
  sorted.forEach((e, i) => {
    const list = e.ports === null ? [null] : e.ports;
    for (const p of list) {
      const k = p === null ? '\u0000sentinel' : portKey(p);
      if (!portByKey.has(k)) portByKey.set(k, p);
      let l = offering.get(k);
      if (!l) offering.set(k, (l = []));
      l.push(i);
    }
  });
  const groups = new Map<string, { members: number[]; ports: EndpointPort[] }>();
  for (const [k, members] of offering) {
    const sig = members.join(',');
    let g = groups.get(sig);
    if (!g) groups.set(sig, (g = { members, ports: [] }));
    const p = portByKey.get(k);
    if (p) g.ports.push(p);
  }
  const subsets: EndpointSubset[] = [];
  for (const g of groups.values()) {
    const ready: EndpointAddress[] = [];
    const notReady: EndpointAddress[] = [];
    for (const i of g.members) (sorted[i]!.ready ? ready : notReady).push(sorted[i]!.address);
    const s: EndpointSubset = {};
    if (ready.length) s.addresses = ready;
    if (notReady.length) s.notReadyAddresses = notReady;
    if (g.ports.length) s.ports = g.ports.sort((a, b) => cmp(portKey(a), portKey(b)));
    subsets.push(s);
  }
  const first = (s: EndpointSubset) => (s.ports?.[0] ? portKey(s.ports[0]) : '');
  return subsets.sort((a, b) => cmp(first(a), first(b)) || cmp((a.addresses ?? a.notReadyAddresses)![0]!.ip, (b.addresses ?? b.notReadyAddresses)![0]!.ip));
}

/** truncateEndpoints: cut to 1000 addresses, ready ones first, spread over subsets by proportion. Returns whether it cut. */
export function truncateEndpoints(subsets: EndpointSubset[]): boolean {
  let totalReady = 0;
  let totalNotReady = 0;
  for (const s of subsets) {
    totalReady += s.addresses?.length ?? 0;
    totalNotReady += s.notReadyAddresses?.length ?? 0;
  }
  if (totalReady + totalNotReady <= MAX_ENDPOINTS_CAPACITY) return false;
  const truncateReady = totalReady > MAX_ENDPOINTS_CAPACITY;
  const max = truncateReady ? MAX_ENDPOINTS_CAPACITY : MAX_ENDPOINTS_CAPACITY - totalReady;
  const numTotal = truncateReady ? totalReady : totalNotReady;
  let canBeAdded = max;
  for (const s of subsets) {
    const inSubset = truncateReady ? (s.addresses?.length ?? 0) : (s.notReadyAddresses?.length ?? 0);
    let toBeAdded = Math.ceil((inSubset / numTotal) * max);
    if (toBeAdded > canBeAdded) toBeAdded = canBeAdded;
    if (truncateReady) {
      if (s.addresses) s.addresses = s.addresses.slice(0, toBeAdded);
      s.notReadyAddresses = undefined;
      canBeAdded -= s.addresses?.length ?? 0;
    } else {
      if (s.notReadyAddresses) s.notReadyAddresses = s.notReadyAddresses.slice(0, toBeAdded);
      canBeAdded -= s.notReadyAddresses?.length ?? 0;
    }
  }
  return true;
}

/** Endpoints objects of Services with selectors, keyed by Service. */
export class EndpointsController implements Controller {
  readonly name = 'endpoint-controller';
  readonly queue: WorkQueue;
  readonly membership: ServiceMembership;
  readonly #services: Informer<Service>;
  readonly #pods: Informer<Pod>;
  readonly #endpoints: Informer<Endpoints>;
  readonly #state = new Map<string, ServiceState>();

  constructor(private readonly ctx: ControllerContext) {
    this.queue = new WorkQueue(this.name, ctx.timers);
    this.#services = ctx.informers.for<Service>('Service');
    this.#pods = ctx.informers.for<Pod>('Pod');
    this.#endpoints = ctx.informers.for<Endpoints>('Endpoints');
    this.membership = new ServiceMembership(this.#pods);
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
      for (const s of left) this.queue.add(s);
      if (!deepEqual(o.metadata.labels, p.metadata.labels) || podEndpointsChanged(o, p)) for (const s of current) this.queue.add(s);
    });
    this.#pods.on('delete', (p) => {
      for (const s of this.membership.updatePod(p, undefined).left) this.queue.add(s);
    });
    this.#endpoints.on('delete', (e) => this.queue.add(objectKey(e)));
  }

  async reconcile(key: string): Promise<ReconcileResult | undefined> {
    const slash = key.indexOf('/');
    const ns = key.slice(0, slash);
    const name = key.slice(slash + 1);
    const svc = this.#services.lister.get(ns, name);
    if (!svc) {
      this.#state.delete(key);
      // The Service is gone: so is its Endpoints object.
      if (this.#endpoints.lister.get(ns, name)) {
        try {
          await this.ctx.store.delete('Endpoints', ns, name);
        } catch {
          // Already gone.
        }
      }
      return;
    }
    if (svc.spec.type === 'ExternalName' || !svc.spec.selector || Object.keys(svc.spec.selector).length === 0) {
      this.#state.delete(key);
      return;
    }
    const state = this.#sync(key, svc);
    const subsets = repackSubsets(state.sorted).map((s) => ({ ...s }));
    const current = this.#endpoints.lister.get(ns, name);
    const labels: Record<string, string> = {};
    for (const [k, v] of Object.entries(svc.metadata.labels ?? {})) if (k !== HEADLESS_LABEL) labels[k] = v;
    if (!isServiceIPSet(svc)) labels[HEADLESS_LABEL] = '';
    const truncated = truncateEndpoints(subsets);
    const annotations: Record<string, string> = {};
    for (const [k, v] of Object.entries(current?.metadata.annotations ?? {})) if (k !== OVER_CAPACITY_ANNOTATION) annotations[k] = v;
    if (truncated) annotations[OVER_CAPACITY_ANNOTATION] = 'truncated';
    const meta = { ...(current?.metadata ?? {}), name, namespace: ns, labels } as Endpoints['metadata'];
    const next: Endpoints = { apiVersion: 'v1', kind: 'Endpoints', metadata: meta };
    if (Object.keys(annotations).length) meta.annotations = annotations;
    else if (meta.annotations) meta.annotations = undefined;
    if (subsets.length) next.subsets = subsets;
    if (current && deepEqual(current.subsets ?? [], next.subsets ?? []) && deepEqual(current.metadata.labels ?? {}, labels) &&
      deepEqual(current.metadata.annotations ?? {}, annotations)) return;
    if (current) await this.ctx.store.update<Endpoints>(next);
    else await this.ctx.store.create<Endpoints>(next);
  }

  /** Brings the Service's sorted entries up to date with its members. */
  #sync(key: string, svc: Service): ServiceState {
    let state = this.#state.get(key);
    if (!state) this.#state.set(key, (state = { entries: new Map(), sorted: [] }));
    const fp = `${svc.metadata.uid}/${svc.metadata.resourceVersion}`;
    const tolerateUnready = svc.spec.publishNotReadyAddresses === true;
    const seen = new Set<string>();
    for (const [podKey, pod] of this.membership.members(key)) {
      const old = state.entries.get(podKey);
      if (old && old.pod === pod && old.fingerprint === fp) {
        seen.add(podKey);
        continue;
      }
      const fresh = shouldPodBeInEndpoints(pod, tolerateUnready) ? this.#entry(svc, pod, fp, tolerateUnready) : undefined;
      if (old) this.#remove(state, podKey, old);
      if (fresh) {
        state.entries.set(podKey, fresh);
        state.sorted.splice(lowerBound(state.sorted, fresh.sortKey), 0, fresh);
        seen.add(podKey);
      }
    }
    for (const [podKey, e] of state.entries) if (!seen.has(podKey)) this.#remove(state, podKey, e);
    return state;
  }

  #remove(state: ServiceState, podKey: string, e: Entry): void {
    state.entries.delete(podKey);
    let i = lowerBound(state.sorted, e.sortKey);
    while (state.sorted[i] !== e) i++;
    state.sorted.splice(i, 1);
  }

  #entry(svc: Service, pod: Pod, fingerprint: string, tolerateUnready: boolean): Entry | undefined {
    const ip = endpointIP(svc, pod);
    if (!ip) return undefined;
    const address: EndpointAddress = { ip };
    if (shouldSetHostname(pod, svc)) address.hostname = pod.spec.hostname;
    address.nodeName = pod.spec.nodeName ?? '';
    address.targetRef = { kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid };
    let ports: EndpointPort[] | null;
    const svcPorts = svc.spec.ports ?? [];
    if (svcPorts.length === 0) {
      // Only a headless Service may go without ports.
      if (svc.spec.clusterIP !== 'None') return undefined;
      ports = null;
    } else {
      ports = [];
      for (const sp of svcPorts) {
        const n = findPort(pod, sp);
        if (n === undefined) continue;
        const p: EndpointPort = sp.name ? { name: sp.name, port: n, protocol: sp.protocol ?? 'TCP' } : { port: n, protocol: sp.protocol ?? 'TCP' };
        if (sp.appProtocol) p.appProtocol = sp.appProtocol;
        ports.push(p);
      }
      if (ports.length === 0) return undefined;
    }
    // ports.slice(): a pushed-to array keeps 17 slots; one is kept per pod.
    return { pod, fingerprint, address, sortKey: `${ip}\u0000${pod.metadata.uid ?? ''}`, ready: tolerateUnready || isPodReady(pod), ports: ports ? ports.slice() : null };
  }
}
