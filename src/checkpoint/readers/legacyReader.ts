import { Checkpoint, fileStorageBytes, type StorageBytes } from './checkpoint';
import { CheckpointError } from '../base/checkpointError';
import type { CheckpointWarning } from '../base/checkpointWarning';
import { dtypeByteSize, type TorchDtype } from '../base/dtypes';
import type { CheckpointLimits } from '../base/limits';
import { unpickle, type UnpickleResult } from '../pickle/pickleMachine';
import { dictGet, isPickleObject, type PickleValue, type StorageRef } from '../base/pickleValues';
import type { RandomAccessFile } from '../base/randomAccessFile';
import { makeStorageRef } from '../base/tensorRef';
import { createTorchHooks, type TorchHooks } from '../pickle/torchGlobals';
import { storageDtype } from './torchZipReader';

/**
 * The format torch < 1.6 wrote (and torch.save(..., _use_new_zipfile_serialization=False) still writes),
 * after torch/serialization.py `_legacy_save`: five things one after another —
 *   1. the magic number 0x1950a86a20f9469cfc6c, pickled as an int;
 *   2. the protocol version 1001;
 *   3. a sys-info dict (`little_endian`, `type_sizes`);
 *   4. the object tree, whose storages are persistent ids
 *      ('storage', storage_type, root_key, location, numel, view_metadata);
 *   5. a pickled list of root storage keys; then for each key an 8-byte little-endian element count and the raw
 *      little-endian elements (torch's writeFileRaw converts on big-endian hosts).
 */
export const legacyMagicNumber = 0x1950a86a20f9469cfc6cn;
const legacyProtocolVersion = 1001;
/** First read windows: the header pickles are a few dozen bytes, the object tree ~100 KB for a CLIP model. */
const headerWindow = 1024;
const mainWindow = 64 * 1024;

interface LegacyStorage {
  readonly dtype: TorchDtype;
  readonly numel: number;
}

export async function readLegacyTorch(file: RandomAccessFile, limits: CheckpointLimits): Promise<Checkpoint> {
  const warnings: CheckpointWarning[] = [];
  const plain = (): AttemptHooks =>
    attemptHooks(limits, () => {
      throw new CheckpointError('corrupt', 'a legacy checkpoint header holds a storage');
    });

  const magic = await readPickleAt(file, 0, headerWindow, limits, plain);
  if (magic.value !== legacyMagicNumber) {
    throw new CheckpointError('notACheckpoint', 'a pickle file, but not a torch checkpoint (no torch magic number)');
  }
  const version = await readPickleAt(file, magic.end, headerWindow, limits, plain);
  if (version.value !== legacyProtocolVersion) {
    throw new CheckpointError('unsupported', `legacy torch protocol version ${String(version.value)} (expected 1001)`);
  }
  const sysInfo = await readPickleAt(file, version.end, headerWindow, limits, plain);

  const storages = new Map<string, LegacyStorage>();
  const main = await readPickleAt(file, sysInfo.end, mainWindow, limits, () =>
    attemptHooks(limits, (pid) => legacyPersistentLoad(pid, storages)),
  );
  warnings.push(...main.warnings);
  const keys = await readPickleAt(file, main.end, headerWindow * 16, limits, plain);
  if (
    !isPickleObject(keys.value) ||
    keys.value.kind !== 'list' ||
    !keys.value.items.every((k) => typeof k === 'string')
  ) {
    throw new CheckpointError('corrupt', 'the legacy storage key list is not a list of strings');
  }
  const keyOrder = keys.value.items as string[];
  for (const key of keyOrder) {
    if (!storages.has(key)) {
      throw new CheckpointError('corrupt', `the legacy key list names storage ${key}, which the data never uses`);
    }
  }

  const littleEndian =
    isPickleObject(sysInfo.value) && sysInfo.value.kind === 'dict'
      ? dictGet(sysInfo.value, 'little_endian')
      : undefined;
  let offsets: Promise<Map<string, number>> | undefined;
  const resolveStorage = async (storage: StorageRef): Promise<StorageBytes> => {
    offsets ??= storageOffsets(file, keys.end, keyOrder, storages);
    const table = await offsets.catch((error: unknown) => {
      offsets = undefined;
      throw error;
    });
    const dataOffset = table.get(storage.key);
    const info = storages.get(storage.key);
    if (dataOffset === undefined || info === undefined) {
      throw new CheckpointError('corrupt', `storage ${storage.key} is not in the legacy key list`);
    }
    return fileStorageBytes(file, dataOffset, info.numel * dtypeByteSize[info.dtype], storage.key);
  };

  return new Checkpoint({
    file,
    format: 'torch-legacy',
    root: main.value,
    warnings,
    // Storage bytes are little-endian whatever `little_endian` says (see the format note above).
    byteOrder: 'little',
    limits,
    pickleProtocol: main.protocol,
    pickleGlobals: main.globals,
    formatVersion: `${legacyProtocolVersion}${littleEndian === false ? ' (saved on a big-endian host)' : ''}`,
    resolveStorage,
  });
}

/** Fresh hooks per attempt, so a retried pickle does not report its warnings twice. */
interface AttemptHooks {
  readonly hooks: TorchHooks;
  readonly warnings: CheckpointWarning[];
}

function attemptHooks(limits: CheckpointLimits, load: (pid: PickleValue) => PickleValue): AttemptHooks {
  const warnings: CheckpointWarning[] = [];
  const hooks = createTorchHooks({ limits, warn: (warning) => warnings.push(warning), persistentLoad: load });
  return { hooks, warnings };
}

interface PickleAt extends UnpickleResult {
  readonly warnings: readonly CheckpointWarning[];
  readonly globals: readonly string[];
}

/**
 * One pickle starting at `position`. Legacy files do not say how long a pickle is, so read a window and widen it
 * while the pickle runs off its end, up to the pickle size limit (a retry re-runs the pickle from scratch).
 */
async function readPickleAt(
  file: RandomAccessFile,
  position: number,
  firstWindow: number,
  limits: CheckpointLimits,
  makeHooks: () => AttemptHooks,
): Promise<PickleAt> {
  const available = file.size - position;
  if (available <= 0) {
    throw new CheckpointError('truncated', `the legacy checkpoint ends at byte ${position}, before all its parts`);
  }
  const ceiling = Math.min(available, limits.maxPickleBytes);
  let window = Math.min(ceiling, firstWindow);
  for (;;) {
    const data = await file.read(position, window, 'a legacy pickle');
    const attempt = makeHooks();
    try {
      const result = unpickle(data, 0, attempt.hooks, limits);
      return {
        value: result.value,
        end: position + result.end,
        protocol: result.protocol,
        warnings: attempt.warnings,
        globals: [...attempt.hooks.globalsSeen],
      };
    } catch (error) {
      if (!CheckpointError.is(error, 'truncated') || window >= ceiling) {
        if (CheckpointError.is(error, 'truncated') && window === limits.maxPickleBytes && available > window) {
          throw new CheckpointError('tooLarge', `a legacy pickle is longer than ${limits.maxPickleBytes} bytes`);
        }
        throw error;
      }
      window = Math.min(ceiling, window * 4);
    }
  }
}

/**
 * torch `_legacy_load`'s persistent_load. Root storages are recorded by key (the key list and raw data
 * come later); a view is the root's storage seen from an element offset.
 */
function legacyPersistentLoad(pid: PickleValue, storages: Map<string, LegacyStorage>): PickleValue {
  if (!isPickleObject(pid) || pid.kind !== 'tuple' || pid.items.length === 0) {
    throw new CheckpointError('corrupt', 'a legacy persistent id that is not a tuple');
  }
  const [tag] = pid.items;
  if (tag === 'module') {
    // ('module', class, source_file, source): torch only compares sources; the class is the value.
    return pid.items[1] ?? null;
  }
  if (tag !== 'storage' || pid.items.length < 6) {
    throw new CheckpointError('corrupt', 'a legacy persistent id that is not a storage');
  }
  const [, storageType, rootKey, location, numel, viewMetadata] = pid.items;
  const dtype = storageDtype(storageType ?? null);
  if (typeof rootKey !== 'string' || typeof location !== 'string') {
    throw new CheckpointError('corrupt', 'a legacy storage id without a string key and location');
  }
  const root = makeStorageRef(rootKey, dtype, location, numel ?? null);
  const known = storages.get(rootKey);
  if (known !== undefined && (known.dtype !== dtype || known.numel !== root.numel)) {
    throw new CheckpointError('corrupt', `legacy storage ${rootKey} is declared twice with different types or sizes`);
  }
  // A widening retry of the main pickle sees the same ids again; they agree, so recording them twice is harmless.
  storages.set(rootKey, { dtype, numel: root.numel });
  if (viewMetadata === null || viewMetadata === undefined) {
    return root;
  }
  if (!isPickleObject(viewMetadata) || viewMetadata.kind !== 'tuple' || viewMetadata.items.length !== 3) {
    throw new CheckpointError('corrupt', `legacy storage ${rootKey} has malformed view metadata`);
  }
  const [, viewOffset, viewSize] = viewMetadata.items;
  if (
    typeof viewOffset !== 'number' ||
    typeof viewSize !== 'number' ||
    !Number.isSafeInteger(viewOffset) ||
    !Number.isSafeInteger(viewSize) ||
    viewOffset < 0 ||
    viewSize < 0 ||
    viewOffset + viewSize > root.numel
  ) {
    throw new CheckpointError('corrupt', `a view of legacy storage ${rootKey} falls outside it`);
  }
  return makeStorageRef(rootKey, dtype, location, viewSize, viewOffset);
}

/** Walks the raw storage records after the key list: an 8-byte element count, then the elements. */
async function storageOffsets(
  file: RandomAccessFile,
  start: number,
  keys: readonly string[],
  storages: ReadonlyMap<string, LegacyStorage>,
): Promise<Map<string, number>> {
  const offsets = new Map<string, number>();
  let position = start;
  for (const key of keys) {
    const info = storages.get(key) as LegacyStorage;
    const header = await file.read(position, 8, `the size of legacy storage ${key}`);
    const count = header.readUInt32LE(0) + header.readUInt32LE(4) * 2 ** 32;
    if (count !== info.numel) {
      throw new CheckpointError(
        'corrupt',
        `legacy storage ${key} holds ${count} elements, but the data declares ${info.numel}`,
      );
    }
    offsets.set(key, position + 8);
    position += 8 + count * dtypeByteSize[info.dtype];
    if (position > file.size) {
      throw new CheckpointError('truncated', `legacy storage ${key} runs past the end of the file`);
    }
  }
  return offsets;
}
