import { ProbeError } from './probeError';

/**
 * Pillow's `Image.resize(size, Image.BICUBIC)` on 8-bit images, bit for bit (Pillow 9.4 `libImaging/Resample.c`:
 * `precompute_coeffs`, `normalize_coeffs_8bpc`, `ImagingResampleHorizontal_8bpc` / `…Vertical_8bpc`,
 * `ImagingResampleInner`). torchvision's `Resize` on a PIL image calls exactly this, so it is what open_clip's
 * eval transform feeds the model.
 *
 * A separable convolution with the bicubic kernel (a = -0.5); when shrinking, the kernel is stretched by the
 * scale factor (antialiasing). Coefficients are computed in double precision, normalised per output pixel,
 * then turned into fixed point with 22 fractional bits. The horizontal pass runs first and rounds to uint8,
 * then the vertical pass; an axis whose size does not change is not resampled at all.
 */

const precisionBits = 32 - 8 - 2;
const bicubicSupport = 2.0;

function bicubicFilter(x: number): number {
  const a = -0.5;
  if (x < 0.0) {
    x = -x;
  }
  if (x < 1.0) {
    return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
  }
  if (x < 2.0) {
    return (((x - 5) * x + 8) * x - 4) * a;
  }
  return 0.0;
}

export interface ResampleCoefficients {
  /** Coefficients per output pixel (the maximum count; unused ones are 0). */
  readonly ksize: number;
  /** Per output pixel: first input index, number of input pixels used. */
  readonly bounds: Int32Array;
  /** outSize × ksize fixed-point coefficients (22 fractional bits). */
  readonly kk: Int32Array;
}

/** `precompute_coeffs` + `normalize_coeffs_8bpc` for the box [0, inSize). */
export function bicubicCoefficients(inSize: number, outSize: number): ResampleCoefficients {
  const in0 = 0;
  const in1 = inSize;
  const scale = (in1 - in0) / outSize;
  const filterscale = scale < 1.0 ? 1.0 : scale;
  const support = bicubicSupport * filterscale;
  const ksize = Math.ceil(support) * 2 + 1;
  const bounds = new Int32Array(outSize * 2);
  const kk = new Int32Array(outSize * ksize);
  const k = new Float64Array(ksize);
  const ss = 1.0 / filterscale;
  for (let xx = 0; xx < outSize; xx++) {
    const center = in0 + (xx + 0.5) * scale;
    let ww = 0.0;
    // (int) casts truncate toward zero in C.
    let xmin = Math.trunc(center - support + 0.5);
    if (xmin < 0) {
      xmin = 0;
    }
    let xmax = Math.trunc(center + support + 0.5);
    if (xmax > inSize) {
      xmax = inSize;
    }
    xmax -= xmin;
    for (let x = 0; x < xmax; x++) {
      const w = bicubicFilter((x + xmin - center + 0.5) * ss);
      k[x] = w;
      ww += w;
    }
    for (let x = 0; x < ksize; x++) {
      let value = x < xmax ? (k[x] as number) : 0;
      if (x < xmax && ww !== 0.0) {
        value /= ww;
      }
      kk[xx * ksize + x] =
        value < 0 ? Math.trunc(-0.5 + value * (1 << precisionBits)) : Math.trunc(0.5 + value * (1 << precisionBits));
    }
    bounds[xx * 2] = xmin;
    bounds[xx * 2 + 1] = xmax;
  }
  return { ksize, bounds, kk };
}

/** `clip8`: drop the fractional bits of a fixed-point sum (with its rounding half already added), clamp. */
function clip8(value: number): number {
  if (value >= 1 << (precisionBits + 8)) {
    return 255;
  }
  if (value <= 0) {
    return 0;
  }
  return value >> precisionBits;
}

/**
 * Resize interleaved 8-bit pixels (`channels` per pixel) with Pillow's BICUBIC filter.
 * Returns a new buffer of outWidth × outHeight × channels.
 */
export function pilBicubicResize(
  src: Uint8Array,
  width: number,
  height: number,
  channels: number,
  outWidth: number,
  outHeight: number,
): Uint8Array {
  for (const [name, value] of [
    ['width', width],
    ['height', height],
    ['outWidth', outWidth],
    ['outHeight', outHeight],
    ['channels', channels],
  ] as const) {
    if (!Number.isInteger(value) || value < 1) {
      throw new ProbeError('badInput', `Cannot resize: ${name} must be a positive integer, not ${value}.`);
    }
  }
  if (src.length !== width * height * channels) {
    throw new ProbeError('badInput', `Cannot resize: expected ${width * height * channels} bytes, got ${src.length}.`);
  }
  let current = src;
  let currentWidth = width;
  if (outWidth !== width) {
    current = resampleHorizontal(current, width, height, channels, outWidth);
    currentWidth = outWidth;
  }
  if (outHeight !== height) {
    current = resampleVertical(current, currentWidth, height, channels, outHeight);
  }
  return current === src ? Uint8Array.from(src) : current;
}

function resampleHorizontal(src: Uint8Array, width: number, height: number, channels: number, outWidth: number) {
  const { ksize, bounds, kk } = bicubicCoefficients(width, outWidth);
  const out = new Uint8Array(outWidth * height * channels);
  const half = 1 << (precisionBits - 1);
  for (let y = 0; y < height; y++) {
    const row = y * width * channels;
    const outRow = y * outWidth * channels;
    for (let xx = 0; xx < outWidth; xx++) {
      const xmin = bounds[xx * 2] as number;
      const xmax = bounds[xx * 2 + 1] as number;
      const kOffset = xx * ksize;
      for (let c = 0; c < channels; c++) {
        let ss = half;
        let p = row + xmin * channels + c;
        for (let x = 0; x < xmax; x++, p += channels) {
          ss += (src[p] as number) * (kk[kOffset + x] as number);
        }
        out[outRow + xx * channels + c] = clip8(ss);
      }
    }
  }
  return out;
}

function resampleVertical(src: Uint8Array, width: number, height: number, channels: number, outHeight: number) {
  const { ksize, bounds, kk } = bicubicCoefficients(height, outHeight);
  const stride = width * channels;
  const out = new Uint8Array(outHeight * stride);
  const half = 1 << (precisionBits - 1);
  for (let yy = 0; yy < outHeight; yy++) {
    const ymin = bounds[yy * 2] as number;
    const ymax = bounds[yy * 2 + 1] as number;
    const kOffset = yy * ksize;
    for (let i = 0; i < stride; i++) {
      let ss = half;
      let p = ymin * stride + i;
      for (let y = 0; y < ymax; y++, p += stride) {
        ss += (src[p] as number) * (kk[kOffset + y] as number);
      }
      out[yy * stride + i] = clip8(ss);
    }
  }
  return out;
}
