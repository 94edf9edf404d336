// `npm run bench -- reconcile`: from an empty cluster to steady state at scale.
// (a) 1,000 nodes / 30,000 pods / 3,000 Services; (b) Kubernetes' threshold envelope:
// 5,000 nodes, 150,000 pods, 10,000 Services in the sig-scalability shape. Reports wall time,
// pods Ready per wall second, peak RSS, and what one pod turning not-ready costs.
import { performance } from 'node:perf_hooks';
import type { KubeObject } from '../lib/api/meta.js';
import type { Pod } from '../lib/api/types.js';
import type { ClusterSettings, Scenario } from '../lib/scenario/types.js';
import { Simulation } from '../lib/sim/simulation.js';
import { testCluster } from '../test/reconcile/harness.js';

export interface Shape {
  name: string;
  nodes: number;
  namespaces: number;
  /** Deployments as [count per namespace or in all, pods each]. */
  deployments: { count: number; replicas: number; perNamespace: boolean }[];
  services: number;
}

/** 1,000 nodes, 30,000 pods in 10-pod Deployments, a Service each. */
export const SHAPE_A: Shape = { name: '1k nodes / 30k pods / 3k services', nodes: 1000, namespaces: 30, deployments: [{ count: 3000, replicas: 10, perNamespace: false }], services: 3000 };

/**
 * The envelope in the sig-scalability shape: one third of the pods in one big Deployment per
 * namespace, one third in 120-pod Deployments, one third in 10-pod Deployments; a Service per
 * Deployment, and second Services on small Deployments up to 10,000.
 */
export const SHAPE_B: Shape = {
  name: '5k nodes / 150k pods / 10k services',
  nodes: 5000,
  namespaces: 100,
  deployments: [
    { count: 1, replicas: 500, perNamespace: true },
    { count: 417, replicas: 120, perNamespace: false },
    { count: 4996, replicas: 10, perNamespace: false },
  ],
  services: 10000,
};

function deployment(ns: string, name: string, replicas: number): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns, labels: { app: name } },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'app', image: 'registry.k8s.io/pause:3.10', ports: [{ containerPort: 8080 }], resources: { requests: { cpu: '10m', memory: '16Mi' } } }] },
      },
    },
  };
}

function service(ns: string, name: string, app: string): KubeObject {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns }, spec: { selector: { app }, ports: [{ port: 80, targetPort: 8080 }] } };
}

/** A Scenario for the shape (kubeadm defaults; /16 node network and a /12 pod network for 5,000 nodes). */
export function scenarioFor(shape: Shape): Scenario {
  const cluster: ClusterSettings = testCluster({
    clusterCIDR: ['10.0.0.0/11'],
    serviceCIDR: ['10.96.0.0/12'],
    nodeNetwork: '172.20.0.0/16',
    nodes: Array.from({ length: shape.nodes }, (_, i) => ({
      name: `node-${i + 1}`,
      addresses: [],
      labels: { 'topology.kubernetes.io/zone': `zone-${i % 3}` },
      capacity: { cpu: '32', memory: '128Gi', pods: '110' },
      taints: [],
    })),
  });
  cluster.proxy.clusterCIDR = '10.0.0.0/11';
  const objects: KubeObject[] = [];
  const nsName = (i: number) => `ns-${i + 1}`;
  for (let i = 0; i < shape.namespaces; i++) objects.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: nsName(i) } });
  const apps: { ns: string; app: string; small: boolean }[] = [];
  let k = 0;
  for (const d of shape.deployments) {
    const total = d.perNamespace ? d.count * shape.namespaces : d.count;
    for (let j = 0; j < total; j++) {
      const ns = nsName(k++ % shape.namespaces);
      const app = `d${k}-r${d.replicas}`;
      objects.push(deployment(ns, app, d.replicas));
      apps.push({ ns, app, small: d.replicas <= 10 });
    }
  }
  for (const { ns, app } of apps.slice(0, shape.services)) objects.push(service(ns, app, app));
  const small = apps.filter((a) => a.small);
  for (let i = apps.length; i < shape.services; i++) {
    const a = small[(i - apps.length) % small.length]!;
    objects.push(service(a.ns, `${a.app}-alt${i}`, a.app));
  }
  return {
    name: shape.name, description: '', file: '<bench>', cluster, timeline: [], checks: [], implicitNamespaces: [],
    objects: objects.map((object, i) => ({ object, origin: { file: '<bench>', document: i + 1, path: '' } })),
  };
}

export interface ReconcileFigures {
  shape: string;
  nodes: number;
  pods: number;
  podsReady: number;
  services: number;
  endpointSlices: number;
  wallSeconds: number;
  podsReadyPerWallSecond: number;
  simulatedTime: string;
  peakRssMiB: number;
  heapUsedMiB: number;
  /** One pod turning not-ready at steady state: wall ms and reconciles it caused. */
  notReadyWallMs: number;
  notReadyReconciles: number;
  failures: number;
}

/** Runs one shape from empty to steady state. */
export async function runShape(shape: Shape): Promise<ReconcileFigures> {
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 100);
  const t0 = performance.now();
  const sim = new Simulation(scenarioFor(shape));
  await sim.bootstrap();
  const report = await sim.converge();
  const wall = (performance.now() - t0) / 1000;
  peak = Math.max(peak, process.memoryUsage().rss);
  const pods = (await sim.api.list<Pod>('Pod')).items;
  const ready = pods.filter((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length;

  // One pod turns not-ready (its readiness probe fails): what does the cluster do about it?
  const victim = pods.find((p) => p.metadata.namespace === 'ns-1')!;
  const before = sim.manager.reconciles;
  const t1 = performance.now();
  const cur = await sim.api.get<Pod>('Pod', victim.metadata.namespace, victim.metadata.name!);
  const conditions = (cur.status?.conditions ?? []).map((c) => (c.type === 'Ready' || c.type === 'ContainersReady' ? { ...c, status: 'False' as const } : c));
  await sim.api.updateStatus({ ...cur, status: { ...cur.status, conditions } });
  await sim.manager.drain();
  const notReadyWallMs = performance.now() - t1;
  clearInterval(sampler);
  return {
    shape: shape.name,
    nodes: shape.nodes,
    pods: pods.length,
    podsReady: ready,
    services: sim.backend.count('Service'),
    endpointSlices: sim.backend.count('EndpointSlice'),
    wallSeconds: Number(wall.toFixed(2)),
    podsReadyPerWallSecond: Math.round(ready / wall),
    simulatedTime: report.simulatedTime,
    peakRssMiB: Math.round(peak / 2 ** 20),
    heapUsedMiB: Math.round(process.memoryUsage().heapUsed / 2 ** 20),
    notReadyWallMs: Number(notReadyWallMs.toFixed(2)),
    notReadyReconciles: sim.manager.reconciles - before,
    failures: sim.manager.failures.length,
  };
}

export async function benchReconcile(which = process.env.NETSIM_BENCH_SHAPE ?? 'a,b'): Promise<ReconcileFigures[]> {
  const out: ReconcileFigures[] = [];
  for (const s of which.split(',')) {
    const shape = s === 'a' ? SHAPE_A : s === 'b' ? SHAPE_B : undefined;
    if (!shape) throw new Error(`unknown shape ${s}`);
    const f = await runShape(shape);
    process.stdout.write(`${JSON.stringify(f)}\n`);
    out.push(f);
  }
  return out;
}
