import type { BigIntStats } from 'node:fs';
import { realpath } from 'node:fs/promises';
import { homedir } from 'node:os';
import { openUntrustedFile } from '../../shared/untrustedFile';
import { parseLogFile } from '../logFile';
import { LogSummaryBuilder, type LogSummary } from '../logSummary';
import { stepSeriesParserVersion } from '../stepSeries';
import {
  CacheFolder,
  prefixHash,
  readEntry,
  ticStudioCacheDir,
  type CacheFolderStats,
  type LogIdentity,
  type ReadEntry,
} from './logCacheFolder';
import { decodeSummaryEntry, encodeSummaryEntry, logSummaryVersion, summaryEntryMaxBytes } from './summaryCacheFile';

/** The bound on the folder's entries, all together (a summary is a few KB: tens of thousands of logs). */
export const summaryCacheMaxBytes = 64 * 1024 * 1024;

/** `$XDG_CACHE_HOME/tic-studio/summaries`, else `~/.cache/tic-studio/summaries`, next to the series cache. */
export function summaryCacheDir(
  env: Readonly<Record<string, string | undefined>> = process.env,
  home: string = homedir(),
): string {
  return ticStudioCacheDir('summaries', env, home);
}

/** What `read` found for a log. */
export type SummaryCacheOutcome =
  /** The entry is of the log as it is (same file, size, mtime and first and last bytes): nothing parsed. */
  | 'hit'
  /** No entry, another version's, or one of another file or of the log before it changed: the log was parsed. */
  | 'miss'
  /** An entry that failed a check (SummaryCacheProblem): removed, and the log parsed. */
  | 'corrupt';

export interface SummaryCacheStats extends CacheFolderStats {
  hits: number;
  misses: number;
  /** Bytes of logs that went through the parser (0 for a hit). */
  bytesParsed: number;
}

export interface SummaryCacheOptions {
  /** The folder of entries (created 0700, checked to be the user's own real folder). Default summaryCacheDir(). */
  readonly dir?: string;
  /** Default summaryCacheMaxBytes. */
  readonly maxBytes?: number;
}

const versions = { parser: stepSeriesParserVersion, summary: logSummaryVersion };

/**
 * The LogSummary of every whole out.log the protocol guard has read, kept between windows and shared with the CLI,
 * so that a window (or `tic-studio protocol`) on an unchanged workspace reads a few KB per log instead of parsing
 * every log from its first byte (15 GB for 100 chains × 7 steps).
 *
 * One entry per log (summaryCacheFile.ts is the format) in its own folder next to the series cache, with the same
 * folder, naming, link-refusing reads, atomic writes and LRU bound (logCacheFolder.ts). An entry is used only when
 * the log is exactly the file it was made from: the same real path, device, inode, size and mtime, and the same
 * hash of its first and last 4 KiB. A log that changed in any way (grew, was rewritten, truncated, replaced) is
 * parsed again from its first byte: a summary is not resumable from the middle of a log (the parser's state
 * between lines, a `Params:` block or a traceback still open, is not in it), and a log that grows is the one
 * being trained, which the window's own memory (src/wire/protocolWire.ts) follows. A failure of the cache is never
 * the caller's: the log is parsed as if there were no cache (counted in `stats.errors`).
 */
export class SummaryCache extends CacheFolder<SummaryCacheStats> {
  private writtenSinceEvict = -1;

  constructor(options: SummaryCacheOptions = {}) {
    super({
      dir: options.dir ?? summaryCacheDir(),
      maxBytes: options.maxBytes ?? summaryCacheMaxBytes,
      suffix: '.summary',
      stats: { hits: 0, misses: 0, corrupt: 0, writes: 0, evicted: 0, errors: 0, bytesParsed: 0 },
    });
  }

  /**
   * The summary of the whole log at `logPath`: its entry's when the log has not changed, else a parse of the log
   * (whose summary is then stored). Throws what parseLogFile throws (the log is gone, not a regular file, the
   * signal aborted), never for the cache's sake.
   */
  async read(
    logPath: string,
    options: { signal?: AbortSignal } = {},
  ): Promise<{ summary: LogSummary; outcome: SummaryCacheOutcome }> {
    const found = await this.lookup(logPath);
    if ('summary' in found) {
      this.stats.hits++;
      return { summary: found.summary, outcome: 'hit' };
    }
    if (found.outcome === 'miss') this.stats.misses++;
    const summary = await this.parse(logPath, options.signal);
    return { summary, outcome: found.outcome };
  }

  private async lookup(
    logPath: string,
  ): Promise<{ summary: LogSummary } | { outcome: Exclude<SummaryCacheOutcome, 'hit'> }> {
    const miss = { outcome: 'miss' } as const;
    if (!(await this.ensureDir())) return miss;
    let real: string;
    try {
      real = await realpath(logPath);
    } catch {
      return miss;
    }
    const entryPath = this.entryPath(real);
    let read: ReadEntry | null;
    try {
      read = await readEntry(entryPath, summaryEntryMaxBytes);
    } catch (error) {
      this.failed(error);
      return miss;
    }
    if (read === null) return miss;
    try {
      const decoded = decodeSummaryEntry(read.bytes, versions);
      if (!decoded.ok) {
        // Another version's entry is not damaged, only useless: replaced at the next write, not counted as corrupt.
        if (decoded.problem === 'version' || decoded.problem === 'format') return miss;
        await this.discard(entryPath, decoded.problem, decoded.detail);
        return { outcome: 'corrupt' };
      }
      // Of another file, or of this log before it changed: the parse's write replaces it.
      if (decoded.log.path !== real || !(await sameLog(real, decoded.log))) return miss;
      await read.touch();
      return { summary: decoded.summary };
    } catch (error) {
      this.failed(error);
      return miss;
    } finally {
      await read.close();
    }
  }

  /** Parses the whole log and stores its summary when the log did not change while it was read. */
  private async parse(logPath: string, signal: AbortSignal | undefined): Promise<LogSummary> {
    const before = await logStat(logPath).catch(() => null);
    const builder = new LogSummaryBuilder();
    const parsed = await parseLogFile(logPath, builder.add, { signal });
    this.stats.bytesParsed += parsed.bytes;
    const summary = builder.result();
    if (before !== null) await this.save(logPath, before, parsed.end, summary);
    return summary;
  }

  private async save(logPath: string, before: BigIntStats, end: number, summary: LogSummary): Promise<void> {
    try {
      if (!(await this.ensureDir())) return;
      const real = await realpath(logPath);
      const handle = await openUntrustedFile(real);
      let log: LogIdentity;
      try {
        const stat = await handle.stat({ bigint: true });
        const same = (['dev', 'ino', 'size', 'mtimeNs'] as const).every((k) => stat[k] === before[k]);
        // Written to (or replaced) while it was parsed: the summary may be of neither version; the next read parses.
        if (!same || Number(stat.size) !== end) return;
        log = {
          path: real,
          dev: stat.dev.toString(),
          ino: stat.ino.toString(),
          mtimeNs: stat.mtimeNs.toString(),
          size: end,
          prefixHash: await prefixHash(handle, end),
        };
      } finally {
        await handle.close();
      }
      const bytes = encodeSummaryEntry(log, summary, versions);
      if (bytes === null || bytes.length > this.maxBytes) return;
      await this.writeEntry(this.entryPath(real), [bytes]);
      await this.keepBound(bytes.length);
    } catch (error) {
      this.failed(error);
    }
  }

  /**
   * The LRU pass lists the whole folder: it runs at this cache's first write and then after every eighth of the
   * bound written, not after each of the hundreds of small writes of a first window (the folder can exceed the
   * bound by that eighth, plus what other windows wrote, until then).
   */
  private async keepBound(written: number): Promise<void> {
    if (this.writtenSinceEvict >= 0 && this.writtenSinceEvict + written < this.maxBytes / 8) {
      this.writtenSinceEvict += written;
      return;
    }
    this.writtenSinceEvict = 0;
    await this.evict();
  }
}

async function logStat(path: string): Promise<BigIntStats> {
  const handle = await openUntrustedFile(path);
  try {
    return await handle.stat({ bigint: true });
  } finally {
    await handle.close();
  }
}

/** Whether the log at `real` is the file the entry was made from, unchanged (see SummaryCache). */
async function sameLog(real: string, log: LogIdentity): Promise<boolean> {
  const handle = await openUntrustedFile(real);
  try {
    const stat = await handle.stat({ bigint: true });
    if (stat.dev.toString() !== log.dev || stat.ino.toString() !== log.ino) return false;
    if (Number(stat.size) !== log.size || stat.mtimeNs.toString() !== log.mtimeNs) return false;
    return (await prefixHash(handle, log.size)) === log.prefixHash;
  } finally {
    await handle.close();
  }
}
