// fs.promises, not node:fs/promises, as in shared/untrustedFile.ts: loaded on first use.
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { readUntrustedFile, readUntrustedText, UntrustedFileError } from '../shared/untrustedFile';
import { decodeImage, type RgbImage } from './imageDecode';
import { ProbeError } from './probeError';

/** A photo is a few MB and the decoder refuses over 100 megapixels anyway: a bigger file is refused unread. */
export const maxImageFileBytes = 256 * 1024 * 1024;

/**
 * Reads and decodes a PNG or JPEG file; a ProbeError names the file (missingFile, unsupportedImage, corruptImage).
 * Read as untrusted: a named pipe or a device is refused without waiting, a file over maxImageFileBytes unread.
 */
export async function readImageFile(path: string): Promise<RgbImage> {
  let bytes: Uint8Array;
  try {
    bytes = await readUntrustedFile(path, maxImageFileBytes, { what: 'an image' });
  } catch (error) {
    if (UntrustedFileError.is(error, 'tooLarge') || UntrustedFileError.is(error, 'notRegular'))
      throw new ProbeError('unsupportedImage', error.message, { cause: error });
    throw new ProbeError('missingFile', `Cannot read the image ${path}.`, { cause: error });
  }
  try {
    return decodeImage(bytes);
  } catch (error) {
    if (ProbeError.is(error)) throw new ProbeError(error.reason, `${path}: ${error.message}`, { cause: error });
    throw error;
  }
}

/** What a sample folder may hold: the Probe loads it unasked, so it is kept small. */
export const sampleLimits = {
  images: 12,
  imageBytes: 2 * 1024 * 1024,
  pixels: 16_000_000,
  labels: 50,
  labelsBytes: 16 * 1024,
  labelLength: 200,
} as const;
/** The optional file of example labels in a sample folder, one label per line. */
export const sampleLabelsFile = 'labels.txt';

export interface SampleImage {
  /** The file name, without the folder. */
  readonly name: string;
  readonly image: RgbImage;
}

export interface SampleFolder {
  /** The PNG and JPEG files, in name order, at most sampleLimits.images. */
  readonly images: SampleImage[];
  /** The lines of labels.txt (trimmed, empty lines and `#` comments dropped), or [] without one. */
  readonly labels: string[];
  /** What was skipped and why, one sentence each (for the log). */
  readonly skipped: string[];
}

/**
 * Reads a folder of sample images (the `ticStudio.probe.sampleImages` setting): its `.png`, `.jpg` and `.jpeg`
 * files in name order (the first sampleLimits.images; each at most sampleLimits.imageBytes and sampleLimits.pixels)
 * and its labels.txt. Everything in it is untrusted: each file is read as readImageFile does (a pipe or a device is
 * refused without waiting), and a file that cannot be read or decoded is skipped with a reason, never fatal. A
 * folder that cannot be listed gives no images.
 */
export async function readSampleFolder(folder: string): Promise<SampleFolder> {
  const skipped: string[] = [];
  const names = await fsp.readdir(folder).then(
    (all) => all.filter((n) => /\.(png|jpe?g)$/i.test(n)).sort(),
    (error: unknown) => {
      skipped.push(`${folder} cannot be listed (${error instanceof Error ? error.message : String(error)}).`);
      return [];
    },
  );
  if (names.length > sampleLimits.images)
    skipped.push(`${names.length - sampleLimits.images} images after the first ${sampleLimits.images} (the limit).`);
  const images: SampleImage[] = [];
  for (const name of names.slice(0, sampleLimits.images)) {
    try {
      const bytes = await readUntrustedFile(join(folder, name), sampleLimits.imageBytes, { what: 'a sample image' });
      images.push({ name, image: decodeImage(bytes, { maxPixels: sampleLimits.pixels }) });
    } catch (error) {
      skipped.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  let labels: string[] = [];
  try {
    const text = await readUntrustedText(join(folder, sampleLabelsFile), sampleLimits.labelsBytes, {
      what: 'a labels file',
    });
    labels = parseSampleLabels(text);
  } catch (error) {
    // No labels.txt is fine: the panel then starts without example labels.
    if (!UntrustedFileError.is(error, 'notFound'))
      skipped.push(`${sampleLabelsFile}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return { images, labels, skipped };
}

/** labels.txt → labels: one per line, trimmed; empty lines and `#` comments dropped; long ones and extras cut. */
export function parseSampleLabels(text: string): string[] {
  return text
    .split(/\r\n|\r|\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => line.slice(0, sampleLimits.labelLength))
    .slice(0, sampleLimits.labels);
}
