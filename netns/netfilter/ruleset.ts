// The structured form of an iptables ruleset (what iptables-save prints): tables, chains in
// order, rules with their matches and target. Values are already parsed (integers, quantised
// probabilities), so the evaluator never looks at text again.

import type { Address, AddressMask, Family } from './address.js';

export type TableName = 'raw' | 'mangle' | 'nat' | 'filter' | 'security';
export type Hook = 'PREROUTING' | 'INPUT' | 'FORWARD' | 'OUTPUT' | 'POSTROUTING';

export const HOOKS: readonly Hook[] = ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'];

/** Built-in chains per table, as the kernel registers them (iptable_nat has no FORWARD). */
export const BUILTIN_CHAINS: Readonly<Record<TableName, readonly Hook[]>> = {
  raw: ['PREROUTING', 'OUTPUT'],
  mangle: ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'],
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
  security: ['INPUT', 'FORWARD', 'OUTPUT'],
};

/**
 * Tables in the order a hook runs them (netfilter priorities: raw -300, mangle -150,
 * nat dst -100, filter 0, security 50, nat src 100).
 */
export const HOOK_TABLES: Readonly<Record<Hook, readonly TableName[]>> = {
  PREROUTING: ['raw', 'mangle', 'nat'],
  INPUT: ['mangle', 'filter', 'security', 'nat'],
  FORWARD: ['mangle', 'filter', 'security'],
  OUTPUT: ['raw', 'mangle', 'nat', 'filter', 'security'],
  POSTROUTING: ['mangle', 'nat'],
};

export const TABLE_NAMES: readonly TableName[] = ['raw', 'mangle', 'nat', 'filter', 'security'];

export interface Ruleset {
  readonly family: Family;
  /** Tables in the order the text declared them. */
  readonly tables: ReadonlyMap<TableName, Table>;
}

export interface Table {
  readonly name: TableName;
  /** Chains in declaration order (built-in chains the text left out are added with policy ACCEPT). */
  readonly chains: readonly Chain[];
}

export type Policy = 'ACCEPT' | 'DROP';

export interface Chain {
  readonly name: string;
  readonly builtin: boolean;
  /** Policy of a built-in chain; null for user chains. */
  readonly policy: Policy | null;
  readonly rules: readonly Rule[];
  /** Line of the chain declaration (0 when the chain was implied). */
  readonly line: number;
}

export interface AddressMatch extends AddressMask {
  readonly invert: boolean;
}

export interface ProtocolMatch {
  /** Canonical lowercase name (`tcp`, `udp`, `icmp`, ...) or the decimal number when unnamed. */
  readonly name: string;
  readonly number: number;
  readonly invert: boolean;
}

export interface InterfaceMatch {
  /** As written; a trailing `+` is a prefix wildcard. */
  readonly name: string;
  readonly invert: boolean;
}

export interface Rule {
  readonly chain: string;
  /** 1-based line in the parsed text. */
  readonly line: number;
  /** The rule as written, `-A CHAIN ...` without counters. */
  readonly text: string;
  readonly source: AddressMatch | null;
  readonly destination: AddressMatch | null;
  readonly protocol: ProtocolMatch | null;
  readonly inInterface: InterfaceMatch | null;
  readonly outInterface: InterfaceMatch | null;
  /** `-f`: second and further fragments only. */
  readonly fragment: { readonly invert: boolean } | null;
  /** Extension matches in the order written. */
  readonly matches: readonly Match[];
  /** null for a rule without `-j`/`-g` (it only counts). */
  readonly target: Target | null;
}

export type PortRange = readonly [number, number];

export interface PortSpec {
  readonly range: PortRange;
  readonly invert: boolean;
}

export interface TcpFlags {
  readonly mask: number;
  readonly comp: number;
  readonly invert: boolean;
}

export interface PortMatch {
  readonly module: 'tcp' | 'udp' | 'sctp';
  readonly sport: PortSpec | null;
  readonly dport: PortSpec | null;
  /** tcp only. */
  readonly tcpFlags: TcpFlags | null;
}

export interface MultiportMatch {
  readonly module: 'multiport';
  readonly direction: 'source' | 'destination' | 'both';
  readonly ports: readonly PortRange[];
  readonly invert: boolean;
}

export interface CommentMatch {
  readonly module: 'comment';
  readonly comment: string;
}

export type AddrType =
  | 'UNSPEC'
  | 'UNICAST'
  | 'LOCAL'
  | 'BROADCAST'
  | 'ANYCAST'
  | 'MULTICAST'
  | 'BLACKHOLE'
  | 'UNREACHABLE'
  | 'PROHIBIT'
  | 'THROW'
  | 'NAT'
  | 'XRESOLVE';

export const ADDR_TYPES: readonly AddrType[] = [
  'UNSPEC', 'UNICAST', 'LOCAL', 'BROADCAST', 'ANYCAST', 'MULTICAST',
  'BLACKHOLE', 'UNREACHABLE', 'PROHIBIT', 'THROW', 'NAT', 'XRESOLVE',
];

export interface AddrTypeSpec {
  readonly types: readonly AddrType[];
  readonly invert: boolean;
}

export interface AddrtypeMatch {
  readonly module: 'addrtype';
  readonly srcType: AddrTypeSpec | null;
  readonly dstType: AddrTypeSpec | null;
  readonly limitIfaceIn: boolean;
  readonly limitIfaceOut: boolean;
}

export interface StatisticRandomMatch {
  readonly module: 'statistic';
  readonly mode: 'random';
  /**
   * The kernel's threshold: lround(p * 2^31). A packet matches when a 31-bit random number
   * is below it, so the exact chance is threshold / 2^31.
   */
  readonly threshold: number;
  readonly invert: boolean;
}

export interface StatisticNthMatch {
  readonly module: 'statistic';
  readonly mode: 'nth';
  readonly every: number;
  readonly packet: number;
  readonly invert: boolean;
}

export type StatisticMatch = StatisticRandomMatch | StatisticNthMatch;

export interface RecentMatch {
  readonly module: 'recent';
  readonly command: 'set' | 'rcheck' | 'update' | 'remove';
  readonly name: string;
  /** 0 when not given. */
  readonly seconds: number;
  readonly reap: boolean;
  /** 0 when not given. */
  readonly hitcount: number;
  readonly side: 'source' | 'dest';
  readonly mask: Address;
  readonly invert: boolean;
}

export interface MarkMatch {
  readonly module: 'mark';
  readonly value: number;
  readonly mask: number;
  readonly invert: boolean;
}

export type CtState = 'INVALID' | 'NEW' | 'RELATED' | 'ESTABLISHED' | 'UNTRACKED' | 'SNAT' | 'DNAT';

/** Order iptables-save prints states in. */
export const CT_STATES: readonly CtState[] = ['INVALID', 'NEW', 'RELATED', 'ESTABLISHED', 'UNTRACKED', 'SNAT', 'DNAT'];

export interface ConntrackMatch {
  readonly module: 'conntrack' | 'state';
  readonly states: readonly CtState[];
  readonly invert: boolean;
}

export interface IcmpMatch {
  readonly module: 'icmp' | 'icmp6';
  /** 255 = any type. */
  readonly type: number;
  readonly codeMin: number;
  readonly codeMax: number;
  readonly invert: boolean;
}

export interface NfacctMatch {
  readonly module: 'nfacct';
  readonly name: string;
}

export type Match =
  | PortMatch
  | MultiportMatch
  | CommentMatch
  | AddrtypeMatch
  | StatisticMatch
  | RecentMatch
  | MarkMatch
  | ConntrackMatch
  | IcmpMatch
  | NfacctMatch;

export interface NatTo {
  /** null when only a port was given (`--to-destination :8080`). */
  readonly address: Address | null;
  readonly port: number | null;
}

export type Target =
  | { readonly kind: 'ACCEPT' }
  | { readonly kind: 'DROP' }
  | { readonly kind: 'RETURN' }
  | { readonly kind: 'REJECT'; readonly with: string }
  | ({ readonly kind: 'DNAT'; readonly random: boolean; readonly persistent: boolean } & NatTo)
  | ({
      readonly kind: 'SNAT';
      readonly random: boolean;
      readonly randomFully: boolean;
      readonly persistent: boolean;
    } & NatTo)
  | { readonly kind: 'MASQUERADE'; readonly port: number | null; readonly random: boolean; readonly randomFully: boolean }
  | { readonly kind: 'MARK'; readonly value: number; readonly mask: number }
  | { readonly kind: 'LOG'; readonly prefix: string | null; readonly level: number; readonly flags: readonly LogFlag[] }
  | { readonly kind: 'NOTRACK' }
  | { readonly kind: 'jump'; readonly chain: string }
  | { readonly kind: 'goto'; readonly chain: string };

export type LogFlag = 'log-tcp-sequence' | 'log-tcp-options' | 'log-ip-options' | 'log-uid' | 'log-macdecode';
export const LOG_FLAGS: readonly LogFlag[] = ['log-tcp-sequence', 'log-tcp-options', 'log-ip-options', 'log-uid', 'log-macdecode'];

/** Looks up a chain of a table by name. */
export function findChain(table: Table, name: string): Chain | undefined {
  return table.chains.find((c) => c.name === name);
}
