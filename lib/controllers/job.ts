// The Job controller (pkg/controller/job, 1.33+ behaviour): runs `parallelism` pods until
// `completions` succeed (NonIndexed) or every index 0..completions-1 succeeded (Indexed, pods
// `<job>-<index>-<suffix>`), counts finished pods exactly once through the job-tracking
// finalizer and `status.uncountedTerminatedPods`, backs off after failures (10 s doubling, at
// most 6 min), and finishes with SuccessCriteriaMet then Complete, or FailureTarget then
// Failed (BackoffLimitExceeded, DeadlineExceeded).
//
// The API server normally writes the generated selector and the job labels into the spec; when
// they are absent the controller behaves as if they were there (selector on
// batch.kubernetes.io/controller-uid, the four labels on every pod).
import { type Selector, selectorFromLabelSelector } from '../api/labels.js';
import type { Condition, LabelSelector } from '../api/meta.js';
import type { Job, Pod, PodTemplateSpec } from '../api/types.js';
import type { Controller, ControllerContext, ReconcileResult } from '../reconcile/controller.js';
import { TerminalError } from '../reconcile/controller.js';
import { WorkQueue } from '../reconcile/workqueue.js';
import type { Informer } from '../store/informer.js';
import { compareActivePods } from './activepods.js';
import { InstantCoalescer } from './coalesce.js';
import { claimCandidates, claimObjects, ensureControllerIndex, getControllerOf, ignoreNotFound, newControllerRef, ownedBy, ownerChanged, podOwnerHandlers } from './controllerref.js';
import { errorText, PodControl } from './podcontrol.js';
import { isPodActive, isPodReady, podReadyCondition, simTime } from './podconditions.js';
import { jsonEqual } from './podtemplatehash.js';

/** The finalizer that keeps a finished pod until the Job counted it. */
export const JOB_TRACKING_FINALIZER = 'batch.kubernetes.io/job-tracking';
/** The labels the API server puts on a Job's pod template (new and legacy keys). */
export const JOB_CONTROLLER_UID_LABEL = 'batch.kubernetes.io/controller-uid';
export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';
export const LEGACY_CONTROLLER_UID_LABEL = 'controller-uid';
export const LEGACY_JOB_NAME_LABEL = 'job-name';
/** Annotation and label carrying an Indexed Job pod's completion index. */
export const JOB_COMPLETION_INDEX = 'batch.kubernetes.io/job-completion-index';
const COMPLETION_INDEX_ENV = 'JOB_COMPLETION_INDEX';
const COMPONENT = 'job-controller';
/** Most pods one sync creates or deletes. */
export const MAX_POD_CREATE_DELETE_PER_SYNC = 500;
/** Most pods added to uncountedTerminatedPods in one sync. */
const MAX_UNCOUNTED_PODS = 500;
/** DefaultJobPodFailureBackOff and MaxJobPodFailureBackOff. */
export const DEFAULT_JOB_POD_FAILURE_BACKOFF_MS = 10_000;
export const MAX_JOB_POD_FAILURE_BACKOFF_MS = 360_000;

interface UncountedTerminatedPods {
  succeeded?: string[];
  failed?: string[];
}
/** batch/v1 JobStatus with the fields lib/api/types.ts leaves out. */
export type JobStatus = NonNullable<Job['status']> & {
  terminating?: number;
  uncountedTerminatedPods?: UncountedTerminatedPods;
  completedIndexes?: string;
};

// ---- spec with the API server's defaults ----

function parallelismOf(job: Job): number {
  return job.spec.parallelism ?? 1;
}
function completionsOf(job: Job): number | undefined {
  if (job.spec.completions !== undefined) return job.spec.completions;
  return job.spec.parallelism === undefined ? 1 : undefined;
}
function backoffLimitOf(job: Job): number {
  return job.spec.backoffLimit ?? 6;
}
function isIndexed(job: Job): boolean {
  return job.spec.completionMode === 'Indexed';
}

/** The Job's pod selector: spec.selector, or the one the API server would have generated. */
export function jobSelector(job: Job): LabelSelector {
  return job.spec.selector ?? { matchLabels: { [JOB_CONTROLLER_UID_LABEL]: job.metadata.uid! } };
}

/** The template pods are made from: the job labels added when the API server did not (no selector, not manual). */
export function jobPodTemplate(job: Job): PodTemplateSpec {
  const t = structuredClone(job.spec.template);
  if (!job.spec.manualSelector && !job.spec.selector) {
    t.metadata = {
      ...t.metadata,
      labels: {
        ...t.metadata?.labels,
        [JOB_CONTROLLER_UID_LABEL]: job.metadata.uid!,
        [JOB_NAME_LABEL]: job.metadata.name!,
        [LEGACY_CONTROLLER_UID_LABEL]: job.metadata.uid!,
        [LEGACY_JOB_NAME_LABEL]: job.metadata.name!,
      },
    };
  }
  const finalizers = t.metadata?.finalizers ?? [];
  if (!finalizers.includes(JOB_TRACKING_FINALIZER)) t.metadata = { ...t.metadata, finalizers: [...finalizers, JOB_TRACKING_FINALIZER] };
  return t;
}

// ---- completion indexes ----

/** The pod's completion index from its annotation, or -1. */
export function completionIndex(pod: Pod): number {
  const v = pod.metadata.annotations?.[JOB_COMPLETION_INDEX];
  if (v === undefined || !/^\d+$/.test(v)) return -1;
  const n = Number(v);
  return n <= 2147483647 ? n : -1;
}

/** Parses `status.completedIndexes` ("0-2,4,6,7") into a set. */
export function parseIndexes(s: string | undefined, completions: number): Set<number> {
  const out = new Set<number>();
  if (!s) return out;
  for (const part of s.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) continue;
    const first = Number(m[1]);
    const last = m[2] === undefined ? first : Number(m[2]);
    for (let i = first; i <= last && i < completions; i++) out.add(i);
  }
  return out;
}

/** Formats indexes as upstream's orderedIntervals: ranges of 3+ as `a-b`, pairs as `a,b`. */
export function formatIndexes(set: ReadonlySet<number>): string {
  const xs = [...set].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < xs.length; ) {
    let j = i;
    while (j + 1 < xs.length && xs[j + 1] === xs[j]! + 1) j++;
    if (j === i) parts.push(String(xs[i]));
    else if (j === i + 1) parts.push(`${xs[i]},${xs[j]}`);
    else parts.push(`${xs[i]}-${xs[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

// ---- pod state ----

const hasFinalizer = (p: Pod) => (p.metadata.finalizers ?? []).includes(JOB_TRACKING_FINALIZER);

/** isPodFailed: Failed, or deleted before it succeeded (an orphan never reaching Failed). */
function isPodFailed(p: Pod): boolean {
  if (p.status?.phase === 'Failed') return true;
  return p.metadata.deletionTimestamp !== undefined && p.status?.phase !== 'Succeeded';
}

/** getFinishedTime: the last container finish, else when Ready turned False, else the deletion, else now. */
function finishedTime(p: Pod, now: number): number {
  let t = Number.NaN;
  for (const s of p.status?.containerStatuses ?? []) {
    const fin = (s.state?.terminated as { finishedAt?: string } | undefined)?.finishedAt;
    const v = simTime(fin);
    if (!Number.isNaN(v) && (Number.isNaN(t) || v > t)) t = v;
  }
  if (Number.isNaN(t)) {
    const c = podReadyCondition(p);
    if (c && c.status === 'False') t = simTime(c.lastTransitionTime);
  }
  if (Number.isNaN(t)) t = simTime(p.metadata.deletionTimestamp);
  return Number.isNaN(t) ? now : t;
}

function newJobCondition(type: string, status: Condition['status'], reason: string, message: string, now: string): Condition {
  return { type, status, lastProbeTime: now, lastTransitionTime: now, reason, message };
}

/** ensureJobConditionStatus: appends a True condition or updates an existing one; true when changed. */
function ensureCondition(status: JobStatus, type: string, value: Condition['status'], reason: string, message: string, now: string): boolean {
  const list = status.conditions ?? [];
  const i = list.findIndex((c) => c.type === type);
  if (i >= 0) {
    const c = list[i]!;
    if (c.status === value && c.reason === reason && c.message === message) return false;
    list[i] = { ...c, status: value, reason, message, lastProbeTime: now, lastTransitionTime: c.status !== value ? now : c.lastTransitionTime };
    status.conditions = list;
    return true;
  }
  if (value !== 'True') return false;
  status.conditions = [...list, newJobCondition(type, value, reason, message, now)];
  return true;
}

function conditionTrue(status: JobStatus | undefined, type: string): Condition | undefined {
  return status?.conditions?.find((c) => c.type === type && c.status === 'True');
}

/** IsJobFinished: Complete or Failed is True. */
export function isJobFinished(job: Job): boolean {
  return !!conditionTrue(job.status, 'Complete') || !!conditionTrue(job.status, 'Failed');
}

interface BackoffRecord {
  failuresAfterLastSuccess: number;
  lastFailureTime: number;
}

/** Reconciles Jobs into pods that run to completion. */
export class JobController implements Controller {
  readonly name = 'job';
  readonly queue: WorkQueue;
  readonly #jobs: Informer<Job>;
  readonly #pods: Informer<Pod>;
  readonly #podControl: PodControl;
  readonly #backoff = new Map<string, BackoffRecord>();
  /** Pods deleted while still holding the tracking finalizer, by job UID: counted on the next sync. */
  readonly #deletedUncounted = new Map<string, Map<string, Pod>>();
  /** Pod events: one reconcile per Job per instant. */
  readonly #podEvents: InstantCoalescer;

  constructor(private readonly ctx: ControllerContext) {
    this.queue = new WorkQueue(this.name, ctx.timers);
    this.#podEvents = new InstantCoalescer(ctx.timers, this.queue);
    this.#jobs = ctx.informers.for<Job>('Job');
    this.#pods = ctx.informers.for<Pod>('Pod');
    this.#podControl = new PodControl(ctx, COMPONENT);
    ensureControllerIndex(this.#pods);
    const enqueue = (j: Job) => this.queue.add(`${j.metadata.namespace}/${j.metadata.name}`);
    this.#jobs.on('add', enqueue).on('update', (old, j) => {
      if (ownerChanged(old, j)) enqueue(j);
    }).on('delete', (j) => {
      this.#deletedUncounted.delete(j.metadata.uid!);
      enqueue(j);
    });
    const pods = podOwnerHandlers<Job>({
      kind: 'Job',
      onOwned: (key) => this.#podEvents.add(key),
      candidates: (ns) => this.#jobs.lister.list(ns),
      selectorOf: jobSelector,
      enqueue,
    });
    const podEvent = pods.event;
    this.#pods
      .on('add', (p) => podEvent(p, true))
      .on('update', pods.update)
      .on('delete', (p) => {
        const ref = getControllerOf(p);
        if (ref?.kind === 'Job' && hasFinalizer(p)) {
          // The store removes the pod at once; keep its last state so it is still counted.
          let m = this.#deletedUncounted.get(ref.uid);
          if (!m) this.#deletedUncounted.set(ref.uid, (m = new Map()));
          const last: Pod = { ...p, metadata: { ...p.metadata, deletionTimestamp: p.metadata.deletionTimestamp ?? this.ctx.clock.timestamp() } };
          m.set(p.metadata.uid!, last);
        }
        podEvent(p, false);
      });
  }

  async reconcile(key: string): Promise<ReconcileResult | undefined> {
    const [ns, name] = key.split('/') as [string, string];
    const cached = this.#jobs.lister.get(ns, name);
    if (!cached) {
      this.#backoff.delete(key);
      return undefined;
    }
    if (isJobFinished(cached)) {
      this.#backoff.delete(key);
      this.#deletedUncounted.delete(cached.metadata.uid!);
      return undefined;
    }
    if (cached.spec.completionMode !== undefined && cached.spec.completionMode !== 'NonIndexed' && cached.spec.completionMode !== 'Indexed') {
      await this.ctx.events.record(cached, 'Warning', 'UnknownCompletionMode', 'Skipped Job sync because completion mode is unknown', COMPONENT);
      return undefined;
    }
    const job = structuredClone(cached);
    const status: JobStatus = (job.status ??= {}) as JobStatus;
    status.uncountedTerminatedPods ??= {};
    const uncounted = status.uncountedTerminatedPods;
    const nowMs = this.ctx.clock.now();
    const now = this.ctx.clock.timestamp();
    let requeueAfter: number | undefined;

    let selector: Selector;
    try {
      selector = selectorFromLabelSelector(jobSelector(job));
    } catch (e) {
      throw new TerminalError(`Job ${key}: invalid selector: ${errorText(e)}`);
    }
    const claimed = await claimObjects(this.ctx.store, job, selector, claimCandidates(this.#pods, job), undefined, JOB_TRACKING_FINALIZER);
    const gone = this.#deletedUncounted.get(job.metadata.uid!);
    const live = new Set(claimed.map((p) => p.metadata.uid));
    const pods = gone ? [...claimed, ...[...gone.values()].filter((p) => !live.has(p.metadata.uid))] : claimed;
    let activePods = claimed.filter(isPodActive);
    const terminating = claimed.filter((p) => p.metadata.deletionTimestamp !== undefined && p.status?.phase !== 'Failed' && p.status?.phase !== 'Succeeded').length;

    const completions = completionsOf(job);
    const indexed = isIndexed(job) && completions !== undefined;
    const uncountedSucceeded = new Set(uncounted.succeeded ?? []);
    const uncountedFailed = new Set(uncounted.failed ?? []);
    const validIndex = (p: Pod) => !indexed || (completionIndex(p) >= 0 && completionIndex(p) < completions!);
    const newFinished = (pred: (p: Pod) => boolean) => pods.filter((p) => hasFinalizer(p) && !uncountedSucceeded.has(p.metadata.uid!) && !uncountedFailed.has(p.metadata.uid!) && validIndex(p) && pred(p));
    const newSucceeded = newFinished((p) => p.status?.phase === 'Succeeded');
    const newFailed = newFinished(isPodFailed);
    let succeeded = (status.succeeded ?? 0) + newSucceeded.length + uncountedSucceeded.size;
    const failed = (status.failed ?? 0) + newFailed.length + uncountedFailed.size;

    const suspended = job.spec.suspend === true;
    if (!status.startTime && !suspended) status.startTime = now;
    const backoff = this.#newBackoffRecord(key, newSucceeded, newFailed, nowMs);

    let finished: Condition | undefined = conditionTrue(status, 'SuccessCriteriaMet');
    if (!finished) {
      const target = conditionTrue(status, 'FailureTarget');
      if (target) finished = newJobCondition('Failed', 'True', target.reason ?? '', target.message ?? '', now);
    }
    if (!finished) {
      if (failed > backoffLimitOf(job) || this.#pastBackoffLimitOnFailure(job, pods)) {
        finished = newJobCondition('FailureTarget', 'True', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit', now);
      } else if (job.spec.activeDeadlineSeconds !== undefined && status.startTime && !suspended) {
        const left = simTime(status.startTime) + job.spec.activeDeadlineSeconds * 1000 - nowMs;
        if (left <= 0) finished = newJobCondition('FailureTarget', 'True', 'DeadlineExceeded', 'Job was active longer than specified deadline', now);
        else requeueAfter = left;
      }
    }

    let prevSucceededIndexes = new Set<number>();
    let succeededIndexes = new Set<number>();
    if (indexed) {
      prevSucceededIndexes = parseIndexes(status.completedIndexes, completions!);
      succeededIndexes = new Set(prevSucceededIndexes);
      for (const p of pods) if (p.status?.phase === 'Succeeded' && hasFinalizer(p) && validIndex(p)) succeededIndexes.add(completionIndex(p));
      succeeded = succeededIndexes.size;
    }

    let active = activePods.length;
    let ready = activePods.filter(isPodReady).length;
    let manageError: unknown;
    if (finished) {
      // The job is over: remove what still runs.
      let deleted = 0;
      for (const p of activePods) {
        try {
          if (await this.#podControl.deletePod(p, job)) deleted++;
          if (isPodReady(p)) ready--;
        } catch (e) {
          manageError ??= e;
        }
      }
      if (deleted !== active) finished = undefined;
      active -= deleted;
    } else {
      if (job.metadata.deletionTimestamp === undefined) {
        try {
          const r = await this.#manageJob(job, activePods, succeeded, succeededIndexes, backoff, nowMs);
          active = r.active;
          ready = Math.min(ready, active);
          if (r.requeueAfter !== undefined) requeueAfter = Math.min(requeueAfter ?? Number.POSITIVE_INFINITY, r.requeueAfter);
        } catch (e) {
          manageError = e;
          activePods = ownedBy(this.#pods, job.metadata.uid!).filter(isPodActive);
          active = activePods.length;
        }
      }
      const complete = completions === undefined ? succeeded > 0 && active === 0 : succeeded >= completions && active === 0;
      if (complete) finished = newJobCondition('SuccessCriteriaMet', 'True', 'CompletionsReached', 'Reached expected number of succeeded pods', now);
      else if (suspended) {
        if (ensureCondition(status, 'Suspended', 'True', 'JobSuspended', 'Job suspended', now)) await this.ctx.events.record(job, 'Normal', 'Suspended', 'Job suspended', COMPONENT);
      } else if (ensureCondition(status, 'Suspended', 'False', 'JobResumed', 'Job resumed', now)) {
        await this.ctx.events.record(job, 'Normal', 'Resumed', 'Job resumed', COMPONENT);
        status.startTime = now;
      }
    }

    if (active) status.active = active;
    else delete status.active;
    status.ready = ready;
    status.terminating = terminating;

    await this.#trackStatusAndRemoveFinalizers(job, status, pods, finished, indexed, completions, prevSucceededIndexes, succeededIndexes, terminating, backoff, key);
    if (manageError !== undefined) throw manageError;
    return requeueAfter !== undefined ? { requeueAfter } : undefined;
  }

  /** manageJob: deletes surplus pods or creates missing ones (after the failure backoff). */
  async #manageJob(job: Job, activePods: Pod[], succeeded: number, succeededIndexes: Set<number>, backoff: BackoffRecord, nowMs: number): Promise<{ active: number; requeueAfter?: number }> {
    let active = activePods.length;
    const parallelism = parallelismOf(job);
    const completions = completionsOf(job);
    if (job.spec.suspend) {
      for (const p of this.#podsForRemoval(job, activePods, active)) if (await this.#podControl.deletePod(p, job)) active--;
      return { active };
    }
    let want: number;
    if (completions === undefined) want = succeeded > 0 ? active : parallelism;
    else want = Math.max(0, Math.min(completions - succeeded, parallelism));
    const rm = this.#podsForRemoval(job, activePods, Math.max(0, active - want)).slice(0, MAX_POD_CREATE_DELETE_PER_SYNC);
    if (rm.length) {
      for (const p of rm) if (await this.#podControl.deletePod(p, job)) active--;
      return { active };
    }
    let diff = want - active;
    if (diff <= 0) return { active };
    const remaining = remainingBackoff(backoff, nowMs);
    if (remaining > 0) return { active, requeueAfter: remaining };
    diff = Math.min(diff, MAX_POD_CREATE_DELETE_PER_SYNC);
    const indexes: number[] = [];
    if (isIndexed(job) && completions !== undefined) {
      const busy = new Set(activePods.map(completionIndex));
      for (let i = 0; i < completions && indexes.length < diff; i++) if (!succeededIndexes.has(i) && !busy.has(i)) indexes.push(i);
      diff = indexes.length;
    }
    const template = jobPodTemplate(job);
    if (isIndexed(job)) {
      for (const c of [...(template.spec.initContainers ?? []), ...template.spec.containers]) {
        if ((c.env ?? []).some((e) => e.name === COMPLETION_INDEX_ENV)) continue;
        c.env = [...(c.env ?? []), { name: COMPLETION_INDEX_ENV, valueFrom: { fieldRef: { fieldPath: `metadata.labels['${JOB_COMPLETION_INDEX}']` } } }];
      }
    }
    const ref = newControllerRef(job);
    const res = await this.#podControl.slowStartBatch(diff, (i) => {
      if (indexes.length === 0) return this.#podControl.createPod(template, job, ref);
      const ix = indexes[i]!;
      const t = structuredClone(template);
      t.metadata = {
        ...t.metadata,
        annotations: { ...t.metadata?.annotations, [JOB_COMPLETION_INDEX]: String(ix) },
        labels: { ...t.metadata?.labels, [JOB_COMPLETION_INDEX]: String(ix) },
      };
      t.spec.hostname = `${job.metadata.name}-${ix}`;
      return this.#podControl.createPod(t, job, ref, podGenerateNameWithIndex(job.metadata.name!, ix));
    });
    active += res.created;
    if (res.error !== undefined) throw res.error;
    return { active };
  }

  /** activePodsForRemoval: duplicate or out-of-range indexes first, then the ActivePods order. */
  #podsForRemoval(job: Job, pods: Pod[], rmAtLeast: number): Pod[] {
    let rm: Pod[] = [];
    let left: Pod[] = pods;
    const completions = completionsOf(job);
    if (isIndexed(job) && completions !== undefined) {
      left = [];
      const byIndex = new Map<number, Pod[]>();
      for (const p of pods) {
        const ix = completionIndex(p);
        if (ix < 0 || ix >= completions) rm.push(p);
        else byIndex.set(ix, [...(byIndex.get(ix) ?? []), p]);
      }
      for (const ix of [...byIndex.keys()].sort((a, b) => a - b)) {
        const same = byIndex.get(ix)!.sort(compareActivePods);
        rm.push(...same.slice(0, -1));
        left.push(same[same.length - 1]!);
      }
    }
    if (rm.length < rmAtLeast) rm = rm.concat([...left].sort(compareActivePods).slice(0, rmAtLeast - rm.length));
    return rm;
  }

  /** pastBackoffLimitOnFailure: with restartPolicy OnFailure, container restarts count against backoffLimit. */
  #pastBackoffLimitOnFailure(job: Job, pods: Pod[]): boolean {
    if (job.spec.template.spec.restartPolicy !== 'OnFailure') return false;
    let restarts = 0;
    for (const p of pods) {
      if (p.status?.phase !== 'Running' && p.status?.phase !== 'Pending') continue;
      for (const s of p.status?.containerStatuses ?? []) restarts += s.restartCount;
    }
    const limit = backoffLimitOf(job);
    return limit === 0 ? restarts > 0 : restarts >= limit;
  }

  /** newBackoffRecord: failures since the last success and when the last one finished. */
  #newBackoffRecord(key: string, succeededPods: Pod[], failedPods: Pod[], now: number): BackoffRecord {
    const prev = this.#backoff.get(key) ?? { failuresAfterLastSuccess: 0, lastFailureTime: Number.NaN };
    if (succeededPods.length === 0) {
      if (failedPods.length === 0) return prev;
      const last = Math.max(...failedPods.map((p) => finishedTime(p, now)));
      return { failuresAfterLastSuccess: prev.failuresAfterLastSuccess + failedPods.length, lastFailureTime: Number.isNaN(prev.lastFailureTime) ? last : Math.max(last, prev.lastFailureTime) };
    }
    const lastSuccess = Math.max(...succeededPods.map((p) => finishedTime(p, now)));
    const after = failedPods.filter((p) => finishedTime(p, now) > lastSuccess);
    if (after.length === 0) return { failuresAfterLastSuccess: 0, lastFailureTime: Number.NaN };
    return { failuresAfterLastSuccess: after.length, lastFailureTime: Math.max(...after.map((p) => finishedTime(p, now))) };
  }

  /**
   * trackJobStatusAndRemoveFinalizers: records newly finished pods in uncountedTerminatedPods,
   * removes their finalizers, moves them into the counters, and adds the final condition once
   * nothing is left uncounted or terminating.
   */
  async #trackStatusAndRemoveFinalizers(
    job: Job,
    status: JobStatus,
    pods: Pod[],
    finishedIn: Condition | undefined,
    indexed: boolean,
    completions: number | undefined,
    prevSucceededIndexes: Set<number>,
    succeededIndexes: Set<number>,
    terminating: number,
    backoff: BackoffRecord,
    key: string,
  ): Promise<void> {
    let finished = finishedIn;
    const now = this.ctx.clock.timestamp();
    const uncounted = status.uncountedTerminatedPods!;
    const uSucceeded = [...(uncounted.succeeded ?? [])];
    const uFailed = [...(uncounted.failed ?? [])];
    const sorted = indexed ? [...pods].sort((a, b) => completionIndex(a) - completionIndex(b)) : pods;
    const toRemove: Pod[] = [];
    let reachedMax = false;
    let newIndexes = 0;
    for (const pod of sorted) {
      if (!hasFinalizer(pod)) continue;
      const considerFailed = isPodFailed(pod);
      const canRemove = job.metadata.deletionTimestamp !== undefined || finished !== undefined || pod.status?.phase === 'Succeeded' || considerFailed;
      if (!canRemove) continue;
      toRemove.push(pod);
      const uid = pod.metadata.uid!;
      if (pod.status?.phase === 'Succeeded' && !uFailed.includes(uid)) {
        if (indexed) {
          const ix = completionIndex(pod);
          if (ix >= 0 && ix < completions! && !prevSucceededIndexes.has(ix)) newIndexes++;
        } else if (!uSucceeded.includes(uid)) uSucceeded.push(uid);
      } else if (considerFailed || (finished && finished.type !== 'SuccessCriteriaMet')) {
        const ix = completionIndex(pod);
        if (!uFailed.includes(uid) && (!indexed || (ix >= 0 && ix < completions!))) uFailed.push(uid);
      }
      if (newIndexes + uSucceeded.length + uFailed.length >= MAX_UNCOUNTED_PODS) {
        reachedMax = true;
        break;
      }
    }
    uncounted.succeeded = uSucceeded.length ? uSucceeded : undefined;
    uncounted.failed = uFailed.length ? uFailed : undefined;
    if (indexed) {
      status.completedIndexes = formatIndexes(succeededIndexes);
      if (status.completedIndexes === '') delete status.completedIndexes;
      if (succeededIndexes.size) status.succeeded = succeededIndexes.size;
    }
    if (finished?.type === 'FailureTarget') {
      status.conditions = [...(status.conditions ?? []), finished];
      finished = newJobCondition('Failed', 'True', finished.reason ?? '', finished.message ?? '', now);
    }
    if (finished?.type === 'SuccessCriteriaMet') {
      if (!conditionTrue(status, 'SuccessCriteriaMet')) status.conditions = [...(status.conditions ?? []), finished];
      finished = newJobCondition('Complete', 'True', finished.reason ?? '', finished.message ?? '', now);
    }
    // Flush the uncounted pods (and interim conditions) before touching finalizers.
    await this.#writeStatus(job, status);
    this.#backoff.set(key, backoff);

    const gone = this.#deletedUncounted.get(job.metadata.uid!);
    const stillHeld = new Set<string>();
    for (const p of pods) if (hasFinalizer(p)) stillHeld.add(p.metadata.uid!);
    for (const pod of toRemove) {
      const uid = pod.metadata.uid!;
      if (gone?.has(uid)) {
        gone.delete(uid);
        stillHeld.delete(uid);
        continue;
      }
      const copy = structuredClone(pod);
      copy.metadata.finalizers = (copy.metadata.finalizers ?? []).filter((f) => f !== JOB_TRACKING_FINALIZER);
      if (copy.metadata.finalizers.length === 0) delete copy.metadata.finalizers;
      await ignoreNotFound(this.ctx.store.update(copy));
      stillHeld.delete(uid);
    }
    if (gone && gone.size === 0) this.#deletedUncounted.delete(job.metadata.uid!);
    // Move the pods whose finalizers are gone into the counters.
    const keepS = uSucceeded.filter((u) => stillHeld.has(u));
    const keepF = uFailed.filter((u) => stillHeld.has(u));
    const addS = uSucceeded.length - keepS.length;
    const addF = uFailed.length - keepF.length;
    if (addS) status.succeeded = (status.succeeded ?? 0) + addS;
    if (addF) status.failed = (status.failed ?? 0) + addF;
    uncounted.succeeded = keepS.length ? keepS : undefined;
    uncounted.failed = keepF.length ? keepF : undefined;

    let jobFinished = false;
    if (!reachedMax && finished && keepS.length + keepF.length === 0 && terminating === 0) {
      ensureCondition(status, finished.type, finished.status, finished.reason ?? '', finished.message ?? '', now);
      if (finished.type === 'Complete') status.completionTime = now;
      jobFinished = true;
    }
    await this.#writeStatus(job, status);
    if (jobFinished) {
      if (finished!.type === 'Complete') {
        if (completions !== undefined && (status.succeeded ?? 0) > completions) {
          await this.ctx.events.record(job, 'Warning', 'TooManySucceededPods', 'Too many succeeded pods running after completion count reached', COMPONENT);
        }
        await this.ctx.events.record(job, 'Normal', 'Completed', 'Job completed', COMPONENT);
      } else {
        await this.ctx.events.record(job, 'Warning', finished!.reason ?? '', finished!.message ?? '', COMPONENT);
      }
    }
  }

  async #writeStatus(job: Job, status: JobStatus): Promise<void> {
    const out = normaliseStatus(status);
    const cur = this.#jobs.lister.get(job.metadata.namespace, job.metadata.name!);
    if (!cur || cur.metadata.uid !== job.metadata.uid) return;
    if (jsonEqual(cur.status ?? {}, out)) return;
    await this.ctx.store.updateStatus({ ...cur, status: structuredClone(out) });
  }
}

/** The status as the API prints it: zero counters omitted, uncountedTerminatedPods always present. */
function normaliseStatus(s: JobStatus): JobStatus {
  const out: JobStatus = { ...s };
  for (const k of ['active', 'succeeded', 'failed'] as const) if (!out[k]) delete out[k];
  const u = s.uncountedTerminatedPods ?? {};
  out.uncountedTerminatedPods = { ...(u.succeeded?.length ? { succeeded: u.succeeded } : {}), ...(u.failed?.length ? { failed: u.failed } : {}) };
  return out;
}

/** getRemainingTime: the failure backoff (10 s × 2^(n-1), capped at 6 min) left before new pods. */
export function remainingBackoff(r: BackoffRecord, now: number): number {
  if (r.failuresAfterLastSuccess === 0 || Number.isNaN(r.lastFailureTime)) return 0;
  const backoff = Math.min(DEFAULT_JOB_POD_FAILURE_BACKOFF_MS * 2 ** (r.failuresAfterLastSuccess - 1), MAX_JOB_POD_FAILURE_BACKOFF_MS);
  const elapsed = now - r.lastFailureTime;
  return backoff < elapsed ? 0 : backoff - elapsed;
}

/** podGenerateNameWithIndex: `<job>-<index>-`, the job name cut so the prefix fits 58 characters. */
export function podGenerateNameWithIndex(jobName: string, index: number): string {
  const suffix = `-${index}-`;
  const max = 58;
  const prefix = jobName + suffix;
  return prefix.length > max ? jobName.slice(0, max - suffix.length) + suffix : prefix;
}
