import assert from 'node:assert/strict';
import type { Node } from '../../lib/api/types.js';
import { nodeViewFromNode } from '../../proxy/nodeview.js';

describe('proxy/nodeview', () => {
  it('takes InternalIP first, the zone label and the IPv4 pod CIDR', () => {
    const node: Node = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'node-1', labels: { 'topology.kubernetes.io/zone': 'zone-a' } },
      spec: { podCIDR: 'fd00:1::/64', podCIDRs: ['fd00:1::/64', '10.244.1.0/24'] },
      status: {
        addresses: [
          { type: 'ExternalIP', address: '203.0.113.5' },
          { type: 'Hostname', address: 'node-1' },
          { type: 'InternalIP', address: '192.168.0.11' },
          { type: 'InternalIP', address: 'fd00::11' },
        ],
      },
    };
    assert.deepEqual(nodeViewFromNode(node), { nodeName: 'node-1', nodeIPs: ['192.168.0.11', '203.0.113.5'], zone: 'zone-a', podCIDR: '10.244.1.0/24' });
  });
});
