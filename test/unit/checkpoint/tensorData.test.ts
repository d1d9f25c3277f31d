import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Checkpoint } from '../../../src/checkpoint/checkpoint';
import { openCheckpoint } from '../../../src/checkpoint/openCheckpoint';
import { dictGet, type PickleDict, type TensorRef } from '../../../src/checkpoint/pickleValues';
import { readTensor, readTensorChunks } from '../../../src/checkpoint/tensorData';
import { expectCheckpointError } from './loadPickle';
import { contiguousStride, type PyValue, type StorageSpec } from './pickleBuilder';
import { encodeValues, scratchDir, torchZipBytes, torchZipLayout, type ElementType } from './syntheticCheckpoints';
import { writeLayout } from './zipBuilder';

const storageClass: Record<ElementType, string> = {
  float32: 'FloatStorage',
  float64: 'DoubleStorage',
  float16: 'HalfStorage',
  bfloat16: 'BFloat16Storage',
  int64: 'LongStorage',
  int32: 'IntStorage',
  int16: 'ShortStorage',
  int8: 'CharStorage',
  uint8: 'ByteStorage',
  bool: 'BoolStorage',
};

/** Values every dtype represents exactly. */
const samples: Record<ElementType, number[]> = {
  float32: [0.5, -1.25, 2 ** 34, -0, 1 / 1024, 7],
  float64: [Math.PI, -1e-300, 1e300, 0.1, 2, -3],
  float16: [0.5, -1.5, 65504, 2 ** -24, -0, 1024],
  bfloat16: [1.5, -2, 3.140625, 2 ** 100, -(2 ** -100), 0],
  int64: [-1, 2 ** 40 + 1, -(2 ** 52), 0, 123456789, -7],
  int32: [-(2 ** 31), 2 ** 31 - 1, 0, -1, 5, 6],
  int16: [-32768, 32767, 0, -1, 5, 6],
  int8: [-128, 127, 0, -1, 5, 6],
  uint8: [0, 255, 128, 1, 5, 6],
  bool: [1, 0, 1, 1, 0, 0],
};

/** The reference: element `i` (C order) of a strided view is storage[offset + Σ index·stride]. */
function gather(
  storage: readonly number[],
  shape: readonly number[],
  stride: readonly number[],
  offset: number,
): number[] {
  const out: number[] = [];
  const walk = (dim: number, at: number): void => {
    if (dim === shape.length) {
      out.push(storage[at] as number);
      return;
    }
    for (let i = 0; i < (shape[dim] as number); i++) {
      walk(dim + 1, at + i * (stride[dim] as number));
    }
  };
  walk(0, offset);
  return out;
}

describe('tensorData', function () {
  this.timeout(20_000);
  let scratch: Awaited<ReturnType<typeof scratchDir>>;
  before(async () => {
    scratch = await scratchDir();
  });
  after(async () => {
    await scratch.cleanup();
  });

  async function withTensors<T>(
    name: string,
    tensors: Record<string, { storage: StorageSpec; shape: number[]; stride?: number[]; offset?: number }>,
    storages: { key: string; data: Buffer }[],
    use: (checkpoint: Checkpoint, get: (name: string) => TensorRef) => Promise<T>,
    byteorder?: 'big',
  ): Promise<T> {
    const root: PyValue = {
      ordered: Object.entries(tensors).map(([key, tensor]): [string, PyValue] => [key, { tensor }]),
    };
    const checkpoint = await openCheckpoint(await scratch.file(name, torchZipBytes(root, { storages, byteorder })));
    try {
      return await use(checkpoint, (key) => dictGet(checkpoint.root as PickleDict, key) as TensorRef);
    } finally {
      await checkpoint.close();
    }
  }

  for (const byteOrder of ['little', 'big'] as const) {
    for (const dtype of Object.keys(samples) as ElementType[]) {
      it(`reads ${dtype} values stored ${byteOrder}-endian`, async () => {
        const values = samples[dtype];
        const storage = { key: '0', storageClass: storageClass[dtype], numel: values.length };
        await withTensors(
          `${dtype}-${byteOrder}.pt`,
          { t: { storage, shape: [2, 3] } },
          [{ key: '0', data: encodeValues(dtype, values, byteOrder) }],
          async (checkpoint, get) => {
            assert.equal(get('t').dtype, dtype);
            assert.deepEqual(Array.from(await readTensor(checkpoint, get('t'))), values);
          },
          byteOrder === 'big' ? 'big' : undefined,
        );
      });
    }
  }

  const views: readonly [string, number[], number[], number][] = [
    ['a transposed matrix', [4, 3], [1, 4], 0],
    ['a column slice with an offset', [3, 2], [4, 1], 1],
    ['every other row', [2, 4], [8, 1], 0],
    ['a permuted 3-d view', [2, 3, 2], [1, 4, 2], 0],
    ['a broadcast row (stride 0)', [3, 4], [0, 1], 4],
    ['a 0-d element in the middle', [], [], 7],
    ['an empty view', [0, 5], [5, 1], 0],
    ['a single column', [4, 1], [3, 1], 2],
  ];
  for (const [what, shape, stride, offset] of views) {
    it(`reads ${what} in C order, as torch would print it`, async () => {
      const base = Array.from({ length: 16 }, (_, i) => i * 1.5 - 4);
      const storage = { key: '3', storageClass: 'FloatStorage', numel: 16 };
      await withTensors(
        `view-${what.replace(/\W+/g, '-')}.pt`,
        { v: { storage, shape, stride, offset } },
        [{ key: '3', data: encodeValues('float32', base) }],
        async (checkpoint, get) => {
          const expected = gather(base, shape, stride, offset);
          assert.deepEqual(Array.from(await readTensor(checkpoint, get('v'))), expected);
          for (const chunkElements of [1, 3, 5]) {
            const chunks: number[] = [];
            for await (const chunk of readTensorChunks(checkpoint, get('v'), { chunkElements })) {
              assert.ok(chunk.length <= chunkElements);
              chunks.push(...chunk);
            }
            assert.deepEqual(chunks, expected, `chunks of ${chunkElements}`);
          }
        },
      );
    });
  }

  it('streams a contiguous tensor in chunks that add up to the whole', async () => {
    const values = Array.from({ length: 1000 }, (_, i) => Math.sin(i));
    const storage = { key: '0', storageClass: 'DoubleStorage', numel: 1000 };
    await withTensors(
      'chunks.pt',
      { t: { storage, shape: [10, 100] } },
      [{ key: '0', data: encodeValues('float64', values) }],
      async (checkpoint, get) => {
        const lengths: number[] = [];
        const all: number[] = [];
        for await (const chunk of readTensorChunks(checkpoint, get('t'), { chunkElements: 300 })) {
          lengths.push(chunk.length);
          all.push(...chunk);
        }
        assert.deepEqual(lengths, [300, 300, 300, 100]);
        assert.deepEqual(all, values);
      },
    );
  });

  it("reads only the tensor's own storage bytes, never its neighbours'", async () => {
    const big = 50_000_000;
    const root: PyValue = {
      ordered: [
        ['big', { tensor: { storage: { key: '0', storageClass: 'FloatStorage', numel: big }, shape: [big] } }],
        ['small', { tensor: { storage: { key: '1', storageClass: 'FloatStorage', numel: 4 }, shape: [2], offset: 2 } }],
      ],
    };
    const path = join(scratch.dir, 'neighbours.pt');
    await writeLayout(
      path,
      torchZipLayout(root, {
        storages: [
          { key: '0', sparseSize: big * 4 },
          { key: '1', data: encodeValues('float32', [1, 2, 3, 4]) },
        ],
      }),
    );
    const checkpoint = await openCheckpoint(path);
    try {
      const before = checkpoint.bytesRead;
      const small = dictGet(checkpoint.root as PickleDict, 'small') as TensorRef;
      assert.deepEqual(Array.from(await readTensor(checkpoint, small)), [3, 4]);
      // A 30-byte local header plus the 8 bytes of the two elements.
      assert.ok(checkpoint.bytesRead - before <= 30 + 8, `${checkpoint.bytesRead - before} bytes`);
    } finally {
      await checkpoint.close();
    }
  });

  it('refuses reads over the element and gather limits, and dtypes it cannot decode', async () => {
    const storage = { key: '0', storageClass: 'FloatStorage', numel: 16 };
    const complex = { key: '1', storageClass: 'ComplexFloatStorage', numel: 2 };
    await withTensors(
      'limits.pt',
      {
        flat: { storage, shape: [16] },
        strided: { storage, shape: [4, 4], stride: [1, 4] },
        complex: { storage: complex, shape: [2] },
      },
      [
        { key: '0', data: encodeValues('float32', new Array(16).fill(1)) },
        { key: '1', data: Buffer.alloc(16) },
      ],
      async (checkpoint, get) => {
        assert.equal(
          (await expectCheckpointError(() => readTensor(checkpoint, get('flat'), { maxElements: 15 }))).reason,
          'tooLarge',
        );
        assert.equal((await readTensor(checkpoint, get('flat'), { maxElements: 16 })).length, 16);
        assert.equal((await expectCheckpointError(() => readTensor(checkpoint, get('complex')))).reason, 'unsupported');
      },
    );
    const root: PyValue = { ordered: [['s', { tensor: { storage, shape: [4, 4], stride: [1, 4] } }]] };
    const checkpoint = await openCheckpoint(
      await scratch.file('gather.pt', torchZipBytes(root, { storages: [{ key: '0', data: Buffer.alloc(64) }] })),
      { limits: { maxGatherBytes: 32 } },
    );
    try {
      const strided = dictGet(checkpoint.root as PickleDict, 's') as TensorRef;
      assert.equal((await expectCheckpointError(() => readTensor(checkpoint, strided))).reason, 'tooLarge');
    } finally {
      await checkpoint.close();
    }
  });

  it('stops when its signal is aborted', async () => {
    const storage = { key: '0', storageClass: 'FloatStorage', numel: 64 };
    await withTensors(
      'abort.pt',
      { t: { storage, shape: [64], stride: contiguousStride([64]) } },
      [{ key: '0', data: Buffer.alloc(256) }],
      async (checkpoint, get) => {
        const controller = new AbortController();
        controller.abort();
        await assert.rejects(readTensor(checkpoint, get('t'), { signal: controller.signal }), { name: 'AbortError' });
      },
    );
  });
});
