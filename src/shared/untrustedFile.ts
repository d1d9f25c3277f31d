// fs.promises, not node:fs/promises: Node loads it (and the modules it needs) on first use, which a process that
// reads only through openUntrustedFileSync (`tic-studio inspect`) never makes.
import { closeSync, constants, fstatSync, openSync, promises as fsp, statSync, type Stats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { formatBytes } from './formatBytes';
import { isErrorWithReason } from './errorReason';

/**
 * Files a workspace, a results folder or a shared cache contains are written by someone else: a committed
 * repository, a colleague, an attacker. Any of them can be a named pipe (a plain `open` + `read` waits forever
 * for a writer), a link to `/dev/zero` (an endless read fills memory), a socket or a many-gigabyte file. Every
 * reader of such a file goes through here, so none of them can hang TiC Studio or exhaust its memory.
 */
export type UntrustedFileReason = 'notFound' | 'notRegular' | 'tooLarge' | 'unreadable';

export const untrustedFileReasons: readonly UntrustedFileReason[] = [
  'notFound',
  'notRegular',
  'tooLarge',
  'unreadable',
];

export class UntrustedFileError extends Error {
  override readonly name = 'UntrustedFileError';

  constructor(
    readonly reason: UntrustedFileReason,
    message: string,
    readonly path: string,
    /** `cause`: the system error behind notFound / unreadable, for callers that report errno codes themselves. */
    options?: ErrorOptions,
  ) {
    super(message, options);
  }

  /** True for an UntrustedFileError, also one from another copy of this module (bundles can duplicate it). */
  static is(value: unknown, reason?: UntrustedFileReason): value is UntrustedFileError {
    return isErrorWithReason(value, 'UntrustedFileError', untrustedFileReasons, reason);
  }
}

export interface UntrustedReadOptions {
  /** What the file is, for the too-large message: "a run record" → "TiC Studio reads at most 1.0 MiB of a run record". */
  readonly what?: string;
}

/**
 * Reads a whole file we did not write: opened O_RDONLY|O_NONBLOCK (a FIFO never blocks), must be a regular file
 * after following links (fstat of the open fd: a FIFO, device, socket, or a symlink to /dev/zero is refused), at
 * most maxBytes (a larger file is 'tooLarge', never silently truncated or treated as empty).
 */
export async function readUntrustedFile(
  path: string,
  maxBytes: number,
  options: UntrustedReadOptions = {},
): Promise<Buffer> {
  const handle = await openUntrustedFile(path);
  try {
    const declared = (await handle.stat()).size;
    if (declared > maxBytes) throw tooLarge(path, declared, maxBytes, options.what);
    // The file can grow between fstat and the reads (a log being written, or on purpose): read at most one byte
    // past the cap, so a file that outgrew it is refused instead of cut short.
    const buffer = Buffer.alloc(Math.min(maxBytes + 1, Math.max(declared, 64 * 1024) + 1));
    let filled = 0;
    let target = buffer;
    for (;;) {
      if (filled === target.length) {
        if (filled > maxBytes) throw tooLarge(path, filled, maxBytes, options.what);
        const grown = Buffer.alloc(Math.min(maxBytes + 1, target.length * 2));
        target.copy(grown, 0, 0, filled);
        target = grown;
      }
      const { bytesRead } = await handle.read(target, filled, target.length - filled, null);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    if (filled > maxBytes) throw tooLarge(path, filled, maxBytes, options.what);
    return target.subarray(0, filled);
  } catch (error) {
    throw asUntrustedError(error, path);
  } finally {
    await handle.close();
  }
}

/** readUntrustedFile, decoded as UTF-8 (invalid bytes become U+FFFD, as Node's readFile does). */
export async function readUntrustedText(
  path: string,
  maxBytes: number,
  options: UntrustedReadOptions = {},
): Promise<string> {
  return (await readUntrustedFile(path, maxBytes, options)).toString('utf8');
}

/**
 * Opens for streaming/random access with the same open-time checks; the caller reads and closes.
 * The path is stat-ed first so a device or a FIFO is refused without even being opened (opening some devices
 * has effects of its own); the fstat of the open descriptor then decides, since the path can change in between.
 */
export async function openUntrustedFile(path: string): Promise<FileHandle> {
  let before: Stats;
  try {
    before = await fsp.stat(path);
  } catch (error) {
    throw asUntrustedError(error, path);
  }
  if (!before.isFile()) throw notRegular(path, before);
  let handle: FileHandle;
  try {
    handle = await fsp.open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    throw asUntrustedError(error, path);
  }
  try {
    const after = await handle.stat();
    if (!after.isFile()) throw notRegular(path, after);
    return handle;
  } catch (error) {
    await handle.close();
    throw asUntrustedError(error, path);
  }
}

/**
 * openUntrustedFile for a process that has nothing else to do while it reads (the CLI): the same checks, made
 * with synchronous calls, so that no step waits for a thread of libuv's pool and then for the event loop (on a
 * busy machine each such trip can cost milliseconds). Returns the open descriptor; the caller closes it.
 */
export function openUntrustedFileSync(path: string): number {
  let before: Stats;
  try {
    before = statSync(path);
  } catch (error) {
    throw asUntrustedError(error, path);
  }
  if (!before.isFile()) throw notRegular(path, before);
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    throw asUntrustedError(error, path);
  }
  try {
    const after = fstatSync(fd);
    if (!after.isFile()) throw notRegular(path, after);
    return fd;
  } catch (error) {
    closeSync(fd);
    throw asUntrustedError(error, path);
  }
}

/**
 * Why a path that is there cannot be read as a file (a named pipe, a folder, a device…), found with stat alone,
 * without opening it; null for a regular file and for nothing at all. For scans that look for known file names
 * and must say, rather than skip silently, that one is there but is not a file.
 */
export async function notRegularFileError(path: string): Promise<UntrustedFileError | null> {
  let stats: Stats;
  try {
    stats = await fsp.stat(path);
  } catch (error) {
    const reason = asUntrustedError(error, path);
    return reason.reason === 'notFound' ? null : reason;
  }
  return stats.isFile() ? null : notRegular(path, stats);
}

function kindOf(stats: Stats): string {
  if (stats.isFIFO()) return 'a named pipe';
  if (stats.isDirectory()) return 'a folder';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

function notRegular(path: string, stats: Stats): UntrustedFileError {
  const kind = kindOf(stats);
  const message = kind.startsWith('a ') ? `${path} is ${kind}, not a file` : `${path} is not a regular file`;
  return new UntrustedFileError('notRegular', message, path);
}

function tooLarge(path: string, size: number, maxBytes: number, what: string | undefined): UntrustedFileError {
  // A file caught growing past the cap was read to maxBytes + 1 only: its real size is unknown.
  const sizeText = size > maxBytes + 1 ? formatBytes(size) : `over ${formatBytes(maxBytes)}`;
  return new UntrustedFileError(
    'tooLarge',
    `${path} is ${sizeText}; TiC Studio reads at most ${formatBytes(maxBytes)} of ${what ?? 'this file'}`,
    path,
  );
}

function asUntrustedError(error: unknown, path: string): UntrustedFileError {
  if (UntrustedFileError.is(error)) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const fail = (reason: UntrustedFileReason, message: string) =>
    new UntrustedFileError(reason, message, path, { cause: error });
  if (code === 'ENOENT' || code === 'ENOTDIR') return fail('notFound', `${path} does not exist`);
  if (code === 'ENXIO') return fail('notRegular', `${path} is a socket or device, not a file`);
  if (code === 'ELOOP') return fail('unreadable', `${path} is a link that points to itself in a loop`);
  if (code === 'EACCES' || code === 'EPERM') return fail('unreadable', `${path} cannot be read: permission denied`);
  const detail = error instanceof Error ? error.message : String(error);
  return fail('unreadable', `${path} cannot be read: ${detail}`);
}
