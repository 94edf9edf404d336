import assert from 'node:assert/strict';
import { endpointsByServicePort } from '../../proxy/endpoints.js';
import { makeSlice } from './fixtures.js';

const summary = (m: Map<string, { endpoint: string; ready: boolean; serving: boolean; terminating: boolean; nodeName: string }[]>) =>
  Object.fromEntries([...m].map(([k, v]) => [k, v.map((e) => `${e.endpoint} r=${e.ready} s=${e.serving} t=${e.terminating} n=${e.nodeName}`)]));

describe('proxy/endpoints', () => {
  it('groups by port name and protocol, sorted by "ip:port" as plain strings', () => {
    const s = makeSlice('ns', 'svc', 1, (e) => {
      e.endpoints = [{ addresses: ['10.0.0.2', '10.9.9.9'] }, { addresses: ['10.0.0.10'], nodeName: 'n1' }, { addresses: ['010.000.000.003'] }];
      e.ports = [
        { name: 'http', port: 80, protocol: 'TCP' },
        { name: 'dns', port: 53, protocol: 'UDP' },
      ];
    });
    assert.deepEqual(summary(endpointsByServicePort('ns', 'svc', [s])), {
      'ns/svc:http/TCP': [
        '10.0.0.10:80 r=true s=true t=false n=n1',
        '10.0.0.2:80 r=true s=true t=false n=',
        '10.0.0.3:80 r=true s=true t=false n=',
      ],
      'ns/svc:dns/UDP': [
        '10.0.0.10:53 r=true s=true t=false n=n1',
        '10.0.0.2:53 r=true s=true t=false n=',
        '10.0.0.3:53 r=true s=true t=false n=',
      ],
    });
  });

  it('ignores ports with no name or no/zero port, and non-IPv4 slices', () => {
    const eps = [{ addresses: ['10.0.0.1'] }];
    const slices = [
      makeSlice('ns', 'svc', 1, (e) => {
        e.endpoints = eps;
        e.ports = [{ port: 80 }, { name: 'zero', port: 0 }, { name: 'none' }, { name: '', port: 8080 }];
      }),
      makeSlice('ns', 'svc', 2, (e) => {
        e.addressType = 'IPv6';
        e.endpoints = [{ addresses: ['fd00::1'] }];
        e.ports = [{ name: '', port: 8080 }];
      }),
    ];
    assert.deepEqual(summary(endpointsByServicePort('ns', 'svc', slices)), {
      'ns/svc/TCP': ['10.0.0.1:8080 r=true s=true t=false n='],
    });
  });

  it('defaults conditions: ready and serving true, terminating false', () => {
    const s = makeSlice('ns', 'svc', 1, (e) => {
      e.endpoints = [
        { addresses: ['10.0.0.1'], conditions: {} },
        { addresses: ['10.0.0.2'], conditions: { ready: false, serving: true, terminating: true } },
        { addresses: ['10.0.0.3'], conditions: { ready: false } },
      ];
      e.ports = [{ name: '', port: 80 }];
    });
    assert.deepEqual(summary(endpointsByServicePort('ns', 'svc', [s])), {
      'ns/svc/TCP': ['10.0.0.1:80 r=true s=true t=false n=', '10.0.0.2:80 r=false s=true t=true n=', '10.0.0.3:80 r=false s=true t=false n='],
    });
  });

  it('counts an endpoint in two slices once, preferring a non-terminating copy', () => {
    const port = [{ name: '', port: 80 }];
    const a = makeSlice('ns', 'svc', 1, (e) => {
      e.endpoints = [{ addresses: ['10.0.0.1'], nodeName: 'old', conditions: { ready: true } }];
      e.ports = port;
    });
    const b = makeSlice('ns', 'svc', 2, (e) => {
      e.endpoints = [{ addresses: ['10.0.0.1'], nodeName: 'new', conditions: { ready: false, terminating: true } }];
      e.ports = port;
    });
    const c = makeSlice('ns', 'svc', 3, (e) => {
      e.endpoints = [{ addresses: ['10.0.0.1'], nodeName: 'newest', conditions: { ready: true } }];
      e.ports = port;
    });
    assert.deepEqual(summary(endpointsByServicePort('ns', 'svc', [b, a])), { 'ns/svc/TCP': ['10.0.0.1:80 r=true s=true t=false n=old'] });
    assert.deepEqual(summary(endpointsByServicePort('ns', 'svc', [a, b, c])), { 'ns/svc/TCP': ['10.0.0.1:80 r=true s=true t=false n=newest'] });
  });
});
