import assert from 'node:assert/strict';
import { VirtualClock } from '../../lib/sim/clock.js';
import { TimerQueue } from '../../lib/sim/timers.js';
import { WorkQueue } from '../../lib/reconcile/workqueue.js';

describe('reconcile/workqueue', () => {
  it('de-duplicates keys waiting in the queue, FIFO otherwise', () => {
    const q = new WorkQueue('t', new TimerQueue(new VirtualClock()));
    for (const k of ['a', 'b', 'a', 'c', 'b']) q.add(k);
    assert.equal(q.length, 3);
    assert.deepEqual([q.get(), q.get(), q.get(), q.get()], ['a', 'b', 'c', undefined]);
    q.add('a');
    assert.equal(q.get(), 'a');
  });
  it('backs off per key as client-go: 5ms, 10ms, 20ms …, reset by forget', () => {
    const clock = new VirtualClock();
    const timers = new TimerQueue(clock);
    const q = new WorkQueue('t', timers);
    const seen: number[] = [];
    for (let i = 0; i < 4; i++) {
      q.addRateLimited('k');
      timers.fireNext();
      seen.push(clock.now());
      assert.equal(q.get(), 'k');
    }
    assert.deepEqual(seen, [5, 15, 35, 75]);
    q.forget('k');
    q.addRateLimited('k');
    timers.fireNext();
    assert.equal(clock.now(), 80);
  });
  it('keeps the earliest of two delayed adds', () => {
    const clock = new VirtualClock();
    const timers = new TimerQueue(clock);
    const q = new WorkQueue('t', timers);
    q.addAfter('k', 1000);
    q.addAfter('k', 200);
    q.addAfter('k', 5000);
    while (timers.fireNext()) {}
    assert.equal(clock.now(), 200);
    assert.equal(q.get(), 'k');
    assert.equal(q.get(), undefined);
  });
});
