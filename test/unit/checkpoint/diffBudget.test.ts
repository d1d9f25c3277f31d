import assert from 'node:assert/strict';
import { DiffTooLargeError, defaultMaxDiffElements, diffCheckpoints } from '../../../src/checkpoint/diff';
import { stridedViewsCheckpoint } from './strideViews';
import { encodeValues, scratchDir } from './syntheticCheckpoints';

function near(actual: number | null | undefined, expected: number, what: string): void {
  assert.ok(actual !== null && actual !== undefined, `${what} is ${actual}`);
  assert.ok(Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected)), `${what}: ${actual} vs ${expected}`);
}

describe('diff budget (tensors that declare far more elements than they store)', function () {
  this.timeout(20_000);
  let scratch: Awaited<ReturnType<typeof scratchDir>>;
  before(async () => {
    scratch = await scratchDir();
  });
  after(async () => {
    await scratch.cleanup();
  });

  it('compares a stride-0 expand of 10^15 elements over its one stored value, counted 10^15 times', async () => {
    const expand = (value: number): Buffer =>
      stridedViewsCheckpoint({ s: encodeValues('float32', [value]) }, [
        { name: 'w', storage: 's', shape: [1e15], stride: [0] },
      ]);
    const a = await scratch.file('expand-a.pt', expand(2));
    const b = await scratch.file('expand-b.pt', expand(3));
    const diff = await diffCheckpoints(a, b);
    assert.deepEqual(diff.skipped, []);
    const [w] = diff.tensors;
    assert.equal(w?.name, 'w');
    assert.deepEqual(w?.shape, [1e15]);
    near(w?.l2Delta, Math.sqrt(1e15), 'l2Delta');
    near(w?.normA, 2 * Math.sqrt(1e15), 'normA');
    near(w?.normB, 3 * Math.sqrt(1e15), 'normB');
    near(w?.relDelta, 0.5, 'relDelta');
    near(w?.cosine, 1, 'cosine');
    assert.equal(diff.towers[0]?.params, 1e15);
  });

  it('reads an expanded row once and counts it for every repeat, exactly as the full tensor would', async () => {
    // [1e12, 3] with stride [0, 1]: the row (1, 2, 3) against (1, 2, 5), 10^12 times.
    const a = await scratch.file(
      'rows-a.pt',
      stridedViewsCheckpoint({ s: encodeValues('float32', [1, 2, 3]) }, [
        { name: 'r', storage: 's', shape: [1e12, 3], stride: [0, 1] },
      ]),
    );
    const b = await scratch.file(
      'rows-b.pt',
      stridedViewsCheckpoint({ s: encodeValues('float32', [1, 2, 5]) }, [
        { name: 'r', storage: 's', shape: [1e12, 3], stride: [0, 1] },
      ]),
    );
    const [r] = (await diffCheckpoints(a, b)).tensors;
    near(r?.l2Delta, Math.sqrt(1e12 * 4), 'l2Delta');
    near(r?.relDelta, 2 / Math.sqrt(14), 'relDelta');
    near(r?.cosine, (1 + 4 + 15) / (Math.sqrt(14) * Math.sqrt(30)), 'cosine');
  });

  it('refuses, with a reason, a view that repeats its storage when the other side does not repeat it alike', async () => {
    // A: 10^10 elements over 10^5 stored values (stride-0 rows); B: the same shape as overlapping windows over
    // 2·10^5 values. Neither is 10^10 values of data; walking them is the attack.
    const values = new Uint8Array(4 * 200_000);
    const a = await scratch.file(
      'one-side-a.pt',
      stridedViewsCheckpoint({ s: values.subarray(0, 400_000), t: encodeValues('float32', [1, 2]) }, [
        { name: 'w', storage: 's', shape: [100_000, 100_000], stride: [0, 1] },
        { name: 'ok', storage: 't', shape: [2], stride: [1] },
      ]),
    );
    const b = await scratch.file(
      'one-side-b.pt',
      stridedViewsCheckpoint({ s: values, t: encodeValues('float32', [1, 3]) }, [
        { name: 'w', storage: 's', shape: [100_000, 100_000], stride: [1, 1] },
        { name: 'ok', storage: 't', shape: [2], stride: [1] },
      ]),
    );
    const diff = await diffCheckpoints(a, b);
    assert.deepEqual(
      diff.tensors.map((t) => t.name),
      ['ok'],
    );
    assert.equal(diff.skipped.length, 1);
    assert.equal(diff.skipped[0]?.name, 'w');
    assert.match(diff.skipped[0]?.reason ?? '', /in A .*repeats 100000 stored values as 10000000000 elements/);
  });

  it('refuses overlapping windows of 10^10 elements on both sides', async () => {
    const file = await scratch.file(
      'windows.pt',
      stridedViewsCheckpoint({ s: new Uint8Array(4 * 200_000) }, [
        { name: 'w', storage: 's', shape: [100_000, 100_000], stride: [1, 1] },
      ]),
    );
    const diff = await diffCheckpoints(file, file);
    assert.deepEqual(diff.tensors, []);
    assert.match(diff.skipped[0]?.reason ?? '', /repeats 199999 stored values as 10000000000 elements/);
  });

  it('still compares a small expand against a materialised copy, element by element', async () => {
    const a = await scratch.file(
      'small-expand.pt',
      stridedViewsCheckpoint({ s: encodeValues('float32', [1, 2]) }, [
        { name: 'p', storage: 's', shape: [3, 2], stride: [0, 1] },
      ]),
    );
    const b = await scratch.file(
      'small-copy.pt',
      stridedViewsCheckpoint({ s: encodeValues('float32', [1, 2, 1, 2, 1, 4]) }, [
        { name: 'p', storage: 's', shape: [3, 2], stride: [2, 1] },
      ]),
    );
    const diff = await diffCheckpoints(a, b);
    assert.deepEqual(diff.skipped, []);
    near(diff.tensors[0]?.l2Delta, 2, 'l2Delta');
  });

  it('refuses, before reading anything, a diff over the total bound, naming it', async () => {
    const file = await scratch.file(
      'small.pt',
      stridedViewsCheckpoint({ s: encodeValues('float32', [1, 2, 3, 4, 5, 6]) }, [
        { name: 'a', storage: 's', shape: [6], stride: [1] },
        { name: 'b', storage: 's', shape: [6], stride: [1] },
      ]),
    );
    await assert.rejects(diffCheckpoints(file, file, { maxElements: 11 }), (error: unknown) => {
      assert.ok(error instanceof DiffTooLargeError);
      assert.equal(error.reason, 'tooLarge');
      assert.equal(error.elements, 12);
      assert.equal(error.limit, 11);
      assert.match(error.message, /reading 12 values from each, over the limit of 11/);
      return true;
    });
    assert.equal((await diffCheckpoints(file, file, { maxElements: 12 })).tensors.length, 2);
  });

  it('bounds the total by default: a thousand views of one 16 MB storage are refused', async () => {
    const perView = 4_000_000;
    const views = Math.floor(defaultMaxDiffElements / perView) + 1;
    const file = await scratch.file(
      'shared.pt',
      stridedViewsCheckpoint(
        { s: new Uint8Array(4 * perView) },
        Array.from({ length: views }, (_, i) => ({ name: `w${i}`, storage: 's', shape: [perView], stride: [1] })),
      ),
    );
    await assert.rejects(diffCheckpoints(file, file), (error: unknown) => {
      assert.ok(error instanceof DiffTooLargeError, String(error));
      assert.equal(error.elements, views * perView);
      assert.equal(error.limit, defaultMaxDiffElements);
      return true;
    });
  });
});
