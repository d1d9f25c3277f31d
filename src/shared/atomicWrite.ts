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
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const handle = await open(
    temp,
    constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
    mode,
  );
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
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
