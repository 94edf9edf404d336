// One rule's options (everything after `-A CHAIN`), parsed as iptables' do_parse does:
// getopt-style long options with unambiguous abbreviations and `--opt=value`, `!` before an
// option, extensions loaded by `-m`/`-j` taking their own options, and the protocol match
// loaded implicitly for `-p tcp --dport 80`. Errors name the line and the word to blame.

import { type AddressMask, type Family, maskPrefix, parseAddressMask } from './address.js';
import { RulesetError } from './errors.js';
import { MATCHES } from './matches.js';
import {
  type Extension,
  type ExtensionBuilder,
  type Interner,
  type OptionSpec,
  type ParseEnv,
  type RuleContext,
  parseProtocol,
  protocolName,
} from './options.js';
import {
  type AddressMatch,
  BUILTIN_CHAINS,
  type InterfaceMatch,
  type Match,
  type ProtocolMatch,
  type Rule,
  type TableName,
  type Target,
} from './ruleset.js';
import { TARGETS, UNSUPPORTED_TARGETS } from './targets.js';

/** Match extensions iptables has but netsim does not model (named so the error says so). */
const UNSUPPORTED_MATCHES = new Set([
  'physdev', 'set', 'limit', 'hashlimit', 'connlimit', 'connmark', 'connbytes', 'owner', 'iprange',
  'length', 'ttl', 'hl', 'tos', 'dscp', 'mac', 'pkttype', 'policy', 'socket', 'string', 'time', 'u32',
  'bpf', 'cgroup', 'cluster', 'cpu', 'devgroup', 'ecn', 'esp', 'ah', 'frag', 'helper', 'ipvs', 'quota',
  'rateest', 'realm', 'rpfilter', 'tcpmss', 'udplite', 'dccp', 'ipcomp', 'l2tp', 'osf', 'connlabel',
]);

/** The match a `-p` value loads implicitly when one of its options appears (`-p tcp --dport`). */
const PROTOCOL_MATCH: ReadonlyMap<number, string> = new Map([
  [6, 'tcp'],
  [17, 'udp'],
  [132, 'sctp'],
  [1, 'icmp'],
  [58, 'icmp6'],
]);

const BASE_LONG: ReadonlyMap<string, string> = new Map([
  ['source', 's'],
  ['src', 's'],
  ['destination', 'd'],
  ['dst', 'd'],
  ['protocol', 'p'],
  ['in-interface', 'i'],
  ['out-interface', 'o'],
  ['jump', 'j'],
  ['goto', 'g'],
  ['match', 'm'],
  ['fragment', 'f'],
  ['fragments', 'f'],
  ['set-counters', 'c'],
  ['ipv4', '4'],
  ['ipv6', '6'],
]);

/** Throws unless `name` is a valid user chain name (as iptables' assert_valid_chain_name). */
export function validChainName(name: string, lineNo: number): void {
  // XT_EXTENSION_MAXNAMELEN is 29 including the NUL.
  if (name.length === 0 || name.length > 28) {
    throw new RulesetError(lineNo, `chain name \`${name}' too long (must be under 29 chars)`, name);
  }
  if (name.startsWith('-') || name.startsWith('!')) {
    throw new RulesetError(lineNo, `chain name not allowed to start with \`${name[0]}'`, name);
  }
  if (TARGETS.has(name) || UNSUPPORTED_TARGETS.has(name)) {
    throw new RulesetError(lineNo, `chain name \`${name}' may not clash with target name`, name);
  }
}

/** Whether `name` is a built-in chain of the table. */
export function isBuiltin(table: TableName, name: string): boolean {
  return (BUILTIN_CHAINS[table] as readonly string[]).includes(name);
}

interface LoadedMatch {
  readonly ext: Extension<Match>;
  readonly builder: ExtensionBuilder<Match>;
}

/** Parses the options of one rule; `-s a,b` expands into one rule per address, as iptables does. */
export function parseRuleSpec(
  words: readonly string[],
  chain: string,
  table: TableName,
  line: string,
  lineNo: number,
  family: Family,
  intern: Interner,
): Rule[] {
  return new RuleSpecParser(words, family, lineNo, intern).parse(chain, table, line);
}

/** One rule's options, parsed left to right as iptables' do_parse does. */
class RuleSpecParser implements ParseEnv {
  /** The word to blame in an error. */
  private blame: string | null = null;
  private i = 0;
  private inline: string | null = null;
  private invert = false;
  private sources: AddressMask[] | null = null;
  private sourceInvert = false;
  private dests: AddressMask[] | null = null;
  private destInvert = false;
  private protocol: ProtocolMatch | null = null;
  private inInterface: InterfaceMatch | null = null;
  private outInterface: InterfaceMatch | null = null;
  private fragment: { invert: boolean } | null = null;
  private readonly matches: LoadedMatch[] = [];
  private target: Target | null = null;
  private targetExt: { ext: Extension<Target>; builder: ExtensionBuilder<Target> } | null = null;
  private seen = 0;

  constructor(
    private readonly words: readonly string[],
    readonly family: Family,
    private readonly lineNo: number,
    readonly intern: Interner,
  ) {}

  fail(message: string): never {
    throw new RulesetError(this.lineNo, message, this.blame);
  }

  /** The common case of option lookup: an exact base or extension option name (newest extension first). */
  private exactOption(name: string): Resolved | null {
    const letter = BASE_LONG.get(name);
    if (letter) return { kind: 'base', letter };
    const t = this.targetExt;
    if (t) for (const spec of t.ext.options) if (spec.name === name) return { kind: 'ext', owner: { builder: t.builder, spec } };
    for (let k = this.matches.length - 1; k >= 0; k--) {
      const m = this.matches[k]!;
      for (const spec of m.ext.options) if (spec.name === name) return { kind: 'ext', owner: { builder: m.builder, spec } };
    }
    return null;
  }

  private once(bit: number, name: string): void {
    if (this.seen & bit) this.fail(`multiple ${name} options not allowed`);
    this.seen |= bit;
  }

  private arg(word: string): string {
    if (this.inline !== null) {
      const a = this.inline;
      this.inline = null;
      return a;
    }
    const a = this.words[++this.i];
    if (a === undefined) this.fail(`option \`${word}' requires an argument`);
    if (a === '!') this.fail(`Using intrapositioned negation (\`${word} ! this') is not supported; write \`! ${word} this'`);
    return a;
  }

  private addresses(arg: string): AddressMask[] {
    return arg.split(',').map((a) => {
      const am = parseAddressMask(a, this.family);
      if (typeof am === 'string') this.fail(am);
      return am;
    });
  }

  private iface(arg: string, inv: boolean): InterfaceMatch | null {
    if (arg === '') this.fail('Empty interface is likely to be undesired');
    if (arg.length >= 16) this.fail(`interface name \`${arg}' must be shorter than 16 characters`);
    // `-i +` matches every interface and iptables-save leaves it out.
    return arg === '+' && !inv ? null : { name: arg, invert: inv };
  }

  parse(chain: string, table: TableName, line: string): Rule[] {
    const words = this.words;
    for (this.i = 0; this.i < words.length; this.i++) {
      const word = words[this.i]!;
      if (word === '!') {
        if (this.invert) this.fail("Multiple `!' flags not allowed");
        this.invert = true;
        continue;
      }
      this.blame = word;
      this.inline = null;
      let letter: string | null = null;
      let owner: { builder: ExtensionBuilder<Match | Target>; spec: OptionSpec } | null = null;
      if (word.startsWith('--')) {
        const eq = word.indexOf('=');
        const name = eq < 0 ? word.slice(2) : word.slice(2, eq);
        if (eq >= 0) this.inline = word.slice(eq + 1);
        const resolved = this.exactOption(name) ?? resolveLong(name, this.matches, this.targetExt, this, this.protocol);
        if (resolved.kind === 'implicit') {
          const ext = MATCHES.get(resolved.module)!;
          this.matches.push({ ext, builder: ext.create(this) });
          this.i--;
          continue;
        }
        if (resolved.kind === 'base') letter = resolved.letter;
        else owner = resolved.owner;
      } else if (word.length === 2 && word[0] === '-') {
        letter = word[1]!;
      } else {
        this.fail(`Bad argument \`${word}'`);
      }
      const inv = this.invert;
      this.invert = false;
      if (owner) {
        if (inv && !owner.spec.invert) this.fail(`cannot have ! before --${owner.spec.name}`);
        if (owner.spec.args === 0 && this.inline !== null) this.fail(`option \`--${owner.spec.name}' doesn't allow an argument`);
        const args: string[] = [];
        for (let k = 0; k < owner.spec.args; k++) args.push(this.arg(word));
        owner.builder.option(owner.spec.name, args, inv);
        continue;
      }
      if (!this.base(letter!, word, inv)) return [];
    }
    this.blame = null;
    if (this.invert) this.fail("`!' must be followed by an option");
    if ((chain === 'PREROUTING' || chain === 'INPUT') && this.outInterface && isBuiltin(table, chain)) {
      this.fail(`Can't use -o with ${chain}`);
    }
    if ((chain === 'POSTROUTING' || chain === 'OUTPUT') && this.inInterface && isBuiltin(table, chain)) {
      this.fail(`Can't use -i with ${chain}`);
    }
    const ctx: RuleContext = { protocol: this.protocol };
    const built: Match[] = [];
    for (const m of this.matches) {
      this.blame = `-m ${m.ext.name}`;
      built.push(m.builder.finish(ctx));
    }
    if (this.targetExt) {
      this.blame = `-j ${this.targetExt.ext.name}`;
      this.target = this.targetExt.builder.finish(ctx);
    }
    const out: Rule[] = [];
    const text = line;
    for (const source of hostAll(this.intern, this.sources, this.sourceInvert)) {
      for (const destination of hostAll(this.intern, this.dests, this.destInvert)) {
        out.push({
          chain,
          line: this.lineNo,
          text,
          source,
          destination,
          protocol: this.protocol,
          inInterface: this.inInterface,
          outInterface: this.outInterface,
          fragment: this.fragment,
          matches: built,
          target: this.target,
        });
      }
    }
    return out;
  }

  /** A base option (`-s`, `-p`, `-m`, `-j`, ...). False when the whole line is to be ignored. */
  private base(letter: string, word: string, inv: boolean): boolean {
    switch (letter) {
      case 's':
        this.once(1, '--source');
        this.sources = this.addresses(this.arg(word));
        this.sourceInvert = inv;
        return true;
      case 'd':
        this.once(2, '--destination');
        this.dests = this.addresses(this.arg(word));
        this.destInvert = inv;
        return true;
      case 'p': {
        this.once(4, '--protocol');
        const arg = this.arg(word);
        const number = parseProtocol(arg);
        if (number === null) this.fail(`unknown protocol "${arg}" specified`);
        if (this.family === 6 && number === 1) this.fail('ip6tables: use -p icmpv6, not -p icmp');
        this.protocol = number === 0 && !inv ? null : this.intern.byPair('proto', number * 2 + (inv ? 1 : 0), () => ({ name: protocolName(number), number, invert: inv }));
        return true;
      }
      case 'i':
        this.once(8, '--in-interface');
        this.inInterface = this.iface(this.arg(word), inv);
        return true;
      case 'o':
        this.once(16, '--out-interface');
        this.outInterface = this.iface(this.arg(word), inv);
        return true;
      case 'f':
        if (this.family === 6) this.fail('ip6tables has no -f; use -m frag');
        this.once(32, '--fragment');
        this.fragment = { invert: inv };
        return true;
      case 'm': {
        if (inv) this.fail('unexpected ! flag before --match');
        const arg = this.arg(word);
        const ext = MATCHES.get(arg) ?? (arg === 'icmpv6' ? MATCHES.get('icmp6') : undefined);
        if (!ext) {
          this.blame = `-m ${arg}`;
          this.fail(
            UNSUPPORTED_MATCHES.has(arg) ? `match \`${arg}' is not supported by netsim` : `Couldn't load match \`${arg}': no such match extension`,
          );
        }
        this.matches.push({ ext, builder: ext.create(this) });
        return true;
      }
      case 'j':
      case 'g': {
        if (inv) this.fail(`cannot have ! before -${letter}`);
        this.once(64, '--jump');
        const arg = this.arg(word);
        this.blame = `-${letter} ${arg}`;
        if (letter === 'g') {
          validChainName(arg, this.lineNo);
          this.target = { kind: 'goto', chain: arg };
          return true;
        }
        const ext = TARGETS.get(arg);
        if (ext) this.targetExt = { ext, builder: ext.create(this) };
        else if (UNSUPPORTED_TARGETS.has(arg)) this.fail(`target \`${arg}' is not supported by netsim`);
        else {
          if (arg.length === 0 || /\s/.test(arg)) this.fail(`Invalid target name \`${arg}'`);
          this.target = this.intern.byName(arg, (): Target => ({ kind: 'jump', chain: arg }));
        }
        return true;
      }
      case 'c': {
        if (inv) this.fail('cannot have ! before -c');
        const p = this.arg(word);
        const b = this.arg(word);
        if (!/^\d+$/.test(p) || !/^\d+$/.test(b)) this.fail(`Packet counter '${p} ${b}' invalid`);
        return true;
      }
      case '4':
        // As iptables-restore: a line marked -4 is ignored in an IPv6 ruleset, -6 in an IPv4 one.
        return this.family === 4;
      case '6':
        return this.family === 6;
      default:
        this.fail(`unknown option \`${word}'`);
    }
  }
}

function hostAll(intern: Interner, list: AddressMask[] | null, inv: boolean): (AddressMatch | null)[] {
  return list === null ? [null] : list.map((am) => (isAny(am) && !inv ? null : sharedAddress(intern, am, inv)));
}

function sharedAddress(intern: Interner, am: AddressMask, invert: boolean): AddressMatch {
  const prefix = maskPrefix(am.mask);
  if (typeof am.address !== 'number' || prefix < 0) return { ...am, invert };
  // address * 128 + prefix * 2 + invert stays exact (below 2^39).
  return intern.byNumber(am.address * 128 + prefix * 2 + (invert ? 1 : 0), () => ({ ...am, invert }));
}

function isAny(am: AddressMask): boolean {
  return typeof am.mask === 'number' ? am.mask === 0 : am.mask === 0n;
}

type Resolved =
  | { kind: 'base'; letter: string }
  | { kind: 'ext'; owner: { builder: ExtensionBuilder<Match | Target>; spec: OptionSpec } }
  | { kind: 'implicit'; module: string };

/** getopt_long resolution over the options loaded so far: exact names first, then a unique prefix. */
function resolveLong(
  name: string,
  matches: readonly LoadedMatch[],
  target: { ext: Extension<Target>; builder: ExtensionBuilder<Target> } | null,
  env: ParseEnv,
  protocol: ProtocolMatch | null,
): Resolved {
  const letter = BASE_LONG.get(name);
  if (letter) return { kind: 'base', letter };
  const owners: { builder: ExtensionBuilder<Match | Target>; spec: OptionSpec }[] = [];
  if (target) for (const spec of target.ext.options) owners.push({ builder: target.builder, spec });
  for (let k = matches.length - 1; k >= 0; k--) {
    for (const spec of matches[k]!.ext.options) owners.push({ builder: matches[k]!.builder, spec });
  }
  // The newest extension that knows the option takes it (kube-proxy writes `-m tcp -p tcp -d X --dport P`).
  const exact = owners.find((o) => o.spec.name === name);
  if (exact) return { kind: 'ext', owner: exact };
  const prefixed = new Set<string>();
  for (const n of BASE_LONG.keys()) if (n.startsWith(name)) prefixed.add(n);
  for (const o of owners) if (o.spec.name.startsWith(name)) prefixed.add(o.spec.name);
  if (prefixed.size === 1 && name.length > 0) {
    const full = [...prefixed][0]!;
    const l = BASE_LONG.get(full);
    if (l) return { kind: 'base', letter: l };
    return { kind: 'ext', owner: owners.find((o) => o.spec.name === full)! };
  }
  if (prefixed.size > 1) env.fail(`option \`--${name}' is ambiguous (${[...prefixed].map((p) => `--${p}`).join(', ')})`);
  // As iptables: an unknown option after `-p tcp` loads the tcp match once and tries again.
  const implicit = protocol && !protocol.invert ? PROTOCOL_MATCH.get(protocol.number) : undefined;
  if (implicit && !matches.some((m) => m.ext.name === implicit)) {
    const ext = MATCHES.get(implicit)!;
    if (ext.options.some((o) => o.name.startsWith(name))) return { kind: 'implicit', module: implicit };
  }
  env.fail(`unknown option \`--${name}'`);
}
