import assert from 'node:assert/strict';
import { parseBenchmark } from '../../lib/bench/benchmark.js';

const errorsOf = (raw: unknown) => parseBenchmark(raw).errors.map((e) => e.toString());

describe('bench/benchmark (the benchmark: section)', () => {
  it('defaults everything but kind, clients and mix', () => {
    const { benchmark, errors } = parseBenchmark({ kind: 'dns', clients: ['pod:app=frontend', { from: 'pod/alpine-client', resolver: 'musl' }], mix: ['redis-master', { name: 'frontend', type: 'a+aaaa', weight: 2.5 }] });
    assert.deepEqual(errors, []);
    assert.deepEqual(benchmark, {
      kind: 'dns', durationMs: 10_000, rate: 1000, concurrency: 100, timeoutMs: 1000,
      clients: [{ from: 'pod:app=frontend', resolver: 'glibc' }, { from: 'pod/alpine-client', resolver: 'musl' }],
      mix: [{ name: 'redis-master', type: 'A', weight: 1 }, { name: 'frontend', type: 'A+AAAA', weight: 2.5 }],
      compare: { ndots: [], fqdn: false, durationMs: 10_000 },
      output: null,
    });
  });

  it('reads durations, the comparison and the output folder', () => {
    const { benchmark } = parseBenchmark({ kind: 'dns', duration: '5s', timeout: '250ms', rate: 5000, concurrency: 64, clients: ['pod/a'], mix: ['x'], compare: { ndots: [5, 2, 1], fqdn: true, duration: 3 }, output: 'bench-out/' });
    assert.equal(benchmark?.durationMs, 5000);
    assert.equal(benchmark?.timeoutMs, 250);
    assert.deepEqual(benchmark?.compare, { ndots: [5, 2, 1], fqdn: true, durationMs: 3000 });
    assert.equal(benchmark?.output, 'bench-out/');
  });

  it('reports every problem at once with its field path', () => {
    assert.deepEqual(errorsOf({
      kind: 'http', rate: 60_000, duration: 'ten seconds', concurrency: 1.5, extra: 1,
      clients: ['node/node-1', { from: 'pod/x', resolver: 'bionic' }, 42],
      mix: [{ name: 'a..b' }, { name: 'ok', type: 'HINFO', weight: 0 }, { name: 'dup' }, { name: 'DUP', type: 'a' }],
      compare: { ndots: [5, 16, 5], fqdn: 'yes' },
    }), [
      'benchmark.extra: Unsupported value: "extra": supported values: "kind", "duration", "rate", "concurrency", "timeout", "clients", "mix", "compare", "output"',
      'benchmark.kind: Unsupported value: "http": supported values: "dns"',
      'benchmark.duration: Invalid value: "ten seconds": must be a duration such as 500ms, 10s or 1m',
      'benchmark.rate: Invalid value: 60000: must be between 1 and 50000 lookups per second',
      'benchmark.concurrency: Invalid value: 1.5: must be an integer (lookups in flight)',
      'benchmark.clients[0]: Invalid value: "node/node-1": not a pod: use pod/NAME, pod/NS/NAME, pod/PREFIX* or pod:SELECTOR',
      'benchmark.clients[1].resolver: Unsupported value: "bionic": supported values: "glibc", "musl"',
      'benchmark.clients[2]: Invalid value: 42: must be a pod address (pod/NAME, pod/NS/NAME, pod/PREFIX*, pod:SELECTOR) or {from: ADDRESS, resolver: glibc|musl}',
      'benchmark.mix[0].name: Invalid value: "a..b": must not contain an empty label',
      'benchmark.mix[1].type: Unsupported value: "HINFO": supported values: "A+AAAA", "A", "NS", "CNAME", "SOA", "PTR", "MX", "TXT", "AAAA", "SRV"',
      'benchmark.mix[1].weight: Invalid value: 0: must be a number greater than 0 (at most 1000000)',
      'benchmark.mix[3]: Duplicate value: "DUP A"',
      'benchmark.compare.ndots[1]: Invalid value: 16: must be an integer between 0 and 15',
      'benchmark.compare.ndots[2]: Duplicate value: 5',
      'benchmark.compare.fqdn: Invalid value: "yes": must be true or false',
    ]);
  });

  it('requires the section, kind, clients and mix', () => {
    assert.deepEqual(errorsOf(undefined), ['benchmark: Required value: this is not a benchmark scenario: add a benchmark: section (kind: dns, clients, mix)']);
    assert.deepEqual(errorsOf({}), [
      'benchmark.kind: Required value: supported values: "dns"',
      'benchmark.clients: Required value: the pods whose resolvers send the lookups, e.g. [pod:app=frontend, {from: pod/alpine-client, resolver: musl}]',
      'benchmark.mix: Required value: the weighted lookups, e.g. [{name: redis-master, weight: 5}]',
    ]);
  });

  it('caps the total load time at 60 s across all runs', () => {
    const base = { kind: 'dns', clients: ['pod/a'], mix: ['x'] };
    assert.deepEqual(errorsOf({ ...base, duration: '61s' }), ['benchmark.duration: Invalid value: "61s": must be between 1ms and 60s']);
    assert.deepEqual(errorsOf({ ...base, duration: '20s', compare: { ndots: [5, 2, 1] } }), [
      'benchmark.compare.duration: Invalid value: 80: the runs would take 80s of load in all (4 runs); at most 60s: shorten duration or set compare.duration',
    ]);
    assert.deepEqual(errorsOf({ ...base, duration: '20s', compare: { ndots: [5, 2, 1], fqdn: true, duration: '10s' } }), []);
    assert.deepEqual(errorsOf({ ...base, timeout: '6s' }), ['benchmark.timeout: Invalid value: "6s": must be between 1ms and 5s']);
  });
});
