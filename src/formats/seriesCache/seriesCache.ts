import { type BigIntStats } from 'node:fs';
import { realpath } from 'node:fs/promises';
import { homedir } from 'node:os';
import { openUntrustedFile } from '../../shared/untrustedFile';
import {
  StepSeries,
  StepSeriesFollower,
  stepSeriesParserVersion,
  type FollowerCheckpoint,
  type StepSeriesFollowerOptions,
} from '../stepSeries';
import {
  copyColumns,
  decodeSeriesEntry,
  encodeSeriesEntry,
  seriesEntryBytes,
  seriesCacheSupported,
  type SeriesCacheMeta,
} from './seriesCacheFile';
import {
  CacheFolder,
  prefixHash,
  readEntry,
  ticStudioCacheDir,
  type CacheFolderStats,
  type ReadEntry,
} from './logCacheFolder';

/** The bound on the cache folder's entries, all together: the least recently used go first. */
export const seriesCacheMaxBytes = 512 * 1024 * 1024;

/**
 * The series cache's folder, shared by the extension and the CLI: `$XDG_CACHE_HOME/tic-studio/series`, else
 * `~/.cache/tic-studio/series` (the XDG spec's place for data that can be made again).
 */
export function seriesCacheDir(
  env: Readonly<Record<string, string | undefined>> = process.env,
  home: string = homedir(),
): string {
  return ticStudioCacheDir('series', env, home);
}

/** What `open` found for a log. */
export type SeriesCacheOutcome =
  /** The entry covers the log as it is (same size and mtime): nothing left to parse, or only an unended line. */
  | 'hit'
  /** The log grew (or was touched) and still starts with the bytes the entry was parsed from: its tail is parsed. */
  | 'tail'
  /** No entry, another version's, or one of another file (replaced, truncated, rewritten): parsed from byte 0. */
  | 'miss'
  /** An entry that failed a check (SeriesCacheProblem): removed, and the log parsed from byte 0. */
  | 'corrupt';

export interface SeriesCacheStats extends CacheFolderStats {
  hits: number;
  tails: number;
  misses: number;
}

export interface SeriesCacheOptions {
  /** The folder of entries (created 0700, checked to be the user's own real folder). Default seriesCacheDir(). */
  readonly dir?: string;
  /** Default seriesCacheMaxBytes. */
  readonly maxBytes?: number;
}

/**
 * The parsed series of every out.log TiC Studio has read, kept between windows and shared with the CLI, so that a
 * window opening an unchanged workspace reads them instead of parsing hundreds of MB of logs, and a log that grew
 * is parsed from where the last read stopped.
 *
 * One entry per log (its real path's sha256 names the file; seriesCacheFile.ts is the format), keyed by the log's
 * identity: real path, device, inode, size, mtime and the parser version (stepSeriesParserVersion). `open` uses an
 * entry only if the log is the same file (device, inode), is not shorter than it was, and still has the same first
 * and last 4 KiB before the entry's end (a hash): then only the bytes after that end are parsed. Anything else
 * parses the log again. Entries are written atomically (a temp file and a rename: two windows writing the same
 * entry leave one of the two whole), never through a link, and the folder is kept under maxBytes by removing the
 * least recently used entries (a use touches its entry's mtime). A failure of the cache is never the caller's: the
 * log is parsed as if there were no cache (counted in `stats.errors`).
 */
export class SeriesCache extends CacheFolder<SeriesCacheStats> {
  constructor(options: SeriesCacheOptions = {}) {
    super({
      dir: options.dir ?? seriesCacheDir(),
      maxBytes: options.maxBytes ?? seriesCacheMaxBytes,
      suffix: '.series',
      stats: { hits: 0, tails: 0, misses: 0, corrupt: 0, writes: 0, evicted: 0, errors: 0 },
      supported: seriesCacheSupported,
    });
  }

  /**
   * A follower of `logPath` that starts where the entry stopped (or at byte 0): its first poll parses what the entry
   * does not cover. Never throws for the cache's sake.
   */
  async open(
    logPath: string,
    options: StepSeriesFollowerOptions = {},
  ): Promise<{ follower: StepSeriesFollower; outcome: SeriesCacheOutcome }> {
    const fresh = (outcome: SeriesCacheOutcome) => {
      if (outcome === 'miss') this.stats.misses++;
      return { follower: new StepSeriesFollower(logPath, options), outcome };
    };
    if (!(await this.ensureDir())) return fresh('miss');
    let real: string;
    try {
      real = await realpath(logPath);
    } catch {
      return fresh('miss');
    }
    const entryPath = this.entryPath(real);
    let read: ReadEntry | null;
    try {
      read = await readEntry(entryPath, this.maxBytes);
    } catch (error) {
      this.failed(error);
      return fresh('miss');
    }
    if (read === null) return fresh('miss');
    try {
      const decoded = decodeSeriesEntry(read.bytes, stepSeriesParserVersion);
      if (!decoded.ok) {
        // Another version's entry is not damaged, only useless: replaced at the next write, not counted as corrupt.
        if (decoded.problem === 'parserVersion' || decoded.problem === 'format') return fresh('miss');
        await this.discard(entryPath, decoded.problem, decoded.detail);
        return fresh('corrupt');
      }
      const { meta, state } = decoded;
      if (meta.path !== real) return fresh('miss');
      const checked = await checkLog(real, meta);
      if (checked === null) return fresh('miss');
      let series: StepSeries;
      try {
        series = StepSeries.fromState(state, options);
      } catch (error) {
        await this.discard(entryPath, 'values', error instanceof Error ? error.message : String(error));
        return fresh('corrupt');
      }
      const resume: FollowerCheckpoint = { state: series.state(), offset: meta.offset, inode: checked.inode };
      await read.touch();
      if (checked.same) this.stats.hits++;
      else this.stats.tails++;
      return {
        follower: new StepSeriesFollower(logPath, { ...options, resume }),
        outcome: checked.same ? 'hit' : 'tail',
      };
    } catch (error) {
      this.failed(error);
      return fresh('miss');
    } finally {
      await read.close();
    }
  }

  /**
   * Stores where the follower stands (after a poll). The columns are copied before the first await, so a poll may
   * run while the entry is written. False when nothing was written: no checkpoint, the log changed under it (it is
   * no longer the file, or is shorter than, what was parsed), the entry would not fit the bound, or a write failed.
   */
  async save(follower: StepSeriesFollower): Promise<boolean> {
    const checkpoint = follower.checkpoint();
    if (checkpoint === null || !seriesCacheSupported) return false;
    const state = checkpoint.state;
    if (seriesEntryBytes(state.columns.samples.length, 0) > this.maxBytes) return false;
    const columns = copyColumns(state);
    try {
      if (!(await this.ensureDir())) return false;
      const real = await realpath(follower.path);
      const handle = await openUntrustedFile(real);
      let meta: SeriesCacheMeta;
      try {
        const stat = await handle.stat({ bigint: true });
        if (Number(stat.ino) !== checkpoint.inode || Number(stat.size) < checkpoint.offset) return false;
        meta = {
          path: real,
          dev: stat.dev.toString(),
          ino: stat.ino.toString(),
          mtimeNs: stat.mtimeNs.toString(),
          size: Number(stat.size),
          offset: checkpoint.offset,
          prefixHash: await prefixHash(handle, checkpoint.offset),
          minSamplesSeen: Number.isFinite(state.minSamplesSeen) ? state.minSamplesSeen : null,
          replaced: state.replaced,
        };
      } finally {
        await handle.close();
      }
      await this.writeEntry(this.entryPath(real), encodeSeriesEntry(meta, columns, stepSeriesParserVersion));
    } catch (error) {
      this.failed(error);
      return false;
    }
    await this.evict();
    return true;
  }
}

/**
 * Whether the log at `real` still starts with the bytes the entry was parsed from: the same file (device, inode),
 * not shorter than it was, the same hash of its first and last bytes before the entry's end, and no byte-order mark
 * right at that end (a fresh parser would drop it where the first one read it as text). `same`: the size and mtime
 * are also unchanged. Null when the entry does not fit the log.
 */
async function checkLog(real: string, meta: SeriesCacheMeta): Promise<{ inode: number; same: boolean } | null> {
  const handle = await openUntrustedFile(real);
  try {
    const stat: BigIntStats = await handle.stat({ bigint: true });
    if (stat.dev.toString() !== meta.dev || stat.ino.toString() !== meta.ino) return null;
    if (Number(stat.size) < meta.size) return null;
    if ((await prefixHash(handle, meta.offset)) !== meta.prefixHash) return null;
    const bom = new Uint8Array(3);
    const { bytesRead } = await handle.read(bom, 0, 3, meta.offset);
    if (bytesRead === 3 && bom[0] === 0xef && bom[1] === 0xbb && bom[2] === 0xbf) return null;
    const same = Number(stat.size) === meta.size && stat.mtimeNs.toString() === meta.mtimeNs;
    return { inode: Number(stat.ino), same };
  } finally {
    await handle.close();
  }
}
