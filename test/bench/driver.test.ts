// The load driver against fake servers on 127.0.0.1: loss is what goes unanswered within the
// timeout, and a lost query ends its lookup.
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { parseResolvConf } from '../../dns/resolvconf.js';
import { type LoadPlan, runLoad } from '../../lib/bench/driver.js';

const rc = parseResolvConf('search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n');

/** A UDP responder: NXDOMAIN to the queries `answer` accepts, silence to the rest. */
async function fakeServer(answer: (id: number) => boolean): Promise<{ port: number; seen: number[]; close: () => Promise<void> }> {
  const sock = dgram.createSocket('udp4');
  const seen: number[] = [];
  sock.on('message', (msg, from) => {
    const id = msg.readUInt16BE(0);
    seen.push(id);
    if (!answer(id)) return;
    const reply = Buffer.from(msg);
    reply[2] = 0x81; // QR, RD
    reply[3] = 0x83; // RA, NXDOMAIN
    sock.send(reply, from.port, from.address);
  });
  await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', () => resolve()));
  return { port: sock.address().port, seen, close: () => new Promise((resolve) => sock.close(() => resolve())) };
}

const plan = (port: number, names: string[]): LoadPlan => ({
  host: '127.0.0.1', port, rate: 50, durationMs: 200, concurrency: 10, timeoutMs: 100, seed: 1, stream: 'test',
  weights: [1], types: ['A'], clients: [{ rc, resolver: 'glibc', names }],
});

describe('bench/driver', function () {
  this.timeout(10_000);

  it('counts unanswered queries as lost and ends their lookups as LOST', async () => {
    // IDs go out 0, 1, 2, ... on the one socket: the odd ones are dropped.
    const server = await fakeServer((id) => id % 2 === 0);
    try {
      const s = await runLoad(plan(server.port, ['x.example.'])); // trailing dot: one query per lookup
      assert.equal(s.planned, 10);
      assert.equal(s.lookups, 10);
      assert.deepEqual(server.seen, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      assert.deepEqual([s.queriesSent, s.queriesAnswered, s.queriesLost, s.queriesCancelled], [10, 5, 5, 0]);
      assert.deepEqual(s.queryRcodes, { NXDOMAIN: 5 });
      const status = [...s.lookupStatus].map((i) => s.statuses[i]);
      assert.equal(status.filter((x) => x === 'NXDOMAIN').length, 5);
      assert.equal(status.filter((x) => x === 'LOST').length, 5);
      assert.ok(s.queryLatencyMs.every((ms) => ms >= 0 && ms < 100));
    } finally {
      await server.close();
    }
  });

  it('walks the search list query by query: four NXDOMAIN for a short name with ndots:5', async () => {
    const server = await fakeServer(() => true);
    try {
      const s = await runLoad(plan(server.port, ['missing']));
      assert.equal(s.lookups, 10);
      assert.deepEqual([...s.lookupQueries], new Array(10).fill(4));
      assert.deepEqual([s.queriesSent, s.queriesAnswered, s.queriesLost], [40, 40, 0]);
      assert.ok([...s.lookupStatus].every((i) => s.statuses[i] === 'NXDOMAIN'));
    } finally {
      await server.close();
    }
  });
});
