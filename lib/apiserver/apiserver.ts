// The API server's write path in front of a Store, as kube-apiserver's registry does it:
// defaulting, admission, validation (all errors at once), then storage. Controllers and the
// scenario loader write through it, so every object in the store is valid and defaulted.
import { errors, isStatusError } from '../api/errors.js';
import type { KubeObject } from '../api/meta.js';
import { admitDefaultTolerations, applyDefaults, defaultJobSelector } from '../api/defaults.js';
import { Random } from '../sim/random.js';
import { uuidV4 } from '../store/memory.js';
import { validateObject, validateObjectUpdate, type ValidationOptions } from '../api/validation/index.js';
import type { DeleteOptions, ListOptions, ListResult, Store, Watch, WatchEvent, WatchOptions } from '../store/store.js';

/** A hook run on create/update after defaulting and before validation (e.g. allocating cluster IPs). */
export interface AdmissionPlugin {
  /**
   * May mutate `obj` or throw a StatusError to refuse it. `old` is set on update. Returns an
   * undo function when it reserved something that must be given back if validation fails.
   */
  admit?(obj: KubeObject, old: KubeObject | undefined): Promise<(() => void) | void> | (() => void) | void;
  /** Called after `obj` (as given to admit) was stored. */
  stored?(obj: KubeObject): void;
  /** Called after an object was deleted (e.g. to release its addresses). */
  deleted?(obj: KubeObject): void;
}

/** The API server retries a colliding generated name this many times (RetryGenerateName). */
const GENERATE_NAME_ATTEMPTS = 8;

export class APIServer implements Store {
  readonly #plugins: AdmissionPlugin[] = [];
  readonly #uids: Random;
  readonly #names: Random;
  constructor(
    readonly backend: Store,
    readonly validation: ValidationOptions = {},
    random: Random = new Random(0),
  ) {
    this.#uids = random.child('uids');
    this.#names = random.child('names');
  }

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

  // As the registry: defaults, admission (which allocates), then validation; a refused
  // object gives back what admission reserved.
  async create<T extends KubeObject>(obj: T): Promise<T> {
    applyDefaults(obj);
    // As the registry's BeforeCreate: the API server chooses the uid (a client's is ignored)
    // before anything that depends on it, such as a Job's generated selector.
    obj.metadata.uid = uuidV4(this.#uids);
    if (obj.kind === 'Pod') admitDefaultTolerations(obj);
    if (obj.kind === 'Job') defaultJobSelector(obj, obj.metadata.uid);
    // generateName: the name is chosen now (SimpleNameGenerator: prefix cut to 58 + 5 random
    // characters) so validation sees it; a collision is retried, as RetryGenerateName does.
    const generated = !obj.metadata.name && typeof obj.metadata.generateName === 'string' && obj.metadata.generateName !== '';
    if (generated) obj.metadata.name = this.#generateName(obj.metadata.generateName!);
    const undo = await this.#admit(obj, undefined);
    try {
      const errs = validateObject(obj, this.validation);
      if (errs.length) throw errors.invalid(obj.kind, obj.metadata.name ?? obj.metadata.generateName ?? '', errs);
      let out: T | undefined;
      for (let attempt = 1; out === undefined; attempt++) {
        try {
          out = await this.backend.create(obj);
        } catch (e) {
          if (!generated || attempt >= GENERATE_NAME_ATTEMPTS || !(isStatusError(e) && e.reason === 'AlreadyExists')) throw e;
          obj.metadata.name = this.#generateName(obj.metadata.generateName!);
        }
      }
      for (const p of this.#plugins) p.stored?.(obj);
      return out;
    } catch (e) {
      for (const u of undo.reverse()) u();
      throw e;
    }
  }

  async update<T extends KubeObject>(obj: T): Promise<T> {
    const old = await this.backend.get<T>(obj.kind, obj.metadata.namespace, obj.metadata.name!);
    // As the registry's BeforeUpdate: system fields a client may omit come from the stored object.
    const m = obj.metadata;
    const om = old.metadata;
    if (m.uid === undefined) m.uid = om.uid;
    if (m.creationTimestamp === undefined) m.creationTimestamp = om.creationTimestamp;
    if (m.generation === undefined) m.generation = om.generation;
    if (m.deletionTimestamp === undefined && om.deletionTimestamp !== undefined) m.deletionTimestamp = om.deletionTimestamp;
    applyDefaults(obj);
    const undo = await this.#admit(obj, old);
    try {
      const errs = validateObjectUpdate(obj, old, this.validation);
      if (errs.length) throw errors.invalid(obj.kind, obj.metadata.name ?? '', errs);
      const out = await this.backend.update(obj);
      for (const p of this.#plugins) p.stored?.(obj);
      return out;
    } catch (e) {
      for (const u of undo.reverse()) u();
      throw e;
    }
  }

  #generateName(prefix: string): string {
    return `${prefix.slice(0, 58)}${this.#names.suffix(5)}`;
  }

  async #admit(obj: KubeObject, old: KubeObject | undefined): Promise<(() => void)[]> {
    const undo: (() => void)[] = [];
    try {
      for (const p of this.#plugins) {
        const u = await p.admit?.(obj, old);
        if (u) undo.push(u);
      }
    } catch (e) {
      for (const u of undo.reverse()) u();
      throw e;
    }
    return undo;
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
