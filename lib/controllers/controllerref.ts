// Controller references, as apimachinery's metav1.NewControllerRef / GetControllerOf and
// kube-controller-manager's ControllerRefManager: objects are found through an informer index
// on the controller's UID (orphans indexed by namespace), adopted when an orphan matches the
// selector and released when an owned object stops matching.
import { isStatusError } from '../api/errors.js';
import { type Selector, selectorFromLabelSelector } from '../api/labels.js';
import type { KubeObject, LabelSelector, OwnerReference } from '../api/meta.js';
import type { Pod } from '../api/types.js';
import type { Informer } from '../store/informer.js';
import type { Store } from '../store/store.js';
import { jsonEqual } from './podtemplatehash.js';

/** Index of objects by their controller's UID; orphans sit under `orphanIndexKey(namespace)`. */
export const CONTROLLER_UID_INDEX = 'workloads/controller-uid';
/** Index of objects by the UID of every owner they reference (for the garbage collector). */
export const OWNER_UID_INDEX = 'workloads/owner-uid';

/** The index value under which objects without a controller in `namespace` are found. */
export function orphanIndexKey(namespace: string | undefined): string {
  return `orphan:${namespace ?? ''}`;
}

/** The controller reference of `obj` (the owner with controller: true), if any. */
export function getControllerOf(obj: KubeObject): OwnerReference | undefined {
  const refs = obj.metadata.ownerReferences;
  if (!refs) return undefined;
  for (const r of refs) if (r.controller) return r;
  return undefined;
}

/** metav1.NewControllerRef: controller and blockOwnerDeletion both true. */
export function newControllerRef(owner: KubeObject): OwnerReference {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name!,
    uid: owner.metadata.uid!,
    controller: true,
    blockOwnerDeletion: true,
  };
}

// Index values by ownerReferences list (versions of an object share it) and by namespace for
// orphans: every write re-indexes the object, and equal answers then cost no allocation.
const controllerValues = new WeakMap<readonly OwnerReference[], string[]>();
const ownerValues = new WeakMap<readonly OwnerReference[], string[]>();
const orphanValues = new Map<string, string[]>();
const NO_VALUES: string[] = [];

function controllerUIDIndex(obj: KubeObject): string[] {
  const refs = obj.metadata.ownerReferences;
  if (refs) {
    let v = controllerValues.get(refs);
    if (v === undefined) {
      const ref = getControllerOf(obj);
      v = ref ? [ref.uid] : [orphanIndexKey(obj.metadata.namespace)];
      controllerValues.set(refs, v);
    }
    return v;
  }
  const ns = obj.metadata.namespace ?? '';
  let v = orphanValues.get(ns);
  if (v === undefined) {
    if (orphanValues.size >= 4096) orphanValues.clear();
    orphanValues.set(ns, (v = [orphanIndexKey(obj.metadata.namespace)]));
  }
  return v;
}

function ownerUIDIndex(obj: KubeObject): string[] {
  const refs = obj.metadata.ownerReferences;
  if (!refs || refs.length === 0) return NO_VALUES;
  let v = ownerValues.get(refs);
  if (v === undefined) ownerValues.set(refs, (v = refs.map((r) => r.uid)));
  return v;
}

// Informer has no "has indexer" query; remember what we registered per informer.
const registered = new WeakMap<object, Set<string>>();

/** Registers `name` on `inf` once, however many controllers ask for it. */
export function ensureIndexer<T extends KubeObject>(inf: Informer<T>, name: string, fn: (obj: T) => readonly string[]): void {
  let names = registered.get(inf);
  if (!names) {
    names = new Set();
    registered.set(inf, names);
  }
  if (names.has(name)) return;
  try {
    inf.addIndexer(name, fn);
  } catch (e) {
    if (!(e instanceof Error && /already exists/.test(e.message))) throw e;
  }
  names.add(name);
}

/** Adds the controller-UID index (owned objects and per-namespace orphans) to `inf`. */
export function ensureControllerIndex<T extends KubeObject>(inf: Informer<T>): void {
  ensureIndexer(inf, CONTROLLER_UID_INDEX, controllerUIDIndex);
}

/** Adds the owner-UID index (every owner reference) to `inf`. */
export function ensureOwnerIndex<T extends KubeObject>(inf: Informer<T>): void {
  ensureIndexer(inf, OWNER_UID_INDEX, ownerUIDIndex);
}

/**
 * A label predicate equivalent to `selector.matches`, compiled to direct property checks when
 * every requirement is an equality (the shape of every controller's selector): the claim and
 * status loops run it once per pod.
 */
export function labelMatcher(selector: Selector): (labels: Readonly<Record<string, string>> | undefined) => boolean {
  const reqs = selector.requirements;
  if (reqs.length === 0) return (l) => selector.matches(l);
  const keys: string[] = [];
  const values: string[] = [];
  for (const r of reqs) {
    if ((r.operator !== '=' && r.operator !== '==' && r.operator !== 'in') || r.values.length !== 1) return (l) => selector.matches(l);
    keys.push(r.key);
    values.push(r.values[0]!);
  }
  const n = keys.length;
  return (labels) => {
    if (!labels) return false;
    for (let i = 0; i < n; i++) {
      const v = labels[keys[i]!];
      if (v !== values[i] || !Object.hasOwn(labels, keys[i]!)) return false;
    }
    return true;
  };
}

/** Objects controlled by `owner` plus the orphans of its namespace: the candidates for a claim. */
export function claimCandidates<T extends KubeObject>(inf: Informer<T>, owner: KubeObject): T[] {
  const owned = inf.byIndex(CONTROLLER_UID_INDEX, owner.metadata.uid!);
  const orphans = inf.byIndex(CONTROLLER_UID_INDEX, orphanIndexKey(owner.metadata.namespace));
  return orphans.length === 0 ? owned : owned.concat(orphans);
}

/** Objects controlled by the object with `uid` (no orphans). */
export function ownedBy<T extends KubeObject>(inf: Informer<T>, uid: string): T[] {
  return inf.byIndex(CONTROLLER_UID_INDEX, uid);
}

/**
 * ClaimObjects as the ControllerRefManager does: keeps owned objects that match, releases
 * owned ones that do not (unless the owner is being deleted), adopts matching orphans that
 * are not being deleted. Returns the claimed objects (adopted ones in their new state).
 * `extraMatch` narrows matching further (e.g. a StatefulSet's pod-name check).
 */
export async function claimObjects<T extends KubeObject>(
  store: Store,
  owner: KubeObject,
  selector: Selector,
  candidates: readonly T[],
  extraMatch?: (obj: T) => boolean,
  adoptFinalizer?: string,
): Promise<T[]> {
  const uid = owner.metadata.uid!;
  const ownerDeleting = owner.metadata.deletionTimestamp !== undefined;
  const matches = labelMatcher(selector);
  const match = (o: T) => matches(o.metadata.labels) && (!extraMatch || extraMatch(o));
  const out: T[] = [];
  for (const obj of candidates) {
    const ref = getControllerOf(obj);
    if (ref) {
      if (ref.uid !== uid) continue;
      if (match(obj)) {
        out.push(obj);
        continue;
      }
      if (ownerDeleting) continue;
      // As the release patch: our reference goes; an empty list is left out.
      const released = structuredClone(obj);
      released.metadata.ownerReferences = released.metadata.ownerReferences!.filter((r) => r.uid !== uid);
      if (released.metadata.ownerReferences.length === 0) delete released.metadata.ownerReferences;
      await ignoreNotFound(store.update(released));
      continue;
    }
    if (ownerDeleting || !match(obj) || obj.metadata.deletionTimestamp !== undefined) continue;
    if (obj.metadata.namespace !== owner.metadata.namespace) continue;
    const finalizers = adoptFinalizer && !(obj.metadata.finalizers ?? []).includes(adoptFinalizer) ? [...(obj.metadata.finalizers ?? []), adoptFinalizer] : obj.metadata.finalizers;
    const copy = structuredClone(obj);
    copy.metadata.ownerReferences = [...(obj.metadata.ownerReferences ?? []), newControllerRef(owner)];
    if (finalizers) copy.metadata.finalizers = [...finalizers];
    const adopted = await ignoreNotFound(store.update(copy));
    if (adopted) out.push(adopted);
  }
  return out;
}

/** Resolves to undefined instead of rejecting with NotFound (the object went away meanwhile). */
export async function ignoreNotFound<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (e) {
    if (isStatusError(e) && e.reason === 'NotFound') return undefined;
    throw e;
  }
}

/**
 * Whether an update of an owner object can matter to its own controller: the spec (generation),
 * labels, annotations, owners or deletion changed. A status-only write (the controller's own)
 * needs no new reconcile.
 */
export function ownerChanged(old: KubeObject, cur: KubeObject): boolean {
  const a = old.metadata;
  const b = cur.metadata;
  return (
    a.generation !== b.generation ||
    a.deletionTimestamp !== b.deletionTimestamp ||
    !jsonEqual(a.labels ?? {}, b.labels ?? {}) ||
    !jsonEqual(a.annotations ?? {}, b.annotations ?? {}) ||
    !jsonEqual(a.ownerReferences ?? [], b.ownerReferences ?? [])
  );
}

/** The work-queue key (`namespace/name`) of the controller `ref` points at, if it is of `kind`. */
export function controllerKey(obj: KubeObject, kind: string): string | undefined {
  const ref = getControllerOf(obj);
  if (!ref || ref.kind !== kind) return undefined;
  return obj.metadata.namespace ? `${obj.metadata.namespace}/${ref.name}` : ref.name;
}

/** What a controller needs to map pod events to its own keys. */
export interface PodOwnerEvents<T extends KubeObject> {
  /** The owner kind, e.g. `DaemonSet`. */
  kind: string;
  /** A pod this kind controls changed: queue its owner (`namespace/name`). */
  onOwned: (ownerKey: string) => void;
  /** Owners of this kind in a namespace (for adoption). */
  candidates: (namespace: string | undefined) => readonly T[];
  selectorOf: (owner: T) => LabelSelector | undefined;
  enqueue: (owner: T) => void;
}

/**
 * As upstream's addPod/updatePod/deletePod handlers: a controlled pod queues its controller;
 * a new orphan, or one whose labels changed, queues every owner whose selector matches it.
 */
export function podOwnerHandlers<T extends KubeObject>(o: PodOwnerEvents<T>): {
  event: (pod: Pod, lookForAdopters: boolean) => void;
  update: (old: Pod, cur: Pod) => void;
} {
  const event = (pod: Pod, lookForAdopters: boolean) => {
    const ref = getControllerOf(pod);
    if (ref) {
      if (ref.kind === o.kind) o.onOwned(`${pod.metadata.namespace}/${ref.name}`);
      return;
    }
    if (!lookForAdopters) return;
    for (const owner of o.candidates(pod.metadata.namespace)) {
      try {
        const sel = selectorFromLabelSelector(o.selectorOf(owner));
        if (!sel.empty() && sel.matches(pod.metadata.labels)) o.enqueue(owner);
      } catch {
        // An invalid selector adopts nothing.
      }
    }
  };
  const update = (old: Pod, cur: Pod) => {
    if (old.metadata.resourceVersion === cur.metadata.resourceVersion) return;
    const oldRef = getControllerOf(old);
    if (oldRef && oldRef.uid !== getControllerOf(cur)?.uid) event(old, false);
    event(cur, !getControllerOf(cur) && !jsonEqual(old.metadata.labels ?? {}, cur.metadata.labels ?? {}));
  };
  return { event, update };
}
