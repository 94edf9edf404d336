// Prints rules, chains and whole rulesets in iptables-save's own spelling: addresses and
// interfaces first, then `-p`, then the matches in order, then the target.

import { formatAddress, formatAddressMask } from './address.js';
import { TCP_FLAG_ORDER } from './matches.js';
import type { Match, PortRange, PortSpec, Rule, Ruleset, Target } from './ruleset.js';
import { quoteSaveString } from './tokenize.js';

const not = (invert: boolean): string => (invert ? ' !' : '');
const hex = (n: number): string => `0x${(n >>> 0).toString(16)}`;

function range(r: PortRange, sep: string): string {
  return r[0] === r[1] ? String(r[0]) : `${r[0]}${sep}${r[1]}`;
}

function portOption(name: string, spec: PortSpec | null): string {
  if (!spec || (spec.range[0] === 0 && spec.range[1] === 65535 && !spec.invert)) return '';
  return `${not(spec.invert)} --${name} ${range(spec.range, ':')}`;
}

function tcpFlagNames(bits: number): string {
  const names = TCP_FLAG_ORDER.filter(([, b]) => bits & b).map(([n]) => n);
  return names.length ? names.join(',') : 'NONE';
}

/** The ` -m NAME --opt ...` text of one match, as iptables-save prints it. */
export function formatMatch(m: Match): string {
  switch (m.module) {
    case 'tcp':
    case 'udp':
    case 'sctp': {
      let s = ` -m ${m.module}${portOption('sport', m.sport)}${portOption('dport', m.dport)}`;
      if (m.tcpFlags) {
        s += `${not(m.tcpFlags.invert)} --tcp-flags ${tcpFlagNames(m.tcpFlags.mask)} ${tcpFlagNames(m.tcpFlags.comp)}`;
      }
      return s;
    }
    case 'multiport': {
      const opt = m.direction === 'source' ? 'sports' : m.direction === 'destination' ? 'dports' : 'ports';
      return ` -m multiport${not(m.invert)} --${opt} ${m.ports.map((p) => range(p, ':')).join(',')}`;
    }
    case 'comment':
      return ` -m comment --comment ${quoteSaveString(m.comment)}`;
    case 'nfacct':
      return ` -m nfacct --nfacct-name ${quoteSaveString(m.name)}`;
    case 'addrtype': {
      let s = ' -m addrtype';
      if (m.srcType) s += `${not(m.srcType.invert)} --src-type ${m.srcType.types.join(',')}`;
      if (m.dstType) s += `${not(m.dstType.invert)} --dst-type ${m.dstType.types.join(',')}`;
      if (m.limitIfaceIn) s += ' --limit-iface-in';
      if (m.limitIfaceOut) s += ' --limit-iface-out';
      return s;
    }
    case 'statistic':
      if (m.mode === 'random') {
        // libxt_statistic prints the stored threshold back as %.11f.
        return ` -m statistic --mode random${not(m.invert)} --probability ${(m.threshold / 0x80000000).toFixed(11)}`;
      }
      return ` -m statistic --mode nth${not(m.invert)} --every ${m.every}${m.packet ? ` --packet ${m.packet}` : ''}`;
    case 'recent': {
      let s = ` -m recent${not(m.invert)} --${m.command}`;
      if (m.seconds) s += ` --seconds ${m.seconds}`;
      if (m.reap) s += ' --reap';
      if (m.hitcount) s += ` --hitcount ${m.hitcount}`;
      return `${s} --name ${m.name} --mask ${formatAddress(m.mask)} --${m.side === 'source' ? 'rsource' : 'rdest'}`;
    }
    case 'mark':
      return ` -m mark${not(m.invert)} --mark ${hex(m.value)}${m.mask === 0xffffffff ? '' : `/${hex(m.mask)}`}`;
    case 'conntrack':
      return ` -m conntrack${not(m.invert)} --ctstate ${m.states.join(',')}`;
    case 'state':
      return ` -m state${not(m.invert)} --state ${m.states.join(',')}`;
    case 'icmp':
    case 'icmp6': {
      const opt = m.module === 'icmp' ? 'icmp-type' : 'icmpv6-type';
      if (m.type === 255) return ` -m ${m.module}${not(m.invert)} --${opt} any`;
      const code = m.codeMin === 0 && m.codeMax === 255 ? '' : `/${m.codeMin}`;
      return ` -m ${m.module}${not(m.invert)} --${opt} ${m.type}${code}`;
    }
  }
}

function natTo(address: Parameters<typeof formatAddress>[0] | null, port: number | null): string {
  const a = address === null ? '' : formatAddress(address);
  if (port === null) return a;
  return typeof address === 'bigint' ? `[${a}]:${port}` : `${a}:${port}`;
}

/** The ` -j TARGET --opt ...` (or ` -g CHAIN`) text of a target, as iptables-save prints it. */
export function formatTarget(t: Target): string {
  switch (t.kind) {
    case 'ACCEPT':
    case 'DROP':
    case 'RETURN':
      return ` -j ${t.kind}`;
    case 'REJECT':
      return ` -j REJECT --reject-with ${t.with}`;
    case 'DNAT':
      return ` -j DNAT --to-destination ${natTo(t.address, t.port)}${t.random ? ' --random' : ''}${t.persistent ? ' --persistent' : ''}`;
    case 'SNAT':
      return (
        ` -j SNAT --to-source ${natTo(t.address, t.port)}${t.random ? ' --random' : ''}` +
        `${t.randomFully ? ' --random-fully' : ''}${t.persistent ? ' --persistent' : ''}`
      );
    case 'MASQUERADE':
      return (
        ` -j MASQUERADE${t.port === null ? '' : ` --to-ports ${t.port}`}${t.random ? ' --random' : ''}` +
        `${t.randomFully ? ' --random-fully' : ''}`
      );
    case 'MARK':
      return ` -j MARK --set-xmark ${hex(t.value)}/${hex(t.mask)}`;
    case 'LOG': {
      let s = ' -j LOG';
      if (t.prefix !== null) s += ` --log-prefix ${quoteSaveString(t.prefix)}`;
      if (t.level !== 4) s += ` --log-level ${t.level}`;
      for (const f of t.flags) s += ` --${f}`;
      return s;
    }
    case 'NOTRACK':
      return ' -j CT --notrack';
    case 'jump':
      return ` -j ${t.chain}`;
    case 'goto':
      return ` -g ${t.chain}`;
  }
}

/** One rule as iptables-save prints it: `-A CHAIN [-s ..] [-d ..] [-i ..] [-o ..] [-p ..] matches target`. */
export function formatRule(r: Rule): string {
  let s = `-A ${r.chain}`;
  if (r.source) s += `${not(r.source.invert)} -s ${formatAddressMask(r.source)}`;
  if (r.destination) s += `${not(r.destination.invert)} -d ${formatAddressMask(r.destination)}`;
  if (r.inInterface) s += `${not(r.inInterface.invert)} -i ${r.inInterface.name}`;
  if (r.outInterface) s += `${not(r.outInterface.invert)} -o ${r.outInterface.name}`;
  if (r.protocol) s += `${not(r.protocol.invert)} -p ${r.protocol.name}`;
  if (r.fragment) s += `${not(r.fragment.invert)} -f`;
  for (const m of r.matches) s += formatMatch(m);
  if (r.target) s += formatTarget(r.target);
  return s;
}

/** A whole ruleset in iptables-save form (tables in the order given, counters `[0:0]`). */
export function formatRuleset(rs: Ruleset): string {
  const lines: string[] = [];
  for (const table of rs.tables.values()) {
    lines.push(`*${table.name}`);
    for (const c of table.chains) lines.push(`:${c.name} ${c.policy ?? '-'} [0:0]`);
    for (const c of table.chains) for (const r of c.rules) lines.push(formatRule(r));
    lines.push('COMMIT');
  }
  return `${lines.join('\n')}\n`;
}
