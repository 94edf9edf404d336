import assert from 'node:assert/strict';
import type { ConfigMap, Pod, ReplicaSet } from '../../lib/api/types.js';
import { DeploymentController } from '../../lib/controllers/deployment.js';
import { GarbageCollector } from '../../lib/controllers/garbagecollector.js';
import { ReplicaSetController } from '../../lib/controllers/replicaset.js';
import type { Harness } from '../reconcile/harness.js';
import { controllerHarness, deployment, FakeKubelet, node, pods } from './fakekubelet.js';

async function setup(): Promise<Harness> {
  const h = controllerHarness();
  h.manager.add(new DeploymentController(h.ctx('deployment')));
  h.manager.add(new ReplicaSetController(h.ctx('replicaset')));
  h.manager.add(new GarbageCollector(h.ctx('garbagecollector')));
  h.manager.add(new FakeKubelet(h.ctx('kubelet'), { startMs: 1000 }));
  await h.informers.startAll();
  await h.store.create(node('node01'));
  return h;
}

const configMap = (name: string, owners: { kind: string; name: string; uid: string; apiVersion: string }[]): ConfigMap => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'default', ownerReferences: owners },
  data: {},
});

describe('controllers/garbagecollector', () => {
  it('deleting a Deployment deletes its ReplicaSets and their pods (background propagation)', async () => {
    const h = await setup();
    await h.store.create(deployment('web', 3));
    await h.store.create(deployment('api', 1));
    await h.manager.runUntilQuiescent(600_000);
    assert.equal((await pods(h)).length, 4);
    await h.store.delete('Deployment', 'default', 'web');
    await h.manager.runUntilQuiescent(h.clock.now() + 600_000);
    const rss = (await h.store.list<ReplicaSet>('ReplicaSet')).items.map((r) => r.metadata.name!);
    assert.equal(rss.length, 1);
    assert.match(rss[0]!, /^api-/);
    const left = (await pods(h)).map((p) => p.metadata.name!);
    assert.equal(left.length, 1);
    assert.match(left[0]!, /^api-/);
  });

  it('deletes a dependent whose only owner UID does not exist, and drops a dangling reference when another owner lives', async () => {
    const h = await setup();
    const owner = await h.store.create(configMap('owner', []));
    const ref = (name: string, uid: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', name, uid });
    await h.store.create(configMap('orphaned', [ref('ghost', '00000000-0000-4000-8000-000000000000')]));
    await h.store.create(configMap('shared', [ref('owner', owner.metadata.uid!), ref('ghost', '00000000-0000-4000-8000-000000000000')]));
    await h.store.create(configMap('owned', [ref('owner', owner.metadata.uid!)]));
    await h.manager.runUntilQuiescent(600_000);
    const names = (await h.store.list<ConfigMap>('ConfigMap')).items.map((c) => c.metadata.name);
    assert.deepEqual(names, ['owned', 'owner', 'shared']);
    assert.deepEqual((await h.store.get<ConfigMap>('ConfigMap', 'default', 'shared')).metadata.ownerReferences, [ref('owner', owner.metadata.uid!)]);
    // A reference to an owner of the same name but another UID is dangling too.
    await h.store.delete('ConfigMap', 'default', 'owner');
    await h.store.create(configMap('owner', []));
    await h.manager.runUntilQuiescent(h.clock.now() + 600_000);
    assert.deepEqual((await h.store.list<ConfigMap>('ConfigMap')).items.map((c) => c.metadata.name), ['owner']);
  });

  it('leaves objects whose owners exist alone', async () => {
    const h = await setup();
    await h.store.create(deployment('web', 2));
    await h.manager.runUntilQuiescent(600_000);
    const before = (await pods(h)).map((p: Pod) => p.metadata.uid);
    await h.manager.runUntilQuiescent(h.clock.now() + 600_000);
    assert.deepEqual((await pods(h)).map((p: Pod) => p.metadata.uid), before);
  });
});
