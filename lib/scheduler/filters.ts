// The default profile's filter plugins that apply to the pods netsim models, in the default
// profile's order (NodeUnschedulable, NodeName, TaintToleration, NodeAffinity, NodePorts,
// NodeResourcesFit). The first failing plugin decides a node's status, as RunFilterPlugins does.
import type { Pod, Toleration } from '../api/types.js';
import type { HostPort, NodeInfo } from './cache.js';
import { podMatchesNodeSelectorAndAffinity } from './nodeaffinity.js';
import type { PodResources } from './resources.js';
import { TAINT_UNSCHEDULABLE, doNotSchedule, findUntoleratedTaint, tolerationsTolerateTaint } from './taints.js';

export type FilterCode = 'Unschedulable' | 'UnschedulableAndUnresolvable';

/** A failed filter: its code and the reasons counted in the FitError histogram. */
export interface FilterStatus {
  plugin: string;
  code: FilterCode;
  reasons: string[];
}

/** What the filters need of the pod, computed once per scheduling cycle. */
export interface PodInfo {
  pod: Pod;
  key: string;
  res: PodResources;
  ports: HostPort[];
  tolerations: readonly Toleration[];
  /** nodeSelector or required node affinity present. */
  constrained: boolean;
}

export const ERR_NODE_UNSCHEDULABLE = 'node(s) were unschedulable';
export const ERR_NODE_NAME = "node(s) didn't match the requested node name";
export const ERR_NODE_AFFINITY = "node(s) didn't match Pod's node affinity/selector";
export const ERR_NODE_PORTS = "node(s) didn't have free ports for the requested pod ports";
export const ERR_TOO_MANY_PODS = 'Too many pods';

const UNSCHEDULABLE_TAINT = { key: TAINT_UNSCHEDULABLE, effect: 'NoSchedule' as const };

/** Runs the filters in order; undefined when the node fits. */
export function runFilters(p: PodInfo, n: NodeInfo): FilterStatus | undefined {
  if (n.unschedulable && !tolerationsTolerateTaint(p.tolerations, UNSCHEDULABLE_TAINT)) {
    return { plugin: 'NodeUnschedulable', code: 'UnschedulableAndUnresolvable', reasons: [ERR_NODE_UNSCHEDULABLE] };
  }
  if (p.pod.spec.nodeName && p.pod.spec.nodeName !== n.name) {
    return { plugin: 'NodeName', code: 'UnschedulableAndUnresolvable', reasons: [ERR_NODE_NAME] };
  }
  const taint = n.blockingTaints ? findUntoleratedTaint(n.blockingTaints, p.tolerations, doNotSchedule) : undefined;
  if (taint) {
    return { plugin: 'TaintToleration', code: 'UnschedulableAndUnresolvable', reasons: [`node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`] };
  }
  if (p.constrained && !podMatchesNodeSelectorAndAffinity(p.pod, n.node)) {
    return { plugin: 'NodeAffinity', code: 'UnschedulableAndUnresolvable', reasons: [ERR_NODE_AFFINITY] };
  }
  if (p.ports.length && portsConflict(p.ports, n.usedPorts)) {
    return { plugin: 'NodePorts', code: 'Unschedulable', reasons: [ERR_NODE_PORTS] };
  }
  if (resourcesFit(p.res, n)) return undefined;
  return { plugin: 'NodeResourcesFit', code: 'Unschedulable', reasons: insufficientResources(p.res, n) };
}

/** HostPortInfo.CheckConflict for each wanted port: 0.0.0.0 conflicts with any address. */
export function portsConflict(want: readonly HostPort[], used: ReadonlyMap<string, readonly string[]>): boolean {
  for (const w of want) {
    const ips = used.get(`${w.protocol}/${w.port}`);
    if (!ips) continue;
    if (w.hostIP === '0.0.0.0') return true;
    for (const ip of ips) if (ip === '0.0.0.0' || ip === w.hostIP) return true;
  }
  return false;
}

/** fitsRequest: the reasons in upstream's order (pods, cpu, memory, then other resources). */
export function insufficientResources(r: PodResources, n: NodeInfo): string[] {
  const out: string[] = [];
  if (n.podCount + 1 > n.allocPods) out.push(ERR_TOO_MANY_PODS);
  if (r.milliCPU === 0 && r.memory === 0 && r.scalar.size === 0) return out;
  if (r.milliCPU > 0 && r.milliCPU > n.allocMilliCPU - n.reqMilliCPU) out.push('Insufficient cpu');
  if (r.memory > 0 && r.memory > n.allocMemory - n.reqMemory) out.push('Insufficient memory');
  const eph = r.scalar.get('ephemeral-storage') ?? 0;
  if (eph > 0 && eph > (n.allocScalar.get('ephemeral-storage') ?? 0) - (n.reqScalar.get('ephemeral-storage') ?? 0)) {
    out.push('Insufficient ephemeral-storage');
  }
  for (const k of [...r.scalar.keys()].sort()) {
    if (k === 'ephemeral-storage') continue;
    const want = r.scalar.get(k)!;
    if (want > 0 && want > (n.allocScalar.get(k) ?? 0) - (n.reqScalar.get(k) ?? 0)) out.push(`Insufficient ${k}`);
  }
  return out;
}

/** The common case of fitsRequest without allocating: true when the node has room. */
function resourcesFit(r: PodResources, n: NodeInfo): boolean {
  if (n.podCount + 1 > n.allocPods) return false;
  if (r.milliCPU > 0 && r.milliCPU > n.allocMilliCPU - n.reqMilliCPU) return false;
  if (r.memory > 0 && r.memory > n.allocMemory - n.reqMemory) return false;
  if (r.scalar.size === 0) return true;
  for (const [k, want] of r.scalar) {
    if (want > 0 && want > (n.allocScalar.get(k) ?? 0) - (n.reqScalar.get(k) ?? 0)) return false;
  }
  return true;
}
