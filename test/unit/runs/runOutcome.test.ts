import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunRecord } from '../../../src/runs/model/runRecord';
import { readRunOutcome } from '../../../src/runs/runOutcome';
import { makeFifo, releaseFifos } from '../shared/fifoFixture';

function record(logPath: string): RunRecord {
  return {
    version: 1,
    id: 'r1',
    kind: 'eval',
    label: 'r1',
    argv: ['python', 'evaluate.py'],
    cwd: '/w/datacomp',
    env: {},
    host: 'h',
    simulated: true,
    status: 'running',
    createdAt: '2026-01-01T00:00:00.000Z',
    logPath,
  };
}

describe('readRunOutcome', () => {
  let dir: string;
  const fifos: string[] = [];
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'tic-outcome-'))));
  afterEach(() => {
    releaseFifos(...fifos.splice(0));
    rmSync(dir, { recursive: true, force: true });
  });

  it("reads the end of the run's console log", async () => {
    const log = join(dir, 'r1.log');
    writeFileSync(log, `${'x'.repeat(100_000)}\nRuntimeError: CUDA out of memory\n`);
    const outcome = await readRunOutcome(record(log), { exitCode: 1, signal: null });
    assert.equal(outcome.logTail.length, 64 * 1024);
    assert.match(outcome.logTail, /CUDA out of memory\n$/);
  });

  it('does not wait on a record whose log is a named pipe, nor read a link to /dev/zero', async () => {
    const pipe = makeFifo(join(dir, 'r1.log'));
    fifos.push(pipe);
    assert.equal((await readRunOutcome(record(pipe), { exitCode: 1, signal: null })).logTail, '');
    const zero = join(dir, 'zero.log');
    symlinkSync('/dev/zero', zero);
    assert.equal((await readRunOutcome(record(zero), { exitCode: 1, signal: null })).logTail, '');
  });
});
