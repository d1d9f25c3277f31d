import type { TorchDtype } from './dtypes';

/**
 * The values a checkpoint pickle decodes to. Python's data model does not map onto JSON: dict keys may be ints
 * or tuples (optimizer state is keyed by parameter index, contracts §2.6), lists and tuples differ, and tensors
 * are references to storages. So containers are tagged objects and dicts keep an ordered list of entries.
 * Python ints are numbers when they fit exactly in a double, bigints otherwise.
 */
export type PickleValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | PickleBytes
  | PickleList
  | PickleTuple
  | PickleDict
  | PickleSet
  | StorageRef
  | TensorRef
  | GlobalRef
  | OpaqueObject
  | TorchDtypeValue
  | TorchDevice
  | NumpyDtype
  | PathValue
  | NamespaceValue;

export interface PickleBytes {
  readonly kind: 'bytes';
  readonly data: Uint8Array;
  /** True for a Python bytearray. */
  readonly mutable: boolean;
}

export interface PickleList {
  readonly kind: 'list';
  readonly items: PickleValue[];
}

export interface PickleTuple {
  readonly kind: 'tuple';
  readonly items: readonly PickleValue[];
}

export interface PickleDict {
  readonly kind: 'dict';
  /** Insertion order, as Python keeps it; a key set twice keeps its first position and its last value. */
  readonly entries: [PickleValue, PickleValue][];
  /** The Python class: 'dict', 'collections.OrderedDict' or 'collections.defaultdict'. */
  readonly pythonClass: string;
  /** Instance attributes set by BUILD (torch state dicts carry `_metadata` this way). */
  attributes?: PickleValue;
}

export interface PickleSet {
  readonly kind: 'set' | 'frozenset';
  readonly items: PickleValue[];
}

/** A torch storage: a run of `numel` elements of `dtype`, stored under `key` (zip: `{root}/data/{key}`). */
export interface StorageRef {
  readonly kind: 'storage';
  readonly key: string;
  readonly dtype: TorchDtype;
  /** Where it was saved from: 'cpu', 'cuda:0', … (contracts §2.6). */
  readonly location: string;
  readonly numel: number;
  /** Elements to skip in the stored bytes: non-zero only for legacy-format storage views. */
  readonly elementOffset: number;
}

/** How the tensor was rebuilt, i.e. which torch._utils function torch.load would have called. */
export type TensorRebuild = 'tensor' | 'parameter' | 'quantized';

export interface TensorRef {
  readonly kind: 'tensor';
  readonly dtype: TorchDtype;
  readonly shape: readonly number[];
  readonly stride: readonly number[];
  /** In elements, from the start of the storage. */
  readonly storageOffset: number;
  readonly storage: StorageRef;
  readonly numel: number;
  readonly requiresGrad: boolean;
  readonly rebuild: TensorRebuild;
}

/** A class or function named by the pickle and not called (or not callable by us). */
export interface GlobalRef {
  readonly kind: 'global';
  /** 'module.name'. */
  readonly global: string;
  readonly module: string;
  readonly name: string;
  readonly safety: GlobalSafety;
}

/** 'allowed': on the allowlist; 'unknown': kept opaque; 'dangerous': could run code in torch.load. */
export type GlobalSafety = 'allowed' | 'unknown' | 'dangerous';

/** What torch.load would have built by calling a global we do not call. */
export interface OpaqueObject {
  readonly kind: 'opaque';
  /** 'module.name' of the class or function. */
  readonly global: string;
  readonly safety: GlobalSafety;
  /** Positional arguments of the call (REDUCE/NEWOBJ), when there was a call. */
  readonly args?: PickleTuple;
  readonly kwargs?: PickleDict;
  /** The BUILD state. */
  state?: PickleValue;
  /** Items added by APPEND(S) / SETITEM(S) on the object. */
  readonly listItems: PickleValue[];
  readonly dictItems: [PickleValue, PickleValue][];
}

export interface TorchDtypeValue {
  readonly kind: 'dtype';
  readonly dtype: TorchDtype;
}

export interface TorchDevice {
  readonly kind: 'device';
  readonly type: string;
  readonly index: number | null;
}

/** A `numpy.dtype`, e.g. code 'f8' with byte order '<' (numpy scalars in checkpoints, contracts §2.6). */
export interface NumpyDtype {
  readonly kind: 'numpyDtype';
  readonly code: string;
  byteOrder: string;
}

export interface PathValue {
  readonly kind: 'path';
  readonly flavour: 'posix' | 'windows';
  readonly path: string;
}

/** An `argparse.Namespace`, as saved with some checkpoints' training args. */
export interface NamespaceValue {
  readonly kind: 'namespace';
  readonly attributes: PickleDict;
}

export type PickleObject = Exclude<PickleValue, null | boolean | number | bigint | string>;

export function isPickleObject(value: PickleValue): value is PickleObject {
  return typeof value === 'object' && value !== null;
}

/** Narrows to one kind of object value; undefined (a missing argument) is never of any kind. */
export function isKind<K extends PickleObject['kind']>(
  value: PickleValue | undefined,
  kind: K,
): value is Extract<PickleObject, { kind: K }> {
  return value !== undefined && isPickleObject(value) && value.kind === kind;
}

export function isDict(value: PickleValue): value is PickleDict {
  return isPickleObject(value) && value.kind === 'dict';
}

export function isTensor(value: PickleValue): value is TensorRef {
  return isPickleObject(value) && value.kind === 'tensor';
}

export function isSequence(value: PickleValue): value is PickleList | PickleTuple {
  return isPickleObject(value) && (value.kind === 'list' || value.kind === 'tuple');
}

export function newDict(pythonClass = 'dict'): PickleDict {
  return { kind: 'dict', entries: [], pythonClass };
}

export function newTuple(items: readonly PickleValue[]): PickleTuple {
  return { kind: 'tuple', items };
}

export function newOpaque(global: string, safety: GlobalSafety, args?: PickleTuple, kwargs?: PickleDict): OpaqueObject {
  const opaque: OpaqueObject = { kind: 'opaque', global, safety, listItems: [], dictItems: [] };
  return args === undefined && kwargs === undefined
    ? opaque
    : { ...opaque, ...(args === undefined ? {} : { args }), ...(kwargs === undefined ? {} : { kwargs }) };
}

/**
 * A string for a dict key that Python would hash the same way (1, 1.0 and True are one key), or undefined for
 * keys we do not compare (tuples, objects).
 */
export function primitiveKeyId(key: PickleValue): string | undefined {
  if (typeof key === 'string') {
    return `s${key}`;
  }
  if (typeof key === 'number' || typeof key === 'bigint') {
    return `n${String(key)}`;
  }
  if (typeof key === 'boolean') {
    return key ? 'n1' : 'n0';
  }
  if (key === null) {
    return 'N';
  }
  return undefined;
}

/** The value under a string or int key (linear: checkpoint dicts are small). */
export function dictGet(dict: PickleDict, key: string | number): PickleValue | undefined {
  const id = primitiveKeyId(key);
  for (const [k, v] of dict.entries) {
    if (primitiveKeyId(k) === id) {
      return v;
    }
  }
  return undefined;
}

/** A key as a path segment: strings as they are, ints in decimal, anything else undefined. */
export function keySegment(key: PickleValue): string | undefined {
  if (typeof key === 'string') {
    return key;
  }
  if (typeof key === 'number' || typeof key === 'bigint') {
    return String(key);
  }
  return undefined;
}

/** A number for Python ints, floats, bools and decoded numpy scalars; undefined for anything else. */
export function asNumber(value: PickleValue | undefined): number | undefined {
  if (typeof value === 'number') {
    return value;
  }
  if (typeof value === 'bigint') {
    return Number(value);
  }
  if (typeof value === 'boolean') {
    return value ? 1 : 0;
  }
  return undefined;
}

/** Python ints decode to numbers when exact, else to bigints. */
export function normalizeInteger(value: bigint): number | bigint {
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
}
