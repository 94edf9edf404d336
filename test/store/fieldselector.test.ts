import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { KubeObject } from '../../lib/api/meta.js';
import { fieldValue, parseFieldSelector, selectableFields } from '../../lib/store/fieldselector.js';

const badRequest = (message: string) => (e: unknown) => {
  const err = e as { reason?: string; code?: number; message?: string };
  assert.equal(err.reason, 'BadRequest');
  assert.equal(err.code, 400);
  assert.equal(err.message, message);
  return true;
};

const pod: KubeObject = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web-0', namespace: 'prod' },
  spec: { containers: [], nodeName: 'node-3', restartPolicy: 'Always', schedulerName: 'default-scheduler', serviceAccountName: 'web', hostNetwork: true },
  status: { phase: 'Running', podIP: '10.244.3.9', nominatedNodeName: 'node-4' },
};
const bare: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'bare', namespace: 'prod' }, spec: { containers: [] } };

describe('field selectors', () => {
  it('reads every selectable pod field as the API server formats it', () => {
    const got = Object.fromEntries(selectableFields('Pod').map((f) => [f, fieldValue('Pod', pod, f)]));
    assert.deepEqual(got, {
      'metadata.name': 'web-0',
      'metadata.namespace': 'prod',
      'spec.hostNetwork': 'true',
      'spec.nodeName': 'node-3',
      'spec.restartPolicy': 'Always',
      'spec.schedulerName': 'default-scheduler',
      'spec.serviceAccountName': 'web',
      'status.nominatedNodeName': 'node-4',
      'status.phase': 'Running',
      'status.podIP': '10.244.3.9',
    });
    const empty = Object.fromEntries(selectableFields('Pod').map((f) => [f, fieldValue('Pod', bare, f)]));
    assert.equal(empty['spec.hostNetwork'], 'false');
    assert.equal(empty['spec.nodeName'], '');
    assert.equal(empty['status.phase'], '');
  });

  it('knows the node, service, namespace and event fields', () => {
    assert.deepEqual(selectableFields('Node'), ['metadata.name', 'metadata.namespace', 'spec.unschedulable']);
    assert.deepEqual(selectableFields('Service'), ['metadata.name', 'metadata.namespace', 'spec.clusterIP', 'spec.type']);
    assert.deepEqual(selectableFields('ConfigMap'), ['metadata.name', 'metadata.namespace']);
    const node: KubeObject = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' }, spec: {} };
    assert.ok(parseFieldSelector('Node', 'spec.unschedulable=false').matches(node));
    assert.ok(parseFieldSelector('Node', 'metadata.namespace=').matches(node), 'a cluster-scoped object has namespace ""');
    const ev: KubeObject = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'web-0.17f', namespace: 'prod' },
      involvedObject: { kind: 'Pod', name: 'web-0', namespace: 'prod', uid: 'u1', apiVersion: 'v1', fieldPath: 'spec.containers{app}' },
      reason: 'Scheduled',
      type: 'Normal',
      source: { component: 'default-scheduler' },
      reportingComponent: 'default-scheduler',
    };
    assert.ok(
      parseFieldSelector('Event', 'involvedObject.kind=Pod,involvedObject.name=web-0,involvedObject.namespace=prod,involvedObject.uid=u1,reason=Scheduled,type=Normal,source=default-scheduler').matches(ev),
    );
    assert.ok(!parseFieldSelector('Event', 'type=Warning').matches(ev));
    const svc: KubeObject = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'prod' }, spec: { type: 'NodePort', clusterIP: '10.96.0.10' } };
    assert.ok(parseFieldSelector('Service', 'spec.type=NodePort,spec.clusterIP=10.96.0.10').matches(svc));
  });

  it('applies =, == and != and ANDs the terms', () => {
    const m = (s: string) => parseFieldSelector('Pod', s).matches(pod);
    assert.equal(m('spec.nodeName=node-3'), true);
    assert.equal(m('spec.nodeName==node-3'), true);
    assert.equal(m('spec.nodeName!=node-3'), false);
    assert.equal(m('status.phase!=Failed,spec.nodeName=node-3'), true);
    assert.equal(m('status.phase!=Failed,spec.nodeName=node-4'), false);
    assert.equal(m('spec.nodeName='), false);
    assert.equal(parseFieldSelector('Pod', 'spec.nodeName=').matches(bare), true);
  });

  it('treats empty text and empty terms as everything', () => {
    assert.ok(parseFieldSelector('Pod', '').empty());
    assert.ok(parseFieldSelector('Pod', ',').empty());
    assert.ok(parseFieldSelector('Pod', '').matches(bare));
    assert.equal(parseFieldSelector('Pod', '').toString(), '');
  });

  it('prints terms sorted, values escaped', () => {
    assert.equal(parseFieldSelector('Pod', 'status.phase!=Failed,metadata.name==a\\,b').toString(), 'metadata.name==a\\,b,status.phase!=Failed');
    const s = parseFieldSelector('Pod', 'metadata.name=a\\,b\\=c');
    assert.deepEqual(s.requirements, [{ field: 'metadata.name', operator: '=', value: 'a,b=c' }]);
  });

  it('splits a term at the first operator, as apimachinery', () => {
    assert.deepEqual(parseFieldSelector('Pod', 'metadata.name=x!=y').requirements, [{ field: 'metadata.name', operator: '=', value: 'x!=y' }]);
    assert.deepEqual(parseFieldSelector('Pod', 'metadata.name!=x=y').requirements, [{ field: 'metadata.name', operator: '!=', value: 'x=y' }]);
  });

  it('rejects unsupported fields and malformed terms with BadRequest', () => {
    assert.throws(() => parseFieldSelector('Pod', 'spec.foo=bar'), badRequest('field label not supported: spec.foo'));
    assert.throws(() => parseFieldSelector('Service', 'spec.nodeName=x'), badRequest('field label not supported: spec.nodeName'));
    // Terms are checked in sorted order.
    assert.throws(() => parseFieldSelector('Pod', 'z.bad=1,a.bad=2'), badRequest('field label not supported: a.bad'));
    assert.throws(() => parseFieldSelector('Pod', 'spec.nodeName'), badRequest("invalid selector: 'spec.nodeName'; can't understand 'spec.nodeName'"));
    assert.throws(() => fieldValue('Node', pod, 'spec.nodeName'), badRequest('field label not supported: spec.nodeName'));
  });

  it('matches exactly when the text round-trips through toString (property)', () => {
    const value = fc.string({ unit: fc.constantFrom('a', 'b', '-', ',', '=', '\\', '.', '1') , maxLength: 8 });
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom('spec.nodeName', 'status.phase', 'metadata.name'), fc.constantFrom('=', '==', '!='), value), { maxLength: 4 }), (terms) => {
        const text = terms.map(([f, op, v]) => `${f}${op}${v.replace(/[\\,=]/g, (c) => `\\${c}`)}`).join(',');
        const a = parseFieldSelector('Pod', text);
        const b = parseFieldSelector('Pod', a.toString());
        assert.deepEqual(b.requirements, a.requirements);
        assert.equal(b.matches(pod), a.matches(pod));
        const want = terms.every(([f, op, v]) => (op === '!=' ? fieldValue('Pod', pod, f) !== v : fieldValue('Pod', pod, f) === v));
        assert.equal(a.matches(pod), want);
      }),
      { seed: 42, numRuns: 300 },
    );
  });
});
