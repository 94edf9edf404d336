// autoscaling/v2 HorizontalPodAutoscaler, as autoscaling validation (HPAScaleToZero off: minReplicas ≥ 1).
import { type FieldError, field } from '../errors.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './meta.js';
import { eachInvalid, isDNS1123Label, isValidPathSegmentName, nameIsDNSSubdomain } from './names.js';
import { missing } from './podspec.js';
import { formatQuantity, quantityOf } from './quantity.js';
import { type Errs, type Obj, arr, child, eachObj, int, isObj, obj, str } from './values.js';

const MAX_PERIOD_SECONDS = 1800;
const MAX_STABILIZATION_WINDOW_SECONDS = 3600;
const METRIC_SOURCE_TYPES = ['ContainerResource', 'External', 'Object', 'Pods', 'Resource'];
const SELECT_POLICIES = ['Disabled', 'Max', 'Min'];
const POLICY_TYPES = ['Percent', 'Pods'];
const SOURCE_FIELDS: Record<string, string> = {
  Object: 'object',
  Pods: 'pods',
  Resource: 'resource',
  External: 'external',
  ContainerResource: 'containerResource',
};

/** ValidateCrossVersionObjectReference: kind and name, each one URL path segment. */
function validateObjectReference(ref: Obj, path: string, errs: Errs): void {
  for (const f of ['kind', 'name']) {
    const v = str(ref[f], child(path, f), errs) ?? '';
    if (v === '') errs.push(field.required(child(path, f), ''));
    else errs.push(...eachInvalid(child(path, f), v, isValidPathSegmentName(v)));
  }
}

function validateMetricTarget(t: Obj, path: string, errs: Errs): void {
  const type = str(t.type, child(path, 'type'), errs) ?? '';
  if (type === '') errs.push(field.required(child(path, 'type'), 'must specify a metric target type'));
  if (type !== 'Utilization' && type !== 'Value' && type !== 'AverageValue') errs.push(field.invalid(child(path, 'type'), type, 'must be either Utilization, Value, or AverageValue'));
  for (const f of ['value', 'averageValue']) {
    if (missing(t[f])) continue;
    const parsed = quantityOf(t[f]);
    if ('error' in parsed) errs.push(field.invalid(child(path, f), t[f], parsed.error));
    else if (parsed.q.n <= 0n) errs.push(field.invalid(child(path, f), formatQuantity(parsed.q), 'must be positive'));
  }
  const util = int(t.averageUtilization, child(path, 'averageUtilization'), errs);
  if (util !== undefined && util < 1) errs.push(field.invalid(child(path, 'averageUtilization'), util, 'must be greater than 0'));
}

function validateMetricIdentifier(m: Obj, path: string, errs: Errs): void {
  const name = str(m.name, child(path, 'name'), errs) ?? '';
  if (name === '') errs.push(field.required(child(path, 'name'), 'must specify a metric name'));
  else errs.push(...eachInvalid(child(path, 'name'), name, isValidPathSegmentName(name)));
}

function validateSource(kind: string, src: Obj, path: string, errs: Errs): void {
  const target = obj(src.target, child(path, 'target'), errs) ?? {};
  const tp = child(path, 'target');
  switch (kind) {
    case 'object':
      validateObjectReference(obj(src.describedObject, child(path, 'describedObject'), errs) ?? {}, child(path, 'describedObject'), errs);
      validateMetricIdentifier(obj(src.metric, child(path, 'metric'), errs) ?? {}, child(path, 'metric'), errs);
      validateMetricTarget(target, tp, errs);
      if (missing(target.value) && missing(target.averageValue)) errs.push(field.required(child(tp, 'averageValue'), 'must set either a target value or averageValue'));
      break;
    case 'external':
      validateMetricIdentifier(obj(src.metric, child(path, 'metric'), errs) ?? {}, child(path, 'metric'), errs);
      validateMetricTarget(target, tp, errs);
      if (missing(target.value) && missing(target.averageValue)) errs.push(field.required(child(tp, 'averageValue'), 'must set either a target value for metric or a per-pod target'));
      if (!missing(target.value) && !missing(target.averageValue)) errs.push(field.forbidden(child(tp, 'value'), 'may not set both a target value for metric and a per-pod target'));
      break;
    case 'pods':
      validateMetricIdentifier(obj(src.metric, child(path, 'metric'), errs) ?? {}, child(path, 'metric'), errs);
      validateMetricTarget(target, tp, errs);
      if (missing(target.averageValue)) errs.push(field.required(child(tp, 'averageValue'), 'must specify a positive target averageValue'));
      break;
    case 'resource':
    case 'containerResource': {
      const name = str(src.name, child(path, 'name'), errs) ?? '';
      if (name === '') errs.push(field.required(child(path, 'name'), 'must specify a resource name'));
      if (kind === 'containerResource') {
        const container = str(src.container, child(path, 'container'), errs) ?? '';
        if (container === '') errs.push(field.required(child(path, 'container'), 'must specify a container'));
        else errs.push(...eachInvalid(child(path, 'container'), container, isDNS1123Label(container)));
      }
      validateMetricTarget(target, tp, errs);
      if (missing(target.averageUtilization) && missing(target.averageValue)) {
        errs.push(field.required(child(tp, 'averageUtilization'), 'must set either a target raw value or a target utilization'));
      }
      if (!missing(target.averageUtilization) && !missing(target.averageValue)) {
        errs.push(field.forbidden(child(tp, 'averageValue'), 'may not set both a target raw value and a target utilization'));
      }
      break;
    }
  }
}

function validateMetricSpec(m: Obj, path: string, errs: Errs): void {
  const type = str(m.type, child(path, 'type'), errs) ?? '';
  if (type === '') errs.push(field.required(child(path, 'type'), 'must specify a metric source type'));
  if (!METRIC_SOURCE_TYPES.includes(type)) errs.push(field.notSupported(child(path, 'type'), type, METRIC_SOURCE_TYPES));
  const present: string[] = [];
  for (const f of ['object', 'external', 'pods', 'resource', 'containerResource']) {
    const src = obj(m[f], child(path, f), errs);
    if (!src) continue;
    present.push(f);
    if (present.length === 1) validateSource(f, src, child(path, f), errs);
  }
  const expected = SOURCE_FIELDS[type];
  if (expected === undefined) errs.push(field.notSupported(child(path, 'type'), type, METRIC_SOURCE_TYPES));
  else if (!present.includes(expected)) errs.push(field.required(child(path, expected), 'must populate information for the given metric source'));
  if (present.length !== 1) {
    for (const f of present.filter((f) => f !== expected)) errs.push(field.forbidden(child(path, f), 'must populate the given metric source only'));
  }
}

function validateScalingRules(r: unknown, path: string, errs: Errs): void {
  const rules = obj(r, path, errs);
  if (!rules) return;
  const sws = int(rules.stabilizationWindowSeconds, child(path, 'stabilizationWindowSeconds'), errs);
  if (sws !== undefined && sws < 0) errs.push(field.invalid(child(path, 'stabilizationWindowSeconds'), sws, 'must be greater than or equal to zero'));
  if (sws !== undefined && sws > MAX_STABILIZATION_WINDOW_SECONDS) {
    errs.push(field.invalid(child(path, 'stabilizationWindowSeconds'), sws, `must be less than or equal to ${MAX_STABILIZATION_WINDOW_SECONDS}`));
  }
  const sp = str(rules.selectPolicy, child(path, 'selectPolicy'), errs);
  if (sp !== undefined && !SELECT_POLICIES.includes(sp)) errs.push(field.notSupported(child(path, 'selectPolicy'), sp, SELECT_POLICIES));
  const pp = child(path, 'policies');
  const policies = arr(rules.policies, pp, errs) ?? [];
  if (policies.length === 0) errs.push(field.required(pp, 'must specify at least one Policy'));
  eachObj(policies, pp, errs, (p, ip) => {
    const type = typeof p.type === 'string' ? p.type : '';
    if (type !== 'Pods' && type !== 'Percent') errs.push(field.notSupported(child(ip, 'type'), type, POLICY_TYPES));
    const value = int(p.value, child(ip, 'value'), errs) ?? 0;
    if (value <= 0) errs.push(field.invalid(child(ip, 'value'), value, 'must be greater than zero'));
    const period = int(p.periodSeconds, child(ip, 'periodSeconds'), errs) ?? 0;
    if (period <= 0) errs.push(field.invalid(child(ip, 'periodSeconds'), period, 'must be greater than zero'));
    if (period > MAX_PERIOD_SECONDS) errs.push(field.invalid(child(ip, 'periodSeconds'), period, `must be less than or equal to ${MAX_PERIOD_SECONDS}`));
  });
}

/** ValidateHorizontalPodAutoscaler. */
export function validateHorizontalPodAutoscaler(hpa: Obj): FieldError[] {
  const errs = validateObjectMeta(hpa.metadata, true, nameIsDNSSubdomain);
  const spec = obj(hpa.spec, 'spec', errs) ?? {};
  const min = int(spec.minReplicas, 'spec.minReplicas', errs);
  if (min !== undefined && min < 1) errs.push(field.invalid('spec.minReplicas', min, 'must be greater than or equal to 1'));
  const max = int(spec.maxReplicas, 'spec.maxReplicas', errs) ?? 0;
  if (max < 1) errs.push(field.invalid('spec.maxReplicas', max, 'must be greater than 0'));
  if (min !== undefined && max < min) errs.push(field.invalid('spec.maxReplicas', max, 'must be greater than or equal to `minReplicas`'));
  validateObjectReference(obj(spec.scaleTargetRef, 'spec.scaleTargetRef', errs) ?? {}, 'spec.scaleTargetRef', errs);
  eachObj(arr(spec.metrics, 'spec.metrics', errs), 'spec.metrics', errs, (m, p) => validateMetricSpec(m, p, errs));
  const behavior = obj(spec.behavior, 'spec.behavior', errs);
  if (behavior) {
    validateScalingRules(behavior.scaleUp, 'spec.behavior.scaleUp', errs);
    validateScalingRules(behavior.scaleDown, 'spec.behavior.scaleDown', errs);
  }
  return errs;
}

/** ValidateHorizontalPodAutoscalerUpdate (an HPA that already had minReplicas 0 may keep it). */
export function validateHorizontalPodAutoscalerUpdate(hpa: Obj, old: Obj): FieldError[] {
  const errs = validateObjectMetaUpdate(hpa.metadata, old.metadata);
  const oldMin = isObj(old.spec) ? old.spec.minReplicas : undefined;
  const all = validateHorizontalPodAutoscaler(hpa);
  errs.push(...(oldMin === 0 ? all.filter((e) => !(e.field === 'spec.minReplicas' && e.badValue === 0)) : all));
  return errs;
}
