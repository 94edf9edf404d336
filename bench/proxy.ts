// `npm run bench -- proxy`, or `node --import tsx bench/proxy.ts`:
//  (a) the full iptables-save text for 10,000 ClusterIP Services × 10 endpoints, whose nat
//      rule count kube-proxy reports as 5 + N·(2+3E) = 320,005 (target ≤ 0.5 s);
//  (b) one endpoint change at 30,000 Services: change tracker + sync + rewriting only the
//      changed service's chains (target ≤ 1 ms), and the dump join afterwards.
import { loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import type { KubeObject } from '../lib/api/meta.js';
import type { EndpointSlice, Service } from '../lib/api/types.js';
import { proxyConfig } from '../proxy/iptables/config.js';
import { precomputeChainNames } from '../proxy/iptables/chainnames.js';
import { IptablesWriter } from '../proxy/iptables/writer.js';
import { ServiceProxyModel } from '../proxy/model.js';
import type { NodeView } from '../proxy/nodeview.js';

const node: NodeView = { nodeName: 'node-1', nodeIPs: ['192.168.0.11'], zone: 'zone-a', podCIDR: '10.244.1.0/24' };
const config = proxyConfig({ clusterCIDR: '10.244.0.0/16' });

function ip(base: number, n: number): string {
  const v = base + n;
  return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}

function service(i: number): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { namespace: `ns${i % 50}`, name: `svc-${i}` },
    spec: { type: 'ClusterIP', clusterIP: ip(0x0a600000, i + 1), ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 }] },
  };
}

function slice(i: number, endpoints: number, generation = 0): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { namespace: `ns${i % 50}`, name: `svc-${i}-abcde`, labels: { 'kubernetes.io/service-name': `svc-${i}` } },
    addressType: 'IPv4',
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    endpoints: Array.from({ length: endpoints }, (_, j) => ({
      addresses: [ip(0x0af40000, (i * endpoints + j + generation * 7) % 0xfffff)],
      nodeName: `node-${(i + j) % 100}`,
      conditions: { ready: true, serving: true, terminating: false },
    })),
  };
}

function objects(services: number, endpoints: number): KubeObject[] {
  const out: KubeObject[] = [];
  for (let i = 0; i < services; i++) out.push(service(i), slice(i, endpoints));
  return out;
}

const ms = (t0: number) => performance.now() - t0;
/** CPU time (user + system, all threads: GC helpers count) since `c0`, in ms. */
const cpuMs = (c0: NodeJS.CpuUsage) => {
  const u = process.cpuUsage(c0);
  return (u.user + u.system) / 1000;
};

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

/** A fixed integer loop (1e8 iterations), to compare machines: the figures scale with it. */
function calibrationMs(): number {
  const t0 = performance.now();
  let x = 0;
  for (let i = 0; i < 1e8; i++) x = (x + i * 7) | 0;
  if (x === 42) console.log('');
  return ms(t0);
}

export interface ProxyBenchResult {
  machine: { loopMs: number; loadAverage: number };
  full: {
    services: number;
    endpoints: number;
    natRules: number;
    expectedNatRules: number;
    modelMs: number;
    namesMs: number;
    renderMs: number;
    renderCpuMs: number;
    rerenderMs: number;
    rerenderCpuMs: number;
    textMB: number;
  };
  incremental: {
    services: number;
    buildMs: number;
    updateMedianMs: number;
    updateMedianCpuMs: number;
    updateMaxMs: number;
    dumpMs: number;
    dumpCpuMs: number;
    dumpAfterOneMs: number;
    dumpAfterOneCpuMs: number;
    chunksAfterOneMs: number;
    chunksAfterOneCpuMs: number;
  };
}

/** Runs both benchmarks, prints a table, returns the figures. */
export async function benchProxy(): Promise<ProxyBenchResult> {
  const machine = { loopMs: calibrationMs(), loadAverage: loadavg()[0]! };
  // Warm the JIT on a small cluster first.
  new IptablesWriter(config).forNode(ServiceProxyModel.fromObjects(objects(1000, 10)), node).text();
  // (a) Full text.
  const N = 10_000;
  const E = 10;
  const objs = objects(N, E);
  let t0 = performance.now();
  const model = ServiceProxyModel.fromObjects(objs);
  const modelMs = ms(t0);
  // kube-proxy hashes chain names when its change tracker builds service/endpoint infos.
  t0 = performance.now();
  for (const e of model.servicePorts()) precomputeChainNames(e);
  const namesMs = ms(t0);
  t0 = performance.now();
  let c0 = process.cpuUsage();
  const first = new IptablesWriter(config).forNode(model, node);
  const text = first.text();
  const renderMs = ms(t0);
  const renderCpuMs = cpuMs(c0);
  const natRules = first.natRules;
  const again: number[] = [];
  const againCpu: number[] = [];
  for (let k = 0; k < 3; k++) {
    t0 = performance.now();
    c0 = process.cpuUsage();
    new IptablesWriter(config).forNode(model, node).text();
    again.push(ms(t0));
    againCpu.push(cpuMs(c0));
  }
  const rerenderMs = median(again);
  const rerenderCpuMs = median(againCpu);

  // (b) One endpoint change at 30,000 Services.
  const M = 30_000;
  const big = ServiceProxyModel.fromObjects(objects(M, E), undefined, [precomputeChainNames]);
  t0 = performance.now();
  const rules = new IptablesWriter(config).forNode(big, node);
  const buildMs = ms(t0);
  rules.text();
  const times: number[] = [];
  const cpuTimes: number[] = [];
  for (let k = 1; k <= 40; k++) {
    const i = (k * 7919) % M;
    const changed = slice(i, E, k);
    const s = performance.now();
    const c = process.cpuUsage();
    big.onEndpointSliceUpdate(undefined, changed);
    const names = big.sync();
    rules.refresh(names);
    times.push(ms(s));
    cpuTimes.push(cpuMs(c));
  }
  // The dump after the changes: only the chain chunks they touched are joined again.
  t0 = performance.now();
  c0 = process.cpuUsage();
  const after = rules.text();
  const dumpMs = ms(t0);
  const dumpCpuMs = cpuMs(c0);
  // One change, then the dump: what a sync after a single endpoint update costs to print.
  const one: number[] = [];
  const oneCpu: number[] = [];
  const chunksMs: number[] = [];
  const chunksCpu: number[] = [];
  for (let k = 41; k <= 45; k++) {
    big.onEndpointSliceUpdate(undefined, slice((k * 7919) % M, E, k));
    rules.refresh(big.sync());
    t0 = performance.now();
    c0 = process.cpuUsage();
    const pieces = rules.chunks();
    chunksMs.push(ms(t0));
    chunksCpu.push(cpuMs(c0));
    t0 = performance.now();
    c0 = process.cpuUsage();
    pieces.join('');
    one.push(ms(t0) + chunksMs[chunksMs.length - 1]!);
    oneCpu.push(cpuMs(c0) + chunksCpu[chunksCpu.length - 1]!);
  }
  if (!after.includes('-j DNAT --to-destination')) throw new Error('bench: dump lost its rules');

  const result: ProxyBenchResult = {
    machine,
    full: {
      services: N,
      endpoints: E,
      natRules,
      expectedNatRules: 5 + N * (2 + 3 * E),
      modelMs,
      namesMs,
      renderMs,
      renderCpuMs,
      rerenderMs,
      rerenderCpuMs,
      textMB: text.length / 1e6,
    },
    incremental: {
      services: M,
      buildMs,
      updateMedianMs: median(times),
      updateMedianCpuMs: median(cpuTimes),
      updateMaxMs: Math.max(...times),
      dumpMs,
      dumpCpuMs,
      dumpAfterOneMs: median(one),
      dumpAfterOneCpuMs: median(oneCpu),
      chunksAfterOneMs: median(chunksMs),
      chunksAfterOneCpuMs: median(chunksCpu),
    },
  };
  const f = result.full;
  const r = result.incremental;
  console.log(`proxy (iptables mode) — machine: 1e8-iteration loop ${machine.loopMs.toFixed(0)} ms, load average ${machine.loadAverage.toFixed(1)}`);
  console.log(`  (a) ${N} ClusterIP Services x ${E} endpoints: nat rules ${f.natRules} (kube-proxy: ${f.expectedNatRules}), text ${f.textMB.toFixed(1)} MB`);
  console.log(`      model build ${f.modelMs.toFixed(0)} ms, chain-name hashing ${f.namesMs.toFixed(0)} ms; full iptables-save text ${f.renderMs.toFixed(0)} ms (CPU ${f.renderCpuMs.toFixed(0)} ms), median of 3 more with fresh writers ${f.rerenderMs.toFixed(0)} ms (CPU ${f.rerenderCpuMs.toFixed(0)} ms) (target <= 500)`);
  console.log(`  (b) ${M} Services: first build ${r.buildMs.toFixed(0)} ms; one endpoint change (track + sync + rewrite) median ${r.updateMedianMs.toFixed(3)} ms (CPU ${r.updateMedianCpuMs.toFixed(3)} ms), max ${r.updateMaxMs.toFixed(3)} ms (target <= 1); dump after those 40 ${r.dumpMs.toFixed(0)} ms (CPU ${r.dumpCpuMs.toFixed(0)} ms), after one more change median ${r.dumpAfterOneMs.toFixed(0)} ms (CPU ${r.dumpAfterOneCpuMs.toFixed(0)} ms), of which the list of cached pieces ${r.chunksAfterOneMs.toFixed(1)} ms (CPU ${r.chunksAfterOneCpuMs.toFixed(1)} ms) and the rest one ${(after.length / 1e6).toFixed(0)} MB join`);
  return result;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await benchProxy();
}
