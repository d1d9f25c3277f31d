import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  notRegularFileError,
  openUntrustedFile,
  readUntrustedFile,
  readUntrustedText,
  UntrustedFileError,
} from '../../../src/shared/untrustedFile';

describe('untrusted workspace files', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tic-untrusted-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function fifo(name: string): string {
    const path = join(dir, name);
    execFileSync('mkfifo', [path]);
    return path;
  }

  async function refusal(promise: Promise<unknown>): Promise<UntrustedFileError> {
    try {
      await promise;
    } catch (error) {
      assert.ok(UntrustedFileError.is(error), `expected an UntrustedFileError, got ${String(error)}`);
      return error;
    }
    assert.fail('expected the read to be refused');
  }

  it('reads a small regular file whole, also through a symlink', async () => {
    writeFileSync(join(dir, 'params.txt'), 'lr: 0.001\n');
    symlinkSync(join(dir, 'params.txt'), join(dir, 'link.txt'));
    assert.equal(await readUntrustedText(join(dir, 'params.txt'), 1024), 'lr: 0.001\n');
    assert.equal(await readUntrustedText(join(dir, 'link.txt'), 1024), 'lr: 0.001\n');
  });

  it('refuses a named pipe without waiting for a writer', async () => {
    const path = fifo('run.json');
    const error = await refusal(readUntrustedFile(path, 1024));
    assert.equal(error.reason, 'notRegular');
    assert.equal(error.path, path);
    assert.equal(error.message, `${path} is a named pipe, not a file`);
  });

  it('refuses to open a named pipe for streaming', async () => {
    const error = await refusal(openUntrustedFile(fifo('out.log')));
    assert.equal(error.reason, 'notRegular');
    assert.match(error.message, /named pipe/);
  });

  it('refuses a symlink to /dev/zero instead of reading forever', async () => {
    const path = join(dir, 'eval_results.jsonl');
    symlinkSync('/dev/zero', path);
    const error = await refusal(readUntrustedText(path, 1024 * 1024));
    assert.equal(error.reason, 'notRegular');
    assert.equal(error.message, `${path} is a device, not a file`);
    assert.equal((await refusal(openUntrustedFile(path))).reason, 'notRegular');
  });

  it('refuses a folder', async () => {
    const path = join(dir, 'results.jsonl');
    mkdirSync(path);
    const error = await refusal(readUntrustedFile(path, 1024));
    assert.equal(error.reason, 'notRegular');
    assert.equal(error.message, `${path} is a folder, not a file`);
  });

  it('refuses a unix socket', async () => {
    const path = join(dir, 'sock.json');
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen(path, resolve));
    try {
      const error = await refusal(readUntrustedFile(path, 1024));
      assert.equal(error.reason, 'notRegular');
      assert.match(error.message, /socket, not a file/);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('says a file over the cap is too large, with both sizes, instead of returning part of it', async () => {
    const path = join(dir, 'big.json');
    writeFileSync(path, Buffer.alloc(3 * 1024 * 1024 + 300 * 1024, 0x20));
    const error = await refusal(readUntrustedFile(path, 1024 * 1024, { what: 'a run record' }));
    assert.equal(error.reason, 'tooLarge');
    assert.equal(error.message, `${path} is 3.3 MiB; TiC Studio reads at most 1.0 MiB of a run record`);
  });

  it('reads a file of exactly the cap', async () => {
    const path = join(dir, 'exact.bin');
    writeFileSync(path, Buffer.alloc(4096, 7));
    assert.equal((await readUntrustedFile(path, 4096)).length, 4096);
    assert.equal((await refusal(readUntrustedFile(path, 4095))).reason, 'tooLarge');
  });

  it('says a missing file is not found', async () => {
    const path = join(dir, 'missing.json');
    const error = await refusal(readUntrustedFile(path, 1024));
    assert.equal(error.reason, 'notFound');
    assert.equal((await refusal(openUntrustedFile(path))).reason, 'notFound');
  });

  it('says a link loop cannot be read', async () => {
    symlinkSync(join(dir, 'b'), join(dir, 'a'));
    symlinkSync(join(dir, 'a'), join(dir, 'b'));
    assert.equal((await refusal(readUntrustedFile(join(dir, 'a'), 1024))).reason, 'unreadable');
  });

  it('tells, without opening it, that a known file name is not a file', async () => {
    const pipe = fifo('params.txt');
    writeFileSync(join(dir, 'out.log'), '');
    assert.equal((await notRegularFileError(pipe))?.message, `${pipe} is a named pipe, not a file`);
    assert.equal(await notRegularFileError(join(dir, 'out.log')), null);
    assert.equal(await notRegularFileError(join(dir, 'missing.jsonl')), null);
  });
});
