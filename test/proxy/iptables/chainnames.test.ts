import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { endpointChainName, hash16, portProtoHash } from '../../../proxy/iptables/chainnames.js';

/** Plain RFC 4648 base32 of a whole buffer, to check the 16-character shortcut against. */
function base32(buf: Uint8Array): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const b of buf) bits += b.toString(2).padStart(8, '0');
  let out = '';
  for (let i = 0; i + 5 <= bits.length; i += 5) out += alphabet[Number.parseInt(bits.slice(i, i + 5), 2)];
  return out;
}

describe('proxy/iptables/chainnames', () => {
  it('gives the chain hashes upstream tests expect', () => {
    // pkg/proxy/iptables/proxier_test.go expectations.
    assert.equal(portProtoHash('ns1/svc1:p80', 'TCP'), 'XPGD46QRK7WJZT7O');
    assert.equal(portProtoHash('ns2/svc2:p80', 'TCP'), 'GNZBNJ2PO5MGZ6GT');
    assert.equal(portProtoHash('ns5/svc5:p80', 'TCP'), 'NUKIZ6OKUXPJNT4C');
    assert.equal(portProtoHash('ns1/svc1', 'TCP'), 'AQI2S6QIMU7PVVRP');
    assert.equal(endpointChainName('ns1/svc1:p80', 'TCP', '10.180.0.1:80'), 'KUBE-SEP-SXIVWICOYRO3J4NJ');
    assert.equal(endpointChainName('ns5/svc5:p80', 'TCP', '10.180.0.3:80'), 'KUBE-SEP-I77PXRDZVX7PMWMN');
    assert.equal(endpointChainName('ns1/svc1', 'TCP', '10.0.1.1:80'), 'KUBE-SEP-3JOIVZTXZZRGORX4');
  });

  it('hash16 is the first 16 base32 characters of SHA-256 (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => {
        assert.equal(hash16(s), base32(createHash('sha256').update(s).digest()).slice(0, 16));
      }),
      { seed: 42, numRuns: 100 },
    );
  });
});
