import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { startHostProfile, startHostStallLog } from '../../../../src/vscode/common/hostStallLog';

describe('the extension host stall log (benchmarks of the real workbench)', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'tic-stall-log-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('appends one line per second with the longest block of the event loop and the memory', async () => {
    const path = join(dir, 'stalls.jsonl');
    const log = startHostStallLog({ TIC_STUDIO_HOST_STALL_LOG: path });
    try {
      await delay(50);
      const until = Date.now() + 120;
      while (Date.now() < until) {
        // block the event loop
      }
      // The first line comes after a second (later on a busy machine).
      for (let i = 0; i < 100 && !(existsSync(path) && readFileSync(path, 'utf8').endsWith('\n')); i++)
        await delay(100);
    } finally {
      log.dispose();
    }
    const lines = readFileSync(path, 'utf8').trim().split('\n');
    const line = JSON.parse(lines[0]!) as Record<string, number>;
    assert.deepEqual(Object.keys(line).sort(), ['maxMs', 'peakRssMiB', 'rssMiB', 't']);
    assert.ok(line.maxMs! >= 100, `the 120 ms block was seen as ${line.maxMs} ms`);
    assert.ok(line.rssMiB! > 0 && line.peakRssMiB! >= line.rssMiB! - 1);
  });

  it('does nothing without the variable or with a relative path', async () => {
    for (const env of [{}, { TIC_STUDIO_HOST_STALL_LOG: 'stalls.jsonl' }]) startHostStallLog(env).dispose();
    await delay(50);
    assert.ok(!existsSync('stalls.jsonl'));
  });

  it('writes a CPU profile of this thread after the seconds asked for, when asked', async () => {
    const path = join(dir, 'host.cpuprofile');
    const profile = startHostProfile({ TIC_STUDIO_HOST_PROFILE: path, TIC_STUDIO_HOST_PROFILE_SECONDS: '1' });
    // Written after a second (later on a busy machine): read once it is whole.
    const read = (): { nodes: unknown[]; samples: unknown[] } | null => {
      try {
        return JSON.parse(readFileSync(path, 'utf8')) as { nodes: unknown[]; samples: unknown[] };
      } catch {
        return null;
      }
    };
    let written = null;
    try {
      for (let i = 0; i < 200 && !(written = read()); i++) await delay(50);
    } finally {
      profile.dispose();
    }
    assert.ok(written, 'no profile written');
    assert.ok(written.nodes.length > 0 && Array.isArray(written.samples));
    startHostProfile({}).dispose();
  });
});
