import assert from 'node:assert/strict';
import { admitDefaultTolerations, applyDefaults, defaultJobSelector, normalizeClusterIPs } from '../../lib/api/defaults.js';
import type { KubeObject } from '../../lib/api/meta.js';

type Obj = Record<string, unknown>;

/** Defaults a copy of `o` and returns it. */
function defaulted(o: Obj): Obj {
  const copy = structuredClone(o);
  applyDefaults(copy as unknown as KubeObject);
  return copy;
}

// What SetDefaults_Container adds to a container whose image has a tag.
const CONTAINER_DEFAULTS = { imagePullPolicy: 'IfNotPresent', terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File' };
// What SetDefaults_PodSpec adds to every pod spec, pods and templates alike.
const POD_SPEC_DEFAULTS = { dnsPolicy: 'ClusterFirst', restartPolicy: 'Always', securityContext: {}, terminationGracePeriodSeconds: 30, schedulerName: 'default-scheduler' };

describe('api/defaults: Service', () => {
  it('defaults a ClusterIP service as the API server does', () => {
    const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80 }] } };
    assert.deepEqual(defaulted(svc), {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'default' },
      spec: {
        selector: { app: 'web' },
        ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 80 }],
        sessionAffinity: 'None',
        type: 'ClusterIP',
        internalTrafficPolicy: 'Cluster',
      },
    });
  });

  it('defaults a LoadBalancer service with a status', () => {
    const svc = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'edge', namespace: 'prod' },
      spec: { type: 'LoadBalancer', ports: [{ port: 443, targetPort: 'https', protocol: 'TCP' }], selector: { app: 'edge' } },
      status: { loadBalancer: { ingress: [{ ip: '172.18.255.1' }, { hostname: 'lb.example.com' }] } },
    };
    assert.deepEqual(defaulted(svc), {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'edge', namespace: 'prod' },
      spec: {
        type: 'LoadBalancer',
        ports: [{ port: 443, targetPort: 'https', protocol: 'TCP' }],
        selector: { app: 'edge' },
        sessionAffinity: 'None',
        externalTrafficPolicy: 'Cluster',
        internalTrafficPolicy: 'Cluster',
        allocateLoadBalancerNodePorts: true,
      },
      status: { loadBalancer: { ingress: [{ ip: '172.18.255.1', ipMode: 'VIP' }, { hostname: 'lb.example.com' }] } },
    });
  });

  it('gives ClientIP affinity its 3-hour timeout and drops a config under None', () => {
    const clientIP = defaulted({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'a' }, spec: { sessionAffinity: 'ClientIP', ports: [{ port: 80 }] } });
    assert.deepEqual((clientIP.spec as Obj).sessionAffinityConfig, { clientIP: { timeoutSeconds: 10800 } });
    const none = defaulted({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'a' },
      spec: { sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } }, ports: [{ port: 80 }] },
    });
    assert.equal('sessionAffinityConfig' in (none.spec as Obj), false);
  });

  it('sets externalTrafficPolicy only for externally reachable services', () => {
    const etp = (spec: Obj) => (defaulted({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'a' }, spec }).spec as Obj).externalTrafficPolicy;
    assert.equal(etp({ type: 'NodePort', ports: [{ port: 80 }] }), 'Cluster');
    assert.equal(etp({ type: 'ClusterIP', externalIPs: ['203.0.113.7'], ports: [{ port: 80 }] }), 'Cluster');
    assert.equal(etp({ type: 'ClusterIP', ports: [{ port: 80 }] }), undefined);
  });

  it('leaves ExternalName services without traffic policies', () => {
    const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'db' }, spec: { type: 'ExternalName', externalName: 'db.example.com' } };
    assert.deepEqual(defaulted(svc).spec, { type: 'ExternalName', externalName: 'db.example.com', sessionAffinity: 'None' });
  });

  it('fills clusterIPs from clusterIP, as the registry does', () => {
    const svc = defaulted({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'a' }, spec: { clusterIP: '10.96.0.10', ports: [{ port: 80 }] } });
    assert.deepEqual((svc.spec as Obj).clusterIPs, ['10.96.0.10']);
    const old = structuredClone(svc);
    (svc.spec as Obj).clusterIP = '10.96.0.11';
    normalizeClusterIPs(svc, old);
    assert.deepEqual((svc.spec as Obj).clusterIPs, ['10.96.0.11']);
  });
});

describe('api/defaults: Pod', () => {
  it('defaults a pod as the API server does', () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web-0', labels: { app: 'web' } },
      spec: {
        containers: [
          {
            name: 'web',
            image: 'nginx',
            ports: [{ containerPort: 80, name: 'http' }],
            readinessProbe: { httpGet: { port: 'http' } },
            resources: { limits: { cpu: '500m', memory: '128Mi' } },
          },
        ],
        volumes: [{ name: 'scratch' }],
      },
    };
    assert.deepEqual(defaulted(pod), {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web-0', labels: { app: 'web' }, namespace: 'default' },
      spec: {
        containers: [
          {
            name: 'web',
            image: 'nginx',
            ports: [{ containerPort: 80, name: 'http', protocol: 'TCP' }],
            readinessProbe: { httpGet: { port: 'http', path: '/', scheme: 'HTTP' }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 },
            resources: { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '500m', memory: '128Mi' } },
            imagePullPolicy: 'Always',
            terminationMessagePath: '/dev/termination-log',
            terminationMessagePolicy: 'File',
          },
        ],
        volumes: [{ name: 'scratch', emptyDir: {} }],
        enableServiceLinks: true,
        ...POD_SPEC_DEFAULTS,
      },
    });
  });

  it('picks imagePullPolicy from the image tag', () => {
    const cases: [string, string][] = [
      ['nginx', 'Always'],
      ['nginx:latest', 'Always'],
      ['nginx:1.25', 'IfNotPresent'],
      ['localhost:5000/nginx', 'Always'],
      ['registry.example.com:5000/team/app:v1', 'IfNotPresent'],
      ['nginx@sha256:0e072dddd1f7f8fc8909a2ca6f65e76c5f0d2fcfb8be47935ae3457e8bbceb20', 'IfNotPresent'],
      ['nginx:1.25@sha256:0e072dddd1f7f8fc8909a2ca6f65e76c5f0d2fcfb8be47935ae3457e8bbceb20', 'IfNotPresent'],
      ['Nginx', 'IfNotPresent'],
    ];
    for (const [image, policy] of cases) {
      const pod = defaulted({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image }] } });
      assert.equal(((pod.spec as Obj).containers as Obj[])[0]!.imagePullPolicy, policy, image);
    }
  });

  it('gives hostNetwork containers host ports', () => {
    const pod = defaulted({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { hostNetwork: true, containers: [{ name: 'c', image: 'x:1', ports: [{ containerPort: 9100 }] }] } });
    assert.deepEqual(((pod.spec as Obj).containers as Obj[])[0]!.ports, [{ containerPort: 9100, protocol: 'TCP', hostPort: 9100 }]);
  });

  it('adds the DefaultTolerationSeconds tolerations', () => {
    const tolerations = (given: Obj[] | undefined) => {
      const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [], ...(given ? { tolerations: given } : {}) } };
      admitDefaultTolerations(pod as unknown as KubeObject);
      return (pod.spec as Obj).tolerations;
    };
    const notReady = { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 };
    const unreachable = { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 };
    assert.deepEqual(tolerations(undefined), [notReady, unreachable]);
    const own = { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 };
    assert.deepEqual(tolerations([own]), [own, unreachable]);
    // A toleration with no key and no effect tolerates every taint: nothing is added.
    assert.deepEqual(tolerations([{ operator: 'Exists' }]), [{ operator: 'Exists' }]);
  });
});

describe('api/defaults: workloads', () => {
  it('defaults a Deployment as the API server does', () => {
    const d = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'frontend' },
      spec: {
        selector: { matchLabels: { app: 'guestbook', tier: 'frontend' } },
        template: {
          metadata: { labels: { app: 'guestbook', tier: 'frontend' } },
          spec: { containers: [{ name: 'php-redis', image: 'gcr.io/google-samples/gb-frontend:v5', ports: [{ containerPort: 80 }] }] },
        },
      },
    };
    assert.deepEqual(defaulted(d), {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'frontend', namespace: 'default' },
      spec: {
        selector: { matchLabels: { app: 'guestbook', tier: 'frontend' } },
        template: {
          metadata: { labels: { app: 'guestbook', tier: 'frontend' } },
          spec: {
            containers: [{ name: 'php-redis', image: 'gcr.io/google-samples/gb-frontend:v5', ports: [{ containerPort: 80, protocol: 'TCP' }], ...CONTAINER_DEFAULTS }],
            // A template gets the PodSpec defaults but not the Pod-only ones (no enableServiceLinks).
            ...POD_SPEC_DEFAULTS,
          },
        },
        replicas: 1,
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } },
        revisionHistoryLimit: 10,
        progressDeadlineSeconds: 600,
      },
    });
  });

  it('leaves Recreate deployments without rollingUpdate', () => {
    const d = defaulted({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { strategy: { type: 'Recreate' } } });
    assert.deepEqual((d.spec as Obj).strategy, { type: 'Recreate' });
  });

  it('defaults a StatefulSet', () => {
    const ss = defaulted({
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'redis' },
      spec: {
        selector: { matchLabels: { app: 'redis' } },
        template: { metadata: { labels: { app: 'redis' } }, spec: { containers: [{ name: 'redis', image: 'redis:7' }] } },
        volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'] } }],
      },
    });
    const { template, ...rest } = ss.spec as Obj;
    assert.deepEqual(rest, {
      selector: { matchLabels: { app: 'redis' } },
      volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], volumeMode: 'Filesystem' }, status: { phase: 'Pending' } }],
      podManagementPolicy: 'OrderedReady',
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0, maxUnavailable: 1 } },
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
      replicas: 1,
      revisionHistoryLimit: 10,
    });
    assert.deepEqual((template as Obj).spec, { containers: [{ name: 'redis', image: 'redis:7', ...CONTAINER_DEFAULTS }], ...POD_SPEC_DEFAULTS });
  });

  it('defaults a DaemonSet and a ReplicaSet', () => {
    const ds = defaulted({ apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent' }, spec: { updateStrategy: { rollingUpdate: { maxSurge: 1 } } } });
    const { template: _t, ...dsSpec } = ds.spec as Obj;
    assert.deepEqual(dsSpec, { updateStrategy: { rollingUpdate: { maxSurge: 1, maxUnavailable: 1 }, type: 'RollingUpdate' }, revisionHistoryLimit: 10 });
    const rs = defaulted({ apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'rs' }, spec: { replicas: 0 } });
    assert.equal((rs.spec as Obj).replicas, 0);
  });

  it('defaults a ReplicationController from its template', () => {
    const rc = defaulted({
      apiVersion: 'v1',
      kind: 'ReplicationController',
      metadata: { name: 'redis-master' },
      spec: { template: { metadata: { labels: { app: 'redis', role: 'master' } }, spec: { containers: [{ name: 'master', image: 'redis:7' }] } } },
    });
    assert.deepEqual(rc.metadata, { name: 'redis-master', namespace: 'default', labels: { app: 'redis', role: 'master' } });
    const { template: _t, ...spec } = rc.spec as Obj;
    assert.deepEqual(spec, { selector: { app: 'redis', role: 'master' }, replicas: 1 });
  });

  it('defaults a Job and generates its selector', () => {
    const job = defaulted({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'pi' },
      spec: { template: { metadata: { labels: { app: 'pi' } }, spec: { restartPolicy: 'Never', containers: [{ name: 'pi', image: 'perl:5.34' }] } } },
    });
    defaultJobSelector(job as unknown as KubeObject, '8b4e5f3c-0000-4000-8000-000000000007');
    assert.deepEqual(job, {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'pi', namespace: 'default', labels: { app: 'pi' }, uid: '8b4e5f3c-0000-4000-8000-000000000007' },
      spec: {
        template: {
          metadata: {
            labels: {
              app: 'pi',
              'job-name': 'pi',
              'batch.kubernetes.io/job-name': 'pi',
              'controller-uid': '8b4e5f3c-0000-4000-8000-000000000007',
              'batch.kubernetes.io/controller-uid': '8b4e5f3c-0000-4000-8000-000000000007',
            },
          },
          spec: { containers: [{ name: 'pi', image: 'perl:5.34', ...CONTAINER_DEFAULTS }], ...POD_SPEC_DEFAULTS, restartPolicy: 'Never' },
        },
        completions: 1,
        parallelism: 1,
        backoffLimit: 6,
        completionMode: 'NonIndexed',
        suspend: false,
        podReplacementPolicy: 'TerminatingOrFailed',
        manualSelector: false,
        selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': '8b4e5f3c-0000-4000-8000-000000000007' } },
      },
    });
  });

  it('Job counts: parallelism alone keeps completions unset', () => {
    const job = defaulted({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'q' }, spec: { parallelism: 3 } });
    assert.equal((job.spec as Obj).completions, undefined);
    assert.equal((job.spec as Obj).parallelism, 3);
  });

  it('a manual Job selector is left alone', () => {
    const job = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'q' }, spec: { manualSelector: true, selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } } } } };
    defaultJobSelector(job as unknown as KubeObject, 'u');
    assert.deepEqual(job.spec, { manualSelector: true, selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } } } });
  });
});

describe('api/defaults: other kinds', () => {
  it('HPA: minReplicas, the CPU metric, and behavior only when given', () => {
    const plain = defaulted({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'web' }, spec: { maxReplicas: 10 } });
    assert.deepEqual(plain.spec, {
      maxReplicas: 10,
      minReplicas: 1,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }],
    });
    const withBehavior = defaulted({
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'web' },
      spec: { maxReplicas: 10, behavior: { scaleDown: { stabilizationWindowSeconds: 60 } } },
    });
    assert.deepEqual((withBehavior.spec as Obj).behavior, {
      scaleDown: { selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }], stabilizationWindowSeconds: 60 },
      scaleUp: {
        stabilizationWindowSeconds: 0,
        selectPolicy: 'Max',
        policies: [
          { type: 'Pods', value: 4, periodSeconds: 15 },
          { type: 'Percent', value: 100, periodSeconds: 15 },
        ],
      },
    });
  });

  it('NetworkPolicy: TCP ports and policyTypes', () => {
    const np = defaulted({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'np' },
      spec: { podSelector: {}, ingress: [{ ports: [{ port: 80 }] }], egress: [{}] },
    });
    assert.deepEqual(np.spec, { podSelector: {}, ingress: [{ ports: [{ port: 80, protocol: 'TCP' }] }], egress: [{}], policyTypes: ['Ingress', 'Egress'] });
    const ingressOnly = defaulted({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'np' }, spec: { podSelector: {} } });
    assert.deepEqual((ingressOnly.spec as Obj).policyTypes, ['Ingress']);
  });

  it('EndpointSlice and Endpoints ports', () => {
    const slice = defaulted({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 's' }, addressType: 'IPv4', endpoints: [], ports: [{ port: 80 }] });
    assert.deepEqual(slice.ports, [{ port: 80, name: '', protocol: 'TCP' }]);
    const ep = defaulted({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'e' }, subsets: [{ addresses: [{ ip: '10.0.0.1' }], ports: [{ port: 80 }] }] });
    assert.deepEqual(ep.subsets, [{ addresses: [{ ip: '10.0.0.1' }], ports: [{ port: 80, protocol: 'TCP' }] }]);
  });

  it('Namespace, Node, ConfigMap, IngressClass', () => {
    assert.deepEqual(defaulted({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } }), {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'team-a', labels: { 'kubernetes.io/metadata.name': 'team-a' } },
      status: { phase: 'Active' },
    });
    assert.deepEqual(defaulted({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', namespace: 'default' }, spec: {}, status: { capacity: { cpu: '4', pods: '110' } } }), {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'n1' },
      spec: {},
      status: { capacity: { cpu: '4', pods: '110' }, allocatable: { cpu: '4', pods: '110' } },
    });
    assert.deepEqual(defaulted({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' } }), {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'cm', namespace: 'default' },
      data: {},
    });
    const ic = defaulted({ apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'x' }, spec: { controller: 'a.io/b', parameters: { kind: 'P', name: 'p' } } });
    assert.deepEqual((ic.spec as Obj).parameters, { kind: 'P', name: 'p', scope: 'Cluster' });
  });

  it('keeps a given namespace and ignores unknown kinds', () => {
    assert.deepEqual(defaulted({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'prod' }, spec: { containers: [] } }).metadata, { name: 'p', namespace: 'prod' });
    assert.deepEqual(defaulted({ apiVersion: 'x/v1', kind: 'Widget', metadata: { name: 'w' } }), { apiVersion: 'x/v1', kind: 'Widget', metadata: { name: 'w' } });
  });

  it('never throws on values of the wrong type', () => {
    const weird: Obj[] = [
      { apiVersion: 'v1', kind: 'Pod', metadata: 5, spec: 'x' },
      { apiVersion: 'v1', kind: 'Pod', metadata: {}, spec: { containers: 'x', initContainers: [1, null, 'y'] } },
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: {}, spec: { strategy: 'fast', template: [] } },
      { apiVersion: 'v1', kind: 'Service', metadata: {}, spec: { ports: [null, 'x', { port: '80' }], sessionAffinityConfig: 3 }, status: 'up' },
      { apiVersion: 'batch/v1', kind: 'Job', metadata: {}, spec: { template: { metadata: { labels: 'x' } } } },
      { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: {}, spec: { behavior: { scaleUp: 'x' } } },
    ];
    for (const o of weird) assert.doesNotThrow(() => defaulted(o));
    assert.doesNotThrow(() => admitDefaultTolerations({ apiVersion: 'v1', kind: 'Pod', metadata: {}, spec: { tolerations: 'x' } } as unknown as KubeObject));
    assert.doesNotThrow(() => defaultJobSelector({ apiVersion: 'batch/v1', kind: 'Job', metadata: {}, spec: 'x' } as unknown as KubeObject, 'u'));
  });
});
