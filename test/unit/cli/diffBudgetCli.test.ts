import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultMaxDiffElements } from '../../../src/checkpoint/diff';
import { runCli } from '../../../src/cli/runCli';
import { runCliInProcess } from '../../support/runCliInProcess';
import { stridedViewsCheckpoint, type StrideView } from '../checkpoint/strideViews';
import { encodeValues } from '../checkpoint/syntheticCheckpoints';

function tic(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return runCliInProcess(runCli, args);
}

describe('tic-studio diff: the work bound', () => {
  let root: string;
  const file = (name: string, storages: Record<string, Uint8Array>, views: StrideView[]): string => {
    const path = join(root, name);
    writeFileSync(path, stridedViewsCheckpoint(storages, views));
    return path;
  };
  beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'tic-diff-budget-'))));
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('refuses a diff over --max-elements with one line naming the bound, comparing nothing', async () => {
    const path = file('small.pt', { s: encodeValues('float32', [1, 2, 3, 4, 5, 6]) }, [
      { name: 'a', storage: 's', shape: [6], stride: [1] },
      { name: 'b', storage: 's', shape: [6], stride: [1] },
    ]);
    const out = await tic('diff', path, path, '--max-elements', '11');
    assert.equal(out.code, 1);
    assert.equal(out.stdout, '');
    assert.equal(out.stderr.trim().split('\n').length, 1);
    assert.match(out.stderr, /tooLarge: .*reading 12 values from each, over the bound of 11 \(--max-elements\)/);
    assert.equal((await tic('diff', path, path, '--max-elements', '12')).code, 0);
  });

  it('bounds the total by default: a thousand views of one storage are refused, naming the default', async () => {
    const perView = 4_000_000;
    const views = Math.floor(defaultMaxDiffElements / perView) + 1;
    const path = file(
      'shared.pt',
      { s: new Uint8Array(4 * perView) },
      Array.from({ length: views }, (_, i) => ({ name: `w${i}`, storage: 's', shape: [perView], stride: [1] })),
    );
    const out = await tic('diff', path, path);
    assert.equal(out.code, 1);
    assert.match(out.stderr, new RegExp(`over the bound of ${defaultMaxDiffElements} \\(--max-elements\\)`));
  });

  it('compares an expand both sides share over its stored value, and lists a one-sided repeat as not compared', async () => {
    const expand = (name: string, value: number): string =>
      file(name, { s: encodeValues('float32', [value]) }, [{ name: 'w', storage: 's', shape: [1e12], stride: [0] }]);
    const shared = await tic('diff', expand('one.pt', 1), expand('two.pt', 2));
    assert.equal(shared.code, 0, shared.stderr);
    assert.match(shared.stdout, /1 tensors compared/);
    assert.match(shared.stdout, /\nw +1 +1000000 +1\n/);

    const rows = file('rows.pt', { s: new Uint8Array(4 * 100_000) }, [
      { name: 'w', storage: 's', shape: [100_000, 100_000], stride: [0, 1] },
    ]);
    // The same shape as overlapping windows over 200 000 values: not the repeat A has.
    const windows = file('windows.pt', { s: new Uint8Array(4 * 200_000) }, [
      { name: 'w', storage: 's', shape: [100_000, 100_000], stride: [1, 1] },
    ]);
    const oneSided = await tic('diff', rows, windows);
    assert.equal(oneSided.code, 0, oneSided.stderr);
    assert.match(oneSided.stdout, /0 tensors compared/);
    assert.match(
      oneSided.stdout,
      /not compared: w \(in A it is a view that repeats 100000 stored values as 10000000000 elements/,
    );
  });

  it('rejects a --max-elements that is not a whole number with exit code 2', async () => {
    const out = await tic('diff', 'a.pt', 'b.pt', '--max-elements', '1e9');
    assert.equal(out.code, 2);
    assert.match(out.stderr, /--max-elements expects a whole number/);
  });
});
