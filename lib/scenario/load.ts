// Loads a Scenario file (spec/scenario.md §1): the Scenario document, inline objects,
// included manifests and extra documents; defaults and validates everything, and reports
// every problem at once with file, document and field path.
import { dirname, relative, resolve } from 'node:path';
import { type FieldError, StatusError } from '../api/errors.js';
import type { KubeObject } from '../api/meta.js';
import { kindInfo } from '../api/types.js';
import { applyDefaults, defaultJobSelector } from '../api/defaults.js';
import { validateObject } from '../api/validation/index.js';
import { parseDuration } from '../sim/clock.js';
import { parseClusterSettings } from './cluster.js';
import { readDocuments } from './documents.js';
import type { Check, Origin, Scenario, SourcedObject, TimelineEntry } from './types.js';

export interface LoadOptions {
  /** Ignore objects of kinds netsim does not model instead of failing. */
  allowUnknown?: boolean;
}

/** Every problem found while loading, one line each; exit code 2. */
export class ScenarioError extends StatusError {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super('Invalid', problems.join('\n'));
    this.problems = problems;
  }
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

const SCENARIO_KEYS = new Set(['apiVersion', 'kind', 'metadata', 'cluster', 'objects', 'include', 'timeline', 'checks', 'benchmark']);

/** Loads and validates a scenario file; throws ScenarioError listing every problem. */
export function loadScenario(path: string, opts: LoadOptions = {}): Scenario {
  const shown = path;
  const problems: string[] = [];
  const read = readDocuments(path, shown);
  problems.push(...read.errors);
  if (read.documents.length === 0) {
    if (problems.length === 0) problems.push(`${shown}: the file has no documents; expected a Scenario (apiVersion: netsim/v1alpha1, kind: Scenario)`);
    throw new ScenarioError(problems);
  }
  const first = read.documents[0]!;
  const doc: Obj = isObj(first.value) ? first.value : {};
  const at = (path: string) => `${shown}: document ${first.index}${path ? `: ${path}` : ''}`;
  const report = (origin: string, errs: FieldError[]) => {
    for (const e of errs) problems.push(`${origin}: ${e.toString()}`);
  };

  if (doc.apiVersion !== 'netsim/v1alpha1' || doc.kind !== 'Scenario') {
    problems.push(`${at('')}: the first document must be apiVersion: netsim/v1alpha1, kind: Scenario (found apiVersion: ${JSON.stringify(doc.apiVersion ?? null)}, kind: ${JSON.stringify(doc.kind ?? null)})`);
  }
  for (const key of Object.keys(doc)) {
    if (!SCENARIO_KEYS.has(key)) problems.push(`${at(key)}: unknown field "${key}"`);
  }
  const meta: Obj = isObj(doc.metadata) ? doc.metadata : {};
  const name = typeof meta.name === 'string' && meta.name ? meta.name : baseName(shown);

  const clusterErrs: FieldError[] = [];
  const cluster = parseClusterSettings(doc.cluster, clusterErrs);
  report(at(''), clusterErrs);

  const unknownKinds: string[] = [];
  const objects: SourcedObject[] = [];
  const addObject = (value: unknown, origin: Origin) => {
    const where = `${origin.file}: document ${origin.document}${origin.path ? `: ${origin.path}` : ''}`;
    for (const { object, path } of expandList(value, origin.path)) {
      const o: Origin = { ...origin, path };
      const loc = `${origin.file}: document ${origin.document}${path ? `: ${path}` : ''}`;
      if (!isObj(object)) {
        problems.push(`${loc}: not a Kubernetes object (expected a mapping with apiVersion and kind)`);
        continue;
      }
      const kind = object.kind;
      if (typeof kind !== 'string' || kind === '') {
        problems.push(`${loc}: kind: Required value: every object needs a kind`);
        continue;
      }
      if (kind === 'Scenario') {
        problems.push(`${loc}: a Scenario must be the first document of its file, and there is only one`);
        continue;
      }
      const info = kindInfo(kind);
      if (!info) {
        if (!opts.allowUnknown) unknownKinds.push(`${loc}: kind ${JSON.stringify(kind)} (apiVersion ${JSON.stringify(object.apiVersion ?? '')}) is not supported by netsim; use --allow-unknown to ignore it`);
        continue;
      }
      if (object.apiVersion !== info.apiVersion) {
        problems.push(`${loc}: apiVersion: Unsupported value: ${JSON.stringify(object.apiVersion ?? null)}: ${kind} is served as ${JSON.stringify(info.apiVersion)}`);
        continue;
      }
      if (!isObj(object.metadata)) object.metadata = {};
      const obj = object as unknown as KubeObject;
      applyDefaults(obj);
      // Static validation only: what depends on the cluster's ranges and on other objects
      // (a cluster IP outside the range, a node port taken) is the API server's to refuse when
      // the object is created, and `run` reports it. The API server also allocates a
      // LoadBalancer's health-check node port before it validates, so its absence is fine here.
      // A Job's selector is generated by the API server from its uid (unless manualSelector).
      const checked = obj.kind === 'Job' ? jobWithGeneratedSelector(obj) : obj;
      const errs = validateObject(checked).filter((e) => !(e.field === 'spec.healthCheckNodePort' && e.type === 'FieldValueRequired'));
      const label = `${kind} ${JSON.stringify(objectName(obj))}`;
      report(`${loc} (${label})`, errs);
      if (errs.length === 0) objects.push({ object: obj, origin: o });
    }
    void where;
  };

  // Inline objects.
  if (doc.objects !== undefined) {
    if (!Array.isArray(doc.objects)) problems.push(`${at('objects')}: Invalid value: must be a list of Kubernetes objects`);
    else {
      for (const [i, o] of doc.objects.entries()) addObject(o, { file: shown, document: first.index, path: `objects[${i}]` });
    }
  }
  // Included manifest files, relative to the scenario file.
  if (doc.include !== undefined) {
    if (!Array.isArray(doc.include)) problems.push(`${at('include')}: Invalid value: must be a list of file paths`);
    else {
      doc.include.forEach((p, i) => {
        if (typeof p !== 'string' || p === '') { problems.push(`${at(`include[${i}]`)}: Invalid value: must be a file path`); return; }
        const full = resolve(dirname(path), p);
        const incShown = displayPath(full);
        const inc = readDocuments(full, incShown);
        if (inc.errors.length) problems.push(...inc.errors.map((e) => `${at(`include[${i}]`)}: ${e}`));
        for (const d of inc.documents) addObject(d.value, { file: incShown, document: d.index, path: '' });
      });
    }
  }
  // Further documents in the scenario file are objects too.
  for (const d of read.documents.slice(1)) addObject(d.value, { file: shown, document: d.index, path: '' });

  problems.push(...unknownKinds);
  const duplicates = findDuplicates(objects);
  problems.push(...duplicates);

  const timeline = parseTimeline(doc.timeline, shown, first.index, problems, opts);
  // A node the timeline stops or starts must exist: a scenario node or a Node object.
  const nodeNames = new Set([...cluster.nodes.map((n) => n.name), ...objects.filter((o) => o.object.kind === 'Node').map((o) => o.object.metadata.name!)]);
  for (const tl of timeline) if (tl.action.type === 'apply' && tl.action.object.kind === 'Node') nodeNames.add(tl.action.object.metadata.name!);
  for (const e of timeline) {
    if (e.action.type !== 'nodeDown' && e.action.type !== 'nodeUp') continue;
    if (!nodeNames.has(e.action.node)) {
      problems.push(`${shown}: document ${first.index}: ${e.origin.path}.${e.action.type}: Not found: ${JSON.stringify(e.action.node)}: no such node in cluster.nodes or the objects`);
    }
  }
  const checks = parseChecks(doc.checks, shown, first.index, problems);

  if (problems.length) throw new ScenarioError(problems);

  // Namespaces that objects use but nobody declared are created for them (as the scenario spec says).
  const declared = new Set(['default', 'kube-system', 'kube-public', 'kube-node-lease']);
  for (const { object } of objects) if (object.kind === 'Namespace') declared.add(object.metadata.name!);
  const implicit = new Set<string>();
  for (const { object } of objects) {
    const ns = object.metadata.namespace;
    if (ns && !declared.has(ns)) implicit.add(ns);
  }

  return {
    name,
    description: typeof meta.description === 'string' ? meta.description : '',
    file: shown,
    cluster,
    objects,
    timeline,
    checks,
    implicitNamespaces: [...implicit].sort(),
    ...(doc.benchmark !== undefined ? { benchmark: doc.benchmark } : {}),
  };
}

/** A copy of a Job with the selector the API server would generate (the uid is a placeholder). */
function jobWithGeneratedSelector(job: KubeObject): KubeObject {
  const copy = structuredClone(job);
  defaultJobSelector(copy, '00000000-0000-4000-8000-000000000000');
  return copy;
}

/** Unwraps `kind: List` (and `*List` kinds such as `ServiceList`) into their items. */
function expandList(value: unknown, path: string): { object: unknown; path: string }[] {
  if (isObj(value) && typeof value.kind === 'string' && value.kind.endsWith('List') && Array.isArray(value.items)) {
    return value.items.flatMap((item, i) => expandList(item, `${path ? `${path}.` : ''}items[${i}]`));
  }
  return [{ object: value, path }];
}

function objectName(o: KubeObject): string {
  const n = o.metadata.name ?? o.metadata.generateName ?? '';
  return o.metadata.namespace ? `${o.metadata.namespace}/${n}` : n;
}

function findDuplicates(objects: SourcedObject[]): string[] {
  const seen = new Map<string, Origin>();
  const out: string[] = [];
  for (const { object, origin } of objects) {
    if (!object.metadata.name) continue;
    const key = `${object.kind}/${object.metadata.namespace ?? ''}/${object.metadata.name}`;
    const prev = seen.get(key);
    if (prev) {
      out.push(`${origin.file}: document ${origin.document}${origin.path ? `: ${origin.path}` : ''}: ${object.kind} ${JSON.stringify(objectName(object))} already exists (first defined in ${prev.file}: document ${prev.document}${prev.path ? `: ${prev.path}` : ''})`);
    } else seen.set(key, origin);
  }
  return out;
}

const TIMELINE_ACTIONS = ['scale', 'apply', 'delete', 'nodeDown', 'nodeUp'];

function parseTimeline(raw: unknown, file: string, document: number, problems: string[], opts: LoadOptions): TimelineEntry[] {
  if (raw === undefined || raw === null) return [];
  const at = (p: string) => `${file}: document ${document}: ${p}`;
  if (!Array.isArray(raw)) {
    problems.push(`${at('timeline')}: Invalid value: must be a list`);
    return [];
  }
  const out: TimelineEntry[] = [];
  raw.forEach((e: unknown, i) => {
    const p = `timeline[${i}]`;
    const origin: Origin = { file, document, path: p };
    if (!isObj(e)) { problems.push(`${at(p)}: Invalid value: must be an object`); return; }
    const t = parseTime(e.at);
    if (t === null) { problems.push(`${at(`${p}.at`)}: Invalid value: ${JSON.stringify(e.at ?? null)}: must be a duration such as 30s, 5m or 1h30m`); return; }
    const actions = Object.keys(e).filter((k) => k !== 'at');
    if (actions.length !== 1 || !TIMELINE_ACTIONS.includes(actions[0]!)) {
      problems.push(`${at(p)}: Invalid value: must have "at" and exactly one of ${TIMELINE_ACTIONS.join(', ')} (found ${actions.join(', ') || 'none'})`);
      return;
    }
    const kind = actions[0]!;
    const v = e[kind];
    if (kind === 'nodeDown' || kind === 'nodeUp') {
      if (typeof v !== 'string' || !v) { problems.push(`${at(`${p}.${kind}`)}: Invalid value: must be a node name`); return; }
      out.push({ at: t, origin, action: { type: kind, node: v } });
      return;
    }
    if (!isObj(v)) { problems.push(`${at(`${p}.${kind}`)}: Invalid value: must be an object`); return; }
    if (kind === 'apply') {
      const info = typeof v.kind === 'string' ? kindInfo(v.kind) : undefined;
      if (!info) {
        if (!opts.allowUnknown) problems.push(`${at(`${p}.apply`)}: kind ${JSON.stringify(v.kind ?? null)} is not supported by netsim`);
        return;
      }
      if (!isObj(v.metadata)) v.metadata = {};
      const obj = v as unknown as KubeObject;
      applyDefaults(obj);
      const errs = validateObject(obj);
      for (const err of errs) problems.push(`${at(`${p}.apply`)} (${obj.kind} ${JSON.stringify(objectName(obj))}): ${err.toString()}`);
      out.push({ at: t, origin, action: { type: 'apply', object: obj } });
      return;
    }
    const k = v.kind;
    const name = v.name;
    if (typeof k !== 'string' || !kindInfo(k)) { problems.push(`${at(`${p}.${kind}.kind`)}: Unsupported value: ${JSON.stringify(k ?? null)}`); return; }
    if (typeof name !== 'string' || !name) { problems.push(`${at(`${p}.${kind}.name`)}: Required value`); return; }
    const namespace = kindInfo(k)!.namespaced ? (typeof v.namespace === 'string' && v.namespace ? v.namespace : 'default') : '';
    if (kind === 'scale') {
      const r = v.replicas;
      if (typeof r !== 'number' || !Number.isInteger(r) || r < 0) { problems.push(`${at(`${p}.scale.replicas`)}: Invalid value: ${JSON.stringify(r ?? null)}: must be a non-negative integer`); return; }
      if (!['Deployment', 'ReplicaSet', 'StatefulSet', 'ReplicationController'].includes(k)) {
        problems.push(`${at(`${p}.scale.kind`)}: Unsupported value: ${JSON.stringify(k)}: supported values: "Deployment", "ReplicaSet", "ReplicationController", "StatefulSet"`);
        return;
      }
      out.push({ at: t, origin, action: { type: 'scale', kind: k, name, namespace, replicas: r } });
    } else {
      out.push({ at: t, origin, action: { type: 'delete', kind: k, name, namespace } });
    }
  });
  // Stable by time: entries at the same time keep their file order.
  return out.map((e, i) => ({ e, i })).sort((a, b) => a.e.at - b.e.at || a.i - b.i).map((x) => x.e);
}

function parseChecks(raw: unknown, file: string, document: number, problems: string[]): Check[] {
  if (raw === undefined || raw === null) return [];
  const at = (p: string) => `${file}: document ${document}: ${p}`;
  if (!Array.isArray(raw)) {
    problems.push(`${at('checks')}: Invalid value: must be a list`);
    return [];
  }
  const out: Check[] = [];
  raw.forEach((c: unknown, i) => {
    const p = `checks[${i}]`;
    if (!isObj(c)) { problems.push(`${at(p)}: Invalid value: must be an object`); return; }
    const kinds = (['flow', 'dns', 'http'] as const).filter((k) => c[k] !== undefined);
    if (kinds.length !== 1) { problems.push(`${at(p)}: Invalid value: must have exactly one of flow, dns, http`); return; }
    const kind = kinds[0]!;
    const spec = c[kind];
    if (!isObj(spec)) { problems.push(`${at(`${p}.${kind}`)}: Invalid value: must be an object`); return; }
    if (!isObj(c.expect)) { problems.push(`${at(`${p}.expect`)}: Required value`); return; }
    const bad = expectationProblems(kind, c.expect, `${p}.expect`);
    if (bad.length) {
      for (const b of bad) problems.push(`${at(b)}`);
      return;
    }
    let t: number | undefined;
    if (c.at !== undefined) {
      const parsed = parseTime(c.at);
      if (parsed === null) { problems.push(`${at(`${p}.at`)}: Invalid value: ${JSON.stringify(c.at)}: must be a duration such as 30s`); return; }
      t = parsed;
    }
    const name = typeof c.name === 'string' && c.name ? c.name : `${kind} check ${i + 1}`;
    out.push({ name, ...(t === undefined ? {} : { at: t }), origin: { file, document, path: p }, kind, spec, expect: c.expect });
  });
  return out;
}

const VERDICTS = ['ACCEPT', 'REJECT', 'DROP', 'NO_ROUTE'];
const RCODES = ['NOERROR', 'NXDOMAIN', 'SERVFAIL', 'REFUSED', 'FORMERR', 'NOTIMP'];

/** Values of `expect` that can never match are input errors, not failed checks. */
function expectationProblems(kind: string, expect: Obj, path: string): string[] {
  const out: string[] = [];
  const oneOf = (key: string, allowed: string[]) => {
    const v = expect[key];
    if (v !== undefined && (typeof v !== 'string' || !allowed.includes(v))) {
      out.push(`${path}.${key}: Unsupported value: ${JSON.stringify(v)}: supported values: ${allowed.map((a) => JSON.stringify(a)).join(', ')}`);
    }
  };
  const list = (key: string) => {
    const v = expect[key];
    if (v !== undefined && !(Array.isArray(v) && v.every((x) => typeof x === 'string'))) out.push(`${path}.${key}: Invalid value: ${JSON.stringify(v)}: must be a list of strings`);
  };
  if (kind === 'flow') {
    oneOf('verdict', VERDICTS);
    list('endpoints');
    if (expect.masquerade !== undefined && typeof expect.masquerade !== 'boolean') out.push(`${path}.masquerade: Invalid value: ${JSON.stringify(expect.masquerade)}: must be true or false`);
  } else if (kind === 'dns') {
    oneOf('rcode', RCODES);
    list('answers');
  }
  return out;
}

function parseTime(v: unknown): number | null {
  if (typeof v === 'number' && v >= 0) return v * 1000; // bare numbers are seconds
  if (typeof v !== 'string') return null;
  return parseDuration(v);
}

/** A path relative to the working directory when it is below it, else absolute. */
function displayPath(full: string): string {
  const rel = relative(process.cwd(), full);
  return rel && !rel.startsWith('..') ? rel : full;
}

function baseName(file: string): string {
  return file.replace(/^.*\//, '').replace(/\.(ya?ml|json)$/, '');
}
