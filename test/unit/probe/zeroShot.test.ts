import assert from 'node:assert/strict';
import {
  cosineSimilarities,
  l2Normalize,
  pairRecall,
  softmax,
  zeroShotClassify,
  type FeatureMatrix,
} from '../../../src/probe/zeroShot';
import { expectProbeError } from './probeFixtures';

function matrix(rows: number[][]): FeatureMatrix {
  return { rows: rows.length, dim: rows[0]?.length ?? 1, data: Float32Array.from(rows.flat()) };
}

function close(actual: number, expected: number, tolerance = 1e-9) {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${actual} is not ${expected}`);
}

describe('probe zero-shot scoring', function () {
  it('normalises each row to unit length and leaves a zero row at zero', function () {
    const n = l2Normalize(
      matrix([
        [3, 4],
        [0, 0],
      ]),
    );
    assert.deepEqual([...n], [0.6, 0.8, 0, 0]);
  });

  it('scores cosine similarity regardless of feature length', function () {
    const sims = cosineSimilarities(
      matrix([
        [2, 0],
        [1, 1],
      ]),
      matrix([
        [5, 0],
        [0, 3],
      ]),
    );
    close(sims[0]?.[0] as number, 1);
    close(sims[0]?.[1] as number, 0);
    close(sims[1]?.[0] as number, Math.SQRT1_2, 1e-7);
  });

  it('computes a stable softmax that sums to one', function () {
    const p = softmax([1000, 1000, 999]);
    close(
      p.reduce((a, b) => a + b, 0),
      1,
    );
    close(p[0] as number, p[1] as number);
    assert.ok((p[2] as number) < (p[0] as number));
    assert.deepEqual(softmax([]), []);
  });

  it('multiplies cosines by the logit scale before the softmax over labels', function () {
    const result = zeroShotClassify(
      matrix([
        [1, 0],
        [0, 1],
      ]),
      matrix([
        [1, 0],
        [0.6, 0.8],
      ]),
      10,
    );
    close(result.logits[0]?.[0] as number, 10, 1e-6);
    close(result.logits[0]?.[1] as number, 6, 1e-6);
    const e = Math.exp(4);
    close(result.probabilities[0]?.[0] as number, e / (e + 1), 1e-6);
    assert.deepEqual(result.predictions, [0, 1]);
  });

  it('refuses an empty label list, mismatched widths and a bad logit scale', function () {
    const images = matrix([[1, 0]]);
    expectProbeError(() => zeroShotClassify(images, { rows: 0, dim: 2, data: new Float32Array(0) }, 100), 'badInput');
    expectProbeError(() => zeroShotClassify(images, matrix([[1, 0, 0]]), 100), 'badInput', /dimensions/);
    expectProbeError(() => zeroShotClassify(images, matrix([[1, 0]]), 0), 'badInput', /logit scale/);
    expectProbeError(() => l2Normalize({ rows: 2, dim: 2, data: new Float32Array(3) }), 'badInput');
  });

  it('computes recall@k in both directions for image–caption pairs', function () {
    // image 0 ↔ caption 0 best; image 1's best caption is caption 2; caption 2's best image is image 1.
    const images = matrix([
      [1, 0, 0],
      [0, 1, 0.2],
      [0, 0, 1],
    ]);
    const captions = matrix([
      [1, 0, 0],
      [0, 0.5, 1],
      [0, 1, 0],
    ]);
    const recall = pairRecall(images, captions, [1, 2, 3]);
    assert.deepEqual(recall.imageToText, { 1: 1 / 3, 2: 1, 3: 1 });
    assert.deepEqual(recall.textToImage, { 1: 1 / 3, 2: 1, 3: 1 });
  });

  it('does not let a tie push the true match down', function () {
    const recall = pairRecall(
      matrix([
        [1, 0],
        [1, 0],
      ]),
      matrix([
        [1, 0],
        [1, 0],
      ]),
      [1],
    );
    assert.deepEqual(recall, { imageToText: { 1: 1 }, textToImage: { 1: 1 } });
  });

  it('refuses unpaired inputs and bad k values', function () {
    expectProbeError(
      () =>
        pairRecall(
          matrix([[1, 0]]),
          matrix([
            [1, 0],
            [0, 1],
          ]),
        ),
      'badInput',
      /pairs|captions/,
    );
    expectProbeError(() => pairRecall(matrix([[1, 0]]), matrix([[1, 0]]), [0]), 'badInput');
  });
});
