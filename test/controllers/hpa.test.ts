import assert from 'node:assert/strict';
import type { Deployment, HorizontalPodAutoscaler, Pod } from '../../lib/api/types.js';
import { DeploymentController } from '../../lib/controllers/deployment.js';
import { calculateReplicas, CPU_USAGE_ANNOTATION, formatMilli, HorizontalPodAutoscalerController, scaleDownLimit, scaleDownRules, scaleUpLimit, scaleUpRules } from '../../lib/controllers/hpa.js';
import { ReplicaSetController } from '../../lib/controllers/replicaset.js';
import type { Harness } from '../reconcile/harness.js';
import { controllerHarness, deployment, eventsFor, FakeKubelet, node } from './fakekubelet.js';

const T0 = Date.UTC(2026, 0, 1);
const ts = (ms: number) => new Date(T0 + ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** A Running pod requesting 100m CPU, ready since `readyAt`, started at `startAt` (ms). */
function pod(name: string, opts: { phase?: 'Running' | 'Pending'; readyAt?: number; startAt?: number; ready?: boolean } = {}): Pod {
  const phase = opts.phase ?? 'Running';
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: { containers: [{ name: 'c', image: 'x', resources: { requests: { cpu: '100m' } } }] },
    status:
      phase === 'Pending'
        ? { phase }
        : { phase, startTime: ts(opts.startAt ?? 0), conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True', lastTransitionTime: ts(opts.readyAt ?? 0) }] },
  };
}

const tol = { up: 0.1, down: 0.1 };
const NOW = 600_000; // well past every pod's CPU initialisation period

describe('controllers/hpa', () => {
  it('computes ceil(ready × utilization / target) with the 10% tolerance on integer utilization', () => {
    const pods = ['a', 'b', 'c'].map((n) => pod(n));
    const m = (v: number) => new Map(pods.map((p) => [p.metadata.name!, v]));
    // 55% of request against 50%: ratio exactly 1.1, inside the tolerance.
    assert.deepEqual(calculateReplicas(pods, m(55), 3, { utilization: 50 }, tol, NOW), { replicas: 3, utilization: 55, raw: 55 });
    // 56%: ratio 1.12, ceil(3.36) = 4.
    assert.equal(calculateReplicas(pods, m(56), 3, { utilization: 50 }, tol, NOW).replicas, 4);
    // 45%: ratio 0.9, inside; 44%: ceil(2.64) = 3 stays 3; 30%: ceil(1.8) = 2.
    assert.equal(calculateReplicas(pods, m(45), 3, { utilization: 50 }, tol, NOW).replicas, 3);
    assert.equal(calculateReplicas(pods, m(30), 3, { utilization: 50 }, tol, NOW).replicas, 2);
    // Utilization is truncated to a whole percent before the ratio: (100+100+132)/300 = 110.67 -> 110%,
    // exactly on the tolerance edge; 133m makes 111%, just outside: ceil(1.11 × 3) = 4.
    assert.deepEqual(calculateReplicas(pods, new Map([['a', 100], ['b', 100], ['c', 132]]), 3, { utilization: 100 }, tol, NOW), { replicas: 3, utilization: 110, raw: 110 });
    assert.deepEqual(calculateReplicas(pods, new Map([['a', 100], ['b', 100], ['c', 133]]), 3, { utilization: 100 }, tol, NOW), { replicas: 4, utilization: 111, raw: 111 });
    // Average-value targets: 300m per pod against 200m -> ceil(1.5 × 3) = 5.
    assert.deepEqual(calculateReplicas(pods, m(300), 3, { averageValueMilli: 200 }, tol, NOW), { replicas: 5, raw: 300 });
  });

  it('counts unready pods as 0% on a scale-up and missing pods as 100% on a scale-down', () => {
    const ready = [pod('a'), pod('b')];
    // Two ready pods at 100% against 50%, plus two pending: 200/400 = 50% -> no change from 4.
    const withPending = [...ready, pod('p1', { phase: 'Pending' }), pod('p2', { phase: 'Pending' })];
    assert.equal(calculateReplicas(withPending, new Map([['a', 100], ['b', 100]]), 4, { utilization: 50 }, tol, NOW).replicas, 4);
    // One pending pod: 200/300 = 66% -> ratio 1.32 -> ceil(1.32 × 3) = 4.
    assert.equal(calculateReplicas([...ready, pod('p1', { phase: 'Pending' })], new Map([['a', 100], ['b', 100]]), 3, { utilization: 50 }, tol, NOW).replicas, 4);
    // Scale-down with a Running pod lacking metrics: it counts as 100%: (10+10+100)/300 = 40% -> ceil(0.8 × 3) = 3.
    const three = [pod('a'), pod('b'), pod('c')];
    assert.equal(calculateReplicas(three, new Map([['a', 10], ['b', 10]]), 3, { utilization: 50 }, tol, NOW).replicas, 3);
    // Recently ready pods (inside one metric window, within the first 5 min) are unready samples.
    // Here `a` counts 0%: (0+100+100)/300 = 66% -> ceil(1.32 × 3) = 4, not ceil(2 × 3) = 6.
    const fresh = [pod('a', { startAt: 0, readyAt: 100_000 }), pod('b'), pod('c')];
    assert.equal(calculateReplicas(fresh, new Map([['a', 100], ['b', 100], ['c', 100]]), 3, { utilization: 50 }, tol, 110_000).replicas, 4);
    assert.equal(calculateReplicas(fresh, new Map([['a', 100], ['b', 100], ['c', 100]]), 3, { utilization: 50 }, tol, 116_000).replicas, 6);
    assert.throws(() => calculateReplicas([pod('a', { phase: 'Pending' })], new Map(), 1, { utilization: 50 }, tol, NOW), /did not receive metrics for targeted pods \(pods might be unready\)/);
    assert.throws(() => calculateReplicas([], new Map(), 1, { utilization: 50 }, tol, NOW), /no pods returned by selector while calculating replica count/);
  });

  it('applies behavior policies: scale-up max(4 pods, 100%) per 15 s, scale-down 100% per 15 s', () => {
    assert.equal(scaleUpLimit(1, [], [], scaleUpRules(undefined), 0), 5);
    assert.equal(scaleUpLimit(10, [], [], scaleUpRules(undefined), 0), 20);
    // 6 replicas added 10 s ago count against both policies: start 4 -> max(8, 8).
    assert.equal(scaleUpLimit(10, [{ replicaChange: 6, timestamp: 0, outdated: false }], [], scaleUpRules(undefined), 10_000), 8);
    assert.equal(scaleUpLimit(10, [{ replicaChange: 6, timestamp: 0, outdated: false }], [], scaleUpRules(undefined), 15_000), 20);
    assert.equal(scaleDownLimit(10, [], [], scaleDownRules(undefined), 0), 0);
    assert.equal(scaleDownLimit(10, [], [], scaleDownRules({ policies: [{ type: 'Pods', value: 2, periodSeconds: 60 }] }), 0), 8);
    assert.equal(formatMilli(250), '250m');
    assert.equal(formatMilli(1000), '1');
    assert.equal(formatMilli(1500), '1500m');
    assert.equal(formatMilli(0), '0');
  });

  describe('against a Deployment', () => {
    async function setup(usage: string, hpaSpec: Partial<HorizontalPodAutoscaler['spec']> = {}): Promise<Harness> {
      const h = controllerHarness();
      h.manager.add(new DeploymentController(h.ctx('deployment')));
      h.manager.add(new ReplicaSetController(h.ctx('replicaset')));
      h.manager.add(new HorizontalPodAutoscalerController(h.ctx('horizontalpodautoscaling')));
      h.manager.add(new FakeKubelet(h.ctx('kubelet'), { startMs: 1000 }));
      await h.informers.startAll();
      await h.store.create(node('node01'));
      const d = deployment('web', 2);
      d.metadata.annotations = { [CPU_USAGE_ANNOTATION]: usage };
      await h.store.create(d);
      // Pods are ready at 1 s; a minute later their samples are all valid.
      await h.manager.runUntil(60_000);
      const hpa: HorizontalPodAutoscaler = {
        apiVersion: 'autoscaling/v2',
        kind: 'HorizontalPodAutoscaler',
        metadata: { name: 'web', namespace: 'default' },
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
          minReplicas: 1,
          maxReplicas: 10,
          metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }],
          ...hpaSpec,
        },
      };
      await h.store.create(hpa);
      return h;
    }
    const replicas = async (h: Harness) => (await h.store.get<Deployment>('Deployment', 'default', 'web')).spec.replicas;
    const setUsage = async (h: Harness, usage: string) => {
      const d = structuredClone(await h.store.get<Deployment>('Deployment', 'default', 'web'));
      d.metadata.annotations = { [CPU_USAGE_ANNOTATION]: usage };
      await h.store.update(d);
    };

    it('scales 2 pods at 90% of request (target 50%) to 4, with the upstream event and status', async () => {
      const h = await setup('90m');
      // The first sync comes one period (15 s) after the HPA appears.
      const t0 = h.clock.now();
      await h.manager.runUntil(t0 + 14_999);
      assert.equal(await replicas(h), 2);
      await h.manager.runUntil(t0 + 15_000);
      assert.equal(await replicas(h), 4);
      assert.deepEqual(await eventsFor(h, 'web', 'HorizontalPodAutoscaler'), ['SuccessfulRescale: New size: 4; reason: cpu resource utilization (percentage of request) above target']);
      const st = (await h.store.get<HorizontalPodAutoscaler>('HorizontalPodAutoscaler', 'default', 'web')).status!;
      assert.deepEqual([st.currentReplicas, st.desiredReplicas], [2, 4]);
      assert.deepEqual(st.currentMetrics, [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 90, averageValue: '90m' } } }]);
      assert.deepEqual(
        st.conditions!.map((c) => [c.type, c.status, c.reason, c.message]),
        [
          ['AbleToScale', 'True', 'SucceededRescale', 'the HPA controller was able to update the target scale to 4'],
          ['ScalingActive', 'True', 'ValidMetricFound', 'the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)'],
          ['ScalingLimited', 'False', 'DesiredWithinRange', 'the desired count is within the acceptable range'],
        ],
      );
    });

    it('reports missing metrics while the pods are not running yet', async () => {
      const h = controllerHarness();
      h.manager.add(new HorizontalPodAutoscalerController(h.ctx('horizontalpodautoscaling')));
      await h.informers.startAll();
      await h.store.create(deployment('web', 2));
      await h.store.create<Pod>({ ...pod('web-1', { phase: 'Pending' }), metadata: { name: 'web-1', namespace: 'default', labels: { app: 'web' } } });
      await h.store.create<HorizontalPodAutoscaler>({
        apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'web', namespace: 'default' },
        spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, maxReplicas: 5 },
      });
      await h.manager.runUntil(15_000);
      assert.deepEqual(await eventsFor(h, 'web', 'HorizontalPodAutoscaler'), [
        'FailedGetResourceMetric: failed to get cpu utilization: unable to get metrics for resource cpu: no metrics returned from resource metrics API',
        'FailedComputeMetricsReplicas: invalid metrics (1 invalid out of 1), first error is: failed to get cpu resource metric value: failed to get cpu utilization: unable to get metrics for resource cpu: no metrics returned from resource metrics API',
      ]);
      const st = (await h.store.get<HorizontalPodAutoscaler>('HorizontalPodAutoscaler', 'default', 'web')).status!;
      assert.deepEqual(st.currentMetrics, [{ type: '' }]);
      const active = st.conditions!.find((c) => c.type === 'ScalingActive')!;
      assert.deepEqual([active.status, active.reason], ['False', 'FailedGetResourceMetric']);
    });

    it('clamps to maxReplicas and says so in ScalingLimited', async () => {
      const h = await setup('90m', { maxReplicas: 3 });
      await h.manager.runUntil(h.clock.now() + 15_000);
      assert.equal(await replicas(h), 3);
      const st = (await h.store.get<HorizontalPodAutoscaler>('HorizontalPodAutoscaler', 'default', 'web')).status!;
      const lim = st.conditions!.find((c) => c.type === 'ScalingLimited')!;
      assert.deepEqual([lim.status, lim.reason], ['True', 'TooManyReplicas']);
    });

    it('keeps the highest recommendation of the last 5 minutes before scaling down', async () => {
      const h = await setup('40m');
      const t0 = h.clock.now();
      const sizes: [number, number][] = [];
      h.informers.for<Deployment>('Deployment').on('update', (o, d) => {
        if (o.spec.replicas !== d.spec.replicas) sizes.push([h.clock.now() - t0, d.spec.replicas!]);
      });
      // 40% of request against 50%: ratio 0.8 -> ceil(1.6) = 2, no change; then the load drops at 60 s.
      await h.manager.runUntil(t0 + 60_000);
      await setUsage(h, '10m');
      await h.manager.runUntil(t0 + 600_000);
      // 10%: ceil(0.2 × 2) = 1, but the recommendation of 2 made at 60 s holds until 360 s.
      assert.deepEqual(sizes, [[375_000, 1]]);
      assert.deepEqual((await eventsFor(h, 'web', 'HorizontalPodAutoscaler')).slice(-1), ['SuccessfulRescale: New size: 1; reason: All metrics below target']);
      // Settled at one replica and an unchanging load, the HPA stops polling: the run is quiescent.
      assert.equal(await h.manager.runUntilQuiescent(t0 + 3_600_000), true);
      assert.ok(h.clock.now() < t0 + 3_600_000);
    });
  });
});
