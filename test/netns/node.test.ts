// Each node's namespaces as flannel sets them up, compared with what `ip route` shows on a
// real flannel node (host-gw: routes via the other nodes; vxlan: via flannel.1 onlink).
import assert from 'node:assert/strict';
import { parseIPv4 } from '../../netns/netfilter/address.js';
import { buildNodeNetwork, vethName } from '../../netns/node.js';
import { parsePrefix } from '../../netns/prefix.js';
import { formatRoute } from '../../netns/route.js';
import { type CNIMode, ClusterTopology, type NodeInfo, type PodInfo, networkSettings } from '../../netns/topology.js';

const ip = (s: string) => parseIPv4(s)!;

function topology(cni: CNIMode): ClusterTopology {
  const node = (name: string, addr: string, cidr: string): NodeInfo => ({ name, addresses: [ip(addr)], podCIDR: parsePrefix(cidr), labels: {}, down: false });
  const pod = (name: string, nodeName: string, addr: string | null, hostNetwork = false): PodInfo => ({
    namespace: 'default',
    name,
    key: `default/${name}`,
    node: nodeName,
    ip: addr === null ? null : ip(addr),
    hostNetwork,
    ports: [],
  });
  return new ClusterTopology(
    networkSettings({ cni, nodeNetwork: '192.168.0.0/24', clusterCIDR: ['10.244.0.0/16'], serviceCIDR: ['10.96.0.0/12'] }),
    [node('node-2', '192.168.0.12', '10.244.2.0/24'), node('node-1', '192.168.0.11', '10.244.1.0/24')],
    [pod('web', 'node-1', '10.244.1.5'), pod('agent', 'node-1', '192.168.0.11', true), pod('pending', 'node-1', null)],
  );
}

const routes = (t: { routes(): { dst: unknown }[] }, table: 'main' | 'local') => t.routes().map((r) => formatRoute(r as never, table));

describe('netns/node: a node network as flannel builds it', () => {
  it('host-gw: routes to other nodes\' pod CIDRs via their addresses', () => {
    const topo = topology('host-gw');
    const n = buildNodeNetwork(topo, topo.node('node-1')!);
    assert.deepEqual(routes(n.root.routing.main, 'main'), [
      'default via 192.168.0.1 dev eth0',
      '10.244.1.0/24 dev cni0 proto kernel scope link src 10.244.1.1',
      '10.244.2.0/24 via 192.168.0.12 dev eth0',
      '192.168.0.0/24 dev eth0 proto kernel scope link src 192.168.0.11',
    ]);
    assert.deepEqual(routes(n.root.routing.local, 'local'), [
      'local 10.244.1.1 dev cni0 proto kernel scope host src 10.244.1.1',
      'local 127.0.0.0/8 dev lo proto kernel scope host src 127.0.0.1',
      'local 192.168.0.11 dev eth0 proto kernel scope host src 192.168.0.11',
    ]);
    const veth = vethName(topo.pod('default/web')!);
    assert.match(veth, /^veth[0-9a-f]{8}$/);
    assert.deepEqual(n.root.describeInterfaces(), [
      'lo loopback 127.0.0.1/8',
      'eth0 ethernet 192.168.0.11/24',
      'cni0 bridge 10.244.1.1/24',
      `${veth}@eth0 veth master cni0`,
    ]);
    // Cluster IPs are not local in iptables mode (no kube-ipvs0): they follow the default route.
    assert.ok(!n.root.isLocal(ip('10.96.0.10')));
    assert.equal(n.root.route(ip('10.96.0.10'))?.route.dev, 'eth0');
    // hostNetwork and address-less pods get no namespace of their own.
    assert.deepEqual([...n.pods.keys()], ['default/web']);
  });

  it('a pod namespace: eth0 with the pod IP, default route and cluster route via cni0', () => {
    const topo = topology('host-gw');
    const pn = buildNodeNetwork(topo, topo.node('node-1')!).pods.get('default/web')!;
    assert.equal(pn.netns.name, 'pod/default/web');
    assert.deepEqual(routes(pn.netns.routing.main, 'main'), [
      'default via 10.244.1.1 dev eth0',
      '10.244.0.0/16 via 10.244.1.1 dev eth0',
      '10.244.1.0/24 dev eth0 proto kernel scope link src 10.244.1.5',
    ]);
    assert.deepEqual(pn.netns.describeInterfaces(), ['lo loopback 127.0.0.1/8', `eth0@${pn.veth} veth 10.244.1.5/24`]);
    assert.ok(pn.netns.isLocal(ip('10.244.1.5')));
  });

  it('vxlan: other pod CIDRs via the remote flannel.1 address, onlink; flannel.1 holds the .0 address', () => {
    const topo = topology('vxlan');
    const n = buildNodeNetwork(topo, topo.node('node-1')!);
    assert.deepEqual(routes(n.root.routing.main, 'main'), [
      'default via 192.168.0.1 dev eth0',
      '10.244.1.0/24 dev cni0 proto kernel scope link src 10.244.1.1',
      '10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink',
      '192.168.0.0/24 dev eth0 proto kernel scope link src 192.168.0.11',
    ]);
    assert.ok(n.root.isLocal(ip('10.244.1.0')));
    assert.deepEqual(n.root.describeInterfaces().slice(2, 4), ['cni0 bridge 10.244.1.1/24', 'flannel.1 vxlan vxlan id 1 local 192.168.0.11 dstport 8472 10.244.1.0/32']);
    assert.equal(n.vteps.get(ip('10.244.2.0'))?.name, 'node-2');
    // A node's own traffic to a remote pod leaves with flannel.1's address.
    const d = n.root.route(ip('10.244.2.7'))!;
    assert.equal(n.root.sourceFor(d, ip('10.244.2.7')), ip('10.244.1.0'));
  });
});
