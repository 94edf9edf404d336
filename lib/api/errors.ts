// One error type for every failure a user can cause, carrying Kubernetes Status reasons and
// codes (apimachinery's StatusReason). Exit codes are decided here and nowhere else.

export type StatusReason =
  | 'BadRequest'
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Invalid'
  | 'Expired'
  | 'Forbidden'
  | 'MethodNotAllowed'
  | 'InternalError'
  | 'ServiceUnavailable'
  | 'Timeout';

const STATUS_CODE: Record<StatusReason, number> = {
  BadRequest: 400,
  Forbidden: 403,
  NotFound: 404,
  MethodNotAllowed: 405,
  AlreadyExists: 409,
  Conflict: 409,
  Expired: 410,
  Invalid: 422,
  InternalError: 500,
  ServiceUnavailable: 503,
  Timeout: 504,
};

/** field.ErrorType of apimachinery's validation package, with its display text. */
export type FieldErrorType =
  | 'FieldValueRequired'
  | 'FieldValueInvalid'
  | 'FieldValueNotSupported'
  | 'FieldValueDuplicate'
  | 'FieldValueForbidden'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany'
  | 'FieldValueTypeInvalid';

const FIELD_ERROR_TEXT: Record<FieldErrorType, string> = {
  FieldValueRequired: 'Required value',
  FieldValueInvalid: 'Invalid value',
  FieldValueNotSupported: 'Unsupported value',
  FieldValueDuplicate: 'Duplicate value',
  FieldValueForbidden: 'Forbidden',
  FieldValueTooLong: 'Too long',
  FieldValueTooMany: 'Too many',
  FieldValueTypeInvalid: 'Invalid value',
};

/** One field error, printed as apimachinery prints it: `spec.ports[0].port: Invalid value: 70000: must be ...`. */
export class FieldError {
  constructor(
    readonly type: FieldErrorType,
    readonly field: string,
    readonly badValue: unknown,
    readonly detail: string,
  ) {}
  toString(): string {
    const text = FIELD_ERROR_TEXT[this.type];
    // As apimachinery: Required/Forbidden/TooLong/TooMany omit the value; Invalid,
    // NotSupported and Duplicate show it (strings quoted, as Go's %q).
    const showsValue = this.type === 'FieldValueInvalid' || this.type === 'FieldValueNotSupported' ||
      this.type === 'FieldValueDuplicate' || this.type === 'FieldValueTypeInvalid';
    const head = this.field ? `${this.field}: ${text}` : text;
    const parts = [head];
    if (showsValue) parts.push(formatBadValue(this.badValue));
    if (this.detail) parts.push(this.detail);
    return parts.join(': ');
  }
}

function formatBadValue(v: unknown): string {
  if (v === undefined || v === null) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  // As Go's %#v, which apimachinery uses for composite values.
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return `[]string{${v.map((x) => JSON.stringify(x)).join(', ')}}`;
  if (typeof v === 'object' && !Array.isArray(v) && Object.values(v as object).every((x) => typeof x === 'string')) {
    const m = v as Record<string, string>;
    return `map[string]string{${Object.keys(m).sort().map((k) => `${JSON.stringify(k)}:${JSON.stringify(m[k])}`).join(', ')}}`;
  }
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}

/** Constructors named as in apimachinery's field package. */
export const field = {
  required: (path: string, detail = '') => new FieldError('FieldValueRequired', path, undefined, detail),
  invalid: (path: string, value: unknown, detail: string) => new FieldError('FieldValueInvalid', path, value, detail),
  notSupported: (path: string, value: unknown, valid: readonly string[]) =>
    new FieldError('FieldValueNotSupported', path, value, `supported values: ${valid.map((v) => JSON.stringify(v)).join(', ')}`),
  duplicate: (path: string, value: unknown) => new FieldError('FieldValueDuplicate', path, value, ''),
  forbidden: (path: string, detail: string) => new FieldError('FieldValueForbidden', path, undefined, detail),
  tooLong: (path: string, max: number) =>
    new FieldError('FieldValueTooLong', path, undefined, `may not be more than ${max} bytes`),
  tooMany: (path: string, actual: number, max: number) =>
    new FieldError('FieldValueTooMany', path, actual, `must have at most ${max} items`),
  typeInvalid: (path: string, value: unknown, detail: string) => new FieldError('FieldValueTypeInvalid', path, value, detail),
};

/** A failure with a Kubernetes Status reason. `where` prefixes the message with file/document context. */
export class StatusError extends Error {
  readonly reason: StatusReason;
  readonly code: number;
  readonly causes: readonly FieldError[];
  /** Set for errors a user caused (bad input): printed without a stack trace, exit 2. */
  readonly userError: boolean;
  constructor(reason: StatusReason, message: string, opts: { causes?: readonly FieldError[]; userError?: boolean } = {}) {
    super(message);
    this.name = 'StatusError';
    this.reason = reason;
    this.code = STATUS_CODE[reason];
    this.causes = opts.causes ?? [];
    this.userError = opts.userError ?? reason !== 'InternalError';
  }
  /** A Kubernetes `Status` object for this error, as the API server returns it. */
  toStatus(): Record<string, unknown> {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      code: this.code,
      ...(this.causes.length
        ? { details: { causes: this.causes.map((c) => ({ reason: c.type, message: c.toString(), field: c.field })) } }
        : {}),
    };
  }
}

/** True for a StatusError, also across module copies (checked by shape, as undici does). */
export function isStatusError(e: unknown): e is StatusError {
  return e instanceof StatusError || (typeof e === 'object' && e !== null && (e as { name?: unknown }).name === 'StatusError' && typeof (e as { reason?: unknown }).reason === 'string');
}

export const errors = {
  notFound: (resource: string, name: string) => new StatusError('NotFound', `${resource} "${name}" not found`),
  alreadyExists: (resource: string, name: string) => new StatusError('AlreadyExists', `${resource} "${name}" already exists`),
  conflict: (resource: string, name: string, why: string) =>
    new StatusError('Conflict', `Operation cannot be fulfilled on ${resource} "${name}": ${why}`),
  /** As the API server: `Service "x" is invalid: [a: ..., b: ...]` (one cause: no brackets). */
  invalid: (kind: string, name: string, causes: readonly FieldError[]) => {
    const list = causes.map((c) => c.toString());
    const body = list.length === 1 ? list[0] : `[${list.join(', ')}]`;
    return new StatusError('Invalid', `${kind} "${name}" is invalid: ${body}`, { causes });
  },
  expired: (message: string) => new StatusError('Expired', message),
  badRequest: (message: string) => new StatusError('BadRequest', message),
  internal: (message: string) => new StatusError('InternalError', message, { userError: false }),
};

/** Process exit codes: 0 success, 1 a check or assertion failed, 2 invalid input. */
export const ExitCode = { OK: 0, CHECK_FAILED: 1, INVALID_INPUT: 2 } as const;

/** Decides the exit code for an error that reached the top of a command. */
export function exitCodeFor(e: unknown): number {
  if (isStatusError(e) && e.userError) return ExitCode.INVALID_INPUT;
  if (e instanceof UsageError) return ExitCode.INVALID_INPUT;
  // Anything else is a netsim bug; still exit non-zero, never 0.
  return ExitCode.INVALID_INPUT;
}

/** A bad command line (unknown flag, missing argument). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
