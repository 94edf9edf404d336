import assert from 'node:assert/strict';
import type { Pod, StatefulSet } from '../../lib/api/types.js';
import { StatefulSetController, statefulSetRevisionName } from '../../lib/controllers/statefulset.js';
import type { Harness } from '../reconcile/harness.js';
import { controllerHarness, eventsFor, FakeKubelet, node, pods, template } from './fakekubelet.js';

function statefulSet(name: string, replicas: number, extra: Partial<StatefulSet['spec']> = {}): StatefulSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name, namespace: 'default' },
    spec: { replicas, serviceName: 'nginx', selector: { matchLabels: { app: name } }, template: template(name), ...extra },
  };
}

async function setup(startMs = 3000): Promise<Harness> {
  const h = controllerHarness();
  h.manager.add(new StatefulSetController(h.ctx('statefulset')));
  h.manager.add(new FakeKubelet(h.ctx('kubelet'), { startMs }));
  await h.informers.startAll();
  await h.store.create(node('node01'));
  return h;
}

const getSet = (h: Harness, name: string) => h.store.get<StatefulSet>('StatefulSet', 'default', name);

/** Records when each pod was created and deleted (simulated ms). */
function podLog(h: Harness): string[] {
  const log: string[] = [];
  const inf = h.informers.for<Pod>('Pod');
  inf.on('add', (p) => log.push(`+${p.metadata.name}@${h.clock.now()}`)).on('delete', (p) => log.push(`-${p.metadata.name}@${h.clock.now()}`));
  log.length = 0;
  return log;
}

describe('controllers/statefulset', () => {
  it('creates web-0, web-1, web-2 one at a time, each once its predecessor is Running and Ready (OrderedReady)', async () => {
    const h = await setup(3000);
    const log = podLog(h);
    const set = await h.store.create(statefulSet('web', 3));
    await h.manager.runUntilQuiescent(600_000);
    assert.deepEqual(log, ['+web-0@0', '+web-1@3000', '+web-2@6000']);
    const ps = await pods(h);
    const rev = statefulSetRevisionName(set);
    assert.match(rev, /^web-[456789bcdf]{9,10}$/);
    for (const [i, p] of ps.entries()) {
      assert.equal(p.metadata.name, `web-${i}`);
      assert.equal(p.metadata.generateName, 'web-');
      assert.equal(p.spec.hostname, `web-${i}`);
      assert.equal(p.spec.subdomain, 'nginx');
      assert.deepEqual(p.metadata.labels, { app: 'web', 'statefulset.kubernetes.io/pod-name': `web-${i}`, 'apps.kubernetes.io/pod-index': String(i), 'controller-revision-hash': rev });
      assert.equal(p.metadata.ownerReferences![0]!.uid, set.metadata.uid);
    }
    assert.deepEqual(await eventsFor(h, 'web', 'StatefulSet'), [0, 1, 2].map((i) => `SuccessfulCreate: create Pod web-${i} in StatefulSet web successful`));
    assert.deepEqual((await getSet(h, 'web')).status, {
      replicas: 3,
      availableReplicas: 3,
      collisionCount: 0,
      observedGeneration: 1,
      readyReplicas: 3,
      currentReplicas: 3,
      updatedReplicas: 3,
      currentRevision: rev,
      updateRevision: rev,
    });
  });

  it('starts at spec.ordinals.start', async () => {
    const h = await setup(1000);
    await h.store.create(statefulSet('db', 2, { ordinals: { start: 5 } }));
    await h.manager.runUntilQuiescent(600_000);
    assert.deepEqual((await pods(h)).map((p) => [p.metadata.name, p.metadata.labels!['apps.kubernetes.io/pod-index']]), [['db-5', '5'], ['db-6', '6']]);
  });

  it('creates all pods at once with Parallel', async () => {
    const h = await setup(3000);
    const log = podLog(h);
    await h.store.create(statefulSet('web', 3, { podManagementPolicy: 'Parallel' }));
    await h.manager.runUntilQuiescent(600_000);
    assert.deepEqual(log, ['+web-0@0', '+web-1@0', '+web-2@0']);
  });

  it('scales down from the highest ordinal, one pod at a time', async () => {
    const h = await setup(1000);
    await h.store.create(statefulSet('web', 4));
    await h.manager.runUntilQuiescent(600_000);
    const log = podLog(h);
    const s = await getSet(h, 'web');
    await h.store.update({ ...s, spec: { ...s.spec, replicas: 1 } });
    await h.manager.runUntilQuiescent(h.clock.now() + 600_000);
    assert.deepEqual(log.map((l) => l.split('@')[0]), ['-web-3', '-web-2', '-web-1']);
    assert.deepEqual((await eventsFor(h, 'web', 'StatefulSet')).slice(-3), [3, 2, 1].map((i) => `SuccessfulDelete: delete Pod web-${i} in StatefulSet web successful`));
  });

  it('rolls out a new template in reverse ordinal order, waiting for each pod, and honours the partition', async () => {
    const h = await setup(2000);
    await h.store.create(statefulSet('web', 3));
    await h.manager.runUntilQuiescent(600_000);
    const oldRev = (await getSet(h, 'web')).status!.currentRevision!;
    const log = podLog(h);
    const s = structuredClone(await getSet(h, 'web'));
    s.spec.template.spec.containers[0]!.image = 'nginx:1.26';
    s.spec.updateStrategy = { type: 'RollingUpdate', rollingUpdate: { partition: 1 } };
    const t0 = h.clock.now();
    await h.store.update(s);
    await h.manager.runUntilQuiescent(t0 + 600_000);
    assert.deepEqual(log.map((l) => l.replace(/@(\d+)/, (_, t) => `@${Number(t) - t0}`)), ['-web-2@0', '+web-2@0', '-web-1@2000', '+web-1@2000']);
    const st = (await getSet(h, 'web')).status!;
    const ps = await pods(h);
    assert.deepEqual(ps.map((p) => p.metadata.labels!['controller-revision-hash'] === oldRev), [true, false, false]);
    assert.equal(ps[2]!.spec.containers[0]!.image, 'nginx:1.26');
    assert.deepEqual([st.currentRevision, st.currentReplicas, st.updatedReplicas], [oldRev, 1, 2]);
    assert.notEqual(st.updateRevision, oldRev);
    // Deleting web-0 below the partition recreates it at the current (old) revision.
    await h.store.delete('Pod', 'default', 'web-0');
    await h.manager.runUntilQuiescent(h.clock.now() + 600_000);
    const web0 = await h.store.get<Pod>('Pod', 'default', 'web-0');
    assert.equal(web0.metadata.labels!['controller-revision-hash'], oldRev);
    assert.equal(web0.spec.containers[0]!.image, 'nginx:1.25');
  });

  it('finishes a full rolling update by making the update revision current', async () => {
    const h = await setup(1000);
    await h.store.create(statefulSet('web', 2));
    await h.manager.runUntilQuiescent(600_000);
    const s = structuredClone(await getSet(h, 'web'));
    s.spec.template.spec.containers[0]!.image = 'nginx:1.26';
    await h.store.update(s);
    await h.manager.runUntilQuiescent(h.clock.now() + 600_000);
    const st = (await getSet(h, 'web')).status!;
    assert.equal(st.currentRevision, st.updateRevision);
    assert.deepEqual([st.replicas, st.currentReplicas, st.updatedReplicas, st.readyReplicas], [2, 2, 2, 2]);
  });

  it('replaces up to maxUnavailable pods at a time, highest ordinals first', async () => {
    const h = await setup(2000);
    await h.store.create(statefulSet('web', 4));
    await h.manager.runUntilQuiescent(600_000);
    const log = podLog(h);
    const s = structuredClone(await getSet(h, 'web'));
    s.spec.template.spec.containers[0]!.image = 'nginx:1.26';
    s.spec.updateStrategy = { type: 'RollingUpdate', rollingUpdate: { partition: 0, maxUnavailable: 2 } };
    const t0 = h.clock.now();
    await h.store.update(s);
    await h.manager.runUntilQuiescent(t0 + 600_000);
    // Two deleted at once; OrderedReady still recreates them in ordinal order, each after its predecessor is ready.
    assert.deepEqual(log.map((l) => l.replace(/@(\d+)/, (_, t) => `@${Number(t) - t0}`)), [
      '-web-3@0', '-web-2@0', '+web-2@0', '+web-3@2000', '-web-1@4000', '-web-0@4000', '+web-0@4000', '+web-1@6000',
    ]);
  });
});
