// Pod IPs on one node, as the CNI host-local IPAM plugin hands them out from the node's pod
// CIDR (plugins/ipam/host-local/backend/allocator): range = network+1 .. broadcast-1 (IPv4) or
// the last address (IPv6); the gateway (network+1, the cni0 bridge) is skipped; allocation
// continues round-robin after the last reserved address, wrapping to the range start.
import { StatusError } from '../api/errors.js';
import { type AllocationMap, newAllocationMap } from './allocationmap.js';
import { type CIDR, formatIP, parseIPSloppy, toCIDR } from './cidr.js';

export interface PodIPAllocatorOptions {
  /** `rangeStart` of the range config; default network+1. */
  rangeStart?: string;
  /** `rangeEnd`; default broadcast-1 (IPv4) or the last address (IPv6). */
  rangeEnd?: string;
  /** `gateway`; default network+1. */
  gateway?: string;
  /** Index of this range in the plugin's `ranges` list, as its error text names it (0 = first family). */
  rangeIndex?: number;
}

export type PodIPResult =
  | { ok: true; ip: string; gateway: string; prefix: number }
  | { ok: false; error: string };

/** host-local's allocator for one range (one node pod CIDR). Owners are container IDs or pod keys. */
export class PodIPAllocator {
  readonly subnet: CIDR;
  readonly #start: bigint;
  readonly #end: bigint;
  readonly #gateway: bigint;
  readonly #rangeIndex: number;
  readonly #used: AllocationMap;
  readonly #owner = new Map<bigint, string>();
  readonly #byOwner = new Map<string, bigint>();
  #lastReserved: bigint | undefined;

  constructor(podCIDR: CIDR | string, opts: PodIPAllocatorOptions = {}) {
    const subnet = toCIDR(podCIDR);
    // As Range.Canonicalize: a /31 or /32 (/127, /128) has nothing to hand out.
    if (subnet.prefix > subnet.bits - 2) throw new StatusError('BadRequest', `Network ${subnet.text} too small to allocate from`);
    this.subnet = subnet;
    const last = subnet.base + subnet.size - 1n;
    this.#gateway = opts.gateway !== undefined ? this.#inSubnet(opts.gateway, 'gateway') : subnet.base + 1n;
    this.#start = opts.rangeStart !== undefined ? this.#inSubnet(opts.rangeStart, 'rangeStart') : subnet.base + 1n;
    this.#end = opts.rangeEnd !== undefined ? this.#inSubnet(opts.rangeEnd, 'rangeEnd') : subnet.family === 4 ? last - 1n : last;
    if (this.#end < this.#start) throw new StatusError('BadRequest', `${this.#text(this.#end)} is in network ${subnet.text} but before start ${this.#text(this.#start)}`);
    this.#rangeIndex = opts.rangeIndex ?? 0;
    this.#used = newAllocationMap(this.#end - this.#start + 1n);
    // The gateway is never handed out: keep its bit set for good.
    if (this.#gateway >= this.#start && this.#gateway <= this.#end) this.#used.set(this.#gateway - this.#start);
  }

  #inSubnet(text: string, what: string): bigint {
    const ip = parseIPSloppy(text);
    if (!ip || ip.family !== this.subnet.family) throw new StatusError('BadRequest', `invalid ${what} ${JSON.stringify(text)}`);
    if (ip.value < this.subnet.base || ip.value >= this.subnet.base + this.subnet.size) {
      throw new StatusError('BadRequest', `${ip.text} not in network ${this.subnet.text}`);
    }
    return ip.value;
  }

  #text(v: bigint): string {
    return formatIP(v, this.subnet.family);
  }

  /** The plugin's RangeSet text, `10.244.1.1-10.244.1.254`, as its errors print it. */
  get rangeSet(): string {
    return `${this.#text(this.#start)}-${this.#text(this.#end)}`;
  }

  /** The gateway address (the cni0 bridge). */
  get gateway(): string {
    return this.#text(this.#gateway);
  }

  #fail(err: string): PodIPResult {
    return { ok: false, error: `failed to allocate for range ${this.#rangeIndex}: ${err}` };
  }

  #reserve(owner: string, v: bigint): PodIPResult {
    this.#used.set(v - this.#start);
    this.#owner.set(v, owner);
    this.#byOwner.set(owner, v);
    this.#lastReserved = v;
    return { ok: true, ip: this.#text(v), gateway: this.gateway, prefix: this.subnet.prefix };
  }

  #duplicate(owner: string): PodIPResult | undefined {
    const have = this.#byOwner.get(owner);
    if (have === undefined) return undefined;
    return this.#fail(`${this.#text(have)} has been allocated to ${owner}, duplicate allocation is not allowed`);
  }

  /** The next free address after the last reserved one (wrapping); an error result when the range is exhausted. */
  allocate(owner: string): PodIPResult {
    const dup = this.#duplicate(owner);
    if (dup) return dup;
    const hi = this.#end - this.#start;
    const last = this.#lastReserved;
    const from = last === undefined || last < this.#start || last >= this.#end ? 0n : last - this.#start + 1n;
    const off = this.#used.findClear(0n, hi, from);
    if (off === undefined) return this.#fail(`no IP addresses available in range set: ${this.rangeSet}`);
    return this.#reserve(owner, this.#start + off);
  }

  /** A requested address (the `ips` capability / CNI_ARGS IP=), with host-local's refusals. */
  allocateSpecific(owner: string, ip: string): PodIPResult {
    const p = parseIPSloppy(ip);
    if (!p || p.family !== this.subnet.family || p.value < this.#start || p.value > this.#end) {
      return this.#fail(`${p ? p.text : ip} not in range set ${this.rangeSet}`);
    }
    if (p.value === this.#gateway) return this.#fail(`requested ip ${p.text} is subnet's gateway`);
    if (this.#owner.has(p.value)) return this.#fail(`requested IP address ${p.text} is not available in range set ${this.rangeSet}`);
    const dup = this.#duplicate(owner);
    if (dup) return dup;
    return this.#reserve(owner, p.value);
  }

  /** ReleaseByID on pod deletion: frees the owner's address; returns it, or undefined if it held none. */
  release(owner: string): string | undefined {
    const v = this.#byOwner.get(owner);
    if (v === undefined) return undefined;
    this.#byOwner.delete(owner);
    this.#owner.delete(v);
    this.#used.clear(v - this.#start);
    return this.#text(v);
  }

  /** Frees an address whatever its owner; false if it was not allocated. */
  releaseIP(ip: string): boolean {
    const p = parseIPSloppy(ip);
    const owner = p && p.family === this.subnet.family ? this.#owner.get(p.value) : undefined;
    if (owner === undefined) return false;
    this.release(owner);
    return true;
  }

  /** True when the address is handed out to a pod (the gateway is not "handed out"). */
  has(ip: string): boolean {
    const p = parseIPSloppy(ip);
    return !!p && p.family === this.subnet.family && this.#owner.has(p.value);
  }

  /** The owner holding an address. */
  ownerOf(ip: string): string | undefined {
    const p = parseIPSloppy(ip);
    return p && p.family === this.subnet.family ? this.#owner.get(p.value) : undefined;
  }

  /** The address an owner holds. */
  ipOf(owner: string): string | undefined {
    const v = this.#byOwner.get(owner);
    return v === undefined ? undefined : this.#text(v);
  }

  /** Addresses that can still be handed out. */
  freeCount(): number {
    return Number(this.#used.size - this.#used.count());
  }

  /** Addresses the range can hand out at most (range size minus the gateway). */
  capacity(): number {
    const gw = this.#gateway >= this.#start && this.#gateway <= this.#end ? 1n : 0n;
    return Number(this.#used.size - gw);
  }

  /** The last reserved address (host-local's `last_reserved_ip.N` file), if any. */
  get lastReserved(): string | undefined {
    return this.#lastReserved === undefined ? undefined : this.#text(this.#lastReserved);
  }
}
