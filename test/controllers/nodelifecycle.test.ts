import assert from 'node:assert/strict';
import { admitDefaultTolerations } from '../../lib/api/defaults.js';
import type { EndpointSlice, Node, Pod } from '../../lib/api/types.js';
import { EndpointSliceController } from '../../lib/controllers/endpointslice.js';
import { NodeIPAMController } from '../../lib/controllers/nodeipam.js';
import { NodeLifecycleController, nodeDown, nodeUp } from '../../lib/controllers/nodelifecycle.js';
import { TaintEvictionController } from '../../lib/controllers/taintmanager.js';
import { KubeletController } from '../../lib/kubelet/kubelet.js';
import { NodeStatusController } from '../../lib/kubelet/nodestatus.js';
import { SchedulerController } from '../../lib/scheduler/scheduler.js';
import { eventsFor, harnessWith, node, pod, service } from '../kubelet/fixtures.js';
import type { Harness } from '../reconcile/harness.js';

async function nodeSide(nodeNames: string[]): Promise<Harness> {
  const h = await harnessWith((h) => [
    new NodeIPAMController(h.ctx('node-ipam-controller')),
    new NodeStatusController(h.ctx('kubelet-node-status')),
    new NodeLifecycleController(h.ctx('node-lifecycle-controller')),
    new SchedulerController(h.ctx('default-scheduler')),
    new KubeletController(h.ctx('kubelet')),
    new TaintEvictionController(h.ctx('taint-eviction-controller')),
    new EndpointSliceController(h.ctx('endpointslice-controller')),
  ]);
  nodeNames.forEach(async (n, i) => h.store.create(node(n, { ip: `192.168.40.${129 + i}` })));
  await h.manager.drain();
  await h.store.create(service('web', { app: 'web' }, [{ port: 80, protocol: 'TCP', targetPort: 80 }], { clusterIP: '10.96.0.20', type: 'ClusterIP' }));
  return h;
}

/** A pod bound to `nodeName`, with the tolerations the DefaultTolerationSeconds admission plugin adds. */
async function webPod(h: Harness, name: string, nodeName: string): Promise<void> {
  const p = pod(name, { labels: { app: 'web' }, spec: { nodeName } });
  admitDefaultTolerations(p);
  await h.store.create(p);
}

const getNode = (h: Harness, n: string) => h.store.get<Node>('Node', undefined, n);
const exists = async (h: Harness, n: string) => (await h.store.list<Pod>('Pod')).items.some((p) => p.metadata.name === n);
const podReady = async (h: Harness, n: string) => (await h.store.get<Pod>('Pod', 'default', n)).status?.conditions?.find((c) => c.type === 'Ready');
async function endpointReady(h: Harness, podName: string): Promise<unknown> {
  const slices = (await h.store.list<EndpointSlice>('EndpointSlice')).items;
  const ep = slices.flatMap((s) => s.endpoints).find((e) => e.targetRef?.name === podName);
  return ep && { ready: ep.conditions?.ready, serving: ep.conditions?.serving };
}

describe('node lifecycle and taint eviction', () => {
  it('marks a silent node Unknown after the grace period, taints it and evicts its pods after 300 s', async () => {
    const h = await nodeSide(['node01', 'node02', 'node03']);
    await webPod(h, 'web-0', 'node01');
    await webPod(h, 'web-1', 'node02');
    await h.manager.runUntil(60_000);
    assert.deepEqual(await endpointReady(h, 'web-0'), { ready: true, serving: true });
    await nodeDown(h.store, 'node01');
    await h.manager.runUntil(114_999);
    assert.equal((await getNode(h, 'node01')).status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
    // 60 s + 50 s grace = 110 s; the first monitor pass strictly after it is at 115 s.
    await h.manager.runUntil(115_000);
    const n = await getNode(h, 'node01');
    assert.deepEqual(n.status?.conditions?.map((c) => [c.type, c.status, c.reason, c.lastTransitionTime]), [
      ['NetworkUnavailable', 'False', 'FlannelIsUp', '2026-01-01T00:00:00Z'],
      ['MemoryPressure', 'Unknown', 'NodeStatusUnknown', '2026-01-01T00:01:55Z'],
      ['DiskPressure', 'Unknown', 'NodeStatusUnknown', '2026-01-01T00:01:55Z'],
      ['PIDPressure', 'Unknown', 'NodeStatusUnknown', '2026-01-01T00:01:55Z'],
      ['Ready', 'Unknown', 'NodeStatusUnknown', '2026-01-01T00:01:55Z'],
    ]);
    assert.equal(n.status?.conditions?.find((c) => c.type === 'Ready')?.message, 'Kubelet stopped posting node status.');
    assert.deepEqual(n.spec.taints, [
      { key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule', timeAdded: '2026-01-01T00:01:55Z' },
      { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: '2026-01-01T00:01:55Z' },
    ]);
    assert.deepEqual(await podReady(h, 'web-0'), { type: 'Ready', status: 'False', lastTransitionTime: '2026-01-01T00:01:55Z' });
    assert.deepEqual(await endpointReady(h, 'web-0'), { ready: false, serving: false });
    assert.deepEqual(await endpointReady(h, 'web-1'), { ready: true, serving: true });
    assert.ok((await eventsFor(h, 'node01')).includes('NodeNotReady: Node node01 status is now: NodeNotReady'));
    assert.deepEqual(await eventsFor(h, 'web-0').then((e) => e.filter((x) => x.startsWith('NodeNotReady'))), ['NodeNotReady: Node is not ready']);
    // tolerationSeconds 300 from when the NoExecute taint appeared.
    await h.manager.runUntil(414_999);
    assert.equal(await exists(h, 'web-0'), true);
    await h.manager.runUntil(415_000);
    assert.equal(await exists(h, 'web-0'), false);
    assert.equal(await exists(h, 'web-1'), true);
    assert.ok((await eventsFor(h, 'web-0')).includes('TaintManagerEviction: Marking for deletion Pod default/web-0'));
    assert.equal(await endpointReady(h, 'web-0'), undefined);
    assert.equal(await h.manager.runUntilQuiescent(3_600_000), true);
  });

  it('reverses everything when the kubelet comes back before the eviction', async () => {
    const h = await nodeSide(['node01', 'node02', 'node03']);
    await webPod(h, 'web-0', 'node01');
    await h.manager.runUntil(60_000);
    await nodeDown(h.store, 'node01');
    await h.manager.runUntil(200_000);
    await nodeUp(h.store, 'node01');
    await h.manager.drain();
    const n = await getNode(h, 'node01');
    assert.equal(n.spec.taints, undefined);
    assert.deepEqual(n.status?.conditions?.find((c) => c.type === 'Ready'), {
      type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status',
      lastHeartbeatTime: '2026-01-01T00:03:20Z', lastTransitionTime: '2026-01-01T00:03:20Z',
    });
    assert.deepEqual(await podReady(h, 'web-0'), { type: 'Ready', status: 'True', lastTransitionTime: '2026-01-01T00:03:20Z' });
    assert.deepEqual(await endpointReady(h, 'web-0'), { ready: true, serving: true });
    assert.ok((await eventsFor(h, 'web-0')).includes('TaintManagerEviction: Cancelling deletion of Pod default/web-0'));
    assert.ok((await eventsFor(h, 'node01')).includes('NodeReady: Node node01 status is now: NodeReady'));
    assert.equal(await h.manager.runUntilQuiescent(3_600_000), true);
    assert.equal(await exists(h, 'web-0'), true);
  });

  it('rate-limits NoExecute tainting to one node per zone every 10 s', async () => {
    const h = await nodeSide(['n1', 'n2', 'n3', 'n4', 'n5']);
    await webPod(h, 'w1', 'n1');
    await webPod(h, 'w2', 'n2');
    await h.manager.runUntil(60_000);
    await nodeDown(h.store, 'n1');
    await nodeDown(h.store, 'n2');
    await h.manager.runUntil(120_000);
    const noExecute = async (name: string) => (await getNode(h, name)).spec.taints?.find((t) => t.effect === 'NoExecute')?.timeAdded;
    assert.deepEqual([await noExecute('n1'), await noExecute('n2')], ['2026-01-01T00:01:55Z', undefined]);
    await h.manager.runUntil(125_000);
    assert.equal(await noExecute('n2'), '2026-01-01T00:02:05Z');
    await h.manager.runUntil(415_000);
    assert.deepEqual([await exists(h, 'w1'), await exists(h, 'w2')], [false, true]);
    await h.manager.runUntil(425_000);
    assert.equal(await exists(h, 'w2'), false);
  });

  it('evicts nothing when every node of the zone is down (full disruption)', async () => {
    const h = await nodeSide(['solo']);
    await webPod(h, 'w', 'solo');
    await h.manager.runUntil(10_000);
    await nodeDown(h.store, 'solo');
    assert.equal(await h.manager.runUntilQuiescent(3_600_000), true);
    const n = await getNode(h, 'solo');
    assert.deepEqual(n.spec.taints?.map((t) => `${t.key}:${t.effect}`), ['node.kubernetes.io/unreachable:NoSchedule']);
    assert.equal(await exists(h, 'w'), true);
  });

  it('evicts at once a pod that tolerates the taint for 0 s', async () => {
    const h = await nodeSide(['node01', 'node02', 'node03']);
    const p = pod('impatient', { labels: { app: 'web' }, spec: { nodeName: 'node01', tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 0 }] } });
    await h.store.create(p);
    await h.manager.runUntil(10_000);
    await nodeDown(h.store, 'node01');
    await h.manager.runUntil(64_999);
    assert.equal(await exists(h, 'impatient'), true);
    await h.manager.runUntil(65_000);
    assert.equal(await exists(h, 'impatient'), false);
  });

  it('registers nodes as the kubelet does; a node not registered yet carries the not-ready taint', async () => {
    const h = await harnessWith((h) => [new NodeLifecycleController(h.ctx('node-lifecycle-controller'))]);
    await h.store.create(node('late'));
    await h.store.create(node('other', { ip: '192.168.0.2' }));
    await h.manager.drain();
    assert.deepEqual((await getNode(h, 'late')).spec.taints, [{ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule', timeAdded: '2026-01-01T00:00:00Z' }]);
    h.clock.advanceTo(3000);
    const status = new NodeStatusController(h.ctx('kubelet-node-status'));
    h.manager.add(status);
    status.queue.add('late');
    await h.manager.drain();
    const n = await getNode(h, 'late');
    assert.equal(n.spec.taints, undefined);
    // No address given: the next free one of nodeNetwork (192.168.0.0/24), from .2.
    assert.deepEqual(n.status?.addresses, [{ type: 'InternalIP', address: '192.168.0.3' }, { type: 'Hostname', address: 'late' }]);
    assert.deepEqual(n.status?.allocatable, { cpu: '4', memory: '8286208Ki', pods: '110' });
    const info = (n.status as unknown as { nodeInfo: Record<string, string> }).nodeInfo;
    assert.deepEqual([info.kubeletVersion, info.containerRuntimeVersion, info.operatingSystem, info.architecture], ['v1.34.0', 'containerd://1.7.27', 'linux', 'amd64']);
    assert.deepEqual(n.status?.conditions?.map((c) => [c.type, c.status, c.reason, c.message]), [
      ['NetworkUnavailable', 'False', 'FlannelIsUp', 'Flannel is running on this node'],
      ['MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'],
      ['DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'],
      ['PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'],
      ['Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'],
    ]);
    assert.deepEqual(await eventsFor(h, 'late'), [
      'Starting: Starting kubelet.',
      'NodeHasSufficientMemory: Node late status is now: NodeHasSufficientMemory',
      'NodeHasNoDiskPressure: Node late status is now: NodeHasNoDiskPressure',
      'NodeHasSufficientPID: Node late status is now: NodeHasSufficientPID',
      'NodeAllocatableEnforced: Updated Node Allocatable limit across pods',
      'NodeReady: Node late status is now: NodeReady',
    ]);
  });
});
