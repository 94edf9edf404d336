// A network namespace: its interfaces with their addresses, and its routing (tables local
// and main). A node's root namespace and every pod's namespace are one of these.
import { type Address, type Prefix, formatAddress, formatPrefix, prefixContains } from './prefix.js';
import { type RouteDecision, Routing } from './route.js';

export type InterfaceKind = 'loopback' | 'ethernet' | 'bridge' | 'veth' | 'vxlan';

export interface InterfaceAddress {
  readonly address: Address;
  /** The subnet the address is configured with (`ip addr`'s `/len`). */
  readonly subnet: Prefix;
}

export interface NetInterface {
  readonly name: string;
  readonly kind: InterfaceKind;
  /** The first address is the primary one (what MASQUERADE and source selection use). */
  readonly addresses: readonly InterfaceAddress[];
  /** The bridge a veth is a port of. */
  readonly master?: string;
  /** The other end of a veth pair: its namespace and name. */
  readonly peer?: { readonly netns: string; readonly name: string };
  /** A VXLAN device's VNI, UDP port and local (underlay) address. */
  readonly vxlan?: { readonly vni: number; readonly port: number; readonly local: Address };
}

export class NetNamespace {
  /** `root` for a node's own namespace, `pod/NS/NAME` for a pod's. */
  readonly name: string;
  readonly node: string;
  readonly routing = new Routing(4);
  readonly interfaces = new Map<string, NetInterface>();

  constructor(name: string, node: string) {
    this.name = name;
    this.node = node;
  }

  addInterface(i: NetInterface): void {
    this.interfaces.set(i.name, i);
  }

  /** The primary address of `dev`, or undefined when it has none. */
  primaryAddress(dev: string): Address | undefined {
    return this.interfaces.get(dev)?.addresses[0]?.address;
  }

  /** The route for `dst` (table local first, then main); undefined is ENETUNREACH. */
  route(dst: Address): RouteDecision | undefined {
    return this.routing.resolve(dst);
  }

  /** addrtype LOCAL: an address of this namespace. */
  isLocal(ip: Address): boolean {
    return this.routing.isLocal(ip);
  }

  /**
   * The source address a locally generated packet gets for this route, as the kernel picks
   * it: the route's `src`, else the outgoing device's address on the gateway's subnet, else
   * its primary address.
   */
  sourceFor(d: RouteDecision, dst: Address): Address | undefined {
    const r = d.route;
    if (d.table === 'local') return dst;
    if (r.src !== undefined) return r.src;
    const i = this.interfaces.get(r.dev);
    if (i === undefined) return undefined;
    const near = r.via ?? dst;
    return (i.addresses.find((a) => prefixContains(a.subnet, near)) ?? i.addresses[0])?.address;
  }

  /** `ip -brief addr` lines, in interface order. */
  describeInterfaces(): string[] {
    return [...this.interfaces.values()].map((i) => {
      const addrs = i.addresses.map((a) => `${formatAddress(a.address)}/${a.subnet.length}`).join(' ');
      const extra = i.master ? ` master ${i.master}` : i.vxlan ? ` vxlan id ${i.vxlan.vni} local ${formatAddress(i.vxlan.local)} dstport ${i.vxlan.port}` : '';
      return `${i.name}${i.peer ? `@${i.peer.name}` : ''} ${i.kind}${extra}${addrs ? ` ${addrs}` : ''}`;
    });
  }
}

export { formatPrefix };
