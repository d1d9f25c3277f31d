import type { Checkpoint, CheckpointFormat } from './readers/checkpoint';
import { CheckpointError } from './base/checkpointError';
import { checkpointClock } from './base/clock';
import { blockOf, towerOf, type ClipTower } from './clipTowers';
import { planPair } from './diffGeometry';
import { readableDtypes } from './base/dtypes';
import { openCheckpoint, type OpenCheckpointOptions } from './readers/openCheckpoint';
import { findStateDict, type NamedTensor } from './stateDict';
import { streamTensorChunks, type TensorChunk, type TensorValues } from './tensorData';
import type { TensorRef } from './base/pickleValues';

/**
 * How far checkpoint B moved from A, tensor by tensor, block by block and tower by tower — the question a
 * continual-training run asks between time steps. Streams: one pair of tensors is in memory at a time, and large
 * tensors are read in chunks. Names are compared after stripping `module.` (contracts §2.6).
 */
export interface DiffOptions extends OpenCheckpointOptions {
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: DiffProgress) => void;
  /** Elements per chunk when streaming a tensor. */
  readonly chunkElements?: number;
  /** Values read from each checkpoint, all tensors together, at most (default defaultMaxDiffElements). */
  readonly maxElements?: number;
}

/**
 * The diff's total work bound. Geometry checks keep one tensor from repeating its storage, but a million tensors
 * may all be views of the same stored bytes; this bounds the sum. Two fp32 ViT-bigG-14 checkpoints (the largest
 * OpenCLIP model, 2.5 G parameters) stay under it.
 */
export const defaultMaxDiffElements = 4_000_000_000;

/** The pairs to compare hold more values than the bound allows; nothing was read. */
export class DiffTooLargeError extends CheckpointError {
  constructor(
    readonly elements: number,
    readonly limit: number,
  ) {
    super(
      'tooLarge',
      `comparing these checkpoints means reading ${elements} values from each, over the limit of ${limit}`,
    );
  }
}

export interface DiffProgress {
  /** Tensor pairs compared so far (this one included). */
  readonly done: number;
  readonly total: number;
  readonly name: string;
}

export interface TensorDiff {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtypeA: string;
  readonly dtypeB: string;
  /** ‖B − A‖₂. */
  readonly l2Delta: number;
  /** ‖B − A‖₂ / ‖A‖₂, null when ‖A‖ = 0. */
  readonly relDelta: number | null;
  /** ⟨A, B⟩ / (‖A‖ ‖B‖), null when either norm is 0. */
  readonly cosine: number | null;
  readonly normA: number;
  readonly normB: number;
}

/** The same measures over a group of tensors, from summed squares (not averaged per-tensor ratios). */
export interface GroupDiff {
  readonly name: string;
  readonly tensors: number;
  readonly params: number;
  readonly l2Delta: number;
  readonly relDelta: number | null;
  readonly cosine: number | null;
  readonly normA: number;
  readonly normB: number;
}

export interface ShapeMismatch {
  readonly name: string;
  readonly shapeA: readonly number[];
  readonly shapeB: readonly number[];
}

export interface SkippedTensor {
  readonly name: string;
  readonly reason: string;
}

export interface CheckpointDiff {
  readonly a: DiffSide;
  readonly b: DiffSide;
  readonly tensors: readonly TensorDiff[];
  readonly blocks: readonly GroupDiff[];
  readonly towers: readonly GroupDiff[];
  readonly onlyInA: readonly string[];
  readonly onlyInB: readonly string[];
  readonly shapeMismatch: readonly ShapeMismatch[];
  /** Pairs present in both with equal shapes whose values cannot be read (quantized or complex dtypes). */
  readonly skipped: readonly SkippedTensor[];
  readonly stats: { readonly bytesRead: number; readonly elapsedMs: number };
}

export interface DiffSide {
  readonly path: string;
  readonly format: CheckpointFormat;
  readonly stateDictPath: readonly string[] | null;
  readonly stripPrefix: string | null;
}

/** Two tensors of one name and shape, and the views of them the diff reads (see diffGeometry.ts). */
interface Pair {
  readonly a: NamedTensor;
  readonly b: NamedTensor;
  readonly read: readonly [TensorRef, TensorRef];
  /** How many times the read views repeat in the tensors. */
  readonly repeat: number;
}

interface Sums {
  tensors: number;
  params: number;
  delta: number;
  a: number;
  b: number;
  dot: number;
}

/** Compares the state dicts of two checkpoints (paths are opened and closed here; open ones are left open). */
export async function diffCheckpoints(
  a: string | Checkpoint,
  b: string | Checkpoint,
  options: DiffOptions = {},
): Promise<CheckpointDiff> {
  const started = checkpointClock();
  // Both opens at once, so one file's directory and pickle are read while the other's pickle is decoded.
  const [openedA, openedB] = await Promise.allSettled([
    typeof a === 'string' ? openCheckpoint(a, options) : a,
    typeof b === 'string' ? openCheckpoint(b, options) : b,
  ]);
  const ours = (opened: PromiseSettledResult<Checkpoint>, given: string | Checkpoint): Checkpoint | undefined =>
    typeof given === 'string' && opened.status === 'fulfilled' ? opened.value : undefined;
  try {
    if (openedA.status === 'rejected') {
      throw openedA.reason;
    }
    if (openedB.status === 'rejected') {
      throw openedB.reason;
    }
    return await compare(openedA.value, openedB.value, options, started);
  } finally {
    await ours(openedB, b)?.close();
    await ours(openedA, a)?.close();
  }
}

async function compare(a: Checkpoint, b: Checkpoint, options: DiffOptions, started: number): Promise<CheckpointDiff> {
  const bytesBefore = a.bytesRead + (a === b ? 0 : b.bytesRead);
  const stateA = findStateDict(a.root);
  const stateB = findStateDict(b.root);
  if (stateA === null || stateB === null) {
    throw new CheckpointError(
      'notACheckpoint',
      `${stateA === null ? a.path : b.path} has no state dict (no dict of tensors under state_dict, model or the top level)`,
    );
  }
  const byNameB = new Map<string, NamedTensor>(stateB.tensors.map((t) => [t.name, t]));
  const namesA = new Set(stateA.tensors.map((t) => t.name));
  const pairs: Pair[] = [];
  const shapeMismatch: ShapeMismatch[] = [];
  const skipped: SkippedTensor[] = [];
  for (const tensorA of stateA.tensors) {
    const tensorB = byNameB.get(tensorA.name);
    if (tensorB === undefined) {
      continue;
    }
    if (!sameShape(tensorA.tensor.shape, tensorB.tensor.shape)) {
      shapeMismatch.push({ name: tensorA.name, shapeA: [...tensorA.tensor.shape], shapeB: [...tensorB.tensor.shape] });
    } else if (!readableDtypes.has(tensorA.tensor.dtype) || !readableDtypes.has(tensorB.tensor.dtype)) {
      skipped.push({
        name: tensorA.name,
        reason: `values of ${tensorA.tensor.dtype}/${tensorB.tensor.dtype} tensors cannot be read`,
      });
    } else {
      const plan = planPair(tensorA.tensor, tensorB.tensor);
      if ('refused' in plan) {
        skipped.push({ name: tensorA.name, reason: plan.refused });
      } else {
        pairs.push({ a: tensorA, b: tensorB, read: plan.read, repeat: plan.repeat });
      }
    }
  }
  const limit = options.maxElements ?? defaultMaxDiffElements;
  const elements = pairs.reduce((n, pair) => n + pair.read[0].numel, 0);
  if (elements > limit) {
    throw new DiffTooLargeError(elements, limit);
  }

  const tensors: TensorDiff[] = [];
  const blocks = new Map<string, Sums>();
  const towers = new Map<ClipTower, Sums>();
  const finish = (index: number, read: Sums): void => {
    const { a: tensorA, b: tensorB, repeat } = pairs[index] as Pair;
    const sums = repeated(read, repeat, tensorA.tensor.numel);
    const normA = Math.sqrt(sums.a);
    const normB = Math.sqrt(sums.b);
    tensors.push({
      name: tensorA.name,
      shape: [...tensorA.tensor.shape],
      dtypeA: tensorA.tensor.dtype,
      dtypeB: tensorB.tensor.dtype,
      ...measures(sums),
      normA,
      normB,
    });
    accumulate(blocks, blockOf(tensorA.name), sums);
    accumulate(towers, towerOf(tensorA.name), sums);
    options.onProgress?.({ done: index + 1, total: pairs.length, name: tensorA.name });
  };
  await comparePairs(a, b, pairs, options, finish);

  return {
    a: side(a, stateA),
    b: side(b, stateB),
    tensors,
    blocks: [...blocks].map(([name, sums]) => group(name, sums)),
    towers: [...towers].map(([name, sums]) => group(name, sums)),
    onlyInA: stateA.tensors.filter((t) => !byNameB.has(t.name)).map((t) => t.name),
    onlyInB: stateB.tensors.filter((t) => !namesA.has(t.name)).map((t) => t.name),
    shapeMismatch,
    skipped,
    stats: {
      bytesRead: a.bytesRead + (a === b ? 0 : b.bytesRead) - bytesBefore,
      elapsedMs: Math.round(checkpointClock() - started),
    },
  };
}

/**
 * Streams every pair's values through the two checkpoints' chunk streams in lockstep (both sides of a pair have
 * the same element count, so they are chunked alike) and hands each pair's sums to `finish`, in pair order.
 * Each chunk's sums are formed on their own and then added to the pair's, as a chunk-by-chunk reading would:
 * the numbers do not depend on how far the streams read ahead.
 */
async function comparePairs(
  a: Checkpoint,
  b: Checkpoint,
  pairs: readonly Pair[],
  options: DiffOptions,
  finish: (index: number, sums: Sums) => void,
): Promise<void> {
  const chunkOptions = { signal: options.signal, chunkElements: options.chunkElements };
  const tensorsA = pairs.map((pair) => pair.read[0]);
  const tensorsB = pairs.map((pair) => pair.read[1]);
  const streamA = streamTensorChunks(a, tensorsA, chunkOptions);
  const streamB = streamTensorChunks(b, tensorsB, chunkOptions);
  const chunkSums = new Float64Array(4);
  let index = 0;
  let sums = newSums(pairs[0]);
  /** Hands over every pair before `until` (those with no elements had no chunks). */
  const finishUntil = (until: number): void => {
    while (index < until) {
      options.signal?.throwIfAborted();
      finish(index, sums);
      index += 1;
      sums = newSums(pairs[index]);
    }
  };
  try {
    options.signal?.throwIfAborted();
    for (;;) {
      const [nextA, nextB] = await Promise.all([streamA.next(), streamB.next()]);
      if (nextA.done === true || nextB.done === true) {
        if (nextA.done !== nextB.done) {
          throw differentCounts(pairs, nextA.done === true ? (nextB.value as TensorChunk) : nextA.value);
        }
        finishUntil(pairs.length);
        return;
      }
      const chunkA = nextA.value;
      const chunkB = nextB.value;
      if (
        chunkA.tensor !== chunkB.tensor ||
        chunkA.offset !== chunkB.offset ||
        chunkA.values.length !== chunkB.values.length
      ) {
        throw differentCounts(pairs, chunkA.tensor <= chunkB.tensor ? chunkA : chunkB);
      }
      finishUntil(chunkA.tensor);
      chunkMeasures(chunkA.values, chunkB.values, chunkSums);
      sums.delta += chunkSums[0] as number;
      sums.a += chunkSums[1] as number;
      sums.b += chunkSums[2] as number;
      sums.dot += chunkSums[3] as number;
      if (chunkA.offset + chunkA.values.length === sums.params) {
        finishUntil(index + 1);
      }
    }
  } finally {
    await Promise.all([streamA.return(undefined), streamB.return(undefined)]);
  }
}

/** Sums for the values read of one pair; `params` counts what is read until `repeated` scales it up. */
function newSums(pair: Pair | undefined): Sums {
  return { tensors: 1, params: pair?.read[0].numel ?? 0, delta: 0, a: 0, b: 0, dot: 0 };
}

/** The sums of a whole tensor whose read view repeats `repeat` times in it. */
function repeated(read: Sums, repeat: number, params: number): Sums {
  if (repeat === 1) {
    return read;
  }
  return {
    tensors: read.tensors,
    params,
    delta: read.delta * repeat,
    a: read.a * repeat,
    b: read.b * repeat,
    dot: read.dot * repeat,
  };
}

function differentCounts(pairs: readonly Pair[], chunk: TensorChunk): CheckpointError {
  const name = pairs[chunk.tensor]?.a.name ?? `tensor ${chunk.tensor}`;
  return new CheckpointError('corrupt', `${name}: the two tensors yielded different element counts`);
}

/**
 * Σ(y−x)², Σx², Σy², Σxy of one chunk into `out`, in element order. float32 chunks (nearly all of them) get
 * their own loop, so the engine sees one array type there and widens each element to a double exactly; other
 * dtypes share a second loop. The order of operations is the same in both.
 */
function chunkMeasures(x: TensorValues, y: TensorValues, out: Float64Array): void {
  if (x instanceof Float32Array && y instanceof Float32Array) {
    measureFloat32(x, y, out);
  } else {
    measureAny(x, y, out);
  }
}

// measureFloat32 and measureAny are the same loop on purpose: a loop that only ever sees Float32Array stays
// monomorphic in V8, which is most of the diff's speed (bench/results/checkpoint.md); measureAny serves the rest.
function measureFloat32(x: Float32Array, y: Float32Array, out: Float64Array): void {
  let delta = 0;
  let squaresA = 0;
  let squaresB = 0;
  let dot = 0;
  const n = x.length;
  for (let i = 0; i < n; i++) {
    const u = x[i] as number;
    const v = y[i] as number;
    const d = v - u;
    delta += d * d;
    squaresA += u * u;
    squaresB += v * v;
    dot += u * v;
  }
  out[0] = delta;
  out[1] = squaresA;
  out[2] = squaresB;
  out[3] = dot;
}

function measureAny(x: ArrayLike<number>, y: ArrayLike<number>, out: Float64Array): void {
  let delta = 0;
  let squaresA = 0;
  let squaresB = 0;
  let dot = 0;
  const n = x.length;
  for (let i = 0; i < n; i++) {
    const u = x[i] as number;
    const v = y[i] as number;
    const d = v - u;
    delta += d * d;
    squaresA += u * u;
    squaresB += v * v;
    dot += u * v;
  }
  out[0] = delta;
  out[1] = squaresA;
  out[2] = squaresB;
  out[3] = dot;
}

function measures(sums: Sums): { l2Delta: number; relDelta: number | null; cosine: number | null } {
  const normA = Math.sqrt(sums.a);
  const normB = Math.sqrt(sums.b);
  const l2Delta = Math.sqrt(sums.delta);
  return {
    l2Delta,
    relDelta: normA === 0 ? null : l2Delta / normA,
    cosine: normA === 0 || normB === 0 ? null : Math.max(-1, Math.min(1, sums.dot / (normA * normB))),
  };
}

function accumulate<K>(groups: Map<K, Sums>, key: K, sums: Sums): void {
  const total = groups.get(key) ?? { tensors: 0, params: 0, delta: 0, a: 0, b: 0, dot: 0 };
  total.tensors += sums.tensors;
  total.params += sums.params;
  total.delta += sums.delta;
  total.a += sums.a;
  total.b += sums.b;
  total.dot += sums.dot;
  groups.set(key, total);
}

function group(name: string, sums: Sums): GroupDiff {
  return {
    name,
    tensors: sums.tensors,
    params: sums.params,
    ...measures(sums),
    normA: Math.sqrt(sums.a),
    normB: Math.sqrt(sums.b),
  };
}

function side(checkpoint: Checkpoint, state: { path: readonly string[]; stripPrefix: string | null }): DiffSide {
  return {
    path: checkpoint.path,
    format: checkpoint.format,
    stateDictPath: [...state.path],
    stripPrefix: state.stripPrefix,
  };
}

function sameShape(x: readonly number[], y: readonly number[]): boolean {
  return x.length === y.length && x.every((extent, i) => extent === y[i]);
}
