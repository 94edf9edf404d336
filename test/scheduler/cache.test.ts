import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Pod } from '../../lib/api/types.js';
import { SchedulerCache } from '../../lib/scheduler/cache.js';
import { podRequests } from '../../lib/scheduler/resources.js';
import { node, pod } from '../kubelet/fixtures.js';

const NODES = ['n0', 'n1', 'n2', 'n3'];
const zoneOf = (n: string) => `z${Number(n.slice(1)) % 2}`;

type Op =
  | { t: 'bind'; pod: number; node: number; app: number; cpu: number }
  | { t: 'finish'; pod: number }
  | { t: 'delete'; pod: number }
  | { t: 'rezone'; node: number; zone: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ t: fc.constant('bind' as const), pod: fc.nat(9), node: fc.nat(3), app: fc.nat(2), cpu: fc.integer({ min: 0, max: 900 }) }),
  fc.record({ t: fc.constant('finish' as const), pod: fc.nat(9) }),
  fc.record({ t: fc.constant('delete' as const), pod: fc.nat(9) }),
  fc.record({ t: fc.constant('rezone' as const), node: fc.nat(3), zone: fc.nat(2) }),
);

describe('scheduler cache', () => {
  it('keeps per-node sums and label-group counts equal to a recount after any sequence of changes', () => {
    fc.assert(fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
      const cache = new SchedulerCache();
      const zones = new Map(NODES.map((n) => [n, zoneOf(n)]));
      for (const n of NODES) cache.addNode(node(n, { labels: { 'topology.kubernetes.io/zone': zones.get(n)! } }));
      const pods = new Map<string, Pod>();
      for (const o of ops) {
        if (o.t === 'rezone') {
          const n = NODES[o.node]!;
          zones.set(n, `z${o.zone}`);
          cache.updateNode(node(n, { labels: { 'topology.kubernetes.io/zone': `z${o.zone}` } }));
          continue;
        }
        const key = `default/p${o.pod}`;
        if (o.t === 'bind') {
          const p = pod(`p${o.pod}`, { labels: { app: `a${o.app}` }, cpu: `${o.cpu}m`, spec: { nodeName: NODES[o.node]! } });
          pods.set(key, p);
          cache.setPod(key, p);
        } else if (o.t === 'finish') {
          const p = pods.get(key);
          if (!p) continue;
          const done: Pod = { ...p, status: { phase: 'Succeeded' } };
          pods.set(key, done);
          cache.setPod(key, done);
        } else {
          pods.delete(key);
          cache.setPod(key, undefined);
        }
      }
      const live = [...pods.values()].filter((p) => p.status?.phase !== 'Succeeded');
      for (const n of NODES) {
        const on = live.filter((p) => p.spec.nodeName === n);
        const info = cache.node(n)!;
        assert.equal(info.podCount, on.length);
        assert.equal(info.reqMilliCPU, on.reduce((s, p) => s + podRequests(p).milliCPU, 0));
        assert.equal(info.nonZeroMemory, on.reduce((s, p) => s + podRequests(p).nonZeroMemory, 0));
        assert.equal(cache.hot.pods[info.id], on.length);
        assert.equal(cache.hot.reqCPU[info.id], info.reqMilliCPU);
      }
      for (let a = 0; a < 3; a++) {
        const matching = live.filter((p) => p.metadata.labels?.app === `a${a}`);
        const groups = cache.matchingGroups('default', { matches: (l) => l?.app === `a${a}`, toString: () => `app=a${a}`, empty: () => false, requirements: [] });
        const perZone = new Map<string, number>();
        const perNode = new Map<string, number>();
        for (const g of groups) {
          for (const [z, c] of g.perZone) perZone.set(z, (perZone.get(z) ?? 0) + c);
          for (const [id, c] of g.perNode) perNode.set(cache.nodeById(id)!.name, (perNode.get(cache.nodeById(id)!.name) ?? 0) + c);
        }
        const wantZone = new Map<string, number>();
        const wantNode = new Map<string, number>();
        for (const p of matching) {
          wantZone.set(zones.get(p.spec.nodeName!)!, (wantZone.get(zones.get(p.spec.nodeName!)!) ?? 0) + 1);
          wantNode.set(p.spec.nodeName!, (wantNode.get(p.spec.nodeName!) ?? 0) + 1);
        }
        assert.deepEqual([...perZone].sort(), [...wantZone].sort());
        assert.deepEqual([...perNode].sort(), [...wantNode].sort());
      }
    }), { seed: 42, numRuns: 200 });
  });

  it('orders nodes zone by zone, as the node tree lists them', () => {
    const cache = new SchedulerCache();
    const add = (n: string, z: string) => cache.addNode(node(n, { labels: { 'topology.kubernetes.io/zone': z } }));
    add('a1', 'a');
    add('a2', 'a');
    add('a3', 'a');
    add('b1', 'b');
    add('c1', 'c');
    add('c2', 'c');
    assert.deepEqual(cache.nodeList().map((n) => n.name), ['a1', 'b1', 'c1', 'a2', 'c2', 'a3']);
    cache.removeNode('b1');
    assert.deepEqual(cache.nodeList().map((n) => n.name), ['a1', 'c1', 'a2', 'c2', 'a3']);
  });
});
