// The API server's write path in front of a Store, as kube-apiserver's registry does it:
// defaulting, admission, validation (all errors at once), then storage. Controllers and the
// scenario loader write through it, so every object in the store is valid and defaulted.
import { errors } from '../api/errors.js';
import type { KubeObject } from '../api/meta.js';
import { applyDefaults } from '../api/defaults.js';
import { validateObject, validateObjectUpdate, type ValidationOptions } from '../api/validation/index.js';
import type { DeleteOptions, ListOptions, ListResult, Store, Watch, WatchEvent, WatchOptions } from '../store/store.js';

/** A hook run on create/update/delete after validation (e.g. allocating cluster IPs). */
export interface AdmissionPlugin {
  /** May mutate `obj` or throw a StatusError to refuse it. `old` is set on update. */
  admit?(obj: KubeObject, old: KubeObject | undefined): Promise<void> | void;
  /** Called after an object was deleted (e.g. to release its addresses). */
  deleted?(obj: KubeObject): void;
}

export class APIServer implements Store {
  readonly #plugins: AdmissionPlugin[] = [];
  constructor(
    readonly backend: Store,
    readonly validation: ValidationOptions = {},
  ) {}

  use(plugin: AdmissionPlugin): this {
    this.#plugins.push(plugin);
    return this;
  }

  get<T extends KubeObject>(kind: string, namespace: string | undefined, name: string): Promise<T> {
    return this.backend.get<T>(kind, namespace, name);
  }
  list<T extends KubeObject>(kind: string, opts?: ListOptions): Promise<ListResult<T>> {
    return this.backend.list<T>(kind, opts);
  }
  watch<T extends KubeObject>(kind: string, opts: WatchOptions, handler: (ev: WatchEvent<T>) => void, onError?: (err: Error) => void): Promise<Watch> {
    return this.backend.watch<T>(kind, opts, handler, onError);
  }
  currentResourceVersion(): Promise<string> {
    return this.backend.currentResourceVersion();
  }
  close(): Promise<void> {
    return this.backend.close();
  }

  async create<T extends KubeObject>(obj: T): Promise<T> {
    applyDefaults(obj);
    const errs = validateObject(obj, this.validation);
    if (errs.length) throw errors.invalid(obj.kind, obj.metadata.name ?? obj.metadata.generateName ?? '', errs);
    for (const p of this.#plugins) await p.admit?.(obj, undefined);
    return this.backend.create(obj);
  }

  async update<T extends KubeObject>(obj: T): Promise<T> {
    const old = await this.backend.get<T>(obj.kind, obj.metadata.namespace, obj.metadata.name!);
    applyDefaults(obj);
    const errs = validateObjectUpdate(obj, old, this.validation);
    if (errs.length) throw errors.invalid(obj.kind, obj.metadata.name ?? '', errs);
    for (const p of this.#plugins) await p.admit?.(obj, old);
    return this.backend.update(obj);
  }

  updateStatus<T extends KubeObject>(obj: T): Promise<T> {
    // Status writes skip spec validation, as the status subresource does.
    return this.backend.updateStatus(obj);
  }

  async delete<T extends KubeObject>(kind: string, namespace: string | undefined, name: string, opts?: DeleteOptions): Promise<T> {
    const gone = await this.backend.delete<T>(kind, namespace, name, opts);
    for (const p of this.#plugins) p.deleted?.(gone);
    return gone;
  }
}
