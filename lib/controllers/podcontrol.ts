// Creating and deleting a controller's pods, as controller_utils' RealPodControl: the pod is
// built from the template (labels, annotations, finalizers, spec), named `<controller>-` plus
// the API server's random suffix, owned through a controller reference, and every create or
// delete is recorded as an Event on the controller.
import { isStatusError } from '../api/errors.js';
import type { KubeObject, OwnerReference } from '../api/meta.js';
import type { Pod, PodTemplateSpec } from '../api/types.js';
import { markTemplateCopy } from '../api/validation/podspec.js';
import type { ControllerContext } from '../reconcile/controller.js';

/** Event reasons of RealPodControl. */
export const SuccessfulCreatePodReason = 'SuccessfulCreate';
export const FailedCreatePodReason = 'FailedCreate';
export const SuccessfulDeletePodReason = 'SuccessfulDelete';
export const FailedDeletePodReason = 'FailedDelete';

/** Controllers start pod creation with a batch of this size and double it on success (slow start). */
export const SLOW_START_INITIAL_BATCH_SIZE = 1;

/** GetPodFromTemplate: a pod for `parent` from `template`, with `generateName` defaulting to `<parent>-`. */
export function podFromTemplate(template: PodTemplateSpec, parent: KubeObject, controllerRef: OwnerReference | undefined, generateName?: string): Pod {
  const meta = template.metadata ?? {};
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: generateName ?? `${parent.metadata.name}-`,
      namespace: parent.metadata.namespace,
      ...(meta.labels ? { labels: { ...meta.labels } } : {}),
      ...(meta.annotations ? { annotations: { ...meta.annotations } } : {}),
      ...(meta.finalizers ? { finalizers: [...meta.finalizers] } : {}),
      ...(controllerRef ? { ownerReferences: [{ ...controllerRef }] } : {}),
    },
    spec: copyJSON(template.spec),
  };
  return pod;
}

/**
 * A deep copy of a JSON value (plain objects and arrays; anything else is shared). Unlike
 * structuredClone it shares the strings, which every pod of a template would otherwise own.
 */
export function copyJSON<T>(v: T): T {
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) {
    const out = new Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = copyJSON(v[i]);
    return out as T;
  }
  if (Object.getPrototypeOf(v) !== Object.prototype) return structuredClone(v);
  const out: Record<string, unknown> = {};
  for (const k in v) out[k] = copyJSON((v as Record<string, unknown>)[k]);
  return out as T;
}

/** Creates and deletes pods for one controller, recording RealPodControl's events. */
export class PodControl {
  constructor(
    private readonly ctx: ControllerContext,
    private readonly component: string,
  ) {}

  /** Creates one pod from `template` for `parent`; records SuccessfulCreate / FailedCreate. */
  async createPod(template: PodTemplateSpec, parent: KubeObject, controllerRef: OwnerReference | undefined, generateName?: string): Promise<Pod> {
    const pod = podFromTemplate(template, parent, controllerRef, generateName);
    if (Object.keys(pod.metadata.labels ?? {}).length === 0) {
      // As upstream: a pod without labels could never be selected back.
      throw new Error(`unable to create pods, no labels`);
    }
    // Straight to the API server unchanged: validation may reuse the template's verdict, and
    // the pod shares the template's labels (stored objects are read-only; nothing edits them).
    if (template.spec && typeof template.spec === 'object') markTemplateCopy(pod.spec, template.spec);
    if (template.metadata?.labels) pod.metadata.labels = template.metadata.labels;
    let created: Pod;
    try {
      created = await this.ctx.store.create(pod);
    } catch (e) {
      await this.ctx.events.record(parent, 'Warning', FailedCreatePodReason, `Error creating: ${errorText(e)}`, this.component);
      throw e;
    }
    await this.ctx.events.record(parent, 'Normal', SuccessfulCreatePodReason, `Created pod: ${created.metadata.name}`, this.component);
    return created;
  }

  /** Deletes a pod of `parent`; a pod already gone counts as deleted. Records SuccessfulDelete / FailedDelete. */
  async deletePod(pod: Pod, parent: KubeObject): Promise<boolean> {
    try {
      await this.ctx.store.delete('Pod', pod.metadata.namespace, pod.metadata.name!, { uid: pod.metadata.uid });
    } catch (e) {
      if (isStatusError(e) && e.reason === 'NotFound') return false;
      await this.ctx.events.record(parent, 'Warning', FailedDeletePodReason, `Error deleting: ${errorText(e)}`, this.component);
      throw e;
    }
    await this.ctx.events.record(parent, 'Normal', SuccessfulDeletePodReason, `Deleted pod: ${pod.metadata.name}`, this.component);
    return true;
  }

  /**
   * slowStartBatch: runs `count` creations in batches of 1, 2, 4, ... and stops at the first
   * batch with an error, so a systematic failure costs few requests. Returns successes and the first error.
   */
  async slowStartBatch(count: number, create: (i: number) => Promise<unknown>): Promise<{ created: number; error?: unknown }> {
    let created = 0;
    let done = 0;
    for (let batch = Math.min(count, SLOW_START_INITIAL_BATCH_SIZE); done < count; batch = Math.min(2 * batch, count - done)) {
      let error: unknown;
      for (let i = 0; i < batch; i++) {
        try {
          await create(done + i);
          created++;
        } catch (e) {
          error ??= e;
        }
      }
      done += batch;
      if (error !== undefined) return { created, error };
    }
    return { created };
  }
}

/** The message of an error as upstream prints `%v` of it. */
export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
