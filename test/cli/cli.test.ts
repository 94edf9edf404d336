import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { netsim } from './netsim.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const guestbook = join(root, 'scenarios/guestbook.yaml');


function tmpFile(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'netsim-cli-'));
  const f = join(dir, name);
  writeFileSync(f, text);
  return f;
}

describe('cli', () => {
  it('prints help and exits 0; an unknown command or flag exits 2 without a stack trace', async () => {
    const help = await netsim('--help');
    assert.equal(help.code, 0);
    assert.match(help.out, /^netsim — a Kubernetes networking and service-routing simulator/);
    assert.match(help.out, /\n {2}run {6}load a scenario/);
    const unknown = await netsim('frobnicate');
    assert.equal(unknown.code, 2);
    assert.equal(unknown.err, 'error: unknown command "frobnicate"; run `netsim --help` for the list');
    const flag = await netsim('run', guestbook, '--bogus');
    assert.equal(flag.code, 2);
    assert.match(flag.err, /^error: unknown flag: --bogus\nUsage: netsim run FILE/);
    assert.doesNotMatch(flag.err, /\n\s+at /);
  });

  it('run --json prints exactly one JSON object in the shape of spec §6', async () => {
    const r = await netsim('run', guestbook, '--json');
    assert.equal(r.code, 0, r.err);
    const report = JSON.parse(r.out);
    assert.equal(report.scenario, 'guestbook');
    assert.match(report.converged.simulatedTime, /^\d+(ms|s|m\d+s|h\d+m\d+s)$|^\d+m\d+(\.\d+)?s$/);
    assert.equal(typeof report.converged.objects, 'number');
    assert.ok(Array.isArray(report.checks));
    assert.equal(typeof report.passed, 'number');
    assert.equal(typeof report.failed, 'number');
  });

  it('is deterministic: the same scenario and seed give byte-identical JSON', async () => {
    const a = await netsim('run', guestbook, '--json');
    const b = await netsim('run', guestbook, '--json');
    assert.equal(a.out, b.out);
    const ya = await netsim('get', 'pods', '-A', '-f', guestbook, '-o', 'yaml');
    const yb = await netsim('get', 'pods', '-A', '-f', guestbook, '-o', 'yaml');
    assert.equal(ya.out, yb.out);
  });

  it('a scenario with five mistakes exits 2 and names each with file, document and field path', async () => {
    const f = join(root, 'test/scenario/testdata/five-mistakes.yaml');
    const r = await netsim('run', f);
    assert.equal(r.code, 2);
    const lines = r.err.split('\n');
    assert.equal(lines[0], 'error: the scenario has 5 problems:');
    assert.equal(lines.length, 6);
    for (const l of lines.slice(1)) assert.match(l, /^ {2}\S*five-mistakes\.yaml: document \d/);
  });

  it('run shows nodes with pod CIDRs, pods with IPs, services, slices and a pod\'s service environment', async () => {
    const r = await netsim('run', guestbook);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /\nNODES\n {2}NAME +STATUS +ROLES +INTERNAL-IP +POD-CIDR\n {2}master +Ready +control-plane +192\.168\.40\.128 +10\.244\.0\.0\/24\n {2}node01 +Ready +<none> +192\.168\.40\.129 +10\.244\.1\.0\/24\n {2}node02 +Ready +<none> +192\.168\.40\.130 +10\.244\.2\.0\/24\n/);
    // Application pods run on the workers only (the control plane is tainted), each with an IP of its node's CIDR.
    const pods = [...r.out.matchAll(/\n {2}default +(\S+) +1\/1 +Running +10\.244\.(\d)\.\d+ +(node0\d|master)/g)];
    assert.equal(pods.length, 6);
    for (const [, , cidr, node] of pods) assert.equal(node, `node0${cidr}`);
    assert.match(r.out, /\n {2}kube-system +kube-dns +ClusterIP +10\.96\.0\.10 +<none> +53\/UDP,53\/TCP,9153\/TCP\n/);
    assert.match(r.out, /\nENVIRONMENT of pod default\/frontend-\S+ \(container php-redis\)/);
    assert.match(r.out, /\n {2}REDIS_MASTER_SERVICE_HOST=10\.\d+\.\d+\.\d+\n {2}REDIS_MASTER_SERVICE_PORT=6379\n/);
    assert.match(r.out, /\n {2}KUBERNETES_SERVICE_HOST=10\.96\.0\.1\n/);
    assert.match(r.out, /\nchecks: 2 passed, 0 failed$/);
  });

  it('get services shows cluster IPs and node ports as kubectl does', async () => {
    const r = await netsim('get', 'svc', '-f', guestbook);
    assert.equal(r.code, 0, r.err);
    const lines = r.out.split('\n');
    assert.match(lines[0]!, /^NAME +TYPE +CLUSTER-IP +EXTERNAL-IP +PORT\(S\) +AGE$/);
    assert.match(r.out, /\nkubernetes +ClusterIP +10\.96\.0\.1 +<none> +443\/TCP +/);
    assert.match(r.out, /\nfrontend +NodePort +10\.\d+\.\d+\.\d+ +<none> +80:3\d{4}\/TCP +/);
    assert.match(r.out, /\nredis-master +ClusterIP +10\.\d+\.\d+\.\d+ +<none> +6379\/TCP +/);
  });

  it('get takes several kinds at once and names them as kubectl does', async () => {
    const r = await netsim('get', 'deploy,svc', '-f', guestbook);
    assert.equal(r.code, 0, r.err);
    const [deploys, services] = r.out.split('\n\n');
    assert.match(deploys!, /^NAME +READY +UP-TO-DATE +AVAILABLE +AGE\ndeployment\.apps\/frontend +3\/3 +3 +3 +\d+s\n/);
    assert.match(services!, /\nservice\/kubernetes +ClusterIP +10\.96\.0\.1 +<none> +443\/TCP +/);
    const names = await netsim('get', 'endpointslices', '-o', 'name', '-n', 'kube-system', '-f', guestbook);
    assert.match(names.out, /^endpointslice\.discovery\.k8s\.io\/kube-dns-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  });

  it('an unsatisfiable scenario converges as Kubernetes would: refusals reported, nothing else lost', async () => {
    const f = join(root, 'test/scenario/testdata/unsatisfiable.yaml');
    const r = await netsim('run', f, '--json');
    assert.equal(r.code, 0, r.err);
    const report = JSON.parse(r.out);
    assert.deepEqual(report.refused.map((x: { object: string; message: string }) => `${x.object}: ${x.message}`), [
      'Service default/s2: Service "s2" is invalid: spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated',
      'Service default/s3: Service "s3" is invalid: spec.clusterIPs: Invalid value: []string{"10.97.0.5"}: failed to allocate IP 10.97.0.5: the provided IP (10.97.0.5) is not in the valid range. The range of valid IPs is 10.96.0.0/28',
    ]);
    const svcs = await netsim('get', 'svc', '-o', 'name', '-f', f);
    assert.equal(svcs.out, 'service/kubernetes\nservice/s1\nservice/s4\nservice/s5');
    const events = await netsim('get', 'events', '-f', f);
    assert.match(events.out, /Warning +FailedScheduling +pod\/big +0\/3 nodes are available: 3 Insufficient cpu\./);
    assert.match(events.out, /Normal +CIDRNotAvailable +node\/c +Node c status is now: CIDRNotAvailable/);
  });

  it('refuses at load time what can never work: misspelt fields, impossible expectations, unknown nodes', async () => {
    const f = tmpFile('mistakes.yaml', [
      'apiVersion: netsim/v1alpha1', 'kind: Scenario', 'metadata: {name: m}',
      'cluster: {clusterCidr: 10.50.0.0/16, nodes: [{name: Bad_Node}]}',
      'timeline: [{at: 10s, nodeDown: node-9}]',
      'checks:',
      '  - {dns: {from: pod/x, name: y}, expect: {rcode: OK}}',
      '  - {flow: {from: pod/x, to: "y:80"}, expect: {verdict: ALLOW}}',
      '---',
      'apiVersion: batch/v1', 'kind: Job', 'metadata: {name: pi}',
      'spec: {template: {spec: {restartPolicy: Never, containers: [{name: pi, image: perl}]}}}',
    ].join('\n'));
    const r = await netsim('run', f);
    assert.equal(r.code, 2);
    const lines = r.err.split('\n').slice(1).map((l) => l.replace(/^.*mistakes\.yaml: document 1: /, ''));
    assert.deepEqual(lines.sort(), [
      'checks[0].expect.rcode: Unsupported value: "OK": supported values: "NOERROR", "NXDOMAIN", "SERVFAIL", "REFUSED", "FORMERR", "NOTIMP"',
      'checks[1].expect.verdict: Unsupported value: "ALLOW": supported values: "ACCEPT", "REJECT", "DROP", "NO_ROUTE"',
      'cluster.clusterCidr: Invalid value: "10.50.0.0/16": unknown field "clusterCidr"',
      `cluster.nodes[0].name: Invalid value: "Bad_Node": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
      'timeline[0].nodeDown: Not found: "node-9": no such node in cluster.nodes or the objects',
    ]);
  });

  it('dns query shows the pod\'s resolv.conf and refuses a type or port it cannot use', async () => {
    const r = await netsim('dns', 'query', '-f', guestbook, '--from', 'pod/frontend-*', 'redis-master');
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /\n {2}search default\.svc\.cluster\.local svc\.cluster\.local cluster\.local\n {2}nameserver 10\.96\.0\.10\n {2}options ndots:5\n/);
    assert.match(r.out, /\nresult: NOERROR \(redis-master\.default\.svc\.cluster\.local\.\) after 1 query$/);
    const bad = await netsim('dns', 'query', '-f', guestbook, '--from', 'pod/frontend-*', 'redis-master', 'BOGUS');
    assert.equal(bad.code, 2);
    assert.match(bad.err, /^error: unsupported query type "BOGUS"/);
    const port = await netsim('trace', '-f', guestbook, '--from', 'pod/frontend-*', '--to', 'redis-master:99999');
    assert.equal(port.code, 2);
    assert.equal(port.err, 'error: invalid address "redis-master:99999": port must be between 1 and 65535');
  });

  it('a trace to a headless Service name reaches each ready pod with equal chance (CoreDNS loadbalance)', async () => {
    const f = join(root, 'scenarios/statefulset-headless.yaml');
    const r = await netsim('trace', '-f', f, '--from', 'pod/client', '--to', 'nginx:80', '--json');
    assert.equal(r.code, 0, r.err);
    const t = JSON.parse(r.out);
    assert.equal(t.verdict, 'ACCEPT');
    assert.deepEqual(t.outcomes.map((o: { pod: string; probability: number }) => [o.pod, Number(o.probability.toFixed(6))]).sort(), [
      ['default/web-0', 0.333333], ['default/web-1', 0.333333], ['default/web-2', 0.333333],
    ]);
  });

  it('get of a missing object or kind is a clear error with exit 2', async () => {
    const missing = await netsim('get', 'svc', 'nope', '-f', guestbook);
    assert.equal(missing.code, 2);
    assert.equal(missing.err, 'error: services "nope" not found');
    const kind = await netsim('get', 'widgets', '-f', guestbook);
    assert.equal(kind.code, 2);
    assert.equal(kind.err, 'error: the server doesn\'t have a resource type "widgets"');
    const nofile = await netsim('get', 'pods');
    assert.equal(nofile.code, 2);
    assert.equal(nofile.err, 'error: get needs the scenario: -f FILE');
  });

  it('a YAML syntax error names the file, document and line', async () => {
    const f = tmpFile('broken.yaml', 'apiVersion: netsim/v1alpha1\nkind: Scenario\n---\nkind: Service\nmetadata: {name: [\n');
    const r = await netsim('run', f);
    assert.equal(r.code, 2);
    assert.match(r.err, /broken\.yaml: document 2: line \d+, column \d+: /);
  });
});
