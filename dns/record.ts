// Resource records in the zone-file presentation form CoreDNS's tests are written in
// (`svc1.testns.svc.cluster.local. 5 IN A 10.0.0.1`).
import { formatIPv6, parseIPv6 } from './address.js';

/** One resource record; `name` is absolute (trailing dot), `data` is the RDATA as a zone file writes it. */
export interface RR {
  name: string;
  type: string;
  class: 'IN';
  ttl: number;
  data: string;
}

/** The zone-file line of a record: `name ttl IN type data`, single-spaced. */
export function formatRR(rr: RR): string {
  return `${rr.name} ${rr.ttl} ${rr.class} ${rr.type} ${rr.data}`;
}

const CLASSES = new Set(['IN', 'CH', 'HS', 'CS']);

/**
 * Parses a zone-file line `owner [ttl] [class] type rdata` (ttl and class in either order; ttl
 * defaults to `defaultTTL`). The owner is made absolute; AAAA data is canonicalised; throws on
 * lines it cannot read.
 */
export function parseRR(line: string, defaultTTL = 3600): RR {
  const text = line.trim();
  const tokens: string[] = [];
  let rest = text;
  // Owner, up to two of ttl/class, then the type; the remainder is RDATA.
  for (let k = 0; k < 4; k++) {
    const m = /^(\S+)\s*/.exec(rest);
    if (!m) break;
    tokens.push(m[1]!);
    rest = rest.slice(m[0].length);
    if (k >= 1) {
      const t = m[1]!.toUpperCase();
      if (!/^\d+$/.test(t) && !CLASSES.has(t)) break;
    }
  }
  if (tokens.length < 2 || rest === '') throw new SyntaxError(`not a resource record: ${JSON.stringify(line)}`);
  const owner = tokens[0]!;
  let ttl = defaultTTL;
  let cls = 'IN';
  for (const t of tokens.slice(1, -1)) {
    if (/^\d+$/.test(t)) ttl = Number(t);
    else cls = t.toUpperCase();
  }
  if (cls !== 'IN') throw new SyntaxError(`only class IN is supported: ${JSON.stringify(line)}`);
  const type = tokens[tokens.length - 1]!.toUpperCase();
  if (/^\d+$/.test(type) || CLASSES.has(type)) throw new SyntaxError(`record has no type: ${JSON.stringify(line)}`);
  let data = type === 'TXT' ? rest.trim() : rest.trim().split(/\s+/).join(' ');
  if (type === 'AAAA') {
    const v6 = parseIPv6(data);
    if (v6 === null) throw new SyntaxError(`bad AAAA address: ${JSON.stringify(line)}`);
    data = formatIPv6(v6);
  }
  return { name: absolute(owner), type, class: 'IN', ttl, data };
}

/** `name` with exactly one trailing dot (the root stays `.`). */
export function absolute(name: string): string {
  if (name === '' || name === '.') return '.';
  return name.endsWith('.') ? name : `${name}.`;
}
