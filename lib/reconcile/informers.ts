// One informer per kind shared by every controller (client-go's SharedInformerFactory), so
// 150,000 pods are cached once, not once per controller.
import type { KubeObject } from '../api/meta.js';
import { Informer } from '../store/informer.js';
import type { Store } from '../store/store.js';

export class SharedInformers {
  #informers = new Map<string, Informer<KubeObject>>();
  constructor(private readonly store: Store) {}

  /** The shared informer of `kind` (created on first use; call `startAll` before reading). */
  for<T extends KubeObject>(kind: string): Informer<T> {
    let inf = this.#informers.get(kind);
    if (!inf) {
      inf = new Informer<KubeObject>(this.store, kind, {});
      this.#informers.set(kind, inf);
    }
    return inf as unknown as Informer<T>;
  }

  /** Lists and starts watching every informer asked for so far (in name order). */
  async startAll(): Promise<void> {
    for (const kind of [...this.#informers.keys()].sort()) {
      const inf = this.#informers.get(kind)!;
      if (!inf.hasSynced()) await inf.start();
    }
  }

  stopAll(): void {
    for (const inf of this.#informers.values()) inf.stop();
  }
}
