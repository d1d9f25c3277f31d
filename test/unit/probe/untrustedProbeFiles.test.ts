import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readImageFile } from '../../../src/probe/imageFile';
import { ProbeError } from '../../../src/probe/probeError';
import { listProbeExports } from '../../../src/probe/probeExports';
import { makeFifo, releaseFifos } from '../shared/fifoFixture';

const tiny = join(__dirname, '../../fixtures/probe/tiny-clip');

describe('probe files that are not files', () => {
  let dir: string;
  const fifos: string[] = [];
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'tic-probe-untrusted-'))));
  afterEach(() => {
    releaseFifos(...fifos.splice(0));
    rmSync(dir, { recursive: true, force: true });
  });

  it('skips an export whose probe.json is a named pipe and still lists the good one', async () => {
    const cache = join(dir, 'cache');
    cpSync(tiny, join(cache, 'good'), { recursive: true });
    mkdirSync(join(cache, 'piped'));
    fifos.push(makeFifo(join(cache, 'piped', 'probe.json')));
    const listed = await listProbeExports([cache]);
    assert.deepEqual(
      listed.map((e) => e.dir),
      [join(cache, 'good')],
    );
  });

  it('refuses an image that is a named pipe or a device, naming it', async () => {
    const pipe = makeFifo(join(dir, 'cat.png'));
    fifos.push(pipe);
    const zero = join(dir, 'dog.jpg');
    symlinkSync('/dev/zero', zero);
    for (const [path, kind] of [
      [pipe, 'a named pipe'],
      [zero, 'a device'],
    ] as const) {
      await assert.rejects(readImageFile(path), (error: unknown) => {
        assert.ok(ProbeError.is(error) && error.reason === 'unsupportedImage', String(error));
        assert.equal(error.message, `${path} is ${kind}, not a file`);
        return true;
      });
    }
  });
});
