import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PickleBytes, TorchPickler, op, type PyValue } from './pickleBuilder';
import { buildZip, layoutToBuffer, type ZipEntrySpec, type ZipLayout, type ZipOptions } from './zipBuilder';

/**
 * Test helper: whole checkpoint files in each supported format, built from Python-like values and raw storage
 * bytes (torch-zip as torch ≥ 1.6 writes it, contracts §2.6; the legacy stream; safetensors).
 */

export type ElementType =
  'float32' | 'float64' | 'float16' | 'bfloat16' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';

/** Raw bytes of `values` as `dtype` elements. */
export function encodeValues(
  dtype: ElementType,
  values: readonly number[],
  byteOrder: 'little' | 'big' = 'little',
): Buffer {
  const size = {
    float32: 4,
    float64: 8,
    float16: 2,
    bfloat16: 2,
    int64: 8,
    int32: 4,
    int16: 2,
    int8: 1,
    uint8: 1,
    bool: 1,
  }[dtype];
  const out = Buffer.alloc(values.length * size);
  const le = byteOrder === 'little';
  values.forEach((value, i) => {
    const at = i * size;
    switch (dtype) {
      case 'float32':
        if (le) out.writeFloatLE(value, at);
        else out.writeFloatBE(value, at);
        break;
      case 'float64':
        if (le) out.writeDoubleLE(value, at);
        else out.writeDoubleBE(value, at);
        break;
      case 'float16':
        if (le) out.writeUInt16LE(toHalf(value), at);
        else out.writeUInt16BE(toHalf(value), at);
        break;
      case 'bfloat16': {
        const f = Buffer.alloc(4);
        f.writeFloatBE(value);
        const bits = f.readUInt16BE(0);
        if (le) out.writeUInt16LE(bits, at);
        else out.writeUInt16BE(bits, at);
        break;
      }
      case 'int64':
        if (le) out.writeBigInt64LE(BigInt(value), at);
        else out.writeBigInt64BE(BigInt(value), at);
        break;
      case 'int32':
        if (le) out.writeInt32LE(value, at);
        else out.writeInt32BE(value, at);
        break;
      case 'int16':
        if (le) out.writeInt16LE(value, at);
        else out.writeInt16BE(value, at);
        break;
      case 'int8':
        out.writeInt8(value, at);
        break;
      case 'uint8':
        out.writeUInt8(value, at);
        break;
      case 'bool':
        out.writeUInt8(value === 0 ? 0 : 1, at);
        break;
    }
  });
  return out;
}

/** binary16 bits of a value that half precision represents exactly (tests pick such values). */
function toHalf(value: number): number {
  if (value === 0) {
    return Object.is(value, -0) ? 0x8000 : 0;
  }
  const sign = value < 0 ? 0x8000 : 0;
  const magnitude = Math.abs(value);
  if (!Number.isFinite(magnitude)) {
    return sign | 0x7c00;
  }
  const exponent = Math.floor(Math.log2(magnitude));
  if (exponent < -14) {
    return sign | Math.round(magnitude / 2 ** -24);
  }
  const fraction = Math.round((magnitude / 2 ** exponent - 1) * 1024);
  return sign | ((exponent + 15) << 10) | fraction;
}

export interface StorageContent {
  readonly key: string;
  readonly data?: Uint8Array;
  /** Size of a sparse (never written) storage entry. */
  readonly sparseSize?: number;
}

export interface TorchZipOptions {
  readonly rootName?: string;
  readonly storages?: readonly StorageContent[];
  /** Writes a `byteorder` entry (torch ≥ 2.1). */
  readonly byteorder?: string;
  readonly pickleMethod?: 'stored' | 'deflate';
  readonly storageMethod?: 'stored' | 'deflate';
  readonly zip?: ZipOptions;
  /** Use these bytes as data.pkl instead of pickling `root`. */
  readonly pickle?: Uint8Array;
  readonly extraEntries?: readonly ZipEntrySpec[];
}

/** A torch ≥ 1.6 zip checkpoint of `root`. */
export function torchZipLayout(root: PyValue, options: TorchZipOptions = {}): ZipLayout {
  const name = options.rootName ?? 'archive';
  const pickle = options.pickle ?? new TorchPickler().finish(root);
  const entries: ZipEntrySpec[] = [{ name: `${name}/data.pkl`, data: pickle, method: options.pickleMethod, align: 64 }];
  if (options.byteorder !== undefined) {
    entries.push({ name: `${name}/byteorder`, data: Buffer.from(options.byteorder), align: 64 });
  }
  for (const storage of options.storages ?? []) {
    entries.push({
      name: `${name}/data/${storage.key}`,
      data: storage.data,
      sparseSize: storage.sparseSize,
      method: options.storageMethod,
      align: 64,
    });
  }
  entries.push({ name: `${name}/version`, data: Buffer.from('3\n'), align: 64 });
  entries.push(...(options.extraEntries ?? []));
  return buildZip(entries, options.zip);
}

export function torchZipBytes(root: PyValue, options: TorchZipOptions = {}): Buffer {
  return layoutToBuffer(torchZipLayout(root, options));
}

export interface LegacyStorage {
  readonly key: string;
  readonly elementSize: number;
  readonly data: Uint8Array;
}

/** The five pickles and the raw storages of torch's `_legacy_save`. */
export function legacyBytes(root: PyValue, storages: readonly LegacyStorage[], pickle?: Uint8Array): Buffer {
  const magic = new PickleBytes().proto(2).int(0x1950a86a20f9469cfc6cn).stop().build();
  const version = new PickleBytes().proto(2).int(1001).stop().build();
  const sysInfo = new TorchPickler().finish({
    dict: [
      ['protocol_version', { int: 1001 }],
      ['little_endian', true],
      [
        'type_sizes',
        {
          dict: [
            ['short', { int: 2 }],
            ['int', { int: 4 }],
            ['long', { int: 4 }],
          ],
        },
      ],
    ],
  });
  const body = pickle ?? new TorchPickler({ legacyIds: true }).finish(root);
  const keys = new TorchPickler().finish({ list: storages.map((s) => s.key) });
  const records = storages.map((s) => {
    const count = Buffer.alloc(8);
    count.writeBigUInt64LE(BigInt(s.data.length / s.elementSize));
    return Buffer.concat([count, s.data]);
  });
  return Buffer.concat([magic, version, sysInfo, body, keys, ...records]);
}

export interface SafetensorsTensor {
  readonly name: string;
  readonly code: string;
  readonly shape: readonly number[];
  readonly data: Uint8Array;
}

export function safetensorsBytes(tensors: readonly SafetensorsTensor[], metadata?: Record<string, string>): Buffer {
  const header: Record<string, unknown> = {};
  if (metadata !== undefined) {
    header.__metadata__ = metadata;
  }
  let offset = 0;
  for (const tensor of tensors) {
    header[tensor.name] = {
      dtype: tensor.code,
      shape: tensor.shape,
      data_offsets: [offset, offset + tensor.data.length],
    };
    offset += tensor.data.length;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  return Buffer.concat([length, Buffer.from(json), ...tensors.map((t) => t.data)]);
}

/** A scratch directory for one test file, removed by `cleanup`. */
export async function scratchDir(): Promise<{
  dir: string;
  file: (name: string, data: Uint8Array) => Promise<string>;
  cleanup: () => Promise<void>;
}> {
  const dir = await mkdtemp(join(tmpdir(), 'tic-checkpoint-test-'));
  return {
    dir,
    file: async (name, data) => {
      const path = join(dir, name);
      await writeFile(path, data);
      return path;
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

/** A pickle that is just `value` followed by STOP, with a PROTO header. */
export function pickleOf(build: (p: PickleBytes) => void, protocol = 2): Buffer {
  const p = new PickleBytes().proto(protocol);
  build(p);
  return p.raw(op.STOP).build();
}
