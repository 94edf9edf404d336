// The behaviour every Store backend keeps, as a mocha suite: run it with a factory for the
// backend under test. Expected values are what the Kubernetes API server returns. Watch
// assertions wait for a "fence" event instead of sleeping, so asynchronous backends pass too.
import assert from 'node:assert/strict';
import type { KubeObject } from '../../lib/api/meta.js';
import type { Store, WatchEvent, WatchOptions } from '../../lib/store/store.js';

export interface ContractCapabilities {
  /** Events the backend retains per kind for resuming watches (configure the backend so). */
  watchWindow: number;
}

type Labels = Record<string, string>;

/** A small realistic pod. */
export function pod(name: string, namespace = 'default', labels?: Labels, nodeName?: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, ...(labels ? { labels } : {}) },
    spec: { containers: [{ name: 'app', image: 'nginx:1.27', ports: [{ containerPort: 80, protocol: 'TCP' }] }], ...(nodeName ? { nodeName } : {}) },
    status: { phase: 'Pending' },
  };
}

/** A copy of `o` with `patch` merged into its top level (objects from the store are read-only). */
export function edit(o: KubeObject, patch: Partial<KubeObject> & Record<string, unknown>): KubeObject {
  return { ...structuredClone(o), ...patch };
}

function withLabels(o: KubeObject, labels: Labels): KubeObject {
  const c = structuredClone(o);
  c.metadata.labels = labels;
  return c;
}

function status(o: KubeObject, st: Record<string, unknown>): KubeObject {
  return { ...structuredClone(o), status: st };
}

async function rejectsWith(p: Promise<unknown>, reason: string, code: number, message: string | RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    const err = e as { reason?: string; code?: number; message?: string };
    assert.equal(err.reason, reason, `reason of: ${err.message}`);
    assert.equal(err.code, code);
    if (typeof message === 'string') assert.equal(err.message, message);
    else assert.match(err.message ?? '', message);
    return true;
  });
}

/** Collects watch events; events of `fence-*` pods are kept apart (see `fence`). */
class Recorder {
  readonly events: WatchEvent[] = [];
  readonly fences = new Set<string>();
  errors: Error[] = [];
  stop: () => void = () => {};
  push(ev: WatchEvent): void {
    if (ev.object.metadata.name?.startsWith('fence-')) this.fences.add(ev.object.metadata.name);
    else this.events.push(ev);
  }
  /** Events as `TYPE namespace/name` lines. */
  lines(): string[] {
    return this.events.map((e) => `${e.type} ${e.object.metadata.namespace ? `${e.object.metadata.namespace}/` : ''}${e.object.metadata.name ?? ''}`);
  }
  async until(pred: () => boolean, what: string): Promise<void> {
    const deadline = Date.now() + 5000;
    while (!pred()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.lines())}`);
      await new Promise((r) => setTimeout(r, 2));
    }
  }
}

async function record(store: Store, kind: string, opts: WatchOptions = {}): Promise<Recorder> {
  const r = new Recorder();
  const w = await store.watch(kind, opts, (ev) => r.push(ev), (err) => r.errors.push(err));
  r.stop = () => w.stop();
  return r;
}

const rvOf = (o: KubeObject) => Number(o.metadata.resourceVersion);
const names = (items: KubeObject[]) => items.map((o) => (o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name));

/** Defines the contract suite for a backend; `makeStore` must give an empty store retaining `caps.watchWindow` events per kind. */
export function describeStoreContract(name: string, makeStore: () => Promise<Store>, caps: ContractCapabilities = { watchWindow: 10_000 }): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store;
    let fences = 0;
    beforeEach(async () => {
      store = await makeStore();
    });
    afterEach(async () => {
      await store.close();
    });

    /** Creates a pod that passes the recorder's filter and waits for it: everything before it has arrived. */
    async function fence(r: Recorder, ns = 'default', labels?: Labels): Promise<void> {
      const f = await store.create(pod(`fence-${++fences}`, ns, labels));
      await r.until(() => r.fences.has(f.metadata.name!), 'the fence event');
    }

    describe('create', () => {
      it('sets uid, resourceVersion, creationTimestamp and generation 1', async () => {
        const before = Number(await store.currentResourceVersion());
        const p = await store.create(pod('web'));
        assert.match(p.metadata.uid!, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
        assert.equal(rvOf(p), before + 1);
        assert.equal(await store.currentResourceVersion(), p.metadata.resourceVersion);
        assert.match(p.metadata.creationTimestamp!, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
        assert.equal(p.metadata.generation, 1);
        const got = await store.get('Pod', 'default', 'web');
        assert.deepEqual(got, p);
      });

      it('keeps the uid the API server layer chose, but never a resourceVersion sent by the client', async () => {
        // As the registry: the uid is set before storage (lib/apiserver drops a client's own).
        const o = pod('web');
        o.metadata.uid = '6f1c2a9e-0000-4000-8000-000000000001';
        o.metadata.resourceVersion = '999';
        const p = await store.create(o);
        assert.equal(p.metadata.uid, '6f1c2a9e-0000-4000-8000-000000000001');
        assert.equal(p.metadata.resourceVersion, await store.currentResourceVersion());
      });

      it('rejects a duplicate with AlreadyExists', async () => {
        await store.create(pod('web'));
        const rv = await store.currentResourceVersion();
        await rejectsWith(store.create(pod('web')), 'AlreadyExists', 409, 'pods "web" already exists');
        assert.equal(await store.currentResourceVersion(), rv, 'a failed write does not bump the resourceVersion');
      });

      it('names grouped resources as the API server does', async () => {
        const d: KubeObject = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default' }, spec: { replicas: 1 } };
        await store.create(structuredClone(d));
        await rejectsWith(store.create(structuredClone(d)), 'AlreadyExists', 409, 'deployments.apps "web" already exists');
        await rejectsWith(store.get('Deployment', 'default', 'nope'), 'NotFound', 404, 'deployments.apps "nope" not found');
        await rejectsWith(
          store.create({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' }, spec: {} }),
          'Invalid',
          422,
          'Deployment.apps "x" is invalid: metadata.namespace: Required value',
        );
      });

      it('requires a name or generateName', async () => {
        const o = pod('x');
        delete o.metadata.name;
        await rejectsWith(store.create(o), 'Invalid', 422, 'Pod "" is invalid: metadata.name: Required value: name or generateName is required');
      });

      it('requires a namespace for namespaced kinds, reporting every missing field at once', async () => {
        const o = pod('web');
        delete o.metadata.namespace;
        await rejectsWith(store.create(o), 'Invalid', 422, 'Pod "web" is invalid: metadata.namespace: Required value');
        const both = pod('x');
        delete both.metadata.namespace;
        delete both.metadata.name;
        await rejectsWith(
          store.create(both),
          'Invalid',
          422,
          'Pod "" is invalid: [metadata.name: Required value: name or generateName is required, metadata.namespace: Required value]',
        );
      });

      it('clears the namespace of a cluster-scoped object', async () => {
        const n = await store.create<KubeObject>({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1', namespace: 'default' }, spec: {} });
        assert.equal(n.metadata.namespace, undefined);
        assert.equal((await store.get('Node', undefined, 'node-1')).metadata.uid, n.metadata.uid);
        assert.deepEqual(names((await store.list('Node', { namespace: 'default' })).items), ['node-1']);
        await rejectsWith(store.create({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1' }, spec: {} }), 'AlreadyExists', 409, 'nodes "node-1" already exists');
      });

      it('generates a name from generateName with 5 characters of the name alphabet', async () => {
        const made = new Set<string>();
        for (let i = 0; i < 20; i++) {
          const o = pod('x');
          delete o.metadata.name;
          o.metadata.generateName = 'web-7d4f8b9c6-';
          const p = await store.create(o);
          assert.match(p.metadata.name!, /^web-7d4f8b9c6-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
          assert.equal(p.metadata.generateName, 'web-7d4f8b9c6-');
          made.add(p.metadata.name!);
        }
        assert.equal(made.size, 20);
        const named = pod('given');
        named.metadata.generateName = 'web-';
        assert.equal((await store.create(named)).metadata.name, 'given');
      });

      it('rejects an unknown kind', async () => {
        await rejectsWith(store.create({ apiVersion: 'v1', kind: 'Gizmo', metadata: { name: 'g', namespace: 'default' } }), 'NotFound', 404, 'the server could not find the requested resource');
      });
    });

    describe('get', () => {
      it('reports NotFound with the resource name', async () => {
        await rejectsWith(store.get('Pod', 'default', 'nope'), 'NotFound', 404, 'pods "nope" not found');
        await rejectsWith(store.get('Service', 'default', 'nope'), 'NotFound', 404, 'services "nope" not found');
        await rejectsWith(store.get('EndpointSlice', 'default', 'nope'), 'NotFound', 404, 'endpointslices.discovery.k8s.io "nope" not found');
      });

      it('rejects an empty name and an unknown kind', async () => {
        await rejectsWith(store.get('Pod', 'default', ''), 'BadRequest', 400, 'resource name may not be empty');
        await rejectsWith(store.delete('Pod', 'default', ''), 'BadRequest', 400, 'resource name may not be empty');
        await rejectsWith(store.list('Gizmo'), 'NotFound', 404, 'the server could not find the requested resource');
        await rejectsWith(store.watch('Gizmo', {}, () => {}), 'NotFound', 404, 'the server could not find the requested resource');
      });

      it('keeps namespaces apart', async () => {
        const a = await store.create(pod('web', 'team-a', { app: 'a' }));
        const b = await store.create(pod('web', 'team-b', { app: 'b' }));
        assert.notEqual(a.metadata.uid, b.metadata.uid);
        assert.deepEqual((await store.get('Pod', 'team-a', 'web')).metadata.labels, { app: 'a' });
        assert.deepEqual((await store.get('Pod', 'team-b', 'web')).metadata.labels, { app: 'b' });
        await rejectsWith(store.get('Pod', 'team-c', 'web'), 'NotFound', 404, 'pods "web" not found');
        await store.delete('Pod', 'team-a', 'web');
        assert.equal((await store.get('Pod', 'team-b', 'web')).metadata.uid, b.metadata.uid);
        assert.deepEqual(names((await store.list('Pod', { namespace: 'team-a' })).items), []);
      });
    });

    describe('update', () => {
      it('keeps uid and creationTimestamp, bumps resourceVersion, and bumps generation only for spec changes', async () => {
        const p = await store.create(pod('web', 'default', { app: 'web' }));
        const relabeled = await store.update(withLabels(p, { app: 'web', tier: 'front' }));
        assert.equal(relabeled.metadata.uid, p.metadata.uid);
        assert.equal(relabeled.metadata.creationTimestamp, p.metadata.creationTimestamp);
        assert.equal(rvOf(relabeled), rvOf(p) + 1);
        assert.equal(relabeled.metadata.generation, 1, 'a metadata change keeps the generation');

        const respec = edit(relabeled, { spec: { ...(relabeled.spec as object), nodeName: 'node-1' } });
        respec.metadata.creationTimestamp = '1999-01-01T00:00:00Z';
        const moved = await store.update(respec);
        assert.equal(moved.metadata.generation, 2);
        assert.equal(moved.metadata.creationTimestamp, p.metadata.creationTimestamp);
        assert.equal(rvOf(moved), rvOf(relabeled) + 1);

        const restatus = await store.update(status(moved, { phase: 'Running' }));
        assert.equal(restatus.metadata.generation, 2, 'a status change keeps the generation');
        assert.deepEqual((await store.get('Pod', 'default', 'web')).status, { phase: 'Running' });
      });

      it('compares specs structurally, not by key order', async () => {
        const p = await store.create(pod('web'));
        const c = (p.spec as { containers: Record<string, unknown>[] }).containers[0]!;
        const reversed = Object.fromEntries(Object.entries(structuredClone(c)).reverse());
        const out = await store.update(edit(p, { spec: { containers: [reversed] } }));
        assert.equal(out.metadata.generation, 1);
        assert.equal(out.metadata.resourceVersion, p.metadata.resourceVersion, 'nothing changed: no write');
      });

      it('treats an update that changes nothing as no write', async () => {
        const p = await store.create(pod('web'));
        const r = await record(store, 'Pod', { resourceVersion: p.metadata.resourceVersion! });
        const same = await store.update(structuredClone(p));
        assert.equal(same.metadata.resourceVersion, p.metadata.resourceVersion);
        assert.equal(await store.currentResourceVersion(), p.metadata.resourceVersion);
        await fence(r);
        assert.deepEqual(r.lines(), []);
      });

      it('accepts an unconditional update (no resourceVersion)', async () => {
        const p = await store.create(pod('web'));
        const o = withLabels(p, { v: '2' });
        delete o.metadata.resourceVersion;
        const out = await store.update(o);
        assert.equal(rvOf(out), rvOf(p) + 1);
      });

      it('rejects a stale resourceVersion with Conflict', async () => {
        const p = await store.create(pod('web'));
        await store.update(withLabels(p, { v: '2' }));
        await rejectsWith(
          store.update(withLabels(p, { v: '3' })),
          'Conflict',
          409,
          'Operation cannot be fulfilled on pods "web": the object has been modified; please apply your changes to the latest version and try again',
        );
      });

      it('rejects a changed uid as immutable', async () => {
        const p = await store.create(pod('web'));
        const o = withLabels(p, { v: '2' });
        o.metadata.uid = 'other';
        await rejectsWith(store.update(o), 'Invalid', 422, 'Pod "web" is invalid: metadata.uid: Invalid value: "other": field is immutable');
      });

      it('reports NotFound for a missing object', async () => {
        await rejectsWith(store.update(pod('ghost')), 'NotFound', 404, 'pods "ghost" not found');
        await rejectsWith(store.updateStatus(pod('ghost')), 'NotFound', 404, 'pods "ghost" not found');
      });
    });

    describe('updateStatus', () => {
      it('replaces only status; spec, labels and generation stay', async () => {
        const p = await store.create(pod('web', 'default', { app: 'web' }));
        const o = edit(p, { spec: { containers: [] }, status: { phase: 'Running', podIP: '10.244.1.7' } });
        o.metadata.labels = { app: 'changed' };
        const out = await store.updateStatus(o);
        assert.deepEqual(out.status, { phase: 'Running', podIP: '10.244.1.7' });
        assert.deepEqual(out.spec, p.spec);
        assert.deepEqual(out.metadata.labels, { app: 'web' });
        assert.equal(out.metadata.generation, 1);
        assert.equal(rvOf(out), rvOf(p) + 1);
        assert.deepEqual(await store.get('Pod', 'default', 'web'), out);
      });

      it('rejects a stale resourceVersion with Conflict', async () => {
        const p = await store.create(pod('web'));
        await store.updateStatus(status(p, { phase: 'Running' }));
        await rejectsWith(
          store.updateStatus(status(p, { phase: 'Failed' })),
          'Conflict',
          409,
          'Operation cannot be fulfilled on pods "web": the object has been modified; please apply your changes to the latest version and try again',
        );
      });

      it('treats an unchanged status as no write', async () => {
        const p = await store.create(pod('web'));
        const out = await store.updateStatus(status(p, { phase: 'Pending' }));
        assert.equal(out.metadata.resourceVersion, p.metadata.resourceVersion);
      });
    });

    describe('delete', () => {
      it('returns the last state carrying the delete resourceVersion', async () => {
        const p = await store.create(pod('web'));
        const gone = await store.delete('Pod', 'default', 'web');
        assert.equal(gone.metadata.uid, p.metadata.uid);
        assert.equal(rvOf(gone), rvOf(p) + 1);
        assert.equal(await store.currentResourceVersion(), gone.metadata.resourceVersion);
        await rejectsWith(store.get('Pod', 'default', 'web'), 'NotFound', 404, 'pods "web" not found');
        await rejectsWith(store.delete('Pod', 'default', 'web'), 'NotFound', 404, 'pods "web" not found');
      });

      it('checks uid and resourceVersion preconditions with the API server messages', async () => {
        const p = await store.create(pod('web'));
        const uid = p.metadata.uid!;
        await rejectsWith(
          store.delete('Pod', 'default', 'web', { uid: 'wrong' }),
          'Conflict',
          409,
          `Operation cannot be fulfilled on pods "web": StorageError: invalid object, Code: 4, Key: /registry/pods/default/web, ResourceVersion: 0, AdditionalErrorMsg: Precondition failed: UID in precondition: wrong, UID in object meta: ${uid}`,
        );
        await rejectsWith(
          store.delete('Pod', 'default', 'web', { resourceVersion: '1000' }),
          'Conflict',
          409,
          `Operation cannot be fulfilled on pods "web": StorageError: invalid object, Code: 4, Key: /registry/pods/default/web, ResourceVersion: 0, AdditionalErrorMsg: Precondition failed: ResourceVersion in precondition: 1000, ResourceVersion in object meta: ${p.metadata.resourceVersion}`,
        );
        const gone = await store.delete('Pod', 'default', 'web', { uid, resourceVersion: p.metadata.resourceVersion! });
        assert.equal(gone.metadata.uid, uid);
      });

      it('uses the registry key of services and the namespace registry message', async () => {
        const s = await store.create<KubeObject>({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'db', namespace: 'prod' }, spec: { ports: [{ port: 5432 }] } });
        await rejectsWith(
          store.delete('Service', 'prod', 'db', { uid: 'x' }),
          'Conflict',
          409,
          `Operation cannot be fulfilled on services "db": StorageError: invalid object, Code: 4, Key: /registry/services/specs/prod/db, ResourceVersion: 0, AdditionalErrorMsg: Precondition failed: UID in precondition: x, UID in object meta: ${s.metadata.uid}`,
        );
        const ns = await store.create<KubeObject>({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } });
        await rejectsWith(
          store.delete('Namespace', undefined, 'team-a', { uid: 'x' }),
          'Conflict',
          409,
          `Operation cannot be fulfilled on namespaces "team-a": Precondition failed: UID in precondition: x, UID in object meta: ${ns.metadata.uid}`,
        );
      });
    });

    describe('resourceVersion', () => {
      it('increases by one per write across kinds and is unchanged by reads and failed writes', async () => {
        const rv0 = Number(await store.currentResourceVersion());
        const a = await store.create(pod('a'));
        const s = await store.create<KubeObject>({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'default' }, spec: {} });
        const a2 = await store.update(withLabels(a, { x: '1' }));
        await store.get('Pod', 'default', 'a');
        await store.list('Pod');
        await store.create(pod('a')).catch(() => undefined);
        const d = await store.delete('Service', 'default', 's');
        assert.deepEqual([a, s, a2, d].map(rvOf), [rv0 + 1, rv0 + 2, rv0 + 3, rv0 + 4]);
        assert.equal(await store.currentResourceVersion(), String(rv0 + 4));
        assert.equal((await store.list('Pod')).resourceVersion, String(rv0 + 4));
      });
    });

    describe('list', () => {
      it('returns items sorted by namespace/name as etcd orders keys', async () => {
        for (const [ns, n] of [['b', 'web-2'], ['a', 'web-10'], ['a-b', 'x'], ['a', 'web-2'], ['b', 'api']] as const) await store.create(pod(n, ns));
        assert.deepEqual(names((await store.list('Pod')).items), ['a-b/x', 'a/web-10', 'a/web-2', 'b/api', 'b/web-2']);
        assert.deepEqual(names((await store.list('Pod', { namespace: 'a' })).items), ['a/web-10', 'a/web-2']);
        assert.deepEqual(names((await store.list('Pod', { namespace: 'none' })).items), []);
      });

      it('keeps order after deletes and re-creates', async () => {
        for (const n of ['c', 'a', 'b']) await store.create(pod(n));
        await store.list('Pod');
        await store.delete('Pod', 'default', 'a');
        await store.create(pod('d'));
        await store.create(pod('a'));
        assert.deepEqual(names((await store.list('Pod')).items), ['default/a', 'default/b', 'default/c', 'default/d']);
        assert.deepEqual(names((await store.list('Pod', { namespace: 'default' })).items), ['default/a', 'default/b', 'default/c', 'default/d']);
      });

      it('filters by label selector with every operator', async () => {
        await store.create(pod('w1', 'default', { app: 'web', tier: 'front', version: '3' }));
        await store.create(pod('w2', 'default', { app: 'web', tier: 'back', version: '10' }));
        await store.create(pod('d1', 'default', { app: 'db' }));
        await store.create(pod('n1', 'default'));
        await store.create(pod('w3', 'other', { app: 'web' }));
        const sel = async (labelSelector: string, namespace?: string) =>
          names((await store.list('Pod', { labelSelector, ...(namespace ? { namespace } : {}) })).items);
        assert.deepEqual(await sel('app=web'), ['default/w1', 'default/w2', 'other/w3']);
        assert.deepEqual(await sel('app==web', 'default'), ['default/w1', 'default/w2']);
        assert.deepEqual(await sel('app!=web'), ['default/d1', 'default/n1']);
        assert.deepEqual(await sel('app in (db,web),tier'), ['default/w1', 'default/w2']);
        assert.deepEqual(await sel('app notin (web)'), ['default/d1', 'default/n1']);
        assert.deepEqual(await sel('!app'), ['default/n1']);
        assert.deepEqual(await sel('app=web,tier=back'), ['default/w2']);
        assert.deepEqual(await sel('version>5'), ['default/w2']);
        assert.deepEqual(await sel('app=nothing'), []);
        assert.deepEqual(await sel(''), ['default/d1', 'default/n1', 'default/w1', 'default/w2', 'other/w3']);
        await assert.rejects(store.list('Pod', { labelSelector: 'app in' }), (e: { reason?: string }) => e.reason === 'BadRequest');
      });

      it('filters by field selector', async () => {
        await store.create(pod('a', 'default', undefined, 'node-1'));
        await store.create(pod('b', 'default', undefined, 'node-2'));
        const c = await store.create(pod('c', 'kube-system'));
        await store.updateStatus(status(c, { phase: 'Running', podIP: '10.244.0.5' }));
        const sel = async (fieldSelector: string, namespace?: string) =>
          names((await store.list('Pod', { fieldSelector, ...(namespace ? { namespace } : {}) })).items);
        assert.deepEqual(await sel('spec.nodeName=node-1'), ['default/a']);
        assert.deepEqual(await sel('spec.nodeName='), ['kube-system/c']);
        assert.deepEqual(await sel('spec.nodeName!=node-1'), ['default/b', 'kube-system/c']);
        assert.deepEqual(await sel('status.phase=Running'), ['kube-system/c']);
        assert.deepEqual(await sel('status.phase!=Running,metadata.namespace=default'), ['default/a', 'default/b']);
        assert.deepEqual(await sel('metadata.name=b'), ['default/b']);
        assert.deepEqual(await sel('metadata.name=b', 'default'), ['default/b']);
        assert.deepEqual(await sel('metadata.namespace=kube-system', 'default'), []);
        assert.deepEqual(await sel('status.podIP==10.244.0.5'), ['kube-system/c']);
        await rejectsWith(store.list('Pod', { fieldSelector: 'spec.foo=bar' }), 'BadRequest', 400, 'field label not supported: spec.foo');
        await rejectsWith(store.list('Service', { fieldSelector: 'spec.nodeName=x' }), 'BadRequest', 400, 'field label not supported: spec.nodeName');
      });
    });

    describe('watch', () => {
      it('delivers ADDED, MODIFIED, DELETED in resourceVersion order across many writes', async () => {
        const r = await record(store, 'Pod');
        const want: string[] = [];
        const rvs: number[] = [];
        const live = new Map<string, KubeObject>();
        for (let i = 0; i < 300; i++) {
          const n = `p${i % 17}`;
          const ns = `ns${i % 3}`;
          const key = `${ns}/${n}`;
          const cur = live.get(key);
          let out: KubeObject;
          if (!cur) {
            out = await store.create(pod(n, ns, { i: String(i) }));
            live.set(key, out);
            want.push(`ADDED ${key}`);
          } else if (i % 5 === 0) {
            out = await store.delete('Pod', ns, n);
            live.delete(key);
            want.push(`DELETED ${key}`);
          } else {
            out = await store.update(withLabels(cur, { i: String(i) }));
            live.set(key, out);
            want.push(`MODIFIED ${key}`);
          }
          rvs.push(rvOf(out));
        }
        await fence(r);
        assert.deepEqual(r.lines(), want);
        assert.deepEqual(r.events.map((e) => rvOf(e.object)), rvs);
        for (let i = 1; i < rvs.length; i++) assert.ok(rvs[i]! > rvs[i - 1]!);
      });

      it('starts at the current version when no resourceVersion (or "0") is given', async () => {
        await store.create(pod('before'));
        const r = await record(store, 'Pod', { resourceVersion: '0' });
        const r2 = await record(store, 'Pod');
        await store.create(pod('after'));
        await fence(r);
        await fence(r2);
        assert.deepEqual(r.lines(), ['ADDED default/after']);
        assert.deepEqual(r2.lines(), ['ADDED default/after']);
      });

      it('filters by namespace and kind', async () => {
        const r = await record(store, 'Pod', { namespace: 'team-a' });
        await store.create(pod('x', 'team-b'));
        await store.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'x', namespace: 'team-a' }, spec: {} });
        await store.create(pod('y', 'team-a'));
        await fence(r, 'team-a');
        assert.deepEqual(r.lines(), ['ADDED team-a/y']);
      });

      it('turns label selector transitions into ADDED and DELETED, as the watch cache does', async () => {
        const r = await record(store, 'Pod', { labelSelector: 'app=web' });
        const a = await store.create(pod('a', 'default', { app: 'web' }));
        const a2 = await store.update(withLabels(a, { app: 'db' }));
        const a3 = await store.update(withLabels(a2, { app: 'web' }));
        const a4 = await store.update(withLabels(a3, { app: 'web', v: '2' }));
        await store.create(pod('b', 'default', { app: 'db' }));
        const gone = await store.delete('Pod', 'default', 'a');
        await fence(r, 'default', { app: 'web' });
        assert.deepEqual(r.lines(), ['ADDED default/a', 'DELETED default/a', 'ADDED default/a', 'MODIFIED default/a', 'DELETED default/a']);
        const leaving = r.events[1]!.object;
        assert.deepEqual(leaving.metadata.labels, { app: 'web' }, 'the object leaving the selector is shown as it was');
        assert.equal(leaving.metadata.resourceVersion, a2.metadata.resourceVersion, 'with the resourceVersion of the change');
        assert.equal(r.events[2]!.object.metadata.resourceVersion, a3.metadata.resourceVersion);
        assert.equal(r.events[3]!.object.metadata.resourceVersion, a4.metadata.resourceVersion);
        assert.equal(r.events[4]!.object.metadata.resourceVersion, gone.metadata.resourceVersion);
      });

      it('turns field selector transitions into ADDED and DELETED', async () => {
        const r = await record(store, 'Pod', { fieldSelector: 'spec.nodeName=node-1' });
        const p = await store.create(pod('a'));
        const bound = await store.update(edit(p, { spec: { ...(p.spec as object), nodeName: 'node-1' } }));
        await store.updateStatus(status(bound, { phase: 'Running' }));
        // A fence must pass the selector: a pod bound to node-1.
        await store.create(pod('marker', 'default', undefined, 'node-1'));
        await r.until(() => r.events.some((e) => e.object.metadata.name === 'marker'), 'the marker pod');
        assert.deepEqual(r.lines(), ['ADDED default/a', 'MODIFIED default/a', 'ADDED default/marker']);
      });

      it('resumes from a resourceVersion, replaying only later events', async () => {
        const a = await store.create(pod('a'));
        const mid = a.metadata.resourceVersion!;
        await store.update(withLabels(a, { v: '2' }));
        await store.create(pod('b'));
        await store.delete('Pod', 'default', 'a');
        const r = await record(store, 'Pod', { resourceVersion: mid });
        await store.create(pod('c'));
        await fence(r);
        assert.deepEqual(r.lines(), ['MODIFIED default/a', 'ADDED default/b', 'DELETED default/a', 'ADDED default/c']);
      });

      it('resumes from a resourceVersion written by another kind', async () => {
        await store.create(pod('a'));
        const s = await store.create<KubeObject>({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'default' }, spec: {} });
        await store.create(pod('b'));
        const r = await record(store, 'Pod', { resourceVersion: s.metadata.resourceVersion! });
        await fence(r);
        assert.deepEqual(r.lines(), ['ADDED default/b']);
      });

      it('rejects a resourceVersion older than the retained window with Expired', async () => {
        const W = caps.watchWindow;
        let p = await store.create(pod('a'));
        const r0 = rvOf(p);
        for (let i = 0; i < W + 5; i++) p = await store.update(withLabels(p, { i: String(i) }));
        // W + 6 events of this kind; the last W are kept, the oldest at r0 + 6.
        await rejectsWith(store.watch('Pod', { resourceVersion: String(r0) }, () => {}), 'Expired', 410, `too old resource version: ${r0} (${r0 + 5})`);
        await rejectsWith(store.watch('Pod', { resourceVersion: String(r0 + 4) }, () => {}), 'Expired', 410, `too old resource version: ${r0 + 4} (${r0 + 5})`);
        const r = await record(store, 'Pod', { resourceVersion: String(r0 + 5) });
        await fence(r);
        assert.equal(r.events.length, W);
        assert.equal(rvOf(r.events[0]!.object), r0 + 6);
        // Other kinds keep their own window.
        const rs = await record(store, 'Service', { resourceVersion: '1' });
        rs.stop();
      });

      it('rejects a resourceVersion from the future with Timeout', async () => {
        await store.create(pod('a'));
        const cur = Number(await store.currentResourceVersion());
        await rejectsWith(store.watch('Pod', { resourceVersion: String(cur + 100) }, () => {}), 'Timeout', 504, `Too large resource version: ${cur + 100}, current: ${cur}`);
      });

      it('stops delivering after stop()', async () => {
        const r = await record(store, 'Pod');
        const other = await record(store, 'Pod');
        await store.create(pod('a'));
        await fence(r);
        r.stop();
        r.stop();
        await store.create(pod('b'));
        await fence(other);
        assert.deepEqual(r.lines(), ['ADDED default/a']);
        assert.deepEqual(other.lines(), ['ADDED default/a', 'ADDED default/b']);
      });

      it('watches cluster-scoped kinds', async () => {
        const r = await record(store, 'Node');
        const n = await store.create({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1' }, spec: {} });
        await store.update(edit(n, { spec: { unschedulable: true } }));
        await store.delete('Node', undefined, 'node-1');
        await r.until(() => r.events.some((e) => e.type === 'DELETED'), 'the delete');
        assert.deepEqual(r.lines(), ['ADDED node-1', 'MODIFIED node-1', 'DELETED node-1']);
      });
    });
  });
}
