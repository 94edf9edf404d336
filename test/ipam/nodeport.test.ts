import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isStatusError } from '../../lib/api/errors.js';
import { DEFAULT_NODE_PORT_RANGE, NodePortAllocator, formatPortRange, parsePortRange, staticPortBandSize } from '../../lib/ipam/nodeport.js';
import { Random } from '../../lib/sim/random.js';

function errorOf(fn: () => unknown): { reason: string; message: string } {
  try {
    fn();
  } catch (e) {
    assert.ok(isStatusError(e));
    return { reason: e.reason, message: e.message };
  }
  assert.fail('no error');
}

describe('ipam/nodeport: NodePortAllocator', () => {
  it('parses port ranges as net.ParsePortRange', () => {
    assert.deepEqual(parsePortRange('30000-32767'), { base: 30000, size: 2768 });
    assert.deepEqual(parsePortRange(' 30000+100 '), { base: 30000, size: 101 });
    assert.deepEqual(parsePortRange('8080'), { base: 8080, size: 1 });
    assert.equal(formatPortRange({ base: 30000, size: 2768 }), '30000-32767');
    assert.equal(errorOf(() => parsePortRange('a-b')).message, 'unable to parse port range: a-b');
    assert.equal(errorOf(() => parsePortRange('1+2-3')).message, 'unable to parse port range: 1+2-3');
    assert.equal(errorOf(() => parsePortRange('30000-70000')).message, 'the port range cannot be greater than 65535: 30000-70000');
    assert.equal(errorOf(() => parsePortRange('32767-30000')).message, 'end port cannot be less than start port: 32767-30000');
  });

  it('honours requested ports and refuses taken or out-of-range ones with the API server errors', () => {
    const a = new NodePortAllocator(DEFAULT_NODE_PORT_RANGE, new Random(1));
    assert.equal(a.staticBand, 86);
    assert.equal(a.allocate(30080), 30080);
    assert.equal(a.has(30080), true);
    assert.deepEqual(errorOf(() => a.allocate(30080, { name: 'web', field: 'spec.ports[0].nodePort' })), {
      reason: 'Invalid',
      message: 'Service "web" is invalid: spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated',
    });
    assert.deepEqual(errorOf(() => a.allocate(8080, { name: 'web', field: 'spec.ports[1].nodePort' })), {
      reason: 'Invalid',
      message: 'Service "web" is invalid: spec.ports[1].nodePort: Invalid value: 8080: provided port is not in the valid range. The range of valid ports is 30000-32767',
    });
    assert.equal(errorOf(() => a.allocate(32768, { name: 'lb', field: 'spec.healthCheckNodePort' })).message,
      'Service "lb" is invalid: spec.healthCheckNodePort: Invalid value: 32768: provided port is not in the valid range. The range of valid ports is 30000-32767');
    assert.equal(a.release(30080), true);
    assert.equal(a.release(30080), false);
    assert.equal(a.release(80), false);
    assert.equal(a.freeCount(), 2768);
  });

  it('dynamic allocation fills the upper band (30086-32767) first, then 30000-30085, then fails', () => {
    const a = new NodePortAllocator('30000-32767', new Random(5));
    const upper = Array.from({ length: 2682 }, () => a.allocateNext());
    assert.ok(upper.every((p) => p >= 30086 && p <= 32767));
    assert.equal(new Set(upper).size, 2682);
    const lower = Array.from({ length: 86 }, () => a.allocateNext());
    assert.deepEqual([...lower].sort((x, y) => x - y), Array.from({ length: 86 }, (_, i) => 30000 + i));
    assert.deepEqual(errorOf(() => a.allocateNext()), { reason: 'InternalError', message: 'Internal error occurred: failed to allocate a nodePort: range is full' });
    assert.equal(a.freeCount(), 0);
  });

  it('scans up from a random start in each band', () => {
    const fixed = { int: (min: number) => min + 3 } as unknown as Random;
    const a = new NodePortAllocator('30000-30099', fixed); // 100 ports, static band 16
    assert.equal(a.staticBand, 16);
    assert.deepEqual([a.allocateNext(), a.allocateNext()], [30019, 30020]);
    for (let p = 30021; p <= 30099; p++) a.allocate(p);
    assert.equal(a.allocateNext(), 30016);
    a.allocate(30017);
    a.allocate(30018);
    assert.equal(a.allocateNext(), 30003);
    const seq = (seed: number) => {
      const b = new NodePortAllocator(DEFAULT_NODE_PORT_RANGE, new Random(seed));
      return [b.allocateNext(), b.allocateNext(), b.allocateNext()];
    };
    assert.deepEqual(seq(9), seq(9));
    assert.notDeepEqual(seq(9), seq(10));
  });

  it('computes the KEP-3668 static band as min(max(16, size/32), 128)', () => {
    const cases: [number, number][] = [[16, 0], [17, 16], [100, 16], [2768, 86], [4096, 128], [20000, 128]];
    for (const [size, band] of cases) assert.equal(staticPortBandSize(size), band, String(size));
  });

  it('never hands out a port twice or outside the range; exhaustion is exact (property)', () => {
    const op = fc.oneof(
      fc.constant({ kind: 'next' as const, port: 0 }),
      fc.record({ kind: fc.constant('req' as const), port: fc.integer({ min: 29995, max: 30045 }) }),
      fc.record({ kind: fc.constant('del' as const), port: fc.integer({ min: 29995, max: 30045 }) }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 }), fc.array(op, { maxLength: 200 }), (seed, ops) => {
        const a = new NodePortAllocator('30000-30039', new Random(seed)); // 40 ports, static band 16
        const held = new Set<number>();
        for (const o of ops) {
          if (o.kind === 'del') {
            assert.equal(a.release(o.port), held.delete(o.port));
          } else if (o.kind === 'req') {
            if (o.port >= 30000 && o.port <= 30039 && !held.has(o.port)) {
              assert.equal(a.allocate(o.port), o.port);
              held.add(o.port);
            } else assert.equal(errorOf(() => a.allocate(o.port)).reason, 'Invalid');
          } else if (held.size === 40) {
            assert.equal(errorOf(() => a.allocateNext()).reason, 'InternalError');
          } else {
            const p = a.allocateNext();
            assert.ok(p >= 30000 && p <= 30039 && !held.has(p), `${p}`);
            if (p < 30016) for (let u = 30016; u <= 30039; u++) assert.ok(held.has(u), 'lower band only when the upper is full');
            held.add(p);
          }
        }
        assert.equal(a.freeCount(), 40 - held.size);
        assert.deepEqual(a.allocated(), [...held].sort((x, y) => x - y));
      }),
      { seed: 42, numRuns: 150 },
    );
  });
});
