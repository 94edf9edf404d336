import assert from 'node:assert/strict';
import { defaultProxyConfig, proxyConfigFromSettings } from '../../../proxy/iptables/config.js';
import { effectiveLocalhostNodePorts, nodePortAddresses, nodePortsJumpRules } from '../../../proxy/iptables/fixedchains.js';
import { localDetector } from '../../../proxy/iptables/localdetector.js';
import { testNode } from '../fixtures.js';

describe('proxy/iptables/config', () => {
  it("has kube-proxy's defaults", () => {
    assert.equal(defaultProxyConfig.masqueradeBit, 14);
    assert.equal(defaultProxyConfig.masqueradeAll, false);
    assert.equal(defaultProxyConfig.localhostNodePorts, true);
    assert.equal(defaultProxyConfig.detectLocalMode, 'ClusterCIDR');
    assert.deepEqual(defaultProxyConfig.nodePortAddresses, []);
    // ClusterCIDR mode without a cluster CIDR means no detector at all.
    assert.equal(localDetector(defaultProxyConfig, testNode), null);
  });

  it('reads KubeProxyConfiguration fields from the scenario settings', () => {
    const c = proxyConfigFromSettings({
      masqueradeAll: true,
      detectLocalMode: 'NodeCIDR',
      clusterCIDR: '10.244.0.0/16,fd00:10:244::/56',
      nodePortAddresses: ['192.168.0.0/24'],
      iptables: { masqueradeBit: 15, localhostNodePorts: false },
    });
    assert.equal(c.masqueradeAll, true);
    assert.equal(c.masqueradeBit, 15);
    assert.deepEqual(localDetector(c, testNode), { cidr: '10.0.1.0/24' });
    assert.deepEqual(localDetector({ ...c, detectLocalMode: 'ClusterCIDR' }, testNode), { cidr: '10.244.0.0/16' });
  });

  it('turns localhost NodePorts off when nodePortAddresses leaves out 127.0.0.1', () => {
    const only = { ...defaultProxyConfig, nodePortAddresses: ['192.168.0.0/16'] };
    assert.equal(nodePortAddresses(only).matchAll, false);
    assert.equal(effectiveLocalhostNodePorts(only), false);
    assert.equal(effectiveLocalhostNodePorts({ ...only, nodePortAddresses: ['192.168.0.0/16', '127.0.0.0/8'] }), true);
    assert.equal(nodePortAddresses({ ...only, nodePortAddresses: ['0.0.0.0/0', '10.0.0.0/8'] }).matchAll, true);
    // One rule per matching node address, loopback included only with localhost NodePorts.
    const rules = nodePortsJumpRules({ ...only, nodePortAddresses: ['192.168.0.0/16', '127.0.0.0/8', '10.0.1.0/24'] }, testNode);
    assert.deepEqual(
      rules.rules.split('\n').filter(Boolean).map((l) => l.split(' ')[3]),
      ['10.0.1.1/32', '127.0.0.1/32', '192.168.0.2/32'],
    );
  });
});
