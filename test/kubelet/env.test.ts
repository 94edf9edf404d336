import assert from 'node:assert/strict';
import type { Pod, Service } from '../../lib/api/types.js';
import { expand, podEnvironment } from '../../lib/kubelet/env.js';

const T0 = '2026-01-01T00:00:00Z';
const T1 = '2026-01-01T00:05:00Z';

function svc(name: string, clusterIP: string, ports: Service['spec']['ports'], o: { namespace?: string; created?: string; type?: Service['spec']['type'] } = {}): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: o.namespace ?? 'default', creationTimestamp: o.created ?? T0 },
    spec: { type: o.type ?? 'ClusterIP', clusterIP, ports },
  };
}

/** The guestbook's Services (kubernetes/examples guestbook), as a kubeadm cluster allocates them. */
const guestbook: Service[] = [
  svc('kubernetes', '10.96.0.1', [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }]),
  svc('redis-master', '10.96.140.12', [{ port: 6379, protocol: 'TCP', targetPort: 6379 }]),
  svc('redis-slave', '10.96.88.201', [{ port: 6379, protocol: 'TCP', targetPort: 6379 }]),
  svc('frontend', '10.96.54.3', [{ port: 80, protocol: 'TCP', targetPort: 80, nodePort: 30080 }], { type: 'NodePort' }),
];

function frontendPod(o: { enableServiceLinks?: boolean; env?: { name: string; value?: string }[]; namespace?: string } = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'frontend-6c6d8f7b9-x2x4q', namespace: o.namespace ?? 'default' },
    spec: {
      enableServiceLinks: o.enableServiceLinks ?? true,
      containers: [{ name: 'php-redis', image: 'gcr.io/google-samples/gb-frontend:v4', env: o.env ?? [{ name: 'GET_HOSTS_FROM', value: 'dns' }] }],
    },
    status: {
      phase: 'Running',
      startTime: '2026-01-01T00:01:00Z',
      containerStatuses: [{ name: 'php-redis', ready: true, restartCount: 0, state: { running: { startedAt: '2026-01-01T00:01:01Z' } } }],
    },
  };
}

const KUBERNETES_VARS = [
  'KUBERNETES_PORT=tcp://10.96.0.1:443',
  'KUBERNETES_PORT_443_TCP=tcp://10.96.0.1:443',
  'KUBERNETES_PORT_443_TCP_ADDR=10.96.0.1',
  'KUBERNETES_PORT_443_TCP_PORT=443',
  'KUBERNETES_PORT_443_TCP_PROTO=tcp',
  'KUBERNETES_SERVICE_HOST=10.96.0.1',
  'KUBERNETES_SERVICE_PORT=443',
  'KUBERNETES_SERVICE_PORT_HTTPS=443',
];

const lines = (vars: { name: string; value: string }[]) => vars.map((v) => `${v.name}=${v.value}`);

describe('podEnvironment', () => {
  it('gives a guestbook frontend pod the docker-link and service variables of its namespace', () => {
    assert.deepEqual(lines(podEnvironment(frontendPod(), guestbook)), [
      'FRONTEND_PORT=tcp://10.96.54.3:80',
      'FRONTEND_PORT_80_TCP=tcp://10.96.54.3:80',
      'FRONTEND_PORT_80_TCP_ADDR=10.96.54.3',
      'FRONTEND_PORT_80_TCP_PORT=80',
      'FRONTEND_PORT_80_TCP_PROTO=tcp',
      'FRONTEND_SERVICE_HOST=10.96.54.3',
      'FRONTEND_SERVICE_PORT=80',
      'GET_HOSTS_FROM=dns',
      ...KUBERNETES_VARS,
      'REDIS_MASTER_PORT=tcp://10.96.140.12:6379',
      'REDIS_MASTER_PORT_6379_TCP=tcp://10.96.140.12:6379',
      'REDIS_MASTER_PORT_6379_TCP_ADDR=10.96.140.12',
      'REDIS_MASTER_PORT_6379_TCP_PORT=6379',
      'REDIS_MASTER_PORT_6379_TCP_PROTO=tcp',
      'REDIS_MASTER_SERVICE_HOST=10.96.140.12',
      'REDIS_MASTER_SERVICE_PORT=6379',
      'REDIS_SLAVE_PORT=tcp://10.96.88.201:6379',
      'REDIS_SLAVE_PORT_6379_TCP=tcp://10.96.88.201:6379',
      'REDIS_SLAVE_PORT_6379_TCP_ADDR=10.96.88.201',
      'REDIS_SLAVE_PORT_6379_TCP_PORT=6379',
      'REDIS_SLAVE_PORT_6379_TCP_PROTO=tcp',
      'REDIS_SLAVE_SERVICE_HOST=10.96.88.201',
      'REDIS_SLAVE_SERVICE_PORT=6379',
    ]);
  });

  it('keeps only the master service with enableServiceLinks: false', () => {
    assert.deepEqual(lines(podEnvironment(frontendPod({ enableServiceLinks: false, env: [] }), guestbook)), KUBERNETES_VARS);
  });

  it('leaves out Services created after the container started, headless and ExternalName Services, and other namespaces', () => {
    const extra = [
      svc('late', '10.96.1.1', [{ port: 80 }], { created: T1 }),
      svc('headless', 'None', [{ port: 80 }]),
      { ...svc('ext', '', [{ port: 80 }], { type: 'ExternalName' }), spec: { type: 'ExternalName' as const, externalName: 'example.com' } },
      svc('elsewhere', '10.96.2.2', [{ port: 80 }], { namespace: 'other' }),
    ];
    const names = podEnvironment(frontendPod({ env: [] }), [...guestbook, ...extra]).map((v) => v.name);
    for (const prefix of ['LATE_', 'HEADLESS_', 'EXT_', 'ELSEWHERE_']) assert.ok(!names.some((n) => n.startsWith(prefix)), prefix);
    // In its own namespace a pod sees its Services and still the default kubernetes Service.
    const other = podEnvironment(frontendPod({ namespace: 'other', env: [] }), [...guestbook, ...extra]).map((v) => v.name);
    assert.deepEqual(other.filter((n) => !n.startsWith('KUBERNETES_')), [
      'ELSEWHERE_PORT', 'ELSEWHERE_PORT_80_TCP', 'ELSEWHERE_PORT_80_TCP_ADDR', 'ELSEWHERE_PORT_80_TCP_PORT', 'ELSEWHERE_PORT_80_TCP_PROTO',
      'ELSEWHERE_SERVICE_HOST', 'ELSEWHERE_SERVICE_PORT',
    ]);
  });

  it('names every named port, upper-cases dashes, and brackets IPv6 addresses', () => {
    const s = svc('my-db', 'fd00:10:96::a', [{ name: 'sql', port: 5432, protocol: 'TCP' }, { name: 'metrics-udp', port: 9000, protocol: 'UDP' }]);
    const got = lines(podEnvironment(frontendPod({ env: [] }), [s]));
    assert.deepEqual(got, [
      'MY_DB_PORT=tcp://[fd00:10:96::a]:5432',
      'MY_DB_PORT_5432_TCP=tcp://[fd00:10:96::a]:5432',
      'MY_DB_PORT_5432_TCP_ADDR=fd00:10:96::a',
      'MY_DB_PORT_5432_TCP_PORT=5432',
      'MY_DB_PORT_5432_TCP_PROTO=tcp',
      'MY_DB_PORT_9000_UDP=udp://[fd00:10:96::a]:9000',
      'MY_DB_PORT_9000_UDP_ADDR=fd00:10:96::a',
      'MY_DB_PORT_9000_UDP_PORT=9000',
      'MY_DB_PORT_9000_UDP_PROTO=udp',
      'MY_DB_SERVICE_HOST=fd00:10:96::a',
      'MY_DB_SERVICE_PORT=5432',
      'MY_DB_SERVICE_PORT_METRICS_UDP=9000',
      'MY_DB_SERVICE_PORT_SQL=5432',
    ]);
  });

  it('lets the user override service variables and expand them', () => {
    const env = [
      { name: 'REDIS_MASTER_SERVICE_HOST', value: 'override' },
      { name: 'URL', value: 'redis://$(REDIS_MASTER_SERVICE_HOST):$(REDIS_MASTER_SERVICE_PORT)/$(MISSING)$$x' },
    ];
    const got = new Map(podEnvironment(frontendPod({ env }), guestbook).map((v) => [v.name, v.value]));
    assert.equal(got.get('REDIS_MASTER_SERVICE_HOST'), 'override');
    assert.equal(got.get('URL'), 'redis://override:6379/$(MISSING)$x');
  });

  it('expands as the kubelet does', () => {
    const m = (n: string) => ({ A: 'a', B: 'b' } as Record<string, string>)[n];
    assert.equal(expand('$(A)-$(B)', m), 'a-b');
    assert.equal(expand('$$(A)', m), '$(A)');
    assert.equal(expand('$(C)', m), '$(C)');
    assert.equal(expand('$A', m), '$A');
    assert.equal(expand('end$', m), 'end$');
    assert.equal(expand('$(A', m), '$(A');
  });
});
