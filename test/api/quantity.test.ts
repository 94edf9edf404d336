import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isStatusError } from '../../lib/api/errors.js';
import { parseMilli, parseQuantity, parseQuantityExact, parseValue } from '../../lib/api/quantity.js';

const FORMAT_MSG = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
const SUFFIX_MSG = "unable to parse quantity's suffix";

function errorOf(s: string | number): string {
  try {
    parseQuantity(s);
  } catch (e) {
    assert.ok(isStatusError(e));
    assert.equal(e.reason, 'BadRequest');
    return e.message;
  }
  assert.fail(`${JSON.stringify(s)} parsed`);
}

describe('api/quantity', () => {
  it('parses values into base units exactly', () => {
    const cases: [string | number, number][] = [
      ['500m', 0.5],
      ['100m', 0.1],
      ['2', 2],
      ['0', 0],
      ['1.5', 1.5],
      ['8Gi', 8589934592],
      ['1.5Gi', 1610612736],
      ['128Mi', 134217728],
      ['1Ki', 1024],
      ['1k', 1000],
      ['1M', 1000000],
      ['1G', 1e9],
      ['1T', 1e12],
      ['1P', 1e15],
      ['1E', 1e18],
      ['1e3', 1000],
      ['1E3', 1000],
      ['12e+2', 1200],
      ['1e-3', 0.001],
      ['250u', 0.00025],
      ['3n', 3e-9],
      ['+1Mi', 1048576],
      ['-2', -2],
      ['.5', 0.5],
      ['1.', 1],
      [' 4 ', 4],
      [2, 2],
      [0.25, 0.25],
      [1e21, 1e21],
    ];
    for (const [s, want] of cases) assert.equal(parseQuantity(s), want, String(s));
  });

  it('rounds up to whole nano units and caps BinarySI at the int64 maximum, as upstream', () => {
    assert.equal(parseQuantityExact('0.1n').nanos, 1n);
    assert.equal(parseQuantityExact('1e-12').nanos, 1n);
    assert.equal(parseQuantityExact('1.0000000001').nanos, 1_000_000_001n);
    assert.equal(parseQuantityExact('16Ei').nanos, (2n ** 63n - 1n) * 10n ** 9n);
    assert.equal(parseQuantityExact('0.5Ki').format, 'BinarySI');
    assert.equal(parseQuantityExact('0.5').format, 'DecimalSI');
    assert.equal(parseQuantityExact('1e3').format, 'DecimalExponent');
    assert.equal(parseQuantityExact('1Mi').nanos, 1048576n * 10n ** 9n);
  });

  it('MilliValue and Value round fractions up (away from zero)', () => {
    const milli: [string, number][] = [
      ['500m', 500], ['1', 1000], ['2.5', 2500], ['0.1m', 1], ['0.0001', 1], ['1.0001m', 2], ['-0.0005', -1], ['1Ki', 1024000], ['250u', 1],
    ];
    for (const [s, want] of milli) assert.equal(parseMilli(s), want, s);
    const value: [string, number][] = [['100m', 1], ['1.5', 2], ['2', 2], ['8Gi', 8589934592], ['0', 0]];
    for (const [s, want] of value) assert.equal(parseValue(s), want, s);
  });

  it('keeps upstream quirks of the scanner: a lone sign, dot or suffix is zero', () => {
    assert.equal(parseQuantity('Gi'), 0);
    assert.equal(parseQuantity('m'), 0);
    assert.equal(parseQuantity('-'), 0);
    assert.equal(parseQuantity('+'), 0);
    assert.equal(parseQuantity('.'), 0);
    assert.equal(parseQuantity('000'), 0);
  });

  it('rejects bad syntax with upstream messages', () => {
    for (const s of ['', '1x', '1.2.3', 'abc', '1 Gi', '1Kix', '1Mi5x', '1-x']) assert.equal(errorOf(s), FORMAT_MSG, s);
    for (const s of ['1kk', '1e', '1m5', '1EE', '1KM', '1iK', '--1', '1-']) assert.equal(errorOf(s), SUFFIX_MSG, s);
    assert.equal(errorOf(Number.NaN), FORMAT_MSG);
  });

  it('integers and their binary multiples parse exactly (property)', () => {
    const units: [string, bigint][] = [['', 1n], ['k', 1000n], ['M', 10n ** 6n], ['Ki', 1024n], ['Mi', 1024n ** 2n], ['Gi', 1024n ** 3n]];
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000 }), fc.constantFrom(...units), fc.integer({ min: 0, max: 999 }), (n, [suf, mult], milli) => {
        assert.equal(parseQuantityExact(`${n}${suf}`).nanos, BigInt(n) * mult * 10n ** 9n);
        assert.equal(parseMilli(`${n}.${String(milli).padStart(3, '0')}`), n * 1000 + milli);
        assert.equal(parseMilli(`${n * 1000 + milli}m`), n * 1000 + milli);
      }),
      { seed: 42, numRuns: 200 },
    );
  });
});
