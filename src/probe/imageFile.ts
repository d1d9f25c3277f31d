import { readUntrustedFile, UntrustedFileError } from '../shared/untrustedFile';
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
