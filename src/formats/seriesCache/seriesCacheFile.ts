import { endianness } from 'node:os';
import * as zlib from 'node:zlib';
import { storedStepColumns, type StepSeriesState, type StoredStepColumn } from '../stepSeries';
import { isLogIdentity, logIdentityKeys, type LogIdentity } from './logCacheFolder';

/**
 * One entry of the series cache: the parsed columns of one out.log, as TiC Studio wrote them, in one file.
 *
 * Layout (little-endian; every offset a multiple of 8, so the columns are read back as Float64Array views without a
 * copy):
 *
 *     0   magic            8 bytes  89 'TICSER' 0A
 *     8   format           u32      seriesCacheFormat (the layout below)
 *    12   parser version   u32      stepSeriesParserVersion (what the log's bytes became)
 *    16   meta length M    u32      ≤ 64 KiB
 *    20   points N         u32
 *    24   columns C        u32      7: storedStepColumns, in that order
 *    28   zero             u32
 *    32   meta             M bytes  JSON (SeriesCacheMeta), padded with spaces to a multiple of 8
 *    …    columns          C × N × 8 bytes, float64, one column after the other
 *    end  checksum         u32      CRC-32 (zlib's) of every byte before it
 *
 * A reader trusts nothing in it: the magic, both versions, every length (the file's size must be exactly what the
 * header says), the checksum, the meta's shape and the columns (StepSeries.fromState) are checked, and an entry
 * that fails any check is a problem, never a series. The checksum catches a torn or damaged file; the folder's
 * ownership (0700, the user's) is what keeps other users from writing one.
 */
export const seriesCacheFormat = 1;

const magic = Uint8Array.from([0x89, 0x54, 0x49, 0x43, 0x53, 0x45, 0x52, 0x0a]);
const headerBytes = 32;
const maxMetaBytes = 64 * 1024;

/** Where the cached series came from: the log's identity when it was read, and the bytes it covers. */
export interface SeriesCacheMeta extends LogIdentity {
  /** The end of the last complete line parsed: the columns hold exactly the train lines before it (and prefixHash). */
  readonly offset: number;
  /** StepSeriesState.minSamplesSeen (null for Infinity: JSON has none). */
  readonly minSamplesSeen: number | null;
  readonly replaced: number;
}

export type SeriesCacheProblem = 'magic' | 'format' | 'parserVersion' | 'length' | 'checksum' | 'meta' | 'values';

export type DecodedEntry =
  | { readonly ok: true; readonly meta: SeriesCacheMeta; readonly state: StepSeriesState }
  | { readonly ok: false; readonly problem: SeriesCacheProblem; readonly detail: string };

/** Whether this machine can map the little-endian columns without a copy; the cache is off elsewhere. */
export const seriesCacheSupported = endianness() === 'LE';

/**
 * The columns of `state` in the entry's layout: a copy, made synchronously (the state's views may change at the
 * next poll), to pass to encodeSeriesEntry later.
 */
export function copyColumns(state: StepSeriesState): { bytes: Uint8Array; points: number } {
  const n = state.columns.samples.length;
  const columns = new Float64Array(n * storedStepColumns.length);
  storedStepColumns.forEach((name, c) => columns.set(state.columns[name], c * n));
  return { bytes: new Uint8Array(columns.buffer), points: n };
}

/** The entry as chunks to write one after the other: the header and meta, the columns (copyColumns), the checksum. */
export function encodeSeriesEntry(
  meta: SeriesCacheMeta,
  columns: { bytes: Uint8Array; points: number },
  parserVersion: number,
): Uint8Array[] {
  if (columns.bytes.length !== columns.points * storedStepColumns.length * 8)
    throw new RangeError(`${columns.bytes.length} bytes of columns for ${columns.points} points`);
  let metaText = JSON.stringify(meta);
  const metaLength = Buffer.byteLength(metaText);
  if (metaLength > maxMetaBytes) throw new RangeError(`series cache meta of ${metaLength} bytes`);
  metaText += ' '.repeat(pad8(metaLength) - metaLength);
  const head = Buffer.alloc(headerBytes + pad8(metaLength));
  head.set(magic, 0);
  head.writeUInt32LE(seriesCacheFormat, 8);
  head.writeUInt32LE(parserVersion, 12);
  head.writeUInt32LE(metaLength, 16);
  head.writeUInt32LE(columns.points, 20);
  head.writeUInt32LE(storedStepColumns.length, 24);
  head.write(metaText, headerBytes, 'utf8');
  const tail = Buffer.alloc(4);
  tail.writeUInt32LE(crc32(columns.bytes, crc32(head)), 0);
  return [head, columns.bytes, tail];
}

/** The size of an entry of `points` points and at most `metaBytes` of meta. */
export function seriesEntryBytes(points: number, metaBytes = maxMetaBytes): number {
  return headerBytes + pad8(metaBytes) + storedStepColumns.length * points * 8 + 4;
}

/**
 * Reads an entry back, checking everything (see the file comment). `bytes` should start at an 8-aligned offset of
 * its buffer (a fresh allocation does) for the columns to be views; otherwise they are copied.
 */
export function decodeSeriesEntry(bytes: Uint8Array, parserVersion: number): DecodedEntry {
  const fail = (problem: SeriesCacheProblem, detail: string): DecodedEntry => ({ ok: false, problem, detail });
  if (bytes.length < headerBytes + 4) return fail('length', `${bytes.length} bytes is shorter than a header`);
  for (let i = 0; i < magic.length; i++) if (bytes[i] !== magic[i]) return fail('magic', 'not a series cache entry');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const format = view.getUint32(8, true);
  if (format !== seriesCacheFormat)
    return fail('format', `format ${format}, this TiC Studio reads ${seriesCacheFormat}`);
  const version = view.getUint32(12, true);
  if (version !== parserVersion) return fail('parserVersion', `parser version ${version}, not ${parserVersion}`);
  const metaLength = view.getUint32(16, true);
  const n = view.getUint32(20, true);
  const columnCount = view.getUint32(24, true);
  if (metaLength > maxMetaBytes || columnCount !== storedStepColumns.length || view.getUint32(28, true) !== 0)
    return fail('length', `meta ${metaLength} bytes, ${columnCount} columns`);
  const columnsAt = headerBytes + pad8(metaLength);
  const expected = columnsAt + columnCount * n * 8 + 4;
  if (bytes.length !== expected) return fail('length', `${bytes.length} bytes, the header says ${expected}`);
  const stored = view.getUint32(expected - 4, true);
  const actual = crc32(bytes.subarray(0, expected - 4));
  if (stored !== actual) return fail('checksum', `checksum ${hex(actual)}, the entry says ${hex(stored)}`);
  let meta: SeriesCacheMeta | null;
  try {
    meta = checkMeta(JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + headerBytes, metaLength).toString()));
  } catch {
    meta = null;
  }
  if (meta === null) return fail('meta', 'the meta is not what TiC Studio writes');
  const aligned = (bytes.byteOffset + columnsAt) % 8 === 0;
  const all = aligned
    ? new Float64Array(bytes.buffer, bytes.byteOffset + columnsAt, columnCount * n)
    : new Float64Array(bytes.slice(columnsAt, expected - 4).buffer);
  const columns = Object.fromEntries(storedStepColumns.map((name, c) => [name, all.subarray(c * n, (c + 1) * n)]));
  return {
    ok: true,
    meta,
    state: {
      columns: columns as Record<StoredStepColumn, Float64Array>,
      minSamplesSeen: meta.minSamplesSeen ?? Infinity,
      replaced: meta.replaced,
    },
  };
}

const metaKeys: readonly string[] = [...logIdentityKeys, 'offset', 'minSamplesSeen', 'replaced'];

function checkMeta(value: unknown): SeriesCacheMeta | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const m = value as Record<string, unknown>;
  const keys = Object.keys(m);
  if (keys.length !== metaKeys.length || !metaKeys.every((k) => keys.includes(k))) return null;
  const count = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
  if (!isLogIdentity(m) || !count(m.offset) || (m.offset as number) > (m.size as number) || !count(m.replaced))
    return null;
  if (m.minSamplesSeen !== null && typeof m.minSamplesSeen !== 'number') return null;
  return m as unknown as SeriesCacheMeta;
}

function pad8(n: number): number {
  return Math.ceil(n / 8) * 8;
}

function hex(n: number): string {
  return n.toString(16).padStart(8, '0');
}

/** CRC-32 as zlib computes it (`zlib.crc32`, Node ≥ 20.15 / 22.2); the same table-driven in JS where it is missing. */
export function crc32(data: Uint8Array, initial = 0): number {
  const native = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;
  return typeof native === 'function' ? native(data, initial) : crc32Table(data, initial);
}

/** crc32 without zlib (exported for the test that keeps it equal to zlib's). */
export function crc32Table(data: Uint8Array, initial = 0): number {
  const table = (crcTable ??= makeCrcTable());
  let crc = ~initial >>> 0;
  for (let i = 0; i < data.length; i++) crc = table[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return ~crc >>> 0;
}

let crcTable: Uint32Array | undefined;

function makeCrcTable(): Uint32Array {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}
