// The garbage collector (pkg/controller/garbagecollector) with background propagation, the
// default of `kubectl delete`: when an owner goes, its dependents are deleted; an object whose
// owners are all gone is deleted; one that keeps a live owner only loses its dangling
// references. Dependents are found through an owner-UID index on every watched kind (all
// kinds but Event), never by scanning. Foreground and orphan propagation are not modelled.
import { isStatusError } from '../api/errors.js';
import type { KubeObject, OwnerReference } from '../api/meta.js';
import { KINDS, kindInfo } from '../api/types.js';
import type { Controller, ControllerContext } from '../reconcile/controller.js';
import { WorkQueue } from '../reconcile/workqueue.js';
import type { Informer } from '../store/informer.js';
import { ensureOwnerIndex, OWNER_UID_INDEX } from './controllerref.js';

/** The kinds the collector watches as owners and dependents. */
export const GC_KINDS: readonly string[] = KINDS.map((k) => k.kind).filter((k) => k !== 'Event');

function sameRefs(a: readonly OwnerReference[] | undefined, b: readonly OwnerReference[] | undefined): boolean {
  const x = a ?? [];
  const y = b ?? [];
  return x.length === y.length && x.every((r, i) => r.uid === y[i]!.uid);
}

/** Deletes dependents of deleted owners. */
export class GarbageCollector implements Controller {
  readonly name = 'garbagecollector';
  readonly queue: WorkQueue;
  readonly #informers = new Map<string, Informer<KubeObject>>();

  constructor(private readonly ctx: ControllerContext) {
    this.queue = new WorkQueue(this.name, ctx.timers);
    for (const kind of GC_KINDS) {
      const inf = ctx.informers.for<KubeObject>(kind);
      ensureOwnerIndex(inf);
      this.#informers.set(kind, inf);
      inf
        .on('add', (o) => this.#checkOwners(kind, o))
        .on('update', (old, cur) => {
          if (!sameRefs(old.metadata.ownerReferences, cur.metadata.ownerReferences)) this.#checkOwners(kind, cur);
        })
        .on('delete', (o) => {
          if (o.metadata.uid) this.queue.add(`owner:${o.metadata.uid}`);
        });
    }
  }

  /** Queues a dependent that references an owner missing from the caches. */
  #checkOwners(kind: string, obj: KubeObject): void {
    const refs = obj.metadata.ownerReferences;
    if (!refs || refs.length === 0) return;
    for (const ref of refs) {
      if (this.#cachedOwnerState(ref, obj.metadata.namespace) === 'absent') {
        this.queue.add(`dependent:${kind}:${obj.metadata.namespace ?? ''}/${obj.metadata.name}`);
        return;
      }
    }
  }

  /** Whether the cache holds `ref`'s owner ('unknown' for kinds not watched). */
  #cachedOwnerState(ref: OwnerReference, namespace: string | undefined): 'present' | 'absent' | 'unknown' {
    const info = kindInfo(ref.kind);
    const inf = this.#informers.get(ref.kind);
    if (!info || !inf) return 'unknown';
    const owner = inf.lister.get(info.namespaced ? namespace : undefined, ref.name);
    return owner && owner.metadata.uid === ref.uid ? 'present' : 'absent';
  }

  /** Whether `ref`'s owner exists, asking the store for kinds not cached; unknown kinds count as present. */
  async #ownerExists(ref: OwnerReference, namespace: string | undefined): Promise<boolean> {
    const state = this.#cachedOwnerState(ref, namespace);
    if (state !== 'unknown') return state === 'present';
    const info = kindInfo(ref.kind);
    if (!info) return true;
    try {
      const owner = await this.ctx.store.get(ref.kind, info.namespaced ? namespace : undefined, ref.name);
      return owner.metadata.uid === ref.uid;
    } catch (e) {
      if (isStatusError(e) && e.reason === 'NotFound') return false;
      throw e;
    }
  }

  async reconcile(key: string): Promise<undefined> {
    if (key.startsWith('owner:')) {
      const uid = key.slice('owner:'.length);
      for (const [kind, inf] of this.#informers) {
        for (const dep of inf.byIndex(OWNER_UID_INDEX, uid)) await this.#attemptToDelete(kind, dep);
      }
      return undefined;
    }
    const m = /^dependent:([^:]+):([^/]*)\/(.*)$/.exec(key);
    if (!m) return undefined;
    const [, kind, ns, name] = m as unknown as [string, string, string, string];
    const obj = this.#informers.get(kind)?.lister.get(ns || undefined, name);
    if (obj) await this.#attemptToDelete(kind, obj);
    return undefined;
  }

  /** attemptToDeleteItem: delete when no owner remains, else drop the dangling references. */
  async #attemptToDelete(kind: string, obj: KubeObject): Promise<void> {
    const refs = obj.metadata.ownerReferences ?? [];
    if (refs.length === 0 || obj.metadata.deletionTimestamp !== undefined) return;
    const dangling: string[] = [];
    let solid = 0;
    for (const ref of refs) {
      if (await this.#ownerExists(ref, obj.metadata.namespace)) solid++;
      else dangling.push(ref.uid);
    }
    if (dangling.length === 0) return;
    try {
      if (solid === 0) {
        await this.ctx.store.delete(kind, obj.metadata.namespace, obj.metadata.name!, { uid: obj.metadata.uid });
      } else {
        const copy = structuredClone(obj);
        copy.metadata.ownerReferences = refs.filter((r) => !dangling.includes(r.uid));
        await this.ctx.store.update(copy);
      }
    } catch (e) {
      // Gone or replaced meanwhile: nothing left to collect.
      if (isStatusError(e) && (e.reason === 'NotFound' || e.reason === 'Conflict')) return;
      throw e;
    }
  }
}
