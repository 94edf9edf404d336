// Adapter: the cluster DNS over real UDP and TCP sockets (dns2 3.1.1 at the edge), answering
// from a ClusterZone through the pure answerQuery. Encoded answers are cached per question and
// zone revision; cached UDP answers are sent from a raw-datagram fast path with the ID patched.
import dgram from 'node:dgram';
import net from 'node:net';
import dns2 from 'dns2';
import { answerQuery, type DnsAnswer } from './kubernetes.js';
import type { RR } from './record.js';
import type { ClusterZone } from './zone.js';

const { Packet } = dns2;

export interface DnsServerOptions {
  /** Address to bind (default 127.0.0.1); nothing else is ever bound. */
  host?: string;
  /** Port for both UDP and TCP (default 5353; 0 = a free port, the same for both). */
  port?: number;
  /** Real resolvers (`ip:port` or `ip`) for names outside the cluster and the simulated upstream; default the zone's `upstream.forward` (none). */
  forward?: string[];
  forwardTimeoutMs?: number;
  /** EDNS UDP payload size we advertise (default 1232, the DNS Flag Day 2020 value). */
  udpPayloadSize?: number;
  /** Maximum cached answers before the cache is flushed (default 200,000). */
  cacheEntries?: number;
  /** Called with errors the server survives (bad input, socket errors). */
  onError?: (error: Error) => void;
}

export interface DnsServerStats {
  queries: number;
  fastPathHits: number;
  cacheHits: number;
  cacheMisses: number;
  truncated: number;
  formerr: number;
  dropped: number;
  forwarded: number;
}

export interface RunningDnsServer {
  host: string;
  udpPort: number;
  tcpPort: number;
  stats: DnsServerStats;
  /** Stops both listeners and drops open TCP connections. */
  close(): Promise<void>;
}

interface CachedAnswer {
  full: Buffer;
  truncated: Buffer;
}

// The slice of dns2's runtime objects this adapter touches (its .d.ts lacks `servers`, ad/cd).
interface Dns2Server {
  servers: { udp: dgram.Socket; tcp: net.Server };
  on(event: string, listener: (...args: never[]) => void): void;
  close(): Promise<void>;
}
type Dns2Packet = InstanceType<typeof Packet>;
type Send = (response: Dns2Packet | Buffer) => Promise<Buffer>;

const RCODE: Record<DnsAnswer['rcode'], number> = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 };
const TYPE_EDNS = 41;
const BADVERS = 16;
const UDP_BUFFER_BYTES = 4 * 1024 * 1024;

/** Starts the cluster DNS on host:port over UDP and TCP; resolves once both listen. */
export async function startDnsServer(zone: ClusterZone, options: DnsServerOptions = {}): Promise<RunningDnsServer> {
  const host = options.host ?? '127.0.0.1';
  const wanted = options.port ?? 5353;
  let lastError: unknown;
  // With port 0, UDP picks a free port and TCP takes the same number; retry if it is taken.
  for (let attempt = 0; attempt < (wanted === 0 ? 20 : 1); attempt++) {
    const server = new ClusterDnsServer(zone, options, host);
    try {
      await server.listen(wanted);
      return server.handle();
    } catch (e) {
      lastError = e;
      await server.close();
      if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE') break;
    }
  }
  throw lastError;
}

class ClusterDnsServer {
  readonly #zone: ClusterZone;
  readonly #options: DnsServerOptions;
  readonly #host: string;
  readonly #payload: number;
  readonly #maxEntries: number;
  readonly #server: Dns2Server;
  readonly #cache = new Map<string, CachedAnswer>();
  /** The same answers keyed by the raw question bytes, for the UDP fast path. */
  readonly #wireCache = new Map<string, CachedAnswer>();
  /** Wire key of the datagram dns2 is decoding right now (its UDP handling is synchronous). */
  #pendingWireKey: string | null = null;
  #cacheRevision = -1;
  readonly #sockets = new Set<net.Socket>();
  readonly stats: DnsServerStats = { queries: 0, fastPathHits: 0, cacheHits: 0, cacheMisses: 0, truncated: 0, formerr: 0, dropped: 0, forwarded: 0 };
  #udpPort = 0;
  #tcpPort = 0;

  constructor(zone: ClusterZone, options: DnsServerOptions, host: string) {
    this.#zone = zone;
    this.#options = { ...options, forward: options.forward ?? zone.config.upstream.forward };
    this.#host = host;
    this.#payload = options.udpPayloadSize ?? 1232;
    this.#maxEntries = options.cacheEntries ?? 200_000;
    const udpType = net.isIPv6(host) ? 'udp6' : 'udp4';
    this.#server = dns2.createServer({
      udp: { type: udpType },
      tcp: true,
      handle: (request, send, client) => this.#onRequest(request, send as Send, client),
    }) as unknown as Dns2Server;
    this.#server.on('requestError', (e: never) => this.#report(e));
    this.#server.on('error', (e: never) => this.#report(e));
    const { udp, tcp } = this.#server.servers;
    tcp.on('connection', (s: net.Socket) => {
      this.#sockets.add(s);
      s.on('close', () => this.#sockets.delete(s));
      s.on('error', () => {});
    });
    // Raw-datagram fast path in front of dns2's own decoder for cached answers.
    const decoders = udp.listeners('message') as ((msg: Buffer, rinfo: dgram.RemoteInfo) => void)[];
    udp.removeAllListeners('message');
    udp.on('message', (msg: Buffer, rinfo: dgram.RemoteInfo) => {
      this.stats.queries++;
      try {
        if (this.#fastPath(msg, rinfo)) return;
      } catch (e) {
        this.#report(e);
      }
      try {
        for (const decode of decoders) decode.call(udp, msg, rinfo);
      } finally {
        this.#pendingWireKey = null;
      }
    });
  }

  #report(e: unknown): void {
    this.#options.onError?.(e instanceof Error ? e : new Error(String(e)));
  }

  async listen(port: number): Promise<void> {
    const { udp, tcp } = this.#server.servers;
    await new Promise<void>((resolve, reject) => {
      const onError = (e: Error) => reject(e);
      udp.once('error', onError);
      udp.bind(port, this.#host, () => {
        udp.removeListener('error', onError);
        resolve();
      });
    });
    this.#udpPort = udp.address().port;
    // A burst of queries must not overflow the default ~200 datagram receive queue.
    try {
      udp.setRecvBufferSize(UDP_BUFFER_BYTES);
      udp.setSendBufferSize(UDP_BUFFER_BYTES);
    } catch (e) {
      this.#report(e);
    }
    await new Promise<void>((resolve, reject) => {
      const onError = (e: Error) => reject(e);
      tcp.once('error', onError);
      tcp.listen({ port: this.#udpPort, host: this.#host, exclusive: true }, () => {
        tcp.removeListener('error', onError);
        resolve();
      });
    });
    this.#tcpPort = (tcp.address() as net.AddressInfo).port;
  }

  handle(): RunningDnsServer {
    return { host: this.#host, udpPort: this.#udpPort, tcpPort: this.#tcpPort, stats: this.stats, close: () => this.close() };
  }

  async close(): Promise<void> {
    const { udp, tcp } = this.#server.servers;
    for (const s of this.#sockets) s.destroy();
    await Promise.all([
      new Promise<void>((resolve) => {
        try { udp.close(() => resolve()); } catch { resolve(); }
      }),
      new Promise<void>((resolve) => {
        if (!tcp.listening) return resolve();
        tcp.close(() => resolve());
      }),
    ]);
  }

  #checkRevision(): void {
    if (this.#cacheRevision !== this.#zone.revision) {
      this.#cache.clear();
      this.#wireCache.clear();
      this.#cacheRevision = this.#zone.revision;
    }
  }

  /**
   * Answers a well-formed single-question UDP query from the cache, keyed by the question's
   * wire bytes (so the spelling is exact); false hands the datagram to dns2.
   */
  #fastPath(msg: Buffer, rinfo: dgram.RemoteInfo): boolean {
    const len = msg.length;
    if (len < 17 || (msg[2]! & 0xf8) !== 0) return false; // QR=0, OPCODE=QUERY
    if (msg[4] !== 0 || msg[5] !== 1 || msg[6] !== 0 || msg[7] !== 0 || msg[8] !== 0 || msg[9] !== 0 || msg[10] !== 0) return false;
    const arcount = msg[11]!;
    if (arcount > 1) return false;
    let off = 12;
    for (let l = msg[off]!; l !== 0; l = msg[off]!) {
      if (l > 63) return false; // compression or reserved bits: let dns2 judge it
      off += l + 1;
      if (off >= len) return false;
    }
    off += 5; // root label, QTYPE, QCLASS
    if (off > len) return false;
    const qend = off;
    let edns = 'N';
    let limit = 512;
    if (arcount === 1) {
      if (off + 11 > len || msg[off] !== 0 || msg[off + 1] !== 0 || msg[off + 2] !== TYPE_EDNS) return false;
      if (msg[off + 6] !== 0) return false; // EDNS version other than 0: slow path answers BADVERS
      limit = Math.max(msg.readUInt16BE(off + 3), 512);
      edns = msg[off + 7]! & 0x80 ? 'D' : 'E';
      off += 11 + msg.readUInt16BE(off + 9);
    }
    if (off !== len) return false;
    this.#checkRevision();
    const key = msg.toString('latin1', 12, qend) + edns;
    const cached = this.#wireCache.get(key);
    if (!cached) {
      this.#pendingWireKey = key;
      return false;
    }
    this.stats.fastPathHits++;
    const src = cached.full.length <= limit ? cached.full : cached.truncated;
    if (src !== cached.full) this.stats.truncated++;
    const out = Buffer.allocUnsafe(src.length);
    src.copy(out);
    patchHeader(out, msg);
    this.#server.servers.udp.send(out, rinfo.port, rinfo.address);
    return true;
  }

  #onRequest(request: Dns2Packet, send: Send, client: unknown): void {
    const tcp = client instanceof net.Socket;
    if (tcp) this.stats.queries++;
    const reply = (buf: Buffer | Dns2Packet) => {
      // dns2's UDP send returns a promise, its TCP send returns nothing.
      const sent = send(buf) as Promise<Buffer> | undefined;
      sent?.catch((e: unknown) => this.#report(e));
    };
    try {
      const header = request.header as Dns2Packet['header'] & { cd?: number };
      if (header.qr === 1) {
        this.stats.dropped++; // responses are ignored, as miekg/dns does
        return;
      }
      const opts = request.additionals.filter((r) => r && r.type === TYPE_EDNS);
      if (header.opcode !== 0) {
        reply(this.#error(request, RCODE.NOTIMP, opts.length > 0));
        return;
      }
      if (request.errors.length > 0 || request.questions.length !== 1 || header.ancount > 1 || header.nscount > 1 || header.arcount > 2 || opts.length > 1) {
        this.stats.formerr++;
        reply(this.#error(request, RCODE.FORMERR, opts.length > 0));
        return;
      }
      const opt = opts[0];
      if (opt && (opt.version ?? 0) !== 0) {
        reply(this.#error(request, BADVERS, true));
        return;
      }
      const q = request.questions[0]!;
      const edns = opt ? (opt.doFlag ? 'D' : 'E') : 'N';
      const key = `${q.name}|${q.type}|${q.class}|${edns}`;
      const limit = tcp ? 0xffff : opt ? Math.max(opt.class, 512) : 512;
      this.#checkRevision();
      let cached = this.#cache.get(key);
      if (cached) this.stats.cacheHits++;
      else {
        this.stats.cacheMisses++;
        const cls = q.class === 1 ? 'IN' : `CLASS${q.class}`;
        const answer = answerQuery(this.#zone, { name: q.name, type: Packet.typeName(q.type), class: cls });
        if (answer.rcode === 'REFUSED' && cls === 'IN' && (this.#options.forward?.length ?? 0) > 0 && q.type !== 252 && q.type !== 251) {
          this.#forward(request, reply, header.id);
          return;
        }
        cached = this.#encode(request, answer, opt !== undefined, opt?.doFlag ?? false);
        if (this.#cache.size >= this.#maxEntries) this.#cache.clear();
        this.#cache.set(key, cached);
      }
      if (!tcp && this.#pendingWireKey !== null) {
        if (this.#wireCache.size >= this.#maxEntries) this.#wireCache.clear();
        this.#wireCache.set(this.#pendingWireKey, cached);
        this.#pendingWireKey = null;
      }
      const src = cached.full.length <= limit ? cached.full : cached.truncated;
      if (src !== cached.full) this.stats.truncated++;
      const out = Buffer.from(src);
      out.writeUInt16BE(header.id, 0);
      out[2] = (out[2]! & 0xfe) | (header.rd ? 1 : 0);
      out[3] = (out[3]! & 0xef) | (header.cd ? 0x10 : 0);
      reply(out);
    } catch (e) {
      this.#report(e);
      try {
        reply(this.#error(request, RCODE.SERVFAIL, false));
      } catch (e2) {
        this.#report(e2);
      }
    }
  }

  #opt(doFlag: boolean) {
    return Packet.Resource.EDNS([], { udpPayloadSize: this.#payload, doFlag });
  }

  #error(request: Dns2Packet, rcode: number, withOpt: boolean): Dns2Packet {
    const res = Packet.createResponseFromRequest(request);
    res.header.rcode = rcode;
    (res.header as { cd?: number }).cd = (request.header as { cd?: number }).cd ?? 0;
    if (withOpt || rcode > 15) res.additionals.push(this.#opt(false) as unknown as Dns2Packet['additionals'][number]);
    return res;
  }

  /** Encodes an answer twice: the full message and the TC=1 header+question(+OPT) form for small UDP budgets. */
  #encode(request: Dns2Packet, answer: DnsAnswer, withOpt: boolean, doFlag: boolean): CachedAnswer {
    const res = Packet.createResponseFromRequest(request);
    const h = res.header as Dns2Packet['header'] & { cd?: number };
    h.rcode = RCODE[answer.rcode];
    h.aa = answer.authoritative ? 1 : 0;
    // Records relayed from the simulated upstream are a recursive answer; the kubernetes plugin sets no RA.
    h.ra = !answer.authoritative && answer.rcode !== 'REFUSED' ? 1 : 0;
    h.cd = (request.header as { cd?: number }).cd ?? 0;
    const opt = withOpt ? [this.#opt(doFlag) as unknown as Dns2Packet['additionals'][number]] : [];
    res.answers = answer.answer.map(toResource).filter((r) => r !== null);
    res.authorities = answer.authority.map(toResource).filter((r) => r !== null);
    res.additionals = [...answer.additional.map(toResource).filter((r) => r !== null), ...opt];
    const full = res.toBuffer();
    const cut = Packet.createResponseFromRequest(request);
    Object.assign(cut.header, { rcode: h.rcode, aa: h.aa, ra: h.ra, cd: h.cd, tc: 1 });
    cut.additionals = opt;
    return { full, truncated: cut.toBuffer() };
  }

  /** Relays a query outside every zone to the configured real resolvers, in order (UDP). */
  #forward(request: Dns2Packet, reply: (b: Buffer | Dns2Packet) => void, id: number): void {
    const targets = (this.#options.forward ?? []).map(parseHostPort);
    const timeout = this.#options.forwardTimeoutMs ?? 2000;
    const wire = request.toBuffer();
    const tryNext = (i: number) => {
      if (i >= targets.length) return reply(this.#error(request, RCODE.SERVFAIL, false));
      const t = targets[i]!;
      const sock = dgram.createSocket(net.isIPv6(t.host) ? 'udp6' : 'udp4');
      let done = false;
      const finish = (buf: Buffer | null) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        sock.close();
        if (buf && buf.length >= 12) {
          buf.writeUInt16BE(id, 0);
          this.stats.forwarded++;
          reply(buf);
        } else tryNext(i + 1);
      };
      const timer = setTimeout(() => finish(null), timeout);
      sock.on('error', () => finish(null));
      sock.on('message', (m) => finish(m));
      sock.send(wire, t.port, t.host);
    };
    tryNext(0);
  }
}

function patchHeader(out: Buffer, query: Buffer): void {
  out[0] = query[0]!;
  out[1] = query[1]!;
  out[2] = (out[2]! & 0xfe) | (query[2]! & 0x01); // RD copied from the query
  out[3] = (out[3]! & 0xef) | (query[3]! & 0x10); // CD copied from the query
}

function parseHostPort(s: string): { host: string; port: number } {
  const m = /^\[(.+)\]:(\d+)$/.exec(s) ?? /^([^:]+):(\d+)$/.exec(s);
  if (m) return { host: m[1]!, port: Number(m[2]) };
  return { host: s, port: 53 };
}

/** Presentation RDATA -> the fields dns2's encoder reads; null for types it cannot encode. */
function toResource(rr: RR): Dns2Packet['answers'][number] | null {
  const type = (Packet.TYPE as Record<string, number>)[rr.type];
  if (type === undefined) return null;
  const base = { name: rr.name.replace(/\.$/, ''), type, class: Packet.CLASS.IN, ttl: rr.ttl };
  const f = rr.data.split(' ');
  const bare = (n: string) => n.replace(/\.$/, '');
  let extra: Record<string, unknown>;
  switch (rr.type) {
    case 'A':
    case 'AAAA':
      extra = { address: rr.data };
      break;
    case 'CNAME':
    case 'PTR':
      extra = { domain: bare(rr.data) };
      break;
    case 'NS':
      extra = { ns: bare(rr.data) };
      break;
    case 'SRV':
      extra = { priority: Number(f[0]), weight: Number(f[1]), port: Number(f[2]), target: bare(f[3] ?? '') };
      break;
    case 'MX':
      extra = { priority: Number(f[0]), exchange: bare(f[1] ?? '') };
      break;
    case 'SOA':
      extra = { primary: bare(f[0] ?? ''), admin: bare(f[1] ?? ''), serial: Number(f[2]), refresh: Number(f[3]), retry: Number(f[4]), expiration: Number(f[5]), minimum: Number(f[6]) };
      break;
    case 'TXT':
      extra = { data: txtStrings(rr.data) };
      break;
    default:
      return null;
  }
  return { ...base, ...extra } as unknown as Dns2Packet['answers'][number];
}

/** Splits TXT presentation data into its character-strings (quoted or bare words). */
function txtStrings(data: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(data)) !== null) out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]!);
  return out;
}
