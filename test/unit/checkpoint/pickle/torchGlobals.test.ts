import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CheckpointError } from '../../../../src/checkpoint/base/checkpointError';
import { makeStorageRef } from '../../../../src/checkpoint/base/tensorRef';
import { classifyGlobal } from '../../../../src/checkpoint/pickle/torchGlobals';
import { loadPickle, strict } from '../loadPickle';
import { PickleBytes, TorchPickler, op } from '../pickleBuilder';

describe('torchGlobals', () => {
  const dangerous = [
    'os.system',
    'posix.system',
    'nt.system',
    'os.popen',
    'subprocess.Popen',
    'subprocess.check_output',
    'subprocess.run',
    'builtins.eval',
    'builtins.exec',
    'builtins.compile',
    'builtins.__import__',
    'builtins.getattr',
    'builtins.open',
    '__builtin__.eval',
    'runpy._run_code',
    'runpy.run_path',
    'pty.spawn',
    'webbrowser.open',
    'shutil.rmtree',
    'operator.methodcaller',
    'importlib.import_module',
    'ctypes.CDLL',
    'pickle.loads',
    'socket.create_connection',
    'torch.load',
    'torch.hub.load',
    'torch.jit.load',
    'numpy.testing._private.utils.runstring',
  ];
  for (const global of dangerous) {
    it(`classifies ${global} as dangerous`, () => {
      const dot = global.lastIndexOf('.');
      assert.equal(classifyGlobal(global.slice(0, dot), global.slice(dot + 1)), 'dangerous');
    });
  }

  it('classifies the globals of a real OpenCLIP checkpoint as allowed (contracts §2.6)', () => {
    for (const global of [
      'collections.OrderedDict',
      'torch._utils._rebuild_tensor_v2',
      'torch.FloatStorage',
      'numpy.core.multiarray.scalar',
      'numpy.dtype',
      '_codecs.encode',
      'torch.BFloat16Storage',
      'torch.HalfStorage',
      'torch.storage.TypedStorage',
      'torch.UntypedStorage',
      'torch.float32',
      'torch.device',
      'torch._utils._rebuild_parameter',
      'pathlib.PosixPath',
      'argparse.Namespace',
    ]) {
      const dot = global.lastIndexOf('.');
      assert.equal(classifyGlobal(global.slice(0, dot), global.slice(dot + 1)), 'allowed', global);
    }
    assert.equal(classifyGlobal('builtins', 'print'), 'unknown');
    assert.equal(classifyGlobal('my_project.models', 'Net'), 'unknown');
  });

  it('never runs os.system: the call becomes an opaque value and a security warning', () => {
    const marker = join(tmpdir(), `tic-studio-never-${process.pid}-${Date.now()}`);
    const data = new PickleBytes()
      .proto(2)
      .global('posix', 'system')
      .str(`touch ${marker}`)
      .raw(op.TUPLE1, op.REDUCE)
      .global('builtins', 'eval')
      .str('__import__("os").system("touch ' + marker + '")')
      .raw(op.TUPLE1, op.REDUCE)
      .global('posix', 'system')
      .str('again')
      .raw(op.TUPLE1, op.REDUCE)
      .raw(op.TUPLE3, op.STOP)
      .build();
    const loaded = loadPickle(data);
    assert.equal(existsSync(marker), false);
    assert.deepEqual(strict(loaded.value), [
      'tuple',
      ['opaque', 'posix.system', ['tuple', `touch ${marker}`]],
      ['opaque', 'builtins.eval', ['tuple', `__import__("os").system("touch ${marker}")`]],
      ['opaque', 'posix.system', ['tuple', 'again']],
    ]);
    // One warning per global, naming it.
    assert.deepEqual(
      loaded.warnings.map((w) => [w.kind, w.severity, w.detail.split(':')[0]]),
      [
        ['dangerousGlobal', 'security', 'posix.system'],
        ['dangerousGlobal', 'security', 'builtins.eval'],
      ],
    );
  });

  it('flags dangerous globals named by protocol-0 INST, STACK_GLOBAL and Python 2 module names', () => {
    const data = new PickleBytes()
      .proto(4)
      .raw(op.MARK)
      .raw(op.MARK, op.UNICODE, 'id\n', op.INST, 'subprocess\ncheck_output\n')
      .str('runpy')
      .str('run_path')
      .raw(op.STACK_GLOBAL)
      .global('__builtin__', 'exec')
      .raw(op.TUPLE, op.STOP)
      .build();
    const loaded = loadPickle(data);
    assert.deepEqual(
      loaded.warnings.map((w) => w.detail.split(':')[0]),
      ['subprocess.check_output', 'runpy.run_path', 'builtins.exec'],
    );
    assert.ok(loaded.warnings.every((w) => w.kind === 'dangerousGlobal'));
  });

  it('keeps unknown classes opaque through REDUCE, BUILD, APPENDS and SETITEMS', () => {
    const data = new PickleBytes()
      .proto(2)
      .global('my_project.models', 'Net')
      .raw(op.EMPTY_TUPLE, op.REDUCE)
      .raw(op.EMPTY_DICT)
      .str('hidden')
      .int(3)
      .raw(op.SETITEM, op.BUILD)
      .raw(op.MARK)
      .int(1)
      .raw(op.APPENDS)
      .str('k')
      .str('v')
      .raw(op.SETITEM, op.STOP)
      .build();
    const loaded = loadPickle(data);
    const value = loaded.value;
    assert.ok(typeof value === 'object' && value !== null && value.kind === 'opaque');
    assert.equal(value.global, 'my_project.models.Net');
    assert.deepEqual(strict(value.state ?? null), ['dict', ['hidden', 3]]);
    assert.deepEqual(value.listItems, [1]);
    assert.deepEqual(value.dictItems, [['k', 'v']]);
    assert.deepEqual(
      loaded.warnings.map((w) => [w.kind, w.severity]),
      [['unknownGlobal', 'info']],
    );
  });

  it('decodes numpy scalars the way OpenCLIP saves its lr (contracts §2.6)', () => {
    const pickler = new TorchPickler();
    assert.equal(loadPickle(pickler.finish({ numpyFloat64: 0.0004267766952966369 })).value, 0.0004267766952966369);
    const scalar = (code: string, order: string, bytes: number[]): Buffer =>
      new PickleBytes()
        .proto(3)
        .global('numpy.core.multiarray', 'scalar')
        .global('numpy', 'dtype')
        .str(code)
        .raw(op.NEWFALSE, op.NEWTRUE, op.TUPLE3, op.REDUCE)
        .raw(op.MARK)
        .int(3)
        .str(order)
        .raw(op.NONE, op.NONE, op.NONE)
        .int(-1)
        .int(-1)
        .int(0)
        .raw(op.TUPLE, op.BUILD)
        .raw(op.SHORT_BINBYTES, bytes.length, Buffer.from(bytes))
        .raw(op.TUPLE2, op.REDUCE, op.STOP)
        .build();
    assert.equal(loadPickle(scalar('f8', '>', [0x3f, 0xf8, 0, 0, 0, 0, 0, 0])).value, 1.5);
    assert.equal(loadPickle(scalar('f4', '<', [0, 0, 0x20, 0x41])).value, 10);
    assert.equal(loadPickle(scalar('f2', '<', [0x00, 0x3c])).value, 1);
    assert.equal(loadPickle(scalar('i8', '<', [0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])).value, -2);
    assert.equal(loadPickle(scalar('i8', '<', [0, 0, 0, 0, 0, 0, 0, 0x40])).value, 2n ** 62n);
    assert.equal(loadPickle(scalar('u2', '|', [0x34, 0x12])).value, 0x1234);
    assert.equal(loadPickle(scalar('b1', '|', [1])).value, true);
    assert.throws(
      () => loadPickle(scalar('f8', '<', [1, 2, 3])),
      (error: unknown) => CheckpointError.is(error, 'corrupt'),
    );
    assert.deepEqual(strict(loadPickle(scalar('c16', '<', [0])).value), [
      'opaque',
      'numpy.core.multiarray.scalar',
      ['tuple', ['numpyDtype', 'c16', '<'], ['bytes', '00']],
    ]);
  });

  it('rebuilds paths, argparse namespaces, devices, dtypes and sets', () => {
    const data = new PickleBytes()
      .proto(2)
      .raw(op.MARK)
      .global('pathlib', 'PosixPath')
      .str('/')
      .str('home')
      .str('alice')
      .raw(op.TUPLE3, op.REDUCE)
      .global('pathlib', 'WindowsPath')
      .str('C:\\')
      .str('runs')
      .raw(op.TUPLE2, op.REDUCE)
      .global('argparse', 'Namespace')
      .raw(op.EMPTY_TUPLE, op.NEWOBJ, op.EMPTY_DICT)
      .str('epochs')
      .int(5)
      .raw(op.SETITEM, op.BUILD)
      .global('torch', 'device')
      .str('cuda')
      .int(1)
      .raw(op.TUPLE2, op.REDUCE)
      .global('torch', 'device')
      .str('cuda:3')
      .raw(op.TUPLE1, op.REDUCE)
      .global('torch', 'bfloat16')
      .global('builtins', 'set')
      .raw(op.EMPTY_LIST)
      .int(4)
      .raw(op.APPEND, op.TUPLE1, op.REDUCE)
      .global('copy_reg', '_reconstructor')
      .global('argparse', 'Namespace')
      .global('builtins', 'object')
      .raw(op.NONE, op.TUPLE3, op.REDUCE)
      .raw(op.TUPLE, op.STOP)
      .build();
    const loaded = loadPickle(data);
    assert.deepEqual(strict(loaded.value), [
      'tuple',
      ['path', 'posix', '/home/alice'],
      ['path', 'windows', 'C:\\runs'],
      ['namespace', ['dict', ['epochs', 5]]],
      ['device', 'cuda', 1],
      ['device', 'cuda', 3],
      ['dtype', 'bfloat16'],
      ['set', 4],
      ['namespace', ['dict']],
    ]);
    assert.deepEqual(loaded.warnings, []);
  });

  it('rebuilds tensors and parameters from storages, and keeps OrderedDict attributes from BUILD', () => {
    const storage = makeStorageRef('0', 'float32', 'cuda:0', 12);
    const data = new PickleBytes()
      .proto(2)
      .global('collections', 'OrderedDict')
      .raw(op.EMPTY_TUPLE, op.REDUCE)
      .raw(op.MARK)
      .str('w')
      .global('torch._utils', '_rebuild_parameter')
      .global('torch._utils', '_rebuild_tensor_v2')
      .raw(op.MARK, op.NONE, op.BINPERSID)
      .int(2)
      .int(2)
      .int(5)
      .raw(op.TUPLE2)
      .int(1)
      .int(2)
      .raw(op.TUPLE2, op.NEWFALSE, op.NONE, op.TUPLE, op.REDUCE)
      .raw(op.NEWTRUE, op.NONE, op.TUPLE3, op.REDUCE)
      .raw(op.SETITEMS)
      .raw(op.EMPTY_DICT)
      .str('_metadata')
      .raw(op.EMPTY_DICT, op.SETITEM, op.BUILD, op.STOP)
      .build();
    const loaded = loadPickle(data, { persistentLoad: () => storage });
    assert.deepEqual(strict(loaded.value), [
      'dict:collections.OrderedDict',
      ['w', ['tensor', 'float32', [2, 5], [1, 2], 2, '0']],
    ]);
    const value = loaded.value;
    assert.ok(typeof value === 'object' && value !== null && value.kind === 'dict');
    const tensor = value.entries[0]?.[1];
    assert.ok(typeof tensor === 'object' && tensor !== null && tensor.kind === 'tensor');
    assert.equal(tensor.rebuild, 'parameter');
    assert.equal(tensor.requiresGrad, true);
    assert.equal(tensor.storage.location, 'cuda:0');
    assert.deepEqual(strict(value.attributes ?? null), ['dict', ['_metadata', ['dict']]]);
    assert.equal(loaded.hooks.tensorCount, 1);
  });

  const badTensors: readonly [string, (p: PickleBytes) => PickleBytes, string][] = [
    [
      'one that reaches past its storage',
      (p) => p.int(0).int(4).int(4).raw(op.TUPLE2).int(4).int(1).raw(op.TUPLE2),
      'corrupt',
    ],
    [
      'one whose strides and sizes differ in rank',
      (p) => p.int(0).int(4).raw(op.TUPLE1).int(1).int(1).raw(op.TUPLE2),
      'corrupt',
    ],
    ['one with a negative size', (p) => p.int(0).int(-4).raw(op.TUPLE1).int(1).raw(op.TUPLE1), 'corrupt'],
    ['one with a float offset', (p) => p.float(0.5).int(4).raw(op.TUPLE1).int(1).raw(op.TUPLE1), 'corrupt'],
    [
      'one of rank 100',
      (p) => {
        p.int(0).raw(op.MARK);
        for (let i = 0; i < 100; i++) p.int(1);
        p.raw(op.TUPLE, op.MARK);
        for (let i = 0; i < 100; i++) p.int(1);
        return p.raw(op.TUPLE);
      },
      'tooLarge',
    ],
  ];
  for (const [what, args, reason] of badTensors) {
    it(`refuses a tensor ${what}`, () => {
      const p = new PickleBytes()
        .proto(2)
        .global('torch._utils', '_rebuild_tensor_v2')
        .raw(op.MARK, op.NONE, op.BINPERSID);
      const data = args(p).raw(op.NEWFALSE, op.NONE, op.TUPLE, op.REDUCE, op.STOP).build();
      assert.throws(
        () => loadPickle(data, { persistentLoad: () => makeStorageRef('0', 'float32', 'cpu', 8) }),
        (error: unknown) => CheckpointError.is(error, reason as never),
      );
    });
  }

  it('counts tensors against the tensor limit', () => {
    const p = new PickleBytes().proto(2).raw(op.MARK);
    for (let i = 0; i < 5; i++) {
      p.global('torch._utils', '_rebuild_tensor_v2')
        .raw(op.MARK, op.NONE, op.BINPERSID)
        .int(0)
        .raw(op.EMPTY_TUPLE, op.EMPTY_TUPLE, op.NEWFALSE, op.NONE, op.TUPLE, op.REDUCE);
    }
    const data = p.raw(op.LIST, op.STOP).build();
    const persistentLoad = (): ReturnType<typeof makeStorageRef> => makeStorageRef('0', 'float32', 'cpu', 1);
    assert.equal(loadPickle(data, { persistentLoad }).hooks.tensorCount, 5);
    assert.throws(
      () => loadPickle(data, { persistentLoad, limits: { maxTensors: 4 } }),
      (error: unknown) => CheckpointError.is(error, 'tooLarge'),
    );
  });
});
