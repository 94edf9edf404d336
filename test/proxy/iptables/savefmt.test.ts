import assert from 'node:assert/strict';
import { formatFixedExact, markHex, restoreProbability, saveProbability, saveString } from '../../../proxy/iptables/savefmt.js';

describe('proxy/iptables/savefmt', () => {
  it('prints probabilities as iptables-save does after kube-proxy writes %0.10f', () => {
    // Read back from iptables 1.8.9 after iptables-restore of kube-proxy's text.
    assert.equal(saveProbability(2), '0.50000000000');
    assert.equal(saveProbability(3), '0.33333333349');
    assert.equal(saveProbability(10), '0.10000000009');
    assert.equal(saveProbability(2048), '0.00048828125');
    assert.equal(saveProbability(4096), '0.00024414062');
    assert.equal(saveProbability(100001), '0.00001000008');
  });

  it("writes kube-proxy's own %0.10f, ties to even", () => {
    assert.equal(restoreProbability(3), '0.3333333333');
    assert.equal(restoreProbability(2), '0.5000000000');
    assert.equal(restoreProbability(100001), '0.0000099999');
    assert.equal(restoreProbability(2048), '0.0004882812');
    assert.equal(formatFixedExact(0.125, 2), '0.12');
    assert.equal(formatFixedExact(0.375, 2), '0.38');
    assert.equal(formatFixedExact(12.5, 0), '12');
  });

  it('quotes strings as xtables_save_string', () => {
    assert.equal(saveString('ns1/svc1:p80'), '"ns1/svc1:p80"');
    assert.equal(saveString('kubernetes service portals'), '"kubernetes service portals"');
    assert.equal(saveString('abc_D-1'), 'abc_D-1');
    assert.equal(saveString('a"b\\c\'d'), '"a\\"b\\\\c\\\'d"');
    assert.equal(saveString(''), '""');
  });

  it('prints the masquerade mark without padding', () => {
    assert.equal(markHex(14), '0x4000');
    assert.equal(markHex(0), '0x1');
    assert.equal(markHex(31), '0x80000000');
  });
});
