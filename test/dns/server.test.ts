// Integration: the real server on 127.0.0.1 (port 0), queried with the real `dig`.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import dgram from 'node:dgram';
import net from 'node:net';
import { promisify } from 'node:util';
import { queryDnsServer } from '../../dns/client.js';
import { answerQuery } from '../../dns/kubernetes.js';
import { resolveName, resolveNameAsync } from '../../dns/resolver.js';
import { type RunningDnsServer, startDnsServer } from '../../dns/server.js';
import { ClusterZone, clusterDNSConfig } from '../../dns/zone.js';
import { ep, fixtureObjects, fixtureZone, service, slice } from './fixtures.js';

const run = promisify(execFile);

interface DigResult {
  status: string;
  flags: string[];
  answer: string[];
  authority: string[];
  additional: string[];
  /** The UDP size of the OPT record in the reply, or null when the reply had none. */
  ednsUdp: number | null;
  raw: string;
}

function parseDig(out: string): DigResult {
  const status = /status: (\w+)/.exec(out)?.[1] ?? '';
  const flags = (/;; flags: ([^;]*);/.exec(out)?.[1] ?? '').trim().split(/\s+/).filter(Boolean);
  const udp = /; EDNS: version: \d+, flags:[^;]*; udp: (\d+)/.exec(out);
  const section = (title: string) => {
    const m = new RegExp(`;; ${title} SECTION:\\n([\\s\\S]*?)(?:\\n\\n|$)`).exec(out);
    return m ? m[1]!.split('\n').filter((l) => l && !l.startsWith(';')).map((l) => l.split(/\s+/).join(' ')) : [];
  };
  return { status, flags, answer: section('ANSWER'), authority: section('AUTHORITY'), additional: section('ADDITIONAL'), ednsUdp: udp ? Number(udp[1]) : null, raw: out };
}

describe('dns/server (dig against 127.0.0.1)', function () {
  this.timeout(20000);
  let server: RunningDnsServer;
  let zone: ClusterZone;
  const errors: Error[] = [];

  const dig = async (...args: string[]): Promise<DigResult> => {
    const { stdout } = await run('dig', ['@127.0.0.1', '-p', String(server.udpPort), '+time=2', '+tries=1', ...args], { timeout: 10000 });
    return parseDig(stdout);
  };

  before(async function () {
    try {
      await run('dig', ['-v'], { timeout: 5000 });
    } catch {
      console.log('    skipped: `dig` is not installed (apt-get install -y bind9-dnsutils)');
      this.skip();
    }
    zone = fixtureZone();
    // A headless service whose A answer cannot fit 512 bytes.
    zone.upsert(service('testns', 'big', { clusterIP: 'None', clusterIPs: ['None'] }));
    zone.upsert(slice('testns', 'big-x1', 'big', 'IPv4', Array.from({ length: 60 }, (_, i) => ep(`10.250.0.${i + 1}`))));
    server = await startDnsServer(zone, { host: '127.0.0.1', port: 0, onError: (e) => errors.push(e) });
  });

  after(async () => {
    await server?.close();
  });

  it('binds UDP and TCP on the same loopback port', () => {
    assert.equal(server.host, '127.0.0.1');
    assert.ok(server.udpPort > 0);
    assert.equal(server.tcpPort, server.udpPort);
  });

  it('A for a ClusterIP service: AA set, RA not set, OPT echoed', async () => {
    const r = await dig('svc1.testns.svc.cluster.local', 'A');
    assert.equal(r.status, 'NOERROR');
    assert.deepEqual(r.flags, ['qr', 'aa', 'rd']);
    assert.deepEqual(r.answer, ['svc1.testns.svc.cluster.local. 5 IN A 10.0.0.1']);
    assert.equal(r.ednsUdp, 1232);
  });

  it('SRV with targets and glue', async () => {
    const r = await dig('_http._tcp.hdls1.testns.svc.cluster.local', 'SRV');
    assert.equal(r.status, 'NOERROR');
    assert.deepEqual(r.answer.sort(), ['172-0-0-2', '172-0-0-3', '5678-abcd--1', '5678-abcd--2', 'dup-name'].map((h) => `_http._tcp.hdls1.testns.svc.cluster.local. 5 IN SRV 0 16 80 ${h}.hdls1.testns.svc.cluster.local.`));
    assert.deepEqual(r.additional.sort(), [
      '172-0-0-2.hdls1.testns.svc.cluster.local. 5 IN A 172.0.0.2',
      '172-0-0-3.hdls1.testns.svc.cluster.local. 5 IN A 172.0.0.3',
      '5678-abcd--1.hdls1.testns.svc.cluster.local. 5 IN AAAA 5678:abcd::1',
      '5678-abcd--2.hdls1.testns.svc.cluster.local. 5 IN AAAA 5678:abcd::2',
      'dup-name.hdls1.testns.svc.cluster.local. 5 IN A 172.0.0.4',
      'dup-name.hdls1.testns.svc.cluster.local. 5 IN A 172.0.0.5',
    ]);
  });

  it('PTR for a ClusterIP and for an endpoint', async () => {
    assert.deepEqual((await dig('-x', '10.0.0.1')).answer, ['1.0.0.10.in-addr.arpa. 5 IN PTR svc1.testns.svc.cluster.local.']);
    assert.deepEqual((await dig('-x', '5678:abcd::2')).answer, ['2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.c.b.a.8.7.6.5.ip6.arpa. 5 IN PTR 5678-abcd--2.hdls1.testns.svc.cluster.local.']);
  });

  it('headless A: every ready endpoint', async () => {
    const r = await dig('hdls1.testns.svc.cluster.local');
    assert.deepEqual(r.answer.sort(), ['172.0.0.2', '172.0.0.3', '172.0.0.4', '172.0.0.5'].map((ip) => `hdls1.testns.svc.cluster.local. 5 IN A ${ip}`));
  });

  it('NXDOMAIN and NODATA carry the SOA and AA', async () => {
    const soa = 'cluster.local. 5 IN SOA ns.dns.cluster.local. hostmaster.cluster.local. 1767225600 7200 1800 86400 5';
    const nx = await dig('svc0.testns.svc.cluster.local');
    assert.equal(nx.status, 'NXDOMAIN');
    assert.ok(nx.flags.includes('aa'));
    assert.deepEqual(nx.authority, [soa]);
    const nodata = await dig('svc1.testns.svc.cluster.local', 'AAAA');
    assert.equal(nodata.status, 'NOERROR');
    assert.ok(nodata.flags.includes('aa'));
    assert.deepEqual(nodata.answer, []);
    assert.deepEqual(nodata.authority, [soa]);
  });

  it('echoes the question spelling', async () => {
    const r = await dig('SVC1.TestNs.svc.Cluster.Local', 'A');
    assert.deepEqual(r.answer, ['SVC1.TestNs.svc.Cluster.Local. 5 IN A 10.0.0.1']);
  });

  it('answers over TCP', async () => {
    const r = await dig('+tcp', 'svc-dual-stack.testns.svc.cluster.local', 'AAAA');
    assert.match(r.raw, /\(TCP\)/);
    assert.deepEqual(r.answer, ['svc-dual-stack.testns.svc.cluster.local. 5 IN AAAA 10::3']);
  });

  it('truncates an over-size UDP reply (TC=1) and gives it whole over TCP', async () => {
    const cut = await dig('+ignore', '+bufsize=512', 'big.testns.svc.cluster.local');
    assert.ok(cut.flags.includes('tc'), cut.raw);
    assert.deepEqual(cut.answer, []);
    assert.equal(cut.ednsUdp, 1232);
    const noEdns = await dig('+ignore', '+noedns', 'big.testns.svc.cluster.local');
    assert.ok(noEdns.flags.includes('tc'));
    assert.equal(noEdns.ednsUdp, null);
    const whole = await dig('+tcp', 'big.testns.svc.cluster.local');
    assert.equal(whole.answer.length, 60);
    assert.ok(!whole.flags.includes('tc'));
    // the client's larger EDNS size is honoured over UDP
    const big = await dig('+bufsize=4096', 'big.testns.svc.cluster.local');
    assert.equal(big.answer.length, 60);
    assert.doesNotMatch(big.raw, /\(TCP\)/);
  });

  it('EDNS: OPT only when asked, BADVERS for version 1', async () => {
    assert.equal((await dig('+noedns', 'svc1.testns.svc.cluster.local')).ednsUdp, null);
    assert.equal((await dig('+edns=1', '+noednsnegotiation', 'svc1.testns.svc.cluster.local')).status, 'BADVERS');
  });

  it('sees zone changes at once (the cache follows the revision)', async () => {
    assert.equal((await dig('new-svc.testns.svc.cluster.local')).status, 'NXDOMAIN');
    zone.upsert(service('testns', 'new-svc', { clusterIP: '10.0.0.77', clusterIPs: ['10.0.0.77'] }));
    assert.deepEqual((await dig('new-svc.testns.svc.cluster.local')).answer, ['new-svc.testns.svc.cluster.local. 5 IN A 10.0.0.77']);
  });

  it('serves repeated questions from the raw-datagram cache path', async () => {
    const before = server.stats.fastPathHits;
    for (let i = 0; i < 3; i++) assert.equal((await dig('web-0.web.testns.svc.cluster.local')).answer.length, 1);
    assert.ok(server.stats.fastPathHits >= before + 2);
  });

  it('refuses names outside the cluster and its simulated upstream', async () => {
    const r = await dig('example.com');
    assert.equal(r.status, 'REFUSED');
    assert.deepEqual((await dig('ext.interwebs.test')).answer, ['ext.interwebs.test. 300 IN A 1.2.3.4']);
  });

  it('survives garbage, answers FORMERR for malformed queries, then still answers', async () => {
    const sock = dgram.createSocket('udp4');
    const replies: Buffer[] = [];
    sock.on('message', (m) => replies.push(m));
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    const send = (b: Buffer) => new Promise<void>((r) => sock.send(b, server.udpPort, '127.0.0.1', () => r()));
    await send(Buffer.from([1, 2, 3]));
    await send(Buffer.alloc(0));
    // text: its header decodes with opcode 13 -> NOTIMP, as miekg/dns rejects unknown opcodes
    await send(Buffer.from('this is not a dns message at all, just text'));
    // id 0x1234, QDCOUNT 0: decodes, but has no question -> FORMERR
    await send(Buffer.from([0x12, 0x34, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]));
    // id 0x4321, QDCOUNT 1 with a label length byte of 0x50 (reserved bits) -> FORMERR
    await send(Buffer.from([0x43, 0x21, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x50, 0x61, 0, 0, 1, 0, 1]));
    // a response (QR=1) is ignored
    await send(Buffer.from([0x55, 0x55, 0x81, 0, 0, 0, 0, 0, 0, 0, 0, 0]));
    await new Promise((r) => setTimeout(r, 300));
    sock.close();
    const byId = new Map(replies.map((m) => [m.readUInt16BE(0), m]));
    assert.equal(byId.get(0x1234)![3]! & 0x0f, 1, 'FORMERR for no question');
    assert.equal(byId.get(0x4321)![3]! & 0x0f, 1, 'FORMERR for a bad name');
    assert.equal(byId.get(0x7468)![3]! & 0x0f, 4, 'NOTIMP for opcode 13');
    assert.equal(byId.has(0x5555), false);
    assert.equal(replies.length, 3);
    // TCP garbage: the connection is dropped, the server lives on
    await new Promise<void>((resolve) => {
      const c = net.connect(server.tcpPort, '127.0.0.1', () => c.end(Buffer.from([0, 3, 9, 9, 9])));
      c.on('close', () => resolve());
      c.on('error', () => resolve());
    });
    assert.deepEqual((await dig('svc1.testns.svc.cluster.local')).answer, ['svc1.testns.svc.cluster.local. 5 IN A 10.0.0.1']);
    assert.deepEqual((await dig('+tcp', 'svc1.testns.svc.cluster.local')).answer, ['svc1.testns.svc.cluster.local. 5 IN A 10.0.0.1']);
  });

  it('the pod resolver walk over the live server equals the walk over the pure answer function', async () => {
    const rc = { nameservers: ['127.0.0.1'], searches: ['testns.svc.cluster.local', 'svc.cluster.local', 'cluster.local'], options: [{ name: 'ndots', value: '5' }] };
    for (const [name, type] of [['svc1', 'A+AAAA'], ['hdls1.testns', 'A'], ['_http._tcp.svc1', 'SRV'], ['external', 'A'], ['ext.interwebs.test', 'A']] as const) {
      for (const resolver of ['glibc', 'musl'] as const) {
        const live = await resolveNameAsync(rc, name, type, (n, t) => queryDnsServer('127.0.0.1', server.udpPort, n, t), { resolver });
        const pure = resolveName(rc, name, type, (n, t) => answerQuery(zone, { name: n, type: t }), { resolver });
        const norm = (w: typeof pure) => ({ ...w, answers: [...w.answers].sort((a, b) => a.data.localeCompare(b.data)), queries: w.queries.map((q) => ({ ...q, answers: [...q.answers].sort((a, b) => a.data.localeCompare(b.data)) })), final: null });
        assert.deepEqual(norm(live), norm(pure), `${name} ${type} ${resolver}`);
        assert.equal(live.status, 'NOERROR', `${name} ${type} ${resolver}`);
      }
    }
  });

  it('forwards outside names to configured resolvers only', async () => {
    // The "real upstream" is another instance serving its own simulated world, on loopback.
    const world = new ClusterZone(clusterDNSConfig({ dns: { upstream: { records: ['www.example.test. 120 IN A 198.51.100.7'] } } }));
    const upstream = await startDnsServer(world, { port: 0 });
    const zoneWithForward = new ClusterZone(clusterDNSConfig({ dns: { ttl: 5 } }));
    for (const o of fixtureObjects()) zoneWithForward.upsert(o);
    const fwd = await startDnsServer(zoneWithForward, { port: 0, forward: [`127.0.0.1:${upstream.udpPort}`] });
    try {
      const { stdout } = await run('dig', ['@127.0.0.1', '-p', String(fwd.udpPort), '+time=2', '+tries=1', 'www.example.test'], { timeout: 10000 });
      const r = parseDig(stdout);
      assert.equal(r.status, 'NOERROR');
      assert.deepEqual(r.answer, ['www.example.test. 120 IN A 198.51.100.7']);
      assert.ok(r.flags.includes('ra') && !r.flags.includes('aa'));
      assert.equal(fwd.stats.forwarded, 1);
      // cluster names are still answered locally
      const { stdout: s2 } = await run('dig', ['@127.0.0.1', '-p', String(fwd.udpPort), '+time=2', '+tries=1', 'svc1.testns.svc.cluster.local'], { timeout: 10000 });
      assert.deepEqual(parseDig(s2).answer, ['svc1.testns.svc.cluster.local. 5 IN A 10.0.0.1']);
    } finally {
      await fwd.close();
      await upstream.close();
    }
  });
});
