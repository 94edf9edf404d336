// Name and string-format checks of apimachinery's util/validation, with upstream's exact texts.
// Each `is*` returns the list of problems (empty when valid), as the Go functions do.
import { type FieldError, field } from '../errors.js';
import { byteLen } from './values.js';

/** validation.RegexError, with its `', ` spacing before `regex used`. */
export function regexError(msg: string, fmt: string, ...examples: string[]): string {
  if (examples.length === 0) return `${msg} (regex used for validation is '${fmt}')`;
  return `${msg} (e.g. ${examples.map((e) => `'${e}', `).join(' or ')}regex used for validation is '${fmt}')`;
}

/** validation.MaxLenError. */
export const maxLenError = (n: number): string => `must be no more than ${n} characters`;
/** validation.InclusiveRangeError. */
export const inclusiveRangeError = (lo: number, hi: number): string => `must be between ${lo} and ${hi}, inclusive`;
/** validation.EmptyError. */
export const emptyError = 'must be non-empty';
/** apimachinery's IsNegativeErrorMsg. */
export const isNegativeErrorMsg = 'must be greater than or equal to 0';
/** apimachinery's FieldImmutableErrorMsg. */
export const fieldImmutableErrorMsg = 'field is immutable';

const DNS1123_LABEL_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
const DNS1123_SUBDOMAIN_FMT = `${DNS1123_LABEL_FMT}(\\.${DNS1123_LABEL_FMT})*`;
const DNS1123_SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
const DNS1035_LABEL_FMT = '[a-z]([-a-z0-9]*[a-z0-9])?';
const DNS1035_LABEL_MSG =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character";
const WILDCARD_FMT = `\\*\\.${DNS1123_SUBDOMAIN_FMT}`;
const WILDCARD_MSG =
  "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character";

const DNS1123_LABEL_RE = new RegExp(`^${DNS1123_LABEL_FMT}$`);
const DNS1123_SUBDOMAIN_RE = new RegExp(`^${DNS1123_SUBDOMAIN_FMT}$`);
const DNS1035_LABEL_RE = new RegExp(`^${DNS1035_LABEL_FMT}$`);
const WILDCARD_RE = new RegExp(`^${WILDCARD_FMT}$`);

/** validation.IsDNS1123Label (≤63, e.g. container and namespace names). */
export function isDNS1123Label(v: string): string[] {
  const errs: string[] = [];
  if (byteLen(v) > 63) errs.push(maxLenError(63));
  if (!DNS1123_LABEL_RE.test(v)) {
    // A valid subdomain that is not a label can only have failed on its dots.
    if (DNS1123_SUBDOMAIN_RE.test(v)) errs.push('must not contain dots');
    else errs.push(regexError(DNS1123_LABEL_MSG, DNS1123_LABEL_FMT, 'my-name', '123-abc'));
  }
  return errs;
}

/** validation.IsDNS1123Subdomain (≤253, most object names). */
export function isDNS1123Subdomain(v: string): string[] {
  const errs: string[] = [];
  if (byteLen(v) > 253) errs.push(maxLenError(253));
  if (!DNS1123_SUBDOMAIN_RE.test(v)) errs.push(regexError(DNS1123_SUBDOMAIN_MSG, DNS1123_SUBDOMAIN_FMT, 'example.com'));
  return errs;
}

/** validation.IsDNS1035Label (≤63, starts with a letter: Service names). */
export function isDNS1035Label(v: string): string[] {
  const errs: string[] = [];
  if (byteLen(v) > 63) errs.push(maxLenError(63));
  if (!DNS1035_LABEL_RE.test(v)) errs.push(regexError(DNS1035_LABEL_MSG, DNS1035_LABEL_FMT, 'my-name', 'abc-123'));
  return errs;
}

/** validation.IsWildcardDNS1123Subdomain (`*.example.com`). */
export function isWildcardDNS1123Subdomain(v: string): string[] {
  const errs: string[] = [];
  if (byteLen(v) > 253) errs.push(maxLenError(253));
  if (!WILDCARD_RE.test(v)) errs.push(regexError(WILDCARD_MSG, WILDCARD_FMT, '*.example.com'));
  return errs;
}

/** validation.IsValidPortNum: 1..65535. */
export function isValidPortNum(n: number): string[] {
  return n >= 1 && n <= 65535 ? [] : [inclusiveRangeError(1, 65535)];
}

/** validation.IsValidPortName: an IANA_SVC_NAME (RFC 6335), lower case only. */
export function isValidPortName(s: string): string[] {
  const errs: string[] = [];
  if (byteLen(s) > 15) errs.push(maxLenError(15));
  if (!/^[-a-z0-9]+$/.test(s)) errs.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  if (!/[a-z]/.test(s)) errs.push('must contain at least one letter (a-z)');
  if (s.includes('--')) errs.push('must not contain consecutive hyphens');
  if (s.length > 0 && (s.startsWith('-') || s.endsWith('-'))) errs.push('must not begin or end with a hyphen');
  return errs;
}

/** validation.IsValidPercent (`25%`). */
export function isValidPercent(s: string): string[] {
  return /^[0-9]+%$/.test(s) ? [] : [regexError("a valid percent string must be a numeric string followed by an ending '%'", '[0-9]+%', '1%', '93%')];
}

/** validation.IsConfigMapKey. */
export function isConfigMapKey(s: string): string[] {
  const errs: string[] = [];
  if (byteLen(s) > 253) errs.push(maxLenError(253));
  if (!/^[-._a-zA-Z0-9]+$/.test(s)) {
    errs.push(regexError("a valid config key must consist of alphanumeric characters, '-', '_' or '.'", '[-._a-zA-Z0-9]+', 'key.name', 'KEY_NAME', 'key-name'));
  }
  if (s === '.') errs.push("must not be '.'");
  else if (s === '..') errs.push("must not be '..'");
  else if (s.startsWith('..')) errs.push("must not start with '..'");
  return errs;
}

/** path.IsValidPathSegmentName: names that can be one segment of a URL path. */
export function isValidPathSegmentName(s: string): string[] {
  if (s === '.' || s === '..') return [`may not be '${s}'`];
  const errs: string[] = [];
  for (const bad of ['/', '%']) if (s.includes(bad)) errs.push(`may not contain '${bad}'`);
  return errs;
}

const HTTP_PATH_FMT = "[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+";
const HTTP_PATH_RE = new RegExp(`^${HTTP_PATH_FMT}$`);

/** validation.IsDomainPrefixedPath (`example.com/ingress-controller`). */
export function isDomainPrefixedPath(path: string, v: string): FieldError[] {
  if (v.length === 0) return [field.required(path, '')];
  const slash = v.indexOf('/');
  const host = slash < 0 ? v : v.slice(0, slash);
  const rest = slash < 0 ? '' : v.slice(slash + 1);
  if (slash < 0 || host.length === 0 || rest.length === 0) {
    return [field.invalid(path, v, 'must be a domain-prefixed path (such as "acme.io/foo")')];
  }
  const errs = isDNS1123Subdomain(host).map((m) => field.invalid(path, host, m));
  if (!HTTP_PATH_RE.test(rest)) errs.push(field.invalid(path, rest, regexError('Invalid path', HTTP_PATH_FMT)));
  return errs;
}

/** validation.IsFullyQualifiedDomainName (FQDN EndpointSlice addresses). */
export function isFullyQualifiedDomainName(path: string, v: string): FieldError[] {
  if (v.length === 0) return [field.required(path, '')];
  const name = v.endsWith('.') ? v.slice(0, -1) : v;
  const sub = isDNS1123Subdomain(name);
  if (sub.length) return [field.invalid(path, name, sub.join(','))];
  const labels = name.split('.');
  if (labels.length < 2) return [field.invalid(path, name, 'should be a domain with at least two segments separated by dots')];
  for (const l of labels) {
    const e = isDNS1123Label(l);
    if (e.length) return [field.invalid(path, l, e.join(','))];
  }
  return [];
}

/** A ValidateNameFunc: `prefix` means the name is a generateName to which a suffix is appended. */
export type NameFn = (name: string, prefix: boolean) => string[];

// As apimachinery's maskTrailingDash: it drops two characters, not one, before appending 'a'.
const maskTrailingDash = (name: string) => (name.length > 1 && name.endsWith('-') ? `${name.slice(0, -2)}a` : name);

/** apimachinery NameIsDNSSubdomain. */
export const nameIsDNSSubdomain: NameFn = (n, prefix) => isDNS1123Subdomain(prefix ? maskTrailingDash(n) : n);
/** apimachinery NameIsDNSLabel. */
export const nameIsDNSLabel: NameFn = (n, prefix) => isDNS1123Label(prefix ? maskTrailingDash(n) : n);
/** apimachinery NameIsDNS1035Label. */
export const nameIsDNS1035Label: NameFn = (n, prefix) => isDNS1035Label(prefix ? maskTrailingDash(n) : n);

/** Relaxed environment variable names (RelaxedEnvironmentVariableValidation, GA in 1.34). */
export function isRelaxedEnvVarName(s: string): string[] {
  const errs: string[] = [];
  if (s.length === 0) errs.push(`environment variable name ${emptyError}`);
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c > 0x7e || c < 0x20 || ch === '=') {
      errs.push("a valid environment variable name must consist only of printable ASCII characters other than '='");
      break;
    }
  }
  return errs;
}

/** field errors for each message of a string check, all at `path` with `value`. */
export function eachInvalid(path: string, value: unknown, msgs: string[]): FieldError[] {
  return msgs.map((m) => field.invalid(path, value, m));
}
