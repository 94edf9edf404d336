// The pod-template-hash, as kube-controller-manager's controller.ComputeHash: FNV-1a (32 bit)
// over the printed pod template, plus the collision count, encoded with SafeEncodeString.
//
// Upstream prints the template with Go's deep-hash printer (spew `%#v` of the Go struct), so
// exact hashes cannot match a real cluster. We print the template as canonical JSON (sorted
// keys, undefined dropped): deterministic, and of the same shape (9-10 characters from
// `bcdfghjklmnpqrstvwxz2456789`, in practice from `456789bcdf`, e.g. `6c6d8f7b9`).
import type { PodTemplateSpec } from '../api/types.js';
import { SUFFIX_ALPHABET } from '../sim/random.js';

/** The label the Deployment controller adds to a ReplicaSet's selector, template and pods. */
export const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';

const encoder = new TextEncoder();

/** JSON with object keys sorted and undefined members dropped, as Go's encoding/json prints maps. */
export function canonicalJSON(value: unknown): string {
  if (value === null || typeof value !== 'object') return value === undefined ? 'null' : JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJSON(v))).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const parts: string[] = [];
  for (const k of Object.keys(obj).sort()) {
    if (obj[k] === undefined) continue;
    parts.push(`${JSON.stringify(k)}:${canonicalJSON(obj[k])}`);
  }
  return `{${parts.join(',')}}`;
}

/** Equality of two JSON-like values as their canonical JSON would compare (undefined members count as absent). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i] ?? null, b[i] ?? null)) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let n = 0;
  for (const k in x) {
    if (x[k] === undefined) continue;
    n++;
    if (!jsonEqual(x[k], y[k])) return false;
  }
  for (const k in y) if (y[k] !== undefined) n--;
  return n === 0;
}

/** FNV-1a 32-bit over bytes, continuing from `h` (Go's hash/fnv New32a). */
export function fnv32a(bytes: Uint8Array, h = 0x811c9dc5): number {
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i]!;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** FNV-1 32-bit over bytes, continuing from `h` (Go's hash/fnv New32, used for ControllerRevisions). */
export function fnv32(bytes: Uint8Array, h = 0x811c9dc5): number {
  for (let i = 0; i < bytes.length; i++) {
    h = Math.imul(h, 0x01000193);
    h ^= bytes[i]!;
  }
  return h >>> 0;
}

/** apimachinery's rand.SafeEncodeString: each byte mapped into the no-vowel alphabet. */
export function safeEncodeString(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += SUFFIX_ALPHABET[s.charCodeAt(i) % SUFFIX_ALPHABET.length];
  return out;
}

// The cache objects are immutable snapshots, so a template's printed form can be memoised.
const printed = new WeakMap<object, string>();

/** Canonical printed form of a pod template (memoised per object). */
export function printTemplate(template: PodTemplateSpec): string {
  let s = printed.get(template);
  if (s === undefined) {
    s = canonicalJSON(template);
    printed.set(template, s);
  }
  return s;
}

/** controller.ComputeHash: the pod-template-hash of `template` with an optional collision count. */
export function computeHash(template: PodTemplateSpec, collisionCount?: number): string {
  let h = fnv32a(encoder.encode(printTemplate(template)));
  if (collisionCount !== undefined && collisionCount !== null) {
    // As upstream: an 8-byte buffer with the count little-endian in its first 4 bytes.
    const buf = new Uint8Array(8);
    new DataView(buf.buffer).setUint32(0, collisionCount >>> 0, true);
    h = fnv32a(buf, h);
  }
  return safeEncodeString(String(h));
}

/** history.HashControllerRevision: FNV-1 over the revision's patch bytes, then the probe in decimal. */
export function hashControllerRevision(patch: string, probe?: number): string {
  let h = fnv32(encoder.encode(patch));
  if (probe !== undefined) h = fnv32(encoder.encode(String(probe)), h);
  return safeEncodeString(String(h));
}

/** Template equality ignoring the pod-template-hash label (deployment util's EqualIgnoreHash). */
export function equalIgnoreHash(a: PodTemplateSpec | undefined, b: PodTemplateSpec | undefined): boolean {
  if (!a || !b) return a === b;
  return printTemplate(withoutHash(a)) === printTemplate(withoutHash(b));
}

const stripped = new WeakMap<object, PodTemplateSpec>();

function withoutHash(t: PodTemplateSpec): PodTemplateSpec {
  const labels = t.metadata?.labels;
  if (!labels || !(POD_TEMPLATE_HASH_LABEL in labels)) return t;
  let s = stripped.get(t);
  if (!s) {
    const { [POD_TEMPLATE_HASH_LABEL]: _, ...rest } = labels;
    s = { ...t, metadata: { ...t.metadata, labels: rest } };
    stripped.set(t, s);
  }
  return s;
}
