import { statfs } from 'node:fs/promises';
import { formatBytes } from '../../shared/formatBytes';
import { HubError } from '../core/hubError';

/** Bytes an unprivileged process may still write in the file system that holds `dir`. */
export type FreeBytes = (dir: string) => Promise<number>;

export const statfsFreeBytes: FreeBytes = async (dir) => {
  const s = await statfs(dir);
  return s.bavail * s.bsize;
};

/**
 * Refuses to start a transfer that cannot fit: `needed` is what is still missing (the partial file counts).
 * A file system that cannot say (statfs unsupported) is given the benefit of the doubt.
 */
export async function ensureDiskSpace(
  dir: string,
  needed: number,
  freeBytes: FreeBytes = statfsFreeBytes,
): Promise<void> {
  let free: number;
  try {
    free = await freeBytes(dir);
  } catch {
    return;
  }
  if (free < needed) {
    throw new HubError(
      'noSpace',
      `not enough free space in ${dir}: the download needs ${formatBytes(needed)} more, ${formatBytes(free)} is free. Free some space or choose another cache folder (HF_HUB_CACHE or --cache-dir).`,
    );
  }
}
