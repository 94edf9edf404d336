import assert from 'node:assert/strict';
import dns2 from 'dns2';
import { decodeReply, encodeQuery } from '../../lib/bench/wire.js';

const { Packet } = dns2;
type Dns2Packet = InstanceType<typeof Packet>;

/** A response built and encoded by dns2 (a different encoder than ours, with name compression). */
function dns2Reply(id: number, rcode: number, qname: string, answers: Record<string, unknown>[]): Buffer {
  const p = new Packet();
  p.header.id = id;
  p.header.qr = 1;
  p.header.aa = 1;
  p.header.rcode = rcode;
  p.questions.push({ name: qname, type: Packet.TYPE.A, class: Packet.CLASS.IN } as Dns2Packet['questions'][number]);
  p.answers = answers.map((a) => ({ class: Packet.CLASS.IN, ...a })) as unknown as Dns2Packet['answers'];
  return p.toBuffer();
}

describe('bench/wire', () => {
  it('encodes a recursive query dns2 reads back: ID, RD=1, one question, no EDNS', () => {
    const buf = encodeQuery(0xbeef, 'redis-master.default.svc.cluster.local.', 'AAAA');
    const p = Packet.parse(buf);
    assert.equal(p.header.id, 0xbeef);
    assert.equal(p.header.qr, 0);
    assert.equal(p.header.rd, 1);
    assert.equal(p.header.opcode, 0);
    assert.deepEqual(p.questions.map((q) => [q.name, q.type, q.class]), [['redis-master.default.svc.cluster.local', 28, 1]]);
    assert.equal(p.additionals.length, 0);
    // 12 header + 40 name octets + 4.
    assert.equal(buf.length, 12 + 40 + 4);
  });

  it('encodes relative and absolute spellings identically, keeping the case', () => {
    assert.deepEqual(encodeQuery(1, 'Svc1.TestNS', 'A'), encodeQuery(1, 'Svc1.TestNS.', 'A'));
    assert.equal(Packet.parse(encodeQuery(1, 'Svc1.TestNS', 'A')).questions[0]!.name, 'Svc1.TestNS');
  });

  it('refuses names that cannot go on the wire', () => {
    assert.throws(() => encodeQuery(1, `${'a'.repeat(64)}.test`, 'A'), /label of 64 octets/);
    assert.throws(() => encodeQuery(1, 'a..b', 'A'), /label of 0 octets/);
    assert.throws(() => encodeQuery(1, Array.from({ length: 5 }, () => 'b'.repeat(63)).join('.'), 'A'), /longer than 255 octets/);
    assert.throws(() => encodeQuery(1, 'x.test', 'HINFO'), /unsupported query type HINFO/);
  });

  it('decodes rcode, AA and compressed answer records in zone-file form', () => {
    const buf = dns2Reply(7, 0, 'www.example.test', [
      { name: 'www.example.test', type: Packet.TYPE.CNAME, ttl: 60, domain: 'web.example.test' },
      { name: 'web.example.test', type: Packet.TYPE.A, ttl: 30, address: '203.0.113.10' },
      { name: 'web.example.test', type: Packet.TYPE.AAAA, ttl: 30, address: '2001:db8::a' },
    ]);
    const r = decodeReply(buf);
    assert.ok(r);
    assert.equal(r.id, 7);
    assert.equal(r.rcodeName, 'NOERROR');
    assert.equal(r.answer.rcode, 'NOERROR');
    assert.equal(r.answer.authoritative, true);
    assert.deepEqual(r.answer.answer, [
      { name: 'www.example.test.', type: 'CNAME', class: 'IN', ttl: 60, data: 'web.example.test.' },
      { name: 'web.example.test.', type: 'A', class: 'IN', ttl: 30, data: '203.0.113.10' },
      { name: 'web.example.test.', type: 'AAAA', class: 'IN', ttl: 30, data: '2001:db8::a' },
    ]);
  });

  it('decodes NXDOMAIN with no answers, and keeps unknown rcodes by number (SERVFAIL to the walk)', () => {
    const nx = decodeReply(dns2Reply(9, 3, 'missing.test', []));
    assert.deepEqual([nx?.rcodeName, nx?.answer.rcode, nx?.answer.answer], ['NXDOMAIN', 'NXDOMAIN', []]);
    const odd = decodeReply(dns2Reply(9, 9, 'x.test', []));
    assert.deepEqual([odd?.rcodeName, odd?.answer.rcode], ['RCODE9', 'SERVFAIL']);
  });

  it('rejects queries, short and truncated messages', () => {
    assert.equal(decodeReply(encodeQuery(1, 'a.test', 'A')), null); // QR=0
    assert.equal(decodeReply(Buffer.alloc(11)), null);
    const full = dns2Reply(3, 0, 'a.test', [{ name: 'a.test', type: Packet.TYPE.A, ttl: 5, address: '10.0.0.1' }]);
    assert.equal(decodeReply(full.subarray(0, full.length - 2)), null);
    // A compression pointer loop.
    const loop = Buffer.from(full);
    loop.writeUInt16BE(1, 6); // ANCOUNT 1, answer owner replaced by a pointer to itself
    const at = 12 + 8 + 4; // after the question a.test + type/class
    loop.writeUInt16BE(0xc000 | at, at);
    assert.equal(decodeReply(loop), null);
  });
});
