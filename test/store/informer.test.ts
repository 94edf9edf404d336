import assert from 'node:assert/strict';
import fc from 'fast-check';
import { StatusError, errors } from '../../lib/api/errors.js';
import { parseSelector } from '../../lib/api/labels.js';
import type { KubeObject } from '../../lib/api/meta.js';
import { Informer } from '../../lib/store/informer.js';
import { MemoryStore } from '../../lib/store/memory.js';
import type { DeleteOptions, ListOptions, ListResult, Store, Watch, WatchEvent, WatchOptions } from '../../lib/store/store.js';
import { edit, pod } from './contract.js';

/**
 * Delegates to a MemoryStore, but can cut live watches (events are lost from then on, as on
 * a broken connection) and later end them with an error, as the API server closing a stream.
 */
interface FlakyWatch {
  cut: boolean;
  ended: boolean;
  w?: Watch;
  onError?: (err: Error) => void;
}

class FlakyStore implements Store {
  readonly #watches: FlakyWatch[] = [];
  watchCalls = 0;
  constructor(readonly inner: MemoryStore) {}
  get<T extends KubeObject>(kind: string, ns: string | undefined, name: string): Promise<T> {
    return this.inner.get<T>(kind, ns, name);
  }
  list<T extends KubeObject>(kind: string, opts?: ListOptions): Promise<ListResult<T>> {
    return this.inner.list<T>(kind, opts);
  }
  create<T extends KubeObject>(obj: T): Promise<T> {
    return this.inner.create(obj);
  }
  update<T extends KubeObject>(obj: T): Promise<T> {
    return this.inner.update(obj);
  }
  updateStatus<T extends KubeObject>(obj: T): Promise<T> {
    return this.inner.updateStatus(obj);
  }
  delete<T extends KubeObject>(kind: string, ns: string | undefined, name: string, opts?: DeleteOptions): Promise<T> {
    return this.inner.delete<T>(kind, ns, name, opts);
  }
  async watch<T extends KubeObject>(kind: string, opts: WatchOptions, handler: (ev: WatchEvent<T>) => void, onError?: (err: Error) => void): Promise<Watch> {
    this.watchCalls++;
    const entry: FlakyWatch = { cut: false, ended: false, ...(onError ? { onError } : {}) };
    entry.w = await this.inner.watch<T>(kind, opts, (ev) => {
      if (!entry.cut) handler(ev);
    }, onError);
    this.#watches.push(entry);
    return { stop: () => { entry.ended = true; entry.w!.stop(); } };
  }
  currentResourceVersion(): Promise<string> {
    return this.inner.currentResourceVersion();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
  /** From now on the live watches lose every event. */
  cut(): void {
    for (const e of this.#watches) e.cut = true;
  }
  /** Ends the cut watches with `err`. */
  fail(err: Error): void {
    for (const e of this.#watches) {
      if (!e.cut || e.ended) continue;
      e.ended = true;
      e.w!.stop();
      e.onError?.(err);
    }
  }
}

/** Lets promise chains started by watch errors (re-watch, relist) run to completion. */
async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
}

const key = (o: KubeObject) => (o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name!);

/** Records informer events as lines. */
function recordInformer<T extends KubeObject>(inf: Informer<T>): string[] {
  const out: string[] = [];
  inf.on('add', (o) => out.push(`add ${key(o)} ${o.metadata.resourceVersion}`));
  inf.on('update', (a, b) => out.push(`update ${key(b)} ${a.metadata.resourceVersion}->${b.metadata.resourceVersion}`));
  inf.on('delete', (o) => out.push(`delete ${key(o)} ${o.metadata.resourceVersion}`));
  return out;
}

const relabel = (o: KubeObject, labels: Record<string, string>) => {
  const c = edit(o, {});
  c.metadata.labels = labels;
  return c;
};

describe('Informer', () => {
  it('lists, adds every object in order, then follows the watch', async () => {
    const store = new MemoryStore();
    await store.create(pod('b', 'default'));
    await store.create(pod('a', 'kube-system'));
    await store.create(pod('a', 'default'));
    const inf = new Informer(store, 'Pod');
    const lines = recordInformer(inf);
    assert.equal(inf.hasSynced(), false);
    await inf.start();
    assert.equal(inf.hasSynced(), true);
    assert.equal(inf.lastSyncResourceVersion(), '4');
    assert.deepEqual(lines, ['add default/a 4', 'add default/b 2', 'add kube-system/a 3']);

    lines.length = 0;
    const c = await store.create(pod('c'));
    await store.update(relabel(c, { v: '2' }));
    await store.delete('Pod', 'default', 'b');
    assert.deepEqual(lines, ['add default/c 5', 'update default/c 5->6', 'delete default/b 7']);
    assert.equal(inf.lastSyncResourceVersion(), '7');
    inf.stop();
    await store.create(pod('d'));
    assert.equal(lines.length, 3, 'no events after stop');
  });

  it('serves get and list from its cache', async () => {
    const store = new MemoryStore();
    await store.create(pod('w1', 'prod', { app: 'web' }));
    await store.create(pod('w2', 'dev', { app: 'web' }));
    await store.create(pod('d1', 'prod', { app: 'db' }));
    await store.create({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1' }, spec: {} });
    const inf = new Informer(store, 'Pod');
    const nodes = new Informer(store, 'Node');
    await inf.start();
    await nodes.start();
    assert.equal(inf.lister.get('prod', 'w1'), await store.get('Pod', 'prod', 'w1'));
    assert.equal(inf.lister.get('dev', 'w1'), undefined);
    assert.equal(nodes.lister.get(undefined, 'node-1')?.metadata.name, 'node-1');
    assert.equal(nodes.lister.get('prod', 'node-1')?.metadata.name, 'node-1', 'cluster-scoped: the namespace is ignored');
    assert.deepEqual(inf.lister.list().map(key), ['dev/w2', 'prod/d1', 'prod/w1']);
    assert.deepEqual(inf.lister.list('prod').map(key), ['prod/d1', 'prod/w1']);
    assert.deepEqual(inf.lister.list(undefined, 'app=web').map(key), ['dev/w2', 'prod/w1']);
    assert.deepEqual(inf.lister.list('prod', parseSelector('app in (web,db)')).map(key), ['prod/d1', 'prod/w1']);
  });

  it('replays adds to a handler registered after the first list', async () => {
    const store = new MemoryStore();
    await store.create(pod('a'));
    const inf = new Informer(store, 'Pod');
    await inf.start();
    const lines = recordInformer(inf);
    assert.deepEqual(lines, ['add default/a 2']);
  });

  it('honours its selectors: objects leaving them are deleted, entering them added', async () => {
    const store = new MemoryStore();
    const a = await store.create(pod('a', 'default', { app: 'web' }));
    await store.create(pod('b', 'default', { app: 'db' }));
    const inf = new Informer(store, 'Pod', { labelSelector: 'app=web' });
    const lines = recordInformer(inf);
    await inf.start();
    const a2 = await store.update(relabel(a, { app: 'db' }));
    await store.update(relabel(a2, { app: 'web' }));
    assert.deepEqual(lines, ['add default/a 2', 'delete default/a 4', 'add default/a 5']);
    assert.deepEqual(inf.lister.list().map(key), ['default/a']);
  });

  it('keeps custom indexes current', async () => {
    const store = new MemoryStore();
    const owner = (uid: string) => [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `rs-${uid}`, uid, controller: true }];
    const p1 = pod('p1', 'default', undefined, 'node-1');
    p1.metadata.ownerReferences = owner('u1');
    await store.create(p1);
    const inf = new Informer(store, 'Pod');
    await inf.start();
    inf.addIndexer('node', (p) => [(p.spec as { nodeName?: string }).nodeName ?? '']);
    inf.addIndexer('owner', (p) => (p.metadata.ownerReferences ?? []).map((r) => r.uid));
    const p2 = pod('p2', 'default');
    p2.metadata.ownerReferences = owner('u1');
    const c2 = await store.create(p2);
    await store.create(pod('p3', 'other', undefined, 'node-1'));
    assert.deepEqual(inf.byIndex('node', 'node-1').map(key), ['default/p1', 'other/p3']);
    assert.deepEqual(inf.byIndex('node', '').map(key), ['default/p2']);
    assert.deepEqual(inf.byIndex('owner', 'u1').map(key), ['default/p1', 'default/p2']);
    await store.update(edit(c2, { spec: { ...(c2.spec as object), nodeName: 'node-1' } }));
    await store.delete('Pod', 'default', 'p1');
    assert.deepEqual(inf.byIndex('node', 'node-1').map(key), ['default/p2', 'other/p3']);
    assert.deepEqual(inf.byIndex('node', ''), []);
    assert.deepEqual(inf.byIndex('owner', 'u1').map(key), ['default/p2']);
    assert.throws(() => inf.byIndex('nope', 'x'));
  });

  it('records the resourceVersion of bookmarks', async () => {
    const store = new MemoryStore();
    const inf = new Informer(store, 'Pod');
    await inf.start();
    await store.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'default' }, spec: {} });
    assert.equal(inf.lastSyncResourceVersion(), '1', 'an empty store is at revision 1, as etcd');
    store.bookmark('Pod');
    assert.equal(inf.lastSyncResourceVersion(), '2');
  });

  describe('after a broken watch', () => {
    async function setup(window: number) {
      const mem = new MemoryStore({ watchWindow: window });
      const store = new FlakyStore(mem);
      const keep = await mem.create(pod('keep'));
      const change = await mem.create(pod('change'));
      await mem.create(pod('remove'));
      const inf = new Informer(store, 'Pod');
      const lines = recordInformer(inf);
      await inf.start();
      lines.length = 0;
      store.cut();
      await mem.update(relabel(change, { v: '2' }));
      await mem.delete('Pod', 'default', 'remove');
      await mem.create(pod('new'));
      await mem.updateStatus(edit(keep, { status: { phase: 'Pending' } }));
      return { mem, store, inf, lines };
    }

    it('relists on Expired and reports exactly the differences', async () => {
      const { mem, store, inf, lines } = await setup(100);
      store.fail(errors.expired('The resourceVersion for the provided watch is too old.'));
      await flush();
      assert.deepEqual(lines, ['delete default/remove 4', 'update default/change 3->5', 'add default/new 7']);
      assert.deepEqual(inf.lister.list().map(key), (await mem.list('Pod')).items.map(key));
      lines.length = 0;
      await mem.create(pod('after'));
      assert.deepEqual(lines, ['add default/after 8'], 'watching again after the relist');
    });

    it('resumes a closed watch from the last resourceVersion, getting the missed events', async () => {
      const { mem, store, lines } = await setup(100);
      const calls = store.watchCalls;
      store.fail(new StatusError('InternalError', 'watch closed'));
      await flush();
      assert.equal(store.watchCalls, calls + 1);
      assert.deepEqual(lines, ['update default/change 3->5', 'delete default/remove 6', 'add default/new 7']);
      lines.length = 0;
      await mem.delete('Pod', 'default', 'new');
      assert.deepEqual(lines, ['delete default/new 8']);
    });

    it('relists when resuming finds the window overflowed', async () => {
      const { mem, store, lines } = await setup(2);
      store.fail(new StatusError('InternalError', 'watch closed'));
      await flush();
      assert.deepEqual(lines, ['delete default/remove 4', 'update default/change 3->5', 'add default/new 7']);
      lines.length = 0;
      await mem.create(pod('after'));
      assert.deepEqual(lines, ['add default/after 8']);
    });
  });

  it('cache and handlers equal the store, and a raw watch reconstructs it, over random writes and disconnects (property)', async () => {
    const op = fc.oneof(
      { weight: 6, arbitrary: fc.record({ t: fc.constantFrom('create', 'update', 'delete'), name: fc.constantFrom('a', 'b', 'c', 'd', 'e'), ns: fc.constantFrom('x', 'y'), v: fc.nat(3) }) },
      { weight: 1, arbitrary: fc.record({ t: fc.constantFrom('cut', 'expire', 'close') }) },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 80 }), fc.constantFrom(3, 1000), async (ops, window) => {
        const mem = new MemoryStore({ watchWindow: window });
        const store = new FlakyStore(mem);
        const raw = new Map<string, KubeObject>();
        await mem.watch('Pod', { resourceVersion: '0' }, (ev) => {
          if (ev.type === 'DELETED') raw.delete(key(ev.object));
          else raw.set(key(ev.object), ev.object);
        });
        const inf = new Informer(store, 'Pod');
        const mirror = new Map<string, KubeObject>();
        inf.on('add', (o) => {
          assert.ok(!mirror.has(key(o)), `add of cached ${key(o)}`);
          mirror.set(key(o), o);
        });
        inf.on('update', (a, b) => {
          assert.equal(mirror.get(key(b)), a, `update old of ${key(b)} is the cached object`);
          mirror.set(key(b), b);
        });
        inf.on('delete', (o) => {
          assert.ok(mirror.has(key(o)), `delete of uncached ${key(o)}`);
          mirror.delete(key(o));
        });
        await inf.start();
        for (const o of ops) {
          if (o.t === 'cut') store.cut();
          else if (o.t === 'expire') store.fail(errors.expired('too old'));
          else if (o.t === 'close') store.fail(new StatusError('InternalError', 'closed'));
          else if ('ns' in o) {
            const cur = await mem.get('Pod', o.ns, o.name).catch(() => undefined);
            if (o.t === 'create' && !cur) await mem.create(pod(o.name, o.ns, { v: String(o.v) }));
            else if (o.t === 'update' && cur) await mem.update(relabel(cur, { v: String(o.v) }));
            else if (o.t === 'delete' && cur) await mem.delete('Pod', o.ns, o.name);
          }
          await flush();
        }
        store.fail(new StatusError('InternalError', 'closed'));
        await flush();
        const want = (await mem.list('Pod')).items;
        assert.deepEqual(inf.lister.list(), want);
        assert.deepEqual([...mirror.keys()].sort().map((k) => mirror.get(k)), want);
        assert.deepEqual([...raw.keys()].sort().map((k) => raw.get(k)), want);
        inf.stop();
      }),
      { seed: 42, numRuns: 60 },
    );
  });
});
