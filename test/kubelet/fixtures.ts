// Small object builders for node-side tests: nodes as kubeadm registers them, bare pods and
// services, and a harness with the node-side controllers wired.
import type { Node, Pod, PodSpec, Service, ServiceSpec, Taint } from '../../lib/api/types.js';
import type { Controller } from '../../lib/reconcile/controller.js';
import type { ClusterSettings } from '../../lib/scenario/types.js';
import { Random } from '../../lib/sim/random.js';
import { type Harness, newHarness, testCluster } from '../reconcile/harness.js';

export const CONTROL_PLANE_TAINT: Taint = { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' };

export interface NodeOpts {
  ip?: string;
  labels?: Record<string, string>;
  taints?: Taint[];
  capacity?: Record<string, string>;
  podCIDR?: string;
}

/** A Node as the scenario bootstrap creates it (before the kubelet posts conditions). */
export function node(name: string, o: NodeOpts = {}): Node {
  const capacity = o.capacity ?? { cpu: '4', memory: '8Gi', pods: '110' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: { 'beta.kubernetes.io/arch': 'amd64', 'beta.kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', ...(o.labels ?? {}) },
    },
    spec: { ...(o.taints ? { taints: o.taints } : {}), ...(o.podCIDR ? { podCIDR: o.podCIDR, podCIDRs: [o.podCIDR] } : {}) },
    status: {
      capacity: { ...capacity },
      allocatable: { ...capacity },
      addresses: [...(o.ip ? [{ type: 'InternalIP' as const, address: o.ip }] : []), { type: 'Hostname', address: name }],
    },
  };
}

export interface PodOpts {
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  image?: string;
  cpu?: string;
  memory?: string;
  spec?: Partial<PodSpec>;
  ports?: { name?: string; containerPort: number; protocol?: 'TCP' | 'UDP'; hostPort?: number }[];
}

/** A bare pod with one container. */
export function pod(name: string, o: PodOpts = {}): Pod {
  const requests: Record<string, string> = {};
  if (o.cpu) requests.cpu = o.cpu;
  if (o.memory) requests.memory = o.memory;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: o.namespace ?? 'default', labels: o.labels ?? { app: name }, ...(o.annotations ? { annotations: o.annotations } : {}) },
    spec: {
      containers: [{
        name: 'app',
        image: o.image ?? 'nginx',
        ...(o.ports ? { ports: o.ports } : {}),
        ...(Object.keys(requests).length ? { resources: { requests } } : {}),
      }],
      ...(o.spec ?? {}),
    },
  };
}

/** A ClusterIP Service selecting `selector`. */
export function service(name: string, selector: Record<string, string> | undefined, ports: ServiceSpec['ports'], o: Partial<ServiceSpec> & { namespace?: string; labels?: Record<string, string> } = {}): Service {
  const { namespace, labels, ...spec } = o;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: namespace ?? 'default', ...(labels ? { labels } : {}) },
    spec: { ...(selector ? { selector } : {}), ports, ...spec },
  };
}

/** A harness with the given controllers (built from their contexts), informers started. */
export async function harnessWith(build: (h: Harness) => Controller[], cluster: Partial<ClusterSettings> = {}): Promise<Harness> {
  const h = newHarness(testCluster(cluster));
  generateNames(h);
  for (const c of build(h)) h.manager.add(c);
  await h.informers.startAll();
  return h;
}

/** Events about `name` (any kind) as "reason: message" lines, in creation order. */
export async function eventsFor(h: Harness, name: string, namespace = 'default'): Promise<string[]> {
  const list = await h.store.list<import('../../lib/api/types.js').Event>('Event', { namespace });
  return list.items
    .filter((e) => e.involvedObject.name === name)
    .sort((a, b) => Number(a.metadata.resourceVersion) - Number(b.metadata.resourceVersion))
    .map((e) => `${e.reason}: ${e.message}`);
}

/**
 * The API server's BeforeCreate name generation (generateName + 5 characters), done before
 * validation. Stands in while lib/apiserver validates a generateName-only object as nameless.
 */
function generateNames(h: Harness): void {
  const names = new Random(7);
  const create = h.store.create.bind(h.store);
  h.store.create = async <T extends import('../../lib/api/meta.js').KubeObject>(obj: T): Promise<T> => {
    if (!obj.metadata.name && obj.metadata.generateName) {
      for (;;) {
        const name = obj.metadata.generateName + names.suffix(5);
        try {
          await h.store.get(obj.kind, obj.metadata.namespace, name);
        } catch {
          obj.metadata = { ...obj.metadata, name };
          break;
        }
      }
    }
    return create(obj);
  };
}
