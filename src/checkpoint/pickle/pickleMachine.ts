import { CheckpointError } from '../base/checkpointError';
import type { CheckpointLimits } from '../base/limits';
import {
  isPickleObject,
  newDict,
  newTuple,
  normalizeInteger,
  primitiveKeyId,
  type PickleDict,
  type PickleList,
  type PickleSet,
  type PickleTuple,
  type PickleValue,
} from '../base/pickleValues';

/**
 * What the interpreter asks of its host whenever Python's Unpickler would import or call something. The
 * interpreter itself never runs code: it only moves values between the stack, the memo and containers, and the
 * host (torchGlobals.ts) decides what each named global turns into.
 */
export interface PickleHooks {
  /** GLOBAL / STACK_GLOBAL / INST: Unpickler.find_class. */
  findClass(module: string, name: string): PickleValue;
  /** REDUCE, INST, OBJ: `callable(*args)`. */
  call(callable: PickleValue, args: PickleTuple): PickleValue;
  /** NEWOBJ / NEWOBJ_EX: `cls.__new__(cls, *args, **kwargs)`. */
  newObject(cls: PickleValue, args: PickleTuple, kwargs: PickleDict | undefined): PickleValue;
  /** BUILD: `obj.__setstate__(state)`; returns the object that stays on the stack. */
  build(target: PickleValue, state: PickleValue): PickleValue;
  /** PERSID / BINPERSID: Unpickler.persistent_load (torch storages, contracts §2.6). */
  persistentLoad(pid: PickleValue): PickleValue;
}

export interface UnpickleResult {
  readonly value: PickleValue;
  /** Offset just past the STOP opcode (legacy checkpoints put several pickles one after another). */
  readonly end: number;
  /** The PROTO opcode's protocol, or null for protocol 0/1 pickles that have none. */
  readonly protocol: number | null;
}

// Opcode bytes, as in CPython's Lib/pickle.py. A const enum, so each `case` label is a number literal and the
// engine can dispatch the opcode switch through a jump table instead of comparing against each label in turn.
const enum Op {
  MARK = 0x28, // (
  STOP = 0x2e, // .
  POP = 0x30, // 0
  POP_MARK = 0x31, // 1
  DUP = 0x32, // 2
  FLOAT = 0x46, // F
  INT = 0x49, // I
  BININT = 0x4a, // J
  BININT1 = 0x4b, // K
  LONG = 0x4c, // L
  BININT2 = 0x4d, // M
  NONE = 0x4e, // N
  PERSID = 0x50, // P
  BINPERSID = 0x51, // Q
  REDUCE = 0x52, // R
  STRING = 0x53, // S
  BINSTRING = 0x54, // T
  SHORT_BINSTRING = 0x55, // U
  UNICODE = 0x56, // V
  BINUNICODE = 0x58, // X
  APPEND = 0x61, // a
  BUILD = 0x62, // b
  GLOBAL = 0x63, // c
  DICT = 0x64, // d
  EMPTY_DICT = 0x7d, // }
  APPENDS = 0x65, // e
  GET = 0x67, // g
  BINGET = 0x68, // h
  INST = 0x69, // i
  LONG_BINGET = 0x6a, // j
  LIST = 0x6c, // l
  EMPTY_LIST = 0x5d, // ]
  OBJ = 0x6f, // o
  PUT = 0x70, // p
  BINPUT = 0x71, // q
  LONG_BINPUT = 0x72, // r
  SETITEM = 0x73, // s
  TUPLE = 0x74, // t
  EMPTY_TUPLE = 0x29, // )
  SETITEMS = 0x75, // u
  BINFLOAT = 0x47, // G
  PROTO = 0x80,
  NEWOBJ = 0x81,
  EXT1 = 0x82,
  EXT2 = 0x83,
  EXT4 = 0x84,
  TUPLE1 = 0x85,
  TUPLE2 = 0x86,
  TUPLE3 = 0x87,
  NEWTRUE = 0x88,
  NEWFALSE = 0x89,
  LONG1 = 0x8a,
  LONG4 = 0x8b,
  BINBYTES = 0x42, // B
  SHORT_BINBYTES = 0x43, // C
  SHORT_BINUNICODE = 0x8c,
  BINUNICODE8 = 0x8d,
  BINBYTES8 = 0x8e,
  EMPTY_SET = 0x8f,
  ADDITEMS = 0x90,
  FROZENSET = 0x91,
  NEWOBJ_EX = 0x92,
  STACK_GLOBAL = 0x93,
  MEMOIZE = 0x94,
  FRAME = 0x95,
  BYTEARRAY8 = 0x96,
  NEXT_BUFFER = 0x97,
  READONLY_BUFFER = 0x98,
}

const highestProtocol = 5;
/** The items of a container made empty (EMPTY_TUPLE, EMPTY_DICT…): one shared array, not one per container. */
const noItems: readonly PickleValue[] = [];
/**
 * Node's Buffer has a latin1Slice(start, end) method (what toString('latin1', start, end) calls after checking its
 * arguments); it is not in the typings, so it is used only where present.
 */
type Latin1Slicer = Buffer & { latin1Slice?: (start: number, end: number) => string };
/** Strings up to this many bytes are checked for pure ASCII (and then decoded without the UTF-8 decoder). */
const maxAsciiScan = 256;
const utf8 = new TextDecoder('utf-8');

/**
 * Runs one pickle (protocols 0–5) that starts at `start` in `data` and returns the value STOP leaves. Any input
 * ends in a value or a CheckpointError: every length is checked against the data and the limits before use,
 * the loop is iterative (no recursion on nesting), and each opcode consumes at least one byte, so time is linear
 * in the pickle's size.
 */
export function unpickle(
  data: Uint8Array,
  start: number,
  hooks: PickleHooks,
  limits: CheckpointLimits,
): UnpickleResult {
  return new PickleMachine(data, start, hooks, limits).run();
}

class PickleMachine {
  private pos: number;
  private readonly view: DataView;
  /** The same bytes as a Buffer, for decoding ASCII strings without a view per string. */
  private readonly text: Latin1Slicer;
  private readonly stack: PickleValue[] = [];
  /** Stack lengths at each open MARK (CPython keeps a metastack of lists; the effect is the same). */
  private readonly marks: number[] = [];
  /**
   * The memo. Picklers number memo entries 0, 1, 2… in order, so entries live in a dense array while the indices
   * arrive in order (an index at most one past the end); any other index goes to `sparseMemo`. Both together
   * hold at most maxMemoEntries entries.
   */
  private readonly memo: PickleValue[] = [];
  private readonly sparseMemo = new Map<number, PickleValue>();
  /**
   * Nesting depth of containers built here, so a pickle of nested lists is refused before a walker meets it.
   * Only depths above 1 are kept (a container not in the map has depth 1). A plain Map, dropped with the
   * machine at the end of the parse: cheaper than a WeakMap for the GC.
   */
  private readonly depths = new Map<object, number>();
  /** Index of primitive keys per dict, so SETITEM replaces like Python does without a linear scan. */
  private readonly dictIndexes = new Map<PickleDict, Map<string, number>>();
  private values = 0;
  private protocol: number | null = null;

  constructor(
    private readonly data: Uint8Array,
    start: number,
    private readonly hooks: PickleHooks,
    private readonly limits: CheckpointLimits,
  ) {
    this.pos = start;
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    this.text = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  }

  run(): UnpickleResult {
    const data = this.data;
    for (;;) {
      const at = this.pos;
      if (at >= data.length) {
        throw new CheckpointError('truncated', `pickle data ends at byte ${at} before STOP`);
      }
      const op = data[at] as number;
      this.pos = at + 1;
      // The opcodes torch checkpoints are made of are handled here, the rest in step(): a small loop is
      // optimised sooner and is not thrown back to the interpreter by an opcode it had not seen yet.
      switch (op) {
        case Op.NONE:
          this.push(null);
          break;
        case Op.NEWTRUE:
          this.push(true);
          break;
        case Op.NEWFALSE:
          this.push(false);
          break;
        case Op.BININT:
          this.push(this.view.getInt32(this.take(4), true));
          break;
        case Op.BININT1:
          this.push(this.u8());
          break;
        case Op.BININT2:
          this.push(this.view.getUint16(this.take(2), true));
          break;
        case Op.SHORT_BINUNICODE:
          this.push(this.readText(this.u8(), 'SHORT_BINUNICODE'));
          break;
        case Op.BINUNICODE:
          this.push(this.readText(this.u32(), 'BINUNICODE'));
          break;
        case Op.EMPTY_TUPLE:
          this.push(this.container(newTuple([]), noItems));
          break;
        case Op.TUPLE: {
          const items = this.popMark();
          this.push(this.container(newTuple(items), items));
          break;
        }
        case Op.TUPLE1: {
          const items = [this.pop()];
          this.push(this.container(newTuple(items), items));
          break;
        }
        case Op.TUPLE2:
        case Op.TUPLE3: {
          const items = this.popN(op - Op.TUPLE1 + 1);
          this.push(this.container(newTuple(items), items));
          break;
        }
        case Op.EMPTY_DICT:
          this.push(this.container(newDict(), noItems));
          break;
        case Op.SETITEM: {
          const value = this.pop();
          const key = this.pop();
          this.setItems(this.top(), [key, value], at);
          break;
        }
        case Op.SETITEMS: {
          const items = this.popMark();
          this.setItems(this.top(), items, at);
          break;
        }
        case Op.MARK:
          if (this.marks.length >= this.limits.maxMarkDepth) {
            throw new CheckpointError('tooLarge', `pickle opens more than ${this.limits.maxMarkDepth} MARKs at once`);
          }
          this.marks.push(this.stack.length);
          break;
        case Op.BINPUT:
          this.memoize(this.u8());
          break;
        case Op.LONG_BINPUT:
          this.memoize(this.u32());
          break;
        case Op.MEMOIZE:
          this.memoize(this.memoSize());
          break;
        case Op.BINGET:
          this.push(this.memoGet(this.u8(), at));
          break;
        case Op.LONG_BINGET:
          this.push(this.memoGet(this.u32(), at));
          break;
        case Op.REDUCE: {
          const args = this.pop();
          const callable = this.pop();
          if (!isPickleObject(args) || args.kind !== 'tuple') {
            throw this.corrupt(at, 'REDUCE arguments are not a tuple');
          }
          this.push(this.hooks.call(callable, args));
          break;
        }
        case Op.BINPERSID:
          this.push(this.hooks.persistentLoad(this.pop()));
          break;
        default: {
          const result = this.step(op, at);
          if (result !== undefined) {
            return result;
          }
        }
      }
    }
  }

  /** Every other opcode; the result once STOP is reached. */
  private step(op: number, at: number): UnpickleResult | undefined {
    switch (op) {
      case Op.PROTO: {
        const protocol = this.u8();
        if (protocol > highestProtocol) {
          throw new CheckpointError('unsupported', `pickle protocol ${protocol} is newer than ${highestProtocol}`);
        }
        this.protocol ??= protocol;
        break;
      }
      case Op.FRAME: {
        // Frames only tell a streaming reader how much to prefetch; the data continues inline.
        const frameSize = this.u64('FRAME length');
        if (frameSize > this.data.length - this.pos) {
          throw this.truncated(`a FRAME of ${frameSize} bytes`);
        }
        break;
      }
      case Op.STOP: {
        const value = this.pop();
        return { value, end: this.pos, protocol: this.protocol };
      }
      case Op.INT:
        this.push(this.parseIntLine(this.line('INT')));
        break;
      case Op.LONG: {
        const text = this.line('LONG');
        this.push(this.parseDecimal(text.endsWith('L') ? text.slice(0, -1) : text, 'LONG'));
        break;
      }
      case Op.LONG1:
        this.push(this.readLong(this.u8()));
        break;
      case Op.LONG4: {
        const length = this.view.getInt32(this.take(4), true);
        if (length < 0) {
          throw this.corrupt(at, `LONG4 with negative length ${length}`);
        }
        this.push(this.readLong(length));
        break;
      }
      case Op.FLOAT:
        this.push(this.parseFloatLine(this.line('FLOAT'), at));
        break;
      case Op.BINFLOAT:
        this.push(this.view.getFloat64(this.take(8), false));
        break;
      case Op.STRING:
        this.push(this.decodeText(this.unquoteString(this.line('STRING'), at)));
        break;
      case Op.BINSTRING: {
        const length = this.view.getInt32(this.take(4), true);
        if (length < 0) {
          throw this.corrupt(at, `BINSTRING with negative length ${length}`);
        }
        this.push(this.decodeText(this.bytes(length, 'BINSTRING')));
        break;
      }
      case Op.SHORT_BINSTRING:
        this.push(this.decodeText(this.bytes(this.u8(), 'SHORT_BINSTRING')));
        break;
      case Op.UNICODE:
        this.push(decodeRawUnicodeEscape(this.line('UNICODE')));
        break;
      case Op.BINUNICODE8:
        this.push(this.decodeText(this.bytes(this.u64('BINUNICODE8 length'), 'BINUNICODE8')));
        break;
      case Op.SHORT_BINBYTES:
        this.push(this.bytesValue(this.bytes(this.u8(), 'SHORT_BINBYTES'), false));
        break;
      case Op.BINBYTES:
        this.push(this.bytesValue(this.bytes(this.view.getUint32(this.take(4), true), 'BINBYTES'), false));
        break;
      case Op.BINBYTES8:
        this.push(this.bytesValue(this.bytes(this.u64('BINBYTES8 length'), 'BINBYTES8'), false));
        break;
      case Op.BYTEARRAY8:
        this.push(this.bytesValue(this.bytes(this.u64('BYTEARRAY8 length'), 'BYTEARRAY8'), true));
        break;
      case Op.NEXT_BUFFER:
      case Op.READONLY_BUFFER:
        // Out-of-band buffers need a buffers= argument that torch.load never passes.
        throw new CheckpointError('unsupported', `pickle uses out-of-band buffers (opcode 0x${hex(op)} at ${at})`);
      case Op.EXT1:
      case Op.EXT2:
      case Op.EXT4:
        // The extension registry (copyreg) is process state of the saving Python; we cannot know it.
        throw new CheckpointError('unsupported', `pickle uses the copyreg extension registry (EXT opcode at ${at})`);
      case Op.EMPTY_LIST:
        this.push(this.container<PickleList>({ kind: 'list', items: [] }, noItems));
        break;
      case Op.LIST: {
        const items = this.popMark();
        this.push(this.container<PickleList>({ kind: 'list', items }, items));
        break;
      }
      case Op.APPEND: {
        const item = this.pop();
        this.appendTo(this.top(), [item], at);
        break;
      }
      case Op.APPENDS: {
        const items = this.popMark();
        this.appendTo(this.top(), items, at);
        break;
      }
      case Op.DICT: {
        const items = this.popMark();
        const dict = this.container(newDict(), noItems);
        this.setItems(dict, items, at);
        this.push(dict);
        break;
      }
      case Op.EMPTY_SET:
        this.push(this.container<PickleSet>({ kind: 'set', items: [] }, noItems));
        break;
      case Op.ADDITEMS: {
        const items = this.popMark();
        const target = this.top();
        if (!isPickleObject(target) || target.kind !== 'set') {
          throw this.corrupt(at, 'ADDITEMS on something that is not a set');
        }
        this.addItems(target, target.items, items);
        break;
      }
      case Op.FROZENSET: {
        const items = this.popMark();
        this.push(this.container<PickleSet>({ kind: 'frozenset', items }, items));
        break;
      }
      case Op.POP:
        // CPython: with nothing above the last MARK, POP discards the MARK itself.
        if (this.stack.length === this.markBase() && this.marks.length > 0) {
          this.popMark();
        } else {
          this.pop();
        }
        break;
      case Op.POP_MARK:
        this.popMark();
        break;
      case Op.DUP:
        this.push(this.top());
        break;
      case Op.PUT:
        this.memoize(this.parseMemoIndex(this.line('PUT'), at));
        break;
      case Op.GET:
        this.push(this.memoGet(this.parseMemoIndex(this.line('GET'), at), at));
        break;
      case Op.GLOBAL: {
        const module = utf8Line(this.line('GLOBAL module'));
        const name = utf8Line(this.line('GLOBAL name'));
        this.push(this.hooks.findClass(module, name));
        break;
      }
      case Op.STACK_GLOBAL: {
        const name = this.pop();
        const module = this.pop();
        if (typeof module !== 'string' || typeof name !== 'string') {
          throw this.corrupt(at, 'STACK_GLOBAL needs two strings');
        }
        this.push(this.hooks.findClass(module, name));
        break;
      }
      case Op.INST: {
        const module = utf8Line(this.line('INST module'));
        const name = utf8Line(this.line('INST name'));
        const args = this.popMark();
        const cls = this.hooks.findClass(module, name);
        this.push(this.hooks.call(cls, this.tuple(args)));
        break;
      }
      case Op.OBJ: {
        const items = this.popMark();
        if (items.length === 0) {
          throw this.corrupt(at, 'OBJ without a class');
        }
        const [cls, ...args] = items;
        this.push(this.hooks.call(cls ?? null, this.tuple(args)));
        break;
      }
      case Op.NEWOBJ: {
        const args = this.pop();
        const cls = this.pop();
        if (!isPickleObject(args) || args.kind !== 'tuple') {
          throw this.corrupt(at, 'NEWOBJ arguments are not a tuple');
        }
        this.push(this.hooks.newObject(cls, args, undefined));
        break;
      }
      case Op.NEWOBJ_EX: {
        const kwargs = this.pop();
        const args = this.pop();
        const cls = this.pop();
        if (!isPickleObject(args) || args.kind !== 'tuple' || !isPickleObject(kwargs) || kwargs.kind !== 'dict') {
          throw this.corrupt(at, 'NEWOBJ_EX needs a tuple and a dict');
        }
        this.push(this.hooks.newObject(cls, args, kwargs));
        break;
      }
      case Op.BUILD: {
        const state = this.pop();
        const target = this.pop();
        this.push(this.hooks.build(target, state));
        break;
      }
      case Op.PERSID:
        this.push(this.hooks.persistentLoad(this.line('PERSID')));
        break;
      default:
        throw this.corrupt(at, `unknown opcode 0x${hex(op)}`);
    }
    return undefined;
  }

  // ---- reading the byte stream ----

  private truncated(what: string): CheckpointError {
    return new CheckpointError('truncated', `pickle data ends inside ${what} (at byte ${this.pos})`);
  }

  private corrupt(at: number, what: string): CheckpointError {
    return new CheckpointError('corrupt', `malformed pickle at byte ${at}: ${what}`);
  }

  /** Advances past `count` bytes and returns where they start. */
  private take(count: number): number {
    if (count > this.data.length - this.pos) {
      throw this.truncated(`a ${count}-byte field`);
    }
    const at = this.pos;
    this.pos += count;
    return at;
  }

  private u8(): number {
    if (this.pos >= this.data.length) {
      throw new CheckpointError('truncated', `pickle data ends at byte ${this.pos} before STOP`);
    }
    const byte = this.data[this.pos] as number;
    this.pos += 1;
    return byte;
  }

  /** A little-endian uint32. */
  private u32(): number {
    const at = this.take(4);
    const data = this.data;
    return (
      ((data[at] as number) | ((data[at + 1] as number) << 8) | ((data[at + 2] as number) << 16)) +
      (data[at + 3] as number) * 0x1000000
    );
  }

  private u64(what: string): number {
    const at = this.take(8);
    const low = this.view.getUint32(at, true);
    const high = this.view.getUint32(at + 4, true);
    if (high >= 0x200000) {
      throw new CheckpointError('tooLarge', `${what} ${high * 2 ** 32 + low} is beyond any real file`);
    }
    return high * 2 ** 32 + low;
  }

  /** A declared length, checked against the limit before the data (so a 10 GB claim allocates nothing). */
  private bytes(length: number, what: string): Uint8Array {
    if (length > this.limits.maxStringBytes) {
      throw new CheckpointError(
        'tooLarge',
        `${what} declares ${length} bytes, over the limit of ${this.limits.maxStringBytes}`,
      );
    }
    const at = this.take(length);
    return this.data.subarray(at, at + length);
  }

  /** A protocol-0 text argument: the bytes up to the next newline. */
  private line(what: string): string {
    const limit = Math.min(this.data.length, this.pos + this.limits.maxStringBytes + 1);
    for (let i = this.pos; i < limit; i++) {
      if (this.data[i] === 0x0a) {
        // Buffer's latin1 is exactly ISO-8859-1; the WHATWG 'latin1' label of TextDecoder means windows-1252.
        const text = Buffer.from(this.data.buffer, this.data.byteOffset + this.pos, i - this.pos).toString('latin1');
        this.pos = i + 1;
        return text;
      }
    }
    if (limit === this.data.length) {
      throw this.truncated(`the text argument of ${what}`);
    }
    throw new CheckpointError('tooLarge', `${what} text argument is longer than ${this.limits.maxStringBytes} bytes`);
  }

  // ---- scalars ----

  private parseDecimal(text: string, what: string): number | bigint {
    const trimmed = text.trim();
    if (!/^[+-]?\d+$/.test(trimmed) || trimmed.length > this.limits.maxLongBytes * 3) {
      throw this.corrupt(this.pos, `${what} argument ${JSON.stringify(text.slice(0, 40))} is not an integer`);
    }
    return normalizeInteger(BigInt(trimmed));
  }

  private parseIntLine(text: string): number | bigint | boolean {
    // Protocol 0 spells True and False as INT 01 and 00.
    if (text === '01') {
      return true;
    }
    if (text === '00') {
      return false;
    }
    return this.parseDecimal(text, 'INT');
  }

  private parseFloatLine(text: string, at: number): number {
    const trimmed = text.trim().toLowerCase();
    const special: Record<string, number> = {
      nan: NaN,
      '+nan': NaN,
      '-nan': NaN,
      inf: Infinity,
      '+inf': Infinity,
      infinity: Infinity,
      '-inf': -Infinity,
      '-infinity': -Infinity,
    };
    if (Object.prototype.hasOwnProperty.call(special, trimmed)) {
      return special[trimmed] as number;
    }
    if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(trimmed)) {
      throw this.corrupt(at, `FLOAT argument ${JSON.stringify(text.slice(0, 40))} is not a number`);
    }
    return Number(trimmed);
  }

  /** Two's-complement little-endian integer of `length` bytes (LONG1/LONG4). */
  private readLong(length: number): number | bigint {
    if (length > this.limits.maxLongBytes) {
      throw new CheckpointError(
        'tooLarge',
        `pickle integer of ${length} bytes is over the limit of ${this.limits.maxLongBytes}`,
      );
    }
    const at = this.take(length);
    if (length === 0) {
      return 0;
    }
    let value = 0n;
    for (let i = length - 1; i >= 0; i--) {
      value = (value << 8n) | BigInt(this.data[at + i] as number);
    }
    if (((this.data[at + length - 1] as number) & 0x80) !== 0) {
      value -= 1n << BigInt(8 * length);
    }
    return normalizeInteger(value);
  }

  private parseMemoIndex(text: string, at: number): number {
    const index = this.parseDecimal(text, 'memo index');
    if (typeof index !== 'number' || index < 0) {
      throw this.corrupt(at, `memo index ${String(index)} is out of range`);
    }
    return index;
  }

  /** Python 2 `str` data: torch.load decodes it as UTF-8 (its default `encoding` argument). */
  private decodeText(bytes: Uint8Array): string {
    this.charge(1);
    return utf8.decode(bytes);
  }

  /**
   * A UTF-8 string of a declared length, checked like bytes(). Names and keys are nearly always ASCII, which
   * decodes as latin-1 straight from the pickle buffer; anything else goes through the UTF-8 decoder.
   */
  private readText(length: number, what: string): string {
    if (length > this.limits.maxStringBytes) {
      throw new CheckpointError(
        'tooLarge',
        `${what} declares ${length} bytes, over the limit of ${this.limits.maxStringBytes}`,
      );
    }
    const at = this.take(length);
    const end = at + length;
    if (length <= maxAsciiScan) {
      const data = this.data;
      let ascii = true;
      for (let i = at; i < end; i++) {
        if ((data[i] as number) >= 0x80) {
          ascii = false;
          break;
        }
      }
      if (ascii) {
        this.charge(1);
        const text = this.text;
        return text.latin1Slice === undefined ? text.toString('latin1', at, end) : text.latin1Slice(at, end);
      }
    }
    return this.decodeText(this.data.subarray(at, end));
  }

  private bytesValue(bytes: Uint8Array, mutable: boolean): PickleValue {
    this.charge(1);
    return { kind: 'bytes', data: bytes, mutable };
  }

  /** The bytes of a protocol-0 STRING argument: a quoted Python literal with backslash escapes. */
  private unquoteString(text: string, at: number): Uint8Array {
    const quote = text[0];
    if (text.length < 2 || (quote !== "'" && quote !== '"') || text[text.length - 1] !== quote) {
      throw this.corrupt(at, 'STRING argument is not quoted');
    }
    return decodeEscapes(text.slice(1, -1));
  }

  // ---- the stack, marks and memo ----

  private charge(count: number): void {
    this.values += count;
    if (this.values > this.limits.maxValues) {
      throw new CheckpointError('tooLarge', `pickle builds more than ${this.limits.maxValues} values`);
    }
  }

  private markBase(): number {
    return this.marks.length === 0 ? 0 : (this.marks[this.marks.length - 1] as number);
  }

  private push(value: PickleValue): void {
    if (this.stack.length >= this.limits.maxStackItems) {
      throw new CheckpointError('tooLarge', `pickle stack grows past ${this.limits.maxStackItems} items`);
    }
    this.stack.push(value);
  }

  private pop(): PickleValue {
    if (this.stack.length <= this.markBase()) {
      throw this.corrupt(this.pos - 1, 'stack underflow');
    }
    return this.stack.pop() as PickleValue;
  }

  private popN(count: number): PickleValue[] {
    if (this.stack.length - this.markBase() < count) {
      throw this.corrupt(this.pos - 1, 'stack underflow');
    }
    return this.stack.splice(this.stack.length - count, count);
  }

  private top(): PickleValue {
    if (this.stack.length <= this.markBase()) {
      throw this.corrupt(this.pos - 1, 'stack underflow');
    }
    return this.stack[this.stack.length - 1] as PickleValue;
  }

  private popMark(): PickleValue[] {
    const base = this.marks.pop();
    if (base === undefined) {
      throw this.corrupt(this.pos - 1, 'no MARK to pop to');
    }
    return this.stack.splice(base);
  }

  private memoSize(): number {
    return this.memo.length + this.sparseMemo.size;
  }

  private memoize(index: number): void {
    const value = this.top();
    const memo = this.memo;
    if (index < memo.length) {
      memo[index] = value;
      return;
    }
    const sparse = this.sparseMemo;
    const known = sparse.size > 0 && sparse.has(index);
    if (!known && this.memoSize() >= this.limits.maxMemoEntries) {
      throw new CheckpointError('tooLarge', `pickle memo grows past ${this.limits.maxMemoEntries} entries`);
    }
    if (index === memo.length) {
      // The next dense index: move it out of the sparse map if an out-of-order PUT had stored it there.
      if (known) {
        sparse.delete(index);
      }
      memo.push(value);
    } else {
      sparse.set(index, value);
    }
  }

  private memoGet(index: number, at: number): PickleValue {
    const value = index < this.memo.length ? this.memo[index] : this.sparseMemo.get(index);
    if (value === undefined) {
      throw this.corrupt(at, `memo entry ${index} was never stored`);
    }
    return value;
  }

  // ---- containers ----

  /** The deepest nesting among `items`, plus one: the depth of a container holding them (at least 1). */
  private depthAbove(items: readonly PickleValue[], depth: number): number {
    const depths = this.depths;
    for (let i = 0; i < items.length; i++) {
      const item = items[i] as PickleValue;
      if (typeof item === 'object' && item !== null) {
        const below = (depths.size === 0 ? undefined : depths.get(item)) ?? 1;
        if (below >= depth) {
          depth = below + 1;
        }
      }
    }
    return depth;
  }

  private noteDepth(container: object, depth: number): void {
    if (depth > this.limits.maxNestingDepth) {
      throw new CheckpointError('tooLarge', `pickle nests containers deeper than ${this.limits.maxNestingDepth}`);
    }
    if (depth > 1 && depth > (this.depths.get(container) ?? 1)) {
      this.depths.set(container, depth);
    }
  }

  private container<T extends PickleValue & object>(container: T, items: readonly PickleValue[]): T {
    this.charge(1 + items.length);
    this.noteDepth(container, items.length === 0 ? 1 : this.depthAbove(items, 1));
    return container;
  }

  private tuple(items: PickleValue[]): PickleTuple {
    return this.container(newTuple(items), items);
  }

  private grow(container: object, items: readonly PickleValue[]): void {
    this.charge(items.length);
    this.noteDepth(container, this.depthAbove(items, this.depths.get(container) ?? 1));
  }

  private appendTo(target: PickleValue, items: PickleValue[], at: number): void {
    if (!isPickleObject(target)) {
      throw this.corrupt(at, 'APPEND on something that is not a list');
    }
    if (target.kind === 'list') {
      this.grow(target, items);
      pushAll(target.items, items);
    } else if (target.kind === 'opaque') {
      this.grow(target, items);
      pushAll(target.listItems, items);
    } else {
      throw this.corrupt(at, `APPEND on a ${target.kind}`);
    }
  }

  private addItems(target: object, into: PickleValue[], items: PickleValue[]): void {
    this.grow(target, items);
    pushAll(into, items);
  }

  private setItems(target: PickleValue, items: PickleValue[], at: number): void {
    if (items.length % 2 !== 0) {
      throw this.corrupt(at, 'SETITEMS with an odd number of items');
    }
    if (!isPickleObject(target)) {
      throw this.corrupt(at, 'SETITEM on something that is not a dict');
    }
    if (target.kind === 'opaque') {
      this.grow(target, items);
      for (let i = 0; i < items.length; i += 2) {
        target.dictItems.push([items[i] as PickleValue, items[i + 1] as PickleValue]);
      }
      return;
    }
    if (target.kind !== 'dict') {
      throw this.corrupt(at, `SETITEM on a ${target.kind}`);
    }
    this.grow(target, items);
    let index = this.dictIndexes.get(target);
    if (index === undefined && target.entries.length + items.length / 2 <= smallDict && stringKeys(items)) {
      // A small dict with string keys (an optimizer's per-parameter state, a param group): a scan costs less than
      // an index. Only a string key equals a string key (primitiveKeyId), so other keys are never matched.
      const entries = target.entries;
      for (let i = 0; i < items.length; i += 2) {
        const key = items[i] as PickleValue;
        const value = items[i + 1] as PickleValue;
        let found = false;
        for (let e = 0; e < entries.length; e++) {
          const entry = entries[e] as [PickleValue, PickleValue];
          if (entry[0] === key) {
            entry[1] = value;
            found = true;
            break;
          }
        }
        if (!found) {
          entries.push([key, value]);
        }
      }
      return;
    }
    if (index === undefined) {
      // A dict built by a hook (OrderedDict([...])) may already hold entries.
      const fresh = new Map<string, number>();
      target.entries.forEach(([key], position) => {
        const id = primitiveKeyId(key);
        if (id !== undefined && !fresh.has(id)) {
          fresh.set(id, position);
        }
      });
      this.dictIndexes.set(target, fresh);
      index = fresh;
    }
    for (let i = 0; i < items.length; i += 2) {
      const key = items[i] as PickleValue;
      const value = items[i + 1] as PickleValue;
      const id = primitiveKeyId(key);
      const existing = id === undefined ? undefined : index.get(id);
      if (existing !== undefined) {
        // Python keeps the first position and the last value of a repeated key.
        (target.entries[existing] as [PickleValue, PickleValue])[1] = value;
      } else {
        if (id !== undefined) {
          index.set(id, target.entries.length);
        }
        target.entries.push([key, value]);
      }
    }
  }
}

/**
 * Appends in order. An indexed loop, not for…of: in a fresh CLI process this code runs unoptimised, where each
 * step of an array iterator allocates (issue 16).
 */
function pushAll(into: PickleValue[], items: readonly PickleValue[]): void {
  for (let i = 0; i < items.length; i++) {
    into.push(items[i] as PickleValue);
  }
}

/** Dicts up to this many entries are updated by a scan of their entries rather than through a key index. */
const smallDict = 8;

/** Whether every key of SETITEMS' key/value items is a string. */
function stringKeys(items: readonly PickleValue[]): boolean {
  for (let i = 0; i < items.length; i += 2) {
    if (typeof items[i] !== 'string') {
      return false;
    }
  }
  return true;
}

/** GLOBAL and INST names are UTF-8 in CPython; line() hands back latin-1 code units. */
function utf8Line(text: string): string {
  return utf8.decode(Buffer.from(text, 'latin1'));
}

function hex(byte: number): string {
  return byte.toString(16).padStart(2, '0');
}

/** Python's `codecs.escape_decode` on a STRING literal's inside. */
function decodeEscapes(text: string): Uint8Array {
  const out: number[] = [];
  const simple: Record<string, number> = {
    '\\': 0x5c,
    "'": 0x27,
    '"': 0x22,
    a: 0x07,
    b: 0x08,
    f: 0x0c,
    n: 0x0a,
    r: 0x0d,
    t: 0x09,
    v: 0x0b,
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch !== 0x5c || i + 1 >= text.length) {
      out.push(ch & 0xff);
      continue;
    }
    const next = text[i + 1] as string;
    if (Object.prototype.hasOwnProperty.call(simple, next)) {
      out.push(simple[next] as number);
      i += 1;
    } else if (next === 'x' && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 2, i + 4))) {
      out.push(parseInt(text.slice(i + 2, i + 4), 16));
      i += 3;
    } else if (/^[0-7]$/.test(next)) {
      const octal = /^[0-7]{1,3}/.exec(text.slice(i + 1))?.[0] ?? next;
      out.push(parseInt(octal, 8) & 0xff);
      i += octal.length;
    } else if (next === '\n') {
      i += 1;
    } else {
      out.push(0x5c);
    }
  }
  return Uint8Array.from(out);
}

/** Python's `raw-unicode-escape` codec: latin-1 text where only \uXXXX and \UXXXXXXXX are escapes. */
function decodeRawUnicodeEscape(text: string): string {
  return text.replace(/\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g, (match, short?: string, long?: string) => {
    const code = parseInt(short ?? long ?? '', 16);
    return code <= 0x10ffff ? String.fromCodePoint(code) : match;
  });
}
