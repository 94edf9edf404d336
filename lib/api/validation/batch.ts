// batch/v1 Job, as batch validation's ValidateJob / ValidateJobUpdate (podFailurePolicy and
// successPolicy are not modelled and pass unchecked).
import { type FieldError, field } from '../errors.js';
import { validateLabelSelector } from '../labels.js';
import { asSelector } from './apps.js';
import { goLabelSelector, goStringMap, invalidGo } from './govalue.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './meta.js';
import { fieldImmutableErrorMsg, isDNS1123Label, isDomainPrefixedPath, isNegativeErrorMsg, nameIsDNSSubdomain } from './names.js';
import { missing, templateLabels, validatePodTemplateSpec } from './podspec.js';
import { type Errs, type Obj, deepEqual, int, isObj, obj, str } from './values.js';

/** The labels the Job registry puts on pod templates (legacy and `batch.kubernetes.io/` forms). */
export const JOB_LABELS = {
  legacyControllerUid: 'controller-uid',
  legacyJobName: 'job-name',
  controllerUid: 'batch.kubernetes.io/controller-uid',
  jobName: 'batch.kubernetes.io/job-name',
} as const;

const MAX_PARALLELISM_INDEXED = 100000;
const MAX_FAILED_INDEXES = 100000;
const MAX_MANAGED_BY_LENGTH = 63;

function nonNegative(v: unknown, path: string, errs: Errs): number | undefined {
  const n = int(v, path, errs);
  if (n !== undefined && n < 0) errs.push(field.invalid(path, n, isNegativeErrorMsg));
  return n;
}

/** ValidateHasLabel: the template must carry `key=expected`. */
function hasLabel(meta: Obj, key: string, expected: string, errs: Errs): void {
  const labels = isObj(meta.labels) ? meta.labels : undefined;
  const path = `spec.template.metadata.labels[${key}]`;
  if (!labels || !(key in labels)) errs.push(field.required(path, `must be '${expected}'`));
  else if (labels[key] !== expected) errs.push(invalidGo(path, labels, goStringMap(labels), `must be '${expected}'`));
}

/** validateGeneratedSelector: a generated selector must select exactly this Job's pods. */
function validateGeneratedSelector(job: Obj, spec: Obj, errs: Errs): void {
  if (spec.manualSelector === true || missing(spec.selector)) return;
  const meta = isObj(job.metadata) ? job.metadata : {};
  const uid = typeof meta.uid === 'string' ? meta.uid : '';
  const name = typeof meta.name === 'string' ? meta.name : '';
  if (uid === '') errs.push(field.required('metadata.uid', ''));
  const template = isObj(spec.template) ? spec.template : {};
  const tmeta = isObj(template.metadata) ? template.metadata : {};
  hasLabel(tmeta, JOB_LABELS.legacyControllerUid, uid, errs);
  hasLabel(tmeta, JOB_LABELS.legacyJobName, name, errs);
  hasLabel(tmeta, JOB_LABELS.controllerUid, uid, errs);
  hasLabel(tmeta, JOB_LABELS.jobName, name, errs);
  const expected = {
    [JOB_LABELS.controllerUid]: uid,
    [JOB_LABELS.jobName]: name,
    [JOB_LABELS.legacyControllerUid]: uid,
    [JOB_LABELS.legacyJobName]: name,
  };
  const sel = asSelector(spec.selector);
  if (sel.ok && !sel.selector.matches(expected)) errs.push(invalidGo('spec.selector', spec.selector, goLabelSelector(spec.selector), '`selector` not auto-generated'));
}

function validateJobSpec(spec: Obj, errs: Errs): void {
  const parallelism = nonNegative(spec.parallelism, 'spec.parallelism', errs);
  const completions = nonNegative(spec.completions, 'spec.completions', errs);
  nonNegative(spec.activeDeadlineSeconds, 'spec.activeDeadlineSeconds', errs);
  nonNegative(spec.backoffLimit, 'spec.backoffLimit', errs);
  nonNegative(spec.ttlSecondsAfterFinished, 'spec.ttlSecondsAfterFinished', errs);
  const blpi = nonNegative(spec.backoffLimitPerIndex, 'spec.backoffLimitPerIndex', errs);
  const mfi = nonNegative(spec.maxFailedIndexes, 'spec.maxFailedIndexes', errs);
  if (mfi !== undefined && missing(spec.backoffLimitPerIndex)) errs.push(field.required('spec.backoffLimitPerIndex', 'when maxFailedIndexes is specified'));
  const managedBy = str(spec.managedBy, 'spec.managedBy', errs);
  if (managedBy !== undefined) {
    errs.push(...isDomainPrefixedPath('spec.managedBy', managedBy));
    if (managedBy.length > MAX_MANAGED_BY_LENGTH) errs.push(field.tooLong('spec.managedBy', MAX_MANAGED_BY_LENGTH));
  }
  const mode = str(spec.completionMode, 'spec.completionMode', errs);
  if (mode !== undefined) {
    if (mode !== 'NonIndexed' && mode !== 'Indexed') errs.push(field.notSupported('spec.completionMode', mode, ['NonIndexed', 'Indexed']));
    if (mode === 'Indexed') {
      if (completions === undefined) errs.push(field.required('spec.completions', 'when completion mode is Indexed'));
      if (parallelism !== undefined && parallelism > MAX_PARALLELISM_INDEXED) {
        errs.push(field.invalid('spec.parallelism', parallelism, `must be less than or equal to ${MAX_PARALLELISM_INDEXED} when completion mode is Indexed`));
      }
      if (completions !== undefined && mfi !== undefined && mfi > completions) errs.push(field.invalid('spec.maxFailedIndexes', mfi, 'must be less than or equal to completions'));
      if (mfi !== undefined && mfi > MAX_FAILED_INDEXES) errs.push(field.invalid('spec.maxFailedIndexes', mfi, `must be less than or equal to ${MAX_FAILED_INDEXES}`));
    }
  }
  if (mode === undefined || mode === 'NonIndexed') {
    if (blpi !== undefined) errs.push(field.invalid('spec.backoffLimitPerIndex', blpi, 'requires indexed completion mode'));
    if (mfi !== undefined) errs.push(field.invalid('spec.maxFailedIndexes', mfi, 'requires indexed completion mode'));
  }
  const prp = str(spec.podReplacementPolicy, 'spec.podReplacementPolicy', errs);
  if (prp !== undefined) {
    if (!missing(spec.podFailurePolicy)) {
      if (prp !== 'Failed') errs.push(field.notSupported('spec.podReplacementPolicy', prp, ['Failed']));
    } else if (prp !== 'Failed' && prp !== 'TerminatingOrFailed') {
      errs.push(field.notSupported('spec.podReplacementPolicy', prp, ['Failed', 'TerminatingOrFailed']));
    }
  }
  const template = obj(spec.template, 'spec.template', errs) ?? {};
  errs.push(...validatePodTemplateSpec(template, 'spec.template'));
  const tspec = isObj(template.spec) ? template.spec : {};
  const rp = typeof tspec.restartPolicy === 'string' ? tspec.restartPolicy : '';
  // A missing restartPolicy was defaulted to Always, which Jobs cannot use.
  if (rp === 'Always' || rp === '') errs.push(field.required('spec.template.spec.restartPolicy', 'valid values: "OnFailure", "Never"'));
  else if (rp !== 'OnFailure' && rp !== 'Never') errs.push(field.notSupported('spec.template.spec.restartPolicy', rp, ['OnFailure', 'Never']));
  else if (!missing(spec.podFailurePolicy) && rp !== 'Never') {
    errs.push(field.invalid('spec.template.spec.restartPolicy', rp, 'only "Never" is supported when podFailurePolicy is specified'));
  }
}

/** ValidateJob (create): name, generated selector, spec, and room for Indexed pod hostnames. */
export function validateJob(job: Obj): FieldError[] {
  const errs = validateObjectMeta(job.metadata, true, nameIsDNSSubdomain);
  const spec = obj(job.spec, 'spec', errs) ?? {};
  validateGeneratedSelector(job, spec, errs);
  validateJobSpec(spec, errs);
  if (missing(spec.selector)) errs.push(field.required('spec.selector', ''));
  else errs.push(...validateLabelSelector(spec.selector, 'spec.selector'));
  const sel = asSelector(spec.selector);
  const template = isObj(spec.template) ? spec.template : {};
  const labels = templateLabels(template);
  if (sel.ok && !sel.selector.matches(labels)) {
    errs.push(invalidGo('spec.template.metadata.labels', labels ?? null, goStringMap(labels), '`selector` does not match template `labels`'));
  }
  const completions = typeof spec.completions === 'number' ? spec.completions : 0;
  if (spec.completionMode === 'Indexed' && completions > 0) {
    const name = isObj(job.metadata) && typeof job.metadata.name === 'string' ? job.metadata.name : '';
    const hostname = `${name}-${completions - 1}`;
    if (isDNS1123Label(hostname).length) {
      errs.push(field.invalid('metadata.name', name, `will not able to create pod with invalid DNS label: ${hostname}`));
    }
  }
  return errs;
}

/** ValidateJobUpdate: selector, template (unless suspended and never started), mode, and completions are fixed. */
export function validateJobUpdate(job: Obj, old: Obj): FieldError[] {
  const errs = [...validateJob(job), ...validateObjectMetaUpdate(job.metadata, old.metadata)];
  const spec = isObj(job.spec) ? job.spec : {};
  const oldSpec = isObj(old.spec) ? old.spec : {};
  if (!deepEqual(spec.completions ?? null, oldSpec.completions ?? null)) {
    // ElasticIndexedJob: Indexed Jobs may change completions together with parallelism.
    if (spec.completionMode !== 'Indexed') errs.push(field.invalid('spec.completions', spec.completions ?? null, fieldImmutableErrorMsg));
    else if (typeof spec.completions === 'number' && spec.completions !== spec.parallelism) {
      errs.push(field.invalid('spec.completions', spec.completions, 'can only be modified in tandem with spec.parallelism'));
    }
  }
  if (!deepEqual(spec.selector ?? null, oldSpec.selector ?? null)) {
    errs.push(invalidGo('spec.selector', spec.selector ?? null, goLabelSelector(spec.selector), fieldImmutableErrorMsg));
  }
  // Scheduling directives may change only while the Job is suspended and has never started.
  const oldStatus = isObj(old.status) ? old.status : {};
  const mutableScheduling = oldSpec.suspend === true && missing(oldStatus.startTime);
  const comparable = (t: unknown): unknown => {
    if (!mutableScheduling || !isObj(t)) return t ?? null;
    const tspec = isObj(t.spec) ? t.spec : {};
    const { nodeSelector: _a, tolerations: _b, schedulingGates: _c, ...rest } = tspec;
    const affinity = isObj(tspec.affinity) ? { ...tspec.affinity, nodeAffinity: undefined } : tspec.affinity;
    return { spec: { ...rest, affinity } };
  };
  if (!deepEqual(comparable(spec.template), comparable(oldSpec.template))) {
    errs.push(field.invalid('spec.template', spec.template ?? null, fieldImmutableErrorMsg));
  }
  for (const f of ['completionMode', 'podFailurePolicy', 'backoffLimitPerIndex', 'managedBy', 'successPolicy']) {
    if (!deepEqual(spec[f] ?? null, oldSpec[f] ?? null)) errs.push(field.invalid(`spec.${f}`, spec[f] ?? null, fieldImmutableErrorMsg));
  }
  return errs;
}
