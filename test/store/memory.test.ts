import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseSelector } from '../../lib/api/labels.js';
import type { KubeObject } from '../../lib/api/meta.js';
import { StatusError } from '../../lib/api/errors.js';
import { VirtualClock } from '../../lib/sim/clock.js';
import { Random } from '../../lib/sim/random.js';
import { parseFieldSelector } from '../../lib/store/fieldselector.js';
import { MemoryStore, SortedKeys } from '../../lib/store/memory.js';
import type { WatchEvent } from '../../lib/store/store.js';
import { describeStoreContract, edit, pod } from './contract.js';

describeStoreContract('MemoryStore', async () => new MemoryStore({ watchWindow: 50 }), { watchWindow: 50 });

const line = (e: WatchEvent) => `${e.type} ${e.object.metadata.name ?? ''} ${e.object.metadata.resourceVersion}`;

describe('MemoryStore', () => {
  describe('determinism', () => {
    async function scenario(seed: number): Promise<string> {
      const clock = new VirtualClock();
      const store = new MemoryStore({ clock, random: new Random(seed) });
      for (let i = 0; i < 5; i++) {
        clock.advanceBy(1500);
        const o = pod('x');
        delete o.metadata.name;
        o.metadata.generateName = 'web-';
        await store.create(o);
      }
      return JSON.stringify((await store.list('Pod')).items);
    }

    it('gives byte-identical objects for the same seed and different ones for another', async () => {
      const a = await scenario(7);
      assert.equal(await scenario(7), a);
      assert.notEqual(await scenario(8), a);
    });

    it('draws UUID v4 uids and timestamps from the virtual clock', async () => {
      const clock = new VirtualClock();
      const store = new MemoryStore({ clock });
      clock.advanceBy(90_500);
      const p = await store.create(pod('a'));
      assert.match(p.metadata.uid!, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      assert.equal(p.metadata.creationTimestamp, '2026-01-01T00:01:30Z');
      const q = await store.create(pod('b'));
      assert.notEqual(q.metadata.uid, p.metadata.uid);
    });

    it('uses the uidSource when given', async () => {
      let n = 0;
      const store = new MemoryStore({ uidSource: () => `uid-${++n}` });
      assert.equal((await store.create(pod('a'))).metadata.uid, 'uid-1');
      assert.equal((await store.create(pod('b'))).metadata.uid, 'uid-2');
    });

    it('retries a generated name that collides', async () => {
      const gen = () => {
        const o = pod('x');
        delete o.metadata.name;
        o.metadata.generateName = 'web-';
        return o;
      };
      const first = (await new MemoryStore({ random: new Random(3) }).create(gen())).metadata.name!;
      const store = new MemoryStore({ random: new Random(3) });
      await store.create(pod(first));
      const p = await store.create(gen());
      assert.notEqual(p.metadata.name, first);
      assert.match(p.metadata.name!, /^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    });

    it('cuts a long generateName to 58 characters before the suffix', async () => {
      const o = pod('x');
      delete o.metadata.name;
      o.metadata.generateName = 'a'.repeat(70);
      const p = await new MemoryStore().create(o);
      assert.equal(p.metadata.name!.length, 63);
      assert.ok(p.metadata.name!.startsWith('a'.repeat(58)));
    });
  });

  describe('ownership', () => {
    it('keeps the object given (no copy) but not its metadata object', async () => {
      const store = new MemoryStore();
      const meta = { name: 'a', namespace: 'default' };
      const o: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: meta, spec: { containers: [] } };
      const out = await store.create(o);
      assert.equal(out, o);
      assert.equal(out.spec, o.spec);
      assert.deepEqual(meta, { name: 'a', namespace: 'default' }, "the caller's metadata object is untouched");
      assert.equal(await store.get('Pod', 'default', 'a'), out, 'reads return the shared object');
      assert.equal((await store.list('Pod')).items[0], out);
    });

    it('deep-freezes stored objects in debug mode', async () => {
      const store = new MemoryStore({ freeze: true });
      const p = await store.create(pod('a', 'default', { app: 'web' }));
      assert.throws(() => {
        (p.metadata.labels as Record<string, string>).app = 'db';
      }, TypeError);
      assert.throws(() => {
        (p.spec as { nodeName?: string }).nodeName = 'x';
      }, TypeError);
      const s = await store.updateStatus(edit(p, { status: { phase: 'Running' } }));
      assert.ok(Object.isFrozen(s) && Object.isFrozen(s.metadata));
    });
  });

  describe('object shape', () => {
    it('orders metadata keys as the API server serialises ObjectMeta and keeps unknown fields', async () => {
      const store = new MemoryStore();
      const o = pod('x', 'default', { app: 'web' });
      o.metadata = { annotations: { a: '1' }, labels: { app: 'web' }, managedFields: [], generateName: 'web-', namespace: 'default' } as KubeObject['metadata'];
      const p = await store.create(o);
      assert.deepEqual(Object.keys(p.metadata), [
        'name', 'generateName', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'labels', 'annotations', 'managedFields',
      ]);
      const u = await store.update(edit(p, { spec: { containers: [] } }));
      assert.deepEqual(Object.keys(u.metadata), Object.keys(p.metadata));
    });

    it('adds and removes status through updateStatus on an object that had none', async () => {
      const store = new MemoryStore();
      const s = await store.create<KubeObject>({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'default' }, spec: { ports: [{ port: 80 }] } });
      const withStatus = await store.updateStatus(edit(s, { status: { loadBalancer: {} } }));
      assert.deepEqual(Object.keys(withStatus), ['apiVersion', 'kind', 'metadata', 'spec', 'status']);
      assert.deepEqual(withStatus.status, { loadBalancer: {} });
      const cleared = structuredClone(withStatus);
      delete cleared.status;
      const without = await store.updateStatus(cleared);
      assert.deepEqual(Object.keys(without), ['apiVersion', 'kind', 'metadata', 'spec']);
      assert.equal(Number(without.metadata.resourceVersion), Number(withStatus.metadata.resourceVersion) + 1);
    });

    it('keeps a deletionTimestamp once set, as the API server', async () => {
      const store = new MemoryStore();
      const p = await store.create(pod('a'));
      const marked = edit(p, {});
      marked.metadata.deletionTimestamp = '2026-01-01T00:00:30Z';
      marked.metadata.deletionGracePeriodSeconds = 30;
      const m = await store.update(marked);
      assert.equal(m.metadata.deletionTimestamp, '2026-01-01T00:00:30Z');
      const cleared = edit(m, {});
      delete cleared.metadata.deletionTimestamp;
      cleared.metadata.labels = { x: '1' };
      const c = await store.update(cleared);
      assert.equal(c.metadata.deletionTimestamp, '2026-01-01T00:00:30Z');
      assert.equal(c.metadata.deletionGracePeriodSeconds, 30);
      const fresh = pod('b');
      fresh.metadata.deletionTimestamp = '2026-01-01T00:00:30Z';
      assert.equal((await store.create(fresh)).metadata.deletionTimestamp, undefined, 'a new object is never being deleted');
    });
  });

  describe('watch delivery', () => {
    it('delivers synchronously, before the write resolves', async () => {
      const store = new MemoryStore();
      const seen: string[] = [];
      await store.watch('Pod', {}, (e) => seen.push(line(e)));
      const p = store.create(pod('a'));
      assert.deepEqual(seen, ['ADDED a 2']);
      await p;
    });

    it('keeps event order for every watcher when a handler writes', async () => {
      const store = new MemoryStore();
      const first: string[] = [];
      const second: string[] = [];
      await store.watch('Pod', {}, (e) => {
        first.push(line(e));
        if (e.type === 'ADDED' && e.object.metadata.name === 'a') void store.create(pod('b'));
      });
      await store.watch('Pod', {}, (e) => second.push(line(e)));
      await store.create(pod('a'));
      assert.deepEqual(first, ['ADDED a 2', 'ADDED b 3']);
      assert.deepEqual(second, ['ADDED a 2', 'ADDED b 3']);
    });

    it('lets a handler start a resuming watch without gaps or duplicates', async () => {
      const store = new MemoryStore();
      const late: string[] = [];
      await store.create(pod('a'));
      await store.watch('Pod', {}, (e) => {
        if (e.object.metadata.name === 'b') {
          void store.watch('Pod', { resourceVersion: '2' }, (e2) => {
            late.push(line(e2));
            if (e2.object.metadata.name === 'b') void store.create(pod('d'));
          });
          void store.create(pod('c'));
        }
      });
      await store.create(pod('b'));
      await store.create(pod('e'));
      // d is written during the replay (rv 4), before the handler goes on to write c (rv 5).
      assert.deepEqual(late, ['ADDED b 3', 'ADDED d 4', 'ADDED c 5', 'ADDED e 6']);
    });

    it('ends a watch whose handler throws and reports the error; the write stands', async () => {
      const store = new MemoryStore();
      const errs: string[] = [];
      const other: string[] = [];
      await store.watch(
        'Pod',
        {},
        () => {
          throw new Error('boom');
        },
        (e) => errs.push(e.message),
      );
      await store.watch('Pod', {}, (e) => other.push(line(e)));
      await store.create(pod('a'));
      await store.create(pod('b'));
      assert.deepEqual(errs, ['boom']);
      assert.deepEqual(other, ['ADDED a 2', 'ADDED b 3']);
      assert.equal(store.count('Pod'), 2);
    });

    it('sends bookmarks on request to watchers that asked for them', async () => {
      const store = new MemoryStore();
      const withBm: WatchEvent[] = [];
      const without: WatchEvent[] = [];
      await store.watch('Pod', { allowBookmarks: true, labelSelector: 'app=none' }, (e) => withBm.push(e));
      await store.watch('Pod', {}, (e) => without.push(e));
      await store.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'default' }, spec: {} });
      await store.create(pod('a'));
      store.bookmark('Pod');
      store.bookmark();
      assert.deepEqual(
        withBm.map((e) => [e.type, e.object]),
        [
          ['BOOKMARK', { apiVersion: 'v1', kind: 'Pod', metadata: { resourceVersion: '3' } }],
          ['BOOKMARK', { apiVersion: 'v1', kind: 'Pod', metadata: { resourceVersion: '3' } }],
        ],
      );
      assert.deepEqual(without.map(line), ['ADDED a 3']);
    });

    it('terminateWatches ends every watch of the kind with the error', async () => {
      const store = new MemoryStore();
      const errs: Error[] = [];
      await store.watch('Pod', {}, () => {}, (e) => errs.push(e));
      const gone = new StatusError('Expired', 'The resourceVersion for the provided watch is too old.');
      store.terminateWatches('Pod', gone);
      store.terminateWatches('Pod', gone);
      assert.deepEqual(errs, [gone]);
    });

    it('close stops watches and refuses writes', async () => {
      const store = new MemoryStore();
      const seen: string[] = [];
      await store.watch('Pod', {}, (e) => seen.push(line(e)));
      await store.close();
      await assert.rejects(store.create(pod('a')), (e: StatusError) => e.reason === 'ServiceUnavailable');
      assert.deepEqual(seen, []);
    });

    it('rejects a malformed resourceVersion', async () => {
      await assert.rejects(new MemoryStore().watch('Pod', { resourceVersion: 'abc' }, () => {}), (e: StatusError) => e.reason === 'BadRequest');
    });
  });

  describe('indexes', () => {
    it('answers pods by spec.nodeName from the index, also for unscheduled pods', async () => {
      const store = new MemoryStore();
      for (let i = 0; i < 400; i++) {
        await store.create(pod(`p${String(i).padStart(3, '0')}`, `ns${i % 4}`, { app: `a${i % 5}` }, i % 50 === 49 ? undefined : `node-${i % 3}`));
      }
      const p = await store.get('Pod', 'ns0', 'p000');
      await store.update(edit(p, { spec: { ...(p.spec as object), nodeName: 'node-9' } }));
      const on = async (f: string) => (await store.list('Pod', { fieldSelector: f })).items.map((o) => `${o.metadata.namespace}/${o.metadata.name}`);
      assert.deepEqual(await on('spec.nodeName=node-9'), ['ns0/p000']);
      assert.deepEqual(await on('spec.nodeName='), ['ns1/p049', 'ns1/p149', 'ns1/p249', 'ns1/p349', 'ns3/p099', 'ns3/p199', 'ns3/p299', 'ns3/p399']);
      // 134 multiples of 3 below 400, less the unscheduled 99, 249, 399 and the moved p000.
      assert.equal((await on('spec.nodeName=node-0')).length, 130);
    });

    it('indexed selection equals a brute-force filter over random writes', async () => {
      const labelVals = ['a', 'b', 'c'];
      const op = fc.record({
        kind: fc.constantFrom('create', 'create', 'update', 'delete'),
        ns: fc.constantFrom('x', 'y', 'z'),
        name: fc.constantFrom('p0', 'p1', 'p2', 'p3', 'p4', 'p5'),
        app: fc.option(fc.constantFrom(...labelVals), { nil: undefined }),
        tier: fc.option(fc.constantFrom(...labelVals), { nil: undefined }),
        node: fc.option(fc.constantFrom('n1', 'n2'), { nil: undefined }),
      });
      const selectors = ['', 'app=a', 'app in (a,b)', 'app=a,tier=b', 'app!=a', '!tier', 'tier,app notin (c)', 'app=b,tier in (a,c)'];
      const fieldSels = ['', 'spec.nodeName=n1', 'spec.nodeName=', 'spec.nodeName!=n2', 'metadata.name=p1', 'metadata.namespace=y,spec.nodeName=n2'];
      await fc.assert(
        fc.asyncProperty(fc.array(op, { maxLength: 120 }), fc.constantFrom(undefined, 'x', 'y'), fc.nat(120), async (ops, listNs, half) => {
          // Scan threshold 0: every list goes through the indexes, however small the store.
          const store = new MemoryStore({ indexScanBelow: 0 });
          const check = async () => {
            const all = (await store.list('Pod')).items;
            const keys = all.map((p) => `${p.metadata.namespace}/${p.metadata.name}`);
            assert.deepEqual(keys, [...keys].sort());
            for (const ls of selectors) {
              for (const fs of fieldSels) {
                const lsel = parseSelector(ls);
                const fsel = parseFieldSelector('Pod', fs);
                const want = all.filter((p) => (!listNs || p.metadata.namespace === listNs) && lsel.matches(p.metadata.labels) && fsel.matches(p));
                const got = (await store.list('Pod', { labelSelector: ls, fieldSelector: fs, ...(listNs ? { namespace: listNs } : {}) })).items;
                assert.deepEqual(got, want, `${ls} | ${fs} | ${listNs}`);
              }
            }
          };
          // Lists in the middle build the lazy label indexes; the writes after must keep them current.
          for (const [i, o] of ops.entries()) {
            if (i === half) await check();
            const labels: Record<string, string> = {};
            if (o.app) labels.app = o.app;
            if (o.tier) labels.tier = o.tier;
            const cur = await store.get('Pod', o.ns, o.name).catch(() => undefined);
            if (o.kind === 'create' && !cur) await store.create(pod(o.name, o.ns, labels, o.node));
            else if (o.kind === 'update' && cur) {
              const next = edit(cur, { spec: { ...(cur.spec as object), nodeName: o.node } });
              next.metadata.labels = labels;
              await store.update(next);
            } else if (o.kind === 'delete' && cur) await store.delete('Pod', o.ns, o.name);
          }
          await check();
        }),
        { seed: 42, numRuns: 60 },
      );
    });

    it('SortedKeys matches a sorted copy of the live set under random adds and removes', () => {
      fc.assert(
        fc.property(fc.array(fc.tuple(fc.boolean(), fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'ab', 'a-b', 'a/b')), { maxLength: 200 }), fc.array(fc.nat(200)), (ops, checks) => {
          const live = new Set<string>();
          const sk = new SortedKeys(live);
          const at = new Set(checks);
          ops.forEach(([add, k], i) => {
            if (add && !live.has(k)) {
              live.add(k);
              sk.add(k);
            } else if (!add && live.has(k)) {
              live.delete(k);
              sk.remove(k);
            }
            if (at.has(i)) assert.deepEqual(sk.sorted(), [...live].sort());
          });
          assert.deepEqual(sk.sorted(), [...live].sort());
        }),
        { seed: 42, numRuns: 200 },
      );
    });
  });
});
