import type * as Zlib from 'node:zlib';
import { crc32 } from '../base/crc32';
import { CheckpointError } from '../base/checkpointError';
import { checkpointWarning, type CheckpointWarning } from '../base/checkpointWarning';
import type { CheckpointLimits } from '../base/limits';
import type { RandomAccessFile } from '../base/randomAccessFile';

/**
 * A lazy reader of the zip container torch ≥ 1.6 writes (contracts §2.6: ZIP_STORED entries
 * `{root}/data.pkl`, `{root}/data/{key}`, `{root}/version`). It reads the end records and the central
 * directory, and an entry's bytes only when asked, so storages of a 1.8 GB checkpoint are never touched by an
 * inspect. ZIP64 records and extra fields are honoured because checkpoints of large models pass 4 GB.
 * Layout reference: PKWARE APPNOTE.TXT 6.3 (§4.3.7 local header, §4.3.12 central header, §4.3.14–16 end
 * records, §4.5.3 ZIP64 extra field).
 */

export interface ZipEntry {
  readonly name: string;
  /** 0 = stored, 8 = deflated. */
  readonly method: number;
  readonly flags: number;
  readonly crc32: number;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  readonly localHeaderOffset: number;
}

export interface ZipDirectory {
  /** Central directory order. */
  readonly entries: readonly ZipEntry[];
  readonly byName: ReadonlyMap<string, ZipEntry>;
  /** Where the central directory starts: every entry's data must end before it. */
  readonly centralDirectoryOffset: number;
}

const localHeaderSignature = 0x04034b50;
const centralHeaderSignature = 0x02014b50;
const endSignature = 0x06054b50;
const zip64EndSignature = 0x06064b50;
const zip64LocatorSignature = 0x07064b50;
const endRecordSize = 22;
const zip64LocatorSize = 20;
const zip64EndRecordSize = 56;
const centralHeaderSize = 46;
const localHeaderSize = 30;
const maxCommentSize = 0xffff;

/** Reads the end records and the central directory. */
export async function readZipDirectory(
  file: RandomAccessFile,
  limits: CheckpointLimits,
  warn: (warning: CheckpointWarning) => void,
): Promise<ZipDirectory> {
  const end = await findEndRecord(file);
  let entryCount = end.view.getUint16(10, true);
  let directorySize = end.view.getUint32(12, true);
  let directoryOffset = end.view.getUint32(16, true);
  const diskNumber = end.view.getUint16(4, true);
  const directoryDisk = end.view.getUint16(6, true);
  let directoryLimit = end.position;

  const zip64 = await readZip64End(file, end);
  if (zip64 !== undefined) {
    entryCount = zip64.entryCount;
    directorySize = zip64.directorySize;
    directoryOffset = zip64.directoryOffset;
    directoryLimit = zip64.position;
  } else if (diskNumber !== 0 || directoryDisk !== 0) {
    throw new CheckpointError('unsupported', 'multi-part (spanned) zip archives are not supported');
  }

  // A directory that cannot fit in the file is damage, whatever its size; check that before the limits.
  if (directoryOffset + directorySize > directoryLimit) {
    throw new CheckpointError(
      'corrupt',
      `the zip central directory (${directoryOffset}+${directorySize}) points outside the archive, which ends its entries at ${directoryLimit}`,
    );
  }
  if (entryCount > limits.maxZipEntries) {
    throw new CheckpointError(
      'tooLarge',
      `the zip declares ${entryCount} entries, over the limit of ${limits.maxZipEntries}`,
    );
  }
  if (directorySize > limits.maxCentralDirectoryBytes) {
    throw new CheckpointError(
      'tooLarge',
      `the zip central directory is ${directorySize} bytes, over the limit of ${limits.maxCentralDirectoryBytes}`,
    );
  }
  if (entryCount * centralHeaderSize > directorySize) {
    throw new CheckpointError(
      'corrupt',
      `a central directory of ${directorySize} bytes cannot hold ${entryCount} entries`,
    );
  }

  const directory = await file.read(directoryOffset, directorySize, 'the zip central directory');
  const view = new DataView(directory.buffer, directory.byteOffset, directory.byteLength);
  const entries: ZipEntry[] = [];
  const byName = new Map<string, ZipEntry>();
  let at = 0;
  for (let index = 0; index < entryCount; index++) {
    if (at + centralHeaderSize > directory.length || view.getUint32(at, true) !== centralHeaderSignature) {
      throw new CheckpointError(
        'corrupt',
        `zip central directory entry ${index} is malformed (at offset ${directoryOffset + at})`,
      );
    }
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    const next = at + centralHeaderSize + nameLength + extraLength + commentLength;
    if (next > directory.length) {
      throw new CheckpointError('corrupt', `zip central directory entry ${index} runs past the directory`);
    }
    const flags = view.getUint16(at + 8, true);
    const name = entryName(directory, (flags & 0x800) !== 0, at + centralHeaderSize, nameLength);
    let compressedSize = view.getUint32(at + 20, true);
    let uncompressedSize = view.getUint32(at + 24, true);
    let localHeaderOffset = view.getUint32(at + 42, true);
    if (compressedSize === 0xffffffff || uncompressedSize === 0xffffffff || localHeaderOffset === 0xffffffff) {
      const sizes = { compressed: compressedSize, uncompressed: uncompressedSize, offset: localHeaderOffset };
      applyZip64Extra(view, at + centralHeaderSize + nameLength, extraLength, sizes, name);
      ({ compressed: compressedSize, uncompressed: uncompressedSize, offset: localHeaderOffset } = sizes);
    }
    const entry: ZipEntry = {
      name,
      method: view.getUint16(at + 10, true),
      flags,
      crc32: view.getUint32(at + 16, true),
      compressedSize,
      uncompressedSize,
      localHeaderOffset,
    };
    if (entry.localHeaderOffset + localHeaderSize + nameLength + entry.compressedSize > directoryOffset) {
      throw new CheckpointError(
        'corrupt',
        `zip entry ${name} (${entry.compressedSize} bytes at ${entry.localHeaderOffset}) points outside the archive`,
      );
    }
    entries.push(entry);
    if (byName.has(name)) {
      warn(checkpointWarning('duplicateZipEntry', `the zip holds ${name} more than once; the first copy is used`));
    } else {
      byName.set(name, entry);
    }
    at = next;
  }
  return { entries, byName, centralDirectoryOffset: directoryOffset };
}

/** Buffer's own slicers (what toString(encoding, start, end) calls); not in the typings, so used where present. */
type Slicers = Buffer & {
  latin1Slice?: (start: number, end: number) => string;
  utf8Slice?: (start: number, end: number) => string;
};

/** An entry name: UTF-8 when the entry's flag 11 says so, else CP437, read as latin-1 like before. */
function entryName(directory: Slicers, utf8: boolean, start: number, length: number): string {
  const end = start + length;
  if (utf8) {
    return directory.utf8Slice === undefined ? directory.toString('utf8', start, end) : directory.utf8Slice(start, end);
  }
  return directory.latin1Slice === undefined
    ? directory.toString('latin1', start, end)
    : directory.latin1Slice(start, end);
}

/**
 * Where an entry's data starts: after its local header, whose name and extra field lengths can differ from the
 * central directory's (torch pads the local extra field so storages are 64-byte aligned).
 */
export async function entryDataOffset(
  file: RandomAccessFile,
  directory: ZipDirectory,
  entry: ZipEntry,
): Promise<number> {
  const header = await file.read(entry.localHeaderOffset, localHeaderSize, `the local header of ${entry.name}`);
  return checkLocalHeader(header, directory, entry);
}

/** The data offset a local header (at the start of `header`) gives, checked against the directory. */
function checkLocalHeader(header: Buffer, directory: ZipDirectory, entry: ZipEntry): number {
  if (header.length < localHeaderSize || header.readUInt32LE(0) !== localHeaderSignature) {
    throw new CheckpointError('corrupt', `zip entry ${entry.name} has no local header at ${entry.localHeaderOffset}`);
  }
  const dataOffset = entry.localHeaderOffset + localHeaderSize + header.readUInt16LE(26) + header.readUInt16LE(28);
  if (dataOffset + entry.compressedSize > directory.centralDirectoryOffset) {
    throw new CheckpointError('corrupt', `the data of zip entry ${entry.name} runs into the central directory`);
  }
  return dataOffset;
}

/** Room for a local header's name and extra field beyond what the central directory says (torch pads to 64). */
const localHeaderSlack = 256;

/**
 * The stored bytes of an entry read whole (so never a storage): one read for the local header and the data
 * together, with some slack for a local extra field longer than the central one, and a second read only when
 * the slack was not enough.
 */
async function entryData(file: RandomAccessFile, directory: ZipDirectory, entry: ZipEntry): Promise<Buffer> {
  const what = `zip entry ${entry.name}`;
  const guess = localHeaderSize + 3 * entry.name.length + localHeaderSlack + entry.compressedSize;
  const span = Math.min(guess, directory.centralDirectoryOffset - entry.localHeaderOffset);
  const chunk = await file.read(entry.localHeaderOffset, span, `the local header of ${entry.name}`);
  const dataOffset = checkLocalHeader(chunk, directory, entry);
  const dataStart = dataOffset - entry.localHeaderOffset;
  if (dataStart + entry.compressedSize <= chunk.length) {
    return chunk.subarray(dataStart, dataStart + entry.compressedSize);
  }
  return file.read(dataOffset, entry.compressedSize, what);
}

/**
 * The whole uncompressed content of a small entry (data.pkl, version, byteorder). Deflated entries are
 * inflated with a hard output cap; torch itself always stores uncompressed.
 */
export async function readZipEntry(
  file: RandomAccessFile,
  directory: ZipDirectory,
  entry: ZipEntry,
  maxBytes: number,
  options: { verifyCrc: boolean },
): Promise<Buffer> {
  if ((entry.flags & 0x1) !== 0) {
    throw new CheckpointError('unsupported', `zip entry ${entry.name} is encrypted`);
  }
  if (entry.uncompressedSize > maxBytes) {
    throw new CheckpointError(
      'tooLarge',
      `zip entry ${entry.name} is ${entry.uncompressedSize} bytes, over the limit of ${maxBytes}`,
    );
  }
  if (entry.method === 0 && entry.compressedSize !== entry.uncompressedSize) {
    throw new CheckpointError(
      'corrupt',
      `stored zip entry ${entry.name} has different compressed and uncompressed sizes`,
    );
  }
  let content: Buffer;
  if (entry.method === 0) {
    content = await entryData(file, directory, entry);
  } else if (entry.method === 8) {
    content = inflateEntry(await loadZlib(), await entryData(file, directory, entry), entry);
  } else {
    throw new CheckpointError('unsupported', `zip entry ${entry.name} uses compression method ${entry.method}`);
  }
  if (options.verifyCrc && crc32(content) !== entry.crc32) {
    throw new CheckpointError('corrupt', `zip entry ${entry.name} fails its CRC-32 check`);
  }
  return content;
}

let zlib: Promise<typeof Zlib> | undefined;

/**
 * node:zlib, loaded on first use: torch stores every entry uncompressed, so most processes never need it and
 * should not pay for loading it.
 */
function loadZlib(): Promise<typeof Zlib> {
  zlib ??= import('node:zlib');
  return zlib;
}

function inflateEntry({ inflateRawSync }: typeof Zlib, compressed: Buffer, entry: ZipEntry): Buffer {
  let content: Buffer;
  try {
    content = inflateRawSync(compressed, { maxOutputLength: Math.max(1, entry.uncompressedSize) });
  } catch (error) {
    const tooBig = error instanceof RangeError || (error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE';
    throw new CheckpointError(
      'corrupt',
      tooBig
        ? `zip entry ${entry.name} inflates to more than its declared ${entry.uncompressedSize} bytes`
        : `zip entry ${entry.name} is not valid deflate data`,
    );
  }
  if (content.length !== entry.uncompressedSize) {
    throw new CheckpointError(
      'corrupt',
      `zip entry ${entry.name} inflates to ${content.length} bytes, not ${entry.uncompressedSize}`,
    );
  }
  return content;
}

interface EndRecord {
  readonly position: number;
  readonly view: DataView;
  /** The bytes read to find it, which usually hold the ZIP64 locator too, and where they start in the file. */
  readonly tail: Buffer;
  readonly tailStart: number;
}

/**
 * The end-of-central-directory record: the last 22 bytes unless the archive has a comment, so look there first
 * and scan back over at most a maximal comment only when needed.
 */
async function findEndRecord(file: RandomAccessFile): Promise<EndRecord> {
  for (const window of [Math.min(file.size, 1024), Math.min(file.size, endRecordSize + maxCommentSize)]) {
    const start = file.size - window;
    const tail = await file.read(start, window, 'the end of the zip archive');
    for (let at = tail.length - endRecordSize; at >= 0; at--) {
      if (tail.readUInt32LE(at) === endSignature) {
        const commentLength = tail.readUInt16LE(at + 20);
        if (at + endRecordSize + commentLength <= tail.length) {
          const record = tail.subarray(at, at + endRecordSize);
          return {
            position: start + at,
            view: new DataView(record.buffer, record.byteOffset, record.byteLength),
            tail,
            tailStart: start,
          };
        }
      }
    }
    if (window === file.size) {
      break;
    }
  }
  throw new CheckpointError(
    'truncated',
    'the zip archive has no end-of-central-directory record (the file was cut off)',
  );
}

interface Zip64End {
  readonly position: number;
  readonly entryCount: number;
  readonly directorySize: number;
  readonly directoryOffset: number;
}

/** The ZIP64 end record, when a locator sits right before the classic end record. */
async function readZip64End(file: RandomAccessFile, end: EndRecord): Promise<Zip64End | undefined> {
  const endPosition = end.position;
  if (endPosition < zip64LocatorSize) {
    return undefined;
  }
  const locatorStart = endPosition - zip64LocatorSize;
  // The tail read for the end record nearly always holds the locator already: no second read.
  const locator =
    locatorStart >= end.tailStart
      ? end.tail.subarray(locatorStart - end.tailStart, endPosition - end.tailStart)
      : await file.read(locatorStart, zip64LocatorSize, 'the ZIP64 locator');
  if (locator.readUInt32LE(0) !== zip64LocatorSignature) {
    return undefined;
  }
  if (locator.readUInt32LE(4) !== 0 || locator.readUInt32LE(16) > 1) {
    throw new CheckpointError('unsupported', 'multi-part (spanned) zip archives are not supported');
  }
  const position = readUint64(locator, 8, 'the ZIP64 end record offset');
  if (position + zip64EndRecordSize > endPosition - zip64LocatorSize) {
    throw new CheckpointError('corrupt', `the ZIP64 end record offset ${position} points outside the archive`);
  }
  const record = await file.read(position, zip64EndRecordSize, 'the ZIP64 end record');
  if (record.readUInt32LE(0) !== zip64EndSignature) {
    throw new CheckpointError('corrupt', `no ZIP64 end record at ${position}`);
  }
  if (record.readUInt32LE(16) !== 0 || record.readUInt32LE(20) !== 0) {
    throw new CheckpointError('unsupported', 'multi-part (spanned) zip archives are not supported');
  }
  return {
    position,
    entryCount: readUint64(record, 32, 'the ZIP64 entry count'),
    directorySize: readUint64(record, 40, 'the ZIP64 central directory size'),
    directoryOffset: readUint64(record, 48, 'the ZIP64 central directory offset'),
  };
}

/** A ZIP64 extra field replaces, in this order, each classic field that holds 0xFFFFFFFF. */
function applyZip64Extra(
  view: DataView,
  start: number,
  length: number,
  sizes: { compressed: number; uncompressed: number; offset: number },
  name: string,
): void {
  const needs = [sizes.uncompressed, sizes.compressed, sizes.offset].some((value) => value === 0xffffffff);
  if (!needs) {
    return;
  }
  const end = start + length;
  let at = start;
  while (at + 4 <= end) {
    const id = view.getUint16(at, true);
    const size = view.getUint16(at + 2, true);
    const body = at + 4;
    if (body + size > end) {
      break;
    }
    if (id === 0x0001) {
      let field = body;
      const next = (what: string): number => {
        if (field + 8 > body + size) {
          throw new CheckpointError('corrupt', `the ZIP64 extra field of ${name} is too short for its ${what}`);
        }
        const low = view.getUint32(field, true);
        const high = view.getUint32(field + 4, true);
        field += 8;
        if (high >= 0x200000) {
          throw new CheckpointError('tooLarge', `the ZIP64 ${what} of ${name} is beyond any real file`);
        }
        return high * 2 ** 32 + low;
      };
      if (sizes.uncompressed === 0xffffffff) {
        sizes.uncompressed = next('uncompressed size');
      }
      if (sizes.compressed === 0xffffffff) {
        sizes.compressed = next('compressed size');
      }
      if (sizes.offset === 0xffffffff) {
        sizes.offset = next('local header offset');
      }
      return;
    }
    at = body + size;
  }
  throw new CheckpointError('corrupt', `zip entry ${name} needs a ZIP64 extra field but has none`);
}

function readUint64(buffer: Buffer, at: number, what: string): number {
  const low = buffer.readUInt32LE(at);
  const high = buffer.readUInt32LE(at + 4);
  if (high >= 0x200000) {
    throw new CheckpointError('tooLarge', `${what} is beyond any real file`);
  }
  return high * 2 ** 32 + low;
}
