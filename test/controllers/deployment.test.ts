import assert from 'node:assert/strict';
import type { Deployment, Pod, ReplicaSet } from '../../lib/api/types.js';
import { DeploymentController } from '../../lib/controllers/deployment.js';
import { resolveFenceposts, rolloutStatus } from '../../lib/controllers/deploymentutil.js';
import { computeHash, safeEncodeString } from '../../lib/controllers/podtemplatehash.js';
import { ReplicaSetController } from '../../lib/controllers/replicaset.js';
import type { Harness } from '../reconcile/harness.js';
import { controllerHarness, deployment, eventsFor, FakeKubelet, type FakeKubeletOptions, node, pods } from './fakekubelet.js';

async function setup(kubelet: FakeKubeletOptions = { startMs: 2000 }, seed = 1): Promise<Harness> {
  const h = controllerHarness(seed);
  h.manager.add(new DeploymentController(h.ctx('deployment')));
  h.manager.add(new ReplicaSetController(h.ctx('replicaset')));
  h.manager.add(new FakeKubelet(h.ctx('kubelet'), kubelet));
  await h.informers.startAll();
  for (const n of ['node01', 'node02']) await h.store.create(node(n));
  return h;
}

const getD = (h: Harness, name: string) => h.store.get<Deployment>('Deployment', 'default', name);
const replicaSets = async (h: Harness) => (await h.store.list<ReplicaSet>('ReplicaSet', { namespace: 'default' })).items;

async function setImage(h: Harness, name: string, image: string): Promise<void> {
  const d = structuredClone(await getD(h, name));
  d.spec.template.spec.containers[0]!.image = image;
  await h.store.update(d);
}

async function scale(h: Harness, name: string, replicas: number): Promise<void> {
  const d = structuredClone(await getD(h, name));
  d.spec.replicas = replicas;
  await h.store.update(d);
}

describe('controllers/deployment', () => {
  it('hashes templates as ComputeHash does: FNV-1a printed in decimal, SafeEncodeString, collisionCount changes it', () => {
    assert.equal(safeEncodeString('0123456789'), '456789bcdf');
    const t = deployment('web', 1).spec.template;
    const h = computeHash(t);
    assert.match(h, /^[456789bcdf]{9,10}$/);
    assert.equal(computeHash(structuredClone(t)), h);
    assert.notEqual(computeHash(t, 1), h);
    assert.notEqual(computeHash(t, 0), h);
  });

  it('resolves fenceposts: surge rounds up, unavailable rounds down, both zero means one unavailable', () => {
    assert.deepEqual(resolveFenceposts('25%', '25%', 10), [3, 2]);
    assert.deepEqual(resolveFenceposts('25%', '25%', 3), [1, 0]);
    assert.deepEqual(resolveFenceposts(0, 0, 3), [0, 1]);
    assert.deepEqual(resolveFenceposts('10%', 1, 5), [1, 1]);
  });

  it('creates <deployment>-<pod-template-hash> with the hash label on selector, template and pods, and reports status', async () => {
    const h = await setup();
    const d = await h.store.create(deployment('web', 3));
    await h.manager.runUntilQuiescent(600_000);
    const [rs] = await replicaSets(h);
    const hash = rs!.metadata.labels!['pod-template-hash']!;
    assert.equal(rs!.metadata.name, `web-${hash}`);
    assert.match(hash, /^[456789bcdf]{9,10}$/);
    assert.deepEqual(rs!.spec.selector, { matchLabels: { app: 'web', 'pod-template-hash': hash } });
    assert.deepEqual(rs!.spec.template!.metadata!.labels, { app: 'web', 'pod-template-hash': hash });
    assert.deepEqual(rs!.metadata.annotations, { 'deployment.kubernetes.io/desired-replicas': '3', 'deployment.kubernetes.io/max-replicas': '4', 'deployment.kubernetes.io/revision': '1' });
    assert.deepEqual(rs!.metadata.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: d.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    for (const p of await pods(h)) {
      assert.match(p.metadata.name!, new RegExp(`^web-${hash}-[bcdfghjklmnpqrstvwxz2456789]{5}$`));
      assert.equal(p.metadata.labels!['pod-template-hash'], hash);
    }
    const got = await getD(h, 'web');
    assert.equal(got.metadata.annotations!['deployment.kubernetes.io/revision'], '1');
    const { conditions, ...counters } = got.status!;
    assert.deepEqual(counters, { observedGeneration: 1, replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3 });
    assert.deepEqual(
      conditions!.map((c) => [c.type, c.status, c.reason, c.message]),
      [
        ['Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.'],
        ['Progressing', 'True', 'NewReplicaSetAvailable', `ReplicaSet "web-${hash}" has successfully progressed.`],
      ],
    );
    assert.deepEqual(await eventsFor(h, 'web', 'Deployment'), [`ScalingReplicaSet: Scaled up replica set web-${hash} from 0 to 3`]);
    assert.equal(rolloutStatus(got).message, 'deployment "web" successfully rolled out');
  });

  it('rolls 3 replicas with maxSurge 1, maxUnavailable 0 as (3,0) (3,1) (2,1) (2,2) (1,2) (1,3) (0,3)', async () => {
    const h = await setup();
    await h.store.create(deployment('web', 3, { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } }));
    await h.manager.runUntilQuiescent(600_000);
    const oldName = (await replicaSets(h))[0]!.metadata.name!;
    // Every write is seen by the informer as it happens: record each (old, new) pair.
    const steps: [number, number, number][] = [];
    const rsInformer = h.informers.for<ReplicaSet>('ReplicaSet');
    const record = () => {
      const rss = rsInformer.lister.list('default');
      const o = rss.find((r) => r.metadata.name === oldName)!.spec.replicas!;
      const n = rss.find((r) => r.metadata.name !== oldName)?.spec.replicas ?? 0;
      const last = steps[steps.length - 1];
      if (!last || last[0] !== o || last[1] !== n) steps.push([o, n, h.clock.now()]);
    };
    const t0 = h.clock.now();
    record();
    rsInformer.on('add', record).on('update', record);
    await setImage(h, 'web', 'nginx:1.26');
    await h.manager.runUntilQuiescent(t0 + 600_000);
    assert.deepEqual(steps.map(([o, n]) => [o, n]), [[3, 0], [3, 1], [2, 1], [2, 2], [1, 2], [1, 3], [0, 3]]);
    // Each new pod needs 2 s to become ready before an old one goes.
    assert.deepEqual(steps.map(([, , t]) => t - t0), [0, 0, 2000, 2000, 4000, 4000, 6000]);
    const events = await eventsFor(h, 'web', 'Deployment');
    const nn = (await replicaSets(h)).find((r) => r.metadata.name !== oldName)!.metadata.name!;
    assert.deepEqual(events, [
      `ScalingReplicaSet: Scaled up replica set ${oldName} from 0 to 3`,
      `ScalingReplicaSet: Scaled up replica set ${nn} from 0 to 1`,
      `ScalingReplicaSet: Scaled down replica set ${oldName} from 3 to 2`,
      `ScalingReplicaSet: Scaled up replica set ${nn} from 1 to 2`,
      `ScalingReplicaSet: Scaled down replica set ${oldName} from 2 to 1`,
      `ScalingReplicaSet: Scaled up replica set ${nn} from 2 to 3`,
      `ScalingReplicaSet: Scaled down replica set ${oldName} from 1 to 0`,
    ]);
    const d = await getD(h, 'web');
    assert.equal(d.metadata.annotations!['deployment.kubernetes.io/revision'], '2');
    const rss = await replicaSets(h);
    assert.deepEqual(rss.map((r) => [r.metadata.name, r.spec.replicas, r.metadata.annotations!['deployment.kubernetes.io/revision']]).sort(), [[nn, 3, '2'], [oldName, 0, '1']].sort());
    assert.equal(rolloutStatus(d).message, 'deployment "web" successfully rolled out');
    assert.equal((await pods(h)).filter((p) => p.metadata.name!.startsWith(nn)).length, 3);
  });

  it('Recreate scales the old ReplicaSet to 0 and creates the new one only once the old pods are gone', async () => {
    const h = await setup();
    await h.store.create(deployment('db', 2, { strategy: { type: 'Recreate' } }));
    await h.manager.runUntilQuiescent(600_000);
    const oldName = (await replicaSets(h))[0]!.metadata.name!;
    const log: string[] = [];
    h.informers.for<Pod>('Pod').on('delete', (p) => log.push(`delete ${p.metadata.name!.startsWith(oldName) ? 'old' : 'new'} pod`));
    h.informers.for<ReplicaSet>('ReplicaSet').on('add', () => log.push('create new rs'));
    h.informers.for<Pod>('Pod').on('add', () => log.push('create new pod'));
    log.length = 0; // registering replays the cache as adds
    await setImage(h, 'db', 'postgres:17');
    await h.manager.runUntilQuiescent(600_000);
    assert.deepEqual(log, ['delete old pod', 'delete old pod', 'create new rs', 'create new pod', 'create new pod']);
    const nn = (await replicaSets(h)).find((r) => r.metadata.name !== oldName)!.metadata.name;
    assert.deepEqual((await eventsFor(h, 'db', 'Deployment')).slice(1), [`ScalingReplicaSet: Scaled down replica set ${oldName} from 2 to 0`, `ScalingReplicaSet: Scaled up replica set ${nn} from 0 to 2`]);
  });

  it('scales a settled Deployment through its ReplicaSet and updates desired/max-replicas', async () => {
    const h = await setup();
    await h.store.create(deployment('web', 3));
    await h.manager.runUntilQuiescent(600_000);
    await scale(h, 'web', 5);
    await h.manager.runUntilQuiescent(600_000);
    const [rs] = await replicaSets(h);
    assert.equal(rs!.spec.replicas, 5);
    assert.equal(rs!.metadata.annotations!['deployment.kubernetes.io/desired-replicas'], '5');
    assert.equal(rs!.metadata.annotations!['deployment.kubernetes.io/max-replicas'], '7');
    assert.deepEqual((await eventsFor(h, 'web', 'Deployment')).slice(1), [`ScalingReplicaSet: Scaled up replica set ${rs!.metadata.name} from 3 to 5`]);
    assert.equal((await getD(h, 'web')).status!.availableReplicas, 5);
  });

  it('scales proportionally during a stuck rollout (10 replicas, surge 3, unavailable 2, then 15)', async () => {
    const h = await setup({ startMs: 1000, neverReady: (p) => p.spec.containers[0]!.image === 'nginx:broken' });
    await h.store.create(deployment('web', 10, { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 3, maxUnavailable: 2 } } }));
    await h.manager.runUntilQuiescent(600_000);
    const oldName = (await replicaSets(h))[0]!.metadata.name!;
    await setImage(h, 'web', 'nginx:broken');
    await h.manager.runUntil(h.clock.now() + 60_000);
    let rss = await replicaSets(h);
    const sizes = () => rss.map((r) => [r.metadata.name === oldName ? 'old' : 'new', r.spec.replicas]).sort();
    assert.deepEqual(sizes(), [['new', 5], ['old', 8]]);
    await scale(h, 'web', 15);
    await h.manager.runUntil(h.clock.now() + 60_000);
    rss = await replicaSets(h);
    assert.deepEqual(sizes(), [['new', 7], ['old', 11]]);
    const nn = rss.find((r) => r.metadata.name !== oldName)!.metadata.name;
    assert.deepEqual((await eventsFor(h, 'web', 'Deployment')).slice(-2), [`ScalingReplicaSet: Scaled up replica set ${oldName} from 8 to 11`, `ScalingReplicaSet: Scaled up replica set ${nn} from 5 to 7`]);
    assert.equal(rolloutStatus(await getD(h, 'web')).message, 'Waiting for deployment "web" rollout to finish: 7 out of 15 new replicas have been updated...');
  });

  it('reports ProgressDeadlineExceeded when a rollout makes no progress for progressDeadlineSeconds', async () => {
    const h = await setup({ startMs: 1000, neverReady: (p) => p.spec.containers[0]!.image === 'nginx:broken' });
    await h.store.create(deployment('web', 2, { progressDeadlineSeconds: 30 }));
    await h.manager.runUntilQuiescent(600_000);
    await setImage(h, 'web', 'nginx:broken');
    const settled = await h.manager.runUntilQuiescent(h.clock.now() + 600_000);
    assert.equal(settled, true);
    const d = await getD(h, 'web');
    const p = d.status!.conditions!.find((c) => c.type === 'Progressing')!;
    const nn = (await replicaSets(h)).find((r) => r.metadata.annotations!['deployment.kubernetes.io/revision'] === '2')!.metadata.name;
    assert.deepEqual([p.status, p.reason, p.message], ['False', 'ProgressDeadlineExceeded', `ReplicaSet "${nn}" has timed out progressing.`]);
    assert.deepEqual(rolloutStatus(d), { message: 'error: deployment "web" exceeded its progress deadline', done: false, error: 'deployment "web" exceeded its progress deadline' });
  });

  it('keeps revisionHistoryLimit old ReplicaSets and deletes older scaled-down ones', async () => {
    const h = await setup({ startMs: 500 });
    await h.store.create(deployment('web', 1, { revisionHistoryLimit: 1 }));
    await h.manager.runUntilQuiescent(600_000);
    for (const img of ['nginx:2', 'nginx:3', 'nginx:4']) {
      await setImage(h, 'web', img);
      await h.manager.runUntilQuiescent(h.clock.now() + 600_000);
    }
    const revs = (await replicaSets(h)).map((r) => [r.metadata.annotations!['deployment.kubernetes.io/revision'], r.spec.replicas]).sort();
    assert.deepEqual(revs, [['3', 0], ['4', 1]]);
  });

  it('rolls back to an old template by reusing its ReplicaSet with a new revision', async () => {
    const h = await setup({ startMs: 500 });
    await h.store.create(deployment('web', 1));
    await h.manager.runUntilQuiescent(600_000);
    const first = (await replicaSets(h))[0]!.metadata.name!;
    await setImage(h, 'web', 'nginx:2');
    await h.manager.runUntilQuiescent(h.clock.now() + 600_000);
    await setImage(h, 'web', 'nginx:1.25');
    await h.manager.runUntilQuiescent(h.clock.now() + 600_000);
    const rss = await replicaSets(h);
    assert.equal(rss.length, 2);
    const back = rss.find((r) => r.metadata.name === first)!;
    assert.equal(back.spec.replicas, 1);
    assert.equal(back.metadata.annotations!['deployment.kubernetes.io/revision'], '3');
    assert.equal(back.metadata.annotations!['deployment.kubernetes.io/revision-history'], '1');
  });

  it('is deterministic: the same inputs and seed give identical ReplicaSet and pod names', async () => {
    const run = async () => {
      const h = await setup();
      await h.store.create(deployment('web', 4));
      await h.manager.runUntilQuiescent(600_000);
      await setImage(h, 'web', 'nginx:1.26');
      await h.manager.runUntilQuiescent(h.clock.now() + 600_000);
      return { rs: (await replicaSets(h)).map((r) => r.metadata.name), pods: (await pods(h)).map((p) => p.metadata.name), events: await eventsFor(h, '') };
    };
    const a = await run();
    const b = await run();
    assert.deepEqual(a, b);
    assert.equal(a.pods.length, 4);
  });
});
