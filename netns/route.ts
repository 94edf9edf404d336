// Routing tables as the kernel's FIB holds them: routes keyed by prefix, looked up by longest
// prefix match on integers (one hash probe per prefix length present), and a namespace's
// policy order (table local first, then main), as `ip rule` shows by default.
import { type Address, type Family, type Prefix, formatAddress, formatPrefix, prefixOf } from './prefix.js';

export type RouteType = 'unicast' | 'local' | 'blackhole' | 'unreachable';
export type RouteScope = 'host' | 'link' | 'global';
export type RouteTableName = 'local' | 'main';

export interface Route {
  readonly type: RouteType;
  readonly dst: Prefix;
  /** Outgoing device ('' for blackhole/unreachable). */
  readonly dev: string;
  /** Gateway; absent for directly connected (on-link) destinations. */
  readonly via?: Address;
  /** Preferred source address for locally generated packets. */
  readonly src?: Address;
  readonly scope: RouteScope;
  /** Who installed it: `kernel` (an address), `boot`/`static` (a CNI or admin). */
  readonly proto: 'kernel' | 'boot' | 'static';
  /** Gateway taken as on-link even outside the device's subnets (flannel's vxlan routes). */
  readonly onlink?: boolean;
}

/** One routing table: longest-prefix match over the routes of one family. */
export class RouteTable {
  readonly name: RouteTableName;
  readonly family: Family;
  #byLength = new Map<number, Map<Address, Route>>();
  /** Prefix lengths present, longest first. */
  #lengths: number[] = [];

  constructor(name: RouteTableName, family: Family = 4) {
    this.name = name;
    this.family = family;
  }

  /** Adds (or replaces) the route for its prefix. */
  add(route: Route): void {
    if (route.dst.family !== this.family) throw new RangeError(`route ${formatPrefix(route.dst)} is not IPv${this.family}`);
    let m = this.#byLength.get(route.dst.length);
    if (m === undefined) {
      m = new Map();
      this.#byLength.set(route.dst.length, m);
      this.#lengths.push(route.dst.length);
      this.#lengths.sort((a, b) => b - a);
    }
    m.set(route.dst.address, route);
  }

  /** The most specific route containing `ip`, or undefined. */
  lookup(ip: Address): Route | undefined {
    if ((typeof ip === 'number') !== (this.family === 4)) return undefined;
    for (const len of this.#lengths) {
      const hit = this.#byLength.get(len)!.get(prefixOf(ip, len).address);
      if (hit !== undefined) return hit;
    }
    return undefined;
  }

  /** Every route, ordered as `ip route show` lists them (by prefix address, then length). */
  routes(): Route[] {
    const all: Route[] = [];
    for (const m of this.#byLength.values()) for (const r of m.values()) all.push(r);
    return all.sort((a, b) => {
      if (a.dst.length === 0 || b.dst.length === 0) return a.dst.length === 0 ? (b.dst.length === 0 ? 0 : -1) : 1;
      const x = a.dst.address;
      const y = b.dst.address;
      return x < y ? -1 : x > y ? 1 : a.dst.length - b.dst.length;
    });
  }

  get size(): number {
    let n = 0;
    for (const m of this.#byLength.values()) n += m.size;
    return n;
  }
}

/** A routing decision: the route and the table it came from. */
export interface RouteDecision {
  readonly table: RouteTableName;
  readonly route: Route;
}

/** A namespace's routing: rule 0 looks up table local, rule 32766 table main. */
export class Routing {
  readonly local: RouteTable;
  readonly main: RouteTable;

  constructor(family: Family = 4) {
    this.local = new RouteTable('local', family);
    this.main = new RouteTable('main', family);
  }

  /** The route the kernel picks for `dst`, or undefined (ENETUNREACH). */
  resolve(dst: Address): RouteDecision | undefined {
    const l = this.local.lookup(dst);
    if (l !== undefined) return { table: 'local', route: l };
    const m = this.main.lookup(dst);
    return m === undefined ? undefined : { table: 'main', route: m };
  }

  /** Whether `ip` is one of this namespace's own addresses (addrtype LOCAL). */
  isLocal(ip: Address): boolean {
    return this.local.lookup(ip)?.type === 'local';
  }
}

/** One route as `ip route show [table local]` prints it. */
export function formatRoute(r: Route, table: RouteTableName = 'main'): string {
  const parts: string[] = [];
  if (r.type !== 'unicast' || table === 'local') parts.push(r.type);
  parts.push(formatPrefix(r.dst));
  if (r.via !== undefined) parts.push('via', formatAddress(r.via));
  if (r.dev) parts.push('dev', r.dev);
  if (r.proto !== 'boot') parts.push('proto', r.proto);
  if (r.scope !== 'global') parts.push('scope', r.scope);
  if (r.src !== undefined) parts.push('src', formatAddress(r.src));
  if (r.onlink) parts.push('onlink');
  return parts.join(' ');
}
