// Adapter: the load generator's DNS client over UDP. A few long-lived sockets with 16-bit IDs
// multiplexed on each (as dnsperf does), one deadline sweep instead of a timer per query.
import dgram from 'node:dgram';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import type { DnsAnswer } from '../../dns/kubernetes.js';
import { decodeReply, encodeQuery } from './wire.js';

/** A query that got no usable reply within the timeout. */
export class QueryLostError extends Error {
  constructor(name: string, type: string, timeoutMs: number) {
    super(`no answer to ${name} ${type} within ${timeoutMs}ms`);
    this.name = 'QueryLostError';
  }
}

/** A query still pending when the client was closed. */
export class QueryCancelledError extends Error {
  constructor(name: string, type: string) {
    super(`query ${name} ${type} cancelled`);
    this.name = 'QueryCancelledError';
  }
}

export interface AnsweredQuery {
  answer: DnsAnswer;
  /** The reply's rcode as sent (names beyond the classic six kept as RCODEn). */
  rcode: string;
  latencyMs: number;
}

interface Pending {
  sentAt: number;
  name: string;
  type: string;
  resolve: (a: AnsweredQuery) => void;
  reject: (e: Error) => void;
}

interface Channel {
  socket: dgram.Socket;
  pending: Map<number, Pending>;
  nextId: number;
}

const MAX_TEMPLATES = 10_000;

export interface UdpDnsClientOptions {
  /** Sockets to spread queries over (default 4). */
  sockets?: number;
  timeoutMs: number;
}

/** A DNS client for one server address; `close()` cancels whatever is pending. */
export class UdpDnsClient {
  readonly #timeoutMs: number;
  readonly #channels: Channel[] = [];
  #next = 0;
  #sweep: NodeJS.Timeout | null = null;
  #closed = false;
  readonly #templates = new Map<string, Buffer>();
  /** Replies that matched no pending query (late after a timeout, or duplicates). */
  unmatched = 0;

  private constructor(timeoutMs: number) {
    this.#timeoutMs = timeoutMs;
  }

  /** Opens the sockets (bound to an ephemeral port on the server's family). */
  static async open(host: string, port: number, options: UdpDnsClientOptions): Promise<UdpDnsClient> {
    const client = new UdpDnsClient(options.timeoutMs);
    const type = net.isIPv6(host) ? 'udp6' : 'udp4';
    for (let i = 0; i < (options.sockets ?? 4); i++) {
      const socket = dgram.createSocket(type);
      const channel: Channel = { socket, pending: new Map(), nextId: (i * 8191) & 0xffff };
      socket.on('message', (msg) => client.#onMessage(channel, msg));
      socket.on('error', () => {}); // a send error surfaces as a lost query
      await new Promise<void>((resolve) => socket.bind(0, net.isIPv6(host) ? '::1' : '127.0.0.1', () => resolve()));
      // Connected, as glibc's res_send connects its UDP socket: no per-send address lookup, and
      // only the server's replies are accepted.
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.connect(port, host, () => {
          socket.removeListener('error', reject);
          resolve();
        });
      });
      try {
        socket.setRecvBufferSize(4 * 1024 * 1024);
      } catch {
        // The kernel keeps its default size; a burst may then overflow it and show as loss.
      }
      client.#channels.push(channel);
    }
    const every = Math.max(5, Math.min(50, Math.floor(options.timeoutMs / 10)));
    client.#sweep = setInterval(() => client.#expire(), every);
    return client;
  }

  /** Sends one question; resolves with the reply, rejects with QueryLostError after the timeout. */
  query(name: string, type: string): Promise<AnsweredQuery> {
    if (this.#closed) return Promise.reject(new QueryCancelledError(name, type));
    const channel = this.#channels[this.#next++ % this.#channels.length]!;
    let id = channel.nextId;
    for (let tries = 0; channel.pending.has(id); tries++) {
      if (tries > 0xffff) return Promise.reject(new RangeError('all 65536 query IDs of a socket are in flight'));
      id = (id + 1) & 0xffff;
    }
    channel.nextId = (id + 1) & 0xffff;
    const wire = this.#encode(id, name, type);
    return new Promise((resolve, reject) => {
      channel.pending.set(id, { sentAt: performance.now(), name, type, resolve, reject });
      channel.socket.send(wire);
    });
  }

  /** The query bytes, from a per-question template with the ID patched in (the walk asks the same few names over and over). */
  #encode(id: number, name: string, type: string): Buffer {
    const key = `${type} ${name}`;
    let template = this.#templates.get(key);
    if (!template) {
      template = encodeQuery(0, name, type);
      if (this.#templates.size >= MAX_TEMPLATES) this.#templates.clear();
      this.#templates.set(key, template);
    }
    const wire = Buffer.allocUnsafe(template.length);
    template.copy(wire);
    wire.writeUInt16BE(id, 0);
    return wire;
  }

  #onMessage(channel: Channel, msg: Buffer): void {
    const now = performance.now();
    if (msg.length < 12) return;
    const p = channel.pending.get(msg.readUInt16BE(0));
    if (!p) {
      this.unmatched++;
      return;
    }
    const reply = decodeReply(msg);
    if (!reply) return; // not a response we can read: left to time out, as a stub resolver would
    channel.pending.delete(reply.id);
    p.resolve({ answer: reply.answer, rcode: reply.rcodeName, latencyMs: now - p.sentAt });
  }

  #expire(): void {
    const limit = performance.now() - this.#timeoutMs;
    for (const channel of this.#channels) {
      for (const [id, p] of channel.pending) {
        if (p.sentAt > limit) continue;
        channel.pending.delete(id);
        p.reject(new QueryLostError(p.name, p.type, this.#timeoutMs));
      }
    }
  }

  /** Queries in flight now. */
  get inFlight(): number {
    let n = 0;
    for (const c of this.#channels) n += c.pending.size;
    return n;
  }

  /** Cancels pending queries and closes the sockets. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#sweep) clearInterval(this.#sweep);
    for (const channel of this.#channels) {
      for (const p of channel.pending.values()) p.reject(new QueryCancelledError(p.name, p.type));
      channel.pending.clear();
      await new Promise<void>((resolve) => channel.socket.close(() => resolve()));
    }
  }
}
