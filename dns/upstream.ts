// The world outside the cluster as the cluster DNS sees it (spec §1 `cluster.dns.upstream.records`):
// a fixed set of zone-file records answered like a recursive resolver would relay them.
import { absolute, parseRR, type RR } from './record.js';

/** What the simulated outside world answers for one name and type. */
export interface UpstreamAnswer {
  rcode: 'NOERROR' | 'NXDOMAIN';
  answer: RR[];
  authority: RR[];
}

const MAX_CNAME_CHAIN = 10;

/**
 * Records by owner. The world claims the parent domain of every owner (and every SOA owner,
 * the root included): names there that own nothing are NXDOMAIN or NODATA; names under none
 * of them are not known at all (the caller refuses or forwards them).
 */
export class UpstreamWorld {
  readonly #byName = new Map<string, RR[]>();
  readonly #names = new Set<string>();
  readonly #zones = new Set<string>();
  readonly #soa = new Map<string, RR>();

  constructor(lines: readonly string[]) {
    for (const line of lines) {
      const rr = parseRR(line);
      const owner = rr.name.slice(0, -1).toLowerCase();
      let list = this.#byName.get(owner);
      if (!list) this.#byName.set(owner, (list = []));
      list.push(rr);
      const dot = owner.indexOf('.');
      if (rr.type === 'SOA') {
        this.#zones.add(owner);
        this.#soa.set(owner, rr);
      } else if (owner !== '') this.#zones.add(dot === -1 ? owner : owner.slice(dot + 1));
      // The owner and its ancestors exist (empty non-terminals answer NODATA, not NXDOMAIN).
      for (let name = owner; name !== ''; ) {
        this.#names.add(name);
        const d = name.indexOf('.');
        name = d === -1 ? '' : name.slice(d + 1);
      }
    }
  }

  /** The longest upstream zone containing `name` (lower case, no trailing dot), or null. */
  zoneOf(name: string): string | null {
    for (let n = name; n !== ''; ) {
      if (this.#zones.has(n)) return n;
      const d = n.indexOf('.');
      n = d === -1 ? '' : n.slice(d + 1);
    }
    // A root SOA (`. IN SOA ...`) declares the whole outside world known: all else is NXDOMAIN.
    return this.#zones.has('') ? '' : null;
  }

  /** Resolves `spelled` (question spelling, no trailing dot) for `type`, chasing CNAMEs; null if outside this world. */
  lookup(spelled: string, type: string): UpstreamAnswer | null {
    let name = spelled.toLowerCase();
    const zone = this.zoneOf(name);
    if (zone === null) return null;
    const answer: RR[] = [];
    let owner = absolute(spelled);
    for (let hop = 0; hop <= MAX_CNAME_CHAIN; hop++) {
      const rrs = this.#byName.get(name) ?? [];
      const cname = type !== 'CNAME' && type !== 'ANY' ? rrs.find((r) => r.type === 'CNAME') : undefined;
      if (cname) {
        answer.push({ ...cname, name: owner });
        const target = cname.data.replace(/\.$/, '').toLowerCase();
        if (this.zoneOf(target) === null) return { rcode: 'NOERROR', answer, authority: [] };
        name = target;
        owner = absolute(cname.data);
        continue;
      }
      const matching = type === 'ANY' ? rrs.filter((r) => r.type === rrs[0]!.type) : rrs.filter((r) => r.type === type);
      for (const r of matching) answer.push({ ...r, name: owner });
      if (answer.length > 0) return { rcode: 'NOERROR', answer, authority: [] };
      const soa = this.#soaFor(name);
      return { rcode: this.#names.has(name) ? 'NOERROR' : 'NXDOMAIN', answer, authority: soa ? [soa] : [] };
    }
    return { rcode: 'NOERROR', answer, authority: [] };
  }

  #soaFor(name: string): RR | undefined {
    for (let n = name; n !== ''; ) {
      const soa = this.#soa.get(n);
      if (soa) return soa;
      const d = n.indexOf('.');
      n = d === -1 ? '' : n.slice(d + 1);
    }
    return this.#soa.get('');
  }
}
