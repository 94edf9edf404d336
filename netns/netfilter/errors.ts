// The error a bad ruleset raises: a user error (exit 2) that names the line and, when one
// option is to blame, that option. Never a crash or a stack trace for bad input.

import { StatusError } from '../../lib/api/errors.js';

/** A ruleset that iptables-restore (or the kernel, at load time) would refuse. */
export class RulesetError extends StatusError {
  /** 1-based line in the text; 0 when the problem has no single line. */
  readonly line: number;
  /** The option or word to blame, when there is one (`--foo`, `-m bar`). */
  readonly option: string | null;
  constructor(line: number, message: string, option: string | null = null) {
    super('BadRequest', line > 0 ? `iptables-restore: line ${line}: ${message}` : `iptables-restore: ${message}`);
    this.line = line;
    this.option = option;
  }
}
