import { randomBytes } from 'node:crypto';
import { open, rename, lstat, unlink, link, type FileHandle } from 'node:fs/promises';
import { hostname as osHostname } from 'node:os';
import { readCacheTextFile } from './cacheTextFile';
import { HubError } from '../core/hubError';

/** The JSON inside `blobs/<hash>.lock`. `id` tells a holder's own lock from one that replaced it. */
export interface LockRecord {
  pid: number;
  host: string;
  startedAt: string;
  heartbeatAt: string;
  id: string;
}

export interface BlobLockOptions {
  /**
   * A lock whose heartbeat is older than this is stale and is broken. A lock whose heartbeat lies in the future
   * (a clock ahead of ours, or a planted file) is broken once this waiter has seen it unchanged for this long.
   * Default 60 s.
   */
  staleMs?: number;
  /** How often the holder refreshes its heartbeat (the JSON and the file's mtime). Default 5 s. */
  heartbeatMs?: number;
  /** How often a waiter tries again. Default 500 ms. */
  pollMs?: number;
  signal?: AbortSignal;
  now?: () => number;
  host?: string;
  pid?: number;
  /** Told, at each poll, who holds the lock (undefined when the file cannot be read). */
  onWait?: (holder: LockRecord | undefined) => void;
}

export interface BlobLock {
  readonly path: string;
  /** True once another process broke this lock (it judged the heartbeat stale): stop writing. */
  readonly lost: boolean;
  /** Called once when the loss is noticed (at a heartbeat). */
  onLost(listener: () => void): void;
  release(): Promise<void>;
}

export const defaultStaleLockMs = 60_000;

/**
 * One downloader per blob across processes and machines sharing a cache: an exclusive lock file created with
 * `open(path, 'wx')` (O_CREAT|O_EXCL, atomic on local disks and on NFSv3+, unlike flock which NFS clients may
 * fake). The holder rewrites its heartbeat every few seconds; a waiter polls and breaks the lock when the
 * heartbeat is older than `staleMs` or the holder's pid is dead on this host (a kill -9 leaves the file behind).
 * Timestamps alone cannot be trusted: a holder whose clock runs ahead, or a lock file planted with a heartbeat in
 * the year 2100, would never look old. So the waiter also times the lock itself on its own clock: a lock that
 * has not changed (content and mtime) for `staleMs` while it watched is stale too, whatever it claims; a live
 * holder rewrites its heartbeat every few seconds. The wait is thus bounded by `staleMs` after the first poll.
 * Breaking renames the file aside first and checks it was the stale one, so two waiters cannot both break it
 * and then delete each other's fresh lock.
 */
export async function acquireBlobLock(path: string, options: BlobLockOptions = {}): Promise<BlobLock> {
  const now = options.now ?? Date.now;
  const host = options.host ?? osHostname();
  const pid = options.pid ?? process.pid;
  const staleMs = options.staleMs ?? defaultStaleLockMs;
  const pollMs = options.pollMs ?? 500;
  // What this waiter last saw of the holder's file, and since when (its own clock) it has looked the same.
  let watched: { text: string; mtimeMs: number; since: number } | undefined;
  for (;;) {
    if (options.signal?.aborted)
      throw new HubError('cancelled', 'cancelled while waiting for another download of the same file.');
    const record: LockRecord = {
      pid,
      host,
      startedAt: iso(now()),
      heartbeatAt: iso(now()),
      id: randomBytes(8).toString('hex'),
    };
    let handle: FileHandle | undefined;
    try {
      handle = await open(path, 'wx');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw lockFileError(error, path);
    }
    if (handle) {
      try {
        await handle.write(JSON.stringify(record), 0);
      } catch (error) {
        await handle.close().catch(() => undefined);
        await unlink(path).catch(() => undefined);
        throw lockFileError(error, path);
      }
      return heldLock(path, handle, record, { heartbeatMs: options.heartbeatMs ?? 5_000, now });
    }
    const holder = await readLock(path);
    if (holder === 'gone') continue;
    options.onWait?.(holder.record);
    const at = now();
    if (!watched || watched.text !== holder.text || watched.mtimeMs !== holder.mtimeMs)
      watched = { text: holder.text, mtimeMs: holder.mtimeMs, since: at };
    if (isStale({ ...holder, unchangedForMs: at - watched.since }, { now: at, staleMs, host })) {
      await breakLock(path, holder);
      continue;
    }
    await sleep(pollMs, options.signal);
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function lockFileError(error: unknown, path: string): HubError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC') return new HubError('noSpace', `no space left to create ${path}.`, { cause: error });
  return new HubError('fileSystem', `cannot create the lock file ${path} (${code ?? String(error)}).`, {
    cause: error,
  });
}

interface SeenLock {
  record: LockRecord | undefined;
  mtimeMs: number;
  text: string;
}

/**
 * The lock as it stands: never read through a link or from a pipe, at most a few KB (readCacheTextFile). Something
 * that is not a small regular file (a planted FIFO or a link to /dev/zero) reads as no record, judged by the
 * lstat mtime and by how long it stays unchanged, and is broken like any stale lock.
 */
async function readLock(path: string): Promise<SeenLock | 'gone'> {
  let info;
  try {
    info = await lstat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    throw lockFileError(error, path);
  }
  const text = info.isFile() ? ((await readCacheTextFile(path)) ?? '') : '';
  return { record: parseRecord(text), mtimeMs: info.mtimeMs, text };
}

function parseRecord(text: string): LockRecord | undefined {
  try {
    const value = JSON.parse(text) as Partial<LockRecord>;
    if (
      typeof value.pid === 'number' &&
      typeof value.host === 'string' &&
      typeof value.heartbeatAt === 'string' &&
      typeof value.id === 'string'
    ) {
      return {
        pid: value.pid,
        host: value.host,
        startedAt: String(value.startedAt ?? ''),
        heartbeatAt: value.heartbeatAt,
        id: value.id,
      };
    }
  } catch {
    // A lock file caught between open() and write(), or written by something else: judged by its mtime alone.
  }
  return undefined;
}

/**
 * Stale: no heartbeat (JSON or mtime) for `staleMs`, or the holder's pid no longer exists on this host, or the
 * waiter has watched the file stay unchanged for `staleMs` (`unchangedForMs`, on the waiter's clock: this is what
 * ends the wait for a heartbeat that lies in the future).
 */
export function isStale(
  seen: { record: LockRecord | undefined; mtimeMs: number; unchangedForMs?: number },
  at: { now: number; staleMs: number; host: string },
): boolean {
  const beat = Math.max(seen.mtimeMs, seen.record ? Date.parse(seen.record.heartbeatAt) || 0 : 0);
  if (at.now - beat > at.staleMs) return true;
  if (seen.unchangedForMs !== undefined && seen.unchangedForMs > at.staleMs) return true;
  return seen.record !== undefined && seen.record.host === at.host && !pidAlive(seen.record.pid);
}

function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function breakLock(path: string, seen: SeenLock): Promise<void> {
  const aside = `${path}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await rename(path, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw lockFileError(error, path);
  }
  const moved = (await lstat(aside).catch(() => undefined))?.isFile() ? ((await readCacheTextFile(aside)) ?? '') : '';
  if (moved !== seen.text) {
    // Another waiter broke the stale lock first and a new holder created a fresh one, which we just moved:
    // put it back (link fails if yet another lock appeared meanwhile; that holder then notices the loss).
    await link(aside, path).catch(() => undefined);
  }
  await unlink(aside).catch(() => undefined);
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted)
      return reject(new HubError('cancelled', 'cancelled while waiting for another download of the same file.'));
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new HubError('cancelled', 'cancelled while waiting for another download of the same file.'));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function heldLock(
  path: string,
  handle: FileHandle,
  record: LockRecord,
  options: { heartbeatMs: number; now: () => number },
): BlobLock {
  let lost = false;
  let released = false;
  const listeners: (() => void)[] = [];
  let beating: Promise<void> = Promise.resolve();
  const beat = async (): Promise<void> => {
    const current = (await readCacheTextFile(path)) ?? '';
    if (parseRecord(current)?.id !== record.id) {
      lost = true;
      clearInterval(timer);
      for (const listener of listeners) listener();
      return;
    }
    // Same length every time (ISO timestamps are fixed width), so an in-place write never shows a half file.
    record.heartbeatAt = iso(options.now());
    await handle.write(JSON.stringify(record), 0).catch(() => undefined);
  };
  const timer = setInterval(() => {
    if (!released && !lost) beating = beating.then(beat);
  }, options.heartbeatMs);
  timer.unref();
  return {
    path,
    get lost() {
      return lost;
    },
    onLost(listener) {
      listeners.push(listener);
    },
    async release() {
      if (released) return;
      released = true;
      clearInterval(timer);
      await beating;
      await handle.close().catch(() => undefined);
      const current = (await readCacheTextFile(path)) ?? '';
      if (parseRecord(current)?.id === record.id) await unlink(path).catch(() => undefined);
    },
  };
}
