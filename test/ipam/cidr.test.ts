import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isStatusError } from '../../lib/api/errors.js';
import {
  cidrContains,
  cidrContainsCIDR,
  cidrsOverlap,
  formatIPv6,
  ipToUint32,
  nthAddress,
  parseCIDR,
  parseCIDRSloppy,
  parseCIDRStrict,
  parseIPSloppy,
  parseIPStrict,
  subnetAt,
  uint32ToIp,
  validateCIDR,
  validateIP,
} from '../../lib/ipam/cidr.js';

const INVALID_CIDR = 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)';
const INVALID_IP = 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)';

describe('ipam/cidr: parsing', () => {
  it('parses IPv4 and IPv6 CIDRs into base, prefix and size', () => {
    const c = parseCIDR('10.244.0.0/16');
    assert.deepEqual({ ...c }, { family: 4, bits: 32, base: 0x0af40000n, prefix: 16, size: 65536n, text: '10.244.0.0/16' });
    const s = parseCIDR('10.96.0.0/12');
    assert.equal(s.size, 1048576n);
    const v6 = parseCIDR('2001:DB8:0:0::/64');
    assert.equal(v6.family, 6);
    assert.equal(v6.base, 0x20010db8000000000000000000000000n);
    assert.equal(v6.size, 2n ** 64n);
    assert.equal(v6.text, '2001:db8::/64');
    assert.equal(parseCIDR('0.0.0.0/0').size, 2n ** 32n);
    assert.equal(parseCIDR('::/0').text, '::/0');
  });

  it('refuses CIDRs as the API server does, with its messages', () => {
    const cases: [string, string][] = [
      ['10.244.3.7/24', 'must not have bits set beyond the prefix length'],
      ['2001:db8::1/64', 'must not have bits set beyond the prefix length'],
      ['010.244.0.0/16', 'must not have leading 0s in IP or prefix length'],
      ['10.244.0.0/016', 'must not have leading 0s in IP or prefix length'],
      ['::ffff:10.0.0.0/104', 'must not have an IPv4-mapped IPv6 address'],
      ['10.0.0.0/33', INVALID_CIDR],
      ['10.0.0.0', INVALID_CIDR],
      ['10.0.0.0/', INVALID_CIDR],
      ['10.0.0.0/+8', INVALID_CIDR],
      ['fe80::/10/1', INVALID_CIDR],
      ['fe80::1%eth0/64', INVALID_CIDR],
      ['', INVALID_CIDR],
    ];
    for (const [s, want] of cases) assert.equal(parseCIDRStrict(s), want, s);
    try {
      parseCIDR('10.244.3.7/24');
      assert.fail('accepted');
    } catch (e) {
      assert.ok(isStatusError(e));
      assert.equal(e.reason, 'BadRequest');
      assert.equal(e.message, 'Invalid value: "10.244.3.7/24": must not have bits set beyond the prefix length');
    }
  });

  it('reads legacy values sloppily, as netutils does', () => {
    assert.equal(parseCIDRSloppy('10.244.3.7/24')!.text, '10.244.3.0/24');
    assert.equal(parseCIDRSloppy('010.244.0.0/016')!.text, '10.244.0.0/16');
    assert.equal(parseIPSloppy('010.001.002.003')!.text, '10.1.2.3');
    assert.deepEqual(parseIPSloppy('::ffff:1.2.3.4'), { family: 4, value: 0x01020304n, text: '1.2.3.4' });
    assert.equal(parseIPSloppy('1.2.3'), undefined);
  });

  it('parses IPs strictly for new objects', () => {
    const cases: [string, string][] = [
      ['010.0.0.1', 'must not have leading 0s'],
      ['::ffff:1.2.3.4', 'must not be an IPv4-mapped IPv6 address'],
      ['1.2.3', INVALID_IP],
      ['1.2.3.4.5', INVALID_IP],
      ['256.1.1.1', INVALID_IP],
      [' 1.2.3.4', INVALID_IP],
      ['fe80::1%eth0', INVALID_IP],
      ['1::2::3', INVALID_IP],
      ['12345::', INVALID_IP],
    ];
    for (const [s, want] of cases) assert.equal(parseIPStrict(s), want, s);
    assert.deepEqual(parseIPStrict('10.96.0.10'), { family: 4, value: 0x0a60000an, text: '10.96.0.10' });
    assert.deepEqual(parseIPStrict('2001:DB8::1'), { family: 6, value: 0x20010db8000000000000000000000001n, text: '2001:db8::1' });
  });

  it('prints IPv6 compressed as Go does (RFC 5952)', () => {
    const cases: [string, string][] = [
      ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
      ['2001:db8:0:1:0:0:0:1', '2001:db8:0:1::1'],
      ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'],
      ['1:0:0:2:0:0:3:4', '1::2:0:0:3:4'],
      ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
      ['0:0:0:0:0:0:0:0', '::'],
      ['fd00:10:244:1:0:0:0:0', 'fd00:10:244:1::'],
      ['FE80::ABCD', 'fe80::abcd'],
    ];
    for (const [s, want] of cases) assert.equal((parseIPStrict(s) as { text: string }).text, want, s);
    assert.equal(formatIPv6(1n), '::1');
  });

  it('gives field errors with paths; canonical form when asked', () => {
    assert.deepEqual(validateCIDR('10.244.3.7/24', 'cluster.clusterCIDR').map(String), [
      'cluster.clusterCIDR: Invalid value: "10.244.3.7/24": must not have bits set beyond the prefix length',
    ]);
    assert.deepEqual(validateCIDR('2001:DB8::/64', 'x').map(String), []);
    assert.deepEqual(validateCIDR('2001:DB8::/64', 'x', { canonical: true }).map(String), [
      'x: Invalid value: "2001:DB8::/64": must be in canonical form ("2001:db8::/64")',
    ]);
    assert.deepEqual(validateIP('010.1.1.1', 'spec.clusterIP').map(String), ['spec.clusterIP: Invalid value: "010.1.1.1": must not have leading 0s']);
    assert.deepEqual(validateIP(5, 'spec.clusterIP').map(String), [`spec.clusterIP: Invalid value: 5: ${INVALID_IP}`]);
  });
});

describe('ipam/cidr: integers and arithmetic', () => {
  it('converts IPv4 text and uint32 both ways, refusing what is not a strict dotted quad', () => {
    assert.equal(ipToUint32('10.244.1.2'), 0x0af40102);
    assert.equal(ipToUint32('255.255.255.255'), 0xffffffff);
    assert.equal(ipToUint32('0.0.0.0'), 0);
    for (const bad of ['10.244.1', '10.244.1.2.3', '10.244.1.256', '10.244.01.2', '10..1.2', 'a.b.c.d', '::1', '1.2.3.4 ']) assert.equal(ipToUint32(bad), -1, bad);
    assert.equal(uint32ToIp(0x0af40102), '10.244.1.2');
    assert.equal(uint32ToIp(0xffffffff), '255.255.255.255');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (n) => ipToUint32(uint32ToIp(n)) === n),
      { seed: 42, numRuns: 500 },
    );
  });

  it('contains, overlaps, nth address and subnets', () => {
    const pods = parseCIDR('10.244.0.0/16');
    assert.equal(cidrContains(pods, '10.244.255.255'), true);
    assert.equal(cidrContains(pods, '10.245.0.0'), false);
    assert.equal(cidrContains(pods, '::1'), false);
    assert.equal(cidrContains(pods, 0x0af40001n), true);
    assert.equal(cidrsOverlap(pods, parseCIDR('10.0.0.0/8')), true);
    assert.equal(cidrsOverlap(pods, parseCIDR('10.96.0.0/12')), false);
    assert.equal(cidrsOverlap(parseCIDR('0.0.0.0/0'), parseCIDR('::/0')), false);
    assert.equal(cidrContainsCIDR(pods, parseCIDR('10.244.7.0/24')), true);
    assert.equal(cidrContainsCIDR(parseCIDR('10.244.7.0/24'), pods), false);
    assert.equal(nthAddress(parseCIDR('10.96.0.0/12'), 10n), '10.96.0.10');
    assert.equal(nthAddress(parseCIDR('fd00:10:96::/112'), 10n), 'fd00:10:96::a');
    assert.throws(() => nthAddress(parseCIDR('10.0.0.0/30'), 4n));
    assert.equal(subnetAt(pods, 24, 3n).text, '10.244.3.0/24');
    assert.equal(subnetAt(parseCIDR('fd00:10:244::/56'), 64, 1n).text, 'fd00:10:244:1::/64');
  });

  it('overlap agrees with address-by-address membership (property)', () => {
    const small = fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 24, max: 32 })).map(([o, p]) => {
      const base = (0x0a000000 + o) & ~((1 << (32 - p)) - 1);
      return parseCIDR(`${uint32ToIp(base >>> 0)}/${p}`);
    });
    fc.assert(
      fc.property(small, small, (a, b) => {
        let shared = false;
        for (let v = a.base; v < a.base + a.size; v++) if (cidrContains(b, v)) shared = true;
        assert.equal(cidrsOverlap(a, b), shared);
      }),
      { seed: 42, numRuns: 200 },
    );
  });
});
