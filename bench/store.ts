// MemoryStore at sig-scalability size: 150,000 pods on 5,000 nodes (30 per node) in 1,000
// namespaces, each namespace one 100-replica deployment and ten 5-replica ones, plus 10,000
// services. Targets: >= 100,000 writes/s, heap <= 1 GiB.
// Run: node --expose-gc --import tsx bench/store.ts
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import type { KubeObject } from '../lib/api/meta.js';
import { VirtualClock } from '../lib/sim/clock.js';
import { Random } from '../lib/sim/random.js';
import { MemoryStore } from '../lib/store/memory.js';

const NODES = 5_000;
const NAMESPACES = 1_000;
const BIG_REPLICAS = 100;
const SMALL_DEPLOYMENTS = 10;
const SMALL_REPLICAS = 5;
const SERVICES_PER_NAMESPACE = 10;

function podObject(ns: string, deployment: string, hash: string, ordinal: number, podIndex: number): KubeObject {
  const node = podIndex % NODES;
  const ip = `10.${(node >> 8) + 100}.${node & 255}.${2 + Math.floor(podIndex / NODES)}`;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `${deployment}-${hash}-${ordinal.toString(36).padStart(5, 'b')}`,
      namespace: ns,
      labels: { app: deployment, 'pod-template-hash': hash },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `${deployment}-${hash}`, uid: `rs-${ns}-${deployment}`, controller: true, blockOwnerDeletion: true }],
    },
    spec: {
      nodeName: `node-${node}`,
      containers: [
        {
          name: 'app',
          image: 'registry.k8s.io/pause:3.10',
          ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
          resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
        },
      ],
      restartPolicy: 'Always',
      dnsPolicy: 'ClusterFirst',
      schedulerName: 'default-scheduler',
      serviceAccountName: 'default',
      terminationGracePeriodSeconds: 30,
    },
    status: { phase: 'Running', hostIP: `192.168.${node >> 8}.${node & 255}`, podIP: ip, podIPs: [{ ip }] },
  };
}

function serviceObject(ns: string, deployment: string, i: number): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: deployment, namespace: ns, labels: { app: deployment } },
    spec: {
      type: 'ClusterIP',
      selector: { app: deployment },
      ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 8080 }],
      clusterIP: `10.96.${i >> 8}.${i & 255}`,
      clusterIPs: [`10.96.${i >> 8}.${i & 255}`],
      ipFamilies: ['IPv4'],
      ipFamilyPolicy: 'SingleStack',
      sessionAffinity: 'None',
      internalTrafficPolicy: 'Cluster',
    },
    status: { loadBalancer: {} },
  };
}

function heapMiB(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

async function timeAvg(runs: number, fn: () => Promise<unknown>): Promise<number> {
  await fn();
  const t0 = performance.now();
  for (let i = 0; i < runs; i++) await fn();
  return (performance.now() - t0) / runs;
}

const round = (n: number, d = 3) => Number(n.toFixed(d));

/** Loads the sig-scalability shape into a MemoryStore and measures writes, memory and reads. */
export async function benchStore(): Promise<Record<string, number | string>> {
  const heapBefore = heapMiB();
  const pods: KubeObject[] = [];
  const services: KubeObject[] = [];
  let podIndex = 0;
  for (let n = 0; n < NAMESPACES; n++) {
    const ns = `ns-${String(n).padStart(4, '0')}`;
    const deployments: [string, number][] = [[`big-${n}`, BIG_REPLICAS]];
    for (let d = 0; d < SMALL_DEPLOYMENTS; d++) deployments.push([`small-${n}-${d}`, SMALL_REPLICAS]);
    for (const [dep, replicas] of deployments) {
      const hash = (n * 31 + replicas).toString(16).padStart(10, '7');
      for (let r = 0; r < replicas; r++) pods.push(podObject(ns, dep, hash, r, podIndex++));
    }
    for (let s = 0; s < SERVICES_PER_NAMESPACE; s++) services.push(serviceObject(ns, deployments[s + 1]![0], n * SERVICES_PER_NAMESPACE + s));
  }

  const store = new MemoryStore({ clock: new VirtualClock(), random: new Random(1) });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (const p of pods) await store.create(p);
  for (const s of services) await store.create(s);
  const createMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  // CPU time (all threads, GC helpers included) is steadier than wall time on a shared machine.
  const createCpuMs = (cpu.user + cpu.system) / 1000;
  const objects = pods.length + services.length;
  pods.length = 0;
  services.length = 0;
  const heapAfter = heapMiB();

  // Status updates, as kubelets report them (no spec change, generation kept): 50,000 over
  // the 7,500 pods of 50 namespaces.
  const sample: KubeObject[] = [];
  for (let n = 0; n < 50; n++) sample.push(...(await store.list('Pod', { namespace: `ns-${String(n * 20).padStart(4, '0')}` })).items);
  const UPDATES = 50_000;
  const t1 = performance.now();
  for (let i = 0; i < UPDATES; i++) {
    const p = sample[i % sample.length]!;
    const cur = await store.get<KubeObject>('Pod', p.metadata.namespace, p.metadata.name!);
    await store.updateStatus({ ...cur, status: { ...(cur.status as object), phase: Math.floor(i / sample.length) % 2 ? 'Running' : 'Pending' } });
  }
  const updateMs = performance.now() - t1;
  const updates = UPDATES;

  const rnd = new Random(2);
  const labelAll = await timeAvg(200, () => store.list('Pod', { labelSelector: `app=big-${rnd.int(0, NAMESPACES - 1)}` }));
  const labelCheck = (await store.list('Pod', { labelSelector: 'app=big-42' })).items.length;
  const labelNs = await timeAvg(200, () => {
    const n = rnd.int(0, NAMESPACES - 1);
    return store.list('Pod', { namespace: `ns-${String(n).padStart(4, '0')}`, labelSelector: `app=big-${n}` });
  });
  const nsList = await timeAvg(200, () => store.list('Pod', { namespace: `ns-${String(rnd.int(0, NAMESPACES - 1)).padStart(4, '0')}` }));
  const nodeList = await timeAvg(200, () => store.list('Pod', { fieldSelector: `spec.nodeName=node-${rnd.int(0, NODES - 1)}` }));
  const nodeCheck = (await store.list('Pod', { fieldSelector: 'spec.nodeName=node-17' })).items.length;
  const fullList = await timeAvg(5, () => store.list('Pod'));

  const names: [string, string][] = [];
  for (let i = 0; i < 1000; i++) {
    const n = rnd.int(0, NAMESPACES - 1);
    names.push([`ns-${String(n).padStart(4, '0')}`, `big-${n}-${(n * 31 + BIG_REPLICAS).toString(16).padStart(10, '7')}-${rnd.int(0, BIG_REPLICAS - 1).toString(36).padStart(5, 'b')}`]);
  }
  const GETS = 1_000_000;
  const t2 = performance.now();
  for (let i = 0; i < GETS; i++) {
    const [ns, name] = names[i % names.length]!;
    await store.get('Pod', ns, name);
  }
  const getNs = ((performance.now() - t2) * 1e6) / GETS;

  return {
    objects,
    'create writes/s': Math.round(objects / (createMs / 1000)),
    'create writes/s (per CPU second)': Math.round(objects / (createCpuMs / 1000)),
    'create total ms': Math.round(createMs),
    'updateStatus writes/s': Math.round(updates / (updateMs / 1000)),
    'heap MiB (after, gc)': round(heapAfter, 1),
    'heap MiB (store delta)': round(heapAfter - heapBefore, 1),
    gc: (globalThis as { gc?: unknown }).gc ? 'exact (--expose-gc)' : 'approximate (no --expose-gc)',
    'list app=big-N all namespaces ms (100 pods)': round(labelAll),
    'list app=big-N in namespace ms (100 pods)': round(labelNs),
    'list namespace ms (150 pods)': round(nsList),
    'list spec.nodeName ms (30 pods)': round(nodeList),
    'list all pods ms (150,000)': round(fullList, 1),
    'get ns/op': round(getNs, 0),
    'check: pods for app=big-42': labelCheck,
    'check: pods on node-17': nodeCheck,
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const r = await benchStore();
  const w = Math.max(...Object.keys(r).map((k) => k.length));
  for (const [k, v] of Object.entries(r)) console.log(`${k.padEnd(w)}  ${v}`);
}
