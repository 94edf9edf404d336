// Question -> answer tables in CoreDNS's style (plugin/kubernetes/handler_test.go): expected
// records are zone-file lines taken from the reference / CoreDNS's own test expectations.
import assert from 'node:assert/strict';
import { answerQuery, type DnsAnswer, formatRR, parseRR } from '../../dns/kubernetes.js';
import type { ClusterZone } from '../../dns/zone.js';
import { VirtualClock } from '../../lib/sim/clock.js';
import { fixtureZone } from './fixtures.js';

interface Case {
  qname: string;
  qtype: string;
  rcode: DnsAnswer['rcode'];
  answer?: string[];
  ns?: string[];
  extra?: string[];
  aa?: boolean;
}

const SOA = 'cluster.local. 5 IN SOA ns.dns.cluster.local. hostmaster.cluster.local. 1767225600 7200 1800 86400 5';

const norm = (lines: readonly string[]) => lines.map((l) => formatRR(parseRR(l))).sort();

function check(zone: ClusterZone, c: Case): void {
  const got = answerQuery(zone, { name: c.qname, type: c.qtype });
  const label = `${c.qname} ${c.qtype}`;
  assert.equal(got.rcode, c.rcode, `${label}: rcode`);
  assert.deepEqual(got.answer.map(formatRR).sort(), norm(c.answer ?? []), `${label}: answer`);
  assert.deepEqual(got.authority.map(formatRR).sort(), norm(c.ns ?? []), `${label}: authority`);
  assert.deepEqual(got.additional.map(formatRR).sort(), norm(c.extra ?? []), `${label}: additional`);
  assert.equal(got.authoritative, c.aa ?? (c.rcode !== 'REFUSED'), `${label}: AA`);
  // As CoreDNS's test.CNAMEOrder: a CNAME never comes after the records it points at.
  const firstNonCname = got.answer.findIndex((r) => r.type !== 'CNAME');
  if (firstNonCname !== -1) assert.ok(got.answer.slice(firstNonCname).every((r) => r.type !== 'CNAME'), `${label}: CNAME order`);
}

const serviceCases: Case[] = [
  // ClusterIP services
  { qname: 'svc1.testns.svc.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: ['svc1.testns.svc.cluster.local. 5 IN A 10.0.0.1'] },
  { qname: 'svcempty.testns.svc.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: ['svcempty.testns.svc.cluster.local. 5 IN A 10.0.0.5'] },
  { qname: 'svc1.testns.svc.cluster.local.', qtype: 'SRV', rcode: 'NOERROR', answer: ['svc1.testns.svc.cluster.local. 5 IN SRV 0 100 80 svc1.testns.svc.cluster.local.'], extra: ['svc1.testns.svc.cluster.local. 5 IN A 10.0.0.1'] },
  { qname: 'svc6.testns.svc.cluster.local.', qtype: 'SRV', rcode: 'NOERROR', answer: ['svc6.testns.svc.cluster.local. 5 IN SRV 0 100 80 svc6.testns.svc.cluster.local.'], extra: ['svc6.testns.svc.cluster.local. 5 IN AAAA 1234:abcd::1'] },
  { qname: '_http._tcp.svc1.testns.svc.cluster.local.', qtype: 'SRV', rcode: 'NOERROR', answer: ['_http._tcp.svc1.testns.svc.cluster.local. 5 IN SRV 0 100 80 svc1.testns.svc.cluster.local.'], extra: ['svc1.testns.svc.cluster.local. 5 IN A 10.0.0.1'] },
  { qname: '_http._tcp.svcempty.testns.svc.cluster.local.', qtype: 'SRV', rcode: 'NOERROR', answer: ['_http._tcp.svcempty.testns.svc.cluster.local. 5 IN SRV 0 100 80 svcempty.testns.svc.cluster.local.'], extra: ['svcempty.testns.svc.cluster.local. 5 IN A 10.0.0.5'] },
  { qname: '_https._tcp.svc1.testns.svc.cluster.local.', qtype: 'SRV', rcode: 'NXDOMAIN', ns: [SOA] },
  { qname: '_http._udp.svc1.testns.svc.cluster.local.', qtype: 'SRV', rcode: 'NXDOMAIN', ns: [SOA] },
  { qname: '_http.svc1.testns.svc.cluster.local.', qtype: 'SRV', rcode: 'NXDOMAIN', ns: [SOA] },
  { qname: 'http.tcp.svc1.testns.svc.cluster.local.', qtype: 'SRV', rcode: 'NOERROR', answer: ['http.tcp.svc1.testns.svc.cluster.local. 5 IN SRV 0 100 80 svc1.testns.svc.cluster.local.'], extra: ['svc1.testns.svc.cluster.local. 5 IN A 10.0.0.1'] },
  { qname: '_http._tcp.svc1.testns.svc.cluster.local.', qtype: 'A', rcode: 'NOERROR', ns: [SOA] },
  { qname: 'svc1.testns.svc.cluster.local.', qtype: 'AAAA', rcode: 'NOERROR', ns: [SOA] },
  { qname: 'svc6.testns.svc.cluster.local.', qtype: 'AAAA', rcode: 'NOERROR', answer: ['svc6.testns.svc.cluster.local. 5 IN AAAA 1234:abcd::1'] },
  { qname: 'svc6.testns.svc.cluster.local.', qtype: 'A', rcode: 'NOERROR', ns: [SOA] },
  { qname: '_http._tcp.svc6.testns.svc.cluster.local.', qtype: 'SRV', rcode: 'NOERROR', answer: ['_http._tcp.svc6.testns.svc.cluster.local. 5 IN SRV 0 100 80 svc6.testns.svc.cluster.local.'], extra: ['svc6.testns.svc.cluster.local. 5 IN AAAA 1234:abcd::1'] },
  { qname: 'svc-dual-stack.testns.svc.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: ['svc-dual-stack.testns.svc.cluster.local. 5 IN A 10.0.0.3'] },
  { qname: 'svc-dual-stack.testns.svc.cluster.local.', qtype: 'AAAA', rcode: 'NOERROR', answer: ['svc-dual-stack.testns.svc.cluster.local. 5 IN AAAA 10::3'] },
  { qname: 'svc-dual-stack.testns.svc.cluster.local.', qtype: 'SRV', rcode: 'NOERROR', answer: ['svc-dual-stack.testns.svc.cluster.local. 5 IN SRV 0 50 80 svc-dual-stack.testns.svc.cluster.local.'], extra: ['svc-dual-stack.testns.svc.cluster.local. 5 IN A 10.0.0.3', 'svc-dual-stack.testns.svc.cluster.local. 5 IN AAAA 10::3'] },
  { qname: 'svc-noports.testns.svc.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: ['svc-noports.testns.svc.cluster.local. 5 IN A 10.0.0.4'] },
  { qname: 'svc-noports.testns.svc.cluster.local.', qtype: 'SRV', rcode: 'NOERROR', ns: [SOA] },
  { qname: 'kube-dns.kube-system.svc.cluster.local.', qtype: 'SRV', rcode: 'NOERROR', answer: ['kube-dns.kube-system.svc.cluster.local. 5 IN SRV 0 50 53 kube-dns.kube-system.svc.cluster.local.'], extra: ['kube-dns.kube-system.svc.cluster.local. 5 IN A 10.96.0.10'] },
  { qname: '_dns._udp.kube-dns.kube-system.svc.cluster.local.', qtype: 'SRV', rcode: 'NOERROR', answer: ['_dns._udp.kube-dns.kube-system.svc.cluster.local. 5 IN SRV 0 100 53 kube-dns.kube-system.svc.cluster.local.'], extra: ['kube-dns.kube-system.svc.cluster.local. 5 IN A 10.96.0.10'] },
  // Endpoint names also resolve under a ClusterIP service (CoreDNS extension)
  { qname: 'ep1a.svc1.testns.svc.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: ['ep1a.svc1.testns.svc.cluster.local. 5 IN A 172.0.0.1'] },
  { qname: '172-0-0-1.svc1.testns.svc.cluster.local.', qtype: 'A', rcode: 'NXDOMAIN', ns: [SOA] },
  // Missing things
  { qname: 'svc0.testns.svc.cluster.local.', qtype: 'A', rcode: 'NXDOMAIN', ns: [SOA] },
  { qname: 'svc0.testns.svc.cluster.local.', qtype: 'AAAA', rcode: 'NXDOMAIN', ns: [SOA] },
  { qname: 'svc0.svc-nons.svc.cluster.local.', qtype: 'A', rcode: 'NXDOMAIN', ns: [SOA] },
  { qname: 'bogusendpoint.svc0.testns.svc.cluster.local.', qtype: 'A', rcode: 'NXDOMAIN', ns: [SOA] },
  { qname: 'a.b.c.svc1.testns.svc.cluster.local.', qtype: 'A', rcode: 'NXDOMAIN', ns: [SOA] },
  { qname: '*.testns.svc.cluster.local.', qtype: 'A', rcode: 'NXDOMAIN', ns: [SOA] },
  { qname: 'any.testns.svc.cluster.local.', qtype: 'A', rcode: 'NXDOMAIN', ns: [SOA] },
  // Other types at an existing name: NODATA, never NXDOMAIN
  { qname: 'svc1.testns.svc.cluster.local.', qtype: 'TXT', rcode: 'NOERROR', ns: [SOA] },
  { qname: 'svc1.testns.svc.cluster.local.', qtype: 'MX', rcode: 'NOERROR', ns: [SOA] },
  { qname: 'svc1.testns.svc.cluster.local.', qtype: 'CNAME', rcode: 'NOERROR', ns: [SOA] },
  { qname: 'svc1.testns.svc.cluster.local.', qtype: 'HINFO', rcode: 'NOERROR', ns: [SOA] },
  { qname: 'svc1.testns.svc.cluster.local.', qtype: 'SOA', rcode: 'NOERROR', ns: [SOA] },
  { qname: 'svc1.testns.svc.cluster.local.', qtype: 'PTR', rcode: 'NOERROR', ns: [SOA] },
  { qname: 'svc1.testns.svc.cluster.local.', qtype: 'TYPE65', rcode: 'NOERROR', ns: [SOA] },
  // RFC 8482: ANY gets one RRset
  { qname: 'svc-dual-stack.testns.svc.cluster.local.', qtype: 'ANY', rcode: 'NOERROR', answer: ['svc-dual-stack.testns.svc.cluster.local. 5 IN A 10.0.0.3'] },
  { qname: 'svc0.testns.svc.cluster.local.', qtype: 'ANY', rcode: 'NXDOMAIN', ns: [SOA] },
];

const headlessCases: Case[] = [
  { qname: 'hdls1.testns.svc.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: ['172.0.0.2', '172.0.0.3', '172.0.0.4', '172.0.0.5'].map((ip) => `hdls1.testns.svc.cluster.local. 5 IN A ${ip}`) },
  { qname: 'hdls1.testns.svc.cluster.local.', qtype: 'AAAA', rcode: 'NOERROR', answer: ['hdls1.testns.svc.cluster.local. 5 IN AAAA 5678:abcd::1', 'hdls1.testns.svc.cluster.local. 5 IN AAAA 5678:abcd::2'] },
  { qname: 'hdlsprtls.testns.svc.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: ['hdlsprtls.testns.svc.cluster.local. 5 IN A 172.0.0.20'] },
  { qname: 'hdlsprtls.testns.svc.cluster.local.', qtype: 'AAAA', rcode: 'NOERROR', ns: [SOA] },
  { qname: 'hdlsprtls.testns.svc.cluster.local.', qtype: 'SRV', rcode: 'NOERROR', ns: [SOA] },
  { qname: '172-0-0-20.hdlsprtls.testns.svc.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: ['172-0-0-20.hdlsprtls.testns.svc.cluster.local. 5 IN A 172.0.0.20'] },
  { qname: '172-0-0-2.hdls1.testns.svc.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: ['172-0-0-2.hdls1.testns.svc.cluster.local. 5 IN A 172.0.0.2'] },
  { qname: 'dup-name.hdls1.testns.svc.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: ['dup-name.hdls1.testns.svc.cluster.local. 5 IN A 172.0.0.4', 'dup-name.hdls1.testns.svc.cluster.local. 5 IN A 172.0.0.5'] },
  // A hostname hides the dashed-IP form; a not-ready address has no name at all
  { qname: '172-0-0-4.hdls1.testns.svc.cluster.local.', qtype: 'A', rcode: 'NXDOMAIN', ns: [SOA] },
  { qname: '172-0-0-9.hdls1.testns.svc.cluster.local.', qtype: 'A', rcode: 'NXDOMAIN', ns: [SOA] },
  { qname: '5678-abcd--2.hdls1.testns.svc.cluster.local', qtype: 'AAAA', rcode: 'NOERROR', answer: ['5678-abcd--2.hdls1.testns.svc.cluster.local. 5 IN AAAA 5678:abcd::2'] },
  { qname: '5678-abcd--2.hdls1.testns.svc.cluster.local', qtype: 'A', rcode: 'NOERROR', ns: [SOA] },
  { qname: 'bogusendpoint.hdls1.testns.svc.cluster.local.', qtype: 'A', rcode: 'NXDOMAIN', ns: [SOA] },
  {
    qname: '_http._tcp.hdls1.testns.svc.cluster.local.', qtype: 'SRV', rcode: 'NOERROR',
    answer: ['172-0-0-2', '172-0-0-3', '5678-abcd--1', '5678-abcd--2', 'dup-name'].map((h) => `_http._tcp.hdls1.testns.svc.cluster.local. 5 IN SRV 0 16 80 ${h}.hdls1.testns.svc.cluster.local.`),
    extra: [
      '172-0-0-2.hdls1.testns.svc.cluster.local. 5 IN A 172.0.0.2',
      '172-0-0-3.hdls1.testns.svc.cluster.local. 5 IN A 172.0.0.3',
      '5678-abcd--1.hdls1.testns.svc.cluster.local. 5 IN AAAA 5678:abcd::1',
      '5678-abcd--2.hdls1.testns.svc.cluster.local. 5 IN AAAA 5678:abcd::2',
      'dup-name.hdls1.testns.svc.cluster.local. 5 IN A 172.0.0.4',
      'dup-name.hdls1.testns.svc.cluster.local. 5 IN A 172.0.0.5',
    ],
  },
  { qname: '_http._udp.hdls1.testns.svc.cluster.local.', qtype: 'SRV', rcode: 'NXDOMAIN', ns: [SOA] },
  // Zero ready endpoints: NXDOMAIN for every type, although the Service exists
  { qname: 'hdls-notready.testns.svc.cluster.local.', qtype: 'A', rcode: 'NXDOMAIN', ns: [SOA] },
  { qname: 'hdls-notready.testns.svc.cluster.local.', qtype: 'SRV', rcode: 'NXDOMAIN', ns: [SOA] },
  // The same address in two slices is answered once (ready: nil counts as ready)
  { qname: 'hdls-dup.testns.svc.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: ['hdls-dup.testns.svc.cluster.local. 5 IN A 172.0.1.1', 'hdls-dup.testns.svc.cluster.local. 5 IN A 172.0.1.2'] },
  // Weight counts the 3 candidates before the duplicate collapses: floor(100/3) = 33
  {
    qname: '_http._tcp.hdls-dup.testns.svc.cluster.local.', qtype: 'SRV', rcode: 'NOERROR',
    answer: ['_http._tcp.hdls-dup.testns.svc.cluster.local. 5 IN SRV 0 33 80 172-0-1-1.hdls-dup.testns.svc.cluster.local.', '_http._tcp.hdls-dup.testns.svc.cluster.local. 5 IN SRV 0 33 80 172-0-1-2.hdls-dup.testns.svc.cluster.local.'],
    extra: ['172-0-1-1.hdls-dup.testns.svc.cluster.local. 5 IN A 172.0.1.1', '172-0-1-2.hdls-dup.testns.svc.cluster.local. 5 IN A 172.0.1.2'],
  },
  // StatefulSet pod names
  { qname: 'web-0.web.testns.svc.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: ['web-0.web.testns.svc.cluster.local. 5 IN A 10.244.1.10'] },
  { qname: 'web-1.web.testns.svc.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: ['web-1.web.testns.svc.cluster.local. 5 IN A 10.244.2.11'] },
  {
    qname: '_web._tcp.web.testns.svc.cluster.local.', qtype: 'SRV', rcode: 'NOERROR',
    answer: ['_web._tcp.web.testns.svc.cluster.local. 5 IN SRV 0 50 8080 web-0.web.testns.svc.cluster.local.', '_web._tcp.web.testns.svc.cluster.local. 5 IN SRV 0 50 8080 web-1.web.testns.svc.cluster.local.'],
    extra: ['web-0.web.testns.svc.cluster.local. 5 IN A 10.244.1.10', 'web-1.web.testns.svc.cluster.local. 5 IN A 10.244.2.11'],
  },
  // SRV at an endpoint name: every port of its slice
  {
    qname: 'web-0.web.testns.svc.cluster.local.', qtype: 'SRV', rcode: 'NOERROR',
    answer: ['web-0.web.testns.svc.cluster.local. 5 IN SRV 0 50 8080 web-0.web.testns.svc.cluster.local.', 'web-0.web.testns.svc.cluster.local. 5 IN SRV 0 50 9090 web-0.web.testns.svc.cluster.local.'],
    extra: ['web-0.web.testns.svc.cluster.local. 5 IN A 10.244.1.10'],
  },
  // Without endpointPodNames the pod name is not a label
  { qname: 'epnames-7d9f-abcde.epnames.testns.svc.cluster.local.', qtype: 'A', rcode: 'NXDOMAIN', ns: [SOA] },
  { qname: '10-244-3-3.epnames.testns.svc.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: ['10-244-3-3.epnames.testns.svc.cluster.local. 5 IN A 10.244.3.3'] },
];

const externalCases: Case[] = [
  { qname: 'external.testns.svc.cluster.local.', qtype: 'CNAME', rcode: 'NOERROR', answer: ['external.testns.svc.cluster.local. 5 IN CNAME ext.interwebs.test.'] },
  { qname: 'external.testns.svc.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: ['external.testns.svc.cluster.local. 5 IN CNAME ext.interwebs.test.', 'ext.interwebs.test. 300 IN A 1.2.3.4'] },
  // Empty external answer: NOERROR with the CNAME alone (the upstream rcode is not copied)
  { qname: 'external.testns.svc.cluster.local.', qtype: 'AAAA', rcode: 'NOERROR', answer: ['external.testns.svc.cluster.local. 5 IN CNAME ext.interwebs.test.'] },
  { qname: 'external-unknown.testns.svc.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: ['external-unknown.testns.svc.cluster.local. 5 IN CNAME db.elsewhere.test.'] },
  { qname: 'external-to-service.testns.svc.cluster.local', qtype: 'A', rcode: 'NOERROR', answer: ['external-to-service.testns.svc.cluster.local. 5 IN CNAME svc1.testns.svc.cluster.local.', 'svc1.testns.svc.cluster.local. 5 IN A 10.0.0.1'] },
  // In-cluster target without records of that type / missing: nothing returned (NODATA)
  { qname: 'external-to-service.testns.svc.cluster.local', qtype: 'AAAA', rcode: 'NOERROR', ns: [SOA] },
  { qname: 'external-to-missing.testns.svc.cluster.local', qtype: 'A', rcode: 'NOERROR', ns: [SOA] },
  { qname: 'external.testns.svc.cluster.local.', qtype: 'SRV', rcode: 'NOERROR', ns: [SOA] },
  { qname: '_http._tcp.external.testns.svc.cluster.local.', qtype: 'SRV', rcode: 'NXDOMAIN', ns: [SOA] },
  { qname: 'endpoint.external.testns.svc.cluster.local.', qtype: 'CNAME', rcode: 'NXDOMAIN', ns: [SOA] },
  { qname: 'external-ip.testns.svc.cluster.local.', qtype: 'A', rcode: 'NXDOMAIN', ns: [SOA] },
];

const zoneCases: Case[] = [
  { qname: 'cluster.local.', qtype: 'SOA', rcode: 'NOERROR', answer: [SOA] },
  { qname: 'cluster.local.', qtype: 'NS', rcode: 'NOERROR', answer: ['cluster.local. 5 IN NS kube-dns.kube-system.svc.cluster.local.'], extra: ['kube-dns.kube-system.svc.cluster.local. 5 IN A 10.96.0.10'] },
  { qname: 'cluster.local.', qtype: 'A', rcode: 'NOERROR', ns: [SOA] },
  { qname: 'cluster.local.', qtype: 'HINFO', rcode: 'NOERROR', ns: [SOA] },
  { qname: 'cluster.local.', qtype: 'TXT', rcode: 'NOERROR', ns: [SOA] },
  { qname: 'cluster.local.', qtype: 'ANY', rcode: 'NOERROR', answer: [SOA] },
  { qname: 'cluster.local.', qtype: 'AXFR', rcode: 'REFUSED' },
  { qname: 'dns-version.cluster.local.', qtype: 'TXT', rcode: 'NOERROR', answer: ['dns-version.cluster.local. 28800 IN TXT "1.1.0"'] },
  { qname: 'dns-version.cluster.local.', qtype: 'A', rcode: 'NOERROR', ns: [SOA] },
  { qname: 'ns.dns.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: ['ns.dns.cluster.local. 5 IN A 10.96.0.10'] },
  { qname: 'svc.cluster.local.', qtype: 'A', rcode: 'NOERROR', ns: [SOA] },
  { qname: 'svc.cluster.local.', qtype: 'NS', rcode: 'NOERROR', ns: [SOA] },
  { qname: 'svc.cluster.local.', qtype: 'TXT', rcode: 'NOERROR', ns: [SOA] },
  { qname: 'pod.cluster.local.', qtype: 'A', rcode: 'NOERROR', ns: [SOA] },
  { qname: 'testns.svc.cluster.local.', qtype: 'A', rcode: 'NOERROR', ns: [SOA] },
  { qname: 'testns.svc.cluster.local.', qtype: 'NS', rcode: 'NOERROR', ns: [SOA] },
  { qname: 'nsnoexist.svc.cluster.local.', qtype: 'A', rcode: 'NXDOMAIN', ns: [SOA] },
  { qname: 'foo.cluster.local.', qtype: 'NS', rcode: 'NXDOMAIN', ns: [SOA] },
  { qname: 'foo.svc.cluster.local.', qtype: 'NS', rcode: 'NXDOMAIN', ns: [SOA] },
  { qname: '100.0.0.10.cluster.local.', qtype: 'A', rcode: 'NXDOMAIN', ns: [SOA] },
  // Pods disabled (CoreDNS default): the pod subtree is empty
  { qname: '10-240-0-1.podns.pod.cluster.local.', qtype: 'A', rcode: 'NXDOMAIN', ns: [SOA] },
  { qname: 'podns.pod.cluster.local.', qtype: 'A', rcode: 'NXDOMAIN', ns: [SOA] },
];

const reverseCases: Case[] = [
  { qname: '1.0.0.10.in-addr.arpa.', qtype: 'PTR', rcode: 'NOERROR', answer: ['1.0.0.10.in-addr.arpa. 5 IN PTR svc1.testns.svc.cluster.local.'] },
  { qname: '3.0.0.10.in-addr.arpa.', qtype: 'PTR', rcode: 'NOERROR', answer: ['3.0.0.10.in-addr.arpa. 5 IN PTR svc-dual-stack.testns.svc.cluster.local.'] },
  {
    qname: '3.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.0.0.ip6.arpa.', qtype: 'PTR', rcode: 'NOERROR',
    answer: ['3.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.0.0.ip6.arpa. 5 IN PTR svc-dual-stack.testns.svc.cluster.local.'],
  },
  { qname: '1.0.0.172.in-addr.arpa.', qtype: 'PTR', rcode: 'NOERROR', answer: ['1.0.0.172.in-addr.arpa. 5 IN PTR ep1a.svc1.testns.svc.cluster.local.'] },
  { qname: '2.0.0.172.in-addr.arpa.', qtype: 'PTR', rcode: 'NOERROR', answer: ['2.0.0.172.in-addr.arpa. 5 IN PTR 172-0-0-2.hdls1.testns.svc.cluster.local.'] },
  { qname: '10.1.244.10.in-addr.arpa.', qtype: 'PTR', rcode: 'NOERROR', answer: ['10.1.244.10.in-addr.arpa. 5 IN PTR web-0.web.testns.svc.cluster.local.'] },
  // Duplicate endpoint across slices: one PTR
  { qname: '1.1.0.172.in-addr.arpa.', qtype: 'PTR', rcode: 'NOERROR', answer: ['1.1.0.172.in-addr.arpa. 5 IN PTR 172-0-1-1.hdls-dup.testns.svc.cluster.local.'] },
  {
    qname: '1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.c.b.a.8.7.6.5.ip6.arpa.', qtype: 'PTR', rcode: 'NOERROR',
    answer: ['1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.c.b.a.8.7.6.5.ip6.arpa. 5 IN PTR 5678-abcd--1.hdls1.testns.svc.cluster.local.'],
  },
  // A PTR-owning name asked for another type: NODATA with the reverse zone's SOA
  { qname: '1.0.0.10.in-addr.arpa.', qtype: 'A', rcode: 'NOERROR', ns: ['in-addr.arpa. 5 IN SOA ns.dns.in-addr.arpa. hostmaster.in-addr.arpa. 1767225600 7200 1800 86400 5'] },
  // Unknown, not-ready and unexposed addresses fall through to the (simulated) upstream: refused here
  { qname: '9.0.0.172.in-addr.arpa.', qtype: 'PTR', rcode: 'REFUSED' },
  { qname: '99.99.99.10.in-addr.arpa.', qtype: 'PTR', rcode: 'REFUSED' },
  { qname: 'svc1.testns.svc.0.0.10.in-addr.arpa.', qtype: 'PTR', rcode: 'REFUSED' },
];

const upstreamCases: Case[] = [
  { qname: 'ext.interwebs.test.', qtype: 'A', rcode: 'NOERROR', answer: ['ext.interwebs.test. 300 IN A 1.2.3.4'], aa: false },
  { qname: 'www.interwebs.test.', qtype: 'A', rcode: 'NOERROR', answer: ['www.interwebs.test. 600 IN CNAME ext.interwebs.test.', 'ext.interwebs.test. 300 IN A 1.2.3.4'], aa: false },
  { qname: 'nope.interwebs.test.', qtype: 'A', rcode: 'NXDOMAIN', ns: ['interwebs.test. 3600 IN SOA ns1.interwebs.test. admin.interwebs.test. 42 7200 900 1209600 300'], aa: false },
  { qname: 'ext.interwebs.test.', qtype: 'AAAA', rcode: 'NOERROR', ns: ['interwebs.test. 3600 IN SOA ns1.interwebs.test. admin.interwebs.test. 42 7200 900 1209600 300'], aa: false },
  // Never an open resolver: names the simulated world does not hold are refused
  { qname: 'example.com.', qtype: 'A', rcode: 'REFUSED' },
  { qname: 'svc1.testns.svc.cluster.local.example.com.', qtype: 'A', rcode: 'REFUSED' },
];

describe('dns/kubernetes answerQuery', () => {
  const zone = fixtureZone();
  for (const [title, cases] of [
    ['services', serviceCases],
    ['headless services', headlessCases],
    ['ExternalName services', externalCases],
    ['the zone itself', zoneCases],
    ['reverse zones', reverseCases],
    ['names outside the cluster', upstreamCases],
  ] as const) {
    describe(title, () => {
      for (const c of cases) it(`${c.qname} ${c.qtype} -> ${c.rcode}`, () => check(zone, c));
    });
  }

  it('echoes the question spelling and builds targets with the zone as spelled', () => {
    check(zone, {
      qname: '_HtTp._TcP.sVc1.TeStNs.SvC.cLuStEr.LoCaL.', qtype: 'SRV', rcode: 'NOERROR',
      answer: ['_HtTp._TcP.sVc1.TeStNs.SvC.cLuStEr.LoCaL. 5 IN SRV 0 100 80 svc1.testns.svc.cLuStEr.LoCaL.'],
      extra: ['svc1.testns.svc.cLuStEr.LoCaL. 5 IN A 10.0.0.1'],
    });
    check(zone, { qname: 'SVC0.testns.svc.Cluster.Local', qtype: 'A', rcode: 'NXDOMAIN', ns: ['Cluster.Local. 5 IN SOA ns.dns.Cluster.Local. hostmaster.Cluster.Local. 1767225600 7200 1800 86400 5'] });
    check(zone, { qname: 'Cluster.Local.', qtype: 'NS', rcode: 'NOERROR', answer: ['Cluster.Local. 5 IN NS kube-dns.kube-system.svc.Cluster.Local.'], extra: ['kube-dns.kube-system.svc.Cluster.Local. 5 IN A 10.96.0.10'] });
    // PTR targets use the configured zone in lower case
    check(zone, { qname: '1.0.0.10.IN-ADDR.ARPA.', qtype: 'PTR', rcode: 'NOERROR', answer: ['1.0.0.10.IN-ADDR.ARPA. 5 IN PTR svc1.testns.svc.cluster.local.'] });
  });

  it('refuses classes other than IN', () => {
    const got = answerQuery(zone, { name: 'svc1.testns.svc.cluster.local', type: 'A', class: 'CH' });
    assert.equal(got.rcode, 'REFUSED');
  });

  describe('options', () => {
    it('pods insecure: any IP-shaped label in an existing namespace', () => {
      const z = fixtureZone({ pods: 'insecure' });
      check(z, { qname: '10-240-0-1.podns.pod.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: ['10-240-0-1.podns.pod.cluster.local. 5 IN A 10.240.0.1'] });
      check(z, { qname: '172-0-0-2.podns.pod.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: ['172-0-0-2.podns.pod.cluster.local. 5 IN A 172.0.0.2'] });
      check(z, { qname: '172-0-0-2.podns.pod.cluster.local.', qtype: 'AAAA', rcode: 'NOERROR', ns: [SOA] });
      check(z, { qname: '1234-abcd--1.podns.pod.cluster.local.', qtype: 'AAAA', rcode: 'NOERROR', answer: ['1234-abcd--1.podns.pod.cluster.local. 5 IN AAAA 1234:abcd::1'] });
      check(z, { qname: 'blah.podns.pod.cluster.local.', qtype: 'A', rcode: 'NXDOMAIN', ns: [SOA] });
      check(z, { qname: 'blah.podns.pod.cluster.local.', qtype: 'HINFO', rcode: 'NXDOMAIN', ns: [SOA] });
      check(z, { qname: '10-240-0-1.pod-nons.pod.cluster.local.', qtype: 'A', rcode: 'NXDOMAIN', ns: [SOA] });
      check(z, { qname: 'podns.pod.cluster.local.', qtype: 'A', rcode: 'NOERROR', ns: [SOA] });
      check(z, { qname: 'x.10-240-0-1.podns.pod.cluster.local.', qtype: 'A', rcode: 'NXDOMAIN', ns: [SOA] });
    });

    it('pods verified: only a pod with that podIP in that namespace', () => {
      const z = fixtureZone({ pods: 'verified' });
      check(z, { qname: '10-240-0-1.podns.pod.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: ['10-240-0-1.podns.pod.cluster.local. 5 IN A 10.240.0.1'] });
      check(z, { qname: '172-0-0-2.podns.pod.cluster.local.', qtype: 'A', rcode: 'NXDOMAIN', ns: [SOA] });
      check(z, { qname: '10-240-0-1.testns.pod.cluster.local.', qtype: 'A', rcode: 'NXDOMAIN', ns: [SOA] });
    });

    it('ttl: records carry it, the SOA TTL is min(ttl, 300) and its MINIMUM is ttl', () => {
      const z = fixtureZone({ ttl: 3600 });
      check(z, { qname: 'svc1.testns.svc.cluster.local', qtype: 'A', rcode: 'NOERROR', answer: ['svc1.testns.svc.cluster.local. 3600 IN A 10.0.0.1'] });
      check(z, { qname: 'svc0.testns.svc.cluster.local', qtype: 'A', rcode: 'NXDOMAIN', ns: ['cluster.local. 300 IN SOA ns.dns.cluster.local. hostmaster.cluster.local. 1767225600 7200 1800 86400 3600'] });
      check(z, { qname: 'dns-version.cluster.local.', qtype: 'TXT', rcode: 'NOERROR', answer: ['dns-version.cluster.local. 28800 IN TXT "1.1.0"'] });
    });

    it('endpointPodNames: the pod name (under 64 characters) names the endpoint', () => {
      const z = fixtureZone({ endpointPodNames: true });
      check(z, { qname: 'epnames-7d9f-abcde.epnames.testns.svc.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: ['epnames-7d9f-abcde.epnames.testns.svc.cluster.local. 5 IN A 10.244.3.3'] });
      check(z, { qname: '10-244-3-3.epnames.testns.svc.cluster.local.', qtype: 'A', rcode: 'NXDOMAIN', ns: [SOA] });
      // an explicit hostname still wins
      check(z, { qname: 'web-0.web.testns.svc.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: ['web-0.web.testns.svc.cluster.local. 5 IN A 10.244.1.10'] });
    });

    it('namespaces: unexposed namespaces vanish, PTRs included', () => {
      const z = fixtureZone({ namespaces: ['testns', 'kube-system'] });
      check(z, { qname: 'svc1.testns.svc.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: ['svc1.testns.svc.cluster.local. 5 IN A 10.0.0.1'] });
      check(z, { qname: 'svc1.unexposedns.svc.cluster.local.', qtype: 'A', rcode: 'NXDOMAIN', ns: [SOA] });
      check(z, { qname: 'unexposedns.svc.cluster.local.', qtype: 'A', rcode: 'NXDOMAIN', ns: [SOA] });
      check(z, { qname: '2.0.0.10.in-addr.arpa.', qtype: 'PTR', rcode: 'REFUSED' });
      const all = fixtureZone();
      check(all, { qname: '2.0.0.10.in-addr.arpa.', qtype: 'PTR', rcode: 'NOERROR', answer: ['2.0.0.10.in-addr.arpa. 5 IN PTR svc1.unexposedns.svc.cluster.local.'] });
    });

    it('ignoreEmptyService: a ClusterIP service without ready endpoints is NXDOMAIN', () => {
      const z = fixtureZone({ ignoreEmptyService: true });
      check(z, { qname: 'svcempty.testns.svc.cluster.local.', qtype: 'A', rcode: 'NXDOMAIN', ns: [SOA] });
      check(z, { qname: '_http._tcp.svcempty.testns.svc.cluster.local.', qtype: 'SRV', rcode: 'NXDOMAIN', ns: [SOA] });
      check(z, { qname: 'svc1.testns.svc.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: ['svc1.testns.svc.cluster.local. 5 IN A 10.0.0.1'] });
      check(z, { qname: 'external.testns.svc.cluster.local.', qtype: 'CNAME', rcode: 'NOERROR', answer: ['external.testns.svc.cluster.local. 5 IN CNAME ext.interwebs.test.'] });
    });

    it('zones: an explicit reverse zone is authoritative (NXDOMAIN with its own SOA)', () => {
      const z = fixtureZone({ zones: ['0.0.10.in-addr.arpa.'] });
      const soa = '0.0.10.in-addr.arpa. 5 IN SOA ns.dns.0.0.10.in-addr.arpa. hostmaster.0.0.10.in-addr.arpa. 1767225600 7200 1800 86400 5';
      check(z, { qname: '1.0.0.10.in-addr.arpa.', qtype: 'PTR', rcode: 'NOERROR', answer: ['1.0.0.10.in-addr.arpa. 5 IN PTR svc1.testns.svc.cluster.local.'] });
      check(z, { qname: '99.0.0.10.in-addr.arpa.', qtype: 'PTR', rcode: 'NXDOMAIN', ns: [soa] });
      check(z, { qname: '0.0.10.in-addr.arpa.', qtype: 'SOA', rcode: 'NOERROR', answer: [soa] });
      // outside it, the default fallthrough still applies
      check(z, { qname: '9.9.9.9.in-addr.arpa.', qtype: 'PTR', rcode: 'REFUSED' });
    });

    it('SOA serial is the simulated time of the last change', () => {
      const clock = new VirtualClock();
      clock.advanceTo(12_000);
      const z = fixtureZone({}, clock);
      check(z, { qname: 'cluster.local', qtype: 'SOA', rcode: 'NOERROR', answer: ['cluster.local. 5 IN SOA ns.dns.cluster.local. hostmaster.cluster.local. 1767225612 7200 1800 86400 5'] });
      clock.advanceTo(75_000);
      check(z, { qname: 'cluster.local', qtype: 'SOA', rcode: 'NOERROR', answer: ['cluster.local. 5 IN SOA ns.dns.cluster.local. hostmaster.cluster.local. 1767225612 7200 1800 86400 5'] });
      z.remove({ apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'testns', name: 'svc1' } });
      check(z, { qname: 'cluster.local', qtype: 'SOA', rcode: 'NOERROR', answer: ['cluster.local. 5 IN SOA ns.dns.cluster.local. hostmaster.cluster.local. 1767225675 7200 1800 86400 5'] });
    });
  });

  describe('formatRR / parseRR', () => {
    it('round-trips zone-file lines and normalises spacing, class/ttl order and AAAA text', () => {
      assert.equal(formatRR(parseRR('svc1.testns.svc.cluster.local.\t5\tIN\tA\t10.0.0.1')), 'svc1.testns.svc.cluster.local. 5 IN A 10.0.0.1');
      assert.equal(formatRR(parseRR('a.example IN 60 AAAA 2001:DB8:0:0::1')), 'a.example. 60 IN AAAA 2001:db8::1');
      assert.equal(formatRR(parseRR('t.example. 10 IN TXT "hello  world"')), 't.example. 10 IN TXT "hello  world"');
      assert.equal(formatRR(parseRR('x.example. MX 10 mail.example.', 99)), 'x.example. 99 IN MX 10 mail.example.');
      assert.throws(() => parseRR('just-a-name'), SyntaxError);
      assert.throws(() => parseRR('a.example. 5 CH TXT "x"'), SyntaxError);
    });
  });
});
