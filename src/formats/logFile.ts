import { openUntrustedFile } from '../shared/untrustedFile';
import type { LogEvent } from './logEvents';
import { LogParser, type LogParserOptions } from './logParser';

export interface ParseLogFileOptions extends LogParserOptions {
  /** Byte offset to start at. When > 0, the text up to the first newline is skipped (it is the end of a line). */
  readonly start?: number;
  /** Byte offset to stop before (default: the file's size); the line it cuts is parsed as a last line. */
  readonly end?: number;
  /** Bytes per read; default 1 MiB. */
  readonly chunkSize?: number;
  readonly signal?: AbortSignal;
}

export interface ParseLogFileResult {
  /** Bytes read, from `start`. */
  readonly bytes: number;
  readonly lines: number;
  /** Where the next incremental read should start (the file size seen). */
  readonly end: number;
}

/**
 * Streams a log file through the parser in fixed-size reads: constant memory whatever the file size (contracts
 * §2.1–2.3). With `start`, only the tail is read (a run's status needs only the end of a GB-sized log; a follower
 * re-reads from the last `end`). Line numbers then count from the first whole line read. A log is the workspace's
 * file: a named pipe or a device is refused (UntrustedFileError) instead of waited on or read forever.
 */
export async function parseLogFile(
  path: string,
  onEvent: (event: LogEvent) => void,
  options: ParseLogFileOptions = {},
): Promise<ParseLogFileResult> {
  const handle = await openUntrustedFile(path);
  try {
    const size = Math.min((await handle.stat()).size, options.end ?? Infinity);
    let position = Math.max(0, Math.min(options.start ?? 0, size));
    // No bigger than what is left to read (a status check reads a few hundred KB of many logs at once).
    const chunkSize = Math.max(1, Math.min(options.chunkSize ?? 1024 * 1024, size - position + 1));
    const buffer = Buffer.allocUnsafe(chunkSize);
    const first = position;
    // Starting mid-file: skip to the next line start, unless `start` already is one (the byte before is a newline).
    let skipPartial = false;
    if (position > 0) {
      const { bytesRead } = await handle.read(buffer, 0, 1, position - 1);
      skipPartial = bytesRead === 1 && buffer[0] !== 10;
    }
    const parser = new LogParser(onEvent, options);
    while (position < size) {
      options.signal?.throwIfAborted();
      const { bytesRead } = await handle.read(buffer, 0, Math.min(chunkSize, size - position), position);
      if (bytesRead === 0) break;
      position += bytesRead;
      let chunk = buffer.subarray(0, bytesRead);
      if (skipPartial) {
        const nl = chunk.indexOf(10);
        if (nl === -1) continue;
        chunk = chunk.subarray(nl + 1);
        skipPartial = false;
      }
      parser.write(chunk);
    }
    parser.end();
    return { bytes: position - first, lines: parser.lines, end: position };
  } finally {
    await handle.close();
  }
}
