// Resource arithmetic of the scheduler (framework.Resource, resource.PodRequests,
// schedutil.GetNonzeroRequests): pod requests in milli-CPU and bytes, the non-zero defaults
// used for scoring, and a node's allocatable. Quantities are parsed once per distinct text.
import { parseMilli, parseValue } from '../api/quantity.js';
import type { Container, Node, Pod, Quantity } from '../api/types.js';

/** schedutil.DefaultMilliCPURequest / DefaultMemoryRequest for containers without requests. */
export const DEFAULT_MILLI_CPU_REQUEST = 100;
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

export interface Resources {
  milliCPU: number;
  memory: number;
  /** Everything else (ephemeral-storage, extended resources), in whole units. */
  scalar: Map<string, number>;
}

export interface PodResources extends Resources {
  /** Requests with the non-zero defaults applied, for scoring. */
  nonZeroMilliCPU: number;
  nonZeroMemory: number;
}

export interface NodeAllocatable extends Resources {
  /** allocatable.pods: the max pods per node. */
  pods: number;
}

const milliCache = new Map<string, number>();
const valueCache = new Map<string, number>();

function cached(cache: Map<string, number>, q: Quantity, parse: (s: string | number) => number): number {
  const k = String(q);
  let v = cache.get(k);
  if (v === undefined) {
    try {
      v = parse(q);
    } catch {
      v = 0;
    }
    if (cache.size > 10_000) cache.clear();
    cache.set(k, v);
  }
  return v;
}

/** Quantity in milli-units (cpu). */
export const milli = (q: Quantity): number => cached(milliCache, q, parseMilli);
/** Quantity in whole units (memory bytes, counts). */
export const whole = (q: Quantity): number => cached(valueCache, q, parseValue);

function containerRequests(c: Container): { cpu: number; mem: number; scalar: [string, number][] } {
  const req = c.resources?.requests ?? {};
  let cpu = 0;
  let mem = 0;
  const scalar: [string, number][] = [];
  for (const k of Object.keys(req)) {
    if (k === 'cpu') cpu = milli(req[k]!);
    else if (k === 'memory') mem = whole(req[k]!);
    else scalar.push([k, whole(req[k]!)]);
  }
  return { cpu, mem, scalar };
}

const NO_SCALARS: Map<string, number> = new Map();

/**
 * resource.PodRequests: the sum over containers, raised to the largest init container's
 * request (init containers run one at a time before the others); the same for the non-zero
 * variant, where a container without a cpu/memory request counts 100m / 200Mi.
 */
export function podRequests(pod: Pod): PodResources {
  const out: PodResources = { milliCPU: 0, memory: 0, scalar: NO_SCALARS, nonZeroMilliCPU: 0, nonZeroMemory: 0 };
  // Most pods request only cpu and memory: the shared empty map stands in until one does not.
  const scalars = () => (out.scalar === NO_SCALARS ? (out.scalar = new Map()) : out.scalar);
  for (const c of pod.spec.containers) {
    const r = containerRequests(c);
    out.milliCPU += r.cpu;
    out.memory += r.mem;
    out.nonZeroMilliCPU += r.cpu || (c.resources?.requests?.cpu === undefined ? DEFAULT_MILLI_CPU_REQUEST : 0);
    out.nonZeroMemory += r.mem || (c.resources?.requests?.memory === undefined ? DEFAULT_MEMORY_REQUEST : 0);
    for (const [k, v] of r.scalar) scalars().set(k, (out.scalar.get(k) ?? 0) + v);
  }
  for (const c of pod.spec.initContainers ?? []) {
    const r = containerRequests(c);
    out.milliCPU = Math.max(out.milliCPU, r.cpu);
    out.memory = Math.max(out.memory, r.mem);
    out.nonZeroMilliCPU = Math.max(out.nonZeroMilliCPU, r.cpu || (c.resources?.requests?.cpu === undefined ? DEFAULT_MILLI_CPU_REQUEST : 0));
    out.nonZeroMemory = Math.max(out.nonZeroMemory, r.mem || (c.resources?.requests?.memory === undefined ? DEFAULT_MEMORY_REQUEST : 0));
    for (const [k, v] of r.scalar) scalars().set(k, Math.max(out.scalar.get(k) ?? 0, v));
  }
  return out;
}

/** The node's allocatable (capacity when allocatable is absent). */
export function nodeAllocatable(node: Node): NodeAllocatable {
  const a = node.status?.allocatable ?? node.status?.capacity ?? {};
  const out: NodeAllocatable = { milliCPU: 0, memory: 0, pods: 0, scalar: new Map() };
  for (const k of Object.keys(a)) {
    if (k === 'cpu') out.milliCPU = milli(a[k]!);
    else if (k === 'memory') out.memory = whole(a[k]!);
    else if (k === 'pods') out.pods = whole(a[k]!);
    else out.scalar.set(k, whole(a[k]!));
  }
  return out;
}
