import assert from 'node:assert/strict';
import { servicePortInfos, servicePortName } from '../../proxy/serviceport.js';
import { makeService } from './fixtures.js';

describe('proxy/serviceport', () => {
  it('names service ports ns/name:port, or ns/name when unnamed', () => {
    assert.equal(servicePortName('ns1', 'svc1', 'p80'), 'ns1/svc1:p80');
    assert.equal(servicePortName('ns1', 'svc1', ''), 'ns1/svc1');
  });

  it('makes one ServicePortInfo per port, with canonical addresses', () => {
    const svc = makeService('ns1', 'svc1', (s) => {
      s.spec.type = 'LoadBalancer';
      s.spec.clusterIP = '172.30.0.041';
      s.spec.ports = [
        { name: 'p80', port: 80, protocol: 'TCP', nodePort: 30080 },
        { name: 'dns', port: 53, protocol: 'UDP', nodePort: 30053 },
      ];
      s.spec.externalIPs = ['192.168.099.22', '2001:db8::1', 'bogus'];
      s.spec.loadBalancerSourceRanges = [' 203.0.113.0/25 ', '10.1.2.3/8', '2001:db8::/64'];
      s.status = { loadBalancer: { ingress: [{ ip: '1.2.3.4' }, { ip: '5.6.7.8', ipMode: 'Proxy' }, { hostname: 'lb.example' }, { ip: '9.9.9.9', ipMode: 'VIP' }] } };
    });
    const infos = servicePortInfos(svc);
    assert.deepEqual(
      infos.map((i) => [i.name, i.key, i.protocol, i.clusterIP, i.nodePort]),
      [
        ['ns1/svc1:p80', 'ns1/svc1:p80/TCP', 'TCP', '172.30.0.41', 30080],
        ['ns1/svc1:dns', 'ns1/svc1:dns/UDP', 'UDP', '172.30.0.41', 30053],
      ],
    );
    const i = infos[0]!;
    assert.deepEqual(i.externalIPs, ['192.168.99.22']);
    assert.deepEqual(i.loadBalancerVIPs, ['1.2.3.4', '9.9.9.9']);
    assert.deepEqual(i.loadBalancerSourceRanges.map((c) => c.text), ['203.0.113.0/25', '10.0.0.0/8']);
    assert.equal(i.externallyAccessible, true);
  });

  it('keeps ipMode Proxy ingress IPs when the LoadBalancerIPMode gate is off', () => {
    const svc = makeService('ns', 's', (s) => {
      s.spec.clusterIP = '10.0.0.1';
      s.spec.ports = [{ port: 80 }];
      s.status = { loadBalancer: { ingress: [{ ip: '5.6.7.8', ipMode: 'Proxy' }] } };
    });
    assert.deepEqual(servicePortInfos(svc, { loadBalancerIPMode: false })[0]!.loadBalancerVIPs, ['5.6.7.8']);
  });

  it('skips headless, IP-less and ExternalName Services, and IPv6-only ones', () => {
    const port = [{ port: 80 }];
    assert.deepEqual(servicePortInfos(makeService('a', 'b', (s) => { s.spec.clusterIP = 'None'; s.spec.ports = port; })), []);
    assert.deepEqual(servicePortInfos(makeService('a', 'b', (s) => { s.spec.ports = port; })), []);
    assert.deepEqual(servicePortInfos(makeService('a', 'b', (s) => { s.spec.type = 'ExternalName'; s.spec.clusterIP = '10.0.0.1'; s.spec.ports = port; })), []);
    assert.deepEqual(servicePortInfos(makeService('a', 'b', (s) => { s.spec.clusterIP = 'fd00::1'; s.spec.ports = port; })), []);
    const dual = servicePortInfos(makeService('a', 'b', (s) => {
      s.spec.clusterIP = 'fd00::1';
      s.spec.clusterIPs = ['fd00::1', '10.96.0.5'];
      s.spec.ipFamilies = ['IPv6', 'IPv4'];
      s.spec.ports = port;
    }));
    assert.equal(dual[0]!.clusterIP, '10.96.0.5');
  });

  it('takes eTP=Local only from externally accessible types; health check only for LoadBalancer', () => {
    const mk = (type: 'ClusterIP' | 'NodePort' | 'LoadBalancer', extIPs: string[] = []) =>
      servicePortInfos(makeService('a', 'b', (s) => {
        s.spec.type = type;
        s.spec.clusterIP = '10.0.0.1';
        s.spec.externalTrafficPolicy = 'Local';
        s.spec.externalIPs = extIPs;
        s.spec.healthCheckNodePort = 32000;
        s.spec.ports = [{ port: 80, nodePort: type === 'ClusterIP' ? undefined : 30000 }];
      }))[0]!;
    assert.equal(mk('ClusterIP').externalPolicyLocal, false);
    assert.equal(mk('ClusterIP', ['1.1.1.1']).externalPolicyLocal, true);
    assert.equal(mk('NodePort').externalPolicyLocal, true);
    assert.equal(mk('NodePort').healthCheckNodePort, 0);
    assert.equal(mk('LoadBalancer').healthCheckNodePort, 32000);
    // eTP=Local without any external destination uses no local endpoints.
    assert.equal(mk('ClusterIP').usesLocalEndpoints, false);
  });

  it('reads ClientIP affinity with the API default timeout of 10800 s', () => {
    const info = servicePortInfos(makeService('a', 'b', (s) => {
      s.spec.clusterIP = '10.0.0.1';
      s.spec.sessionAffinity = 'ClientIP';
      s.spec.ports = [{ port: 80 }];
    }))[0]!;
    assert.equal(info.sessionAffinityClientIP, true);
    assert.equal(info.stickyMaxAgeSeconds, 10800);
  });
});
