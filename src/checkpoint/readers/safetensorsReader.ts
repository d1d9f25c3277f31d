import { Checkpoint, fileStorageBytes, type StorageBytes } from './checkpoint';
import { CheckpointError } from '../base/checkpointError';
import { dtypeByteSize, dtypeOfSafetensorsCode } from '../base/dtypes';
import type { CheckpointLimits } from '../base/limits';
import { newDict, type PickleDict, type StorageRef, type TensorRef } from '../base/pickleValues';
import type { RandomAccessFile } from '../base/randomAccessFile';
import { elementCount } from '../base/tensorRef';

/**
 * The safetensors format (huggingface/safetensors, "Format" in its README): an 8-byte little-endian header
 * length N, N bytes of JSON `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__"?: {str: str}}`,
 * then the tensor bytes, little-endian and C-contiguous, offsets relative to the end of the header.
 */
export async function readSafetensors(file: RandomAccessFile, limits: CheckpointLimits): Promise<Checkpoint> {
  const lengthBytes = await file.read(0, 8, 'the safetensors header length');
  const high = lengthBytes.readUInt32LE(4);
  const headerLength = lengthBytes.readUInt32LE(0) + high * 2 ** 32;
  if (high >= 0x200000 || headerLength > limits.maxHeaderJsonBytes) {
    throw new CheckpointError(
      'tooLarge',
      `the safetensors header declares ${headerLength} bytes, over the limit of ${limits.maxHeaderJsonBytes}`,
    );
  }
  const headerBytes = await file.read(8, headerLength, 'the safetensors header');
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(headerBytes));
  } catch {
    throw new CheckpointError('corrupt', 'the safetensors header is not valid UTF-8 JSON');
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new CheckpointError('corrupt', 'the safetensors header is not a JSON object');
  }

  const dataStart = 8 + headerLength;
  const dataSize = file.size - dataStart;
  const root: PickleDict = newDict('collections.OrderedDict');
  const spans = new Map<string, { begin: number; end: number }>();
  let metadata: Record<string, string> | null = null;
  const names = Object.keys(header);
  if (names.length > limits.maxTensors + 1) {
    throw new CheckpointError('tooLarge', `the safetensors header lists more than ${limits.maxTensors} tensors`);
  }
  for (const name of names) {
    const info = (header as Record<string, unknown>)[name];
    if (name === '__metadata__') {
      metadata = parseMetadata(info);
      continue;
    }
    const { tensor, begin, end } = parseTensorInfo(name, info, dataSize, limits);
    spans.set(name, { begin, end });
    root.entries.push([name, tensor]);
  }

  const resolveStorage = (storage: StorageRef): Promise<StorageBytes> => {
    const span = spans.get(storage.key);
    if (span === undefined) {
      return Promise.reject(new CheckpointError('corrupt', `no safetensors entry ${storage.key}`));
    }
    return Promise.resolve(fileStorageBytes(file, dataStart + span.begin, span.end - span.begin, storage.key));
  };

  return new Checkpoint({
    file,
    format: 'safetensors',
    root,
    warnings: [],
    byteOrder: 'little',
    limits,
    metadata,
    resolveStorage,
  });
}

function parseMetadata(info: unknown): Record<string, string> {
  if (typeof info !== 'object' || info === null || Array.isArray(info)) {
    throw new CheckpointError('corrupt', 'the safetensors __metadata__ is not an object');
  }
  const metadata: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [key, value] of Object.entries(info)) {
    if (typeof value !== 'string') {
      throw new CheckpointError('corrupt', `the safetensors __metadata__ value of ${key} is not a string`);
    }
    metadata[key] = value;
  }
  return metadata;
}

function parseTensorInfo(
  name: string,
  info: unknown,
  dataSize: number,
  limits: CheckpointLimits,
): { tensor: TensorRef; begin: number; end: number } {
  if (typeof info !== 'object' || info === null || Array.isArray(info)) {
    throw new CheckpointError('corrupt', `safetensors entry ${name} is not an object`);
  }
  const { dtype: code, shape, data_offsets: offsets } = info as Record<string, unknown>;
  if (typeof code !== 'string') {
    throw new CheckpointError('corrupt', `safetensors entry ${name} has no dtype`);
  }
  const dtype = dtypeOfSafetensorsCode(code);
  if (dtype === undefined) {
    throw new CheckpointError('unsupported', `safetensors entry ${name} has dtype ${code.slice(0, 20)}`);
  }
  if (!Array.isArray(shape) || !shape.every(isSize)) {
    throw new CheckpointError('corrupt', `safetensors entry ${name} has a malformed shape`);
  }
  if (shape.length > limits.maxTensorRank) {
    throw new CheckpointError('tooLarge', `safetensors entry ${name} has ${shape.length} dimensions`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isSize)) {
    throw new CheckpointError('corrupt', `safetensors entry ${name} has malformed data_offsets`);
  }
  const [begin, end] = offsets as [number, number];
  const numel = elementCount(shape as number[]);
  if (begin > end || end - begin !== numel * dtypeByteSize[dtype]) {
    throw new CheckpointError('corrupt', `safetensors entry ${name}: data_offsets do not match its shape and dtype`);
  }
  if (end > dataSize) {
    throw new CheckpointError('truncated', `safetensors entry ${name} ends at ${end}, past the ${dataSize} data bytes`);
  }
  const stride: number[] = new Array<number>(shape.length);
  let step = 1;
  for (let dim = shape.length - 1; dim >= 0; dim--) {
    stride[dim] = step;
    step *= shape[dim] as number;
  }
  const storage: StorageRef = { kind: 'storage', key: name, dtype, location: 'cpu', numel, elementOffset: 0 };
  return {
    tensor: {
      kind: 'tensor',
      dtype,
      shape: shape as number[],
      stride,
      storageOffset: 0,
      storage,
      numel,
      requiresGrad: false,
      rebuild: 'tensor',
    },
    begin,
    end,
  };
}

function isSize(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}
