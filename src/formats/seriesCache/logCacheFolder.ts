import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, open, readdir, unlink, type FileHandle } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { writeBytesAtomic } from '../../shared/atomicWrite';
import { ensureUserStateDir } from '../../shared/userStateDir';

/**
 * A per-user folder of cache entries, one per out.log, shared by the extension and the CLI: what the series cache
 * (seriesCache.ts) and the log summary cache (summaryCache.ts) have in common. The folder (0700, the user's own real
 * folder), the entry's name (its log's real path's sha256), reading an entry without following a link, writing one
 * atomically, the LRU bound, and the hash that says a log still starts with the bytes an entry was made from.
 */

/** `$XDG_CACHE_HOME/tic-studio/<kind>`, else `~/.cache/tic-studio/<kind>` (the XDG spec's place for data made again). */
export function ticStudioCacheDir(
  kind: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
  home: string = homedir(),
): string {
  const xdg = env.XDG_CACHE_HOME;
  const base = xdg !== undefined && xdg !== '' && isAbsolute(xdg) ? xdg : join(home, '.cache');
  return join(base, 'tic-studio', kind);
}

/** The counters every cache of logs keeps (each adds its own outcomes). */
export interface CacheFolderStats {
  /** Entries removed because they failed a check. */
  corrupt: number;
  writes: number;
  /** Entries removed to keep the bound. */
  evicted: number;
  /** Reads or writes of the cache that failed (the log was parsed as if there were no cache). */
  errors: number;
}

export interface CacheFolderOptions<S extends CacheFolderStats> {
  readonly dir: string;
  /** The bound on the folder's entries, all together. */
  readonly maxBytes: number;
  /** The entries' file name ending: `.series`, `.summary`. */
  readonly suffix: string;
  readonly stats: S;
  /** False turns the cache off (the folder is never made). */
  readonly supported?: boolean;
}

/** A temp file of a write that never finished (a killed window) is removed after this long. */
const staleTempMs = 60 * 60 * 1000;

/** One read entry: its bytes (a fresh, 8-aligned buffer), `touch` marks it used (LRU), `close` is idempotent. */
export interface ReadEntry {
  readonly bytes: Uint8Array;
  touch(): Promise<void>;
  close(): Promise<void>;
}

export class CacheFolder<S extends CacheFolderStats> {
  readonly dir: string;
  readonly maxBytes: number;
  readonly stats: S;
  /** The last failure behind stats.errors or stats.corrupt, for a log line. */
  lastProblem: string | null = null;
  private readonly suffix: string;
  private readonly supported: boolean;
  private ready: Promise<boolean> | null = null;
  private evicting: Promise<void> | null = null;
  private evictAgain = false;

  constructor(options: CacheFolderOptions<S>) {
    this.dir = options.dir;
    this.maxBytes = options.maxBytes;
    this.suffix = options.suffix;
    this.stats = options.stats;
    this.supported = options.supported ?? true;
  }

  /** The entry file of a log (by its real path). */
  entryPath(realLogPath: string): string {
    return join(this.dir, createHash('sha256').update(realLogPath).digest('hex').slice(0, 40) + this.suffix);
  }

  /**
   * Keeps the entries under maxBytes: the least recently used (oldest mtime) are removed first; also removes temp
   * files of writes that never finished and anything in the folder that is not a regular file of ours. One pass at
   * a time; a call during a pass runs another after it.
   */
  async evict(): Promise<void> {
    if (this.evicting) {
      this.evictAgain = true;
      return this.evicting;
    }
    this.evicting = (async () => {
      do {
        this.evictAgain = false;
        await this.evictOnce().catch((error: unknown) => this.failed(error));
      } while (this.evictAgain);
    })();
    try {
      await this.evicting;
    } finally {
      this.evicting = null;
    }
  }

  private async evictOnce(): Promise<void> {
    const entries: { path: string; size: number; used: number }[] = [];
    const now = Date.now();
    for (const name of await readdir(this.dir)) {
      const path = join(this.dir, name);
      const info = await lstat(path).catch(() => null);
      if (info === null) continue;
      if (name.endsWith('.tmp')) {
        if (info.isFile() && now - info.mtimeMs > staleTempMs) await unlink(path).catch(() => undefined);
        continue;
      }
      if (!name.endsWith(this.suffix)) continue;
      // A link or anything else under an entry's name was not written by us: it goes (unlink removes the link).
      if (!info.isFile()) {
        await unlink(path).catch(() => undefined);
        continue;
      }
      entries.push({ path, size: info.size, used: info.mtimeMs });
    }
    let total = entries.reduce((n, e) => n + e.size, 0);
    if (total <= this.maxBytes) return;
    entries.sort((a, b) => a.used - b.used);
    for (const entry of entries) {
      if (total <= this.maxBytes) break;
      await unlink(entry.path).catch(() => undefined);
      total -= entry.size;
      this.stats.evicted++;
    }
  }

  /** Whether the folder is there (made 0700 with its parents when missing) and is a real folder of this user's. */
  protected ensureDir(): Promise<boolean> {
    this.ready ??= (async () => {
      if (!this.supported) return false;
      try {
        await ensureUserStateDir(this.dir);
        return true;
      } catch (error) {
        this.failed(error);
        return false;
      }
    })();
    return this.ready;
  }

  /** Writes an entry atomically (never through a link: see writeBytesAtomic), then keeps the bound. */
  protected async writeEntry(entryPath: string, chunks: readonly Uint8Array[]): Promise<void> {
    // No fsync: after a crash the entry is the old one, the new one, or one whose checksum fails.
    await writeBytesAtomic(entryPath, chunks, { sync: false });
    this.stats.writes++;
  }

  /** Removes an entry that failed a check. */
  protected async discard(entryPath: string, problem: string, detail: string): Promise<void> {
    this.stats.corrupt++;
    this.lastProblem = `${entryPath}: ${problem}: ${detail}`;
    await unlink(entryPath).catch(() => undefined);
  }

  protected failed(error: unknown): void {
    this.stats.errors++;
    this.lastProblem = error instanceof Error ? error.message : String(error);
  }
}

/**
 * Reads an entry whole into a fresh (8-aligned) buffer: opened without following a link and without blocking,
 * a regular file of at most maxBytes. Null when there is none (or a link is planted under its name: it is never
 * read, and the next write replaces it).
 */
export async function readEntry(path: string, maxBytes: number): Promise<ReadEntry | null> {
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ELOOP') return null;
    throw error;
  }
  const close = () => handle.close().catch(() => undefined);
  try {
    const info = await handle.stat();
    if (!info.isFile() || info.size > maxBytes) {
      await close();
      return null;
    }
    const bytes = new Uint8Array(info.size);
    const filled = await readFully(handle, bytes, 0);
    const now = new Date();
    return {
      // A file cut short while it was read fails the length check.
      bytes: bytes.subarray(0, filled),
      touch: () => handle.utimes(now, now).catch(() => undefined),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Bytes hashed at each end of the parsed prefix (see prefixWindows). */
export const prefixWindowBytes = 4096;

/**
 * The byte ranges of a log whose hash stands for its first `offset` bytes: the first and the last 4 KiB before
 * `offset` (one range when they overlap). A log that grew keeps both; a log rewritten or truncated and written
 * again starts with other timestamps, and its bytes before the old end differ.
 */
export function prefixWindows(offset: number): { start: number; end: number }[] {
  if (offset <= 2 * prefixWindowBytes) return [{ start: 0, end: offset }];
  return [
    { start: 0, end: prefixWindowBytes },
    { start: offset - prefixWindowBytes, end: offset },
  ];
}

/** sha256 (hex) of the log's bytes in prefixWindows(offset), and of `offset` itself. */
export async function prefixHash(handle: FileHandle, offset: number): Promise<string> {
  const hash = createHash('sha256').update(`${offset}\n`);
  for (const { start, end } of prefixWindows(offset)) {
    const bytes = new Uint8Array(end - start);
    hash.update(bytes.subarray(0, await readFully(handle, bytes, start)));
  }
  return hash.digest('hex');
}

async function readFully(handle: FileHandle, bytes: Uint8Array, position: number): Promise<number> {
  let filled = 0;
  while (filled < bytes.length) {
    const { bytesRead } = await handle.read(bytes, filled, bytes.length - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return filled;
}

/** The identity of a log an entry was made from, as both caches store it (every value checked on read). */
export interface LogIdentity {
  /** The log's real path (links resolved). */
  readonly path: string;
  /** st_dev, st_ino, st_mtime in ns, as decimal strings (64-bit values). */
  readonly dev: string;
  readonly ino: string;
  readonly mtimeNs: string;
  /** The log's size when the entry was written. */
  readonly size: number;
  /** sha256 (hex) of the log's first and last bytes before the end of what was parsed: see prefixWindows. */
  readonly prefixHash: string;
}

export const logIdentityKeys = ['path', 'dev', 'ino', 'mtimeNs', 'size', 'prefixHash'] as const;

/** Whether `m` holds a well-formed LogIdentity (its other keys are the caller's to check). */
export function isLogIdentity(m: Readonly<Record<string, unknown>>): boolean {
  const decimal = (v: unknown) => typeof v === 'string' && /^[0-9]{1,20}$/.test(v);
  return (
    typeof m.path === 'string' &&
    m.path.length > 0 &&
    m.path.length <= 4096 &&
    decimal(m.dev) &&
    decimal(m.ino) &&
    decimal(m.mtimeNs) &&
    typeof m.size === 'number' &&
    Number.isSafeInteger(m.size) &&
    m.size >= 0 &&
    typeof m.prefixHash === 'string' &&
    /^[0-9a-f]{64}$/.test(m.prefixHash)
  );
}
