import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileSha256 } from '../../../src/runs/fileSha256';

describe('fileSha256', () => {
  it('agrees with sha256sum on a real checkpoint', async () => {
    const file = join(__dirname, '../../fixtures/checkpoints/epoch_2.pt');
    const expected = execFileSync('sha256sum', [file], { encoding: 'utf8' }).split(' ')[0];
    assert.equal(await fileSha256(file), expected);
  });
});
