/** Which dropped or picked files become `addImage` messages, and how they are read. */

export const acceptedImageTypes = ['image/png', 'image/jpeg'] as const;
/** parseProbeMessage refuses a data URL longer than this (25 MiB of base64, src/protocol/probeMessages.ts). */
export const maxDataUrlChars = 25 * 1024 * 1024;
/**
 * Per file. The issue asks for 20 MB, but 20 MiB of base64 is 26.7 MiB, over what the protocol accepts; so the
 * limit is the largest file whose data URL still fits (about 18.7 MiB), refused before reading, not after.
 */
export const maxImageBytes = Math.min(
  20 * 1024 * 1024,
  Math.floor((maxDataUrlChars - 'data:image/jpeg;base64,'.length) / 4) * 3,
);
/** parseProbeMessage refuses a longer name; a longer file name is shortened, keeping its extension. */
export const maxImageName = 500;
const dataUrlPattern = /^data:image\/(png|jpeg);base64,[A-Za-z0-9+/]*={0,2}$/;

export interface FileFacts {
  name: string;
  type: string;
  size: number;
}

const mb = (bytes: number): string => `${(bytes / (1024 * 1024)).toFixed(1)} MB`;

/** Why a file is refused (in words for people), or null when it can be read. */
export function imageFileProblem(file: FileFacts): string | null {
  if (!(acceptedImageTypes as readonly string[]).includes(file.type))
    return `${file.name}: not a PNG or JPEG image${file.type ? ` (${file.type})` : ''}.`;
  if (file.size === 0) return `${file.name}: the file is empty.`;
  if (file.size > maxImageBytes)
    return `${file.name}: ${mb(file.size)} is over the limit of ${mb(maxImageBytes)} per image.`;
  return null;
}

/** Why a read data URL cannot be sent (the host's validator would drop it), or null. */
export function dataUrlProblem(name: string, dataUrl: string): string | null {
  if (dataUrl.length > maxDataUrlChars)
    return `${name}: too large to send once encoded (${mb(maxImageBytes)} per image at most).`;
  if (!dataUrlPattern.test(dataUrl)) return `${name}: could not be read as a PNG or JPEG image.`;
  return null;
}

/** A file name the protocol accepts: at most 500 characters, the end (extension) kept. */
export function imageName(name: string): string {
  const trimmed = name.trim() || 'image';
  return trimmed.length <= maxImageName ? trimmed : `…${trimmed.slice(-(maxImageName - 1))}`;
}

/** Reads a file as a data URL (FileReader.readAsDataURL). */
export function readAsDataUrl(file: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.addEventListener('load', () =>
      typeof reader.result === 'string' ? resolve(reader.result) : reject(new Error('no data URL')),
    );
    reader.addEventListener('error', () => reject(reader.error ?? new Error('read failed')));
    reader.readAsDataURL(file);
  });
}
