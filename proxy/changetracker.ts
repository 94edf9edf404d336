// Pending Service and EndpointSlice changes between two syncs, per Service, as kube-proxy's
// ServiceChangeTracker and EndpointsChangeTracker: handlers only record the latest object;
// the model applies everything at sync time, so bursts of events collapse into one update.
import type { EndpointSlice, Service } from '../lib/api/types.js';

/** The changes recorded since the last checkout, keyed by `ns/service`. */
export interface PendingChanges {
  /** Latest Service object, or null when it was deleted. */
  readonly services: ReadonlyMap<string, Service | null>;
  /** Latest EndpointSlice per `ns/sliceName`, or null when it was deleted. */
  readonly slices: ReadonlyMap<string, EndpointSlice | null>;
}

/** `ns/sliceName`: slices are tracked by identity; the model resolves which Service owns them. */
export function sliceId(slice: EndpointSlice): string {
  return `${slice.metadata.namespace ?? 'default'}/${slice.metadata.name ?? ''}`;
}

/** `ns/name` of a Service. */
export function serviceKey(svc: Service): string {
  return `${svc.metadata.namespace ?? 'default'}/${svc.metadata.name ?? ''}`;
}

export class ChangeTracker {
  #services = new Map<string, Service | null>();
  #slices = new Map<string, EndpointSlice | null>();

  /** Records a new Service. */
  onServiceAdd(svc: Service): void {
    this.#services.set(serviceKey(svc), svc);
  }

  /** Records a changed Service (only the new object matters). */
  onServiceUpdate(_old: Service | undefined, svc: Service): void {
    this.#services.set(serviceKey(svc), svc);
  }

  /** Records a deleted Service. */
  onServiceDelete(svc: Service): void {
    this.#services.set(serviceKey(svc), null);
  }

  /** Records a new EndpointSlice. */
  onEndpointSliceAdd(slice: EndpointSlice): void {
    this.#recordSlice(slice, false);
  }

  /** Records a changed EndpointSlice. */
  onEndpointSliceUpdate(_old: EndpointSlice | undefined, slice: EndpointSlice): void {
    this.#recordSlice(slice, false);
  }

  /** Records a deleted EndpointSlice. */
  onEndpointSliceDelete(slice: EndpointSlice): void {
    this.#recordSlice(slice, true);
  }

  #recordSlice(slice: EndpointSlice, removed: boolean): void {
    this.#slices.set(sliceId(slice), removed ? null : slice);
  }

  /** Number of recorded object changes. */
  get pending(): number {
    return this.#services.size + this.#slices.size;
  }

  /** Returns everything recorded since the last checkout and starts afresh. */
  checkout(): PendingChanges {
    const out: PendingChanges = { services: this.#services, slices: this.#slices };
    this.#services = new Map();
    this.#slices = new Map();
    return out;
  }
}
