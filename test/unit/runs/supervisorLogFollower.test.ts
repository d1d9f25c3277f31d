import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LogFollower } from '../../../src/runs/supervisorLogFollower';

describe('LogFollower', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tic-follow-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('delivers appended bytes as chunks and complete lines, holding back a split character and a partial line', async () => {
    const path = join(dir, 'out.log');
    const chunks: string[] = [];
    const lines: string[] = [];
    const follower = new LogFollower({
      path,
      pollMs: 10_000,
      onChunk: (t) => chunks.push(t),
      onLine: (l) => lines.push(l),
    });
    await follower.drain(); // The file does not exist yet.
    const euro = Buffer.from('€', 'utf8');
    writeFileSync(path, Buffer.concat([Buffer.from('first line\r\nsecond '), euro.subarray(0, 1)]));
    await follower.drain();
    assert.deepEqual(lines, ['first line']);
    appendFileSync(path, Buffer.concat([euro.subarray(1), Buffer.from(' half\nthird')]));
    await follower.drain();
    assert.deepEqual(lines, ['first line', 'second € half']);
    assert.equal(chunks.join(''), 'first line\r\nsecond € half\nthird');
    follower.flush();
    assert.deepEqual(lines, ['first line', 'second € half', 'third']);
    follower.dispose();
  });

  it('starts at an offset (this run’s part of an appended out.log) and restarts when the file shrinks', async () => {
    const path = join(dir, 'out.log');
    writeFileSync(path, 'old run\n');
    const lines: string[] = [];
    const follower = new LogFollower({ path, fromOffset: 8, pollMs: 10_000, onLine: (l) => lines.push(l) });
    appendFileSync(path, 'new run\n');
    await follower.drain();
    assert.deepEqual(lines, ['new run']);
    writeFileSync(path, 'x\n');
    await follower.drain();
    assert.deepEqual(lines, ['new run', 'x']);
    assert.equal(follower.position, 2);
  });

  it('polls by itself once started', async () => {
    const path = join(dir, 'out.log');
    const lines: string[] = [];
    const follower = new LogFollower({ path, pollMs: 10, onLine: (l) => lines.push(l) }).start();
    try {
      appendFileSync(path, 'a\nb\n');
      const deadline = Date.now() + 2000;
      while (lines.length < 2) {
        assert.ok(Date.now() < deadline);
        await new Promise((r) => setTimeout(r, 10));
      }
      assert.deepEqual(lines, ['a', 'b']);
    } finally {
      follower.dispose();
    }
  });
});
