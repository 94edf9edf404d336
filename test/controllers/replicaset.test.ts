import assert from 'node:assert/strict';
import type { Pod, ReplicaSet, ReplicationController } from '../../lib/api/types.js';
import { ReplicaSetController } from '../../lib/controllers/replicaset.js';
import { ReplicationControllerController } from '../../lib/controllers/replicationcontroller.js';

import { controllerHarness, eventsFor, FakeKubelet, node, pods, template } from './fakekubelet.js';

function replicaSet(name: string, replicas: number, extra: Partial<ReplicaSet['spec']> = {}): ReplicaSet {
  return { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name, namespace: 'default' }, spec: { replicas, selector: { matchLabels: { app: name } }, template: template(name), ...extra } };
}

async function setup(opts: { kubelet?: boolean } = {}) {
  const h = controllerHarness();
  h.manager.add(new ReplicaSetController(h.ctx('replicaset')));
  h.manager.add(new ReplicationControllerController(h.ctx('replicationcontroller')));
  if (opts.kubelet !== false) h.manager.add(new FakeKubelet(h.ctx('kubelet'), { startMs: 2000 }));
  await h.informers.startAll();
  for (const n of ['node01', 'node02']) await h.store.create(node(n));
  return h;
}

describe('controllers/replicaset', () => {
  it('creates spec.replicas pods named <rs>-<5 chars>, owned by the ReplicaSet, and reports status', async () => {
    const h = await setup();
    const rs = await h.store.create(replicaSet('frontend', 3));
    await h.manager.runUntilQuiescent(600_000);
    const ps = await pods(h);
    assert.equal(ps.length, 3);
    for (const p of ps) {
      assert.match(p.metadata.name!, /^frontend-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
      assert.equal(p.metadata.generateName, 'frontend-');
      assert.deepEqual(p.metadata.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'frontend', uid: rs.metadata.uid, controller: true, blockOwnerDeletion: true }]);
      assert.deepEqual(p.metadata.labels, { app: 'frontend' });
    }
    const got = await h.store.get<ReplicaSet>('ReplicaSet', 'default', 'frontend');
    assert.deepEqual(got.status, { replicas: 3, fullyLabeledReplicas: 3, readyReplicas: 3, availableReplicas: 3, observedGeneration: 1 });
    const inCreationOrder = [...ps].sort((a, b) => Number(a.metadata.resourceVersion) - Number(b.metadata.resourceVersion));
    assert.deepEqual(await eventsFor(h, 'frontend'), inCreationOrder.map((p) => `SuccessfulCreate: Created pod: ${p.metadata.name}`));
  });

  it('records one SuccessfulCreate per pod in creation order and SuccessfulDelete on scale-down', async () => {
    const h = await setup();
    await h.store.create(replicaSet('web', 2));
    await h.manager.runUntilQuiescent(600_000);
    const created = (await pods(h)).sort((a, b) => Number(a.metadata.resourceVersion) - Number(b.metadata.resourceVersion)).map((p) => p.metadata.name!);
    const rs = await h.store.get<ReplicaSet>('ReplicaSet', 'default', 'web');
    await h.store.update({ ...rs, spec: { ...rs.spec, replicas: 1 } });
    await h.manager.runUntilQuiescent(600_000);
    const left = (await pods(h)).map((p) => p.metadata.name!);
    assert.equal(left.length, 1);
    const deleted = created.find((n) => !left.includes(n))!;
    assert.deepEqual(await eventsFor(h, 'web'), [...created.map((n) => `SuccessfulCreate: Created pod: ${n}`), `SuccessfulDelete: Deleted pod: ${deleted}`]);
    const st = (await h.store.get<ReplicaSet>('ReplicaSet', 'default', 'web')).status;
    assert.deepEqual(st, { replicas: 1, fullyLabeledReplicas: 1, readyReplicas: 1, availableReplicas: 1, observedGeneration: 2 });
  });

  it('scales down unscheduled, then pending, then not-ready pods before ready ones', async () => {
    const h = await setup({ kubelet: false });
    const rs = await h.store.create(replicaSet('db', 4));
    await h.manager.runUntilQuiescent(600_000);
    const [a, b, c, d] = await pods(h);
    const ts = h.clock.timestamp();
    const setPod = async (p: Pod, nodeName: string | undefined, phase: 'Pending' | 'Running' | undefined, ready: boolean) => {
      const cur = await h.store.get<Pod>('Pod', 'default', p.metadata.name!);
      const next = structuredClone(cur);
      if (nodeName) next.spec.nodeName = nodeName;
      const upd = await h.store.update(next);
      if (phase) await h.store.updateStatus({ ...upd, status: { phase, conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: ts }] } });
    };
    await setPod(a!, 'node01', 'Running', true);
    await setPod(b!, 'node01', 'Running', false);
    await setPod(c!, 'node02', 'Pending', false);
    await setPod(d!, undefined, undefined, false);
    const order: string[] = [];
    for (const want of [3, 2, 1]) {
      const cur = await h.store.get<ReplicaSet>('ReplicaSet', 'default', 'db');
      const before = new Set((await pods(h)).map((p) => p.metadata.name));
      await h.store.update({ ...cur, spec: { ...cur.spec, replicas: want } });
      await h.manager.runUntilQuiescent(600_000);
      const after = new Set((await pods(h)).map((p) => p.metadata.name));
      order.push(...[...before].filter((n) => !after.has(n)) as string[]);
    }
    assert.deepEqual(order, [d!.metadata.name, c!.metadata.name, b!.metadata.name]);
    void rs;
  });

  it('adopts a matching orphan pod and releases a pod whose labels stop matching', async () => {
    const h = await setup();
    const orphan = await h.store.create<Pod>({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'stray', namespace: 'default', labels: { app: 'api' } }, spec: { containers: [{ name: 'c', image: 'x' }] } });
    const rs = await h.store.create(replicaSet('api', 2));
    await h.manager.runUntilQuiescent(600_000);
    const ps = await pods(h);
    assert.equal(ps.length, 2);
    const adopted = ps.find((p) => p.metadata.name === 'stray')!;
    assert.equal(adopted.metadata.ownerReferences?.[0]?.uid, rs.metadata.uid);
    assert.equal(adopted.metadata.uid, orphan.metadata.uid);
    // Relabel the adopted pod: the ReplicaSet releases it and makes a replacement.
    await h.store.update({ ...adopted, metadata: { ...adopted.metadata, labels: { app: 'other' } } });
    await h.manager.runUntilQuiescent(600_000);
    const after = await pods(h);
    assert.equal(after.length, 3);
    assert.equal(after.find((p) => p.metadata.name === 'stray')!.metadata.ownerReferences, undefined);
    assert.equal(after.filter((p) => p.metadata.ownerReferences?.[0]?.uid === rs.metadata.uid).length, 2);
  });

  it('does not count Succeeded, Failed or terminating pods, and replaces them', async () => {
    const h = await setup({ kubelet: false });
    await h.store.create(replicaSet('w', 2));
    await h.manager.runUntilQuiescent(600_000);
    const [p] = await pods(h);
    await h.store.updateStatus({ ...p!, status: { phase: 'Failed' } });
    await h.manager.runUntilQuiescent(600_000);
    const all = await pods(h);
    assert.equal(all.length, 3);
    assert.equal((await h.store.get<ReplicaSet>('ReplicaSet', 'default', 'w')).status?.replicas, 2);
  });

  it('counts availableReplicas only after minReadySeconds', async () => {
    const h = await setup();
    await h.store.create(replicaSet('slow', 1, { minReadySeconds: 10 }));
    await h.manager.runUntil(2_000);
    let st = (await h.store.get<ReplicaSet>('ReplicaSet', 'default', 'slow')).status;
    assert.equal(st?.readyReplicas, 1);
    assert.equal(st?.availableReplicas, undefined);
    await h.manager.runUntil(11_000);
    st = (await h.store.get<ReplicaSet>('ReplicaSet', 'default', 'slow')).status;
    assert.equal(st?.availableReplicas, undefined);
    await h.manager.runUntilQuiescent(600_000);
    st = (await h.store.get<ReplicaSet>('ReplicaSet', 'default', 'slow')).status;
    assert.equal(st?.availableReplicas, 1);
    assert.equal(h.clock.now(), 12_001);
  });

  it('runs ReplicationControllers the same way, with map selectors and replication-controller events', async () => {
    const h = await setup();
    const rc: ReplicationController = { apiVersion: 'v1', kind: 'ReplicationController', metadata: { name: 'redis', namespace: 'default' }, spec: { replicas: 2, selector: { app: 'redis' }, template: template('redis') } };
    const created = await h.store.create(rc);
    await h.manager.runUntilQuiescent(600_000);
    const ps = await pods(h);
    assert.equal(ps.length, 2);
    assert.deepEqual(ps[0]!.metadata.ownerReferences, [{ apiVersion: 'v1', kind: 'ReplicationController', name: 'redis', uid: created.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    const evs = (await h.store.list<import('../../lib/api/types.js').Event>('Event')).items;
    assert.deepEqual([...new Set(evs.map((e) => `${e.involvedObject.kind} ${e.source?.component}`))], ['ReplicationController replication-controller']);
    assert.deepEqual((await h.store.get<ReplicationController>('ReplicationController', 'default', 'redis')).status, { replicas: 2, fullyLabeledReplicas: 2, readyReplicas: 2, availableReplicas: 2, observedGeneration: 1 });
  });
});
