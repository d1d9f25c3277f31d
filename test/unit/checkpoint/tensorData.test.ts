import assert from 'node:assert/strict';
import { truncate } from 'node:fs/promises';
import { join } from 'node:path';
import type { Checkpoint } from '../../../src/checkpoint/readers/checkpoint';
import { openCheckpoint } from '../../../src/checkpoint/readers/openCheckpoint';
import { dictGet, type PickleDict, type TensorRef } from '../../../src/checkpoint/base/pickleValues';
import { readTensor, readTensorChunks, streamTensorChunks } from '../../../src/checkpoint/tensorData';
import { CheckpointError } from '../../../src/checkpoint/base/checkpointError';
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

  describe('streamTensorChunks', () => {
    /** Tensors of every kind the stream meets, one storage each, with their expected values in C order. */
    function mixedTensors(byteOrder: 'little' | 'big'): {
      tensors: Record<string, { storage: StorageSpec; shape: number[]; stride?: number[]; offset?: number }>;
      storages: { key: string; data: Buffer }[];
      expected: Record<string, number[]>;
    } {
      const long = Array.from({ length: 50 }, (_, i) => (i % 7) * 0.25 - 1);
      const base = Array.from({ length: 12 }, (_, i) => i - 5.5);
      const spec = (key: string, dtype: ElementType, values: number[]): { key: string; data: Buffer } => ({
        key,
        data: encodeValues(dtype, values, byteOrder),
      });
      return {
        tensors: {
          long: { storage: { key: '0', storageClass: 'FloatStorage', numel: 50 }, shape: [5, 10] },
          half: { storage: { key: '1', storageClass: 'HalfStorage', numel: 6 }, shape: [6] },
          empty: { storage: { key: '2', storageClass: 'FloatStorage', numel: 0 }, shape: [0, 3] },
          brain: { storage: { key: '3', storageClass: 'BFloat16Storage', numel: 6 }, shape: [2, 3] },
          strided: { storage: { key: '4', storageClass: 'FloatStorage', numel: 12 }, shape: [4, 3], stride: [1, 4] },
          wide: { storage: { key: '5', storageClass: 'LongStorage', numel: 6 }, shape: [6] },
          flags: { storage: { key: '6', storageClass: 'BoolStorage', numel: 4 }, shape: [4] },
          small: { storage: { key: '7', storageClass: 'ShortStorage', numel: 6 }, shape: [3, 2] },
          offset: { storage: { key: '8', storageClass: 'DoubleStorage', numel: 6 }, shape: [4], offset: 2 },
        },
        storages: [
          spec('0', 'float32', long),
          spec('1', 'float16', samples.float16),
          { key: '2', data: Buffer.alloc(0) },
          spec('3', 'bfloat16', samples.bfloat16),
          spec('4', 'float32', base),
          spec('5', 'int64', samples.int64),
          // Any non-zero byte is True, as torch reads it.
          { key: '6', data: Buffer.from([0, 2, 255, 1]) },
          spec('7', 'int16', samples.int16),
          spec('8', 'float64', samples.float64),
        ],
        expected: {
          long,
          half: samples.float16,
          empty: [],
          brain: samples.bfloat16,
          strided: gather(base, [4, 3], [1, 4], 0),
          wide: samples.int64,
          flags: [0, 1, 1, 1],
          small: samples.int16,
          offset: samples.float64.slice(2),
        },
      };
    }

    for (const byteOrder of ['little', 'big'] as const) {
      it(`streams mixed ${byteOrder}-endian tensors in order, chunk by chunk, over reused buffers`, async () => {
        const { tensors, storages, expected } = mixedTensors(byteOrder);
        const names = Object.keys(tensors);
        await withTensors(
          `stream-${byteOrder}.pt`,
          tensors,
          storages,
          async (checkpoint, get) => {
            const refs = names.map(get);
            for (const chunkElements of [1, 4, 7, 1 << 20]) {
              const got: number[][] = names.map(() => []);
              const buffers = new Set<ArrayBufferLike>();
              let chunks = 0;
              let last = -1;
              for await (const chunk of streamTensorChunks(checkpoint, refs, { chunkElements })) {
                assert.ok(chunk.tensor >= last, 'tensors come in order');
                last = chunk.tensor;
                assert.ok(chunk.values.length >= 1 && chunk.values.length <= chunkElements);
                assert.equal(chunk.offset, got[chunk.tensor]?.length, 'chunks follow each other');
                assert.equal(chunk.offset % chunkElements, 0, 'chunks start at multiples of chunkElements');
                got[chunk.tensor]?.push(...Array.from(chunk.values));
                buffers.add(chunk.values.buffer);
                chunks += 1;
              }
              names.forEach((name, i) => {
                assert.deepEqual(got[i], expected[name], `${name} in chunks of ${chunkElements}`);
              });
              if (chunkElements === 1) {
                // 94 elements, but the contiguous ones share a handful of buffers.
                assert.equal(chunks, 94);
                assert.ok(buffers.size < 30, `${buffers.size} buffers for ${chunks} chunks`);
              }
            }
            for (const name of names) {
              assert.deepEqual(Array.from(await readTensor(checkpoint, get(name))), expected[name], name);
            }
          },
          byteOrder === 'big' ? 'big' : undefined,
        );
      });
    }

    it('hands a failed read-ahead to the caller at its own chunk, never as an unhandled rejection', async () => {
      const first = Array.from({ length: 64 }, (_, i) => i + 0.5);
      const second = [7, 8, 9, 10];
      const root: PyValue = {
        ordered: [
          ['first', { tensor: { storage: { key: '0', storageClass: 'FloatStorage', numel: 64 }, shape: [64] } }],
          ['second', { tensor: { storage: { key: '1', storageClass: 'FloatStorage', numel: 4 }, shape: [4] } }],
        ],
      };
      const firstBytes = encodeValues('float32', first);
      const bytes = torchZipBytes(root, {
        storages: [
          { key: '0', data: firstBytes },
          { key: '1', data: encodeValues('float32', second) },
        ],
      });
      const path = await scratch.file('cut-after-open.pt', bytes);
      const checkpoint = await openCheckpoint(path);
      const unhandled: unknown[] = [];
      const onUnhandled = (reason: unknown): void => {
        unhandled.push(reason);
      };
      process.on('unhandledRejection', onUnhandled);
      try {
        // Someone rewrites the file after the open: it now ends right after the first storage.
        await truncate(path, bytes.indexOf(firstBytes) + firstBytes.length);
        const root2 = checkpoint.root as PickleDict;
        const refs = [dictGet(root2, 'first') as TensorRef, dictGet(root2, 'second') as TensorRef];
        const seen: number[] = [];
        await assert.rejects(
          (async () => {
            for await (const chunk of streamTensorChunks(checkpoint, refs, { chunkElements: 16 })) {
              // Let the read-ahead of the second tensor fail while this chunk is being looked at.
              await new Promise((resolve) => setTimeout(resolve, 5));
              seen.push(...Array.from(chunk.values));
            }
          })(),
          (error: unknown) => CheckpointError.is(error, 'truncated'),
        );
        assert.deepEqual(seen, first);
        await new Promise((resolve) => setTimeout(resolve, 20));
        assert.deepEqual(unhandled, []);
      } finally {
        process.off('unhandledRejection', onUnhandled);
        await checkpoint.close();
      }
    });

    it('stops cleanly when the caller leaves early, with reads still ahead', async () => {
      const values = Array.from({ length: 4096 }, (_, i) => i);
      const storage = { key: '0', storageClass: 'FloatStorage', numel: values.length };
      await withTensors(
        'early-exit.pt',
        { a: { storage, shape: [values.length] }, b: { storage, shape: [64, 64] } },
        [{ key: '0', data: encodeValues('float32', values) }],
        async (checkpoint, get) => {
          let taken = 0;
          for await (const chunk of streamTensorChunks(checkpoint, [get('a'), get('b')], { chunkElements: 8 })) {
            assert.equal(chunk.values[0], taken * 8);
            taken += 1;
            if (taken === 3) {
              break;
            }
          }
          assert.equal(taken, 3);
          // The stream waited for its read-ahead before letting go, so a new read works at once.
          assert.deepEqual(Array.from(await readTensor(checkpoint, get('a'))).slice(0, 3), [0, 1, 2]);
        },
      );
    });

    it('stops at its signal and refuses dtypes it cannot decode when it reaches them', async () => {
      const storage = { key: '0', storageClass: 'FloatStorage', numel: 4 };
      const complex = { key: '1', storageClass: 'ComplexFloatStorage', numel: 2 };
      await withTensors(
        'stream-errors.pt',
        { ok: { storage, shape: [4] }, complex: { storage: complex, shape: [2] } },
        [
          { key: '0', data: encodeValues('float32', [1, 2, 3, 4]) },
          { key: '1', data: Buffer.alloc(16) },
        ],
        async (checkpoint, get) => {
          const seen: number[] = [];
          await assert.rejects(
            (async () => {
              for await (const chunk of streamTensorChunks(checkpoint, [get('ok'), get('complex')])) {
                seen.push(...Array.from(chunk.values));
              }
            })(),
            (error: unknown) => CheckpointError.is(error, 'unsupported'),
          );
          assert.deepEqual(seen, [1, 2, 3, 4]);
          const controller = new AbortController();
          await assert.rejects(
            (async () => {
              for await (const chunk of streamTensorChunks(checkpoint, [get('ok'), get('ok')], {
                signal: controller.signal,
                chunkElements: 2,
              })) {
                if (chunk.tensor === 0 && chunk.offset === 2) {
                  controller.abort();
                }
              }
            })(),
            { name: 'AbortError' },
          );
        },
      );
    });
  });
});
