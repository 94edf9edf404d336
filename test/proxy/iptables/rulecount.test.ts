// kube-proxy's nat rule metric: its restore input without the built-in chain jumps. For N
// ClusterIP Services with E endpoints each and a local-traffic detector it is
// 5 + N·(2 + 3E): POSTROUTING 3, MARK-MASQ 1, the NodePorts jump 1; per Service the
// KUBE-SERVICES rule and the SVC masquerade rule, and per endpoint one jump plus two SEP rules.
import assert from 'node:assert/strict';
import type { KubeObject } from '../../../lib/api/meta.js';
import { proxyConfig } from '../../../proxy/iptables/config.js';
import { renderIptables } from '../../../proxy/iptables/writer.js';
import { ServiceProxyModel } from '../../../proxy/model.js';
import { clusterIPService, testNode } from '../fixtures.js';

function cluster(n: number, e: number): KubeObject[] {
  const out: KubeObject[] = [];
  for (let i = 0; i < n; i++) {
    const eps = Array.from({ length: e }, (_, j) => `10.${(i >> 8) & 255}.${i & 255}.${j + 1}`);
    out.push(...clusterIPService('bench', `svc${i}`, `172.30.${(i >> 8) & 255}.${i & 255}`, eps));
  }
  return out;
}

/** `-A` lines per table section of a dump. */
function ruleLines(text: string, table: string): string[] {
  const start = text.indexOf(`*${table}\n`);
  const end = text.indexOf('COMMIT\n', start);
  return text.slice(start, end).split('\n').filter((l) => l.startsWith('-A '));
}

const config = proxyConfig({ clusterCIDR: '10.0.0.0/8' });

describe('proxy/iptables rule counts', () => {
  for (const [n, e] of [[0, 0], [1, 1], [3, 2], [5, 10], [20, 7]] as const) {
    it(`${n} ClusterIP Services × ${e} endpoints: 5 + N(2+3E) = ${5 + n * (2 + 3 * e)} nat rules`, () => {
      const r = renderIptables(ServiceProxyModel.fromObjects(cluster(n, e)), testNode, config);
      assert.equal(r.natRules, 5 + n * (2 + 3 * e));
      // The same number of nat rules is in the text, besides the 3 built-in jumps.
      assert.equal(ruleLines(r.text, 'nat').length - 3, r.natRules);
      // filter: KUBE-FIREWALL's localnet rule and KUBE-FORWARD's three.
      assert.equal(r.filterRules, 4);
      assert.equal(ruleLines(r.text, 'filter').length - 11, r.filterRules);
    });
  }

  it('without a detector the SVC masquerade rule is gone: 5 + N(1+3E)', () => {
    const r = renderIptables(ServiceProxyModel.fromObjects(cluster(4, 3)), testNode, proxyConfig());
    assert.equal(r.natRules, 5 + 4 * (1 + 3 * 3));
  });

  it('drops per-endpoint comments above 1000 endpoints (large-cluster mode), not at 1000', () => {
    const at = renderIptables(ServiceProxyModel.fromObjects(cluster(100, 10)), testNode, config).text;
    assert.match(at, /-A KUBE-SEP-\w+ -s 10\.0\.0\.1\/32 -m comment --comment "bench\/svc0:p80" -j KUBE-MARK-MASQ\n/);
    const above = renderIptables(ServiceProxyModel.fromObjects(cluster(101, 10)), testNode, config);
    assert.match(above.text, /-A KUBE-SEP-\w+ -s 10\.0\.0\.1\/32 -j KUBE-MARK-MASQ\n/);
    assert.match(above.text, /-A KUBE-SEP-\w+ -p tcp -m tcp -j DNAT --to-destination 10\.0\.0\.1:80\n/);
    assert.match(above.text, /-A KUBE-SVC-\w+ -m statistic --mode random --probability 0\.10000000009 -j KUBE-SEP-\w+\n/);
    // Service-level comments stay.
    assert.match(above.text, /-A KUBE-SERVICES -d 172\.30\.0\.0\/32 -p tcp -m comment --comment "bench\/svc0:p80 cluster IP" -m tcp --dport 80 -j KUBE-SVC-/);
    assert.equal(above.natRules, 5 + 101 * 32);
  });
});
