import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CheckpointError } from '../../../src/checkpoint/base/checkpointError';
import { inferClipArchitecture } from '../../../src/checkpoint/clipArchitecture';
import { resolveLimits } from '../../../src/checkpoint/base/limits';
import { unpickle } from '../../../src/checkpoint/pickle/pickleMachine';
import { isPickleObject } from '../../../src/checkpoint/base/pickleValues';
import { RandomAccessFile } from '../../../src/checkpoint/base/randomAccessFile';
import { findStateDict } from '../../../src/checkpoint/stateDict';
import { makeStorageRef } from '../../../src/checkpoint/base/tensorRef';
import { createTorchHooks } from '../../../src/checkpoint/pickle/torchGlobals';
import { storageDtype } from '../../../src/checkpoint/readers/torchZipReader';
import { findTensors, toPlainValue } from '../../../src/checkpoint/treeWalk';
import { readZipDirectory, readZipEntry } from '../../../src/checkpoint/readers/zipReader';
import { exercise } from './exerciseCheckpoint';
import { encodeValues, legacyBytes, scratchDir, torchZipBytes } from './syntheticCheckpoints';

const fixtureDir = join(__dirname, '..', '..', 'fixtures', 'checkpoints');

/** mulberry32: a tiny seeded PRNG, so a failure names a seed and iteration that reproduce it. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const interesting = [0x00, 0xff, 0x7f, 0x80, 0x01, 0x0a, 0x28, 0x2e, 0x71, 0x68, 0x8a, 0x95];
const interesting32 = [0, 0xffffffff, 0x7fffffff, 0x80000000, 1, 0xffff, 0x10000];

/** One to four random edits: bit flips, interesting bytes and words, cuts, deletions, duplications. */
function mutate(input: Buffer, random: () => number): Buffer {
  let data = Buffer.from(input);
  const pick = (n: number): number => Math.floor(random() * n);
  const edits = 1 + pick(4);
  for (let e = 0; e < edits && data.length > 0; e++) {
    const at = pick(data.length);
    switch (pick(7)) {
      case 0:
        data[at] = (data[at] as number) ^ (1 << pick(8));
        break;
      case 1:
        data[at] = interesting[pick(interesting.length)] as number;
        break;
      case 2:
        if (at + 4 <= data.length) {
          data.writeUInt32LE(interesting32[pick(interesting32.length)] as number, at);
        }
        break;
      case 3:
        data = data.subarray(0, at);
        break;
      case 4: {
        const length = 1 + pick(Math.min(64, data.length - at));
        data = Buffer.concat([data.subarray(0, at), data.subarray(at + length)]);
        break;
      }
      case 5: {
        const length = 1 + pick(Math.min(64, data.length - at));
        const to = pick(data.length);
        data = Buffer.concat([data.subarray(0, to), data.subarray(at, at + length), data.subarray(to)]);
        break;
      }
      default:
        data[at] = pick(256);
    }
  }
  return data;
}

function describeFailure(error: unknown, seed: number, iteration: number, source: string): string {
  return `seed ${seed}, iteration ${iteration}, source ${source}: ${error instanceof Error ? `${error.name}: ${error.message}\n${error.stack}` : String(error)}`;
}

describe('fuzzing', function () {
  this.timeout(60_000);
  let scratch: Awaited<ReturnType<typeof scratchDir>>;
  before(async () => {
    scratch = await scratchDir();
  });
  after(async () => {
    await scratch.cleanup();
  });

  it('turns a few thousand mutated checkpoint files into reports or CheckpointErrors, nothing else', async () => {
    const sources: [string, Buffer][] = [
      ['malicious_os_system.pt', readFileSync(join(fixtureDir, 'malicious_os_system.pt'))],
      ['legacy.pt', readFileSync(join(fixtureDir, 'legacy.pt'))],
      ['weights.safetensors', readFileSync(join(fixtureDir, 'weights.safetensors'))],
      ['dtypes.pt', readFileSync(join(fixtureDir, 'dtypes.pt'))],
      [
        'synthetic zip64',
        torchZipBytes(
          {
            dict: [
              [
                'w',
                {
                  tensor: {
                    storage: { key: '0', storageClass: 'HalfStorage', numel: 4 },
                    shape: [2, 2],
                    stride: [1, 2],
                  },
                },
              ],
            ],
          },
          {
            storages: [{ key: '0', data: encodeValues('float16', [1, 2, 3, 4]) }],
            zip: { forceZip64: true, comment: 'z' },
            pickleMethod: 'deflate',
          },
        ),
      ],
      [
        'synthetic legacy view',
        legacyBytes(
          {
            ordered: [
              [
                'v',
                {
                  tensor: {
                    storage: {
                      key: '9',
                      storageClass: 'FloatStorage',
                      numel: 4,
                      view: { key: 'v', offset: 1, size: 3 },
                    },
                    shape: [3],
                  },
                },
              ],
            ],
          },
          [{ key: '9', elementSize: 4, data: encodeValues('float32', [1, 2, 3, 4]) }],
        ),
      ],
    ];
    const seed = 20240611;
    const random = prng(seed);
    const path = join(scratch.dir, 'mutant');
    const deadline = Date.now() + 6000;
    let iterations = 0;
    const outcomes = new Map<string, number>();
    for (; iterations < 2000 && Date.now() < deadline; iterations++) {
      const [name, bytes] = sources[iterations % sources.length] as [string, Buffer];
      await scratch.file('mutant', mutate(bytes, random));
      try {
        await exercise(path);
        outcomes.set('ok', (outcomes.get('ok') ?? 0) + 1);
      } catch (error) {
        if (!CheckpointError.is(error)) {
          assert.fail(describeFailure(error, seed, iterations, name));
        }
        outcomes.set(error.reason, (outcomes.get(error.reason) ?? 0) + 1);
      }
    }
    assert.ok(iterations >= 300, `only ${iterations} iterations ran`);
    assert.ok((outcomes.get('ok') ?? 0) > 0 && outcomes.size >= 3, JSON.stringify([...outcomes]));
  });

  it('turns a few thousand mutated data.pkl streams into values or CheckpointErrors, nothing else', async () => {
    // The real OpenCLIP data.pkl, lifted out of the fixture with the zip reader: inside a zip, mutations of it
    // would mostly stop at the CRC check, so here they go straight to the interpreter.
    const file = await RandomAccessFile.open(join(fixtureDir, 'epoch_2.pt'));
    const limits = resolveLimits();
    let original: Buffer;
    try {
      const directory = await readZipDirectory(file, limits, () => undefined);
      const entry = directory.byName.get('epoch_2/data.pkl');
      assert.ok(entry !== undefined);
      original = await readZipEntry(file, directory, entry, limits.maxPickleBytes, { verifyCrc: true });
    } finally {
      await file.close();
    }
    const seed = 7;
    const random = prng(seed);
    const deadline = Date.now() + 5000;
    let iterations = 0;
    let decoded = 0;
    for (; iterations < 3000 && Date.now() < deadline; iterations++) {
      const mutant = mutate(original, random);
      try {
        const hooks = createTorchHooks({
          limits,
          warn: () => undefined,
          // torch's zip persistent_load, minus the zip entry lookup.
          persistentLoad: (pid) => {
            if (!isPickleObject(pid) || pid.kind !== 'tuple' || pid.items[0] !== 'storage') {
              throw new CheckpointError('corrupt', 'not a storage id');
            }
            const [, type, key, location, numel] = pid.items;
            if (typeof key !== 'string' || typeof location !== 'string') {
              throw new CheckpointError('corrupt', 'bad storage id');
            }
            return makeStorageRef(key, storageDtype(type ?? null), location, numel ?? null);
          },
        });
        const { value } = unpickle(mutant, 0, hooks, limits);
        // Everything downstream must cope with whatever tree came out.
        findTensors(value, { maxDepth: 64 });
        toPlainValue(value, 8);
        const stateDict = findStateDict(value);
        inferClipArchitecture(new Map(stateDict?.tensors.map((t) => [t.name, t.tensor.shape]) ?? []));
        decoded += 1;
      } catch (error) {
        if (!CheckpointError.is(error)) {
          assert.fail(describeFailure(error, seed, iterations, 'epoch_2/data.pkl'));
        }
      }
    }
    assert.ok(iterations >= 500, `only ${iterations} iterations ran`);
    assert.ok(decoded > 0);
  });
});
