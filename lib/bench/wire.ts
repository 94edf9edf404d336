// The DNS messages of the load client: a stub resolver's query (RD=1, no EDNS, as glibc and
// musl send by default) and just enough decoding of the reply for the search-list walk.
// Hand-rolled rather than dns2 so the client stays cheap next to the server it measures.
import { formatIPv6 } from '../../dns/address.js';
import type { DnsAnswer, Rcode } from '../../dns/kubernetes.js';
import type { RR } from '../../dns/record.js';

/** Query types the benchmark can ask for, with their RFC 1035 / 3596 / 2782 codes. */
export const QUERY_TYPES: Readonly<Record<string, number>> = { A: 1, NS: 2, CNAME: 5, SOA: 6, PTR: 12, MX: 15, TXT: 16, AAAA: 28, SRV: 33 };
const TYPE_NAMES = new Map(Object.entries(QUERY_TYPES).map(([k, v]) => [v, k]));

const RCODES: readonly Rcode[] = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED'];

/** A decoded reply: its ID and the DnsAnswer the resolver walk reads; null when it is not a usable response. */
export interface DecodedReply {
  id: number;
  answer: DnsAnswer;
  /** The raw rcode for codes outside RCODES (e.g. YXDOMAIN), else the name. */
  rcodeName: string;
}

/** Encodes one question (absolute or relative name) as a recursive query with `id`; throws on a name that cannot be encoded. */
export function encodeQuery(id: number, name: string, type: string): Buffer {
  const code = QUERY_TYPES[type.toUpperCase()];
  if (code === undefined) throw new RangeError(`unsupported query type ${type}`);
  const labels = name.replace(/\.$/, '').split('.');
  let size = 12 + 1 + 4;
  for (const l of labels) {
    if (l.length === 0 || l.length > 63) throw new RangeError(`cannot encode ${JSON.stringify(name)}: label of ${l.length} octets`);
    size += 1 + l.length;
  }
  if (size - 16 > 255) throw new RangeError(`cannot encode ${JSON.stringify(name)}: longer than 255 octets`);
  const buf = Buffer.alloc(size);
  buf.writeUInt16BE(id & 0xffff, 0);
  buf[2] = 0x01; // RD
  buf.writeUInt16BE(1, 4); // QDCOUNT
  let off = 12;
  for (const l of labels) {
    buf[off++] = l.length;
    off += buf.write(l, off, 'latin1');
  }
  buf[off++] = 0;
  buf.writeUInt16BE(code, off);
  buf.writeUInt16BE(1, off + 2); // IN
  return buf;
}

/** Decodes a reply (QR=1) with its answer section; authority and additional are left out (the walk reads neither). */
export function decodeReply(msg: Buffer): DecodedReply | null {
  if (msg.length < 12 || (msg[2]! & 0x80) === 0) return null;
  const id = msg.readUInt16BE(0);
  const rcodeNum = msg[3]! & 0x0f;
  const rcode = RCODES[rcodeNum];
  const qd = msg.readUInt16BE(4);
  const an = msg.readUInt16BE(6);
  const answer: RR[] = [];
  try {
    let off = 12;
    for (let i = 0; i < qd; i++) off = readName(msg, off).end + 4;
    for (let i = 0; i < an; i++) {
      const owner = readName(msg, off);
      off = owner.end;
      if (off + 10 > msg.length) throw new RangeError('truncated record');
      const type = msg.readUInt16BE(off);
      const ttl = msg.readUInt32BE(off + 4);
      const rdlength = msg.readUInt16BE(off + 8);
      const rdata = off + 10;
      off = rdata + rdlength;
      if (off > msg.length) throw new RangeError('truncated rdata');
      answer.push({ name: owner.name, type: TYPE_NAMES.get(type) ?? `TYPE${type}`, class: 'IN', ttl, data: rdataText(msg, type, rdata, rdlength) });
    }
  } catch {
    return null;
  }
  return {
    id,
    rcodeName: rcode ?? `RCODE${rcodeNum}`,
    // The walk only knows the six classic codes; anything else is a server failure to it.
    answer: { rcode: rcode ?? 'SERVFAIL', authoritative: (msg[2]! & 0x04) !== 0, answer, authority: [], additional: [] },
  };
}

/** Reads a possibly compressed name at `off`; returns it absolute (trailing dot) and where the field ends. */
function readName(msg: Buffer, off: number): { name: string; end: number } {
  const labels: string[] = [];
  let end = -1;
  let jumps = 0;
  for (;;) {
    if (off >= msg.length) throw new RangeError('name runs past the message');
    const len = msg[off]!;
    if (len === 0) {
      if (end === -1) end = off + 1;
      break;
    }
    if ((len & 0xc0) === 0xc0) {
      if (off + 1 >= msg.length || ++jumps > 64) throw new RangeError('bad compression pointer');
      if (end === -1) end = off + 2;
      off = ((len & 0x3f) << 8) | msg[off + 1]!;
      continue;
    }
    if (len > 63) throw new RangeError('bad label length');
    labels.push(msg.toString('latin1', off + 1, off + 1 + len));
    off += 1 + len;
  }
  return { name: `${labels.join('.')}.`, end };
}

/** RDATA in zone-file form for the address and name types; RFC 3597's `\# len hex` for the rest. */
function rdataText(msg: Buffer, type: number, at: number, len: number): string {
  if (type === 1 && len === 4) return `${msg[at]}.${msg[at + 1]}.${msg[at + 2]}.${msg[at + 3]}`;
  if (type === 28 && len === 16) {
    let v = 0n;
    for (let i = 0; i < 16; i++) v = (v << 8n) | BigInt(msg[at + i]!);
    return formatIPv6(v);
  }
  if (type === 5 || type === 12 || type === 2) return readName(msg, at).name;
  return `\\# ${len}${len ? ` ${msg.toString('hex', at, at + len)}` : ''}`;
}
