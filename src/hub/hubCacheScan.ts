import { readFile, readdir, readlink, stat, lstat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { isCommitSha } from './hubRepoId';
import { repoCachePaths, type RepoCachePaths } from './hubCachePaths';

/** A file of a repo snapshot found in the local hub cache. */
export interface CachedFile {
  /** Path inside the repo (`checkpoints/2016.pt`). */
  path: string;
  /** `snapshots/<commit>/<path>`: what to hand to open_clip / evaluate.py. */
  localPath: string;
  size: number;
  /** The blob's name when the pointer is a symlink into blobs/ (sha256 or git sha1); undefined for a copy. */
  hash: string | undefined;
}

/** The commit a revision points to in the cache (`refs/<revision>`), or the revision itself when it is a sha. */
export async function cachedCommit(paths: RepoCachePaths, revision: string): Promise<string | undefined> {
  if (isCommitSha(revision)) return revision;
  try {
    const text = (await readFile(paths.ref(revision), 'utf8')).trim();
    return isCommitSha(text) ? text : undefined;
  } catch {
    return undefined;
  }
}

/** One file at a revision, if the cache holds it (the pointer exists and its blob is readable). */
export async function findCachedFile(
  cacheDir: string,
  repo: string,
  filePath: string,
  revision: string,
): Promise<(CachedFile & { commit: string }) | undefined> {
  const paths = repoCachePaths(cacheDir, repo);
  const commit = await cachedCommit(paths, revision);
  if (!commit) return undefined;
  const file = await readPointer(paths.snapshotFile(commit, filePath), filePath);
  return file ? { ...file, commit } : undefined;
}

async function readPointer(localPath: string, filePath: string): Promise<CachedFile | undefined> {
  try {
    const info = await stat(localPath);
    if (!info.isFile()) return undefined;
    const link = await lstat(localPath);
    const hash = link.isSymbolicLink() ? basename(await readlink(localPath)) : undefined;
    return {
      path: filePath,
      localPath,
      size: info.size,
      hash: hash && /^[0-9a-f]{40}([0-9a-f]{24})?$/.test(hash) ? hash : undefined,
    };
  } catch {
    return undefined;
  }
}

/**
 * Every file of the snapshot a revision points to in the cache. Without `refs/<revision>` (files fetched by
 * commit only), the most recently written snapshot is used. Undefined when the repo has no snapshot at all.
 */
export async function readCachedSnapshot(
  cacheDir: string,
  repo: string,
  revision: string,
): Promise<{ commit: string; files: CachedFile[] } | undefined> {
  const paths = repoCachePaths(cacheDir, repo);
  let commit = await cachedCommit(paths, revision);
  if (!commit) {
    const snapshots = await readdir(paths.snapshotsDir, { withFileTypes: true }).catch(() => []);
    const dated = await Promise.all(
      snapshots
        .filter((d) => d.isDirectory() && isCommitSha(d.name))
        .map(async (d) => ({ name: d.name, at: (await stat(join(paths.snapshotsDir, d.name))).mtimeMs })),
    );
    commit = dated.sort((a, b) => b.at - a.at)[0]?.name;
  }
  if (!commit) return undefined;
  const root = join(paths.snapshotsDir, commit);
  const files: CachedFile[] = [];
  const walk = async (dir: string, prefix: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await walk(join(dir, entry.name), rel);
      else {
        const file = await readPointer(join(dir, entry.name), rel);
        if (file) files.push(file);
      }
    }
  };
  await walk(root, '');
  return { commit, files };
}

/** Whether `blobs/<hash>` is complete, and how many bytes a partial download of it holds. */
export async function blobState(
  paths: RepoCachePaths,
  hash: string,
): Promise<{ present: boolean; partialBytes: number }> {
  const [blob, partial] = await Promise.all([
    stat(paths.blob(hash)).catch(() => undefined),
    stat(paths.incomplete(hash)).catch(() => undefined),
  ]);
  return { present: blob?.isFile() ?? false, partialBytes: partial?.size ?? 0 };
}
