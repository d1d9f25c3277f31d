import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeBytesAtomic, writeTextAtomic } from '../../../src/shared/atomicWrite';

describe('writeTextAtomic (records, claims, the HF cache refs)', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'tic-atomic-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('replaces the file whole, with the mode asked for, and leaves no temp file', async () => {
    const path = join(dir, 'refs-main');
    writeFileSync(path, 'old');
    await writeTextAtomic(path, 'abc', 0o644);
    assert.equal(readFileSync(path, 'utf8'), 'abc');
    assert.equal(statSync(path).mode & 0o777, 0o644);
    await writeTextAtomic(join(dir, 'record.json'), '{}');
    assert.equal(statSync(join(dir, 'record.json')).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(dir).sort(), ['record.json', 'refs-main']);
  });

  it('replaces a link at the path instead of writing through it', async () => {
    const victim = join(dir, 'victim');
    writeFileSync(victim, 'precious');
    const path = join(dir, 'link');
    symlinkSync(victim, path);
    await writeTextAtomic(path, 'new');
    assert.equal(readFileSync(victim, 'utf8'), 'precious');
    assert.equal(readFileSync(path, 'utf8'), 'new');
  });

  it('writes byte chunks one after the other (the series cache), a link at the path replaced', async () => {
    const victim = join(dir, 'victim');
    writeFileSync(victim, 'precious');
    const path = join(dir, 'entry.series');
    symlinkSync(victim, path);
    const big = new Uint8Array(3 << 20).fill(7);
    await writeBytesAtomic(path, [Uint8Array.from([1, 2]), big, Uint8Array.from([3])], { sync: false });
    const bytes = readFileSync(path);
    assert.equal(bytes.length, 2 + big.length + 1);
    assert.deepEqual([bytes[0], bytes[1], bytes[2], bytes[bytes.length - 2], bytes[bytes.length - 1]], [1, 2, 7, 7, 3]);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.equal(readFileSync(victim, 'utf8'), 'precious');
    assert.deepEqual(readdirSync(dir).sort(), ['entry.series', 'victim']);
  });
});
