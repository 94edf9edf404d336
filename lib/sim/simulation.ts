// A simulated cluster built from a Scenario: store, API server, shared informers, the
// controllers, and the virtual clock they all run on. `netsim run` and `netsim get` use it.
import { isStatusError } from '../api/errors.js';
import type { KubeObject } from '../api/meta.js';
import { KINDS } from '../api/types.js';
import { APIServer } from '../apiserver/apiserver.js';
import { ServiceAllocation } from '../apiserver/services.js';
import { nodeDown, nodeSideControllers, nodeUp } from '../controllers/nodeside.js';
import { workloadControllers } from '../controllers/workloads.js';
import type { ControllerContext } from '../reconcile/controller.js';
import { EventRecorder } from '../reconcile/events.js';
import { SharedInformers } from '../reconcile/informers.js';
import { ControllerManager } from '../reconcile/manager.js';
import type { Origin, Scenario, TimelineEntry } from '../scenario/types.js';
import { MemoryStore } from '../store/memory.js';
import {
  SYSTEM_NAMESPACES, controlPlaneNode, coreDNSDeployment, kubeDNSService, kubernetesEndpointSlice, kubernetesEndpoints, kubernetesService,
  namespaceObject, nodeObjects,
} from './bootstrap.js';
import { VirtualClock, formatDuration } from './clock.js';
import { Random } from './random.js';
import { TimerQueue } from './timers.js';

/** How long `run` lets a scenario settle after its last timeline entry (simulated). */
export const SETTLE_LIMIT_MS = 3_600_000;

/** Events the simulation's store keeps per kind for resuming watches (upstream's default watch cache size is 100). */
export const SIM_WATCH_WINDOW = 1000;

/** An object the API server refused (as `kubectl apply` would report it). */
export interface Refusal {
  object: string;
  origin?: Origin;
  at: string;
  reason: string;
  message: string;
}

export interface ConvergeReport {
  simulatedTime: string;
  objects: number;
}

export class Simulation {
  readonly clock = new VirtualClock();
  readonly timers = new TimerQueue(this.clock);
  readonly random: Random;
  readonly backend: MemoryStore;
  readonly api: APIServer;
  readonly informers: SharedInformers;
  readonly events: EventRecorder;
  readonly manager: ControllerManager;
  readonly services: ServiceAllocation;
  readonly refused: Refusal[] = [];
  /** Simulated time of the last change to any object (Events aside): when the cluster settled. */
  lastChange = 0;
  #timelineDone = 0;

  constructor(readonly scenario: Scenario) {
    const c = scenario.cluster;
    this.random = new Random(c.seed);
    // The informers here never lose their watch (delivery is synchronous), so the watch cache
    // window only costs memory: at 10,000 events it held ~20,000 old 100-endpoint slices.
    this.backend = new MemoryStore({ clock: this.clock, random: this.random.child('store'), watchWindow: SIM_WATCH_WINDOW });
    this.api = new APIServer(this.backend, { serviceCIDRs: c.serviceCIDR, nodePortRange: c.nodePortRange }, this.random.child('apiserver-uids'));
    this.services = new ServiceAllocation(c, this.random.child('apiserver'));
    this.api.use(this.services);
    this.informers = new SharedInformers(this.api);
    // Events come from system components and are valid by construction: they skip admission.
    this.events = new EventRecorder(this.backend, this.clock);
    this.manager = new ControllerManager(this.timers);
    // kube-controller-manager, the scheduler, the kubelets and the LB controller, each with its
    // own random stream; they talk only through the API server.
    const ctx = (name: string): ControllerContext => ({
      store: this.api, informers: this.informers, timers: this.timers, clock: this.clock,
      random: this.random.child(`controller/${name}`), cluster: c, events: this.events,
    });
    for (const ctl of nodeSideControllers(ctx)) this.manager.add(ctl);
    for (const ctl of workloadControllers(ctx)) this.manager.add(ctl);
  }

  /** Creates what kubeadm leaves in a new cluster, then the scenario's objects (namespaces first). */
  async bootstrap(): Promise<void> {
    for (const k of KINDS) {
      if (k.kind === 'Event') continue;
      await this.backend.watch(k.kind, {}, () => {
        this.lastChange = this.clock.now();
      });
    }
    await this.informers.startAll();
    const declared = new Set(this.scenario.objects.filter((o) => o.object.kind === 'Namespace').map((o) => o.object.metadata.name!));
    const implicit = [...SYSTEM_NAMESPACES, ...this.scenario.implicitNamespaces].filter((n) => !declared.has(n));
    for (const ns of [...new Set(implicit)].sort()) await this.api.create(namespaceObject(ns));
    const nodes = nodeObjects(this.scenario.cluster);
    for (const n of nodes) await this.api.create(n);
    const kubeIP = this.services.ipAllocators.get(this.services.primary)!.allocateKubernetesIP();
    await this.backend.create(kubernetesService(kubeIP));
    const cp = controlPlaneNode(nodes);
    const cpIP = cp?.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
    if (cpIP) {
      await this.backend.create(kubernetesEndpointSlice(cpIP));
      await this.backend.create(kubernetesEndpoints(cpIP));
    }
    // kubeadm's CoreDNS add-on: kube-dns at the cluster DNS address, two CoreDNS pods.
    await this.apply(kubeDNSService(this.scenario.cluster.dnsServiceIP));
    await this.apply(coreDNSDeployment());
    const ordered = [...this.scenario.objects].sort((a, b) => Number(b.object.kind === 'Namespace') - Number(a.object.kind === 'Namespace'));
    for (const { object, origin } of ordered) await this.apply(structuredClone(object), origin);
  }

  /** Creates or replaces an object through the API server; a refusal is recorded, never thrown. */
  async apply(obj: KubeObject, origin?: Origin): Promise<KubeObject | undefined> {
    try {
      // As `kubectl apply`: create, or replace what is there (the create attempt must not
      // leave its system fields on the object used for the update).
      try {
        return await this.api.create(structuredClone(obj));
      } catch (e) {
        if (!(isStatusError(e) && e.reason === 'AlreadyExists')) throw e;
        const cur = await this.api.get(obj.kind, obj.metadata.namespace, obj.metadata.name!);
        return await this.api.update({ ...obj, metadata: { ...obj.metadata, resourceVersion: cur.metadata.resourceVersion } });
      }
    } catch (e) {
      if (!isStatusError(e)) throw e;
      const name = obj.metadata.namespace ? `${obj.metadata.namespace}/${obj.metadata.name}` : `${obj.metadata.name}`;
      this.refused.push({ object: `${obj.kind} ${name}`, ...(origin ? { origin } : {}), at: formatDuration(this.clock.now()), reason: e.reason, message: e.message });
      return undefined;
    }
  }

  /** Runs controllers and the timeline up to simulated time `t` (ms). */
  async runTo(t: number): Promise<void> {
    const tl = this.scenario.timeline;
    while (this.#timelineDone < tl.length && tl[this.#timelineDone]!.at <= t) {
      const entry = tl[this.#timelineDone++]!;
      await this.manager.runUntil(entry.at);
      await this.#play(entry);
    }
    await this.manager.runUntil(t);
  }

  /** Plays the whole timeline, then runs until nothing is left to do (bounded). */
  async converge(): Promise<ConvergeReport> {
    const tl = this.scenario.timeline;
    const last = tl.length ? tl[tl.length - 1]!.at : 0;
    await this.runTo(last);
    await this.manager.runUntilQuiescent(last + SETTLE_LIMIT_MS);
    // Timers that only re-check (a progress deadline that can no longer pass) may run the
    // clock on; the cluster settled at its last change.
    return { simulatedTime: formatDuration(this.settledAt()), objects: this.objectCount() };
  }

  /** The simulated instant the state stopped changing (at least the last timeline entry). */
  settledAt(): number {
    const tl = this.scenario.timeline;
    return Math.max(this.lastChange, tl.length ? tl[tl.length - 1]!.at : 0);
  }

  objectCount(): number {
    let n = 0;
    for (const k of KINDS) if (k.kind !== 'Event') n += this.backend.count(k.kind);
    return n;
  }

  async #play(entry: TimelineEntry): Promise<void> {
    const a = entry.action;
    switch (a.type) {
      case 'apply':
        await this.apply(structuredClone(a.object), entry.origin);
        return;
      case 'scale': {
        try {
          const cur = await this.api.get(a.kind, a.namespace, a.name);
          const spec = { ...(cur.spec as Record<string, unknown>), replicas: a.replicas };
          await this.api.update({ ...cur, metadata: { ...cur.metadata }, spec });
        } catch (e) {
          if (!isStatusError(e)) throw e;
          this.refused.push({ object: `${a.kind} ${a.namespace}/${a.name}`, origin: entry.origin, at: formatDuration(this.clock.now()), reason: e.reason, message: e.message });
        }
        return;
      }
      case 'delete':
        try {
          await this.api.delete(a.kind, a.namespace || undefined, a.name);
        } catch (e) {
          if (!isStatusError(e)) throw e;
          this.refused.push({ object: `${a.kind} ${a.namespace ? `${a.namespace}/` : ''}${a.name}`, origin: entry.origin, at: formatDuration(this.clock.now()), reason: e.reason, message: e.message });
        }
        return;
      case 'nodeDown':
      case 'nodeUp':
        await this.#setKubeletStopped(a.node, a.type === 'nodeDown', entry.origin);
        return;
    }
  }

  /** nodeDown/nodeUp: the node's kubelet stops or resumes reporting; node lifecycle follows. */
  async #setKubeletStopped(node: string, stopped: boolean, origin: Origin): Promise<void> {
    try {
      await (stopped ? nodeDown : nodeUp)(this.api, node);
    } catch (e) {
      if (!isStatusError(e)) throw e;
      this.refused.push({ object: `Node ${node}`, origin, at: formatDuration(this.clock.now()), reason: e.reason, message: e.message });
    }
  }
}
