import assert from 'node:assert/strict';
import { VirtualClock, formatDuration, parseDuration } from '../../lib/sim/clock.js';
import { Random } from '../../lib/sim/random.js';
import { TimerQueue } from '../../lib/sim/timers.js';

describe('sim/clock', () => {
  it('parses Go durations', () => {
    const cases: [string, number | null][] = [
      ['300ms', 300], ['30s', 30_000], ['5m', 300_000], ['1h', 3_600_000], ['1m30s', 90_000], ['1.5s', 1500],
      ['0', 0], ['', null], ['5', null], ['5x', null], ['s', null], ['1h 2m', null], ['-1s', null],
    ];
    for (const [text, ms] of cases) assert.equal(parseDuration(text), ms, text);
  });
  it('formats durations as Go prints them', () => {
    assert.equal(formatDuration(0), '0s');
    assert.equal(formatDuration(250), '250ms');
    assert.equal(formatDuration(12_000), '12s');
    assert.equal(formatDuration(90_000), '1m30s');
    assert.equal(formatDuration(3_600_000), '1h0m0s');
    assert.equal(formatDuration(1500), '1.5s');
  });
  it('never goes back and stamps RFC 3339 from a fixed epoch', () => {
    const c = new VirtualClock();
    assert.equal(c.timestamp(), '2026-01-01T00:00:00Z');
    c.advanceBy(61_000);
    assert.equal(c.timestamp(), '2026-01-01T00:01:01Z');
    assert.throws(() => c.advanceTo(1000), RangeError);
  });
});

describe('sim/timers', () => {
  it('fires in due order, same-time timers in the order they were set', () => {
    const clock = new VirtualClock();
    const q = new TimerQueue(clock);
    const fired: string[] = [];
    q.at(500, () => fired.push('b@500'));
    q.at(100, () => fired.push('a@100'));
    q.at(500, () => fired.push('c@500'));
    const h = q.at(300, () => fired.push('cancelled'));
    h.cancel();
    assert.equal(q.size, 3);
    while (q.fireNext()) fired.push(`now=${clock.now()}`);
    assert.deepEqual(fired, ['a@100', 'now=100', 'b@500', 'c@500', 'now=500']);
    assert.equal(q.size, 0);
  });
  it('stops at a limit without advancing past it', () => {
    const clock = new VirtualClock();
    const q = new TimerQueue(clock);
    q.at(1000, () => {});
    assert.equal(q.fireNext(999), false);
    assert.equal(clock.now(), 0);
    assert.equal(q.nextDue(), 1000);
  });
});

describe('sim/random', () => {
  it('is reproducible per seed and independent per child', () => {
    const a = new Random(7).child('scheduler');
    const b = new Random(7).child('scheduler');
    const seqA = Array.from({ length: 5 }, () => a.int(0, 1000));
    assert.deepEqual(seqA, Array.from({ length: 5 }, () => b.int(0, 1000)));
    const c = new Random(7).child('proxy');
    assert.notDeepEqual(seqA, Array.from({ length: 5 }, () => c.int(0, 1000)));
  });
  it('draws name suffixes from the Kubernetes alphabet', () => {
    const s = new Random(1).suffix(500);
    assert.match(s, /^[bcdfghjklmnpqrstvwxz2456789]{500}$/);
  });
});
