// The controller tests' harness: test/reconcile/harness.ts's newHarness with the scenario seed chosen.
import { type Harness, newHarness, testCluster } from '../reconcile/harness.js';

/** newHarness(testCluster({seed})). */
export function controllerHarness(seed = 1): Harness {
  return newHarness(testCluster({ seed }));
}
