// Field selectors as the API server supports them: a per-kind set of selectable fields
// (the field label conversion funcs of pkg/apis/core/v1), terms `f=v`, `f==v`, `f!=v`,
// joined by commas (AND). A field the kind does not support is a BadRequest, as the API server.
import type { KubeObject } from '../api/meta.js';
import { errors } from '../api/errors.js';

export type FieldOperator = '=' | '==' | '!=';

export interface FieldRequirement {
  readonly field: string;
  readonly operator: FieldOperator;
  readonly value: string;
}

/** A parsed field selector for one kind. */
export interface FieldSelector {
  readonly requirements: readonly FieldRequirement[];
  /** True when the object's selectable fields satisfy every requirement. */
  matches(obj: KubeObject): boolean;
  /** True for the empty selector (matches everything). */
  empty(): boolean;
  /** Canonical text, terms sorted as apimachinery sorts them. */
  toString(): string;
}

type FieldGetter = (obj: KubeObject) => string;

// Missing values read as "" (as fields.Set.Get); booleans print as Go's strconv.FormatBool.
const str = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));
const bool = (v: unknown): string => (v === true ? 'true' : 'false');
const sub = (o: KubeObject, k: string): Record<string, unknown> | undefined => {
  const v = o[k];
  return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : undefined;
};

const META_FIELDS: Record<string, FieldGetter> = {
  'metadata.name': (o) => str(o.metadata.name),
  'metadata.namespace': (o) => str(o.metadata.namespace),
};

// Per-kind selectable fields, as the API server's field label conversions for core/v1.
const KIND_FIELDS: Record<string, Record<string, FieldGetter>> = {
  Pod: {
    'spec.nodeName': (o) => str(sub(o, 'spec')?.nodeName),
    'spec.restartPolicy': (o) => str(sub(o, 'spec')?.restartPolicy),
    'spec.schedulerName': (o) => str(sub(o, 'spec')?.schedulerName),
    'spec.serviceAccountName': (o) => str(sub(o, 'spec')?.serviceAccountName),
    'spec.hostNetwork': (o) => bool(sub(o, 'spec')?.hostNetwork),
    'status.phase': (o) => str(sub(o, 'status')?.phase),
    'status.podIP': (o) => str(sub(o, 'status')?.podIP),
    'status.nominatedNodeName': (o) => str(sub(o, 'status')?.nominatedNodeName),
  },
  Node: {
    'spec.unschedulable': (o) => bool(sub(o, 'spec')?.unschedulable),
  },
  Namespace: {
    'status.phase': (o) => str(sub(o, 'status')?.phase),
  },
  Service: {
    'spec.clusterIP': (o) => str(sub(o, 'spec')?.clusterIP),
    'spec.type': (o) => str(sub(o, 'spec')?.type),
  },
  Event: {
    'involvedObject.kind': (o) => str(sub(o, 'involvedObject')?.kind),
    'involvedObject.namespace': (o) => str(sub(o, 'involvedObject')?.namespace),
    'involvedObject.name': (o) => str(sub(o, 'involvedObject')?.name),
    'involvedObject.uid': (o) => str(sub(o, 'involvedObject')?.uid),
    'involvedObject.apiVersion': (o) => str(sub(o, 'involvedObject')?.apiVersion),
    'involvedObject.resourceVersion': (o) => str(sub(o, 'involvedObject')?.resourceVersion),
    'involvedObject.fieldPath': (o) => str(sub(o, 'involvedObject')?.fieldPath),
    reason: (o) => str(o.reason),
    reportingComponent: (o) => str(o.reportingComponent),
    source: (o) => str(sub(o, 'source')?.component),
    type: (o) => str(o.type),
  },
};

/** The field getter for `field` of `kind`, or undefined when the API server would reject it. */
export function fieldGetter(kind: string, field: string): FieldGetter | undefined {
  return META_FIELDS[field] ?? KIND_FIELDS[kind]?.[field];
}

/** The selectable fields of a kind, sorted. */
export function selectableFields(kind: string): string[] {
  return [...Object.keys(META_FIELDS), ...Object.keys(KIND_FIELDS[kind] ?? {})].sort();
}

/** The value of one selectable field ("" when unset); throws BadRequest for an unsupported field. */
export function fieldValue(kind: string, obj: KubeObject, field: string): string {
  const get = fieldGetter(kind, field);
  if (!get) throw errors.badRequest(`field label not supported: ${field}`);
  return get(obj);
}

/**
 * Parses a field selector for `kind`. Empty text selects everything. Throws StatusError
 * BadRequest for malformed terms or fields the kind does not support.
 */
export function parseFieldSelector(kind: string, text: string): FieldSelector {
  const reqs: FieldRequirement[] = [];
  const getters: FieldGetter[] = [];
  // apimachinery sorts the raw terms before parsing: errors and toString follow that order.
  const parts = splitTerms(text).sort();
  for (const part of parts) {
    if (part === '') continue;
    const parsed = parseTerm(part);
    if (!parsed) throw errors.badRequest(`invalid selector: '${text}'; can't understand '${part}'`);
    const get = fieldGetter(kind, parsed.field);
    if (!get) throw errors.badRequest(`field label not supported: ${parsed.field}`);
    reqs.push(parsed);
    getters.push(get);
  }
  return new ParsedFieldSelector(reqs, getters);
}

/** The selector that matches every object. */
export const everythingFields: FieldSelector = {
  requirements: [],
  matches: () => true,
  empty: () => true,
  toString: () => '',
};

class ParsedFieldSelector implements FieldSelector {
  constructor(
    readonly requirements: readonly FieldRequirement[],
    private readonly getters: readonly FieldGetter[],
  ) {}
  matches(obj: KubeObject): boolean {
    for (let i = 0; i < this.requirements.length; i++) {
      const r = this.requirements[i]!;
      const v = this.getters[i]!(obj);
      if (r.operator === '!=' ? v === r.value : v !== r.value) return false;
    }
    return true;
  }
  empty(): boolean {
    return this.requirements.length === 0;
  }
  toString(): string {
    return this.requirements.map((r) => `${r.field}${r.operator}${escapeValue(r.value)}`).join(',');
  }
}

// Commas separate terms unless escaped with a backslash (fields.ParseSelector).
function splitTerms(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\' && i + 1 < text.length) {
      cur += c + text[i + 1];
      i++;
    } else if (c === ',') {
      out.push(cur);
      cur = '';
    } else {
      cur += c;
    }
  }
  out.push(cur);
  return out;
}

// As apimachinery's splitTerm: the first position where `!=`, `==` or `=` starts splits the
// term (no escaping on the field side); the value is unescaped.
function parseTerm(part: string): FieldRequirement | undefined {
  for (let i = 0; i < part.length; i++) {
    for (const op of ['!=', '==', '='] as const) {
      if (part.startsWith(op, i)) return { field: part.slice(0, i), operator: op, value: unescapeValue(part.slice(i + op.length)) };
    }
  }
  return undefined;
}

function unescapeValue(v: string): string {
  if (!v.includes('\\')) return v;
  let out = '';
  for (let i = 0; i < v.length; i++) {
    const c = v[i]!;
    if (c === '\\') {
      const n = v[i + 1];
      if (n !== '\\' && n !== ',' && n !== '=') throw errors.badRequest(`invalid field selector: invalid escape sequence: ${v}`);
      out += n;
      i++;
    } else {
      out += c;
    }
  }
  return out;
}

function escapeValue(v: string): string {
  return v.replace(/[\\,=]/g, (c) => `\\${c}`);
}
