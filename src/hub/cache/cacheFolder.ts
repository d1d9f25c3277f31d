import { lstat, mkdir, readlink, realpath } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import { HubError } from '../core/hubError';
import { untrustedText } from '../core/untrustedText';

/**
 * Makes sure a folder inside the hub cache (`models--*`, `blobs`, `snapshots/<commit>/…`, `refs/…`) is a real
 * folder that stays inside the cache, creating what is missing one level at a time.
 *
 * The cache is shared: other programs, other users of a group cache, or a repository someone unpacked into it can
 * have left a symbolic link where a folder should be (`snapshots/<commit>` → `~/.ssh`), and a download that
 * followed it would write where the cache owner never meant. So below the cache root nothing may be a link: each
 * component is checked with lstat, and the folder's realpath must still lie under the root's realpath. The root
 * itself may be a link (a cache moved to a bigger disk is often linked back to ~/.cache/huggingface/hub).
 *
 * This defends against links planted before the download; someone who can rewrite the cache folders while it
 * runs can still race it (Node has no openat), which is why a cache writable by others is only as trusted as they.
 */
export async function ensureCacheFolder(cacheRoot: string, folder: string): Promise<void> {
  await checkCacheFolder(cacheRoot, folder, true);
}

/** The same checks without creating anything: false when a component is missing, a HubError when one is unsafe. */
export async function isSafeCacheFolder(cacheRoot: string, folder: string): Promise<boolean> {
  return checkCacheFolder(cacheRoot, folder, false);
}

async function checkCacheFolder(cacheRoot: string, folder: string, create: boolean): Promise<boolean> {
  const rel = relative(cacheRoot, folder);
  if (isAbsolute(rel) || rel === '..' || rel.startsWith(`..${sep}`)) {
    throw new HubError('unsafeCache', `${untrustedText(folder)} is not inside the cache at ${cacheRoot}.`);
  }
  if (create) await mkdir(cacheRoot, { recursive: true });
  let realRoot: string;
  try {
    realRoot = await realpath(cacheRoot);
  } catch (error) {
    if (!create && (error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
  let current = cacheRoot;
  for (const part of rel === '' ? [] : rel.split(sep)) {
    current = join(current, part);
    let info = await lstat(current).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    if (!info) {
      if (!create) return false;
      await mkdir(current).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'EEXIST') throw error;
      });
      info = await lstat(current);
    }
    if (info.isSymbolicLink()) {
      const target = await readlink(current).catch(() => '?');
      throw new HubError(
        'unsafeCache',
        `${current} in the Hugging Face cache is a symbolic link (to ${untrustedText(target)}), where a folder belongs; TiC Studio does not write through links in the cache. Remove the link (it was not made by huggingface_hub or TiC Studio) and run the download again.`,
      );
    }
    if (!info.isDirectory()) {
      throw new HubError(
        'unsafeCache',
        `${current} in the Hugging Face cache is not a folder; remove it and run the download again.`,
      );
    }
  }
  const real = await realpath(folder);
  if (real !== realRoot && !real.startsWith(realRoot.endsWith(sep) ? realRoot : `${realRoot}${sep}`)) {
    throw new HubError(
      'unsafeCache',
      `${folder} leads outside the Hugging Face cache at ${cacheRoot} (to ${real}); TiC Studio does not write there. Check the cache folder for links.`,
    );
  }
  return true;
}
