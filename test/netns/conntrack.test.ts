import assert from 'node:assert/strict';
import { Conntrack, formatConntrackEntry, invertTuple } from '../../netns/conntrack.js';
import { parseIPv4 } from '../../netns/netfilter/address.js';

const ip = (s: string) => parseIPv4(s)!;
const t = (src: string, sport: number, dst: string, dport: number) => ({ proto: 'tcp', src: ip(src), dst: ip(dst), sport, dport });

describe('netns/conntrack', () => {
  it('undoes DNAT for replies: the client sees the cluster IP it connected to', () => {
    const ct = new Conntrack();
    // pod 10.244.1.5 → cluster IP 10.96.0.20:80, DNATed to 10.244.2.7:8080.
    const e = ct.track(t('10.244.1.5', 40000, '10.96.0.20', 80), t('10.244.1.5', 40000, '10.244.2.7', 8080));
    assert.deepEqual([e.dnat, e.snat], [true, false]);
    assert.equal(
      formatConntrackEntry(e),
      'tcp src=10.244.1.5 dst=10.96.0.20 sport=40000 dport=80 src=10.244.2.7 dst=10.244.1.5 sport=8080 dport=40000 [DNAT]',
    );
    const reply = ct.translate(t('10.244.2.7', 8080, '10.244.1.5', 40000));
    assert.equal(reply?.direction, 'reply');
    assert.deepEqual(reply?.packet, t('10.96.0.20', 80, '10.244.1.5', 40000));
    // A later packet of the original direction is DNATed the same way, without the rules.
    const again = ct.translate(t('10.244.1.5', 40000, '10.96.0.20', 80));
    assert.equal(again?.direction, 'original');
    assert.deepEqual(again?.packet, t('10.244.1.5', 40000, '10.244.2.7', 8080));
  });

  it('undoes DNAT and MASQUERADE together (external client → NodePort → pod on another node)', () => {
    const ct = new Conntrack();
    const e = ct.track(t('203.0.113.7', 51000, '192.168.0.11', 30080), t('192.168.0.11', 51000, '10.244.2.7', 8080));
    assert.deepEqual([e.dnat, e.snat], [true, true]);
    assert.deepEqual(e.reply, t('10.244.2.7', 8080, '192.168.0.11', 51000));
    assert.deepEqual(ct.translate(t('10.244.2.7', 8080, '192.168.0.11', 51000))?.packet, t('192.168.0.11', 30080, '203.0.113.7', 51000));
    assert.equal(formatConntrackEntry(e).endsWith('[DNAT,SNAT]'), true);
  });

  it('leaves unknown tuples alone and inverts tuples', () => {
    const ct = new Conntrack();
    ct.track(t('10.244.1.5', 40000, '10.244.2.7', 8080), t('10.244.1.5', 40000, '10.244.2.7', 8080));
    assert.equal(ct.translate(t('10.244.2.7', 8080, '10.244.1.5', 40001)), undefined);
    assert.equal(ct.entries()[0]?.dnat, false);
    assert.deepEqual(invertTuple(t('1.1.1.1', 1, '2.2.2.2', 2)), t('2.2.2.2', 2, '1.1.1.1', 1));
  });
});
