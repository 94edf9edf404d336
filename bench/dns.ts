// DNS benchmark: `dnsperf` against netsim's cluster DNS on loopback with 10,000 Services and
// 150,000 endpoint and pod records, NSD serving the same records side by side, and the
// DNS-programming latency (Service upsert -> answerable over UDP).
// Targets (issue 5): >= 60,000 qps, 0 % loss, p99 <= 1 ms; programming p99 <= 5 ms.
// Run alone: node --import tsx bench/dns.ts [--duration 10]
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { answerQuery, formatRR } from '../dns/kubernetes.js';
import { type RunningDnsServer, startDnsServer } from '../dns/server.js';
import { ClusterZone, clusterDNSConfig } from '../dns/zone.js';
import { formatIPv4 } from '../dns/address.js';
import type { KubeObject } from '../lib/api/meta.js';
import { Random } from '../lib/sim/random.js';

const run = promisify(execFile);

export interface DnsBenchOptions {
  services?: number;
  /** Endpoint + pod records (half each: every pod backs one endpoint). */
  records?: number;
  /** Seconds of the saturation run (netsim and NSD each). */
  durationSec?: number;
  /** Rate of the latency run, and its length. */
  targetQps?: number;
  latencyDurationSec?: number;
  programmingSamples?: number;
  /** Run NSD side by side (default true). */
  nsd?: boolean;
  host?: string;
  log?: (line: string) => void;
}

export interface DnsperfStats {
  sent: number;
  completed: number;
  lost: number;
  lossPercent: number;
  qps: number;
  avgLatencyMs: number;
  stddevLatencyMs: number;
  maxLatencyMs: number;
  rcodes: Record<string, number>;
  p50Ms?: number;
  p99Ms?: number;
}

export interface DnsBenchResult {
  zone: { services: number; endpoints: number; pods: number; buildMs: number };
  queryMix: Record<string, number>;
  /** saturation: as fast as dnsperf can; atTarget: paced at targetQps; atHalfLoad: paced at half the saturation rate (latency unqueued). */
  netsim: { saturation: DnsperfStats | null; atTarget: DnsperfStats | null; atHalfLoad: DnsperfStats | null; server: RunningDnsServer['stats'] | null };
  nsd: DnsperfStats | null;
  /** netsim qps / NSD qps in the saturation runs. */
  nsdRatio: number | null;
  programming: { samples: number; p50Ms: number; p99Ms: number; maxMs: number; pureP50Ms: number; pureP99Ms: number };
  skipped: string[];
}

const NAMESPACES = 100;
const HEADLESS_EVERY = 10; // one service in ten is headless

interface Synthetic {
  objects: KubeObject[];
  services: { ns: string; name: string; headless: boolean; clusterIP: string; endpoints: { ip: string; hostname?: string }[] }[];
  pods: number;
}

/** The synthetic cluster: `services` Services in 100 namespaces, records/2 pods each backing one endpoint. */
export function syntheticCluster(services: number, records: number): Synthetic {
  const pods = Math.floor(records / 2);
  const objects: KubeObject[] = [];
  for (let n = 0; n < NAMESPACES; n++) objects.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: `ns-${n}` } });
  const out: Synthetic['services'] = [];
  const headlessCount = Math.floor(services / HEADLESS_EVERY);
  // Headless services get twice the endpoints of ClusterIP ones.
  const weightTotal = services + headlessCount;
  let podIndex = 0;
  for (let i = 0; i < services; i++) {
    const ns = `ns-${i % NAMESPACES}`;
    const headless = i % HEADLESS_EVERY === 0;
    const name = headless ? `hdl-${i}` : `svc-${i}`;
    const clusterIP = formatIPv4((((10 << 24) | (96 << 16)) >>> 0) + 1 + i);
    const share = headless ? 2 : 1;
    let count = Math.max(1, Math.round((pods * share) / weightTotal));
    if (i === services - 1) count = Math.max(1, pods - podIndex);
    const endpoints: { ip: string; hostname?: string }[] = [];
    for (let e = 0; e < count && podIndex < pods; e++, podIndex++) {
      const ip = formatIPv4((((10 << 24) | (64 << 16)) >>> 0) + podIndex);
      endpoints.push(headless ? { ip, hostname: `${name}-${e}` } : { ip });
      objects.push({ apiVersion: 'v1', kind: 'Pod', metadata: { namespace: ns, name: `${name}-${e}` }, spec: { containers: [{ name: 'c' }] }, status: { phase: 'Running', podIP: ip } });
    }
    objects.push({
      apiVersion: 'v1', kind: 'Service', metadata: { namespace: ns, name },
      spec: headless ? { clusterIP: 'None', clusterIPs: ['None'], ports: [{ name: 'http', protocol: 'TCP', port: 80 }] } : { clusterIP, clusterIPs: [clusterIP], ports: [{ name: 'http', protocol: 'TCP', port: 80 }] },
    });
    objects.push({
      apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { namespace: ns, name: `${name}-abcde`, labels: { 'kubernetes.io/service-name': name } },
      addressType: 'IPv4',
      endpoints: endpoints.map((e) => ({ addresses: [e.ip], conditions: { ready: true }, ...(e.hostname ? { hostname: e.hostname } : {}) })),
      ports: [{ name: 'http', protocol: 'TCP', port: 8080 }],
    });
    out.push({ ns, name, headless, clusterIP, endpoints });
  }
  return { objects, services: out, pods: podIndex };
}

function reverseOf(ip: string): string {
  return `${ip.split('.').reverse().join('.')}.in-addr.arpa`;
}

/** dnsperf query lines: service A, headless A, SRV, PTR and NXDOMAIN names (search-list misses). */
export function queryMix(cluster: Synthetic, lines: number, seed = 1): { lines: string[]; mix: Record<string, number> } {
  const rnd = new Random(seed).child('dns-bench');
  const svcs = cluster.services.filter((s) => !s.headless);
  const hdls = cluster.services.filter((s) => s.headless);
  const mix: Record<string, number> = { serviceA: 0, headlessA: 0, srv: 0, ptrService: 0, ptrEndpoint: 0, nxdomain: 0 };
  const out: string[] = [];
  const pick = <T>(a: T[]) => a[rnd.int(0, a.length - 1)]!;
  for (let i = 0; i < lines; i++) {
    const r = rnd.int(0, 99);
    if (r < 40) {
      const s = pick(svcs);
      out.push(`${s.name}.${s.ns}.svc.cluster.local A`);
      mix.serviceA!++;
    } else if (r < 50) {
      const s = pick(hdls);
      out.push(`${s.name}.${s.ns}.svc.cluster.local A`);
      mix.headlessA!++;
    } else if (r < 65) {
      const s = pick(cluster.services);
      out.push(`_http._tcp.${s.name}.${s.ns}.svc.cluster.local SRV`);
      mix.srv!++;
    } else if (r < 75) {
      out.push(`${reverseOf(pick(svcs).clusterIP)} PTR`);
      mix.ptrService!++;
    } else if (r < 85) {
      const s = pick(cluster.services);
      if (s.endpoints.length === 0) { i--; continue; }
      out.push(`${reverseOf(pick(s.endpoints).ip)} PTR`);
      mix.ptrEndpoint!++;
    } else {
      // What ndots:5 produces: the name with a search suffix appended.
      const s = pick(svcs);
      out.push(rnd.int(0, 1) === 0 ? `${s.name}.${s.ns}.svc.cluster.local.${s.ns}.svc.cluster.local A` : `missing-${i}.${s.ns}.svc.cluster.local AAAA`);
      mix.nxdomain!++;
    }
  }
  return { lines: out, mix };
}

/** Parses dnsperf's closing statistics (and, with -v output, the per-query latencies). */
export function parseDnsperf(text: string): DnsperfStats {
  const num = (re: RegExp) => Number(re.exec(text)?.[1] ?? Number.NaN);
  const rcodes: Record<string, number> = {};
  const rc = /Response codes:\s+(.*)/.exec(text)?.[1] ?? '';
  for (const m of rc.matchAll(/(\w+) (\d+) \(/g)) rcodes[m[1]!] = Number(m[2]);
  const stats: DnsperfStats = {
    sent: num(/Queries sent:\s+(\d+)/),
    completed: num(/Queries completed:\s+(\d+)/),
    lost: num(/Queries lost:\s+(\d+)/),
    lossPercent: num(/Queries lost:\s+\d+ \(([\d.]+)%\)/),
    qps: num(/Queries per second:\s+([\d.]+)/),
    avgLatencyMs: num(/Average Latency \(s\):\s+([\d.]+)/) * 1000,
    stddevLatencyMs: num(/Latency StdDev \(s\):\s+([\d.]+)/) * 1000,
    maxLatencyMs: num(/Average Latency \(s\):.*max ([\d.]+)\)/) * 1000,
    rcodes,
  };
  const lat: number[] = [];
  for (const m of text.matchAll(/^> \S+ \S+ \S+ ([\d.]+)$/gm)) lat.push(Number(m[1]) * 1000);
  if (lat.length > 0) {
    lat.sort((a, b) => a - b);
    stats.p50Ms = percentile(lat, 0.5);
    stats.p99Ms = percentile(lat, 0.99);
  }
  return stats;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
}

async function which(tool: string): Promise<boolean> {
  try {
    await run('sh', ['-c', `command -v ${tool}`], { timeout: 5000 });
    return true;
  } catch {
    return false;
  }
}

/** Runs dnsperf to completion with its output in a file (parsing it live would steal the server's CPU). */
async function dnsperf(args: string[], outFile: string, timeoutMs: number): Promise<DnsperfStats> {
  const fd = fs.openSync(outFile, 'w');
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn('dnsperf', args, { stdio: ['ignore', fd, fd] });
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.on('error', reject);
      child.on('exit', () => { clearTimeout(timer); resolve(); });
    });
  } finally {
    fs.closeSync(fd);
  }
  return parseDnsperf(fs.readFileSync(outFile, 'utf8'));
}

async function freeUdpPort(host: string): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, host, () => r()));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** One A query over UDP; resolves with the rcode (or 'TIMEOUT'). */
function udpQuery(sock: dgram.Socket, port: number, host: string, name: string, id: number): Promise<number | 'TIMEOUT'> {
  const labels = name.split('.');
  const q = Buffer.alloc(12 + labels.reduce((n, l) => n + l.length + 1, 0) + 5);
  q.writeUInt16BE(id, 0);
  q.writeUInt16BE(0x0100, 2);
  q.writeUInt16BE(1, 4);
  let off = 12;
  for (const l of labels) { q[off++] = l.length; off += q.write(l, off, 'latin1'); }
  q[off++] = 0;
  q.writeUInt16BE(1, off);
  q.writeUInt16BE(1, off + 2);
  return new Promise((resolve) => {
    const timer = setTimeout(() => { sock.off('message', onMsg); resolve('TIMEOUT'); }, 1000);
    const onMsg = (m: Buffer) => {
      if (m.readUInt16BE(0) !== id) return;
      clearTimeout(timer);
      sock.off('message', onMsg);
      resolve(m[3]! & 0x0f);
    };
    sock.on('message', onMsg);
    sock.send(q, port, host);
  });
}

/** Service created -> answerable: upsert, then query the real server until NOERROR. */
async function measureProgramming(zone: ClusterZone, server: RunningDnsServer, host: string, samples: number): Promise<DnsBenchResult['programming']> {
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, host, () => r()));
  const wire: number[] = [];
  const pure: number[] = [];
  for (let i = 0; i < samples; i++) {
    const ns = `ns-${i % NAMESPACES}`;
    const name = `prog-${i}`;
    const ip = formatIPv4((((10 << 24) | (111 << 16)) >>> 0) + 1 + i);
    const svc: KubeObject = { apiVersion: 'v1', kind: 'Service', metadata: { namespace: ns, name }, spec: { clusterIP: ip, clusterIPs: [ip], ports: [{ name: 'http', port: 80 }] } };
    const t0 = performance.now();
    zone.upsert(svc);
    let rcode = await udpQuery(sock, server.udpPort, host, `${name}.${ns}.svc.cluster.local`, i & 0xffff);
    while (rcode !== 0 && performance.now() - t0 < 1000) rcode = await udpQuery(sock, server.udpPort, host, `${name}.${ns}.svc.cluster.local`, (i + 1) & 0xffff);
    wire.push(performance.now() - t0);
    // The pure part alone: upsert + answerQuery, no socket.
    const p0 = performance.now();
    zone.upsert({ ...svc, metadata: { namespace: ns, name: `${name}-pure` } });
    answerQuery(zone, { name: `${name}-pure.${ns}.svc.cluster.local`, type: 'A' });
    pure.push(performance.now() - p0);
  }
  sock.close();
  wire.sort((a, b) => a - b);
  pure.sort((a, b) => a - b);
  return { samples, p50Ms: percentile(wire, 0.5), p99Ms: percentile(wire, 0.99), maxMs: wire.at(-1) ?? Number.NaN, pureP50Ms: percentile(pure, 0.5), pureP99Ms: percentile(pure, 0.99) };
}

/** Writes the zone files NSD serves: every record netsim would answer for the query universe. */
function writeNsdZones(zone: ClusterZone, cluster: Synthetic, dir: string): string[] {
  const fwd: string[] = ['$ORIGIN cluster.local.', 'cluster.local. 30 IN SOA ns.dns.cluster.local. hostmaster.cluster.local. 1 7200 1800 86400 30', 'cluster.local. 30 IN NS ns.dns.cluster.local.', 'ns.dns.cluster.local. 30 IN A 10.96.0.10'];
  const rev: string[] = ['in-addr.arpa. 30 IN SOA ns.dns.cluster.local. hostmaster.cluster.local. 1 7200 1800 86400 30', 'in-addr.arpa. 30 IN NS ns.dns.cluster.local.'];
  const add = (target: string[], name: string, type: string) => {
    for (const r of answerQuery(zone, { name, type }).answer) target.push(formatRR(r));
  };
  for (const s of cluster.services) {
    const fqdn = `${s.name}.${s.ns}.svc.cluster.local`;
    add(fwd, fqdn, 'A');
    add(fwd, `_http._tcp.${fqdn}`, 'SRV');
    if (s.headless) for (const e of s.endpoints) add(fwd, `${e.hostname}.${fqdn}`, 'A');
    else add(rev, reverseOf(s.clusterIP), 'PTR');
    for (const e of s.endpoints) {
      add(rev, reverseOf(e.ip), 'PTR');
      add(fwd, `${e.ip.replaceAll('.', '-')}.${s.ns}.pod.cluster.local`, 'A');
    }
  }
  fs.writeFileSync(path.join(dir, 'cluster.local.zone'), `${fwd.join('\n')}\n`);
  fs.writeFileSync(path.join(dir, 'in-addr.arpa.zone'), `${rev.join('\n')}\n`);
  return [`${fwd.length + rev.length} records`];
}

async function startNsd(dir: string, host: string, port: number): Promise<ChildProcess> {
  const conf = [
    'server:',
    `  ip-address: ${host}@${port}`,
    `  port: ${port}`,
    '  do-ip6: no',
    '  username: ""',
    `  zonesdir: "${dir}"`,
    `  pidfile: "${dir}/nsd.pid"`,
    `  database: ""`,
    `  xfrdfile: "${dir}/xfrd.state"`,
    `  zonelistfile: "${dir}/zone.list"`,
    '  server-count: 1', // one core, like the single Node event loop it is compared with
    '  rrl-ratelimit: 0', // response rate limiting would drop most of a benchmark's replies
    '  rrl-whitelist-ratelimit: 0',
    '  verbosity: 0',
    'remote-control:',
    '  control-enable: no',
    'zone:',
    '  name: cluster.local',
    '  zonefile: cluster.local.zone',
    'zone:',
    '  name: in-addr.arpa',
    '  zonefile: in-addr.arpa.zone',
  ].join('\n');
  fs.writeFileSync(path.join(dir, 'nsd.conf'), `${conf}\n`);
  const child = spawn('nsd', ['-d', '-c', path.join(dir, 'nsd.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d) => { stderr += String(d); });
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, host, () => r()));
  try {
    for (let i = 0; i < 120; i++) {
      if (child.exitCode !== null) throw new Error(`nsd exited: ${stderr.trim()}`);
      if ((await udpQuery(sock, port, host, 'ns.dns.cluster.local', 4242)) === 0) return child;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`nsd did not answer within 30 s: ${stderr.trim()}`);
  } finally {
    sock.close();
  }
}

/** Runs the whole DNS benchmark; every missing tool skips its part with a reason in `skipped`. */
export async function benchDns(opts: DnsBenchOptions = {}): Promise<DnsBenchResult> {
  const log = opts.log ?? (() => {});
  const host = opts.host ?? '127.0.0.1';
  const duration = opts.durationSec ?? 10;
  const targetQps = opts.targetQps ?? 60_000;
  const skipped: string[] = [];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netsim-dns-bench-'));

  const cluster = syntheticCluster(opts.services ?? 10_000, opts.records ?? 150_000);
  const t0 = performance.now();
  const zone = new ClusterZone(clusterDNSConfig({ dns: { pods: 'verified', ttl: 30 } }));
  for (const o of cluster.objects) zone.upsert(o);
  const buildMs = performance.now() - t0;
  const endpoints = cluster.services.reduce((n, s) => n + s.endpoints.length, 0);
  log(`zone: ${cluster.services.length} services, ${endpoints} endpoints, ${cluster.pods} pods, built in ${buildMs.toFixed(0)} ms`);
  const { lines, mix } = queryMix(cluster, 50_000);
  const queryFile = path.join(dir, 'queries.txt');
  fs.writeFileSync(queryFile, `${lines.join('\n')}\n`);

  const result: DnsBenchResult = {
    zone: { services: cluster.services.length, endpoints, pods: cluster.pods, buildMs },
    queryMix: mix,
    netsim: { saturation: null, atTarget: null, atHalfLoad: null, server: null },
    nsd: null,
    nsdRatio: null,
    programming: { samples: 0, p50Ms: Number.NaN, p99Ms: Number.NaN, maxMs: Number.NaN, pureP50Ms: Number.NaN, pureP99Ms: Number.NaN },
    skipped,
  };
  const server = await startDnsServer(zone, { host, port: 0 });
  try {
    if (await which('dnsperf')) {
      const base = ['-s', host, '-p', String(server.udpPort), '-d', queryFile, '-t', '2'];
      // Warm-up pass: fills the answer cache (the first answer of each question is encoded once).
      await dnsperf([...base, '-n', '1', '-q', '100'], path.join(dir, 'warm.txt'), 120_000);
      const sat = await dnsperf([...base, '-l', String(duration), '-c', '4', '-q', '200'], path.join(dir, 'netsim.txt'), (duration + 30) * 1000);
      result.netsim.saturation = sat;
      log(`netsim saturation: ${sat.qps.toFixed(0)} qps, loss ${sat.lossPercent}%, avg ${sat.avgLatencyMs.toFixed(3)} ms`);
      const latDuration = opts.latencyDurationSec ?? 5;
      const at = await dnsperf([...base, '-l', String(latDuration), '-c', '4', '-q', '200', '-Q', String(targetQps), '-v'], path.join(dir, 'netsim-target.txt'), (latDuration + 30) * 1000);
      result.netsim.atTarget = at;
      log(`netsim at ${targetQps} qps: ${at.qps.toFixed(0)} qps, loss ${at.lossPercent}%, p50 ${at.p50Ms?.toFixed(3)} ms, p99 ${at.p99Ms?.toFixed(3)} ms`);
      const half = Math.max(1000, Math.round(sat.qps / 2));
      const hl = await dnsperf([...base, '-l', String(latDuration), '-c', '4', '-q', '200', '-Q', String(half), '-v'], path.join(dir, 'netsim-half.txt'), (latDuration + 30) * 1000);
      result.netsim.atHalfLoad = hl;
      log(`netsim at ${half} qps: ${hl.qps.toFixed(0)} qps, loss ${hl.lossPercent}%, p50 ${hl.p50Ms?.toFixed(3)} ms, p99 ${hl.p99Ms?.toFixed(3)} ms`);
      result.netsim.server = { ...server.stats };
      if (opts.nsd === false) skipped.push('nsd: disabled by option');
      else if (!(await which('nsd'))) skipped.push('nsd: not installed (apt-get install -y nsd)');
      else {
        writeNsdZones(zone, cluster, dir);
        const port = await freeUdpPort(host);
        let nsd: ChildProcess | null = null;
        try {
          nsd = await startNsd(dir, host, port);
          const nsdSat = await dnsperf(['-s', host, '-p', String(port), '-d', queryFile, '-t', '2', '-l', String(duration), '-c', '4', '-q', '200'], path.join(dir, 'nsd.txt'), (duration + 30) * 1000);
          result.nsd = nsdSat;
          result.nsdRatio = sat.qps / nsdSat.qps;
          log(`nsd saturation: ${nsdSat.qps.toFixed(0)} qps, loss ${nsdSat.lossPercent}% (netsim/nsd = ${result.nsdRatio.toFixed(2)})`);
        } catch (e) {
          skipped.push(`nsd: ${(e as Error).message}`);
        } finally {
          nsd?.kill('SIGTERM');
        }
      }
    } else skipped.push('dnsperf: not installed (apt-get install -y dnsperf)');
    result.programming = await measureProgramming(zone, server, host, opts.programmingSamples ?? 1000);
    log(`programming latency (upsert -> UDP answer): p50 ${result.programming.p50Ms.toFixed(3)} ms, p99 ${result.programming.p99Ms.toFixed(3)} ms`);
  } finally {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return result;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const i = process.argv.indexOf('--duration');
  const durationSec = i > 0 ? Number(process.argv[i + 1]) : 10;
  const r = await benchDns({ durationSec, log: (l) => console.log(l) });
  console.log(JSON.stringify(r, null, 2));
}
