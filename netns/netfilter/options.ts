// Shared pieces of extension option parsing: the option table an extension declares, the
// environment a parser reports errors through, and the numeric forms xtables accepts.

import type { Family } from './address.js';
import type { PortRange, PortSpec, ProtocolMatch } from './ruleset.js';

/** One long option an extension accepts (`--dport`), as in its xt_option_entry table. */
export interface OptionSpec {
  readonly name: string;
  /** Number of arguments (`--tcp-flags` takes two). */
  readonly args: 0 | 1 | 2;
  /** Whether `!` may precede it. */
  readonly invert: boolean;
}

/** What an extension parser sees: the ruleset family, a way to fail, and the parse's interner. */
export interface ParseEnv {
  readonly family: Family;
  readonly intern: Interner;
  fail(message: string): never;
}

/**
 * Shares equal parsed values within one parse. They are immutable, and a kube-proxy dump repeats
 * the same protocol, ports, `! -s clusterCIDR`, VIPs and jump targets thousands of times, so a
 * 320,000-rule ruleset keeps far fewer objects alive. Keys are numbers where possible: building
 * string keys would cost more than it saves.
 */
export class Interner {
  private readonly numbered = new Map<number, unknown>();
  private readonly named = new Map<string, unknown>();
  private readonly pairs = new Map<unknown, Map<unknown, unknown>>();

  /** The shared value for a numeric key (any exact double), made by `make` the first time. */
  byNumber<T>(key: number, make: () => T): T {
    let v = this.numbered.get(key) as T | undefined;
    if (v === undefined) {
      v = Object.freeze(make());
      this.numbered.set(key, v);
    }
    return v;
  }

  /** The shared value for a string key. */
  byName<T>(key: string, make: () => T): T {
    let v = this.named.get(key) as T | undefined;
    if (v === undefined) {
      v = Object.freeze(make());
      this.named.set(key, v);
    }
    return v;
  }

  /** The shared value for a pair of keys (already shared objects, or primitives). */
  byPair<T>(a: unknown, b: unknown, make: () => T): T {
    let inner = this.pairs.get(a);
    if (!inner) {
      inner = new Map();
      this.pairs.set(a, inner);
    }
    let v = inner.get(b) as T | undefined;
    if (v === undefined) {
      v = Object.freeze(make());
      inner.set(b, v);
    }
    return v;
  }

  portSpec(range: PortRange, invert: boolean): PortSpec {
    // Negative keys keep port specs apart from the other numeric keys.
    return this.byNumber(-1 - (range[0] * 65536 + range[1]) * 2 - (invert ? 1 : 0), () => ({
      range: Object.freeze([range[0], range[1]] as const),
      invert,
    }));
  }
}

/** What an extension's final check sees of the rule it is in. */
export interface RuleContext {
  readonly protocol: ProtocolMatch | null;
}

/** An extension being filled in by its options, then checked once the rule is complete. */
export interface ExtensionBuilder<T> {
  option(name: string, args: readonly string[], invert: boolean): void;
  finish(rule: RuleContext): T;
}

export interface Extension<T> {
  readonly name: string;
  readonly options: readonly OptionSpec[];
  create(env: ParseEnv): ExtensionBuilder<T>;
}

/** Parses an unsigned integer as strtoul(…, 0) does: `0x` hex, leading `0` octal, else decimal. */
export function parseUnsigned(text: string, max: number): number | null {
  let value: number;
  if (/^0[xX][0-9a-fA-F]+$/.test(text)) value = Number.parseInt(text.slice(2), 16);
  else if (/^0[0-7]*$/.test(text)) value = text.length === 1 ? 0 : Number.parseInt(text.slice(1), 8);
  else if (/^[1-9][0-9]*$/.test(text)) value = Number(text);
  else return null;
  return value <= max ? value : null;
}

/** Parses one port number (0–65535). netsim takes numbers only, not /etc/services names. */
export function parsePort(text: string, env: ParseEnv, option: string): number {
  const port = parseUnsigned(text, 65535);
  if (port === null) env.fail(`invalid port/service \`${text}' specified for ${option} (netsim takes port numbers only)`);
  return port;
}

/** Parses `port`, `a:b`, `:b` or `a:` as the tcp/udp matches do. */
export function parsePortRange(text: string, env: ParseEnv, option: string): PortRange {
  const colon = text.indexOf(':');
  if (colon < 0) {
    const p = parsePort(text, env, option);
    return [p, p];
  }
  const lo = colon === 0 ? 0 : parsePort(text.slice(0, colon), env, option);
  const hi = colon === text.length - 1 ? 65535 : parsePort(text.slice(colon + 1), env, option);
  if (lo > hi) env.fail(`invalid portrange (min > max) \`${text}' for ${option}`);
  return [lo, hi];
}

/** Parses `value[/mask]` as a 32-bit mark; a missing mask means all bits. */
export function parseMarkMask(text: string, env: ParseEnv, option: string): { value: number; mask: number } {
  const slash = text.indexOf('/');
  const value = parseUnsigned(slash < 0 ? text : text.slice(0, slash), 0xffffffff);
  const mask = slash < 0 ? 0xffffffff : parseUnsigned(text.slice(slash + 1), 0xffffffff);
  if (value === null || mask === null) env.fail(`bad value \`${text}' for ${option}`);
  return { value, mask };
}

/** Canonical protocol names and numbers that `-p` accepts (xtables_chain_protos). */
export const PROTOCOLS: ReadonlyMap<string, number> = new Map([
  ['tcp', 6],
  ['udp', 17],
  ['udplite', 136],
  ['icmp', 1],
  ['icmpv6', 58],
  ['ipv6-icmp', 58],
  ['esp', 50],
  ['ah', 51],
  ['sctp', 132],
  ['gre', 47],
  ['dccp', 33],
  ['mh', 135],
  ['ipv6-mh', 135],
  ['all', 0],
]);

const PROTOCOL_NAMES: ReadonlyMap<number, string> = new Map([
  [6, 'tcp'],
  [17, 'udp'],
  [136, 'udplite'],
  [1, 'icmp'],
  [58, 'icmpv6'],
  [50, 'esp'],
  [51, 'ah'],
  [132, 'sctp'],
  [47, 'gre'],
  [33, 'dccp'],
  [135, 'mh'],
]);

/** The canonical name of a protocol number (the decimal number when it has none). */
export function protocolName(number: number): string {
  return PROTOCOL_NAMES.get(number) ?? String(number);
}

/** Parses the argument of `-p`: a name or a number 0–255. Null when unknown. */
export function parseProtocol(text: string): number | null {
  const lower = text.toLowerCase();
  const named = PROTOCOLS.get(lower);
  if (named !== undefined) return named;
  const n = parseUnsigned(lower, 255);
  return n;
}
