// DNS checks of spec §5: `dns: {from, name, type}` resolved as the pod's libc would, against
// `expect: {rcode, answers}` where an answer is written as an address, `service/NS/NAME`
// (its cluster IPs) or `pod/NS/NAME` / `pod/PREFIX*` (the pods' IPs).
import type { Pod, Service } from '../api/types.js';
import type { ClusterZone } from '../../dns/zone.js';
import type { Check } from '../scenario/types.js';
import { findPod, parseAddress } from './address.js';
import { resolveFromPod } from './dnsview.js';
import type { Simulation } from './simulation.js';

export interface CheckOutcome {
  passed: boolean;
  expected: Record<string, unknown>;
  actual: Record<string, unknown>;
  /** Why the check could not be evaluated (bad reference), counted as failed. */
  error?: string;
}

/** Evaluates one dns check against the simulation's cluster DNS. */
export async function evaluateDnsCheck(sim: Simulation, zone: ClusterZone, check: Check): Promise<CheckOutcome> {
  const spec = check.spec as { from?: unknown; name?: unknown; type?: unknown; resolver?: unknown };
  const expect = check.expect as { rcode?: unknown; answers?: unknown };
  const fail = (error: string): CheckOutcome => ({ passed: false, expected: check.expect, actual: {}, error });
  if (typeof spec.from !== 'string' || typeof spec.name !== 'string') return fail('dns check needs from and name');
  const type = typeof spec.type === 'string' ? spec.type.toUpperCase() : 'A';
  let pod: Pod;
  try {
    pod = await findPod(sim.api, parseAddress(spec.from));
  } catch (e) {
    return fail(`from: ${(e as Error).message}`);
  }
  const walk = resolveFromPod(sim, zone, pod, spec.name, type, spec.resolver === 'musl' ? 'musl' : 'glibc');
  const actual = { queries: walk.queries, final: walk.final };
  const problems: string[] = [];
  const rcode = walk.final?.rcode ?? 'NONE';
  if (typeof expect.rcode === 'string' && expect.rcode !== rcode) problems.push(`rcode ${rcode}, expected ${expect.rcode}`);
  if (Array.isArray(expect.answers)) {
    const want = new Set<string>();
    for (const a of expect.answers) {
      if (typeof a !== 'string') return fail('expect.answers entries must be strings');
      // `service/…` and `pod/…` stand for their addresses of the family asked for.
      const family = type === 'AAAA' ? ':' : type === 'A' ? '.' : '';
      const named = a.startsWith('service/') || a.startsWith('pod/');
      for (const v of await expandAnswer(sim, a)) if (!named || !family || v.includes(family)) want.add(v);
    }
    const got = new Set((walk.final?.answers ?? []).filter((r) => r.type === type).map((r) => r.data.replace(/\.$/, '')));
    const missing = [...want].filter((w) => !got.has(w));
    const extra = [...got].filter((g) => !want.has(g));
    if (missing.length || extra.length) problems.push(`answers ${[...got].sort().join(',') || 'none'}, expected ${[...want].sort().join(',') || 'none'}`);
  }
  return { passed: problems.length === 0, expected: check.expect, actual, ...(problems.length ? { error: problems.join('; ') } : {}) };
}

async function expandAnswer(sim: Simulation, a: string): Promise<string[]> {
  const svc = /^service\/([^/]+)\/([^/]+)$/.exec(a);
  if (svc) {
    const s = await sim.api.get<Service>('Service', svc[1], svc[2]!);
    return (s.spec.clusterIPs ?? []).filter((ip) => ip !== 'None');
  }
  if (a.startsWith('pod/')) {
    const parsed = parseAddress(a);
    if (parsed.form === 'pod' && parsed.prefix) {
      const { items } = await sim.api.list<Pod>('Pod', { namespace: parsed.namespace ?? 'default' });
      return items.filter((p) => p.metadata.name!.startsWith(parsed.name)).flatMap(podAddresses);
    }
    const p = await findPod(sim.api, parsed);
    return podAddresses(p);
  }
  return [a.replace(/\.$/, '')];
}

function podAddresses(p: Pod): string[] {
  const ips = (p.status?.podIPs ?? []).map((x) => x.ip);
  return ips.length ? ips : p.status?.podIP ? [p.status.podIP] : [];
}
