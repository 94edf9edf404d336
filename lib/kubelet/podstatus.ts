// Pod status pieces as the kubelet writes them (pkg/kubelet/status, kubelet_pods.go): the
// condition set in the kubelet's order, container statuses, and the readiness helpers that
// the endpoint controllers share (podutil.IsPodReady).
import type { Condition } from '../api/meta.js';
import type { Container, ContainerStatus, Pod } from '../api/types.js';
import { timestampAt } from '../sim/clock.js';
import { hash32 } from '../sim/random.js';

let lastMs = Number.NaN;
let lastText = '';

/** VirtualClock.timestamp() for any simulated instant (ms), remembering the last one formatted. */
export function simTimestamp(ms: number): string {
  if (ms !== lastMs) {
    lastMs = ms;
    lastText = timestampAt(ms);
  }
  return lastText;
}

/** The condition of `type`, if the pod has one. */
export function podCondition(pod: Pod, type: string): Condition | undefined {
  const conds = pod.status?.conditions;
  if (!conds) return undefined;
  for (const c of conds) if (c.type === type) return c;
  return undefined;
}

/** podutil.IsPodReady: the Ready condition is True. */
export function isPodReady(pod: Pod): boolean {
  return podCondition(pod, 'Ready')?.status === 'True';
}

/** Succeeded or Failed. */
export function isPodTerminal(pod: Pod): boolean {
  const p = pod.status?.phase;
  return p === 'Succeeded' || p === 'Failed';
}

/**
 * UpdatePodCondition: replaces (or appends) the condition of `next.type`; the transition time
 * moves only when the status changes. Returns the same array when nothing changed.
 */
export function setCondition(conds: readonly Condition[] | undefined, next: Condition, now: string): Condition[] {
  const list = conds ? [...conds] : [];
  const i = list.findIndex((c) => c.type === next.type);
  const prev = i >= 0 ? list[i] : undefined;
  const ltt = prev && prev.status === next.status ? (prev.lastTransitionTime ?? now) : (next.lastTransitionTime ?? now);
  const merged = sharedCondition(next.type, next.status, next.reason, next.message, ltt);
  if (prev && sameCondition(prev, merged)) return conds as Condition[];
  if (i >= 0) list[i] = merged;
  else list.push(merged);
  return list;
}

/** Pod conditions by content: stored objects are read-only, so pods share equal ones. */
const SHARED_CONDITIONS = new Map<string, Condition>();

/** The condition {type, status, reason?, message?, lastTransitionTime}, one object per distinct content. */
export function sharedCondition(type: string, status: Condition['status'], reason: string | undefined, message: string | undefined, lastTransitionTime: string): Condition {
  const key = `${type}\u0000${status}\u0000${reason ?? ''}\u0000${message ?? ''}\u0000${lastTransitionTime}`;
  let c = SHARED_CONDITIONS.get(key);
  if (c === undefined) {
    c = { type, status };
    if (reason) c.reason = reason;
    if (message) c.message = message;
    c.lastTransitionTime = lastTransitionTime;
    if (SHARED_CONDITIONS.size >= 4096) SHARED_CONDITIONS.clear();
    SHARED_CONDITIONS.set(key, c);
  }
  return c;
}

/** Container states by start time, shared like conditions. */
const RUNNING_STATES = new Map<string, ContainerStatus['state']>();
/** lastState of a container that never restarted: one empty object for every pod. */
const NO_LAST_STATE = {};

function runningState(startedAt: string): ContainerStatus['state'] {
  let s = RUNNING_STATES.get(startedAt);
  if (s === undefined) {
    if (RUNNING_STATES.size >= 4096) RUNNING_STATES.clear();
    RUNNING_STATES.set(startedAt, (s = { running: { startedAt } }));
  }
  return s;
}

function sameCondition(a: Condition, b: Condition): boolean {
  return a.type === b.type && a.status === b.status && a.reason === b.reason && a.message === b.message && a.lastTransitionTime === b.lastTransitionTime;
}

/** "containers with unready status: [a b]", as GeneratePodReadyCondition words it. */
export function unreadyMessage(names: readonly string[]): string {
  return `containers with unready status: [${names.join(' ')}]`;
}

/** The reference containerd reports for an image: `redis` -> `docker.io/library/redis:latest`. */
export function normalizeImage(image: string): string {
  let name = image;
  let suffix = '';
  const at = name.indexOf('@');
  if (at >= 0) {
    suffix = name.slice(at);
    name = name.slice(0, at);
  }
  const slash = name.indexOf('/');
  const first = slash < 0 ? '' : name.slice(0, slash);
  const hasDomain = slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (!hasDomain) name = `docker.io/${slash < 0 ? `library/${name}` : name}`;
  const lastSlash = name.lastIndexOf('/');
  if (!suffix && !name.slice(lastSlash + 1).includes(':')) name += ':latest';
  return name + suffix;
}

/** A stable fake content digest for an image (64 hex digits derived from its name). */
export function imageDigest(image: string): string {
  return hexFrom(`image/${image}`, 64);
}

/** `count` hex digits derived from `seed` (deterministic, no randomness consumed): xorshift32 from its hash. */
export function hexFrom(seed: string, count: number): string {
  let x = hash32(seed) || 0x9e3779b9;
  // Built from char codes: one flat string, not a rope of eight padded pieces (150,000 pods keep one each).
  const codes = new Array<number>(count);
  let n = 0;
  while (n < count) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const v = x >>> 0;
    for (let shift = 28; shift >= 0 && n < count; shift -= 4) codes[n++] = HEX_CODES[(v >>> shift) & 15]!;
  }
  return String.fromCharCode.apply(null, codes);
}

const HEX_CODES = Array.from('0123456789abcdef', (c) => c.charCodeAt(0));

const imageIDs = new Map<string, string>();
const normalized = new Map<string, string>();

/** normalizeImage, remembered per distinct text. */
function normalizedImage(image: string): string {
  let v = normalized.get(image);
  if (v === undefined) {
    if (normalized.size > 10_000) normalized.clear();
    normalized.set(image, (v = normalizeImage(image)));
  }
  return v;
}

/** The imageID field: repository@sha256:digest. */
export function imageID(image: string): string {
  let id = imageIDs.get(image);
  if (id === undefined) {
    const ref = normalizedImage(image);
    const at = ref.indexOf('@');
    const lastSlash = ref.lastIndexOf('/');
    const colon = ref.lastIndexOf(':');
    const repo = at >= 0 ? ref.slice(0, at) : colon > lastSlash ? ref.slice(0, colon) : ref;
    id = `${repo}@sha256:${imageDigest(ref)}`;
    if (imageIDs.size > 10_000) imageIDs.clear();
    imageIDs.set(image, id);
  }
  return id;
}

/** Status of a container that is still being created. */
export function waitingStatus(c: Container): ContainerStatus {
  return {
    name: c.name,
    image: normalizedImage(c.image ?? ''),
    imageID: '',
    lastState: {},
    ready: false,
    restartCount: 0,
    started: false,
    state: { waiting: { reason: 'ContainerCreating' } },
  } as ContainerStatus;
}

/** Status of a running container. */
export function runningStatus(c: Container, containerID: string, startedAt: string, ready: boolean): ContainerStatus {
  return {
    containerID,
    image: normalizedImage(c.image ?? ''),
    imageID: imageID(c.image ?? ''),
    lastState: NO_LAST_STATE,
    name: c.name,
    ready,
    restartCount: 0,
    started: true,
    state: runningState(startedAt),
  } as ContainerStatus;
}

/** Status of a container that exited 0. */
export function completedStatus(c: Container, containerID: string, startedAt: string, finishedAt: string): ContainerStatus {
  return {
    containerID,
    image: normalizedImage(c.image ?? ''),
    imageID: imageID(c.image ?? ''),
    lastState: {},
    name: c.name,
    ready: false,
    restartCount: 0,
    started: false,
    state: { terminated: { containerID, exitCode: 0, finishedAt, reason: 'Completed', startedAt } },
  } as ContainerStatus;
}
