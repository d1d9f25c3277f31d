import { CheckpointError } from '../base/checkpointError';
import { checkpointWarning, type CheckpointWarning } from '../base/checkpointWarning';
import { dtypeOfStorageClass, dtypeOfTorchName } from '../base/dtypes';
import { halfToNumber } from '../base/floatBits';
import type { CheckpointLimits } from '../base/limits';
import type { PickleHooks } from './pickleMachine';
import {
  isKind,
  isPickleObject,
  newDict,
  newOpaque,
  normalizeInteger,
  type GlobalRef,
  type GlobalSafety,
  type PickleDict,
  type PickleTuple,
  type PickleValue,
  type TensorRebuild,
} from '../base/pickleValues';
import { makeTensorRef } from '../base/tensorRef';

/**
 * The allowlist of pickle globals and what each one builds. Contracts §2.6 lists the six globals a real
 * OpenCLIP training checkpoint uses; the rest cover other torch versions (typed storages, dtype globals,
 * parameters) and the small objects people save next to a state dict (numpy scalars, paths, argparse args).
 * Nothing here is ever called: a global off the list becomes an opaque value, and one that could run code in
 * torch.load is reported as a security warning.
 */

export interface TorchHooksOptions {
  readonly limits: CheckpointLimits;
  readonly warn: (warning: CheckpointWarning) => void;
  /** The format's persistent_load: turns a storage id tuple into a StorageRef. */
  readonly persistentLoad: (pid: PickleValue) => PickleValue;
}

export interface TorchHooks extends PickleHooks {
  /** Every 'module.name' the pickle named, in first-seen order. */
  readonly globalsSeen: ReadonlySet<string>;
  readonly tensorCount: number;
}

/** Python 2 module names that Python 3's Unpickler maps (`fix_imports`); old legacy checkpoints use them. */
const python2Modules: Readonly<Record<string, string>> = {
  __builtin__: 'builtins',
  copy_reg: 'copyreg',
};

/** Whole packages that only show up in a pickle to run code, touch files or open connections. */
const dangerousPackages = new Set([
  'os',
  'posix',
  'nt',
  'subprocess',
  '_posixsubprocess',
  'runpy',
  'pty',
  'webbrowser',
  'shutil',
  'sys',
  'socket',
  'importlib',
  'ctypes',
  'code',
  'codeop',
  'pickle',
  '_pickle',
  'marshal',
  'commands',
  'platform',
  'pdb',
  'bdb',
  'trace',
  'timeit',
  'doctest',
  'multiprocessing',
  'asyncio',
  'signal',
  'urllib',
  'urllib2',
  'http',
  'httplib',
  'requests',
  'ftplib',
  'smtplib',
  'telnetlib',
  'distutils',
  'setuptools',
  'pip',
  'site',
  'zipimport',
  'imp',
  'types',
  'tempfile',
  'pathlib2',
  'dill',
  'cloudpickle',
  'joblib',
]);

/** Single names in otherwise harmless modules. */
const dangerousNames: Readonly<Record<string, ReadonlySet<string>>> = {
  builtins: new Set([
    'eval',
    'exec',
    'execfile',
    'compile',
    '__import__',
    'getattr',
    'setattr',
    'delattr',
    'open',
    'file',
    'globals',
    'locals',
    'vars',
    'input',
    'breakpoint',
    'reload',
    'exit',
    'quit',
    'help',
    'apply',
  ]),
  operator: new Set(['attrgetter', 'methodcaller', 'call']),
  io: new Set(['open', 'open_code', 'FileIO']),
  _io: new Set(['open', 'open_code', 'FileIO']),
  codecs: new Set(['open']),
  torch: new Set(['load', 'save']),
  'torch.serialization': new Set(['load', 'save', '_load']),
  'torch.storage': new Set(['_load_from_bytes']),
  numpy: new Set(['load', 'save', 'fromfile', 'loadtxt', 'genfromtxt']),
  'numpy.testing._private.utils': new Set(['runstring']),
};

const dangerousPrefixes = ['torch.hub', 'torch.jit', 'torch.package', 'numpy.f2py', 'numpy.distutils'];

/**
 * Globals we know well enough to keep as opaque values without a warning: plain Python and numpy values, and the
 * torch rebuild helpers for sparse, meta and quantized tensors (torch.load's own weights-only allowlist has them).
 */
const knownOpaque = new Set([
  'builtins.object',
  'builtins.complex',
  'builtins.slice',
  'builtins.range',
  'numpy.ndarray',
  'numpy.core.multiarray._reconstruct',
  'numpy._core.multiarray._reconstruct',
  'torch._utils._rebuild_sparse_tensor',
  'torch._utils._rebuild_meta_tensor_no_storage',
  'torch._utils._rebuild_device_tensor_from_numpy',
  'torch._utils._rebuild_nested_tensor',
  'torch.serialization._get_layout',
  'torch.per_tensor_affine',
  'torch.per_channel_affine',
  'torch.per_tensor_symmetric',
  'torch.per_channel_symmetric',
  'torch.per_channel_affine_float_qparams',
]);

type Handler = (args: PickleTuple, hooks: TorchHooksImpl) => PickleValue;

const tensorRebuilders: Readonly<Record<string, TensorRebuild>> = {
  _rebuild_tensor: 'tensor',
  _rebuild_tensor_v2: 'tensor',
  _rebuild_qtensor: 'quantized',
};

const callHandlers: Readonly<Record<string, Handler>> = {
  'collections.OrderedDict': (args) => dictFromArgs(args, 'collections.OrderedDict'),
  'collections.defaultdict': () => newDict('collections.defaultdict'),
  'builtins.dict': (args) => dictFromArgs(args, 'dict'),
  'builtins.set': (args) => ({ kind: 'set', items: sequenceArg(args) }),
  'builtins.frozenset': (args) => ({ kind: 'frozenset', items: sequenceArg(args) }),
  'builtins.list': (args) => ({ kind: 'list', items: sequenceArg(args) }),
  'builtins.tuple': (args) => ({ kind: 'tuple', items: sequenceArg(args) }),
  'builtins.bytes': (args) => bytesFromArgs(args, false),
  'builtins.bytearray': (args) => bytesFromArgs(args, true),
  '_codecs.encode': (args) => encodeText(args),
  'torch._utils._rebuild_tensor': (args, hooks) => hooks.rebuildTensor(args, 'tensor'),
  'torch._utils._rebuild_tensor_v2': (args, hooks) => hooks.rebuildTensor(args, 'tensor'),
  'torch._utils._rebuild_qtensor': (args, hooks) => hooks.rebuildTensor(args, 'quantized'),
  'torch._utils._rebuild_parameter': (args) => asParameter(args),
  'torch._utils._rebuild_parameter_with_state': (args) => asParameter(args),
  'torch._tensor._rebuild_from_type': (args, hooks) => rebuildFromType(args, hooks),
  'torch._tensor._rebuild_from_type_v2': (args, hooks) => rebuildFromType(args, hooks),
  'torch.device': (args) => deviceFromArgs(args),
  'torch.Size': (args) => ({ kind: 'tuple', items: sequenceArg(args) }),
  'numpy.dtype': (args) => numpyDtypeFromArgs(args),
  'numpy.core.multiarray.scalar': (args) => numpyScalar(args),
  'numpy._core.multiarray.scalar': (args) => numpyScalar(args),
  'pathlib.PosixPath': (args) => pathFromArgs(args, 'posix'),
  'pathlib.PurePosixPath': (args) => pathFromArgs(args, 'posix'),
  'pathlib.Path': (args) => pathFromArgs(args, 'posix'),
  'pathlib.WindowsPath': (args) => pathFromArgs(args, 'windows'),
  'pathlib.PureWindowsPath': (args) => pathFromArgs(args, 'windows'),
  'argparse.Namespace': () => ({ kind: 'namespace', attributes: newDict() }),
  'copyreg._reconstructor': (args, hooks) => hooks.reconstruct(args),
  'copyreg.__newobj__': (args, hooks) =>
    hooks.newObject(args.items[0] ?? null, tupleOf(args.items.slice(1)), undefined),
  'copyreg.__newobj_ex__': (args, hooks) => {
    const [cls, positional, kwargs] = args.items;
    return hooks.newObject(
      cls ?? null,
      isKind(positional, 'tuple') ? positional : tupleOf([]),
      isKind(kwargs, 'dict') ? kwargs : undefined,
    );
  },
};

/** Whether a global is on the allowlist, unknown, or able to run code when torch.load calls it. */
export function classifyGlobal(module: string, name: string): GlobalSafety {
  const mod = python2Modules[module] ?? module;
  const qualified = `${mod}.${name}`;
  const top = mod.split('.')[0] ?? mod;
  if (
    dangerousPackages.has(top) ||
    dangerousNames[mod]?.has(name) === true ||
    dangerousPrefixes.some((prefix) => mod === prefix || mod.startsWith(`${prefix}.`))
  ) {
    return 'dangerous';
  }
  if (
    Object.prototype.hasOwnProperty.call(callHandlers, qualified) ||
    dtypeOfStorageClass(mod, name) !== undefined ||
    (mod === 'torch' && dtypeOfTorchName(name) !== undefined) ||
    (mod === 'torch' && (name === 'TypedStorage' || name === 'UntypedStorage' || name === 'Tensor')) ||
    (mod === 'torch.storage' && (name === 'TypedStorage' || name === '_LegacyStorage')) ||
    (mod === 'torch.nn.parameter' && name === 'Parameter') ||
    (mod === 'torch._utils' && tensorRebuilders[name] !== undefined) ||
    knownOpaque.has(qualified)
  ) {
    return 'allowed';
  }
  return 'unknown';
}

/** The hooks that give the generic pickle machine torch.load's view of the world, minus the code execution. */
export function createTorchHooks(options: TorchHooksOptions): TorchHooks {
  return new TorchHooksImpl(options);
}

class TorchHooksImpl implements TorchHooks {
  readonly globalsSeen = new Set<string>();
  private readonly warned = new Set<string>();
  private tensors = 0;

  constructor(private readonly options: TorchHooksOptions) {}

  get tensorCount(): number {
    return this.tensors;
  }

  findClass(rawModule: string, name: string): PickleValue {
    const module = python2Modules[rawModule] ?? rawModule;
    const global = `${module}.${name}`;
    this.globalsSeen.add(global);
    const safety = classifyGlobal(module, name);
    if (safety === 'dangerous') {
      this.warnOnce(
        global,
        checkpointWarning(
          'dangerousGlobal',
          `${global}: torch.load would call this and it can run code or touch the system; it was not called`,
        ),
      );
    } else if (safety === 'unknown') {
      this.warnOnce(
        global,
        checkpointWarning('unknownGlobal', `${global}: not on the allowlist; kept as an opaque value`),
      );
    }
    if (module === 'torch') {
      // torch.float32 and friends pickle as globals (dtype.__reduce__ returns the name).
      const dtype = dtypeOfTorchName(name);
      if (dtype !== undefined) {
        return { kind: 'dtype', dtype };
      }
    }
    const ref: GlobalRef = { kind: 'global', global, module, name, safety };
    return ref;
  }

  call(callable: PickleValue, args: PickleTuple): PickleValue {
    if (!isPickleObject(callable)) {
      throw new CheckpointError('corrupt', `the pickle calls a ${callable === null ? 'None' : typeof callable}`);
    }
    if (callable.kind === 'opaque') {
      return newOpaque(`${callable.global}()`, callable.safety, args);
    }
    if (callable.kind !== 'global') {
      throw new CheckpointError('corrupt', `the pickle calls a ${callable.kind}, which is not callable`);
    }
    if (callable.safety === 'allowed') {
      const handler = callHandlers[callable.global];
      if (handler !== undefined) {
        return handler(args, this);
      }
    }
    return newOpaque(callable.global, callable.safety, args);
  }

  newObject(cls: PickleValue, args: PickleTuple, kwargs: PickleDict | undefined): PickleValue {
    if (!isPickleObject(cls) || (cls.kind !== 'global' && cls.kind !== 'opaque')) {
      throw new CheckpointError('corrupt', 'NEWOBJ on something that is not a class');
    }
    if (cls.kind === 'global' && cls.safety === 'allowed') {
      switch (cls.global) {
        case 'collections.OrderedDict':
        case 'collections.defaultdict':
        case 'builtins.dict':
          return newDict(cls.global === 'builtins.dict' ? 'dict' : cls.global);
        case 'argparse.Namespace': {
          const attributes = newDict();
          if (kwargs !== undefined) {
            attributes.entries.push(...kwargs.entries);
          }
          return { kind: 'namespace', attributes };
        }
        case 'builtins.set':
        case 'builtins.frozenset':
        case 'builtins.list':
        case 'pathlib.PosixPath':
        case 'pathlib.PurePosixPath':
        case 'pathlib.Path':
        case 'pathlib.WindowsPath':
        case 'pathlib.PureWindowsPath':
        case 'torch.Size':
          return this.call(cls, args);
        default:
          break;
      }
    }
    return newOpaque(cls.global, cls.safety, args, kwargs);
  }

  build(target: PickleValue, state: PickleValue): PickleValue {
    if (isEmptyState(state)) {
      // CPython's load_build does nothing for a falsy state, whatever the object.
      return target;
    }
    if (!isPickleObject(target)) {
      throw new CheckpointError('corrupt', 'BUILD on a plain value');
    }
    switch (target.kind) {
      case 'dict':
        // torch state dicts carry their `_metadata` attribute this way.
        target.attributes = state;
        return target;
      case 'opaque':
        target.state = state;
        return target;
      case 'namespace':
        if (isPickleObject(state) && state.kind === 'dict') {
          target.attributes.entries.push(...state.entries);
        }
        return target;
      case 'numpyDtype': {
        // numpy.dtype.__setstate__: (version, byteorder, subarray, names, fields, elsize, alignment, flags).
        const byteOrder = isPickleObject(state) && state.kind === 'tuple' ? state.items[1] : undefined;
        if (typeof byteOrder === 'string') {
          target.byteOrder = byteOrder;
        }
        return target;
      }
      case 'global': {
        const opaque = newOpaque(target.global, target.safety);
        opaque.state = state;
        return opaque;
      }
      case 'tensor':
      case 'path':
      case 'device':
      case 'dtype':
        return target;
      default:
        throw new CheckpointError('corrupt', `BUILD on a ${target.kind}`);
    }
  }

  persistentLoad(pid: PickleValue): PickleValue {
    return this.options.persistentLoad(pid);
  }

  rebuildTensor(args: PickleTuple, rebuild: TensorRebuild): PickleValue {
    // Indexed, not destructured: destructuring an array runs its iterator, which allocates in the unoptimised code
    // of a fresh CLI process (issue 16); this runs once per tensor.
    const items = args.items;
    const storage = items[0];
    const offset = items[1];
    const size = items[2];
    const stride = items[3];
    // _rebuild_qtensor puts quantizer params before requires_grad; _rebuild_tensor has no requires_grad.
    const requiresGrad = rebuild === 'quantized' ? items[5] : items[4];
    if (args.items.length < 4) {
      throw new CheckpointError('corrupt', `a tensor rebuild has ${args.items.length} arguments, expected at least 4`);
    }
    this.tensors += 1;
    if (this.tensors > this.options.limits.maxTensors) {
      throw new CheckpointError('tooLarge', `the checkpoint has more than ${this.options.limits.maxTensors} tensors`);
    }
    if (rebuild === 'quantized') {
      this.warnOnce(
        'quantized',
        checkpointWarning('partiallyUnderstood', 'quantized tensors are described but their values are not decoded'),
      );
    }
    return makeTensorRef(
      storage ?? null,
      offset ?? null,
      size ?? null,
      stride ?? null,
      requiresGrad ?? false,
      rebuild,
      this.options.limits,
    );
  }

  /** copyreg._reconstructor(cls, base, state): protocol 0/1 spelling of "make a cls, then set its state". */
  reconstruct(args: PickleTuple): PickleValue {
    const [cls, , state] = args.items;
    const made = this.newObject(cls ?? null, tupleOf([]), undefined);
    return state === undefined || state === null ? made : this.build(made, state);
  }

  private warnOnce(key: string, warning: CheckpointWarning): void {
    if (!this.warned.has(key)) {
      this.warned.add(key);
      this.options.warn(warning);
    }
  }
}

function isEmptyState(state: PickleValue): boolean {
  if (state === null) {
    return true;
  }
  return isPickleObject(state) && state.kind === 'dict' && state.entries.length === 0 && state.attributes === undefined;
}

function tupleOf(items: PickleValue[]): PickleTuple {
  return { kind: 'tuple', items };
}

/** The items of a call's single iterable argument (set([...]), OrderedDict([...])); empty without one. */
function sequenceArg(args: PickleTuple): PickleValue[] {
  const first = args.items[0];
  if (first === undefined) {
    return [];
  }
  if (
    isPickleObject(first) &&
    (first.kind === 'list' || first.kind === 'tuple' || first.kind === 'set' || first.kind === 'frozenset')
  ) {
    return first.items.slice();
  }
  throw new CheckpointError('corrupt', 'a collection is rebuilt from something that is not a sequence');
}

function dictFromArgs(args: PickleTuple, pythonClass: string): PickleDict {
  const dict = newDict(pythonClass);
  const first = args.items[0];
  if (isKind(first, 'dict')) {
    dict.entries.push(...first.entries.map(([k, v]): [PickleValue, PickleValue] => [k, v]));
    return dict;
  }
  const pairs = sequenceArg(args);
  for (let i = 0; i < pairs.length; i++) {
    const pair = pairs[i] as PickleValue;
    if (!isPickleObject(pair) || (pair.kind !== 'tuple' && pair.kind !== 'list') || pair.items.length !== 2) {
      throw new CheckpointError('corrupt', 'a dict is rebuilt from something that is not a list of pairs');
    }
    dict.entries.push([pair.items[0] as PickleValue, pair.items[1] as PickleValue]);
  }
  return dict;
}

const latin1Names = new Set(['latin1', 'latin-1', 'iso-8859-1', 'iso8859-1', 'l1']);

/** _codecs.encode(text, 'latin1'): how Python 3 protocol 2 pickles `bytes` (numpy scalars, contracts §2.6). */
function encodeText(args: PickleTuple): PickleValue {
  const [text, encoding] = args.items;
  if (typeof text !== 'string') {
    throw new CheckpointError('corrupt', '_codecs.encode of something that is not a string');
  }
  const name = typeof encoding === 'string' ? encoding.toLowerCase() : 'utf-8';
  if (latin1Names.has(name)) {
    const bytes = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (code > 0xff) {
        throw new CheckpointError('corrupt', '_codecs.encode: text is not latin-1');
      }
      bytes[i] = code;
    }
    return { kind: 'bytes', data: bytes, mutable: false };
  }
  if (name === 'utf-8' || name === 'utf8') {
    return { kind: 'bytes', data: new Uint8Array(Buffer.from(text, 'utf8')), mutable: false };
  }
  return newOpaque('_codecs.encode', 'allowed', args);
}

function bytesFromArgs(args: PickleTuple, mutable: boolean): PickleValue {
  const first = args.items[0];
  if (first === undefined) {
    return { kind: 'bytes', data: new Uint8Array(0), mutable };
  }
  if (isPickleObject(first) && first.kind === 'bytes') {
    return { kind: 'bytes', data: first.data, mutable };
  }
  if (typeof first === 'string') {
    const encoded = encodeText(args);
    return isPickleObject(encoded) && encoded.kind === 'bytes' ? { ...encoded, mutable } : encoded;
  }
  return newOpaque(mutable ? 'builtins.bytearray' : 'builtins.bytes', 'allowed', args);
}

function asParameter(args: PickleTuple): PickleValue {
  const [data, requiresGrad] = args.items;
  if (isKind(data, 'tensor')) {
    return { ...data, rebuild: 'parameter', requiresGrad: requiresGrad === true };
  }
  return newOpaque('torch._utils._rebuild_parameter', 'allowed', args);
}

/** torch._tensor._rebuild_from_type_v2(func, new_type, args, state): tensor subclasses; we keep the tensor. */
function rebuildFromType(args: PickleTuple, hooks: TorchHooksImpl): PickleValue {
  const [func, , funcArgs] = args.items;
  if (!isKind(funcArgs, 'tuple')) {
    throw new CheckpointError('corrupt', '_rebuild_from_type without an argument tuple');
  }
  return hooks.call(func ?? null, funcArgs);
}

function deviceFromArgs(args: PickleTuple): PickleValue {
  const [type, index] = args.items;
  if (typeof type !== 'string') {
    return newOpaque('torch.device', 'allowed', args);
  }
  const match = /^([a-z_]+)(?::(\d+))?$/.exec(type);
  const parsedIndex = match?.[2] !== undefined ? Number(match[2]) : typeof index === 'number' ? index : null;
  return { kind: 'device', type: match?.[1] ?? type, index: parsedIndex };
}

function numpyDtypeFromArgs(args: PickleTuple): PickleValue {
  const [code] = args.items;
  if (typeof code !== 'string') {
    return newOpaque('numpy.dtype', 'allowed', args);
  }
  return { kind: 'numpyDtype', code, byteOrder: '=' };
}

/** numpy.core.multiarray.scalar(dtype, raw bytes) → the number it holds (an `lr` is one, contracts §2.6). */
function numpyScalar(args: PickleTuple): PickleValue {
  const [dtype, raw] = args.items;
  if (!isKind(dtype, 'numpyDtype')) {
    return newOpaque('numpy.core.multiarray.scalar', 'allowed', args);
  }
  if (!isKind(raw, 'bytes')) {
    throw new CheckpointError('corrupt', 'a numpy scalar without its bytes');
  }
  const { code, byteOrder } = dtype;
  const data = raw.data;
  const little = byteOrder !== '>';
  const match = /^([fiub?])(\d*)$/.exec(code);
  const kindCode = match?.[1];
  const size = kindCode === '?' ? 1 : Number(match?.[2] ?? 0);
  if (match === null || kindCode === undefined) {
    return newOpaque('numpy.core.multiarray.scalar', 'allowed', args);
  }
  if (data.length !== size) {
    throw new CheckpointError('corrupt', `a numpy ${code} scalar with ${data.length} bytes`);
  }
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  switch (`${kindCode}${size}`) {
    case 'f8':
      return view.getFloat64(0, little);
    case 'f4':
      return view.getFloat32(0, little);
    case 'f2':
      return halfToNumber(view.getUint16(0, little));
    case 'i8':
      return normalizeInteger(view.getBigInt64(0, little));
    case 'u8':
      return normalizeInteger(view.getBigUint64(0, little));
    case 'i4':
      return view.getInt32(0, little);
    case 'u4':
      return view.getUint32(0, little);
    case 'i2':
      return view.getInt16(0, little);
    case 'u2':
      return view.getUint16(0, little);
    case 'i1':
      return view.getInt8(0);
    case 'u1':
      return view.getUint8(0);
    case 'b1':
    case '?1':
      return view.getUint8(0) !== 0;
    default:
      return newOpaque('numpy.core.multiarray.scalar', 'allowed', args);
  }
}

/** PurePath.__reduce__ gives (cls, parts); join them the way the flavour would. */
function pathFromArgs(args: PickleTuple, flavour: 'posix' | 'windows'): PickleValue {
  const separator = flavour === 'posix' ? '/' : '\\';
  let path = '';
  for (const part of args.items) {
    if (typeof part !== 'string') {
      throw new CheckpointError('corrupt', 'a path rebuilt from something that is not a string');
    }
    path =
      path === '' || path.endsWith(separator) || path.endsWith('/') ? `${path}${part}` : `${path}${separator}${part}`;
  }
  return { kind: 'path', flavour, path };
}
