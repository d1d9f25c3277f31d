import assert from 'node:assert/strict';
import { CheckpointError } from '../../../../src/checkpoint/base/checkpointError';
import type { PickleValue } from '../../../../src/checkpoint/base/pickleValues';
import { findTensors, toPlainValue } from '../../../../src/checkpoint/treeWalk';
import { expectCheckpointError, loadPickle, strict, type Strict } from '../loadPickle';
import { PickleBytes, op } from '../pickleBuilder';

/**
 * The same Python list pickled by CPython 3.11 `pickle.dumps(obj, protocol=N)` for N = 0…5, where
 * obj = [1, -2, 3000000000, 2**70, -2**70, 'é€\n', b'ab\x00\xff', (2.5, None, True, False),
 *        {'k': [1, 2], 3: 'x'}, frozenset([7]), {8}, OrderedDict([('a', 1)]), -0.0, float('inf')]
 */
const cpython: Readonly<Record<number, string>> = {
  0: '286c70300a49310a61492d320a614c333030303030303030304c0a614c313138303539313632303731373431313330333432344c0a614c2d313138303539313632303731373431313330333432344c0a6156e95c75323061635c75303030610a70310a61635f636f646563730a656e636f64650a70320a285661625c7530303030ff0a70330a566c6174696e310a70340a7470350a5270360a612846322e350a4e4930310a4930300a7470370a61286470380a566b0a70390a286c7031300a49310a6149320a617349330a56780a7031310a7361635f5f6275696c74696e5f5f0a66726f7a656e7365740a7031320a28286c7031330a49370a61747031340a527031350a61635f5f6275696c74696e5f5f0a7365740a7031360a28286c7031370a49380a61747031380a527031390a6163636f6c6c656374696f6e730a4f726465726564446963740a7032300a2874527032310a56610a7032320a49310a7361462d302e300a6146696e660a612e',
  1: '5d7100284b014afeffffff4c333030303030303030304c0a4c313138303539313632303731373431313330333432344c0a4c2d313138303539313632303731373431313330333432344c0a5806000000c3a9e282ac0a7101635f636f646563730a656e636f64650a7102285805000000616200c3bf710358060000006c6174696e317104747105527106284740040000000000004e4930310a4930300a7471077d71082858010000006b71095d710a284b014b02654b03580100000078710b75635f5f6275696c74696e5f5f0a66726f7a656e7365740a710c285d710d4b076174710e52710f635f5f6275696c74696e5f5f0a7365740a7110285d71114b086174711252711363636f6c6c656374696f6e730a4f726465726564446963740a71142952711558010000006171164b0173478000000000000000477ff0000000000000652e',
  2: '80025d7100284b014afeffffff8a05005ed0b2008a090000000000000000408a090000000000000000c05806000000c3a9e282ac0a7101635f636f646563730a656e636f64650a71025805000000616200c3bf710358060000006c6174696e317104867105527106284740040000000000004e88897471077d71082858010000006b71095d710a284b014b02654b03580100000078710b75635f5f6275696c74696e5f5f0a66726f7a656e7365740a710c5d710d4b076185710e52710f635f5f6275696c74696e5f5f0a7365740a71105d71114b086185711252711363636f6c6c656374696f6e730a4f726465726564446963740a71142952711558010000006171164b0173478000000000000000477ff0000000000000652e',
  3: '80035d7100284b014afeffffff8a05005ed0b2008a090000000000000000408a090000000000000000c05806000000c3a9e282ac0a71014304616200ff7102284740040000000000004e88897471037d71042858010000006b71055d7106284b014b02654b03580100000078710775636275696c74696e730a66726f7a656e7365740a71085d71094b076185710a52710b636275696c74696e730a7365740a710c5d710d4b086185710e52710f63636f6c6c656374696f6e730a4f726465726564446963740a71102952711158010000006171124b0173478000000000000000477ff0000000000000652e',
  4: '800495a3000000000000005d94284b014afeffffff8a05005ed0b2008a090000000000000000408a090000000000000000c08c06c3a9e282ac0a944304616200ff94284740040000000000004e888974947d94288c016b945d94284b014b02654b038c01789475284b0791948f94284b08908c0b636f6c6c656374696f6e73948c0b4f726465726564446963749493942952948c0161944b0173478000000000000000477ff0000000000000652e',
  5: '800595a3000000000000005d94284b014afeffffff8a05005ed0b2008a090000000000000000408a090000000000000000c08c06c3a9e282ac0a944304616200ff94284740040000000000004e888974947d94288c016b945d94284b014b02654b038c01789475284b0791948f94284b08908c0b636f6c6c656374696f6e73948c0b4f726465726564446963749493942952948c0161944b0173478000000000000000477ff0000000000000652e',
};

const expectedList: Strict = [
  'list',
  1,
  -2,
  3000000000,
  ['int', '1180591620717411303424'],
  ['int', '-1180591620717411303424'],
  'é€\n',
  ['bytes', '616200ff'],
  ['tuple', 2.5, null, true, false],
  ['dict', ['k', ['list', 1, 2]], [3, 'x']],
  ['frozenset', 7],
  ['set', 8],
  ['dict:collections.OrderedDict', ['a', 1]],
  -0,
  Infinity,
];

function hex(text: string): Buffer {
  return Buffer.from(text, 'hex');
}

describe('pickleMachine', () => {
  for (const protocol of [0, 1, 2, 3, 4, 5]) {
    it(`decodes what CPython writes with protocol ${protocol}`, () => {
      const loaded = loadPickle(hex(cpython[protocol] as string));
      assert.deepEqual(strict(loaded.value), expectedList);
      assert.equal(loaded.protocol, protocol >= 2 ? protocol : null);
      assert.deepEqual(loaded.warnings, []);
    });
  }

  it('ends exactly after STOP so consecutive pickles can be read one after another', () => {
    const first = new PickleBytes().proto(2).int(7).stop().build();
    const both = Buffer.concat([first, new PickleBytes().proto(2).str('next').stop().build()]);
    const loaded = loadPickle(both);
    assert.equal(loaded.value, 7);
    assert.equal(loaded.end, first.length);
  });

  it('decodes protocol-0 STRING literals with escapes and INT spellings of booleans', () => {
    const data = new PickleBytes()
      .raw(op.MARK)
      .raw(op.STRING, "'a\\x41\\n\\'q'\n")
      .raw(op.STRING, '"tab\\there"\n')
      .raw(op.INT, '01\n', op.INT, '00\n', op.INT, '-17\n', op.INT, '123456789012345678901234567890\n')
      .raw(op.LONG, '42L\n', op.FLOAT, '1e-3\n', op.FLOAT, '-inf\n', op.FLOAT, 'nan\n')
      .raw(op.UNICODE, 'caf\\u00e9 \\U0001f600\n')
      .raw(op.TUPLE, op.STOP)
      .build();
    const value = strict(loadPickle(data).value) as Strict[];
    assert.deepEqual(value.slice(0, 9), [
      'tuple',
      "aA\n'q",
      'tab\there',
      true,
      false,
      -17,
      ['int', '123456789012345678901234567890'],
      42,
      0.001,
    ]);
    assert.equal(value[9], -Infinity);
    assert.ok(Number.isNaN(value[10]));
    assert.equal(value[11], 'café 😀');
  });

  it('reads protocol-0 text as ISO-8859-1 and GLOBAL names as UTF-8, whatever the byte', () => {
    const data = new PickleBytes()
      .raw(op.MARK)
      .raw(op.UNICODE, Buffer.from([0x80, 0x9f, 0xe9, 0x0a]))
      .raw(op.GLOBAL, Buffer.from('my\u20acmod\nThing\n', 'utf8'))
      .raw(op.TUPLE, op.STOP)
      .build();
    const loaded = loadPickle(data);
    assert.deepEqual(strict(loaded.value), ['tuple', '\u0080\u009f\u00e9', ['global', 'my\u20acmod.Thing']]);
    assert.equal(loaded.warnings[0]?.detail.split(':')[0], 'my\u20acmod.Thing');
  });

  it('decodes every sized string and bytes opcode', () => {
    const data = new PickleBytes()
      .proto(4)
      .raw(op.MARK)
      .raw(op.SHORT_BINSTRING, 2, 'hi')
      .raw(op.BINSTRING)
      .i32(3)
      .raw('abc')
      .raw(op.BINUNICODE8)
      .u64(2)
      .raw('ok')
      .raw(op.SHORT_BINBYTES, 1, 0x01)
      .raw(op.BINBYTES)
      .u32(2)
      .raw(0x02, 0x03)
      .raw(op.BINBYTES8)
      .u64(1)
      .raw(0x04)
      .raw(op.BYTEARRAY8)
      .u64(3)
      .raw('xyz')
      .raw(op.LONG4)
      .i32(2)
      .raw(0x00, 0x80)
      .raw(op.LONG1, 0)
      .raw(op.TUPLE, op.STOP)
      .build();
    assert.deepEqual(strict(loadPickle(data).value), [
      'tuple',
      'hi',
      'abc',
      'ok',
      ['bytes', '01'],
      ['bytes', '0203'],
      ['bytes', '04'],
      ['bytearray', '78797a'],
      -32768,
      0,
    ]);
  });

  it('follows CPython for POP, POP_MARK, DUP and POP at an empty MARK frame', () => {
    const data = new PickleBytes()
      .raw(op.EMPTY_LIST)
      .raw(op.MARK, op.NONE, op.NONE, op.POP_MARK)
      .raw(op.MARK, op.BININT1, 5, op.DUP, op.APPENDS)
      .raw(op.BININT1, 9, op.POP)
      // POP with nothing above the last MARK removes the MARK itself.
      .raw(op.MARK, op.POP)
      .raw(op.STOP)
      .build();
    assert.deepEqual(strict(loadPickle(data).value), ['list', 5, 5]);
  });

  it('keeps the first position and the last value of a repeated dict key, as Python does', () => {
    const data = new PickleBytes()
      .raw(op.EMPTY_DICT, op.MARK)
      .str('a')
      .int(1)
      .str('b')
      .int(2)
      .str('a')
      .int(3)
      .int(1)
      .str('int key')
      .raw(op.NEWTRUE)
      .str('bool key is 1')
      .raw(op.SETITEMS, op.STOP)
      .build();
    assert.deepEqual(strict(loadPickle(data).value), ['dict', ['a', 3], ['b', 2], [1, 'bool key is 1']]);
  });

  it('shares memoised objects and survives a list that contains itself', () => {
    const data = new PickleBytes()
      .raw(op.EMPTY_LIST)
      .binput(0)
      .binget(0)
      .raw(op.APPEND)
      .raw(op.EMPTY_LIST, op.MEMOIZE, op.DUP, op.APPEND)
      .raw(op.APPEND, op.STOP)
      .build();
    const { value } = loadPickle(data);
    assert.ok(typeof value === 'object' && value !== null && value.kind === 'list');
    assert.equal(value.items[0], value);
    const inner = value.items[1] as PickleValue;
    assert.ok(typeof inner === 'object' && inner !== null && inner.kind === 'list');
    assert.equal(inner.items[0], inner);
    assert.deepEqual(toPlainValue(value, 10), ['<recursive list>', ['<recursive list>']]);
    assert.deepEqual(findTensors(value, { maxDepth: 10 }), []);
  });

  it('keeps first positions and last values of repeated keys as a dict grows from small to large', () => {
    const p = new PickleBytes().raw(op.EMPTY_DICT, op.MARK).str('a').int(1).str('b').int(2).str('a').int(3);
    p.raw(op.SETITEMS, op.MARK);
    for (let i = 0; i < 10; i++) {
      p.str(`k${i}`).int(i);
    }
    p.str('b').int(20).int(1).str('one').raw(op.SETITEMS, op.MARK).str('k3').int(30).raw(op.NEWTRUE).str('true');
    const data = p.raw(op.SETITEMS, op.STOP).build();
    assert.deepEqual(strict(loadPickle(data).value), [
      'dict',
      ['a', 3],
      ['b', 20],
      ...Array.from({ length: 10 }, (_, i): [string, number] => [`k${i}`, i === 3 ? 30 : i]),
      [1, 'true'],
    ]);
  });

  it('keeps memo indices that arrive out of order, sparse or huge, and counts each index once', () => {
    // Index 2 before 0 and 1 (sparse), then 0, 1 and 2 again in order: the latest value of 2 wins.
    const data = new PickleBytes()
      .proto(2)
      .str('a')
      .binput(2)
      .raw(op.POP)
      .str('b')
      .binput(0)
      .raw(op.POP)
      .str('c')
      .binput(1)
      .raw(op.POP)
      .str('d')
      .binput(2)
      .raw(op.POP)
      .str('e')
      .raw(op.LONG_BINPUT)
      .u32(0xfffffff0)
      .raw(op.POP, op.MARK)
      .binget(2)
      .binget(0)
      .binget(1)
      .raw(op.LONG_BINGET)
      .u32(0xfffffff0)
      .raw(op.TUPLE, op.STOP)
      .build();
    assert.deepEqual(strict(loadPickle(data).value), ['tuple', 'd', 'b', 'c', 'e']);
    // Four distinct indices: a limit of 4 holds them, and MEMOIZE's next index (4) is one too many.
    assert.doesNotThrow(() => loadPickle(data, { limits: { maxMemoEntries: 4 } }));
    const memoize = Buffer.concat([data.subarray(0, data.length - 1), Buffer.from([op.MEMOIZE, op.STOP])]);
    assert.throws(
      () => loadPickle(memoize, { limits: { maxMemoEntries: 4 } }),
      (error: unknown) => CheckpointError.is(error, 'tooLarge'),
    );
    assert.deepEqual(strict(loadPickle(memoize, { limits: { maxMemoEntries: 5 } }).value), [
      'tuple',
      'd',
      'b',
      'c',
      'e',
    ]);
    // A GET of an index past the dense run that was never stored is still an error.
    const missing = new PickleBytes().str('x').binput(0).binget(1).raw(op.STOP).build();
    assert.throws(
      () => loadPickle(missing),
      (error: unknown) => CheckpointError.is(error, 'corrupt'),
    );
  });

  it('builds sets with EMPTY_SET/ADDITEMS and frozensets with FROZENSET', () => {
    const data = new PickleBytes()
      .proto(4)
      .raw(op.EMPTY_SET, op.MARK)
      .int(1)
      .int(2)
      .raw(op.ADDITEMS, op.MARK)
      .int(3)
      .raw(op.FROZENSET, op.TUPLE2, op.STOP)
      .build();
    assert.deepEqual(strict(loadPickle(data).value), ['tuple', ['set', 1, 2], ['frozenset', 3]]);
  });

  it('uses STACK_GLOBAL, NEWOBJ and NEWOBJ_EX without calling anything', () => {
    const data = new PickleBytes()
      .proto(4)
      .str('collections')
      .str('OrderedDict')
      .raw(op.STACK_GLOBAL, op.EMPTY_TUPLE, op.NEWOBJ)
      .str('argparse')
      .str('Namespace')
      .raw(op.STACK_GLOBAL, op.EMPTY_TUPLE, op.EMPTY_DICT)
      .str('lr')
      .float(0.5)
      .raw(op.SETITEM, op.NEWOBJ_EX)
      .str('mymodule')
      .str('Thing')
      .raw(op.STACK_GLOBAL)
      .int(1)
      .raw(op.TUPLE1, op.NEWOBJ)
      .raw(op.TUPLE3, op.STOP)
      .build();
    const loaded = loadPickle(data);
    assert.deepEqual(strict(loaded.value), [
      'tuple',
      ['dict:collections.OrderedDict'],
      ['namespace', ['dict', ['lr', 0.5]]],
      ['opaque', 'mymodule.Thing', ['tuple', 1]],
    ]);
    assert.deepEqual(
      loaded.warnings.map((w) => [w.kind, w.severity]),
      [['unknownGlobal', 'info']],
    );
  });

  it('handles protocol-0 INST and protocol-1 OBJ as calls of the named class', () => {
    const data = new PickleBytes()
      .raw(op.MARK)
      .raw(op.MARK, op.INT, '7\n', op.INST, 'pathlib\nPosixPath\n')
      .raw(op.MARK)
      .global('pathlib', 'PurePosixPath')
      .str('/')
      .str('data')
      .raw(op.OBJ)
      .raw(op.TUPLE, op.STOP)
      .build();
    // A path from an int is nonsense: the PosixPath handler refuses it rather than guessing.
    assert.throws(
      () => loadPickle(data),
      (error: unknown) => CheckpointError.is(error, 'corrupt'),
    );
    const good = new PickleBytes()
      .raw(op.MARK)
      .raw(op.MARK, op.UNICODE, 'home\n', op.INST, 'pathlib\nPosixPath\n')
      .raw(op.MARK)
      .global('pathlib', 'PurePosixPath')
      .str('/')
      .str('data')
      .raw(op.OBJ)
      .raw(op.TUPLE, op.STOP)
      .build();
    assert.deepEqual(strict(loadPickle(good).value), ['tuple', ['path', 'posix', 'home'], ['path', 'posix', '/data']]);
  });

  it('reports a pickle cut at any byte as truncated', () => {
    const whole = hex(cpython[2] as string);
    for (let length = 0; length < whole.length; length++) {
      assert.throws(
        () => loadPickle(whole.subarray(0, length)),
        (error: unknown) => CheckpointError.is(error, 'truncated'),
        `prefix of ${length} bytes`,
      );
    }
  });

  const malformed: readonly [string, Buffer, string][] = [
    ['an unknown opcode', new PickleBytes().raw(0xff).build(), 'corrupt'],
    ['a stack underflow', new PickleBytes().raw(op.APPEND, op.STOP).build(), 'corrupt'],
    ['a pop below a MARK', new PickleBytes().raw(op.NONE, op.MARK, op.TUPLE1, op.STOP).build(), 'corrupt'],
    ['a GET of a missing memo entry', new PickleBytes().binget(3).stop().build(), 'corrupt'],
    [
      'SETITEMS with an odd count',
      new PickleBytes().raw(op.EMPTY_DICT, op.MARK, op.NONE, op.SETITEMS, op.STOP).build(),
      'corrupt',
    ],
    ['APPEND on a dict', new PickleBytes().raw(op.EMPTY_DICT, op.NONE, op.APPEND, op.STOP).build(), 'corrupt'],
    [
      'REDUCE with non-tuple args',
      new PickleBytes().global('collections', 'OrderedDict').raw(op.NONE, op.REDUCE, op.STOP).build(),
      'corrupt',
    ],
    ['REDUCE on an int', new PickleBytes().int(1).raw(op.EMPTY_TUPLE, op.REDUCE, op.STOP).build(), 'corrupt'],
    [
      'STACK_GLOBAL of non-strings',
      new PickleBytes().proto(4).int(1).int(2).raw(op.STACK_GLOBAL, op.STOP).build(),
      'corrupt',
    ],
    ['a negative LONG4 length', new PickleBytes().raw(op.LONG4).i32(-1).stop().build(), 'corrupt'],
    ['a negative BINSTRING length', new PickleBytes().raw(op.BINSTRING).i32(-5).stop().build(), 'corrupt'],
    ['a non-numeric INT', new PickleBytes().raw(op.INT, '12a\n', op.STOP).build(), 'corrupt'],
    ['an unquoted STRING', new PickleBytes().raw(op.STRING, 'abc\n', op.STOP).build(), 'corrupt'],
    ['BUILD on a list', new PickleBytes().raw(op.EMPTY_LIST, op.BININT1, 1, op.BUILD, op.STOP).build(), 'corrupt'],
    ['protocol 6', new PickleBytes().proto(6).raw(op.NONE, op.STOP).build(), 'unsupported'],
    ['EXT1', new PickleBytes().raw(op.EXT1, 1, op.STOP).build(), 'unsupported'],
    ['EXT2', new PickleBytes().raw(op.EXT2, 1, 0, op.STOP).build(), 'unsupported'],
    ['EXT4', new PickleBytes().raw(op.EXT4, 1, 0, 0, 0, op.STOP).build(), 'unsupported'],
    ['NEXT_BUFFER', new PickleBytes().proto(5).raw(op.NEXT_BUFFER, op.STOP).build(), 'unsupported'],
    ['READONLY_BUFFER', new PickleBytes().proto(5).raw(op.NONE, op.READONLY_BUFFER, op.STOP).build(), 'unsupported'],
    ['a persistent id outside a checkpoint', new PickleBytes().raw(op.NONE, op.BINPERSID, op.STOP).build(), 'corrupt'],
    [
      'a FRAME longer than the data',
      new PickleBytes().proto(4).raw(op.FRAME).u64(100).raw(op.NONE, op.STOP).build(),
      'truncated',
    ],
  ];
  for (const [what, data, reason] of malformed) {
    it(`refuses ${what} with reason ${reason}`, () => {
      assert.throws(
        () => loadPickle(data),
        (error: unknown) => CheckpointError.is(error, reason as never),
      );
    });
  }

  it('refuses declared lengths of 10 GB before allocating anything', () => {
    const tenGB = 10 * 1024 ** 3;
    const cases = [
      new PickleBytes().proto(4).raw(op.BINUNICODE8).u64(tenGB).stop().build(),
      new PickleBytes().proto(4).raw(op.BINBYTES8).u64(tenGB).stop().build(),
      new PickleBytes().proto(5).raw(op.BYTEARRAY8).u64(tenGB).stop().build(),
      new PickleBytes().proto(4).raw(op.FRAME).u64(tenGB).stop().build(),
      new PickleBytes().raw(op.BINUNICODE).u32(0xffffffff).stop().build(),
      new PickleBytes().raw(op.BINSTRING).i32(0x7fffffff).stop().build(),
      new PickleBytes().raw(op.LONG4).i32(0x7fffffff).stop().build(),
      new PickleBytes().proto(4).raw(op.BINUNICODE8).u64(0xffffffffffffffffn).stop().build(),
    ];
    const before = process.memoryUsage().rss;
    for (const data of cases) {
      assert.throws(
        () => loadPickle(data),
        (error: unknown) => CheckpointError.is(error, 'tooLarge') || CheckpointError.is(error, 'truncated'),
      );
    }
    assert.ok(process.memoryUsage().rss - before < 256 * 1024 * 1024);
  });

  it('refuses 100k open MARKs over EMPTY_LISTs quickly', () => {
    const data = Buffer.concat([
      Buffer.from([op.PROTO, 2]),
      Buffer.alloc(200_000, Buffer.from([op.MARK, op.EMPTY_LIST])),
      Buffer.from([op.STOP]),
    ]);
    const started = Date.now();
    assert.throws(
      () => loadPickle(data),
      (error: unknown) => CheckpointError.is(error, 'tooLarge'),
    );
    assert.ok(Date.now() - started < 2000);
  });

  it('refuses 100k lists nested by APPEND at the nesting limit', () => {
    const depth = 100_000;
    const data = Buffer.concat([
      Buffer.alloc(depth, op.EMPTY_LIST),
      Buffer.alloc(depth - 1, op.APPEND),
      Buffer.from([op.STOP]),
    ]);
    assert.throws(
      () => loadPickle(data),
      (error: unknown) => CheckpointError.is(error, 'tooLarge'),
    );
    // Under the limit the same shape decodes, and walkers stop at their own depth limit without recursion.
    const shallow = Buffer.concat([
      Buffer.alloc(500, op.EMPTY_LIST),
      Buffer.alloc(499, op.APPEND),
      Buffer.from([op.STOP]),
    ]);
    const { value } = loadPickle(shallow);
    const warnings: string[] = [];
    findTensors(value, { maxDepth: 64, warn: (w) => warnings.push(w.kind) });
    assert.deepEqual(warnings, ['depthLimit']);
    assert.ok(JSON.stringify(toPlainValue(value, 64)).includes('nested too deep'));
  });

  it('refuses a memo flood past the memo limit', () => {
    const count = 1_000_001;
    const data = Buffer.alloc(2 + 1 + count * 5 + 1);
    data[0] = op.PROTO;
    data[1] = 2;
    data[2] = op.NONE;
    for (let i = 0; i < count; i++) {
      data[3 + i * 5] = op.LONG_BINPUT;
      data.writeUInt32LE(i, 4 + i * 5);
    }
    data[data.length - 1] = op.STOP;
    assert.throws(
      () => loadPickle(data),
      (error: unknown) => CheckpointError.is(error, 'tooLarge'),
    );
    // Re-putting the same index never grows the memo.
    const same = Buffer.concat([
      Buffer.from([op.NONE]),
      Buffer.alloc(20_000, Buffer.from([op.BINPUT, 7])),
      Buffer.from([op.STOP]),
    ]);
    assert.equal(loadPickle(same, { limits: { maxMemoEntries: 2 } }).value, null);
  });

  it('refuses stack floods and value floods past their limits', () => {
    const stackFlood = Buffer.concat([Buffer.alloc(1_000_001, op.NONE), Buffer.from([op.STOP])]);
    assert.throws(
      () => loadPickle(stackFlood),
      (error: unknown) => CheckpointError.is(error, 'tooLarge'),
    );
    const valueFlood = Buffer.concat([
      Buffer.from([op.EMPTY_LIST]),
      Buffer.alloc(2 * 5000, Buffer.from([op.EMPTY_DICT, op.APPEND])),
      Buffer.from([op.STOP]),
    ]);
    assert.throws(
      () => loadPickle(valueFlood, { limits: { maxValues: 4000 } }),
      (error: unknown) => CheckpointError.is(error, 'tooLarge'),
    );
    assert.equal(loadPickle(valueFlood).value !== null, true);
  });

  it('refuses huge protocol-0 text lines and integers past their limits', async () => {
    const longLine = Buffer.concat([Buffer.from([op.INT]), Buffer.alloc(2000, 0x31), Buffer.from('\n.')]);
    const error = await expectCheckpointError(() => loadPickle(longLine, { limits: { maxStringBytes: 1000 } }));
    assert.equal(error.reason, 'tooLarge');
    const bigLong = new PickleBytes().raw(op.LONG1, 255).raw(Buffer.alloc(255, 1)).stop().build();
    assert.equal(
      (await expectCheckpointError(() => loadPickle(bigLong, { limits: { maxLongBytes: 64 } }))).reason,
      'tooLarge',
    );
  });
});
