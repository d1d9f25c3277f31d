import assert from 'node:assert/strict';
import { openCheckpoint } from '../../../../src/checkpoint/readers/openCheckpoint';
import { dictGet, type PickleDict, type TensorRef } from '../../../../src/checkpoint/base/pickleValues';
import { readTensor } from '../../../../src/checkpoint/tensorData';
import { expectCheckpointError } from '../loadPickle';
import { PickleBytes, TorchPickler, op, type PyValue } from '../pickleBuilder';
import { encodeValues, legacyBytes, scratchDir, type LegacyStorage } from '../syntheticCheckpoints';

/** torch < 1.6 checkpoints (torch/serialization.py `_legacy_save`), built like torch writes them. */
describe('legacyReader', () => {
  let scratch: Awaited<ReturnType<typeof scratchDir>>;
  before(async () => {
    scratch = await scratchDir();
  });
  after(async () => {
    await scratch.cleanup();
  });

  const storage = { key: '94011', storageClass: 'FloatStorage', numel: 10 } as const;
  const counts = { key: '94012', storageClass: 'LongStorage', numel: 3 } as const;
  const root: PyValue = {
    dict: [
      ['epoch', { int: 4 }],
      [
        'state_dict',
        {
          ordered: [
            [
              'view',
              { tensor: { storage: { ...storage, view: { key: 'v', offset: 4, size: 6 } }, shape: [2, 2], offset: 1 } },
            ],
            ['whole', { tensor: { storage, shape: [2, 5] } }],
            ['counts', { tensor: { storage: counts, shape: [3] } }],
          ],
        },
      ],
    ],
  };
  const storages: [LegacyStorage, LegacyStorage] = [
    { key: '94011', elementSize: 4, data: encodeValues('float32', [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]) },
    { key: '94012', elementSize: 8, data: encodeValues('int64', [-1, 2 ** 40, 3]) },
  ];

  async function tensors(bytes: Buffer, name: string): Promise<Record<string, number[]>> {
    const checkpoint = await openCheckpoint(await scratch.file(name, bytes));
    try {
      assert.equal(checkpoint.format, 'torch-legacy');
      const stateDict = dictGet(checkpoint.root as PickleDict, 'state_dict') as PickleDict;
      const out: Record<string, number[]> = {};
      for (const [key, value] of stateDict.entries) {
        out[key as string] = Array.from(await readTensor(checkpoint, value as TensorRef));
      }
      return out;
    } finally {
      await checkpoint.close();
    }
  }

  it('reads storages after the key list, including views into a root storage', async () => {
    assert.deepEqual(await tensors(legacyBytes(root, storages), 'views.pt'), {
      view: [5, 6, 7, 8],
      whole: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
      counts: [-1, 2 ** 40, 3],
    });
  });

  it('widens its read window for pickles longer than the first window, without repeating warnings', async () => {
    const long: PyValue = {
      dict: [
        ['notes', 'x'.repeat(300_000)],
        ['custom', { call: ['my_project', 'Config'], args: [{ int: 1 }] }],
        ['state_dict', { ordered: [['whole', { tensor: { storage, shape: [10] } }]] }],
      ],
    };
    const checkpoint = await openCheckpoint(await scratch.file('long.pt', legacyBytes(long, [storages[0]])));
    try {
      assert.equal((dictGet(checkpoint.root as PickleDict, 'notes') as string).length, 300_000);
      assert.deepEqual(
        checkpoint.warnings.map((w) => w.kind),
        ['unknownGlobal'],
      );
      const tensor = dictGet(dictGet(checkpoint.root as PickleDict, 'state_dict') as PickleDict, 'whole') as TensorRef;
      assert.deepEqual(Array.from(await readTensor(checkpoint, tensor)), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    } finally {
      await checkpoint.close();
    }
  });

  it('refuses a plain pickle that lacks the torch magic number', async () => {
    const bytes = new TorchPickler().finish({ dict: [['a', { int: 1 }]] });
    assert.equal(
      (await expectCheckpointError(async () => openCheckpoint(await scratch.file('plain.pkl', bytes)))).reason,
      'notACheckpoint',
    );
  });

  it('refuses an unknown legacy protocol version', async () => {
    const good = legacyBytes(root, storages);
    const magicLength = new PickleBytes().proto(2).int(0x1950a86a20f9469cfc6cn).stop().build().length;
    const bytes = Buffer.from(good);
    // The version pickle is PROTO 2, BININT2 1001, STOP; make it 1000.
    assert.equal(bytes[magicLength + 2], op.BININT2);
    bytes.writeUInt16LE(1000, magicLength + 3);
    assert.equal(
      (await expectCheckpointError(async () => openCheckpoint(await scratch.file('version.pt', bytes)))).reason,
      'unsupported',
    );
  });

  it('refuses a key list that names a storage the data never uses', async () => {
    const bytes = legacyBytes(root, [...storages, { key: 'ghost', elementSize: 4, data: Buffer.alloc(4) }]);
    assert.equal(
      (await expectCheckpointError(async () => openCheckpoint(await scratch.file('ghost.pt', bytes)))).reason,
      'corrupt',
    );
  });

  it('refuses a storage record whose element count disagrees with the data', async () => {
    const [floats, longs] = storages;
    const bytes = legacyBytes(root, [
      { key: floats.key, elementSize: 4, data: encodeValues('float32', [1, 2, 3]) },
      longs,
    ]);
    const checkpoint = await openCheckpoint(await scratch.file('count.pt', bytes));
    try {
      const tensor = dictGet(dictGet(checkpoint.root as PickleDict, 'state_dict') as PickleDict, 'whole') as TensorRef;
      assert.equal((await expectCheckpointError(() => readTensor(checkpoint, tensor))).reason, 'corrupt');
    } finally {
      await checkpoint.close();
    }
  });

  it('opens a file cut inside its storages, and reports truncation when those values are read', async () => {
    const whole = legacyBytes(root, storages);
    const checkpoint = await openCheckpoint(await scratch.file('cut.pt', whole.subarray(0, whole.length - 4)));
    try {
      const tensor = dictGet(dictGet(checkpoint.root as PickleDict, 'state_dict') as PickleDict, 'counts') as TensorRef;
      assert.equal((await expectCheckpointError(() => readTensor(checkpoint, tensor))).reason, 'truncated');
    } finally {
      await checkpoint.close();
    }
  });

  it('refuses pickles over the pickle size limit', async () => {
    const long: PyValue = { dict: [['notes', 'x'.repeat(10_000)]] };
    const bytes = legacyBytes(long, []);
    const error = await expectCheckpointError(async () =>
      openCheckpoint(await scratch.file('limit.pt', bytes), { limits: { maxPickleBytes: 4096 } }),
    );
    assert.equal(error.reason, 'tooLarge');
  });

  it('refuses a view that reaches outside its root storage', async () => {
    const bad: PyValue = {
      ordered: [['v', { tensor: { storage: { ...storage, view: { key: 'v', offset: 8, size: 6 } }, shape: [1] } }]],
    };
    const bytes = legacyBytes(bad, [storages[0]]);
    assert.equal(
      (await expectCheckpointError(async () => openCheckpoint(await scratch.file('view.pt', bytes)))).reason,
      'corrupt',
    );
  });
});
