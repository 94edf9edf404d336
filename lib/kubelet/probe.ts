// When a container turns ready, as the kubelet's prober worker decides it (pkg/kubelet/prober/
// worker.go): the worker is created when the pod is admitted and probes at once, then every
// periodSeconds; a probe is skipped while the container is not running or has run for fewer
// than initialDelaySeconds (whole seconds, truncated); successThreshold successes in a row
// make it ready. Probes always succeed in the simulation.
import type { Container } from '../api/types.js';

/** Simulated time (ms) the container becomes ready; `startedAt` when it has no readiness probe. */
export function readyAt(c: Container, admittedAt: number, startedAt: number): number {
  const p = c.readinessProbe;
  if (!p) return startedAt;
  const period = Math.max(1, p.periodSeconds ?? 10) * 1000;
  const initialDelay = Math.max(0, p.initialDelaySeconds ?? 0);
  const successes = Math.max(1, p.successThreshold ?? 1);
  // The first tick at which the container has run for initialDelay whole seconds
  // (trunc(ms/1000) >= d  <=>  ms >= 1000 d).
  const k = Math.max(0, Math.ceil((startedAt - admittedAt + initialDelay * 1000) / period));
  return admittedAt + (k + successes - 1) * period;
}
