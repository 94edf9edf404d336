// Bad values that apimachinery prints with Go's `%#v` (maps, slices, structs): the API server's
// text is `Invalid value: map[string]string{"app":"web"}`, not JSON. errors.ts prints objects as
// JSON, so these errors carry the Go text and print it in place of the JSON value.
import { FieldError, type FieldErrorType } from '../errors.js';
import { isObj } from './values.js';

const PLACEHOLDER = '\u0000go-value\u0000';

/** A FieldError whose bad value prints as Go's `%#v`; `badValue` stays the plain JSON value. */
export class GoValueFieldError extends FieldError {
  constructor(
    type: FieldErrorType,
    path: string,
    badValue: unknown,
    readonly goText: string,
    detail: string,
  ) {
    super(type, path, badValue, detail);
  }
  override toString(): string {
    // Let errors.ts lay out the message, then put the Go text where the value goes.
    const shape = new FieldError(this.type, this.field, PLACEHOLDER, this.detail).toString();
    return shape.replace(JSON.stringify(PLACEHOLDER), this.goText);
  }
}

/** field.Invalid with a Go-printed value. */
export function invalidGo(path: string, value: unknown, goText: string, detail: string): FieldError {
  return new GoValueFieldError('FieldValueInvalid', path, value, goText, detail);
}

/** field.Duplicate with a Go-printed value (and an optional detail, as upstream sets on taints). */
export function duplicateGo(path: string, value: unknown, goText: string, detail = ''): FieldError {
  return new GoValueFieldError('FieldValueDuplicate', path, value, goText, detail);
}

/** field.NotSupported with a Go-printed value. */
export function notSupportedGo(path: string, value: unknown, goText: string, valid: readonly string[]): FieldError {
  return new GoValueFieldError('FieldValueNotSupported', path, value, goText, `supported values: ${valid.map((v) => JSON.stringify(v)).join(', ')}`);
}

/** Go's `%q` of a string (close enough: JSON escaping for the characters manifests contain). */
export const goQuote = (s: string): string => JSON.stringify(s);

/** `%#v` of a map[string]string: keys sorted, as fmt prints maps; `nil` when absent. */
export function goStringMap(m: unknown, type = 'map[string]string'): string {
  if (!isObj(m)) return `${type}(nil)`;
  const parts = Object.keys(m)
    .sort()
    .map((k) => `${goQuote(k)}:${goQuote(String(m[k]))}`);
  return `${type}{${parts.join(', ')}}`;
}

/** `%#v` of a []string (or a named string slice type). */
export function goStringSlice(a: unknown, type = '[]string'): string {
  if (!Array.isArray(a)) return `${type}(nil)`;
  return `${type}{${a.map((s) => goQuote(String(s))).join(', ')}}`;
}

/** `%#v` of a metav1.LabelSelector (the pointer is dereferenced by apimachinery). */
export function goLabelSelector(sel: unknown): string {
  const s = isObj(sel) ? sel : {};
  const exprs = s.matchExpressions;
  let exprText = '[]v1.LabelSelectorRequirement(nil)';
  if (Array.isArray(exprs)) {
    const items = exprs.map((e) => {
      const r = isObj(e) ? e : {};
      return `v1.LabelSelectorRequirement{Key:${goQuote(String(r.key ?? ''))}, Operator:${goQuote(String(r.operator ?? ''))}, Values:${goStringSlice(r.values)}}`;
    });
    exprText = `[]v1.LabelSelectorRequirement{${items.join(', ')}}`;
  }
  return `v1.LabelSelector{MatchLabels:${goStringMap(s.matchLabels)}, MatchExpressions:${exprText}}`;
}

/** `%#v` of an intstr.IntOrString value (its String method has a pointer receiver, so fmt uses %#v). */
export function goIntOrString(v: number | string): string {
  if (typeof v === 'number') return `intstr.IntOrString{Type:0, IntVal:${v}, StrVal:""}`;
  return `intstr.IntOrString{Type:1, IntVal:0, StrVal:${goQuote(v)}}`;
}

/** `%#v` of the internal core.ServicePort key upstream builds for the duplicate-port check. */
export function goServicePortKey(protocol: string, port: number): string {
  return `core.ServicePort{Name:"", Protocol:${goQuote(protocol)}, AppProtocol:(*string)(nil), Port:${port}, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}`;
}

/** `%#v` of an internal core.Taint. */
export function goTaint(key: string, value: string, effect: string): string {
  return `core.Taint{Key:${goQuote(key)}, Value:${goQuote(value)}, Effect:${goQuote(effect)}, TimeAdded:(*v1.Time)(nil)}`;
}
