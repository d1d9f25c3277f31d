import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openCheckpoint } from '../../../../src/checkpoint/readers/openCheckpoint';
import { dictGet, isDict, isTensor, type TensorRef } from '../../../../src/checkpoint/base/pickleValues';
import { inspectCheckpoint } from '../../../../src/checkpoint/report';
import { readTensor, readTensorChunks } from '../../../../src/checkpoint/tensorData';
import { expectCheckpointError } from '../loadPickle';
import { PickleBytes, TorchPickler, op, type PyValue } from '../pickleBuilder';
import { encodeValues, scratchDir, torchZipBytes, torchZipLayout, type TorchZipOptions } from '../syntheticCheckpoints';
import { buildZip, layoutToBuffer, writeLayout } from '../zipBuilder';

const weights = { key: '0', storageClass: 'FloatStorage', numel: 6 } as const;
const simpleRoot: PyValue = {
  dict: [
    ['epoch', { int: 2 }],
    ['state_dict', { ordered: [['w', { tensor: { storage: weights, shape: [2, 3] } }]] }],
  ],
};
const simpleStorages = [{ key: '0', data: encodeValues('float32', [1, 2, 3, 4, 5, 6]) }];

describe('torchZipReader', function () {
  this.timeout(20_000);
  let scratch: Awaited<ReturnType<typeof scratchDir>>;
  before(async () => {
    scratch = await scratchDir();
  });
  after(async () => {
    await scratch.cleanup();
  });

  async function open(name: string, bytes: Uint8Array, limits?: Parameters<typeof openCheckpoint>[1]) {
    return openCheckpoint(await scratch.file(name, bytes), limits);
  }

  async function weightsOf(name: string, options: TorchZipOptions): Promise<number[]> {
    const checkpoint = await open(name, torchZipBytes(simpleRoot, { storages: simpleStorages, ...options }));
    try {
      const stateDict = isDict(checkpoint.root) ? dictGet(checkpoint.root, 'state_dict') : undefined;
      const tensor = stateDict !== undefined && isDict(stateDict) ? dictGet(stateDict, 'w') : undefined;
      assert.ok(tensor !== undefined && isTensor(tensor));
      return Array.from(await readTensor(checkpoint, tensor));
    } finally {
      await checkpoint.close();
    }
  }

  for (const rootName of ['archive', 'epoch_2', 'tmp', 'my run (copy) v2']) {
    it(`reads the root folder "${rootName}" from the entries instead of assuming it`, async () => {
      const checkpoint = await open(
        `root-${rootName}.pt`,
        torchZipBytes(simpleRoot, { rootName, storages: simpleStorages }),
      );
      try {
        assert.equal(checkpoint.zipRoot, rootName);
        assert.equal(checkpoint.formatVersion, '3');
      } finally {
        await checkpoint.close();
      }
      assert.deepEqual(await weightsOf(`values-${rootName}.pt`, { rootName }), [1, 2, 3, 4, 5, 6]);
    });
  }

  for (const length of [1, 1000, 65535]) {
    it(`finds the end record behind a ${length}-byte archive comment`, async () => {
      assert.deepEqual(
        await weightsOf(`comment-${length}.pt`, { zip: { comment: 'c'.repeat(length) } }),
        [1, 2, 3, 4, 5, 6],
      );
    });
  }

  it('reads ZIP64 end records and extra fields', async () => {
    assert.deepEqual(await weightsOf('zip64.pt', { zip: { forceZip64: true, comment: 'zip64' } }), [1, 2, 3, 4, 5, 6]);
  });

  it('reads a deflated data.pkl and small deflated storages, but refuses large compressed ones', async () => {
    assert.deepEqual(
      await weightsOf('deflated.pt', { pickleMethod: 'deflate', storageMethod: 'deflate' }),
      [1, 2, 3, 4, 5, 6],
    );
    const checkpoint = await open(
      'deflated-limit.pt',
      torchZipBytes(simpleRoot, { storages: simpleStorages, storageMethod: 'deflate' }),
      { limits: { maxInflateBytes: 8 } },
    );
    try {
      const sd = dictGet(checkpoint.root as never, 'state_dict');
      const tensor = dictGet(sd as never, 'w') as TensorRef;
      assert.equal((await expectCheckpointError(() => readTensor(checkpoint, tensor))).reason, 'unsupported');
    } finally {
      await checkpoint.close();
    }
  });

  it('decodes big-endian storages when the byteorder entry says so (torch ≥ 2.1)', async () => {
    const storages = [{ key: '0', data: encodeValues('float32', [1, 2, 3, 4, 5, 6], 'big') }];
    const checkpoint = await open('big.pt', torchZipBytes(simpleRoot, { storages, byteorder: 'big' }));
    try {
      assert.equal(checkpoint.byteOrder, 'big');
      const tensor = dictGet(dictGet(checkpoint.root as never, 'state_dict') as never, 'w') as TensorRef;
      assert.deepEqual(Array.from(await readTensor(checkpoint, tensor)), [1, 2, 3, 4, 5, 6]);
    } finally {
      await checkpoint.close();
    }
    const little = await open(
      'little.pt',
      torchZipBytes(simpleRoot, { storages: simpleStorages, byteorder: 'little' }),
    );
    assert.equal(little.byteOrder, 'little');
    await little.close();
    const error = await expectCheckpointError(() =>
      open('middle.pt', torchZipBytes(simpleRoot, { storages: simpleStorages, byteorder: 'middle' })),
    );
    assert.equal(error.reason, 'corrupt');
  });

  it('reads a checkpoint over 4 GB through ZIP64 offsets without touching the big storage', async () => {
    const bigNumel = 1_100_000_000; // 4.4 GB of float32, written as a sparse hole
    const root: PyValue = {
      ordered: [
        [
          'big',
          { tensor: { storage: { key: '0', storageClass: 'FloatStorage', numel: bigNumel }, shape: [bigNumel] } },
        ],
        ['small', { tensor: { storage: { key: '1', storageClass: 'FloatStorage', numel: 3 }, shape: [3] } }],
      ],
    };
    const layout = torchZipLayout(root, {
      rootName: 'huge',
      storages: [
        { key: '0', sparseSize: bigNumel * 4 },
        { key: '1', data: encodeValues('float32', [7, 8, 9]) },
      ],
    });
    assert.ok(layout.size > 2 ** 32 + 1000);
    const path = join(scratch.dir, 'huge.pt');
    await writeLayout(path, layout);
    const report = await inspectCheckpoint(path);
    assert.equal(report.totalParams, bigNumel + 3);
    assert.ok(report.stats.bytesRead < 64 * 1024, `${report.stats.bytesRead} bytes read`);
    const checkpoint = await openCheckpoint(path);
    try {
      const big = dictGet(checkpoint.root as never, 'big') as TensorRef;
      const small = dictGet(checkpoint.root as never, 'small') as TensorRef;
      const before = checkpoint.bytesRead;
      assert.deepEqual(Array.from(await readTensor(checkpoint, small)), [7, 8, 9]);
      assert.ok(checkpoint.bytesRead - before < 200);
      assert.equal((await expectCheckpointError(() => readTensor(checkpoint, big))).reason, 'tooLarge');
      const chunks = readTensorChunks(checkpoint, big, { chunkElements: 4 });
      const first = await chunks.next();
      await chunks.return(undefined);
      assert.deepEqual(Array.from(first.value as Float64Array), [0, 0, 0, 0]);
    } finally {
      await checkpoint.close();
    }
  });

  it('warns about duplicate entries and TorchScript archives but still reads them', async () => {
    const checkpoint = await open(
      'dupes.pt',
      torchZipBytes(simpleRoot, {
        storages: simpleStorages,
        extraEntries: [
          { name: 'archive/version', data: Buffer.from('9\n') },
          { name: 'archive/constants.pkl', data: Buffer.from([op.PROTO, 2, op.NONE, op.STOP]) },
        ],
      }),
    );
    try {
      assert.equal(checkpoint.formatVersion, '3');
      assert.deepEqual(
        checkpoint.warnings.map((w) => w.kind),
        ['duplicateZipEntry', 'partiallyUnderstood'],
      );
    } finally {
      await checkpoint.close();
    }
  });

  const broken: readonly [string, () => Buffer, string][] = [
    [
      'a zip without data.pkl',
      () => layoutToBuffer(buildZip([{ name: 'x/model.bin', data: Buffer.from('hello') }])),
      'notACheckpoint',
    ],
    ['a storage id whose entry is missing', () => torchZipBytes(simpleRoot, {}), 'corrupt'],
    [
      'a storage entry smaller than its declared size',
      () => torchZipBytes(simpleRoot, { storages: [{ key: '0', data: encodeValues('float32', [1, 2]) }] }),
      'corrupt',
    ],
    [
      'a storage class that does not exist',
      () =>
        torchZipBytes(
          { tensor: { storage: { key: '0', storageClass: 'FooStorage', numel: 1 }, shape: [1] } },
          { storages: [{ key: '0', data: Buffer.alloc(4) }] },
        ),
      'corrupt',
    ],
    [
      'a persistent id that is not a storage',
      () =>
        torchZipBytes(null, {
          pickle: new PickleBytes().proto(2).str('module').raw(op.TUPLE1, op.BINPERSID, op.STOP).build(),
        }),
      'corrupt',
    ],
    [
      'a central directory that points outside the file',
      () => {
        const bytes = torchZipBytes(simpleRoot, { storages: simpleStorages });
        bytes.writeUInt32LE(bytes.length + 100, bytes.length - 6);
        return bytes;
      },
      'corrupt',
    ],
    [
      'a central directory larger than the archive',
      () => {
        const bytes = torchZipBytes(simpleRoot, { storages: simpleStorages });
        bytes.writeUInt32LE(0x7fffffff, bytes.length - 10);
        return bytes;
      },
      'corrupt',
    ],
    [
      'an entry whose local header lies beyond the directory',
      () => {
        const layout = torchZipLayout(simpleRoot, { storages: simpleStorages });
        const bytes = layoutToBuffer(layout);
        bytes.writeUInt32LE(layout.size - 10, layout.centralDirectoryOffset + 42);
        return bytes;
      },
      'corrupt',
    ],
    [
      'a data.pkl that fails its CRC',
      () => {
        const layout = torchZipLayout(simpleRoot, { storages: simpleStorages });
        const bytes = layoutToBuffer(layout);
        const at = (layout.dataOffsets.get('archive/data.pkl') as number) + 10;
        bytes[at] = (bytes[at] as number) ^ 0x01;
        return bytes;
      },
      'corrupt',
    ],
    [
      'an archive cut before its end record',
      () => {
        const bytes = torchZipBytes(simpleRoot, { storages: simpleStorages });
        return bytes.subarray(0, bytes.length - 30);
      },
      'truncated',
    ],
    [
      'an empty zip archive',
      () => {
        const end = Buffer.alloc(22);
        end.writeUInt32LE(0x06054b50, 0);
        return end;
      },
      'notACheckpoint',
    ],
  ];
  for (const [what, build, reason] of broken) {
    it(`refuses ${what} with reason ${reason}`, async () => {
      const error = await expectCheckpointError(() => open(`broken-${what.replace(/\W+/g, '-')}.pt`, build()));
      assert.equal(error.reason, reason, error.message);
      assert.ok(error.message.length > 10);
    });
  }

  it('refuses archives over the entry and directory limits', async () => {
    const bytes = torchZipBytes(simpleRoot, { storages: simpleStorages });
    assert.equal(
      (await expectCheckpointError(() => open('entries.pt', bytes, { limits: { maxZipEntries: 2 } }))).reason,
      'tooLarge',
    );
    assert.equal(
      (await expectCheckpointError(() => open('directory.pt', bytes, { limits: { maxCentralDirectoryBytes: 100 } })))
        .reason,
      'tooLarge',
    );
    assert.equal(
      (await expectCheckpointError(() => open('pickle.pt', bytes, { limits: { maxPickleBytes: 20 } }))).reason,
      'tooLarge',
    );
  });

  it('shares one storage between tensors that name the same key', async () => {
    const shared = { key: '5', storageClass: 'FloatStorage', numel: 6 } as const;
    const root: PyValue = {
      ordered: [
        ['a', { tensor: { storage: shared, shape: [3] } }],
        ['b', { tensor: { storage: shared, shape: [3], offset: 3 } }],
      ],
    };
    const checkpoint = await open(
      'shared.pt',
      torchZipBytes(root, { storages: [{ key: '5', data: encodeValues('float32', [1, 2, 3, 4, 5, 6]) }] }),
    );
    try {
      const a = dictGet(checkpoint.root as never, 'a') as TensorRef;
      const b = dictGet(checkpoint.root as never, 'b') as TensorRef;
      assert.equal(a.storage, b.storage);
      assert.deepEqual(Array.from(await readTensor(checkpoint, b)), [4, 5, 6]);
    } finally {
      await checkpoint.close();
    }
  });

  it('accepts dtype globals as storage types (newer torch spellings)', async () => {
    const pickle = new PickleBytes()
      .proto(2)
      .global('torch._utils', '_rebuild_tensor_v2')
      .raw(op.MARK, op.MARK)
      .str('storage')
      .global('torch', 'bfloat16')
      .str('0')
      .str('cpu')
      .int(2)
      .raw(op.TUPLE, op.BINPERSID)
      .int(0)
      .int(2)
      .raw(op.TUPLE1)
      .int(1)
      .raw(op.TUPLE1, op.NEWFALSE, op.NONE, op.TUPLE, op.REDUCE, op.STOP)
      .build();
    const checkpoint = await open(
      'bf16-dtype.pt',
      torchZipBytes(null, { pickle, storages: [{ key: '0', data: encodeValues('bfloat16', [1.5, -2]) }] }),
    );
    try {
      const tensor = checkpoint.root as TensorRef;
      assert.equal(tensor.dtype, 'bfloat16');
      assert.deepEqual(Array.from(await readTensor(checkpoint, tensor)), [1.5, -2]);
    } finally {
      await checkpoint.close();
    }
  });

  it('keeps the pickle protocol torch wrote', async () => {
    const checkpoint = await open(
      'protocol.pt',
      torchZipBytes(null, { pickle: new TorchPickler().finish({ int: 1 }) }),
    );
    assert.equal(checkpoint.pickleProtocol, 2);
    assert.equal(checkpoint.root, 1);
    await checkpoint.close();
  });
});
