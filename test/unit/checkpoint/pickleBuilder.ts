/**
 * Test helper: assembles pickle bytes opcode by opcode (the opcode values of CPython's Lib/pickle.py), and a
 * small pickler that writes Python-like values the way torch.save (protocol 2) does, so tests can build
 * checkpoints, hostile or not, without Python.
 */

export const op = {
  MARK: 0x28,
  STOP: 0x2e,
  POP: 0x30,
  POP_MARK: 0x31,
  DUP: 0x32,
  FLOAT: 0x46,
  INT: 0x49,
  BININT: 0x4a,
  BININT1: 0x4b,
  LONG: 0x4c,
  BININT2: 0x4d,
  NONE: 0x4e,
  PERSID: 0x50,
  BINPERSID: 0x51,
  REDUCE: 0x52,
  STRING: 0x53,
  BINSTRING: 0x54,
  SHORT_BINSTRING: 0x55,
  UNICODE: 0x56,
  BINUNICODE: 0x58,
  APPEND: 0x61,
  BUILD: 0x62,
  GLOBAL: 0x63,
  DICT: 0x64,
  EMPTY_DICT: 0x7d,
  APPENDS: 0x65,
  GET: 0x67,
  BINGET: 0x68,
  INST: 0x69,
  LONG_BINGET: 0x6a,
  LIST: 0x6c,
  EMPTY_LIST: 0x5d,
  OBJ: 0x6f,
  PUT: 0x70,
  BINPUT: 0x71,
  LONG_BINPUT: 0x72,
  SETITEM: 0x73,
  TUPLE: 0x74,
  EMPTY_TUPLE: 0x29,
  SETITEMS: 0x75,
  BINFLOAT: 0x47,
  PROTO: 0x80,
  NEWOBJ: 0x81,
  EXT1: 0x82,
  EXT2: 0x83,
  EXT4: 0x84,
  TUPLE1: 0x85,
  TUPLE2: 0x86,
  TUPLE3: 0x87,
  NEWTRUE: 0x88,
  NEWFALSE: 0x89,
  LONG1: 0x8a,
  LONG4: 0x8b,
  BINBYTES: 0x42,
  SHORT_BINBYTES: 0x43,
  SHORT_BINUNICODE: 0x8c,
  BINUNICODE8: 0x8d,
  BINBYTES8: 0x8e,
  EMPTY_SET: 0x8f,
  ADDITEMS: 0x90,
  FROZENSET: 0x91,
  NEWOBJ_EX: 0x92,
  STACK_GLOBAL: 0x93,
  MEMOIZE: 0x94,
  FRAME: 0x95,
  BYTEARRAY8: 0x96,
  NEXT_BUFFER: 0x97,
  READONLY_BUFFER: 0x98,
} as const;

/** Raw opcode-level writer. */
export class PickleBytes {
  private readonly chunks: Buffer[] = [];

  raw(...bytes: (number | Buffer | Uint8Array | string)[]): this {
    for (const part of bytes) {
      if (typeof part === 'number') {
        this.chunks.push(Buffer.from([part]));
      } else if (typeof part === 'string') {
        this.chunks.push(Buffer.from(part, 'latin1'));
      } else {
        this.chunks.push(Buffer.from(part));
      }
    }
    return this;
  }

  proto(version = 2): this {
    return this.raw(op.PROTO, version);
  }

  u32(value: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(value);
    return this.raw(b);
  }

  i32(value: number): this {
    const b = Buffer.alloc(4);
    b.writeInt32LE(value);
    return this.raw(b);
  }

  u64(value: bigint | number): this {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(value));
    return this.raw(b);
  }

  int(value: number | bigint): this {
    if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < 256) {
      return this.raw(op.BININT1, value);
    }
    if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < 65536) {
      const b = Buffer.alloc(2);
      b.writeUInt16LE(value);
      return this.raw(op.BININT2, b);
    }
    if (typeof value === 'number' && Number.isInteger(value) && value >= -(2 ** 31) && value < 2 ** 31) {
      return this.raw(op.BININT).i32(value);
    }
    const bytes = longBytes(BigInt(value));
    return this.raw(op.LONG1, bytes.length, bytes);
  }

  float(value: number): this {
    const b = Buffer.alloc(8);
    b.writeDoubleBE(value);
    return this.raw(op.BINFLOAT, b);
  }

  str(value: string): this {
    const b = Buffer.from(value, 'utf8');
    return b.length < 256 ? this.raw(op.SHORT_BINUNICODE, b.length, b) : this.raw(op.BINUNICODE).u32(b.length).raw(b);
  }

  /** BINUNICODE, as protocol 2 writes every str. */
  binunicode(value: string): this {
    const b = Buffer.from(value, 'utf8');
    return this.raw(op.BINUNICODE).u32(b.length).raw(b);
  }

  global(module: string, name: string): this {
    return this.raw(op.GLOBAL, `${module}\n${name}\n`);
  }

  binput(index: number): this {
    return index < 256 ? this.raw(op.BINPUT, index) : this.raw(op.LONG_BINPUT).u32(index);
  }

  binget(index: number): this {
    return index < 256 ? this.raw(op.BINGET, index) : this.raw(op.LONG_BINGET).u32(index);
  }

  stop(): this {
    return this.raw(op.STOP);
  }

  build(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

/** Two's-complement little-endian bytes of a Python int, as LONG1 wants them. */
export function longBytes(value: bigint): Buffer {
  if (value === 0n) {
    return Buffer.alloc(0);
  }
  const out: number[] = [];
  let rest = value;
  for (;;) {
    const byte = Number(rest & 0xffn);
    out.push(byte);
    rest >>= 8n;
    if ((rest === 0n && (byte & 0x80) === 0) || (rest === -1n && (byte & 0x80) !== 0)) {
      break;
    }
  }
  return Buffer.from(out);
}

/** Python-like values for the small pickler. Plain JS numbers are floats; ints are `{ int }`. */
export type PyValue =
  | null
  | boolean
  | number
  | string
  | { readonly int: number | bigint }
  | { readonly list: readonly PyValue[] }
  | { readonly tuple: readonly PyValue[] }
  | { readonly dict: readonly (readonly [PyValue, PyValue])[] }
  | { readonly ordered: readonly (readonly [PyValue, PyValue])[] }
  | { readonly numpyFloat64: number }
  | { readonly call: readonly [string, string]; readonly args: readonly PyValue[] }
  | { readonly tensor: TensorSpec };

export interface StorageSpec {
  readonly key: string;
  /** torch storage class name: FloatStorage, HalfStorage… */
  readonly storageClass: string;
  readonly numel: number;
  readonly location?: string;
  /** Legacy format only: this storage is a view `[offset, offset + size)` of the root storage `key`. */
  readonly view?: { readonly key: string; readonly offset: number; readonly size: number };
}

export interface TensorSpec {
  readonly storage: StorageSpec;
  readonly offset?: number;
  readonly shape: readonly number[];
  readonly stride?: readonly number[];
  readonly requiresGrad?: boolean;
}

export function int(value: number | bigint): PyValue {
  return { int: value };
}

export function contiguousStride(shape: readonly number[]): number[] {
  const stride = new Array<number>(shape.length);
  let step = 1;
  for (let dim = shape.length - 1; dim >= 0; dim--) {
    stride[dim] = step;
    step *= shape[dim] as number;
  }
  return stride;
}

/**
 * Writes a value the way Python's pickler with protocol 2 does for torch.save: memoised globals, EMPTY_DICT +
 * MARK/SETITEMS, OrderedDict via REDUCE, tensors via `_rebuild_tensor_v2` over a BINPERSID storage id, numpy
 * float64 via `numpy.core.multiarray.scalar` + `_codecs.encode`. `persistentIdLength` 6 writes legacy ids.
 */
export class TorchPickler {
  readonly out = new PickleBytes();
  private memoCount = 0;
  private readonly globals = new Map<string, number>();

  constructor(private readonly options: { legacyIds?: boolean } = {}) {
    this.out.proto(2);
  }

  finish(value: PyValue): Buffer {
    this.write(value);
    return this.out.stop().build();
  }

  private memo(): void {
    this.out.binput(this.memoCount++);
  }

  private global(module: string, name: string): void {
    const key = `${module}.${name}`;
    const known = this.globals.get(key);
    if (known !== undefined) {
      this.out.binget(known);
      return;
    }
    this.out.global(module, name);
    this.globals.set(key, this.memoCount);
    this.memo();
  }

  write(value: PyValue): void {
    if (value === null) {
      this.out.raw(op.NONE);
    } else if (typeof value === 'boolean') {
      this.out.raw(value ? op.NEWTRUE : op.NEWFALSE);
    } else if (typeof value === 'number') {
      this.out.float(value);
    } else if (typeof value === 'string') {
      this.out.binunicode(value);
      this.memo();
    } else if ('int' in value) {
      this.out.int(value.int);
    } else if ('list' in value) {
      this.out.raw(op.EMPTY_LIST);
      this.memo();
      if (value.list.length > 0) {
        this.out.raw(op.MARK);
        value.list.forEach((item) => this.write(item));
        this.out.raw(op.APPENDS);
      }
    } else if ('tuple' in value) {
      this.writeTuple(value.tuple);
    } else if ('dict' in value) {
      this.out.raw(op.EMPTY_DICT);
      this.memo();
      this.writeItems(value.dict);
    } else if ('ordered' in value) {
      this.global('collections', 'OrderedDict');
      this.out.raw(op.EMPTY_TUPLE, op.REDUCE);
      this.memo();
      this.writeItems(value.ordered);
    } else if ('numpyFloat64' in value) {
      this.global('numpy.core.multiarray', 'scalar');
      this.global('numpy', 'dtype');
      this.out.str('f8').raw(op.NEWFALSE, op.NEWTRUE, op.TUPLE3, op.REDUCE);
      this.memo();
      this.out
        .raw(op.MARK)
        .int(3)
        .str('<')
        .raw(op.NONE, op.NONE, op.NONE)
        .int(-1)
        .int(-1)
        .int(0)
        .raw(op.TUPLE, op.BUILD);
      const bytes = Buffer.alloc(8);
      bytes.writeDoubleLE(value.numpyFloat64);
      this.global('_codecs', 'encode');
      this.out.binunicode(bytes.toString('latin1'));
      this.memo();
      this.out.str('latin1').raw(op.TUPLE2, op.REDUCE, op.TUPLE2, op.REDUCE);
      this.memo();
    } else if ('call' in value) {
      this.global(value.call[0], value.call[1]);
      this.writeTuple(value.args);
      this.out.raw(op.REDUCE);
      this.memo();
    } else {
      this.writeTensor(value.tensor);
    }
  }

  private writeTuple(items: readonly PyValue[]): void {
    if (items.length === 0) {
      this.out.raw(op.EMPTY_TUPLE);
      return;
    }
    if (items.length <= 3) {
      items.forEach((item) => this.write(item));
      this.out.raw(op.TUPLE1 + items.length - 1);
    } else {
      this.out.raw(op.MARK);
      items.forEach((item) => this.write(item));
      this.out.raw(op.TUPLE);
    }
    this.memo();
  }

  private writeItems(items: readonly (readonly [PyValue, PyValue])[]): void {
    if (items.length === 0) {
      return;
    }
    this.out.raw(op.MARK);
    for (const [key, item] of items) {
      this.write(key);
      this.write(item);
    }
    this.out.raw(op.SETITEMS);
  }

  private writeTensor(tensor: TensorSpec): void {
    this.global('torch._utils', '_rebuild_tensor_v2');
    this.out.raw(op.MARK);
    const { storage } = tensor;
    this.out.raw(op.MARK).str('storage');
    this.global('torch', storage.storageClass);
    this.out
      .str(storage.key)
      .str(storage.location ?? 'cpu')
      .int(storage.numel);
    if (this.options.legacyIds === true) {
      if (storage.view === undefined) {
        this.out.raw(op.NONE);
      } else {
        this.out.str(storage.view.key).int(storage.view.offset).int(storage.view.size).raw(op.TUPLE3);
        this.memo();
      }
    }
    this.out.raw(op.TUPLE);
    this.memo();
    this.out.raw(op.BINPERSID);
    this.out.int(tensor.offset ?? 0);
    this.writeTuple(tensor.shape.map((d) => int(d)));
    this.writeTuple((tensor.stride ?? contiguousStride(tensor.shape)).map((d) => int(d)));
    this.out.raw(tensor.requiresGrad === true ? op.NEWTRUE : op.NEWFALSE);
    this.global('collections', 'OrderedDict');
    this.out.raw(op.EMPTY_TUPLE, op.REDUCE);
    this.memo();
    this.out.raw(op.TUPLE, op.REDUCE);
    this.memo();
  }
}
