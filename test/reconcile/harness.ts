// A small cluster for controller tests: memory store, shared informers, timers, manager.
import type { ClusterSettings } from '../../lib/scenario/types.js';
import type { ControllerContext } from '../../lib/reconcile/controller.js';
import { EventRecorder } from '../../lib/reconcile/events.js';
import { SharedInformers } from '../../lib/reconcile/informers.js';
import { ControllerManager } from '../../lib/reconcile/manager.js';
import { VirtualClock } from '../../lib/sim/clock.js';
import { Random } from '../../lib/sim/random.js';
import { TimerQueue } from '../../lib/sim/timers.js';
import { APIServer } from '../../lib/apiserver/apiserver.js';
import { MemoryStore } from '../../lib/store/memory.js';
import type { Store } from '../../lib/store/store.js';

/** kubeadm-like defaults for tests (the scenario loader's defaults). */
export function testCluster(overrides: Partial<ClusterSettings> = {}): ClusterSettings {
  return {
    clusterCIDR: ['10.244.0.0/16'],
    serviceCIDR: ['10.96.0.0/12'],
    nodeCIDRMaskSize: 24,
    nodeCIDRMaskSizeIPv6: 64,
    nodeNetwork: '192.168.0.0/24',
    nodePortRange: { base: 30000, size: 2768 },
    loadBalancerPool: '172.18.255.0/24',
    dnsDomain: 'cluster.local',
    dnsServiceIP: '10.96.0.10',
    dns: { pods: 'insecure', ttl: 30, endpointPodNames: false, namespaces: [], ignoreEmptyService: false, zones: [], upstream: { records: [], forward: [] } },
    proxy: {
      mode: 'iptables', masqueradeAll: false, detectLocalMode: 'ClusterCIDR', clusterCIDR: '10.244.0.0/16', nodePortAddresses: [],
      iptables: { masqueradeBit: 14, localhostNodePorts: true }, ipvs: { scheduler: 'rr', strictARP: false },
    },
    cni: 'host-gw',
    seed: 1,
    nodes: [],
    ...overrides,
  };
}

export interface Harness {
  ctx: (name: string) => ControllerContext;
  store: Store;
  clock: VirtualClock;
  timers: TimerQueue;
  informers: SharedInformers;
  manager: ControllerManager;
}

/** Builds an empty cluster; add controllers with `manager.add(new X(h.ctx('x')))`, then `await h.informers.startAll()`. */
export function newHarness(cluster: ClusterSettings = testCluster()): Harness {
  const clock = new VirtualClock();
  const timers = new TimerQueue(clock);
  const random = new Random(cluster.seed);
  // Controllers write through the API server's defaulting and validation, as in a cluster.
  const store = new APIServer(new MemoryStore({ clock }));
  const informers = new SharedInformers(store);
  const events = new EventRecorder(store, clock);
  const manager = new ControllerManager(timers);
  return {
    store, clock, timers, informers, manager,
    ctx: (name) => ({ store, informers, timers, clock, random: random.child(name), cluster, events }),
  };
}
