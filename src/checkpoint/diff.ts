import type { Checkpoint, CheckpointFormat } from './checkpoint';
import { CheckpointError } from './checkpointError';
import { blockOf, towerOf, type ClipTower } from './clipTowers';
import { readableDtypes } from './dtypes';
import { openCheckpoint, type OpenCheckpointOptions } from './openCheckpoint';
import { findStateDict, type NamedTensor } from './stateDict';
import { readTensorChunks } from './tensorData';

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
  const started = performance.now();
  const checkpointA = typeof a === 'string' ? await openCheckpoint(a, options) : a;
  let checkpointB: Checkpoint | undefined;
  try {
    checkpointB = typeof b === 'string' ? await openCheckpoint(b, options) : b;
    return await compare(checkpointA, checkpointB, options, started);
  } finally {
    if (typeof b === 'string' && checkpointB !== undefined) {
      await checkpointB.close();
    }
    if (typeof a === 'string') {
      await checkpointA.close();
    }
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
  const pairs: [NamedTensor, NamedTensor][] = [];
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
      pairs.push([tensorA, tensorB]);
    }
  }

  const tensors: TensorDiff[] = [];
  const blocks = new Map<string, Sums>();
  const towers = new Map<ClipTower, Sums>();
  for (const [index, [tensorA, tensorB]] of pairs.entries()) {
    options.signal?.throwIfAborted();
    const sums = await compareTensor(a, b, tensorA, tensorB, options);
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
  }

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
      elapsedMs: Math.round(performance.now() - started),
    },
  };
}

async function compareTensor(
  a: Checkpoint,
  b: Checkpoint,
  tensorA: NamedTensor,
  tensorB: NamedTensor,
  options: DiffOptions,
): Promise<Sums> {
  const chunkOptions = { signal: options.signal, chunkElements: options.chunkElements };
  const chunksA = readTensorChunks(a, tensorA.tensor, chunkOptions);
  const chunksB = readTensorChunks(b, tensorB.tensor, chunkOptions);
  const sums: Sums = { tensors: 1, params: tensorA.tensor.numel, delta: 0, a: 0, b: 0, dot: 0 };
  try {
    // Both sides yield chunks of the same lengths: same element count, same chunk size.
    for (;;) {
      const [nextA, nextB] = await Promise.all([chunksA.next(), chunksB.next()]);
      if (nextA.done === true || nextB.done === true) {
        if (nextA.done !== nextB.done) {
          throw new CheckpointError('corrupt', `${tensorA.name}: the two tensors yielded different element counts`);
        }
        return sums;
      }
      const valuesA = nextA.value;
      const valuesB = nextB.value;
      let delta = 0;
      let squaresA = 0;
      let squaresB = 0;
      let dot = 0;
      for (let i = 0; i < valuesA.length; i++) {
        const x = valuesA[i] as number;
        const y = valuesB[i] as number;
        const d = y - x;
        delta += d * d;
        squaresA += x * x;
        squaresB += y * y;
        dot += x * y;
      }
      sums.delta += delta;
      sums.a += squaresA;
      sums.b += squaresB;
      sums.dot += dot;
    }
  } finally {
    await Promise.all([chunksA.return(undefined), chunksB.return(undefined)]);
  }
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
