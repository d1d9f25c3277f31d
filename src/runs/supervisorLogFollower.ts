import { stat } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { openUntrustedFile } from '../shared/untrustedFile';

export interface LogFollowerOptions {
  path: string;
  /** Byte offset to start from (0: the whole file). */
  fromOffset?: number;
  pollMs: number;
  /** New text as it arrives (UTF-8 decoded; a character split across reads is held back). */
  onChunk?: (text: string) => void;
  /** Each complete line, without its "\n" (and without a "\r" before it). */
  onLine?: (line: string) => void;
}

const maxReadBytes = 1 << 20;

/**
 * Follows a growing file by polling its size and reading the new bytes: works for a file written by a process
 * in another session, on any file system (no inotify on NFS), and survives the writer being restarted. A file
 * that shrinks (replaced or truncated) is read again from its start. Only a regular file is followed: a named
 * pipe or a device at the path (the record that names it is the workspace's) is opened non-blocking and left.
 */
export class LogFollower {
  private offset: number;
  private decoder = new StringDecoder('utf8');
  private partial = '';
  private timer: NodeJS.Timeout | undefined;
  private reading: Promise<void> | undefined;
  private disposed = false;

  constructor(private readonly options: LogFollowerOptions) {
    this.offset = options.fromOffset ?? 0;
  }

  /** Bytes read so far (the next read starts here). */
  get position(): number {
    return this.offset;
  }

  start(): this {
    if (this.timer === undefined && !this.disposed) {
      this.timer = setInterval(() => void this.drain(), this.options.pollMs);
      this.timer.unref();
      void this.drain();
    }
    return this;
  }

  /** Reads everything written so far; concurrent calls share one read. */
  drain(): Promise<void> {
    if (this.disposed) return Promise.resolve();
    this.reading ??= this.readNew().finally(() => {
      this.reading = undefined;
    });
    return this.reading;
  }

  /** Emits a last line that has no "\n" yet (at the end of a run). */
  flush(): void {
    const rest = this.decoder.end();
    if (rest !== '') this.emit(rest);
    if (this.partial !== '') {
      const line = this.partial.replace(/\r$/, '');
      this.partial = '';
      this.options.onLine?.(line);
    }
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async readNew(): Promise<void> {
    let size: number;
    try {
      size = (await stat(this.options.path)).size;
    } catch {
      return;
    }
    if (size < this.offset) {
      this.offset = 0;
      this.decoder = new StringDecoder('utf8');
      this.partial = '';
    }
    if (size === this.offset) return;
    const handle = await openUntrustedFile(this.options.path).catch(() => undefined);
    if (handle === undefined) return;
    try {
      while (this.offset < size && !this.disposed) {
        const length = Math.min(maxReadBytes, size - this.offset);
        const buffer = Buffer.alloc(length);
        const { bytesRead } = await handle.read(buffer, 0, length, this.offset);
        if (bytesRead === 0) break;
        this.offset += bytesRead;
        const text = this.decoder.write(buffer.subarray(0, bytesRead));
        if (text !== '') this.emit(text);
      }
    } finally {
      await handle.close();
    }
  }

  private emit(text: string): void {
    this.options.onChunk?.(text);
    if (this.options.onLine === undefined) return;
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) this.options.onLine(line.replace(/\r$/, ''));
  }
}
