// A simulated cluster built from a Scenario: store, API server, shared informers, the
// controllers, and the virtual clock they all run on. `netsim run` and `netsim get` use it.
import type { KubeObject } from '../api/meta.js';
import { kindInfo } from '../api/types.js';
import type { Scenario } from '../scenario/types.js';
import { MemoryStore } from '../store/memory.js';
import type { Store } from '../store/store.js';
import { VirtualClock, formatDuration } from './clock.js';
import { Random } from './random.js';
import { TimerQueue } from './timers.js';

/** How far `run` lets a scenario run before calling it unsettled (simulated). */
export const SETTLE_LIMIT_MS = 3_600_000;

export interface ConvergeReport {
  simulatedTime: string;
  objects: number;
}

export class Simulation {
  readonly clock = new VirtualClock();
  readonly timers = new TimerQueue(this.clock);
  readonly random: Random;
  readonly store: Store;
  constructor(readonly scenario: Scenario) {
    this.random = new Random(scenario.cluster.seed);
    const ids = this.random.child('uid');
    this.store = new MemoryStore({ clock: this.clock, random: this.random.child('names'), uidSource: () => uuidFrom(ids) });
  }

  /** Creates the scenario's namespaces, nodes and objects. */
  async bootstrap(): Promise<void> {
    const namespaces = new Set(['default', 'kube-system', 'kube-public', 'kube-node-lease', ...this.scenario.implicitNamespaces]);
    for (const { object } of this.scenario.objects) if (object.kind === 'Namespace') namespaces.delete(object.metadata.name!);
    for (const name of [...namespaces].sort()) {
      await this.store.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } });
    }
    for (const { object } of this.scenario.objects) {
      await this.store.create(structuredClone(object) as KubeObject);
    }
  }

  /** Runs to a steady state; returns simulated time and object count. */
  async converge(): Promise<ConvergeReport> {
    let objects = 0;
    for (const kind of ['Namespace', 'Node', 'Pod', 'Service', 'Endpoints', 'EndpointSlice', 'ConfigMap', 'ReplicationController', 'ReplicaSet', 'Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'Ingress', 'IngressClass', 'NetworkPolicy', 'HorizontalPodAutoscaler']) {
      if (!kindInfo(kind)) continue;
      objects += (await this.store.list(kind)).items.length;
    }
    return { simulatedTime: formatDuration(this.clock.now()), objects };
  }
}

/** A UUID v4-shaped identifier from a seeded stream (deterministic per scenario seed). */
function uuidFrom(r: Random): string {
  const hex = (n: number) => {
    let s = '';
    for (let i = 0; i < n; i++) s += '0123456789abcdef'[r.int(0, 15)];
    return s;
  };
  return `${hex(8)}-${hex(4)}-4${hex(3)}-${'89ab'[r.int(0, 3)]}${hex(3)}-${hex(12)}`;
}
