// Which Services select a pod, without matching every Service of the namespace against it
// (the scheduler's GetPodServices, the endpoint controllers' GetServicesToUpdateOnPodChange):
// Services are indexed by one key=value pair of their selector; a pod's labels find the
// candidates, which are then checked in full.
import type { Service } from '../api/types.js';

/** Services by namespace and one selector pair. */
export class ServiceSelectorIndex {
  /** namespace -> "key\0value" -> service keys. */
  readonly #buckets = new Map<string, Map<string, Set<string>>>();
  readonly #selectors = new Map<string, { namespace: string; bucket: string; selector: Readonly<Record<string, string>> }>();
  /** Bumped on every change, so callers can cache answers. */
  version = 0;

  /** Indexes (or re-indexes) a Service; one without a (non-empty) selector selects nothing. */
  upsert(svc: Service): void {
    const key = `${svc.metadata.namespace ?? 'default'}/${svc.metadata.name}`;
    this.remove(key);
    this.version++;
    const sel = svc.spec.selector;
    if (!sel) return;
    const keys = Object.keys(sel).sort();
    if (keys.length === 0) return;
    const namespace = svc.metadata.namespace ?? 'default';
    const bucket = `${keys[0]}\u0000${sel[keys[0]!]}`;
    let ns = this.#buckets.get(namespace);
    if (!ns) this.#buckets.set(namespace, (ns = new Map()));
    let set = ns.get(bucket);
    if (!set) ns.set(bucket, (set = new Set()));
    set.add(key);
    this.#selectors.set(key, { namespace, bucket, selector: { ...sel } });
  }

  remove(key: string): void {
    const prev = this.#selectors.get(key);
    if (!prev) return;
    this.version++;
    this.#selectors.delete(key);
    const ns = this.#buckets.get(prev.namespace)!;
    const set = ns.get(prev.bucket)!;
    set.delete(key);
    if (set.size === 0) ns.delete(prev.bucket);
    if (ns.size === 0) this.#buckets.delete(prev.namespace);
  }

  /** The selector a Service was indexed with. */
  selector(key: string): Readonly<Record<string, string>> | undefined {
    return this.#selectors.get(key)?.selector;
  }

  /** Keys of the Services in `namespace` whose selector matches `labels`, sorted. */
  servicesFor(namespace: string, labels: Readonly<Record<string, string>> | undefined): string[] {
    const ns = this.#buckets.get(namespace);
    if (!ns || !labels) return [];
    const out: string[] = [];
    for (const k in labels) {
      const set = ns.get(`${k}\u0000${labels[k]}`);
      if (!set) continue;
      for (const key of set) {
        const sel = this.#selectors.get(key)!.selector;
        let ok = true;
        for (const sk in sel) {
          if (labels[sk] !== sel[sk]) {
            ok = false;
            break;
          }
        }
        if (ok) out.push(key);
      }
    }
    // A Service sits in exactly one bucket, so no key repeats.
    return out.sort();
  }
}
