import { open } from 'node:fs/promises';
import { crc32, deflateRawSync } from 'node:zlib';

/**
 * Test helper: writes zip archives the way torch's PyTorchStreamWriter does (stored entries, data aligned to 64
 * bytes with a padding extra field, ZIP64 when needed) plus the variations a reader must survive: comments,
 * forced ZIP64 records on small archives, deflated entries, and huge entries written as sparse holes so a
 * multi-gigabyte checkpoint costs no disk. Layout per PKWARE APPNOTE.TXT §4.3.
 */

export interface ZipEntrySpec {
  readonly name: string;
  readonly data?: Uint8Array;
  /** An entry of this many zero bytes that are never written (a sparse hole); stored only. */
  readonly sparseSize?: number;
  readonly method?: 'stored' | 'deflate';
  /** Align the entry's data to this many bytes (torch uses 64). */
  readonly align?: number;
}

export interface ZipOptions {
  readonly comment?: string;
  /** Write ZIP64 extra fields and end records even when nothing needs them. */
  readonly forceZip64?: boolean;
}

export interface ZipPiece {
  readonly offset: number;
  readonly bytes: Buffer;
}

export interface ZipLayout {
  readonly size: number;
  readonly pieces: readonly ZipPiece[];
  /** Where each entry's data starts. */
  readonly dataOffsets: ReadonlyMap<string, number>;
  /** Where the central directory starts. */
  readonly centralDirectoryOffset: number;
}

const max32 = 0xffffffff;

export function buildZip(entries: readonly ZipEntrySpec[], options: ZipOptions = {}): ZipLayout {
  const pieces: ZipPiece[] = [];
  const central: Buffer[] = [];
  const dataOffsets = new Map<string, number>();
  let offset = 0;
  let anyZip64 = options.forceZip64 === true;
  for (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8');
    const deflate = entry.method === 'deflate';
    const raw = entry.data ?? Buffer.alloc(0);
    const stored = deflate ? deflateRawSync(raw) : Buffer.from(raw);
    const uncompressedSize = entry.sparseSize ?? raw.length;
    const compressedSize = entry.sparseSize ?? stored.length;
    const crc = entry.sparseSize === undefined ? crc32(raw) : 0;
    const zip64 =
      options.forceZip64 === true || uncompressedSize >= max32 || compressedSize >= max32 || offset >= max32;
    anyZip64 ||= zip64;
    const localZip64 = zip64 ? zip64Extra([uncompressedSize, compressedSize]) : Buffer.alloc(0);
    let padding = Buffer.alloc(0);
    if (entry.align !== undefined) {
      const unpadded = offset + 30 + name.length + localZip64.length;
      let pad = (entry.align - (unpadded % entry.align)) % entry.align;
      if (pad > 0 && pad < 4) {
        pad += entry.align;
      }
      if (pad > 0) {
        padding = Buffer.alloc(pad);
        padding.writeUInt16LE(0x4246, 0); // 'FB', torch's padding record
        padding.writeUInt16LE(pad - 4, 2);
      }
    }
    const extra = Buffer.concat([localZip64, padding]);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(zip64 ? 45 : 20, 4);
    local.writeUInt16LE(0x800, 6);
    local.writeUInt16LE(deflate ? 8 : 0, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(zip64 ? max32 : compressedSize, 18);
    local.writeUInt32LE(zip64 ? max32 : uncompressedSize, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(extra.length, 28);
    const header = Buffer.concat([local, name, extra]);
    pieces.push({ offset, bytes: header });
    const localOffset = offset;
    offset += header.length;
    dataOffsets.set(entry.name, offset);
    if (entry.sparseSize === undefined) {
      pieces.push({ offset, bytes: stored });
    }
    offset += compressedSize;

    const centralZip64 = zip64 ? zip64Extra([uncompressedSize, compressedSize, localOffset]) : Buffer.alloc(0);
    const record = Buffer.alloc(46);
    record.writeUInt32LE(0x02014b50, 0);
    record.writeUInt16LE(zip64 ? 45 : 20, 4);
    record.writeUInt16LE(zip64 ? 45 : 20, 6);
    record.writeUInt16LE(0x800, 8);
    record.writeUInt16LE(deflate ? 8 : 0, 10);
    record.writeUInt32LE(crc, 16);
    record.writeUInt32LE(zip64 ? max32 : compressedSize, 20);
    record.writeUInt32LE(zip64 ? max32 : uncompressedSize, 24);
    record.writeUInt16LE(name.length, 28);
    record.writeUInt16LE(centralZip64.length, 30);
    record.writeUInt32LE(zip64 ? max32 : localOffset, 42);
    central.push(Buffer.concat([record, name, centralZip64]));
  }

  const directory = Buffer.concat(central);
  const directoryOffset = offset;
  pieces.push({ offset, bytes: directory });
  offset += directory.length;
  const comment = Buffer.from(options.comment ?? '', 'utf8');
  const tail: Buffer[] = [];
  if (anyZip64 || directoryOffset >= max32) {
    const record = Buffer.alloc(56);
    record.writeUInt32LE(0x06064b50, 0);
    record.writeBigUInt64LE(44n, 4);
    record.writeUInt16LE(45, 12);
    record.writeUInt16LE(45, 14);
    record.writeBigUInt64LE(BigInt(entries.length), 24);
    record.writeBigUInt64LE(BigInt(entries.length), 32);
    record.writeBigUInt64LE(BigInt(directory.length), 40);
    record.writeBigUInt64LE(BigInt(directoryOffset), 48);
    const locator = Buffer.alloc(20);
    locator.writeUInt32LE(0x07064b50, 0);
    locator.writeBigUInt64LE(BigInt(offset), 8);
    locator.writeUInt32LE(1, 16);
    tail.push(record, locator);
  }
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  const zip64End = anyZip64 || directoryOffset >= max32;
  end.writeUInt16LE(zip64End ? 0xffff : entries.length, 8);
  end.writeUInt16LE(zip64End ? 0xffff : entries.length, 10);
  end.writeUInt32LE(zip64End ? max32 : directory.length, 12);
  end.writeUInt32LE(zip64End ? max32 : directoryOffset, 16);
  end.writeUInt16LE(comment.length, 20);
  tail.push(end, comment);
  const tailBytes = Buffer.concat(tail);
  pieces.push({ offset, bytes: tailBytes });
  offset += tailBytes.length;
  return { size: offset, pieces, dataOffsets, centralDirectoryOffset: directoryOffset };
}

function zip64Extra(values: readonly number[]): Buffer {
  const extra = Buffer.alloc(4 + 8 * values.length);
  extra.writeUInt16LE(0x0001, 0);
  extra.writeUInt16LE(8 * values.length, 2);
  values.forEach((value, i) => extra.writeBigUInt64LE(BigInt(value), 4 + 8 * i));
  return extra;
}

/** The archive as one buffer (only for archives without big sparse entries). */
export function layoutToBuffer(layout: ZipLayout): Buffer {
  if (layout.size > 256 * 1024 * 1024) {
    throw new Error('layoutToBuffer is for small archives; use writeLayout');
  }
  const out = Buffer.alloc(layout.size);
  for (const piece of layout.pieces) {
    piece.bytes.copy(out, piece.offset);
  }
  return out;
}

/** Writes the archive with holes where sparse entries are, so a 5 GB archive costs a few KB of disk. */
export async function writeLayout(path: string, layout: ZipLayout): Promise<void> {
  const handle = await open(path, 'w');
  try {
    for (const piece of layout.pieces) {
      await handle.write(piece.bytes, 0, piece.bytes.length, piece.offset);
    }
    await handle.truncate(layout.size);
  } finally {
    await handle.close();
  }
}
