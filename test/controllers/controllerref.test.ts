import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseSelector } from '../../lib/api/labels.js';
import type { Pod } from '../../lib/api/types.js';
import { compareActivePods, podsToDelete } from '../../lib/controllers/activepods.js';
import { labelMatcher } from '../../lib/controllers/controllerref.js';
import { jsonEqual, canonicalJSON } from '../../lib/controllers/podtemplatehash.js';

const T0 = Date.UTC(2026, 0, 1);
const ts = (ms: number) => new Date(T0 + ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

function pod(name: string, o: { node?: string; phase?: 'Pending' | 'Running'; readyAt?: number; created?: number; uid?: string; restarts?: number } = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', uid: o.uid ?? name, creationTimestamp: ts(o.created ?? 0) },
    spec: { containers: [{ name: 'c' }], ...(o.node ? { nodeName: o.node } : {}) },
    status: {
      ...(o.phase ? { phase: o.phase } : {}),
      ...(o.readyAt !== undefined ? { conditions: [{ type: 'Ready', status: 'True' as const, lastTransitionTime: ts(o.readyAt) }] } : {}),
      containerStatuses: [{ name: 'c', ready: o.readyAt !== undefined, restartCount: o.restarts ?? 0 }],
    },
  };
}

describe('controllers/controllerref and activepods', () => {
  it('labelMatcher agrees with Selector.matches (property)', () => {
    const key = fc.constantFrom('app', 'tier', 'pod-template-hash', 'x.io/y');
    const val = fc.constantFrom('a', 'b', 'c', '');
    const labels = fc.dictionary(key, val, { maxKeys: 4 });
    const req = fc.oneof(
      fc.tuple(key, val).map(([k, v]) => `${k}=${v}`),
      fc.tuple(key, val).map(([k, v]) => `${k}!=${v}`),
      fc.tuple(key, fc.uniqueArray(fc.constantFrom('a', 'b', 'c'), { minLength: 1, maxLength: 2 })).map(([k, vs]) => `${k} in (${vs.join(',')})`),
      key.map((k) => k),
      key.map((k) => `!${k}`),
    );
    fc.assert(
      fc.property(fc.array(req, { maxLength: 3 }), labels, (reqs, l) => {
        const sel = parseSelector(reqs.join(','));
        return labelMatcher(sel)(l) === sel.matches(l);
      }),
      { seed: 42, numRuns: 300 },
    );
  });

  it('jsonEqual agrees with comparing canonical JSON (property)', () => {
    const value = fc.letrec((tie) => ({
      v: fc.oneof({ depthSize: 'small' }, fc.integer(), fc.string({ maxLength: 2 }), fc.boolean(), fc.constant(undefined), fc.array(tie('v'), { maxLength: 3 }), fc.dictionary(fc.constantFrom('a', 'b', 'c'), tie('v'), { maxKeys: 3 })),
    })).v;
    fc.assert(fc.property(value, value, (a, b) => jsonEqual(a, b) === (canonicalJSON(a) === canonicalJSON(b))), { seed: 42, numRuns: 500 });
  });

  it('orders pods for deletion: unscheduled, pending, not ready, then newest ready bucket; more restarts first', () => {
    const now = 100_000_000; // 100 000 s
    const unscheduled = pod('u');
    const pending = pod('p', { node: 'n1', phase: 'Pending' });
    const notReady = pod('nr', { node: 'n1', phase: 'Running' });
    const readyNew = pod('rn', { node: 'n1', phase: 'Running', readyAt: now - 60_000 });
    const readyOld = pod('ro', { node: 'n1', phase: 'Running', readyAt: now - 50_000_000 });
    const all = [readyOld, readyNew, notReady, pending, unscheduled];
    assert.deepEqual(podsToDelete(all, [], 5, now).map((p) => p.metadata.name), ['ro', 'rn', 'nr', 'p', 'u']);
    assert.deepEqual(podsToDelete(all, [], 4, now).map((p) => p.metadata.name), ['u', 'p', 'nr', 'rn']);
    // Ready times in the same power-of-two age bucket tie; the UID decides.
    const a = pod('a', { node: 'n1', phase: 'Running', readyAt: now - 40_000, uid: 'uid-b' });
    const b = pod('b', { node: 'n1', phase: 'Running', readyAt: now - 50_000, uid: 'uid-a' });
    assert.deepEqual(podsToDelete([a, b], [], 1, now).map((p) => p.metadata.name), ['b']);
    // Pods doubled up on a node with related pods go first.
    const onBusy = pod('busy', { node: 'n1', phase: 'Running', readyAt: 0 });
    const alone = pod('alone', { node: 'n2', phase: 'Running', readyAt: 0 });
    assert.deepEqual(podsToDelete([alone, onBusy], [onBusy, alone, pod('sib', { node: 'n1', phase: 'Running', readyAt: 0 })], 1, now).map((p) => p.metadata.name), ['busy']);
    // ActivePods (Job): more restarts first among equals.
    const r0 = pod('r0', { node: 'n1', phase: 'Running', readyAt: 5 });
    const r3 = pod('r3', { node: 'n1', phase: 'Running', readyAt: 5, restarts: 3 });
    assert.deepEqual([r0, r3].sort(compareActivePods).map((p) => p.metadata.name), ['r3', 'r0']);
  });
});
