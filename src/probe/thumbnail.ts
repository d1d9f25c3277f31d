import { PNG } from 'pngjs';
import type { RgbImage } from './imageDecode';
import { pilBicubicResize } from './pilBicubic';

/** A PNG data URL of the image scaled to fit `max` × `max` (never enlarged), for the Probe panel's thumbnails. */
export function thumbnailDataUrl(image: RgbImage, max = 160): string {
  const scale = Math.min(1, max / Math.max(image.width, image.height));
  const width = Math.max(1, Math.round(image.width * scale));
  const height = Math.max(1, Math.round(image.height * scale));
  const rgb = scale === 1 ? image.data : pilBicubicResize(image.data, image.width, image.height, 3, width, height);
  const png = new PNG({ width, height });
  for (let i = 0, j = 0; i < width * height; i++) {
    png.data[j++] = rgb[i * 3]!;
    png.data[j++] = rgb[i * 3 + 1]!;
    png.data[j++] = rgb[i * 3 + 2]!;
    png.data[j++] = 255;
  }
  return `data:image/png;base64,${PNG.sync.write(png).toString('base64')}`;
}
