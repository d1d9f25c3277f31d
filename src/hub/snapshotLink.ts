import { copyFile, lstat, mkdir, readlink, rename, stat, symlink, unlink } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';

export type SymlinkFn = (target: string, path: string) => Promise<void>;

/**
 * Makes `snapshots/<commit>/<path>` point at its blob, as Python's huggingface_hub does (_create_symlink): a
 * relative symlink, replaced atomically when it points elsewhere. Where symlinks are impossible (Windows without
 * developer mode, some network or FAT file systems), the pointer becomes a real file: the blob itself is moved
 * there when it was just downloaded (as Python does, so a 1.8 GB file is not stored twice), copied otherwise.
 * Returns how the pointer was made.
 */
export async function linkSnapshotFile(
  blobPath: string,
  pointerPath: string,
  linkTarget: string,
  options: { newBlob: boolean; symlink?: SymlinkFn } = { newBlob: false },
): Promise<'symlink' | 'existing' | 'moved' | 'copied'> {
  await mkdir(dirname(pointerPath), { recursive: true });
  const current = await lstat(pointerPath).catch(() => undefined);
  if (current?.isSymbolicLink()) {
    const target = await readlink(pointerPath);
    if (resolve(dirname(pointerPath), target) === resolve(blobPath)) return 'existing';
  } else if (current?.isFile()) {
    const blob = await stat(blobPath).catch(() => undefined);
    // A copy made where symlinks are impossible: keep it when it still matches the blob's size.
    if (!blob || blob.size === current.size) return 'existing';
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
  await copyFile(blobPath, temp);
  await rename(temp, pointerPath);
  return 'copied';
}
