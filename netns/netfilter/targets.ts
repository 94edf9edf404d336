// Target extensions (`-j NAME`) netsim understands, with their options and final checks, as
// the iptables extension libraries define them (libipt_REJECT, libxt_MARK, libipt_DNAT, ...).

import { type Address, parseAddress } from './address.js';
import {
  type Extension,
  type OptionSpec,
  type ParseEnv,
  type RuleContext,
  parseMarkMask,
  parsePort,
  parseUnsigned,
} from './options.js';
import { LOG_FLAGS, type LogFlag, type NatTo, type Target } from './ruleset.js';

const opt = (name: string, args: 0 | 1, invert = false): OptionSpec => ({ name, args, invert });

function noOptions(kind: 'ACCEPT' | 'DROP' | 'RETURN' | 'NOTRACK'): Extension<Target> {
  return {
    name: kind,
    options: [],
    create: () => ({ option() {}, finish: () => ({ kind }) }),
  };
}

// ---- REJECT ----------------------------------------------------------------------------

/** REJECT types with their aliases, in the kernel's enum order (libipt_REJECT / libip6t_REJECT). */
const REJECT_V4: readonly [string, string][] = [
  ['icmp-net-unreachable', 'net-unreach'],
  ['icmp-host-unreachable', 'host-unreach'],
  ['icmp-proto-unreachable', 'proto-unreach'],
  ['icmp-port-unreachable', 'port-unreach'],
  ['icmp-net-prohibited', 'net-prohib'],
  ['icmp-host-prohibited', 'host-prohib'],
  ['tcp-reset', 'tcp-rst'],
  ['icmp-admin-prohibited', 'admin-prohib'],
];

const REJECT_V6: readonly [string, string][] = [
  ['icmp6-no-route', 'no-route'],
  ['icmp6-adm-prohibited', 'adm-prohibited'],
  ['icmp6-addr-unreachable', 'addr-unreach'],
  ['icmp6-port-unreachable', 'port-unreach'],
  ['tcp-reset', 'tcp-reset'],
  ['icmp6-policy-fail', 'policy-fail'],
  ['icmp6-reject-route', 'reject-route'],
];

const reject: Extension<Target> = {
  name: 'REJECT',
  options: [opt('reject-with', 1)],
  create(env: ParseEnv) {
    const table = env.family === 4 ? REJECT_V4 : REJECT_V6;
    let withType = env.family === 4 ? 'icmp-port-unreachable' : 'icmp6-port-unreachable';
    return {
      option(_n, args) {
        const arg = args[0]!.toLowerCase();
        // As libipt_REJECT: the first type whose name or alias starts with the argument.
        const hit = table.find(([name, alias]) => name.startsWith(arg) || alias.startsWith(arg));
        if (!hit) env.fail(`unknown reject type "${args[0]}"`);
        withType = hit[0];
      },
      finish(rule) {
        const tcp = rule.protocol !== null && rule.protocol.number === 6 && !rule.protocol.invert;
        if (withType === 'tcp-reset' && !tcp) {
          env.fail('REJECT: TCP_RESET invalid for non-tcp (add `-p tcp\')');
        }
        return { kind: 'REJECT', with: withType };
      },
    };
  },
};

// ---- NAT targets -----------------------------------------------------------------------

const PORT_PROTOS = new Set([6, 17, 132, 33, 136]);

function needPortProto(rule: RuleContext, env: ParseEnv, target: string): void {
  if (!rule.protocol || !PORT_PROTOS.has(rule.protocol.number) || rule.protocol.invert) {
    env.fail(`${target}: Need TCP, UDP, SCTP or DCCP with port specification`);
  }
}

function parseSinglePort(text: string, env: ParseEnv, option: string): number {
  const dash = text.indexOf('-');
  if (dash < 0) return parsePort(text, env, option);
  const lo = parsePort(text.slice(0, dash), env, option);
  const hi = parsePort(text.slice(dash + 1), env, option);
  if (lo !== hi) env.fail(`${option}: port ranges are not modelled by netsim (\`${text}')`);
  return lo;
}

/** Parses `ip[:port]` (IPv6: `[ip]:port` or a bare `ip`), as libipt_DNAT / libip6t_DNAT read it. */
function parseNatTo(text: string, env: ParseEnv, option: string): NatTo {
  let addrText: string;
  let portText: string | null = null;
  if (env.family === 6) {
    const m = /^\[([^\]]*)\](?::(.*))?$/.exec(text);
    if (m) {
      addrText = m[1]!;
      portText = m[2] ?? null;
    } else addrText = text;
  } else {
    const colon = text.indexOf(':');
    addrText = colon < 0 ? text : text.slice(0, colon);
    portText = colon < 0 ? null : text.slice(colon + 1);
  }
  let address: Address | null = null;
  if (addrText !== '') {
    if (addrText.includes('-') && env.family === 4) {
      const [a, b] = addrText.split('-');
      if (a !== b) env.fail(`${option}: address ranges are not modelled by netsim (\`${addrText}')`);
      addrText = a!;
    }
    address = parseAddress(addrText, env.family);
    if (address === null) env.fail(`Bad IP address "${addrText}"`);
  }
  const port = portText === null ? null : parseSinglePort(portText, env, option);
  if (address === null && port === null) env.fail(`${option}: bad range "${text}"`);
  return { address, port };
}

function dnat(): Extension<Target> {
  return {
    name: 'DNAT',
    options: [opt('to-destination', 1), opt('random', 0), opt('persistent', 0)],
    create(env: ParseEnv) {
      let to: NatTo | null = null;
      let random = false;
      let persistent = false;
      return {
        option(name, args) {
          if (name === 'to-destination') {
            if (to) env.fail('DNAT: netsim models one --to-destination only');
            to = parseNatTo(args[0]!, env, '--to-destination');
          } else if (name === 'random') random = true;
          else persistent = true;
        },
        finish(rule) {
          if (!to) env.fail('DNAT: option "--to-destination" must be specified');
          if (to.port !== null) needPortProto(rule, env, 'DNAT');
          return { kind: 'DNAT', address: to.address, port: to.port, random, persistent };
        },
      };
    },
  };
}

function snat(): Extension<Target> {
  return {
    name: 'SNAT',
    options: [opt('to-source', 1), opt('random', 0), opt('random-fully', 0), opt('persistent', 0)],
    create(env: ParseEnv) {
      let to: NatTo | null = null;
      let random = false;
      let randomFully = false;
      let persistent = false;
      return {
        option(name, args) {
          if (name === 'to-source') {
            if (to) env.fail('SNAT: netsim models one --to-source only');
            to = parseNatTo(args[0]!, env, '--to-source');
          } else if (name === 'random') random = true;
          else if (name === 'random-fully') randomFully = true;
          else persistent = true;
        },
        finish(rule) {
          if (!to) env.fail('SNAT: option "--to-source" must be specified');
          if (to.port !== null) needPortProto(rule, env, 'SNAT');
          return { kind: 'SNAT', address: to.address, port: to.port, random, randomFully, persistent };
        },
      };
    },
  };
}

const masquerade: Extension<Target> = {
  name: 'MASQUERADE',
  options: [opt('to-ports', 1), opt('random', 0), opt('random-fully', 0)],
  create(env: ParseEnv) {
    let port: number | null = null;
    let random = false;
    let randomFully = false;
    return {
      option(name, args) {
        if (name === 'to-ports') port = parseSinglePort(args[0]!, env, '--to-ports');
        else if (name === 'random') random = true;
        else randomFully = true;
      },
      finish(rule) {
        if (port !== null) needPortProto(rule, env, 'MASQUERADE');
        return { kind: 'MASQUERADE', port, random, randomFully };
      },
    };
  },
};

// ---- MARK ------------------------------------------------------------------------------

const markTarget: Extension<Target> = {
  name: 'MARK',
  options: [opt('set-xmark', 1), opt('set-mark', 1), opt('and-mark', 1), opt('or-mark', 1), opt('xor-mark', 1)],
  create(env: ParseEnv) {
    let result: { value: number; mask: number } | null = null;
    return {
      option(name, args) {
        if (result) env.fail('MARK target: Can only specify one of --set-xmark, --set-mark, --and-mark, --or-mark, --xor-mark');
        const arg = args[0]!;
        const bits = (): number => {
          const v = parseUnsigned(arg, 0xffffffff);
          if (v === null) env.fail(`MARK: bad value "${arg}" for --${name}`);
          return v;
        };
        // Everything becomes xmark form (mark = (mark & ~mask) ^ value), as libxt_MARK stores it.
        switch (name) {
          case 'set-xmark':
            result = parseMarkMask(arg, env, '--set-xmark');
            return;
          case 'set-mark': {
            const { value, mask } = parseMarkMask(arg, env, '--set-mark');
            result = { value, mask: (mask | value) >>> 0 };
            return;
          }
          case 'and-mark':
            result = { value: 0, mask: ~bits() >>> 0 };
            return;
          case 'or-mark': {
            const b = bits();
            result = { value: b, mask: b };
            return;
          }
          default:
            result = { value: bits(), mask: 0 };
        }
      },
      finish() {
        if (!result) env.fail('MARK target: Parameter --set/and/or-mark is required');
        return { kind: 'MARK', value: result.value, mask: result.mask };
      },
    };
  },
};

// ---- LOG -------------------------------------------------------------------------------

const LOG_LEVELS = ['emerg', 'alert', 'crit', 'error', 'warning', 'notice', 'info', 'debug'];

const log: Extension<Target> = {
  name: 'LOG',
  options: [opt('log-level', 1), opt('log-prefix', 1), ...LOG_FLAGS.map((f) => opt(f, 0))],
  create(env: ParseEnv) {
    let prefix: string | null = null;
    let level = 4;
    const flags = new Set<LogFlag>();
    return {
      option(name, args) {
        if (name === 'log-prefix') {
          // The kernel keeps 29 characters plus the NUL.
          if (args[0]!.length > 29) env.fail('Maximum prefix length 29 for --log-prefix');
          prefix = args[0]!;
        } else if (name === 'log-level') {
          const named = LOG_LEVELS.indexOf(args[0]!.toLowerCase());
          const n = named >= 0 ? named : parseUnsigned(args[0]!, 7);
          if (n === null) env.fail(`log-level \`${args[0]}' unknown`);
          level = n;
        } else flags.add(name as LogFlag);
      },
      finish: () => ({ kind: 'LOG', prefix, level, flags: LOG_FLAGS.filter((f) => flags.has(f)) }),
    };
  },
};

// ---- CT --notrack ----------------------------------------------------------------------

const ct: Extension<Target> = {
  name: 'CT',
  options: [opt('notrack', 0)],
  create(env: ParseEnv) {
    let notrack = false;
    return {
      option() {
        notrack = true;
      },
      finish() {
        if (!notrack) env.fail('CT target: netsim supports only `--notrack\'');
        return { kind: 'NOTRACK' };
      },
    };
  },
};

/** Target extensions by the name `-j` takes; any other name is a user chain. */
export const TARGETS: ReadonlyMap<string, Extension<Target>> = new Map(
  [
    noOptions('ACCEPT'),
    noOptions('DROP'),
    noOptions('RETURN'),
    noOptions('NOTRACK'),
    reject,
    dnat(),
    snat(),
    masquerade,
    markTarget,
    log,
    ct,
  ].map((t) => [t.name, t] as const),
);

/** Real iptables targets netsim does not model: named so the error says so instead of "no such chain". */
export const UNSUPPORTED_TARGETS: ReadonlySet<string> = new Set([
  'QUEUE', 'NFQUEUE', 'NFLOG', 'ULOG', 'TPROXY', 'CONNMARK', 'CONNSECMARK', 'SECMARK', 'TCPMSS',
  'TOS', 'DSCP', 'TTL', 'HL', 'CLASSIFY', 'REDIRECT', 'NETMAP', 'TRACE', 'AUDIT', 'CHECKSUM',
  'CLUSTERIP', 'ECN', 'HMARK', 'IDLETIMER', 'LED', 'RATEEST', 'SET', 'SYNPROXY', 'TEE', 'TCPOPTSTRIP',
]);

