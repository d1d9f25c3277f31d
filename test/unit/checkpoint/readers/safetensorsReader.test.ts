import assert from 'node:assert/strict';
import type { Checkpoint } from '../../../../src/checkpoint/readers/checkpoint';
import { openCheckpoint } from '../../../../src/checkpoint/readers/openCheckpoint';
import type { PickleDict, TensorRef } from '../../../../src/checkpoint/base/pickleValues';
import { inspectCheckpoint } from '../../../../src/checkpoint/report';
import { readTensor } from '../../../../src/checkpoint/tensorData';
import { expectCheckpointError } from '../loadPickle';
import { encodeValues, safetensorsBytes, scratchDir } from '../syntheticCheckpoints';

/** safetensors files as the format's README describes them. */
describe('safetensorsReader', () => {
  let scratch: Awaited<ReturnType<typeof scratchDir>>;
  before(async () => {
    scratch = await scratchDir();
  });
  after(async () => {
    await scratch.cleanup();
  });

  const tensors = [
    { name: 'visual.proj', code: 'F32', shape: [2, 2], data: encodeValues('float32', [1, -2, 3.5, 4]) },
    { name: 'half', code: 'F16', shape: [3], data: encodeValues('float16', [0.5, -1, 2048]) },
    { name: 'brain', code: 'BF16', shape: [2], data: encodeValues('bfloat16', [1.5, -3]) },
    { name: 'ids', code: 'I64', shape: [2], data: encodeValues('int64', [-7, 2 ** 41]) },
    { name: 'scale', code: 'F64', shape: [], data: encodeValues('float64', [2.5]) },
    { name: 'mask', code: 'BOOL', shape: [2], data: encodeValues('bool', [1, 0]) },
    { name: 'nothing', code: 'U8', shape: [0, 4], data: Buffer.alloc(0) },
  ];

  async function withCheckpoint<T>(name: string, bytes: Buffer, use: (c: Checkpoint) => Promise<T>): Promise<T> {
    const checkpoint = await openCheckpoint(await scratch.file(name, bytes));
    try {
      return await use(checkpoint);
    } finally {
      await checkpoint.close();
    }
  }

  it('reads names, dtypes, shapes, metadata and values', async () => {
    await withCheckpoint('ok.safetensors', safetensorsBytes(tensors, { format: 'pt' }), async (checkpoint) => {
      assert.equal(checkpoint.format, 'safetensors');
      assert.deepEqual({ ...checkpoint.metadata }, { format: 'pt' });
      const entries = (checkpoint.root as PickleDict).entries;
      assert.deepEqual(
        entries.map(([name, t]) => [
          name,
          (t as TensorRef).dtype,
          [...(t as TensorRef).shape],
          [...(t as TensorRef).stride],
        ]),
        [
          ['visual.proj', 'float32', [2, 2], [2, 1]],
          ['half', 'float16', [3], [1]],
          ['brain', 'bfloat16', [2], [1]],
          ['ids', 'int64', [2], [1]],
          ['scale', 'float64', [], []],
          ['mask', 'bool', [2], [1]],
          ['nothing', 'uint8', [0, 4], [4, 1]],
        ],
      );
      const values = [];
      for (const [, tensor] of entries) {
        values.push(Array.from(await readTensor(checkpoint, tensor as TensorRef)));
      }
      assert.deepEqual(values, [[1, -2, 3.5, 4], [0.5, -1, 2048], [1.5, -3], [-7, 2 ** 41], [2.5], [1, 0], []]);
    });
    const report = await inspectCheckpoint(await scratch.file('report.safetensors', safetensorsBytes(tensors)));
    assert.deepEqual(report.stateDictPath, []);
    assert.equal(report.totalParams, 4 + 3 + 2 + 2 + 1 + 2);
  });

  function withHeader(header: string | Buffer, dataBytes = 0, declared?: bigint): Buffer {
    const bytes = typeof header === 'string' ? Buffer.from(header) : header;
    const length = Buffer.alloc(8);
    length.writeBigUInt64LE(declared ?? BigInt(bytes.length));
    return Buffer.concat([length, bytes, Buffer.alloc(dataBytes)]);
  }

  const broken: readonly [string, Buffer, string][] = [
    ['a header that declares 10 GB', withHeader('{}', 0, 10n * 1024n ** 3n), 'tooLarge'],
    ['a header longer than the file', withHeader('{"a": 1}', 0, 4096n), 'truncated'],
    ['a header that is not JSON', withHeader('{"a": nope}'), 'corrupt'],
    ['a header that does not start with an object', withHeader('[1, 2]'), 'notACheckpoint'],
    [
      'a header with invalid UTF-8',
      withHeader(Buffer.concat([Buffer.from('{"'), Buffer.from([0xff, 0xfe]), Buffer.from('": 1}')])),
      'corrupt',
    ],
    ['an entry that is not an object', withHeader('{"a": 1}'), 'corrupt'],
    [
      'an unknown dtype',
      withHeader('{"a": {"dtype": "F128", "shape": [1], "data_offsets": [0, 16]}}', 16),
      'unsupported',
    ],
    ['a negative shape', withHeader('{"a": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}}', 4), 'corrupt'],
    [
      'offsets that do not match the shape',
      withHeader('{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 4]}}', 8),
      'corrupt',
    ],
    ['reversed offsets', withHeader('{"a": {"dtype": "U8", "shape": [0], "data_offsets": [4, 0]}}', 8), 'corrupt'],
    [
      'data past the end of the file',
      withHeader('{"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}', 8),
      'truncated',
    ],
    ['non-string metadata', withHeader('{"__metadata__": {"a": 1}}'), 'corrupt'],
    [
      'a rank-100 shape',
      withHeader(`{"a": {"dtype": "U8", "shape": [${new Array(100).fill(1).join(',')}], "data_offsets": [0, 1]}}`, 1),
      'tooLarge',
    ],
  ];
  for (const [what, bytes, reason] of broken) {
    it(`refuses ${what} with reason ${reason}`, async () => {
      const error = await expectCheckpointError(async () =>
        openCheckpoint(await scratch.file(`${what.replace(/\W+/g, '-')}.safetensors`, bytes)),
      );
      assert.equal(error.reason, reason, error.message);
    });
  }
});
