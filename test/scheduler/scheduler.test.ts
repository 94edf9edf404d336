import assert from 'node:assert/strict';
import type { Pod } from '../../lib/api/types.js';
import { NodeStatusController } from '../../lib/kubelet/nodestatus.js';
import { SchedulerController, numFeasibleNodesToFind, podBackoffMs } from '../../lib/scheduler/scheduler.js';
import { CONTROL_PLANE_TAINT, eventsFor, harnessWith, node, pod, service } from '../kubelet/fixtures.js';
import type { Harness } from '../reconcile/harness.js';

async function cluster(nodes: ReturnType<typeof node>[], opts: { percentage?: number } = {}): Promise<{ h: Harness; s: SchedulerController }> {
  let s!: SchedulerController;
  const h = await harnessWith((h) => {
    s = new SchedulerController(h.ctx('default-scheduler'), { percentageOfNodesToScore: opts.percentage });
    return [new NodeStatusController(h.ctx('kubelet-node-status')), s];
  });
  for (const n of nodes) await h.store.create(n);
  await h.manager.drain();
  return { h, s };
}

const kubeadm = () => [
  node('master', { ip: '192.168.40.128', taints: [CONTROL_PLANE_TAINT] }),
  node('node01', { ip: '192.168.40.129' }),
  node('node02', { ip: '192.168.40.130' }),
];

async function getPod(h: Harness, name: string): Promise<Pod> {
  return h.store.get<Pod>('Pod', 'default', name);
}

describe('scheduler', () => {
  it('scores a share of the nodes as percentageOfNodesToScore says', () => {
    const table: [number, number][] = [[3, 3], [99, 99], [100, 100], [200, 100], [1000, 420], [5000, 500], [6000, 300], [20_000, 1000]];
    for (const [nodes, want] of table) assert.equal(numFeasibleNodesToFind(nodes), want, `${nodes} nodes`);
    assert.equal(numFeasibleNodesToFind(1000, 100), 1000);
    assert.equal(numFeasibleNodesToFind(1000, 5), 100);
  });

  it('backs off 1s, 2s, 4s, 8s then 10s', () => {
    assert.deepEqual([1, 2, 3, 4, 5, 6].map(podBackoffMs), [1000, 2000, 4000, 8000, 10_000, 10_000]);
  });

  it('binds a pod and records Scheduled', async () => {
    const { h } = await cluster(kubeadm());
    // node01 and node02 tie; the pick among tied nodes comes from the scheduler's random stream.
    await h.store.create(pod('frontend-a', { cpu: '100m' }));
    await h.manager.drain();
    const p = await getPod(h, 'frontend-a');
    const again = await cluster(kubeadm());
    await again.h.store.create(pod('frontend-a', { cpu: '100m' }));
    await again.h.manager.drain();
    assert.equal((await getPod(again.h, 'frontend-a')).spec.nodeName, p.spec.nodeName);
    assert.ok(['node01', 'node02'].includes(p.spec.nodeName!));
    // The next pod goes to the other, emptier worker.
    await h.store.create(pod('frontend-b', { cpu: '100m' }));
    await h.manager.drain();
    assert.equal((await getPod(h, 'frontend-b')).spec.nodeName, p.spec.nodeName === 'node01' ? 'node02' : 'node01');
    assert.deepEqual(p.status?.conditions, [{ type: 'PodScheduled', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z' }]);
    assert.deepEqual(await eventsFor(h, 'frontend-a'), [`Scheduled: Successfully assigned default/frontend-a to ${p.spec.nodeName}`]);
  });

  it('leaves a pod no node fits Pending with upstream\'s message, and retries when a node is added', async () => {
    const { h, s } = await cluster(kubeadm());
    await h.store.create(pod('big', { cpu: '6' }));
    await h.manager.drain();
    const msg = '0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu. ' +
      'no new claims to deallocate, preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.';
    let p = await getPod(h, 'big');
    assert.equal(p.spec.nodeName, undefined);
    assert.equal(p.status?.phase, 'Pending');
    assert.deepEqual(p.status?.conditions, [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: msg, lastTransitionTime: '2026-01-01T00:00:00Z' }]);
    assert.deepEqual(await eventsFor(h, 'big'), [`FailedScheduling: ${msg}`]);
    assert.equal(s.unschedulableCount, 1);
    // Nothing happens until the cluster changes: no timers are left running.
    assert.equal(await h.manager.runUntilQuiescent(600_000), true);
    h.clock.advanceTo(500);
    await h.store.create(node('node03', { ip: '192.168.40.131', capacity: { cpu: '8', memory: '16Gi', pods: '110' } }));
    await h.manager.runUntilQuiescent(600_000);
    p = await getPod(h, 'big');
    assert.equal(p.spec.nodeName, 'node03');
    // Tried again when its 1 s backoff ran out.
    assert.equal(h.clock.now(), 1000);
    assert.deepEqual(p.status?.conditions, [{ type: 'PodScheduled', status: 'True', lastTransitionTime: '2026-01-01T00:00:01Z' }]);
    assert.equal(s.unschedulableCount, 0);
  });

  it('says so when there are no nodes', async () => {
    const { h } = await cluster([]);
    await h.store.create(pod('lonely'));
    await h.manager.drain();
    const p = await getPod(h, 'lonely');
    assert.equal(p.status?.conditions?.[0]?.message, 'no nodes available to schedule pods');
  });

  it('counts every reason of every node: unschedulable, affinity, ports, pods', async () => {
    const { h } = await cluster([
      node('cordoned', { ip: '10.0.0.1' }),
      node('full', { ip: '10.0.0.2', capacity: { cpu: '4', memory: '8Gi', pods: '1' } }),
      node('ssd', { ip: '10.0.0.3', labels: { disk: 'ssd' } }),
      node('hdd', { ip: '10.0.0.4', labels: { disk: 'hdd' } }),
    ]);
    const cordoned = await h.store.get<ReturnType<typeof node>>('Node', undefined, 'cordoned');
    await h.store.update({ ...cordoned, spec: { ...cordoned.spec, unschedulable: true } });
    // Fill "full" (1 pod max) and take hostPort 8080 on "ssd".
    await h.store.create(pod('filler', { spec: { nodeName: 'full' } }));
    await h.store.create(pod('web', { spec: { nodeName: 'ssd' }, ports: [{ containerPort: 80, hostPort: 8080 }] }));
    await h.store.create(pod('picky', {
      ports: [{ containerPort: 80, hostPort: 8080 }],
      spec: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'disk', operator: 'NotIn', values: ['hdd'] }] }] } } } },
    }));
    await h.manager.drain();
    const p = await getPod(h, 'picky');
    assert.equal(p.status?.conditions?.[0]?.message,
      "0/4 nodes are available: 1 Too many pods, 1 node(s) didn't have free ports for the requested pod ports, 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) were unschedulable. " +
      'no new claims to deallocate, preemption: 0/4 nodes are available: 2 No preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling.');
  });

  it('reports several insufficient resources of one node', async () => {
    const { h } = await cluster([node('small', { ip: '10.0.0.1', capacity: { cpu: '1', memory: '1Gi', pods: '110' } })]);
    await h.store.create(pod('huge', { cpu: '2', memory: '2Gi' }));
    await h.manager.drain();
    assert.equal((await getPod(h, 'huge')).status?.conditions?.[0]?.message,
      '0/1 nodes are available: 1 Insufficient cpu, 1 Insufficient memory. no new claims to deallocate, preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.');
  });

  it('honours nodeSelector, tolerations and matchFields', async () => {
    const { h } = await cluster(kubeadm());
    await h.store.create(pod('on-master', {
      spec: { nodeSelector: { 'kubernetes.io/hostname': 'master' }, tolerations: [{ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' }] },
    }));
    await h.store.create(pod('by-name', {
      spec: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node02'] }] }] } } } },
    }));
    await h.manager.drain();
    assert.equal((await getPod(h, 'on-master')).spec.nodeName, 'master');
    assert.equal((await getPod(h, 'by-name')).spec.nodeName, 'node02');
  });

  it('prefers nodes by preferred affinity and avoids PreferNoSchedule taints', async () => {
    const { h } = await cluster([
      node('a', { ip: '10.0.0.1', taints: [{ key: 'spot', effect: 'PreferNoSchedule' }] }),
      node('b', { ip: '10.0.0.2' }),
      node('c', { ip: '10.0.0.3', labels: { gpu: 'yes' } }),
    ]);
    await h.store.create(pod('wants-gpu', {
      spec: { affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 50, preference: { matchExpressions: [{ key: 'gpu', operator: 'Exists' }] } }] } } },
    }));
    await h.manager.drain();
    assert.equal((await getPod(h, 'wants-gpu')).spec.nodeName, 'c');
    // Among a and b (c now busier), the untainted b wins.
    await h.store.create(pod('plain', { cpu: '100m' }));
    await h.manager.drain();
    assert.equal((await getPod(h, 'plain')).spec.nodeName, 'b');
  });

  const webService = () => service('web', { app: 'web' }, [{ port: 80, protocol: 'TCP', targetPort: 80 }], { clusterIP: '10.96.0.20', type: 'ClusterIP' });

  async function placeOneByOne(h: Harness, names: string[]): Promise<string[]> {
    const out: string[] = [];
    for (const name of names) {
      await h.store.create(pod(name, { labels: { app: 'web' }, cpu: '100m', memory: '128Mi' }));
      await h.manager.drain();
      out.push((await getPod(h, name)).spec.nodeName!);
    }
    return out;
  }

  it('spreads the pods of one Service over nodes (system default constraints)', async () => {
    const { h } = await cluster([node('n1', { ip: '10.0.0.1' }), node('n2', { ip: '10.0.0.2' }), node('n3', { ip: '10.0.0.3' })]);
    await h.store.create(webService());
    const placed = await placeOneByOne(h, ['w0', 'w1', 'w2', 'w3', 'w4', 'w5']);
    const per = new Map<string, number>();
    for (const n of placed) per.set(n, (per.get(n) ?? 0) + 1);
    assert.deepEqual([...per.entries()].sort(), [['n1', 2], ['n2', 2], ['n3', 2]]);
  });

  it('balances zones before nodes: a zone of one node takes as many pods as a zone of two', async () => {
    const zone = (z: string) => ({ 'topology.kubernetes.io/zone': z });
    const { h } = await cluster([node('a1', { ip: '10.0.0.1', labels: zone('a') }), node('a2', { ip: '10.0.0.2', labels: zone('a') }), node('b1', { ip: '10.0.0.3', labels: zone('b') })]);
    await h.store.create(webService());
    await h.store.create(pod('w-pre', { labels: { app: 'web' }, cpu: '100m', memory: '128Mi', spec: { nodeName: 'a1' } }));
    // Raw spread scores (hostname weight ln 5, zone weight ln 4): a2 7 / b1 6 -> b1; then a2 7 / b1 9 -> a2;
    // then a1 10, a2 10, b1 9 -> b1. Zone a and zone b end with two pods each.
    assert.deepEqual(await placeOneByOne(h, ['w0', 'w1', 'w2']), ['b1', 'a2', 'b1']);
  });

  it('iterates nodes round-robin from where the last cycle stopped', async () => {
    const nodes = Array.from({ length: 200 }, (_, i) => node(`n${String(i).padStart(3, '0')}`, { ip: `10.0.${i >> 8}.${i & 255}` }));
    const { h, s } = await cluster(nodes);
    const first = s.schedule(pod('x'));
    const second = s.schedule(pod('y'));
    const third = s.schedule(pod('z'));
    assert.ok('node' in first && 'node' in second && 'node' in third);
    assert.deepEqual([first.evaluated, first.feasible, second.evaluated, third.evaluated], [100, 100, 100, 100]);
    const idx = (r: typeof first) => Number(('node' in r ? r.node : '').slice(1));
    assert.ok(idx(first) < 100, `first pick ${idx(first)}`);
    assert.ok(idx(second) >= 100, `second pick ${idx(second)}`);
    assert.ok(idx(third) < 100, `third pick ${idx(third)}`);
    void h;
  });

  it('tries an unschedulable pod again when a bound pod goes away', async () => {
    const { h } = await cluster([node('only', { ip: '10.0.0.1', capacity: { cpu: '1', memory: '1Gi', pods: '110' } })]);
    await h.store.create(pod('first', { cpu: '800m' }));
    await h.manager.drain();
    await h.store.create(pod('second', { cpu: '800m' }));
    await h.manager.drain();
    assert.equal((await getPod(h, 'second')).spec.nodeName, undefined);
    await h.store.delete('Pod', 'default', 'first');
    await h.manager.runUntilQuiescent(600_000);
    assert.equal((await getPod(h, 'second')).spec.nodeName, 'only');
  });
});
