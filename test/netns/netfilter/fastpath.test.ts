import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatIPv4, parseIPv4 } from '../../../netns/netfilter/address.js';
import { type EvalContext, type Packet, type TableSelector, evaluate } from '../../../netns/netfilter/evaluate.js';
import { compileFastPath } from '../../../netns/netfilter/fastpath.js';
import type { ConntrackState } from '../../../netns/netfilter/outcome.js';
import { parseIptablesSave } from '../../../netns/netfilter/parse.js';
import type { Hook, Ruleset } from '../../../netns/netfilter/ruleset.js';
import { generateKubeProxyRules } from '../../../netns/netfilter/testing.js';

const ip = (s: string): number => parseIPv4(s)!;
const NODE = ip('192.168.0.11');

const g = generateKubeProxyRules({ services: 60, endpoints: (i) => i % 5, nodePortEvery: 3, affinityEvery: 4, udpEvery: 6 });
const kube = parseIptablesSave(g.text);
const withEndpoints = g.services.filter((s) => s.endpoints.length > 0);

/** Rules a user might write, exercising what the fast path folds: MARK then mark checks, DNAT then -d, nth. */
const custom = parseIptablesSave(
  [
    '*mangle',
    ':PREROUTING ACCEPT [0:0]',
    ':INPUT ACCEPT [0:0]',
    ':FORWARD ACCEPT [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    ':POSTROUTING ACCEPT [0:0]',
    '-A OUTPUT -p tcp -m tcp --dport 80 -j MARK --set-xmark 0x10/0xf0',
    '-A OUTPUT -m mark --mark 0x20/0xf0 -j MARK --set-mark 0x0',
    '-A OUTPUT -m mark --mark 0x10/0x10 -j MARK --or-mark 0x1',
    '-A OUTPUT -m mark ! --mark 0x11/0xff -j LOG',
    'COMMIT',
    '*nat',
    ':PREROUTING ACCEPT [0:0]',
    ':INPUT ACCEPT [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    ':POSTROUTING ACCEPT [0:0]',
    '-A OUTPUT -d 10.96.0.99/32 -p tcp -m tcp --dport 80 -m statistic --mode random --probability 0.25 -j DNAT --to-destination 10.244.9.1:8080',
    '-A OUTPUT -d 10.96.0.99/32 -p tcp -m tcp --dport 80 -j DNAT --to-destination 10.244.9.2',
    '-A OUTPUT -p udp -m statistic --mode nth --every 2 -j DNAT --to-destination 10.244.9.3:53',
    '-A OUTPUT -d 10.96.0.98/32 -p tcp -m tcp --dport 80 -j DNAT --to-destination 10.96.0.98:8080',
    'COMMIT',
    '*filter',
    ':INPUT ACCEPT [0:0]',
    ':FORWARD ACCEPT [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    '-A OUTPUT -d 10.96.0.99/32 -j REJECT',
    `-A OUTPUT -s ${formatIPv4(withEndpoints[0]!.endpoints[0]!.ip)}/32 -j LOG`,
    '-A OUTPUT -s 10.244.0.0/16 -j LOG --log-prefix pods',
    '-A OUTPUT -d 10.244.9.1/32 -p tcp -m tcp --dport 8080 -m conntrack --ctstate DNAT -j ACCEPT',
    '-A OUTPUT -d 10.244.9.2/32 -m conntrack --ctstate DNAT -j LOG',
    '-A OUTPUT -d 10.96.0.98/32 -m conntrack --ctstate DNAT -j LOG',
    '-A OUTPUT -d 10.244.9.0/24 -m mark --mark 0x11 -j DROP',
    'COMMIT',
  ].join('\n'),
);

const pick = <T>(xs: readonly T[]) => fc.integer({ min: 0, max: xs.length - 1 }).map((i) => xs[i]!);

/** Random flows over the generated ruleset: Services (right and wrong ports), NodePorts, strangers. */
const source = fc.oneof(
  fc.integer({ min: 0, max: 65535 }).map((n) => ip('10.244.0.0') + n), // pods
  fc.constant(withEndpoints[0]!.endpoints[0]!.ip),
  pick(withEndpoints.flatMap((s) => s.endpoints.map((e) => e.ip))),
  fc.constant(NODE),
  fc.constant(ip('127.0.0.1')),
  fc.integer({ min: 0, max: 0xffffffff }), // anywhere
);
const target = fc.oneof(
  pick(g.services).map((s) => ({ dst: s.clusterIP, proto: s.protocol as string, dport: s.port })),
  pick(g.services).map((s) => ({ dst: s.clusterIP, proto: s.protocol as string, dport: s.port + 1 })),
  pick(g.services.filter((s) => s.nodePort !== null)).map((s) => ({ dst: NODE, proto: s.protocol as string, dport: s.nodePort! })),
  fc.record({ dst: fc.integer({ min: 0, max: 0xffffffff }), proto: fc.constantFrom('tcp', 'udp', 'icmp', 'sctp'), dport: fc.integer({ min: 0, max: 65535 }) }),
  fc.constant({ dst: ip('10.96.0.99'), proto: 'tcp', dport: 80 }),
  fc.constant({ dst: ip('10.96.0.98'), proto: 'tcp', dport: 80 }),
  fc.constant({ dst: ip('10.244.9.1'), proto: 'tcp', dport: 8080 }),
);
/** A pod reaching its own Service (hairpin): the source is one of the Service's endpoints. */
const hairpin = pick(withEndpoints).chain((s) =>
  pick(s.endpoints).map((e) => ({ src: e.ip, target: { dst: s.clusterIP, proto: s.protocol as string, dport: s.port } })),
);
const flow = fc.record({
  ends: fc.oneof({ arbitrary: fc.record({ src: source, target }), weight: 4 }, { arbitrary: hairpin, weight: 1 }),
  sport: fc.integer({ min: 1, max: 65535 }),
  mark: fc.constantFrom(0, 0x4000, 0x10, 0x11, 0x20, 0x4011),
  inIface: fc.constantFrom(undefined, 'cni0', 'eth0'),
  fragment: fc.constantFrom(undefined, undefined, undefined, true),
  ctstate: fc.constantFrom<ConntrackState>('NEW', 'NEW', 'NEW', 'ESTABLISHED', 'RELATED', 'INVALID'),
  recentAge: fc.option(fc.integer({ min: 0, max: 20_000_000 }), { nil: undefined }),
  nth: fc.option(fc.integer({ min: 0, max: 1 }), { nil: undefined }),
});

type Flow = typeof flow extends fc.Arbitrary<infer T> ? T : never;

const NOW = 100_000_000;

function packetOf(f: Flow): Packet {
  const { src, target: t } = f.ends;
  const p: { -readonly [K in keyof Packet]: Packet[K] } = { src, dst: t.dst, proto: t.proto, sport: f.sport, dport: t.dport, mark: f.mark };
  if (f.inIface !== undefined) p.inIface = f.inIface;
  if (f.fragment !== undefined) p.fragment = f.fragment;
  return p;
}

function contextOf(f: Flow): EvalContext {
  // A recent entry for this source in every affinity list, of the drawn age.
  const recent = new Map<string, Map<number, number>>();
  if (f.recentAge !== undefined) {
    for (const s of g.services) {
      if (s.affinity === null) continue;
      for (const e of s.endpoints.slice(0, 1)) recent.set(e.chain, new Map([[f.ends.src, NOW - f.recentAge]]));
    }
  }
  return {
    isLocalAddress: (a) => a === NODE || (typeof a === 'number' && a >>> 24 === 127),
    ctstate: f.ctstate,
    now: NOW,
    recent,
    masqueradeAddress: () => NODE,
    nthCounters: f.nth === undefined ? undefined : new Map([['nat/OUTPUT/3/0', f.nth]]),
  };
}

function equivalent(rs: Ruleset, hook: Hook, table: TableSelector, runs: number): void {
  const fast = compileFastPath(rs, hook, table);
  fc.assert(
    fc.property(flow, (f) => {
      const p = packetOf(f);
      const c = contextOf(f);
      const walked = evaluate(rs, hook, table, p, c);
      // Twice: the first call may walk and record; the second must replay what was learned
      // (a replay that strays into an unexplored branch would silently fall back to walking).
      assert.deepStrictEqual(fast(p, c), walked);
      const replays = fast.stats.replays;
      assert.deepStrictEqual(fast(p, c), walked);
      assert.equal(fast.stats.replays, replays + 1, 'the same packet and context must replay');
    }),
    { seed: 42, numRuns: runs },
  );
}

describe('netns/netfilter fast path', () => {
  it('gives the same outcomes as the rule walk in nat PREROUTING (ClusterIPs, NodePorts, affinity, hairpin)', () => {
    equivalent(kube, 'PREROUTING', 'nat', 400);
  });
  it('and in nat POSTROUTING (masquerade marks)', () => {
    equivalent(kube, 'POSTROUTING', 'nat', 200);
  });
  it('and through every table at OUTPUT and FORWARD', () => {
    equivalent(kube, 'OUTPUT', 'all', 200);
    equivalent(kube, 'FORWARD', 'all', 200);
  });
  it('and for hand-written rules that re-check what earlier targets changed (MARK, DNAT, nth)', () => {
    equivalent(custom, 'OUTPUT', 'all', 400);
  });
  it('learns once per kind of packet and then replays', () => {
    const fast = compileFastPath(kube, 'PREROUTING', 'nat');
    const s = withEndpoints[0]!;
    const ctx: EvalContext = { isLocalAddress: (a) => a === NODE };
    for (let i = 0; i < 50; i++) fast({ src: ip('10.244.100.0') + i, dst: s.clusterIP, proto: s.protocol, sport: 1000 + i, dport: s.port }, ctx);
    assert.deepEqual({ walks: fast.stats.walks, replays: fast.stats.replays }, { walks: 1, replays: 49 });
  });
});
