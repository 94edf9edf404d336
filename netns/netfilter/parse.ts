// Reads iptables-save / iptables-restore text into a Ruleset: `*table` sections, chain lines
// `:NAME POLICY [p:b]`, rule commands (-A, -I, -D, -R, -N, -X, -F, -P, -E), `COMMIT` and
// `#` comments. Each rule's options are parsed in rulespec.ts, as iptables parses them.
// Anything unknown is a RulesetError naming the line and the option.

import type { Family } from './address.js';
import { RulesetError } from './errors.js';
import { formatRule } from './format.js';
import { Interner } from './options.js';
import {
  BUILTIN_CHAINS,
  type Chain,
  type Policy,
  type Rule,
  type Ruleset,
  TABLE_NAMES,
  type Table,
  type TableName,
  type Target,
} from './ruleset.js';
import { isBuiltin, parseRuleSpec, validChainName } from './rulespec.js';
import { splitRestoreLine } from './tokenize.js';
import { validateTable } from './validate.js';

export { RulesetError } from './errors.js';

export interface ParseOptions {
  /** Address family; by default taken from an `ip6tables-save` header or the first `-s`/`-d` address. */
  readonly family?: Family;
}

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
