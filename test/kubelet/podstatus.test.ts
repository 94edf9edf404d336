import assert from 'node:assert/strict';
import { imageID, normalizeImage, setCondition, sharedCondition, simTimestamp } from '../../lib/kubelet/podstatus.js';
import { readyAt } from '../../lib/kubelet/probe.js';

describe('pod status pieces', () => {
  it('normalizes image references as containerd reports them', () => {
    const table: [string, string][] = [
      ['redis', 'docker.io/library/redis:latest'],
      ['nginx:1.27', 'docker.io/library/nginx:1.27'],
      ['gcr.io/google-samples/gb-frontend:v4', 'gcr.io/google-samples/gb-frontend:v4'],
      ['bitnami/redis', 'docker.io/bitnami/redis:latest'],
      ['localhost:5000/app', 'localhost:5000/app:latest'],
      ['registry.k8s.io/pause@sha256:abc', 'registry.k8s.io/pause@sha256:abc'],
    ];
    for (const [image, want] of table) assert.equal(normalizeImage(image), want, image);
    assert.match(imageID('redis:7'), /^docker\.io\/library\/redis@sha256:[0-9a-f]{64}$/);
    assert.equal(imageID('redis:7'), imageID('docker.io/library/redis:7'));
  });

  it('moves a condition transition time only when its status changes', () => {
    const a = setCondition(undefined, { type: 'Ready', status: 'False', reason: 'ContainersNotReady' }, 'T0');
    const b = setCondition(a, { type: 'Ready', status: 'False', reason: 'Other' }, 'T1');
    const c = setCondition(b, { type: 'Ready', status: 'True' }, 'T2');
    assert.deepEqual(a, [{ type: 'Ready', status: 'False', reason: 'ContainersNotReady', lastTransitionTime: 'T0' }]);
    assert.deepEqual(b, [{ type: 'Ready', status: 'False', reason: 'Other', lastTransitionTime: 'T0' }]);
    assert.deepEqual(c, [{ type: 'Ready', status: 'True', lastTransitionTime: 'T2' }]);
    assert.equal(setCondition(c, { type: 'Ready', status: 'True' }, 'T3'), c);
  });

  it('shares equal conditions between pods, in the kubelet key order', () => {
    const a = sharedCondition('Ready', 'False', 'ContainersNotReady', 'containers with unready status: [app]', 'T0');
    assert.equal(sharedCondition('Ready', 'False', 'ContainersNotReady', 'containers with unready status: [app]', 'T0'), a);
    assert.equal(JSON.stringify(a), '{"type":"Ready","status":"False","reason":"ContainersNotReady","message":"containers with unready status: [app]","lastTransitionTime":"T0"}');
    assert.notEqual(sharedCondition('Ready', 'False', 'ContainersNotReady', 'containers with unready status: [app]', 'T1'), a);
    assert.equal(JSON.stringify(sharedCondition('Ready', 'True', undefined, undefined, 'T0')), '{"type":"Ready","status":"True","lastTransitionTime":"T0"}');
    // Whole seconds, as the API shows them: instants within a second give the same text.
    assert.equal(simTimestamp(1999), '2026-01-01T00:00:01Z');
    assert.equal(simTimestamp(61_000), '2026-01-01T00:01:01Z');
  });

  it('computes readiness as the prober worker ticks', () => {
    const c = (initialDelaySeconds?: number, periodSeconds?: number, successThreshold?: number) => ({
      name: 'c', readinessProbe: { tcpSocket: { port: 80 }, initialDelaySeconds, periodSeconds, successThreshold },
    });
    assert.equal(readyAt({ name: 'c' }, 0, 1000), 1000);
    assert.equal(readyAt(c(), 0, 1000), 10_000);
    assert.equal(readyAt(c(0, 10), 0, 0), 0);
    assert.equal(readyAt(c(5, 10), 0, 1000), 10_000);
    assert.equal(readyAt(c(10, 10), 0, 1000), 20_000);
    assert.equal(readyAt(c(9, 10), 0, 1000), 10_000);
    assert.equal(readyAt(c(0, 1, 3), 0, 1000), 3000);
    // Ticks at 2 s + 5 s·k; at 32 s the container has run 29.5 s (29 whole seconds < 30).
    assert.equal(readyAt(c(30, 5), 2000, 2500), 37_000);
  });
});
