import assert from 'node:assert/strict';
import type { Job, Pod } from '../../lib/api/types.js';
import { formatIndexes, JobController, parseIndexes, podGenerateNameWithIndex, remainingBackoff } from '../../lib/controllers/job.js';
import type { Harness } from '../reconcile/harness.js';
import { controllerHarness, eventsFor, FakeKubelet, type FakeKubeletOptions, node, pods } from './fakekubelet.js';

function job(name: string, spec: Partial<Job['spec']> = {}): Job {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: 'default' },
    spec: { template: { spec: { containers: [{ name: 'pi', image: 'perl:5.34' }], restartPolicy: 'Never' } }, ...spec },
  };
}

async function setup(kubelet: FakeKubeletOptions = { startMs: 1000, runMs: 5000 }): Promise<Harness> {
  const h = controllerHarness();
  h.manager.add(new JobController(h.ctx('job')));
  h.manager.add(new FakeKubelet(h.ctx('kubelet'), kubelet));
  await h.informers.startAll();
  await h.store.create(node('node01'));
  return h;
}

const getJob = (h: Harness, name: string) => h.store.get<Job>('Job', 'default', name);
const simSeconds = (ts: string | undefined) => (Date.parse(ts!) - Date.UTC(2026, 0, 1)) / 1000;

describe('controllers/job', () => {
  it('runs completions 3 with parallelism 2 to Complete, counting each pod once', async () => {
    const h = await setup();
    const created: number[] = [];
    h.informers.for<Pod>('Pod').on('add', () => created.push(h.clock.now()));
    const j = await h.store.create(job('pi', { completions: 3, parallelism: 2 }));
    assert.equal(await h.manager.runUntilQuiescent(600_000), true);
    assert.deepEqual(created, [0, 0, 6000]);
    const ps = await pods(h);
    assert.equal(ps.length, 3);
    for (const p of ps) {
      assert.match(p.metadata.name!, /^pi-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
      assert.equal(p.status!.phase, 'Succeeded');
      assert.equal(p.metadata.finalizers, undefined);
      assert.deepEqual(p.metadata.labels, {
        'batch.kubernetes.io/controller-uid': j.metadata.uid,
        'batch.kubernetes.io/job-name': 'pi',
        'controller-uid': j.metadata.uid,
        'job-name': 'pi',
      });
    }
    const st = (await getJob(h, 'pi')).status as Record<string, unknown> & Job['status'];
    assert.deepEqual(
      st!.conditions!.map((c) => [c.type, c.status, c.reason, c.message]),
      [
        ['SuccessCriteriaMet', 'True', 'CompletionsReached', 'Reached expected number of succeeded pods'],
        ['Complete', 'True', 'CompletionsReached', 'Reached expected number of succeeded pods'],
      ],
    );
    const { conditions, ...rest } = st!;
    assert.deepEqual(rest, { startTime: '2026-01-01T00:00:00Z', completionTime: '2026-01-01T00:00:12Z', succeeded: 3, ready: 0, terminating: 0, uncountedTerminatedPods: {} });
    void conditions;
    const evs = await eventsFor(h, 'pi', 'Job');
    assert.deepEqual(evs.slice(-1), ['Completed: Job completed']);
    assert.deepEqual(evs.slice(0, 3).sort(), ps.map((p) => `SuccessfulCreate: Created pod: ${p.metadata.name}`).sort());
  });

  it('reports active and ready while pods run', async () => {
    const h = await setup();
    await h.store.create(job('pi', { completions: 2, parallelism: 2 }));
    await h.manager.runUntil(3000);
    const st = (await getJob(h, 'pi')).status!;
    assert.deepEqual([st.active, st.ready, st.succeeded], [2, 2, undefined]);
  });

  it('runs Indexed jobs as <job>-<index>-<suffix> with the completion index annotation, label, env and hostname', async () => {
    const h = await setup();
    await h.store.create(job('idx', { completions: 3, parallelism: 3, completionMode: 'Indexed' }));
    await h.manager.runUntilQuiescent(600_000);
    const ps = (await pods(h)).sort((a, b) => a.metadata.annotations!['batch.kubernetes.io/job-completion-index']!.localeCompare(b.metadata.annotations!['batch.kubernetes.io/job-completion-index']!));
    assert.deepEqual(ps.map((p) => p.metadata.generateName), ['idx-0-', 'idx-1-', 'idx-2-']);
    for (const [i, p] of ps.entries()) {
      assert.match(p.metadata.name!, new RegExp(`^idx-${i}-[bcdfghjklmnpqrstvwxz2456789]{5}$`));
      assert.equal(p.metadata.labels!['batch.kubernetes.io/job-completion-index'], String(i));
      assert.equal(p.spec.hostname, `idx-${i}`);
      assert.deepEqual(p.spec.containers[0]!.env, [{ name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: "metadata.labels['batch.kubernetes.io/job-completion-index']" } } }]);
    }
    const st = (await getJob(h, 'idx')).status as Job['status'] & { completedIndexes?: string };
    assert.equal(st!.completedIndexes, '0-2');
    assert.equal(st!.succeeded, 3);
    assert.ok(st!.conditions!.some((c) => c.type === 'Complete'));
  });

  it('fails with BackoffLimitExceeded after backoffLimit + 1 failures, recreating after the 10 s backoff', async () => {
    const h = await setup({ startMs: 1000, runMs: 5000, fails: () => true });
    const created: number[] = [];
    h.informers.for<Pod>('Pod').on('add', () => created.push(h.clock.now()));
    await h.store.create(job('bad', { backoffLimit: 1 }));
    await h.manager.runUntilQuiescent(600_000);
    // First pod fails at 6 s; the replacement waits 10 s after that failure.
    assert.deepEqual(created, [0, 16000]);
    const st = (await getJob(h, 'bad')).status!;
    assert.deepEqual(
      st.conditions!.map((c) => [c.type, c.reason, c.message]),
      [
        ['FailureTarget', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit'],
        ['Failed', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit'],
      ],
    );
    assert.equal(st.failed, 2);
    assert.equal(st.completionTime, undefined);
    assert.equal(simSeconds(st.conditions![1]!.lastTransitionTime), 22);
    assert.deepEqual((await eventsFor(h, 'bad', 'Job')).slice(-1), ['BackoffLimitExceeded: Job has reached the specified backoff limit']);
  });

  it('counts a running pod deleted with its finalizer as failed and replaces it', async () => {
    const h = await setup({ startMs: 1000, runMs: 60_000 });
    await h.store.create(job('w', { completions: 1 }));
    await h.manager.runUntil(2000);
    const [p] = await pods(h);
    await h.store.delete('Pod', 'default', p!.metadata.name!);
    await h.manager.runUntil(3000);
    const st = (await getJob(h, 'w')).status!;
    assert.equal(st.failed, 1);
    assert.equal((await pods(h)).length, 0);
    await h.manager.runUntilQuiescent(600_000);
    assert.equal((await getJob(h, 'w')).status!.succeeded, 1);
  });

  it('formats completed indexes as upstream (ranges of three or more, pairs listed)', () => {
    assert.equal(formatIndexes(new Set([0, 1, 2, 4, 6, 7])), '0-2,4,6,7');
    assert.equal(formatIndexes(new Set([3, 1])), '1,3');
    assert.deepEqual([...parseIndexes('0-2,4,6,7', 7)], [0, 1, 2, 4, 6]);
    assert.equal(podGenerateNameWithIndex('pi', 12), 'pi-12-');
    assert.equal(podGenerateNameWithIndex('x'.repeat(60), 3), `${'x'.repeat(55)}-3-`);
    assert.equal(remainingBackoff({ failuresAfterLastSuccess: 3, lastFailureTime: 0 }, 15_000), 25_000);
    assert.equal(remainingBackoff({ failuresAfterLastSuccess: 10, lastFailureTime: 0 }, 0), 360_000);
  });
});
