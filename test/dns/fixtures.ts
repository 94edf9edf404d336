// A small cluster of fixture objects for the DNS tests, modelled on CoreDNS's handler_test.go
// fixtures (svc1, svc6, hdls1, external, ...) but written as real Kubernetes objects.
import type { KubeObject } from '../../lib/api/meta.js';
import type { Endpoint, EndpointSlice, EndpointSlicePort, Namespace, Pod, Service, ServiceSpec } from '../../lib/api/types.js';
import { ClusterZone, type ClusterDNSSettings, clusterDNSConfig } from '../../dns/zone.js';
import type { VirtualClock } from '../../lib/sim/clock.js';

export function namespace(name: string): Namespace {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name } };
}

export function service(ns: string, name: string, spec: ServiceSpec): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { namespace: ns, name }, spec };
}

export function slice(ns: string, name: string, svc: string, addressType: 'IPv4' | 'IPv6', endpoints: Endpoint[], ports: EndpointSlicePort[] = [{ name: 'http', protocol: 'TCP', port: 80 }]): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { namespace: ns, name, labels: { 'kubernetes.io/service-name': svc } },
    addressType,
    endpoints,
    ports,
  };
}

export function ep(address: string, extra: Partial<Endpoint> = {}): Endpoint {
  return { addresses: [address], conditions: { ready: true }, ...extra };
}

export function pod(ns: string, name: string, podIP: string): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { namespace: ns, name }, spec: { containers: [{ name: 'c' }] }, status: { phase: 'Running', podIP } };
}

const http = [{ name: 'http', protocol: 'TCP' as const, port: 80 }];

/** The fixture objects: Services of every kind, their EndpointSlices, a Pod, the namespaces. */
export function fixtureObjects(): KubeObject[] {
  return [
    namespace('default'),
    namespace('kube-system'),
    namespace('testns'),
    namespace('podns'),
    namespace('unexposedns'),
    service('kube-system', 'kube-dns', { clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'], ports: [{ name: 'dns', protocol: 'UDP', port: 53 }, { name: 'dns-tcp', protocol: 'TCP', port: 53 }] }),
    service('testns', 'svc1', { clusterIP: '10.0.0.1', clusterIPs: ['10.0.0.1'], ports: http, selector: { app: 'svc1' } }),
    slice('testns', 'svc1-x1', 'svc1', 'IPv4', [ep('172.0.0.1', { hostname: 'ep1a' })]),
    service('testns', 'svcempty', { clusterIP: '10.0.0.5', clusterIPs: ['10.0.0.5'], ports: http, selector: { app: 'none' } }),
    slice('testns', 'svcempty-x1', 'svcempty', 'IPv4', []),
    service('testns', 'svc6', { clusterIP: '1234:abcd::1', clusterIPs: ['1234:abcd::1'], ipFamilies: ['IPv6'], ports: http }),
    service('testns', 'svc-dual-stack', { clusterIP: '10.0.0.3', clusterIPs: ['10.0.0.3', '10::3'], ipFamilies: ['IPv4', 'IPv6'], ports: http }),
    service('testns', 'svc-noports', { clusterIP: '10.0.0.4', clusterIPs: ['10.0.0.4'] }),
    service('testns', 'hdls1', { clusterIP: 'None', clusterIPs: ['None'], selector: { app: 'hdls1' } }),
    slice('testns', 'hdls1-v4', 'hdls1', 'IPv4', [
      ep('172.0.0.2'),
      ep('172.0.0.3'),
      ep('172.0.0.4', { hostname: 'dup-name' }),
      ep('172.0.0.5', { hostname: 'dup-name' }),
      ep('172.0.0.9', { conditions: { ready: false, serving: true } }),
    ]),
    slice('testns', 'hdls1-v6', 'hdls1', 'IPv6', [ep('5678:abcd::1'), ep('5678:abcd::2')]),
    service('testns', 'hdlsprtls', { clusterIP: 'None', clusterIPs: ['None'] }),
    slice('testns', 'hdlsprtls-x1', 'hdlsprtls', 'IPv4', [ep('172.0.0.20')], []),
    service('testns', 'hdls-notready', { clusterIP: 'None', clusterIPs: ['None'], ports: http }),
    slice('testns', 'hdls-notready-x1', 'hdls-notready', 'IPv4', [ep('172.0.0.30', { conditions: { ready: false } })]),
    service('testns', 'hdls-dup', { clusterIP: 'None', clusterIPs: ['None'], ports: http }),
    slice('testns', 'hdls-dup-a', 'hdls-dup', 'IPv4', [ep('172.0.1.1'), ep('172.0.1.2', { conditions: {} })]),
    slice('testns', 'hdls-dup-b', 'hdls-dup', 'IPv4', [ep('172.0.1.1', { conditions: { ready: true, serving: true, terminating: false } })]),
    // A StatefulSet's governing Service: pods web-0/web-1 carry hostname + subdomain=web.
    service('testns', 'web', { clusterIP: 'None', clusterIPs: ['None'], ports: [{ name: 'web', protocol: 'TCP', port: 8080 }] }),
    slice('testns', 'web-x1', 'web', 'IPv4', [
      ep('10.244.1.10', { hostname: 'web-0', targetRef: { kind: 'Pod', namespace: 'testns', name: 'web-0' } }),
      ep('10.244.2.11', { hostname: 'web-1', targetRef: { kind: 'Pod', namespace: 'testns', name: 'web-1' } }),
    ], [{ name: 'web', protocol: 'TCP', port: 8080 }, { name: 'metrics', protocol: 'TCP', port: 9090 }]),
    service('testns', 'epnames', { clusterIP: 'None', clusterIPs: ['None'] }),
    slice('testns', 'epnames-x1', 'epnames', 'IPv4', [ep('10.244.3.3', { targetRef: { kind: 'Pod', namespace: 'testns', name: 'epnames-7d9f-abcde' } })]),
    service('testns', 'external', { type: 'ExternalName', externalName: 'ext.interwebs.test', ports: http }),
    service('testns', 'external-to-service', { type: 'ExternalName', externalName: 'svc1.testns.svc.cluster.local.', ports: http }),
    service('testns', 'external-to-missing', { type: 'ExternalName', externalName: 'nope.testns.svc.cluster.local' }),
    service('testns', 'external-ip', { type: 'ExternalName', externalName: '1.2.3.4' }),
    service('testns', 'external-unknown', { type: 'ExternalName', externalName: 'db.elsewhere.test' }),
    service('unexposedns', 'svc1', { clusterIP: '10.0.0.2', clusterIPs: ['10.0.0.2'], ports: http }),
    pod('podns', 'foo', '10.240.0.1'),
  ];
}

export const UPSTREAM_RECORDS = [
  'ext.interwebs.test. 300 IN A 1.2.3.4',
  'www.interwebs.test. 600 IN CNAME ext.interwebs.test.',
  'interwebs.test. 3600 IN SOA ns1.interwebs.test. admin.interwebs.test. 42 7200 900 1209600 300',
];

/** A zone holding the fixtures; ttl 5 and pods disabled (CoreDNS defaults) unless overridden. */
export function fixtureZone(dns: ClusterDNSSettings['dns'] = {}, clock?: VirtualClock): ClusterZone {
  const zone = new ClusterZone(
    clusterDNSConfig({ dnsDomain: 'cluster.local', dnsServiceIP: '10.96.0.10', dns: { ttl: 5, pods: 'disabled', upstream: { records: UPSTREAM_RECORDS }, ...dns } }),
    clock ? { clock } : {},
  );
  for (const o of fixtureObjects()) zone.upsert(o);
  return zone;
}
