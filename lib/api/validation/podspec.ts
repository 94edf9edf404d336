// PodSpec and PodTemplateSpec validation, as core validation's ValidatePodSpec and the
// container, probe, port, toleration, DNS and affinity checks it calls, in upstream's order.
import { type FieldError, field } from '../errors.js';
import { isQualifiedName, isValidLabelValue, validateLabelSelector, validateLabels } from '../labels.js';
import { invalidGo } from './govalue.js';
import { validateIP } from './ip.js';
import { validateAnnotations } from './meta.js';
import {
  eachInvalid,
  inclusiveRangeError,
  isConfigMapKey,
  isDNS1123Label,
  isDNS1123Subdomain,
  isNegativeErrorMsg,
  isRelaxedEnvVarName,
  isValidPortName,
  isValidPortNum,
} from './names.js';
import { cmpQuantity, formatQuantity, isWholeQuantity, quantityOf } from './quantity.js';
import {
  type Errs,
  type Obj,
  arr,
  bool,
  child,
  eachObj,
  index,
  int,
  intOrString,
  isObj,
  key,
  obj,
  str,
  strList,
  strMap,
} from './values.js';

/** supportedPortProtocols, sorted as upstream lists them. */
export const PROTOCOLS = ['SCTP', 'TCP', 'UDP'] as const;

/** How a PodSpec is being validated. */
export interface PodSpecOptions {
  /** The spec is a Pod's own (not a template's): stricter hostNetwork ports, image whitespace. */
  resourceIsPod: boolean;
}

/** unversionedvalidation.ValidateLabelName: a qualified name. */
export function validateLabelName(name: string, path: string): FieldError[] {
  return eachInvalid(path, name, isQualifiedName(name));
}

/** ValidatePortNumOrName (targetPort, probe ports): 1..65535 or an IANA port name. */
export function validatePortNumOrName(port: number | string, path: string): FieldError[] {
  if (typeof port === 'number') return eachInvalid(path, port, isValidPortNum(port));
  return eachInvalid(path, port, isValidPortName(port));
}

/** Absent in Go terms: not given, null or the empty string. */
export const missing = (v: unknown): boolean => v === undefined || v === null || v === '';

function nonNegative(v: unknown, path: string, errs: Errs): number | undefined {
  const n = int(v, path, errs);
  if (n !== undefined && n < 0) errs.push(field.invalid(path, n, isNegativeErrorMsg));
  return n;
}

// ---- containers ----

function validateContainerPorts(ports: unknown, path: string, errs: Errs): void {
  const names = new Set<string>();
  eachObj(arr(ports, path, errs), path, errs, (p, pp) => {
    const name = str(p.name, child(pp, 'name'), errs) ?? '';
    if (name.length > 0) {
      const msgs = isValidPortName(name);
      if (msgs.length) errs.push(...eachInvalid(child(pp, 'name'), name, msgs));
      else if (names.has(name)) errs.push(field.duplicate(child(pp, 'name'), name));
      else names.add(name);
    }
    const cp = int(p.containerPort, child(pp, 'containerPort'), errs);
    if (cp === 0 || (cp === undefined && missing(p.containerPort))) errs.push(field.required(child(pp, 'containerPort'), ''));
    else if (cp !== undefined) errs.push(...eachInvalid(child(pp, 'containerPort'), cp, isValidPortNum(cp)));
    const hp = int(p.hostPort, child(pp, 'hostPort'), errs);
    if (hp !== undefined && hp !== 0) errs.push(...eachInvalid(child(pp, 'hostPort'), hp, isValidPortNum(hp)));
    const proto = str(p.protocol, child(pp, 'protocol'), errs) ?? '';
    if (proto === '') {
      if (missing(p.protocol)) errs.push(field.required(child(pp, 'protocol'), ''));
    } else if (!(PROTOCOLS as readonly string[]).includes(proto)) errs.push(field.notSupported(child(pp, 'protocol'), proto, PROTOCOLS));
  });
}

function validateEnv(env: unknown, path: string, errs: Errs): void {
  eachObj(arr(env, path, errs), path, errs, (e, ep) => {
    const name = str(e.name, child(ep, 'name'), errs) ?? '';
    if (name === '') errs.push(field.required(child(ep, 'name'), ''));
    else errs.push(...eachInvalid(child(ep, 'name'), name, isRelaxedEnvVarName(name)));
    const vf = obj(e.valueFrom, child(ep, 'valueFrom'), errs);
    if (!vf) return;
    const vfp = child(ep, 'valueFrom');
    const sources = ['fieldRef', 'resourceFieldRef', 'configMapKeyRef', 'secretKeyRef'].filter((k) => isObj(vf[k]));
    for (const k of ['configMapKeyRef', 'secretKeyRef']) {
      const ref = obj(vf[k], child(vfp, k), errs);
      if (!ref) continue;
      const rp = child(vfp, k);
      const refName = str(ref.name, child(rp, 'name'), errs) ?? '';
      errs.push(...eachInvalid(child(rp, 'name'), refName, isDNS1123Subdomain(refName)));
      const refKey = str(ref.key, child(rp, 'key'), errs) ?? '';
      if (refKey === '') errs.push(field.required(child(rp, 'key'), ''));
      else errs.push(...eachInvalid(child(rp, 'key'), refKey, isConfigMapKey(refKey)));
    }
    const value = typeof e.value === 'string' ? e.value : '';
    if (sources.length === 0) {
      errs.push(field.invalid(vfp, '', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'));
    } else if (value.length !== 0) {
      errs.push(field.invalid(vfp, '', 'may not be specified when `value` is not empty'));
    } else if (sources.length > 1) {
      errs.push(field.invalid(vfp, '', 'may not have more than one field specified at a time'));
    }
  });
}

const STANDARD_CONTAINER_RESOURCES = new Set(['cpu', 'memory', 'ephemeral-storage']);
const STANDARD_RESOURCES = new Set([
  'cpu',
  'memory',
  'ephemeral-storage',
  'storage',
  'pods',
  'services',
  'replicationcontrollers',
  'resourcequotas',
  'secrets',
  'configmaps',
  'persistentvolumeclaims',
  'requests.cpu',
  'requests.memory',
  'requests.storage',
  'requests.ephemeral-storage',
  'limits.cpu',
  'limits.memory',
  'limits.ephemeral-storage',
  'services.nodeports',
  'services.loadbalancers',
]);
const isHugePages = (r: string) => r.startsWith('hugepages-');
const isNative = (r: string) => !r.includes('/') || r.includes('kubernetes.io/');
const isExtended = (r: string) => !isNative(r) && !r.startsWith('requests.') && isQualifiedName(`requests.${r}`).length === 0;
// helper.IsOvercommitAllowed: native resources except hugepages.
const overcommitAllowed = (r: string) => isNative(r) && !isHugePages(r);
const isIntegerResource = (r: string) => r === 'pods' || isExtended(r);

function validateContainerResourceName(r: string, path: string): FieldError[] {
  const errs = eachInvalid(path, r, isQualifiedName(r));
  if (errs.length) return errs;
  if (!r.includes('/') && !STANDARD_RESOURCES.has(r) && !isHugePages(r)) errs.push(field.invalid(path, r, 'must be a standard resource type or fully qualified'));
  if (!r.includes('/')) {
    if (!STANDARD_CONTAINER_RESOURCES.has(r) && !isHugePages(r)) errs.push(field.invalid(path, r, 'must be a standard resource for containers'));
  } else if (!isNative(r) && !isExtended(r)) {
    errs.push(field.invalid(path, r, "doesn't follow extended resource name standard"));
  }
  return errs;
}

/** ValidateResourceRequirements: names, quantities (non-negative, whole for integer resources), requests ≤ limits. */
function validateResources(res: unknown, path: string, errs: Errs): void {
  const r = obj(res, path, errs);
  if (!r) return;
  const limPath = child(path, 'limits');
  const reqPath = child(path, 'requests');
  const limits = obj(r.limits, limPath, errs) ?? {};
  const requests = obj(r.requests, reqPath, errs) ?? {};
  const checkOne = (name: string, raw: unknown, p: string) => {
    errs.push(...validateContainerResourceName(name, p));
    const parsed = quantityOf(raw);
    if ('error' in parsed) {
      errs.push(field.invalid(p, raw, parsed.error));
      return undefined;
    }
    const q = parsed.q;
    if (q.n < 0n) errs.push(field.invalid(p, formatQuantity(q), isNegativeErrorMsg));
    if (isIntegerResource(name) && !isWholeQuantity(q)) errs.push(invalidGo(p, raw, formatQuantity(q), 'must be an integer'));
    return q;
  };
  for (const name of Object.keys(limits).sort()) checkOne(name, limits[name], key(limPath, name));
  for (const name of Object.keys(requests).sort()) {
    const q = checkOne(name, requests[name], key(reqPath, name));
    if (!q) continue;
    if (name in limits) {
      const limParsed = quantityOf(limits[name]);
      if ('error' in limParsed) continue;
      const lim = limParsed.q;
      const c = cmpQuantity(q, lim);
      if (c !== 0 && !overcommitAllowed(name)) {
        errs.push(field.invalid(reqPath, formatQuantity(q), `must be equal to ${name} limit of ${formatQuantity(lim)}`));
      } else if (c > 0) {
        errs.push(field.invalid(reqPath, formatQuantity(q), `must be less than or equal to ${name} limit of ${formatQuantity(lim)}`));
      }
    } else if (!overcommitAllowed(name)) {
      errs.push(field.required(limPath, 'Limit must be set for non overcommitable resources'));
    }
  }
}

function validateHandler(h: Obj, path: string, errs: Errs, withSleep: boolean): void {
  let handlers = 0;
  const kinds = withSleep ? ['exec', 'httpGet', 'tcpSocket', 'grpc', 'sleep'] : ['exec', 'httpGet', 'tcpSocket', 'grpc'];
  for (const kind of kinds) {
    const v = h[kind];
    if (v === undefined || v === null) continue;
    const hp = child(path, kind);
    if (handlers > 0) {
      errs.push(field.forbidden(hp, 'may not specify more than 1 handler type'));
      continue;
    }
    handlers++;
    const a = obj(v, hp, errs) ?? {};
    if (kind === 'exec') {
      const cmd = strList(a.command, child(hp, 'command'), errs);
      if (!cmd || cmd.length === 0) errs.push(field.required(child(hp, 'command'), ''));
    } else if (kind === 'httpGet') {
      const p = str(a.path, child(hp, 'path'), errs) ?? '';
      if (p === '') errs.push(field.required(child(hp, 'path'), ''));
      const port = intOrString(a.port, child(hp, 'port'), errs);
      if (port !== undefined || missing(a.port)) errs.push(...validatePortNumOrName(port ?? 0, child(hp, 'port')));
      const scheme = str(a.scheme, child(hp, 'scheme'), errs) ?? '';
      if (scheme !== 'HTTP' && scheme !== 'HTTPS') errs.push(field.notSupported(child(hp, 'scheme'), scheme, ['HTTP', 'HTTPS']));
    } else if (kind === 'tcpSocket') {
      const port = intOrString(a.port, child(hp, 'port'), errs);
      if (port !== undefined || missing(a.port)) errs.push(...validatePortNumOrName(port ?? 0, child(hp, 'port')));
    } else if (kind === 'grpc') {
      const port = int(a.port, child(hp, 'port'), errs);
      if (port !== undefined || missing(a.port)) errs.push(...validatePortNumOrName(port ?? 0, child(hp, 'port')));
    }
  }
  if (handlers === 0) errs.push(field.required(path, 'must specify a handler type'));
}

function validateProbe(probe: unknown, path: string, errs: Errs, kind: 'liveness' | 'readiness' | 'startup'): void {
  const p = obj(probe, path, errs);
  if (!p) return;
  validateHandler(p, path, errs, false);
  nonNegative(p.initialDelaySeconds, child(path, 'initialDelaySeconds'), errs);
  nonNegative(p.timeoutSeconds, child(path, 'timeoutSeconds'), errs);
  nonNegative(p.periodSeconds, child(path, 'periodSeconds'), errs);
  const success = nonNegative(p.successThreshold, child(path, 'successThreshold'), errs);
  nonNegative(p.failureThreshold, child(path, 'failureThreshold'), errs);
  const tgps = int(p.terminationGracePeriodSeconds, child(path, 'terminationGracePeriodSeconds'), errs);
  if (tgps !== undefined && tgps <= 0) errs.push(field.invalid(child(path, 'terminationGracePeriodSeconds'), tgps, 'must be greater than 0'));
  if (kind === 'readiness' && tgps !== undefined) {
    errs.push(field.invalid(child(path, 'terminationGracePeriodSeconds'), tgps, 'must not be set for readinessProbes'));
  }
  if (kind !== 'readiness' && (success ?? 0) !== 1) errs.push(field.invalid(child(path, 'successThreshold'), success ?? 0, 'must be 1'));
}

const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'];
const TERMINATION_MESSAGE_POLICIES = ['File', 'FallbackToLogsOnError'];

/** validateContainerCommon: what every container (regular or init) must satisfy. */
function validateContainerCommon(c: Obj, path: string, errs: Errs): void {
  const name = str(c.name, child(path, 'name'), errs) ?? '';
  if (name === '') errs.push(field.required(child(path, 'name'), ''));
  else errs.push(...eachInvalid(child(path, 'name'), name, isDNS1123Label(name)));
  const image = str(c.image, child(path, 'image'), errs) ?? '';
  if (image === '') errs.push(field.required(child(path, 'image'), ''));
  const tmp = str(c.terminationMessagePolicy, child(path, 'terminationMessagePolicy'), errs) ?? '';
  if (tmp === '') errs.push(field.required(child(path, 'terminationMessagePolicy'), ''));
  else if (!TERMINATION_MESSAGE_POLICIES.includes(tmp)) errs.push(field.notSupported(child(path, 'terminationMessagePolicy'), tmp, TERMINATION_MESSAGE_POLICIES));
  validateContainerPorts(c.ports, child(path, 'ports'), errs);
  validateEnv(c.env, child(path, 'env'), errs);
  const pull = str(c.imagePullPolicy, child(path, 'imagePullPolicy'), errs) ?? '';
  if (pull === '') errs.push(field.required(child(path, 'imagePullPolicy'), ''));
  else if (!PULL_POLICIES.includes(pull)) errs.push(field.notSupported(child(path, 'imagePullPolicy'), pull, PULL_POLICIES));
  validateResources(c.resources, child(path, 'resources'), errs);
}

/** AccumulateUniqueHostPorts: protocol/hostIP/hostPort may be used once. */
function checkHostPortConflicts(containers: { c: Obj; i: number }[], path: string, errs: Errs): void {
  const seen = new Set<string>();
  for (const { c, i } of containers) {
    const ports = Array.isArray(c.ports) ? c.ports : [];
    ports.forEach((p, pi) => {
      if (!isObj(p) || typeof p.hostPort !== 'number' || p.hostPort === 0) return;
      const k = `${typeof p.protocol === 'string' ? p.protocol : ''}/${typeof p.hostIP === 'string' ? p.hostIP : ''}/${p.hostPort}`;
      if (seen.has(k)) errs.push(field.duplicate(child(index(child(index(path, i), 'ports'), pi), 'hostPort'), k));
      else seen.add(k);
    });
  }
}

function validateContainers(list: unknown, path: string, errs: Errs): Set<string> {
  const names = new Set<string>();
  const containers = arr(list, path, errs);
  if (!containers || containers.length === 0) {
    if (!(list !== undefined && list !== null && !Array.isArray(list))) errs.push(field.required(path, ''));
    return names;
  }
  const all: { c: Obj; i: number }[] = [];
  eachObj(containers, path, errs, (c, cp, i) => {
    all.push({ c, i });
    validateContainerCommon(c, cp, errs);
    const name = typeof c.name === 'string' ? c.name : '';
    if (names.has(name)) errs.push(field.duplicate(child(cp, 'name'), name));
    else names.add(name);
    validateProbe(c.livenessProbe, child(cp, 'livenessProbe'), errs, 'liveness');
    validateProbe(c.readinessProbe, child(cp, 'readinessProbe'), errs, 'readiness');
    validateProbe(c.startupProbe, child(cp, 'startupProbe'), errs, 'startup');
    if (c.restartPolicy !== undefined && c.restartPolicy !== null) errs.push(field.forbidden(child(cp, 'restartPolicy'), 'may not be set for non-init containers'));
  });
  checkHostPortConflicts(all, path, errs);
  return names;
}

function validateInitContainers(list: unknown, regular: Set<string>, path: string, errs: Errs): void {
  const names = new Set(regular);
  eachObj(arr(list, path, errs), path, errs, (c, cp, i) => {
    validateContainerCommon(c, cp, errs);
    let restartAlways = false;
    if (c.restartPolicy !== undefined && c.restartPolicy !== null) {
      if (c.restartPolicy !== 'Always') errs.push(field.notSupported(child(cp, 'restartPolicy'), c.restartPolicy, ['Always']));
      restartAlways = c.restartPolicy === 'Always';
    }
    const name = typeof c.name === 'string' ? c.name : '';
    if (names.has(name)) errs.push(field.duplicate(child(cp, 'name'), name));
    else if (name.length > 0) names.add(name);
    checkHostPortConflicts([{ c, i }], path, errs);
    if (restartAlways) {
      validateProbe(c.livenessProbe, child(cp, 'livenessProbe'), errs, 'liveness');
      validateProbe(c.readinessProbe, child(cp, 'readinessProbe'), errs, 'readiness');
      validateProbe(c.startupProbe, child(cp, 'startupProbe'), errs, 'startup');
    } else {
      for (const f of ['lifecycle', 'livenessProbe', 'readinessProbe', 'startupProbe']) {
        if (c[f] !== undefined && c[f] !== null) errs.push(field.forbidden(child(cp, f), 'may not be set for init containers without restartPolicy=Always'));
      }
    }
  });
}

function validateVolumes(list: unknown, path: string, errs: Errs): void {
  const names = new Set<string>();
  eachObj(arr(list, path, errs), path, errs, (v, vp) => {
    const el: FieldError[] = [];
    const sources = Object.keys(v).filter((k) => k !== 'name' && v[k] !== undefined && v[k] !== null);
    if (sources.length === 0) el.push(field.required(vp, 'must specify a volume type'));
    for (const extra of sources.slice(1)) el.push(field.forbidden(child(vp, extra), 'may not specify more than 1 volume type'));
    const name = str(v.name, child(vp, 'name'), el) ?? '';
    if (name === '') el.push(field.required(child(vp, 'name'), ''));
    else el.push(...eachInvalid(child(vp, 'name'), name, isDNS1123Label(name)));
    if (names.has(name)) el.push(field.duplicate(child(vp, 'name'), name));
    if (el.length === 0) names.add(name);
    else errs.push(...el);
  });
}

// ---- pod-level fields ----

const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

/** validateTaintEffect: one of the three effects (empty allowed where the caller says so). */
export function validateTaintEffect(effect: string, allowEmpty: boolean, path: string): FieldError[] {
  if (!allowEmpty && effect.length === 0) return [field.required(path, '')];
  return TAINT_EFFECTS.includes(effect) ? [] : [field.notSupported(path, effect, TAINT_EFFECTS)];
}

function goToleration(t: Obj): string {
  const s = (v: unknown) => JSON.stringify(typeof v === 'string' ? v : '');
  // A set tolerationSeconds is a *int64: Go prints its address; a fixed one keeps output deterministic.
  const secs = t.tolerationSeconds === undefined || t.tolerationSeconds === null ? '(*int64)(nil)' : '(*int64)(0xc000010000)';
  return `core.Toleration{Key:${s(t.key)}, Operator:${s(t.operator)}, Value:${s(t.value)}, Effect:${s(t.effect)}, TolerationSeconds:${secs}}`;
}

/** ValidateTolerations, with upstream's paths (value problems are reported on `operator`). */
export function validateTolerations(list: unknown, path: string, errs: Errs): void {
  eachObj(arr(list, path, errs), path, errs, (t, tp) => {
    const k = str(t.key, child(tp, 'key'), errs) ?? '';
    if (k.length > 0) errs.push(...validateLabelName(k, child(tp, 'key')));
    const op = str(t.operator, child(tp, 'operator'), errs) ?? '';
    if (k.length === 0 && op !== 'Exists') {
      errs.push(field.invalid(child(tp, 'operator'), op, 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
    }
    const effect = str(t.effect, child(tp, 'effect'), errs) ?? '';
    const secs = int(t.tolerationSeconds, child(tp, 'tolerationSeconds'), errs);
    if (secs !== undefined && effect !== 'NoExecute') {
      errs.push(field.invalid(child(tp, 'effect'), effect, "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    }
    const value = str(t.value, child(tp, 'value'), errs) ?? '';
    if (op === 'Equal' || op === '') {
      const msgs = isValidLabelValue(value);
      if (msgs.length) errs.push(field.invalid(child(tp, 'operator'), value, msgs.join(';')));
    } else if (op === 'Exists') {
      if (value.length > 0) errs.push(invalidGo(child(tp, 'operator'), t, goToleration(t), "value must be empty when `operator` is 'Exists'"));
    } else {
      errs.push(field.notSupported(child(tp, 'operator'), op, ['Equal', 'Exists']));
    }
    if (effect.length > 0) errs.push(...validateTaintEffect(effect, true, child(tp, 'effect')));
  });
}

const MAX_DNS_NAMESERVERS = 3;
const MAX_DNS_SEARCH_PATHS = 32;
const MAX_DNS_SEARCH_LIST_CHARS = 2048;

function validateDNSConfig(cfg: unknown, dnsPolicy: string, path: string, errs: Errs): void {
  const c = obj(cfg, path, errs);
  if (dnsPolicy === 'None') {
    if (!c) return void errs.push(field.required(path, 'must provide `dnsConfig` when `dnsPolicy` is None'));
    const ns = peekList(c.nameservers);
    if (ns.length === 0) return void errs.push(field.required(child(path, 'nameservers'), 'must provide at least one DNS nameserver when `dnsPolicy` is None'));
  }
  if (!c) return;
  const nameservers = strList(c.nameservers, child(path, 'nameservers'), errs) ?? [];
  if (nameservers.length > MAX_DNS_NAMESERVERS) {
    errs.push(invalidGo(child(path, 'nameservers'), nameservers, goSlice(nameservers), `must not have more than ${MAX_DNS_NAMESERVERS} nameservers`));
  }
  nameservers.forEach((n, i) => {
    errs.push(...validateIP(index(child(path, 'nameservers'), i), n));
  });
  const searches = strList(c.searches, child(path, 'searches'), errs) ?? [];
  if (searches.length > MAX_DNS_SEARCH_PATHS) {
    errs.push(invalidGo(child(path, 'searches'), searches, goSlice(searches), `must not have more than ${MAX_DNS_SEARCH_PATHS} search paths`));
  }
  if (searches.join(' ').length > MAX_DNS_SEARCH_LIST_CHARS) {
    errs.push(
      invalidGo(child(path, 'searches'), searches, goSlice(searches), `must not have more than ${MAX_DNS_SEARCH_LIST_CHARS} characters (including spaces) in the search list`),
    );
  }
  searches.forEach((s, i) => {
    const name = s.endsWith('.') ? s.slice(0, -1) : s;
    errs.push(...eachInvalid(index(child(path, 'searches'), i), name, isDNS1123Subdomain(name)));
  });
  eachObj(arr(c.options, child(path, 'options'), errs), child(path, 'options'), errs, (o, op) => {
    if (typeof o.name !== 'string' || o.name.length === 0) errs.push(field.required(op, 'must not be empty'));
  });
}

const peekList = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const goSlice = (a: string[]) => `[]string{${a.map((s) => JSON.stringify(s)).join(', ')}}`;

function validateNodeSelectorTerm(term: Obj, path: string, errs: Errs): void {
  eachObj(arr(term.matchExpressions, child(path, 'matchExpressions'), errs), child(path, 'matchExpressions'), errs, (r, rp) => {
    const values = peekList(r.values);
    switch (r.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) errs.push(field.required(child(rp, 'values'), "must be specified when `operator` is 'In' or 'NotIn'"));
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0) errs.push(field.forbidden(child(rp, 'values'), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
        break;
      case 'Gt':
      case 'Lt':
        if (values.length !== 1) errs.push(field.required(child(rp, 'values'), "must be specified single value when `operator` is 'Lt' or 'Gt'"));
        break;
      default:
        errs.push(field.invalid(child(rp, 'operator'), r.operator ?? '', 'not a valid selector operator'));
    }
    errs.push(...validateLabelName(typeof r.key === 'string' ? r.key : '', child(rp, 'key')));
  });
  eachObj(arr(term.matchFields, child(path, 'matchFields'), errs), child(path, 'matchFields'), errs, (r, rp) => {
    const values = peekList(r.values);
    if (r.operator === 'In' || r.operator === 'NotIn') {
      if (values.length !== 1) errs.push(field.required(child(rp, 'values'), "must be only one value when `operator` is 'In' or 'NotIn' for node field selector"));
    } else errs.push(field.invalid(child(rp, 'operator'), r.operator ?? '', 'not a valid selector operator'));
    if (r.key !== 'metadata.name') errs.push(field.invalid(child(rp, 'key'), r.key ?? '', 'not a valid field selector key'));
    else values.forEach((v, i) => {
      errs.push(...eachInvalid(index(child(rp, 'values'), i), v, isDNS1123Subdomain(String(v))));
    });
  });
}

function validatePodAffinityTerm(t: Obj, path: string, errs: Errs): void {
  errs.push(...validateLabelSelector(t.labelSelector, child(path, 'labelSelector')));
  errs.push(...validateLabelSelector(t.namespaceSelector, child(path, 'namespaceSelector')));
  for (const ns of peekList(t.namespaces)) {
    // Upstream reports every bad namespace at `namespace` (singular).
    errs.push(...eachInvalid(child(path, 'namespace'), ns, isDNS1123Label(String(ns))));
  }
  const tk = typeof t.topologyKey === 'string' ? t.topologyKey : '';
  if (tk.length === 0) errs.push(field.required(child(path, 'topologyKey'), 'can not be empty'));
  errs.push(...validateLabelName(tk, child(path, 'topologyKey')));
}

function validateAffinity(aff: unknown, path: string, errs: Errs): void {
  const a = obj(aff, path, errs);
  if (!a) return;
  const na = obj(a.nodeAffinity, child(path, 'nodeAffinity'), errs);
  if (na) {
    const np = child(path, 'nodeAffinity');
    const req = obj(na.requiredDuringSchedulingIgnoredDuringExecution, child(np, 'requiredDuringSchedulingIgnoredDuringExecution'), errs);
    if (req) {
      const tp = child(child(np, 'requiredDuringSchedulingIgnoredDuringExecution'), 'nodeSelectorTerms');
      const terms = arr(req.nodeSelectorTerms, tp, errs);
      if (!terms || terms.length === 0) errs.push(field.required(tp, 'must have at least one node selector term'));
      else eachObj(terms, tp, errs, (t, p) => validateNodeSelectorTerm(t, p, errs));
    }
    const pp = child(np, 'preferredDuringSchedulingIgnoredDuringExecution');
    eachObj(arr(na.preferredDuringSchedulingIgnoredDuringExecution, pp, errs), pp, errs, (t, p) => {
      const w = typeof t.weight === 'number' ? t.weight : 0;
      if (w <= 0 || w > 100) errs.push(field.invalid(child(p, 'weight'), w, 'must be in the range 1-100'));
      validateNodeSelectorTerm(isObj(t.preference) ? t.preference : {}, child(p, 'preference'), errs);
    });
  }
  for (const kind of ['podAffinity', 'podAntiAffinity']) {
    const pa = obj(a[kind], child(path, kind), errs);
    if (!pa) continue;
    const kp = child(path, kind);
    const rp = child(kp, 'requiredDuringSchedulingIgnoredDuringExecution');
    eachObj(arr(pa.requiredDuringSchedulingIgnoredDuringExecution, rp, errs), rp, errs, (t, p) => validatePodAffinityTerm(t, p, errs));
    const wp = child(kp, 'preferredDuringSchedulingIgnoredDuringExecution');
    eachObj(arr(pa.preferredDuringSchedulingIgnoredDuringExecution, wp, errs), wp, errs, (t, p) => {
      const w = typeof t.weight === 'number' ? t.weight : 0;
      if (w <= 0 || w > 100) errs.push(field.invalid(child(p, 'weight'), w, 'must be in the range 1-100'));
      validatePodAffinityTerm(isObj(t.podAffinityTerm) ? t.podAffinityTerm : {}, child(p, 'podAffinityTerm'), errs);
    });
  }
}

function validateTopologySpreadConstraints(list: unknown, path: string, errs: Errs): void {
  const items = arr(list, path, errs) ?? [];
  eachObj(items, path, errs, (c, cp, i) => {
    const skew = int(c.maxSkew, child(cp, 'maxSkew'), errs) ?? 0;
    if (skew <= 0) errs.push(field.invalid(child(cp, 'maxSkew'), skew, 'must be greater than zero'));
    const tk = str(c.topologyKey, child(cp, 'topologyKey'), errs) ?? '';
    if (tk.length === 0) errs.push(field.required(child(cp, 'topologyKey'), 'can not be empty'));
    const wu = str(c.whenUnsatisfiable, child(cp, 'whenUnsatisfiable'), errs) ?? '';
    if (wu !== 'DoNotSchedule' && wu !== 'ScheduleAnyway') errs.push(field.notSupported(child(cp, 'whenUnsatisfiable'), wu, ['DoNotSchedule', 'ScheduleAnyway']));
    const later = items.slice(i + 1).find((o) => isObj(o) && o.topologyKey === c.topologyKey && o.whenUnsatisfiable === c.whenUnsatisfiable);
    if (later) errs.push(field.duplicate(child(cp, '{topologyKey, whenUnsatisfiable}'), `{${tk}, ${wu}}`));
    const md = int(c.minDomains, child(cp, 'minDomains'), errs);
    if (md !== undefined) {
      if (md <= 0) errs.push(field.invalid(child(cp, 'minDomains'), md, 'must be greater than zero'));
      if (wu !== 'DoNotSchedule') errs.push(field.invalid(child(cp, 'minDomains'), md, `can only use minDomains if whenUnsatisfiable=DoNotSchedule, not ${wu}`));
    }
    for (const pol of ['nodeAffinityPolicy', 'nodeTaintsPolicy']) {
      const v = c[pol];
      if (v !== undefined && v !== null && v !== 'Ignore' && v !== 'Honor') errs.push(field.notSupported(child(cp, pol), v, ['Honor', 'Ignore']));
    }
    errs.push(...validateLabelSelector(c.labelSelector, child(cp, 'labelSelector')));
  });
}

const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'];
const DNS_POLICIES = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];
const MAX_INT32 = 2147483647;

/**
 * Specs that validated clean, by their exact JSON text without nodeName (path and options
 * first). Every pod of a ReplicaSet carries the same spec, and a binding changes only
 * nodeName: the full walk runs once per distinct spec, nodeName is checked on its own.
 */
const VALID_SPECS = new Set<string>();
const VALID_SPECS_MAX = 4096;

/**
 * Pod specs just copied from a template and not changed since (defaulting aside), by their
 * template's spec; an entry is used once. Stored templates are read-only, and defaulting is a
 * function of the spec alone, so every copy of one template validates alike.
 */
const TEMPLATE_COPIES = new WeakMap<object, object>();
/**
 * Template specs whose defaulted copies validated clean: the path and options they did so
 * under, and the first such copy (stored, hence read-only).
 */
const VALID_TEMPLATES = new WeakMap<object, { scope: string; spec: Obj }>();

/** Marks `spec` as an unchanged copy of `templateSpec` about to be created (skips re-serialising it). */
export function markTemplateCopy(spec: object, templateSpec: object): void {
  TEMPLATE_COPIES.set(spec, templateSpec);
}

/**
 * Points the object-valued fields of `spec` (containers, tolerations, ...) at the equal ones of
 * `first`, an earlier defaulted copy of the same template: pods of one ReplicaSet then share
 * them instead of holding a copy each. nodeName aside, defaulting makes the copies equal.
 */
function shareSpecParts(spec: Obj, first: Obj): void {
  for (const k in spec) {
    const v = spec[k];
    if (k !== 'nodeName' && typeof v === 'object' && v !== null && k in first) spec[k] = first[k];
  }
}

/** The nodeName check a memoised spec still needs (a binding sets only nodeName). */
function nodeNameErrors(nodeName: unknown, path: string): FieldError[] {
  const errs: Errs = [];
  const p = child(path, 'nodeName');
  const v = str(nodeName, p, errs) ?? '';
  if (v.length > 0) errs.push(...eachInvalid(p, v, isDNS1123Subdomain(v)));
  return errs;
}

/** ValidatePodSpec, memoised for specs that are valid (see VALID_SPECS and TEMPLATE_COPIES). */
export function validatePodSpec(specValue: unknown, path: string, opts: PodSpecOptions): FieldError[] {
  if (!isObj(specValue)) return validatePodSpecUncached(specValue, path, opts);
  const scope = `${opts.resourceIsPod ? 'P' : 'T'}${path}`;
  const origin = TEMPLATE_COPIES.get(specValue);
  if (origin !== undefined) {
    TEMPLATE_COPIES.delete(specValue);
    const known = VALID_TEMPLATES.get(origin);
    if (known !== undefined && known.scope === scope) {
      shareSpecParts(specValue, known.spec);
      return nodeNameErrors(specValue.nodeName, path);
    }
  }
  const { nodeName, ...rest } = specValue;
  let json: string;
  try {
    json = JSON.stringify(rest);
  } catch {
    return validatePodSpecUncached(specValue, path, opts);
  }
  // JSON folds NaN, Infinity and null together (and drops undefined array slots): such specs are not memoised.
  if (json.includes('null')) return validatePodSpecUncached(specValue, path, opts);
  const memoKey = `${scope}\u0000${json}`;
  if (VALID_SPECS.has(memoKey)) {
    if (origin !== undefined) VALID_TEMPLATES.set(origin, { scope, spec: specValue });
    return nodeNameErrors(nodeName, path);
  }
  const errs = validatePodSpecUncached(specValue, path, opts);
  if (errs.length === 0) {
    if (VALID_SPECS.size >= VALID_SPECS_MAX) VALID_SPECS.clear();
    VALID_SPECS.add(memoKey);
    if (origin !== undefined) VALID_TEMPLATES.set(origin, { scope, spec: specValue });
  }
  return errs;
}

/** ValidatePodSpec: everything a pod (or a pod template's spec) must satisfy, in upstream's order. */
function validatePodSpecUncached(specValue: unknown, path: string, opts: PodSpecOptions): FieldError[] {
  const errs: Errs = [];
  const spec = obj(specValue, path, errs) ?? {};
  const tgps = int(spec.terminationGracePeriodSeconds, child(path, 'terminationGracePeriodSeconds'), errs);
  if (tgps === undefined && (spec.terminationGracePeriodSeconds === undefined || spec.terminationGracePeriodSeconds === null)) {
    errs.push(field.required(child(path, 'terminationGracePeriodSeconds'), ''));
  }
  validateVolumes(spec.volumes, child(path, 'volumes'), errs);
  const regular = validateContainers(spec.containers, child(path, 'containers'), errs);
  validateInitContainers(spec.initContainers, regular, child(path, 'initContainers'), errs);
  // hostNetwork: host ports must equal container ports (templates may leave them 0).
  if (bool(spec.hostNetwork, child(path, 'hostNetwork'), errs) === true) {
    peekList(spec.containers).forEach((c, ci) => {
      if (!isObj(c)) return;
      peekList(c.ports).forEach((p, pi) => {
        if (!isObj(p)) return;
        const hp = typeof p.hostPort === 'number' ? p.hostPort : 0;
        const cp = typeof p.containerPort === 'number' ? p.containerPort : 0;
        if ((opts.resourceIsPod || hp !== 0) && hp !== cp) {
          errs.push(field.invalid(child(index(child(index(child(path, 'containers'), ci), 'ports'), pi), 'hostPort'), hp, 'must match `containerPort` when `hostNetwork` is true'));
        }
      });
    });
  }
  const rp = str(spec.restartPolicy, child(path, 'restartPolicy'), errs) ?? '';
  if (rp === '') errs.push(field.required(child(path, 'restartPolicy'), ''));
  else if (!RESTART_POLICIES.includes(rp)) errs.push(field.notSupported(child(path, 'restartPolicy'), rp, RESTART_POLICIES));
  const dp = str(spec.dnsPolicy, child(path, 'dnsPolicy'), errs) ?? '';
  if (dp === '') errs.push(field.required(child(path, 'dnsPolicy'), ''));
  else if (!DNS_POLICIES.includes(dp)) errs.push(field.notSupported(child(path, 'dnsPolicy'), dp, DNS_POLICIES));
  errs.push(...validateLabels(spec.nodeSelector, child(path, 'nodeSelector')));
  validateAffinity(spec.affinity, child(path, 'affinity'), errs);
  validateDNSConfig(spec.dnsConfig, dp, child(path, 'dnsConfig'), errs);
  validateTopologySpreadConstraints(spec.topologySpreadConstraints, child(path, 'topologySpreadConstraints'), errs);
  for (const [f, fn] of [
    ['serviceAccountName', isDNS1123Subdomain],
    ['nodeName', isDNS1123Subdomain],
  ] as const) {
    const v = str(spec[f], child(path, f), errs) ?? '';
    if (v.length > 0) errs.push(...eachInvalid(child(path, f), v, fn(v)));
  }
  const ads = int(spec.activeDeadlineSeconds, child(path, 'activeDeadlineSeconds'), errs);
  if (ads !== undefined && (ads < 1 || ads > MAX_INT32)) errs.push(field.invalid(child(path, 'activeDeadlineSeconds'), ads, inclusiveRangeError(1, MAX_INT32)));
  for (const f of ['hostname', 'subdomain']) {
    const v = str(spec[f], child(path, f), errs) ?? '';
    if (v.length > 0) errs.push(...eachInvalid(child(path, f), v, isDNS1123Label(v)));
  }
  validateTolerations(spec.tolerations, child(path, 'tolerations'), errs);
  eachObj(arr(spec.hostAliases, child(path, 'hostAliases'), errs), child(path, 'hostAliases'), errs, (h, hp) => {
    errs.push(...validateIP(child(hp, 'ip'), typeof h.ip === 'string' ? h.ip : ''));
    (strList(h.hostnames, child(hp, 'hostnames'), errs) ?? []).forEach((n, i) => {
      errs.push(...eachInvalid(index(child(hp, 'hostnames'), i), n, isDNS1123Subdomain(n)));
    });
  });
  const pcn = str(spec.priorityClassName, child(path, 'priorityClassName'), errs) ?? '';
  if (pcn.length > 0) errs.push(...eachInvalid(child(path, 'priorityClassName'), pcn, isDNS1123Subdomain(pcn)));
  const pp = str(spec.preemptionPolicy, child(path, 'preemptionPolicy'), errs);
  if (pp !== undefined) {
    if (pp === '') errs.push(field.required(child(path, 'preemptionPolicy'), ''));
    else if (pp !== 'PreemptLowerPriority' && pp !== 'Never') errs.push(field.notSupported(child(path, 'preemptionPolicy'), pp, ['PreemptLowerPriority', 'Never']));
  }
  if (opts.resourceIsPod) {
    for (const kind of ['containers', 'initContainers']) {
      peekList(spec[kind]).forEach((c, i) => {
        if (isObj(c) && typeof c.image === 'string' && c.image !== c.image.trim()) {
          errs.push(field.invalid(child(index(child(path, kind), i), 'image'), c.image, 'must not have leading or trailing whitespace'));
        }
      });
    }
  }
  return errs;
}

/** ValidatePodTemplateSpec: template labels and annotations, then its spec. */
export function validatePodTemplateSpec(template: Obj, path: string): FieldError[] {
  const errs: Errs = [];
  const meta = obj(template.metadata, child(path, 'metadata'), errs) ?? {};
  errs.push(...validateLabels(meta.labels, child(path, 'labels')));
  errs.push(...validateAnnotations(meta.annotations, child(path, 'annotations')));
  errs.push(...validatePodSpec(template.spec, child(path, 'spec'), { resourceIsPod: false }));
  return errs;
}

/** Template labels as a plain map (absent when the template has none), for selector checks. */
export function templateLabels(template: Obj): Record<string, string> | undefined {
  const meta = isObj(template.metadata) ? template.metadata : undefined;
  if (!meta || !isObj(meta.labels)) return undefined;
  const errs: Errs = [];
  return strMap(meta.labels, '', errs);
}
