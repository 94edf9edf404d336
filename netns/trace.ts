// The packet walk: one connection's first packet from its source namespace through routing,
// veth pairs, the cni0 bridge, each node's netfilter hooks (kube-proxy's rules, evaluated
// exactly, so every probabilistic branch becomes its own path), NAT recorded in each node's
// conntrack, the wire, the VXLAN overlay, the upstream router and a cloud load balancer, to
// where it ends: a pod, a node's own stack, the outside world, or a drop. Then each reply
// is walked back through the conntrack entries that undo the NAT.
import { hash32 } from '../lib/sim/random.js';
import { type ConntrackEntry, Conntrack, type Tuple, formatConntrackEntry, invertTuple } from './conntrack.js';
import { formatAddress } from './netfilter/address.js';
import { evaluate } from './netfilter/evaluate.js';
import type { Effect, EvalContext, Hop as RuleHop, Packet, RecentTables } from './netfilter/outcome.js';
import type { Hook, Ruleset } from './netfilter/ruleset.js';
import type { NetNamespace } from './netns.js';
import { BRIDGE, type NodeNetwork, type PodNetwork, UPLINK, VXLAN_DEVICE, VXLAN_PORT, VXLAN_VNI } from './node.js';
import { prefixContains } from './prefix.js';
import { type RouteDecision, formatRoute } from './route.js';
import type { ClusterTopology, NodeInfo, PodInfo } from './topology.js';

export type TraceProtocol = 'tcp' | 'udp' | 'sctp';
export type TraceVerdict = 'ACCEPT' | 'REJECT' | 'DROP' | 'NO_ROUTE';

export type HopKind =
  | 'route'
  | 'interface'
  | 'rule'
  | 'nat'
  | 'conntrack'
  | 'wire'
  | 'encap'
  | 'decap'
  | 'upstream'
  | 'loadbalancer'
  | 'deliver'
  | 'verdict';

/** One step of a trace (spec §6 `hops[]`, plus what kind of step it is). */
export interface TraceHop {
  /** The node the step happens on; '' outside the cluster. */
  readonly node: string;
  /** `root`, `pod/NS/NAME`, or `upstream` / `cloud-lb` / `external` outside. */
  readonly netns: string;
  /** netfilter table (nat, filter, ...), routing table (main, local), or ''. */
  readonly table: string;
  /** netfilter chain, or '' for other steps. */
  readonly chain: string;
  /** The rule, route, interface or conntrack entry involved. */
  readonly rule: string;
  /** What happened. */
  readonly action: string;
  readonly kind: HopKind;
  readonly hook?: Hook;
  /** Chance of this branch at a probabilistic step. */
  readonly probability?: number;
}

export type TraceSource =
  | { readonly kind: 'pod'; readonly pod: PodInfo }
  | { readonly kind: 'node'; readonly node: NodeInfo }
  | { readonly kind: 'ip'; readonly ip: number; readonly via: NodeInfo }
  | { readonly kind: 'external'; readonly ip: number; readonly via?: NodeInfo };

export interface TraceRequest {
  readonly source: TraceSource;
  readonly dst: number;
  readonly dport: number;
  readonly protocol: TraceProtocol;
  /** The client's source port; default: an ephemeral port derived from the flow. */
  readonly sport?: number;
}

export interface LoadBalancerTarget {
  readonly node: NodeInfo;
  readonly healthy: boolean;
  /** How the load balancer judged the node (its health check and answer). */
  readonly detail: string;
}

/** A cloud load balancer's forwarding rule for one VIP, port and protocol. */
export interface LoadBalancerInfo {
  /** `ns/name:port` of the Service port behind it. */
  readonly servicePort: string;
  readonly externalTrafficPolicy: 'Cluster' | 'Local';
  /** Nodes it can send to (not excluded), in name order. */
  readonly targets: readonly LoadBalancerTarget[];
}

/** What the walk needs to know about the cluster. */
export interface TraceEnvironment {
  readonly topology: ClusterTopology;
  /** A node's namespaces (built on first use). */
  network(node: string): NodeNetwork;
  /** kube-proxy's rules on `node` for a packet to `dst:dport`. */
  rules(node: string, dst: number, dport: number): Ruleset;
  /** Whether `ip` is some Service's load-balancer ingress IP (routed to the cloud load balancer). */
  isLoadBalancerIP(ip: number): boolean;
  /** The load balancer's forwarding rule, or null when it has no listener for that port. */
  loadBalancer(vip: number, port: number, protocol: TraceProtocol): LoadBalancerInfo | null;
  /** Whether `ip` is some Service's externalIP (the network routes those to a node). */
  isExternalIP(ip: number): boolean;
  /** Simulated time in ms (for `recent --seconds`). */
  readonly now: number;
  /** The `recent` match tables on a node (ClientIP affinity state). */
  recent?(node: string): RecentTables | undefined;
}

/** The reply's way back, through the conntrack entries the first packet left. */
export interface ReplyTrace {
  readonly hops: readonly TraceHop[];
  /** The reply reached the client as a reply to what it sent (addresses and ports match). */
  readonly reachesClient: boolean;
  /** Source of the reply as the client sees it. */
  readonly source: string;
  readonly reason: string;
}

export interface TraceOutcome {
  readonly probability: number;
  readonly verdict: TraceVerdict;
  /** Why the walk ended here, in words. */
  readonly reason: string;
  /** Where the connection lands (ACCEPT). */
  readonly endpoint?: { readonly ip: number; readonly port: number };
  readonly pod?: PodInfo;
  /** The node it ended on: the backend's node, or where it was dropped; '' outside. */
  readonly node: string;
  /** The node where the packet met kube-proxy's rules first. */
  readonly entryNode: string;
  /** The source address was rewritten (SNAT/MASQUERADE) somewhere on the way. */
  readonly masquerade: boolean;
  /** Source address as the backend sees it. */
  readonly sourceAddress: number;
  readonly sourcePort: number;
  readonly hops: readonly TraceHop[];
  readonly conntrack: readonly { readonly node: string; readonly entry: ConntrackEntry }[];
  /** `recent` list updates (ClientIP affinity) per node. */
  readonly effects: readonly { readonly node: string; readonly effect: Effect }[];
  reply?: ReplyTrace;
  /** ClientIP affinity: a second connection within the timeout lands on the same endpoint. */
  affinity?: { readonly sticky: boolean; readonly lists: readonly string[] };
}

export interface TraceResult {
  readonly request: TraceRequest;
  readonly protocol: TraceProtocol;
  /** Source address of the first packet (chosen by routing for a node). */
  readonly src: number;
  readonly sport: number;
  /** Node where the connection first enters a node's network ('' for none). */
  readonly node: string;
  readonly outcomes: readonly TraceOutcome[];
}

/** The IANA ephemeral range Linux uses by default (net.ipv4.ip_local_port_range). */
const EPHEMERAL_LOW = 32768;
const EPHEMERAL_HIGH = 60999;
const INITIAL_TTL = 64;
/** Netfilter policy hops of these tables say nothing kube-proxy-related. */
const QUIET_POLICY_TABLES = new Set(['raw', 'mangle', 'security']);

interface Flight {
  prob: number;
  src: number;
  dst: number;
  sport: number;
  dport: number;
  mark: number;
  /** This node's conntrack NAT flags (what --ctstate DNAT/SNAT sees). */
  ct: { dnat: boolean; snat: boolean };
  /** The tuple as the packet entered this node's conntrack. */
  ctStart: Tuple | null;
  masq: boolean;
  ttl: number;
  entryNode: string;
  /** The veth the packet came in from (hairpin detection). */
  fromVeth: string;
  hops: TraceHop[];
  conntrack: { node: string; entry: ConntrackEntry }[];
  effects: { node: string; effect: Effect }[];
}

interface Walk {
  readonly env: TraceEnvironment;
  readonly proto: TraceProtocol;
  readonly out: TraceOutcome[];
}

function branch(f: Flight, p: number): Flight {
  return { ...f, prob: f.prob * p, ct: { ...f.ct }, hops: [...f.hops], conntrack: [...f.conntrack], effects: [...f.effects] };
}

const ip = (n: number | bigint): string => formatAddress(n);
const ipPort = (n: number, p: number): string => `${ip(n)}:${p}`;

function tupleOf(f: Flight, proto: string): Tuple {
  return { proto, src: f.src, dst: f.dst, sport: f.sport, dport: f.dport };
}

function end(w: Walk, f: Flight, verdict: TraceVerdict, reason: string, at: { node: string; endpoint?: { ip: number; port: number }; pod?: PodInfo }): void {
  const o: TraceOutcome = {
    probability: f.prob,
    verdict,
    reason,
    ...(at.endpoint ? { endpoint: at.endpoint } : {}),
    ...(at.pod ? { pod: at.pod } : {}),
    node: at.node,
    entryNode: f.entryNode,
    masquerade: f.masq,
    sourceAddress: f.src,
    sourcePort: f.sport,
    hops: f.hops,
    conntrack: f.conntrack,
    effects: f.effects,
  };
  w.out.push(o);
}

function routeHop(node: string, ns: NetNamespace, d: RouteDecision, dst: number, what = 'route'): TraceHop {
  const r = d.route;
  const how = d.table === 'local' ? `${ip(dst)} is local (dev ${r.dev})` : r.via !== undefined ? `${ip(dst)} via ${ip(r.via)} dev ${r.dev}` : `${ip(dst)} dev ${r.dev} (on-link)`;
  return { node, netns: ns.name, table: d.table, chain: '', rule: formatRoute(r, d.table), action: `${what}: ${how}`, kind: 'route' };
}

function noRoute(w: Walk, f: Flight, node: string, netns: string, why: string): void {
  f.hops.push({ node, netns, table: '', chain: '', rule: '', action: `NO_ROUTE: ${why}`, kind: 'verdict' });
  end(w, f, 'NO_ROUTE', why, { node });
}

// ---- netfilter ----

/** Runs one hook of a node's rules; DROP/REJECT branches end here, the others are returned. */
function runHook(w: Walk, node: string, f: Flight, hook: Hook, ifaces: { inIface?: string; outIface?: string }): Flight[] {
  const env = w.env;
  const root = env.network(node).root;
  const rs = env.rules(node, f.dst, f.dport);
  const packet: Packet = {
    src: f.src,
    dst: f.dst,
    proto: w.proto,
    sport: f.sport,
    dport: f.dport,
    mark: f.mark,
    ...(ifaces.inIface !== undefined ? { inIface: ifaces.inIface } : {}),
    ...(ifaces.outIface !== undefined ? { outIface: ifaces.outIface } : {}),
  };
  const recent = env.recent?.(node);
  const ctx: EvalContext = {
    isLocalAddress: (a) => typeof a === 'number' && root.isLocal(a),
    ctstate: 'NEW',
    ctNat: { dnat: f.ct.dnat, snat: f.ct.snat },
    now: env.now,
    ...(recent ? { recent } : {}),
    // MASQUERADE takes the outgoing interface's address.
    masqueradeAddress: (p) => (ifaces.outIface !== undefined ? root.primaryAddress(ifaces.outIface) : undefined) ?? p.src,
  };
  const results: Flight[] = [];
  for (const o of evaluate(rs, hook, 'all', packet, ctx)) {
    const g = branch(f, o.probability);
    for (const h of o.hops) {
      if (h.index === 0 && QUIET_POLICY_TABLES.has(h.table) && h.action.startsWith('policy ACCEPT')) continue;
      g.hops.push(ruleHop(node, hook, h));
    }
    const p = o.packet;
    if (o.dnat !== undefined && (p.dst !== f.dst || p.dport !== f.dport)) {
      g.ct.dnat = true;
      g.hops.push({ node, netns: 'root', table: 'nat', chain: hook, rule: '', action: `DNAT ${ipPort(f.dst, f.dport)} → ${ipPort(p.dst as number, p.dport)}`, kind: 'nat', hook });
    }
    if (o.snat !== undefined) {
      // MASQUERADE --random-fully rewrites the port even when the address stays the same.
      g.ct.snat = p.src !== f.src || p.sport !== f.sport || o.snat.randomFully;
      g.masq = true;
      const how = o.snat.masquerade ? `MASQUERADE (the address of ${ifaces.outIface ?? '?'})` : 'SNAT';
      g.hops.push({ node, netns: 'root', table: 'nat', chain: hook, rule: '', action: `${how}: source ${ip(f.src)} → ${ip(p.src as number)}`, kind: 'nat', hook });
    }
    g.src = p.src as number;
    g.dst = p.dst as number;
    g.sport = p.sport;
    g.dport = p.dport;
    g.mark = o.mark;
    for (const effect of o.effects) g.effects.push({ node, effect });
    if (o.verdict !== 'ACCEPT') {
      const last = o.hops[o.hops.length - 1];
      const by = last ? `${last.table} ${last.chain}${commentOf(last.rule)}` : hook;
      const why = o.verdict === 'REJECT' ? `rejected (${o.rejectWith ?? 'icmp-port-unreachable'}) by ${by} on ${node}` : `dropped by ${by} on ${node}`;
      end(w, g, o.verdict, why, { node });
      continue;
    }
    results.push(g);
  }
  return results;
}

function commentOf(rule: string): string {
  const m = /--comment (?:"([^"]*)"|(\S+))/.exec(rule);
  return m ? `: "${m[1] ?? m[2]}"` : '';
}

function ruleHop(node: string, hook: Hook, h: RuleHop): TraceHop {
  return {
    node,
    netns: 'root',
    table: h.table,
    chain: h.chain,
    rule: h.rule,
    action: h.action,
    kind: 'rule',
    hook,
    ...(h.probability !== undefined ? { probability: h.probability } : {}),
  };
}

/** Starts this node's conntrack view of the packet (a new entry on every node). */
function enterNode(f: Flight, w: Walk, node: string): void {
  f.mark = 0;
  f.ct = { dnat: false, snat: false };
  f.ctStart = tupleOf(f, w.proto);
  if (f.entryNode === '') f.entryNode = node;
}

/** Confirms the node's conntrack entry as the packet leaves (or is delivered). */
function confirm(w: Walk, f: Flight, node: string): void {
  if (f.ctStart === null) return;
  const entry = new Conntrack().track(f.ctStart, tupleOf(f, w.proto));
  f.conntrack.push({ node, entry });
  if (entry.dnat || entry.snat) {
    f.hops.push({ node, netns: 'root', table: 'conntrack', chain: '', rule: formatConntrackEntry(entry), action: 'conntrack entry: replies will be un-NATed', kind: 'conntrack' });
  }
  f.ctStart = null;
}

// ---- the root namespace of a node ----

/** A packet arriving at a node's root namespace on `inIface` (from a pod, the wire or the overlay). */
function rootReceive(w: Walk, node: string, f: Flight, inIface: string, bridged: boolean): void {
  enterNode(f, w, node);
  for (const g of runHook(w, node, f, 'PREROUTING', { inIface })) {
    const root = w.env.network(node).root;
    const d = root.route(g.dst);
    if (d === undefined) {
      noRoute(w, g, node, 'root', `no route to ${ip(g.dst)} on ${node}`);
      continue;
    }
    g.hops.push(routeHop(node, root, d, g.dst, 'routing decision'));
    if (d.table === 'local') {
      for (const h of runHook(w, node, g, 'INPUT', { inIface })) {
        confirm(w, h, node);
        deliverToHost(w, node, h);
      }
      continue;
    }
    if (!bridged) {
      g.ttl--;
      if (g.ttl <= 0) {
        g.hops.push({ node, netns: 'root', table: '', chain: '', rule: '', action: 'DROP: TTL exceeded (routing loop)', kind: 'verdict' });
        end(w, g, 'DROP', `TTL exceeded on ${node} (routing loop)`, { node });
        continue;
      }
    }
    for (const h of runHook(w, node, g, 'FORWARD', { inIface, outIface: d.route.dev })) postrouting(w, node, h, d);
  }
}

/** A packet created in a node's root namespace (the node itself, or a hostNetwork pod). */
function rootOutput(w: Walk, node: string, f: Flight, chooseSource: boolean): void {
  const root = w.env.network(node).root;
  const d = root.route(f.dst);
  if (d === undefined) {
    noRoute(w, f, node, 'root', `connect(): network unreachable: ${node} has no route to ${ip(f.dst)}`);
    return;
  }
  if (chooseSource) {
    const src = root.sourceFor(d, f.dst);
    if (src === undefined) {
      noRoute(w, f, node, 'root', `no source address for ${ip(f.dst)} on ${node}`);
      return;
    }
    f.src = src as number;
  }
  f.hops.push(routeHop(node, root, d, f.dst, `route (source ${ip(f.src)})`));
  enterNode(f, w, node);
  const dstBefore = f.dst;
  const outIface = d.table === 'local' ? 'lo' : d.route.dev;
  for (const g of runHook(w, node, f, 'OUTPUT', { outIface })) {
    let d2: RouteDecision | undefined = d;
    if (g.dst !== dstBefore) {
      d2 = root.route(g.dst);
      if (d2 === undefined) {
        noRoute(w, g, node, 'root', `no route to ${ip(g.dst)} on ${node} after DNAT`);
        continue;
      }
      g.hops.push(routeHop(node, root, d2, g.dst, 'rerouted after DNAT'));
    }
    if (d2.table === 'local') {
      for (const h of runHook(w, node, g, 'POSTROUTING', { outIface: 'lo' })) {
        h.hops.push({ node, netns: 'root', table: '', chain: '', rule: 'lo', action: 'looped back through lo (conntrack already has the connection: no nat PREROUTING)', kind: 'interface' });
        for (const k of runHook(w, node, h, 'INPUT', { inIface: 'lo' })) {
          confirm(w, k, node);
          deliverToHost(w, node, k);
        }
      }
      continue;
    }
    postrouting(w, node, g, d2);
  }
}

function postrouting(w: Walk, node: string, f: Flight, d: RouteDecision): void {
  for (const g of runHook(w, node, f, 'POSTROUTING', { outIface: d.route.dev })) {
    confirm(w, g, node);
    transmit(w, node, g, d);
  }
}

/** Sends a packet out of a node's root namespace on the route's device. */
function transmit(w: Walk, node: string, f: Flight, d: RouteDecision): void {
  const env = w.env;
  const net = env.network(node);
  const dev = d.route.dev;
  const next = (d.route.via ?? f.dst) as number;
  f.mark = 0;
  if (dev === BRIDGE) {
    const pod = env.topology.podByIP(next);
    const pn = pod && pod.node === node ? net.pods.get(pod.key) : undefined;
    if (pn === undefined) {
      noRoute(w, f, node, 'root', `no pod answers ARP for ${ip(next)} on ${BRIDGE} of ${node}`);
      return;
    }
    const hairpin = pn.veth === f.fromVeth;
    f.hops.push({
      node,
      netns: 'root',
      table: '',
      chain: '',
      rule: `${BRIDGE} → ${pn.veth}`,
      action: hairpin ? `hairpin: the bridge sends it back out ${pn.veth}, the port it came from (hairpin mode)` : `bridge ${BRIDGE} forwards to ${pn.veth} → eth0 of ${pn.netns.name}`,
      kind: 'interface',
    });
    podInput(w, pn, f);
    return;
  }
  if (dev === UPLINK) {
    const peer = env.topology.nodeByAddress(next);
    if (peer !== undefined && peer.name !== node) {
      f.hops.push({ node, netns: 'root', table: '', chain: '', rule: `${UPLINK} → ${ip(next)}`, action: `on the wire to ${peer.name} (${ip(next)})`, kind: 'wire' });
      if (peer.down) {
        f.hops.push({ node: peer.name, netns: 'root', table: '', chain: '', rule: '', action: `DROP: ${peer.name} is down`, kind: 'verdict' });
        end(w, f, 'DROP', `${peer.name} is down`, { node: peer.name });
        return;
      }
      rootReceive(w, peer.name, f, UPLINK, false);
      return;
    }
    if (env.topology.gateway !== null && next === env.topology.gateway) {
      f.hops.push({ node, netns: 'root', table: '', chain: '', rule: `${UPLINK} → ${ip(next)}`, action: `to the upstream router ${ip(next)}`, kind: 'wire' });
      upstream(w, f);
      return;
    }
    f.hops.push({ node, netns: 'root', table: '', chain: '', rule: `${UPLINK} → ${ip(next)}`, action: `to host ${ip(next)} on the node network`, kind: 'wire' });
    arriveOutside(w, f, `host ${ip(f.dst)} on the node network`);
    return;
  }
  if (dev === VXLAN_DEVICE) {
    const remote = net.vteps.get(next);
    const local = net.node.addresses[0];
    if (remote === undefined || local === undefined) {
      noRoute(w, f, node, 'root', `no VXLAN forwarding entry for ${ip(next)} on ${node}`);
      return;
    }
    const outer = remote.addresses[0]!;
    f.hops.push({
      node,
      netns: 'root',
      table: '',
      chain: '',
      rule: `${VXLAN_DEVICE}: ${ip(next)} → fdb dst ${ip(outer)}`,
      action: `VXLAN encapsulation: outer ${ip(local)} → ${ip(outer)} udp/${VXLAN_PORT} vni ${VXLAN_VNI}, inner ${ipPort(f.src, f.sport)} → ${ipPort(f.dst, f.dport)}`,
      kind: 'encap',
    });
    if (remote.down) {
      f.hops.push({ node: remote.name, netns: 'root', table: '', chain: '', rule: '', action: `DROP: ${remote.name} is down`, kind: 'verdict' });
      end(w, f, 'DROP', `${remote.name} is down`, { node: remote.name });
      return;
    }
    f.hops.push({
      node: remote.name,
      netns: 'root',
      table: '',
      chain: '',
      rule: `${UPLINK} udp/${VXLAN_PORT} → ${VXLAN_DEVICE}`,
      action: `VXLAN decapsulation (vni ${VXLAN_VNI}): the inner packet arrives on ${VXLAN_DEVICE}`,
      kind: 'decap',
    });
    rootReceive(w, remote.name, f, VXLAN_DEVICE, false);
    return;
  }
  noRoute(w, f, node, 'root', `device ${dev} on ${node} leads nowhere netsim models`);
}

/** Local delivery in a node's root namespace: a hostNetwork pod or the node's own stack. */
function deliverToHost(w: Walk, node: string, f: Flight): void {
  const pods = w.env.topology.podsOn(node).filter((p) => p.hostNetwork);
  const proto = w.proto.toUpperCase();
  const pod = pods.find((p) => p.ports.some((x) => x.containerPort === f.dport && x.protocol === proto));
  const what = pod ? `hostNetwork pod ${pod.key}` : `the node's own network stack (port ${f.dport}; netsim does not model which host ports listen)`;
  f.hops.push({ node, netns: 'root', table: '', chain: '', rule: ipPort(f.dst, f.dport), action: `delivered locally to ${what}`, kind: 'deliver' });
  end(w, f, 'ACCEPT', `delivered to ${what} on ${node}`, { node, endpoint: { ip: f.dst, port: f.dport }, ...(pod ? { pod } : {}) });
}

// ---- pods ----

/** A connection opened inside a pod's namespace. */
function podOutput(w: Walk, pn: PodNetwork, f: Flight): void {
  const ns = pn.netns;
  const node = pn.pod.node;
  const d = ns.route(f.dst);
  if (d === undefined) {
    noRoute(w, f, node, ns.name, `connect(): network unreachable in ${ns.name}`);
    return;
  }
  f.hops.push(routeHop(node, ns, d, f.dst));
  if (d.table === 'local') {
    f.hops.push({ node, netns: ns.name, table: '', chain: '', rule: ipPort(f.dst, f.dport), action: 'delivered inside the pod itself (its own address)', kind: 'deliver' });
    end(w, f, 'ACCEPT', `delivered inside ${pn.pod.key}`, { node, endpoint: { ip: f.dst, port: f.dport }, pod: pn.pod });
    return;
  }
  // Pods have no kube-proxy rules: the packet leaves through the veth pair unchanged.
  const bridged = d.route.via === undefined;
  f.hops.push({
    node,
    netns: ns.name,
    table: '',
    chain: '',
    rule: `eth0 → ${pn.veth}`,
    action: bridged
      ? `through the veth pair to ${pn.veth} on ${BRIDGE} (same subnet: bridged, br_netfilter runs iptables)`
      : `through the veth pair to ${pn.veth}, a port of ${BRIDGE}, in the root namespace`,
    kind: 'interface',
  });
  f.fromVeth = pn.veth;
  rootReceive(w, node, f, BRIDGE, bridged);
}

function podInput(w: Walk, pn: PodNetwork, f: Flight): void {
  const node = pn.pod.node;
  if (pn.netns.isLocal(f.dst)) {
    f.hops.push({ node, netns: pn.netns.name, table: '', chain: '', rule: `eth0 ${ipPort(f.dst, f.dport)}`, action: `delivered to pod ${pn.pod.key}`, kind: 'deliver' });
    end(w, f, 'ACCEPT', `delivered to pod ${pn.pod.key} on ${node}`, { node, endpoint: { ip: f.dst, port: f.dport }, pod: pn.pod });
    return;
  }
  f.hops.push({ node, netns: pn.netns.name, table: '', chain: '', rule: '', action: `DROP: ${ip(f.dst)} is not an address of ${pn.pod.key} (pods do not forward)`, kind: 'verdict' });
  end(w, f, 'DROP', `${pn.pod.key} does not forward packets for ${ip(f.dst)}`, { node });
}

// ---- outside the cluster ----

function arriveOutside(w: Walk, f: Flight, what: string): void {
  f.hops.push({
    node: '',
    netns: 'external',
    table: '',
    chain: '',
    rule: ipPort(f.dst, f.dport),
    action: `delivered to ${what}`,
    kind: 'deliver',
  });
  end(w, f, 'ACCEPT', `left the cluster to ${what}`, { node: '', endpoint: { ip: f.dst, port: f.dport } });
}

/** The node network's upstream router: node addresses, load-balancer VIPs, external IPs, the world. */
function upstream(w: Walk, f: Flight): void {
  const env = w.env;
  const topo = env.topology;
  const dst = f.dst;
  const hop = (action: string): void => {
    f.hops.push({ node: '', netns: 'upstream', table: '', chain: '', rule: ip(dst), action, kind: 'upstream' });
  };
  const toNode = (n: NodeInfo, why: string): void => {
    hop(`${why}: to ${n.name} (${ip(n.addresses[0]!)}) eth0`);
    if (n.down) {
      end(w, f, 'DROP', `${n.name} is down`, { node: n.name });
      return;
    }
    rootReceive(w, n.name, f, UPLINK, false);
  };
  const owner = topo.nodeByAddress(dst);
  if (owner !== undefined) {
    toNode(owner, `${ip(dst)} is ${owner.name}'s address`);
    return;
  }
  if (env.isLoadBalancerIP(dst)) {
    hop(`${ip(dst)} is a load-balancer IP: to the cloud load balancer`);
    cloudLoadBalancer(w, f);
    return;
  }
  if (env.isExternalIP(dst)) {
    const n = topo.nodes.find((x) => !x.down && x.addresses.length > 0);
    if (n === undefined) {
      hop(`NO_ROUTE: no node to route external IP ${ip(dst)} to`);
      end(w, f, 'NO_ROUTE', `no node to route external IP ${ip(dst)} to`, { node: '' });
      return;
    }
    toNode(n, `${ip(dst)} is a Service's externalIP; Kubernetes does not announce those: netsim assumes the network routes it to the first node (use --via to choose)`);
    return;
  }
  if (topo.isClusterInternal(dst)) {
    hop(`NO_ROUTE: the upstream network has no route to cluster-internal ${ip(dst)}`);
    end(w, f, 'NO_ROUTE', `the upstream router has no route to ${ip(dst)} (a pod or service address)`, { node: '' });
    return;
  }
  const nn = topo.settings.nodeNetwork;
  arriveOutside(w, f, nn && prefixContains(nn, dst) ? `host ${ip(dst)} on the node network` : `external host ${ip(dst)}`);
}

/** A cloud load balancer in pass-through mode: the packet keeps its addresses and goes to one node. */
function cloudLoadBalancer(w: Walk, f: Flight): void {
  const lb = w.env.loadBalancer(f.dst, f.dport, w.proto);
  const hop = (g: Flight, action: string, rule = `${ipPort(f.dst, f.dport)}/${w.proto}`, probability?: number): void => {
    g.hops.push({ node: '', netns: 'cloud-lb', table: '', chain: '', rule, action, kind: 'loadbalancer', ...(probability !== undefined ? { probability } : {}) });
  };
  if (lb === null) {
    hop(f, `DROP: the load balancer has no listener for ${ipPort(f.dst, f.dport)}/${w.proto}`);
    end(w, f, 'DROP', `the cloud load balancer has no listener for ${ipPort(f.dst, f.dport)}/${w.proto}`, { node: '' });
    return;
  }
  const healthy = lb.targets.filter((t) => t.healthy);
  const pool = healthy.length > 0 ? healthy : lb.targets;
  if (pool.length === 0) {
    hop(f, 'DROP: the load balancer has no target nodes');
    end(w, f, 'DROP', 'the cloud load balancer has no target nodes', { node: '' });
    return;
  }
  const policy =
    lb.externalTrafficPolicy === 'Local'
      ? `externalTrafficPolicy Local: only nodes whose health check node port answers 200 (a local endpoint)${healthy.length === 0 ? '; none does, so the load balancer fails open to all nodes' : ''}`
      : 'externalTrafficPolicy Cluster: every node, with equal chance';
  for (const t of pool) {
    const g = branch(f, 1 / pool.length);
    hop(g, `${lb.servicePort}: ${policy}; sends to ${t.node.name} (${t.detail})`, `${ipPort(f.dst, f.dport)}/${w.proto} → ${t.node.name}`, 1 / pool.length);
    if (t.node.down) {
      end(w, g, 'DROP', `${t.node.name} is down`, { node: t.node.name });
      continue;
    }
    rootReceive(w, t.node.name, g, UPLINK, false);
  }
}

// ---- replies ----

type Place = { kind: 'pod'; pn: PodNetwork } | { kind: 'root'; node: string; generated: boolean } | { kind: 'outside' };

/**
 * Walks the reply of an accepted outcome back to the client: from the endpoint, through the
 * routes, undoing NAT at every node whose conntrack has the connection.
 */
function traceReply(w: Walk, req: TraceRequest, src: number, sport: number, o: TraceOutcome): ReplyTrace {
  const env = w.env;
  const tables = new Map<string, Conntrack>();
  for (const c of o.conntrack) {
    let t = tables.get(c.node);
    if (!t) tables.set(c.node, (t = new Conntrack()));
    t.track(c.entry.original, invertTuple(c.entry.reply));
  }
  const hops: TraceHop[] = [];
  let pkt: Tuple = { proto: w.proto, src: o.endpoint!.ip, dst: o.sourceAddress, sport: o.endpoint!.port, dport: o.sourcePort };
  const expected: Tuple = invertTuple({ proto: w.proto, src, dst: req.dst, sport, dport: req.dport });
  let place: Place;
  if (o.pod && !o.pod.hostNetwork) place = { kind: 'pod', pn: env.network(o.node).pods.get(o.pod.key)! };
  else if (o.node !== '') place = { kind: 'root', node: o.node, generated: true };
  else place = { kind: 'outside' };
  const finish = (where: string, clientHere: boolean): ReplyTrace => {
    const ok = clientHere && pkt.src === expected.src && pkt.sport === expected.sport && pkt.dst === expected.dst && pkt.dport === expected.dport;
    const source = ipPort(pkt.src as number, pkt.sport);
    const reason = ok
      ? `the client receives the reply from ${source}, the address it connected to`
      : clientHere
        ? `the client receives a reply from ${source} but connected to ${ipPort(req.dst, req.dport)}: it does not match the connection`
        : `the reply ends at ${where}, not at the client`;
    return { hops, reachesClient: ok, source, reason };
  };
  const isClientPlace = (p: Place): boolean => {
    const s = req.source;
    if (s.kind === 'pod') return s.pod.hostNetwork ? p.kind === 'root' && p.node === s.pod.node : p.kind === 'pod' && p.pn.pod.key === s.pod.key;
    if (s.kind === 'node') return p.kind === 'root' && p.node === s.node.name;
    // A raw source address: whoever holds it gets the reply.
    if (s.kind === 'ip') return true;
    return p.kind === 'outside';
  };
  for (let step = 0; step < 48; step++) {
    if (place.kind === 'pod') {
      const { pn } = place;
      const node = pn.pod.node;
      if (pn.netns.isLocal(pkt.dst as number) && step > 0) {
        hops.push({ node, netns: pn.netns.name, table: '', chain: '', rule: '', action: `reply delivered in ${pn.pod.key}`, kind: 'deliver' });
        return finish(pn.pod.key, isClientPlace(place));
      }
      const d = pn.netns.route(pkt.dst as number);
      if (d === undefined) return finish(`${pn.netns.name} (no route)`, false);
      if (d.table === 'local') {
        hops.push({ node, netns: pn.netns.name, table: '', chain: '', rule: '', action: `reply stays inside ${pn.pod.key}`, kind: 'deliver' });
        return finish(pn.pod.key, isClientPlace(place));
      }
      hops.push({ node, netns: pn.netns.name, table: d.table, chain: '', rule: formatRoute(d.route, d.table), action: `reply ${ipPort(pkt.src as number, pkt.sport)} → ${ipPort(pkt.dst as number, pkt.dport)} out eth0 → ${pn.veth}`, kind: 'route' });
      place = { kind: 'root', node, generated: false };
      continue;
    }
    if (place.kind === 'outside') {
      const owner = env.topology.nodeByAddress(pkt.dst as number);
      if (owner === undefined) {
        hops.push({ node: '', netns: 'external', table: '', chain: '', rule: '', action: `reply delivered outside the cluster to ${ip(pkt.dst as number)}`, kind: 'deliver' });
        return finish(`external host ${ip(pkt.dst as number)}`, isClientPlace(place));
      }
      hops.push({ node: '', netns: 'upstream', table: '', chain: '', rule: '', action: `upstream router sends the reply to ${owner.name}`, kind: 'upstream' });
      place = { kind: 'root', node: owner.name, generated: false };
      continue;
    }
    const node = place.node;
    const net = env.network(node);
    const t = tables.get(node)?.translate(pkt);
    if (t !== undefined && t.direction === 'reply') {
      const before = `${ipPort(pkt.src as number, pkt.sport)} → ${ipPort(pkt.dst as number, pkt.dport)}`;
      pkt = t.packet;
      const undo = [t.entry.dnat ? 'un-DNAT' : '', t.entry.snat ? 'un-SNAT' : ''].filter(Boolean).join(' and ');
      hops.push({
        node,
        netns: 'root',
        table: 'conntrack',
        chain: '',
        rule: formatConntrackEntry(t.entry),
        action: undo ? `conntrack ${undo}: ${before} becomes ${ipPort(pkt.src as number, pkt.sport)} → ${ipPort(pkt.dst as number, pkt.dport)}` : 'conntrack: established connection, no NAT',
        kind: 'conntrack',
      });
    }
    const d = net.root.route(pkt.dst as number);
    if (d === undefined) return finish(`${node} (no route for the reply)`, false);
    if (d.table === 'local') {
      hops.push({ node, netns: 'root', table: 'local', chain: '', rule: formatRoute(d.route, 'local'), action: `reply delivered to ${node}'s own stack`, kind: 'deliver' });
      return finish(`${node}`, isClientPlace({ kind: 'root', node, generated: false }));
    }
    hops.push({ node, netns: 'root', table: d.table, chain: '', rule: formatRoute(d.route, d.table), action: `reply routed: ${ip(pkt.dst as number)} dev ${d.route.dev}`, kind: 'route' });
    const next = (d.route.via ?? pkt.dst) as number;
    if (d.route.dev === BRIDGE) {
      const pod = env.topology.podByIP(next);
      const pn = pod && pod.node === node ? net.pods.get(pod.key) : undefined;
      if (pn === undefined) return finish(`${node} ${BRIDGE} (nobody has ${ip(next)})`, false);
      place = { kind: 'pod', pn };
      if (pn.netns.isLocal(pkt.dst as number)) {
        hops.push({ node, netns: pn.netns.name, table: '', chain: '', rule: '', action: `reply delivered to ${pn.pod.key}`, kind: 'deliver' });
        return finish(pn.pod.key, isClientPlace(place));
      }
      return finish(`${pn.pod.key} (not its address)`, false);
    }
    if (d.route.dev === VXLAN_DEVICE) {
      const remote = net.vteps.get(next);
      if (remote === undefined) return finish(`${node} ${VXLAN_DEVICE}`, false);
      hops.push({ node, netns: 'root', table: '', chain: '', rule: `${VXLAN_DEVICE} → ${remote.name}`, action: `VXLAN to ${remote.name}`, kind: 'encap' });
      place = { kind: 'root', node: remote.name, generated: false };
      continue;
    }
    const peer = env.topology.nodeByAddress(next);
    if (peer !== undefined && peer.name !== node) {
      hops.push({ node, netns: 'root', table: '', chain: '', rule: `${UPLINK} → ${ip(next)}`, action: `reply on the wire to ${peer.name}`, kind: 'wire' });
      place = { kind: 'root', node: peer.name, generated: false };
      continue;
    }
    hops.push({ node, netns: 'root', table: '', chain: '', rule: `${UPLINK} → ${ip(next)}`, action: 'reply leaves the node network', kind: 'wire' });
    place = { kind: 'outside' };
  }
  return finish('a routing loop', false);
}

// ---- entry points ----

/** The ephemeral source port a client would pick (derived from the flow, so traces are stable). */
export function ephemeralPort(key: string): number {
  return EPHEMERAL_LOW + (hash32(key) % (EPHEMERAL_HIGH - EPHEMERAL_LOW + 1));
}

function sourceKey(s: TraceSource): string {
  switch (s.kind) {
    case 'pod':
      return `pod/${s.pod.key}`;
    case 'node':
      return `node/${s.node.name}`;
    case 'ip':
      return `ip/${ip(s.ip)}@${s.via.name}`;
    case 'external':
      return `external/${ip(s.ip)}${s.via ? `@${s.via.name}` : ''}`;
  }
}

function newFlight(src: number, req: TraceRequest, sport: number): Flight {
  return {
    prob: 1,
    src,
    dst: req.dst,
    sport,
    dport: req.dport,
    mark: 0,
    ct: { dnat: false, snat: false },
    ctStart: null,
    masq: false,
    ttl: INITIAL_TTL,
    entryNode: '',
    fromVeth: '',
    hops: [],
    conntrack: [],
    effects: [],
  };
}

/** The reverse-path interface a packet from `src` arrives on at `node` (the route back to it). */
function arrivalInterface(net: NodeNetwork, src: number): string {
  const d = net.root.route(src);
  return d && d.table === 'main' ? d.route.dev : UPLINK;
}

interface TraceOptions {
  /** Re-trace with the `recent` lists of each outcome to see whether ClientIP affinity holds. */
  readonly checkAffinity?: boolean;
}

/** Walks one connection; every outcome with its probability (summing to 1), each with its reply path. */
export function tracePacket(env: TraceEnvironment, req: TraceRequest, options: TraceOptions = {}): TraceResult {
  const s = req.source;
  const sport = req.sport ?? ephemeralPort(`${sourceKey(s)}>${ipPort(req.dst, req.dport)}/${req.protocol}`);
  const w: Walk = { env, proto: req.protocol, out: [] };
  let src = 0;
  let node = '';
  switch (s.kind) {
    case 'pod': {
      node = s.pod.node;
      if (s.pod.hostNetwork) {
        const f = newFlight(0, req, sport);
        rootOutput(w, node, f, true);
        src = f.src;
      } else {
        src = s.pod.ip!;
        const pn = env.network(node).pods.get(s.pod.key);
        if (pn === undefined) throw new Error(`netsim: pod ${s.pod.key} has no network namespace on ${node}`);
        podOutput(w, pn, newFlight(src, req, sport));
      }
      break;
    }
    case 'node': {
      node = s.node.name;
      const f = newFlight(0, req, sport);
      rootOutput(w, node, f, true);
      src = f.src;
      break;
    }
    case 'ip': {
      node = s.via.name;
      src = s.ip;
      const net = env.network(node);
      const f = newFlight(src, req, sport);
      if (net.root.isLocal(s.ip)) rootOutput(w, node, f, false);
      else {
        const inIface = arrivalInterface(net, s.ip);
        f.hops.push({ node, netns: 'root', table: '', chain: '', rule: inIface, action: `a packet from ${ip(s.ip)} arrives on ${inIface}`, kind: 'interface' });
        rootReceive(w, node, f, inIface, false);
      }
      break;
    }
    case 'external': {
      src = s.ip;
      const f = newFlight(src, req, sport);
      f.hops.push({ node: '', netns: 'external', table: '', chain: '', rule: `${ipPort(src, sport)} → ${ipPort(req.dst, req.dport)}`, action: `external client ${ip(src)} connects`, kind: 'upstream' });
      if (s.via) {
        node = s.via.name;
        f.hops.push({ node: '', netns: 'upstream', table: '', chain: '', rule: ip(req.dst), action: `--via: the network delivers it to ${node} eth0`, kind: 'upstream' });
        rootReceive(w, node, f, UPLINK, false);
      } else upstream(w, f);
      break;
    }
  }
  const outcomes = mergeOutcomes(w.out);
  for (const o of outcomes) if (o.verdict === 'ACCEPT' && o.endpoint) o.reply = traceReply(w, req, src, sport, o);
  if (options.checkAffinity !== false) {
    for (const o of outcomes) {
      const sets = o.effects.filter((e) => e.effect.kind === 'recent' && e.effect.op !== 'remove');
      if (o.verdict !== 'ACCEPT' || sets.length === 0 || !o.endpoint) continue;
      const again = tracePacket(withRecent(env, recentAfter(env, o)), { ...req, sport }, { checkAffinity: false });
      const accepted = again.outcomes.filter((x) => x.verdict === 'ACCEPT');
      const sticky = accepted.length > 0 && accepted.every((x) => x.endpoint?.ip === o.endpoint!.ip && x.endpoint?.port === o.endpoint!.port) && Math.abs(accepted.reduce((a, x) => a + x.probability, 0) - 1) < 1e-9;
      o.affinity = { sticky, lists: [...new Set(sets.map((e) => `${e.node}: ${(e.effect as { name: string }).name}`))].sort() };
    }
  }
  const first = outcomes.find((o) => o.entryNode !== '');
  return { request: req, protocol: req.protocol, src, sport, node: node || (first?.entryNode ?? ''), outcomes };
}

/** `env` with other `recent` tables (a class instance cannot be spread). */
function withRecent(env: TraceEnvironment, recent: (node: string) => RecentTables | undefined): TraceEnvironment {
  return {
    topology: env.topology,
    now: env.now,
    network: (n) => env.network(n),
    rules: (n, d, p) => env.rules(n, d, p),
    isLoadBalancerIP: (a) => env.isLoadBalancerIP(a),
    loadBalancer: (v, p, x) => env.loadBalancer(v, p, x),
    isExternalIP: (a) => env.isExternalIP(a),
    recent,
  };
}

/** The recent-list state after an outcome's updates, on top of what each node had. */
function recentAfter(env: TraceEnvironment, o: TraceOutcome): (node: string) => RecentTables | undefined {
  const byNode = new Map<string, Map<string, Map<number | bigint, number>>>();
  for (const { node, effect } of o.effects) {
    if (effect.kind !== 'recent' || effect.op === 'remove') continue;
    let t = byNode.get(node);
    if (!t) byNode.set(node, (t = new Map()));
    let list = t.get(effect.name);
    if (!list) t.set(effect.name, (list = new Map()));
    list.set(effect.address, effect.at);
  }
  return (node) => {
    const mine = byNode.get(node);
    const base = env.recent?.(node);
    if (!mine) return base;
    if (!base) return mine;
    const merged = new Map<string, Map<number | bigint, number | readonly number[]>>();
    for (const [k, v] of base) merged.set(k, new Map(v));
    for (const [k, v] of mine) {
      const m = merged.get(k) ?? new Map();
      for (const [a, t] of v) m.set(a, t);
      merged.set(k, m);
    }
    return merged;
  };
}

function sameResult(a: TraceOutcome, b: TraceOutcome): boolean {
  return (
    a.verdict === b.verdict &&
    a.node === b.node &&
    a.endpoint?.ip === b.endpoint?.ip &&
    a.endpoint?.port === b.endpoint?.port &&
    a.pod?.key === b.pod?.key &&
    a.masquerade === b.masquerade &&
    a.sourceAddress === b.sourceAddress &&
    a.entryNode === b.entryNode &&
    a.reason === b.reason
  );
}

/** Outcomes with the same result become one (probabilities add, the first path is kept). */
function mergeOutcomes(list: TraceOutcome[]): TraceOutcome[] {
  const out: TraceOutcome[] = [];
  for (const o of list) {
    const i = out.findIndex((x) => sameResult(x, o));
    if (i < 0) out.push(o);
    else out[i] = { ...out[i]!, probability: out[i]!.probability + o.probability };
  }
  return out;
}
