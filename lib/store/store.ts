// The store contract every backend keeps (in-memory now, Redis later): Kubernetes API
// semantics for get/list/create/update/delete and watch, independent of the backend.
import type { KubeObject } from '../api/meta.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';

/** One watch event. For BOOKMARK, `object` carries only `metadata.resourceVersion`. */
export interface WatchEvent<T extends KubeObject = KubeObject> {
  type: WatchEventType;
  object: T;
}

export interface ListOptions {
  /** Only objects in this namespace; omitted = all namespaces. */
  namespace?: string;
  /** Kubernetes label selector string, e.g. `app=redis,tier in (backend)`. */
  labelSelector?: string;
  /** Kubernetes field selector string, e.g. `spec.nodeName=node-1,status.phase!=Failed`. */
  fieldSelector?: string;
}

export interface ListResult<T extends KubeObject = KubeObject> {
  items: T[];
  /** The store's resourceVersion at the time of the list: start a watch from here. */
  resourceVersion: string;
}

export interface WatchOptions extends ListOptions {
  /** Deliver events after this version. Omitted or "0": start at the current version (no replay). */
  resourceVersion?: string;
  /** Ask for BOOKMARK events carrying the latest resourceVersion. */
  allowBookmarks?: boolean;
}

export interface DeleteOptions {
  /** Precondition: fail with Conflict unless the stored object has this UID. */
  uid?: string;
  /** Precondition: fail with Conflict unless the stored object has this resourceVersion. */
  resourceVersion?: string;
}

export interface Watch {
  /** Stop delivering events. Idempotent. */
  stop(): void;
}

/**
 * A Kubernetes-style object store. Objects are keyed by (kind, namespace, name).
 *
 * Ownership: an object passed to create/update belongs to the store afterwards (the caller
 * must not mutate it); objects returned by get/list and delivered to watchers are shared,
 * read-only snapshots: copy before changing (as with client-go's informer caches).
 *
 * Errors are StatusError: NotFound 404, AlreadyExists 409, Conflict 409 (stale
 * resourceVersion or failed precondition), Invalid 422, Expired 410 (watch from a version
 * older than the retained window: relist), BadRequest 400 (bad selector).
 */
export interface Store {
  get<T extends KubeObject>(kind: string, namespace: string | undefined, name: string): Promise<T>;
  list<T extends KubeObject>(kind: string, opts?: ListOptions): Promise<ListResult<T>>;
  /** Sets uid, resourceVersion, creationTimestamp, generation=1; generateName is honoured. */
  create<T extends KubeObject>(obj: T): Promise<T>;
  /**
   * Replaces the object. If `metadata.resourceVersion` is set and differs from the stored
   * one: Conflict. Bumps `generation` when anything outside metadata and status changed.
   */
  update<T extends KubeObject>(obj: T): Promise<T>;
  /** Like update, but only `status` is taken from `obj` (the status subresource). */
  updateStatus<T extends KubeObject>(obj: T): Promise<T>;
  /** Removes the object and returns its last state. */
  delete<T extends KubeObject>(kind: string, namespace: string | undefined, name: string, opts?: DeleteOptions): Promise<T>;
  /**
   * Watches one kind. Events are delivered in resourceVersion order to `handler`; an error
   * ending the watch (e.g. Expired) goes to `onError`, after which no more events arrive.
   * Rejects with Expired if `opts.resourceVersion` is older than the retained window.
   */
  watch<T extends KubeObject>(
    kind: string,
    opts: WatchOptions,
    handler: (ev: WatchEvent<T>) => void,
    onError?: (err: Error) => void,
  ): Promise<Watch>;
  /** The store's current resourceVersion (of the last write to any kind). */
  currentResourceVersion(): Promise<string>;
  /** Release connections and timers. */
  close(): Promise<void>;
}
