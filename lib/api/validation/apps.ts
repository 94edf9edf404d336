// apps/v1 workloads: Deployment, ReplicaSet, StatefulSet, DaemonSet, as apps validation and the
// apps/v1 registry strategies (which add selector immutability on update).
import { type FieldError, field } from '../errors.js';
import { type Selector, selectorFromLabelSelector, validateLabelSelector, validateLabels } from '../labels.js';
import type { LabelSelector } from '../meta.js';
import { goIntOrString, goLabelSelector, goStringMap, invalidGo, notSupportedGo } from './govalue.js';
import { validateAnnotations, validateObjectMeta, validateObjectMetaUpdate } from './meta.js';
import { fieldImmutableErrorMsg, isNegativeErrorMsg, isValidPercent, nameIsDNSLabel, nameIsDNSSubdomain } from './names.js';
import { missing, templateLabels, validatePodTemplateSpec } from './podspec.js';
import { type Errs, type Obj, child, deepEqual, int, intOrString, isObj, obj, str } from './values.js';

/** metav1.LabelSelectorAsSelector: `{ok: false}` when the selector cannot be converted. */
export function asSelector(sel: unknown): { ok: true; selector: Selector } | { ok: false } {
  if (sel !== undefined && sel !== null && !isObj(sel)) return { ok: false };
  try {
    return { ok: true, selector: selectorFromLabelSelector((sel ?? null) as LabelSelector | null) };
  } catch {
    return { ok: false };
  }
}

function nonNegative(v: unknown, path: string, errs: Errs): number | undefined {
  const n = int(v, path, errs);
  if (n !== undefined && n < 0) errs.push(field.invalid(path, n, isNegativeErrorMsg));
  return n;
}

/** selector: required, valid, not empty (`empty selector is invalid for <kind>`). */
function validateWorkloadSelector(spec: Obj, kindWord: string, errs: Errs): void {
  if (missing(spec.selector)) return void errs.push(field.required('spec.selector', ''));
  errs.push(...validateLabelSelector(spec.selector, 'spec.selector'));
  const s = isObj(spec.selector) ? spec.selector : undefined;
  if (!s) return;
  const n = (isObj(s.matchLabels) ? Object.keys(s.matchLabels).length : 0) + (Array.isArray(s.matchExpressions) ? s.matchExpressions.length : 0);
  if (n === 0) errs.push(invalidGo('spec.selector', s, goLabelSelector(s), `empty selector is invalid for ${kindWord}`));
}

/** ValidatePodTemplateSpecForReplicaSet (Deployments and ReplicaSets). */
function validateTemplateForReplicaSet(template: Obj, selector: Selector, kindWord: string, errs: Errs): void {
  const labels = templateLabels(template);
  if (!selector.empty() && !selector.matches(labels)) {
    errs.push(invalidGo('spec.template.metadata.labels', labels ?? null, goStringMap(labels), '`selector` does not match template `labels`'));
  }
  errs.push(...validatePodTemplateSpec(template, 'spec.template'));
  validateAlwaysRestart(template, kindWord, errs);
}

function validateAlwaysRestart(template: Obj, kindWord: string, errs: Errs): void {
  const tspec = isObj(template.spec) ? template.spec : {};
  const rp = typeof tspec.restartPolicy === 'string' ? tspec.restartPolicy : '';
  if (rp !== 'Always') errs.push(field.notSupported('spec.template.spec.restartPolicy', rp, ['Always']));
  if (!missing(tspec.activeDeadlineSeconds)) {
    errs.push(field.forbidden('spec.template.spec.activeDeadlineSeconds', `activeDeadlineSeconds in ${kindWord} is not Supported`));
  }
}

/** ValidatePositiveIntOrPercent: a non-negative integer or a `N%` string. */
function validateIntOrPercent(v: number | string, path: string, errs: Errs): void {
  if (typeof v === 'string') for (const m of isValidPercent(v)) errs.push(invalidGo(path, v, goIntOrString(v), m));
  else if (v < 0) errs.push(field.invalid(path, v, isNegativeErrorMsg));
}

/** getIntOrPercentValue: the percentage number, else IntValue (Atoi of a string, 0 on failure). */
function intOrPercentValue(v: number | string): number {
  if (typeof v === 'number') return v;
  if (/^[0-9]+%$/.test(v)) return Number.parseInt(v, 10);
  return /^[+-]?[0-9]+$/.test(v) ? Number.parseInt(v, 10) : 0;
}

function notMoreThan100Percent(v: number | string, path: string, errs: Errs): void {
  if (typeof v === 'string' && /^[0-9]+%$/.test(v) && Number.parseInt(v, 10) > 100) errs.push(invalidGo(path, v, goIntOrString(v), 'must not be greater than 100%'));
}

function templateOf(spec: Obj, errs: Errs): Obj {
  return obj(spec.template, 'spec.template', errs) ?? {};
}

/** ValidateDeployment. */
export function validateDeployment(d: Obj): FieldError[] {
  const errs = validateObjectMeta(d.metadata, true, nameIsDNSSubdomain);
  const spec = obj(d.spec, 'spec', errs) ?? {};
  nonNegative(spec.replicas, 'spec.replicas', errs);
  validateWorkloadSelector(spec, 'deployment', errs);
  const template = templateOf(spec, errs);
  const sel = asSelector(spec.selector);
  if (!sel.ok) errs.push(invalidGo('spec.selector', spec.selector, goLabelSelector(spec.selector), 'invalid label selector'));
  else validateTemplateForReplicaSet(template, sel.selector, 'ReplicaSet', errs);
  const strategy = obj(spec.strategy, 'spec.strategy', errs) ?? {};
  const type = str(strategy.type, 'spec.strategy.type', errs) ?? '';
  const ruPath = 'spec.strategy.rollingUpdate';
  if (type === 'Recreate') {
    if (!missing(strategy.rollingUpdate)) errs.push(field.forbidden(ruPath, "may not be specified when strategy `type` is 'Recreate'"));
  } else if (type === 'RollingUpdate') {
    const ru = obj(strategy.rollingUpdate, ruPath, errs);
    if (!ru) {
      if (missing(strategy.rollingUpdate)) errs.push(field.required(ruPath, 'this should be defaulted and never be nil'));
    } else {
      const mu = intOrString(ru.maxUnavailable, child(ruPath, 'maxUnavailable'), errs) ?? 0;
      const ms = intOrString(ru.maxSurge, child(ruPath, 'maxSurge'), errs) ?? 0;
      validateIntOrPercent(mu, child(ruPath, 'maxUnavailable'), errs);
      validateIntOrPercent(ms, child(ruPath, 'maxSurge'), errs);
      if (intOrPercentValue(mu) === 0 && intOrPercentValue(ms) === 0) {
        errs.push(invalidGo(child(ruPath, 'maxUnavailable'), mu, goIntOrString(mu), 'may not be 0 when `maxSurge` is 0'));
      }
      notMoreThan100Percent(mu, child(ruPath, 'maxUnavailable'), errs);
    }
  } else {
    const ruText = missing(strategy.rollingUpdate) ? '(*apps.RollingUpdateDeployment)(nil)' : '(*apps.RollingUpdateDeployment)(0xc000010000)';
    errs.push(notSupportedGo('spec.strategy', strategy, `apps.DeploymentStrategy{Type:${JSON.stringify(type)}, RollingUpdate:${ruText}}`, ['Recreate', 'RollingUpdate']));
  }
  const minReady = nonNegative(spec.minReadySeconds, 'spec.minReadySeconds', errs) ?? 0;
  nonNegative(spec.revisionHistoryLimit, 'spec.revisionHistoryLimit', errs);
  const pds = nonNegative(spec.progressDeadlineSeconds, 'spec.progressDeadlineSeconds', errs);
  if (pds !== undefined && pds <= minReady) errs.push(field.invalid('spec.progressDeadlineSeconds', pds, 'must be greater than minReadySeconds'));
  return errs;
}

/** ValidateReplicaSet. */
export function validateReplicaSet(rs: Obj): FieldError[] {
  const errs = validateObjectMeta(rs.metadata, true, nameIsDNSSubdomain);
  const spec = obj(rs.spec, 'spec', errs) ?? {};
  nonNegative(spec.replicas, 'spec.replicas', errs);
  nonNegative(spec.minReadySeconds, 'spec.minReadySeconds', errs);
  // Upstream says "for deployment" here too.
  validateWorkloadSelector(spec, 'deployment', errs);
  const template = templateOf(spec, errs);
  const sel = asSelector(spec.selector);
  if (!sel.ok) errs.push(invalidGo('spec.selector', spec.selector, goLabelSelector(spec.selector), 'invalid label selector'));
  else validateTemplateForReplicaSet(template, sel.selector, 'ReplicaSet', errs);
  return errs;
}

function goStatefulSetRollingUpdate(ru: Obj): string {
  const partition = typeof ru.partition === 'number' ? ru.partition : 0;
  const mu = missing(ru.maxUnavailable) ? '(*intstr.IntOrString)(nil)' : '(*intstr.IntOrString)(0xc000010000)';
  return `apps.RollingUpdateStatefulSetStrategy{Partition:${partition}, MaxUnavailable:${mu}}`;
}

/** ValidateStatefulSet (StatefulSet names are DNS labels: they become pod hostnames). */
export function validateStatefulSet(ss: Obj): FieldError[] {
  const errs = validateObjectMeta(ss.metadata, true, nameIsDNSLabel);
  const spec = obj(ss.spec, 'spec', errs) ?? {};
  const pmp = str(spec.podManagementPolicy, 'spec.podManagementPolicy', errs) ?? '';
  if (pmp === '') errs.push(field.required('spec.podManagementPolicy', ''));
  else if (pmp !== 'OrderedReady' && pmp !== 'Parallel') errs.push(field.invalid('spec.podManagementPolicy', pmp, "must be 'OrderedReady' or 'Parallel'"));
  const us = obj(spec.updateStrategy, 'spec.updateStrategy', errs) ?? {};
  const type = str(us.type, 'spec.updateStrategy.type', errs) ?? '';
  const ruPath = 'spec.updateStrategy.rollingUpdate';
  const ru = obj(us.rollingUpdate, ruPath, errs);
  if (type === '') errs.push(field.required('spec.updateStrategy', ''));
  else if (type === 'OnDelete') {
    if (ru) errs.push(invalidGo(ruPath, ru, goStatefulSetRollingUpdate(ru), "only allowed for updateStrategy 'RollingUpdate'"));
  } else if (type === 'RollingUpdate') {
    if (ru) {
      nonNegative(ru.partition, child(ruPath, 'partition'), errs);
      const mu = intOrString(ru.maxUnavailable, child(ruPath, 'maxUnavailable'), errs);
      if (mu !== undefined) {
        validateIntOrPercent(mu, child(ruPath, 'maxUnavailable'), errs);
        if (intOrPercentValue(mu) === 0) errs.push(invalidGo(child(ruPath, 'maxUnavailable'), mu, goIntOrString(mu), 'cannot be 0'));
        notMoreThan100Percent(mu, child(ruPath, 'maxUnavailable'), errs);
      }
    }
  } else {
    const ruText = ru ? '(*apps.RollingUpdateStatefulSetStrategy)(0xc000010000)' : '(*apps.RollingUpdateStatefulSetStrategy)(nil)';
    errs.push(invalidGo('spec.updateStrategy', us, `apps.StatefulSetUpdateStrategy{Type:${JSON.stringify(type)}, RollingUpdate:${ruText}}`, "must be 'RollingUpdate' or 'OnDelete'"));
  }
  const retention = obj(spec.persistentVolumeClaimRetentionPolicy, 'spec.persistentVolumeClaimRetentionPolicy', errs);
  if (retention) {
    for (const f of ['whenDeleted', 'whenScaled']) {
      const v = typeof retention[f] === 'string' ? (retention[f] as string) : '';
      if (v !== 'Retain' && v !== 'Delete') errs.push(field.notSupported(child('spec.persistentVolumeClaimRetentionPolicy', f), v, ['Retain', 'Delete']));
    }
  }
  nonNegative(spec.replicas, 'spec.replicas', errs);
  nonNegative(spec.minReadySeconds, 'spec.minReadySeconds', errs);
  const ordinals = obj(spec.ordinals, 'spec.ordinals', errs);
  if (ordinals) nonNegative(ordinals.start, 'spec.ordinals.start', errs);
  validateWorkloadSelector(spec, 'statefulset', errs);
  const template = templateOf(spec, errs);
  const sel = asSelector(spec.selector);
  if (!sel.ok) errs.push(invalidGo('spec.selector', spec.selector, goLabelSelector(spec.selector), ''));
  else {
    // As upstream: only the template's labels and annotations are checked, not its pod spec.
    const labels = templateLabels(template);
    if (!sel.selector.empty() && !sel.selector.matches(labels)) {
      errs.push(invalidGo('spec.template.metadata.labels', labels ?? null, goStringMap(labels), '`selector` does not match template `labels`'));
    }
    const meta = isObj(template.metadata) ? template.metadata : {};
    errs.push(...validateLabels(meta.labels, 'spec.template.labels'));
    errs.push(...validateAnnotations(meta.annotations, 'spec.template.annotations'));
  }
  validateAlwaysRestart(template, 'StatefulSet', errs);
  return errs;
}

/** ValidateDaemonSet. */
export function validateDaemonSet(ds: Obj): FieldError[] {
  const errs = validateObjectMeta(ds.metadata, true, nameIsDNSSubdomain);
  const spec = obj(ds.spec, 'spec', errs) ?? {};
  errs.push(...validateLabelSelector(spec.selector, 'spec.selector'));
  const template = templateOf(spec, errs);
  const sel = asSelector(spec.selector);
  const labels = templateLabels(template);
  // No "Required" for a missing selector here: a nil selector matches nothing, so this fires.
  if (sel.ok && !sel.selector.matches(labels)) {
    errs.push(invalidGo('spec.template.metadata.labels', labels ?? null, goStringMap(labels), '`selector` does not match template `labels`'));
  }
  const s = isObj(spec.selector) ? spec.selector : undefined;
  if (s && (isObj(s.matchLabels) ? Object.keys(s.matchLabels).length : 0) + (Array.isArray(s.matchExpressions) ? s.matchExpressions.length : 0) === 0) {
    errs.push(invalidGo('spec.selector', s, goLabelSelector(s), 'empty selector is invalid for daemonset'));
  }
  errs.push(...validatePodTemplateSpec(template, 'spec.template'));
  validateAlwaysRestart(template, 'DaemonSet', errs);
  nonNegative(spec.minReadySeconds, 'spec.minReadySeconds', errs);
  const us = obj(spec.updateStrategy, 'spec.updateStrategy', errs) ?? {};
  const type = str(us.type, 'spec.updateStrategy.type', errs) ?? '';
  const ruPath = 'spec.updateStrategy.rollingUpdate';
  if (type === 'RollingUpdate') {
    const ru = obj(us.rollingUpdate, ruPath, errs);
    if (!ru) {
      if (missing(us.rollingUpdate)) errs.push(field.required(ruPath, ''));
    } else {
      const mu = intOrString(ru.maxUnavailable, child(ruPath, 'maxUnavailable'), errs) ?? 0;
      const ms = intOrString(ru.maxSurge, child(ruPath, 'maxSurge'), errs) ?? 0;
      validateIntOrPercent(mu, child(ruPath, 'maxUnavailable'), errs);
      validateIntOrPercent(ms, child(ruPath, 'maxSurge'), errs);
      notMoreThan100Percent(mu, child(ruPath, 'maxUnavailable'), errs);
      notMoreThan100Percent(ms, child(ruPath, 'maxSurge'), errs);
      const hasUnavailable = intOrPercentValue(mu) !== 0;
      const hasSurge = intOrPercentValue(ms) !== 0;
      if (hasUnavailable && hasSurge) errs.push(invalidGo(child(ruPath, 'maxSurge'), ms, goIntOrString(ms), 'may not be set when maxUnavailable is non-zero'));
      else if (!hasUnavailable && !hasSurge) errs.push(field.required(child(ruPath, 'maxUnavailable'), 'cannot be 0 when maxSurge is 0'));
    }
  } else if (type !== 'OnDelete') {
    const ruText = missing(us.rollingUpdate) ? '(*apps.RollingUpdateDaemonSet)(nil)' : '(*apps.RollingUpdateDaemonSet)(0xc000010000)';
    errs.push(notSupportedGo('spec.updateStrategy', us, `apps.DaemonSetUpdateStrategy{Type:${JSON.stringify(type)}, RollingUpdate:${ruText}}`, ['RollingUpdate', 'OnDelete']));
  }
  nonNegative(spec.revisionHistoryLimit, 'spec.revisionHistoryLimit', errs);
  return errs;
}

/** The apps/v1 strategies' rule: spec.selector never changes after creation. */
function selectorImmutable(spec: Obj, oldSpec: Obj): FieldError[] {
  if (deepEqual(spec.selector ?? null, oldSpec.selector ?? null)) return [];
  return [invalidGo('spec.selector', spec.selector ?? null, goLabelSelector(spec.selector), fieldImmutableErrorMsg)];
}

const specOf = (o: Obj): Obj => (isObj(o.spec) ? o.spec : {});

/** ValidateDeploymentUpdate plus the apps/v1 selector rule. */
export function validateDeploymentUpdate(d: Obj, old: Obj): FieldError[] {
  return [...validateObjectMetaUpdate(d.metadata, old.metadata), ...validateDeployment(d), ...selectorImmutable(specOf(d), specOf(old))];
}

/** ValidateReplicaSetUpdate plus the apps/v1 selector rule. */
export function validateReplicaSetUpdate(rs: Obj, old: Obj): FieldError[] {
  return [...validateObjectMetaUpdate(rs.metadata, old.metadata), ...validateReplicaSet(rs), ...selectorImmutable(specOf(rs), specOf(old))];
}

/** ValidateDaemonSetUpdate plus the apps/v1 selector rule. */
export function validateDaemonSetUpdate(ds: Obj, old: Obj): FieldError[] {
  return [...validateObjectMetaUpdate(ds.metadata, old.metadata), ...validateDaemonSet(ds), ...selectorImmutable(specOf(ds), specOf(old))];
}

/** StatefulSet fields that may change after creation; anything else in spec is forbidden to change. */
const STATEFULSET_MUTABLE = ['replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds'];

/** ValidateStatefulSetUpdate. */
export function validateStatefulSetUpdate(ss: Obj, old: Obj): FieldError[] {
  const errs = [...validateObjectMetaUpdate(ss.metadata, old.metadata), ...validateStatefulSet(ss)];
  const strip = (s: Obj) => Object.fromEntries(Object.entries(s).filter(([k]) => !STATEFULSET_MUTABLE.includes(k)));
  if (!deepEqual(strip(specOf(ss)), strip(specOf(old)))) {
    errs.push(
      field.forbidden(
        'spec',
        "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
      ),
    );
  }
  return errs;
}
