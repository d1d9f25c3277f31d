import { constants } from 'node:fs';
import { lstat, open, readlink, unlink, type FileHandle } from 'node:fs/promises';
import { noFollow } from './cacheTextFile';
import { HubError } from '../core/hubError';
import { untrustedText } from '../core/untrustedText';

export interface OpenedPartial {
  handle: FileHandle;
  /** Which file the handle is: the rename into `blobs/<hash>` checks it is still this one. */
  identity: { dev: number; ino: number };
  /** Set when what lay at the path was not ours to resume and was removed (the download starts from byte 0). */
  replaced: string | undefined;
}

const nonBlocking = constants.O_NONBLOCK ?? 0;

/**
 * Opens `blobs/<hash>.incomplete` for the resume, never through a link: O_NOFOLLOW (a symlink to a victim file
 * fails with ELOOP instead of being truncated or appended to), O_NONBLOCK (a FIFO does not hang the open), and
 * the open file must be a regular file with one name, owned by us (a hard link to someone's file, or another
 * user's partial file that could change under the hash, is not resumed). Anything else at that path is removed
 * (the entry itself: unlink never follows a link) and a fresh file is created with O_EXCL, so the victim of a
 * planted link is never touched. Removing what we cannot resume is what Python would do with a corrupt partial
 * file too: it costs a restart from byte 0, not data.
 */
export async function openPartialFile(path: string): Promise<OpenedPartial> {
  let problem: string | undefined;
  try {
    const handle = await open(path, constants.O_RDWR | noFollow | nonBlocking);
    const info = await handle.stat();
    problem = unfit(info);
    if (problem === undefined) return { handle, identity: { dev: info.dev, ino: info.ino }, replaced: undefined };
    await handle.close();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return create(path, undefined);
    const seen = await lstat(path).catch(() => undefined);
    // ELOOP (or EMLINK on some BSDs) is O_NOFOLLOW refusing a symlink; ENXIO a socket; other errors on a regular
    // file (EACCES: not ours to write) are not ours to fix either.
    if (!seen || seen.isFile()) {
      if (seen && code === 'EACCES') problem = 'a file this user may not write';
      else throw error;
    } else if (seen.isSymbolicLink()) {
      problem = `a symbolic link (to ${untrustedText(await readlink(path).catch(() => '?'))})`;
    } else {
      problem = 'not a regular file (a pipe, socket or device)';
    }
  }
  try {
    await unlink(path);
  } catch (error) {
    throw new HubError(
      'unsafeCache',
      `${path} is ${problem}, so the download cannot resume from it, and it cannot be removed (${(error as NodeJS.ErrnoException).code ?? String(error)}); remove it yourself and run the download again.`,
      { cause: error },
    );
  }
  return create(path, problem);
}

function unfit(info: { isFile(): boolean; uid: number; nlink: number }): string | undefined {
  if (!info.isFile()) return 'not a regular file (a pipe, socket or device)';
  const uid = process.getuid?.();
  if (uid !== undefined && info.uid !== uid) return `owned by another user (uid ${info.uid})`;
  if (info.nlink !== 1) return `a file with ${info.nlink} names (a hard link to another file)`;
  return undefined;
}

async function create(path: string, problem: string | undefined): Promise<OpenedPartial> {
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_RDWR | constants.O_CREAT | constants.O_EXCL | noFollow | nonBlocking, 0o644);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    throw new HubError(
      'unsafeCache',
      `${path} reappeared while the download was replacing it; something else is writing into the cache. Run the download again.`,
      { cause: error },
    );
  }
  const info = await handle.stat();
  return {
    handle,
    identity: { dev: info.dev, ino: info.ino },
    replaced:
      problem === undefined
        ? undefined
        : `${path} was ${problem}; it was removed (nothing was written through it) and the download started from byte 0.`,
  };
}
