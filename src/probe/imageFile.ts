import { readFile } from 'node:fs/promises';
import { decodeImage, type RgbImage } from './imageDecode';
import { ProbeError } from './probeError';

/** Reads and decodes a PNG or JPEG file; a ProbeError names the file (missingFile, unsupportedImage, corruptImage). */
export async function readImageFile(path: string): Promise<RgbImage> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new ProbeError('missingFile', `Cannot read the image ${path}.`, { cause: error });
  }
  try {
    return decodeImage(bytes);
  } catch (error) {
    if (ProbeError.is(error)) throw new ProbeError(error.reason, `${path}: ${error.message}`, { cause: error });
    throw error;
  }
}
