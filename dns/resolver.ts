// The stub resolver inside a pod: how glibc (res_search / getaddrinfo) and musl (Alpine) walk the
// resolv.conf search list, query by query. Pure: the DNS itself is a `query` function.
import type { DnsAnswer } from './kubernetes.js';
import { ndotsOf, type ResolvConf } from './resolvconf.js';

export type ResolverKind = 'glibc' | 'musl';

/** A record as spec §6 shows it. */
export interface ResolverRecord {
  name: string;
  type: string;
  ttl: number;
  data: string;
}

/** One query the resolver sent and what came back (spec §6 `queries[]`). */
export interface ResolverQuery {
  name: string;
  type: string;
  rcode: string;
  answers: ResolverRecord[];
}

/** How one lookup went: spec §6 `{queries, final}` plus a summary. */
export interface ResolverWalk {
  queries: ResolverQuery[];
  final: ResolverQuery | null;
  /** NOERROR, NXDOMAIN, NODATA, SERVFAIL (TRY_AGAIN / EAI_AGAIN), TIMEOUT (musl ignores REFUSED/FORMERR/NOTIMP), or the rcode that stopped the walk. */
  status: string;
  /** The candidate name that answered, absolute; null when none did. */
  resolvedName: string | null;
  /** Records of the answering candidate (both families for A+AAAA). */
  answers: ResolverRecord[];
  queryCount: number;
  resolver: ResolverKind;
}

/** Sends one question to the cluster DNS (the pure answerQuery, or a real server). */
export type QueryFunction = (name: string, type: string) => DnsAnswer;

export interface ResolveOptions {
  resolver?: ResolverKind;
}

/** `A+AAAA` is getaddrinfo(AF_UNSPEC): both queries for every candidate, A first. */
export type LookupType = 'A+AAAA' | string;

interface Candidate {
  name: string;
  results: ResolverQuery[];
}

/** Longest name a stub resolver will put on the wire (253 presentation characters). */
const MAX_NAME = 253;
/** musl reads resolv.conf lines into a 256-byte buffer: a longer `search` line is ignored. */
const MUSL_LINE_MAX = 255;

/** Resolves `name` as the pod's libc would: every query sent in order, each answer, the outcome. */
export function resolveName(rc: ResolvConf, name: string, type: LookupType, query: QueryFunction, options: ResolveOptions = {}): ResolverWalk {
  const steps = walkSteps(rc, name, type, options.resolver ?? 'glibc');
  let next = steps.next();
  while (!next.done) next = steps.next(query(next.value.name, next.value.type));
  return next.value;
}

/** The same walk against an asynchronous DNS (e.g. the real server over UDP). */
export async function resolveNameAsync(
  rc: ResolvConf,
  name: string,
  type: LookupType,
  query: (name: string, type: string) => Promise<DnsAnswer>,
  options: ResolveOptions = {},
): Promise<ResolverWalk> {
  const steps = walkSteps(rc, name, type, options.resolver ?? 'glibc');
  let next = steps.next();
  while (!next.done) next = steps.next(await query(next.value.name, next.value.type));
  return next.value;
}

/** The walk as a generator: yields each question (absolute name, type), receives its answer. */
function* walkSteps(rc: ResolvConf, name: string, type: LookupType, resolver: ResolverKind): Generator<{ name: string; type: string }, ResolverWalk, DnsAnswer> {
  const types = type.toUpperCase() === 'A+AAAA' ? ['A', 'AAAA'] : [type.toUpperCase()];
  const walk: ResolverWalk = { queries: [], final: null, status: 'NXDOMAIN', resolvedName: null, answers: [], queryCount: 0, resolver };
  const trailing = name.endsWith('.');
  const bare = trailing ? name.replace(/\.+$/, '') : name;
  const dots = bare.split('.').length - 1;
  const ndots = ndotsOf(rc);
  let searches = rc.searches.filter((s) => s !== '' && s !== '.');
  if (resolver === 'musl' && `search ${rc.searches.join(' ')}`.length >= MUSL_LINE_MAX) searches = [];

  function* ask(candidate: string): Generator<{ name: string; type: string }, Candidate, DnsAnswer> {
    const abs = `${candidate}.`;
    const results: ResolverQuery[] = [];
    for (const t of types) {
      const a = yield { name: abs, type: t };
      const q: ResolverQuery = {
        name: abs,
        type: t,
        rcode: a.rcode,
        answers: a.answer.map((r) => ({ name: r.name, type: r.type, ttl: r.ttl, data: r.data })),
      };
      walk.queries.push(q);
      results.push(q);
    }
    return { name: abs, results };
  }
  const done = (status: string, winner?: Candidate): ResolverWalk => {
    walk.status = status;
    if (winner) {
      walk.resolvedName = winner.name;
      walk.answers = winner.results.flatMap((r) => r.answers);
    }
    walk.final = walk.queries.at(-1) ?? null;
    walk.queryCount = walk.queries.length;
    return walk;
  };
  const found = (c: Candidate) => c.results.some((r) => r.rcode === 'NOERROR' && r.answers.length > 0);

  if (resolver === 'musl') {
    // musl: with dots >= ndots or a trailing dot the search list is not used at all.
    if (!trailing && dots < ndots) {
      for (const domain of searches) {
        const candidate = `${bare}.${domain}`;
        if (candidate.length > MAX_NAME) continue; // cannot be encoded: treated as not found
        const c = yield* ask(candidate);
        const verdict = muslVerdict(c);
        if (verdict === 'found') return done('NOERROR', c);
        if (verdict !== 'NXDOMAIN') return done(verdict);
      }
    }
    const c = yield* ask(bare);
    const verdict = muslVerdict(c);
    return verdict === 'found' ? done('NOERROR', c) : done(verdict);
  }

  // glibc res_search.
  let savedStatus: string | null = null;
  if (trailing || dots >= ndots) {
    const c = yield* ask(bare);
    if (found(c)) return done('NOERROR', c);
    savedStatus = glibcStatus(c);
    if (trailing) return done(savedStatus);
  }
  let gotNodata = false;
  let gotServfail = false;
  for (const domain of searches) {
    const candidate = `${bare}.${domain}`;
    if (candidate.length > MAX_NAME) return done('NO_RECOVERY'); // glibc cannot build the query and gives up
    const c = yield* ask(candidate);
    if (found(c)) return done('NOERROR', c);
    const s = glibcStatus(c);
    if (s === 'NODATA') gotNodata = true;
    else if (s === 'SERVFAIL') gotServfail = true;
    else if (s !== 'NXDOMAIN') return done(s); // REFUSED, FORMERR, NOTIMP: no usable server left
  }
  if (savedStatus !== null) return done(savedStatus);
  const c = yield* ask(bare);
  if (found(c)) return done('NOERROR', c);
  return done(gotNodata ? 'NODATA' : gotServfail ? 'SERVFAIL' : glibcStatus(c));
}

/** glibc's view of one candidate: with A+AAAA the AAAA rcode decides when the A reply was NOERROR. */
function glibcStatus(c: Candidate): string {
  const [first, second] = c.results;
  const rcode = first!.rcode === 'NOERROR' && second ? second.rcode : first!.rcode;
  if (rcode === 'NOERROR') return 'NODATA';
  return rcode;
}

/** musl name_from_dns: replies checked in order (A first); SERVFAIL -> EAI_AGAIN, NXDOMAIN -> keep searching. */
function muslVerdict(c: Candidate): 'found' | 'NXDOMAIN' | 'NODATA' | 'SERVFAIL' | string {
  for (const r of c.results) {
    // REFUSED/FORMERR/NOTIMP replies are ignored by musl, so the query times out: EAI_AGAIN.
    if (r.rcode === 'SERVFAIL') return 'SERVFAIL';
    if (r.rcode === 'REFUSED' || r.rcode === 'FORMERR' || r.rcode === 'NOTIMP') return 'TIMEOUT';
    if (r.rcode === 'NXDOMAIN') return 'NXDOMAIN';
    if (r.rcode !== 'NOERROR') return r.rcode;
  }
  return c.results.some((r) => r.answers.length > 0) ? 'found' : 'NODATA';
}
