import assert from 'node:assert/strict';
import { formatIPv4, parseIPv4, parseIPv6 } from '../../../netns/netfilter/address.js';
import { type EvalContext, type Outcome, type Packet, evaluate } from '../../../netns/netfilter/evaluate.js';
import { parseIptablesSave } from '../../../netns/netfilter/parse.js';
import { generateKubeProxyRules } from '../../../netns/netfilter/testing.js';

const ip = (s: string): number => parseIPv4(s)!;
const NODE = ip('192.168.0.11');
const ctx: EvalContext = { isLocalAddress: (a) => a === NODE || (typeof a === 'number' && a >>> 24 === 127) };

/** The kernel's chance for `--probability 0.33333333349`: lround(p * 2^31) / 2^31. */
const P_THIRD = 715827883 / 2 ** 31;

const REDIS = `*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:KUBE-MARK-MASQ - [0:0]
:KUBE-NODEPORTS - [0:0]
:KUBE-POSTROUTING - [0:0]
:KUBE-SERVICES - [0:0]
:KUBE-SVC-X - [0:0]
:KUBE-EXT-X - [0:0]
:KUBE-SEP-A - [0:0]
:KUBE-SEP-B - [0:0]
:KUBE-SEP-C - [0:0]
-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING
-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000
-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN
-A KUBE-POSTROUTING -j MARK --set-xmark 0x4000/0x0
-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully
-A KUBE-NODEPORTS -p tcp -m comment --comment "default/redis:redis" -m tcp --dport 30379 -j KUBE-EXT-X
-A KUBE-SERVICES -d 10.96.0.20/32 -p tcp -m comment --comment "default/redis:redis cluster IP" -m tcp --dport 6379 -j KUBE-SVC-X
-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS
-A KUBE-EXT-X -m comment --comment "masquerade traffic for default/redis:redis external destinations" -j KUBE-MARK-MASQ
-A KUBE-EXT-X -j KUBE-SVC-X
-A KUBE-SVC-X ! -s 10.244.0.0/16 -d 10.96.0.20/32 -p tcp -m comment --comment "default/redis:redis cluster IP" -m tcp --dport 6379 -j KUBE-MARK-MASQ
-A KUBE-SVC-X -m comment --comment "default/redis:redis -> 10.244.1.5:6379" -m statistic --mode random --probability 0.33333333349 -j KUBE-SEP-A
-A KUBE-SVC-X -m comment --comment "default/redis:redis -> 10.244.2.5:6379" -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-B
-A KUBE-SVC-X -m comment --comment "default/redis:redis -> 10.244.3.5:6379" -j KUBE-SEP-C
-A KUBE-SEP-A -s 10.244.1.5/32 -m comment --comment "default/redis:redis" -j KUBE-MARK-MASQ
-A KUBE-SEP-A -p tcp -m comment --comment "default/redis:redis" -m tcp -j DNAT --to-destination 10.244.1.5:6379
-A KUBE-SEP-B -s 10.244.2.5/32 -m comment --comment "default/redis:redis" -j KUBE-MARK-MASQ
-A KUBE-SEP-B -p tcp -m comment --comment "default/redis:redis" -m tcp -j DNAT --to-destination 10.244.2.5:6379
-A KUBE-SEP-C -s 10.244.3.5/32 -m comment --comment "default/redis:redis" -j KUBE-MARK-MASQ
-A KUBE-SEP-C -p tcp -m comment --comment "default/redis:redis" -m tcp -j DNAT --to-destination 10.244.3.5:6379
COMMIT
`;

const redis = parseIptablesSave(REDIS);
const line = (prefix: string): string => REDIS.split('\n').find((l) => l.startsWith(prefix))!;

function tcp(src: string, dst: string, dport: number, extra: Partial<Packet> = {}): Packet {
  return { src: ip(src), dst: ip(dst), proto: 'tcp', sport: 40000, dport, ...extra };
}

const sum = (os: readonly Outcome[]): number => os.reduce((a, o) => a + o.probability, 0);
const summary = (os: readonly Outcome[]): string[] =>
  os.map((o) => `${o.verdict} ${formatIPv4(o.packet.src as number)}->${formatIPv4(o.packet.dst as number)}:${o.packet.dport} mark=${o.mark.toString(16)}`);

describe('netns/netfilter evaluate', () => {
  describe('kube-proxy ClusterIP with three endpoints', () => {
    const pod = tcp('10.244.1.9', '10.96.0.20', 6379, { inIface: 'cni0' });
    const out = evaluate(redis, 'PREROUTING', 'nat', pod, ctx);

    it('returns every backend with the kernel’s quantised chances (1/3 each within 1e-9)', () => {
      assert.deepEqual(
        out.map((o) => o.probability),
        [P_THIRD, (1 - P_THIRD) * 0.5, (1 - P_THIRD) * (1 - 0.5)],
      );
      for (const o of out) assert.ok(Math.abs(o.probability - 1 / 3) < 1e-9, String(o.probability));
      assert.ok(Math.abs(sum(out) - 1) < 1e-9);
    });

    it('gives each outcome its DNAT, rewritten packet, trace and rule count', () => {
      const hop = (chain: string, index: number, rule: string, action: string, probability?: number) =>
        probability === undefined ? { table: 'nat' as const, chain, index, rule, action } : { table: 'nat' as const, chain, index, rule, action, probability };
      const pre = hop('PREROUTING', 1, line('-A PREROUTING'), 'jump KUBE-SERVICES');
      const svc = hop('KUBE-SERVICES', 1, line('-A KUBE-SERVICES -d'), 'jump KUBE-SVC-X');
      const skip = (i: number, p: number) =>
        hop('KUBE-SVC-X', i, line(`-A KUBE-SVC-X -m comment --comment "default/redis:redis -> 10.244.${i - 1}.5`), 'not taken (statistic random)', p);
      const dnat = (sep: string, ep: string) => hop(sep, 2, line(`-A ${sep} -p tcp`), `DNAT --to-destination ${ep}:6379`);
      const expected: Outcome[] = [
        {
          probability: P_THIRD,
          verdict: 'ACCEPT',
          packet: { ...pod, dst: ip('10.244.1.5'), mark: 0 },
          mark: 0,
          dnat: { address: ip('10.244.1.5'), port: 6379 },
          hops: [pre, svc, hop('KUBE-SVC-X', 2, line('-A KUBE-SVC-X -m comment --comment "default/redis:redis -> 10.244.1.5'), 'jump KUBE-SEP-A', P_THIRD), dnat('KUBE-SEP-A', '10.244.1.5')],
          rulesEvaluated: 6,
          effects: [],
        },
        {
          probability: (1 - P_THIRD) * 0.5,
          verdict: 'ACCEPT',
          packet: { ...pod, dst: ip('10.244.2.5'), mark: 0 },
          mark: 0,
          dnat: { address: ip('10.244.2.5'), port: 6379 },
          hops: [pre, svc, skip(2, 1 - P_THIRD), hop('KUBE-SVC-X', 3, line('-A KUBE-SVC-X -m comment --comment "default/redis:redis -> 10.244.2.5'), 'jump KUBE-SEP-B', 0.5), dnat('KUBE-SEP-B', '10.244.2.5')],
          rulesEvaluated: 7,
          effects: [],
        },
        {
          probability: (1 - P_THIRD) * 0.5,
          verdict: 'ACCEPT',
          packet: { ...pod, dst: ip('10.244.3.5'), mark: 0 },
          mark: 0,
          dnat: { address: ip('10.244.3.5'), port: 6379 },
          hops: [pre, svc, skip(2, 1 - P_THIRD), skip(3, 0.5), hop('KUBE-SVC-X', 4, line('-A KUBE-SVC-X -m comment --comment "default/redis:redis -> 10.244.3.5'), 'jump KUBE-SEP-C'), dnat('KUBE-SEP-C', '10.244.3.5')],
          rulesEvaluated: 8,
          effects: [],
        },
      ];
      assert.deepEqual(out, expected);
    });

    it('marks for masquerade what kube-proxy marks (node source, hairpin, NodePort), and nothing else', () => {
      assert.deepEqual(summary(evaluate(redis, 'PREROUTING', 'nat', tcp('192.168.0.12', '10.96.0.20', 6379), ctx)), [
        'ACCEPT 192.168.0.12->10.244.1.5:6379 mark=4000',
        'ACCEPT 192.168.0.12->10.244.2.5:6379 mark=4000',
        'ACCEPT 192.168.0.12->10.244.3.5:6379 mark=4000',
      ]);
      // A pod reaching itself through its Service (hairpin) is masqueraded, only on that branch.
      assert.deepEqual(summary(evaluate(redis, 'PREROUTING', 'nat', tcp('10.244.2.5', '10.96.0.20', 6379), ctx)), [
        'ACCEPT 10.244.2.5->10.244.1.5:6379 mark=0',
        'ACCEPT 10.244.2.5->10.244.2.5:6379 mark=4000',
        'ACCEPT 10.244.2.5->10.244.3.5:6379 mark=0',
      ]);
      // NodePort on a local address: KUBE-EXT marks everything (eTP=Cluster), even from a pod.
      assert.deepEqual(summary(evaluate(redis, 'PREROUTING', 'nat', tcp('10.244.1.9', '192.168.0.11', 30379), ctx)), [
        'ACCEPT 10.244.1.9->10.244.1.5:6379 mark=4000',
        'ACCEPT 10.244.1.9->10.244.2.5:6379 mark=4000',
        'ACCEPT 10.244.1.9->10.244.3.5:6379 mark=4000',
      ]);
      // The same port on an address that is not local, or another port on the VIP: untouched.
      for (const p of [tcp('1.2.3.4', '192.168.0.99', 30379), tcp('10.244.1.9', '10.96.0.20', 6380)]) {
        const o = evaluate(redis, 'PREROUTING', 'nat', p, ctx);
        assert.equal(o.length, 1);
        assert.deepEqual(o[0]!.packet, { ...p, mark: 0 });
        assert.equal(o[0]!.dnat, undefined);
        assert.deepEqual(o[0]!.hops.map((h) => `${h.chain}#${h.index} ${h.action}`), [
          'PREROUTING#1 jump KUBE-SERVICES',
          'PREROUTING#0 policy ACCEPT',
        ]);
        assert.equal(o[0]!.rulesEvaluated, 3);
      }
    });

    it('masquerades in POSTROUTING exactly the marked packets, clearing the mark (KUBE-POSTROUTING)', () => {
      const post: EvalContext = { ...ctx, masqueradeAddress: () => NODE };
      const marked = evaluate(redis, 'POSTROUTING', 'nat', tcp('192.168.0.12', '10.244.1.5', 6379, { outIface: 'eth0', mark: 0x4000 }), post);
      assert.equal(marked.length, 1);
      assert.deepEqual(marked[0]!.snat, { address: NODE, port: 40000, masquerade: true, randomFully: true });
      assert.equal(marked[0]!.packet.src, NODE);
      assert.equal(marked[0]!.mark, 0);
      assert.deepEqual(marked[0]!.hops.map((h) => `${h.chain}#${h.index} ${h.action}`), [
        'POSTROUTING#1 jump KUBE-POSTROUTING',
        'KUBE-POSTROUTING#2 MARK --set-xmark 0x4000/0x0',
        'KUBE-POSTROUTING#3 MASQUERADE --random-fully',
      ]);
      assert.equal(marked[0]!.rulesEvaluated, 4);
      const plain = evaluate(redis, 'POSTROUTING', 'nat', tcp('10.244.1.9', '10.244.1.5', 6379, { outIface: 'cni0', mark: 0x1 }), post);
      assert.equal(plain[0]!.snat, undefined);
      assert.equal(plain[0]!.mark, 0x1);
      assert.deepEqual(plain[0]!.hops.map((h) => `${h.chain}#${h.index} ${h.action}`), [
        'POSTROUTING#1 jump KUBE-POSTROUTING',
        'KUBE-POSTROUTING#1 RETURN',
        'POSTROUTING#0 policy ACCEPT',
      ]);
    });

    it('leaves established connections to conntrack: the nat table only sees NEW and RELATED', () => {
      const o = evaluate(redis, 'PREROUTING', 'nat', tcp('10.244.1.9', '10.96.0.20', 6379), { ...ctx, ctstate: 'ESTABLISHED' });
      assert.deepEqual(o.map((x) => [x.verdict, x.hops.length, x.rulesEvaluated, x.dnat]), [['ACCEPT', 0, 0, undefined]]);
      assert.equal(evaluate(redis, 'PREROUTING', 'nat', tcp('10.244.1.9', '10.96.0.20', 6379), { ...ctx, ctstate: 'RELATED' }).length, 3);
    });
  });

  describe('external traffic: eTP=Local, loadBalancerSourceRanges, filter DROP and REJECT', () => {
    // Service web (eTP=Local, endpoint on another node only) and api (LB IP 5.6.7.8 with
    // loadBalancerSourceRanges 203.0.113.0/25), spelled as kube-proxy writes them.
    const rs = parseIptablesSave(
      [
        '*filter',
        ':INPUT ACCEPT [0:0]',
        ':FORWARD ACCEPT [0:0]',
        ':OUTPUT ACCEPT [0:0]',
        ':KUBE-EXTERNAL-SERVICES - [0:0]',
        ':KUBE-PROXY-FIREWALL - [0:0]',
        ':KUBE-SERVICES - [0:0]',
        '-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL',
        '-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
        '-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES',
        '-A KUBE-EXTERNAL-SERVICES -d 1.2.3.4/32 -p tcp -m comment --comment "default/web:http has no local endpoints" -m tcp --dport 80 -j DROP',
        '-A KUBE-PROXY-FIREWALL -d 5.6.7.8/32 -p tcp -m comment --comment "default/api:http traffic not accepted by KUBE-FW-API" -m tcp --dport 80 -j DROP',
        '-A KUBE-SERVICES -d 10.96.0.9/32 -p tcp -m comment --comment "default/none:http has no endpoints" -m tcp --dport 80 -j REJECT --reject-with icmp-port-unreachable',
        'COMMIT',
        '*nat',
        ':PREROUTING ACCEPT [0:0]',
        ':INPUT ACCEPT [0:0]',
        ':OUTPUT ACCEPT [0:0]',
        ':POSTROUTING ACCEPT [0:0]',
        ':KUBE-SERVICES - [0:0]',
        ':KUBE-MARK-MASQ - [0:0]',
        ':KUBE-SVC-WEB - [0:0]',
        ':KUBE-EXT-WEB - [0:0]',
        ':KUBE-SEP-WEB1 - [0:0]',
        ':KUBE-SVC-API - [0:0]',
        ':KUBE-EXT-API - [0:0]',
        ':KUBE-FW-API - [0:0]',
        ':KUBE-SEP-API1 - [0:0]',
        '-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
        '-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000',
        '-A KUBE-SERVICES -d 1.2.3.4/32 -p tcp -m comment --comment "default/web:http loadbalancer IP" -m tcp --dport 80 -j KUBE-EXT-WEB',
        '-A KUBE-SERVICES -d 5.6.7.8/32 -p tcp -m comment --comment "default/api:http loadbalancer IP" -m tcp --dport 80 -j KUBE-FW-API',
        '-A KUBE-EXT-WEB -s 10.244.0.0/16 -m comment --comment "pod traffic for default/web:http external destinations" -j KUBE-SVC-WEB',
        '-A KUBE-EXT-WEB -m comment --comment "masquerade LOCAL traffic for default/web:http external destinations" -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ',
        '-A KUBE-EXT-WEB -m comment --comment "route LOCAL traffic for default/web:http external destinations" -m addrtype --src-type LOCAL -j KUBE-SVC-WEB',
        '-A KUBE-SVC-WEB -m comment --comment "default/web:http -> 10.244.2.8:80" -j KUBE-SEP-WEB1',
        '-A KUBE-SEP-WEB1 -p tcp -m comment --comment default/web:http -m tcp -j DNAT --to-destination 10.244.2.8:80',
        '-A KUBE-FW-API -s 203.0.113.0/25 -m comment --comment "default/api:http loadbalancer IP" -j KUBE-EXT-API',
        '-A KUBE-FW-API -m comment --comment "other traffic to default/api:http will be dropped by KUBE-PROXY-FIREWALL"',
        '-A KUBE-EXT-API -m comment --comment "masquerade traffic for default/api:http external destinations" -j KUBE-MARK-MASQ',
        '-A KUBE-EXT-API -j KUBE-SVC-API',
        '-A KUBE-SVC-API -m comment --comment "default/api:http -> 10.244.3.3:8080" -j KUBE-SEP-API1',
        '-A KUBE-SEP-API1 -p tcp -m comment --comment default/api:http -m tcp -j DNAT --to-destination 10.244.3.3:8080',
        'COMMIT',
      ].join('\n'),
    );
    /** nat PREROUTING, then filter FORWARD (the node routes to a pod or drops), as the packet would go. */
    const route = (src: string, dst: string) => {
      const nat = evaluate(rs, 'PREROUTING', 'nat', tcp(src, dst, 80, { inIface: 'eth0' }), ctx);
      return nat.map((o) => {
        const f = evaluate(rs, 'FORWARD', 'filter', o.packet, ctx)[0]!;
        return `${f.verdict}${f.rejectWith ? `/${f.rejectWith}` : ''} ${formatIPv4(o.packet.dst as number)}:${o.packet.dport} masq=${o.mark === 0x4000}`;
      });
    };
    it('eTP=Local without local endpoints: outside clients are dropped by the filter table', () => {
      assert.deepEqual(route('198.51.100.7', '1.2.3.4'), ['DROP 1.2.3.4:80 masq=false']);
    });
    it('eTP=Local: pods are short-circuited to all endpoints without masquerade', () => {
      assert.deepEqual(route('10.244.1.9', '1.2.3.4'), ['ACCEPT 10.244.2.8:80 masq=false']);
    });
    it('eTP=Local: the node itself goes cluster-wide, masqueraded', () => {
      assert.deepEqual(route('192.168.0.11', '1.2.3.4'), ['ACCEPT 10.244.2.8:80 masq=true']);
    });
    it('loadBalancerSourceRanges: inside the range reaches the endpoint (masqueraded), outside is dropped', () => {
      assert.deepEqual(route('203.0.113.1', '5.6.7.8'), ['ACCEPT 10.244.3.3:8080 masq=true']);
      assert.deepEqual(route('203.0.113.200', '5.6.7.8'), ['DROP 5.6.7.8:80 masq=false']);
    });
    it('a Service without endpoints is rejected in filter, untouched by nat', () => {
      assert.deepEqual(route('10.244.1.9', '10.96.0.9'), ['REJECT/icmp-port-unreachable 10.96.0.9:80 masq=false']);
    });
  });

  describe('chains: jump, goto, RETURN, policies, REJECT', () => {
    const rs = parseIptablesSave(
      [
        '*filter',
        ':INPUT DROP [0:0]',
        ':FORWARD ACCEPT [0:0]',
        ':OUTPUT ACCEPT [0:0]',
        ':A - [0:0]',
        ':B - [0:0]',
        '-A INPUT -p udp -g B',
        '-A INPUT -p tcp -j A',
        '-A INPUT -p tcp -j ACCEPT',
        '-A A -p tcp -m tcp --dport 80 -g B',
        '-A A -p tcp -m tcp --dport 81 -j B',
        '-A A -p tcp -m tcp --dport 22 -j REJECT --reject-with tcp-reset',
        '-A A -p tcp -m tcp --dport 23 -j REJECT',
        '-A A -j LOG --log-prefix "A fell through "',
        '-A A -j DROP',
        '-A B -j RETURN',
        'COMMIT',
      ].join('\n'),
    );
    const run = (p: Packet) => {
      const o = evaluate(rs, 'INPUT', 'filter', p, ctx);
      assert.equal(o.length, 1);
      return { verdict: o[0]!.verdict, rejectWith: o[0]!.rejectWith, hops: o[0]!.hops.map((h) => `${h.chain}#${h.index} ${h.action}`), rules: o[0]!.rulesEvaluated };
    };

    it('goto does not come back: RETURN goes to the caller of the chain that jumped', () => {
      assert.deepEqual(run(tcp('1.1.1.1', '192.168.0.11', 80)), {
        verdict: 'ACCEPT',
        rejectWith: undefined,
        hops: ['INPUT#2 jump A', 'A#1 goto B', 'B#1 RETURN', 'INPUT#3 ACCEPT'],
        rules: 5,
      });
    });
    it('jump comes back to the rule after the jump', () => {
      assert.deepEqual(run(tcp('1.1.1.1', '192.168.0.11', 81)), {
        verdict: 'DROP',
        rejectWith: undefined,
        hops: ['INPUT#2 jump A', 'A#2 jump B', 'B#1 RETURN', 'A#5 LOG --log-prefix "A fell through "', 'A#6 DROP'],
        rules: 9,
      });
    });
    it('a goto from a built-in chain returns to its policy', () => {
      assert.deepEqual(run({ src: ip('1.1.1.1'), dst: NODE, proto: 'udp', sport: 5, dport: 53 }), {
        verdict: 'DROP',
        rejectWith: undefined,
        hops: ['INPUT#1 goto B', 'B#1 RETURN', 'INPUT#0 policy DROP'],
        rules: 2,
      });
    });
    it('REJECT says how; the default is icmp-port-unreachable', () => {
      assert.equal(run(tcp('1.1.1.1', '192.168.0.11', 22)).rejectWith, 'tcp-reset');
      assert.equal(run(tcp('1.1.1.1', '192.168.0.11', 23)).rejectWith, 'icmp-port-unreachable');
    });
    it('falls to the policy when nothing matches', () => {
      assert.deepEqual(run({ src: ip('1.1.1.1'), dst: NODE, proto: 'icmp', sport: 0, dport: 0 }), {
        verdict: 'DROP',
        rejectWith: undefined,
        hops: ['INPUT#0 policy DROP'],
        rules: 3,
      });
    });
  });

  describe('matches', () => {
    const rs = parseIptablesSave(
      [
        '*filter',
        ':INPUT ACCEPT [0:0]',
        ':FORWARD ACCEPT [0:0]',
        ':OUTPUT ACCEPT [0:0]',
        '-A FORWARD ! -s 10.0.0.0/8 -j RETURN',
        '-A FORWARD -i cni+ ! -o eth0 -p tcp -m tcp --sport 1024:65535 --dport 8000:8080 -j DROP',
        '-A FORWARD -p udp -m multiport ! --dports 53,5000:5010 -j REJECT',
        '-A FORWARD -m mark --mark 0x10/0xf0 -j DROP',
        '-A FORWARD -p icmp -m icmp --icmp-type 8 -j DROP',
        '-A FORWARD -p tcp -m tcp --tcp-flags SYN,ACK SYN -j LOG',
        '-A FORWARD -m conntrack --ctstate INVALID -j DROP',
        'COMMIT',
      ].join('\n'),
    );
    const verdict = (p: Packet, c: EvalContext = ctx) => evaluate(rs, 'FORWARD', 'filter', p, c).map((o) => `${o.verdict}@${o.rulesEvaluated}`).join(',');
    const pkt = (over: Partial<Packet>): Packet => ({ src: ip('10.1.1.1'), dst: ip('10.2.2.2'), proto: 'tcp', sport: 40000, dport: 8080, inIface: 'cni0', outIface: 'flannel.1', ...over });

    it('negated source, interface prefix and negated out interface, port ranges', () => {
      assert.equal(verdict(pkt({ src: ip('11.0.0.1') })), 'ACCEPT@1');
      assert.equal(verdict(pkt({})), 'DROP@2');
      assert.equal(verdict(pkt({ outIface: 'eth0' })), 'ACCEPT@7');
      assert.equal(verdict(pkt({ inIface: 'cni' })), 'DROP@2', '`cni+` also matches `cni` itself');
      assert.equal(verdict(pkt({ inIface: 'eth1' })), 'ACCEPT@7');
      assert.equal(verdict(pkt({ sport: 1023 })), 'ACCEPT@7');
      assert.equal(verdict(pkt({ dport: 8081 })), 'ACCEPT@7');
      assert.equal(verdict(pkt({ dport: 8000 })), 'DROP@2');
    });
    it('multiport with a negated list of ports and ranges', () => {
      assert.equal(verdict(pkt({ proto: 'udp', dport: 53 })), 'ACCEPT@7');
      assert.equal(verdict(pkt({ proto: 'udp', dport: 5010 })), 'ACCEPT@7');
      assert.equal(verdict(pkt({ proto: 'udp', dport: 5011 })), 'REJECT@3');
    });
    it('mark with a mask, icmp type, tcp flags and conntrack state', () => {
      assert.equal(verdict(pkt({ dport: 9000, mark: 0x1f })), 'DROP@4');
      assert.equal(verdict(pkt({ dport: 9000, mark: 0x2f })), 'ACCEPT@7');
      assert.equal(verdict(pkt({ proto: 'icmp', icmpType: 8, sport: 0, dport: 0 })), 'DROP@5');
      assert.equal(verdict(pkt({ proto: 'icmp', icmpType: 0, sport: 0, dport: 0 })), 'ACCEPT@7');
      assert.equal(verdict(pkt({ dport: 9000 }), { ...ctx, ctstate: 'INVALID' }), 'DROP@7');
      // LOG does not end the walk; its hop is in the trace.
      const o = evaluate(rs, 'FORWARD', 'filter', pkt({ dport: 9000, tcpFlags: 0x02 }), ctx);
      assert.deepEqual(o[0]!.hops.map((h) => h.action), ['LOG', 'policy ACCEPT']);
      assert.deepEqual(evaluate(rs, 'FORWARD', 'filter', pkt({ dport: 9000, tcpFlags: 0x12 }), ctx)[0]!.hops.map((h) => h.action), ['policy ACCEPT']);
    });
  });

  describe('all tables at a hook', () => {
    const rs = parseIptablesSave(
      [
        '*nat',
        ':PREROUTING ACCEPT [0:0]',
        ':INPUT ACCEPT [0:0]',
        ':OUTPUT ACCEPT [0:0]',
        ':POSTROUTING ACCEPT [0:0]',
        '-A OUTPUT -d 10.96.0.30/32 -p tcp -m tcp --dport 80 -j DNAT --to-destination 127.0.0.1:8080',
        'COMMIT',
        '*filter',
        ':INPUT ACCEPT [0:0]',
        ':FORWARD ACCEPT [0:0]',
        ':OUTPUT ACCEPT [0:0]',
        ':KUBE-FIREWALL - [0:0]',
        '-A OUTPUT -j KUBE-FIREWALL',
        '-A KUBE-FIREWALL ! -s 127.0.0.0/8 -d 127.0.0.0/8 -m comment --comment "block incoming localnet connections" -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP',
        'COMMIT',
        '*mangle',
        ':PREROUTING ACCEPT [0:0]',
        ':INPUT ACCEPT [0:0]',
        ':FORWARD ACCEPT [0:0]',
        ':OUTPUT ACCEPT [0:0]',
        ':POSTROUTING ACCEPT [0:0]',
        '-A OUTPUT -j MARK --set-xmark 0x1/0xff',
        'COMMIT',
      ].join('\n'),
    );
    it('runs mangle, nat then filter at OUTPUT; filter sees the DNAT and conntrack’s DNAT state', () => {
      const viaVip = evaluate(rs, 'OUTPUT', 'all', tcp('192.168.0.11', '10.96.0.30', 80, { outIface: 'lo', mark: 0x1234 }), ctx);
      assert.deepEqual(
        viaVip.map((o) => [o.verdict, formatIPv4(o.packet.dst as number), o.packet.dport, o.mark.toString(16), o.hops.map((h) => `${h.table}/${h.chain}#${h.index}`)]),
        [['ACCEPT', '127.0.0.1', 8080, '1201', ['mangle/OUTPUT#1', 'mangle/OUTPUT#0', 'nat/OUTPUT#1', 'filter/OUTPUT#1', 'filter/OUTPUT#0']]],
      );
      // Straight to 127.0.0.1 from a non-loopback source, without DNAT: the anti-martian rule drops it.
      const direct = evaluate(rs, 'OUTPUT', 'all', tcp('192.168.0.11', '127.0.0.1', 8080, { outIface: 'lo' }), ctx);
      assert.deepEqual(direct.map((o) => [o.verdict, o.hops.at(-1)!.chain, o.hops.at(-1)!.action]), [['DROP', 'KUBE-FIREWALL', 'DROP']]);
    });
  });

  it('a NOTRACK in raw keeps the packet out of conntrack: nat is skipped and filter sees UNTRACKED', () => {
    const rs = parseIptablesSave(
      [
        '*raw',
        '-A PREROUTING -p udp -m udp --dport 53 -j CT --notrack',
        'COMMIT',
        '*nat',
        '-A PREROUTING -p udp -m udp --dport 53 -j DNAT --to-destination 10.244.0.53',
        'COMMIT',
        '*filter',
        '-A INPUT -m conntrack --ctstate UNTRACKED -j ACCEPT',
        '-A INPUT -j DROP',
        'COMMIT',
      ].join('\n'),
    );
    const dns: Packet = { src: ip('10.244.1.9'), dst: NODE, proto: 'udp', sport: 5353, dport: 53, inIface: 'eth0' };
    const pre = evaluate(rs, 'PREROUTING', 'all', dns, ctx);
    assert.deepEqual(pre.map((o) => [o.dnat, o.hops.map((h) => `${h.table}/${h.chain}#${h.index} ${h.action}`)]), [
      [undefined, ['raw/PREROUTING#1 CT --notrack', 'raw/PREROUTING#0 policy ACCEPT']],
    ]);
    assert.equal(evaluate(rs, 'INPUT', 'filter', dns, { ...ctx, ctstate: 'UNTRACKED' })[0]!.verdict, 'ACCEPT');
    assert.equal(evaluate(rs, 'INPUT', 'filter', dns, ctx)[0]!.verdict, 'DROP');
  });

  describe('recent (ClientIP affinity)', () => {
    const rs = parseIptablesSave(
      [
        '*nat',
        ':PREROUTING ACCEPT [0:0]',
        ':KUBE-SVC-Y - [0:0]',
        ':KUBE-SEP-A2 - [0:0]',
        ':KUBE-SEP-B2 - [0:0]',
        '-A PREROUTING -d 10.96.0.40/32 -p tcp -m tcp --dport 80 -j KUBE-SVC-Y',
        '-A KUBE-SVC-Y -m comment --comment "default/web:http -> 10.244.1.7:80" -m recent --rcheck --seconds 10800 --reap --name KUBE-SEP-A2 --mask 255.255.255.255 --rsource -j KUBE-SEP-A2',
        '-A KUBE-SVC-Y -m comment --comment "default/web:http -> 10.244.2.7:80" -m recent --rcheck --seconds 10800 --reap --name KUBE-SEP-B2 --mask 255.255.255.255 --rsource -j KUBE-SEP-B2',
        '-A KUBE-SVC-Y -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-A2',
        '-A KUBE-SVC-Y -j KUBE-SEP-B2',
        '-A KUBE-SEP-A2 -p tcp -m recent --set --name KUBE-SEP-A2 --mask 255.255.255.255 --rsource -m tcp -j DNAT --to-destination 10.244.1.7:80',
        '-A KUBE-SEP-B2 -p tcp -m recent --set --name KUBE-SEP-B2 --mask 255.255.255.255 --rsource -m tcp -j DNAT --to-destination 10.244.2.7:80',
        'COMMIT',
      ].join('\n'),
    );
    const client = ip('10.244.3.3');
    const now = 50_000_000;
    const pkt = tcp('10.244.3.3', '10.96.0.40', 80);
    const seenB = (ago: number): EvalContext => ({ ...ctx, now, recent: new Map([['KUBE-SEP-B2', new Map([[client, now - ago]])]]) });

    it('without an entry: both endpoints, each recording the client for the chosen one', () => {
      const out = evaluate(rs, 'PREROUTING', 'nat', pkt, { ...ctx, now });
      assert.deepEqual(out.map((o) => [o.probability, formatIPv4(o.packet.dst as number), o.effects]), [
        [0.5, '10.244.1.7', [{ kind: 'recent', op: 'set', name: 'KUBE-SEP-A2', address: client, at: now }]],
        [0.5, '10.244.2.7', [{ kind: 'recent', op: 'set', name: 'KUBE-SEP-B2', address: client, at: now }]],
      ]);
    });
    it('with a fresh entry (up to exactly --seconds old): that endpoint only', () => {
      for (const ago of [1000, 10_800_000]) {
        const out = evaluate(rs, 'PREROUTING', 'nat', pkt, seenB(ago));
        assert.deepEqual(out.map((o) => [o.probability, formatIPv4(o.packet.dst as number), o.rulesEvaluated]), [[1, '10.244.2.7', 4]]);
        assert.deepEqual(out[0]!.effects, [{ kind: 'recent', op: 'set', name: 'KUBE-SEP-B2', address: client, at: now }]);
      }
    });
    it('with an expired entry: the random choice again', () => {
      assert.equal(evaluate(rs, 'PREROUTING', 'nat', pkt, seenB(10_800_001)).length, 2);
    });
  });

  describe('statistic nth, MARK arithmetic and merging', () => {
    it('nth counts as xt_statistic does: counter starts at every-1-packet, a match is the wrap to 0', () => {
      const rs = parseIptablesSave(
        [
          '*nat',
          '-A PREROUTING -p tcp -m statistic --mode nth --every 3 --packet 0 -j DNAT --to-destination 10.0.0.1:80',
          '-A PREROUTING -p tcp -m statistic --mode nth --every 2 --packet 0 -j DNAT --to-destination 10.0.0.2:80',
          '-A PREROUTING -p tcp -j DNAT --to-destination 10.0.0.3:80',
          'COMMIT',
        ].join('\n'),
      );
      const p = tcp('1.1.1.1', '2.2.2.2', 80);
      const first = evaluate(rs, 'PREROUTING', 'nat', p, ctx);
      assert.deepEqual(first.map((o) => [formatIPv4(o.packet.dst as number), o.effects]), [
        ['10.0.0.1', [{ kind: 'nth', counter: 'nat/PREROUTING/1/0', value: 0 }]],
      ]);
      const second = evaluate(rs, 'PREROUTING', 'nat', p, { ...ctx, nthCounters: new Map([['nat/PREROUTING/1/0', 0]]) });
      assert.deepEqual(second.map((o) => [formatIPv4(o.packet.dst as number), o.effects]), [
        ['10.0.0.2', [{ kind: 'nth', counter: 'nat/PREROUTING/1/0', value: 1 }, { kind: 'nth', counter: 'nat/PREROUTING/2/0', value: 0 }]],
      ]);
    });
    it('MARK --set-xmark clears the mask then xors the value', () => {
      const rs = parseIptablesSave('*mangle\n-A PREROUTING -j MARK --set-xmark 0x1/0xff\n-A PREROUTING -j MARK --xor-mark 0x4000\nCOMMIT\n');
      assert.equal(evaluate(rs, 'PREROUTING', 'mangle', tcp('1.1.1.1', '2.2.2.2', 1, { mark: 0x1234 }), ctx)[0]!.mark, 0x5201);
    });
    it('merges branches with the same result: chances add, rule counts average', () => {
      const rs = parseIptablesSave(
        [
          '*nat',
          '-A PREROUTING -p tcp -m statistic --mode random --probability 0.25 -j DNAT --to-destination 10.0.0.1:80',
          '-A PREROUTING -p tcp -j DNAT --to-destination 10.0.0.1:80',
          'COMMIT',
        ].join('\n'),
      );
      const out = evaluate(rs, 'PREROUTING', 'nat', tcp('1.1.1.1', '2.2.2.2', 80), ctx);
      assert.equal(out.length, 1);
      assert.equal(out[0]!.probability, 1);
      assert.equal(out[0]!.rulesEvaluated, 0.25 * 1 + 0.75 * 2);
      assert.deepEqual(out[0]!.hops.map((h) => h.index), [1]);
    });
  });

  it('walks IPv6 rulesets on bigint addresses', () => {
    const rs = parseIptablesSave(
      '# Generated by ip6tables-save\n*nat\n-A PREROUTING -d fd00:10:96::a/128 -p tcp -m tcp --dport 53 -j DNAT --to-destination [fd00:10:244:1::3]:53\nCOMMIT\n',
    );
    const out = evaluate(rs, 'PREROUTING', 'nat', { src: parseIPv6('fd00::1')!, dst: parseIPv6('fd00:10:96::a')!, proto: 'tcp', sport: 1, dport: 53 }, ctx);
    assert.deepEqual(out.map((o) => [o.packet.dst, o.dnat]), [[parseIPv6('fd00:10:244:1::3'), { address: parseIPv6('fd00:10:244:1::3'), port: 53 }]]);
    assert.throws(() => evaluate(rs, 'PREROUTING', 'nat', tcp('1.1.1.1', '2.2.2.2', 53), ctx), TypeError);
    assert.throws(() => evaluate(redis, 'FORWARD', 'nat', tcp('1.1.1.1', '2.2.2.2', 53), ctx), /has no FORWARD chain/);
  });

  describe('kube-proxy-shaped rulesets', () => {
    const g = generateKubeProxyRules({ services: 40, endpoints: (i) => i % 6, nodePortEvery: 3, affinityEvery: 7 });
    const rs = parseIptablesSave(g.text);

    it('writes 5 + N(2 + 3E) nat rules for plain ClusterIP Services, as kube-proxy counts them', () => {
      const plain = generateKubeProxyRules({ services: 100, endpoints: 10 });
      assert.equal(plain.natRules, 5 + 100 * (2 + 3 * 10));
      const natRules = [...parseIptablesSave(plain.text).tables.get('nat')!.chains].reduce((n, c) => n + c.rules.length, 0);
      // Plus PREROUTING/OUTPUT/POSTROUTING jumps, which kube-proxy adds outside the restore.
      assert.equal(natRules, plain.natRules + 3);
    });

    it('sends every ClusterIP flow to exactly the Service’s endpoints, chances summing to 1', () => {
      for (const s of g.services) {
        const out = evaluate(rs, 'PREROUTING', 'nat', { src: ip('10.244.200.1'), dst: s.clusterIP, proto: s.protocol, sport: 1234, dport: s.port }, ctx);
        assert.ok(Math.abs(sum(out) - 1) < 1e-9);
        if (s.endpoints.length === 0) {
          assert.deepEqual(out.map((o) => o.dnat), [undefined]);
          // No endpoints: the filter table rejects it (KUBE-SERVICES in FORWARD, for NEW connections).
          const f = evaluate(rs, 'FORWARD', 'filter', { src: ip('10.244.200.1'), dst: s.clusterIP, proto: s.protocol, sport: 1234, dport: s.port }, ctx);
          assert.deepEqual(f.map((o) => [o.verdict, o.rejectWith]), [['REJECT', 'icmp-port-unreachable']]);
          continue;
        }
        assert.deepEqual(
          out.map((o) => `${formatIPv4(o.dnat!.address as number)}:${o.dnat!.port}`),
          s.endpoints.map((e) => `${formatIPv4(e.ip)}:${e.port}`),
        );
        for (const o of out) assert.ok(Math.abs(o.probability - 1 / s.endpoints.length) < 1e-9);
      }
    });
  });
});
