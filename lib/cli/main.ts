// netsim's command line: parses flags, dispatches to a command, and turns every failure into
// a clear message and an exit code (0 ok, 1 a check failed, 2 invalid input).
import { parseArgs } from 'node:util';
import { ExitCode, UsageError, isStatusError } from '../api/errors.js';
import { ScenarioError } from '../scenario/load.js';
import { BENCH_OPTIONS, benchCommand } from './bench.js';
import { dnsCommand } from './dns.js';
import { getCommand } from './get.js';
import { rulesCommand } from './rules.js';
import { runCommand } from './run.js';
import { traceCommand } from './trace.js';

export interface CommandIO {
  out: (s: string) => void;
  err: (s: string) => void;
}

interface CommandSpec {
  summary: string;
  usage: string;
  options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean; help: string }>;
  run(args: { values: Record<string, unknown>; positionals: string[] }, io: CommandIO): Promise<number>;
}

const COMMON = {
  json: { type: 'boolean', help: 'machine-readable output on stdout (nothing else on stdout)' },
  debug: { type: 'boolean', help: 'show stack traces for unexpected errors' },
  help: { type: 'boolean', short: 'h', help: 'show help for this command' },
} as const;

/** Flags of every command that reads a scenario. */
const SCENARIO = {
  filename: { type: 'string', short: 'f', help: 'scenario file' },
  at: { type: 'string', help: 'use the state at this simulated time of the timeline (e.g. 90s)' },
  'allow-unknown': { type: 'boolean', help: 'ignore objects of kinds netsim does not model' },
} as const;

const COMMANDS: Record<string, CommandSpec> = {
  run: {
    summary: 'load a scenario, reconcile to a steady state, play the timeline, evaluate the checks',
    usage: 'netsim run FILE [--json] [--allow-unknown]',
    options: { ...COMMON, 'allow-unknown': SCENARIO['allow-unknown'] },
    run: (a, io) => runCommand(a, io),
  },
  get: {
    summary: 'kubectl-like view of the converged state',
    usage: 'netsim get KIND [NAME] -f FILE [-n NS | -A] [-o wide|yaml|json] [--at TIME]',
    options: {
      ...COMMON,
      ...SCENARIO,
      namespace: { type: 'string', short: 'n', help: 'namespace (default: default)' },
      'all-namespaces': { type: 'boolean', short: 'A', help: 'list across all namespaces' },
      output: { type: 'string', short: 'o', help: 'wide | yaml | json | name' },
      selector: { type: 'string', short: 'l', help: 'label selector, e.g. app=redis,tier!=frontend' },
    },
    run: (a, io) => getCommand(a, io),
  },
  trace: {
    summary: 'follow one connection hop by hop: namespaces, routes, chains, NAT, every backend with its probability',
    usage: 'netsim trace -f FILE --from SRC --to DST [--via NODE] [--proto tcp|udp|sctp] [--at TIME] [--json]',
    options: {
      ...COMMON,
      ...SCENARIO,
      from: { type: 'string', help: 'source: pod/NAME, pod/NS/NAME, pod/PREFIX*, pod:SELECTOR, node/NAME, ip/ADDR, external/ADDR' },
      to: { type: 'string', help: 'destination: service/NS/NAME:PORT, NAME[.NS…]:PORT (resolved as the pod would), ADDR:PORT[/proto]' },
      via: { type: 'string', help: 'the node where an ip/… or external/… source enters' },
      proto: { type: 'string', help: 'tcp (default), udp or sctp' },
    },
    run: (a, io) => traceCommand(a, io),
  },
  rules: {
    summary: 'the rules the service proxy would program on a node, in the real tool\'s text format',
    usage: 'netsim rules -f FILE --node NODE [--format iptables-save] [--at TIME]',
    options: {
      ...COMMON,
      ...SCENARIO,
      node: { type: 'string', help: 'the node whose rules to print' },
      format: { type: 'string', help: 'iptables-save (default); ipvsadm and nft come with those proxy modes' },
    },
    run: (a, io) => rulesCommand(a, io),
  },
  bench: {
    summary: 'run a benchmark scenario (benchmark: kind dns): print its table, write report.json and plots',
    usage: 'netsim bench FILE [--json] [-o DIR] [--duration D] [--rate N] [--allow-unknown]',
    options: { ...COMMON, ...BENCH_OPTIONS },
    run: (a, io) => benchCommand(a, io),
  },
  dns: {
    summary: 'serve the cluster DNS over UDP and TCP, or resolve a name as a pod would',
    usage: 'netsim dns serve -f FILE [--host 127.0.0.1] [--port 5353] [--at TIME]\n       netsim dns query -f FILE --from SRC NAME [TYPE] [--resolver glibc|musl]',
    options: {
      ...COMMON,
      ...SCENARIO,
      host: { type: 'string', help: 'serve: address to bind (default 127.0.0.1; loopback unless you say otherwise)' },
      port: { type: 'string', help: 'serve: UDP and TCP port (default 5353; 0 picks a free one)' },
      from: { type: 'string', help: 'query: the pod that asks (pod/NAME, pod/NS/NAME, pod/PREFIX*, pod:SELECTOR)' },
      resolver: { type: 'string', help: 'query: the pod\'s libc: glibc (default) or musl (Alpine)' },
    },
    run: (a, io) => dnsCommand(a, io),
  },
};

function mainHelp(): string {
  const lines = [
    'netsim — a Kubernetes networking and service-routing simulator',
    '',
    'Usage: netsim COMMAND [flags]',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([n, c]) => `  ${n.padEnd(8)} ${c.summary}`),
    '',
    'Run `netsim COMMAND --help` for the flags of a command.',
    'Exit codes: 0 success, 1 a check failed, 2 invalid input.',
  ];
  return lines.join('\n');
}

function commandHelp(name: string, c: CommandSpec): string {
  const flags = Object.entries(c.options).map(([k, o]) => {
    const names = `${o.short ? `-${o.short}, ` : '    '}--${k}${o.type === 'string' ? ' VALUE' : ''}`;
    return `  ${names.padEnd(28)} ${o.help}`;
  });
  return [`netsim ${name} — ${c.summary}`, '', `Usage: ${c.usage}`, '', 'Flags:', ...flags].join('\n');
}

/** Runs netsim with `argv` (without node and script); returns the exit code. */
export async function main(argv: string[], io: CommandIO = defaultIO): Promise<number> {
  const debug = argv.includes('--debug');
  try {
    const [name, ...rest] = argv;
    if (!name || name === '--help' || name === '-h' || name === 'help') {
      io.out(mainHelp());
      return name ? ExitCode.OK : ExitCode.INVALID_INPUT;
    }
    const cmd = COMMANDS[name];
    if (!cmd) throw new UsageError(`unknown command "${name}"; run \`netsim --help\` for the list`);
    let parsed: { values: Record<string, unknown>; positionals: string[] };
    try {
      parsed = parseArgs({ args: rest, options: cmd.options, allowPositionals: true, strict: true }) as typeof parsed;
    } catch (e) {
      const msg = (e as Error).message.replace(/\. To specify a positional argument.*$/, '');
      const unknown = /^Unknown option '([^']+)'/.exec(msg);
      throw new UsageError(`${unknown ? `unknown flag: ${unknown[1]}` : msg}\nUsage: ${cmd.usage}`);
    }
    // `-o=name`, as kubectl accepts it: node's parser leaves the '=' on short options' values.
    for (const [k, v] of Object.entries(parsed.values)) if (typeof v === 'string' && v.startsWith('=')) parsed.values[k] = v.slice(1);
    if (parsed.values.help) {
      io.out(commandHelp(name, cmd));
      return ExitCode.OK;
    }
    return await cmd.run(parsed, io);
  } catch (e) {
    return reportError(e, io, debug);
  }
}

function reportError(e: unknown, io: CommandIO, debug: boolean): number {
  if (e instanceof ScenarioError) {
    io.err(`error: the scenario has ${e.problems.length} problem${e.problems.length === 1 ? '' : 's'}:`);
    for (const p of e.problems) io.err(`  ${p}`);
    return ExitCode.INVALID_INPUT;
  }
  if (e instanceof UsageError || (isStatusError(e) && e.userError)) {
    io.err(`error: ${(e as Error).message}`);
    if (debug && e instanceof Error && e.stack) io.err(e.stack);
    return ExitCode.INVALID_INPUT;
  }
  // A netsim bug: say so plainly; the stack only with --debug.
  io.err(`error: internal error: ${e instanceof Error ? e.message : String(e)} (this is a netsim bug; rerun with --debug for details)`);
  if (debug && e instanceof Error && e.stack) io.err(e.stack);
  return ExitCode.INVALID_INPUT;
}

const defaultIO: CommandIO = {
  out: (s) => process.stdout.write(`${s}\n`),
  err: (s) => process.stderr.write(`${s}\n`),
};
