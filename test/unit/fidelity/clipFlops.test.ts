import assert from 'node:assert/strict';
import { inferClipArchitecture } from '../../../src/checkpoint/clipArchitecture';
import { clipDimsFromArchitecture, clipDimsOf, clipForwardFlops, clipModelDims } from '../../../src/fidelity/clipFlops';
import { clipModels, clipStateShapes } from '../checkpoint/clipShapes';

/**
 * open_clip's published per-model profile, `docs/model_profile.csv` of mlfoundations/open_clip (commit
 * 3b37473b7178479e2494f60392442648ed262e8a; the same values at f862f86cd92123615a8695ce8bcb6ecc066af452): columns
 * `gflops,image_gflops,text_gflops`, one 224-px image and 77 text tokens, a multiply-add counted as 2.
 */
const published = {
  'ViT-B-32': { gflops: 14.78, image: 8.82, text: 5.96 },
  'ViT-B-16': { gflops: 41.09, image: 35.13, text: 5.96 },
  'ViT-L-14': { gflops: 175.33, image: 162.03, text: 13.3 },
} as const;

/** Within 2 % of the published value, which rounds to 2 decimals and ignores nothing the count here leaves out. */
function near(actual: number, expectedGflops: number, what: string): void {
  const ratio = actual / (expectedGflops * 1e9);
  assert.ok(Math.abs(ratio - 1) < 0.02, `${what}: ${(actual / 1e9).toFixed(3)} GFLOPs vs published ${expectedGflops}`);
}

describe('clipForwardFlops', () => {
  for (const model of ['ViT-B-32', 'ViT-B-16', 'ViT-L-14'] as const) {
    it(`${model}: image, text and total within 2 % of open_clip's model_profile.csv`, () => {
      const flops = clipForwardFlops(clipModelDims[model]);
      near(flops.image, published[model].image, `${model} image`);
      near(flops.text, published[model].text, `${model} text`);
      near(flops.total, published[model].gflops, `${model} total`);
      assert.equal(flops.total, flops.image + flops.text);
    });
  }

  it('counts ViT-B-32 exactly as worked out by hand (multiply-adds × 2)', () => {
    // Image: 49 patches of 32×32×3 = 3072 inputs → 768: 49 × 3072 × 768 = 115,605,504.
    // 12 layers over 50 tokens at width 768: 50 × 12 × 768² (q, k, v, out: 4w²; MLP w→4w→w: 8w²) = 353,894,400,
    // plus QKᵀ and attention × V: 2 × 50² × 768 = 3,840,000; per layer 357,734,400, × 12 = 4,292,812,800.
    // Projection 768 × 512 = 393,216. Image: 4,408,811,520 multiply-adds.
    // Text: 12 layers over 77 tokens at width 512: 77 × 12 × 512² = 242,221,056 + 2 × 77² × 512 = 6,071,296,
    // = 248,292,352 per layer, × 12 = 2,979,508,224; projection 512 × 512 = 262,144. Text: 2,979,770,368.
    const flops = clipForwardFlops(clipModelDims['ViT-B-32']);
    assert.equal(flops.image, 2 * 4_408_811_520);
    assert.equal(flops.text, 2 * 2_979_770_368);
    assert.equal(flops.total, 14_777_163_776);
  });

  it('gives the same count from a checkpoint’s state-dict shapes as from the model name', () => {
    for (const model of ['ViT-B-32', 'ViT-B-16', 'ViT-L-14'] as const) {
      const arch = inferClipArchitecture(new Map(clipStateShapes(clipModels[model])));
      assert.ok(arch);
      const dims = clipDimsFromArchitecture(arch);
      assert.ok(dims, model);
      assert.deepEqual(clipForwardFlops(dims), clipForwardFlops(clipModelDims[model]));
    }
  });

  it('knows models by params.txt `model` (quickgelu changes no FLOPs) and nothing else', () => {
    assert.equal(clipDimsOf('ViT-B-16'), clipModelDims['ViT-B-16']);
    assert.equal(clipDimsOf('ViT-B-32-quickgelu'), clipModelDims['ViT-B-32']);
    assert.equal(clipDimsOf('RN50'), null);
    assert.equal(clipDimsOf('toString'), null);
    assert.equal(clipDimsOf(null), null);
  });
});
