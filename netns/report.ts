// A trace as spec §6 JSON (`from, to, protocol, node, verdict, outcomes[], hops[]`, plus
// extra fields) and as a story for people: every step of each path, then the outcome table.
import { renderTable } from '../lib/cli/table.js';
import { formatConntrackEntry } from './conntrack.js';
import { formatAddress } from './netfilter/address.js';
import type { TraceHop, TraceOutcome, TraceResult, TraceVerdict } from './trace.js';

export interface HopJSON {
  node: string;
  netns: string;
  table: string;
  chain: string;
  rule: string;
  action: string;
  kind: string;
  hook?: string;
  probability?: number;
}

export interface OutcomeJSON {
  endpoint?: string;
  pod?: string;
  node: string;
  probability: number;
  masquerade: boolean;
  sourceAddress: string;
  verdict: TraceVerdict;
  reason: string;
  entryNode?: string;
  affinity?: { sticky: boolean; lists: string[] };
  conntrack: { node: string; entry: string }[];
  reply?: { reachesClient: boolean; source: string; reason: string; hops: HopJSON[] };
  hops: HopJSON[];
}

/** Spec §6's trace object; fields after `hops` are netsim's additions. */
export interface TraceJSON {
  from: string;
  to: string;
  protocol: string;
  node: string;
  verdict: TraceVerdict;
  outcomes: OutcomeJSON[];
  hops: HopJSON[];
  sourcePort: number;
  /** Present when outcomes end differently: total probability per verdict. */
  verdicts?: Partial<Record<TraceVerdict, number>>;
}

const VERDICT_ORDER: readonly TraceVerdict[] = ['ACCEPT', 'REJECT', 'DROP', 'NO_ROUTE'];

/** The verdict of a whole trace: the one all outcomes share, else the most likely (ties in ACCEPT, REJECT, DROP, NO_ROUTE order). */
export function overallVerdict(outcomes: readonly TraceOutcome[]): TraceVerdict {
  const total = verdictTotals(outcomes);
  let best: TraceVerdict = 'NO_ROUTE';
  let bestP = -1;
  for (const v of VERDICT_ORDER) {
    const p = total[v] ?? -1;
    if (p > bestP + 1e-12) {
      best = v;
      bestP = p;
    }
  }
  return best;
}

function verdictTotals(outcomes: readonly TraceOutcome[]): Partial<Record<TraceVerdict, number>> {
  const total: Partial<Record<TraceVerdict, number>> = {};
  for (const o of outcomes) total[o.verdict] = (total[o.verdict] ?? 0) + o.probability;
  return total;
}

function hopJSON(h: TraceHop): HopJSON {
  return {
    node: h.node,
    netns: h.netns,
    table: h.table,
    chain: h.chain,
    rule: h.rule,
    action: h.action,
    kind: h.kind,
    ...(h.hook ? { hook: h.hook } : {}),
    ...(h.probability !== undefined ? { probability: h.probability } : {}),
  };
}

const ipPort = (ip: number, port: number) => `${formatAddress(ip)}:${port}`;

function outcomeJSON(o: TraceOutcome): OutcomeJSON {
  return {
    ...(o.endpoint ? { endpoint: ipPort(o.endpoint.ip, o.endpoint.port) } : {}),
    ...(o.pod ? { pod: o.pod.key } : {}),
    node: o.node,
    probability: o.probability,
    masquerade: o.masquerade,
    sourceAddress: formatAddress(o.sourceAddress),
    verdict: o.verdict,
    reason: o.reason,
    ...(o.entryNode ? { entryNode: o.entryNode } : {}),
    ...(o.affinity ? { affinity: { sticky: o.affinity.sticky, lists: [...o.affinity.lists] } } : {}),
    conntrack: o.conntrack.map((c) => ({ node: c.node, entry: formatConntrackEntry(c.entry) })),
    ...(o.reply ? { reply: { reachesClient: o.reply.reachesClient, source: o.reply.source, reason: o.reply.reason, hops: o.reply.hops.map(hopJSON) } } : {}),
    hops: o.hops.map(hopJSON),
  };
}

/** The trace in spec §6's shape. Top-level `hops` are those of the first outcome. */
export function traceJSON(r: TraceResult): TraceJSON {
  const totals = verdictTotals(r.outcomes);
  return {
    from: formatAddress(r.src),
    to: ipPort(r.request.dst, r.request.dport),
    protocol: r.protocol.toUpperCase(),
    node: r.node,
    verdict: overallVerdict(r.outcomes),
    outcomes: r.outcomes.map(outcomeJSON),
    hops: (r.outcomes[0]?.hops ?? []).map(hopJSON),
    sourcePort: r.sport,
    ...(Object.keys(totals).length > 1 ? { verdicts: totals } : {}),
  };
}

/** A probability for people: at most 6 significant digits. */
export function formatProbability(p: number): string {
  return String(Number(p.toPrecision(6)));
}

function hopLabel(h: TraceHop): string {
  if (h.kind === 'rule') return `${h.table} ${h.chain}`;
  if (h.kind === 'route') return `route (${h.table})`;
  return h.kind;
}

function hopText(h: TraceHop): string {
  if (h.kind === 'rule') return `${h.rule}\n→ ${h.action}`;
  if (h.kind === 'route') return `${h.action}   [${h.rule}]`;
  if (h.kind === 'conntrack') return `${h.action}\n${h.rule}`;
  return h.action;
}

function placeOf(h: TraceHop): string {
  if (h.netns === 'root') return `${h.node}, root namespace`;
  if (h.netns.startsWith('pod/')) return `${h.node}, pod ${h.netns.slice(4)}`;
  if (h.netns === 'cloud-lb') return 'cloud load balancer';
  if (h.netns === 'upstream') return 'upstream network';
  return h.node ? `${h.node}, ${h.netns}` : 'outside the cluster';
}

/** Hops grouped under a `[place]` line whenever the node or namespace changes. */
function hopLines(hops: readonly TraceHop[], indent: string): string[] {
  const lines: string[] = [];
  let place = '';
  for (const h of hops) {
    const p = placeOf(h);
    if (p !== place) {
      lines.push(`${indent}[${p}]`);
      place = p;
    }
    const head = `${indent}  ${hopLabel(h).padEnd(30)} `;
    const [first, ...rest] = hopText(h).split('\n');
    lines.push(`${head}${first}`);
    for (const r of rest) lines.push(`${' '.repeat(head.length)}${r}`);
  }
  return lines;
}

function sameHop(a: TraceHop, b: TraceHop): boolean {
  return a.node === b.node && a.netns === b.netns && a.kind === b.kind && a.table === b.table && a.chain === b.chain && a.rule === b.rule && a.action === b.action;
}

function outcomeTitle(o: TraceOutcome): string {
  const where = o.endpoint ? `${ipPort(o.endpoint.ip, o.endpoint.port)}${o.pod ? ` (pod ${o.pod.key}${o.node ? ` on ${o.node}` : ''})` : o.node ? ` on ${o.node}` : ''}` : o.reason;
  return `${o.verdict} ${where}, probability ${formatProbability(o.probability)}`;
}

/** The trace as people read it: the connection, each outcome's path (shared steps once), the table. */
export function traceStory(r: TraceResult, labels: { from: string; to: string }): string {
  const out: string[] = [];
  const req = r.request;
  out.push(`trace ${r.protocol.toUpperCase()} ${ipPort(r.src, r.sport)} → ${ipPort(req.dst, req.dport)}`);
  out.push(`  from  ${labels.from}`);
  out.push(`  to    ${labels.to}`);
  const n = r.outcomes.length;
  r.outcomes.forEach((o, i) => {
    out.push('');
    out.push(`outcome ${i + 1} of ${n}: ${outcomeTitle(o)}`);
    let skip = 0;
    if (i > 0) {
      const prev = r.outcomes[i - 1]!.hops;
      while (skip < prev.length && skip < o.hops.length && sameHop(prev[skip]!, o.hops[skip]!)) skip++;
      if (skip > 0) out.push(`  … the first ${skip} step${skip === 1 ? '' : 's'} as in outcome ${i}`);
    }
    out.push(...hopLines(o.hops.slice(skip), '  '));
    if (o.affinity) {
      out.push(`  session affinity: recent list ${o.affinity.lists.join(', ')} now holds the client; a new connection ${o.affinity.sticky ? 'goes to the same endpoint' : 'may go elsewhere'}`);
    }
    if (o.reply) {
      out.push(`  reply (${o.reply.reachesClient ? 'reaches the client' : 'does NOT reach the client as a reply'}): ${o.reply.reason}`);
      out.push(...hopLines(o.reply.hops, '    '));
    }
  });
  out.push('');
  const rows = r.outcomes.map((o) => [
    formatProbability(o.probability),
    o.verdict,
    o.endpoint ? ipPort(o.endpoint.ip, o.endpoint.port) : '-',
    o.pod ? o.pod.key : '-',
    o.node || '-',
    o.masquerade ? 'yes' : 'no',
    formatAddress(o.sourceAddress),
  ]);
  out.push(renderTable(['PROBABILITY', 'VERDICT', 'ENDPOINT', 'POD', 'NODE', 'MASQUERADE', 'SOURCE SEEN'], rows));
  return out.join('\n');
}
