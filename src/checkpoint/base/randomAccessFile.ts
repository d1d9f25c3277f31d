import { closeSync, fstatSync, readSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { openUntrustedFile, openUntrustedFileSync, UntrustedFileError } from '../../shared/untrustedFile';
import { CheckpointError } from './checkpointError';

/**
 * Reads byte ranges of a file by position, never the whole file: an inspect of a 1.8 GB training checkpoint
 * touches only the zip directory and data.pkl (contracts §2.6), and the count of bytes read is kept so a report
 * can show (and a test can check) that it stayed small.
 */
export interface RandomAccessOptions {
  /**
   * Open and read with synchronous calls (a file descriptor) instead of a FileHandle. For a process that has
   * nothing else to do while it reads, the CLI: each read then costs no trip through libuv's thread pool and back
   * through the event loop, which on a machine busy with other jobs can take longer than the read itself. The
   * extension host never sets it (a slow disk would stall every other extension). The same checks either way.
   */
  readonly synchronous?: boolean;
}

export class RandomAccessFile {
  private totalRead = 0;
  private closed = false;

  private constructor(
    readonly path: string,
    /** A FileHandle, or the descriptor of a file opened with `synchronous`. */
    private readonly handle: FileHandle | number,
    readonly size: number,
  ) {}

  /**
   * Opened non-blocking and only as a regular file: a named pipe called `x.pt` (which a plain open would wait on
   * forever) or a link to a device is a `notACheckpoint` error. A missing or unreadable file throws the system
   * error (ENOENT, EACCES), which callers name themselves.
   */
  static async open(path: string, options: RandomAccessOptions = {}): Promise<RandomAccessFile> {
    if (options.synchronous === true) return RandomAccessFile.openSync(path);
    let handle: FileHandle;
    try {
      handle = await openUntrustedFile(path);
    } catch (error) {
      if (UntrustedFileError.is(error, 'notRegular')) throw new CheckpointError('notACheckpoint', error.message);
      throw UntrustedFileError.is(error) && error.cause !== undefined ? error.cause : error;
    }
    try {
      const stat = await handle.stat();
      return new RandomAccessFile(path, handle, stat.size);
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  private static openSync(path: string): RandomAccessFile {
    let fd: number;
    try {
      fd = openUntrustedFileSync(path);
    } catch (error) {
      if (UntrustedFileError.is(error, 'notRegular')) throw new CheckpointError('notACheckpoint', error.message);
      throw UntrustedFileError.is(error) && error.cause !== undefined ? error.cause : error;
    }
    try {
      return new RandomAccessFile(path, fd, fstatSync(fd).size);
    } catch (error) {
      closeSync(fd);
      throw error;
    }
  }

  /** Bytes read through this handle so far. */
  get bytesRead(): number {
    return this.totalRead;
  }

  /**
   * Exactly `length` bytes from `position`. A range past the end is a `truncated` error naming `what`, checked
   * before allocating, so a declared length of 10 GB never becomes a 10 GB buffer.
   */
  async read(position: number, length: number, what: string): Promise<Buffer> {
    if (this.closed) {
      throw new Error(`RandomAccessFile ${this.path} is closed`);
    }
    if (!Number.isSafeInteger(position) || !Number.isSafeInteger(length) || position < 0 || length < 0) {
      throw new CheckpointError('corrupt', `${what}: invalid byte range ${position}+${length}`);
    }
    if (position + length > this.size) {
      throw new CheckpointError(
        'truncated',
        `${what} needs bytes ${position}..${position + length} but the file has only ${this.size} bytes`,
      );
    }
    const buffer = Buffer.allocUnsafe(length);
    await this.fill(buffer, length, position, what);
    return buffer;
  }

  /**
   * Exactly `length` bytes from `position` into the start of `target` (a buffer the caller reuses, so streaming a
   * large tensor allocates nothing per chunk). The same checks as read().
   */
  async readInto(position: number, target: Uint8Array, length: number, what: string): Promise<void> {
    if (this.closed) {
      throw new Error(`RandomAccessFile ${this.path} is closed`);
    }
    if (!Number.isSafeInteger(position) || !Number.isSafeInteger(length) || position < 0 || length < 0) {
      throw new CheckpointError('corrupt', `${what}: invalid byte range ${position}+${length}`);
    }
    if (length > target.byteLength) {
      throw new RangeError(`${what}: a read of ${length} bytes into a buffer of ${target.byteLength}`);
    }
    if (position + length > this.size) {
      throw new CheckpointError(
        'truncated',
        `${what} needs bytes ${position}..${position + length} but the file has only ${this.size} bytes`,
      );
    }
    await this.fill(target, length, position, what);
  }

  private async fill(buffer: Uint8Array, length: number, position: number, what: string): Promise<void> {
    let filled = 0;
    const handle = this.handle;
    while (filled < length) {
      const bytesRead =
        typeof handle === 'number'
          ? readSync(handle, buffer, filled, length - filled, position + filled)
          : (await handle.read(buffer, filled, length - filled, position + filled)).bytesRead;
      if (bytesRead === 0) {
        // The file shrank after we measured it (someone is rewriting the checkpoint while we read).
        throw new CheckpointError('truncated', `${what}: the file ended at byte ${position + filled} while reading`);
      }
      filled += bytesRead;
      this.totalRead += bytesRead;
    }
  }

  async close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      if (typeof this.handle === 'number') closeSync(this.handle);
      else await this.handle.close();
    }
  }
}
