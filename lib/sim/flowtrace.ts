// Turns a flow as users write it (`--from`/`--to` in the address forms of spec §2, `--via`,
// a protocol) into a trace of the simulated data plane: sources become a pod's namespace,
// a node, or a packet arriving from outside; destinations become an address and port, with
// DNS names resolved as the source pod's resolver would.
import { UsageError } from '../api/errors.js';
import type { Pod, Protocol, Service, ServicePort } from '../api/types.js';
import { formatAddress, parseIPv4 } from '../../netns/netfilter/address.js';
import { type TraceJSON, traceJSON } from '../../netns/report.js';
import type { NodeInfo } from '../../netns/topology.js';
import { type TraceProtocol, type TraceRequest, type TraceResult, type TraceSource, tracePacket } from '../../netns/trace.js';
import type { ClusterZone } from '../../dns/zone.js';
import { type Address, findNode, findPod, parseAddress } from './address.js';
import { Dataplane } from './dataplane.js';
import { clusterZoneOf, resolveFromPod } from './dnsview.js';
import type { Simulation } from './simulation.js';

/** A flow as spec §3 / §5 write it. */
export interface FlowSpec {
  readonly from: string;
  readonly to: string;
  readonly via?: string;
  readonly proto?: string;
}

export interface FlowTrace {
  readonly result: TraceResult;
  readonly json: TraceJSON;
  /** How source and destination were understood, for people. */
  readonly labels: { readonly from: string; readonly to: string };
}

const PROTOCOLS: Record<string, TraceProtocol> = { tcp: 'tcp', udp: 'udp', sctp: 'sctp' };

/** Parses `--proto`; undefined when not given. */
export function parseProtocol(text: string | undefined): TraceProtocol | undefined {
  if (text === undefined) return undefined;
  const p = PROTOCOLS[text.toLowerCase()];
  if (!p) throw new UsageError(`invalid protocol ${JSON.stringify(text)}: must be one of tcp, udp, sctp`);
  return p;
}

const ZONES = new WeakMap<Simulation, ClusterZone>();

async function zoneOf(sim: Simulation): Promise<ClusterZone> {
  let z = ZONES.get(sim);
  if (!z) {
    z = await clusterZoneOf(sim);
    ZONES.set(sim, z);
  }
  return z;
}

interface Source {
  readonly source: TraceSource;
  readonly label: string;
  /** The pod object, for resolving DNS names as it would. */
  readonly pod?: Pod;
}

async function resolveSource(sim: Simulation, dp: Dataplane, text: string, via: string | undefined): Promise<Source> {
  const a = parseAddress(text);
  const topo = dp.topology;
  const viaNode = async (): Promise<NodeInfo | undefined> => {
    if (via === undefined) return undefined;
    await findNode(sim.api, via);
    const n = topo.node(via);
    if (!n) throw new UsageError(`--via: node ${via} is not part of the network`);
    return n;
  };
  if (via !== undefined && a.form !== 'ip' && a.form !== 'external') {
    throw new UsageError('--via applies only to ip/ADDR and external/ADDR sources');
  }
  switch (a.form) {
    case 'pod':
    case 'podSelector': {
      const pod = await findPod(sim.api, a);
      const key = `${pod.metadata.namespace ?? 'default'}/${pod.metadata.name}`;
      const info = topo.pod(key);
      if (!info || (!info.hostNetwork && info.ip === null)) {
        throw new UsageError(`pod ${key} has no network yet (phase ${pod.status?.phase ?? 'Pending'}, ${pod.spec.nodeName ? `node ${pod.spec.nodeName}` : 'not scheduled'}, no pod IP)`);
      }
      if (!topo.node(info.node)) throw new UsageError(`pod ${key} runs on node ${info.node}, which is not part of the network`);
      const addr = info.hostNetwork ? 'hostNetwork' : formatAddress(info.ip!);
      return { source: { kind: 'pod', pod: info }, label: `pod ${key} (${addr}) on ${info.node}`, pod };
    }
    case 'node': {
      await findNode(sim.api, a.name);
      const n = topo.node(a.name);
      if (!n || n.addresses.length === 0) throw new UsageError(`node ${a.name} has no InternalIP address`);
      return { source: { kind: 'node', node: n }, label: `node ${n.name} (its root network namespace)` };
    }
    case 'ip': {
      const ip = ipv4(a.ip);
      const n = (await viaNode()) ?? topo.nodes[0];
      if (!n) throw new UsageError('ip/ADDR needs a node to arrive at, and the cluster has none');
      return { source: { kind: 'ip', ip, via: n }, label: `packets from ${a.ip} arriving at ${n.name}${via ? '' : ' (the first node; use --via to choose)'}` };
    }
    case 'external': {
      const ip = ipv4(a.ip);
      const n = await viaNode();
      return { source: { kind: 'external', ip, ...(n ? { via: n } : {}) }, label: `external client ${a.ip}${n ? ` via ${n.name}` : ''}` };
    }
    default:
      throw new UsageError(`--from must be a source: pod/…, pod:SELECTOR, node/NAME, ip/ADDR or external/ADDR (got ${JSON.stringify(text)})`);
  }
}

function ipv4(text: string): number {
  const n = parseIPv4(text);
  if (n === null) throw new UsageError(`${text}: only IPv4 flows can be traced in this version`);
  return n;
}

interface Destination {
  readonly dst: number;
  /** Every address a DNS name resolved to (CoreDNS's loadbalance makes each the first equally often). */
  readonly alternatives?: readonly number[];
  readonly dport: number;
  readonly protocol: TraceProtocol;
  readonly label: string;
}

function lower(p: Protocol | undefined): TraceProtocol {
  return (p ?? 'TCP').toLowerCase() as TraceProtocol;
}

/** The Service port an address names: by number or name, and by protocol when one is asked for. */
function pickServicePort(svc: Service, port: string, proto: TraceProtocol | undefined): ServicePort | undefined {
  const n = Number(port);
  const ports = (svc.spec.ports ?? []).filter((p) => (Number.isInteger(n) ? p.port === n : p.name === port));
  return proto ? ports.find((p) => lower(p.protocol) === proto) : ports[0];
}

async function resolveDestination(sim: Simulation, dp: Dataplane, text: string, src: Source, proto: TraceProtocol | undefined): Promise<Destination> {
  // `pod/…:PORT` and `node/NAME:PORT` name an address and a port (netsim's extension of §2).
  const withPort = /^((?:pod|node)\/[^:]+):(\d+)(?:\/(tcp|udp|sctp))?$/i.exec(text);
  const a: Address = parseAddress(withPort ? withPort[1]! : text);
  const port = withPort ? Number(withPort[2]) : undefined;
  const suffix = withPort?.[3] ? (withPort[3].toLowerCase() as TraceProtocol) : undefined;
  const topo = dp.topology;
  switch (a.form) {
    case 'service': {
      const svc = await sim.api.get<Service>('Service', a.namespace, a.name);
      if (svc.spec.type === 'ExternalName') throw new UsageError(`service ${a.namespace}/${a.name} is ExternalName: it has no cluster IP (use its DNS name)`);
      const sp = pickServicePort(svc, a.port, proto);
      if (!sp) throw new UsageError(`service ${a.namespace}/${a.name} has no port ${a.port}${proto ? `/${proto}` : ''}`);
      const cip = svc.spec.clusterIPs?.find((x) => !x.includes(':')) ?? svc.spec.clusterIP;
      if (!cip || cip === 'None') throw new UsageError(`service ${a.namespace}/${a.name} is headless: it has no cluster IP (use a pod or its DNS name)`);
      if (cip.includes(':')) throw new UsageError(`service ${a.namespace}/${a.name} has no IPv4 cluster IP`);
      const protocol = proto ?? lower(sp.protocol);
      return { dst: ipv4(cip), dport: sp.port, protocol, label: `service ${a.namespace}/${a.name} port ${sp.name ? `${sp.name} (${sp.port})` : sp.port} → ${cip}:${sp.port}/${protocol.toUpperCase()}` };
    }
    case 'dns': {
      if (!src.pod) throw new UsageError(`${a.name}: a DNS name resolves as a pod would; use a pod source, or service/NS/NAME:PORT or ADDR:PORT`);
      const zone = await zoneOf(sim);
      const walk = resolveFromPod(sim, zone, src.pod, a.name, 'A');
      const addrs = walk.answers.filter((r) => r.type === 'A').map((r) => r.data);
      if (walk.status !== 'NOERROR' || addrs.length === 0) {
        throw new UsageError(`${a.name}: ${walk.status === 'NOERROR' ? 'no A record' : walk.status} (resolved from pod ${src.pod.metadata.namespace}/${src.pod.metadata.name}, ${walk.queryCount} quer${walk.queryCount === 1 ? 'y' : 'ies'})`);
      }
      const dst = ipv4(addrs[0]!);
      let dport = Number(a.port);
      let protocol = proto ?? (a.protocol ? lower(a.protocol) : undefined);
      if (!Number.isInteger(dport)) {
        const svc = dp.model.servicePorts().find((e) => e.info.clusterIP === addrs[0] && e.info.portName === a.port && (!protocol || lower(e.info.protocol) === protocol));
        if (!svc) throw new UsageError(`${a.name}:${a.port}: no Service at ${addrs[0]} has a port named ${a.port}`);
        dport = svc.info.port;
        protocol ??= lower(svc.info.protocol);
      }
      protocol ??= 'tcp';
      // kubeadm's Corefile has `loadbalance`: the A records come shuffled, so a client that
      // connects to the first address reaches each one with equal chance.
      const more = addrs.length > 1 ? ` (one of ${addrs.length} addresses, each first with probability 1/${addrs.length}: ${addrs.join(', ')})` : '';
      return {
        dst, dport, protocol,
        ...(addrs.length > 1 ? { alternatives: addrs.map((x) => ipv4(x)) } : {}),
        label: `${a.name}:${a.port} → ${walk.resolvedName ?? a.name} = ${addrs[0]}${more}, resolved as pod ${src.pod.metadata.namespace}/${src.pod.metadata.name} would`,
      };
    }
    case 'ipPort':
      return { dst: ipv4(a.ip), dport: a.port, protocol: proto ?? lower(a.protocol), label: `${a.ip}:${a.port}` };
    case 'pod':
    case 'podSelector': {
      const pod = await findPod(sim.api, a);
      const key = `${pod.metadata.namespace ?? 'default'}/${pod.metadata.name}`;
      const info = topo.pod(key);
      const node = info ? topo.node(info.node) : undefined;
      const addr = info?.hostNetwork ? node?.addresses[0] : (info?.ip ?? undefined);
      if (addr === undefined || addr === null) throw new UsageError(`pod ${key} has no IP yet`);
      const protocol = proto ?? suffix ?? 'tcp';
      const p = port ?? info!.ports.find((x) => x.protocol.toLowerCase() === protocol)?.containerPort;
      if (p === undefined) throw new UsageError(`pod ${key} declares no ${protocol.toUpperCase()} containerPort: give one as ${text}:PORT`);
      return { dst: addr, dport: p, protocol, label: `pod ${key} at ${formatAddress(addr)}:${p}` };
    }
    case 'node': {
      await findNode(sim.api, a.name);
      const n = topo.node(a.name);
      if (!n || n.addresses.length === 0) throw new UsageError(`node ${a.name} has no InternalIP address`);
      if (port === undefined) throw new UsageError(`a node destination needs a port: node/${a.name}:PORT`);
      return { dst: n.addresses[0]!, dport: port, protocol: proto ?? suffix ?? 'tcp', label: `node ${a.name} at ${formatAddress(n.addresses[0]!)}:${port}` };
    }
    default:
      throw new UsageError(`--to must be a destination with a port: service/NS/NAME:PORT, NAME:PORT, ADDR:PORT[/tcp|/udp|/sctp], pod/NAME:PORT or node/NAME:PORT (got ${JSON.stringify(text)})`);
  }
}

/** The trace request a flow names, in the simulation's current state. */
export async function resolveFlow(
  sim: Simulation,
  dp: Dataplane,
  spec: FlowSpec,
): Promise<{ request: TraceRequest; alternatives: readonly number[]; labels: { from: string; to: string } }> {
  const proto = parseProtocol(spec.proto);
  const src = await resolveSource(sim, dp, spec.from, spec.via);
  const dst = await resolveDestination(sim, dp, spec.to, src, proto);
  return {
    request: { source: src.source, dst: dst.dst, dport: dst.dport, protocol: dst.protocol },
    alternatives: dst.alternatives ?? [],
    labels: { from: src.label, to: dst.label },
  };
}

/** Traces a flow through the simulation as it is now. */
export async function traceFlow(sim: Simulation, spec: FlowSpec): Promise<FlowTrace> {
  const dp = await Dataplane.of(sim);
  const { request, alternatives, labels } = await resolveFlow(sim, dp, spec);
  let result = tracePacket(dp, request);
  if (alternatives.length > 1) {
    // One trace per address the name resolved to, each weighted by its chance of being first.
    const share = 1 / alternatives.length;
    const outcomes = [result, ...alternatives.slice(1).map((dst) => tracePacket(dp, { ...request, dst }))].flatMap((r) =>
      r.outcomes.map((o) => ({ ...o, probability: o.probability * share })),
    );
    result = { ...result, outcomes };
  }
  return { result, json: traceJSON(result), labels };
}
