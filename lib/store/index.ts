// The object store: the Store contract, the in-memory backend, field selectors and informers.
export type {
  DeleteOptions,
  ListOptions,
  ListResult,
  Store,
  Watch,
  WatchEvent,
  WatchEventType,
  WatchOptions,
} from './store.js';
export { MemoryStore, ObjectIndex, SortedKeys, deepEqual, uuidV4 } from './memory.js';
export type { IndexFunc, IndexQuery, MemoryStoreOptions } from './memory.js';
export { everythingFields, fieldGetter, fieldValue, parseFieldSelector, selectableFields } from './fieldselector.js';
export type { FieldOperator, FieldRequirement, FieldSelector } from './fieldselector.js';
export { Informer } from './informer.js';
export type { Lister } from './informer.js';
