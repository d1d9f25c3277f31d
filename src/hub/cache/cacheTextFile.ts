import { constants } from 'node:fs';
import { open } from 'node:fs/promises';

/** O_NOFOLLOW where the platform has it (not on Windows, where the cache holds no POSIX symlinks to plant). */
export const noFollow = constants.O_NOFOLLOW ?? 0;
const nonBlocking = constants.O_NONBLOCK ?? 0;

/**
 * A small file of the cache we read (`refs/<revision>`, `blobs/<hash>.lock`): opened without following a link
 * (O_NOFOLLOW) and without waiting on a pipe (O_NONBLOCK), read only when it is a regular file, and at most
 * `maxBytes`. Undefined when it is missing, a link, a pipe, a device or larger than that: a planted
 * `refs/main` → /dev/zero, or a FIFO named like a lock, can then neither hang a download nor fill memory.
 */
export async function readCacheTextFile(path: string, maxBytes = 4096): Promise<string | undefined> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | noFollow | nonBlocking);
  } catch {
    return undefined;
  }
  try {
    const info = await handle.stat();
    if (!info.isFile() || info.size > maxBytes) return undefined;
    const buffer = Buffer.alloc(maxBytes + 1);
    let filled = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
      if (filled > maxBytes) return undefined;
    }
    return buffer.subarray(0, filled).toString('utf8');
  } catch {
    return undefined;
  } finally {
    await handle.close().catch(() => undefined);
  }
}
