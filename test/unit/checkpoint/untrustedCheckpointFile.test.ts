import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CheckpointError } from '../../../src/checkpoint/base/checkpointError';
import { openCheckpoint } from '../../../src/checkpoint/readers/openCheckpoint';
import { inspectCheckpoint } from '../../../src/checkpoint/report';
import { makeFifo, releaseFifos } from '../shared/fifoFixture';

for (const synchronousReads of [false, true])
  describe(`checkpoint files that are not files${synchronousReads ? ' (synchronous reads, as the CLI opens them)' : ''}`, () => {
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
      await assert.rejects(openCheckpoint(path, { synchronousReads }), (error: unknown) => {
        assert.ok(CheckpointError.is(error, 'notACheckpoint'), String(error));
        assert.equal(error.message, `${path} is a named pipe, not a file`);
        return true;
      });
    });

    it('says a link to /dev/zero is not a checkpoint', async () => {
      const path = join(dir, 'epoch_latest.pt');
      symlinkSync('/dev/zero', path);
      await assert.rejects(openCheckpoint(path, { synchronousReads }), (error: unknown) => {
        assert.ok(CheckpointError.is(error, 'notACheckpoint'), String(error));
        assert.match(error.message, /is a device, not a file$/);
        return true;
      });
    });
  });

describe('synchronous reads (the CLI)', () => {
  it('give the same report, bytes read included, as the FileHandle reads of the extension', async () => {
    for (const name of ['module_prefix.pt', 'legacy.pt', 'weights.safetensors']) {
      const path = join(__dirname, '../../fixtures/checkpoints', name);
      const withoutTime = (r: Awaited<ReturnType<typeof inspectCheckpoint>>) => ({
        ...r,
        stats: { ...r.stats, elapsedMs: 0 },
      });
      const sync = withoutTime(await inspectCheckpoint(path, { synchronousReads: true }));
      assert.ok(sync.tensors.length > 0, name);
      assert.deepEqual(sync, withoutTime(await inspectCheckpoint(path)), name);
    }
  });

  it('name a missing file with the system error, as before', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tic-ckpt-sync-'));
    try {
      await assert.rejects(openCheckpoint(join(dir, 'gone.pt'), { synchronousReads: true }), { code: 'ENOENT' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
