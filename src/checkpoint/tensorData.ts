import type { Checkpoint, StorageBytes } from './readers/checkpoint';
import { CheckpointError } from './base/checkpointError';
import { dtypeByteSize, readableDtypes, type TorchDtype } from './base/dtypes';
import { bfloat16ToNumber, halfToNumber, halfValues } from './base/floatBits';
import type { TensorRef } from './base/pickleValues';
import { isContiguous } from './base/tensorRef';

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

/**
 * A chunk of values as the typed array that holds them without loss: float32, float16 and bfloat16 as a
 * Float32Array (float32 holds both 16-bit formats exactly), float64 and the 64-bit integers as a Float64Array
 * (int64/uint64 beyond 2^53 lose precision, as in readTensor), smaller integers as their own array, bool as 0/1
 * bytes. Every element converts to the same double readTensor would give.
 */
export type TensorValues =
  Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array;

export interface TensorChunk {
  /** The tensor's position in the list given to streamTensorChunks. */
  readonly tensor: number;
  /** The index (C order) of the chunk's first element within its tensor. */
  readonly offset: number;
  /**
   * The values. For contiguous tensors this is a view over a buffer the stream reuses: it is valid only until
   * the stream's next `next()` (or `return()`); copy what must outlive that.
   */
  readonly values: TensorValues;
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
  if (tensor.numel > 0 && tensor.numel <= defaultChunkElements && isStreamable(tensor)) {
    // One chunk (an optimizer step, a bias): one read, without a stream around it.
    options.signal?.throwIfAborted();
    const job = jobFor(tensor, 0, 0, tensor.numel);
    const buffer = new ChunkBuffer();
    buffer.reserve(job.bytes);
    return new Float64Array(await loadChunk(checkpoint, tensor, job, buffer, checkpoint.byteOrder === 'little'));
  }
  const values = new Float64Array(tensor.numel);
  for await (const chunk of streamTensorChunks(checkpoint, [tensor], {
    signal: options.signal,
    chunkElements: defaultChunkElements,
  })) {
    values.set(chunk.values, chunk.offset);
  }
  return values;
}

/**
 * The same values in consecutive chunks of fresh Float64Arrays that the caller may keep: contiguous tensors are
 * read chunk by chunk; a strided view reads its storage span once (bounded by maxGatherBytes) and gathers from
 * it. A caller that only looks at each chunk once (diff.ts) should use streamTensorChunks, which allocates
 * nothing per chunk and reads ahead.
 */
export async function* readTensorChunks(
  checkpoint: Checkpoint,
  tensor: TensorRef,
  options: ReadTensorChunksOptions = {},
): AsyncGenerator<Float64Array, void, undefined> {
  if (!isStreamable(tensor)) {
    yield* gatherChunks(checkpoint, tensor, chunkElementsOf(options), options.signal);
    return;
  }
  for await (const chunk of streamTensorChunks(checkpoint, [tensor], options)) {
    yield new Float64Array(chunk.values);
  }
}

/**
 * The values of several tensors, one after another, in chunks of at most `chunkElements` elements that never
 * straddle two tensors (a tensor's chunks start at multiples of chunkElements, so two tensors of one element
 * count are chunked alike whatever their dtypes or layouts). Empty tensors yield nothing.
 *
 * Contiguous tensors of a readable dtype — nearly every state-dict tensor — are read into buffers that are reused
 * for the whole stream and decoded in place, so nothing is allocated per chunk. While the caller works on one
 * chunk the next ones (of the same tensor or the following ones) are already being read: at least one chunk,
 * and more while they are small (a state dict alternates large weights with biases and norms of a few KB, and
 * each read costs a round trip whatever its size), up to `maxReadAhead` chunks and `chunkElements` × 8 bytes
 * (two float32 chunks). Memory stays at three large chunks and a few small ones whatever the tensors' sizes.
 * Strided views and other dtypes go through readTensorChunks' gather path (and its errors) without read-ahead.
 */
export async function* streamTensorChunks(
  checkpoint: Checkpoint,
  tensors: readonly TensorRef[],
  options: ReadTensorChunksOptions = {},
): AsyncGenerator<TensorChunk, void, undefined> {
  const chunkElements = chunkElementsOf(options);
  // Two full float32 chunks ahead, or more smaller ones (one chunk is always allowed, whatever its size): with a
  // single read in flight per file a cold disk delivered a third less than with two.
  const aheadBudget = chunkElements * 8;
  const { signal } = options;
  const little = checkpoint.byteOrder === 'little';
  const pool = new BufferPool();

  /** The chunk that starts at element `offset` of tensor `index`, or the first one after it. */
  const jobFrom = (index: number, offset: number): Job | undefined => {
    for (let t = index; t < tensors.length; t++, offset = 0) {
      const tensor = tensors[t] as TensorRef;
      if (!isStreamable(tensor)) {
        return { gather: true, tensor: t, offset: 0, count: 0, bytes: 0 };
      }
      if (offset < tensor.numel) {
        return jobFor(tensor, t, offset, Math.min(chunkElements, tensor.numel - offset));
      }
    }
    return undefined;
  };

  /** Reads started and not yet handed out, in stream order. */
  const queue: Pending[] = [];
  let queuedBytes = 0;
  /** The next chunk not yet started. */
  let planned = jobFrom(0, 0);
  /** The buffer behind the chunk the caller holds; it is free again once the caller asks for the next one. */
  let held: ChunkBuffer | undefined;

  const readAhead = (): void => {
    while (planned !== undefined && !planned.gather && queue.length < maxReadAhead) {
      if (queue.length > 0 && queuedBytes + planned.bytes > aheadBudget) {
        break;
      }
      const job = planned;
      const buffer = pool.take(job.bytes);
      const values = loadChunk(checkpoint, tensors[job.tensor] as TensorRef, job, buffer, little);
      // A read-ahead that fails while the caller is busy must not count as an unhandled rejection; the error still
      // reaches the caller when it gets to this chunk.
      values.catch(ignore);
      queue.push({ job, buffer, values });
      queuedBytes += job.bytes;
      planned = jobFrom(job.tensor, job.offset + job.count);
    }
  };

  try {
    for (;;) {
      signal?.throwIfAborted();
      if (held !== undefined) {
        pool.give(held);
        held = undefined;
      }
      readAhead();
      const next = queue.shift();
      if (next === undefined) {
        if (planned === undefined) {
          return;
        }
        // Only a gather job stops the read-ahead, so this is one, and nothing else is in flight.
        const { tensor } = planned;
        let offset = 0;
        for await (const values of gatherChunks(checkpoint, tensors[tensor] as TensorRef, chunkElements, signal)) {
          yield { tensor, offset, values };
          offset += values.length;
        }
        planned = jobFrom(tensor + 1, 0);
        continue;
      }
      queuedBytes -= next.job.bytes;
      const values = await next.values;
      held = next.buffer;
      readAhead();
      yield { tensor: next.job.tensor, offset: next.job.offset, values };
    }
  } finally {
    // Never leave a read running into a buffer (or a file about to be closed) behind us.
    for (const pending of queue) {
      await pending.values.catch(ignore);
    }
  }
}

/** Chunks read ahead at most, whatever their size. */
const maxReadAhead = 16;

interface Job {
  /** Not streamable: strided, or a dtype the gather path refuses. */
  readonly gather: boolean;
  readonly tensor: number;
  readonly offset: number;
  readonly count: number;
  /** Buffer bytes the chunk needs (stored or decoded, whichever is larger). */
  readonly bytes: number;
}

interface Pending {
  readonly job: Job;
  readonly buffer: ChunkBuffer;
  readonly values: Promise<TensorValues>;
}

/** Reading `count` elements from element `offset` of a streamable tensor. */
function jobFor(tensor: TensorRef, index: number, offset: number, count: number): Job {
  const bytes = count * Math.max(dtypeByteSize[tensor.dtype], decodedSize(tensor.dtype));
  return { gather: false, tensor: index, offset, count, bytes };
}

function ignore(): void {}

function chunkElementsOf(options: ReadTensorChunksOptions): number {
  return Math.max(1, Math.floor(options.chunkElements ?? defaultChunkElements));
}

function isStreamable(tensor: TensorRef): boolean {
  return readableDtypes.has(tensor.dtype) && isContiguous(tensor);
}

/** A growable byte buffer, 8-byte aligned (an ArrayBuffer of its own), reused chunk after chunk. */
class ChunkBuffer {
  buffer = new ArrayBuffer(0);
  bytes = new Uint8Array(this.buffer);

  get capacity(): number {
    return this.buffer.byteLength;
  }

  /** At least `byteLength` bytes; the contents are not kept across a growth. */
  reserve(byteLength: number): void {
    if (byteLength > this.buffer.byteLength) {
      // Round up so a stream of growing tensors reallocates a few times, not once per tensor.
      let size = Math.max(4096, this.buffer.byteLength);
      while (size < byteLength) {
        size *= 2;
      }
      this.buffer = new ArrayBuffer(size);
      this.bytes = new Uint8Array(this.buffer);
    }
  }
}

/**
 * The free buffers of one stream. A request takes the smallest free buffer that fits, else grows the largest
 * free one, so the few large buffers serve the large chunks and small chunks do not make more of them.
 */
class BufferPool {
  private readonly free: ChunkBuffer[] = [];

  take(byteLength: number): ChunkBuffer {
    let fit: ChunkBuffer | undefined;
    let largest: ChunkBuffer | undefined;
    for (const buffer of this.free) {
      if (buffer.capacity >= byteLength && (fit === undefined || buffer.capacity < fit.capacity)) {
        fit = buffer;
      }
      if (largest === undefined || buffer.capacity > largest.capacity) {
        largest = buffer;
      }
    }
    const chosen = fit ?? largest ?? new ChunkBuffer();
    const at = this.free.indexOf(chosen);
    if (at >= 0) {
      this.free.splice(at, 1);
    }
    chosen.reserve(byteLength);
    return chosen;
  }

  give(buffer: ChunkBuffer): void {
    this.free.push(buffer);
  }
}

/** Bytes per element once decoded: 16-bit floats widen to float32, 64-bit integers to float64. */
function decodedSize(dtype: TorchDtype): number {
  switch (dtype) {
    case 'float16':
    case 'bfloat16':
      return 4;
    case 'int64':
    case 'uint64':
      return 8;
    default:
      return dtypeByteSize[dtype];
  }
}

async function loadChunk(
  checkpoint: Checkpoint,
  tensor: TensorRef,
  job: Job,
  into: ChunkBuffer,
  little: boolean,
): Promise<TensorValues> {
  const { dtype } = tensor;
  const size = dtypeByteSize[dtype];
  const bytes = await checkpoint.storageBytes(tensor.storage);
  const base = tensor.storage.elementOffset + tensor.storageOffset;
  if (job.offset === 0) {
    checkExtent(tensor, bytes, base, size);
  }
  const length = job.count * size;
  await bytes.readInto((base + job.offset) * size, length, into.bytes);
  if (little !== platformLittleEndian && size > 1) {
    swapBytes(into.buffer, length, size);
  }
  return decodeInPlace(into.buffer, dtype, job.count);
}

/** Reverses each element's bytes (a big-endian file on a little-endian machine, or the other way round). */
function swapBytes(buffer: ArrayBuffer, length: number, size: number): void {
  const bytes = Buffer.from(buffer, 0, length);
  if (size === 2) {
    bytes.swap16();
  } else if (size === 4) {
    bytes.swap32();
  } else if (size === 8) {
    bytes.swap64();
  }
}

/**
 * The first `count` elements of `buffer` (already in the platform's byte order) as numbers, decoding in place
 * where the stored form is not a typed array: the buffer holds `count` decoded elements.
 */
function decodeInPlace(buffer: ArrayBuffer, dtype: TorchDtype, count: number): TensorValues {
  switch (dtype) {
    case 'float32':
      return new Float32Array(buffer, 0, count);
    case 'float64':
      return new Float64Array(buffer, 0, count);
    case 'int32':
      return new Int32Array(buffer, 0, count);
    case 'uint32':
      return new Uint32Array(buffer, 0, count);
    case 'int16':
      return new Int16Array(buffer, 0, count);
    case 'uint16':
      return new Uint16Array(buffer, 0, count);
    case 'int8':
      return new Int8Array(buffer, 0, count);
    case 'uint8':
      return new Uint8Array(buffer, 0, count);
    case 'bool': {
      const out = new Uint8Array(buffer, 0, count);
      for (let i = 0; i < count; i++) {
        out[i] = out[i] === 0 ? 0 : 1;
      }
      return out;
    }
    case 'bfloat16': {
      // Back to front, so widening 2-byte elements into 4-byte ones never overwrites one not yet read.
      const bits = new Uint16Array(buffer, 0, count);
      const wide = new Uint32Array(buffer, 0, count);
      for (let i = count - 1; i >= 0; i--) {
        wide[i] = (bits[i] as number) << 16;
      }
      return new Float32Array(buffer, 0, count);
    }
    case 'float16': {
      const table = halfValues();
      const bits = new Uint16Array(buffer, 0, count);
      const out = new Float32Array(buffer, 0, count);
      for (let i = count - 1; i >= 0; i--) {
        out[i] = table[bits[i] as number] as number;
      }
      return out;
    }
    case 'int64':
    case 'uint64': {
      // Each element's two 32-bit words are read before its 8 bytes are overwritten by the double.
      const words = new Uint32Array(buffer, 0, count * 2);
      const signedWords = new Int32Array(buffer, 0, count * 2);
      const out = new Float64Array(buffer, 0, count);
      const lowWord = platformLittleEndian ? 0 : 1;
      const highWord = 1 - lowWord;
      const signed = dtype === 'int64';
      for (let i = 0; i < count; i++) {
        const low = words[2 * i + lowWord] as number;
        const high = (signed ? signedWords[2 * i + highWord] : words[2 * i + highWord]) as number;
        out[i] = high * 2 ** 32 + low;
      }
      return out;
    }
    default:
      throw new CheckpointError('unsupported', `values of ${dtype} tensors cannot be read`);
  }
}

/**
 * The general path: any readable dtype and layout, as fresh Float64Arrays. A strided view reads its storage
 * span once (bounded by maxGatherBytes) and gathers from it.
 */
async function* gatherChunks(
  checkpoint: Checkpoint,
  tensor: TensorRef,
  chunkElements: number,
  signal: AbortSignal | undefined,
): AsyncGenerator<Float64Array, void, undefined> {
  const { dtype } = tensor;
  if (!readableDtypes.has(dtype)) {
    throw new CheckpointError('unsupported', `values of ${dtype} tensors cannot be read`);
  }
  if (tensor.numel === 0) {
    return;
  }
  const size = dtypeByteSize[dtype];
  const little = checkpoint.byteOrder === 'little';
  const bytes = await checkpoint.storageBytes(tensor.storage);
  const base = tensor.storage.elementOffset + tensor.storageOffset;
  checkExtent(tensor, bytes, base, size);

  const span = spanOf(tensor);
  const spanBytes = (span + 1) * size;
  if (spanBytes > checkpoint.limits.maxGatherBytes) {
    throw new CheckpointError(
      'tooLarge',
      `a strided tensor spans ${spanBytes} bytes of storage, over the gather limit of ${checkpoint.limits.maxGatherBytes}`,
    );
  }
  signal?.throwIfAborted();
  const raw = await bytes.read(base * size, spanBytes);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const read = elementReader(dtype, little);
  const rank = tensor.shape.length;
  const index = new Array<number>(rank).fill(0);
  let position = 0;
  for (let done = 0; done < tensor.numel;) {
    signal?.throwIfAborted();
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
