import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileSha256 } from '../../../src/shared/fileSha256';
import { UntrustedFileError } from '../../../src/shared/untrustedFile';
import { makeFifo, releaseFifos } from './fifoFixture';

describe('fileSha256', () => {
  it('agrees with sha256sum on a real checkpoint', async () => {
    const file = join(__dirname, '../../fixtures/checkpoints/epoch_2.pt');
    const expected = execFileSync('sha256sum', [file], { encoding: 'utf8' }).split(' ')[0];
    assert.equal(await fileSha256(file), expected);
  });

  it('refuses a named pipe or a link to /dev/zero posing as a checkpoint, instead of hashing forever', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tic-sha-'));
    const pipe = makeFifo(join(dir, 'epoch_latest.pt'));
    symlinkSync('/dev/zero', join(dir, 'epoch_1.pt'));
    try {
      for (const name of ['epoch_latest.pt', 'epoch_1.pt'])
        await assert.rejects(fileSha256(join(dir, name)), (e: unknown) => UntrustedFileError.is(e, 'notRegular'));
    } finally {
      releaseFifos(pipe);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
