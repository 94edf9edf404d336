// Endpoint selection as kube-proxy's CategorizeEndpoints (pkg/proxy/topology.go): which
// endpoints "Cluster" and "Local" traffic policy use on one node, with the ready →
// serving+terminating fallback and topology hints.
import type { EndpointInfo } from './endpoints.js';
import type { ServicePortInfo } from './serviceport.js';

/** The node facts endpoint selection needs. */
export interface TopologyNode {
  readonly nodeName: string;
  /** The node's topology.kubernetes.io/zone label ('' when absent). */
  readonly zone: string;
}

export interface TopologyGates {
  /** PreferSameTrafficDistribution: honour hints.forNodes (beta, on by default since 1.33). */
  readonly preferSameTrafficDistribution: boolean;
}

export const defaultTopologyGates: TopologyGates = { preferSameTrafficDistribution: true };

export interface CategorizedEndpoints {
  /** Endpoints for "Cluster" policy; empty when the port never uses it. */
  readonly clusterEndpoints: readonly EndpointInfo[];
  /** Endpoints for "Local" policy; empty when the port never uses it. */
  readonly localEndpoints: readonly EndpointInfo[];
  /** Every endpoint this node writes a chain for, in sorted "ip:port" order. */
  readonly allReachableEndpoints: readonly EndpointInfo[];
  /** Whether any endpoint anywhere is usable: false gives REJECT rather than DROP. */
  readonly hasAnyEndpoints: boolean;
}

const NONE: readonly EndpointInfo[] = [];

type TopologyMode = '' | 'PreferSameNode' | 'PreferSameZone';

/** As upstream topologyModeFromHints: hints count only if every ready endpoint has one. */
export function topologyModeFromHints(endpoints: readonly EndpointInfo[], node: TopologyNode, gates: TopologyGates): TopologyMode {
  let hasReady = false;
  let forNode = false;
  let allNodeHints = true;
  let forZone = false;
  let allZoneHints = true;
  for (const ep of endpoints) {
    if (!ep.ready) continue;
    hasReady = true;
    if (ep.nodeHints === null) allNodeHints = false;
    else if (ep.nodeHints.has(node.nodeName)) forNode = true;
    if (ep.zoneHints === null) allZoneHints = false;
    else if (ep.zoneHints.has(node.zone)) forZone = true;
  }
  if (!hasReady) return '';
  if (gates.preferSameTrafficDistribution && allNodeHints && forNode) return 'PreferSameNode';
  if (allZoneHints && forZone) return 'PreferSameZone';
  return '';
}

function availableForTopology(ep: EndpointInfo, mode: TopologyMode, node: TopologyNode): boolean {
  if (mode === '') return true;
  if (mode === 'PreferSameNode') return ep.nodeHints?.has(node.nodeName) ?? false;
  return ep.zoneHints?.has(node.zone) ?? false;
}

/** CategorizeEndpoints for one service port on one node. `endpoints` must be sorted. */
export function categorizeEndpoints(
  endpoints: readonly EndpointInfo[],
  svc: ServicePortInfo,
  node: TopologyNode,
  gates: TopologyGates = defaultTopologyGates,
): CategorizedEndpoints {
  if (endpoints.length === 0) return { clusterEndpoints: NONE, localEndpoints: NONE, allReachableEndpoints: NONE, hasAnyEndpoints: false };

  let cluster: readonly EndpointInfo[] = NONE;
  let hasAny = false;
  let mode: TopologyMode = '';
  if (svc.usesClusterEndpoints) {
    mode = topologyModeFromHints(endpoints, node, gates);
    cluster = endpoints.filter((ep) => ep.ready && availableForTopology(ep, mode, node));
    // No ready endpoint anywhere (topology never empties the set): fall back to serving+terminating.
    if (cluster.length === 0) cluster = endpoints.filter((ep) => ep.serving && ep.terminating);
    if (cluster.length > 0) hasAny = true;
  }
  if (!svc.usesLocalEndpoints) return { clusterEndpoints: cluster, localEndpoints: NONE, allReachableEndpoints: cluster, hasAnyEndpoints: hasAny };

  let localReady = false;
  let localServingTerminating = false;
  for (const ep of endpoints) {
    const isLocal = ep.nodeName !== '' && ep.nodeName === node.nodeName;
    if (ep.ready) {
      hasAny = true;
      if (isLocal) localReady = true;
    } else if (ep.serving && ep.terminating) {
      hasAny = true;
      if (isLocal) localServingTerminating = true;
    }
  }
  let local: readonly EndpointInfo[] = NONE;
  let usesServingTerminating = false;
  if (localReady) {
    local = endpoints.filter((ep) => ep.ready && ep.nodeName !== '' && ep.nodeName === node.nodeName);
  } else if (localServingTerminating) {
    usesServingTerminating = true;
    local = endpoints.filter((ep) => ep.serving && ep.terminating && ep.nodeName !== '' && ep.nodeName === node.nodeName);
  }
  if (!svc.usesClusterEndpoints) return { clusterEndpoints: NONE, localEndpoints: local, allReachableEndpoints: local, hasAnyEndpoints: hasAny };
  // Without topology and with ready local endpoints, cluster ⊇ local.
  if (mode === '' && !usesServingTerminating) return { clusterEndpoints: cluster, localEndpoints: local, allReachableEndpoints: cluster, hasAnyEndpoints: hasAny };
  // Union, kept in the sorted endpoint order (upstream builds it from a map).
  const inCluster = new Set(cluster);
  const inLocal = new Set(local);
  const all = endpoints.filter((ep) => inCluster.has(ep) || inLocal.has(ep));
  return { clusterEndpoints: cluster, localEndpoints: local, allReachableEndpoints: all, hasAnyEndpoints: hasAny };
}
