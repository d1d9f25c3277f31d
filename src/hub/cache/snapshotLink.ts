import { constants } from 'node:fs';
import { copyFile, lstat, readlink, rename, symlink, unlink } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ensureCacheFolder } from './cacheFolder';

export type SymlinkFn = (target: string, path: string) => Promise<void>;

/**
 * Makes `snapshots/<commit>/<path>` point at its blob, as Python's huggingface_hub does (_create_symlink): a
 * relative symlink, replaced atomically when it points elsewhere. Where symlinks are impossible (Windows without
 * developer mode, some network or FAT file systems), the pointer becomes a real file: the blob itself is moved
 * there when it was just downloaded (as Python does, so a 1.8 GB file is not stored twice), copied otherwise.
 * Returns how the pointer was made.
 *
 * The folders on the way are checked first (ensureCacheFolder: no symlinked `snapshots/<commit>`), and whatever
 * lies at the pointer path that is not the right link (a link elsewhere, a stale copy) is replaced by rename,
 * which never follows it. A copy the caller has verified is not passed here at all.
 */
export async function linkSnapshotFile(
  cacheRoot: string,
  blobPath: string,
  pointerPath: string,
  linkTarget: string,
  options: { newBlob: boolean; symlink?: SymlinkFn } = { newBlob: false },
): Promise<'symlink' | 'existing' | 'moved' | 'copied'> {
  await ensureCacheFolder(cacheRoot, dirname(pointerPath));
  const current = await lstat(pointerPath).catch(() => undefined);
  if (current?.isSymbolicLink()) {
    const target = await readlink(pointerPath);
    if (resolve(dirname(pointerPath), target) === resolve(blobPath)) return 'existing';
  }
  const temp = `${pointerPath}.tmp-${randomBytes(4).toString('hex')}`;
  try {
    await (options.symlink ?? ((t, p) => symlink(t, p)))(linkTarget, temp);
    await rename(temp, pointerPath);
    return 'symlink';
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS' && code !== 'EACCES')
      throw error;
  }
  if (options.newBlob) {
    await rename(blobPath, pointerPath);
    return 'moved';
  }
  // COPYFILE_EXCL: the temp name is fresh; should something appear there meanwhile, it is not written through.
  await copyFile(blobPath, temp, constants.COPYFILE_EXCL);
  await rename(temp, pointerPath);
  return 'copied';
}
