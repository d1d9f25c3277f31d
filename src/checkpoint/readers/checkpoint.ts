import { CheckpointError } from '../base/checkpointError';
import type { CheckpointWarning } from '../base/checkpointWarning';
import type { CheckpointLimits } from '../base/limits';
import type { PickleValue, StorageRef } from '../base/pickleValues';
import type { RandomAccessFile } from '../base/randomAccessFile';

export type CheckpointFormat = 'torch-zip' | 'torch-legacy' | 'safetensors';

export type ByteOrder = 'little' | 'big';

/** The bytes of one stored storage (all of it, before any legacy view offset). */
export interface StorageBytes {
  readonly byteLength: number;
  /** `length` bytes from `offset` bytes into the storage. */
  read(offset: number, length: number): Promise<Buffer>;
  /** The same bytes copied into the start of `target` (a reused buffer); `target` must hold `length` bytes. */
  readInto(offset: number, length: number, target: Uint8Array): Promise<void>;
}

/** Finds the bytes behind a storage; each format knows its own layout. */
export type StorageResolver = (storage: StorageRef) => Promise<StorageBytes>;

export interface CheckpointInit {
  readonly file: RandomAccessFile;
  readonly format: CheckpointFormat;
  readonly root: PickleValue;
  readonly warnings: readonly CheckpointWarning[];
  readonly byteOrder: ByteOrder;
  readonly limits: CheckpointLimits;
  readonly resolveStorage: StorageResolver;
  /** torch-zip: the archive's root folder (`archive`, `epoch_2`, `tmp`…, contracts §2.6). */
  readonly zipRoot?: string | null;
  readonly pickleProtocol?: number | null;
  readonly pickleGlobals?: readonly string[];
  /** torch-zip `version` entry, legacy protocol version. */
  readonly formatVersion?: string | null;
  /** safetensors `__metadata__`. */
  readonly metadata?: Readonly<Record<string, string>> | null;
}

/**
 * An open checkpoint: the decoded object tree plus a handle for reading tensor values on demand
 * (tensorData.ts). Close it when done; the tree stays usable, reads do not.
 */
export class Checkpoint {
  readonly path: string;
  readonly format: CheckpointFormat;
  readonly root: PickleValue;
  readonly warnings: readonly CheckpointWarning[];
  readonly byteOrder: ByteOrder;
  readonly limits: CheckpointLimits;
  readonly fileSize: number;
  readonly zipRoot: string | null;
  readonly pickleProtocol: number | null;
  readonly pickleGlobals: readonly string[];
  readonly formatVersion: string | null;
  readonly metadata: Readonly<Record<string, string>> | null;
  private readonly file: RandomAccessFile;
  private readonly resolveStorage: StorageResolver;
  private readonly storages = new Map<string, Promise<StorageBytes>>();

  constructor(init: CheckpointInit) {
    this.file = init.file;
    this.path = init.file.path;
    this.fileSize = init.file.size;
    this.format = init.format;
    this.root = init.root;
    this.warnings = init.warnings;
    this.byteOrder = init.byteOrder;
    this.limits = init.limits;
    this.resolveStorage = init.resolveStorage;
    this.zipRoot = init.zipRoot ?? null;
    this.pickleProtocol = init.pickleProtocol ?? null;
    this.pickleGlobals = init.pickleGlobals ?? [];
    this.formatVersion = init.formatVersion ?? null;
    this.metadata = init.metadata ?? null;
  }

  /** Bytes read from the file so far, by the open and by every tensor read since. */
  get bytesRead(): number {
    return this.file.bytesRead;
  }

  /** The bytes behind a storage, located once per storage key. */
  storageBytes(storage: StorageRef): Promise<StorageBytes> {
    let found = this.storages.get(storage.key);
    if (found === undefined) {
      found = this.resolveStorage(storage);
      this.storages.set(storage.key, found);
      // A failed lookup is not cached, so a later call reports the error again instead of a stale rejection.
      found.catch(() => this.storages.delete(storage.key));
    }
    return found;
  }

  close(): Promise<void> {
    return this.file.close();
  }
}

/** StorageBytes for a byte range of the file. */
export function fileStorageBytes(
  file: RandomAccessFile,
  fileOffset: number,
  byteLength: number,
  key: string,
): StorageBytes {
  return {
    byteLength,
    read(offset: number, length: number): Promise<Buffer> {
      if (offset < 0 || length < 0 || offset + length > byteLength) {
        return Promise.reject(outsideStorage(offset, length, key, byteLength));
      }
      return file.read(fileOffset + offset, length, `storage ${key}`);
    },
    readInto(offset: number, length: number, target: Uint8Array): Promise<void> {
      if (offset < 0 || length < 0 || offset + length > byteLength) {
        return Promise.reject(outsideStorage(offset, length, key, byteLength));
      }
      return file.readInto(fileOffset + offset, target, length, `storage ${key}`);
    },
  };
}

/** StorageBytes for content already in memory (an inflated zip entry). */
export function memoryStorageBytes(content: Buffer, key: string): StorageBytes {
  return {
    byteLength: content.length,
    read(offset: number, length: number): Promise<Buffer> {
      if (offset < 0 || length < 0 || offset + length > content.length) {
        return Promise.reject(outsideStorage(offset, length, key, content.length));
      }
      return Promise.resolve(content.subarray(offset, offset + length));
    },
    readInto(offset: number, length: number, target: Uint8Array): Promise<void> {
      if (offset < 0 || length < 0 || offset + length > content.length) {
        return Promise.reject(outsideStorage(offset, length, key, content.length));
      }
      if (length > target.byteLength) {
        return Promise.reject(new RangeError(`a read of ${length} bytes into a buffer of ${target.byteLength}`));
      }
      target.set(content.subarray(offset, offset + length));
      return Promise.resolve();
    },
  };
}

function outsideStorage(offset: number, length: number, key: string, byteLength: number): CheckpointError {
  return new CheckpointError(
    'corrupt',
    `a read of bytes ${offset}..${offset + length} falls outside storage ${key} (${byteLength} bytes)`,
  );
}
