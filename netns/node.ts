// One node's network as a flannel-style cluster sets it up: the root namespace with eth0 on
// the node network, the cni0 bridge holding the pod CIDR's gateway, one veth pair per pod
// into the pod's namespace, routes to every other node's pod CIDR (host-gw: via that node's
// address on eth0; vxlan: via its flannel.1 VTEP), and each pod's namespace with eth0 and a
// default route through the bridge. hostNetwork pods share the root namespace.
import { createHash } from 'node:crypto';
import { NetNamespace } from './netns.js';
import { type Prefix, nthInPrefix, prefixContains, prefixOf } from './prefix.js';
import type { ClusterTopology, NodeInfo, PodInfo } from './topology.js';

/** flannel's VXLAN device, VNI and UDP port (its defaults, the Linux kernel's IANA port is 4789). */
export const VXLAN_DEVICE = 'flannel.1';
export const VXLAN_VNI = 1;
export const VXLAN_PORT = 8472;
export const BRIDGE = 'cni0';
export const UPLINK = 'eth0';

const LOOPBACK: Prefix = { family: 4, address: 0x7f000000, length: 8 };

/** A pod's namespace on its node, and the host end of its veth pair. */
export interface PodNetwork {
  readonly pod: PodInfo;
  readonly netns: NetNamespace;
  readonly veth: string;
}

export interface NodeNetwork {
  readonly node: NodeInfo;
  readonly root: NetNamespace;
  /** Pod namespaces by `ns/name` (pods with an IP, not hostNetwork). */
  readonly pods: ReadonlyMap<string, PodNetwork>;
  /** vxlan: remote VTEP address (a node's flannel.1 address) → that node. */
  readonly vteps: ReadonlyMap<number, NodeInfo>;
}

/** The host end of a pod's veth pair: `veth` and 8 hex digits, as the bridge plugin names it (from the pod, not at random). */
export function vethName(pod: PodInfo): string {
  return `veth${createHash('sha256').update(pod.key).digest('hex').slice(0, 8)}`;
}

/** The netns name of a pod. */
export function podNetnsName(pod: PodInfo): string {
  return `pod/${pod.key}`;
}

/** The pod CIDR gateway (cni0's address): the first address, as the bridge plugin's host-local IPAM. */
export function bridgeAddress(podCIDR: Prefix): number {
  return nthInPrefix(podCIDR, 1) as number;
}

function addLoopback(ns: NetNamespace): void {
  ns.addInterface({ name: 'lo', kind: 'loopback', addresses: [{ address: 0x7f000001, subnet: LOOPBACK }] });
  ns.routing.local.add({ type: 'local', dst: LOOPBACK, dev: 'lo', src: 0x7f000001, scope: 'host', proto: 'kernel' });
}

function addLocal(ns: NetNamespace, dev: string, address: number): void {
  ns.routing.local.add({ type: 'local', dst: prefixOf(address, 32), dev, src: address, scope: 'host', proto: 'kernel' });
}

/** Builds the root namespace and pod namespaces of `node`. */
export function buildNodeNetwork(topology: ClusterTopology, node: NodeInfo): NodeNetwork {
  const settings = topology.settings;
  const root = new NetNamespace('root', node.name);
  addLoopback(root);
  const primary = node.addresses[0];
  const nn = settings.nodeNetwork;
  // eth0: every InternalIP; those outside the node network are host addresses.
  root.addInterface({
    name: UPLINK,
    kind: 'ethernet',
    addresses: node.addresses.map((a) => ({ address: a, subnet: nn && prefixContains(nn, a) ? nn : prefixOf(a, 32) })),
  });
  for (const a of node.addresses) addLocal(root, UPLINK, a);
  if (nn && primary !== undefined) {
    const onNet = node.addresses.find((a) => prefixContains(nn, a));
    if (onNet !== undefined) root.routing.main.add({ type: 'unicast', dst: nn, dev: UPLINK, src: onNet, scope: 'link', proto: 'kernel' });
    if (topology.gateway !== null && !node.addresses.includes(topology.gateway)) {
      root.routing.main.add({ type: 'unicast', dst: prefixOf(0, 0), dev: UPLINK, via: topology.gateway, scope: 'global', proto: 'boot' });
    }
  }

  const pods = new Map<string, PodNetwork>();
  const vteps = new Map<number, NodeInfo>();
  const podCIDR = node.podCIDR;
  if (podCIDR) {
    const gw = bridgeAddress(podCIDR);
    const veths: PodNetwork[] = [];
    for (const pod of topology.podsOn(node.name)) {
      if (pod.hostNetwork || pod.ip === null) continue;
      const veth = vethName(pod);
      const ns = new NetNamespace(podNetnsName(pod), node.name);
      addLoopback(ns);
      const subnet = prefixContains(podCIDR, pod.ip) ? podCIDR : prefixOf(pod.ip, 32);
      ns.addInterface({ name: 'eth0', kind: 'veth', addresses: [{ address: pod.ip, subnet }], peer: { netns: 'root', name: veth } });
      addLocal(ns, 'eth0', pod.ip);
      ns.routing.main.add({ type: 'unicast', dst: subnet, dev: 'eth0', src: pod.ip, scope: 'link', proto: 'kernel' });
      // The flannel CNI config: a default route (isDefaultGateway) plus the cluster network, both via cni0.
      ns.routing.main.add({ type: 'unicast', dst: prefixOf(0, 0), dev: 'eth0', via: gw, scope: 'global', proto: 'boot' });
      for (const c of settings.clusterCIDRs) ns.routing.main.add({ type: 'unicast', dst: c, dev: 'eth0', via: gw, scope: 'global', proto: 'boot' });
      const pn = { pod, netns: ns, veth };
      pods.set(pod.key, pn);
      veths.push(pn);
    }
    root.addInterface({ name: BRIDGE, kind: 'bridge', addresses: [{ address: gw, subnet: podCIDR }] });
    addLocal(root, BRIDGE, gw);
    root.routing.main.add({ type: 'unicast', dst: podCIDR, dev: BRIDGE, src: gw, scope: 'link', proto: 'kernel' });
    if (settings.cni === 'vxlan' && primary !== undefined) {
      const vtep = podCIDR.address as number;
      root.addInterface({
        name: VXLAN_DEVICE,
        kind: 'vxlan',
        addresses: [{ address: vtep, subnet: prefixOf(vtep, 32) }],
        vxlan: { vni: VXLAN_VNI, port: VXLAN_PORT, local: primary },
      });
      addLocal(root, VXLAN_DEVICE, vtep);
    }
    for (const v of veths) root.addInterface({ name: v.veth, kind: 'veth', addresses: [], master: BRIDGE, peer: { netns: v.netns.name, name: 'eth0' } });
  }
  // Routes to the other nodes' pod CIDRs, as flanneld installs them.
  for (const other of topology.nodes) {
    if (other.name === node.name || !other.podCIDR || other.addresses.length === 0) continue;
    if (settings.cni === 'vxlan') {
      if (!podCIDR) continue;
      const remote = other.podCIDR.address as number;
      vteps.set(remote, other);
      root.routing.main.add({ type: 'unicast', dst: other.podCIDR, dev: VXLAN_DEVICE, via: remote, scope: 'global', proto: 'boot', onlink: true });
    } else {
      const via = other.addresses[0]!;
      root.routing.main.add({ type: 'unicast', dst: other.podCIDR, dev: UPLINK, via, scope: 'global', proto: 'boot', ...(nn && prefixContains(nn, via) ? {} : { onlink: true }) });
    }
  }
  return { node, root, pods, vteps };
}
