import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isStatusError } from '../../lib/api/errors.js';
import {
  type Operator,
  everything,
  isQualifiedName,
  isValidLabelValue,
  nothing,
  parseSelector,
  selectorFromLabelSelector,
  selectorFromSet,
  validateLabelSelector,
  validateLabels,
} from '../../lib/api/labels.js';

const NAME_MSG =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const VALUE_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const PREFIX_MSG =
  "prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

function parseError(s: string): string {
  try {
    parseSelector(s);
  } catch (e) {
    assert.ok(isStatusError(e), 'a StatusError');
    assert.equal(e.reason, 'BadRequest');
    assert.equal(e.code, 400);
    return e.message;
  }
  assert.fail(`${JSON.stringify(s)} parsed`);
}

describe('api/labels: parseSelector', () => {
  it('matches as apimachinery does (!= and notin select objects lacking the key)', () => {
    const cases: [string, Record<string, string> | undefined, boolean][] = [
      ['app=web', { app: 'web' }, true],
      ['app==web', { app: 'web', tier: 'fe' }, true],
      ['app=web', { app: 'db' }, false],
      ['app=web', {}, false],
      ['app!=web', { app: 'db' }, true],
      ['app!=web', {}, true],
      ['app!=web', { app: 'web' }, false],
      ['env in (prod, qa)', { env: 'qa' }, true],
      ['env in (prod,qa)', { env: 'dev' }, false],
      ['env in (prod,qa)', {}, false],
      ['env notin (prod,qa)', { env: 'dev' }, true],
      ['env notin (prod,qa)', {}, true],
      ['env notin (prod,qa)', { env: 'prod' }, false],
      ['partition', { partition: '' }, true],
      ['partition', {}, false],
      ['!partition', {}, true],
      ['!partition', { partition: 'x' }, false],
      ['a=', { a: '' }, true],
      ['a=', { a: 'x' }, false],
      ['a in ()', { a: '' }, true],
      ['x in (foo,,baz)', { x: '' }, true],
      ['replicas>3', { replicas: '4' }, true],
      ['replicas>3', { replicas: '3' }, false],
      ['replicas>3', { replicas: 'four' }, false],
      ['replicas>3', {}, false],
      ['replicas<3', { replicas: '-1' }, true],
      ['replicas<3', { replicas: '007' }, false],
      ['replicas<10', { replicas: '007' }, true],
      ['app=web,tier!=db,!canary', { app: 'web', tier: 'fe' }, true],
      ['app=web,tier!=db,!canary', { app: 'web', canary: 'true' }, false],
      ['', { anything: 'x' }, true],
      ['', undefined, true],
      ['!x', undefined, true],
    ];
    for (const [sel, labels, want] of cases) assert.equal(parseSelector(sel).matches(labels), want, `${sel} on ${JSON.stringify(labels)}`);
  });

  it('prints the canonical form: requirements by key, values sorted and deduplicated', () => {
    const cases: [string, string][] = [
      ['x in (foo,,baz),y,z notin ()', 'x in (,baz,foo),y,z notin ()'],
      ['  tier != db ,\tapp = web ', 'app=web,tier!=db'],
      ['b,a,!c', 'a,b,!c'],
      ['env in (qa,prod,qa)', 'env in (prod,qa)'],
      ['a==b', 'a==b'],
      ['n>3,n<10', 'n>3,n<10'],
      ['in in (in, notin)', 'in in (in,notin)'],
      ['k in(a)', 'k in (a)'],
      ['! k', '!k'],
      ['', ''],
    ];
    for (const [input, want] of cases) assert.equal(parseSelector(input).toString(), want, input);
  });

  it('exposes requirements sorted by key, keeping the written order of equal keys', () => {
    assert.deepEqual(parseSelector('z=1,a notin (y,x),a,!b').requirements, [
      { key: 'a', operator: 'notin', values: ['x', 'y'] },
      { key: 'a', operator: 'exists', values: [] },
      { key: 'b', operator: '!', values: [] },
      { key: 'z', operator: '=', values: ['1'] },
    ]);
  });

  it('reports parse errors with apimachinery messages', () => {
    assert.equal(parseError('app: nginx'), `unable to parse requirement: <nil>: Invalid value: "app:": ${NAME_MSG}`);
    assert.equal(
      parseError('a/b/c=d'),
      "unable to parse requirement: <nil>: Invalid value: \"a/b/c\": a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    );
    assert.equal(parseError('a=b/c'), `unable to parse requirement: values[0][a]: Invalid value: "b/c": ${VALUE_MSG}`);
    assert.equal(parseError('a>x'), `unable to parse requirement: values[0]: Invalid value: "x": for 'Gt', 'Lt' operators, the value must be an integer`);
    assert.equal(parseError('a in b'), "unable to parse requirement: found 'b' expected: '('");
    assert.equal(parseError('a in (b c)'), "unable to parse requirement: found 'c', expected: ',' or ')'");
    assert.equal(parseError('a=b c'), "found 'c', expected: ',' or 'end of string'");
    assert.equal(parseError('a,'), "found '', expected: identifier after ','");
    assert.equal(parseError(',a'), "found ',', expected: !, identifier, or 'end of string'");
    assert.equal(parseError('a>=3'), "unable to parse requirement: found '=', expected: identifier");
    assert.equal(parseError('a b'), "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt");
    assert.equal(parseError('!a=b'), "found '=', expected: ',' or 'end of string'");
    assert.equal(parseError('a in (,=)'), "unable to parse requirement: found '=', expected: ',', or identifier");
    assert.equal(parseError('a in (='), "unable to parse requirement: found '=', expected: ',', ')' or identifier");
  });
});

describe('api/labels: selectors from sets and LabelSelectors', () => {
  it('selectorFromSet is equality on every pair; empty or missing selects everything', () => {
    const s = selectorFromSet({ tier: 'fe', app: 'web' });
    assert.equal(s.toString(), 'app=web,tier=fe');
    assert.equal(s.matches({ app: 'web', tier: 'fe', extra: '1' }), true);
    assert.equal(s.matches({ app: 'web' }), false);
    assert.equal(s.empty(), false);
    assert.equal(selectorFromSet({}).empty(), true);
    assert.equal(selectorFromSet(undefined).matches({ a: 'b' }), true);
  });

  it('everything and nothing', () => {
    assert.equal(everything.empty(), true);
    assert.equal(everything.matches(undefined), true);
    assert.equal(everything.toString(), '');
    assert.equal(nothing.empty(), false);
    assert.equal(nothing.matches({}), false);
    assert.equal(nothing.matches({ a: 'b' }), false);
  });

  it('LabelSelectorAsSelector: null selects nothing, {} everything, expressions AND-ed', () => {
    assert.equal(selectorFromLabelSelector(null), nothing);
    assert.equal(selectorFromLabelSelector(undefined), nothing);
    assert.equal(selectorFromLabelSelector({}).empty(), true);
    assert.equal(selectorFromLabelSelector({ matchLabels: {}, matchExpressions: [] }).matches({ x: 'y' }), true);
    const s = selectorFromLabelSelector({
      matchLabels: { app: 'web' },
      matchExpressions: [
        { key: 'env', operator: 'NotIn', values: ['qa', 'dev'] },
        { key: 'tier', operator: 'In', values: ['fe'] },
        { key: 'canary', operator: 'DoesNotExist' },
        { key: 'team', operator: 'Exists' },
      ],
    });
    assert.equal(s.toString(), 'app=web,!canary,env notin (dev,qa),team,tier in (fe)');
    assert.equal(s.matches({ app: 'web', tier: 'fe', team: 'a' }), true);
    assert.equal(s.matches({ app: 'web', tier: 'fe', team: 'a', env: 'qa' }), false);
    assert.equal(s.matches({ app: 'web', tier: 'fe', team: 'a', canary: '' }), false);
    assert.equal(s.matches({ app: 'web', tier: 'fe' }), false);
  });

  it('LabelSelectorAsSelector refuses invalid requirements with upstream messages', () => {
    const msg = (ls: Parameters<typeof selectorFromLabelSelector>[0]) => {
      try {
        selectorFromLabelSelector(ls);
      } catch (e) {
        assert.ok(isStatusError(e));
        assert.equal(e.reason, 'BadRequest');
        return e.message;
      }
      assert.fail('accepted');
    };
    assert.equal(msg({ matchExpressions: [{ key: 'a', operator: 'In' }] }), "values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be empty");
    assert.equal(msg({ matchExpressions: [{ key: 'a', operator: 'NotIn', values: [] }] }), "values: Invalid value: []string{}: for 'in', 'notin' operators, values set can't be empty");
    assert.equal(
      msg({ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x', 'y'] }] }),
      'values: Invalid value: []string{"x", "y"}: values set must be empty for exists and does not exist',
    );
    assert.equal(msg({ matchExpressions: [{ key: 'a', operator: 'Gt' as never, values: ['1'] }] }), '"Gt" is not a valid label selector operator');
    assert.equal(msg({ matchLabels: { 'bad key': 'v' } }), `key: Invalid value: "bad key": ${NAME_MSG}`);
    assert.equal(msg({ matchLabels: { k: 'bad value' } }), `values[0][k]: Invalid value: "bad value": ${VALUE_MSG}`);
  });
});

describe('api/labels: validation', () => {
  it('isQualifiedName and isValidLabelValue give apimachinery messages', () => {
    assert.deepEqual(isQualifiedName('app.kubernetes.io/name'), []);
    assert.deepEqual(isQualifiedName('MyName'), []);
    assert.deepEqual(isQualifiedName('-a'), [NAME_MSG]);
    assert.deepEqual(isQualifiedName(''), ['name part must be non-empty', NAME_MSG]);
    assert.deepEqual(isQualifiedName('/a'), ['prefix part must be non-empty']);
    assert.deepEqual(isQualifiedName('Example.com/a'), [PREFIX_MSG]);
    assert.deepEqual(isQualifiedName('a'.repeat(64)), ['name part must be no more than 63 bytes']);
    assert.deepEqual(isQualifiedName(`${'a'.repeat(254)}/b`), ['prefix part must be no more than 253 bytes']);
    assert.deepEqual(isValidLabelValue(''), []);
    assert.deepEqual(isValidLabelValue('v1.2_x-y'), []);
    assert.deepEqual(isValidLabelValue('a b'), [VALUE_MSG]);
    assert.deepEqual(isValidLabelValue('a'.repeat(64)), ['must be no more than 63 bytes']);
    assert.deepEqual(isValidLabelValue(`-${'a'.repeat(63)}`), ['must be no more than 63 bytes', VALUE_MSG]);
  });

  it('validateLabels reports keys and values at the map path, as ValidateLabels does', () => {
    assert.deepEqual(validateLabels({ app: 'web', 'k8s.io/x': '' }, 'metadata.labels'), []);
    assert.deepEqual(validateLabels({ 'b@d': 'x y' }, 'metadata.labels').map(String), [
      `metadata.labels: Invalid value: "b@d": ${NAME_MSG}`,
      `metadata.labels: Invalid value: "x y": ${VALUE_MSG}`,
    ]);
    assert.deepEqual(validateLabels(undefined, 'metadata.labels'), []);
    assert.equal(validateLabels(['a'], 'metadata.labels').length, 1);
  });

  it('validateLabels still reports a bad key or value next to ones it has seen valid', () => {
    assert.deepEqual(validateLabels({ app: 'web', tier: 'db' }, 'metadata.labels'), []);
    // Known-good key with a bad value, and a bad key with a known-good value: sorted by key.
    assert.deepEqual(validateLabels({ tier: 'x y', app: 'web' }, 'metadata.labels').map(String), [`metadata.labels: Invalid value: "x y": ${VALUE_MSG}`]);
    assert.deepEqual(validateLabels({ zz: 'web', 'b@d': 'db', app: 'web' }, 'metadata.labels').map(String), [`metadata.labels: Invalid value: "b@d": ${NAME_MSG}`]);
    const typed = validateLabels({ app: 7 }, 'metadata.labels').map(String);
    assert.equal(typed.length, 1);
    assert.match(typed[0]!, /label values must be strings$/);
  });

  it('validateLabelSelector checks operators, keys, values and their presence', () => {
    const errs = validateLabelSelector(
      {
        matchLabels: { '-a': 'b' },
        matchExpressions: [
          { key: 'k', operator: 'In', values: [] },
          { key: 'k', operator: 'Exists', values: ['a b'] },
          { key: 'k', operator: 'Gt', values: ['1'] },
          { key: 'bad key', operator: 'NotIn', values: ['x'] },
        ],
      },
      'spec.selector',
    ).map(String);
    assert.deepEqual(errs, [
      `spec.selector.matchLabels: Invalid value: "-a": ${NAME_MSG}`,
      "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
      "spec.selector.matchExpressions[1].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
      `spec.selector.matchExpressions[1].values[0]: Invalid value: "a b": ${VALUE_MSG}`,
      'spec.selector.matchExpressions[2].operator: Invalid value: "Gt": not a valid selector operator',
      `spec.selector.matchExpressions[3].key: Invalid value: "bad key": ${NAME_MSG}`,
    ]);
    assert.deepEqual(validateLabelSelector(null, 'spec.selector'), []);
    assert.deepEqual(validateLabelSelector({ matchLabels: { app: 'web' } }, 'spec.selector'), []);
  });
});

// ---- properties: parse+match against a naive matcher, and toString round trips ----

interface Req {
  key: string;
  op: Operator;
  values: string[];
}

/** The documented semantics, written independently of the implementation. */
function naiveMatch(reqs: Req[], labels: Record<string, string>): boolean {
  return reqs.every((r) => {
    const has = r.key in labels;
    const v = labels[r.key];
    switch (r.op) {
      case '=':
      case '==':
      case 'in':
        return has && r.values.includes(v!);
      case '!=':
      case 'notin':
        return !has || !r.values.includes(v!);
      case 'exists':
        return has;
      case '!':
        return !has;
      case 'gt':
      case 'lt': {
        if (!has || !/^[+-]?\d+$/.test(v!)) return false;
        return r.op === 'gt' ? BigInt(v!) > BigInt(r.values[0]!) : BigInt(v!) < BigInt(r.values[0]!);
      }
      default:
        return false;
    }
  });
}

const KEYS = ['a', 'b', 'in', 'x.io/c', 'Z9'];
const VALUES = ['', 'v1', 'v2', 'notin', '3', '10', '007'];
const ws = fc.constantFrom('', ' ', '  ', '\t');
const ws1 = fc.constantFrom(' ', '\t', ' \n');
const label = fc.dictionary(fc.constantFrom(...KEYS), fc.constantFrom(...VALUES), { maxKeys: 5 });

const req: fc.Arbitrary<Req> = fc.oneof(
  fc.record({ key: fc.constantFrom(...KEYS), op: fc.constantFrom<Operator>('=', '==', '!='), values: fc.constantFrom(...VALUES).map((v) => [v]) }),
  fc.record({
    key: fc.constantFrom(...KEYS),
    op: fc.constantFrom<Operator>('in', 'notin'),
    values: fc.uniqueArray(fc.constantFrom(...VALUES), { minLength: 1, maxLength: 4 }),
  }),
  fc.record({ key: fc.constantFrom(...KEYS), op: fc.constantFrom<Operator>('exists', '!'), values: fc.constant<string[]>([]) }),
  fc.record({ key: fc.constantFrom(...KEYS), op: fc.constantFrom<Operator>('gt', 'lt'), values: fc.constantFrom('0', '3', '10', '42').map((v) => [v]) }),
);

/** Writes a requirement with random (legal) whitespace, as a user might. */
const written = (r: Req): fc.Arbitrary<string> =>
  fc.tuple(ws, ws, ws, ws1, fc.array(ws, { minLength: 8, maxLength: 8 })).map(([a, b, c, d, w]) => {
    switch (r.op) {
      case 'exists':
        return `${a}${r.key}${b}`;
      case '!':
        return `${a}!${b}${r.key}${c}`;
      case 'in':
      case 'notin':
        return `${a}${r.key}${d}${r.op}${b}(${w[0]}${r.values.join(`${w[1]},${w[2]}`)}${w[3]})${c}`;
      default: {
        const op = r.op === 'gt' ? '>' : r.op === 'lt' ? '<' : r.op;
        return `${a}${r.key}${b}${op}${c}${r.values[0]}${w[4]}`;
      }
    }
  });

const selectorText = fc.array(req, { minLength: 0, maxLength: 4 }).chain((reqs) =>
  fc.tuple(...reqs.map(written)).map((parts) => ({ reqs, text: parts.join(',') })),
);

describe('api/labels: properties', () => {
  it('parse+match agrees with a naive matcher on random selectors and label sets', () => {
    fc.assert(
      fc.property(selectorText, fc.array(label, { minLength: 1, maxLength: 5 }), ({ reqs, text }, sets) => {
        const sel = parseSelector(text);
        for (const l of sets) assert.equal(sel.matches(l), naiveMatch(reqs, l), `${JSON.stringify(text)} on ${JSON.stringify(l)}`);
      }),
      { seed: 42, numRuns: 300 },
    );
  });

  it('toString() parses back to the same selector', () => {
    fc.assert(
      fc.property(selectorText, ({ text }) => {
        const sel = parseSelector(text);
        const again = parseSelector(sel.toString());
        assert.deepEqual(again.requirements, sel.requirements);
        assert.equal(again.toString(), sel.toString());
      }),
      { seed: 42, numRuns: 300 },
    );
  });

  it('LabelSelector conversion matches the naive matcher too', () => {
    const expr = fc.record({
      key: fc.constantFrom(...KEYS),
      operator: fc.constantFrom('In' as const, 'NotIn' as const),
      values: fc.uniqueArray(fc.constantFrom(...VALUES), { minLength: 1, maxLength: 3 }),
    });
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...KEYS), fc.constantFrom(...VALUES), { maxKeys: 2 }), fc.array(expr, { maxLength: 3 }), label, (ml, me, l) => {
        const sel = selectorFromLabelSelector({ matchLabels: ml, matchExpressions: me });
        const reqs: Req[] = [
          ...Object.entries(ml).map(([k, v]) => ({ key: k, op: '=' as Operator, values: [v] })),
          ...me.map((e) => ({ key: e.key, op: (e.operator === 'In' ? 'in' : 'notin') as Operator, values: e.values })),
        ];
        assert.equal(sel.matches(l), naiveMatch(reqs, l));
      }),
      { seed: 42, numRuns: 200 },
    );
  });
});
