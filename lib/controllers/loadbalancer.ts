// A MetalLB-like LoadBalancer controller (metallb controller/service.go): type=LoadBalancer
// Services without an ingress address get the lowest free address of cluster.loadBalancerPool
// (or the one they ask for with spec.loadBalancerIP or metallb.io/loadBalancerIPs), written to
// status.loadBalancer.ingress; a full pool or a refused request leaves the Service pending with
// an AllocationFailed event until an address is freed. Addresses return to the pool when the
// Service is deleted or stops being a LoadBalancer. An ingress address outside the pool, set by
// the user, is left alone.
import { objectKey } from '../api/meta.js';
import type { LoadBalancerIngress, Service } from '../api/types.js';
import { parseIPSloppy } from '../ipam/cidr.js';
import { LoadBalancerIPPool, requestedLoadBalancerIPs } from '../ipam/lbpool.js';
import type { Controller, ControllerContext, ReconcileResult } from '../reconcile/controller.js';
import { WorkQueue } from '../reconcile/workqueue.js';
import type { Informer } from '../store/informer.js';

export const METALLB_COMPONENT = 'metallb-controller';

/** Go's %q of a []string: ["a" "b"]. */
const quoteList = (ips: readonly string[]) => `[${ips.map((ip) => JSON.stringify(ip)).join(' ')}]`;

/** LoadBalancer addresses from the pool, keyed by Service. */
export class LoadBalancerController implements Controller {
  readonly name = 'metallb-controller';
  readonly queue: WorkQueue;
  readonly pool: LoadBalancerIPPool | undefined;
  readonly #services: Informer<Service>;
  #synced = false;
  /** Services waiting for an address: tried again when one is freed. */
  readonly #pending = new Set<string>();

  constructor(private readonly ctx: ControllerContext) {
    this.queue = new WorkQueue(this.name, ctx.timers);
    this.pool = ctx.cluster.loadBalancerPool ? new LoadBalancerIPPool(ctx.cluster.loadBalancerPool) : undefined;
    this.#services = ctx.informers.for<Service>('Service');
    this.#services.on('add', (s) => this.queue.add(objectKey(s)));
    this.#services.on('update', (_o, s) => this.queue.add(objectKey(s)));
    this.#services.on('delete', (s) => this.queue.add(objectKey(s)));
  }

  /** Addresses already in Services' status are marked used before anything is handed out (MetalLB's sync). */
  #sync(): void {
    if (this.#synced || !this.pool) return;
    this.#synced = true;
    for (const s of this.#services.lister.list()) {
      if (s.spec.type !== 'LoadBalancer') continue;
      const ips = ingressIPs(s).filter((ip) => this.pool!.contains(ip));
      if (ips.length) this.pool.allocateSpecific(objectKey(s), ips);
    }
  }

  async reconcile(key: string): Promise<ReconcileResult | undefined> {
    if (!this.pool) return;
    this.#sync();
    const slash = key.indexOf('/');
    const svc = this.#services.lister.get(key.slice(0, slash), key.slice(slash + 1));
    if (svc?.spec.type !== 'LoadBalancer' || svc.spec.loadBalancerClass) {
      this.#pending.delete(key);
      const freed = this.pool.release(key);
      // No longer a LoadBalancer: the address MetalLB gave it is withdrawn from its status.
      if (svc && freed.length && ingressIPs(svc).some((ip) => freed.includes(ip))) {
        const ingress = (svc.status?.loadBalancer?.ingress ?? []).filter((i) => !i.ip || !freed.includes(i.ip));
        await this.ctx.store.updateStatus<Service>({ ...svc, status: { ...(svc.status ?? {}), loadBalancer: ingress.length ? { ingress } : {} } });
      }
      if (freed.length) this.#retryPending();
      return;
    }
    const current = ingressIPs(svc);
    const requested = requestedLoadBalancerIPs(svc);
    if (current.length) {
      const ours = current.filter((ip) => this.pool!.contains(ip));
      // An address the user or a cloud set outside the pool is theirs to keep.
      if (ours.length === 0) return;
      const asked = 'ips' in requested && requested.ips.length ? requested.ips : undefined;
      if (!asked || sameSet(asked, ours)) {
        const r = this.pool.allocateSpecific(key, ours);
        if (r.ok) return;
      }
      // A different address was asked for: the old one goes back and a new one is assigned below.
      this.pool.release(key);
      this.#retryPending();
    }
    if ('error' in requested) {
      await this.#fail(svc, key, requested.error);
      return;
    }
    const family = svc.spec.ipFamilies?.[0] === 'IPv6' ? 6 : 4;
    const r = requested.ips.length ? this.pool.allocateSpecific(key, requested.ips) : this.pool.allocate(key, family);
    if (!r.ok) {
      await this.#fail(svc, key, r.error);
      return;
    }
    this.#pending.delete(key);
    const ingress: LoadBalancerIngress[] = r.ips.map((ip) => ({ ip, ipMode: 'VIP' }));
    const written = await this.ctx.store.updateStatus<Service>({ ...svc, status: { ...(svc.status ?? {}), loadBalancer: { ingress } } });
    await this.ctx.events.record(written, 'Normal', 'IPAllocated', `Assigned IP ${quoteList(r.ips)}`, METALLB_COMPONENT);
  }

  async #fail(svc: Service, key: string, error: string): Promise<void> {
    this.#pending.add(key);
    await this.ctx.events.record(svc, 'Warning', 'AllocationFailed', `Failed to allocate IP for ${JSON.stringify(key)}: ${error}`, METALLB_COMPONENT);
  }

  #retryPending(): void {
    for (const k of [...this.#pending].sort()) this.queue.add(k);
  }
}

function ingressIPs(svc: Service): string[] {
  const out: string[] = [];
  for (const i of svc.status?.loadBalancer?.ingress ?? []) {
    const p = i.ip ? parseIPSloppy(i.ip) : undefined;
    if (p) out.push(p.text);
  }
  return out;
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}
