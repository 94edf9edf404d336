// Service cluster IPs, as the API server allocates them (pkg/registry/core/service/ipallocator
// and service/storage alloc.go): the range is the service CIDR minus its network address (and
// broadcast for IPv4); KEP-3070 splits it into a lower static band and an upper band that
// dynamic allocation tries first, from a random offset. Dual-stack is one allocator per family.
import { StatusError, field } from '../api/errors.js';
import type { Random } from '../sim/random.js';
import { type AllocationMap, newAllocationMap, randomBelow } from './allocationmap.js';
import { type CIDR, formatIP, parseIPSloppy, toCIDR } from './cidr.js';

/** ipallocator's errors. */
export const ERR_IP_ALLOCATED = 'provided IP is already allocated';
export const ERR_RANGE_FULL = 'range is full';

/** The kube-apiserver flag limit: at most 20 host bits (a /12 for IPv4, /108 for IPv6). */
const MAX_CIDR_BITS = 20;

/** KEP-3070 static band size: min(max(16, cidrSize/16), 256), 0 for ranges of 16 addresses or fewer. */
export function staticBandSize(cidrSize: bigint): bigint {
  if (cidrSize <= 16n) return 0n;
  const o = cidrSize / 16n;
  return o < 16n ? 16n : o > 256n ? 256n : o;
}

/** Go's `%#v` of a []string, as the API server prints spec.clusterIPs in its error. */
const goStringSlice = (v: readonly string[]) => `[]string{${v.map((s) => JSON.stringify(s)).join(', ')}}`;

/** The service whose spec.clusterIPs asked for an address, for the API server's Invalid error. */
export interface ClusterIPRequester {
  name: string;
  clusterIPs: readonly string[];
}

/** The API server's ClusterIP allocator for one service CIDR. */
export class ServiceClusterIPAllocator {
  readonly cidr: CIDR;
  readonly #first: bigint;
  readonly #size: bigint;
  readonly #offset: bigint;
  readonly #used: AllocationMap;
  readonly #random: Random;

  /** `random` should be the API server's own child stream. */
  constructor(serviceCIDR: CIDR | string, random: Random) {
    const cidr = toCIDR(serviceCIDR);
    if (cidr.bits - cidr.prefix > MAX_CIDR_BITS) {
      throw new StatusError('BadRequest',
        `specified --service-cluster-ip-range is too large; for ${cidr.bits}-bit addresses, the mask must be >= ${cidr.bits - MAX_CIDR_BITS}`);
    }
    this.cidr = cidr;
    this.#first = cidr.base + 1n;
    // hostsPerNetwork: no network address; no broadcast address for IPv4.
    const hosts = cidr.size - 1n - (cidr.family === 4 ? 1n : 0n);
    this.#size = hosts > 0n ? hosts : 0n;
    this.#offset = staticBandSize(cidr.size);
    this.#used = newAllocationMap(this.#size);
    this.#random = random;
  }

  /** Allocatable addresses (1048574 for 10.96.0.0/12). */
  get size(): number {
    return Number(this.#size);
  }

  /** Addresses in the lower static band, preferred for requested IPs (256 for a /12, 16 for a /24). */
  get staticBand(): number {
    return Number(this.#offset);
  }

  #offsetOf(ip: string): bigint | undefined {
    const p = parseIPSloppy(ip);
    if (!p || p.family !== this.cidr.family) return undefined;
    const off = p.value - this.#first;
    return off >= 0n && off < this.#size ? off : undefined;
  }

  /** The first address, reserved for the `kubernetes` Service in default: allocates it (idempotent) and returns it. */
  allocateKubernetesIP(): string {
    if (this.#size === 0n) throw this.#full();
    this.#used.set(0n);
    return formatIP(this.#first, this.cidr.family);
  }

  /** A requested cluster IP: allocated, or StatusError Invalid exactly as the API server words it. */
  allocate(ip: string, service: ClusterIPRequester = { name: '', clusterIPs: [ip] }): string {
    const p = parseIPSloppy(ip);
    if (!p) throw new StatusError('InternalError', `Internal error occurred: failed to parse service IP ${JSON.stringify(ip)}`, { userError: true });
    const off = this.#offsetOf(ip);
    let reason: string | undefined;
    if (off === undefined) reason = `the provided IP (${p.text}) is not in the valid range. The range of valid IPs is ${this.cidr.text}`;
    else if (!this.#used.set(off)) reason = ERR_IP_ALLOCATED;
    if (reason === undefined) return p.text;
    // As alloc.go: field.Invalid(spec.clusterIPs, service.Spec.ClusterIPs, "failed to allocate IP ...").
    const detail = `failed to allocate IP ${ip}: ${reason}`;
    const cause = field.invalid('spec.clusterIPs', [...service.clusterIPs], detail);
    const text = `spec.clusterIPs: Invalid value: ${goStringSlice(service.clusterIPs)}: ${detail}`;
    throw new StatusError('Invalid', `Service ${JSON.stringify(service.name)} is invalid: ${text}`, { causes: [cause] });
  }

  #full(): StatusError {
    return new StatusError('InternalError', `Internal error occurred: failed to allocate a serviceIP: ${ERR_RANGE_FULL}`, { userError: true });
  }

  /** A dynamic cluster IP: upper band first from a random offset (scanning up, wrapping), then the lower band. */
  allocateNext(): string {
    const upper = this.#size - this.#offset;
    if (upper <= 0n) throw this.#full();
    const hi = this.#size - 1n;
    let off = this.#used.findClear(this.#offset, hi, this.#offset + randomBelow(this.#random, upper));
    if (off === undefined && this.#offset > 0n) {
      off = this.#used.findClear(0n, this.#offset - 1n, randomBelow(this.#random, this.#offset));
    }
    if (off === undefined) throw this.#full();
    this.#used.set(off);
    return formatIP(this.#first + off, this.cidr.family);
  }

  /** Frees an address; releasing one not allocated or out of range is a no-op, as upstream. */
  release(ip: string): boolean {
    const off = this.#offsetOf(ip);
    return off === undefined ? false : this.#used.clear(off);
  }

  /** True when the address is allocated. */
  has(ip: string): boolean {
    const off = this.#offsetOf(ip);
    return off !== undefined && this.#used.has(off);
  }

  /** True when the address is inside the allocatable range (whether used or not). */
  inRange(ip: string): boolean {
    return this.#offsetOf(ip) !== undefined;
  }

  /** Addresses still free. */
  freeCount(): number {
    return Number(this.#size - this.#used.count());
  }

  /** Addresses in use. */
  usedCount(): number {
    return Number(this.#used.count());
  }

  /** Allocated addresses in ascending order. */
  allocated(): string[] {
    return this.#used.offsets().map((o) => formatIP(this.#first + o, this.cidr.family));
  }
}
