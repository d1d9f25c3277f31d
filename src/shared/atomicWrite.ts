import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';

/**
 * Writes `path` atomically: a temp file in the same folder, fsync, then rename over the target, so a reader sees
 * the old file or the new one, never half of one. The temp file is created new (O_EXCL, O_NOFOLLOW): a link
 * planted under its name is never written through; the rename replaces a link at `path` itself rather than
 * following it. `mode` 0600 by default (records, claims); a file others read (the HF cache's refs) passes 0644.
 */
export async function writeTextAtomic(path: string, text: string, mode = 0o600): Promise<void> {
  await writeAtomic(path, [text], { mode, sync: true });
}

export interface WriteBytesOptions {
  /** Default 0600. */
  readonly mode?: number;
  /**
   * fsync before the rename (default true). A cache that checks its own checksum on read may skip it: after a crash
   * the file is the old one, the new one, or one whose checksum fails, never one that is trusted half-written.
   */
  readonly sync?: boolean;
}

/** Writes the chunks, one after the other, to `path` atomically (see writeTextAtomic). */
export async function writeBytesAtomic(
  path: string,
  chunks: readonly Uint8Array[],
  options: WriteBytesOptions = {},
): Promise<void> {
  await writeAtomic(path, chunks, { mode: options.mode ?? 0o600, sync: options.sync ?? true });
}

async function writeAtomic(
  path: string,
  chunks: readonly (string | Uint8Array)[],
  options: { mode: number; sync: boolean },
): Promise<void> {
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const handle = await open(
    temp,
    constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
    options.mode,
  );
  try {
    // Consecutive writeFile calls on one handle write one after the other from its position.
    for (const chunk of chunks) await handle.writeFile(chunk);
    if (options.sync) await handle.sync();
  } catch (e) {
    await handle.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    throw e;
  }
  await handle.close();
  try {
    await rename(temp, path);
  } catch (e) {
    await unlink(temp).catch(() => undefined);
    throw e;
  }
}

/** Writes JSON to `path` atomically (see writeTextAtomic). */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeTextAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}
