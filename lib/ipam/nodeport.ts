// Service node ports, as the API server allocates them (pkg/registry/core/service/portallocator
// and service/storage alloc.go): `--service-node-port-range` (default 30000-32767); KEP-3668
// splits it into a lower static band and an upper band that dynamic allocation tries first.
import { StatusError, errors, field } from '../api/errors.js';
import type { Random } from '../sim/random.js';
import { Bitmap } from './allocationmap.js';

/** net.PortRange: `base` and `size` ports. */
export interface PortRange {
  base: number;
  size: number;
}

export const DEFAULT_NODE_PORT_RANGE = '30000-32767';

/** portallocator's errors. */
export const ERR_PORT_ALLOCATED = 'provided port is already allocated';
export const ERR_RANGE_FULL = 'range is full';

/** net.ParsePortRange: `30000-32767`, `30000+2767` or a single port. Throws StatusError BadRequest. */
export function parsePortRange(s: string): PortRange {
  const v = s.trim();
  const dec = (x: string) => (/^[+-]?[0-9]+$/.test(x) ? Number(x) : Number.NaN);
  const hy = v.indexOf('-');
  const plus = v.indexOf('+');
  let low: number;
  let high: number;
  if (hy < 0 && plus < 0) low = high = dec(v);
  else if (hy >= 0 && plus < 0) {
    low = dec(v.slice(0, hy));
    high = dec(v.slice(hy + 1));
  } else if (plus >= 0 && hy < 0) {
    low = dec(v.slice(0, plus));
    high = low + dec(v.slice(plus + 1));
  } else throw errors.badRequest(`unable to parse port range: ${v}`);
  if (Number.isNaN(low) || Number.isNaN(high)) throw errors.badRequest(`unable to parse port range: ${v}`);
  if (low > 65535 || high > 65535) throw errors.badRequest(`the port range cannot be greater than 65535: ${v}`);
  if (high < low) throw errors.badRequest(`end port cannot be less than start port: ${v}`);
  return { base: low, size: 1 + high - low };
}

/** PortRange.String(): `30000-32767`. */
export const formatPortRange = (r: PortRange) => `${r.base}-${r.base + r.size - 1}`;

/** KEP-3668 static band size: min(max(16, size/32), 128), 0 for ranges of 16 ports or fewer. */
export function staticPortBandSize(size: number): number {
  if (size <= 16) return 0;
  const o = Math.floor(size / 32);
  return o < 16 ? 16 : o > 128 ? 128 : o;
}

/** Where a requested node port came from, for the API server's Invalid error. */
export interface NodePortRequester {
  /** Service name. */
  name: string;
  /** Field path, e.g. `spec.ports[0].nodePort` or `spec.healthCheckNodePort`. */
  field: string;
}

/** The API server's node port allocator (one per cluster: ports are shared by all families). */
export class NodePortAllocator {
  readonly range: PortRange;
  readonly #used: Bitmap;
  readonly #offset: number;
  readonly #random: Random;

  /** `random` should be the API server's own child stream. */
  constructor(range: PortRange | string, random: Random) {
    this.range = typeof range === 'string' ? parsePortRange(range) : range;
    this.#used = new Bitmap(this.range.size);
    this.#offset = staticPortBandSize(this.range.size);
    this.#random = random;
  }

  /** Ports in the lower static band (86 for the default range: 30000-30085). */
  get staticBand(): number {
    return this.#offset;
  }

  #contains(port: number): boolean {
    return Number.isInteger(port) && port >= this.range.base && port < this.range.base + this.range.size;
  }

  /** A requested node port: allocated, or StatusError Invalid as the API server words it. */
  allocate(port: number, at: NodePortRequester = { name: '', field: 'spec.ports[0].nodePort' }): number {
    let detail: string | undefined;
    if (!this.#contains(port)) detail = `provided port is not in the valid range. The range of valid ports is ${formatPortRange(this.range)}`;
    else if (!this.#used.set(port - this.range.base)) detail = ERR_PORT_ALLOCATED;
    if (detail === undefined) return port;
    throw errors.invalid('Service', at.name, [field.invalid(at.field, port, detail)]);
  }

  /** A dynamic node port: upper band first from a random offset (scanning up, wrapping), then the lower band. */
  allocateNext(): number {
    const max = this.range.size;
    if (this.#used.count >= max) throw this.#full();
    const upper = max - this.#offset;
    let at = this.#used.findClear(this.#offset, max - 1, this.#offset + this.#random.int(0, upper - 1));
    if (at < 0 && this.#offset > 0) at = this.#used.findClear(0, this.#offset - 1, this.#random.int(0, this.#offset - 1));
    if (at < 0) throw this.#full();
    this.#used.set(at);
    return this.range.base + at;
  }

  #full(): StatusError {
    return new StatusError('InternalError', `Internal error occurred: failed to allocate a nodePort: ${ERR_RANGE_FULL}`, { userError: true });
  }

  /** Frees a port; a port not allocated or out of range is a no-op, as upstream. */
  release(port: number): boolean {
    return this.#contains(port) && this.#used.clear(port - this.range.base);
  }

  /** True when the port is allocated. */
  has(port: number): boolean {
    return this.#contains(port) && this.#used.has(port - this.range.base);
  }

  /** True when the port lies inside the range. */
  inRange(port: number): boolean {
    return this.#contains(port);
  }

  /** Ports still free. */
  freeCount(): number {
    return this.range.size - this.#used.count;
  }

  /** Allocated ports in ascending order. */
  allocated(): number[] {
    return [...this.#used.ones()].map((o) => this.range.base + o);
  }
}
