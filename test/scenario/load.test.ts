import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { ScenarioError, loadScenario } from '../../lib/scenario/load.js';

const data = (f: string) => fileURLToPath(new URL(`./testdata/${f}`, import.meta.url));

function problemsOf(file: string, opts = {}): string[] {
  try {
    loadScenario(file, opts);
  } catch (e) {
    if (e instanceof ScenarioError) return [...e.problems];
    throw e;
  }
  assert.fail('expected a ScenarioError');
}

describe('scenario/load', () => {
  it('fills kubeadm defaults for an empty cluster', () => {
    const s = loadScenario(data('include.yaml'));
    const c = s.cluster;
    assert.deepEqual(c.clusterCIDR, ['10.244.0.0/16']);
    assert.deepEqual(c.serviceCIDR, ['10.96.0.0/12']);
    assert.equal(c.nodeCIDRMaskSize, 24);
    assert.equal(c.dnsServiceIP, '10.96.0.10');
    assert.equal(c.dnsDomain, 'cluster.local');
    assert.deepEqual(c.nodePortRange, { base: 30000, size: 2768 });
    assert.equal(c.proxy.mode, 'iptables');
    assert.equal(c.proxy.clusterCIDR, '10.244.0.0/16');
    assert.equal(c.proxy.iptables.masqueradeBit, 14);
    assert.equal(c.dns.ttl, 30);
    assert.equal(c.seed, 1);
  });

  it('expands generated nodes, included Lists and extra documents', () => {
    const s = loadScenario(data('include.yaml'));
    assert.deepEqual(s.cluster.nodes.map((n) => n.name), ['cp', 'worker-1', 'worker-2', 'worker-3']);
    assert.deepEqual(s.cluster.nodes[0]!.addresses, [{ type: 'InternalIP', address: '192.168.0.10' }]);
    assert.deepEqual(s.cluster.nodes[2]!.labels, { 'topology.kubernetes.io/zone': 'zone-a' });
    assert.deepEqual(
      s.objects.map((o) => `${o.object.kind}/${o.object.metadata.namespace ?? ''}/${o.object.metadata.name} @ ${o.origin.file.replace(/^.*\//, '')}#${o.origin.document}${o.origin.path ? `:${o.origin.path}` : ''}`),
      [
        'Namespace//tools @ include.yaml#1:objects[0]',
        'Service/shop/api @ app.yaml#1:items[0]',
        'ConfigMap/shop/settings @ app.yaml#1:items[1]',
        'Pod/tools/debug @ include.yaml#2',
      ],
    );
    assert.deepEqual(s.implicitNamespaces, ['shop']);
    // Timeline entries are ordered by time.
    assert.deepEqual(s.timeline.map((t) => [t.at, t.action.type]), [[30_000, 'nodeDown'], [60_000, 'scale']]);
  });

  it('defaults objects as the API server does', () => {
    const s = loadScenario(data('include.yaml'));
    const svc = s.objects[1]!.object as unknown as { spec: { type: string; sessionAffinity: string; ports: { protocol: string; targetPort: number }[] } };
    assert.equal(svc.spec.type, 'ClusterIP');
    assert.equal(svc.spec.sessionAffinity, 'None');
    assert.equal(svc.spec.ports[0]!.protocol, 'TCP');
    assert.equal(svc.spec.ports[0]!.targetPort, 8080);
  });

  it('reports five different mistakes at once, each with file, document and field path', () => {
    const problems = problemsOf(data('five-mistakes.yaml')).map((p) => p.replace(/^.*testdata\//, ''));
    assert.equal(problems.length, 5, problems.join('\n'));
    const expectSome = (re: RegExp) => assert.ok(problems.some((p) => re.test(p)), `${re} not in:\n${problems.join('\n')}`);
    expectSome(/^five-mistakes\.yaml: document 1: cluster\.clusterCIDR: Invalid value: "10\.244\.3\.7\/16": /);
    expectSome(/^five-mistakes\.yaml: document 2 \(Service "default\/web"\): spec\.ports\[0\]\.port: Invalid value: 70000: must be between 1 and 65535, inclusive$/);
    expectSome(/^five-mistakes\.yaml: document 2 \(Service "default\/web"\): spec\.ports\[1\]\.name: Duplicate value: "http"$/);
    expectSome(/^five-mistakes\.yaml: document 3 \(Deployment "default\/Bad_Name"\): metadata\.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of/);
    expectSome(/^five-mistakes\.yaml: document 4: kind "Gateway" \(apiVersion "gateway\.networking\.k8s\.io\/v1"\) is not supported by netsim; use --allow-unknown to ignore it$/);
  });

  it('ignores unknown kinds with allowUnknown', () => {
    const problems = problemsOf(data('five-mistakes.yaml'), { allowUnknown: true });
    assert.equal(problems.length, 4);
  });

  it('names a missing file and a YAML syntax error precisely', () => {
    assert.deepEqual(problemsOf('/nonexistent/x.yaml').map((p) => p.replace(/^.*x\.yaml/, 'x.yaml')), ['x.yaml: cannot read: no such file']);
  });
});
