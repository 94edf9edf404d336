// A kubelet for every node at once, keyed per pod: admits pods bound to its node, gives them
// an address from the node's pod CIDR as the host-local IPAM plugin does (hostNetwork pods
// share the node's IPs), starts their containers after the start delay, turns them ready as
// their readiness probes say, runs Job pods to completion, and frees the address when the pod
// is gone. A node whose kubelet the timeline stopped does nothing until it is started again.
import { type Condition, objectKey } from '../api/meta.js';
import type { Container, ContainerStatus, Node, Pod, PodStatus } from '../api/types.js';
import { PodIPAllocator } from '../ipam/hostlocal.js';
import type { Controller, ControllerContext, ReconcileResult } from '../reconcile/controller.js';
import { WorkQueue } from '../reconcile/workqueue.js';
import type { Informer } from '../store/informer.js';
import { deepEqual } from '../store/memory.js';
import { kubeletStopped, nodeInternalIPs } from './node.js';
import { ensurePodsByNodeIndex, podsOnNode } from './podindex.js';
import { readyAt } from './probe.js';
import {
  completedStatus,
  hexFrom,
  isPodTerminal,
  runningStatus,
  sharedCondition,
  simTimestamp,
  unreadyMessage,
  waitingStatus,
} from './podstatus.js';
import { DEFAULT_KUBELET_TIMINGS, type KubeletTimings, runDurationMs, startDelayMs } from './timings.js';

const KUBELET_STATUS_FIELDS = new Set(['phase', 'conditions', 'hostIP', 'hostIPs', 'podIP', 'podIPs', 'startTime', 'containerStatuses', 'initContainerStatuses']);
const KUBELET_CONDITIONS = new Set(['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled']);

/** What the kubelet remembers about a pod it runs (its pod worker). */
interface PodWorker {
  uid: string;
  node: string;
  admittedAt: number;
  startAt: number;
  startedAt?: number;
  /** When each container turns ready (in spec.containers order). */
  readyAt?: number[];
  finishAt?: number;
  finished: boolean;
  hostNetwork: boolean;
  /** Addresses taken from the node's host-local ranges (not for hostNetwork pods). */
  allocated: { cidr: string; ip: string }[];
  podIPs: string[];
  /** containerd IDs by container name, made once. */
  containerIDs?: Record<string, string>;
}

/** host-local ranges of one node, rebuilt when its pod CIDRs change. */
interface NodeRanges {
  cidrs: string[];
  allocators: PodIPAllocator[];
}

/** The kubelets of all nodes as one controller, keyed by pod. */
export class KubeletController implements Controller {
  readonly name = 'kubelet';
  readonly queue: WorkQueue;
  readonly timings: KubeletTimings;
  readonly #pods: Informer<Pod>;
  readonly #nodes: Informer<Node>;
  readonly #workers = new Map<string, PodWorker>();
  readonly #ranges = new Map<string, NodeRanges>();
  /** Pods that could not get an address, by node: retried when one is freed. */
  readonly #waiting = new Map<string, Set<string>>();

  constructor(private readonly ctx: ControllerContext, timings: Partial<KubeletTimings> = {}) {
    this.timings = { ...DEFAULT_KUBELET_TIMINGS, ...timings };
    this.queue = new WorkQueue(this.name, ctx.timers);
    this.#pods = ctx.informers.for<Pod>('Pod');
    this.#nodes = ctx.informers.for<Node>('Node');
    ensurePodsByNodeIndex(this.#pods);
    this.#pods.on('add', (p) => {
      if (p.spec.nodeName) this.queue.add(objectKey(p));
    });
    this.#pods.on('update', (o, p) => {
      // The kubelet's own status writes come back here: only spec and deletion changes matter.
      if (p.spec.nodeName && (o.spec.nodeName !== p.spec.nodeName || o.metadata.generation !== p.metadata.generation ||
        o.metadata.deletionTimestamp !== p.metadata.deletionTimestamp || o.metadata.uid !== p.metadata.uid)) this.queue.add(objectKey(p));
    });
    this.#pods.on('delete', (p) => this.queue.add(objectKey(p)));
    this.#nodes.on('add', (n) => this.#requeueNode(n.metadata.name!));
    this.#nodes.on('update', (o, n) => {
      if (kubeletStopped(o) !== kubeletStopped(n) || !deepEqual(o.spec.podCIDRs, n.spec.podCIDRs) || o.spec.podCIDR !== n.spec.podCIDR ||
        !deepEqual(o.status?.addresses, n.status?.addresses)) this.#requeueNode(n.metadata.name!);
    });
  }

  #requeueNode(node: string): void {
    for (const p of podsOnNode(this.#pods, node)) this.queue.add(objectKey(p));
  }

  async reconcile(key: string): Promise<ReconcileResult | undefined> {
    const slash = key.indexOf('/');
    const pod = this.#pods.lister.get(key.slice(0, slash), key.slice(slash + 1));
    let w = this.#workers.get(key);
    if (w && (!pod || pod.metadata.uid !== w.uid || pod.spec.nodeName !== w.node)) {
      this.#forget(key, w);
      w = undefined;
    }
    if (!pod?.spec.nodeName) return;
    const node = this.#nodes.lister.get(undefined, pod.spec.nodeName);
    if (!node || kubeletStopped(node)) return;
    if (!w) {
      // A pod that finished before this kubelet knew it stays as it is.
      if (isPodTerminal(pod)) return;
      return this.#admit(key, pod, node);
    }
    return this.#sync(pod, node, w);
  }

  /** Frees what the pod held and lets pods waiting for an address on that node try again. */
  #forget(key: string, w: PodWorker): void {
    this.#workers.delete(key);
    this.#release(w);
  }

  #release(w: PodWorker): void {
    if (!w.allocated.length) return;
    const ranges = this.#ranges.get(w.node);
    for (const a of w.allocated) ranges?.allocators.find((r) => r.subnet.text === a.cidr)?.release(w.uid);
    w.allocated = [];
    const waiting = this.#waiting.get(w.node);
    if (waiting) {
      this.#waiting.delete(w.node);
      for (const k of waiting) this.queue.add(k);
    }
  }

  #rangesFor(node: Node): NodeRanges | undefined {
    const cidrs = node.spec.podCIDRs?.length ? node.spec.podCIDRs : node.spec.podCIDR ? [node.spec.podCIDR] : [];
    if (!cidrs.length) return undefined;
    const name = node.metadata.name!;
    let r = this.#ranges.get(name);
    if (!r || !sameStrings(r.cidrs, cidrs)) {
      r = { cidrs: [...cidrs], allocators: cidrs.map((c, i) => new PodIPAllocator(c, { rangeIndex: i })) };
      this.#ranges.set(name, r);
    }
    return r;
  }

  /** Pod admission and sandbox: the address, the first Pending status, then wait for the containers. */
  async #admit(key: string, pod: Pod, node: Node): Promise<ReconcileResult | undefined> {
    const hostNetwork = pod.spec.hostNetwork === true;
    const nodeName = node.metadata.name!;
    const uid = pod.metadata.uid ?? key;
    const allocated: PodWorker['allocated'] = [];
    let podIPs: string[];
    if (hostNetwork) {
      podIPs = hostIPs(node);
    } else {
      const ranges = this.#rangesFor(node);
      // No pod CIDR yet: the CNI cannot set up the sandbox; the node update requeues us.
      if (!ranges) return;
      for (const a of ranges.allocators) {
        const r = a.allocate(uid);
        if (!r.ok) {
          for (const got of allocated) ranges.allocators.find((x) => x.subnet.text === got.cidr)?.release(uid);
          let waiting = this.#waiting.get(nodeName);
          if (!waiting) this.#waiting.set(nodeName, (waiting = new Set()));
          waiting.add(key);
          await this.ctx.events.record(pod, 'Warning', 'FailedCreatePodSandBox',
            `Failed to create pod sandbox: plugin type="bridge" failed (add): ${r.error}`, 'kubelet', nodeName);
          return;
        }
        allocated.push({ cidr: a.subnet.text, ip: r.ip });
      }
      podIPs = allocated.map((a) => a.ip);
    }
    const now = this.ctx.clock.now();
    const w: PodWorker = {
      uid, node: nodeName, admittedAt: now, startAt: now + startDelayMs(pod, this.timings),
      finished: false, hostNetwork, allocated: allocated.slice(), podIPs,
    };
    this.#workers.set(key, w);
    await this.#write(pod, this.#status(pod, node, w));
    return { requeueAfter: w.startAt - now };
  }

  async #sync(pod: Pod, node: Node, w: PodWorker): Promise<ReconcileResult | undefined> {
    const now = this.ctx.clock.now();
    let started = false;
    if (w.startedAt === undefined) {
      if (now < w.startAt) return { requeueAfter: w.startAt - now };
      // A start that fell due while the kubelet was stopped happens when it is back.
      w.startedAt = now;
      w.readyAt = pod.spec.containers.map((c) => readyAt(c, w.admittedAt, now));
      const run = runDurationMs(pod, this.timings);
      if (run !== undefined) w.finishAt = now + run;
      started = true;
    }
    if (!w.finished && w.finishAt !== undefined && now >= w.finishAt) {
      w.finished = true;
      // The sandbox goes away with the last container: CNI DEL frees the address.
      this.#release(w);
    }
    const written = await this.#write(pod, this.#status(pod, node, w));
    if (started) await this.#containerEvents(written, w.node);
    if (w.finished) return;
    let next = w.finishAt ?? Infinity;
    for (const t of w.readyAt!) if (t > now && t < next) next = t;
    if (Number.isFinite(next)) return { requeueAfter: next - now };
  }

  /** The status write; the store itself skips a write that changes nothing. */
  async #write(pod: Pod, status: PodStatus): Promise<Pod> {
    return this.ctx.store.updateStatus<Pod>({ ...pod, status });
  }

  async #containerEvents(pod: Pod, node: string): Promise<void> {
    const rec = (reason: string, message: string) => this.ctx.events.record(pod, 'Normal', reason, message, 'kubelet', node);
    for (const c of [...(pod.spec.initContainers ?? []), ...pod.spec.containers]) {
      await rec('Pulled', `Container image "${c.image ?? ''}" already present on machine`);
      await rec('Created', `Created container: ${c.name}`);
      await rec('Started', `Started container ${c.name}`);
    }
  }

  /** The status this kubelet would post now for the pod. */
  #status(pod: Pod, node: Node, w: PodWorker): PodStatus {
    const nowMs = this.ctx.clock.now();
    const now = simTimestamp(nowMs);
    const at = simTimestamp;
    const prev = pod.status ?? {};
    const containers = pod.spec.containers;
    const inits = pod.spec.initContainers ?? [];
    const started = w.startedAt !== undefined;
    const cid = (c: Container) => {
      const ids = (w.containerIDs ??= {});
      return (ids[c.name] ??= `containerd://${hexFrom(`${w.uid}/${c.name}`, 64)}`);
    };

    let statuses: ContainerStatus[];
    let initStatuses: ContainerStatus[] | undefined;
    let phase: PodStatus['phase'];
    if (!started) {
      phase = 'Pending';
      statuses = containers.map(waitingStatus);
      if (inits.length) initStatuses = inits.map(waitingStatus);
    } else if (w.finished) {
      phase = 'Succeeded';
      statuses = containers.map((c) => completedStatus(c, cid(c), at(w.startedAt!), at(w.finishAt!)));
      if (inits.length) initStatuses = inits.map((c) => completedStatus(c, cid(c), at(w.startedAt!), at(w.startedAt!)));
    } else {
      phase = 'Running';
      statuses = containers.map((c, i) => runningStatus(c, cid(c), at(w.startedAt!), nowMs >= w.readyAt![i]!));
      if (inits.length) initStatuses = inits.map((c) => completedStatus(c, cid(c), at(w.startedAt!), at(w.startedAt!)));
    }
    const unready = statuses.filter((s) => !s.ready).map((s) => s.name);

    // The kubelet's conditions in its order; a transition time moves only with the status.
    const prevConds = prev.conditions ?? [];
    const conds: Condition[] = [];
    const put = (type: string, status: 'True' | 'False', reason?: string, message?: string) => {
      let old: Condition | undefined;
      for (const c of prevConds) if (c.type === type) old = c;
      conds.push(sharedCondition(type, status, reason, message, old && old.status === status ? (old.lastTransitionTime ?? now) : now));
    };
    put('PodReadyToStartContainers', started && !w.finished ? 'True' : 'False');
    if (inits.length && !started) put('Initialized', 'False', 'ContainersNotInitialized', `containers with incomplete status: [${inits.map((c) => c.name).join(' ')}]`);
    else put('Initialized', 'True');
    if (w.finished) {
      put('Ready', 'False', 'PodCompleted');
      put('ContainersReady', 'False', 'PodCompleted');
    } else if (unready.length) {
      const msg = unreadyMessage(unready);
      put('Ready', 'False', 'ContainersNotReady', msg);
      put('ContainersReady', 'False', 'ContainersNotReady', msg);
    } else {
      put('Ready', 'True');
      put('ContainersReady', 'True');
    }
    const scheduled = prevConds.find((c) => c.type === 'PodScheduled');
    conds.push(scheduled ?? { type: 'PodScheduled', status: 'True', lastTransitionTime: now });
    // Conditions other writers own (DisruptionTarget, readiness gates) stay after the kubelet's.
    for (const c of prevConds) if (!KUBELET_CONDITIONS.has(c.type)) conds.push(c);

    // Built key by key (no deletes: objects stay in fast mode); fields the kubelet does not own stay.
    const hosts = hostIPs(node);
    // conds.slice(): right-sized (a pushed-to array keeps 17 slots; 150,000 pods keep one each).
    const status: PodStatus = { phase, conditions: conds.slice() };
    if (hosts.length) {
      status.hostIP = hosts[0];
      status.hostIPs = hostIPObjects(hosts);
    }
    if (started) {
      status.podIP = w.podIPs[0];
      status.podIPs = w.podIPs.map((ip) => ({ ip }));
    }
    status.startTime = prev.startTime ?? at(w.admittedAt);
    if (initStatuses) (status as { initContainerStatuses?: ContainerStatus[] }).initContainerStatuses = initStatuses;
    status.containerStatuses = statuses;
    for (const k of Object.keys(prev)) {
      if (!KUBELET_STATUS_FIELDS.has(k)) (status as Record<string, unknown>)[k] = (prev as Record<string, unknown>)[k];
    }
    return status;
  }

  /** The address a pod holds on its node (for tests and the CLI). */
  podIPsOf(namespace: string, name: string): string[] | undefined {
    return this.#workers.get(`${namespace}/${name}`)?.podIPs;
  }
}

const hostIPCache = new WeakMap<Node, string[]>();

/** status.hostIPs for a node's host IPs: one list per node, shared by its pods (stored objects are read-only). */
const hostIPObjectCache = new WeakMap<string[], { ip: string }[]>();
function hostIPObjects(hosts: string[]): { ip: string }[] {
  let list = hostIPObjectCache.get(hosts);
  if (!list) hostIPObjectCache.set(hosts, (list = hosts.map((ip) => ({ ip }))));
  return list;
}

/** The node's InternalIPs, one per family in status order (status.hostIPs). */
export function hostIPs(node: Node): string[] {
  const cached = hostIPCache.get(node);
  if (cached) return cached;
  const out: string[] = [];
  let v4 = false;
  let v6 = false;
  for (const ip of nodeInternalIPs(node)) {
    const six = ip.includes(':');
    if (six ? v6 : v4) continue;
    if (six) v6 = true;
    else v4 = true;
    out.push(ip);
  }
  hostIPCache.set(node, out);
  return out;
}

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
