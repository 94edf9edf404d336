// The Node status a kubelet posts (kubelet_node_status.go, nodestatus/setters.go): the
// condition set, nodeInfo, allocatable, daemon endpoints; and the node facts the rest of the
// node side reads (Ready, InternalIPs, whether the timeline stopped the kubelet).
import type { Condition } from '../api/meta.js';
import type { Node, NodeAddress, ResourceList } from '../api/types.js';
import { parseQuantity } from '../api/quantity.js';
import { hexFrom } from './podstatus.js';

/** Set by the timeline's nodeDown: the kubelet on this node stopped (no heartbeats, no pod sync). */
export const KUBELET_STOPPED_ANNOTATION = 'netsim.io/kubelet-stopped';
export const ZONE_LABEL = 'topology.kubernetes.io/zone';
export const REGION_LABEL = 'topology.kubernetes.io/region';

export const KUBELET_VERSION = 'v1.34.0';
export const CONTAINER_RUNTIME_VERSION = 'containerd://1.7.27';
export const OS_IMAGE = 'Ubuntu 24.04.2 LTS';
export const KERNEL_VERSION = '6.8.0-60-generic';

/** kubelet's default hard eviction threshold memory.available<100Mi, subtracted from allocatable. */
const EVICTION_MEMORY_BYTES = 100 * 1024 * 1024;

/** True while the timeline keeps this node's kubelet stopped. */
export function kubeletStopped(node: Node): boolean {
  return node.metadata.annotations?.[KUBELET_STOPPED_ANNOTATION] === 'true';
}

/** The node's Ready condition, if any. */
export function nodeReadyCondition(node: Node): Condition | undefined {
  return node.status?.conditions?.find((c) => c.type === 'Ready');
}

/** InternalIP addresses in status order (the first per family is the node's IP for that family). */
export function nodeInternalIPs(node: Node): string[] {
  return (node.status?.addresses ?? []).filter((a) => a.type === 'InternalIP').map((a) => a.address);
}

/** The conditions a healthy kubelet reports, NetworkUnavailable as flannel sets it. */
export function healthyNodeConditions(now: string, cni: string): Condition[] {
  const c = (type: string, status: 'True' | 'False', reason: string, message: string): Condition => ({
    type, status, lastHeartbeatTime: now, lastTransitionTime: now, reason, message,
  });
  const conds = [
    c('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
    c('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
    c('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
    c('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
  ];
  if (cni === 'host-gw' || cni === 'vxlan') conds.unshift(c('NetworkUnavailable', 'False', 'FlannelIsUp', 'Flannel is running on this node'));
  return conds;
}

/** Memory in Ki as the kubelet prints it. */
function ki(bytes: number): string {
  return `${Math.floor(bytes / 1024)}Ki`;
}

/** Allocatable = capacity minus the eviction reserve (kubeadm sets no system/kube reserved). */
export function allocatableFor(capacity: ResourceList): ResourceList {
  const out: ResourceList = { ...capacity };
  if (capacity.memory !== undefined) {
    const bytes = parseQuantity(capacity.memory);
    out.memory = ki(Math.max(0, bytes - EVICTION_MEMORY_BYTES));
  }
  return out;
}

/** The nodeInfo block; IDs are derived from the node name so they are stable. */
export function nodeSystemInfo(name: string): Record<string, string> {
  const hex = (salt: string) => hexFrom(`${name}/${salt}`, 32);
  const uuid = (h: string) => `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
  return {
    architecture: 'amd64',
    bootID: uuid(hex('boot')),
    containerRuntimeVersion: CONTAINER_RUNTIME_VERSION,
    kernelVersion: KERNEL_VERSION,
    kubeProxyVersion: '',
    kubeletVersion: KUBELET_VERSION,
    machineID: hex('machine'),
    operatingSystem: 'linux',
    osImage: OS_IMAGE,
    systemUUID: uuid(hex('system')),
  };
}

/** The full status a kubelet posts at registration (or after a restart), keeping given capacity and addresses. */
export function registeredNodeStatus(node: Node, now: string, cni: string): NonNullable<Node['status']> {
  const prev = node.status ?? {};
  const capacity = prev.capacity ?? { cpu: '4', memory: '8Gi', pods: '110' };
  const addresses: NodeAddress[] = [...(prev.addresses ?? [])];
  if (!addresses.some((a) => a.type === 'Hostname')) addresses.push({ type: 'Hostname', address: node.metadata.name! });
  return {
    ...prev,
    addresses,
    capacity,
    allocatable: prev.allocatable && !sameList(prev.allocatable, capacity) ? prev.allocatable : allocatableFor(capacity),
    conditions: healthyNodeConditions(now, cni),
    daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
    nodeInfo: nodeSystemInfo(node.metadata.name!),
  } as NonNullable<Node['status']>;
}

function sameList(a: ResourceList, b: ResourceList): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => String(a[k]) === String(b[k]));
}
