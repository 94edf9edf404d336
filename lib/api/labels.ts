// Label selectors and label validation, as apimachinery's pkg/labels (selector.go) and
// metav1's LabelSelectorAsSelector / ValidateLabelSelector. Messages are upstream's texts.
import { type FieldError, StatusError, errors, field } from './errors.js';
import type { LabelSelector } from './meta.js';

/** selection.Operator: `!` is DoesNotExist, `gt`/`lt` compare integers. */
export type Operator = '=' | '==' | '!=' | 'in' | 'notin' | 'exists' | '!' | 'gt' | 'lt';

/** One requirement of a selector; `values` sorted, as apimachinery prints them. */
export interface Requirement {
  key: string;
  operator: Operator;
  values: string[];
}

export interface Selector {
  /** Sorted by key (stable), as apimachinery's internalSelector. */
  readonly requirements: readonly Requirement[];
  matches(labels: Readonly<Record<string, string>> | undefined): boolean;
  /** True when the selector selects everything. */
  empty(): boolean;
  /** Canonical form, as apimachinery's `Selector.String()`. */
  toString(): string;
}

// ---- validation (apimachinery util/validation and api/validate/content) ----

const LABEL_KEY_FMT = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const LABEL_KEY_MSG = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const LABEL_KEY_RE = new RegExp(`^${LABEL_KEY_FMT}$`);
const LABEL_VALUE_FMT = `(${LABEL_KEY_FMT})?`;
const LABEL_VALUE_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const LABEL_VALUE_RE = new RegExp(`^${LABEL_VALUE_FMT}$`);
const DNS1123_LABEL_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_SUBDOMAIN_FMT = `${DNS1123_LABEL_FMT}(\\.${DNS1123_LABEL_FMT})*`;
const DNS1123_SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
const DNS1123_SUBDOMAIN_RE = new RegExp(`^${DNS1123_SUBDOMAIN_FMT}$`);

/** apimachinery's RegexError, including its odd `',  or '` spacing. */
function regexError(msg: string, re: string, ...examples: string[]): string {
  if (examples.length === 0) return `${msg} (regex used for validation is '${re}')`;
  let out = `${msg} (e.g. `;
  examples.forEach((e, i) => {
    if (i > 0) out += ' or ';
    out += `'${e}', `;
  });
  return `${out}regex used for validation is '${re}')`;
}

const maxLenError = (n: number) => `must be no more than ${n} bytes`;

/** Go measures strings in UTF-8 bytes. */
function byteLength(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

function isDNS1123Subdomain(s: string): string[] {
  const errs: string[] = [];
  if (byteLength(s) > 253) errs.push(maxLenError(253));
  if (!DNS1123_SUBDOMAIN_RE.test(s)) errs.push(regexError(DNS1123_SUBDOMAIN_MSG, DNS1123_SUBDOMAIN_FMT, 'example.com'));
  return errs;
}

/** apimachinery's IsQualifiedName (label key): error messages, empty when valid. */
export function isQualifiedName(s: string): string[] {
  const errs: string[] = [];
  const parts = s.split('/');
  let name: string;
  if (parts.length === 1) {
    name = parts[0]!;
  } else if (parts.length === 2) {
    const prefix = parts[0]!;
    name = parts[1]!;
    if (prefix.length === 0) errs.push('prefix part must be non-empty');
    else for (const m of isDNS1123Subdomain(prefix)) errs.push(`prefix part ${m}`);
  } else {
    // Kubernetes up to 1.33 says "a qualified name" here (1.34+: "a valid label key").
    return [
      `a qualified name ${regexError(LABEL_KEY_MSG, LABEL_KEY_FMT, 'MyName', 'my.name', '123-abc')} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ];
  }
  if (name.length === 0) errs.push('name part must be non-empty');
  else if (byteLength(name) > 63) errs.push(`name part ${maxLenError(63)}`);
  if (!LABEL_KEY_RE.test(name)) errs.push(`name part ${regexError(LABEL_KEY_MSG, LABEL_KEY_FMT, 'MyName', 'my.name', '123-abc')}`);
  return errs;
}

/** apimachinery's IsValidLabelValue: error messages, empty when valid. */
export function isValidLabelValue(s: string): string[] {
  const errs: string[] = [];
  if (byteLength(s) > 63) errs.push(maxLenError(63));
  if (!LABEL_VALUE_RE.test(s)) errs.push(regexError(LABEL_VALUE_MSG, LABEL_VALUE_FMT, 'MyValue', 'my_value', '12345'));
  return errs;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const child = (path: string, name: string) => (path ? `${path}.${name}` : name);

/** metav1validation.ValidateLabels: every error is reported at `path` itself, as upstream does. */
export function validateLabels(labels: unknown, path: string): FieldError[] {
  if (labels === undefined || labels === null) return [];
  if (!isObj(labels)) return [field.typeInvalid(path, labels, 'must be a map of string keys to string values')];
  // Most label sets repeat keys and values already found valid: no sorting, no splitting.
  let known = true;
  for (const k in labels) {
    const v = labels[k];
    if (!VALID_LABEL_KEYS.has(k) || typeof v !== 'string' || !VALID_LABEL_VALUES.has(v)) {
      known = false;
      break;
    }
  }
  if (known) return [];
  const errs: FieldError[] = [];
  for (const k of Object.keys(labels).sort()) {
    const v = labels[k];
    const keyErrs = isQualifiedName(k);
    for (const m of keyErrs) errs.push(field.invalid(path, k, m));
    if (keyErrs.length === 0) remember(VALID_LABEL_KEYS, k);
    if (typeof v !== 'string') {
      errs.push(field.typeInvalid(path, v, 'label values must be strings'));
      continue;
    }
    const valueErrs = isValidLabelValue(v);
    for (const m of valueErrs) errs.push(field.invalid(path, v, m));
    if (valueErrs.length === 0) remember(VALID_LABEL_VALUES, v);
  }
  return errs;
}

/** Label keys and values that passed validation (bounded: cleared when full). */
const VALID_LABEL_KEYS = new Set<string>();
const VALID_LABEL_VALUES = new Set<string>();

function remember(set: Set<string>, s: string): void {
  if (set.size >= 8192) set.clear();
  set.add(s);
}

/** metav1validation.ValidateLabelSelector (values validated: AllowInvalidLabelValueInSelector off). */
export function validateLabelSelector(ls: unknown, path: string): FieldError[] {
  if (ls === undefined || ls === null) return [];
  if (!isObj(ls)) return [field.typeInvalid(path, ls, 'must be a label selector object')];
  const errs = validateLabels(ls.matchLabels, child(path, 'matchLabels'));
  const exprs = ls.matchExpressions;
  if (exprs === undefined || exprs === null) return errs;
  const exprsPath = child(path, 'matchExpressions');
  if (!Array.isArray(exprs)) return [...errs, field.typeInvalid(exprsPath, exprs, 'must be a list')];
  for (const [i, e] of (exprs as unknown[]).entries()) {
    const p = `${exprsPath}[${i}]`;
    if (!isObj(e)) {
      errs.push(field.typeInvalid(p, e, 'must be a label selector requirement'));
      continue;
    }
    const values = e.values;
    const n = Array.isArray(values) ? values.length : 0;
    switch (e.operator) {
      case 'In':
      case 'NotIn':
        if (n === 0) errs.push(field.required(`${p}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (n > 0) errs.push(field.forbidden(`${p}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
        break;
      default:
        errs.push(field.invalid(`${p}.operator`, e.operator, 'not a valid selector operator'));
    }
    if (typeof e.key !== 'string') errs.push(field.typeInvalid(`${p}.key`, e.key, 'must be a string'));
    else for (const m of isQualifiedName(e.key)) errs.push(field.invalid(`${p}.key`, e.key, m));
    if (values !== undefined && values !== null && !Array.isArray(values)) {
      errs.push(field.typeInvalid(`${p}.values`, values, 'must be a list of strings'));
    } else if (Array.isArray(values)) {
      for (const [j, v] of (values as unknown[]).entries()) {
        if (typeof v !== 'string') errs.push(field.typeInvalid(`${p}.values[${j}]`, v, 'must be a string'));
        else for (const m of isValidLabelValue(v)) errs.push(field.invalid(`${p}.values[${j}]`, v, m));
      }
    }
  }
  return errs;
}

// ---- requirements and selectors ----

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Go's strconv.ParseInt(s, 10, 64): optional sign, decimal digits, int64 range. */
function parseInt64(s: string): bigint | undefined {
  if (!/^[+-]?[0-9]+$/.test(s)) return undefined;
  const v = BigInt(s);
  return v < INT64_MIN || v > INT64_MAX ? undefined : v;
}

/** Go's `%#v` of a []string, as apimachinery prints a bad `values` field. */
function goStringSlice(v: readonly string[] | undefined): string {
  if (v === undefined) return '[]string(nil)';
  return `[]string{${v.map((s) => JSON.stringify(s)).join(', ')}}`;
}

/** A field error whose printed form is exactly upstream's (Go value syntax for lists). */
function requirementError(path: string, value: string | readonly string[] | undefined, detail: string): { cause: FieldError; text: string } {
  const shown = typeof value === 'string' ? JSON.stringify(value) : goStringSlice(value);
  return { cause: field.invalid(path, value === undefined ? null : value, detail), text: `${path}: Invalid value: ${shown}: ${detail}` };
}

/** apimachinery's NewRequirement checks; `path` '' is Go's nil path (fields print as `values`, `key`). */
function checkRequirement(key: string, op: Operator, values: readonly string[] | undefined, path: string): { cause: FieldError; text: string }[] {
  const out: { cause: FieldError; text: string }[] = [];
  const at = (name: string) => (path === '' ? name : `${path}.${name}`);
  const keyErrs = isQualifiedName(key);
  if (keyErrs.length) out.push(requirementError(at('key'), key, keyErrs.join('; ')));
  const vals = values ?? [];
  switch (op) {
    case 'in':
    case 'notin':
      if (vals.length === 0) out.push(requirementError(at('values'), values, "for 'in', 'notin' operators, values set can't be empty"));
      break;
    case '=':
    case '==':
    case '!=':
      if (vals.length !== 1) out.push(requirementError(at('values'), values, 'exact-match compatibility requires one single value'));
      break;
    case 'exists':
    case '!':
      if (vals.length !== 0) out.push(requirementError(at('values'), values, 'values set must be empty for exists and does not exist'));
      break;
    case 'gt':
    case 'lt':
      if (vals.length !== 1) out.push(requirementError(at('values'), values, "for 'Gt', 'Lt' operators, exactly one value is required"));
      vals.forEach((v, i) => {
        if (parseInt64(v) === undefined) out.push(requirementError(`${at('values')}[${i}]`, v, "for 'Gt', 'Lt' operators, the value must be an integer"));
      });
      break;
  }
  vals.forEach((v, i) => {
    const errs = isValidLabelValue(v);
    if (errs.length) out.push(requirementError(`${at('values')}[${i}][${key}]`, v, errs.join('; ')));
  });
  return out;
}

/** An aggregate of errors printed as apimachinery's utilerrors.Aggregate (deduplicated, `[a, b]` when several). */
function aggregate(errs: { cause: FieldError; text: string }[]): string {
  const seen = [...new Set(errs.map((e) => e.text))];
  return seen.length === 1 ? seen[0]! : `[${seen.join(', ')}]`;
}

function requirementMatches(r: Requirement, labels: Readonly<Record<string, string>>): boolean {
  const has = Object.hasOwn(labels, r.key);
  switch (r.operator) {
    case '=':
    case '==':
    case 'in':
      return has && r.values.includes(labels[r.key]!);
    case '!=':
    case 'notin':
      // As apimachinery: objects lacking the key match `!=` and `notin`.
      return !has || !r.values.includes(labels[r.key]!);
    case 'exists':
      return has;
    case '!':
      return !has;
    case 'gt':
    case 'lt': {
      if (!has || r.values.length !== 1) return false;
      const have = parseInt64(labels[r.key]!);
      const want = parseInt64(r.values[0]!);
      if (have === undefined || want === undefined) return false;
      return r.operator === 'gt' ? have > want : have < want;
    }
  }
}

const OP_TEXT: Record<Operator, string> = {
  '=': '=',
  '==': '==',
  '!=': '!=',
  in: ' in ',
  notin: ' notin ',
  gt: '>',
  lt: '<',
  exists: '',
  '!': '',
};

function requirementString(r: Requirement): string {
  if (r.operator === 'exists') return r.key;
  if (r.operator === '!') return `!${r.key}`;
  const vals = r.values.join(',');
  const body = r.operator === 'in' || r.operator === 'notin' ? `(${vals})` : vals;
  return `${r.key}${OP_TEXT[r.operator]}${body}`;
}

class InternalSelector implements Selector {
  readonly requirements: readonly Requirement[];
  constructor(reqs: Requirement[]) {
    // Array.prototype.sort is stable: equal keys keep their written order.
    this.requirements = Object.freeze(reqs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)));
  }
  matches(labels: Readonly<Record<string, string>> | undefined): boolean {
    const l = labels ?? {};
    for (const r of this.requirements) if (!requirementMatches(r, l)) return false;
    return true;
  }
  empty(): boolean {
    return this.requirements.length === 0;
  }
  toString(): string {
    return this.requirements.map(requirementString).join(',');
  }
}

class NothingSelector implements Selector {
  readonly requirements: readonly Requirement[] = Object.freeze([]);
  matches(): boolean {
    return false;
  }
  empty(): boolean {
    return false;
  }
  /** As apimachinery's nothingSelector: the empty string. */
  toString(): string {
    return '';
  }
}

/** labels.Everything(): matches all label sets. */
export const everything: Selector = new InternalSelector([]);
/** labels.Nothing(): matches no label set. */
export const nothing: Selector = new NothingSelector();

// ---- the string syntax: lexer and parser as apimachinery's ----

enum Tok {
  Error,
  EOS,
  ClosedPar,
  Comma,
  DoesNotExist,
  DoubleEquals,
  Equals,
  GreaterThan,
  Identifier,
  In,
  LessThan,
  NotEquals,
  NotIn,
  OpenPar,
}

const KEYWORDS: Record<string, Tok> = {
  ')': Tok.ClosedPar,
  ',': Tok.Comma,
  '!': Tok.DoesNotExist,
  '==': Tok.DoubleEquals,
  '=': Tok.Equals,
  '>': Tok.GreaterThan,
  in: Tok.In,
  '<': Tok.LessThan,
  '!=': Tok.NotEquals,
  notin: Tok.NotIn,
  '(': Tok.OpenPar,
};

const isWhitespace = (c: string) => c === ' ' || c === '\t' || c === '\r' || c === '\n';
const isSpecial = (c: string) => c === '=' || c === '!' || c === '(' || c === ')' || c === ',' || c === '>' || c === '<';

interface Item {
  tok: Tok;
  lit: string;
}

/** Tokenizes as upstream's Lexer; a NUL byte ends the input as Go's `read()` does. */
function lex(s: string): Item[] {
  const items: Item[] = [];
  let pos = 0;
  const read = () => (pos < s.length ? s[pos++]! : '\0');
  for (;;) {
    let ch = read();
    while (isWhitespace(ch)) ch = read();
    if (ch === '\0') {
      items.push({ tok: Tok.EOS, lit: '' });
      return items;
    }
    pos--;
    if (isSpecial(ch)) {
      // Longest run of special symbols that still names a token ("!=" not "!" then "=").
      let buf = '';
      let last: Item | undefined;
      for (;;) {
        const c = read();
        if (c === '\0') break;
        if (!isSpecial(c)) {
          pos--;
          break;
        }
        buf += c;
        const t = KEYWORDS[buf];
        if (t !== undefined) last = { tok: t, lit: buf };
        else if (last) {
          pos--;
          break;
        }
      }
      items.push(last ?? { tok: Tok.Error, lit: `error expected: keyword found '${buf}'` });
    } else {
      let buf = '';
      for (;;) {
        const c = read();
        if (c === '\0') break;
        if (isSpecial(c) || isWhitespace(c)) {
          pos--;
          break;
        }
        buf += c;
      }
      const t = Object.hasOwn(KEYWORDS, buf) ? KEYWORDS[buf]! : Tok.Identifier;
      items.push({ tok: t, lit: buf });
    }
  }
}

class ParseError extends Error {}

/** Upstream's operator list in its error text: binaryOperators as selection.Operator strings. */
const BINARY_OPERATORS = 'in, notin, =, ==, !=, gt, lt';

class Parser {
  #items: Item[];
  #pos = 0;
  constructor(s: string) {
    this.#items = lex(s);
  }
  // In value context `in`/`notin` are plain identifiers ("x in (in)").
  lookahead(values: boolean): Item {
    const it = this.#items[this.#pos]!;
    return values && (it.tok === Tok.In || it.tok === Tok.NotIn) ? { tok: Tok.Identifier, lit: it.lit } : it;
  }
  consume(values: boolean): Item {
    const it = this.lookahead(values);
    this.#pos++;
    return it;
  }

  parse(): Requirement[] {
    const reqs: Requirement[] = [];
    for (;;) {
      const { tok, lit } = this.lookahead(true);
      if (tok === Tok.Identifier || tok === Tok.DoesNotExist) {
        let r: Requirement;
        try {
          r = this.parseRequirement();
        } catch (e) {
          if (e instanceof ParseError) throw new ParseError(`unable to parse requirement: ${e.message}`);
          throw e;
        }
        reqs.push(r);
        const t = this.consume(true);
        if (t.tok === Tok.EOS) return reqs;
        if (t.tok !== Tok.Comma) throw new ParseError(`found '${t.lit}', expected: ',' or 'end of string'`);
        const t2 = this.lookahead(true);
        if (t2.tok !== Tok.Identifier && t2.tok !== Tok.DoesNotExist) {
          throw new ParseError(`found '${t2.lit}', expected: identifier after ','`);
        }
      } else if (tok === Tok.EOS) {
        return reqs;
      } else {
        throw new ParseError(`found '${lit}', expected: !, identifier, or 'end of string'`);
      }
    }
  }

  parseRequirement(): Requirement {
    let op: Operator | undefined;
    let { tok, lit } = this.consume(true);
    if (tok === Tok.DoesNotExist) {
      op = '!';
      ({ tok, lit } = this.consume(true));
    }
    if (tok !== Tok.Identifier) throw new ParseError(`found '${lit}', expected: identifier`);
    const key = lit;
    const keyErrs = isQualifiedName(key);
    if (keyErrs.length) throw new ParseError(requirementError('<nil>', key, keyErrs.join('; ')).text);
    const next = this.lookahead(true).tok;
    if ((next === Tok.EOS || next === Tok.Comma) && op !== '!') op = 'exists';
    if (op === 'exists' || op === '!') return newRequirement(key, op, []);

    const o = this.consume(false);
    switch (o.tok) {
      case Tok.In: op = 'in'; break;
      case Tok.NotIn: op = 'notin'; break;
      case Tok.Equals: op = '='; break;
      case Tok.DoubleEquals: op = '=='; break;
      case Tok.NotEquals: op = '!='; break;
      case Tok.GreaterThan: op = 'gt'; break;
      case Tok.LessThan: op = 'lt'; break;
      default: throw new ParseError(`found '${o.lit}', expected: ${BINARY_OPERATORS}`);
    }
    const values = op === 'in' || op === 'notin' ? this.parseValues() : this.parseExactValue();
    // sets.String: deduplicated and sorted.
    return newRequirement(key, op, [...values].sort());
  }

  parseValues(): Set<string> {
    const open = this.consume(true);
    if (open.tok !== Tok.OpenPar) throw new ParseError(`found '${open.lit}' expected: '('`);
    const { tok, lit } = this.lookahead(true);
    if (tok === Tok.Identifier || tok === Tok.Comma) {
      const s = this.parseIdentifiersList();
      if (this.consume(true).tok !== Tok.ClosedPar) throw new ParseError(`found '${lit}', expected: ')'`);
      return s;
    }
    if (tok === Tok.ClosedPar) {
      this.consume(true);
      return new Set(['']);
    }
    throw new ParseError(`found '${lit}', expected: ',', ')' or identifier`);
  }

  parseIdentifiersList(): Set<string> {
    const s = new Set<string>();
    for (;;) {
      const { tok, lit } = this.consume(true);
      if (tok === Tok.Identifier) {
        s.add(lit);
        const t2 = this.lookahead(true);
        if (t2.tok === Tok.Comma) continue;
        if (t2.tok === Tok.ClosedPar) return s;
        throw new ParseError(`found '${t2.lit}', expected: ',' or ')'`);
      } else if (tok === Tok.Comma) {
        // "(," ",," and ",)" each stand for the empty value.
        if (s.size === 0) s.add('');
        const t2 = this.lookahead(true).tok;
        if (t2 === Tok.ClosedPar) {
          s.add('');
          return s;
        }
        if (t2 === Tok.Comma) s.add('');
      } else {
        throw new ParseError(`found '${lit}', expected: ',', or identifier`);
      }
    }
  }

  parseExactValue(): Set<string> {
    const t = this.lookahead(true).tok;
    if (t === Tok.EOS || t === Tok.Comma) return new Set(['']);
    const { tok, lit } = this.consume(true);
    if (tok === Tok.Identifier) return new Set([lit]);
    throw new ParseError(`found '${lit}', expected: identifier`);
  }
}

/** NewRequirement as the parser calls it: no path, so fields print as `values[0][key]`. */
function newRequirement(key: string, op: Operator, values: string[]): Requirement {
  const errs = checkRequirement(key, op, values, '');
  if (errs.length) throw new ParseError(aggregate(errs));
  return { key, operator: op, values };
}

/** labels.Parse: the string syntax (`a=b,c!=d,e in (f,g),!h,i>3`). Throws StatusError BadRequest with upstream's message. */
export function parseSelector(s: string): Selector {
  try {
    return new InternalSelector(new Parser(s).parse());
  } catch (e) {
    if (e instanceof ParseError) throw errors.badRequest(e.message);
    throw e;
  }
}

/** labels.SelectorFromSet: equality on every pair; an empty or missing set selects everything. No validation, as upstream. */
export function selectorFromSet(set: Readonly<Record<string, string>> | undefined): Selector {
  if (!set) return everything;
  const keys = Object.keys(set);
  if (keys.length === 0) return everything;
  return new InternalSelector(keys.map((k) => ({ key: k, operator: '=' as Operator, values: [set[k]!] })));
}

const LS_OPERATORS: Record<string, Operator> = { In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!' };

/** metav1.LabelSelectorAsSelector: null => nothing, {} => everything; invalid requirements throw StatusError BadRequest. */
export function selectorFromLabelSelector(ls: LabelSelector | undefined | null): Selector {
  if (ls === undefined || ls === null) return nothing;
  const ml = ls.matchLabels ?? {};
  const me = ls.matchExpressions ?? [];
  const labelKeys = Object.keys(ml).sort(); // Go ranges over a map in random order; sorted here for determinism
  if (labelKeys.length + me.length === 0) return everything;
  const reqs: Requirement[] = [];
  const fail = (errs: { cause: FieldError; text: string }[]) =>
    new StatusError('BadRequest', aggregate(errs), { causes: errs.map((e) => e.cause) });
  for (const k of labelKeys) {
    const errs = checkRequirement(k, '=', [ml[k]!], '');
    if (errs.length) throw fail(errs);
    reqs.push({ key: k, operator: '=', values: [ml[k]!] });
  }
  for (const expr of me) {
    const op = LS_OPERATORS[expr.operator as string];
    if (op === undefined) {
      const text = `${JSON.stringify(String(expr.operator))} is not a valid label selector operator`;
      throw new StatusError('BadRequest', text, { causes: [field.invalid('operator', expr.operator, 'is not a valid label selector operator')] });
    }
    const errs = checkRequirement(expr.key, op, expr.values, '');
    if (errs.length) throw fail(errs);
    reqs.push({ key: expr.key, operator: op, values: [...(expr.values ?? [])].sort() });
  }
  return new InternalSelector(reqs);
}
