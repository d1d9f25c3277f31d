import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { acquireBlobLock, isStale } from '../../../../src/hub/cache/blobLock';
import { scratch } from '../hubTestKit';

describe('blob lock (blobs/<hash>.lock)', () => {
  let dir: ReturnType<typeof scratch>;
  beforeEach(() => (dir = scratch()));
  afterEach(() => dir.remove());

  it('writes pid, host, startedAt and heartbeatAt, refreshes the heartbeat, and removes the file on release', async () => {
    const path = join(dir.dir, 'h.lock');
    const lock = await acquireBlobLock(path, { heartbeatMs: 30 });
    const first = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    assert.deepEqual(Object.keys(first).sort(), ['heartbeatAt', 'host', 'id', 'pid', 'startedAt']);
    assert.deepEqual([first.pid, first.host], [process.pid, hostname()]);
    await new Promise((r) => setTimeout(r, 120));
    const later = JSON.parse(readFileSync(path, 'utf8')) as Record<string, string>;
    assert.ok(later.heartbeatAt! > (first.heartbeatAt as string), 'heartbeat moved on');
    await lock.release();
    assert.throws(() => readFileSync(path));
  });

  it("notices when another process broke its lock, and then leaves the new holder's file alone", async () => {
    const path = join(dir.dir, 'h.lock');
    const lock = await acquireBlobLock(path, { heartbeatMs: 20 });
    let told = false;
    lock.onLost(() => (told = true));
    const usurper = JSON.stringify({
      pid: 1,
      host: 'elsewhere',
      startedAt: 'x',
      heartbeatAt: new Date().toISOString(),
      id: 'usurper',
    });
    writeFileSync(path, usurper);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(lock.lost, true);
    assert.equal(told, true);
    await lock.release();
    assert.equal(readFileSync(path, 'utf8'), usurper);
  });

  it('judges staleness by heartbeat age and by a dead pid on this host only', () => {
    const now = Date.parse('2025-01-01T00:01:00Z');
    const rec = (pid: number, host: string, beat: string) => ({
      record: { pid, host, startedAt: beat, heartbeatAt: beat, id: 'x' },
      mtimeMs: Date.parse(beat),
    });
    const opts = { now, staleMs: 60_000, host: hostname() };
    assert.equal(isStale(rec(process.pid, hostname(), '2025-01-01T00:00:30Z'), opts), false);
    assert.equal(isStale(rec(process.pid, hostname(), '2024-12-31T23:59:00Z'), opts), true);
    // A pid that cannot exist: dead here, but unknowable on another host.
    assert.equal(isStale(rec(2 ** 30, hostname(), '2025-01-01T00:00:30Z'), opts), true);
    assert.equal(isStale(rec(2 ** 30, 'other-host', '2025-01-01T00:00:30Z'), opts), false);
    // Unreadable JSON (caught between open and write): the mtime decides.
    assert.equal(isStale({ record: undefined, mtimeMs: now - 1000 }, opts), false);
    assert.equal(isStale({ record: undefined, mtimeMs: now - 120_000 }, opts), true);
  });
});
