import { CheckpointError } from '../../../src/checkpoint/base/checkpointError';
import type { CheckpointWarning } from '../../../src/checkpoint/base/checkpointWarning';
import { resolveLimits, type CheckpointLimits } from '../../../src/checkpoint/base/limits';
import { unpickle } from '../../../src/checkpoint/pickle/pickleMachine';
import { isPickleObject, type PickleValue } from '../../../src/checkpoint/base/pickleValues';
import { createTorchHooks, type TorchHooks } from '../../../src/checkpoint/pickle/torchGlobals';

/**
 * Test helper: runs the real pickle machine with the real torch hooks on some bytes, and renders decoded values
 * in a strict tagged form so assertions can tell lists from tuples and ints from bigints.
 */
export interface Loaded {
  readonly value: PickleValue;
  readonly end: number;
  readonly protocol: number | null;
  readonly warnings: CheckpointWarning[];
  readonly hooks: TorchHooks;
}

export function loadPickle(
  data: Uint8Array,
  options: { limits?: Partial<CheckpointLimits>; persistentLoad?: (pid: PickleValue) => PickleValue } = {},
): Loaded {
  const limits = resolveLimits(options.limits);
  const warnings: CheckpointWarning[] = [];
  const hooks = createTorchHooks({
    limits,
    warn: (warning) => warnings.push(warning),
    persistentLoad:
      options.persistentLoad ??
      (() => {
        throw new CheckpointError('corrupt', 'this pickle should not reference storages');
      }),
  });
  const result = unpickle(data, 0, hooks, limits);
  return { ...result, warnings, hooks };
}

export type Strict = null | boolean | number | string | Strict[];

/** A tagged rendering: ['list', …], ['tuple', …], ['dict', [k, v]…], ['int', '…'] for bigints, ['bytes', hex]. */
export function strict(value: PickleValue, depth = 0): Strict {
  if (depth > 50) {
    return '<deep>';
  }
  if (!isPickleObject(value)) {
    return typeof value === 'bigint' ? ['int', value.toString()] : value;
  }
  switch (value.kind) {
    case 'list':
    case 'tuple':
    case 'set':
    case 'frozenset':
      return [value.kind, ...value.items.map((item) => strict(item, depth + 1))];
    case 'dict':
      return [
        value.pythonClass === 'dict' ? 'dict' : `dict:${value.pythonClass}`,
        ...value.entries.map(([k, v]): Strict => [strict(k, depth + 1), strict(v, depth + 1)]),
      ];
    case 'bytes':
      return [value.mutable ? 'bytearray' : 'bytes', Buffer.from(value.data).toString('hex')];
    case 'opaque':
      return ['opaque', value.global, ...(value.args === undefined ? [] : [strict(value.args, depth + 1)])];
    case 'global':
      return ['global', value.global];
    case 'dtype':
      return ['dtype', value.dtype];
    case 'device':
      return ['device', value.type, value.index];
    case 'path':
      return ['path', value.flavour, value.path];
    case 'namespace':
      return ['namespace', strict(value.attributes, depth + 1)];
    case 'numpyDtype':
      return ['numpyDtype', value.code, value.byteOrder];
    case 'tensor':
      return ['tensor', value.dtype, [...value.shape], [...value.stride], value.storageOffset, value.storage.key];
    case 'storage':
      return ['storage', value.key, value.dtype, value.numel];
  }
}

/** Runs `action` and returns the CheckpointError it throws; fails on success or on any other error. */
export async function expectCheckpointError(action: () => unknown): Promise<CheckpointError> {
  try {
    await action();
  } catch (error) {
    if (CheckpointError.is(error)) {
      return error;
    }
    throw new Error(`expected a CheckpointError, got ${String(error)}`, { cause: error });
  }
  throw new Error('expected a CheckpointError, but the action succeeded');
}
