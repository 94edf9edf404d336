// `netsim dns serve` (the cluster DNS on a real socket) and `netsim dns query` (a pod's
// resolver walk against it).
import { ExitCode, UsageError } from '../api/errors.js';
import type { Pod } from '../api/types.js';
import { isIP } from 'node:net';
import { formatRR } from '../../dns/kubernetes.js';
import { formatResolvConf } from '../../dns/resolvconf.js';
import { startDnsServer } from '../../dns/server.js';
import { findPod, parseAddress } from '../sim/address.js';
import { clusterZoneOf, podResolvConfOf, resolveFromPod } from '../sim/dnsview.js';
import type { CommandIO } from './main.js';
import { type Args, simulationFor } from './simulate.js';

/** Query types the cluster DNS answers, plus getaddrinfo's A+AAAA. */
const QUERY_TYPES = ['A', 'AAAA', 'A+AAAA', 'SRV', 'PTR', 'TXT', 'SOA', 'NS', 'CNAME', 'ANY', 'MX'];

function isValidQueryName(name: string): boolean {
  const bare = name.replace(/\.$/, '');
  if (bare.length === 0 || bare.length > 253) return false;
  return bare.split('.').every((l) => /^[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/.test(l));
}

export async function dnsCommand(a: Args, io: CommandIO): Promise<number> {
  const [sub, ...rest] = a.positionals;
  if (sub === 'serve') return serve({ ...a, positionals: rest }, io);
  if (sub === 'query') return query({ ...a, positionals: rest }, io);
  throw new UsageError(sub ? `unknown dns subcommand "${sub}"; use serve or query` : 'dns needs a subcommand: serve or query');
}

async function serve(a: Args, io: CommandIO): Promise<number> {
  if (a.positionals.length) throw new UsageError(`unexpected arguments: ${a.positionals.join(' ')}`);
  const host = (a.values.host as string | undefined) ?? '127.0.0.1';
  const portText = (a.values.port as string | undefined) ?? '5353';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port: invalid port ${JSON.stringify(portText)}`);
  const sim = await simulationFor(a, 'dns');
  const zone = await clusterZoneOf(sim);
  const forward = sim.scenario.cluster.dns.upstream.forward;
  let server: Awaited<ReturnType<typeof startDnsServer>>;
  try {
    // Errors the server survives are worth a line once it serves; a failed bind is reported below.
    let listening = false;
    server = await startDnsServer(zone, { host, port, forward, onError: (e) => listening && io.err(`dns: ${e.message}`) });
    listening = true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot listen on ${host}:${port}: ${code === 'EADDRINUSE' ? 'address already in use' : code === 'EADDRNOTAVAIL' ? 'address not available on this machine' : (e as Error).message}`);
  }
  const c = sim.scenario.cluster;
  const where = `${server.host}:${server.udpPort}`;
  if (a.values.json) io.out(JSON.stringify({ host: server.host, udpPort: server.udpPort, tcpPort: server.tcpPort, zone: c.dnsDomain, dnsServiceIP: c.dnsServiceIP }));
  else io.out(`serving the cluster DNS of ${sim.scenario.name} (zone ${c.dnsDomain}) on ${where} udp and tcp; try: dig @${server.host} -p ${server.udpPort} kubernetes.default.svc.${c.dnsDomain}`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await server.close();
  return ExitCode.OK;
}

async function query(a: Args, io: CommandIO): Promise<number> {
  const [name, type = 'A', ...extra] = a.positionals;
  if (!name) throw new UsageError('dns query needs a name: netsim dns query -f FILE --from SRC NAME [TYPE]');
  if (extra.length) throw new UsageError(`unexpected arguments: ${extra.join(' ')}`);
  const from = a.values.from as string | undefined;
  if (!from) throw new UsageError('dns query needs the pod that asks: --from pod/NAME');
  const qtype = type.toUpperCase();
  if (!QUERY_TYPES.includes(qtype)) throw new UsageError(`unsupported query type ${JSON.stringify(type)}; use one of ${QUERY_TYPES.join(', ')}`);
  if (!isValidQueryName(name)) throw new UsageError(`invalid name ${JSON.stringify(name)}: labels are 1-63 characters of letters, digits, '-' and '_', at most 253 in all`);
  const resolver = (a.values.resolver as string | undefined) ?? 'glibc';
  if (resolver !== 'glibc' && resolver !== 'musl') throw new UsageError(`--resolver: unsupported value ${JSON.stringify(resolver)}: use glibc or musl`);
  const sim = await simulationFor(a, 'dns');
  const pod: Pod = await findPod(sim.api, parseAddress(from));
  const zone = await clusterZoneOf(sim);
  const rc = podResolvConfOf(sim, pod);
  // As getaddrinfo: an address literal is answered without asking any nameserver.
  if (isIP(name)) {
    if (a.values.json) io.out(JSON.stringify({ queries: [], final: null, resolvConf: rc }));
    else io.out(`${name} is an address literal: the resolver answers it without a DNS query`);
    return ExitCode.OK;
  }
  const walk = resolveFromPod(sim, zone, pod, name, qtype, resolver);
  if (a.values.json) {
    io.out(JSON.stringify({ queries: walk.queries, final: walk.final, resolvConf: rc }));
  } else {
    io.out(`pod ${pod.metadata.namespace}/${pod.metadata.name} (${resolver}), /etc/resolv.conf as the kubelet wrote it:`);
    for (const line of formatResolvConf(rc).trimEnd().split('\n')) io.out(`  ${line}`);
    io.out(`looks up ${name} ${qtype}, asking ${rc.nameservers[0] ?? 'no nameserver'}:`);
    walk.queries.forEach((q, i) => {
      io.out(`  ${i + 1}. ${q.name} ${q.type} -> ${q.rcode}${q.answers.length ? '' : q.rcode === 'NOERROR' ? ' (no data)' : ''}`);
      for (const r of q.answers) io.out(`       ${formatRR({ ...r, class: 'IN' })}`);
    });
    io.out(`result: ${walk.status}${walk.resolvedName ? ` (${walk.resolvedName})` : ''} after ${walk.queryCount} quer${walk.queryCount === 1 ? 'y' : 'ies'}`);
  }
  // A name that does not resolve is an answer, not a failure of the command.
  return ExitCode.OK;
}
