// Test doubles for the workload controller tests: a tiny scheduler + kubelet that binds pods
// (DaemonSet pods to the node their affinity names, others round-robin over untainted nodes),
// makes them Running and Ready with an IP after `startMs`, and runs pods with restartPolicy
// Never/OnFailure to Succeeded (or Failed) after `runMs`. Plus object builders and helpers.
import type { Deployment, Node, Pod, PodTemplateSpec, Taint } from '../../lib/api/types.js';
import type { Controller, ControllerContext, ReconcileResult } from '../../lib/reconcile/controller.js';
import { WorkQueue } from '../../lib/reconcile/workqueue.js';
import type { Informer } from '../../lib/store/informer.js';
import { targetNodeName } from '../../lib/controllers/nodepredicates.js';
import type { Harness } from '../reconcile/harness.js';

export { controllerHarness } from './workloadharness.js';

export interface FakeKubeletOptions {
  /** Time from binding to Running + Ready (ms). */
  startMs?: number;
  /** Time a run-to-completion pod runs (ms). */
  runMs?: number;
  /** Run-to-completion pods for which this returns true end Failed. */
  fails?: (pod: Pod) => boolean;
  /** Pods for which this returns true never become ready (they stay Running, Ready=False). */
  neverReady?: (pod: Pod) => boolean;
}

export class FakeKubelet implements Controller {
  readonly name = 'fake-kubelet';
  readonly queue: WorkQueue;
  readonly #pods: Informer<Pod>;
  readonly #nodes: Informer<Node>;
  readonly #boundAt = new Map<string, number>();
  #rr = 0;
  #ip = 2;

  constructor(
    private readonly ctx: ControllerContext,
    private readonly opts: FakeKubeletOptions = {},
  ) {
    this.queue = new WorkQueue(this.name, ctx.timers);
    this.#pods = ctx.informers.for<Pod>('Pod');
    this.#nodes = ctx.informers.for<Node>('Node');
    const enqueue = (p: Pod) => this.queue.add(`${p.metadata.namespace}/${p.metadata.name}`);
    this.#pods.on('add', enqueue).on('update', (_, p) => enqueue(p));
  }

  #pickNode(pod: Pod): string | undefined {
    const pinned = targetNodeName(pod.spec);
    if (pinned) return pinned;
    const nodes = this.#nodes.lister.list().filter((n) => !(n.spec?.taints ?? []).some((t) => t.effect === 'NoSchedule'));
    if (nodes.length === 0) return 'node01';
    return nodes[this.#rr++ % nodes.length]!.metadata.name;
  }

  async reconcile(key: string): Promise<ReconcileResult | undefined> {
    const [ns, name] = key.split('/') as [string, string];
    const pod = this.#pods.lister.get(ns, name);
    if (!pod) return undefined;
    const now = this.ctx.clock.now();
    const ts = this.ctx.clock.timestamp();
    const start = this.opts.startMs ?? 1000;
    if (!pod.spec.nodeName) {
      const node = this.#pickNode(pod);
      if (!node) return undefined;
      const bound = structuredClone(pod);
      bound.spec.nodeName = node;
      await this.ctx.store.update(bound);
      this.#boundAt.set(pod.metadata.uid!, now);
      return { requeueAfter: start };
    }
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') return undefined;
    if (!this.#boundAt.has(pod.metadata.uid!)) this.#boundAt.set(pod.metadata.uid!, now);
    const runs = pod.spec.restartPolicy === 'Never' || pod.spec.restartPolicy === 'OnFailure';
    if (phase !== 'Running') {
      const due = this.#boundAt.get(pod.metadata.uid!)! + start;
      if (now < due) return { requeueAfter: due - now };
      const ready = !this.opts.neverReady?.(pod);
      const ip = `10.244.1.${this.#ip++}`;
      await this.ctx.store.updateStatus({
        ...pod,
        status: {
          phase: 'Running',
          hostIP: '192.168.0.10',
          podIP: ip,
          podIPs: [{ ip }],
          startTime: ts,
          conditions: [
            { type: 'Initialized', status: 'True', lastTransitionTime: ts },
            { type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: ts },
            { type: 'ContainersReady', status: ready ? 'True' : 'False', lastTransitionTime: ts },
            { type: 'PodScheduled', status: 'True', lastTransitionTime: ts },
          ],
          containerStatuses: pod.spec.containers.map((c) => ({ name: c.name, ready, started: true, restartCount: 0, state: { running: { startedAt: ts } } })),
        },
      });
      return runs ? { requeueAfter: this.opts.runMs ?? 5000 } : undefined;
    }
    if (!runs) return undefined;
    const since = Date.parse(pod.status!.startTime!) - Date.parse(this.ctx.clock.timestamp()) + now;
    const due = since + (this.opts.runMs ?? 5000);
    if (now < due) return { requeueAfter: due - now };
    const failed = this.opts.fails?.(pod) ?? false;
    await this.ctx.store.updateStatus({
      ...pod,
      status: {
        ...pod.status,
        phase: failed ? 'Failed' : 'Succeeded',
        conditions: (pod.status?.conditions ?? []).map((c) => (c.type === 'Ready' || c.type === 'ContainersReady' ? { ...c, status: 'False', lastTransitionTime: ts } : c)),
        containerStatuses: pod.spec.containers.map((c) => ({ name: c.name, ready: false, started: false, restartCount: 0, state: { terminated: { exitCode: failed ? 1 : 0, finishedAt: ts } } })),
      },
    });
    return undefined;
  }
}

/** A Ready node with optional labels and taints. */
export function node(name: string, opts: { labels?: Record<string, string>; taints?: Taint[] } = {}): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...opts.labels } },
    spec: { ...(opts.taints ? { taints: opts.taints } : {}) },
    status: { conditions: [{ type: 'Ready', status: 'True' }] },
  };
}

/** A pod template running `image` with labels `app=<app>`. */
export function template(app: string, image = 'nginx:1.25', extra: Partial<PodTemplateSpec['spec']> = {}): PodTemplateSpec {
  return {
    metadata: { labels: { app } },
    spec: { containers: [{ name: app, image, resources: { requests: { cpu: '100m' } } }], ...extra },
  };
}

/** A Deployment of `replicas` pods labelled app=<name>. */
export function deployment(name: string, replicas: number, extra: Partial<Deployment['spec']> = {}): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default' },
    spec: { replicas, selector: { matchLabels: { app: name } }, template: template(name), ...extra },
  };
}

/** Every Event's "reason: message" about objects (of `kind`, if given) whose name starts with `prefix`, in creation order. */
export async function eventsFor(h: Harness, prefix: string, kind?: string): Promise<string[]> {
  const evs = (await h.store.list<import('../../lib/api/types.js').Event>('Event')).items;
  return evs
    .filter((e) => (e.involvedObject.name ?? '').startsWith(prefix) && (!kind || e.involvedObject.kind === kind))
    // Event names end in a hex sequence the recorder increments: creation order.
    .sort((a, b) => Number.parseInt(a.metadata.name!.split('.').pop()!, 16) - Number.parseInt(b.metadata.name!.split('.').pop()!, 16))
    .map((e) => `${e.reason}: ${e.message}`);
}

/** Pods of namespace default sorted by name. */
export async function pods(h: Harness): Promise<Pod[]> {
  return (await h.store.list<Pod>('Pod', { namespace: 'default' })).items;
}
