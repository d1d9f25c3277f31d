import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';

const cli = join(__dirname, '../../../dist/cli.js');

describe('tic-studio writing into a pipe its reader closed (`… | head`)', () => {
  it('ends quietly: no EPIPE stack trace on stderr', async function () {
    this.timeout(20_000);
    // Far more than a pipe buffers (64 KiB), so the CLI is still writing when the reader goes.
    const texts = Array.from({ length: 50000 }, (_, i) => String(i));
    const child = spawn(process.execPath, [cli, 'tokenize', ...texts], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // Read the first chunk, then close the pipe as `head -1` does.
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    assert.doesNotMatch(stderr, /EPIPE|Error/, stderr);
    assert.equal(code, 0);
  });
});
