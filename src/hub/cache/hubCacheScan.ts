import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { isSafeCacheFolder } from './cacheFolder';
import { readCacheTextFile } from './cacheTextFile';
import { isCommitSha } from '../core/hubRepoId';
import { repoCachePaths, type RepoCachePaths } from '../core/hubCachePaths';

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

const blobName = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;
/** A snapshot walk stops here: a cache entry is a model repo, not a tree of millions of files. */
const maxSnapshotFiles = 10_000;
const maxSnapshotDepth = 32;

/** The commit a revision points to in the cache (`refs/<revision>`), or the revision itself when it is a sha. */
export async function cachedCommit(paths: RepoCachePaths, revision: string): Promise<string | undefined> {
  if (isCommitSha(revision)) return revision;
  // Bounded, never through a link, never blocking on a pipe: the ref is a 40-character file.
  const text = (await readCacheTextFile(paths.ref(revision), 1024))?.trim();
  return text !== undefined && isCommitSha(text) ? text : undefined;
}

/** One file at a revision, if the cache holds it (the pointer exists and resolves to a blob of this repo). */
export async function findCachedFile(
  cacheDir: string,
  repo: string,
  filePath: string,
  revision: string,
): Promise<(CachedFile & { commit: string }) | undefined> {
  const paths = repoCachePaths(cacheDir, repo);
  const commit = await cachedCommit(paths, revision);
  if (!commit) return undefined;
  const localPath = paths.snapshotFile(commit, filePath);
  if (!(await safeFolder(cacheDir, dirname(localPath)))) return undefined;
  const file = await readPointer(paths, localPath, filePath);
  return file ? { ...file, commit } : undefined;
}

async function safeFolder(cacheDir: string, folder: string): Promise<boolean> {
  return isSafeCacheFolder(cacheDir, folder).catch(() => false);
}

/**
 * A snapshot entry we may hand to other tools: a symlink that resolves to `blobs/<hash>` of this repo (a regular
 * file), or a regular file (a copy made where symlinks are impossible). A link anywhere else, a pipe or a device
 * is not a cached file.
 */
async function readPointer(
  paths: RepoCachePaths,
  localPath: string,
  filePath: string,
): Promise<CachedFile | undefined> {
  try {
    const link = await lstat(localPath);
    if (link.isFile()) return { path: filePath, localPath, size: link.size, hash: undefined };
    if (!link.isSymbolicLink()) return undefined;
    const [resolved, blobs] = await Promise.all([realpath(localPath), realpath(paths.blobsDir)]);
    const hash = basename(resolved);
    if (dirname(resolved) !== blobs || !blobName.test(hash)) return undefined;
    const blob = await lstat(resolved);
    if (!blob.isFile()) return undefined;
    return { path: filePath, localPath, size: blob.size, hash };
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
    if (!(await safeFolder(cacheDir, paths.snapshotsDir))) return undefined;
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
  // A linked snapshots/<commit> (or models--*, snapshots) is not this cache's snapshot: nothing is listed from it.
  if (!(await safeFolder(cacheDir, root))) return { commit, files: [] };
  const files: CachedFile[] = [];
  const walk = async (dir: string, prefix: string, depth: number): Promise<void> => {
    if (depth > maxSnapshotDepth) return;
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (files.length >= maxSnapshotFiles) return;
      const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
      // Dirent types come from the directory itself (lstat semantics): a linked sub-folder is not descended.
      if (entry.isDirectory()) await walk(join(dir, entry.name), rel, depth + 1);
      else {
        const file = await readPointer(paths, join(dir, entry.name), rel);
        if (file) files.push(file);
      }
    }
  };
  await walk(root, '', 0);
  return { commit, files };
}

/**
 * Whether `blobs/<hash>` is complete (a regular file of `size` bytes, not a link), and how many bytes a partial
 * download of it holds.
 */
export async function blobState(
  paths: RepoCachePaths,
  hash: string,
  size: number,
): Promise<{ present: boolean; partialBytes: number }> {
  const [blob, partial] = await Promise.all([
    lstat(paths.blob(hash)).catch(() => undefined),
    lstat(paths.incomplete(hash)).catch(() => undefined),
  ]);
  return {
    present: (blob?.isFile() ?? false) && blob?.size === size,
    partialBytes: partial?.isFile() ? partial.size : 0,
  };
}
