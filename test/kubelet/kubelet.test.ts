import assert from 'node:assert/strict';
import type { Pod } from '../../lib/api/types.js';
import { NodeIPAMController } from '../../lib/controllers/nodeipam.js';
import { KubeletController } from '../../lib/kubelet/kubelet.js';
import { NodeStatusController } from '../../lib/kubelet/nodestatus.js';
import { SchedulerController } from '../../lib/scheduler/scheduler.js';
import type { Harness } from '../reconcile/harness.js';
import { CONTROL_PLANE_TAINT, eventsFor, harnessWith, node, pod } from './fixtures.js';

async function kubeadmCluster(cluster: Parameters<typeof harnessWith>[1] = {}): Promise<Harness> {
  const h = await harnessWith((h) => [
    new NodeIPAMController(h.ctx('node-ipam-controller')),
    new NodeStatusController(h.ctx('kubelet-node-status')),
    new SchedulerController(h.ctx('default-scheduler')),
    new KubeletController(h.ctx('kubelet')),
  ], cluster);
  await h.store.create(node('master', { ip: '192.168.40.128', taints: [CONTROL_PLANE_TAINT] }));
  await h.store.create(node('node01', { ip: '192.168.40.129' }));
  await h.store.create(node('node02', { ip: '192.168.40.130' }));
  await h.manager.drain();
  return h;
}

const onNode01 = (name: string, extra: Parameters<typeof pod>[1] = {}) => pod(name, { ...extra, spec: { nodeName: 'node01', ...(extra.spec ?? {}) } });
const get = (h: Harness, name: string) => h.store.get<Pod>('Pod', 'default', name);

describe('kubelet', () => {
  it('hands out pod IPs in order from the node CIDR, the gateway .1 reserved', async () => {
    const h = await kubeadmCluster();
    for (const n of ['a', 'b', 'c']) await h.store.create(onNode01(n));
    await h.manager.runUntilQuiescent(60_000);
    assert.deepEqual(await Promise.all(['a', 'b', 'c'].map(async (n) => (await get(h, n)).status?.podIP)), ['10.244.1.2', '10.244.1.3', '10.244.1.4']);
    // host-local continues after the last reserved address, not at the freed one.
    await h.store.delete('Pod', 'default', 'a');
    await h.store.create(onNode01('d'));
    await h.manager.runUntilQuiescent(120_000);
    assert.equal((await get(h, 'd')).status?.podIP, '10.244.1.5');
  });

  it('reports Pending with ContainerCreating, then Running and Ready after the start delay', async () => {
    const h = await kubeadmCluster();
    await h.store.create(pod('web', { image: 'nginx:1.27', spec: { nodeSelector: { 'kubernetes.io/hostname': 'node01' } } }));
    await h.manager.drain();
    let p = await get(h, 'web');
    assert.equal(p.spec.nodeName, 'node01');
    assert.deepEqual(p.status, {
      phase: 'Pending',
      conditions: [
        { type: 'PodReadyToStartContainers', status: 'False', lastTransitionTime: '2026-01-01T00:00:00Z' },
        { type: 'Initialized', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z' },
        { type: 'Ready', status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [app]', lastTransitionTime: '2026-01-01T00:00:00Z' },
        { type: 'ContainersReady', status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [app]', lastTransitionTime: '2026-01-01T00:00:00Z' },
        { type: 'PodScheduled', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z' },
      ],
      hostIP: '192.168.40.129',
      hostIPs: [{ ip: '192.168.40.129' }],
      startTime: '2026-01-01T00:00:00Z',
      containerStatuses: [{
        name: 'app', image: 'docker.io/library/nginx:1.27', imageID: '', lastState: {}, ready: false, restartCount: 0, started: false,
        state: { waiting: { reason: 'ContainerCreating' } },
      }],
    });
    await h.manager.runUntilQuiescent(60_000);
    assert.equal(h.clock.now(), 1000);
    p = await get(h, 'web');
    assert.equal(p.status?.phase, 'Running');
    assert.equal(p.status?.podIP, '10.244.1.2');
    assert.deepEqual(p.status?.podIPs, [{ ip: '10.244.1.2' }]);
    assert.deepEqual(p.status?.conditions?.map((c) => [c.type, c.status, c.lastTransitionTime]), [
      ['PodReadyToStartContainers', 'True', '2026-01-01T00:00:01Z'],
      ['Initialized', 'True', '2026-01-01T00:00:00Z'],
      ['Ready', 'True', '2026-01-01T00:00:01Z'],
      ['ContainersReady', 'True', '2026-01-01T00:00:01Z'],
      ['PodScheduled', 'True', '2026-01-01T00:00:00Z'],
    ]);
    const cs = p.status!.containerStatuses![0]! as unknown as Record<string, unknown>;
    assert.equal(cs.ready, true);
    assert.equal(cs.started, true);
    assert.equal(cs.restartCount, 0);
    assert.deepEqual(cs.state, { running: { startedAt: '2026-01-01T00:00:01Z' } });
    assert.match(String(cs.containerID), /^containerd:\/\/[0-9a-f]{64}$/);
    assert.match(String(cs.imageID), /^docker\.io\/library\/nginx@sha256:[0-9a-f]{64}$/);
    assert.deepEqual(await eventsFor(h, 'web'), [
      'Scheduled: Successfully assigned default/web to node01',
      'Pulled: Container image "nginx:1.27" already present on machine',
      'Created: Created container: app',
      'Started: Started container app',
    ]);
  });

  it('turns ready as the readiness probe says', async () => {
    const h = await kubeadmCluster();
    // Probes tick from admission (0 s) every period; the container runs from 1 s.
    const probe = (initialDelaySeconds: number, periodSeconds: number, successThreshold = 1) => ({
      spec: { nodeName: 'node01', containers: [{ name: 'app', image: 'nginx', readinessProbe: { httpGet: { path: '/', port: 80 }, initialDelaySeconds, periodSeconds, successThreshold } }] },
    });
    await h.store.create(pod('p0', probe(0, 10)));
    await h.store.create(pod('p5', probe(5, 10)));
    await h.store.create(pod('p15', probe(15, 10)));
    await h.store.create(pod('p2x', probe(0, 3, 2)));
    await h.manager.runUntilQuiescent(120_000);
    const readyAt = async (n: string) => (await get(h, n)).status?.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime;
    assert.deepEqual(await Promise.all(['p0', 'p5', 'p15', 'p2x'].map(readyAt)), [
      '2026-01-01T00:00:10Z', // first tick after the start
      '2026-01-01T00:00:10Z', // 9 s running >= 5
      '2026-01-01T00:00:20Z', // 19 s running >= 15
      '2026-01-01T00:00:06Z', // ticks 3 s and 6 s
    ]);
  });

  it('honours netsim.io/start-delay', async () => {
    const h = await kubeadmCluster();
    await h.store.create(onNode01('slow', { annotations: { 'netsim.io/start-delay': '3s' } }));
    await h.manager.runUntilQuiescent(60_000);
    assert.equal(h.clock.now(), 3000);
    assert.equal((await get(h, 'slow')).status?.phase, 'Running');
  });

  it('runs a Never pod with netsim.io/run-duration to Succeeded and frees its IP', async () => {
    const h = await kubeadmCluster();
    await h.store.create(onNode01('job', { annotations: { 'netsim.io/run-duration': '10s' }, spec: { nodeName: 'node01', restartPolicy: 'Never' } }));
    await h.manager.runUntilQuiescent(60_000);
    assert.equal(h.clock.now(), 11_000);
    const p = await get(h, 'job');
    assert.equal(p.status?.phase, 'Succeeded');
    assert.equal(p.status?.podIP, '10.244.1.2');
    assert.deepEqual(p.status?.conditions?.map((c) => [c.type, c.status, c.reason ?? '']), [
      ['PodReadyToStartContainers', 'False', ''],
      ['Initialized', 'True', ''],
      ['Ready', 'False', 'PodCompleted'],
      ['ContainersReady', 'False', 'PodCompleted'],
      ['PodScheduled', 'True', ''],
    ]);
    assert.deepEqual((p.status!.containerStatuses![0]! as unknown as { state: unknown }).state, {
      terminated: { containerID: (p.status!.containerStatuses![0]! as unknown as { containerID: string }).containerID, exitCode: 0, finishedAt: '2026-01-01T00:00:11Z', reason: 'Completed', startedAt: '2026-01-01T00:00:01Z' },
    });
    // Its address went back to the range: the next pod takes the one after it, host-local style.
    await h.store.create(onNode01('next'));
    await h.manager.runUntilQuiescent(60_000);
    assert.equal((await get(h, 'next')).status?.podIP, '10.244.1.3');
  });

  it('gives hostNetwork pods the node IP', async () => {
    const h = await kubeadmCluster();
    await h.store.create(onNode01('hn', { spec: { nodeName: 'node01', hostNetwork: true } }));
    await h.store.create(onNode01('regular'));
    await h.manager.runUntilQuiescent(60_000);
    const hn = await get(h, 'hn');
    assert.deepEqual([hn.status?.podIP, hn.status?.hostIP], ['192.168.40.129', '192.168.40.129']);
    assert.equal((await get(h, 'regular')).status?.podIP, '10.244.1.2');
  });

  it('waits for an address when the node range is exhausted', async () => {
    // A /30 per node: .1 is the gateway, .2 the only pod address.
    const h = await kubeadmCluster({ nodeCIDRMaskSize: 30 });
    await h.store.create(onNode01('first'));
    await h.store.create(onNode01('second'));
    await h.manager.runUntilQuiescent(60_000);
    assert.equal((await get(h, 'first')).status?.podIP, '10.244.0.6');
    const second = await get(h, 'second');
    assert.equal(second.status, undefined);
    assert.deepEqual(await eventsFor(h, 'second'), [
      'FailedCreatePodSandBox: Failed to create pod sandbox: plugin type="bridge" failed (add): failed to allocate for range 0: no IP addresses available in range set: 10.244.0.5-10.244.0.6',
    ]);
    await h.store.delete('Pod', 'default', 'first');
    await h.manager.runUntilQuiescent(120_000);
    assert.equal((await get(h, 'second')).status?.podIP, '10.244.0.6');
  });
});
