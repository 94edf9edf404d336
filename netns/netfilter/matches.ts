// Match extensions (`-m NAME`) netsim understands: their options, defaults and final checks,
// following the iptables extension libraries (libxt_tcp, libxt_multiport, libxt_recent, ...).

import { parseAddress, prefixMask } from './address.js';
import {
  type Extension,
  type ExtensionBuilder,
  type OptionSpec,
  type ParseEnv,
  parseMarkMask,
  parsePortRange,
  parseUnsigned,
} from './options.js';
import {
  ADDR_TYPES,
  type AddrType,
  type AddrTypeSpec,
  type ConntrackMatch,
  type CtState,
  type Match,
  type PortRange,
  type PortSpec,
  type TcpFlags,
} from './ruleset.js';

const opt = (name: string, args: 0 | 1 | 2, invert: boolean): OptionSpec => ({ name, args, invert });

function once(env: ParseEnv, seen: Set<string>, key: string, option: string): void {
  if (seen.has(key)) env.fail(`multiple ${option} flags not allowed`);
  seen.add(key);
}

// ---- tcp / udp / sctp ------------------------------------------------------------------

const TCP_FLAG_BITS: ReadonlyMap<string, number> = new Map([
  ['FIN', 0x01],
  ['SYN', 0x02],
  ['RST', 0x04],
  ['PSH', 0x08],
  ['ACK', 0x10],
  ['URG', 0x20],
  ['ALL', 0x3f],
  ['NONE', 0],
]);

/** TCP flag bits in the order iptables-save names them. */
export const TCP_FLAG_ORDER: readonly [string, number][] = [
  ['FIN', 0x01],
  ['SYN', 0x02],
  ['RST', 0x04],
  ['PSH', 0x08],
  ['ACK', 0x10],
  ['URG', 0x20],
];

function parseTcpFlagList(text: string, env: ParseEnv): number {
  let bits = 0;
  for (const name of text.split(',')) {
    const b = TCP_FLAG_BITS.get(name.toUpperCase());
    if (b === undefined) env.fail(`Unknown TCP flag \`${name}'`);
    bits |= b;
  }
  return bits;
}

function portMatch(module: 'tcp' | 'udp' | 'sctp', protoNumber: number): Extension<Match> {
  const options: OptionSpec[] = [
    opt('sport', 1, true),
    opt('source-port', 1, true),
    opt('dport', 1, true),
    opt('destination-port', 1, true),
  ];
  if (module === 'tcp') options.push(opt('tcp-flags', 2, true), opt('syn', 0, true), opt('tcp-option', 1, true));
  if (module === 'sctp') options.push(opt('chunk-types', 2, true));
  return {
    name: module,
    options,
    create(env: ParseEnv): ExtensionBuilder<Match> {
      let sport: PortSpec | null = null;
      let dport: PortSpec | null = null;
      let tcpFlags: TcpFlags | null = null;
      const seen = new Set<string>();
      return {
        option(name, args, invert) {
          switch (name) {
            case 'sport':
            case 'source-port':
              once(env, seen, 'sport', '--sport');
              sport = env.intern.portSpec(parsePortRange(args[0]!, env, '--sport'), invert);
              return;
            case 'dport':
            case 'destination-port':
              once(env, seen, 'dport', '--dport');
              dport = env.intern.portSpec(parsePortRange(args[0]!, env, '--dport'), invert);
              return;
            case 'tcp-flags':
              once(env, seen, 'flags', '--tcp-flags');
              tcpFlags = { mask: parseTcpFlagList(args[0]!, env), comp: parseTcpFlagList(args[1]!, env), invert };
              return;
            case 'syn':
              once(env, seen, 'flags', '--tcp-flags');
              tcpFlags = { mask: 0x17, comp: 0x02, invert };
              return;
            default:
              env.fail(`${module} match option --${name} is not supported by netsim`);
          }
        },
        finish(rule) {
          // As x_tables' proto check: the rule must say `-p <proto>` without `!`.
          if (!rule.protocol || rule.protocol.number !== protoNumber || rule.protocol.invert) {
            env.fail(`${module} match: only valid for protocol ${protoNumber} (add \`-p ${module}')`);
          }
          if (tcpFlags || sport) return { module, sport, dport, tcpFlags };
          return env.intern.byPair(dport, module, (): Match => ({ module, sport: null, dport, tcpFlags: null }));
        },
      };
    },
  };
}

// ---- multiport -------------------------------------------------------------------------

const MULTIPORT_PROTOS = new Set([6, 17, 136, 132, 33]);

const multiport: Extension<Match> = {
  name: 'multiport',
  options: [
    opt('sports', 1, true),
    opt('source-ports', 1, true),
    opt('dports', 1, true),
    opt('destination-ports', 1, true),
    opt('ports', 1, true),
  ],
  create(env: ParseEnv) {
    let direction: 'source' | 'destination' | 'both' | null = null;
    let ports: PortRange[] = [];
    let invert = false;
    return {
      option(name, args, inv) {
        if (direction !== null) env.fail('multiport can only have one option');
        direction = name.startsWith('s') ? 'source' : name.startsWith('d') ? 'destination' : 'both';
        invert = inv;
        let slots = 0;
        ports = args[0]!.split(',').map((p) => {
          const range = parsePortRange(p, env, `--${name}`);
          slots += range[0] === range[1] ? 1 : 2;
          return range;
        });
        // XT_MULTI_PORTS: 15 slots, a range takes two.
        if (slots > 15) env.fail('too many ports specified');
      },
      finish(rule) {
        if (direction === null) env.fail('multiport expects an option');
        if (!rule.protocol || !MULTIPORT_PROTOS.has(rule.protocol.number) || rule.protocol.invert) {
          env.fail("multiport needs `-p tcp', `-p udp', `-p udplite', `-p sctp' or `-p dccp'");
        }
        return { module: 'multiport', direction, ports, invert };
      },
    };
  },
};

// ---- comment, nfacct -------------------------------------------------------------------

const comment: Extension<Match> = {
  name: 'comment',
  options: [opt('comment', 1, false)],
  create(env: ParseEnv) {
    let text: string | null = null;
    return {
      option(_name, args) {
        if (text !== null) env.fail('multiple --comment flags not allowed');
        // XT_MAX_COMMENT_LEN is 256 including the terminating NUL.
        if (args[0]!.length > 255) env.fail('--comment: comment is too long (max 255 characters)');
        text = args[0]!;
      },
      finish() {
        if (text === null) env.fail('comment: option "--comment" must be specified');
        return { module: 'comment', comment: text };
      },
    };
  },
};

const nfacct: Extension<Match> = {
  name: 'nfacct',
  options: [opt('nfacct-name', 1, false)],
  create(env: ParseEnv) {
    let name: string | null = null;
    return {
      option(_n, args) {
        name = args[0]!;
      },
      finish() {
        if (name === null) env.fail('nfacct: option "--nfacct-name" must be specified');
        return { module: 'nfacct', name };
      },
    };
  },
};

// ---- addrtype --------------------------------------------------------------------------

function parseAddrTypes(text: string, env: ParseEnv): AddrType[] {
  const types = new Set<AddrType>();
  for (const word of text.split(',')) {
    const t = ADDR_TYPES.find((x) => x === word.toUpperCase());
    if (!t) env.fail(`addrtype: invalid address type \`${word}'`);
    types.add(t);
  }
  return ADDR_TYPES.filter((t) => types.has(t));
}

const addrtype: Extension<Match> = {
  name: 'addrtype',
  options: [opt('src-type', 1, true), opt('dst-type', 1, true), opt('limit-iface-in', 0, false), opt('limit-iface-out', 0, false)],
  create(env: ParseEnv) {
    let srcType: AddrTypeSpec | null = null;
    let dstType: AddrTypeSpec | null = null;
    let limitIfaceIn = false;
    let limitIfaceOut = false;
    return {
      option(name, args, invert) {
        if (name === 'src-type') {
          if (srcType) env.fail('addrtype: can only specify src-type once');
          srcType = { types: parseAddrTypes(args[0]!, env), invert };
        } else if (name === 'dst-type') {
          if (dstType) env.fail('addrtype: can only specify dst-type once');
          dstType = { types: parseAddrTypes(args[0]!, env), invert };
        } else if (name === 'limit-iface-in') limitIfaceIn = true;
        else limitIfaceOut = true;
      },
      finish() {
        if (!srcType && !dstType) env.fail('addrtype: you must specify --src-type or --dst-type');
        if (limitIfaceIn && limitIfaceOut) {
          env.fail('addrtype: you can\'t specify both --limit-iface-in and --limit-iface-out');
        }
        return { module: 'addrtype', srcType, dstType, limitIfaceIn, limitIfaceOut };
      },
    };
  },
};

// ---- statistic -------------------------------------------------------------------------

const statistic: Extension<Match> = {
  name: 'statistic',
  options: [opt('mode', 1, false), opt('probability', 1, true), opt('every', 1, true), opt('packet', 1, false)],
  create(env: ParseEnv) {
    let mode: 'random' | 'nth' | null = null;
    let threshold: number | null = null;
    let every: number | null = null;
    let packet: number | null = null;
    let invert = false;
    return {
      option(name, args, inv) {
        const arg = args[0]!;
        if (inv) invert = true;
        switch (name) {
          case 'mode':
            if (arg !== 'random' && arg !== 'nth') env.fail(`Bad mode "${arg}"`);
            mode = arg;
            return;
          case 'probability': {
            if (every !== null || packet !== null) env.fail('statistic: --probability cannot be used with --every/--packet');
            const p = Number(arg);
            if (arg.trim() === '' || !Number.isFinite(p) || p < 0 || p > 1) {
              env.fail(`statistic: --probability "${arg}" must be a number between 0 and 1`);
            }
            // As libxt_statistic: lround(0x80000000 * p); Math.round differs from lround
            // only for negative halves, which cannot occur here.
            threshold = Math.round(0x80000000 * p);
            return;
          }
          case 'every': {
            if (threshold !== null) env.fail('statistic: --every cannot be used with --probability');
            const n = parseUnsigned(arg, 0xffffffff);
            if (n === null || n < 1) env.fail(`statistic: bad --every "${arg}"`);
            every = n;
            return;
          }
          default: {
            if (threshold !== null) env.fail('statistic: --packet cannot be used with --probability');
            const n = parseUnsigned(arg, 0xffffffff);
            if (n === null) env.fail(`statistic: bad --packet "${arg}"`);
            packet = n;
          }
        }
      },
      finish() {
        if (mode === null) env.fail('statistic: option "--mode" must be specified');
        if (mode === 'random') {
          if (threshold === null) env.fail('--probability must be specified when using random mode');
          return { module: 'statistic', mode, threshold, invert };
        }
        if (every === null) env.fail('--every and --packet must be specified when using nth mode');
        const p = packet ?? 0;
        if (p > every - 1) env.fail('the --packet p must be 0 <= p <= n-1');
        return { module: 'statistic', mode, every, packet: p, invert };
      },
    };
  },
};

// ---- recent ----------------------------------------------------------------------------

const recent: Extension<Match> = {
  name: 'recent',
  options: [
    opt('set', 0, true),
    opt('rcheck', 0, true),
    opt('update', 0, true),
    opt('remove', 0, true),
    opt('seconds', 1, false),
    opt('reap', 0, false),
    opt('hitcount', 1, false),
    opt('rttl', 0, false),
    opt('name', 1, false),
    opt('rsource', 0, false),
    opt('rdest', 0, false),
    opt('mask', 1, false),
  ],
  create(env: ParseEnv) {
    let command: 'set' | 'rcheck' | 'update' | 'remove' | null = null;
    let name = 'DEFAULT';
    let seconds = 0;
    let reap = false;
    let hitcount = 0;
    let side: 'source' | 'dest' = 'source';
    let mask = prefixMask(env.family === 4 ? 32 : 128, env.family);
    let invert = false;
    return {
      option(o, args, inv) {
        switch (o) {
          case 'set':
          case 'rcheck':
          case 'update':
          case 'remove':
            if (command !== null) env.fail("recent: only one of `--set', `--rcheck', `--update' or `--remove' may be given");
            command = o;
            invert = inv;
            return;
          case 'seconds': {
            const n = parseUnsigned(args[0]!, 0xffffffff);
            if (n === null || n < 1) env.fail(`recent: bad --seconds "${args[0]}"`);
            seconds = n;
            return;
          }
          case 'reap':
            reap = true;
            return;
          case 'hitcount': {
            const n = parseUnsigned(args[0]!, 0xffffffff);
            if (n === null) env.fail(`recent: bad --hitcount "${args[0]}"`);
            hitcount = n;
            return;
          }
          case 'rttl':
            env.fail('recent: --rttl is not supported by netsim (packets carry no TTL)');
            return;
          case 'name':
            // XT_RECENT_NAME_LEN is 200 including the NUL.
            if (args[0]!.length === 0 || args[0]!.length > 199) env.fail('recent: --name must be 1 to 199 characters');
            name = args[0]!;
            return;
          case 'rsource':
            side = 'source';
            return;
          case 'rdest':
            side = 'dest';
            return;
          default: {
            const m = parseAddress(args[0]!, env.family);
            if (m === null) env.fail(`recent: bad --mask "${args[0]}"`);
            mask = m;
          }
        }
      },
      finish() {
        if (command === null) env.fail("recent: you must specify one of `--set', `--rcheck' `--update' or `--remove'");
        if (reap && seconds === 0) env.fail('recent: --reap requires --seconds');
        if ((command === 'set' || command === 'remove') && (seconds || hitcount)) {
          // As recent_mt_check: --seconds/--hitcount only make sense for checks.
          env.fail('recent: --seconds and --hitcount cannot be used with --set or --remove');
        }
        // ip_pkt_list_tot defaults to 20 stamps per entry.
        if (hitcount > 20) env.fail('recent: --hitcount larger than the packet list (20)');
        return { module: 'recent', command, name, seconds, reap, hitcount, side, mask, invert };
      },
    };
  },
};

// ---- mark ------------------------------------------------------------------------------

const mark: Extension<Match> = {
  name: 'mark',
  options: [opt('mark', 1, true)],
  create(env: ParseEnv) {
    let m: { value: number; mask: number; invert: boolean } | null = null;
    return {
      option(_n, args, invert) {
        if (m) env.fail('multiple --mark flags not allowed');
        m = { ...parseMarkMask(args[0]!, env, '--mark'), invert };
      },
      finish() {
        if (!m) env.fail('mark match: You must specify `--mark\'');
        return { module: 'mark', ...m };
      },
    };
  },
};

// ---- conntrack / state ------------------------------------------------------------------

function parseStates(text: string, env: ParseEnv, allowNat: boolean): CtState[] {
  const out = new Set<CtState>();
  for (const w of text.split(',')) {
    const s = w.toUpperCase() as CtState;
    const ok = ['INVALID', 'NEW', 'RELATED', 'ESTABLISHED', 'UNTRACKED'].includes(s) || (allowNat && (s === 'SNAT' || s === 'DNAT'));
    if (!ok) env.fail(`Bad ctstate "${w}"`);
    out.add(s);
  }
  return ['INVALID', 'NEW', 'RELATED', 'ESTABLISHED', 'UNTRACKED', 'SNAT', 'DNAT'].filter((s) => out.has(s as CtState)) as CtState[];
}

const CONNTRACK_UNSUPPORTED = [
  'ctproto', 'ctorigsrc', 'ctorigdst', 'ctreplsrc', 'ctrepldst', 'ctorigsrcport',
  'ctorigdstport', 'ctreplsrcport', 'ctrepldstport', 'ctstatus', 'ctexpire', 'ctdir',
];

const conntrack: Extension<Match> = {
  name: 'conntrack',
  options: [opt('ctstate', 1, true), ...CONNTRACK_UNSUPPORTED.map((n) => opt(n, 1, true))],
  create(env: ParseEnv) {
    let m: ConntrackMatch | null = null;
    return {
      option(name, args, invert) {
        if (name !== 'ctstate') env.fail(`conntrack match option --${name} is not supported by netsim`);
        if (m) env.fail('multiple --ctstate flags not allowed');
        m = { module: 'conntrack', states: parseStates(args[0]!, env, true), invert };
      },
      finish() {
        if (!m) env.fail('conntrack: At least one option is required');
        return m;
      },
    };
  },
};

const state: Extension<Match> = {
  name: 'state',
  options: [opt('state', 1, true)],
  create(env: ParseEnv) {
    let m: ConntrackMatch | null = null;
    return {
      option(_n, args, invert) {
        if (m) env.fail('multiple --state flags not allowed');
        m = { module: 'state', states: parseStates(args[0]!, env, false), invert };
      },
      finish() {
        if (!m) env.fail("You must specify `--state'");
        return m;
      },
    };
  },
};

// ---- icmp ------------------------------------------------------------------------------

const ICMP_TYPES: ReadonlyMap<string, [number, number, number]> = new Map([
  ['any', [255, 0, 255]],
  ['echo-reply', [0, 0, 255]],
  ['pong', [0, 0, 255]],
  ['destination-unreachable', [3, 0, 255]],
  ['network-unreachable', [3, 0, 0]],
  ['host-unreachable', [3, 1, 1]],
  ['protocol-unreachable', [3, 2, 2]],
  ['port-unreachable', [3, 3, 3]],
  ['fragmentation-needed', [3, 4, 4]],
  ['source-quench', [4, 0, 255]],
  ['redirect', [5, 0, 255]],
  ['echo-request', [8, 0, 255]],
  ['ping', [8, 0, 255]],
  ['router-advertisement', [9, 0, 255]],
  ['router-solicitation', [10, 0, 255]],
  ['time-exceeded', [11, 0, 255]],
  ['ttl-exceeded', [11, 0, 255]],
  ['parameter-problem', [12, 0, 255]],
  ['timestamp-request', [13, 0, 255]],
  ['timestamp-reply', [14, 0, 255]],
]);

const ICMP6_TYPES: ReadonlyMap<string, [number, number, number]> = new Map([
  ['destination-unreachable', [1, 0, 255]],
  ['no-route', [1, 0, 0]],
  ['port-unreachable', [1, 4, 4]],
  ['packet-too-big', [2, 0, 255]],
  ['time-exceeded', [3, 0, 255]],
  ['parameter-problem', [4, 0, 255]],
  ['echo-request', [128, 0, 255]],
  ['ping', [128, 0, 255]],
  ['echo-reply', [129, 0, 255]],
  ['pong', [129, 0, 255]],
  ['router-solicitation', [133, 0, 255]],
  ['router-advertisement', [134, 0, 255]],
  ['neighbour-solicitation', [135, 0, 255]],
  ['neighbor-solicitation', [135, 0, 255]],
  ['neighbour-advertisement', [136, 0, 255]],
  ['neighbor-advertisement', [136, 0, 255]],
]);

function icmpMatch(module: 'icmp' | 'icmp6', protoNumber: number): Extension<Match> {
  const optName = module === 'icmp' ? 'icmp-type' : 'icmpv6-type';
  const names = module === 'icmp' ? ICMP_TYPES : ICMP6_TYPES;
  return {
    name: module,
    options: [opt(optName, 1, true)],
    create(env: ParseEnv) {
      let m: { type: number; codeMin: number; codeMax: number; invert: boolean } | null = null;
      return {
        option(_n, args, invert) {
          const arg = args[0]!;
          const named = names.get(arg.toLowerCase());
          if (named) {
            m = { type: named[0], codeMin: named[1], codeMax: named[2], invert };
            return;
          }
          const [t, c] = arg.split('/');
          const type = parseUnsigned(t!, 255);
          const code = c === undefined ? null : parseUnsigned(c, 255);
          if (type === null || (c !== undefined && code === null)) env.fail(`Invalid ICMP type \`${arg}'`);
          m = code === null ? { type, codeMin: 0, codeMax: 255, invert } : { type, codeMin: code, codeMax: code, invert };
        },
        finish(rule) {
          if (!m) env.fail(`${module}: option "--${optName}" must be specified`);
          if (!rule.protocol || rule.protocol.number !== protoNumber || rule.protocol.invert) {
            env.fail(`${module} match: only valid for protocol ${protoNumber}`);
          }
          return { module, ...m };
        },
      };
    },
  };
}

/** Match extensions by the name `-m` takes. */
export const MATCHES: ReadonlyMap<string, Extension<Match>> = new Map(
  [
    portMatch('tcp', 6),
    portMatch('udp', 17),
    portMatch('sctp', 132),
    multiport,
    comment,
    nfacct,
    addrtype,
    statistic,
    recent,
    mark,
    conntrack,
    state,
    icmpMatch('icmp', 1),
    icmpMatch('icmp6', 58),
  ].map((m) => [m.name, m] as const),
);

