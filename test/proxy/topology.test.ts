// CategorizeEndpoints cases from upstream pkg/proxy/topology_test.go (current semantics:
// terminating fallback always on; hints used whenever every ready endpoint has one).
import assert from 'node:assert/strict';
import type { EndpointInfo } from '../../proxy/endpoints.js';
import type { ServicePortInfo } from '../../proxy/serviceport.js';
import { categorizeEndpoints } from '../../proxy/topology.js';

const NODE = 'test-node';

interface EpSpec {
  ep: string;
  ready?: boolean;
  serving?: boolean;
  terminating?: boolean;
  local?: boolean;
  zones?: string[];
  nodes?: string[];
}

function ep(s: EpSpec): EndpointInfo {
  const [ip, port] = s.ep.split(':');
  const ready = s.ready ?? true;
  return {
    ip: ip!,
    ipNum: 0,
    port: Number(port),
    endpoint: s.ep,
    ready,
    serving: s.serving ?? ready,
    terminating: s.terminating ?? false,
    nodeName: s.local ? NODE : 'other-node',
    zone: '',
    zoneHints: s.zones ? new Set(s.zones) : null,
    nodeHints: s.nodes ? new Set(s.nodes) : null,
  };
}

function svc(o: { iTPLocal?: boolean; eTPLocal?: boolean; nodePort?: number }): ServicePortInfo {
  const externallyAccessible = (o.nodePort ?? 0) !== 0;
  const internalPolicyLocal = o.iTPLocal ?? false;
  const externalPolicyLocal = o.eTPLocal ?? false;
  return {
    name: 'ns/svc:p80',
    key: 'ns/svc:p80/TCP',
    namespace: 'ns',
    serviceName: 'svc',
    portName: 'p80',
    protocol: 'TCP',
    clusterIP: '172.30.0.1',
    port: 80,
    nodePort: o.nodePort ?? 0,
    externalIPs: [],
    loadBalancerVIPs: [],
    loadBalancerSourceRanges: [],
    sessionAffinityClientIP: false,
    stickyMaxAgeSeconds: 0,
    externalPolicyLocal,
    internalPolicyLocal,
    healthCheckNodePort: 0,
    externallyAccessible,
    usesClusterEndpoints: !internalPolicyLocal || externallyAccessible,
    usesLocalEndpoints: internalPolicyLocal || (externalPolicyLocal && externallyAccessible),
  };
}

interface Case {
  name: string;
  zone?: string;
  gate?: boolean;
  svc: ServicePortInfo;
  eps: EpSpec[];
  cluster: string[];
  local: string[];
  all: string[];
  hasAny: boolean;
}

const zoned = (hints: [string, string[]][], ready: boolean[] = hints.map(() => true)): EpSpec[] =>
  hints.map(([e, zones], i) => ({ ep: e, zones, ready: ready[i]! }));

const cases: Case[] = [
  {
    name: 'hints for the node zone filter cluster endpoints',
    zone: 'zone-a',
    svc: svc({}),
    eps: zoned([['10.1.2.3:80', ['zone-a']], ['10.1.2.4:80', ['zone-b']], ['10.1.2.5:80', ['zone-c']], ['10.1.2.6:80', ['zone-a']]]),
    cluster: ['10.1.2.3:80', '10.1.2.6:80'],
    local: [],
    all: ['10.1.2.3:80', '10.1.2.6:80'],
    hasAny: true,
  },
  {
    name: 'eTP=Local: topology ignored for local endpoints, all endpoints merged',
    zone: 'zone-a',
    svc: svc({ eTPLocal: true, nodePort: 8080 }),
    eps: [
      { ep: '10.1.2.3:80', zones: ['zone-a'], local: true },
      { ep: '10.1.2.4:80', zones: ['zone-b'], local: true },
      { ep: '10.1.2.5:80', zones: ['zone-c'] },
      { ep: '10.1.2.6:80', zones: ['zone-a'] },
    ],
    cluster: ['10.1.2.3:80', '10.1.2.6:80'],
    local: ['10.1.2.3:80', '10.1.2.4:80'],
    all: ['10.1.2.3:80', '10.1.2.4:80', '10.1.2.6:80'],
    hasAny: true,
  },
  {
    name: 'node without a zone label: hints ignored',
    zone: '',
    svc: svc({}),
    eps: zoned([['10.1.2.3:80', ['zone-a']]]),
    cluster: ['10.1.2.3:80'],
    local: [],
    all: ['10.1.2.3:80'],
    hasAny: true,
  },
  {
    name: 'no endpoint hinted for the node zone: no filtering',
    zone: 'zone-b',
    svc: svc({}),
    eps: zoned([['10.1.2.3:80', ['zone-a']]]),
    cluster: ['10.1.2.3:80'],
    local: [],
    all: ['10.1.2.3:80'],
    hasAny: true,
  },
  {
    name: 'unready endpoint in the zone is dropped',
    zone: 'zone-a',
    svc: svc({}),
    eps: zoned([['10.1.2.3:80', ['zone-a']], ['10.1.2.4:80', ['zone-b']], ['10.1.2.5:80', ['zone-c']], ['10.1.2.6:80', ['zone-a']]], [true, true, true, false]),
    cluster: ['10.1.2.3:80'],
    local: [],
    all: ['10.1.2.3:80'],
    hasAny: true,
  },
  {
    name: 'only unready endpoints in the zone: no filtering',
    zone: 'zone-a',
    svc: svc({}),
    eps: zoned([['10.1.2.3:80', ['zone-a']], ['10.1.2.4:80', ['zone-b']], ['10.1.2.5:80', ['zone-c']], ['10.1.2.6:80', ['zone-a']]], [false, true, true, false]),
    cluster: ['10.1.2.4:80', '10.1.2.5:80'],
    local: [],
    all: ['10.1.2.4:80', '10.1.2.5:80'],
    hasAny: true,
  },
  {
    name: 'a ready endpoint without hints disables hints',
    zone: 'zone-a',
    svc: svc({}),
    eps: [{ ep: '10.1.2.3:80', zones: ['zone-a'] }, { ep: '10.1.2.4:80', zones: ['zone-b'] }, { ep: '10.1.2.5:80' }],
    cluster: ['10.1.2.3:80', '10.1.2.4:80', '10.1.2.5:80'],
    local: [],
    all: ['10.1.2.3:80', '10.1.2.4:80', '10.1.2.5:80'],
    hasAny: true,
  },
  {
    name: 'multiple hints per endpoint',
    zone: 'zone-c',
    svc: svc({}),
    eps: zoned([['10.1.2.3:80', ['zone-a', 'zone-b', 'zone-c']], ['10.1.2.4:80', ['zone-b', 'zone-c']], ['10.1.2.5:80', ['zone-b', 'zone-d']], ['10.1.2.6:80', ['zone-c']]]),
    cluster: ['10.1.2.3:80', '10.1.2.4:80', '10.1.2.6:80'],
    local: [],
    all: ['10.1.2.3:80', '10.1.2.4:80', '10.1.2.6:80'],
    hasAny: true,
  },
  {
    name: 'iTP=Local with no endpoints',
    svc: svc({ iTPLocal: true }),
    eps: [],
    cluster: [],
    local: [],
    all: [],
    hasAny: false,
  },
  {
    name: 'iTP=Local, all endpoints remote: no local endpoints but some exist (DROP, not REJECT)',
    svc: svc({ iTPLocal: true }),
    eps: [{ ep: '10.0.0.0:80' }, { ep: '10.0.0.1:80' }],
    cluster: [],
    local: [],
    all: [],
    hasAny: true,
  },
  {
    name: 'iTP=Local, some endpoints local',
    svc: svc({ iTPLocal: true }),
    eps: [{ ep: '10.0.0.0:80', local: true }, { ep: '10.0.0.1:80' }],
    cluster: [],
    local: ['10.0.0.0:80'],
    all: ['10.0.0.0:80'],
    hasAny: true,
  },
  {
    name: 'Cluster policy, no endpoint ready or terminating',
    svc: svc({}),
    eps: [{ ep: '10.0.0.0:80', ready: false }, { ep: '10.0.0.1:80', ready: false }],
    cluster: [],
    local: [],
    all: [],
    hasAny: false,
  },
  {
    name: 'Cluster policy, all endpoints serving and terminating: fall back to them',
    svc: svc({}),
    eps: [
      { ep: '10.0.0.0:80', ready: false, serving: true, terminating: true, local: true },
      { ep: '10.0.0.1:80', ready: false, serving: true, terminating: true },
    ],
    cluster: ['10.0.0.0:80', '10.0.0.1:80'],
    local: [],
    all: ['10.0.0.0:80', '10.0.0.1:80'],
    hasAny: true,
  },
  {
    name: 'iTP=Local, eTP=Cluster with NodePort: both sets',
    svc: svc({ iTPLocal: true, nodePort: 8080 }),
    eps: [{ ep: '10.0.0.0:80', local: true }, { ep: '10.0.0.1:80' }],
    cluster: ['10.0.0.0:80', '10.0.0.1:80'],
    local: ['10.0.0.0:80'],
    all: ['10.0.0.0:80', '10.0.0.1:80'],
    hasAny: true,
  },
  {
    name: 'iTP=Local, eTP=Local, all remote and terminating: cluster falls back, local empty',
    svc: svc({ iTPLocal: true, eTPLocal: true, nodePort: 8080 }),
    eps: [
      { ep: '10.0.0.0:80', ready: false, serving: true, terminating: true },
      { ep: '10.0.0.1:80', ready: false, serving: true, terminating: true },
    ],
    cluster: ['10.0.0.0:80', '10.0.0.1:80'],
    local: [],
    all: ['10.0.0.0:80', '10.0.0.1:80'],
    hasAny: true,
  },
  {
    name: 'eTP=Local: local falls back to serving+terminating independently of cluster',
    svc: svc({ eTPLocal: true, nodePort: 8080 }),
    eps: [
      { ep: '10.0.0.0:80' },
      { ep: '10.0.0.1:80', ready: false, serving: false, local: true },
      { ep: '10.0.0.2:80', ready: false, serving: true, terminating: true, local: true },
      { ep: '10.0.0.3:80', ready: false, serving: true, terminating: true },
    ],
    cluster: ['10.0.0.0:80'],
    local: ['10.0.0.2:80'],
    all: ['10.0.0.0:80', '10.0.0.2:80'],
    hasAny: true,
  },
  {
    name: 'eTP=Local ignored when not externally accessible',
    svc: svc({ eTPLocal: true }),
    eps: [{ ep: '10.0.0.0:80' }, { ep: '10.0.0.1:80', local: true }],
    cluster: ['10.0.0.0:80', '10.0.0.1:80'],
    local: [],
    all: ['10.0.0.0:80', '10.0.0.1:80'],
    hasAny: true,
  },
  {
    name: 'node hints (PreferSameTrafficDistribution) win over zone hints',
    zone: 'zone-a',
    svc: svc({}),
    eps: [
      { ep: '10.0.0.0:80', zones: ['zone-a'], nodes: ['other-node'] },
      { ep: '10.0.0.1:80', zones: ['zone-a'], nodes: [NODE] },
      { ep: '10.0.0.2:80', zones: ['zone-b'], nodes: ['third-node'] },
    ],
    cluster: ['10.0.0.1:80'],
    local: [],
    all: ['10.0.0.1:80'],
    hasAny: true,
  },
  {
    name: 'node hints with none for this node fall back to zone hints',
    zone: 'zone-a',
    svc: svc({}),
    eps: [
      { ep: '10.0.0.0:80', zones: ['zone-a'], nodes: ['other-node'] },
      { ep: '10.0.0.2:80', zones: ['zone-b'], nodes: ['third-node'] },
    ],
    cluster: ['10.0.0.0:80'],
    local: [],
    all: ['10.0.0.0:80'],
    hasAny: true,
  },
  {
    name: 'node hints ignored with the gate off',
    zone: 'zone-b',
    gate: false,
    svc: svc({}),
    eps: [
      { ep: '10.0.0.0:80', zones: ['zone-a'], nodes: [NODE] },
      { ep: '10.0.0.2:80', zones: ['zone-b'], nodes: ['third-node'] },
    ],
    cluster: ['10.0.0.2:80'],
    local: [],
    all: ['10.0.0.2:80'],
    hasAny: true,
  },
];

describe('proxy/topology categorizeEndpoints', () => {
  for (const c of cases) {
    it(c.name, () => {
      const r = categorizeEndpoints(c.eps.map(ep), c.svc, { nodeName: NODE, zone: c.zone ?? '' }, { preferSameTrafficDistribution: c.gate ?? true });
      assert.deepEqual(
        {
          cluster: r.clusterEndpoints.map((e) => e.endpoint),
          local: r.localEndpoints.map((e) => e.endpoint),
          all: r.allReachableEndpoints.map((e) => e.endpoint),
          hasAny: r.hasAnyEndpoints,
        },
        { cluster: c.cluster, local: c.local, all: c.all, hasAny: c.hasAny },
      );
    });
  }
});
