// The HorizontalPodAutoscaler controller (pkg/controller/podautoscaler, autoscaling/v2):
// every 15 s (the sync period; the only periodic loop, kept only while the HPA exists) it
// computes desired = ceil(ratio × ready pods) from the pods' CPU against their requests,
// skips changes inside the tolerance (0.9..1.1 by default), stabilises (scale-down keeps the
// highest recommendation of the last 300 s), limits the rate (behavior policies, or
// max(2×current, 4) without behavior), clamps to min/max and writes the target's replicas.
//
// Timing: as upstream's fixed-interval queue, the first sync comes one period after the HPA
// appears and the rest follow every period. To let a run become quiescent, an HPA whose result
// cannot change with time alone (no scaling, nothing stabilising, no pod whose sample is still
// time-dependent) stops polling; a change to its target or to a selected pod resumes it on the
// next tick of its 15 s grid, with the recommendations the skipped syncs would have recorded.
//
// Per-pod CPU load: the metrics-server stand-in reads the annotation `netsim.io/cpu-usage`
// (a quantity, e.g. "250m") from each Running pod; when a pod has none, the same annotation on
// the scale target's own metadata applies to all its pods (changing it does not roll the pods,
// unlike a change to the pod template). No annotation anywhere means an idle pod (0m).
import { isStatusError } from '../api/errors.js';
import { type Selector, selectorFromLabelSelector, selectorFromSet } from '../api/labels.js';
import type { Condition, KubeObject } from '../api/meta.js';
import { parseMilli } from '../api/quantity.js';
import type { HorizontalPodAutoscaler, HPAScalingRules, MetricSpec, Pod, Quantity } from '../api/types.js';
import { kindInfo } from '../api/types.js';
import type { Controller, ControllerContext, ReconcileResult } from '../reconcile/controller.js';
import { WorkQueue } from '../reconcile/workqueue.js';
import type { Informer } from '../store/informer.js';
import { labelMatcher } from './controllerref.js';
import { podReadyCondition, simTime } from './podconditions.js';
import { canonicalJSON, jsonEqual } from './podtemplatehash.js';

/** Annotation giving a pod's CPU usage (on the pod, or on the scale target for all its pods). */
export const CPU_USAGE_ANNOTATION = 'netsim.io/cpu-usage';
/** --horizontal-pod-autoscaler-sync-period. */
export const HPA_SYNC_PERIOD_MS = 15_000;
/** --horizontal-pod-autoscaler-tolerance. */
export const HPA_TOLERANCE = 0.1;
/** --horizontal-pod-autoscaler-downscale-stabilization. */
export const DOWNSCALE_STABILIZATION_MS = 300_000;
const CPU_INITIALIZATION_PERIOD_MS = 300_000;
const INITIAL_READINESS_DELAY_MS = 30_000;
/** The window metrics-server reports a sample over. */
const METRIC_WINDOW_MS = 15_000;
const COMPONENT = 'horizontal-pod-autoscaler';
const SCALE_KINDS = ['Deployment', 'ReplicaSet', 'StatefulSet', 'ReplicationController'] as const;

type HPAStatus = NonNullable<HorizontalPodAutoscaler['status']>;
interface Rec {
  recommendation: number;
  timestamp: number;
}
interface ScaleEvent {
  replicaChange: number;
  timestamp: number;
  outdated: boolean;
}
interface Tolerances {
  up: number;
  down: number;
}

/** resource.NewMilliQuantity(v, DecimalSI).String(): "250m", "1", "1500m", "2k". */
export function formatMilli(v: number): string {
  if (v === 0) return '0';
  let n = v;
  let exp = -3;
  while (n % 1000 === 0 && exp < 18) {
    n /= 1000;
    exp += 3;
  }
  const suffix: Record<number, string> = { [-3]: 'm', 0: '', 3: 'k', 6: 'M', 9: 'G', 12: 'T', 15: 'P', 18: 'E' };
  return `${n}${suffix[exp]}`;
}

/** Tolerances.isWithin: the ratio lies in [1 - down, 1 + up]. */
function isWithin(t: Tolerances, ratio: number): boolean {
  return 1.0 - t.down <= ratio && ratio <= 1.0 + t.up;
}

function toleranceOf(rules: HPAScalingRules | undefined): number {
  if (rules?.tolerance === undefined) return HPA_TOLERANCE;
  return parseMilli(rules.tolerance as Quantity) / 1000;
}

/** The pod-metrics the replica calculator works on: milli-CPU per pod name. */
type PodMetrics = Map<string, number>;

export interface ReplicaCalculation {
  replicas: number;
  /** Some pod counted as unready or missing: the same inputs can give another answer later. */
  timeSensitive?: boolean;
  utilization?: number;
  /** Average usage (milli) of the pods counted. */
  raw: number;
}

/** groupPods: ready count, and the names of unready, missing and ignored pods. */
function groupPods(pods: readonly Pod[], metrics: PodMetrics, nowMs: number): { ready: number; unready: Set<string>; missing: Set<string>; ignored: Set<string> } {
  const unready = new Set<string>();
  const missing = new Set<string>();
  const ignored = new Set<string>();
  let ready = 0;
  for (const pod of pods) {
    const name = pod.metadata.name!;
    if (pod.metadata.deletionTimestamp !== undefined || pod.status?.phase === 'Failed') {
      ignored.add(name);
      continue;
    }
    if (pod.status?.phase === 'Pending') {
      unready.add(name);
      continue;
    }
    if (!metrics.has(name)) {
      missing.add(name);
      continue;
    }
    const cond = podReadyCondition(pod);
    const start = simTime(pod.status?.startTime);
    let isUnready: boolean;
    if (!cond || Number.isNaN(start)) isUnready = true;
    else if (start + CPU_INITIALIZATION_PERIOD_MS > nowMs) {
      // The sample is taken now over one window: it must not straddle the last transition.
      isUnready = cond.status === 'False' || nowMs < simTime(cond.lastTransitionTime) + METRIC_WINDOW_MS;
    } else {
      isUnready = cond.status === 'False' && start + INITIAL_READINESS_DELAY_MS > simTime(cond.lastTransitionTime);
    }
    if (isUnready) unready.add(name);
    else ready++;
  }
  return { ready, unready, missing, ignored };
}

/** calculateRequests: the summed CPU requests (milli) of each pod's containers. */
function podRequests(pods: readonly Pod[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const pod of pods) {
    let sum = 0;
    for (const c of pod.spec.containers) {
      const r = c.resources?.requests?.cpu;
      if (r === undefined) throw new Error(`missing request for cpu in container ${c.name} of Pod ${pod.metadata.name}`);
      sum += parseMilli(r);
    }
    out.set(pod.metadata.name!, sum);
  }
  return out;
}

/** GetResourceUtilizationRatio: integer utilization percent (truncated) over the target. */
function utilizationRatio(metrics: PodMetrics, requests: Map<string, number>, target: number): { ratio: number; utilization: number; raw: number } {
  let total = 0;
  let req = 0;
  let n = 0;
  for (const [name, v] of metrics) {
    const r = requests.get(name);
    if (r === undefined) continue;
    total += v;
    req += r;
    n++;
  }
  if (req === 0) throw new Error('no metrics returned matched known pods');
  const utilization = Math.trunc((total * 100) / req);
  return { ratio: utilization / target, utilization, raw: Math.trunc(total / n) };
}

/** GetMetricUsageRatio: average usage (truncated) over the target. */
function usageRatio(metrics: PodMetrics, target: number): { ratio: number; usage: number } {
  let total = 0;
  for (const v of metrics.values()) total += v;
  const usage = Math.trunc(total / metrics.size);
  return { ratio: usage / target, usage };
}

/**
 * The replica calculator for a CPU resource target, as GetResourceReplicas (utilization)
 * and GetRawResourceReplicas (average value): unready pods count 0 on a scale-up, missing
 * pods 100% (or the target) on a scale-down and 0 on a scale-up, and a change of direction
 * after that correction keeps the current count. Throws upstream's error texts.
 */
export function calculateReplicas(
  pods: readonly Pod[],
  metrics: PodMetrics,
  currentReplicas: number,
  target: { utilization?: number; averageValueMilli?: number },
  tolerances: Tolerances,
  nowMs: number,
): ReplicaCalculation {
  if (pods.length === 0) throw new Error('no pods returned by selector while calculating replica count');
  const m = new Map(metrics);
  const { ready, unready, missing, ignored } = groupPods(pods, m, nowMs);
  for (const n of ignored) m.delete(n);
  for (const n of unready) m.delete(n);
  if (m.size === 0) throw new TimeSensitiveError('did not receive metrics for targeted pods (pods might be unready)');
  const sensitive = unready.size > 0 || missing.size > 0 ? { timeSensitive: true } : {};
  const calc = calculateReplicaCount(pods, m, ready, unready, missing, currentReplicas, target, tolerances);
  return { ...calc, ...sensitive };
}

/** An error that may go away with time alone (samples becoming valid): keep polling. */
class TimeSensitiveError extends Error {}

function calculateReplicaCount(
  pods: readonly Pod[],
  m: PodMetrics,
  ready: number,
  unready: Set<string>,
  missing: Set<string>,
  currentReplicas: number,
  target: { utilization?: number; averageValueMilli?: number },
  tolerances: Tolerances,
): ReplicaCalculation {
  if (target.averageValueMilli !== undefined) {
    const t = target.averageValueMilli;
    const { ratio, usage } = usageRatio(m, t);
    const upWithUnready = unready.size > 0 && ratio > 1.0;
    if (!upWithUnready && missing.size === 0) {
      if (isWithin(tolerances, ratio)) return { replicas: currentReplicas, raw: usage };
      return { replicas: Math.ceil(ratio * ready), raw: usage };
    }
    if (missing.size > 0) for (const n of missing) m.set(n, ratio < 1.0 ? t : 0);
    if (upWithUnready) for (const n of unready) m.set(n, 0);
    const next = usageRatio(m, t).ratio;
    if (isWithin(tolerances, next) || (ratio < 1.0 && next > 1.0) || (ratio > 1.0 && next < 1.0)) return { replicas: currentReplicas, raw: usage };
    const replicas = Math.ceil(next * m.size);
    if ((next < 1.0 && replicas > currentReplicas) || (next > 1.0 && replicas < currentReplicas)) return { replicas: currentReplicas, raw: usage };
    return { replicas, raw: usage };
  }
  const t = target.utilization!;
  const requests = podRequests(pods);
  const { ratio, utilization, raw } = utilizationRatio(m, requests, t);
  const upWithUnready = unready.size > 0 && ratio > 1.0;
  if (!upWithUnready && missing.size === 0) {
    if (isWithin(tolerances, ratio)) return { replicas: currentReplicas, utilization, raw };
    return { replicas: Math.ceil(ratio * ready), utilization, raw };
  }
  if (missing.size > 0) {
    if (ratio < 1.0) {
      const fallback = Math.max(100, t);
      for (const n of missing) m.set(n, Math.trunc((requests.get(n)! * fallback) / 100));
    } else if (ratio > 1.0) for (const n of missing) m.set(n, 0);
  }
  if (upWithUnready) for (const n of unready) m.set(n, 0);
  const next = utilizationRatio(m, requests, t).ratio;
  if (isWithin(tolerances, next) || (ratio < 1.0 && next > 1.0) || (ratio > 1.0 && next < 1.0)) return { replicas: currentReplicas, utilization, raw };
  const replicas = Math.ceil(next * m.size);
  if ((next < 1.0 && replicas > currentReplicas) || (next > 1.0 && replicas < currentReplicas)) return { replicas: currentReplicas, utilization, raw };
  return { replicas, utilization, raw };
}

/** setConditionInList: update in place (transition time only when the status flips) or append. */
function setCondition(status: HPAStatus, type: string, value: Condition['status'], reason: string, message: string, now: string): void {
  const list = (status.conditions ??= []);
  let c = list.find((x) => x.type === type);
  if (!c) {
    c = { type, status: value };
    list.push(c);
    c.lastTransitionTime = now;
  } else if (c.status !== value) c.lastTransitionTime = now;
  c.status = value;
  c.reason = reason;
  c.message = message;
}

/** An HPA that stopped polling: what wakes it, and the size its skipped syncs would recommend (-1: none). */
interface IdleHPA {
  namespace: string;
  matches: (labels: Readonly<Record<string, string>> | undefined) => boolean;
  /** `Kind/namespace/name` of the scale target. */
  target: string;
  replicas: number;
  since: number;
}
type Settled = Omit<IdleHPA, 'since'> | undefined;

/** What the scale subresource gives the HPA. */
interface ScaleSubresource {
  target: KubeObject;
  replicas: number;
  selector: Selector;
}

class ComputeError extends Error {
  constructor(
    message: string,
    readonly condition: Condition,
    readonly timeSensitive = false,
  ) {
    super(message);
  }
}

/** Scales Deployments, ReplicaSets, StatefulSets and ReplicationControllers on CPU. */
export class HorizontalPodAutoscalerController implements Controller {
  readonly name = 'horizontalpodautoscaling';
  readonly queue: WorkQueue;
  readonly #hpas: Informer<HorizontalPodAutoscaler>;
  readonly #pods: Informer<Pod>;
  readonly #targets = new Map<string, Informer<KubeObject>>();
  readonly #recommendations = new Map<string, Rec[]>();
  readonly #scaleUpEvents = new Map<string, ScaleEvent[]>();
  readonly #scaleDownEvents = new Map<string, ScaleEvent[]>();
  /** When each HPA's 15 s grid started (its creation). */
  readonly #phase = new Map<string, number>();
  /** HPAs that stopped polling, with what wakes them. */
  readonly #idle = new Map<string, IdleHPA>();

  constructor(private readonly ctx: ControllerContext) {
    this.queue = new WorkQueue(this.name, ctx.timers);
    this.#hpas = ctx.informers.for<HorizontalPodAutoscaler>('HorizontalPodAutoscaler');
    this.#pods = ctx.informers.for<Pod>('Pod');
    for (const k of SCALE_KINDS) this.#targets.set(k, ctx.informers.for<KubeObject>(k));
    // As the HPA's fixed-interval rate limiter: every enqueue waits one sync period.
    const key = (h: HorizontalPodAutoscaler) => `${h.metadata.namespace}/${h.metadata.name}`;
    this.#hpas
      .on('add', (h) => {
        this.#phase.set(key(h), this.ctx.clock.now());
        this.queue.addAfter(key(h), HPA_SYNC_PERIOD_MS);
      })
      .on('update', (old, cur) => {
        if (!jsonEqual(old.spec, cur.spec)) this.#wake(key(cur));
      })
      .on('delete', (h) => this.queue.add(key(h)));
    const podEvent = (p: Pod) => {
      for (const [k, idle] of this.#idle) if (idle.namespace === p.metadata.namespace && idle.matches(p.metadata.labels)) this.#wake(k);
    };
    this.#pods.on('add', podEvent).on('update', (_, p) => podEvent(p)).on('delete', podEvent);
    for (const [kind, inf] of this.#targets) {
      const targetEvent = (o: KubeObject) => {
        const t = `${kind}/${o.metadata.namespace}/${o.metadata.name}`;
        for (const [k, idle] of this.#idle) if (idle.target === t) this.#wake(k);
      };
      inf.on('add', targetEvent).on('update', (_, o) => targetEvent(o)).on('delete', targetEvent);
    }
  }

  /** Resumes an idle HPA on the next tick of its grid, recording the syncs it skipped. */
  #wake(key: string): void {
    const idle = this.#idle.get(key);
    if (!idle) return;
    this.#idle.delete(key);
    const now = this.ctx.clock.now();
    const phase = this.#phase.get(key) ?? now;
    // A change at a tick's instant comes after that tick's sync, as in a running controller.
    const next = phase + (Math.floor((now - phase) / HPA_SYNC_PERIOD_MS) + 1) * HPA_SYNC_PERIOD_MS;
    const lastSkipped = next - HPA_SYNC_PERIOD_MS;
    // Each skipped sync would have recommended the unchanged size: the latest one stands for all.
    if (idle.replicas >= 0 && lastSkipped > idle.since) {
      const recs = this.#recommendations.get(key) ?? [];
      recs.push({ recommendation: idle.replicas, timestamp: lastSkipped });
      this.#recommendations.set(key, recs);
    }
    this.queue.addAfter(key, next - now);
  }

  async reconcile(key: string): Promise<ReconcileResult | undefined> {
    const [ns, name] = key.split('/') as [string, string];
    const hpa = this.#hpas.lister.get(ns, name);
    if (!hpa) {
      this.#recommendations.delete(key);
      this.#scaleUpEvents.delete(key);
      this.#scaleDownEvents.delete(key);
      this.#phase.delete(key);
      this.#idle.delete(key);
      return undefined;
    }
    if (this.#idle.has(key)) return undefined;
    if (!this.#phase.has(key)) this.#phase.set(key, this.ctx.clock.now());
    const settled = await this.#reconcileAutoscaler(structuredClone(hpa), key);
    if (settled) {
      this.#idle.set(key, { ...settled, since: this.ctx.clock.now() });
      return undefined;
    }
    // The HPA's resync: the next look comes one sync period later, while the object exists.
    return { requeueAfter: HPA_SYNC_PERIOD_MS };
  }

  /** The scale subresource of the target: spec.replicas and the pod selector. */
  #scaleOf(hpa: HorizontalPodAutoscaler): ScaleSubresource {
    const ref = hpa.spec.scaleTargetRef;
    const inf = this.#targets.get(ref.kind);
    const info = kindInfo(ref.kind);
    if (!inf || !info) {
      const group = (ref.apiVersion ?? '').includes('/') ? (ref.apiVersion ?? '').split('/')[0] : '';
      throw new Error(`no matches for kind "${ref.kind}" in group "${group}"`);
    }
    const target = inf.lister.get(hpa.metadata.namespace, ref.name);
    if (!target) {
      const group = info.apiVersion.includes('/') ? `.${info.apiVersion.split('/')[0]}` : '';
      throw new Error(`${info.resource}${group} "${ref.name}" not found`);
    }
    const spec = target.spec as { replicas?: number; selector?: unknown; template?: { metadata?: { labels?: Record<string, string> } } };
    const selector =
      ref.kind === 'ReplicationController'
        ? selectorFromSet((spec.selector as Record<string, string> | undefined) ?? spec.template?.metadata?.labels ?? {})
        : selectorFromLabelSelector(spec.selector as never);
    return { target, replicas: spec.replicas ?? 1, selector };
  }

  /** The metrics-server stand-in: CPU usage of every Running, started pod (from the annotation). */
  #metrics(pods: readonly Pod[], target: KubeObject): PodMetrics {
    const fallback = target.metadata.annotations?.[CPU_USAGE_ANNOTATION];
    const m: PodMetrics = new Map();
    for (const p of pods) {
      if (p.status?.phase !== 'Running' || !p.status.startTime) continue;
      const v = p.metadata.annotations?.[CPU_USAGE_ANNOTATION] ?? fallback;
      let milli = 0;
      if (v !== undefined) {
        try {
          milli = parseMilli(v);
        } catch {
          milli = 0;
        }
      }
      m.set(p.metadata.name!, milli);
    }
    return m;
  }

  /** One sync; returns how to idle when nothing can change with time alone, else undefined. */
  async #reconcileAutoscaler(hpa: HorizontalPodAutoscaler, key: string): Promise<Settled> {
    const original = canonicalJSON(hpa.status ?? {});
    const ref = hpa.spec.scaleTargetRef;
    const idle = (matches: IdleHPA['matches'], replicas: number): Settled => ({ namespace: hpa.metadata.namespace!, matches, target: `${ref.kind}/${hpa.metadata.namespace}/${ref.name}`, replicas });
    const status: HPAStatus = (hpa.status ??= { currentReplicas: 0, desiredReplicas: 0 });
    const now = this.ctx.clock.timestamp();
    const nowMs = this.ctx.clock.now();
    let scale: ScaleSubresource;
    try {
      scale = this.#scaleOf(hpa);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      await this.ctx.events.record(hpa, 'Warning', 'FailedGetScale', msg, COMPONENT);
      setCondition(status, 'AbleToScale', 'False', 'FailedGetScale', `the HPA controller was unable to get the target's current scale: ${msg}`, now);
      await this.#writeStatus(hpa, original);
      return idle(() => false, -1);
    }
    const matches = labelMatcher(scale.selector);
    setCondition(status, 'AbleToScale', 'True', 'SucceededGetScale', "the HPA controller was able to get the target's current scale", now);
    const current = scale.replicas;
    if (!this.#recommendations.has(key)) this.#recommendations.set(key, [{ recommendation: current, timestamp: nowMs }]);
    const minReplicas = hpa.spec.minReplicas ?? 1;
    let desired = 0;
    let reason = '';
    let rescale = true;
    let metricStatuses: unknown[] | undefined;
    let settled: Settled;
    if (current === 0 && minReplicas !== 0) {
      settled = idle(matches, -1);
      rescale = false;
      setCondition(status, 'ScalingActive', 'False', 'ScalingDisabled', 'scaling is disabled since the replica count of the target is zero', now);
    } else if (current > hpa.spec.maxReplicas) {
      reason = 'Current number of replicas above Spec.MaxReplicas';
      desired = hpa.spec.maxReplicas;
    } else if (current < minReplicas) {
      reason = 'Current number of replicas below Spec.MinReplicas';
      desired = minReplicas;
    } else {
      const res = await this.#computeReplicasForMetrics(hpa, status, scale, current, now, nowMs);
      metricStatuses = res.statuses;
      if (res.error && res.replicas === -1) {
        status.currentReplicas = current;
        status.currentMetrics = metricStatuses;
        await this.#writeStatus(hpa, original);
        await this.ctx.events.record(hpa, 'Warning', 'FailedComputeMetricsReplicas', res.error, COMPONENT);
        return res.timeSensitive ? undefined : idle(matches, -1);
      }
      const prenormalized = Math.max(0, res.replicas);
      let metric = '';
      if (res.replicas > desired) {
        desired = res.replicas;
        metric = res.metric;
      }
      if (desired > current) reason = `${metric} above target`;
      if (desired < current) reason = 'All metrics below target';
      desired = hpa.spec.behavior ? this.#normalizeWithBehaviors(hpa, status, key, current, desired, minReplicas, now, nowMs) : this.#normalize(hpa, status, key, current, desired, minReplicas, now, nowMs);
      rescale = desired !== current;
      if (!rescale && prenormalized === current && !res.timeSensitive) settled = idle(matches, current);
    }
    if (rescale) {
      try {
        const copy = structuredClone(scale.target);
        (copy.spec as { replicas?: number }).replicas = desired;
        await this.ctx.store.update(copy);
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        await this.ctx.events.record(hpa, 'Warning', 'FailedRescale', `New size: ${desired}; reason: ${reason}; error: ${msg}`, COMPONENT);
        setCondition(status, 'AbleToScale', 'False', 'FailedUpdateScale', `the HPA controller was unable to update the target scale: ${msg}`, now);
        status.currentReplicas = current;
        status.currentMetrics = metricStatuses;
        await this.#writeStatus(hpa, original);
        if (!isStatusError(e)) throw e;
        return undefined;
      }
      setCondition(status, 'AbleToScale', 'True', 'SucceededRescale', `the HPA controller was able to update the target scale to ${desired}`, now);
      await this.ctx.events.record(hpa, 'Normal', 'SuccessfulRescale', `New size: ${desired}; reason: ${reason}`, COMPONENT);
      this.#storeScaleEvent(hpa, key, current, desired, nowMs);
    } else desired = current;
    status.currentReplicas = current;
    status.desiredReplicas = desired;
    status.currentMetrics = metricStatuses;
    if (status.currentMetrics === undefined) delete status.currentMetrics;
    if (rescale) status.lastScaleTime = now;
    await this.#writeStatus(hpa, original);
    return rescale ? undefined : settled;
  }

  async #computeReplicasForMetrics(
    hpa: HorizontalPodAutoscaler,
    status: HPAStatus,
    scale: { target: KubeObject; selector: Selector },
    specReplicas: number,
    now: string,
    nowMs: number,
  ): Promise<{ replicas: number; metric: string; statuses: unknown[]; error?: string; timeSensitive: boolean }> {
    const specs: MetricSpec[] = hpa.spec.metrics?.length ? hpa.spec.metrics : [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }];
    const statuses: unknown[] = specs.map(() => ({ type: '' }));
    const tolerances = { up: toleranceOf(hpa.spec.behavior?.scaleUp), down: toleranceOf(hpa.spec.behavior?.scaleDown) };
    let replicas = 0;
    let metric = '';
    let invalid = 0;
    let firstError: ComputeError | undefined;
    let timeSensitive = false;
    const pods = this.#pods.lister.list(hpa.metadata.namespace, scale.selector);
    for (let i = 0; i < specs.length; i++) {
      try {
        const r = await this.#computeForMetric(hpa, specs[i]!, pods, scale.target, specReplicas, tolerances, nowMs);
        statuses[i] = r.status;
        if (r.timeSensitive) timeSensitive = true;
        if (replicas === 0 || r.replicas > replicas) {
          replicas = r.replicas;
          metric = r.metric;
        }
      } catch (e) {
        const ce = e instanceof ComputeError ? e : new ComputeError(String(e), { type: 'ScalingActive', status: 'False', reason: 'FailedGetResourceMetric', message: String(e) });
        if (!firstError) firstError = ce;
        if (ce.timeSensitive) timeSensitive = true;
        invalid++;
      }
    }
    const error = firstError ? `invalid metrics (${invalid} invalid out of ${specs.length}), first error is: ${firstError.message}` : undefined;
    if (invalid >= specs.length || (invalid > 0 && replicas < specReplicas)) {
      const c = firstError!.condition;
      setCondition(status, c.type, c.status, c.reason ?? '', c.message ?? '', now);
      return { replicas: -1, metric: '', statuses, timeSensitive, ...(error ? { error } : {}) };
    }
    setCondition(status, 'ScalingActive', 'True', 'ValidMetricFound', `the HPA was able to successfully calculate a replica count from ${metric}`, now);
    return { replicas, metric, statuses, timeSensitive, ...(error ? { error } : {}) };
  }

  async #computeForMetric(
    hpa: HorizontalPodAutoscaler,
    spec: MetricSpec,
    pods: readonly Pod[],
    target: KubeObject,
    current: number,
    tolerances: Tolerances,
    nowMs: number,
  ): Promise<{ replicas: number; metric: string; status: unknown; timeSensitive?: boolean }> {
    const fail = async (reason: string, inner: string, outer: string, timeSensitive = false) => {
      await this.ctx.events.record(hpa, 'Warning', reason, inner, COMPONENT);
      return new ComputeError(outer, { type: 'ScalingActive', status: 'False', reason, message: `the HPA was unable to compute the replica count: ${inner}` }, timeSensitive);
    };
    if (spec.type !== 'Resource' || !spec.resource) {
      const msg = `unknown metric source type "${spec.type}"`;
      throw new ComputeError(msg, { type: 'ScalingActive', status: 'False', reason: 'InvalidMetricSourceType', message: `the HPA was unable to compute the replica count: ${msg}` });
    }
    const res = spec.resource.name;
    const t = spec.resource.target;
    if (t.averageValue === undefined && t.averageUtilization === undefined) {
      const inner = 'invalid resource metric source: neither an average utilization target nor an average value (usage) target was set';
      throw await fail('FailedGetResourceMetric', inner, `failed to get ${res} resource metric value: ${inner}`);
    }
    const what = t.averageValue !== undefined ? 'usage' : 'utilization';
    let calc: ReplicaCalculation;
    try {
      if (res !== 'cpu') throw new Error(`unable to get metrics for resource ${res}: no metrics returned from resource metrics API`);
      const metrics = this.#metrics(pods, target);
      if (metrics.size === 0) throw new Error(`unable to get metrics for resource ${res}: no metrics returned from resource metrics API`);
      calc = calculateReplicas(
        pods,
        metrics,
        current,
        t.averageValue !== undefined ? { averageValueMilli: parseMilli(t.averageValue) } : { utilization: t.averageUtilization! },
        tolerances,
        nowMs,
      );
    } catch (e) {
      const inner = `failed to get ${res} ${what}: ${e instanceof Error ? e.message : String(e)}`;
      throw await fail('FailedGetResourceMetric', inner, `failed to get ${res} resource metric value: ${inner}`, e instanceof TimeSensitiveError);
    }
    if (t.averageValue !== undefined) {
      return { replicas: calc.replicas, metric: `${res} resource`, status: { type: 'Resource', resource: { name: res, current: { averageValue: formatMilli(calc.raw) } } }, timeSensitive: !!calc.timeSensitive };
    }
    return {
      replicas: calc.replicas,
      metric: `${res} resource utilization (percentage of request)`,
      status: { type: 'Resource', resource: { name: res, current: { averageUtilization: calc.utilization, averageValue: formatMilli(calc.raw) } } },
      timeSensitive: !!calc.timeSensitive,
    };
  }

  // ---- without behavior: downscale stabilisation and max(2×current, 4) ----

  #normalize(hpa: HorizontalPodAutoscaler, status: HPAStatus, key: string, current: number, prenormalized: number, minReplicas: number, now: string, nowMs: number): number {
    const stabilized = this.#stabilize(key, prenormalized, nowMs);
    if (stabilized !== prenormalized) {
      setCondition(status, 'AbleToScale', 'True', 'ScaleDownStabilized', 'recent recommendations were higher than current one, applying the highest recent recommendation', now);
    } else setCondition(status, 'AbleToScale', 'True', 'ReadyForNewScale', 'recommended size matches current size', now);
    const scaleUpLimit = Math.max(2 * current, 4);
    let max: number;
    let cond: string;
    let msg: string;
    if (hpa.spec.maxReplicas > scaleUpLimit) {
      max = scaleUpLimit;
      cond = 'ScaleUpLimit';
      msg = 'the desired replica count is increasing faster than the maximum scale rate';
    } else {
      max = hpa.spec.maxReplicas;
      cond = 'TooManyReplicas';
      msg = 'the desired replica count is more than the maximum replica count';
    }
    let desired = stabilized;
    if (stabilized < minReplicas) {
      desired = minReplicas;
      cond = 'TooFewReplicas';
      msg = 'the desired replica count is less than the minimum replica count';
    } else if (stabilized > max) desired = max;
    else {
      cond = 'DesiredWithinRange';
      msg = 'the desired count is within the acceptable range';
    }
    setCondition(status, 'ScalingLimited', desired === stabilized ? 'False' : 'True', cond, msg, now);
    return desired;
  }

  /** stabilizeRecommendation: the highest recommendation within the downscale window. */
  #stabilize(key: string, prenormalized: number, nowMs: number): number {
    const recs = this.#recommendations.get(key) ?? [];
    let max = prenormalized;
    let oldIndex = -1;
    const cutoff = nowMs - DOWNSCALE_STABILIZATION_MS;
    recs.forEach((r, i) => {
      if (r.timestamp < cutoff) oldIndex = i;
      else if (r.recommendation > max) max = r.recommendation;
    });
    if (oldIndex >= 0) recs[oldIndex] = { recommendation: prenormalized, timestamp: nowMs };
    else recs.push({ recommendation: prenormalized, timestamp: nowMs });
    this.#recommendations.set(key, recs);
    return max;
  }

  // ---- with behavior ----

  #normalizeWithBehaviors(hpa: HorizontalPodAutoscaler, status: HPAStatus, key: string, current: number, prenormalized: number, minReplicas: number, now: string, nowMs: number): number {
    const up = scaleUpRules(hpa.spec.behavior?.scaleUp);
    const down = scaleDownRules(hpa.spec.behavior?.scaleDown);
    // Stabilize: scale-up takes the lowest, scale-down the highest recommendation in its window.
    const recs = this.#recommendations.get(key) ?? [];
    const upCutoff = nowMs - up.stabilizationWindowSeconds * 1000;
    const downCutoff = nowMs - down.stabilizationWindowSeconds * 1000;
    const obsolete = nowMs - Math.max(up.stabilizationWindowSeconds, down.stabilizationWindowSeconds) * 1000;
    let upRec = prenormalized;
    let downRec = prenormalized;
    let oldIndex = -1;
    recs.forEach((r, i) => {
      if (r.timestamp > upCutoff) upRec = Math.min(r.recommendation, upRec);
      if (r.timestamp > downCutoff) downRec = Math.max(r.recommendation, downRec);
      if (r.timestamp < obsolete) oldIndex = i;
    });
    let stabilized = current;
    if (stabilized < upRec) stabilized = upRec;
    if (stabilized > downRec) stabilized = downRec;
    if (oldIndex >= 0) recs[oldIndex] = { recommendation: prenormalized, timestamp: nowMs };
    else recs.push({ recommendation: prenormalized, timestamp: nowMs });
    this.#recommendations.set(key, recs);
    if (stabilized !== prenormalized) {
      if (prenormalized >= current) setCondition(status, 'AbleToScale', 'True', 'ScaleUpStabilized', 'recent recommendations were lower than current one, applying the lowest recent recommendation', now);
      else setCondition(status, 'AbleToScale', 'True', 'ScaleDownStabilized', 'recent recommendations were higher than current one, applying the highest recent recommendation', now);
    } else setCondition(status, 'AbleToScale', 'True', 'ReadyForNewScale', 'recommended size matches current size', now);

    // Rate limits from the policies over the recorded scale events.
    let desired = stabilized;
    let cond = 'DesiredWithinRange';
    let msg = 'the desired count is within the acceptable range';
    if (stabilized > current) {
      let limit = scaleUpLimit(current, this.#scaleUpEvents.get(key) ?? [], this.#scaleDownEvents.get(key) ?? [], up, nowMs);
      if (limit < current) limit = current;
      let max = hpa.spec.maxReplicas;
      if (max > limit) {
        max = limit;
        cond = 'ScaleUpLimit';
        msg = 'the desired replica count is increasing faster than the maximum scale rate';
      } else {
        cond = 'TooManyReplicas';
        msg = 'the desired replica count is more than the maximum replica count';
      }
      if (stabilized > max) desired = max;
      else {
        cond = 'DesiredWithinRange';
        msg = 'the desired count is within the acceptable range';
      }
    } else if (stabilized < current) {
      let limit = scaleDownLimit(current, this.#scaleUpEvents.get(key) ?? [], this.#scaleDownEvents.get(key) ?? [], down, nowMs);
      if (limit > current) limit = current;
      let min = minReplicas;
      if (min < limit) {
        min = limit;
        cond = 'ScaleDownLimit';
        msg = 'the desired replica count is decreasing faster than the maximum scale rate';
      } else {
        cond = 'TooFewReplicas';
        msg = 'the desired replica count is less than the minimum replica count';
      }
      if (stabilized < min) desired = min;
      else {
        cond = 'DesiredWithinRange';
        msg = 'the desired count is within the acceptable range';
      }
    }
    setCondition(status, 'ScalingLimited', desired === stabilized ? 'False' : 'True', cond, msg, now);
    return desired;
  }

  /** storeScaleEvent: remembers a change for the policies' periods (behavior only). */
  #storeScaleEvent(hpa: HorizontalPodAutoscaler, key: string, prev: number, next: number, nowMs: number): void {
    if (!hpa.spec.behavior) return;
    const up = next > prev;
    const rules = up ? scaleUpRules(hpa.spec.behavior.scaleUp) : scaleDownRules(hpa.spec.behavior.scaleDown);
    const longest = Math.max(0, ...rules.policies.map((p) => p.periodSeconds)) * 1000;
    const map = up ? this.#scaleUpEvents : this.#scaleDownEvents;
    const events = map.get(key) ?? [];
    for (const e of events) if (e.timestamp < nowMs - longest) e.outdated = true;
    const ev = { replicaChange: Math.abs(next - prev), timestamp: nowMs, outdated: false };
    const i = events.findIndex((e) => e.outdated);
    if (i >= 0) events[i] = ev;
    else events.push(ev);
    map.set(key, events);
  }

  async #writeStatus(hpa: HorizontalPodAutoscaler, original: string): Promise<void> {
    if (canonicalJSON(hpa.status ?? {}) === original) return;
    const cur = this.#hpas.lister.get(hpa.metadata.namespace, hpa.metadata.name!);
    if (!cur || cur.metadata.uid !== hpa.metadata.uid) return;
    await this.ctx.store.updateStatus({ ...cur, status: hpa.status });
  }
}

interface Rules {
  stabilizationWindowSeconds: number;
  selectPolicy: 'Max' | 'Min' | 'Disabled';
  policies: { type: 'Pods' | 'Percent'; value: number; periodSeconds: number }[];
}

/** GenerateHPAScaleUpRules: no stabilisation, Max of 4 pods or 100% per 15 s. */
export function scaleUpRules(r: HPAScalingRules | undefined): Rules {
  return {
    stabilizationWindowSeconds: r?.stabilizationWindowSeconds ?? 0,
    selectPolicy: r?.selectPolicy ?? 'Max',
    policies: r?.policies ?? [
      { type: 'Pods', value: 4, periodSeconds: 15 },
      { type: 'Percent', value: 100, periodSeconds: 15 },
    ],
  };
}

/** GenerateHPAScaleDownRules: 300 s stabilisation (the controller flag), Max of 100% per 15 s. */
export function scaleDownRules(r: HPAScalingRules | undefined): Rules {
  return {
    stabilizationWindowSeconds: r?.stabilizationWindowSeconds ?? DOWNSCALE_STABILIZATION_MS / 1000,
    selectPolicy: r?.selectPolicy ?? 'Max',
    policies: r?.policies ?? [{ type: 'Percent', value: 100, periodSeconds: 15 }],
  };
}

/** getReplicasChangePerPeriod: replicas changed by events within the period. */
function changeInPeriod(periodSeconds: number, events: readonly ScaleEvent[], nowMs: number): number {
  const cutoff = nowMs - periodSeconds * 1000;
  let n = 0;
  for (const e of events) if (e.timestamp > cutoff) n += e.replicaChange;
  return n;
}

/** calculateScaleUpLimitWithScalingRules. */
export function scaleUpLimit(current: number, upEvents: readonly ScaleEvent[], downEvents: readonly ScaleEvent[], rules: Rules, nowMs: number): number {
  if (rules.selectPolicy === 'Disabled') return current;
  let result = rules.selectPolicy === 'Min' ? Number.MAX_SAFE_INTEGER : Number.MIN_SAFE_INTEGER;
  const pick = rules.selectPolicy === 'Min' ? Math.min : Math.max;
  for (const p of rules.policies) {
    const start = current - changeInPeriod(p.periodSeconds, upEvents, nowMs) + changeInPeriod(p.periodSeconds, downEvents, nowMs);
    const proposed = p.type === 'Pods' ? start + p.value : Math.ceil(start * (1 + p.value / 100));
    result = pick(result, proposed);
  }
  return result;
}

/** calculateScaleDownLimitWithBehaviors. */
export function scaleDownLimit(current: number, upEvents: readonly ScaleEvent[], downEvents: readonly ScaleEvent[], rules: Rules, nowMs: number): number {
  if (rules.selectPolicy === 'Disabled') return current;
  // For scale-down the smallest change ('Min') is the highest count.
  let result = rules.selectPolicy === 'Min' ? Number.MIN_SAFE_INTEGER : Number.MAX_SAFE_INTEGER;
  const pick = rules.selectPolicy === 'Min' ? Math.max : Math.min;
  for (const p of rules.policies) {
    const start = current - changeInPeriod(p.periodSeconds, upEvents, nowMs) + changeInPeriod(p.periodSeconds, downEvents, nowMs);
    const proposed = p.type === 'Pods' ? start - p.value : Math.trunc(start * (1 - p.value / 100));
    result = pick(result, proposed);
  }
  return result;
}
