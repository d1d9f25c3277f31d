import { ProbeError } from './probeError';

/**
 * CLIP's zero-shot scoring on features from the two towers, as open_clip computes it: both sides L2-normalised,
 * logits = logit_scale × cosine similarity, a softmax per image over the labels. Arithmetic is in float64 (the
 * towers' float32 outputs are the only rounding that matters).
 */

/** `rows` feature vectors of `dim` values each, row-major. */
export interface FeatureMatrix {
  readonly rows: number;
  readonly dim: number;
  readonly data: Float32Array;
}

export interface ZeroShotResult {
  /** logits[i][j]: image i, label j. */
  readonly logits: number[][];
  /** probabilities[i]: the softmax of logits[i] (sums to 1). */
  readonly probabilities: number[][];
  /** Per image, the label index with the highest probability (the first one on ties). */
  readonly predictions: number[];
}

export interface RetrievalRecall {
  /** Share of images whose own caption ranks within the top k captions, per k. */
  readonly imageToText: Record<number, number>;
  /** Share of captions whose own image ranks within the top k images, per k. */
  readonly textToImage: Record<number, number>;
}

export function checkFeatures(features: FeatureMatrix, what: string): void {
  if (
    !Number.isInteger(features.rows) ||
    !Number.isInteger(features.dim) ||
    features.rows < 0 ||
    features.dim < 1 ||
    features.data.length !== features.rows * features.dim
  ) {
    throw new ProbeError('badInput', `${what}: ${features.rows} × ${features.dim} features need as many values.`);
  }
}

/** Each row divided by its Euclidean norm (a zero row stays zero), in float64. */
export function l2Normalize(features: FeatureMatrix): Float64Array {
  checkFeatures(features, 'l2Normalize');
  const out = new Float64Array(features.data.length);
  for (let r = 0; r < features.rows; r++) {
    const base = r * features.dim;
    let sum = 0;
    for (let i = 0; i < features.dim; i++) {
      const v = features.data[base + i] as number;
      sum += v * v;
    }
    const norm = Math.sqrt(sum);
    for (let i = 0; i < features.dim; i++) {
      out[base + i] = norm > 0 ? (features.data[base + i] as number) / norm : 0;
    }
  }
  return out;
}

/** Cosine similarities: rows of `a` × rows of `b`. */
export function cosineSimilarities(a: FeatureMatrix, b: FeatureMatrix): number[][] {
  checkFeatures(a, 'cosineSimilarities');
  checkFeatures(b, 'cosineSimilarities');
  if (a.dim !== b.dim) {
    throw new ProbeError(
      'badInput',
      `Image features have ${a.dim} dimensions but text features ${b.dim}: the towers do not belong together.`,
    );
  }
  const na = l2Normalize(a);
  const nb = l2Normalize(b);
  const dim = a.dim;
  const result: number[][] = [];
  for (let i = 0; i < a.rows; i++) {
    const row: number[] = [];
    for (let j = 0; j < b.rows; j++) {
      let dot = 0;
      for (let k = 0; k < dim; k++) {
        dot += (na[i * dim + k] as number) * (nb[j * dim + k] as number);
      }
      row.push(dot);
    }
    result.push(row);
  }
  return result;
}

/** A numerically stable softmax. */
export function softmax(logits: readonly number[]): number[] {
  if (logits.length === 0) {
    return [];
  }
  const max = Math.max(...logits);
  const exps = logits.map((v) => Math.exp(v - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((v) => v / sum);
}

/** Zero-shot classification of each image over the label (prompt) features. */
export function zeroShotClassify(
  imageFeatures: FeatureMatrix,
  labelFeatures: FeatureMatrix,
  logitScale: number,
): ZeroShotResult {
  if (!Number.isFinite(logitScale) || logitScale <= 0) {
    throw new ProbeError('badInput', `The logit scale must be a positive number, not ${logitScale}.`);
  }
  if (labelFeatures.rows === 0) {
    throw new ProbeError('badInput', 'Zero-shot classification needs at least one label.');
  }
  const logits = cosineSimilarities(imageFeatures, labelFeatures).map((row) => row.map((c) => logitScale * c));
  const probabilities = logits.map(softmax);
  const predictions = probabilities.map((row) => row.indexOf(Math.max(...row)));
  return { logits, probabilities, predictions };
}

/**
 * Recall@k for paired images and captions (image i belongs with caption i), both directions, like
 * open_clip's retrieval eval. A tie with the true match does not push it down (ranks count strictly
 * higher scores only).
 */
export function pairRecall(
  imageFeatures: FeatureMatrix,
  textFeatures: FeatureMatrix,
  ks: readonly number[] = [1, 5],
): RetrievalRecall {
  if (imageFeatures.rows !== textFeatures.rows || imageFeatures.rows === 0) {
    throw new ProbeError(
      'badInput',
      `Recall needs as many captions as images (and at least one pair); got ${imageFeatures.rows} images and ${textFeatures.rows} captions.`,
    );
  }
  if (ks.some((k) => !Number.isInteger(k) || k < 1)) {
    throw new ProbeError('badInput', `Recall@k needs positive integer k values, not ${JSON.stringify(ks)}.`);
  }
  const sims = cosineSimilarities(imageFeatures, textFeatures);
  const n = sims.length;
  const imageRanks: number[] = [];
  const textRanks: number[] = [];
  for (let i = 0; i < n; i++) {
    const row = sims[i] as number[];
    const own = row[i] as number;
    imageRanks.push(row.filter((s) => s > own).length);
    let above = 0;
    for (let j = 0; j < n; j++) {
      if (((sims[j] as number[])[i] as number) > own) {
        above++;
      }
    }
    textRanks.push(above);
  }
  const share = (ranks: number[], k: number) => ranks.filter((r) => r < k).length / n;
  return {
    imageToText: Object.fromEntries(ks.map((k) => [k, share(imageRanks, k)])),
    textToImage: Object.fromEntries(ks.map((k) => [k, share(textRanks, k)])),
  };
}
