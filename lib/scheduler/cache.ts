// The scheduler's cache (pkg/scheduler/backend/cache): per-node aggregates kept up to date
// incrementally from pod and node events — requested and non-zero requested resources, pod
// count, host ports — plus the node tree that orders nodes zone by zone, and per-namespace
// groups of identically labelled pods with their counts per node and zone, so that topology
// spreading counts matching pods without walking every pod.
import type { Selector } from '../api/labels.js';
import type { Node, Pod, Taint } from '../api/types.js';
import { REGION_LABEL, ZONE_LABEL } from '../kubelet/node.js';
import { isPodTerminal } from '../kubelet/podstatus.js';
import { type PodResources, nodeAllocatable, podRequests } from './resources.js';

/** A host port a pod uses: protocol, port, host IP (0.0.0.0 = every address). */
export interface HostPort {
  protocol: string;
  port: number;
  hostIP: string;
}

/** Pods of one namespace that carry exactly the same labels. */
export interface LabelGroup {
  namespace: string;
  labels: Readonly<Record<string, string>>;
  /** Matching pods by node id (SchedulerCache.nodeId). */
  perNode: Map<number, number>;
  /** By zone label value ('' when the node has none). */
  perZone: Map<string, number>;
}

interface PodAccount {
  node: string;
  nodeId: number;
  res: PodResources;
  ports: HostPort[];
  group: LabelGroup;
}

export interface NodeInfo {
  name: string;
  node: Node;
  // Allocatable and the scheduling-relevant spec, kept flat on the object: the filter loop
  // touches nothing else for a typical node.
  allocMilliCPU: number;
  allocMemory: number;
  allocPods: number;
  allocScalar: Map<string, number>;
  unschedulable: boolean;
  /** NoSchedule and NoExecute taints, undefined when none. */
  blockingTaints: Taint[] | undefined;
  reqMilliCPU: number;
  reqMemory: number;
  reqScalar: Map<string, number>;
  nonZeroMilliCPU: number;
  nonZeroMemory: number;
  podCount: number;
  /** `protocol/port` -> host IPs in use. */
  usedPorts: Map<string, string[]>;
  /** topology.kubernetes.io/zone value, '' when absent. */
  zone: string;
  /** Small integer for `zone` (SchedulerCache.zoneIndex). */
  zoneIdx: number;
  /** Whether the node carries the hostname / zone labels (spread constraints skip nodes without them). */
  hasHostnameLabel: boolean;
  hasZoneLabel: boolean;
  /** PreferNoSchedule taints on the node. */
  preferNoSchedule: number;
  /** Stable small integer for the node name (SchedulerCache.nodeId). */
  id: number;
}

const HOSTNAME_LABEL = 'kubernetes.io/hostname';

/** Copies what the filters and scores read from the Node onto its NodeInfo. */
function refresh(info: NodeInfo, node: Node): void {
  const l = node.metadata.labels ?? {};
  let pns = 0;
  let blocking: Taint[] | undefined;
  for (const t of node.spec.taints ?? []) {
    if (t.effect === 'PreferNoSchedule') pns++;
    else (blocking ??= []).push(t);
  }
  const a = nodeAllocatable(node);
  info.node = node;
  info.allocMilliCPU = a.milliCPU;
  info.allocMemory = a.memory;
  info.allocPods = a.pods;
  info.allocScalar = a.scalar;
  info.unschedulable = node.spec.unschedulable === true;
  info.blockingTaints = blocking;
  info.zone = l[ZONE_LABEL] ?? '';
  info.hasHostnameLabel = Object.hasOwn(l, HOSTNAME_LABEL);
  info.hasZoneLabel = Object.hasOwn(l, ZONE_LABEL);
  info.preferNoSchedule = pns;
}

/** utilnode.GetZoneKey: region and zone, or '' for a node without either. */
export function zoneKey(node: Node): string {
  const l = node.metadata.labels ?? {};
  const zone = l[ZONE_LABEL] ?? l['failure-domain.beta.kubernetes.io/zone'] ?? '';
  const region = l[REGION_LABEL] ?? l['failure-domain.beta.kubernetes.io/region'] ?? '';
  return region === '' && zone === '' ? '' : `${region}:\x00:${zone}`;
}

/** A pod's host ports (containers and init containers; hostNetwork pods expose containerPort). */
export function podHostPorts(pod: Pod): HostPort[] {
  const out: HostPort[] = [];
  for (const c of [...(pod.spec.initContainers ?? []), ...pod.spec.containers]) {
    for (const p of c.ports ?? []) {
      const port = p.hostPort ?? (pod.spec.hostNetwork ? p.containerPort : 0);
      if (!port) continue;
      out.push({ protocol: p.protocol ?? 'TCP', port, hostIP: p.hostIP || '0.0.0.0' });
    }
  }
  return out;
}

function labelsKey(labels: Readonly<Record<string, string>> | undefined): string {
  if (!labels) return '';
  const keys = Object.keys(labels).sort();
  let s = '';
  for (const k of keys) s += `${k}=${labels[k]}\u0000`;
  return s;
}

/** NodeInfo needs the slow filter path: unschedulable or tainted NoSchedule/NoExecute. */
export const HOT_SLOW = 1;
export const HOT_HOSTNAME = 2;
export const HOT_ZONE = 4;

/**
 * The numbers the filter and score loops read, mirrored from NodeInfo into typed arrays by
 * node id: a scheduling cycle walks hundreds of nodes, and flat arrays keep that walk in cache.
 */
export class HotNodes {
  size = 0;
  allocCPU = new Float64Array(0);
  allocMem = new Float64Array(0);
  allocPods = new Float64Array(0);
  reqCPU = new Float64Array(0);
  reqMem = new Float64Array(0);
  nzCPU = new Float64Array(0);
  nzMem = new Float64Array(0);
  pods = new Float64Array(0);
  flags = new Uint8Array(0);
  zone = new Int32Array(0);
  /** Scratch for one scheduling cycle: the cycle that last looked at the node, and its position then. */
  mark = new Int32Array(0);
  slot = new Int32Array(0);

  grow(ids: number): void {
    if (ids <= this.size) return;
    const size = Math.max(ids, this.size * 2, 64);
    const f = (a: Float64Array) => {
      const b = new Float64Array(size);
      b.set(a);
      return b;
    };
    const i = (a: Int32Array) => {
      const b = new Int32Array(size);
      b.set(a);
      return b;
    };
    this.allocCPU = f(this.allocCPU);
    this.allocMem = f(this.allocMem);
    this.allocPods = f(this.allocPods);
    this.reqCPU = f(this.reqCPU);
    this.reqMem = f(this.reqMem);
    this.nzCPU = f(this.nzCPU);
    this.nzMem = f(this.nzMem);
    this.pods = f(this.pods);
    const flags = new Uint8Array(size);
    flags.set(this.flags);
    this.flags = flags;
    this.zone = i(this.zone);
    this.mark = i(this.mark);
    this.slot = i(this.slot);
    this.size = size;
  }

  /** Copies a node's numbers into its slot. */
  sync(n: NodeInfo): void {
    const id = n.id;
    this.grow(id + 1);
    this.allocCPU[id] = n.allocMilliCPU;
    this.allocMem[id] = n.allocMemory;
    this.allocPods[id] = n.allocPods;
    this.reqCPU[id] = n.reqMilliCPU;
    this.reqMem[id] = n.reqMemory;
    this.nzCPU[id] = n.nonZeroMilliCPU;
    this.nzMem[id] = n.nonZeroMemory;
    this.pods[id] = n.podCount;
    this.flags[id] = (n.unschedulable || n.blockingTaints ? HOT_SLOW : 0) | (n.hasHostnameLabel ? HOT_HOSTNAME : 0) | (n.hasZoneLabel ? HOT_ZONE : 0);
    this.zone[id] = n.zoneIdx;
  }
}

/** The pods counted on nodes: bound and not finished. */
export function isAssigned(pod: Pod): boolean {
  return !!pod.spec.nodeName && !isPodTerminal(pod);
}

/** Nodes and the pods bound to them, as the scheduler sees them. */
export class SchedulerCache {
  readonly #nodes = new Map<string, NodeInfo>();
  readonly #accounts = new Map<string, PodAccount>();
  /** Pod keys by node name, whether or not the node is known (yet). */
  readonly #podsByNode = new Map<string, Set<string>>();
  readonly #groups = new Map<string, Map<string, LabelGroup>>();
  readonly #groupVersion = new Map<string, number>();
  readonly #selectorCache = new Map<string, { version: number; groups: LabelGroup[] }>();
  // Node tree: zones in the order first seen, nodes per zone in the order added.
  readonly #zones: string[] = [];
  readonly #tree = new Map<string, string[]>();
  readonly #nodeZoneKey = new Map<string, string>();
  #list: NodeInfo[] | undefined;
  readonly #ids = new Map<string, number>();
  /** Typed-array mirror of the nodes' numbers, by node id. */
  readonly hot = new HotNodes();
  #listIds: Int32Array | undefined;
  /** Zone label values seen, by small integer. */
  readonly zoneNames: string[] = [];
  readonly #zoneIdx = new Map<string, number>();
  readonly #byId: (NodeInfo | undefined)[] = [];
  /** Nodes with at least one PreferNoSchedule taint (TaintToleration scores are uniform without any). */
  #preferNoScheduleNodes = 0;

  get preferNoScheduleNodes(): number {
    return this.#preferNoScheduleNodes;
  }

  get nodeCount(): number {
    return this.#nodes.size;
  }

  node(name: string): NodeInfo | undefined {
    return this.#nodes.get(name);
  }

  /** A small integer for a node name, the same for the life of the cache (known node or not). */
  nodeId(name: string): number {
    let id = this.#ids.get(name);
    if (id === undefined) {
      id = this.#byId.length;
      this.#ids.set(name, id);
      this.#byId.push(undefined);
    }
    return id;
  }

  /** A small integer for a zone label value. */
  zoneIndex(zone: string): number {
    let i = this.#zoneIdx.get(zone);
    if (i === undefined) {
      i = this.zoneNames.push(zone) - 1;
      this.#zoneIdx.set(zone, i);
    }
    return i;
  }

  /** The known node with that id. */
  nodeById(id: number): NodeInfo | undefined {
    return this.#byId[id];
  }

  /** Nodes in node-tree order: one node from each zone in turn (nodeTree.list). */
  nodeList(): NodeInfo[] {
    if (!this.#list) {
      const out: NodeInfo[] = [];
      const lists = this.#zones.map((z) => this.#tree.get(z)!);
      const longest = lists.reduce((m, l) => Math.max(m, l.length), 0);
      for (let i = 0; i < longest; i++) {
        for (const na of lists) if (i < na.length) out.push(this.#nodes.get(na[i]!)!);
      }
      this.#list = out;
    }
    return this.#list;
  }

  /** Node ids in node-tree order (nodeList's order). */
  listIds(): Int32Array {
    if (!this.#listIds || !this.#list) {
      const list = this.nodeList();
      this.#listIds = Int32Array.from(list, (n) => n.id);
    }
    return this.#listIds;
  }

  addNode(node: Node): void {
    const name = node.metadata.name!;
    if (this.#nodes.has(name)) {
      this.updateNode(node);
      return;
    }
    const info: NodeInfo = {
      name, node, allocMilliCPU: 0, allocMemory: 0, allocPods: 0, allocScalar: new Map(), unschedulable: false, blockingTaints: undefined,
      reqMilliCPU: 0, reqMemory: 0, reqScalar: new Map(), nonZeroMilliCPU: 0, nonZeroMemory: 0, podCount: 0,
      usedPorts: new Map(), zone: '', zoneIdx: 0, hasHostnameLabel: false, hasZoneLabel: false, preferNoSchedule: 0,
      id: this.nodeId(name),
    };
    refresh(info, node);
    info.zoneIdx = this.zoneIndex(info.zone);
    this.hot.sync(info);
    this.#byId[info.id] = info;
    if (info.preferNoSchedule) this.#preferNoScheduleNodes++;
    this.#nodes.set(name, info);
    this.#treeAdd(name, zoneKey(node));
    for (const k of this.#podsByNode.get(name) ?? []) this.#charge(info, this.#accounts.get(k)!, 1);
  }

  updateNode(node: Node): void {
    const name = node.metadata.name!;
    const info = this.#nodes.get(name);
    if (!info) {
      this.addNode(node);
      return;
    }
    const oldZone = info.zone;
    if (info.preferNoSchedule) this.#preferNoScheduleNodes--;
    refresh(info, node);
    if (info.preferNoSchedule) this.#preferNoScheduleNodes++;
    const zone = info.zone;
    info.zone = oldZone;
    if (zone !== info.zone) {
      // Move this node's pods between zone counts.
      for (const k of this.#podsByNode.get(name) ?? []) {
        const g = this.#accounts.get(k)!.group;
        bump(g.perZone, info.zone, -1);
        bump(g.perZone, zone, 1);
      }
      info.zone = zone;
      info.zoneIdx = this.zoneIndex(zone);
    }
    this.hot.sync(info);
    const zk = zoneKey(node);
    if (zk !== this.#nodeZoneKey.get(name)) {
      this.#treeRemove(name);
      this.#treeAdd(name, zk);
    }
  }

  removeNode(name: string): void {
    const info = this.#nodes.get(name);
    if (!info) return;
    // Pods still bound there stay counted per node name, as the cache keeps them until they go.
    for (const k of this.#podsByNode.get(name) ?? []) this.#charge(info, this.#accounts.get(k)!, -1);
    if (info.preferNoSchedule) this.#preferNoScheduleNodes--;
    this.#byId[info.id] = undefined;
    this.#nodes.delete(name);
    this.#treeRemove(name);
  }

  #treeAdd(name: string, zk: string): void {
    let na = this.#tree.get(zk);
    if (!na) {
      na = [];
      this.#tree.set(zk, na);
      this.#zones.push(zk);
    }
    na.push(name);
    this.#nodeZoneKey.set(name, zk);
    this.#list = undefined;
    this.#listIds = undefined;
  }

  #treeRemove(name: string): void {
    const zk = this.#nodeZoneKey.get(name);
    if (zk === undefined) return;
    this.#nodeZoneKey.delete(name);
    const na = this.#tree.get(zk)!;
    na.splice(na.indexOf(name), 1);
    if (na.length === 0) {
      this.#tree.delete(zk);
      this.#zones.splice(this.#zones.indexOf(zk), 1);
    }
    this.#list = undefined;
    this.#listIds = undefined;
  }

  /** Records a pod (bound, not finished) on its node; replaces what was recorded for the key. */
  setPod(key: string, pod: Pod | undefined): void {
    const prev = this.#accounts.get(key);
    if (prev) this.#unsetPod(key, prev);
    if (!pod || !isAssigned(pod)) return;
    const acc: PodAccount = {
      node: pod.spec.nodeName!,
      nodeId: this.nodeId(pod.spec.nodeName!),
      res: podRequests(pod),
      ports: podHostPorts(pod),
      group: this.#group(pod.metadata.namespace ?? 'default', pod.metadata.labels),
    };
    this.#accounts.set(key, acc);
    let set = this.#podsByNode.get(acc.node);
    if (!set) this.#podsByNode.set(acc.node, (set = new Set()));
    set.add(key);
    bumpId(acc.group.perNode, acc.nodeId, 1);
    const info = this.#nodes.get(acc.node);
    if (info) this.#charge(info, acc, 1);
  }

  /** True when the cache counts this pod key. */
  hasPod(key: string): boolean {
    return this.#accounts.has(key);
  }

  #unsetPod(key: string, acc: PodAccount): void {
    this.#accounts.delete(key);
    const set = this.#podsByNode.get(acc.node)!;
    set.delete(key);
    if (set.size === 0) this.#podsByNode.delete(acc.node);
    bumpId(acc.group.perNode, acc.nodeId, -1);
    const info = this.#nodes.get(acc.node);
    if (info) this.#charge(info, acc, -1);
  }

  /** Adds (or takes away) a pod's requests, ports and zone count on a known node. */
  #charge(info: NodeInfo, acc: PodAccount, sign: 1 | -1): void {
    const r = acc.res;
    info.reqMilliCPU += sign * r.milliCPU;
    info.reqMemory += sign * r.memory;
    for (const [k, v] of r.scalar) bump(info.reqScalar, k, sign * v);
    info.nonZeroMilliCPU += sign * r.nonZeroMilliCPU;
    info.nonZeroMemory += sign * r.nonZeroMemory;
    info.podCount += sign;
    for (const p of acc.ports) {
      const k = `${p.protocol}/${p.port}`;
      const ips = info.usedPorts.get(k) ?? [];
      if (sign > 0) ips.push(p.hostIP);
      else ips.splice(ips.indexOf(p.hostIP), 1);
      if (ips.length) info.usedPorts.set(k, ips);
      else info.usedPorts.delete(k);
    }
    bump(acc.group.perZone, info.zone, sign);
    this.hot.sync(info);
  }

  #group(namespace: string, labels: Readonly<Record<string, string>> | undefined): LabelGroup {
    let byKey = this.#groups.get(namespace);
    if (!byKey) this.#groups.set(namespace, (byKey = new Map()));
    const k = labelsKey(labels);
    let g = byKey.get(k);
    if (!g) {
      g = { namespace, labels: { ...(labels ?? {}) }, perNode: new Map(), perZone: new Map() };
      byKey.set(k, g);
      this.#groupVersion.set(namespace, (this.#groupVersion.get(namespace) ?? 0) + 1);
    }
    return g;
  }

  /** Label groups of `namespace` whose labels `selector` matches (cached per selector text). */
  matchingGroups(namespace: string, selector: Selector): LabelGroup[] {
    const version = this.#groupVersion.get(namespace) ?? 0;
    const ck = `${namespace}\u0000${selector.toString()}`;
    const hit = this.#selectorCache.get(ck);
    if (hit && hit.version === version) return hit.groups;
    const groups: LabelGroup[] = [];
    for (const g of this.#groups.get(namespace)?.values() ?? []) if (selector.matches(g.labels)) groups.push(g);
    if (this.#selectorCache.size > 50_000) this.#selectorCache.clear();
    this.#selectorCache.set(ck, { version, groups });
    return groups;
  }
}

function bump(m: Map<string, number>, k: string, d: number): void {
  if (d === 0) return;
  const v = (m.get(k) ?? 0) + d;
  if (v === 0) m.delete(k);
  else m.set(k, v);
}

function bumpId(m: Map<number, number>, k: number, d: number): void {
  const v = (m.get(k) ?? 0) + d;
  if (v === 0) m.delete(k);
  else m.set(k, v);
}
