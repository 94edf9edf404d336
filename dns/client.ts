// Adapter: one question to a real DNS server over UDP (dns2 encodes and decodes), returned in the
// same DnsAnswer shape as the pure answerQuery, so resolveNameAsync can walk a live server.
import dgram from 'node:dgram';
import net from 'node:net';
import dns2 from 'dns2';
import type { DnsAnswer, Rcode } from './kubernetes.js';
import type { RR } from './record.js';

const { Packet } = dns2;
type Dns2Resource = InstanceType<typeof Packet>['answers'][number];

const RCODES: Record<number, Rcode> = { 0: 'NOERROR', 1: 'FORMERR', 2: 'SERVFAIL', 3: 'NXDOMAIN', 4: 'NOTIMP', 5: 'REFUSED' };

/** Sends one UDP query (no EDNS, like glibc and musl) and resolves with the answer; rejects on timeout. */
export function queryDnsServer(host: string, port: number, name: string, type: string, timeoutMs = 2000): Promise<DnsAnswer> {
  const code = (Packet.TYPE as Record<string, number>)[type.toUpperCase()];
  if (code === undefined) return Promise.reject(new Error(`unsupported query type ${type}`));
  const id = Packet.uuid();
  const query = new Packet();
  query.header.id = id;
  query.header.rd = 1;
  query.questions.push({ name: name.replace(/\.$/, ''), type: code, class: Packet.CLASS.IN } as InstanceType<typeof Packet>['questions'][number]);
  const wire = query.toBuffer();
  return new Promise((resolve, reject) => {
    const sock = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
    const timer = setTimeout(() => {
      sock.close();
      reject(new Error(`DNS query ${name} ${type} to ${host}:${port} timed out`));
    }, timeoutMs);
    sock.on('error', (e) => {
      clearTimeout(timer);
      sock.close();
      reject(e);
    });
    sock.on('message', (msg) => {
      if (msg.length < 12 || msg.readUInt16BE(0) !== id) return;
      clearTimeout(timer);
      sock.close();
      try {
        const p = Packet.parse(msg);
        resolve({
          rcode: RCODES[p.header.rcode] ?? 'SERVFAIL',
          authoritative: p.header.aa === 1,
          answer: p.answers.map(fromResource).filter((r) => r !== null),
          authority: p.authorities.map(fromResource).filter((r) => r !== null),
          additional: p.additionals.map(fromResource).filter((r) => r !== null),
        });
      } catch (e) {
        reject(e);
      }
    });
    sock.send(wire, port, host);
  });
}

/** dns2's decoded record -> presentation form; null for OPT and types without a text form here. */
function fromResource(r: Dns2Resource): RR | null {
  const type = Packet.typeName(r.type);
  const abs = (n: string | undefined) => `${n ?? ''}.`;
  let data: string;
  switch (type) {
    case 'A':
    case 'AAAA':
      data = r.address ?? '';
      break;
    case 'CNAME':
    case 'PTR':
      data = abs(r.domain);
      break;
    case 'NS':
      data = abs(r.ns);
      break;
    case 'SRV':
      data = `${r.priority} ${r.weight} ${r.port} ${abs(r.target)}`;
      break;
    case 'MX':
      data = `${r.priority} ${abs(r.exchange)}`;
      break;
    case 'SOA':
      data = `${abs(r.primary)} ${abs(r.admin)} ${r.serial} ${r.refresh} ${r.retry} ${r.expiration} ${r.minimum}`;
      break;
    case 'TXT':
      data = ([] as unknown[]).concat(r.data ?? []).map((t) => `"${String(t)}"`).join(' ');
      break;
    default:
      return null;
  }
  return { name: abs(r.name), type, class: 'IN', ttl: r.ttl, data };
}
