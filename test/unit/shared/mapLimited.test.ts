import assert from 'node:assert/strict';
import { mapLimited } from '../../../src/shared/mapLimited';

describe('mapLimited: a bounded, yielding Promise.all', () => {
  it('keeps the order of the items, with at most `limit` in flight', async () => {
    let inFlight = 0;
    let most = 0;
    const out = await mapLimited([5, 1, 4, 2, 3, 0, 6], 3, async (n, i) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((r) => setTimeout(r, n));
      inFlight--;
      return `${i}:${n}`;
    });
    assert.deepEqual(out, ['0:5', '1:1', '2:4', '3:2', '4:3', '5:0', '6:6']);
    assert.equal(most, 3);
  });

  it('lets the event loop run between items, even when every item resolves at once', async () => {
    // Work that never waits for I/O: with Promise.all all of it would run before any timer or I/O callback.
    const order: string[] = [];
    const ticker = setImmediate(() => order.push('loop'));
    await mapLimited([1, 2, 3, 4], 1, async (n) => {
      order.push(`item ${n}`);
      return n;
    });
    clearImmediate(ticker);
    assert.ok(order.indexOf('loop') > 0 && order.indexOf('loop') < order.length - 1, order.join(', '));
  });

  it('returns [] for no items', async () => {
    assert.deepEqual(await mapLimited([], 4, async () => 1), []);
  });
});
