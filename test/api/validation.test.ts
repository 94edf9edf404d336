import assert from 'node:assert/strict';
import fc from 'fast-check';
import { admitDefaultTolerations, applyDefaults, defaultJobSelector } from '../../lib/api/defaults.js';
import { FieldError } from '../../lib/api/errors.js';
import type { KubeObject } from '../../lib/api/meta.js';
import { KINDS } from '../../lib/api/types.js';
import { type ValidationOptions, validateObject, validateObjectUpdate } from '../../lib/api/validation/index.js';
import { markTemplateCopy } from '../../lib/api/validation/podspec.js';
import { parseIPSloppy } from '../../lib/ipam/cidr.js';

// Upstream's message texts (apimachinery util/validation), spelled out once.
const DNS1123_LABEL =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const DNS1123_SUBDOMAIN =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const DNS1035 =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
const LABEL_VALUE =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const PORT_RANGE = 'must be between 1 and 65535, inclusive';
const IP_MSG = 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)';
const CIDR_MSG = 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)';
const NEGATIVE = 'must be greater than or equal to 0';
const NO_MATCH = '`selector` does not match template `labels`';

type Obj = Record<string, unknown>;
const k = (o: Obj) => o as unknown as KubeObject;

const svc = (spec: Obj, meta: Obj = {}): Obj => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', ...meta }, spec });
const ctr = (extra: Obj = {}): Obj => ({ name: 'app', image: 'nginx:1.25', ...extra });
const pod = (spec: Obj, meta: Obj = {}): Obj => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-0', ...meta }, spec });
const template = (labels: Obj | undefined, spec: Obj = {}): Obj => ({
  metadata: labels ? { labels } : {},
  spec: { containers: [ctr()], ...spec },
});
const deploy = (spec: Obj, meta: Obj = {}): Obj => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', ...meta },
  spec: { selector: { matchLabels: { app: 'web' } }, template: template({ app: 'web' }), ...spec },
});
const workload = (kind: string, spec: Obj, meta: Obj = {}): Obj => ({ ...deploy(spec, meta), kind });
const job = (spec: Obj): Obj => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name: 'pi' },
  spec: { template: template({ app: 'batch' }, { restartPolicy: 'Never' }), ...spec },
});
const slice = (extra: Obj): Obj => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name: 'web-abc12', labels: { 'kubernetes.io/service-name': 'web' } },
  addressType: 'IPv4',
  endpoints: [{ addresses: ['10.244.1.5'] }],
  ports: [{ name: 'http', port: 8080 }],
  ...extra,
});
const backend = (port: Obj = { number: 80 }, name = 'web') => ({ service: { name, port } });
const ingress = (spec: Obj): Obj => ({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'web' }, spec });
const ingressPath = (p: Obj) => ingress({ rules: [{ host: 'web.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: backend(), ...p }] } }] });
const netpol = (spec: Obj): Obj => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'np' }, spec: { podSelector: {}, ...spec } });
const hpa = (spec: Obj): Obj => ({
  apiVersion: 'autoscaling/v2',
  kind: 'HorizontalPodAutoscaler',
  metadata: { name: 'web' },
  spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, maxReplicas: 5, ...spec },
});

interface Case {
  name: string;
  obj: Obj;
  /** Skip defaulting (as if validating a stored object directly). */
  raw?: boolean;
  opts?: ValidationOptions;
  want: string[];
}

function run(c: Case): string[] {
  const o = structuredClone(c.obj);
  if (!c.raw) applyDefaults(k(o));
  return validateObject(k(o), c.opts).map(String);
}

function table(cases: Case[]): void {
  for (const c of cases) it(c.name, () => assert.deepEqual(run(c), c.want));
}

const NODE_PORTS = { base: 30000, size: 2768 };

describe('api/validation: names and metadata', () => {
  table([
    { name: 'pod names are DNS subdomains', obj: pod({ containers: [ctr()] }, { name: 'My_Pod' }), want: [`metadata.name: Invalid value: "My_Pod": ${DNS1123_SUBDOMAIN}`] },
    {
      name: 'namespace names are DNS labels',
      obj: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team.a' } },
      want: ['metadata.name: Invalid value: "team.a": must not contain dots'],
    },
    { name: 'service names are DNS-1035 labels', obj: svc({ ports: [{ port: 80 }] }, { name: '1web' }), want: [`metadata.name: Invalid value: "1web": ${DNS1035}`] },
    {
      name: 'a name is required',
      obj: { apiVersion: 'v1', kind: 'ConfigMap', metadata: {} },
      want: ['metadata.name: Required value: name or generateName is required'],
    },
    {
      name: 'subdomain names are at most 253 characters',
      obj: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a'.repeat(254) } },
      want: [`metadata.name: Invalid value: "${'a'.repeat(254)}": must be no more than 253 characters`],
    },
    {
      name: 'generateName is checked as a prefix',
      obj: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web-x7k2p', generateName: 'Web-' } },
      want: [`metadata.generateName: Invalid value: "Web-": ${DNS1123_SUBDOMAIN}`],
    },
    {
      name: 'a valid generateName with a trailing dash',
      obj: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web-x7k2p', generateName: 'web-' } },
      want: [],
    },
    {
      name: 'namespaces are DNS labels',
      obj: pod({ containers: [ctr()] }, { namespace: 'Team_A' }),
      want: [`metadata.namespace: Invalid value: "Team_A": ${DNS1123_LABEL}`],
    },
    {
      name: 'cluster-scoped kinds have no namespace',
      obj: { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1', namespace: 'default' }, spec: {} },
      raw: true,
      want: ['metadata.namespace: Forbidden: not allowed on this type'],
    },
    {
      name: 'defaulting clears the namespace of cluster-scoped kinds',
      obj: { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1', namespace: 'default' }, spec: {} },
      want: [],
    },
    {
      name: 'label values',
      obj: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', labels: { app: 'a b' } } },
      want: [`metadata.labels: Invalid value: "a b": ${LABEL_VALUE}`],
    },
    {
      name: 'annotation keys are qualified names (any case)',
      obj: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', annotations: { 'Example.com/Key': 'x', 'bad key': 'y' } } },
      want: [
        `metadata.annotations: Invalid value: "bad key": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
      ],
    },
    {
      name: 'annotations may total 256 KiB',
      obj: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', annotations: { big: 'x'.repeat(256 * 1024 - 3) } } },
      want: [],
    },
    {
      name: 'annotations over 256 KiB',
      obj: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', annotations: { big: 'x'.repeat(256 * 1024 - 2) } } },
      want: ['metadata.annotations: Too long: may not be more than 262144 bytes'],
    },
  ]);
});

describe('api/validation: Service', () => {
  const ports = (...p: Obj[]) => p;
  table([
    { name: 'a valid ClusterIP service', obj: svc({ selector: { app: 'web' }, ports: ports({ name: 'http', port: 80 }) }), want: [] },
    { name: 'ports are required', obj: svc({ selector: { app: 'web' } }), want: ['spec.ports: Required value'] },
    { name: 'a headless service needs no ports', obj: svc({ clusterIP: 'None', selector: { app: 'web' } }), want: [] },
    { name: 'an ExternalName service needs no ports', obj: svc({ type: 'ExternalName', externalName: 'db.example.com.' }), want: [] },
    { name: 'ExternalName requires externalName', obj: svc({ type: 'ExternalName' }), want: ['spec.externalName: Required value'] },
    {
      name: 'externalName is a DNS subdomain',
      obj: svc({ type: 'ExternalName', externalName: 'DB.example.com' }),
      want: [`spec.externalName: Invalid value: "DB.example.com": ${DNS1123_SUBDOMAIN}`],
    },
    {
      name: 'port 0 (and the targetPort defaulted from it)',
      obj: svc({ ports: ports({ port: 0 }) }),
      want: [`spec.ports[0].port: Invalid value: 0: ${PORT_RANGE}`, `spec.ports[0].targetPort: Invalid value: 0: ${PORT_RANGE}`],
    },
    { name: 'port 65536', obj: svc({ ports: ports({ port: 65536, targetPort: 8080 }) }), want: [`spec.ports[0].port: Invalid value: 65536: ${PORT_RANGE}`] },
    { name: 'port 65535 is fine', obj: svc({ ports: ports({ port: 65535 }) }), want: [] },
    { name: 'names are required with several ports', obj: svc({ ports: ports({ name: 'http', port: 80 }, { port: 443 }) }), want: ['spec.ports[1].name: Required value'] },
    {
      name: 'port names are unique',
      obj: svc({ ports: ports({ name: 'http', port: 80 }, { name: 'http', port: 81 }) }),
      want: ['spec.ports[1].name: Duplicate value: "http"'],
    },
    { name: 'service port names are DNS labels', obj: svc({ ports: ports({ name: 'HTTP', port: 80 }) }), want: [`spec.ports[0].name: Invalid value: "HTTP": ${DNS1123_LABEL}`] },
    {
      name: 'port and protocol are unique together',
      obj: svc({ ports: ports({ name: 'a', port: 80 }, { name: 'b', port: 80 }) }),
      want: [
        'spec.ports[1]: Duplicate value: core.ServicePort{Name:"", Protocol:"TCP", AppProtocol:(*string)(nil), Port:80, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}',
      ],
    },
    { name: 'the same port over TCP and UDP', obj: svc({ ports: ports({ name: 'dns', port: 53 }, { name: 'dns-udp', port: 53, protocol: 'UDP' }) }), want: [] },
    {
      name: 'protocols',
      obj: svc({ ports: ports({ port: 80, protocol: 'HTTP' }) }),
      want: ['spec.ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"'],
    },
    { name: 'targetPort numbers', obj: svc({ ports: ports({ port: 80, targetPort: 70000 }) }), want: [`spec.ports[0].targetPort: Invalid value: 70000: ${PORT_RANGE}`] },
    { name: 'targetPort names are IANA service names', obj: svc({ ports: ports({ port: 80, targetPort: 'https-metrics1' }) }), want: [] },
    {
      name: 'targetPort names: hyphens',
      obj: svc({ ports: ports({ port: 80, targetPort: '-http' }) }),
      want: ['spec.ports[0].targetPort: Invalid value: "-http": must not begin or end with a hyphen'],
    },
    {
      name: 'targetPort names: length, letters, consecutive hyphens',
      obj: svc({ ports: ports({ name: 'a', port: 80, targetPort: 'http-metrics-abc' }, { name: 'b', port: 81, targetPort: '8080' }, { name: 'c', port: 82, targetPort: 'a--b' }) }),
      want: [
        'spec.ports[0].targetPort: Invalid value: "http-metrics-abc": must be no more than 15 characters',
        'spec.ports[1].targetPort: Invalid value: "8080": must contain at least one letter (a-z)',
        'spec.ports[2].targetPort: Invalid value: "a--b": must not contain consecutive hyphens',
      ],
    },
    {
      name: 'nodePort needs an externally reachable type',
      obj: svc({ ports: ports({ port: 80, nodePort: 30080 }) }),
      want: ["spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"],
    },
    { name: 'nodePort in range', obj: svc({ type: 'NodePort', ports: ports({ port: 80, nodePort: 30080 }) }), opts: { nodePortRange: NODE_PORTS }, want: [] },
    {
      name: 'nodePort out of range',
      obj: svc({ type: 'NodePort', ports: ports({ port: 80, nodePort: 8080 }) }),
      opts: { nodePortRange: NODE_PORTS },
      want: ['spec.ports[0].nodePort: Invalid value: 8080: provided port is not in the valid range. The range of valid ports is 30000-32767'],
    },
    {
      name: 'nodePorts are unique',
      obj: svc({ type: 'NodePort', ports: ports({ name: 'a', port: 80, nodePort: 30080 }, { name: 'b', port: 81, nodePort: 30080 }) }),
      want: ['spec.ports[1].nodePort: Duplicate value: 30080'],
    },
    { name: 'clusterIP must be an IP', obj: svc({ clusterIP: '10.0.0.300', ports: ports({ port: 80 }) }), want: [`spec.clusterIPs[0]: Invalid value: "10.0.0.300": ${IP_MSG}`] },
    {
      name: 'clusterIP with leading zeros',
      obj: svc({ clusterIP: '10.96.0.010', ports: ports({ port: 80 }) }),
      want: ['spec.clusterIPs[0]: Invalid value: "10.96.0.010": must not have leading 0s'],
    },
    {
      name: 'clusterIP in canonical form',
      obj: svc({ clusterIP: 'fd00:0::a', ports: ports({ port: 80 }) }),
      want: ['spec.clusterIPs[0]: Invalid value: "fd00:0::a": must be in canonical form ("fd00::a")'],
    },
    {
      name: 'clusterIP in the service CIDR',
      obj: svc({ clusterIP: '10.96.0.10', ports: ports({ port: 80 }) }),
      opts: { serviceCIDRs: ['10.96.0.0/12', 'fd00:10:96::/112'] },
      want: [],
    },
    {
      name: 'clusterIP outside the service CIDR',
      obj: svc({ clusterIP: '10.0.0.10', ports: ports({ port: 80 }) }),
      opts: { serviceCIDRs: ['10.96.0.0/12'] },
      want: [
        'spec.clusterIPs: Invalid value: []string{"10.0.0.10"}: failed to allocate IP 10.0.0.10: the provided IP (10.0.0.10) is not in the valid range. The range of valid IPs is 10.96.0.0/12',
      ],
    },
    {
      name: 'clusterIPs[0] matches clusterIP',
      obj: svc({ clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.11'], ports: ports({ port: 80 }) }),
      want: ['spec.clusterIPs: Invalid value: []string{"10.96.0.11"}: first value must match `clusterIP`'],
    },
    {
      name: 'clusterIPs without clusterIP',
      obj: svc({ clusterIPs: ['10.96.0.11'], ports: ports({ port: 80 }) }),
      want: ['spec.clusterIPs: Invalid value: []string{"10.96.0.11"}: must be empty when `clusterIP` is not specified'],
    },
    {
      name: 'one clusterIP per family',
      obj: svc({ clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10', '10.96.0.11'], ports: ports({ port: 80 }) }),
      want: ['spec.clusterIPs: Invalid value: []string{"10.96.0.10", "10.96.0.11"}: may specify no more than one IP for each IP family'],
    },
    { name: 'dual-stack clusterIPs', obj: svc({ clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10', 'fd00::a'], ipFamilies: ['IPv4', 'IPv6'], ipFamilyPolicy: 'RequireDualStack', ports: ports({ port: 80 }) }), want: [] },
    {
      name: 'clusterIPs follow ipFamilies',
      obj: svc({ clusterIP: '10.96.0.10', ipFamilies: ['IPv6'], ports: ports({ port: 80 }) }),
      want: ['spec.clusterIPs[0]: Invalid value: "10.96.0.10": expected an IPv6 value as indicated by `ipFamilies[0]`'],
    },
    {
      name: 'ipFamilies values',
      obj: svc({ ipFamilies: ['IPv4', 'IPv4', 'IPv5'], ports: ports({ port: 80 }) }),
      want: ['spec.ipFamilies[1]: Duplicate value: "IPv4"', 'spec.ipFamilies[2]: Unsupported value: "IPv5": supported values: "IPv4", "IPv6"'],
    },
    {
      name: 'ipFamilyPolicy values',
      obj: svc({ ipFamilyPolicy: 'DualStack', ports: ports({ port: 80 }) }),
      want: ['spec.ipFamilyPolicy: Unsupported value: "DualStack": supported values: "PreferDualStack", "RequireDualStack", "SingleStack"'],
    },
    {
      name: 'service types',
      obj: svc({ type: 'Foo', ports: ports({ port: 80 }) }),
      want: ['spec.type: Unsupported value: "Foo": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"'],
    },
    {
      name: 'externalIPs are valid, non-special IPs',
      obj: svc({ externalIPs: ['1.2.3.4.5', '127.0.0.1', '203.0.113.7'], ports: ports({ port: 80 }) }),
      want: [`spec.externalIPs[0]: Invalid value: "1.2.3.4.5": ${IP_MSG}`, 'spec.externalIPs[1]: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)'],
    },
    { name: 'loadBalancerSourceRanges (space-padded is accepted)', obj: svc({ type: 'LoadBalancer', loadBalancerSourceRanges: ['10.0.0.0/8', ' 192.168.0.0/16'], ports: ports({ port: 443 }) }), want: [] },
    {
      name: 'loadBalancerSourceRanges are canonical CIDRs',
      obj: svc({ type: 'LoadBalancer', loadBalancerSourceRanges: ['10.0.0.1/8', '300.0.0.0/8', '10.0.0.0/08'], ports: ports({ port: 443 }) }),
      want: [
        'spec.LoadBalancerSourceRanges[0]: Invalid value: "10.0.0.1/8": must not have bits set beyond the prefix length',
        `spec.LoadBalancerSourceRanges[1]: Invalid value: "300.0.0.0/8": ${CIDR_MSG}`,
        'spec.LoadBalancerSourceRanges[2]: Invalid value: "10.0.0.0/08": must not have leading 0s in IP or prefix length',
      ],
    },
    {
      name: 'loadBalancerSourceRanges only for LoadBalancer',
      obj: svc({ type: 'NodePort', loadBalancerSourceRanges: ['10.0.0.0/8'], ports: ports({ port: 80 }) }),
      want: ["spec.LoadBalancerSourceRanges: Forbidden: may only be used when `type` is 'LoadBalancer'"],
    },
    {
      name: 'externalTrafficPolicy needs an externally reachable service',
      obj: svc({ externalTrafficPolicy: 'Local', ports: ports({ port: 80 }) }),
      want: ['spec.externalTrafficPolicy: Invalid value: "Local": may only be set for externally-accessible services'],
    },
    {
      name: 'externalTrafficPolicy values',
      obj: svc({ type: 'NodePort', externalTrafficPolicy: 'Foo', ports: ports({ port: 80 }) }),
      want: ['spec.externalTrafficPolicy: Unsupported value: "Foo": supported values: "Cluster", "Local"'],
    },
    {
      name: 'internalTrafficPolicy values',
      obj: svc({ internalTrafficPolicy: 'Node', ports: ports({ port: 80 }) }),
      want: ['spec.internalTrafficPolicy: Unsupported value: "Node": supported values: "Cluster", "Local"'],
    },
    {
      name: 'sessionAffinity values',
      obj: svc({ sessionAffinity: 'Sticky', ports: ports({ port: 80 }) }),
      want: ['spec.sessionAffinity: Unsupported value: "Sticky": supported values: "ClientIP", "None"'],
    },
    { name: 'ClientIP affinity gets its default timeout', obj: svc({ sessionAffinity: 'ClientIP', ports: ports({ port: 80 }) }), want: [] },
    {
      name: 'ClientIP timeout bounds',
      obj: svc({ sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 86401 } }, ports: ports({ port: 80 }) }),
      want: ['spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: 86401: must be greater than 0 and less than 86400'],
    },
    {
      name: 'LoadBalancer with externalTrafficPolicy Local needs a health check port',
      obj: svc({ type: 'LoadBalancer', externalTrafficPolicy: 'Local', ports: ports({ port: 80 }) }),
      want: ['spec.healthCheckNodePort: Required value'],
    },
    {
      name: 'healthCheckNodePort only for LoadBalancer and Local',
      obj: svc({ type: 'NodePort', healthCheckNodePort: 30999, ports: ports({ port: 80 }) }),
      want: ["spec.healthCheckNodePort: Invalid value: 30999: may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"],
    },
    {
      name: 'LoadBalancer may not expose the kubelet port',
      obj: svc({ type: 'LoadBalancer', ports: ports({ port: 10250 }) }),
      want: ['spec.ports[0]: Invalid value: 10250: may not expose port 10250 externally since it is used by kubelet'],
    },
    {
      name: 'LoadBalancer may not be headless',
      obj: svc({ type: 'LoadBalancer', clusterIP: 'None', ports: ports({ port: 80 }) }),
      want: ["spec.clusterIPs[0]: Invalid value: \"None\": may not be set to 'None' for LoadBalancer services"],
    },
    {
      name: 'a wrongly typed port is reported once',
      obj: svc({ ports: ports({ port: '80', targetPort: 8080 }) }),
      want: ['spec.ports[0].port: Invalid value: "80": must be of type integer'],
    },
  ]);

  it('reports all five mistakes of one bad Service, exactly', () => {
    const bad = svc(
      {
        type: 'NodePort',
        clusterIP: '10.96.0.1000',
        ports: [
          { name: 'http', port: 80, targetPort: 8080, nodePort: 80 },
          { name: 'http', port: 443, targetPort: 8443, protocol: 'TPC' },
        ],
      },
      { name: 'Web' },
    );
    assert.deepEqual(run({ name: '', obj: bad, opts: { serviceCIDRs: ['10.96.0.0/12'], nodePortRange: NODE_PORTS }, want: [] }), [
      `metadata.name: Invalid value: "Web": ${DNS1035}`,
      'spec.ports[1].name: Duplicate value: "http"',
      'spec.ports[1].protocol: Unsupported value: "TPC": supported values: "SCTP", "TCP", "UDP"',
      `spec.clusterIPs[0]: Invalid value: "10.96.0.1000": ${IP_MSG}`,
      'spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767',
    ]);
  });
});

describe('api/validation: Pod', () => {
  table([
    { name: 'a valid pod', obj: pod({ containers: [ctr({ ports: [{ name: 'http', containerPort: 80 }] })] }), want: [] },
    { name: 'containers are required', obj: pod({}), want: ['spec.containers: Required value'] },
    {
      name: 'container names are DNS labels and unique',
      obj: pod({ containers: [ctr({ name: 'App_1' }), ctr(), ctr()] }),
      want: [`spec.containers[0].name: Invalid value: "App_1": ${DNS1123_LABEL}`, 'spec.containers[2].name: Duplicate value: "app"'],
    },
    { name: 'image is required', obj: pod({ containers: [ctr({ image: undefined })] }), want: ['spec.containers[0].image: Required value'] },
    {
      name: 'container and host ports',
      obj: pod({ containers: [ctr({ ports: [{ containerPort: 0 }, { containerPort: 70000 }, { containerPort: 80, hostPort: 70000 }] })] }),
      want: [
        'spec.containers[0].ports[0].containerPort: Required value',
        `spec.containers[0].ports[1].containerPort: Invalid value: 70000: ${PORT_RANGE}`,
        `spec.containers[0].ports[2].hostPort: Invalid value: 70000: ${PORT_RANGE}`,
      ],
    },
    {
      name: 'container port names are IANA service names, unique per container',
      obj: pod({
        containers: [
          ctr({
            ports: [
              { name: 'metrics-exporter-x', containerPort: 81 },
              { name: '8080', containerPort: 82 },
              { name: 'web--ui', containerPort: 83 },
              { name: 'http', containerPort: 84 },
              { name: 'http', containerPort: 85 },
            ],
          }),
          ctr({ name: 'sidecar', ports: [{ name: 'http', containerPort: 86 }] }),
        ],
      }),
      want: [
        'spec.containers[0].ports[0].name: Invalid value: "metrics-exporter-x": must be no more than 15 characters',
        'spec.containers[0].ports[1].name: Invalid value: "8080": must contain at least one letter (a-z)',
        'spec.containers[0].ports[2].name: Invalid value: "web--ui": must not contain consecutive hyphens',
        'spec.containers[0].ports[4].name: Duplicate value: "http"',
      ],
    },
    {
      name: 'container port protocols',
      obj: pod({ containers: [ctr({ ports: [{ containerPort: 80, protocol: 'tcp' }] })] }),
      want: ['spec.containers[0].ports[0].protocol: Unsupported value: "tcp": supported values: "SCTP", "TCP", "UDP"'],
    },
    {
      name: 'host ports do not collide',
      obj: pod({ containers: [ctr({ ports: [{ containerPort: 80, hostPort: 8080 }] }), ctr({ name: 'b', ports: [{ containerPort: 81, hostPort: 8080 }] })] }),
      want: ['spec.containers[1].ports[0].hostPort: Duplicate value: "TCP//8080"'],
    },
    {
      name: 'hostNetwork pods use their container ports on the host',
      obj: pod({ hostNetwork: true, containers: [ctr({ ports: [{ containerPort: 80, hostPort: 8080 }] })] }),
      want: ['spec.containers[0].ports[0].hostPort: Invalid value: 8080: must match `containerPort` when `hostNetwork` is true'],
    },
    {
      name: 'dnsPolicy values',
      obj: pod({ dnsPolicy: 'Cluster', containers: [ctr()] }),
      want: ['spec.dnsPolicy: Unsupported value: "Cluster": supported values: "ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"'],
    },
    {
      name: 'dnsPolicy None needs a dnsConfig',
      obj: pod({ dnsPolicy: 'None', containers: [ctr()] }),
      want: ['spec.dnsConfig: Required value: must provide `dnsConfig` when `dnsPolicy` is None'],
    },
    {
      name: 'dnsPolicy None needs a nameserver',
      obj: pod({ dnsPolicy: 'None', dnsConfig: { searches: ['svc.cluster.local'] }, containers: [ctr()] }),
      want: ['spec.dnsConfig.nameservers: Required value: must provide at least one DNS nameserver when `dnsPolicy` is None'],
    },
    {
      name: 'dnsConfig nameservers and searches',
      obj: pod({
        dnsConfig: { nameservers: ['1.1.1.1', '8.8.8.8', '9.9.9.9', '1.0.0.01'], searches: ['Example.com', 'svc.cluster.local.'], options: [{ value: '2' }] },
        containers: [ctr()],
      }),
      want: [
        'spec.dnsConfig.nameservers: Invalid value: []string{"1.1.1.1", "8.8.8.8", "9.9.9.9", "1.0.0.01"}: must not have more than 3 nameservers',
        'spec.dnsConfig.nameservers[3]: Invalid value: "1.0.0.01": must not have leading 0s',
        `spec.dnsConfig.searches[0]: Invalid value: "Example.com": ${DNS1123_SUBDOMAIN}`,
        'spec.dnsConfig.options[0]: Required value: must not be empty',
      ],
    },
    {
      name: 'at most 32 search domains',
      obj: pod({ dnsConfig: { searches: Array.from({ length: 33 }, (_, i) => `s${i}.example.com`) }, containers: [ctr()] }),
      want: [
        `spec.dnsConfig.searches: Invalid value: []string{${Array.from({ length: 33 }, (_, i) => `"s${i}.example.com"`).join(', ')}}: must not have more than 32 search paths`,
      ],
    },
    {
      name: 'restartPolicy values',
      obj: pod({ restartPolicy: 'Sometimes', containers: [ctr()] }),
      want: ['spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"'],
    },
    {
      name: 'hostname and subdomain are DNS labels',
      obj: pod({ hostname: 'web.1', subdomain: 'Sub', containers: [ctr()] }),
      want: ['spec.hostname: Invalid value: "web.1": must not contain dots', `spec.subdomain: Invalid value: "Sub": ${DNS1123_LABEL}`],
    },
    {
      name: 'resource quantities parse',
      obj: pod({ containers: [ctr({ resources: { limits: { cpu: 'one' }, requests: { cpu: '100m' } } })] }),
      want: ["spec.containers[0].resources.limits[cpu]: Invalid value: \"one\": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"],
    },
    {
      name: 'requests are at most the limits',
      obj: pod({ containers: [ctr({ resources: { limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '1500m', memory: '1.5Gi' } } })] }),
      want: [
        'spec.containers[0].resources.requests: Invalid value: "1500m": must be less than or equal to cpu limit of 1',
        'spec.containers[0].resources.requests: Invalid value: "1536Mi": must be less than or equal to memory limit of 1Gi',
      ],
    },
    {
      name: 'resource names',
      obj: pod({ containers: [ctr({ resources: { requests: { gpu: '1', 'example.com/gpu': '1' }, limits: { 'example.com/gpu': '1' } } })] }),
      want: [
        'spec.containers[0].resources.requests[gpu]: Invalid value: "gpu": must be a standard resource type or fully qualified',
        'spec.containers[0].resources.requests[gpu]: Invalid value: "gpu": must be a standard resource for containers',
      ],
    },
    {
      name: 'nodeSelector holds labels',
      obj: pod({ nodeSelector: { 'disk type': 'ssd' }, containers: [ctr()] }),
      want: [
        `spec.nodeSelector: Invalid value: "disk type": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
      ],
    },
    {
      name: 'tolerations',
      obj: pod({
        containers: [ctr()],
        tolerations: [
          { key: 'dedicated', operator: 'Exists', value: 'gpu', effect: 'NoSchedule' },
          { operator: 'Equal', value: 'v' },
          { key: 'k', operator: 'Exists', effect: 'NoSchedule', tolerationSeconds: 60 },
          { key: 'k', operator: 'Exists', effect: 'NoRun' },
          { key: 'k', operator: 'In' },
          { operator: 'Exists' },
        ],
      }),
      want: [
        'spec.tolerations[0].operator: Invalid value: core.Toleration{Key:"dedicated", Operator:"Exists", Value:"gpu", Effect:"NoSchedule", TolerationSeconds:(*int64)(nil)}: value must be empty when `operator` is \'Exists\'',
        'spec.tolerations[1].operator: Invalid value: "Equal": operator must be Exists when `key` is empty, which means "match all values and all keys"',
        "spec.tolerations[2].effect: Invalid value: \"NoSchedule\": effect must be 'NoExecute' when `tolerationSeconds` is set",
        'spec.tolerations[3].effect: Unsupported value: "NoRun": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"',
        'spec.tolerations[4].operator: Unsupported value: "In": supported values: "Equal", "Exists"',
      ],
    },
    {
      name: 'probes',
      obj: pod({
        containers: [
          ctr({
            livenessProbe: {},
            readinessProbe: { httpGet: { port: 80 }, tcpSocket: { port: 80 }, periodSeconds: -1 },
            startupProbe: { exec: { command: ['true'] }, successThreshold: 2 },
          }),
        ],
      }),
      want: [
        'spec.containers[0].livenessProbe: Required value: must specify a handler type',
        'spec.containers[0].readinessProbe.tcpSocket: Forbidden: may not specify more than 1 handler type',
        `spec.containers[0].readinessProbe.periodSeconds: Invalid value: -1: ${NEGATIVE}`,
        'spec.containers[0].startupProbe.successThreshold: Invalid value: 2: must be 1',
      ],
    },
    {
      name: 'environment variable names',
      obj: pod({ containers: [ctr({ env: [{ value: 'x' }, { name: 'A=B', value: 'y' }, { name: 'my.var-1', value: 'z' }] })] }),
      want: [
        'spec.containers[0].env[0].name: Required value',
        "spec.containers[0].env[1].name: Invalid value: \"A=B\": a valid environment variable name must consist only of printable ASCII characters other than '='",
      ],
    },
    {
      name: 'images may not be padded with spaces',
      obj: pod({ containers: [ctr({ image: ' nginx' })] }),
      want: ['spec.containers[0].image: Invalid value: " nginx": must not have leading or trailing whitespace'],
    },
    {
      name: 'a string where a number belongs',
      obj: pod({ containers: [ctr({ ports: [{ containerPort: '80' }] })] }),
      want: ['spec.containers[0].ports[0].containerPort: Invalid value: "80": must be of type integer'],
    },
  ]);
});

describe('api/validation: workloads', () => {
  const ls = (m: Obj) => ({ matchLabels: m });
  table([
    { name: 'a valid Deployment', obj: deploy({}), want: [] },
    {
      name: 'Deployment: selector required (and then nothing matches)',
      obj: deploy({ selector: undefined }),
      want: ['spec.selector: Required value', `spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: ${NO_MATCH}`],
    },
    {
      name: 'Deployment: an empty selector',
      obj: deploy({ selector: {} }),
      want: [
        'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment',
      ],
    },
    {
      name: 'Deployment: selector must match the template',
      obj: deploy({ template: template({ app: 'api', tier: 'be' }) }),
      want: [`spec.template.metadata.labels: Invalid value: map[string]string{"app":"api", "tier":"be"}: ${NO_MATCH}`],
    },
    {
      name: 'Deployment: an invalid selector operator',
      obj: deploy({ selector: { matchExpressions: [{ key: 'app', operator: 'Equals', values: ['web'] }] } }),
      want: [
        'spec.selector.matchExpressions[0].operator: Invalid value: "Equals": not a valid selector operator',
        'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement{v1.LabelSelectorRequirement{Key:"app", Operator:"Equals", Values:[]string{"web"}}}}: invalid label selector',
      ],
    },
    { name: 'Deployment: replicas ≥ 0', obj: deploy({ replicas: -1 }), want: [`spec.replicas: Invalid value: -1: ${NEGATIVE}`] },
    {
      name: 'Deployment: maxUnavailable and maxSurge are not both 0',
      obj: deploy({ strategy: { rollingUpdate: { maxSurge: 0, maxUnavailable: '0%' } } }),
      want: ['spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"0%"}: may not be 0 when `maxSurge` is 0'],
    },
    { name: 'Deployment: maxUnavailable 0 with a surge', obj: deploy({ strategy: { rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } }), want: [] },
    {
      name: 'Deployment: percentages',
      obj: deploy({ strategy: { rollingUpdate: { maxSurge: 'abc', maxUnavailable: '110%' } } }),
      want: [
        "spec.strategy.rollingUpdate.maxSurge: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:\"abc\"}: a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')",
        'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"110%"}: must not be greater than 100%',
      ],
    },
    {
      name: 'Deployment: a negative surge',
      obj: deploy({ strategy: { rollingUpdate: { maxSurge: -1 } } }),
      want: [`spec.strategy.rollingUpdate.maxSurge: Invalid value: -1: ${NEGATIVE}`],
    },
    {
      name: 'Deployment: strategy types',
      obj: deploy({ strategy: { type: 'BlueGreen' } }),
      want: ['spec.strategy: Unsupported value: apps.DeploymentStrategy{Type:"BlueGreen", RollingUpdate:(*apps.RollingUpdateDeployment)(nil)}: supported values: "Recreate", "RollingUpdate"'],
    },
    {
      name: 'Deployment: Recreate has no rollingUpdate',
      obj: deploy({ strategy: { type: 'Recreate', rollingUpdate: { maxSurge: 1 } } }),
      want: ["spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'"],
    },
    {
      name: 'Deployment: pods restart Always',
      obj: deploy({ template: template({ app: 'web' }, { restartPolicy: 'Never' }) }),
      want: ['spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"'],
    },
    {
      name: 'Deployment: progressDeadlineSeconds > minReadySeconds',
      obj: deploy({ minReadySeconds: 10, progressDeadlineSeconds: 10 }),
      want: ['spec.progressDeadlineSeconds: Invalid value: 10: must be greater than minReadySeconds'],
    },
    {
      name: 'Deployment: the template pod spec is validated',
      obj: deploy({ template: template({ app: 'web' }, { containers: [ctr({ name: 'Web' })] }) }),
      want: [`spec.template.spec.containers[0].name: Invalid value: "Web": ${DNS1123_LABEL}`],
    },
    {
      name: 'ReplicaSet: an empty selector ("for deployment", as upstream says)',
      obj: workload('ReplicaSet', { selector: { matchLabels: {} } }),
      want: [
        'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment',
      ],
    },
    {
      name: 'ReplicaSet: selector must match the template',
      obj: workload('ReplicaSet', { selector: ls({ app: 'other' }) }),
      want: [`spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: ${NO_MATCH}`],
    },
    { name: 'a valid StatefulSet (no serviceName needed)', obj: workload('StatefulSet', {}), want: [] },
    { name: 'StatefulSet names are DNS labels', obj: workload('StatefulSet', {}, { name: 'web.v1' }), want: ['metadata.name: Invalid value: "web.v1": must not contain dots'] },
    {
      name: 'StatefulSet: podManagementPolicy',
      obj: workload('StatefulSet', { podManagementPolicy: 'Serial' }),
      want: ["spec.podManagementPolicy: Invalid value: \"Serial\": must be 'OrderedReady' or 'Parallel'"],
    },
    {
      name: 'StatefulSet: updateStrategy type',
      obj: workload('StatefulSet', { updateStrategy: { type: 'Rolling' } }),
      want: [
        "spec.updateStrategy: Invalid value: apps.StatefulSetUpdateStrategy{Type:\"Rolling\", RollingUpdate:(*apps.RollingUpdateStatefulSetStrategy)(nil)}: must be 'RollingUpdate' or 'OnDelete'",
      ],
    },
    {
      name: 'StatefulSet: maxUnavailable is not 0',
      obj: workload('StatefulSet', { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0 } } }),
      want: ['spec.updateStrategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:0, IntVal:0, StrVal:""}: cannot be 0'],
    },
    {
      name: 'StatefulSet: the template pod spec is not validated (as upstream)',
      obj: workload('StatefulSet', { template: template({ app: 'web' }, { containers: [ctr({ name: 'Web' })] }) }),
      want: [],
    },
    {
      name: 'DaemonSet: no selector only fails the template match',
      obj: workload('DaemonSet', { selector: undefined }),
      want: [`spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: ${NO_MATCH}`],
    },
    {
      name: 'DaemonSet: surge or unavailable, not both',
      obj: workload('DaemonSet', { updateStrategy: { rollingUpdate: { maxSurge: 1 } } }),
      want: ['spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: intstr.IntOrString{Type:0, IntVal:1, StrVal:""}: may not be set when maxUnavailable is non-zero'],
    },
    {
      name: 'DaemonSet: surge or unavailable, at least one',
      obj: workload('DaemonSet', { updateStrategy: { rollingUpdate: { maxUnavailable: 0 } } }),
      want: ['spec.updateStrategy.rollingUpdate.maxUnavailable: Required value: cannot be 0 when maxSurge is 0'],
    },
    {
      name: 'a ReplicationController takes its selector from the template',
      obj: { apiVersion: 'v1', kind: 'ReplicationController', metadata: { name: 'rc' }, spec: { template: template({ app: 'web' }) } },
      want: [],
    },
    {
      name: 'ReplicationController: restartPolicy Always',
      obj: { apiVersion: 'v1', kind: 'ReplicationController', metadata: { name: 'rc' }, spec: { template: template({ app: 'web' }, { restartPolicy: 'OnFailure' }) } },
      want: ['spec.template.spec.restartPolicy: Unsupported value: "OnFailure": supported values: "Always"'],
    },
    {
      name: 'ReplicationController: selector and template required',
      obj: { apiVersion: 'v1', kind: 'ReplicationController', metadata: { name: 'rc' }, spec: {} },
      want: ['spec.selector: Required value', 'spec.template: Required value'],
    },
  ]);

  const generated = (spec: Obj): Obj => {
    const j = job(spec);
    applyDefaults(k(j));
    defaultJobSelector(k(j), '6f1d3e2a-0000-4000-8000-000000000001');
    return j;
  };
  table([
    { name: 'a valid Job with its generated selector', obj: generated({}), raw: true, want: [] },
    {
      name: 'Job: restartPolicy defaults to Always, which Jobs cannot use',
      obj: generated({ template: template({ app: 'batch' }) }),
      raw: true,
      want: ['spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"'],
    },
    {
      name: 'Job: counts are not negative',
      obj: generated({ parallelism: -1, completions: -1, backoffLimit: -1 }),
      raw: true,
      want: [`spec.parallelism: Invalid value: -1: ${NEGATIVE}`, `spec.completions: Invalid value: -1: ${NEGATIVE}`, `spec.backoffLimit: Invalid value: -1: ${NEGATIVE}`],
    },
    {
      name: 'Job: a manual selector must match the template',
      obj: generated({ manualSelector: true, selector: { matchLabels: { app: 'other' } } }),
      raw: true,
      want: [`spec.template.metadata.labels: Invalid value: map[string]string{"app":"batch"}: ${NO_MATCH}`],
    },
    {
      name: 'Job: without the registry step there is no selector',
      obj: job({}),
      want: ['spec.selector: Required value', `spec.template.metadata.labels: Invalid value: map[string]string{"app":"batch"}: ${NO_MATCH}`],
    },
    {
      name: 'Job: completionMode values',
      obj: generated({ completionMode: 'Ordered' }),
      raw: true,
      want: ['spec.completionMode: Unsupported value: "Ordered": supported values: "NonIndexed", "Indexed"'],
    },
  ]);
});

describe('api/validation: EndpointSlice, Endpoints', () => {
  table([
    { name: 'a valid EndpointSlice', obj: slice({}), want: [] },
    { name: 'addressType values', obj: slice({ addressType: 'IP' }), want: ['addressType: Unsupported value: "IP": supported values: "FQDN", "IPv4", "IPv6"'] },
    { name: 'an endpoint has addresses', obj: slice({ endpoints: [{ addresses: [] }] }), want: ['endpoints[0].addresses: Required value: must contain at least 1 address'] },
    {
      name: 'addresses match the address type and are not special',
      obj: slice({ endpoints: [{ addresses: ['fd00::1', '127.0.0.1', '010.1.1.1'] }] }),
      want: [
        'endpoints[0].addresses[0]: Invalid value: "fd00::1": must be a valid IPv4 address',
        'endpoints[0].addresses[1]: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)',
        'endpoints[0].addresses[2]: Invalid value: "010.1.1.1": must not have leading 0s',
      ],
    },
    {
      name: 'FQDN addresses',
      obj: slice({ addressType: 'FQDN', endpoints: [{ addresses: ['example', 'db.example.com'] }] }),
      want: ['endpoints[0].addresses[0]: Invalid value: "example": should be a domain with at least two segments separated by dots'],
    },
    {
      name: 'port names are unique (two unnamed ports collide)',
      obj: slice({ ports: [{ port: 80 }, { port: 81 }] }),
      want: ['ports[1].name: Duplicate value: ""'],
    },
    {
      name: 'port names and protocols',
      obj: slice({ ports: [{ name: 'HTTP', port: 80, protocol: 'ICMP' }] }),
      want: [`ports[0].name: Invalid value: "HTTP": ${DNS1123_LABEL}`, 'ports[0].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"'],
    },
    {
      name: 'Endpoints subsets',
      obj: {
        apiVersion: 'v1',
        kind: 'Endpoints',
        metadata: { name: 'web' },
        subsets: [{ ports: [{ port: 80 }] }, { addresses: [{ ip: '10.0.0.1.1' }], ports: [{ port: 80 }, { port: 81 }] }],
      },
      want: [
        'subsets[0]: Required value: must specify `addresses` or `notReadyAddresses`',
        `subsets[1].addresses[0].ip: Invalid value: "10.0.0.1.1": ${IP_MSG}`,
        'subsets[1].addresses[0].ip: Invalid value: "10.0.0.1.1": must be a valid IP address',
        'subsets[1].ports[0].name: Required value',
        'subsets[1].ports[1].name: Required value',
      ],
    },
  ]);

  it('reports too many endpoints and addresses with the count', () => {
    // errors.ts omits the count when printing Too many (apimachinery prints it), so fields are compared.
    const tooMany = (o: Obj) => {
      applyDefaults(k(o));
      return validateObject(k(o)).map((e) => [e.field, e.type, e.badValue, e.detail]);
    };
    const many = Array.from({ length: 1001 }, (_, i) => ({ addresses: [`10.0.${i >> 8}.${(i & 255) + 1}`] }));
    assert.deepEqual(tooMany(slice({ endpoints: many })), [['endpoints', 'FieldValueTooMany', 1001, 'must have at most 1000 items']]);
    const addrs = Array.from({ length: 101 }, (_, i) => `10.1.0.${i + 1}`);
    assert.deepEqual(tooMany(slice({ endpoints: [{ addresses: addrs }] })), [['endpoints[0].addresses', 'FieldValueTooMany', 101, 'must have at most 100 items']]);
  });
});

describe('api/validation: Ingress, IngressClass, NetworkPolicy', () => {
  table([
    { name: 'a valid Ingress', obj: ingressPath({}), want: [] },
    {
      name: 'defaultBackend or rules',
      obj: ingress({}),
      want: ['spec: Invalid value: []networking.IngressRule(nil): either `defaultBackend` or `rules` must be specified'],
    },
    { name: 'a defaultBackend alone', obj: ingress({ defaultBackend: backend({ name: 'http' }) }), want: [] },
    {
      name: 'pathType is required',
      obj: ingressPath({ pathType: undefined }),
      want: ['spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified'],
    },
    {
      name: 'pathType values',
      obj: ingressPath({ pathType: 'Regex' }),
      want: ['spec.rules[0].http.paths[0].pathType: Unsupported value: "Regex": supported values: "Exact", "ImplementationSpecific", "Prefix"'],
    },
    { name: 'Prefix paths are absolute', obj: ingressPath({ path: 'api' }), want: ['spec.rules[0].http.paths[0].path: Invalid value: "api": must be an absolute path'] },
    {
      name: 'Exact paths have no empty segments',
      obj: ingressPath({ path: '/api//v1', pathType: 'Exact' }),
      want: ["spec.rules[0].http.paths[0].path: Invalid value: \"/api//v1\": must not contain '//'"],
    },
    { name: 'ImplementationSpecific allows an empty path', obj: ingressPath({ path: undefined, pathType: 'ImplementationSpecific' }), want: [] },
    {
      name: 'hosts: a leading wildcard only',
      obj: ingress({
        rules: [
          { host: '*.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: backend() }] } },
          { host: 'foo.*.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: backend() }] } },
        ],
      }),
      want: [
        "spec.rules[1].host: Invalid value: \"foo.*.com\": a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character (e.g. '*.example.com', regex used for validation is '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
      ],
    },
    {
      name: 'hosts are names, not IPs',
      obj: ingress({ rules: [{ host: '10.0.0.1', http: { paths: [{ path: '/', pathType: 'Prefix', backend: backend() }] } }] }),
      want: ['spec.rules[0].host: Invalid value: "10.0.0.1": must be a DNS name, not an IP address'],
    },
    {
      name: 'backend ports: name or number',
      obj: ingress({
        rules: [
          {
            http: {
              paths: [
                { path: '/a', pathType: 'Prefix', backend: backend({ name: 'http', number: 80 }) },
                { path: '/b', pathType: 'Prefix', backend: backend({}) },
                { path: '/c', pathType: 'Prefix', backend: backend({ number: 70000 }) },
                { path: '/d', pathType: 'Prefix', backend: backend({ number: 80 }, 'Web') },
              ],
            },
          },
        ],
      }),
      want: [
        'spec.rules[0].http.paths[0].backend: Invalid value: "": cannot set both port name & port number',
        'spec.rules[0].http.paths[1].backend: Required value: port name or number is required',
        `spec.rules[0].http.paths[2].backend.service.port.number: Invalid value: 70000: ${PORT_RANGE}`,
        `spec.rules[0].http.paths[3].backend.service.name: Invalid value: "Web": ${DNS1035}`,
      ],
    },
    { name: 'a valid IngressClass', obj: { apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'nginx' }, spec: { controller: 'k8s.io/ingress-nginx' } }, want: [] },
    { name: 'IngressClass: controller required', obj: { apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'nginx' }, spec: {} }, want: ['spec.controller: Required value'] },
    {
      name: 'IngressClass: controller is domain-prefixed',
      obj: { apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'nginx' }, spec: { controller: 'nginx' } },
      want: ['spec.controller: Invalid value: "nginx": must be a domain-prefixed path (such as "acme.io/foo")'],
    },
    { name: 'a valid NetworkPolicy', obj: netpol({ ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/16', except: ['10.0.1.0/24'] } }], ports: [{ port: 80 }] }] }), want: [] },
    {
      name: 'ipBlock CIDRs have no host bits',
      obj: netpol({ ingress: [{ from: [{ ipBlock: { cidr: '10.1.2.3/16' } }] }] }),
      want: ['spec.ingress[0].from[0].ipBlock.cidr: Invalid value: "10.1.2.3/16": must not have bits set beyond the prefix length'],
    },
    {
      name: 'ipBlock except is a strict subset',
      obj: netpol({ ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/16', except: ['10.1.0.0/24', '10.0.0.0/16'] } }] }] }),
      want: [
        'spec.ingress[0].from[0].ipBlock.except[0]: Invalid value: "10.1.0.0/24": must be a strict subset of `cidr`',
        'spec.ingress[0].from[0].ipBlock.except[1]: Invalid value: "10.0.0.0/16": must be a strict subset of `cidr`',
      ],
    },
    {
      name: 'peers',
      obj: netpol({ ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/8' }, podSelector: {} }, {}] }] }),
      want: ['spec.ingress[0].from[0]: Forbidden: may not specify both ipBlock and another peer', 'spec.ingress[0].from[1]: Required value: must specify a peer'],
    },
    {
      name: 'port ranges',
      obj: netpol({ egress: [{ ports: [{ port: 8080, endPort: 80 }, { port: 'http', endPort: 90 }] }] }),
      want: [
        'spec.egress[0].ports[0].endPort: Invalid value: 8080: must be greater than or equal to `port`',
        'spec.egress[0].ports[1].endPort: Invalid value: 90: may not be specified when `port` is non-numeric',
      ],
    },
    {
      name: 'policyTypes values',
      obj: netpol({ policyTypes: ['Ingress', 'Both'] }),
      want: ['spec.policyTypes[1]: Unsupported value: "Both": supported values: "Ingress", "Egress"'],
    },
  ]);
});

describe('api/validation: HPA, Namespace, Node, ConfigMap', () => {
  table([
    { name: 'a valid HPA', obj: hpa({}), want: [] },
    { name: 'HPA: maxReplicas ≥ minReplicas', obj: hpa({ minReplicas: 3, maxReplicas: 2 }), want: ['spec.maxReplicas: Invalid value: 2: must be greater than or equal to `minReplicas`'] },
    {
      name: 'HPA: minReplicas ≥ 1, maxReplicas ≥ 1',
      obj: hpa({ minReplicas: 0, maxReplicas: 0 }),
      want: ['spec.minReplicas: Invalid value: 0: must be greater than or equal to 1', 'spec.maxReplicas: Invalid value: 0: must be greater than 0'],
    },
    {
      name: 'HPA: scaleTargetRef is required',
      obj: hpa({ scaleTargetRef: undefined }),
      want: ['spec.scaleTargetRef.kind: Required value', 'spec.scaleTargetRef.name: Required value'],
    },
    {
      name: 'HPA: behavior rules need policies',
      obj: hpa({ behavior: { scaleDown: { policies: [] } } }),
      want: ['spec.behavior.scaleDown.policies: Required value: must specify at least one Policy'],
    },
    { name: 'Namespace: standard finalizers', obj: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' }, spec: { finalizers: ['kubernetes'] } }, want: [] },
    {
      name: 'Namespace: other finalizers are qualified',
      obj: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' }, spec: { finalizers: ['example'] } },
      want: ['spec.finalizers: Invalid value: "example": name is neither a standard finalizer name nor is it fully qualified'],
    },
    {
      name: 'Node: pod CIDRs are canonical subnets',
      obj: { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1' }, spec: { podCIDRs: ['10.244.1.1/24', 'FD00:0:0:1::/64'] } },
      want: [
        'spec.podCIDRs[0]: Invalid value: "10.244.1.1/24": must not have bits set beyond the prefix length',
        'spec.podCIDRs[1]: Invalid value: "FD00:0:0:1::/64": must be in canonical form ("fd00:0:0:1::/64")',
      ],
    },
    {
      name: 'Node: the v1 podCIDR field is checked as podCIDRs[0]',
      obj: { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1' }, spec: { podCIDR: '10.244.1.0/33' } },
      want: [`spec.podCIDRs[0]: Invalid value: "10.244.1.0/33": ${CIDR_MSG}`],
    },
    {
      name: 'Node: one pod CIDR per family',
      obj: { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1' }, spec: { podCIDRs: ['10.244.1.0/24', '10.244.2.0/24'] } },
      want: ['spec.podCIDRs: Invalid value: []string{"10.244.1.0/24", "10.244.2.0/24"}: may specify no more than one CIDR for each IP family'],
    },
    { name: 'Node: dual-stack pod CIDRs', obj: { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1' }, spec: { podCIDRs: ['10.244.1.0/24', 'fd00:10:244:1::/64'] } }, want: [] },
    {
      name: 'Node: taints (reported under metadata.taints, as upstream)',
      obj: {
        apiVersion: 'v1',
        kind: 'Node',
        metadata: { name: 'node-1' },
        spec: {
          taints: [
            { key: 'dedicated', value: 'a', effect: 'NoSchedule' },
            { key: 'dedicated', value: 'b', effect: 'NoSchedule' },
            { key: 'gpu', effect: 'NoRun' },
            { key: 'zone' },
          ],
        },
      },
      want: [
        'metadata.taints[1]: Duplicate value: core.Taint{Key:"dedicated", Value:"b", Effect:"NoSchedule", TimeAdded:(*v1.Time)(nil)}: taints must be unique by key and effect pair',
        'metadata.taints[2].effect: Unsupported value: "NoRun": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"',
        'metadata.taints[3].effect: Required value',
      ],
    },
    {
      name: 'ConfigMap keys',
      obj: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' }, data: { 'bad key': 'x', a: 'y' }, binaryData: { a: 'eQ==' } },
      want: [
        "data[a]: Invalid value: \"a\": duplicate of key present in binaryData",
        "data[bad key]: Invalid value: \"bad key\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
      ],
    },
  ]);
});

describe('api/validation: updates', () => {
  const update = (oldObj: Obj, mutate: (o: Obj) => void, opts?: ValidationOptions): string[] => {
    const old = structuredClone(oldObj);
    applyDefaults(k(old));
    const next = structuredClone(old);
    mutate(next);
    applyDefaults(k(next));
    return validateObjectUpdate(k(next), k(old), opts).map(String);
  };
  const spec = (o: Obj) => o.spec as Obj;

  it('a Service keeps its clusterIP', () => {
    const before = svc({ clusterIP: '10.96.0.10', ports: [{ port: 80 }] });
    assert.deepEqual(
      update(before, (o) => {
        spec(o).clusterIP = '10.96.0.11';
        spec(o).clusterIPs = ['10.96.0.11'];
      }),
      ['spec.clusterIPs[0]: Invalid value: []string{"10.96.0.11"}: may not change once set'],
    );
    assert.deepEqual(update(before, (o) => (spec(o).ports = [{ port: 8080 }])), []);
  });

  it('a Service may get a clusterIP when it stops being ExternalName', () => {
    const before = svc({ type: 'ExternalName', externalName: 'db.example.com' });
    assert.deepEqual(
      update(before, (o) => {
        o.spec = { type: 'ClusterIP', clusterIP: '10.96.0.12', ports: [{ port: 80 }] };
      }),
      [],
    );
  });

  it('name, namespace and uid are immutable', () => {
    const before = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', namespace: 'default', uid: 'u1' }, data: {} };
    assert.deepEqual(
      update(before, (o) => {
        o.metadata = { name: 'cm2', namespace: 'other', uid: 'u2' };
      }),
      [
        'metadata.name: Invalid value: "cm2": field is immutable',
        'metadata.namespace: Invalid value: "other": field is immutable',
        'metadata.uid: Invalid value: "u2": field is immutable',
      ],
    );
  });

  it('workload selectors are immutable', () => {
    const relabel = (o: Obj) => {
      spec(o).selector = { matchLabels: { app: 'web2' } };
      spec(o).template = template({ app: 'web2' });
    };
    const want = [
      'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"web2"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable',
    ];
    for (const kind of ['Deployment', 'ReplicaSet', 'DaemonSet']) assert.deepEqual(update(workload(kind, {}), relabel), want, kind);
    assert.deepEqual(update(deploy({}), (o) => (spec(o).replicas = 5)), []);
  });

  it('StatefulSet fields other than replicas, template, updateStrategy, ... are fixed', () => {
    const before = workload('StatefulSet', { serviceName: 'web' });
    assert.deepEqual(update(before, (o) => (spec(o).replicas = 3)), []);
    assert.deepEqual(
      update(before, (o) => (spec(o).serviceName = 'web-headless')),
      [
        "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
      ],
    );
  });

  it('a Job keeps its template and selector; parallelism may change', () => {
    const before = job({});
    applyDefaults(k(before));
    defaultJobSelector(k(before), 'uid-1');
    const old = structuredClone(before);
    const scaled = structuredClone(before);
    spec(scaled).parallelism = 3;
    assert.deepEqual(validateObjectUpdate(k(scaled), k(old)).map(String), []);
    const changed = structuredClone(before);
    ((spec(changed).template as Obj).spec as Obj).containers = [ctr({ image: 'busybox' })];
    applyDefaults(k(changed));
    const errs = validateObjectUpdate(k(changed), k(old));
    assert.deepEqual(
      errs.map((e) => [e.field, e.type, e.detail]),
      [['spec.template', 'FieldValueInvalid', 'field is immutable']],
    );
  });
});

describe('api/validation: robustness', () => {
  it('never throws, whatever the manifest holds', () => {
    const kinds = KINDS.map((k) => k.kind);
    const json = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        fc.constantFrom(null, 0, -1, 80, 1.5, '', 'x', 'None', '10.0.0.1', true),
        fc.array(tie('value'), { maxLength: 3 }),
        fc.dictionary(fc.constantFrom('spec', 'ports', 'port', 'containers', 'selector', 'template', 'metadata', 'name', 'type', 'labels', 'clusterIP', 'rules', 'endpoints'), tie('value'), { maxKeys: 4 }),
      ),
    })).value;
    fc.assert(
      fc.property(fc.constantFrom(...kinds), json, json, (kind, spec, meta) => {
        const o = { apiVersion: 'v1', kind, metadata: meta, spec, ports: spec, endpoints: spec } as unknown as KubeObject;
        applyDefaults(o);
        if (kind === 'Pod') admitDefaultTolerations(o);
        const errs = [...validateObject(o, { serviceCIDRs: ['10.96.0.0/12'], nodePortRange: NODE_PORTS }), ...validateObjectUpdate(o, o)];
        for (const e of errs) {
          assert.ok(e instanceof FieldError);
          assert.equal(typeof String(e), 'string');
        }
      }),
      { seed: 42, numRuns: 300 },
    );
  });

  it('canonical IPv6 text is RFC 5952, as Go prints it (lib/ipam/cidr.ts, used for "canonical form")', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff })), { minLength: 8, maxLength: 8 }), (groups) => {
        const text = groups.map((g) => g.toString(16)).join(':');
        const ip = parseIPSloppy(text);
        assert.ok(ip);
        const mapped = groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
        fc.pre(!mapped);
        // WHATWG URL serialisation is RFC 5952 with the same tie rule (first longest run of zeros).
        assert.equal(ip.text, new URL(`http://[${text}]/`).hostname.slice(1, -1));
      }),
      { seed: 42, numRuns: 300 },
    );
  });
});

describe('api/validation: pods copied from a template', () => {
  const template = { spec: { containers: [{ name: 'app', image: 'nginx', ports: [{ containerPort: 80 }] }] } };
  const copy = (nodeName?: string): KubeObject => {
    const pod: KubeObject = {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-x', namespace: 'default', uid: 'u' },
      spec: { ...structuredClone(template.spec), ...(nodeName !== undefined ? { nodeName } : {}) },
    } as KubeObject;
    markTemplateCopy((pod as unknown as { spec: object }).spec, template.spec);
    applyDefaults(pod);
    admitDefaultTolerations(pod);
    return pod;
  };

  it('validates the first copy in full and later ones by the template, nodeName still checked', () => {
    const first = copy();
    assert.deepEqual(validateObject(first), []);
    const second = copy('node_1');
    assert.deepEqual(validateObject(second).map(String), [
      'spec.nodeName: Invalid value: "node_1": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, \'-\' or \'.\', and must start and end with an alphanumeric character (e.g. \'example.com\', regex used for validation is \'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\')',
    ]);
    // Later copies share the first copy's (equal, defaulted) containers and tolerations.
    const third = copy('node-1');
    assert.deepEqual(validateObject(third), []);
    const spec = (o: KubeObject) => (o as unknown as { spec: { containers: unknown; tolerations: unknown } }).spec;
    assert.equal(spec(third).containers, spec(first).containers);
    assert.equal(spec(third).tolerations, spec(first).tolerations);
  });

  it('an unmarked pod with an invalid spec is still refused after valid copies', () => {
    assert.deepEqual(validateObject(copy()), []);
    const bad = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x', namespace: 'default' }, spec: { ...structuredClone(template.spec), restartPolicy: 'Sometimes' } } as KubeObject;
    applyDefaults(bad);
    assert.equal(validateObject(bad).length, 1);
  });
});

describe('api/validation: addresses seen before', () => {
  it('reports an address again at its new path, and a bad one after good ones', () => {
    const eps = (ips: string[]): KubeObject => ({
      apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'web', namespace: 'default' },
      subsets: [{ addresses: ips.map((ip) => ({ ip })), ports: [{ port: 80, protocol: 'TCP' }] }],
    }) as unknown as KubeObject;
    assert.deepEqual(validateObject(eps(['10.0.0.7', '10.0.0.8'])), []);
    assert.deepEqual(validateObject(eps(['10.0.0.7', '10.0.0.8'])), []);
    assert.deepEqual(validateObject(eps(['10.0.0.8', '127.0.0.1'])).map(String), [
      'subsets[0].addresses[1].ip: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)',
    ]);
    assert.deepEqual(validateObject(eps(['127.0.0.1'])).map(String), [
      'subsets[0].addresses[0].ip: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)',
    ]);
  });
});

describe('api/validation: node statuses seen before', () => {
  it('skips nothing when the status object changes, and reports a bad status on every update', () => {
    const node = (status: object): KubeObject => ({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1', uid: 'u1' }, spec: {}, status }) as unknown as KubeObject;
    const good = { capacity: { cpu: '4', memory: '8Gi', pods: '110' }, allocatable: { cpu: '4', memory: '8Gi', pods: '110' } };
    const stored = node(good);
    assert.deepEqual(validateObject(stored), []);
    // The same status object again (a spec or metadata write): still valid.
    assert.deepEqual(validateObjectUpdate(node(good), stored), []);
    const want = ['status.capacity.cpu: Invalid value: "-1": must be greater than or equal to 0'];
    const bad = node({ ...good, capacity: { ...good.capacity, cpu: '-1' } });
    assert.deepEqual(validateObjectUpdate(bad, stored).map(String), want);
    assert.deepEqual(validateObjectUpdate(bad, stored).map(String), want);
  });
});
