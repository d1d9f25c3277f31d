import assert from 'node:assert/strict';
import {
  centerCropOffset,
  clipEvalPixels,
  normalizeToChw,
  openaiMean,
  openaiStd,
  preprocessBatch,
  preprocessImage,
  shortestSideSize,
} from '../../../src/probe/clipPreprocess';
import { decodeImage, type RgbImage } from '../../../src/probe/imageDecode';
import { bicubicCoefficients, pilBicubicResize } from '../../../src/probe/pilBicubic';
import { compare, expectProbeError, fixtureBytes, fixtureFloats, isJpeg, preprocessManifest } from './probeFixtures';

const manifest = preprocessManifest();

/** Pillow's own decode of an image (so a JPEG's IDCT differences stay out of the resize comparison). */
function pillowDecoded(image: string): RgbImage {
  const c = manifest.decodeCases.find((d) => d.image === image);
  assert.ok(c, image);
  return { width: c.width, height: c.height, data: fixtureBytes(c.rgb) };
}

describe("probe preprocessing = open_clip's eval transform", function () {
  describe("Pillow's bicubic resize", function () {
    for (const c of manifest.resizeCases) {
      it(`resizes ${c.image} to ${c.width}×${c.height} to the same bytes as Pillow`, function () {
        const src = pillowDecoded(c.image);
        const out = pilBicubicResize(src.data, src.width, src.height, 3, c.width, c.height);
        assert.deepEqual(compare(out, fixtureBytes(c.u8)), { max: 0, differing: 0 });
      });
    }

    it('normalises the fixed-point coefficients of each output pixel to about 1.0', function () {
      for (const [inSize, outSize] of [
        [96, 17],
        [20, 43],
        [300, 224],
      ] as const) {
        const { ksize, bounds, kk } = bicubicCoefficients(inSize, outSize);
        for (let x = 0; x < outSize; x++) {
          const sum = kk.subarray(x * ksize, (x + 1) * ksize).reduce((a, b) => a + b, 0);
          assert.ok(Math.abs(sum - (1 << 22)) <= ksize, `sum ${sum} at ${x}`);
          assert.ok((bounds[x * 2] as number) + (bounds[x * 2 + 1] as number) <= inSize);
        }
      }
    });

    it('returns a copy when the size does not change', function () {
      const src = new Uint8Array([1, 2, 3, 4, 5, 6]);
      const out = pilBicubicResize(src, 2, 1, 3, 2, 1);
      assert.deepEqual([...out], [1, 2, 3, 4, 5, 6]);
      assert.notEqual(out, src);
    });

    it('refuses sizes that are not positive integers and buffers of the wrong length', function () {
      expectProbeError(() => pilBicubicResize(new Uint8Array(3), 1, 1, 3, 0, 1), 'badInput', /outWidth/);
      expectProbeError(() => pilBicubicResize(new Uint8Array(3), 1, 1, 3, 1.5, 1), 'badInput');
      expectProbeError(() => pilBicubicResize(new Uint8Array(4), 1, 1, 3, 2, 2), 'badInput', /bytes/);
    });
  });

  describe('geometry (torchvision)', function () {
    it('scales the shortest side to the image size and truncates the other', function () {
      assert.deepEqual(shortestSideSize(96, 61, 32), { width: 50, height: 32 });
      assert.deepEqual(shortestSideSize(40, 75, 32), { width: 32, height: 60 });
      assert.deepEqual(shortestSideSize(300, 236, 224), { width: 284, height: 224 });
      assert.deepEqual(shortestSideSize(50, 50, 32), { width: 32, height: 32 });
    });

    it("rounds the centre crop's offset half to even, like Python's round()", function () {
      assert.equal(centerCropOffset(37, 32), 2); // 2.5 → 2
      assert.equal(centerCropOffset(39, 32), 4); // 3.5 → 4
      assert.equal(centerCropOffset(33, 32), 0); // 0.5 → 0
      assert.equal(centerCropOffset(43, 32), 6); // 5.5 → 6
      assert.equal(centerCropOffset(50, 32), 9);
      assert.equal(centerCropOffset(32, 32), 0);
    });

    for (const c of manifest.cases) {
      it(`computes ${c.name}'s resize and crop like torchvision`, function () {
        const image = decodeImage(fixtureBytes(c.image));
        assert.deepEqual(Object.values(shortestSideSize(image.width, image.height, c.imageSize)), c.resized);
        assert.deepEqual(
          [centerCropOffset(c.resized[0], c.imageSize), centerCropOffset(c.resized[1], c.imageSize)],
          c.cropLeftTop,
        );
      });
    }
  });

  describe('the whole transform against the Pillow + numpy reference', function () {
    for (const c of manifest.cases.filter((k) => !isJpeg(k.image))) {
      it(`matches ${c.name} (${c.image} → ${c.imageSize}×${c.imageSize}) exactly`, function () {
        const image = decodeImage(fixtureBytes(c.image));
        const pixels = clipEvalPixels(image, c.imageSize);
        assert.deepEqual(compare(pixels.data, fixtureBytes(c.u8)), { max: 0, differing: 0 });
        const tensor = preprocessImage(image, c);
        assert.equal(tensor.length, 3 * c.imageSize * c.imageSize);
        const reference = c.f32 !== undefined ? fixtureFloats(c.f32) : referenceNormalize(fixtureBytes(c.u8), c);
        assert.ok(compare(tensor, reference).max <= 1e-3, `max difference ${compare(tensor, reference).max}`);
      });
    }

    for (const c of manifest.cases.filter((k) => isJpeg(k.image))) {
      it(`matches ${c.name} exactly from Pillow's decoded pixels, and within one IDCT rounding from the file`, function () {
        const exact = normalizeToChw(clipEvalPixels(pillowDecoded(c.image), c.imageSize), c.mean, c.std);
        assert.ok(compare(exact, fixtureFloats(c.f32 as string)).max <= 1e-3);
        // From the JPEG bytes, jpeg-js's IDCT moves some pixels by a level or three (see imageDecode.ts).
        const fromFile = compare(
          clipEvalPixels(decodeImage(fixtureBytes(c.image)), c.imageSize).data,
          fixtureBytes(c.u8),
        );
        assert.ok(fromFile.max <= 3, `max difference ${fromFile.max} levels`);
      });
    }
  });

  it('batches images as NCHW in order', function () {
    const a = decodeImage(fixtureBytes('rgb_wide.png'));
    const b = decodeImage(fixtureBytes('grey_small.png'));
    const config = { imageSize: 32, mean: openaiMean, std: openaiStd };
    const batch = preprocessBatch([a, b, a], config);
    const one = 3 * 32 * 32;
    assert.equal(batch.length, 3 * one);
    assert.deepEqual(batch.subarray(0, one), preprocessImage(a, config));
    assert.deepEqual(batch.subarray(one, 2 * one), preprocessImage(b, config));
    assert.deepEqual(batch.subarray(2 * one), preprocessImage(a, config));
  });

  it('refuses malformed images, sizes and normalisation constants', function () {
    const image = { width: 2, height: 2, data: new Uint8Array(12) };
    expectProbeError(() => clipEvalPixels({ width: 2, height: 2, data: new Uint8Array(11) }, 4), 'badInput');
    expectProbeError(() => clipEvalPixels(image, 0), 'badInput');
    expectProbeError(() => normalizeToChw(image, [0.5, 0.5], [1, 1, 1]), 'badInput');
    expectProbeError(() => normalizeToChw(image, [0.5, 0.5, 0.5], [1, 0, 1]), 'badInput', /positive/);
  });
});

/** torchvision's ToTensor + Normalize written out independently, in float32. */
function referenceNormalize(hwc: Uint8Array, c: { imageSize: number; mean: number[]; std: number[] }): Float32Array {
  const plane = c.imageSize * c.imageSize;
  const out = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) {
    for (let ch = 0; ch < 3; ch++) {
      const x = Math.fround((hwc[i * 3 + ch] as number) / 255);
      out[ch * plane + i] = Math.fround(
        Math.fround(x - Math.fround(c.mean[ch] as number)) / Math.fround(c.std[ch] as number),
      );
    }
  }
  return out;
}
