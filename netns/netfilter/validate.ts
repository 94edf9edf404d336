// The checks the kernel makes when a table is loaded (x_tables' mark_source_chains and each
// extension's checkentry): no jump loops, and every target or match used only from the
// tables and hooks it supports, taking into account which hooks reach each user chain.

import { RulesetError } from './errors.js';
import { BUILTIN_CHAINS, type Hook, HOOKS, type Rule, type Table, type TableName } from './ruleset.js';

interface Restriction {
  readonly table: TableName;
  readonly hooks: readonly Hook[];
}

/** Table and hook limits of the targets that have them (xt_nat, ipt_MASQUERADE, ipt_REJECT, xt_CT). */
const TARGET_LIMITS: Readonly<Record<string, Restriction>> = {
  DNAT: { table: 'nat', hooks: ['PREROUTING', 'OUTPUT'] },
  SNAT: { table: 'nat', hooks: ['POSTROUTING', 'INPUT'] },
  MASQUERADE: { table: 'nat', hooks: ['POSTROUTING'] },
  REJECT: { table: 'filter', hooks: ['INPUT', 'FORWARD', 'OUTPUT'] },
  NOTRACK: { table: 'raw', hooks: ['PREROUTING', 'OUTPUT'] },
};

/**
 * For each chain of a table (by position), the hooks that reach it as a bitmask over HOOKS;
 * throws on a jump loop among reachable chains (the kernel refuses those with ELOOP).
 */
export function reachingHooks(table: Table): Uint8Array {
  const n = table.chains.length;
  const index = new Map(table.chains.map((c, i) => [c.name, i] as const));
  // Jump edges per chain, with the rule that makes each (for the error line).
  const edges: { to: number; rule: Rule }[][] = table.chains.map((c) =>
    c.rules.flatMap((r) => (r.target && (r.target.kind === 'jump' || r.target.kind === 'goto') ? [{ to: index.get(r.target.chain)!, rule: r }] : [])),
  );
  const reach = new Uint8Array(n);
  for (const hook of BUILTIN_CHAINS[table.name]) {
    const start = index.get(hook);
    if (start === undefined) continue;
    const bit = 1 << HOOKS.indexOf(hook);
    // Iterative depth-first search; a chain met again on the current path is a loop.
    const onPath = new Uint8Array(n);
    const stack: { chain: number; next: number }[] = [{ chain: start, next: 0 }];
    reach[start]! |= bit;
    onPath[start] = 1;
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const out = edges[top.chain]!;
      if (top.next >= out.length) {
        onPath[top.chain] = 0;
        stack.pop();
        continue;
      }
      const e = out[top.next++]!;
      if (onPath[e.to]) {
        throw new RulesetError(e.rule.line, `chain ${table.chains[e.to]!.name} is part of a jump loop (the kernel refuses it: ELOOP)`);
      }
      if (reach[e.to]! & bit) continue;
      reach[e.to]! |= bit;
      onPath[e.to] = 1;
      stack.push({ chain: e.to, next: 0 });
    }
  }
  return reach;
}

function hooksOf(mask: number): Hook[] {
  return HOOKS.filter((_, i) => mask & (1 << i));
}

function checkRule(table: Table, rule: Rule, mask: number): void {
  const t = rule.target;
  if (t && table.name === 'nat' && t.kind === 'DROP') {
    throw new RulesetError(rule.line, 'The "nat" table is not intended for filtering, the use of DROP is therefore inhibited.', '-j DROP');
  }
  const limit = t ? TARGET_LIMITS[t.kind] : undefined;
  if (t && limit) {
    const name = t.kind === 'NOTRACK' ? 'CT' : t.kind;
    if (limit.table !== table.name) {
      throw new RulesetError(rule.line, `${name} target: only valid in ${limit.table} table, not ${table.name}`, `-j ${name}`);
    }
    const bad = hooksOf(mask).filter((h) => !limit.hooks.includes(h));
    if (bad.length) {
      throw new RulesetError(rule.line, `${name} target: used from hooks ${bad.join('/')}, but only usable from ${limit.hooks.join('/')}`, `-j ${name}`);
    }
  }
  for (const m of rule.matches) {
    if (m.module !== 'addrtype') continue;
    const hooks = hooksOf(mask);
    if (m.limitIfaceIn && (hooks.includes('POSTROUTING') || hooks.includes('OUTPUT'))) {
      throw new RulesetError(rule.line, 'addrtype: --limit-iface-in is not valid in POSTROUTING and OUTPUT', '--limit-iface-in');
    }
    if (m.limitIfaceOut && (hooks.includes('PREROUTING') || hooks.includes('INPUT'))) {
      throw new RulesetError(rule.line, 'addrtype: --limit-iface-out is not valid in PREROUTING and INPUT', '--limit-iface-out');
    }
  }
}

/** Throws a RulesetError for what the kernel would refuse when loading this table. */
export function validateTable(table: Table): void {
  for (const c of table.chains) {
    if (table.name === 'nat' && c.policy === 'DROP') {
      throw new RulesetError(c.line, 'The "nat" table is not intended for filtering, the use of DROP is therefore inhibited.', c.name);
    }
  }
  const reach = reachingHooks(table);
  table.chains.forEach((c, i) => {
    for (const r of c.rules) checkRule(table, r, reach[i]!);
  });
}
