// The scenario files of issue 4 item 7 (scenarios/*.yaml except guestbook): each converges
// with the real controllers (Deployments → pods → EndpointSlices) and every flow check in it
// passes. The expectations in the files come from how kube-proxy and Linux behave.
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { loadScenario } from '../../lib/scenario/load.js';
import { evaluateFlowCheck } from '../../lib/sim/flowcheck.js';
import { Simulation } from '../../lib/sim/simulation.js';

const root = fileURLToPath(new URL('../../scenarios/', import.meta.url));
const FILES = [
  'clusterip.yaml',
  'hairpin.yaml',
  'nodeport.yaml',
  'loadbalancer-local.yaml',
  'loadbalancer-cluster.yaml',
  'source-ranges.yaml',
  'session-affinity.yaml',
  'no-endpoints.yaml',
  'external-ips.yaml',
];

describe('scenarios: service routing checks', () => {
  for (const file of FILES) {
    it(file, async () => {
      const scenario = loadScenario(`${root}${file}`);
      const sim = new Simulation(scenario);
      await sim.bootstrap();
      await sim.converge();
      assert.deepEqual(sim.refused, []);
      const flows = scenario.checks.filter((c) => c.kind === 'flow');
      assert.ok(flows.length >= 2, 'each scenario has flow checks');
      for (const c of flows) {
        const r = await evaluateFlowCheck(sim, c);
        assert.equal(r.passed, true, `${c.name}: ${r.reasons.join('; ')}`);
      }
    });
  }
});
