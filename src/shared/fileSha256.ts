import { createHash } from 'node:crypto';
import { openUntrustedFile } from './untrustedFile';

const chunkBytes = 4 * 1024 * 1024;

/**
 * The sha256 of a file, streamed (a 1.8 GB checkpoint never sits in memory); recorded as a run's parent. The
 * checkpoint comes from the workspace: it is opened non-blocking as a regular file only, so a named pipe or a
 * link to /dev/zero is an UntrustedFileError instead of a wait, or a hash that never ends.
 */
export async function fileSha256(path: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  const handle = await openUntrustedFile(path);
  try {
    const buffer = Buffer.allocUnsafe(chunkBytes);
    for (;;) {
      signal?.throwIfAborted();
      const { bytesRead } = await handle.read(buffer, 0, chunkBytes, null);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
    }
  } finally {
    await handle.close();
  }
  return hash.digest('hex');
}
