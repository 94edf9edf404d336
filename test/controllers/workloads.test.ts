import assert from 'node:assert/strict';
import type { DaemonSet, Job, Pod, StatefulSet } from '../../lib/api/types.js';
import { workloadControllers } from '../../lib/controllers/workloads.js';
import type { Harness } from '../reconcile/harness.js';
import { controllerHarness, deployment, FakeKubelet, node, template } from './fakekubelet.js';

async function guestbook(seed: number): Promise<Harness> {
  const h = controllerHarness(seed);
  for (const c of workloadControllers(h.ctx)) h.manager.add(c);
  h.manager.add(new FakeKubelet(h.ctx('kubelet'), { startMs: 1500, runMs: 4000 }));
  await h.informers.startAll();
  await h.store.create(node('master', { taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] }));
  await h.store.create(node('node01'));
  await h.store.create(node('node02'));
  await h.store.create(deployment('redis-master', 1));
  await h.store.create(deployment('redis-slave', 2));
  await h.store.create(deployment('frontend', 3));
  await h.store.create<StatefulSet>({ apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'web', namespace: 'default' }, spec: { replicas: 2, serviceName: 'nginx', selector: { matchLabels: { app: 'web' } }, template: template('web') } });
  await h.store.create<DaemonSet>({ apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'fluentd', namespace: 'default' }, spec: { selector: { matchLabels: { app: 'fluentd' } }, template: template('fluentd') } });
  await h.store.create<Job>({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'pi', namespace: 'default' }, spec: { completions: 2, template: { spec: { containers: [{ name: 'pi', image: 'perl' }], restartPolicy: 'Never' } } } });
  await h.manager.runUntilQuiescent(3_600_000);
  return h;
}

async function snapshot(h: Harness) {
  const pods = (await h.store.list<Pod>('Pod')).items.map((p) => `${p.metadata.name} ${p.spec.nodeName} ${p.status?.phase}`);
  const events = (await h.store.list<import('../../lib/api/types.js').Event>('Event')).items.map((e) => `${e.involvedObject.kind}/${e.involvedObject.name} ${e.reason}: ${e.message}`);
  return { pods, events };
}

describe('controllers/workloads', () => {
  it('lists every workload controller under its kube-controller-manager name', () => {
    const h = controllerHarness();
    assert.deepEqual(workloadControllers(h.ctx).map((c) => c.name), ['deployment', 'replicaset', 'replicationcontroller', 'statefulset', 'daemonset', 'job', 'horizontalpodautoscaling', 'garbagecollector', 'podgc']);
  });

  it('brings a mixed workload to a steady state, and the same seed gives byte-identical pods and events', async () => {
    const a = await snapshot(await guestbook(1));
    const b = await snapshot(await guestbook(1));
    assert.deepEqual(a, b);
    const running = a.pods.filter((p) => p.endsWith('Running'));
    assert.equal(running.length, 1 + 2 + 3 + 2 + 2);
    assert.equal(a.pods.filter((p) => p.endsWith('Succeeded')).length, 2);
    assert.ok(a.pods.includes('web-0 node01 Running') || a.pods.includes('web-0 node02 Running'));
    assert.ok(a.events.includes('Job/pi Completed: Job completed'));
  });
});
