// Flow checks (spec §5): the set of possible backends, the verdict and masquerading compared
// with a trace of the flow; `actual` is the §6 trace JSON.
import assert from 'node:assert/strict';
import type { Check } from '../../lib/scenario/types.js';
import { compareFlow, evaluateFlowCheck, flowCheckProblems } from '../../lib/sim/flowcheck.js';
import type { Simulation } from '../../lib/sim/simulation.js';
import { testCluster } from './fixtures.js';

function check(spec: Record<string, unknown>, expect: Record<string, unknown>, name = 'c'): Check {
  return { name, origin: { file: 'x.yaml', document: 1, path: 'checks[0]' }, kind: 'flow', spec, expect };
}

describe('lib/sim/flowcheck', () => {
  let sim: Simulation;
  before(async () => {
    sim = await testCluster();
  });

  it('passes when the backend set, verdict and masquerade match; actual is the §6 trace', async () => {
    const r = await evaluateFlowCheck(sim, check({ from: 'pod/client', to: 'web:80' }, { verdict: 'ACCEPT', endpoints: ['pod/web-*'], masquerade: false }, 'web'));
    assert.equal(r.passed, true, r.reasons.join('; '));
    assert.deepEqual([r.name, r.kind], ['web', 'flow']);
    assert.deepEqual(Object.keys(r.actual).slice(0, 7), ['from', 'to', 'protocol', 'node', 'verdict', 'outcomes', 'hops']);
    const exact = await evaluateFlowCheck(sim, check({ from: 'pod/client', to: 'web:80' }, { endpoints: ['pod/default/web-1', '10.244.2.7:8080'] }));
    assert.equal(exact.passed, true, exact.reasons.join('; '));
  });

  it('says which backend is missing or unexpected', async () => {
    const r = await evaluateFlowCheck(sim, check({ from: 'pod/client', to: 'service/default/web:80' }, { endpoints: ['pod/web-1', 'pod/db-*'] }));
    assert.equal(r.passed, false);
    assert.deepEqual(r.reasons, ['no possible backend matches pod/db-*', 'backend pod/default/web-2 (probability 0.5) is not among the expected endpoints']);
  });

  it('compares masquerade per backend (hairpin: only the pod itself is masqueraded)', async () => {
    const r = await evaluateFlowCheck(sim, check({ from: 'pod/web-1', to: 'web:80' }, { masquerade: true }));
    assert.deepEqual(r.reasons, ['pod/default/web-2: source is not masqueraded (backend sees 10.244.1.6), expected masquerade true']);
  });

  it('REJECT, DROP and NO_ROUTE verdicts with no backends', async () => {
    for (const [to, verdict, extra] of [
      ['service/default/empty:80', 'REJECT', {}],
      ['192.168.0.11:30081', 'DROP', { from: 'external/203.0.113.7' }],
      ['10.96.0.20:80', 'NO_ROUTE', { from: 'external/203.0.113.7' }],
    ] as const) {
      const r = await evaluateFlowCheck(sim, check({ from: 'pod/client', to, ...extra }, { verdict, endpoints: [] }));
      assert.equal(r.passed, true, `${to}: ${r.reasons.join('; ')}`);
    }
    const wrong = await evaluateFlowCheck(sim, check({ from: 'pod/client', to: 'service/default/empty:80' }, { verdict: 'ACCEPT' }));
    assert.deepEqual(wrong.reasons, ['verdict is REJECT, expected ACCEPT']);
  });

  it('sourceAddress and sticky (netsim additions)', async () => {
    const r = await evaluateFlowCheck(sim, check({ from: 'external/203.0.113.7', to: '172.18.255.1:80' }, { sourceAddress: '203.0.113.7', masquerade: false }));
    assert.equal(r.passed, true, r.reasons.join('; '));
    const s = await evaluateFlowCheck(sim, check({ from: 'pod/client', to: 'service/default/sticky:80' }, { sticky: true }));
    assert.equal(s.passed, true, s.reasons.join('; '));
    const n = await evaluateFlowCheck(sim, check({ from: 'pod/client', to: 'service/default/web:80' }, { sticky: true }));
    assert.equal(n.passed, false);
  });

  it('a flow that cannot be traced fails with the reason (no throw)', async () => {
    const r = await evaluateFlowCheck(sim, check({ from: 'pod/nope-*', to: 'web:80' }, { verdict: 'ACCEPT' }));
    assert.equal(r.passed, false);
    assert.deepEqual(r.reasons, ['the flow cannot be traced: pods "nope-*" not found']);
    assert.deepEqual(r.actual, { error: 'the flow cannot be traced: pods "nope-*" not found' });
  });

  it('reports malformed checks with their field paths', () => {
    assert.deepEqual(flowCheckProblems(check({ from: 'pod/a', to: 'web:80' }, { verdict: 'ACCEPT', endpoints: ['pod/a'], masquerade: false })), []);
    assert.deepEqual(
      flowCheckProblems(check({ to: 'pod/x:80', proto: 'icmp', port: 1 }, { verdict: 'OK', endpoints: ['svc/x'], masquerade: 'no', rcode: 'NOERROR' })),
      [
        'checks[0].flow.port: Unsupported value: must be one of from, to, via, proto',
        'checks[0].flow.from: Required value',
        'checks[0].flow.proto: Unsupported value: "icmp": supported values: "tcp", "udp", "sctp"',
        'checks[0].expect.rcode: Unsupported value: a flow check expects verdict, endpoints, masquerade, sourceAddress or sticky',
        'checks[0].expect.verdict: Unsupported value: "OK": supported values: "ACCEPT", "REJECT", "DROP", "NO_ROUTE"',
        'checks[0].expect.endpoints[0]: Invalid value: "svc/x": must be pod/NAME, pod/NS/NAME, pod/PREFIX*, node/NAME or ADDR:PORT',
        'checks[0].expect.masquerade: Invalid value: "no": must be true or false',
      ],
    );
  });

  it('compareFlow on a hand-written trace: mixed verdicts do not pass as one', () => {
    const base = { from: '1.1.1.1', to: '2.2.2.2:80', protocol: 'TCP', node: 'n', hops: [], sourcePort: 1 };
    const o = (verdict: 'ACCEPT' | 'DROP', pod?: string) => ({
      ...(pod ? { pod, endpoint: '10.0.0.1:80' } : {}),
      node: 'n',
      probability: 0.5,
      masquerade: false,
      sourceAddress: '1.1.1.1',
      verdict,
      reason: '',
      conntrack: [],
      hops: [],
    });
    const mixed = { ...base, verdict: 'ACCEPT' as const, verdicts: { ACCEPT: 0.5, DROP: 0.5 }, outcomes: [o('ACCEPT', 'default/a'), o('DROP')] };
    assert.deepEqual(compareFlow({ verdict: 'ACCEPT', endpoints: ['pod/a'] }, mixed), ['not every outcome is ACCEPT: {"ACCEPT":0.5,"DROP":0.5}']);
  });
});
