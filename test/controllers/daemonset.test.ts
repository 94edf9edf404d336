import assert from 'node:assert/strict';
import type { DaemonSet, Node, Pod } from '../../lib/api/types.js';
import { DaemonSetController, nodeShouldRunDaemonPod } from '../../lib/controllers/daemonset.js';
import { PodGCController } from '../../lib/controllers/podgc.js';
import type { Harness } from '../reconcile/harness.js';
import { controllerHarness, eventsFor, FakeKubelet, node, pods, template } from './fakekubelet.js';

const MASTER_TAINT = { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' as const };

function daemonSet(name: string, extra: Partial<DaemonSet['spec']['template']['spec']> = {}): DaemonSet {
  return { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name, namespace: 'default' }, spec: { selector: { matchLabels: { app: name } }, template: template(name, 'fluentd:1', extra) } };
}

async function setup(): Promise<Harness> {
  const h = controllerHarness();
  h.manager.add(new DaemonSetController(h.ctx('daemonset')));
  h.manager.add(new PodGCController(h.ctx('podgc')));
  h.manager.add(new FakeKubelet(h.ctx('kubelet'), { startMs: 1000 }));
  await h.informers.startAll();
  await h.store.create(node('master', { taints: [MASTER_TAINT] }));
  await h.store.create(node('node01'));
  await h.store.create(node('node02'));
  return h;
}

const podNodes = async (h: Harness) => (await pods(h)).map((p) => p.spec.nodeName).sort();
const getDS = (h: Harness, name: string) => h.store.get<DaemonSet>('DaemonSet', 'default', name);

describe('controllers/daemonset', () => {
  it('runs one pod per eligible node, skipping the tainted control plane, pinned by node affinity', async () => {
    const h = await setup();
    const ds = await h.store.create(daemonSet('fluentd'));
    await h.manager.runUntilQuiescent(600_000);
    assert.deepEqual(await podNodes(h), ['node01', 'node02']);
    const p = (await pods(h)).find((x) => x.spec.nodeName === 'node01')!;
    assert.match(p.metadata.name!, /^fluentd-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    assert.deepEqual(p.spec.affinity, { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node01'] }] }] } } });
    assert.deepEqual(p.spec.tolerations, [
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
      { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
      { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
      { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
      { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
    ]);
    assert.equal(p.metadata.labels!['pod-template-generation'], '1');
    assert.match(p.metadata.labels!['controller-revision-hash']!, /^[456789bcdf]{9,10}$/);
    assert.equal(p.metadata.ownerReferences![0]!.uid, ds.metadata.uid);
    assert.deepEqual((await getDS(h, 'fluentd')).status, {
      currentNumberScheduled: 2,
      numberMisscheduled: 0,
      desiredNumberScheduled: 2,
      numberReady: 2,
      observedGeneration: 1,
      updatedNumberScheduled: 2,
      numberAvailable: 2,
    });
    const created = (await eventsFor(h, 'fluentd', 'DaemonSet')).sort();
    assert.deepEqual(created, (await pods(h)).map((x) => `SuccessfulCreate: Created pod: ${x.metadata.name}`).sort());
  });

  it('adds network-unavailable for hostNetwork pods, and covers the control plane when tolerated', async () => {
    const h = await setup();
    await h.store.create(daemonSet('kube-proxy', { hostNetwork: true, tolerations: [{ operator: 'Exists' }] }));
    await h.manager.runUntilQuiescent(600_000);
    assert.deepEqual(await podNodes(h), ['master', 'node01', 'node02']);
    const tol = (await pods(h))[0]!.spec.tolerations!;
    assert.deepEqual(tol[tol.length - 1], { key: 'node.kubernetes.io/network-unavailable', operator: 'Exists', effect: 'NoSchedule' });
    assert.deepEqual(tol[0], { operator: 'Exists' });
  });

  it('honours nodeSelector and required node affinity', () => {
    const ds = daemonSet('gpu', { nodeSelector: { gpu: 'true' } });
    assert.deepEqual(nodeShouldRunDaemonPod(node('a', { labels: { gpu: 'true' } }), ds), { shouldRun: true, shouldContinueRunning: true });
    assert.deepEqual(nodeShouldRunDaemonPod(node('b'), ds), { shouldRun: false, shouldContinueRunning: false });
    const aff = daemonSet('zone', {
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'b'] }] }] } } },
    });
    assert.equal(nodeShouldRunDaemonPod(node('x', { labels: { zone: 'b' } }), aff).shouldRun, true);
    assert.equal(nodeShouldRunDaemonPod(node('y', { labels: { zone: 'c' } }), aff).shouldRun, false);
    // A NoSchedule taint stops new pods but keeps running ones; an untolerated NoExecute evicts.
    assert.deepEqual(nodeShouldRunDaemonPod(node('t', { taints: [{ key: 'k', effect: 'NoSchedule' }] }), daemonSet('x')), { shouldRun: false, shouldContinueRunning: true });
    assert.deepEqual(nodeShouldRunDaemonPod(node('t', { taints: [{ key: 'k', effect: 'NoExecute' }] }), daemonSet('x')), { shouldRun: false, shouldContinueRunning: false });
    assert.deepEqual(nodeShouldRunDaemonPod(node('t', { taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }] }), daemonSet('x')), { shouldRun: true, shouldContinueRunning: true });
  });

  it('follows nodes: a new node gets a pod, a deleted node loses it after the pod GC quarantine', async () => {
    const h = await setup();
    await h.store.create(daemonSet('fluentd'));
    await h.manager.runUntilQuiescent(600_000);
    await h.store.create(node('node03'));
    await h.manager.runUntilQuiescent(h.clock.now() + 600_000);
    assert.deepEqual(await podNodes(h), ['node01', 'node02', 'node03']);
    assert.equal((await getDS(h, 'fluentd')).status!.desiredNumberScheduled, 3);
    const t0 = h.clock.now();
    await h.store.delete('Node', undefined, 'node02');
    await h.manager.runUntil(t0 + 39_000);
    assert.deepEqual(await podNodes(h), ['node01', 'node02', 'node03']);
    assert.equal((await getDS(h, 'fluentd')).status!.desiredNumberScheduled, 2);
    await h.manager.runUntilQuiescent(t0 + 600_000);
    assert.deepEqual(await podNodes(h), ['node01', 'node03']);
    assert.deepEqual((await getDS(h, 'fluentd')).status, {
      currentNumberScheduled: 2, numberMisscheduled: 0, desiredNumberScheduled: 2, numberReady: 2, observedGeneration: 1, updatedNumberScheduled: 2, numberAvailable: 2,
    });
  });

  it('keeps a pod on a node tainted NoSchedule (misscheduled) and removes it for an untolerated NoExecute taint', async () => {
    const h = await setup();
    await h.store.create(daemonSet('fluentd'));
    await h.manager.runUntilQuiescent(600_000);
    const n1 = await h.store.get<Node>('Node', undefined, 'node01');
    await h.store.update({ ...n1, spec: { ...n1.spec, taints: [{ key: 'maintenance', effect: 'NoSchedule' }] } });
    await h.manager.runUntilQuiescent(h.clock.now() + 600_000);
    assert.deepEqual(await podNodes(h), ['node01', 'node02']);
    assert.equal((await getDS(h, 'fluentd')).status!.numberMisscheduled, 1);
    const n1b = await h.store.get<Node>('Node', undefined, 'node01');
    await h.store.update({ ...n1b, spec: { ...n1b.spec, taints: [{ key: 'maintenance', effect: 'NoExecute' }] } });
    await h.manager.runUntilQuiescent(h.clock.now() + 600_000);
    assert.deepEqual(await podNodes(h), ['node02']);
  });

  it('rolls a template change one node at a time (maxUnavailable 1)', async () => {
    const h = await setup();
    await h.store.create(daemonSet('fluentd'));
    await h.manager.runUntilQuiescent(600_000);
    const log: string[] = [];
    const inf = h.informers.for<Pod>('Pod');
    inf.on('add', () => log.push(`+@${h.clock.now()}`)).on('delete', (p) => log.push(`-${p.spec.nodeName}@${h.clock.now()}`));
    log.length = 0;
    const ds = structuredClone(await getDS(h, 'fluentd'));
    ds.spec.template.spec.containers[0]!.image = 'fluentd:2';
    const t0 = h.clock.now();
    await h.store.update(ds);
    await h.manager.runUntilQuiescent(t0 + 600_000);
    assert.deepEqual(log.map((l) => l.replace(/@(\d+)/, (_, t) => `@${Number(t) - t0}`)), ['-node01@0', '+@0', '-node02@1000', '+@1000']);
    const st = (await getDS(h, 'fluentd')).status!;
    assert.equal(st.updatedNumberScheduled, 2);
    assert.equal(st.observedGeneration, 2);
    assert.ok((await pods(h)).every((p) => p.spec.containers[0]!.image === 'fluentd:2' && p.metadata.labels!['pod-template-generation'] === '2'));
  });
});
