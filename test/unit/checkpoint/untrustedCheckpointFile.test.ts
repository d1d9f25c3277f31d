import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CheckpointError } from '../../../src/checkpoint/base/checkpointError';
import { openCheckpoint } from '../../../src/checkpoint/readers/openCheckpoint';
import { makeFifo, releaseFifos } from '../shared/fifoFixture';

describe('checkpoint files that are not files', () => {
  let dir: string;
  const fifos: string[] = [];
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'tic-ckpt-untrusted-'))));
  afterEach(() => {
    releaseFifos(...fifos.splice(0));
    rmSync(dir, { recursive: true, force: true });
  });

  it('says a named pipe called x.pt is not a checkpoint, without waiting for a writer', async () => {
    const path = makeFifo(join(dir, 'x.pt'));
    fifos.push(path);
    await assert.rejects(openCheckpoint(path), (error: unknown) => {
      assert.ok(CheckpointError.is(error, 'notACheckpoint'), String(error));
      assert.equal(error.message, `${path} is a named pipe, not a file`);
      return true;
    });
  });

  it('says a link to /dev/zero is not a checkpoint', async () => {
    const path = join(dir, 'epoch_latest.pt');
    symlinkSync('/dev/zero', path);
    await assert.rejects(openCheckpoint(path), (error: unknown) => {
      assert.ok(CheckpointError.is(error, 'notACheckpoint'), String(error));
      assert.match(error.message, /is a device, not a file$/);
      return true;
    });
  });
});
