// Per-node pod CIDRs, as kube-controller-manager's range allocator (pkg/controller/nodeipam/
// ipam/range_allocator.go with cidrset/cidr_set.go): one CIDR set per cluster CIDR (one per
// family for dual-stack); subnets handed out in index order, round-robin from the last one.
import { StatusError } from '../api/errors.js';
import { type AllocationMap, newAllocationMap } from './allocationmap.js';
import { type CIDR, cidrsOverlap, parseCIDRSloppy, subnetAt, toCIDR } from './cidr.js';

export interface NodeCIDRAllocatorOptions {
  /** `--cluster-cidr`: one CIDR, or one IPv4 and one IPv6 for dual-stack (the order of node.spec.podCIDRs). */
  clusterCIDRs: readonly (CIDR | string)[];
  /** `--node-cidr-mask-size-ipv4`, default 24. */
  nodeCIDRMaskSize?: number;
  /** `--node-cidr-mask-size-ipv6`, default 64. */
  nodeCIDRMaskSizeIPv6?: number;
  /** `--service-cluster-ip-range`: subnets overlapping it are never handed out, as filterOutServiceRange does. */
  serviceCIDRs?: readonly (CIDR | string)[];
}

/** What the controller records when no subnet is left: an event on the Node, and its log error. */
export interface CIDRNotAvailable {
  ok: false;
  reason: 'CIDRNotAvailable';
  eventType: 'Warning';
  /** The event message, as RecordNodeStatusChange writes it. */
  message: string;
  /** The error the controller logs and retries on. */
  error: string;
}

export type NodeCIDRResult = { ok: true; podCIDRs: string[] } | CIDRNotAvailable;

/** cidrset's error when a set is exhausted. */
export const ERR_NO_CIDRS_REMAINING = 'CIDR allocation failed; there are no remaining CIDRs left to allocate in the accepted range';

/** One cluster CIDR carved into node subnets (cidrset.CidrSet). */
class CidrSet {
  readonly cluster: CIDR;
  readonly nodeMaskSize: number;
  readonly maxCIDRs: bigint;
  readonly used: AllocationMap;
  nextCandidate = 0n;

  constructor(cluster: CIDR, nodeMaskSize: number) {
    if (nodeMaskSize < cluster.prefix || nodeMaskSize > cluster.bits) {
      throw new StatusError('BadRequest',
        `node CIDR mask size ${nodeMaskSize} must be between the cluster CIDR ${cluster.text} mask size and ${cluster.bits}`);
    }
    // As cidrset: an IPv6 set may not hold more than 2^16 subnets (its bitmap limit).
    if (cluster.family === 6 && nodeMaskSize - cluster.prefix > 16) throw new StatusError('BadRequest', 'New CIDR set failed; the node CIDR size is too big');
    this.cluster = cluster;
    this.nodeMaskSize = nodeMaskSize;
    this.maxCIDRs = 1n << BigInt(nodeMaskSize - cluster.prefix);
    this.used = newAllocationMap(this.maxCIDRs);
  }

  /** cidrset.AllocateNext: the first free index from nextCandidate on, wrapping. */
  allocateNext(): CIDR | undefined {
    if (this.used.count() === this.maxCIDRs) return undefined;
    const idx = this.used.findClear(0n, this.maxCIDRs - 1n, this.nextCandidate)!;
    this.nextCandidate = (idx + 1n) % this.maxCIDRs;
    this.used.set(idx);
    return subnetAt(this.cluster, this.nodeMaskSize, idx);
  }

  /** Index range [begin, end] of node subnets covered by `c`, or an error as cidrset's. */
  indices(c: CIDR): [bigint, bigint] | string {
    if (c.family !== this.cluster.family || !cidrsOverlap(c, this.cluster)) return `cidr ${c.text} is out the range of cluster cidr ${this.cluster.text}`;
    const shift = BigInt(this.cluster.bits - this.nodeMaskSize);
    // Clip to the cluster CIDR: a CIDR larger than it (e.g. the service range) marks every subnet.
    const first = c.base > this.cluster.base ? c.base : this.cluster.base;
    const lastC = c.base + c.size - 1n;
    const lastCluster = this.cluster.base + this.cluster.size - 1n;
    const last = lastC < lastCluster ? lastC : lastCluster;
    return [(first - this.cluster.base) >> shift, (last - this.cluster.base) >> shift];
  }

  occupy(c: CIDR): string | undefined {
    const r = this.indices(c);
    if (typeof r === 'string') return r;
    for (let i = r[0]; i <= r[1]; i++) this.used.set(i);
    return undefined;
  }

  release(c: CIDR): string | undefined {
    const r = this.indices(c);
    if (typeof r === 'string') return r;
    for (let i = r[0]; i <= r[1]; i++) this.used.clear(i);
    return undefined;
  }
}

/** kube-controller-manager's RangeAllocator: pod CIDRs for nodes, one per cluster CIDR. */
export class NodeCIDRAllocator {
  readonly #sets: CidrSet[];
  readonly #byNode = new Map<string, string[]>();

  constructor(opts: NodeCIDRAllocatorOptions) {
    if (opts.clusterCIDRs.length === 0 || opts.clusterCIDRs.length > 2) {
      throw new StatusError('BadRequest', 'cluster CIDRs must be one CIDR, or one IPv4 and one IPv6 CIDR for dual-stack');
    }
    const clusters = opts.clusterCIDRs.map(toCIDR);
    if (clusters.length === 2 && clusters[0]!.family === clusters[1]!.family) {
      throw new StatusError('BadRequest', 'dual-stack cluster CIDRs must be one IPv4 and one IPv6 CIDR');
    }
    this.#sets = clusters.map((c) => new CidrSet(c, c.family === 4 ? (opts.nodeCIDRMaskSize ?? 24) : (opts.nodeCIDRMaskSizeIPv6 ?? 64)));
    for (const svc of (opts.serviceCIDRs ?? []).map(toCIDR)) {
      for (const set of this.#sets) if (cidrsOverlap(set.cluster, svc)) set.occupy(svc);
    }
  }

  /** The cluster CIDRs, in podCIDRs order. */
  get clusterCIDRs(): string[] {
    return this.#sets.map((s) => s.cluster.text);
  }

  /** AllocateOrOccupyCIDR for a node without podCIDRs: one subnet per cluster CIDR, or CIDRNotAvailable. Idempotent per node. */
  allocate(nodeName: string): NodeCIDRResult {
    const have = this.#byNode.get(nodeName);
    if (have) return { ok: true, podCIDRs: [...have] };
    const got: CIDR[] = [];
    for (const [idx, set] of this.#sets.entries()) {
      const c = set.allocateNext();
      if (!c) {
        // Upstream keeps the subnets of earlier families marked here (until a restart); released instead.
        for (const [j, prev] of got.entries()) this.#sets[j]!.release(prev);
        return {
          ok: false,
          reason: 'CIDRNotAvailable',
          eventType: 'Warning',
          message: `Node ${nodeName} status is now: CIDRNotAvailable`,
          error: `failed to allocate cidr from cluster cidr at idx:${idx}: ${ERR_NO_CIDRS_REMAINING}`,
        };
      }
      got.push(c);
    }
    const podCIDRs = got.map((c) => c.text);
    this.#byNode.set(nodeName, podCIDRs);
    return { ok: true, podCIDRs: [...podCIDRs] };
  }

  /** occupyCIDRs for a node that already declares podCIDRs: marks them used; an error string (upstream's) when one is unusable. */
  occupy(nodeName: string, podCIDRs: readonly string[]): { ok: true; podCIDRs: string[] } | { ok: false; error: string } {
    const parsed: CIDR[] = [];
    for (const [idx, text] of podCIDRs.entries()) {
      const c = parseCIDRSloppy(text);
      if (!c) return { ok: false, error: `failed to parse node ${nodeName}, CIDR ${podCIDRs[0] ?? ''}` };
      if (idx >= this.#sets.length) {
        return { ok: false, error: `node:${nodeName} has an allocated cidr: ${text} at index:${idx} that does not exist in cluster cidrs configuration` };
      }
      const err = this.#sets[idx]!.indices(c);
      if (typeof err === 'string') return { ok: false, error: `failed to mark cidr[${c.text}] at idx [${idx}] as occupied for node: ${nodeName}: ${err}` };
      parsed.push(c);
    }
    for (const [idx, c] of parsed.entries()) this.#sets[idx]!.occupy(c);
    const texts = parsed.map((c) => c.text);
    this.#byNode.set(nodeName, texts);
    return { ok: true, podCIDRs: [...texts] };
  }

  /** ReleaseCIDR on node deletion: its subnets become free again. False if the node held none. */
  release(nodeName: string): boolean {
    const have = this.#byNode.get(nodeName);
    if (!have) return false;
    this.#byNode.delete(nodeName);
    for (const [idx, text] of have.entries()) this.#sets[idx]!.release(parseCIDRSloppy(text)!);
    return true;
  }

  /** The pod CIDRs the node holds, if any. */
  podCIDRs(nodeName: string): string[] | undefined {
    const have = this.#byNode.get(nodeName);
    return have ? [...have] : undefined;
  }

  /** True when the node subnet containing `cidr`'s base address is marked used. */
  has(cidr: string): boolean {
    const c = parseCIDRSloppy(cidr);
    if (!c) return false;
    for (const set of this.#sets) {
      const r = set.indices(c);
      if (typeof r !== 'string') return set.used.has(r[0]);
    }
    return false;
  }

  /** Free node subnets per cluster CIDR, in podCIDRs order. */
  freeCount(): number[] {
    return this.#sets.map((s) => Number(s.maxCIDRs - s.used.count()));
  }

  /** Node names and their pod CIDRs, sorted by node name. */
  allocations(): [string, string[]][] {
    return [...this.#byNode.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([n, c]) => [n, [...c]]);
  }
}

