// `netsim trace` and `netsim rules` on the scenario files, called as the command table calls
// them (parsed flags in, exit code out; invalid input throws a UsageError/StatusError that
// main turns into exit 2).
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError, isStatusError } from '../../lib/api/errors.js';
import { rulesCommand } from '../../lib/cli/rules.js';
import { traceCommand } from '../../lib/cli/trace.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const scenario = (name: string) => join(root, 'scenarios', name);

async function run(cmd: typeof traceCommand, values: Record<string, unknown>): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await cmd({ values, positionals: [] }, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('cli: netsim trace', () => {
  it('tells the story of a hairpin connection, then the outcome table', async () => {
    const r = await run(traceCommand, { filename: scenario('hairpin.yaml'), from: 'pod/echo-*', to: 'echo:80' });
    assert.equal(r.code, 0);
    const lines = r.out.split('\n');
    assert.match(lines[0]!, /^trace TCP 10\.244\.0\.3:\d+ → 10\.\d+\.\d+\.\d+:80$/);
    assert.match(lines[1]!, /^ {2}from {2}pod default\/echo-[a-z0-9]+-[a-z0-9]+ \(10\.244\.0\.3\) on node-1$/);
    assert.match(lines[2]!, /^ {2}to {4}echo:80 → echo\.default\.svc\.cluster\.local\. = 10\.\d+\.\d+\.\d+, resolved as pod default\/echo-\S+ would$/);
    assert.match(r.out, /\noutcome 1 of 1: ACCEPT 10\.244\.0\.3:8080 \(pod default\/echo-\S+ on node-1\), probability 1\n/);
    assert.match(r.out, /\n {2}\[node-1, pod default\/echo-\S+\]\n/);
    assert.match(r.out, /\n {2}\[node-1, root namespace\]\n/);
    assert.match(r.out, /→ jump KUBE-MARK-MASQ\n/);
    assert.match(r.out, /MASQUERADE \(the address of cni0\): source 10\.244\.0\.3 → 10\.244\.0\.1/);
    assert.match(r.out, /hairpin: the bridge sends it back out veth[0-9a-f]{8}, the port it came from \(hairpin mode\)/);
    assert.match(r.out, /\n {2}reply \(reaches the client\): the client receives the reply from 10\.\d+\.\d+\.\d+:80, the address it connected to\n/);
    assert.match(lines.at(-2)!, /^PROBABILITY +VERDICT +ENDPOINT +POD +NODE +MASQUERADE +SOURCE SEEN$/);
    assert.match(lines.at(-1)!, /^1 +ACCEPT +10\.244\.0\.3:8080 +default\/echo-\S+ +node-1 +yes +10\.244\.0\.1$/);
  });

  it('--json prints one object in the shape of spec §6, the same every time', async () => {
    const args = { filename: scenario('loadbalancer-cluster.yaml'), from: 'external/203.0.113.7', to: '172.18.255.20:80', json: true };
    const a = await run(traceCommand, args);
    const b = await run(traceCommand, args);
    assert.equal(a.code, 0);
    assert.equal(a.out, b.out);
    const j = JSON.parse(a.out);
    assert.deepEqual(Object.keys(j).slice(0, 7), ['from', 'to', 'protocol', 'node', 'verdict', 'outcomes', 'hops']);
    assert.deepEqual([j.from, j.to, j.protocol, j.node, j.verdict], ['203.0.113.7', '172.18.255.20:80', 'TCP', 'node-1', 'ACCEPT']);
    // Two nodes × two replicas, each 1/4; every backend sees a node address.
    assert.deepEqual(
      j.outcomes.map((o: { probability: number; node: string; masquerade: boolean; sourceAddress: string }) => [o.probability, o.node, o.masquerade, o.sourceAddress]),
      [
        [0.25, 'node-2', true, '192.168.0.11'],
        [0.25, 'node-2', true, '192.168.0.11'],
        [0.25, 'node-2', true, '10.244.1.1'],
        [0.25, 'node-2', true, '10.244.1.1'],
      ],
    );
  });

  it('honours --via, --proto and --at', async () => {
    const r = await run(traceCommand, { filename: scenario('no-endpoints.yaml'), from: 'external/203.0.113.7', to: '10.96.0.10:53', via: 'node-2', proto: 'udp', at: '30s', json: true });
    const j = JSON.parse(r.out);
    assert.deepEqual([j.protocol, j.node], ['UDP', 'node-2']);
    assert.match(j.outcomes[0].pod, /^kube-system\/coredns-/);
  });

  it('rejects bad input with a clear message', async () => {
    const f = scenario('hairpin.yaml');
    await assert.rejects(run(traceCommand, { filename: f, from: 'pod/echo-*' }), new UsageError('trace needs a source and a destination: --from SRC --to DST'));
    await assert.rejects(run(traceCommand, { filename: f, from: 'pod/echo-*', to: 'echo:80', via: 'node-1' }), new UsageError('--via applies only to ip/ADDR and external/ADDR sources'));
    await assert.rejects(run(traceCommand, { filename: f, from: 'pod/echo-*', to: 'echo:80', proto: 'icmp' }), new UsageError('invalid protocol "icmp": must be one of tcp, udp, sctp'));
    await assert.rejects(run(traceCommand, { filename: f, from: 'service/default/echo:80', to: 'echo:80' }), /--from must be a source/);
    await assert.rejects(run(traceCommand, { filename: f, from: 'node/node-1', to: 'echo:80' }), /a DNS name resolves as a pod would/);
    await assert.rejects(run(traceCommand, { filename: f, from: 'pod/echo-*', to: 'nosuch:80' }), /^UsageError: nosuch: [A-Z]+ \(resolved from pod default\/echo-\S+, \d+ quer(y|ies)\)$/);
    await assert.rejects(run(traceCommand, { from: 'pod/a', to: 'b:1' }), new UsageError('trace needs the scenario: -f FILE'));
  });

  it('refuses proxy modes it does not model yet', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'netsim-trace-'));
    const f = join(dir, 'ipvs.yaml');
    writeFileSync(f, 'apiVersion: netsim/v1alpha1\nkind: Scenario\nmetadata: {name: ipvs}\ncluster:\n  proxy: {mode: ipvs}\n  nodes: [{name: n1}]\n');
    await assert.rejects(run(traceCommand, { filename: f, from: 'node/n1', to: '10.96.0.1:443' }), new UsageError('trace: cluster.proxy.mode ipvs is not implemented yet in this version (only iptables)'));
    await assert.rejects(run(rulesCommand, { filename: f, node: 'n1' }), new UsageError('--format ipvsadm: not implemented yet in this version (only iptables-save)'));
  });
});

describe('cli: netsim rules', () => {
  it('prints the node\'s iptables-save ruleset', async () => {
    const r = await run(rulesCommand, { filename: scenario('nodeport.yaml'), node: 'node-1' });
    assert.equal(r.code, 0);
    assert.match(r.out, /^\*mangle\n/);
    assert.match(r.out, /\n-A KUBE-NODEPORTS -p tcp -m comment --comment "default\/web" -m tcp --dport 30080 -j KUBE-EXT-[A-Z2-7]{16}\n/);
    assert.match(r.out, /\nCOMMIT$/);
    // Only kube-proxy's rules: flannel's own chains are not the service proxy's.
    assert.doesNotMatch(r.out, /FLANNEL/);
  });

  it('--json gives the text and kube-proxy\'s rule counts', async () => {
    const r = await run(rulesCommand, { filename: scenario('nodeport.yaml'), node: 'node-2', format: 'iptables-save', json: true });
    const j = JSON.parse(r.out);
    assert.deepEqual(Object.keys(j), ['node', 'format', 'natRules', 'filterRules', 'text']);
    assert.equal(j.node, 'node-2');
    assert.ok(j.natRules > 10 && j.filterRules > 0);
  });

  it('rejects unknown nodes and formats', async () => {
    const f = scenario('nodeport.yaml');
    await assert.rejects(run(rulesCommand, { filename: f, node: 'node-9' }), (e: unknown) => isStatusError(e) && e.reason === 'NotFound' && e.message === 'nodes "node-9" not found');
    await assert.rejects(run(rulesCommand, { filename: f, node: 'node-1', format: 'nft' }), new UsageError('--format nft: not implemented yet in this version (only iptables-save)'));
    await assert.rejects(run(rulesCommand, { filename: f, node: 'node-1', format: 'pf' }), new UsageError('--format: unsupported format "pf": must be one of iptables-save, ipvsadm, nft'));
    await assert.rejects(run(rulesCommand, { filename: f }), new UsageError('rules needs a node: --node NODE'));
  });
});
