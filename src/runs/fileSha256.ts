import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** The sha256 of a file, streamed (a 1.8 GB checkpoint never sits in memory); recorded as a run's parent. */
export async function fileSha256(path: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 4 * 1024 * 1024, signal }))
    hash.update(chunk as Buffer);
  return hash.digest('hex');
}
