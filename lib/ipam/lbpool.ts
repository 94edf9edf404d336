// LoadBalancer IPs from an address pool, as MetalLB's controller hands them out
// (internal/allocator/allocator.go, controller/service.go): lowest free address first in the
// order of the pool's addresses (.0 and .255 included unless avoidBuggyIPs); a requested
// address (annotation `metallb.io/loadBalancerIPs` or spec.loadBalancerIP) is honoured or refused.
import { StatusError } from '../api/errors.js';
import { type AllocationMap, newAllocationMap } from './allocationmap.js';
import { type IPFamily, formatIP, parseCIDRSloppy, parseIPSloppy } from './cidr.js';

export const ANNOTATION_LOAD_BALANCER_IPS = 'metallb.io/loadBalancerIPs';
export const DEPRECATED_ANNOTATION_LOAD_BALANCER_IPS = 'metallb.universe.tf/loadBalancerIPs';

export interface LoadBalancerIPPoolOptions {
  /** IPAddressPool name, for messages. Default `default`. */
  name?: string;
  /** IPAddressPool.spec.avoidBuggyIPs: skip IPv4 addresses ending in .0 or .255. */
  avoidBuggyIPs?: boolean;
}

export type LoadBalancerIPResult =
  | { ok: true; ips: string[] }
  | { ok: false; error: string; reason: 'AllocationFailed'; message: string };

/** One contiguous block of the pool: a CIDR or an `a-b` range. */
interface Block {
  family: IPFamily;
  first: bigint;
  used: AllocationMap;
}

const isBuggy = (family: IPFamily, v: bigint) => family === 4 && ((v & 255n) === 0n || (v & 255n) === 255n);

/** MetalLB's allocator for one IPAddressPool. Owners are service keys (`namespace/name`). */
export class LoadBalancerIPPool {
  readonly name: string;
  readonly avoidBuggyIPs: boolean;
  readonly #blocks: Block[] = [];
  readonly #owner = new Map<string, string>(); // canonical ip text -> owner
  readonly #byOwner = new Map<string, string[]>();

  /** `addresses` as IPAddressPool.spec.addresses: CIDRs or `first-last` ranges, in order. */
  constructor(addresses: string | readonly string[], opts: LoadBalancerIPPoolOptions = {}) {
    this.name = opts.name ?? 'default';
    this.avoidBuggyIPs = opts.avoidBuggyIPs ?? false;
    for (const a of typeof addresses === 'string' ? [addresses] : addresses) {
      const [first, last, family] = parseBlock(a);
      const used = newAllocationMap(last - first + 1n);
      // Buggy addresses stay marked for good, so they are neither handed out nor counted free.
      if (this.avoidBuggyIPs && family === 4) for (let v = first; v <= last; v++) if (isBuggy(family, v)) used.set(v - first);
      this.#blocks.push({ family, first, used });
    }
  }

  #locate(v: bigint, family: IPFamily): [Block, bigint] | undefined {
    for (const b of this.#blocks) {
      if (b.family === family && v >= b.first && v < b.first + b.used.size) return [b, v - b.first];
    }
    return undefined;
  }

  #failure(owner: string, error: string): LoadBalancerIPResult {
    return { ok: false, error, reason: 'AllocationFailed', message: `Failed to allocate IP for ${JSON.stringify(owner)}: ${error}` };
  }

  /** The lowest free address of the family; the owner's current one if it already has one (MetalLB is idempotent). */
  allocate(owner: string, family: IPFamily = 4): LoadBalancerIPResult {
    const have = (this.#byOwner.get(owner) ?? []).filter((ip) => parseIPSloppy(ip)!.family === family);
    if (have.length) return { ok: true, ips: have };
    for (const b of this.#blocks) {
      if (b.family !== family) continue;
      const off = b.used.findClear(0n, b.used.size - 1n, 0n);
      if (off === undefined) continue;
      b.used.set(off);
      return { ok: true, ips: [this.#record(owner, formatIP(b.first + off, family))] };
    }
    return this.#failure(owner, 'no available IPs');
  }

  #record(owner: string, ip: string): string {
    this.#owner.set(ip, owner);
    this.#byOwner.set(owner, [...(this.#byOwner.get(owner) ?? []), ip]);
    return ip;
  }

  /** Requested addresses (one per family): all assigned, or none with MetalLB's refusal. */
  allocateSpecific(owner: string, ips: readonly string[]): LoadBalancerIPResult {
    const wanted: [string, Block, bigint][] = [];
    for (const text of ips) {
      const p = parseIPSloppy(text);
      const at = p && this.#locate(p.value, p.family);
      if (!p || !at || (this.avoidBuggyIPs && isBuggy(p.family, p.value))) {
        return this.#failure(owner, `${JSON.stringify(p ? p.text : text)} is not allowed in config`);
      }
      const holder = this.#owner.get(p.text);
      // MetalLB without a sharing key: an address held by another service is refused.
      if (holder !== undefined && holder !== owner) {
        return this.#failure(owner, `can't change sharing key for ${JSON.stringify(owner)}, address also in use by ${holder}`);
      }
      wanted.push([p.text, at[0], at[1]]);
    }
    // Assign replaces whatever the owner held before.
    const before = this.#byOwner.get(owner) ?? [];
    const keep = new Set(wanted.map(([t]) => t));
    for (const ip of before) if (!keep.has(ip)) this.#releaseIP(ip);
    const have = new Set(this.#byOwner.get(owner) ?? []);
    for (const [text, b, off] of wanted) {
      if (have.has(text)) continue;
      b.used.set(off);
      this.#record(owner, text);
    }
    return { ok: true, ips: [...(this.#byOwner.get(owner) ?? [])] };
  }

  #releaseIP(ip: string): void {
    const owner = this.#owner.get(ip);
    if (owner === undefined) return;
    const p = parseIPSloppy(ip)!;
    const [b, off] = this.#locate(p.value, p.family)!;
    b.used.clear(off);
    this.#owner.delete(ip);
    const rest = (this.#byOwner.get(owner) ?? []).filter((x) => x !== ip);
    if (rest.length) this.#byOwner.set(owner, rest);
    else this.#byOwner.delete(owner);
  }

  /** Unassign on service deletion (or type change): frees every address the owner holds; returns them. */
  release(owner: string): string[] {
    const have = [...(this.#byOwner.get(owner) ?? [])];
    for (const ip of have) this.#releaseIP(ip);
    return have;
  }

  /** True when the address is assigned to some service. */
  has(ip: string): boolean {
    const p = parseIPSloppy(ip);
    return !!p && this.#owner.has(p.text);
  }

  /** True when the pool owns the address (MetalLB's poolFor). */
  contains(ip: string): boolean {
    const p = parseIPSloppy(ip);
    return !!p && !!this.#locate(p.value, p.family) && !(this.avoidBuggyIPs && isBuggy(p.family, p.value));
  }

  /** The service holding an address. */
  ownerOf(ip: string): string | undefined {
    const p = parseIPSloppy(ip);
    return p ? this.#owner.get(p.text) : undefined;
  }

  /** The addresses a service holds. */
  ipsOf(owner: string): string[] {
    return [...(this.#byOwner.get(owner) ?? [])];
  }

  /** Free addresses of a family (both families when omitted). */
  freeCount(family?: IPFamily): number {
    let n = 0n;
    for (const b of this.#blocks) if (family === undefined || b.family === family) n += b.used.size - b.used.count();
    return Number(n);
  }
}

/** `a.b.c.d/n` or `first-last` as [first, last, family]. Throws StatusError BadRequest. */
function parseBlock(s: string): [bigint, bigint, IPFamily] {
  const t = s.trim();
  if (t.includes('/')) {
    // MetalLB accepts CIDRs with host bits and uses the whole network.
    const c = parseCIDRSloppy(t);
    if (!c) throw new StatusError('BadRequest', `invalid CIDR ${JSON.stringify(t)} in pool`);
    return [c.base, c.base + c.size - 1n, c.family];
  }
  const dash = t.indexOf('-');
  const a = dash > 0 ? parseIPSloppy(t.slice(0, dash).trim()) : undefined;
  const b = dash > 0 ? parseIPSloppy(t.slice(dash + 1).trim()) : undefined;
  if (!a || !b || a.family !== b.family || b.value < a.value) throw new StatusError('BadRequest', `invalid IP range ${JSON.stringify(t)} in pool`);
  return [a.value, b.value, a.family];
}

/** The addresses a Service asks for, as MetalLB's getDesiredLbIPs reads them; `error` with MetalLB's text when unusable. */
export function requestedLoadBalancerIPs(svc: {
  metadata?: { annotations?: Record<string, string> };
  spec?: { loadBalancerIP?: string };
}): { ips: string[] } | { error: string } {
  const ann = svc.metadata?.annotations ?? {};
  const has = (k: string) => Object.hasOwn(ann, k);
  const fromAnn = has(ANNOTATION_LOAD_BALANCER_IPS) ? ann[ANNOTATION_LOAD_BALANCER_IPS]! : has(DEPRECATED_ANNOTATION_LOAD_BALANCER_IPS) ? ann[DEPRECATED_ANNOTATION_LOAD_BALANCER_IPS]! : '';
  const spec = svc.spec?.loadBalancerIP ?? '';
  if (fromAnn === '' && spec === '') return { ips: [] };
  if (fromAnn !== '' && spec !== '') return { error: `service can not have both ${ANNOTATION_LOAD_BALANCER_IPS} and svc.Spec.LoadBalancerIP` };
  if (fromAnn !== '') {
    const ips: string[] = [];
    for (const part of fromAnn.split(',')) {
      const p = parseIPSloppy(part.trim());
      if (!p) return { error: `invalid ${ANNOTATION_LOAD_BALANCER_IPS}: ${JSON.stringify(fromAnn)}` };
      ips.push(p.text);
    }
    // ipfamily.ForAddressesIPs: at most one address per family (Go's %q of a []string: space-separated).
    const q = `[${ips.map((x) => JSON.stringify(x)).join(' ')}]`;
    if (ips.length > 2) return { error: `IPFamilyForAddresses: invalid ips length ${ips.length} ${q}` };
    if (ips.length === 2 && parseIPSloppy(ips[0]!)!.family === parseIPSloppy(ips[1]!)!.family) {
      return { error: `IPFamilyForAddresses: same address family ${q}` };
    }
    return { ips };
  }
  const p = parseIPSloppy(spec);
  if (!p) return { error: `invalid spec.loadBalancerIP ${JSON.stringify(spec)}` };
  return { ips: [p.text] };
}
