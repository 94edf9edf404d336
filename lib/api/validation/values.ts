// Reading untyped manifest values without ever throwing: a value of the wrong JSON type becomes
// one FieldError at its path (the API server would fail to decode it) and reads as absent.
import { type FieldError, field } from '../errors.js';

/** A JSON object of a manifest. */
export type Obj = Record<string, unknown>;

/** A FieldError list that validation functions append to. */
export type Errs = FieldError[];

/** True for a JSON object (not null, not a list). */
export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `a.b` as field.Path.Child prints it (an empty parent is the root). */
export const child = (path: string, name: string): string => (path ? `${path}.${name}` : name);
/** `a[3]` as field.Path.Index prints it. */
export const index = (path: string, i: number): string => `${path}[${i}]`;
/** `a[key]` as field.Path.Key prints it: the key is not quoted. */
export const key = (path: string, k: string): string => `${path}[${k}]`;

const absent = (v: unknown) => v === undefined || v === null;

/** An object field; a non-object is reported and read as absent. */
export function obj(v: unknown, path: string, errs: Errs): Obj | undefined {
  if (absent(v)) return undefined;
  if (isObj(v)) return v;
  errs.push(field.typeInvalid(path, v, 'must be of type object'));
  return undefined;
}

/** A list field; a non-list is reported and read as absent. */
export function arr(v: unknown, path: string, errs: Errs): unknown[] | undefined {
  if (absent(v)) return undefined;
  if (Array.isArray(v)) return v;
  errs.push(field.typeInvalid(path, v, 'must be of type array'));
  return undefined;
}

/** A string field; a non-string is reported and read as absent. */
export function str(v: unknown, path: string, errs: Errs): string | undefined {
  if (absent(v)) return undefined;
  if (typeof v === 'string') return v;
  errs.push(field.typeInvalid(path, v, 'must be of type string'));
  return undefined;
}

/** An integer field (Go int32/int64); a fraction or non-number is reported and read as absent. */
export function int(v: unknown, path: string, errs: Errs): number | undefined {
  if (absent(v)) return undefined;
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  errs.push(field.typeInvalid(path, v, 'must be of type integer'));
  return undefined;
}

/** A boolean field; anything else is reported and read as absent. */
export function bool(v: unknown, path: string, errs: Errs): boolean | undefined {
  if (absent(v)) return undefined;
  if (typeof v === 'boolean') return v;
  errs.push(field.typeInvalid(path, v, 'must be of type boolean'));
  return undefined;
}

/** An intstr.IntOrString field: an integer or a string. */
export function intOrString(v: unknown, path: string, errs: Errs): number | string | undefined {
  if (absent(v)) return undefined;
  if (typeof v === 'string' || (typeof v === 'number' && Number.isInteger(v))) return v;
  errs.push(field.typeInvalid(path, v, 'must be of type integer or string'));
  return undefined;
}

/** A map[string]string field: a non-map is reported; non-string values are reported and dropped. */
export function strMap(v: unknown, path: string, errs: Errs): Record<string, string> | undefined {
  if (absent(v)) return undefined;
  if (!isObj(v)) {
    errs.push(field.typeInvalid(path, v, 'must be of type object'));
    return undefined;
  }
  const out: Record<string, string> = {};
  for (const k of Object.keys(v).sort()) {
    const val = v[k];
    if (typeof val === 'string') out[k] = val;
    else errs.push(field.typeInvalid(key(path, k), val, 'must be of type string'));
  }
  return out;
}

/** A list of strings: non-string items are reported and dropped. */
export function strList(v: unknown, path: string, errs: Errs): string[] | undefined {
  const a = arr(v, path, errs);
  if (!a) return undefined;
  const out: string[] = [];
  a.forEach((s, i) => {
    if (typeof s === 'string') out.push(s);
    else errs.push(field.typeInvalid(index(path, i), s, 'must be of type string'));
  });
  return out;
}

/** Iterates the object items of a list, reporting non-objects; `fn` gets each item with its path. */
export function eachObj(list: unknown[] | undefined, path: string, errs: Errs, fn: (o: Obj, p: string, i: number) => void): void {
  list?.forEach((item, i) => {
    const p = index(path, i);
    if (isObj(item)) fn(item, p, i);
    else errs.push(field.typeInvalid(p, item, 'must be of type object'));
  });
}

/** Go's len(s): bytes of the UTF-8 encoding. */
export function byteLen(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** Structural equality of JSON values, as apiequality.Semantic.DeepEqual for manifests. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => deepEqual(x, b[i]));
  }
  if (isObj(a) && isObj(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    if (ka.length !== kb.length) return false;
    return ka.every((k) => deepEqual(a[k], b[k]));
  }
  return false;
}
