// Reads iptables-save / iptables-restore text into a Ruleset: `*table` sections, chain lines
// `:NAME POLICY [p:b]`, rule commands (-A, -I, -D, -R, -N, -X, -F, -P, -E), `COMMIT` and
// `#` comments. Rule options are parsed as iptables parses them (getopt-style long options with
// unambiguous abbreviations, `!` before an option, implicit protocol matches for `-p tcp
// --dport`). Anything unknown is a RulesetError naming the line and the option.

import { type AddressMask, type Family, maskPrefix, parseAddressMask } from './address.js';
import { RulesetError } from './errors.js';
import { formatRule } from './format.js';
import { MATCHES } from './matches.js';
import {
  type Extension,
  type ExtensionBuilder,
  Interner,
  type OptionSpec,
  type ParseEnv,
  type RuleContext,
  parseProtocol,
  protocolName,
} from './options.js';
import {
  BUILTIN_CHAINS,
  type AddressMatch,
  type Chain,
  type InterfaceMatch,
  type Match,
  type Policy,
  type ProtocolMatch,
  type Rule,
  type Ruleset,
  TABLE_NAMES,
  type Table,
  type TableName,
  type Target,
} from './ruleset.js';
import { TARGETS, UNSUPPORTED_TARGETS } from './targets.js';
import { splitRestoreLine } from './tokenize.js';
import { validateTable } from './validate.js';

export { RulesetError } from './errors.js';

export interface ParseOptions {
  /** Address family; by default taken from an `ip6tables-save` header or the first `-s`/`-d` address. */
  readonly family?: Family;
}

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

const COMMANDS: ReadonlyMap<string, string> = new Map([
  ['-A', 'A'], ['--append', 'A'],
  ['-I', 'I'], ['--insert', 'I'],
  ['-D', 'D'], ['--delete', 'D'],
  ['-R', 'R'], ['--replace', 'R'],
  ['-N', 'N'], ['--new-chain', 'N'],
  ['-X', 'X'], ['--delete-chain', 'X'],
  ['-F', 'F'], ['--flush', 'F'],
  ['-P', 'P'], ['--policy', 'P'],
  ['-E', 'E'], ['--rename-chain', 'E'],
  ['-Z', 'Z'], ['--zero', 'Z'],
]);

interface ChainBuilder {
  name: string;
  builtin: boolean;
  policy: Policy | null;
  rules: Rule[];
  line: number;
}

interface TableBuilder {
  name: TableName;
  line: number;
  chains: Map<string, ChainBuilder>;
  readonly intern: Interner;
}

/** Parses iptables-save (or restore) text into a Ruleset; throws RulesetError on bad input. */
export function parseIptablesSave(text: string, options: ParseOptions = {}): Ruleset {
  const family = options.family ?? detectFamily(text);
  const tables = new Map<TableName, Table>();
  const intern = new Interner();
  let current: TableBuilder | null = null;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    let line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('*')) {
      if (current) throw new RulesetError(lineNo, `COMMIT expected before starting table ${line.slice(1)}`);
      const name = line.slice(1).trim();
      if (!(TABLE_NAMES as readonly string[]).includes(name)) {
        throw new RulesetError(lineNo, `table '${name}' does not exist`, name);
      }
      if (tables.has(name as TableName)) throw new RulesetError(lineNo, `table '${name}' appears twice`, name);
      current = { name: name as TableName, line: lineNo, chains: new Map(), intern };
      // A table always has its built-in chains (policy ACCEPT until a chain line says otherwise).
      for (const hook of BUILTIN_CHAINS[current.name]) {
        current.chains.set(hook, { name: hook, builtin: true, policy: 'ACCEPT', rules: [], line: 0 });
      }
      continue;
    }
    if (!current) throw new RulesetError(lineNo, `no table specified (expected a \`*table' line before \`${line}')`);
    if (line === 'COMMIT') {
      tables.set(current.name, finishTable(current));
      current = null;
      continue;
    }
    if (line.startsWith(':')) {
      declareChain(current, line, lineNo);
      continue;
    }
    // `[packets:bytes] -A ...` as iptables-save -c prints rules.
    const counters = /^\[\d+:\d+\]\s*/.exec(line);
    if (counters) line = line.slice(counters[0].length);
    let words: string[];
    try {
      words = splitRestoreLine(line);
    } catch (e) {
      throw new RulesetError(lineNo, (e as Error).message);
    }
    runCommand(current, words, line, lineNo, family);
  }
  if (current) throw new RulesetError(lines.length, `COMMIT expected at line ${lines.length} (table ${current.name} is not committed)`);
  return { family, tables };
}

function detectFamily(text: string): Family {
  if (/^#.*ip6tables-save/m.test(text)) return 6;
  const m = /(?:^|\s)(?:-s|-d|--source|--destination|--src|--dst)\s+(\S+)/m.exec(text);
  return m?.[1]?.includes(':') ? 6 : 4;
}

function validChainName(name: string, lineNo: number): void {
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

function isBuiltin(table: TableName, name: string): boolean {
  return (BUILTIN_CHAINS[table] as readonly string[]).includes(name);
}

function declareChain(t: TableBuilder, line: string, lineNo: number): void {
  const parts = line.slice(1).trim().split(/\s+/);
  const name = parts[0] ?? '';
  const policy = parts[1] ?? '-';
  if (parts.length > 2 && !/^\[\d+:\d+\]$/.test(parts[2]!)) throw new RulesetError(lineNo, `bad counters \`${parts[2]}'`);
  const builtin = isBuiltin(t.name, name);
  if (!builtin && /^[A-Z]+ROUTING$|^INPUT$|^OUTPUT$|^FORWARD$/.test(name)) {
    throw new RulesetError(lineNo, `Bad built-in chain name: ${name} does not exist in table ${t.name}`, name);
  }
  if (builtin) {
    if (policy !== 'ACCEPT' && policy !== 'DROP' && policy !== '-') {
      throw new RulesetError(lineNo, `Can't set policy \`${policy}' on \`${name}'`, policy);
    }
  } else {
    if (policy !== '-') throw new RulesetError(lineNo, `Can't set policy \`${policy}' on user chain \`${name}'`, policy);
    validChainName(name, lineNo);
  }
  // A chain line flushes the chain (restore semantics); `-` keeps a built-in's policy.
  const old = t.chains.get(name);
  const pol: Policy | null = builtin ? (policy === '-' ? (old?.policy ?? 'ACCEPT') : (policy as Policy)) : null;
  t.chains.set(name, { name, builtin, policy: pol, rules: [], line: old?.line || lineNo });
}

function finishTable(t: TableBuilder): Table {
  for (const c of t.chains.values()) {
    for (const r of c.rules) {
      const tg = r.target;
      if (!tg || (tg.kind !== 'jump' && tg.kind !== 'goto')) continue;
      const dest = t.chains.get(tg.chain);
      if (!dest) {
        throw new RulesetError(r.line, `Couldn't load target \`${tg.chain}': no such chain in table ${t.name}`, tg.chain);
      }
      if (dest.builtin) throw new RulesetError(r.line, `cannot jump to built-in chain ${tg.chain}`, tg.chain);
    }
  }
  const table: Table = {
    name: t.name,
    chains: [...t.chains.values()].map(
      (c): Chain => ({ name: c.name, builtin: c.builtin, policy: c.policy, rules: c.rules, line: c.line }),
    ),
  };
  validateTable(table);
  return table;
}

function requireChain(t: TableBuilder, name: string | undefined, lineNo: number, cmd: string): ChainBuilder {
  if (name === undefined) throw new RulesetError(lineNo, `-${cmd} requires a chain name`);
  const c = t.chains.get(name);
  if (!c) throw new RulesetError(lineNo, `chain \`${name}' does not exist in table ${t.name}`, name);
  return c;
}

function ruleNumber(word: string | undefined, lineNo: number): number | null {
  if (word === undefined || !/^\d+$/.test(word)) return null;
  const n = Number(word);
  if (n < 1) throw new RulesetError(lineNo, `Invalid rule number \`${word}'`, word);
  return n;
}

function runCommand(t: TableBuilder, words: string[], line: string, lineNo: number, family: Family): void {
  let at = 0;
  while (at < words.length && !COMMANDS.has(words[at]!)) at++;
  if (at === words.length) throw new RulesetError(lineNo, `no command specified in \`${line}'`);
  const cmd = COMMANDS.get(words[at]!)!;
  // The command may stand anywhere (getopt); the chain name is the word after it.
  const chainName = words[at + 1];
  const before = words.slice(0, at);
  const after = words.slice(at + 2);
  const chain = (): ChainBuilder => requireChain(t, chainName, lineNo, cmd);
  const spec = (ws: string[]): Rule[] => {
    if (chainName === undefined) throw new RulesetError(lineNo, `-${cmd} requires a chain name`);
    return parseRuleSpec(before.length ? before.concat(ws) : ws, chainName, t.name, line, lineNo, family, t.intern);
  };
  switch (cmd) {
    case 'A': {
      const c = chain();
      for (const r of spec(after)) c.rules.push(r);
      return;
    }
    case 'I': {
      const c = chain();
      const n = ruleNumber(after[0], lineNo);
      const rules = spec(n === null ? after : after.slice(1));
      const pos = (n ?? 1) - 1;
      if (pos > c.rules.length) throw new RulesetError(lineNo, `Index of insertion too big (chain ${c.name} has ${c.rules.length} rules)`);
      c.rules.splice(pos, 0, ...rules);
      return;
    }
    case 'R': {
      const c = chain();
      const n = ruleNumber(after[0], lineNo);
      if (n === null) throw new RulesetError(lineNo, '-R requires a rule number');
      if (n > c.rules.length) throw new RulesetError(lineNo, `Index of replacement too big (chain ${c.name} has ${c.rules.length} rules)`);
      const rules = spec(after.slice(1));
      if (rules.length !== 1) throw new RulesetError(lineNo, '-R: one rule only (no address lists)');
      c.rules[n - 1] = rules[0]!;
      return;
    }
    case 'D': {
      const c = chain();
      const n = ruleNumber(after[0], lineNo);
      if (n !== null && after.length === 1) {
        if (n > c.rules.length) throw new RulesetError(lineNo, `Index of deletion too big (chain ${c.name} has ${c.rules.length} rules)`);
        c.rules.splice(n - 1, 1);
        return;
      }
      // Delete by specification: the first rule that prints the same.
      for (const r of spec(after)) {
        const want = formatRule(r);
        const idx = c.rules.findIndex((x) => formatRule(x) === want);
        if (idx < 0) throw new RulesetError(lineNo, `Bad rule (does a matching rule exist in that chain?)`);
        c.rules.splice(idx, 1);
      }
      return;
    }
    case 'N':
      if (chainName === undefined) throw new RulesetError(lineNo, '-N requires a chain name');
      if (t.chains.has(chainName)) throw new RulesetError(lineNo, `Chain already exists: ${chainName}`, chainName);
      if (isBuiltin(t.name, chainName)) throw new RulesetError(lineNo, `Chain already exists: ${chainName}`, chainName);
      validChainName(chainName, lineNo);
      t.chains.set(chainName, { name: chainName, builtin: false, policy: null, rules: [], line: lineNo });
      return;
    case 'X': {
      const names = chainName === undefined ? [...t.chains.values()].filter((c) => !c.builtin).map((c) => c.name) : [chainName];
      for (const name of names) {
        const c = requireChain(t, name, lineNo, cmd);
        if (c.builtin) throw new RulesetError(lineNo, `Can't delete built-in chain ${name}`, name);
        const referrer = [...t.chains.values()].find(
          (x) => x.name !== name && x.rules.some((r) => r.target && 'chain' in r.target && r.target.chain === name),
        );
        if (referrer) throw new RulesetError(lineNo, `Can't delete chain ${name}: it is referenced by ${referrer.name} (Too many links)`, name);
        if (c.rules.length) throw new RulesetError(lineNo, `Can't delete chain ${name}: Directory not empty`, name);
        t.chains.delete(name);
      }
      return;
    }
    case 'F':
      if (chainName === undefined) for (const c of t.chains.values()) c.rules = [];
      else chain().rules = [];
      return;
    case 'P': {
      const c = chain();
      const pol = after[0];
      if (!c.builtin) throw new RulesetError(lineNo, `Can't set policy on user chain ${c.name}`, c.name);
      if (pol !== 'ACCEPT' && pol !== 'DROP') throw new RulesetError(lineNo, `Bad policy name \`${pol}'`, pol ?? null);
      c.policy = pol;
      return;
    }
    case 'E': {
      const c = chain();
      const to = after[0];
      if (to === undefined) throw new RulesetError(lineNo, '-E requires old-chain-name and new-chain-name');
      if (c.builtin) throw new RulesetError(lineNo, `Can't rename built-in chain ${c.name}`, c.name);
      validChainName(to, lineNo);
      if (t.chains.has(to)) throw new RulesetError(lineNo, `File exists: chain ${to}`, to);
      const from = c.name;
      const renamed = new Map<string, ChainBuilder>();
      for (const [k, v] of t.chains) {
        if (k === from) v.name = to;
        v.rules = v.rules.map((r) => retarget(r, from, to));
        renamed.set(v.name, v);
      }
      t.chains = renamed;
      return;
    }
    default:
      // -Z only zeroes counters.
      return;
  }
}

function retarget(r: Rule, from: string, to: string): Rule {
  const chain = r.chain === from ? to : r.chain;
  const tg = r.target;
  const target: Target | null = tg && (tg.kind === 'jump' || tg.kind === 'goto') && tg.chain === from ? { kind: tg.kind, chain: to } : tg;
  return chain === r.chain && target === tg ? r : { ...r, chain, target };
}

interface LoadedMatch {
  readonly ext: Extension<Match>;
  readonly builder: ExtensionBuilder<Match>;
}

/** Parses the options of one rule; `-s a,b` expands into one rule per address, as iptables does. */
function parseRuleSpec(
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
