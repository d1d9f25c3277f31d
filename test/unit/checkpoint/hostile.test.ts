import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CheckpointError } from '../../../src/checkpoint/base/checkpointError';
import { openCheckpoint } from '../../../src/checkpoint/readers/openCheckpoint';
import { inspectCheckpoint } from '../../../src/checkpoint/report';
import { exercise } from './exerciseCheckpoint';
import { expectCheckpointError } from './loadPickle';
import { PickleBytes, op, type PyValue } from './pickleBuilder';
import { encodeValues, legacyBytes, safetensorsBytes, scratchDir, torchZipBytes } from './syntheticCheckpoints';

const fixtureDir = join(__dirname, '..', '..', 'fixtures', 'checkpoints');

describe('hostile checkpoints', function () {
  this.timeout(30_000);
  let scratch: Awaited<ReturnType<typeof scratchDir>>;
  before(async () => {
    scratch = await scratchDir();
  });
  after(async () => {
    await scratch.cleanup();
  });

  const tinyZip = torchZipBytes(
    {
      dict: [
        ['epoch', { int: 1 }],
        ['w', { tensor: { storage: { key: '0', storageClass: 'FloatStorage', numel: 3 }, shape: [3] } }],
      ],
    },
    { storages: [{ key: '0', data: encodeValues('float32', [1, 2, 3]) }], zip: { forceZip64: true, comment: 'note' } },
  );
  const cutSources: readonly [string, () => Buffer][] = [
    ['legacy.pt', () => readFileSync(join(fixtureDir, 'legacy.pt'))],
    ['malicious_os_system.pt', () => readFileSync(join(fixtureDir, 'malicious_os_system.pt'))],
    ['weights.safetensors', () => readFileSync(join(fixtureDir, 'weights.safetensors'))],
    ['dtypes.pt', () => readFileSync(join(fixtureDir, 'dtypes.pt'))],
    ['a ZIP64 archive with a comment', () => tinyZip],
  ];
  for (const [name, load] of cutSources) {
    it(`fails cleanly when ${name} is cut at any byte`, async () => {
      const whole = load();
      await exercise(await scratch.file(`whole-${name.replace(/\W+/g, '-')}`, whole));
      const path = join(scratch.dir, `cut-${name.replace(/\W+/g, '-')}`);
      const reasons = new Map<string, number>();
      for (let length = 0; length < whole.length; length++) {
        await scratch.file(`cut-${name.replace(/\W+/g, '-')}`, whole.subarray(0, length));
        const error = await expectCheckpointError(() => exercise(path));
        reasons.set(error.reason, (reasons.get(error.reason) ?? 0) + 1);
      }
      // Most cuts lose the end of the file, which every format notices as truncation.
      assert.ok((reasons.get('truncated') ?? 0) > whole.length / 2, JSON.stringify([...reasons]));
    });
  }

  async function zipWithPickle(name: string, pickle: Buffer): Promise<string> {
    return scratch.file(name, torchZipBytes(null, { pickle }));
  }

  it('refuses a data.pkl of 100k nested MARK/EMPTY_LIST quickly', async () => {
    const pickle = Buffer.concat([
      Buffer.from([op.PROTO, 2]),
      Buffer.alloc(200_000, Buffer.from([op.MARK, op.EMPTY_LIST])),
      Buffer.from([op.STOP]),
    ]);
    const started = Date.now();
    const error = await expectCheckpointError(async () => inspectCheckpoint(await zipWithPickle('marks.pt', pickle)));
    assert.equal(error.reason, 'tooLarge');
    assert.ok(Date.now() - started < 3000);
  });

  it('refuses a data.pkl that declares a 10 GB string or bytes value', async () => {
    for (const opcode of [op.BINUNICODE8, op.BINBYTES8]) {
      const pickle = new PickleBytes()
        .proto(4)
        .raw(opcode)
        .u64(10n * 1024n ** 3n)
        .raw('tiny')
        .stop()
        .build();
      const error = await expectCheckpointError(async () =>
        inspectCheckpoint(await zipWithPickle(`ten-gb-${opcode}.pt`, pickle)),
      );
      assert.equal(error.reason, 'tooLarge');
    }
  });

  it('refuses a memo flood inside data.pkl', async () => {
    const count = 1_000_001;
    const pickle = Buffer.alloc(3 + count * 5 + 1);
    pickle.set([op.PROTO, 4, op.NONE]);
    for (let i = 0; i < count; i++) {
      pickle[3 + i * 5] = op.LONG_BINPUT;
      pickle.writeUInt32LE(i * 7, 4 + i * 5);
    }
    pickle[pickle.length - 1] = op.STOP;
    const error = await expectCheckpointError(async () => inspectCheckpoint(await zipWithPickle('memo.pt', pickle)));
    assert.equal(error.reason, 'tooLarge');
  });

  it('reports a DAG bomb of shared lists in a small pickle without walking every path', async () => {
    // 8 levels, each a list holding the previous level 1000 times: 10^24 paths from the root in 16 KB.
    const p = new PickleBytes().proto(2).raw(op.EMPTY_DICT).str('scaler').str('leaf').binput(0);
    for (let level = 1; level <= 8; level++) {
      p.raw(op.POP, op.MARK);
      for (let i = 0; i < 1000; i++) {
        p.binget(level - 1);
      }
      p.raw(op.LIST).binput(level);
    }
    p.raw(op.SETITEM).str('optimizer').raw(op.EMPTY_DICT).str('state').raw(op.EMPTY_DICT).str('x').binget(8);
    const pickle = p.raw(op.SETITEM, op.SETITEM, op.SETITEM, op.STOP).build();
    const started = Date.now();
    const report = await inspectCheckpoint(await zipWithPickle('dag.pt', pickle));
    assert.ok(Date.now() - started < 3000);
    assert.ok(JSON.stringify(report.scaler).length < 1_000_000);
    assert.equal(report.optimizer?.stateBytes, 0);
  });

  it('never calls what the pickle names, whatever the opcode path', async () => {
    const marker = join(scratch.dir, 'pwned');
    const pickle = new PickleBytes()
      .proto(4)
      .raw(op.MARK)
      .global('os', 'system')
      .str(`touch ${marker}`)
      .raw(op.TUPLE1, op.REDUCE)
      .global('subprocess', 'Popen')
      .raw(op.EMPTY_LIST)
      .str('touch')
      .raw(op.APPEND)
      .str(marker)
      .raw(op.APPEND, op.TUPLE1, op.EMPTY_DICT, op.NEWOBJ_EX)
      .raw(op.MARK, op.STRING, `'touch ${marker}'\n`, op.INST, 'os\nsystem\n')
      .str('builtins')
      .str('exec')
      .raw(op.STACK_GLOBAL)
      .str(`open('${marker}', 'w')`)
      .raw(op.TUPLE1, op.REDUCE)
      .global('copyreg', '_reconstructor')
      .global('os', 'system')
      .global('builtins', 'object')
      .raw(op.NONE, op.TUPLE3, op.REDUCE)
      .raw(op.LIST, op.STOP)
      .build();
    const report = await inspectCheckpoint(await zipWithPickle('calls.pt', pickle));
    const { existsSync } = await import('node:fs');
    assert.equal(existsSync(marker), false);
    assert.deepEqual(
      report.warnings.filter((w) => w.kind === 'dangerousGlobal').map((w) => w.detail.split(':')[0]),
      ['os.system', 'subprocess.Popen', 'builtins.exec'],
    );
  });

  it('refuses a legacy storage of absurd declared size when it is read, without allocating it', async () => {
    const huge: PyValue = {
      ordered: [
        ['w', { tensor: { storage: { key: '1', storageClass: 'FloatStorage', numel: 2 ** 40 }, shape: [2 ** 20] } }],
      ],
    };
    const path = await scratch.file(
      'legacy-huge.pt',
      legacyBytes(huge, [{ key: '1', elementSize: 4, data: Buffer.alloc(16) }]),
    );
    const error = await expectCheckpointError(() => exercise(path));
    assert.ok(['corrupt', 'truncated', 'tooLarge'].includes(error.reason), error.message);
  });

  it('refuses a safetensors file whose header claims more than the limit', async () => {
    const bytes = safetensorsBytes([{ name: 'a', code: 'F32', shape: [1], data: Buffer.alloc(4) }]);
    const path = await scratch.file('header.safetensors', bytes);
    const error = await expectCheckpointError(() => openCheckpoint(path, { limits: { maxHeaderJsonBytes: 16 } }));
    assert.equal(error.reason, 'tooLarge');
  });

  const notCheckpoints: readonly [string, Buffer, string][] = [
    ['an empty file', Buffer.alloc(0), 'truncated'],
    ['a text file', Buffer.from('hello, this is not a model\n'), 'notACheckpoint'],
    ['a PNG', Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), 'notACheckpoint'],
    ['two bytes of a zip signature', Buffer.from('PK'), 'truncated'],
    ['a bare pickle of a dict', new PickleBytes().proto(2).raw(op.EMPTY_DICT, op.STOP).build(), 'notACheckpoint'],
    [
      'an old tar checkpoint',
      (() => {
        const tar = Buffer.alloc(1024);
        tar.write('storages', 0);
        tar.write('ustar', 257);
        return tar;
      })(),
      'unsupported',
    ],
  ];
  for (const [what, bytes, reason] of notCheckpoints) {
    it(`says ${reason} for ${what}`, async () => {
      const error = await expectCheckpointError(async () =>
        inspectCheckpoint(await scratch.file(`not-${what.replace(/\W+/g, '-')}`, bytes)),
      );
      assert.equal(error.reason, reason);
      assert.ok(CheckpointError.is(error));
    });
  }

  it('lets the file system error through for a path that does not exist', async () => {
    await assert.rejects(inspectCheckpoint(join(scratch.dir, 'missing.pt')), (error: unknown) => {
      return !CheckpointError.is(error) && (error as NodeJS.ErrnoException).code === 'ENOENT';
    });
  });
});
