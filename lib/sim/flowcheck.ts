// Flow checks of `netsim run` (spec §5): trace the flow in the simulation's current state and
// compare the verdict, the SET of possible backends and masquerading with what is expected.
// `actual` is the trace's §6 JSON.
import { isStatusError, UsageError } from '../api/errors.js';
import type { CheckResult } from '../cli/run.js';
import type { Check } from '../scenario/types.js';
import type { OutcomeJSON, TraceJSON } from '../../netns/report.js';
import { parseIPv4 } from '../../netns/netfilter/address.js';
import { parseAddress } from './address.js';
import { type FlowSpec, parseProtocol, traceFlow } from './flowtrace.js';
import type { Simulation } from './simulation.js';

const VERDICTS = ['ACCEPT', 'REJECT', 'DROP', 'NO_ROUTE'];
const SPEC_KEYS = new Set(['from', 'to', 'via', 'proto']);
/** §5's expectations, plus netsim's `sourceAddress` (what every backend sees) and `sticky` (ClientIP affinity holds). */
const EXPECT_KEYS = new Set(['verdict', 'endpoints', 'masquerade', 'sourceAddress', 'sticky']);

/** A flow check's result; `reasons` says what differed. */
export type FlowCheckResult = CheckResult & { reasons: string[] };

/** What is wrong with a flow check as written (field paths as in the scenario file); [] when it is fine. */
export function flowCheckProblems(check: Check): string[] {
  const at = (p: string) => `${check.origin.path ? `${check.origin.path}.` : ''}${p}`;
  const out: string[] = [];
  const s = check.spec;
  for (const k of Object.keys(s)) if (!SPEC_KEYS.has(k)) out.push(`${at(`flow.${k}`)}: Unsupported value: must be one of from, to, via, proto`);
  for (const k of ['from', 'to'] as const) {
    if (typeof s[k] !== 'string' || s[k] === '') out.push(`${at(`flow.${k}`)}: Required value`);
    else {
      try {
        // `pod/…:PORT` and `node/…:PORT` destinations carry a port netsim adds to §2.
        parseAddress(k === 'to' ? (s[k] as string).replace(/^((?:pod|node)\/[^:]+):\d+(?:\/(?:tcp|udp|sctp))?$/i, '$1') : (s[k] as string));
      } catch (e) {
        out.push(`${at(`flow.${k}`)}: Invalid value: ${JSON.stringify(s[k])}: ${(e as Error).message}`);
      }
    }
  }
  if (s.via !== undefined && typeof s.via !== 'string') out.push(`${at('flow.via')}: Invalid value: must be a node name`);
  if (s.proto !== undefined) {
    try {
      parseProtocol(String(s.proto));
    } catch {
      out.push(`${at('flow.proto')}: Unsupported value: ${JSON.stringify(s.proto)}: supported values: "tcp", "udp", "sctp"`);
    }
  }
  const e = check.expect;
  for (const k of Object.keys(e)) if (!EXPECT_KEYS.has(k)) out.push(`${at(`expect.${k}`)}: Unsupported value: a flow check expects verdict, endpoints, masquerade, sourceAddress or sticky`);
  if (e.verdict !== undefined && !VERDICTS.includes(String(e.verdict).toUpperCase())) {
    out.push(`${at('expect.verdict')}: Unsupported value: ${JSON.stringify(e.verdict)}: supported values: ${VERDICTS.map((v) => `"${v}"`).join(', ')}`);
  }
  if (e.endpoints !== undefined) {
    if (!Array.isArray(e.endpoints)) out.push(`${at('expect.endpoints')}: Invalid value: must be a list of pod/… or ADDR:PORT`);
    else e.endpoints.forEach((p, i) => {
      if (typeof p !== 'string' || endpointPattern(p) === null) out.push(`${at(`expect.endpoints[${i}]`)}: Invalid value: ${JSON.stringify(p)}: must be pod/NAME, pod/NS/NAME, pod/PREFIX*, node/NAME or ADDR:PORT`);
    });
  }
  for (const k of ['masquerade', 'sticky']) if (e[k] !== undefined && typeof e[k] !== 'boolean') out.push(`${at(`expect.${k}`)}: Invalid value: ${JSON.stringify(e[k])}: must be true or false`);
  if (e.sourceAddress !== undefined && (typeof e.sourceAddress !== 'string' || parseIPv4(e.sourceAddress) === null)) out.push(`${at('expect.sourceAddress')}: Invalid value: ${JSON.stringify(e.sourceAddress)}: must be an IPv4 address`);
  return out;
}

type Pattern = { kind: 'pod'; namespace: string; name: string; prefix: boolean } | { kind: 'node'; name: string } | { kind: 'endpoint'; text: string };

/** A backend pattern of `expect.endpoints`, or null when malformed. */
function endpointPattern(p: string): Pattern | null {
  const pod = /^pod\/(?:([^/*]+)\/)?([^/*]+)(\*)?$/.exec(p);
  if (pod) return { kind: 'pod', namespace: pod[1] ?? 'default', name: pod[2]!, prefix: pod[3] === '*' };
  const node = /^node\/([^/:]+)$/.exec(p);
  if (node) return { kind: 'node', name: node[1]! };
  const ep = /^(\d+\.\d+\.\d+\.\d+):(\d+)$/.exec(p);
  if (ep && parseIPv4(ep[1]!) !== null && Number(ep[2]) >= 1 && Number(ep[2]) <= 65535) return { kind: 'endpoint', text: p };
  return null;
}

function matches(pattern: Pattern, o: OutcomeJSON): boolean {
  switch (pattern.kind) {
    case 'pod': {
      if (!o.pod) return false;
      const [ns, name] = o.pod.split('/') as [string, string];
      return ns === pattern.namespace && (pattern.prefix ? name.startsWith(pattern.name) : name === pattern.name);
    }
    case 'node':
      return o.node === pattern.name && !o.pod;
    case 'endpoint':
      return o.endpoint === pattern.text;
  }
}

function describe(o: OutcomeJSON): string {
  return o.pod ? `pod/${o.pod}` : (o.endpoint ?? o.reason);
}

/** Compares a trace with a check's expectations; returns what differs ([] when it passes). */
export function compareFlow(expect: Record<string, unknown>, actual: TraceJSON): string[] {
  const reasons: string[] = [];
  const accepted = actual.outcomes.filter((o) => o.verdict === 'ACCEPT');
  if (expect.verdict !== undefined) {
    const want = String(expect.verdict).toUpperCase();
    if (actual.verdict !== want) reasons.push(`verdict is ${actual.verdict}, expected ${want}${actual.verdicts ? ` (outcomes: ${JSON.stringify(actual.verdicts)})` : ''}`);
    else if (actual.verdicts) reasons.push(`not every outcome is ${want}: ${JSON.stringify(actual.verdicts)}`);
  }
  if (Array.isArray(expect.endpoints)) {
    const patterns = (expect.endpoints as string[]).map((p) => ({ text: p, pattern: endpointPattern(p)! }));
    for (const p of patterns) if (!accepted.some((o) => matches(p.pattern, o))) reasons.push(`no possible backend matches ${p.text}`);
    for (const o of accepted) if (!patterns.some((p) => matches(p.pattern, o))) reasons.push(`backend ${describe(o)} (probability ${o.probability}) is not among the expected endpoints`);
  }
  const subject = accepted.length > 0 ? accepted : actual.outcomes;
  if (typeof expect.masquerade === 'boolean') {
    const off = subject.filter((o) => o.masquerade !== expect.masquerade);
    for (const o of off) reasons.push(`${describe(o)}: source ${o.masquerade ? 'is' : 'is not'} masqueraded (backend sees ${o.sourceAddress}), expected masquerade ${expect.masquerade}`);
  }
  if (typeof expect.sourceAddress === 'string') {
    for (const o of subject) if (o.sourceAddress !== expect.sourceAddress) reasons.push(`${describe(o)}: the backend sees source ${o.sourceAddress}, expected ${expect.sourceAddress}`);
  }
  if (typeof expect.sticky === 'boolean') {
    for (const o of accepted) {
      const sticky = o.affinity?.sticky === true;
      if (sticky !== expect.sticky) reasons.push(`${describe(o)}: a second connection ${sticky ? 'sticks to' : 'does not stick to'} this backend, expected sticky ${expect.sticky}`);
    }
  }
  return reasons;
}

/** Evaluates one flow check against the simulation's current state. */
export async function evaluateFlowCheck(sim: Simulation, check: Check): Promise<FlowCheckResult> {
  const base = { name: check.name, kind: 'flow' as const, expected: check.expect };
  const mode = sim.scenario.cluster.proxy.mode;
  if (mode !== 'iptables') {
    return { ...base, passed: false, actual: {}, reasons: [], skipped: `flow checks for cluster.proxy.mode ${mode} are not evaluated yet by this netsim version (only iptables)` };
  }
  const problems = flowCheckProblems(check);
  if (problems.length > 0) return { ...base, passed: false, actual: { error: problems.join('; ') }, reasons: problems };
  const s = check.spec;
  const spec: FlowSpec = {
    from: s.from as string,
    to: s.to as string,
    ...(s.via !== undefined ? { via: s.via as string } : {}),
    ...(s.proto !== undefined ? { proto: String(s.proto) } : {}),
  };
  let json: TraceJSON;
  try {
    json = (await traceFlow(sim, spec)).json;
  } catch (e) {
    if (!(e instanceof UsageError) && !(isStatusError(e) && e.userError)) throw e;
    const msg = `the flow cannot be traced: ${(e as Error).message}`;
    return { ...base, passed: false, actual: { error: msg }, reasons: [msg] };
  }
  const reasons = compareFlow(check.expect, json);
  return { ...base, passed: reasons.length === 0, actual: json as unknown as Record<string, unknown>, reasons };
}
