import assert from 'node:assert/strict';
import { join } from 'node:path';
import { diffCheckpoints, type DiffProgress } from '../../../src/checkpoint/diff';
import { openCheckpoint } from '../../../src/checkpoint/readers/openCheckpoint';
import { findStateDict } from '../../../src/checkpoint/stateDict';
import { readTensor } from '../../../src/checkpoint/tensorData';
import { expectCheckpointError } from './loadPickle';
import type { PyValue } from './pickleBuilder';
import { encodeValues, scratchDir, torchZipBytes, type StorageContent } from './syntheticCheckpoints';

const fixtureDir = join(__dirname, '..', '..', 'fixtures', 'checkpoints');

interface Spec {
  readonly name: string;
  readonly values: number[];
  readonly shape?: number[];
  readonly stride?: number[];
  readonly dtype?: 'float32' | 'float16' | 'float64';
}

const storageClass = { float32: 'FloatStorage', float16: 'HalfStorage', float64: 'DoubleStorage' } as const;

/** A bare state dict whose tensors each have their own storage holding exactly `values`. */
function stateDictBytes(specs: readonly Spec[], prefix = ''): Buffer {
  const storages: StorageContent[] = [];
  const entries = specs.map((spec, i): [PyValue, PyValue] => {
    const dtype = spec.dtype ?? 'float32';
    storages.push({ key: String(i), data: encodeValues(dtype, spec.values) });
    return [
      `${prefix}${spec.name}`,
      {
        tensor: {
          storage: { key: String(i), storageClass: storageClass[dtype], numel: spec.values.length },
          shape: spec.shape ?? [spec.values.length],
          stride: spec.stride,
        },
      },
    ];
  });
  return torchZipBytes({ dict: [['state_dict', { ordered: entries }]] }, { storages });
}

function close(actual: number | null, expected: number | null, what: string): void {
  if (expected === null || actual === null) {
    assert.equal(actual, expected, what);
    return;
  }
  assert.ok(
    Math.abs(actual - expected) <= 1e-12 * Math.max(1, Math.abs(expected)),
    `${what}: ${actual} vs ${expected}`,
  );
}

describe('diff', function () {
  this.timeout(20_000);
  let scratch: Awaited<ReturnType<typeof scratchDir>>;
  before(async () => {
    scratch = await scratchDir();
  });
  after(async () => {
    await scratch.cleanup();
  });

  it('computes per-tensor, per-block and per-tower distances from summed squares', async () => {
    const a = await scratch.file(
      'a.pt',
      stateDictBytes([
        { name: 'visual.transformer.resblocks.0.attn.in_proj_weight', values: [1, 2, 3, 4] },
        { name: 'visual.transformer.resblocks.0.ln_1.bias', values: [0, 0] },
        { name: 'transformer.resblocks.1.mlp.c_fc.weight', values: [3, 4] },
        { name: 'visual.proj', values: [1, 0] },
        { name: 'token_embedding.weight', values: [2, 2] },
        { name: 'logit_scale', values: [2.5], shape: [] },
        { name: 'only.a', values: [1] },
        { name: 'reshaped', values: [1, 2, 3, 4], shape: [2, 2] },
      ]),
    );
    // B has the `module.` prefix (a DDP run): names must still match after stripping.
    const b = await scratch.file(
      'b.pt',
      stateDictBytes(
        [
          { name: 'visual.transformer.resblocks.0.attn.in_proj_weight', values: [1, 2, 3, 6] },
          { name: 'visual.transformer.resblocks.0.ln_1.bias', values: [0, 1] },
          { name: 'transformer.resblocks.1.mlp.c_fc.weight', values: [-3, -4] },
          { name: 'visual.proj', values: [0, 0] },
          { name: 'token_embedding.weight', values: [2, 2], dtype: 'float16' },
          { name: 'logit_scale', values: [4.5], shape: [] },
          { name: 'only.b', values: [1] },
          { name: 'reshaped', values: [1, 2, 3, 4], shape: [4] },
        ],
        'module.',
      ),
    );
    const diff = await diffCheckpoints(a, b);
    assert.equal(diff.b.stripPrefix, 'module.');
    assert.deepEqual(diff.onlyInA, ['only.a']);
    assert.deepEqual(diff.onlyInB, ['only.b']);
    assert.deepEqual(diff.shapeMismatch, [{ name: 'reshaped', shapeA: [2, 2], shapeB: [4] }]);

    const byName = new Map(diff.tensors.map((t) => [t.name, t]));
    const inProj = byName.get('visual.transformer.resblocks.0.attn.in_proj_weight');
    assert.ok(inProj !== undefined);
    close(inProj.l2Delta, 2, 'l2');
    close(inProj.relDelta, 2 / Math.sqrt(30), 'rel');
    close(inProj.cosine, (1 + 4 + 9 + 24) / (Math.sqrt(30) * Math.sqrt(50)), 'cosine');
    const bias = byName.get('visual.transformer.resblocks.0.ln_1.bias');
    assert.equal(bias?.relDelta, null); // ‖A‖ = 0
    assert.equal(bias?.cosine, null);
    close(byName.get('transformer.resblocks.1.mlp.c_fc.weight')?.cosine ?? null, -1, 'opposite');
    assert.equal(byName.get('visual.proj')?.cosine, null); // ‖B‖ = 0
    assert.equal(byName.get('token_embedding.weight')?.l2Delta, 0); // float32 vs float16 of the same values
    assert.equal(byName.get('token_embedding.weight')?.dtypeB, 'float16');

    const blocks = new Map(diff.blocks.map((g) => [g.name, g]));
    assert.deepEqual(
      [...blocks.keys()],
      ['visual.transformer.resblocks.0', 'transformer.resblocks.1', 'visual (other)', 'text (other)', 'other'],
    );
    const block0 = blocks.get('visual.transformer.resblocks.0');
    assert.equal(block0?.tensors, 2);
    assert.equal(block0?.params, 6);
    close(block0?.l2Delta ?? null, Math.sqrt(4 + 1), 'block l2');
    close(block0?.relDelta ?? null, Math.sqrt(5) / Math.sqrt(30), 'block rel');
    const towers = new Map(diff.towers.map((g) => [g.name, g]));
    close(towers.get('visual')?.l2Delta ?? null, Math.sqrt(4 + 1 + 1), 'visual tower');
    close(towers.get('text')?.l2Delta ?? null, Math.sqrt(36 + 64), 'text tower');
    close(towers.get('other')?.l2Delta ?? null, 2, 'other tower');
    close(towers.get('other')?.relDelta ?? null, 2 / 2.5, 'other rel');
  });

  it('compares a strided view with a contiguous copy of the same values as equal', async () => {
    const a = await scratch.file(
      'plain.pt',
      stateDictBytes([{ name: 'w', values: [1, 2, 3, 4, 5, 6], shape: [3, 2] }]),
    );
    // Storage holds the transpose; the view [3, 2] with strides [1, 3] reads back 1…6 in C order.
    const b = await scratch.file(
      'strided.pt',
      stateDictBytes([{ name: 'w', values: [1, 3, 5, 2, 4, 6], shape: [3, 2], stride: [1, 3] }]),
    );
    const diff = await diffCheckpoints(a, b);
    assert.equal(diff.tensors[0]?.l2Delta, 0);
    close(diff.tensors[0]?.cosine ?? null, 1, 'cosine');
  });

  it('streams pairs of any dtype and layout in order, empty ones included, in chunks of any size', async () => {
    const long = Array.from({ length: 40 }, (_, i) => Math.sin(i));
    const moved = long.map((v, i) => v + (i % 3) * 0.125);
    const a = await scratch.file(
      'mixed-a.pt',
      stateDictBytes([
        { name: 'long', values: long, shape: [8, 5] },
        { name: 'empty', values: [], shape: [0] },
        { name: 'w', values: [1, 2, 3, 4, 5, 6], shape: [3, 2] },
        { name: 'half', values: [0.5, -1.5, 2, 4] },
        { name: 'double', values: [Math.PI, 1e-300, -2] },
      ]),
    );
    const b = await scratch.file(
      'mixed-b.pt',
      stateDictBytes([
        { name: 'long', values: moved, shape: [8, 5] },
        { name: 'empty', values: [], shape: [0] },
        // The transpose in storage, read back through strides: 1, 2, 3, 4, 5, 7 in C order.
        { name: 'w', values: [1, 3, 5, 2, 4, 7], shape: [3, 2], stride: [1, 3] },
        { name: 'half', values: [0.5, -1.5, 2.5, 4], dtype: 'float16' },
        { name: 'double', values: [Math.PI, 2e-300, -2], dtype: 'float64' },
      ]),
    );
    const names = ['long', 'empty', 'w', 'half', 'double'];
    const l2 = (x: number[], y: number[]): number =>
      Math.sqrt(x.reduce((sum, v, i) => sum + ((y[i] as number) - v) ** 2, 0));
    const expected = [
      l2(long.map(Math.fround), moved.map(Math.fround)),
      0,
      1,
      0.5,
      l2([Math.PI, 1e-300, -2].map(Math.fround), [Math.PI, 2e-300, -2]),
    ];
    for (const chunkElements of [1, 3, undefined]) {
      const progress: DiffProgress[] = [];
      const diff = await diffCheckpoints(a, b, { chunkElements, onProgress: (p) => progress.push(p) });
      assert.deepEqual(
        progress,
        names.map((name, i) => ({ done: i + 1, total: names.length, name })),
      );
      assert.deepEqual(
        diff.tensors.map((t) => t.name),
        names,
      );
      diff.tensors.forEach((t, i) =>
        close(t.l2Delta, expected[i] as number, `${t.name} in chunks of ${chunkElements}`),
      );
      assert.equal(diff.tensors[1]?.relDelta, null);
      assert.equal(diff.tensors[1]?.normA, 0);
    }
  });

  it('gives the same numbers streaming in small chunks as in one piece', async () => {
    const path = (name: string): string => join(fixtureDir, name);
    const whole = await diffCheckpoints(path('epoch_2.pt'), path('epoch_latest.pt'));
    const chunked = await diffCheckpoints(path('epoch_2.pt'), path('epoch_latest.pt'), { chunkElements: 7 });
    assert.equal(whole.tensors.length, 62);
    whole.tensors.forEach((t, i) => {
      const c = chunked.tensors[i];
      close(c?.l2Delta ?? null, t.l2Delta, `${t.name} l2`);
      close(c?.cosine ?? null, t.cosine, `${t.name} cosine`);
    });
  });

  it('matches distances computed from whole tensors on the real training fixtures', async () => {
    const pathA = join(fixtureDir, 'epoch_2.pt');
    const pathB = join(fixtureDir, 'epoch_latest.pt');
    const diff = await diffCheckpoints(pathA, pathB);
    const a = await openCheckpoint(pathA);
    const b = await openCheckpoint(pathB);
    try {
      const tensorsA = findStateDict(a.root)?.tensors ?? [];
      const tensorsB = new Map((findStateDict(b.root)?.tensors ?? []).map((t) => [t.name, t.tensor]));
      let total = 0;
      for (const [i, { name, tensor }] of tensorsA.entries()) {
        const x = await readTensor(a, tensor);
        const y = await readTensor(b, tensorsB.get(name) as never);
        let delta = 0;
        x.forEach((value, j) => {
          delta += ((y[j] as number) - value) ** 2;
        });
        total += delta;
        assert.equal(diff.tensors[i]?.name, name);
        close(diff.tensors[i]?.l2Delta ?? null, Math.sqrt(delta), name);
      }
      assert.ok(total > 0, 'two epochs of training moved the weights');
      const blockSquares = diff.blocks.reduce((sum, g) => sum + g.l2Delta ** 2, 0);
      const towerSquares = diff.towers.reduce((sum, g) => sum + g.l2Delta ** 2, 0);
      close(blockSquares, total, 'blocks add up');
      close(towerSquares, total, 'towers add up');
      assert.deepEqual(
        diff.blocks.map((g) => g.name),
        [
          'text (other)',
          'other',
          'visual (other)',
          'visual.transformer.resblocks.0',
          'visual.transformer.resblocks.1',
          'transformer.resblocks.0',
          'transformer.resblocks.1',
        ],
      );
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('finds no change between a checkpoint and its DDP-prefixed twin', async () => {
    const diff = await diffCheckpoints(join(fixtureDir, 'epoch_2.pt'), join(fixtureDir, 'module_prefix.pt'));
    assert.equal(diff.tensors.length, 62);
    assert.deepEqual([diff.onlyInA, diff.onlyInB, diff.shapeMismatch], [[], [], []]);
    for (const t of diff.tensors) {
      assert.equal(t.l2Delta, 0, t.name);
      assert.ok(t.cosine === null || Math.abs(t.cosine - 1) < 1e-12, t.name);
    }
  });

  it('reports progress per tensor and stops when aborted', async () => {
    const path = join(fixtureDir, 'epoch_2.pt');
    const progress: DiffProgress[] = [];
    await diffCheckpoints(path, path, { onProgress: (p) => progress.push(p) });
    assert.equal(progress.length, 62);
    assert.deepEqual(progress.at(-1), { done: 62, total: 62, name: 'ln_final.bias' });

    const controller = new AbortController();
    let seen = 0;
    await assert.rejects(
      diffCheckpoints(path, path, {
        signal: controller.signal,
        onProgress: () => {
          seen += 1;
          if (seen === 3) {
            controller.abort();
          }
        },
      }),
      { name: 'AbortError' },
    );
    assert.equal(seen, 3);
  });

  it('refuses checkpoints without a state dict', async () => {
    const empty = await scratch.file('empty.pt', torchZipBytes({ dict: [['epoch', { int: 1 }]] }));
    const error = await expectCheckpointError(() => diffCheckpoints(empty, join(fixtureDir, 'epoch_2.pt')));
    assert.equal(error.reason, 'notACheckpoint');
  });
});
