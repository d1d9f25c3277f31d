import { constants } from 'node:fs';
import { lstat, open, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { BlobHasher } from './blobHasher';
import { noFollow } from './cacheTextFile';
import type { BlobHashKind } from '../http/fileMetadata';
import type { RepoCachePaths } from '../core/hubCachePaths';

/** What a file should be: the blob name (its sha256 or git sha1) and its size. */
export interface ExpectedBlob {
  hash: string;
  hashKind: BlobHashKind;
  size: number;
}

/**
 * Whether `blobs/<hash>` is there and can be linked: a regular file (not a link, not a pipe) of the expected
 * size. Its name is the hash, so the name is right by construction; its bytes are trusted as Python trusts them
 * (a cache hit is not re-hashed).
 */
export async function blobIsPresent(paths: RepoCachePaths, expected: ExpectedBlob): Promise<boolean> {
  const info = await lstat(paths.blob(expected.hash)).catch(() => undefined);
  return info !== undefined && info.isFile() && info.size === expected.size;
}

/**
 * Whether `snapshots/<commit>/<path>` already gives this file ("already in the cache"):
 * - 'link': a symlink that resolves (realpath) to exactly `blobs/<hash>` of this repo, and that blob is present;
 *   a link to another blob, to a file outside the cache, or through a linked folder is not a hit.
 * - 'copy': a regular file (made where symlinks are impossible) of the expected size whose bytes hash to the
 *   expected name: nothing else vouches for a copy.
 * undefined otherwise (the pointer is then replaced after the download).
 */
export async function cachedPointer(
  paths: RepoCachePaths,
  pointer: string,
  expected: ExpectedBlob,
): Promise<'link' | 'copy' | undefined> {
  const info = await lstat(pointer).catch(() => undefined);
  if (!info) return undefined;
  if (info.isSymbolicLink()) {
    const [resolved, blobs] = await Promise.all([
      realpath(pointer).catch(() => undefined),
      realpath(paths.blobsDir).catch(() => undefined),
    ]);
    if (!resolved || !blobs || resolved !== join(blobs, expected.hash)) return undefined;
    return (await blobIsPresent(paths, expected)) ? 'link' : undefined;
  }
  if (!info.isFile() || info.size !== expected.size) return undefined;
  return (await hashesTo(pointer, expected)) ? 'copy' : undefined;
}

async function hashesTo(path: string, expected: ExpectedBlob): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | noFollow | (constants.O_NONBLOCK ?? 0));
  } catch {
    return false;
  }
  try {
    const info = await handle.stat();
    if (!info.isFile() || info.size !== expected.size) return false;
    const hasher = new BlobHasher(expected.hashKind, expected.size);
    const buffer = Buffer.allocUnsafe(Math.min(4 << 20, Math.max(1, expected.size)));
    let done = 0;
    while (done < expected.size) {
      const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, expected.size - done), done);
      if (bytesRead === 0) return false;
      hasher.update(buffer.subarray(0, bytesRead));
      done += bytesRead;
    }
    return hasher.hex() === expected.hash;
  } catch {
    return false;
  } finally {
    await handle.close().catch(() => undefined);
  }
}
