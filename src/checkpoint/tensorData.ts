import type { Checkpoint, StorageBytes } from './checkpoint';
import { CheckpointError } from './checkpointError';
import { dtypeByteSize, readableDtypes, type TorchDtype } from './dtypes';
import { bfloat16ToNumber, halfToNumber } from './floatBits';
import type { TensorRef } from './pickleValues';
import { isContiguous } from './tensorRef';

export interface ReadTensorOptions {
  readonly signal?: AbortSignal;
  /** Refuse tensors with more elements than this (defaults to the checkpoint's maxTensorElements limit). */
  readonly maxElements?: number;
}

export interface ReadTensorChunksOptions {
  readonly signal?: AbortSignal;
  /** Elements per yielded chunk (the last one may be shorter). */
  readonly chunkElements?: number;
}

const defaultChunkElements = 1 << 20;

/**
 * A tensor's values in C order as doubles, read from its storage's bytes only (never other tensors'),
 * honouring storage offset, shape and strides, so views such as a transposed weight or one third of a fused
 * `in_proj_weight` come out as torch would print them. int64/uint64 values beyond 2^53 lose precision.
 */
export async function readTensor(
  checkpoint: Checkpoint,
  tensor: TensorRef,
  options: ReadTensorOptions = {},
): Promise<Float64Array> {
  const maxElements = options.maxElements ?? checkpoint.limits.maxTensorElements;
  if (tensor.numel > maxElements) {
    throw new CheckpointError(
      'tooLarge',
      `a tensor of ${tensor.numel} elements is over the read limit of ${maxElements}`,
    );
  }
  const values = new Float64Array(tensor.numel);
  let filled = 0;
  for await (const chunk of readTensorChunks(checkpoint, tensor, {
    signal: options.signal,
    chunkElements: defaultChunkElements,
  })) {
    values.set(chunk, filled);
    filled += chunk.length;
  }
  return values;
}

/**
 * The same values in consecutive chunks, so a caller (diff.ts) can stream a large tensor without holding it:
 * contiguous tensors are read chunk by chunk; a strided view reads its storage span once (bounded by
 * maxGatherBytes) and gathers from it.
 */
export async function* readTensorChunks(
  checkpoint: Checkpoint,
  tensor: TensorRef,
  options: ReadTensorChunksOptions = {},
): AsyncGenerator<Float64Array, void, undefined> {
  const { dtype } = tensor;
  if (!readableDtypes.has(dtype)) {
    throw new CheckpointError('unsupported', `values of ${dtype} tensors cannot be read`);
  }
  if (tensor.numel === 0) {
    return;
  }
  const chunkElements = Math.max(1, Math.floor(options.chunkElements ?? defaultChunkElements));
  const size = dtypeByteSize[dtype];
  const little = checkpoint.byteOrder === 'little';
  const bytes = await checkpoint.storageBytes(tensor.storage);
  const base = tensor.storage.elementOffset + tensor.storageOffset;
  checkExtent(tensor, bytes, base, size);

  if (isContiguous(tensor)) {
    for (let done = 0; done < tensor.numel; done += chunkElements) {
      options.signal?.throwIfAborted();
      const count = Math.min(chunkElements, tensor.numel - done);
      const raw = await bytes.read((base + done) * size, count * size);
      yield decode(raw, dtype, little, count);
    }
    return;
  }

  const span = spanOf(tensor);
  const spanBytes = (span + 1) * size;
  if (spanBytes > checkpoint.limits.maxGatherBytes) {
    throw new CheckpointError(
      'tooLarge',
      `a strided tensor spans ${spanBytes} bytes of storage, over the gather limit of ${checkpoint.limits.maxGatherBytes}`,
    );
  }
  options.signal?.throwIfAborted();
  const raw = await bytes.read(base * size, spanBytes);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const read = elementReader(dtype, little);
  const rank = tensor.shape.length;
  const index = new Array<number>(rank).fill(0);
  let position = 0;
  for (let done = 0; done < tensor.numel;) {
    options.signal?.throwIfAborted();
    const count = Math.min(chunkElements, tensor.numel - done);
    const out = new Float64Array(count);
    for (let i = 0; i < count; i++) {
      out[i] = read(view, position * size);
      // Advance the multi-index in C order, keeping `position` = Σ index·stride.
      for (let dim = rank - 1; dim >= 0; dim--) {
        const next = (index[dim] as number) + 1;
        if (next < (tensor.shape[dim] as number)) {
          index[dim] = next;
          position += tensor.stride[dim] as number;
          break;
        }
        position -= (index[dim] as number) * (tensor.stride[dim] as number);
        index[dim] = 0;
      }
    }
    done += count;
    yield out;
  }
}

/** The largest element index a tensor touches, relative to its first element. */
function spanOf(tensor: TensorRef): number {
  let span = 0;
  tensor.shape.forEach((extent, dim) => {
    span += (extent - 1) * (tensor.stride[dim] as number);
  });
  return span;
}

function checkExtent(tensor: TensorRef, bytes: StorageBytes, base: number, size: number): void {
  const lastByte = (base + spanOf(tensor) + 1) * size;
  if (lastByte > bytes.byteLength) {
    throw new CheckpointError(
      'corrupt',
      `a tensor needs ${lastByte} bytes of storage ${tensor.storage.key}, which has ${bytes.byteLength}`,
    );
  }
}

type ElementReader = (view: DataView, byteOffset: number) => number;

function elementReader(dtype: TorchDtype, little: boolean): ElementReader {
  switch (dtype) {
    case 'float32':
      return (view, at) => view.getFloat32(at, little);
    case 'float64':
      return (view, at) => view.getFloat64(at, little);
    case 'float16':
      return (view, at) => halfToNumber(view.getUint16(at, little));
    case 'bfloat16':
      return (view, at) => bfloat16ToNumber(view.getUint16(at, little));
    case 'int64':
      return little
        ? (view, at) => view.getInt32(at + 4, true) * 2 ** 32 + view.getUint32(at, true)
        : (view, at) => view.getInt32(at, false) * 2 ** 32 + view.getUint32(at + 4, false);
    case 'uint64':
      return little
        ? (view, at) => view.getUint32(at + 4, true) * 2 ** 32 + view.getUint32(at, true)
        : (view, at) => view.getUint32(at, false) * 2 ** 32 + view.getUint32(at + 4, false);
    case 'int32':
      return (view, at) => view.getInt32(at, little);
    case 'uint32':
      return (view, at) => view.getUint32(at, little);
    case 'int16':
      return (view, at) => view.getInt16(at, little);
    case 'uint16':
      return (view, at) => view.getUint16(at, little);
    case 'int8':
      return (view, at) => view.getInt8(at);
    case 'uint8':
      return (view, at) => view.getUint8(at);
    case 'bool':
      return (view, at) => (view.getUint8(at) !== 0 ? 1 : 0);
    default:
      throw new CheckpointError('unsupported', `values of ${dtype} tensors cannot be read`);
  }
}

const platformLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** `count` consecutive elements. */
function decode(raw: Buffer, dtype: TorchDtype, little: boolean, count: number): Float64Array {
  if (dtype === 'float32' && little === platformLittleEndian) {
    // The common case (fp32 weights): let the engine convert a whole aligned Float32Array at once.
    const aligned = raw.byteOffset % 4 === 0 ? raw : new Uint8Array(raw);
    return Float64Array.from(new Float32Array(aligned.buffer, aligned.byteOffset, count));
  }
  const out = new Float64Array(count);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const read = elementReader(dtype, little);
  const size = dtypeByteSize[dtype];
  for (let i = 0; i < count; i++) {
    out[i] = read(view, i * size);
  }
  return out;
}
