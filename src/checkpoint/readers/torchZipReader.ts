import { Checkpoint, fileStorageBytes, memoryStorageBytes, type ByteOrder, type StorageBytes } from './checkpoint';
import { CheckpointError } from '../base/checkpointError';
import { checkpointWarning, type CheckpointWarning } from '../base/checkpointWarning';
import { dtypeByteSize, dtypeOfStorageClass, type TorchDtype } from '../base/dtypes';
import type { CheckpointLimits } from '../base/limits';
import { unpickle } from '../pickle/pickleMachine';
import { isPickleObject, type PickleValue, type StorageRef } from '../base/pickleValues';
import type { RandomAccessFile } from '../base/randomAccessFile';
import { makeStorageRef } from '../base/tensorRef';
import { createTorchHooks } from '../pickle/torchGlobals';
import { entryDataOffset, readZipDirectory, readZipEntry, type ZipDirectory } from './zipReader';

/** Small text entries (`version`, `byteorder`) are a few bytes; refuse anything bigger than this. */
const maxSmallEntryBytes = 1024;

/**
 * Opens the torch ≥ 1.6 zip format (contracts §2.6): `{root}/data.pkl` holds the object tree, each storage
 * is the raw entry `{root}/data/{key}`. The root folder is whatever the entries say (`archive`, `epoch_2`,
 * `tmp`): it is the file stem at save time, so it is read from the data.pkl entry, never assumed.
 */
export async function readTorchZip(file: RandomAccessFile, limits: CheckpointLimits): Promise<Checkpoint> {
  const warnings: CheckpointWarning[] = [];
  const warn = (warning: CheckpointWarning): void => {
    warnings.push(warning);
  };
  const directory = await readZipDirectory(file, limits, warn);
  const pickleEntry = directory.entries.find((entry) => /^([^/]+\/)?data\.pkl$/.test(entry.name));
  if (pickleEntry === undefined) {
    throw new CheckpointError('notACheckpoint', 'a zip archive without a data.pkl entry is not a torch checkpoint');
  }
  const prefix = pickleEntry.name.slice(0, -'data.pkl'.length);
  if (
    directory.byName.has(`${prefix}constants.pkl`) ||
    directory.entries.some((e) => e.name.startsWith(`${prefix}code/`))
  ) {
    warn(checkpointWarning('partiallyUnderstood', 'this is a TorchScript archive; only its data.pkl is read'));
  }

  // Three independent reads, issued together (on a cold disk each costs a seek); errors still surface in this order.
  const [versionRead, byteOrderRead, pickleRead] = await Promise.allSettled([
    readSmallText(file, directory, `${prefix}version`),
    readSmallText(file, directory, `${prefix}byteorder`),
    readZipEntry(file, directory, pickleEntry, limits.maxPickleBytes, { verifyCrc: true }),
  ]);
  const formatVersion = settled(versionRead);
  const byteOrderText = settled(byteOrderRead);
  let byteOrder: ByteOrder = 'little';
  if (byteOrderText !== null) {
    const trimmed = byteOrderText.trim();
    if (trimmed !== 'little' && trimmed !== 'big') {
      throw new CheckpointError('corrupt', `the byteorder entry says ${JSON.stringify(trimmed.slice(0, 20))}`);
    }
    byteOrder = trimmed;
  }

  const pickle = settled(pickleRead);
  const storages = new Map<string, StorageRef>();
  const hooks = createTorchHooks({
    limits,
    warn,
    persistentLoad: (pid) => zipPersistentLoad(pid, directory, prefix, storages),
  });
  const result = unpickle(pickle, 0, hooks, limits);

  return new Checkpoint({
    file,
    format: 'torch-zip',
    root: result.value,
    warnings,
    byteOrder,
    limits,
    zipRoot: prefix === '' ? '' : prefix.slice(0, -1),
    pickleProtocol: result.protocol,
    pickleGlobals: [...hooks.globalsSeen],
    formatVersion: formatVersion?.trim() ?? null,
    resolveStorage: (storage) => resolveZipStorage(file, directory, prefix, storage, limits),
  });
}

function settled<T>(result: PromiseSettledResult<T>): T {
  if (result.status === 'rejected') {
    throw result.reason;
  }
  return result.value;
}

async function readSmallText(file: RandomAccessFile, directory: ZipDirectory, name: string): Promise<string | null> {
  const entry = directory.byName.get(name);
  if (entry === undefined) {
    return null;
  }
  const content = await readZipEntry(file, directory, entry, maxSmallEntryBytes, { verifyCrc: true });
  return content.toString('latin1');
}

/**
 * torch's persistent_load for the zip format: `('storage', storage_type, key, location, numel)`. The storage
 * entry must exist and be large enough now, as torch.load would fail on it too.
 */
function zipPersistentLoad(
  pid: PickleValue,
  directory: ZipDirectory,
  prefix: string,
  storages: Map<string, StorageRef>,
): StorageRef {
  if (!isPickleObject(pid) || pid.kind !== 'tuple' || pid.items.length < 5 || pid.items[0] !== 'storage') {
    throw new CheckpointError('corrupt', 'data.pkl has a persistent id that is not a storage');
  }
  // Indexed, not destructured (no iterator per storage in a fresh CLI process, issue 16).
  const items = pid.items;
  const storageType = items[1];
  const rawKey = items[2];
  const location = items[3];
  const numel = items[4];
  const dtype = storageDtype(storageType ?? null);
  const key = typeof rawKey === 'number' ? String(rawKey) : rawKey;
  if (typeof key !== 'string' || typeof location !== 'string') {
    throw new CheckpointError('corrupt', 'a storage id without a string key and location');
  }
  const cached = storages.get(key);
  if (cached !== undefined && cached.dtype === dtype && cached.numel === numel) {
    return cached;
  }
  const storage = makeStorageRef(key, dtype, location, numel ?? null);
  const entry = directory.byName.get(`${prefix}data/${key}`);
  if (entry === undefined) {
    throw new CheckpointError('corrupt', `storage ${key} has no zip entry ${prefix}data/${key}`);
  }
  const needed = storage.numel * dtypeByteSize[dtype];
  if (needed > entry.uncompressedSize) {
    throw new CheckpointError(
      'corrupt',
      `storage ${key} declares ${needed} bytes but its zip entry has ${entry.uncompressedSize}`,
    );
  }
  storages.set(key, storage);
  return storage;
}

/** The dtype of a persistent id's storage type: a storage class global or (newer torch) a dtype. */
export function storageDtype(storageType: PickleValue): TorchDtype {
  if (isPickleObject(storageType)) {
    if (storageType.kind === 'dtype') {
      return storageType.dtype;
    }
    if (storageType.kind === 'global') {
      const dtype = dtypeOfStorageClass(storageType.module, storageType.name);
      if (dtype !== undefined) {
        return dtype;
      }
      throw new CheckpointError('corrupt', `${storageType.global} is not a storage type`);
    }
  }
  throw new CheckpointError('corrupt', 'a storage id whose type is not a storage class');
}

async function resolveZipStorage(
  file: RandomAccessFile,
  directory: ZipDirectory,
  prefix: string,
  storage: StorageRef,
  limits: CheckpointLimits,
): Promise<StorageBytes> {
  const entry = directory.byName.get(`${prefix}data/${storage.key}`);
  if (entry === undefined) {
    throw new CheckpointError('corrupt', `storage ${storage.key} has no zip entry`);
  }
  if ((entry.flags & 0x1) !== 0) {
    throw new CheckpointError('unsupported', `storage ${storage.key} is encrypted`);
  }
  if (entry.method === 0) {
    return fileStorageBytes(file, await entryDataOffset(file, directory, entry), entry.uncompressedSize, storage.key);
  }
  if (entry.method === 8 && entry.uncompressedSize <= limits.maxInflateBytes) {
    // torch never compresses storages; a re-zipped checkpoint might. Small ones are worth inflating.
    const content = await readZipEntry(file, directory, entry, limits.maxInflateBytes, { verifyCrc: false });
    return memoryStorageBytes(content, storage.key);
  }
  throw new CheckpointError(
    'unsupported',
    `storage ${storage.key} is compressed (method ${entry.method}, ${entry.uncompressedSize} bytes); only stored or small deflated entries can be read`,
  );
}
