import assert from 'node:assert/strict';
import { canonicalIPv4, cidrContains, formatIPv4, parseCIDRv4Sloppy, parseIPv4Sloppy } from '../../proxy/sloppyip.js';

describe('proxy/sloppyip', () => {
  it('reads legacy leading zeros as decimal, as ParseIPSloppy', () => {
    assert.equal(canonicalIPv4('172.30.0.041'), '172.30.0.41');
    assert.equal(canonicalIPv4('010.000.000.001'), '10.0.0.1');
    assert.equal(parseIPv4Sloppy('255.255.255.255'), 0xffffffff);
    assert.equal(formatIPv4(0x0a000001), '10.0.0.1');
  });

  it('rejects what Go rejects', () => {
    for (const bad of ['', '1.2.3', '1.2.3.4.5', '1.2.3.256', '1..2.3', ' 1.2.3.4', '::1', '1.2.3.4/32', 'a.b.c.d']) {
      assert.equal(parseIPv4Sloppy(bad), null, bad);
    }
  });

  it('masks host bits of a CIDR and keeps the prefix', () => {
    assert.deepEqual(parseCIDRv4Sloppy('10.244.1.5/16')?.text, '10.244.0.0/16');
    assert.deepEqual(parseCIDRv4Sloppy('203.0.113.0/25')?.text, '203.0.113.0/25');
    assert.equal(parseCIDRv4Sloppy('0.0.0.0/0')?.mask, 0);
    assert.equal(parseCIDRv4Sloppy('1.2.3.4/33'), null);
    assert.equal(parseCIDRv4Sloppy('1.2.3.4'), null);
    const c = parseCIDRv4Sloppy('192.168.0.0/24')!;
    assert.equal(cidrContains(c, parseIPv4Sloppy('192.168.0.11')!), true);
    assert.equal(cidrContains(c, parseIPv4Sloppy('192.168.1.11')!), false);
  });
});
