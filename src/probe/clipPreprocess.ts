import type { RgbImage } from './imageDecode';
import { pilBicubicResize } from './pilBicubic';
import { ProbeError } from './probeError';

/**
 * open_clip's eval transform (`image_transform(image_size, is_train=False)`) on an RGB image:
 * torchvision `Resize(image_size, BICUBIC)` (shortest side) → `CenterCrop(image_size)` → `ToTensor()` →
 * `Normalize(mean, std)`. The geometry is torchvision's (0.14+, PIL path) and the resampling Pillow's, so
 * the pixels equal what the Python side computes; test/fixtures/probe/make_preprocess_reference.py holds the
 * reference.
 */

/** OpenAI CLIP's normalisation (open_clip `OPENAI_DATASET_MEAN` / `OPENAI_DATASET_STD`). */
export const openaiMean: readonly [number, number, number] = [0.48145466, 0.4578275, 0.40821073];
export const openaiStd: readonly [number, number, number] = [0.26862954, 0.26130258, 0.27577711];

export interface ClipPreprocessConfig {
  readonly imageSize: number;
  readonly mean: readonly number[];
  readonly std: readonly number[];
}

/** torchvision `Resize(size)` with an int: the short side becomes `size`, the long side `int(size * long / short)`. */
export function shortestSideSize(width: number, height: number, size: number): { width: number; height: number } {
  const [short, long] = width <= height ? [width, height] : [height, width];
  const newLong = Math.trunc((size * long) / short);
  return width <= height ? { width: size, height: newLong } : { width: newLong, height: size };
}

/** torchvision `center_crop`: `int(round((h - crop) / 2.0))` with Python's round-half-to-even. */
export function centerCropOffset(length: number, crop: number): number {
  return roundHalfEven((length - crop) / 2.0);
}

function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff > 0.5) {
    return floor + 1;
  }
  if (diff < 0.5) {
    return floor;
  }
  return floor % 2 === 0 ? floor : floor + 1;
}

/** Resize (shortest side, Pillow bicubic) and centre-crop to imageSize × imageSize: the uint8 pixels the model sees. */
export function clipEvalPixels(image: RgbImage, imageSize: number): RgbImage {
  if (!Number.isInteger(imageSize) || imageSize < 1) {
    throw new ProbeError('badInput', `The image size must be a positive integer, not ${imageSize}.`);
  }
  checkImage(image);
  const target = shortestSideSize(image.width, image.height, imageSize);
  const resized =
    target.width === image.width && target.height === image.height
      ? image
      : {
          ...target,
          data: pilBicubicResize(image.data, image.width, image.height, 3, target.width, target.height),
        };
  return centerCrop(resized, imageSize);
}

function centerCrop(image: RgbImage, size: number): RgbImage {
  // After a shortest-side resize both sides are >= size, so torchvision's zero padding never applies.
  if (image.width < size || image.height < size) {
    throw new ProbeError('badInput', `Cannot centre-crop ${image.width}×${image.height} to ${size}×${size}.`);
  }
  const top = centerCropOffset(image.height, size);
  const left = centerCropOffset(image.width, size);
  const data = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    const from = ((top + y) * image.width + left) * 3;
    data.set(image.data.subarray(from, from + size * 3), y * size * 3);
  }
  return { width: size, height: size, data };
}

/**
 * `ToTensor()` + `Normalize(mean, std)` in float32 like torch: `x / 255`, then `(x - mean) / std`, every step
 * rounded to float32. Writes CHW into `out` at `offset` (for batching) or into a new array.
 */
export function normalizeToChw(
  image: RgbImage,
  mean: readonly number[],
  std: readonly number[],
  out?: Float32Array,
  offset = 0,
): Float32Array {
  checkImage(image);
  checkMeanStd(mean, std);
  const plane = image.width * image.height;
  const target = out ?? new Float32Array(plane * 3);
  if (offset < 0 || offset + plane * 3 > target.length) {
    throw new ProbeError('badInput', 'The output tensor is too small for the image.');
  }
  const f = Math.fround;
  for (let c = 0; c < 3; c++) {
    const m = f(mean[c] as number);
    const s = f(std[c] as number);
    const base = offset + c * plane;
    for (let i = 0; i < plane; i++) {
      target[base + i] = f(f(f((image.data[i * 3 + c] as number) / 255) - m) / s);
    }
  }
  return target;
}

/** The whole eval transform for one image: a 3 × imageSize × imageSize float32 tensor (CHW). */
export function preprocessImage(image: RgbImage, config: ClipPreprocessConfig): Float32Array {
  return normalizeToChw(clipEvalPixels(image, config.imageSize), config.mean, config.std);
}

/** The eval transform for a batch: N × 3 × imageSize × imageSize (NCHW), ready for the image tower. */
export function preprocessBatch(images: readonly RgbImage[], config: ClipPreprocessConfig): Float32Array {
  const size = config.imageSize * config.imageSize * 3;
  const out = new Float32Array(images.length * size);
  images.forEach((image, i) => {
    normalizeToChw(clipEvalPixels(image, config.imageSize), config.mean, config.std, out, i * size);
  });
  return out;
}

function checkImage(image: RgbImage): void {
  if (
    !Number.isInteger(image.width) ||
    !Number.isInteger(image.height) ||
    image.width < 1 ||
    image.height < 1 ||
    image.data.length !== image.width * image.height * 3
  ) {
    throw new ProbeError(
      'badInput',
      `An RGB image of ${image.width}×${image.height} must have width × height × 3 bytes.`,
    );
  }
}

function checkMeanStd(mean: readonly number[], std: readonly number[]): void {
  if (mean.length !== 3 || std.length !== 3 || [...mean, ...std].some((v) => !Number.isFinite(v))) {
    throw new ProbeError('badInput', 'Normalisation needs three finite means and three finite standard deviations.');
  }
  if (std.some((v) => v <= 0)) {
    throw new ProbeError('badInput', 'Normalisation standard deviations must be positive.');
  }
}
