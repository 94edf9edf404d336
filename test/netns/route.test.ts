import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatIPv4, parseIPv4 } from '../../netns/netfilter/address.js';
import { formatPrefix, parsePrefix, prefixContains, prefixOf } from '../../netns/prefix.js';
import { type Route, RouteTable, Routing, formatRoute } from '../../netns/route.js';

const ip = (s: string) => parseIPv4(s)!;
const p = (s: string) => parsePrefix(s)!;
const via = (dst: string, gw: string, dev = 'eth0'): Route => ({ type: 'unicast', dst: p(dst), dev, via: ip(gw), scope: 'global', proto: 'boot' });
const link = (dst: string, dev: string, src: string): Route => ({ type: 'unicast', dst: p(dst), dev, src: ip(src), scope: 'link', proto: 'kernel' });

describe('netns/prefix', () => {
  it('parses prefixes, clears host bits and prints as ip route does', () => {
    assert.deepEqual(p('10.244.3.7/24'), { family: 4, address: ip('10.244.3.0'), length: 24 });
    assert.equal(formatPrefix(p('0.0.0.0/0')), 'default');
    assert.equal(formatPrefix(p('192.168.0.11/32')), '192.168.0.11');
    assert.equal(formatPrefix(p('192.168.0.11/32'), false), '192.168.0.11/32');
    assert.equal(parsePrefix('10.0.0.0/33'), null);
    assert.equal(parsePrefix('10.0.0/8'), null);
    assert.deepEqual(p('fd00::1/64'), { family: 6, address: 0xfd00n << 112n, length: 64 });
    assert.ok(prefixContains(p('10.244.0.0/16'), ip('10.244.255.255')));
    assert.ok(!prefixContains(p('10.244.0.0/16'), ip('10.245.0.0')));
    assert.ok(!prefixContains(p('fd00::/8'), ip('10.0.0.1')));
  });
});

describe('netns/route: longest-prefix match', () => {
  // A flannel host-gw node's main table (node-1, 10.244.1.0/24).
  const main = new RouteTable('main');
  main.add(via('0.0.0.0/0', '192.168.0.1'));
  main.add(via('10.244.0.0/24', '192.168.0.10'));
  main.add(link('10.244.1.0/24', 'cni0', '10.244.1.1'));
  main.add(via('10.244.2.0/24', '192.168.0.12'));
  main.add(link('192.168.0.0/24', 'eth0', '192.168.0.11'));
  main.add({ type: 'blackhole', dst: p('10.244.9.0/24'), dev: '', scope: 'global', proto: 'static' });

  const table: [string, string][] = [
    ['10.244.1.9', '10.244.1.0/24 dev cni0 proto kernel scope link src 10.244.1.1'],
    ['10.244.2.7', '10.244.2.0/24 via 192.168.0.12 dev eth0'],
    ['10.244.0.255', '10.244.0.0/24 via 192.168.0.10 dev eth0'],
    ['192.168.0.12', '192.168.0.0/24 dev eth0 proto kernel scope link src 192.168.0.11'],
    ['10.96.0.10', 'default via 192.168.0.1 dev eth0'],
    ['10.244.3.1', 'default via 192.168.0.1 dev eth0'],
    ['10.244.9.3', 'blackhole 10.244.9.0/24 proto static'],
  ];
  for (const [dst, want] of table) {
    it(`${dst} → ${want}`, () => assert.equal(formatRoute(main.lookup(ip(dst))!), want));
  }

  it('lists routes in ip route order, default first', () => {
    assert.deepEqual(main.routes().map((r) => formatPrefix(r.dst, false)), [
      'default',
      '10.244.0.0/24',
      '10.244.1.0/24',
      '10.244.2.0/24',
      '10.244.9.0/24',
      '192.168.0.0/24',
    ]);
  });

  it('consults table local before main (rule 0 before 32766) and finds no route without a default', () => {
    const r = new Routing();
    r.local.add({ type: 'local', dst: p('192.168.0.11/32'), dev: 'eth0', src: ip('192.168.0.11'), scope: 'host', proto: 'kernel' });
    r.main.add(link('192.168.0.0/24', 'eth0', '192.168.0.11'));
    assert.deepEqual(r.resolve(ip('192.168.0.11'))?.table, 'local');
    assert.equal(formatRoute(r.resolve(ip('192.168.0.11'))!.route, 'local'), 'local 192.168.0.11 dev eth0 proto kernel scope host src 192.168.0.11');
    assert.equal(r.resolve(ip('192.168.0.12'))?.table, 'main');
    assert.equal(r.resolve(ip('8.8.8.8')), undefined);
    assert.ok(r.isLocal(ip('192.168.0.11')));
    assert.ok(!r.isLocal(ip('192.168.0.12')));
  });

  it('IPv6 tables match on bigints', () => {
    const t = new RouteTable('main', 6);
    t.add({ type: 'unicast', dst: p('fd00::/48'), dev: 'eth0', scope: 'link', proto: 'kernel' });
    t.add({ type: 'unicast', dst: p('fd00:0:0:1::/64'), dev: 'cni0', scope: 'link', proto: 'kernel' });
    assert.equal(t.lookup(parsePrefix('fd00:0:0:1::5')!.address)?.dev, 'cni0');
    assert.equal(t.lookup(parsePrefix('fd00:0:0:2::5')!.address)?.dev, 'eth0');
    assert.equal(t.lookup(ip('10.0.0.1')), undefined);
  });

  it('agrees with a brute-force longest match on random tables (property)', () => {
    const prefix = fc.record({ a: fc.integer({ min: 0, max: 0xffffffff }), len: fc.integer({ min: 0, max: 32 }) });
    fc.assert(
      fc.property(fc.array(prefix, { maxLength: 40 }), fc.array(fc.integer({ min: 0, max: 0xffffffff }), { minLength: 1, maxLength: 20 }), (prefixes, probes) => {
        const t = new RouteTable('main');
        const routes = new Map<string, Route>();
        for (const { a, len } of prefixes) {
          const dst = prefixOf(a >>> 0, len);
          const r: Route = { type: 'unicast', dst, dev: `d${formatPrefix(dst, false)}`, scope: 'global', proto: 'static' };
          t.add(r);
          routes.set(formatPrefix(dst, false), r);
        }
        for (const x of probes) {
          let best: Route | undefined;
          for (const r of routes.values()) if (prefixContains(r.dst, x >>> 0) && (!best || r.dst.length > best.dst.length)) best = r;
          if (t.lookup(x >>> 0) !== best) throw new Error(`${formatIPv4(x >>> 0)}: ${t.lookup(x >>> 0)?.dev} vs ${best?.dev}`);
        }
      }),
      { seed: 42, numRuns: 200 },
    );
  });
});
