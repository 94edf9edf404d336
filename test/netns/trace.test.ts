// The packet walk over the hand-built two-node cluster of fixtures.ts. Expected values are
// what kube-proxy's iptables rules and Linux do (cf. upstream proxier_test.go's
// TestInternalExternalMasquerade flows): who gets masqueraded, by which address, where
// each connection can land and with which chance.
import assert from 'node:assert/strict';
import { Dataplane } from '../../lib/sim/dataplane.js';
import { type FlowSpec, traceFlow } from '../../lib/sim/flowtrace.js';
import type { Simulation } from '../../lib/sim/simulation.js';
import type { TraceJSON } from '../../netns/report.js';
import { testCluster } from './fixtures.js';

interface Landing {
  verdict: string;
  endpoint?: string;
  pod?: string;
  node: string;
  probability: number;
  masquerade: boolean;
  sourceAddress: string;
}

function landings(j: TraceJSON): Landing[] {
  return j.outcomes.map((o) => ({
    verdict: o.verdict,
    ...(o.endpoint ? { endpoint: o.endpoint } : {}),
    ...(o.pod ? { pod: o.pod } : {}),
    node: o.node,
    probability: o.probability,
    masquerade: o.masquerade,
    sourceAddress: o.sourceAddress,
  }));
}

const web1 = { verdict: 'ACCEPT', endpoint: '10.244.1.6:8080', pod: 'default/web-1', node: 'node-1' };
const web2 = { verdict: 'ACCEPT', endpoint: '10.244.2.7:8080', pod: 'default/web-2', node: 'node-2' };

interface FlowCase {
  name: string;
  flow: FlowSpec;
  verdict: string;
  /** Top-level node: where the connection enters a node. */
  node: string;
  outcomes: Landing[];
}

// kube-proxy-style packet-flow table (source, destination → endpoints / REJECT / DROP, masquerade).
const HOST_GW: FlowCase[] = [
  {
    name: 'pod → ClusterIP with endpoints on both nodes: two outcomes of 0.5, no masquerade',
    flow: { from: 'pod/client', to: 'service/default/web:80' },
    verdict: 'ACCEPT',
    node: 'node-1',
    outcomes: [
      { ...web1, probability: 0.5, masquerade: false, sourceAddress: '10.244.1.5' },
      { ...web2, probability: 0.5, masquerade: false, sourceAddress: '10.244.1.5' },
    ],
  },
  {
    name: 'pod → its own Service landing on itself: hairpin, masqueraded to the cni0 address',
    flow: { from: 'pod/web-1', to: 'service/default/web:http' },
    verdict: 'ACCEPT',
    node: 'node-1',
    outcomes: [
      { ...web1, probability: 0.5, masquerade: true, sourceAddress: '10.244.1.1' },
      { ...web2, probability: 0.5, masquerade: false, sourceAddress: '10.244.1.6' },
    ],
  },
  {
    name: 'node → ClusterIP: masqueraded (source not in the cluster CIDR), to the outgoing interface address',
    flow: { from: 'node/node-1', to: '10.96.0.20:80' },
    verdict: 'ACCEPT',
    node: 'node-1',
    outcomes: [
      { ...web1, probability: 0.5, masquerade: true, sourceAddress: '10.244.1.1' },
      { ...web2, probability: 0.5, masquerade: true, sourceAddress: '192.168.0.11' },
    ],
  },
  {
    name: 'external → NodePort (eTP Cluster) on a node without the endpoint: masqueraded to that node',
    flow: { from: 'external/203.0.113.7', to: '192.168.0.11:30080' },
    verdict: 'ACCEPT',
    node: 'node-1',
    outcomes: [{ ...web2, probability: 1, masquerade: true, sourceAddress: '192.168.0.11' }],
  },
  {
    name: 'pod → NodePort of another node: forwarded there unchanged, then masqueraded by it',
    flow: { from: 'pod/client', to: 'node/node-2:30080' },
    verdict: 'ACCEPT',
    node: 'node-1',
    outcomes: [{ ...web2, probability: 1, masquerade: true, sourceAddress: '10.244.2.1' }],
  },
  {
    name: 'external → LoadBalancer eTP Local: only the node with an endpoint gets it, source preserved',
    flow: { from: 'external/203.0.113.7', to: '172.18.255.1:80' },
    verdict: 'ACCEPT',
    node: 'node-2',
    outcomes: [{ ...web2, probability: 1, masquerade: false, sourceAddress: '203.0.113.7' }],
  },
  {
    name: 'external → NodePort eTP Local on the node with the endpoint: source preserved',
    flow: { from: 'external/203.0.113.7', to: '192.168.0.12:30081' },
    verdict: 'ACCEPT',
    node: 'node-2',
    outcomes: [{ ...web2, probability: 1, masquerade: false, sourceAddress: '203.0.113.7' }],
  },
  {
    name: 'external → NodePort eTP Local on a node without local endpoints: DROP',
    flow: { from: 'external/203.0.113.7', to: '192.168.0.11:30081' },
    verdict: 'DROP',
    node: 'node-1',
    outcomes: [{ verdict: 'DROP', node: 'node-1', probability: 1, masquerade: false, sourceAddress: '203.0.113.7' }],
  },
  {
    name: 'pod → LoadBalancer IP with eTP Local: short-circuited to the cluster endpoints, no masquerade',
    flow: { from: 'pod/client', to: '172.18.255.1:80' },
    verdict: 'ACCEPT',
    node: 'node-1',
    outcomes: [{ ...web2, probability: 1, masquerade: false, sourceAddress: '10.244.1.5' }],
  },
  {
    name: 'external → LoadBalancer eTP Cluster from an allowed source range: every node with equal chance, masqueraded',
    flow: { from: 'external/203.0.113.7', to: '172.18.255.2:80' },
    verdict: 'ACCEPT',
    node: 'node-1',
    outcomes: [
      { ...web2, probability: 0.5, masquerade: true, sourceAddress: '192.168.0.11' },
      { ...web2, probability: 0.5, masquerade: true, sourceAddress: '10.244.2.1' },
    ],
  },
  {
    name: 'external → LoadBalancer from outside loadBalancerSourceRanges: DROP on whichever node',
    flow: { from: 'external/198.51.100.7', to: '172.18.255.2:80' },
    verdict: 'DROP',
    node: 'node-1',
    outcomes: [
      { verdict: 'DROP', node: 'node-1', probability: 0.5, masquerade: false, sourceAddress: '198.51.100.7' },
      { verdict: 'DROP', node: 'node-2', probability: 0.5, masquerade: false, sourceAddress: '198.51.100.7' },
    ],
  },
  {
    name: 'source ranges do not apply to the NodePort of the same Service',
    flow: { from: 'external/198.51.100.7', to: '192.168.0.12:30082' },
    verdict: 'ACCEPT',
    node: 'node-2',
    outcomes: [{ ...web2, probability: 1, masquerade: true, sourceAddress: '10.244.2.1' }],
  },
  {
    name: 'eTP Local with no node holding an endpoint: the load balancer fails open, kube-proxy drops',
    flow: { from: 'external/203.0.113.7', to: '172.18.255.3:80' },
    verdict: 'DROP',
    node: 'node-1',
    outcomes: [
      { verdict: 'DROP', node: 'node-1', probability: 0.5, masquerade: false, sourceAddress: '203.0.113.7' },
      { verdict: 'DROP', node: 'node-2', probability: 0.5, masquerade: false, sourceAddress: '203.0.113.7' },
    ],
  },
  {
    name: 'Service without endpoints: REJECT in filter KUBE-SERVICES',
    flow: { from: 'pod/client', to: 'service/default/empty:80' },
    verdict: 'REJECT',
    node: 'node-1',
    outcomes: [{ verdict: 'REJECT', node: 'node-1', probability: 1, masquerade: false, sourceAddress: '10.244.1.5' }],
  },
  {
    name: 'external → externalIP (routed to the first node): masqueraded as eTP Cluster',
    flow: { from: 'external/203.0.113.7', to: '198.51.100.10:80' },
    verdict: 'ACCEPT',
    node: 'node-1',
    outcomes: [{ ...web2, probability: 1, masquerade: true, sourceAddress: '192.168.0.11' }],
  },
  {
    name: 'external → externalIP --via the node with the endpoint',
    flow: { from: 'external/203.0.113.7', to: '198.51.100.10:80', via: 'node-2' },
    verdict: 'ACCEPT',
    node: 'node-2',
    outcomes: [{ ...web2, probability: 1, masquerade: true, sourceAddress: '10.244.2.1' }],
  },
  {
    name: 'external → cluster IP: the upstream network has no route',
    flow: { from: 'external/203.0.113.7', to: '10.96.0.20:80' },
    verdict: 'NO_ROUTE',
    node: '',
    outcomes: [{ verdict: 'NO_ROUTE', node: '', probability: 1, masquerade: false, sourceAddress: '203.0.113.7' }],
  },
  {
    name: 'ip/ADDR --via a node → cluster IP: masqueraded (not from the cluster CIDR)',
    flow: { from: 'ip/192.168.0.50', to: '10.96.0.20:80', via: 'node-2' },
    verdict: 'ACCEPT',
    node: 'node-2',
    outcomes: [
      { ...web1, probability: 0.5, masquerade: true, sourceAddress: '192.168.0.12' },
      { ...web2, probability: 0.5, masquerade: true, sourceAddress: '10.244.2.1' },
    ],
  },
  {
    name: 'node → localhost NodePort: always masqueraded',
    flow: { from: 'node/node-1', to: '127.0.0.1:30080' },
    verdict: 'ACCEPT',
    node: 'node-1',
    outcomes: [{ ...web2, probability: 1, masquerade: true, sourceAddress: '192.168.0.11' }],
  },
  {
    name: 'pod → the internet: flannel --ip-masq masquerades it to the node address',
    flow: { from: 'pod/client', to: '8.8.8.8:53/udp' },
    verdict: 'ACCEPT',
    node: 'node-1',
    outcomes: [{ verdict: 'ACCEPT', endpoint: '8.8.8.8:53', node: '', probability: 1, masquerade: true, sourceAddress: '192.168.0.11' }],
  },
  {
    name: 'pod → an address of its subnet that no pod holds: NO_ROUTE (ARP unanswered)',
    flow: { from: 'pod/client', to: '10.244.1.99:80' },
    verdict: 'NO_ROUTE',
    node: 'node-1',
    outcomes: [{ verdict: 'NO_ROUTE', node: 'node-1', probability: 1, masquerade: false, sourceAddress: '10.244.1.5' }],
  },
  {
    name: 'pod → a DNS name, resolved through its search list',
    flow: { from: 'pod/client', to: 'web:80' },
    verdict: 'ACCEPT',
    node: 'node-1',
    outcomes: [
      { ...web1, probability: 0.5, masquerade: false, sourceAddress: '10.244.1.5' },
      { ...web2, probability: 0.5, masquerade: false, sourceAddress: '10.244.1.5' },
    ],
  },
];

// With the vxlan backend a node's traffic into the pod network leaves through flannel.1 and
// carries its address (10.244.N.0).
const VXLAN: FlowCase[] = [
  {
    name: 'node → ClusterIP with a remote endpoint: masqueraded to the flannel.1 address',
    flow: { from: 'node/node-1', to: 'service/default/web:80' },
    verdict: 'ACCEPT',
    node: 'node-1',
    outcomes: [
      { ...web1, probability: 0.5, masquerade: true, sourceAddress: '10.244.1.1' },
      { ...web2, probability: 0.5, masquerade: true, sourceAddress: '10.244.1.0' },
    ],
  },
  {
    name: 'external → NodePort eTP Cluster, endpoint on the other node: masqueraded to flannel.1',
    flow: { from: 'external/203.0.113.7', to: '192.168.0.11:30080' },
    verdict: 'ACCEPT',
    node: 'node-1',
    outcomes: [{ ...web2, probability: 1, masquerade: true, sourceAddress: '10.244.1.0' }],
  },
  {
    name: 'pod → ClusterIP over the overlay: no masquerade',
    flow: { from: 'pod/client', to: 'service/default/web:80' },
    verdict: 'ACCEPT',
    node: 'node-1',
    outcomes: [
      { ...web1, probability: 0.5, masquerade: false, sourceAddress: '10.244.1.5' },
      { ...web2, probability: 0.5, masquerade: false, sourceAddress: '10.244.1.5' },
    ],
  },
];

function runTable(title: string, cni: 'host-gw' | 'vxlan', cases: FlowCase[]): void {
  describe(title, () => {
    let sim: Simulation;
    before(async () => {
      sim = await testCluster({ cni });
    });
    for (const c of cases) {
      it(c.name, async () => {
        const { json } = await traceFlow(sim, c.flow);
        assert.deepEqual(landings(json), c.outcomes);
        assert.equal(json.verdict, c.verdict);
        assert.equal(json.node, c.node);
        const total = json.outcomes.reduce((s, o) => s + o.probability, 0);
        assert.ok(Math.abs(total - 1) < 1e-12, `probabilities sum to ${total}`);
        // Every accepted connection's reply reaches the client from the address it connected to.
        for (const o of json.outcomes) if (o.verdict === 'ACCEPT') assert.equal(o.reply?.reachesClient, true, `${o.endpoint}: ${o.reply?.reason}`);
      });
    }
  });
}

runTable('netns/trace: packet flows (host-gw)', 'host-gw', HOST_GW);
runTable('netns/trace: packet flows (vxlan)', 'vxlan', VXLAN);

const hop = (h: TraceJSON['hops'][number]) => [h.node, h.netns, h.kind, h.kind === 'rule' || h.kind === 'route' ? `${h.table} ${h.chain} ${h.rule}` : h.table, h.action];

describe('netns/trace: whole paths', () => {
  let sim: Simulation;
  before(async () => {
    sim = await testCluster();
  });

  it('pod → ClusterIP → pod on the other node, every step', async () => {
    const { json } = await traceFlow(sim, { from: 'pod/client', to: 'service/default/web:80' });
    assert.equal(json.sourcePort, 59308);
    assert.deepEqual(json.outcomes[1]!.hops.map(hop), [
      ['node-1', 'pod/default/client', 'route', 'main  default via 10.244.1.1 dev eth0', 'route: 10.96.0.20 via 10.244.1.1 dev eth0'],
      ['node-1', 'pod/default/client', 'interface', '', 'through the veth pair to veth6844d090, a port of cni0, in the root namespace'],
      ['node-1', 'root', 'rule', 'nat PREROUTING -A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES', 'jump KUBE-SERVICES'],
      ['node-1', 'root', 'rule', 'nat KUBE-SERVICES -A KUBE-SERVICES -d 10.96.0.20/32 -p tcp -m comment --comment "default/web:http cluster IP" -m tcp --dport 80 -j KUBE-SVC-CDGGSHYLG3RE2FKL', 'jump KUBE-SVC-CDGGSHYLG3RE2FKL'],
      ['node-1', 'root', 'rule', 'nat KUBE-SVC-CDGGSHYLG3RE2FKL -A KUBE-SVC-CDGGSHYLG3RE2FKL -m comment --comment "default/web:http -> 10.244.1.6:8080" -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-F7BHZ7WL3PFYMSRY', 'not taken (statistic random)'],
      ['node-1', 'root', 'rule', 'nat KUBE-SVC-CDGGSHYLG3RE2FKL -A KUBE-SVC-CDGGSHYLG3RE2FKL -m comment --comment "default/web:http -> 10.244.2.7:8080" -j KUBE-SEP-2RIJ5GIYXEFH6G4D', 'jump KUBE-SEP-2RIJ5GIYXEFH6G4D'],
      ['node-1', 'root', 'rule', 'nat KUBE-SEP-2RIJ5GIYXEFH6G4D -A KUBE-SEP-2RIJ5GIYXEFH6G4D -p tcp -m comment --comment "default/web:http" -m tcp -j DNAT --to-destination 10.244.2.7:8080', 'DNAT --to-destination 10.244.2.7:8080'],
      ['node-1', 'root', 'nat', 'nat', 'DNAT 10.96.0.20:80 → 10.244.2.7:8080'],
      ['node-1', 'root', 'route', 'main  10.244.2.0/24 via 192.168.0.12 dev eth0', 'routing decision: 10.244.2.7 via 192.168.0.12 dev eth0'],
      ['node-1', 'root', 'rule', 'filter FORWARD -A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL', 'jump KUBE-PROXY-FIREWALL'],
      ['node-1', 'root', 'rule', 'filter FORWARD -A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD', 'jump KUBE-FORWARD'],
      ['node-1', 'root', 'rule', 'filter FORWARD -A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES', 'jump KUBE-SERVICES'],
      ['node-1', 'root', 'rule', 'filter FORWARD -A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES', 'jump KUBE-EXTERNAL-SERVICES'],
      ['node-1', 'root', 'rule', 'filter FORWARD -A FORWARD -m comment --comment "flanneld forward" -j FLANNEL-FWD', 'jump FLANNEL-FWD'],
      ['node-1', 'root', 'rule', 'filter FLANNEL-FWD -A FLANNEL-FWD -s 10.244.0.0/16 -m comment --comment "flanneld forward" -j ACCEPT', 'ACCEPT'],
      ['node-1', 'root', 'rule', 'nat POSTROUTING -A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING', 'jump KUBE-POSTROUTING'],
      ['node-1', 'root', 'rule', 'nat KUBE-POSTROUTING -A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN', 'RETURN'],
      ['node-1', 'root', 'rule', 'nat POSTROUTING -A POSTROUTING -m comment --comment "flanneld masq" -j FLANNEL-POSTRTG', 'jump FLANNEL-POSTRTG'],
      ['node-1', 'root', 'rule', 'nat FLANNEL-POSTRTG -A FLANNEL-POSTRTG -s 10.244.1.0/24 -d 10.244.0.0/16 -m comment --comment "flanneld masq" -j RETURN', 'RETURN'],
      ['node-1', 'root', 'rule', 'nat POSTROUTING -P POSTROUTING ACCEPT', 'policy ACCEPT'],
      ['node-1', 'root', 'conntrack', 'conntrack', 'conntrack entry: replies will be un-NATed'],
      ['node-1', 'root', 'wire', '', 'on the wire to node-2 (192.168.0.12)'],
      // node-2 has its own conntrack: the packet is addressed to the pod, no Service rule matches.
      ['node-2', 'root', 'rule', 'nat PREROUTING -A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES', 'jump KUBE-SERVICES'],
      ['node-2', 'root', 'rule', 'nat PREROUTING -P PREROUTING ACCEPT', 'policy ACCEPT'],
      ['node-2', 'root', 'route', 'main  10.244.2.0/24 dev cni0 proto kernel scope link src 10.244.2.1', 'routing decision: 10.244.2.7 dev cni0 (on-link)'],
      ['node-2', 'root', 'rule', 'filter FORWARD -A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL', 'jump KUBE-PROXY-FIREWALL'],
      ['node-2', 'root', 'rule', 'filter FORWARD -A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD', 'jump KUBE-FORWARD'],
      ['node-2', 'root', 'rule', 'filter FORWARD -A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES', 'jump KUBE-SERVICES'],
      ['node-2', 'root', 'rule', 'filter FORWARD -A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES', 'jump KUBE-EXTERNAL-SERVICES'],
      ['node-2', 'root', 'rule', 'filter FORWARD -A FORWARD -m comment --comment "flanneld forward" -j FLANNEL-FWD', 'jump FLANNEL-FWD'],
      ['node-2', 'root', 'rule', 'filter FLANNEL-FWD -A FLANNEL-FWD -s 10.244.0.0/16 -m comment --comment "flanneld forward" -j ACCEPT', 'ACCEPT'],
      ['node-2', 'root', 'rule', 'nat POSTROUTING -A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING', 'jump KUBE-POSTROUTING'],
      ['node-2', 'root', 'rule', 'nat KUBE-POSTROUTING -A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN', 'RETURN'],
      ['node-2', 'root', 'rule', 'nat POSTROUTING -A POSTROUTING -m comment --comment "flanneld masq" -j FLANNEL-POSTRTG', 'jump FLANNEL-POSTRTG'],
      ['node-2', 'root', 'rule', 'nat FLANNEL-POSTRTG -A FLANNEL-POSTRTG -s 10.244.0.0/16 -d 10.244.2.0/24 -m comment --comment "flanneld masq" -j RETURN', 'RETURN'],
      ['node-2', 'root', 'rule', 'nat POSTROUTING -P POSTROUTING ACCEPT', 'policy ACCEPT'],
      ['node-2', 'root', 'interface', '', 'bridge cni0 forwards to veth3487734c → eth0 of pod/default/web-2'],
      ['node-2', 'pod/default/web-2', 'deliver', '', 'delivered to pod default/web-2'],
    ]);
    assert.deepEqual(json.outcomes[1]!.conntrack, [
      { node: 'node-1', entry: 'tcp src=10.244.1.5 dst=10.96.0.20 sport=59308 dport=80 src=10.244.2.7 dst=10.244.1.5 sport=8080 dport=59308 [DNAT]' },
      { node: 'node-2', entry: 'tcp src=10.244.1.5 dst=10.244.2.7 sport=59308 dport=8080 src=10.244.2.7 dst=10.244.1.5 sport=8080 dport=59308' },
    ]);
    // The reply: node-2 has nothing to undo, node-1's conntrack turns the source back into the cluster IP.
    const reply = json.outcomes[1]!.reply!;
    assert.equal(reply.source, '10.96.0.20:80');
    assert.deepEqual(reply.hops.map((h) => [h.node, h.kind, h.action]), [
      ['node-2', 'route', 'reply 10.244.2.7:8080 → 10.244.1.5:59308 out eth0 → veth3487734c'],
      ['node-2', 'conntrack', 'conntrack: established connection, no NAT'],
      ['node-2', 'route', 'reply routed: 10.244.1.5 dev eth0'],
      ['node-2', 'wire', 'reply on the wire to node-1'],
      ['node-1', 'conntrack', 'conntrack un-DNAT: 10.244.2.7:8080 → 10.244.1.5:59308 becomes 10.96.0.20:80 → 10.244.1.5:59308'],
      ['node-1', 'route', 'reply routed: 10.244.1.5 dev cni0'],
      ['node-1', 'deliver', 'reply delivered to default/client'],
    ]);
  });

  it('hairpin: the SEP chain marks the pod\'s own source, POSTROUTING masquerades to cni0 and the bridge sends it back', async () => {
    const { json } = await traceFlow(sim, { from: 'pod/web-1', to: 'service/default/web:80' });
    const self = json.outcomes[0]!;
    const steps = self.hops.filter((h) => ['rule', 'nat', 'interface'].includes(h.kind) && (h.chain.startsWith('KUBE-SEP') || h.chain.startsWith('KUBE-MARK') || h.chain.startsWith('KUBE-POSTROUTING') || h.kind !== 'rule'));
    assert.deepEqual(steps.map((h) => `${h.chain} ${h.action}`), [
      ' through the veth pair to veth96603d4d, a port of cni0, in the root namespace',
      'KUBE-SEP-F7BHZ7WL3PFYMSRY jump KUBE-MARK-MASQ',
      'KUBE-MARK-MASQ MARK --set-xmark 0x4000/0x4000',
      'KUBE-SEP-F7BHZ7WL3PFYMSRY DNAT --to-destination 10.244.1.6:8080',
      'PREROUTING DNAT 10.96.0.20:80 → 10.244.1.6:8080',
      'KUBE-POSTROUTING MARK --set-xmark 0x4000/0x0',
      'KUBE-POSTROUTING MASQUERADE --random-fully',
      'POSTROUTING MASQUERADE (the address of cni0): source 10.244.1.6 → 10.244.1.1',
      ' hairpin: the bridge sends it back out veth96603d4d, the port it came from (hairpin mode)',
    ]);
    assert.equal(self.reply?.source, '10.96.0.20:80');
    const sp = json.sourcePort;
    assert.equal(self.conntrack[0]?.entry, `tcp src=10.244.1.6 dst=10.96.0.20 sport=${sp} dport=80 src=10.244.1.6 dst=10.244.1.1 sport=8080 dport=${sp} [DNAT,SNAT]`);
  });

  it('ClientIP affinity: after the first connection, the recent list sends the client back to the same endpoint', async () => {
    const { json } = await traceFlow(sim, { from: 'pod/client', to: 'service/default/sticky:80' });
    assert.deepEqual(json.outcomes.map((o) => [o.endpoint, o.probability, o.affinity]), [
      ['10.244.1.6:8080', 0.5, { sticky: true, lists: ['node-1: KUBE-SEP-TKIXH42AN6VWCVXQ'] }],
      ['10.244.2.7:8080', 0.5, { sticky: true, lists: ['node-1: KUBE-SEP-A2HLNN5I3UWO6SGP'] }],
    ]);
  });

  it('the REJECT names the rule', async () => {
    const { json } = await traceFlow(sim, { from: 'pod/client', to: 'service/default/empty:80' });
    const o = json.outcomes[0]!;
    assert.equal(o.reason, 'rejected (icmp-port-unreachable) by filter KUBE-SERVICES: "default/empty has no endpoints" on node-1');
    assert.equal(o.hops.at(-1)?.rule, '-A KUBE-SERVICES -d 10.96.0.50/32 -p tcp -m comment --comment "default/empty has no endpoints" -m tcp --dport 80 -j REJECT --reject-with icmp-port-unreachable');
    assert.equal(o.endpoint, undefined);
  });

  it('the cloud load balancer explains its choice of nodes', async () => {
    const { json } = await traceFlow(sim, { from: 'external/203.0.113.7', to: '172.18.255.1:80' });
    const lb = json.outcomes[0]!.hops.find((h) => h.kind === 'loadbalancer')!;
    assert.equal(
      lb.action,
      'default/lbl: externalTrafficPolicy Local: only nodes whose health check node port answers 200 (a local endpoint); sends to node-2 (health check http://192.168.0.12:31000/healthz → 200, localEndpoints 1)',
    );
  });
});

describe('netns/trace: JSON, determinism and rule views', () => {
  it('has exactly the keys of spec §6 first, in order', async () => {
    const sim = await testCluster();
    const { json } = await traceFlow(sim, { from: 'pod/client', to: 'service/default/web:80' });
    assert.deepEqual(Object.keys(json).slice(0, 7), ['from', 'to', 'protocol', 'node', 'verdict', 'outcomes', 'hops']);
    assert.deepEqual([json.from, json.to, json.protocol, json.node, json.verdict], ['10.244.1.5', '10.96.0.20:80', 'TCP', 'node-1', 'ACCEPT']);
    assert.deepEqual(Object.keys(json.outcomes[0]!).slice(0, 6), ['endpoint', 'pod', 'node', 'probability', 'masquerade', 'sourceAddress']);
    for (const h of json.hops) assert.deepEqual(Object.keys(h).slice(0, 6), ['node', 'netns', 'table', 'chain', 'rule', 'action']);
    assert.deepEqual(json.hops, json.outcomes[0]!.hops);
    const reject = (await traceFlow(sim, { from: 'pod/client', to: 'service/default/empty:80' })).json;
    assert.equal(reject.outcomes.length, 1);
    assert.equal('endpoint' in reject.outcomes[0]!, false);
  });

  it('is deterministic: the same cluster gives byte-identical JSON', async () => {
    const flows: FlowSpec[] = HOST_GW.map((c) => c.flow);
    const run = async () => {
      const sim = await testCluster();
      const out: string[] = [];
      for (const f of flows) out.push(JSON.stringify((await traceFlow(sim, f)).json));
      return out;
    };
    assert.deepEqual(await run(), await run());
  });

  it('per-packet views of a node ruleset give the same walk as the whole ruleset', async () => {
    const sim = await testCluster();
    const dp = await Dataplane.of(sim);
    assert.equal(dp.kubeRules.usesViews, false);
    const whole: string[] = [];
    for (const c of HOST_GW) whole.push(JSON.stringify((await traceFlow(sim, c.flow)).json));
    // Force views: every rule set now holds only the service ports the packet can meet.
    (dp.kubeRules as { fullLimit: number }).fullLimit = 0;
    assert.equal(dp.kubeRules.usesViews, true);
    const views: string[] = [];
    for (const c of HOST_GW) views.push(JSON.stringify((await traceFlow(sim, c.flow)).json));
    assert.deepEqual(views, whole);
    assert.deepEqual(dp.kubeRules.relevantEntries(0x0a600014, 80).map((e) => e.info.key), ['default/web:http/TCP']);
  });
});
