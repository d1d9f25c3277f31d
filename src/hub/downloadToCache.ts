import { lstat, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { acquireBlobLock, defaultStaleLockMs, type BlobLock } from './cache/blobLock';
import { BlobHasher } from './cache/blobHasher';
import { transferToPartial, type TransferResult } from './blobTransfer';
import { ensureCacheFolder, isSafeCacheFolder } from './cache/cacheFolder';
import { blobIsPresent, cachedPointer, type ExpectedBlob } from './cache/cachedBlob';
import { readCacheTextFile } from './cache/cacheTextFile';
import { ensureDiskSpace, type FreeBytes } from './cache/diskSpace';
import { ProgressThrottle, type ProgressListener } from './downloadProgress';
import { fetchFileMetadata, type BlobHashKind, type FileMetadata } from './http/fileMetadata';
import { findCachedFile } from './cache/hubCacheScan';
import { repoCachePaths, snapshotLinkTarget } from './core/hubCachePaths';
import { HubError } from './core/hubError';
import { authorizedFetch, type HubClient } from './http/hubHttp';
import { isCommitSha, parseRepoFilePath, parseRepoId, parseRevision } from './core/hubRepoId';
import { resolveCommit } from './http/resolveRevision';
import { linkSnapshotFile, type SymlinkFn } from './cache/snapshotLink';
import { writeTextAtomic } from '../shared/atomicWrite';

export interface DownloadRequest {
  /** `owner/name`, e.g. apple/TiC-CLIP-basic-oracle. */
  repo: string;
  /** Path inside the repo, e.g. checkpoints/2022.pt. */
  path: string;
  /** Branch, tag or commit sha; default `main`. */
  revision?: string;
  /**
   * The commit `revision` was already resolved to (e.g. the catalog's `commit`), so several files of one
   * listing come from the same commit without asking again; `refs/<revision>` is still written.
   */
  commit?: string;
}

/** The things a download touches, passed in (ARCHITECTURE.md rule 2). */
export interface DownloadDeps extends HubClient {
  /** The hub cache root (resolveHubCacheDir). */
  cacheDir: string;
  now?: () => number;
  freeBytes?: FreeBytes;
  /** For the lock record and the dead-pid check; default os.hostname() and process.pid. */
  host?: string;
  pid?: number;
  symlink?: SymlinkFn;
}

export interface DownloadOptions {
  /** Parallel ranged requests for a large file. Default 4; 1 streams the file in one request. */
  connections?: number;
  /** Size of one ranged request. Default 8 MiB. */
  chunkSize?: number;
  /** Network failures one range may have before the download stops (keeping its partial file). Default 3. */
  retries?: number;
  /** A request that delivers nothing for this long is retried. Default 30 s. */
  idleTimeoutMs?: number;
  /** A lock whose heartbeat is older than this is broken. Default 60 s. */
  staleLockMs?: number;
  heartbeatMs?: number;
  lockPollMs?: number;
  onProgress?: ProgressListener;
  /** Minimum time between two progress calls. Default 500 ms. */
  progressIntervalMs?: number;
  /** Cancels the download; the partial file is kept for a resume. */
  signal?: AbortSignal;
  /** HF_HUB_OFFLINE: answer from the cache only, never touch the network. */
  offline?: boolean;
}

export interface DownloadResult {
  repo: string;
  path: string;
  revision: string;
  commit: string;
  /** `snapshots/<commit>/<path>`, the path to hand to other tools. */
  localPath: string;
  /** `blobs/<hash>` (undefined offline when the snapshot holds a copy rather than a symlink). */
  blobPath: string | undefined;
  size: number;
  hash: string | undefined;
  hashKind: BlobHashKind | undefined;
  /** download: bytes moved this time; cache: already there (no transfer); offline: the Hub was not asked or not reachable. */
  source: 'download' | 'cache' | 'offline';
  /** Bytes of a partial file this download continued from. */
  resumedFrom: number;
  /** Body bytes received from the network. */
  transferred: number;
  /** True when another process was downloading the same blob and this call waited for it. */
  waited: boolean;
  /** What the cache held that was not trusted and was replaced (e.g. a partial file that was a link), in words. */
  warnings: string[];
}

export const defaultConnections = 4;
export const defaultChunkSize = 8 << 20;

/**
 * Downloads one file of a Hub model repo into the standard Hugging Face cache, byte-compatible with Python's
 * huggingface_hub: `blobs/<sha256 | git sha1>`, `snapshots/<commit>/<path>` as a relative symlink, and
 * `refs/<revision>`. Resumable across processes (`blobs/<hash>.incomplete`), verified against the hash before
 * the atomic rename, one downloader per blob (`blobs/<hash>.lock`), parallel ranged requests for large files.
 * Falls back to the cache when the Hub cannot be reached.
 */
export async function downloadToCache(
  request: DownloadRequest,
  deps: DownloadDeps,
  options: DownloadOptions = {},
): Promise<DownloadResult> {
  const repo = parseRepoId(request.repo);
  const filePath = parseRepoFilePath(request.path);
  const revision = parseRevision(request.revision ?? 'main');
  if (request.commit !== undefined && !isCommitSha(request.commit)) {
    throw new HubError('invalidInput', `'${request.commit}' is not a 40-character commit sha.`);
  }
  const connections = options.connections ?? defaultConnections;
  if (!Number.isInteger(connections) || connections < 1 || connections > 64) {
    throw new HubError('invalidInput', `connections must be a whole number from 1 to 64 (got ${connections}).`);
  }
  const signal = options.signal;
  if (signal?.aborted) throw new HubError('cancelled', 'download cancelled.');

  if (options.offline) {
    const cached = await findCachedFile(deps.cacheDir, repo, filePath, revision);
    if (cached) return offlineResult(deps.cacheDir, repo, filePath, revision, cached);
    throw new HubError(
      'notCached',
      `offline (HF_HUB_OFFLINE) and ${repo}/${filePath} at '${revision}' is not in the cache at ${deps.cacheDir}.`,
    );
  }

  let commit: string;
  let meta: FileMetadata;
  try {
    commit = request.commit ?? (await resolveCommit(repo, revision, deps, signal));
    meta = await fetchFileMetadata(repo, commit, filePath, deps, signal);
  } catch (error) {
    if (HubError.is(error, 'network')) {
      const cached = await findCachedFile(deps.cacheDir, repo, filePath, revision);
      if (cached) return offlineResult(deps.cacheDir, repo, filePath, revision, cached);
      throw new HubError('network', `${error.message} ${repo}/${filePath} is not in the cache either.`, {
        cause: error,
        status: error.status,
      });
    }
    throw error;
  }

  const paths = repoCachePaths(deps.cacheDir, repo);
  const blobPath = paths.blob(meta.hash);
  const pointer = paths.snapshotFile(commit, filePath);
  const expected: ExpectedBlob = { hash: meta.hash, hashKind: meta.hashKind, size: meta.size };
  const warnings: string[] = [];
  const progress = new ProgressThrottle(
    options.onProgress,
    { repo, path: filePath },
    { intervalMs: options.progressIntervalMs ?? 500, now: deps.now ?? Date.now },
  );
  try {
    await ensureCacheFolder(deps.cacheDir, paths.blobsDir);
    // Only checked here (a missing folder is made after the transfer): a linked snapshots/<commit> stops the
    // download before any byte is fetched rather than after.
    await isSafeCacheFolder(deps.cacheDir, dirname(pointer));
    if (revision !== commit) await isSafeCacheFolder(deps.cacheDir, dirname(paths.ref(revision)));
  } catch (error) {
    throw fileSystemError(error, paths.blobsDir);
  }

  const finish = async (
    source: 'download' | 'cache',
    extra: { resumedFrom: number; transferred: number; waited: boolean; newBlob: boolean; verifiedCopy?: boolean },
  ): Promise<DownloadResult> => {
    try {
      if (!extra.verifiedCopy)
        await linkSnapshotFile(
          deps.cacheDir,
          blobPath,
          pointer,
          snapshotLinkTarget(paths, commit, filePath, meta.hash),
          {
            newBlob: extra.newBlob,
            symlink: deps.symlink,
          },
        );
      if (revision !== commit) await writeRef(deps.cacheDir, paths.ref(revision), commit);
    } catch (error) {
      throw fileSystemError(error, paths.repoDir);
    }
    progress.update('done', meta.size, meta.size, true);
    return {
      repo,
      path: filePath,
      revision,
      commit,
      localPath: pointer,
      blobPath: (await blobIsPresent(paths, expected)) ? blobPath : undefined,
      size: meta.size,
      hash: meta.hash,
      hashKind: meta.hashKind,
      source,
      resumedFrom: extra.resumedFrom,
      transferred: extra.transferred,
      waited: extra.waited,
      warnings,
    };
  };

  // As Python does: a snapshot file already in place or the blob alone (fetched for another commit) means no
  // transfer, but only when the pointer resolves to this very blob (or is a copy with its bytes) and the blob is
  // a regular file of the right size: a link to another file, in the cache or not, is replaced, not trusted.
  const pointerHit = await cachedPointer(paths, pointer, expected);
  if (pointerHit || (await blobIsPresent(paths, expected))) {
    return finish('cache', {
      resumedFrom: 0,
      transferred: 0,
      waited: false,
      newBlob: false,
      verifiedCopy: pointerHit === 'copy',
    });
  }

  let waited = false;
  const lock: BlobLock = await acquireBlobLock(paths.lock(meta.hash), {
    staleMs: options.staleLockMs ?? defaultStaleLockMs,
    heartbeatMs: options.heartbeatMs,
    pollMs: options.lockPollMs,
    signal,
    now: deps.now,
    host: deps.host,
    pid: deps.pid,
    onWait: () => {
      waited = true;
      void lstat(paths.incomplete(meta.hash))
        .then((s) => progress.update('waiting', s.isFile() ? s.size : 0, meta.size))
        .catch(() => progress.update('waiting', 0, meta.size));
    },
  });
  let result: TransferResult;
  try {
    // The holder we waited for has probably finished this very blob.
    if (await blobIsPresent(paths, expected)) {
      await lock.release();
      return finish('cache', { resumedFrom: 0, transferred: 0, waited, newBlob: false });
    }
    const partial = await lstat(paths.incomplete(meta.hash)).catch(() => undefined);
    const partialSize = partial?.isFile() ? partial.size : 0;
    await ensureDiskSpace(paths.blobsDir, Math.max(0, meta.size - Math.min(partialSize, meta.size)), deps.freeBytes);

    const lockLost = new AbortController();
    lock.onLost(() => lockLost.abort());
    const hasher = new BlobHasher(meta.hashKind, meta.size);
    try {
      result = await transferToPartial({
        url: meta.url,
        fallbackUrl: meta.resolveUrl,
        size: meta.size,
        hasher,
        partialPath: paths.incomplete(meta.hash),
        fetch: authorizedFetch(deps),
        client: deps,
        context: { repo, revision: commit, path: filePath },
        connections,
        chunkSize: options.chunkSize ?? defaultChunkSize,
        retries: options.retries ?? 3,
        idleTimeoutMs: options.idleTimeoutMs ?? 30_000,
        signal: signal ? AbortSignal.any([signal, lockLost.signal]) : lockLost.signal,
        onVerify: (done) => progress.update('verifying', done, meta.size),
        onBytes: (done) => progress.update('downloading', done, meta.size),
      });
    } catch (error) {
      if (lock.lost && !signal?.aborted) {
        throw new HubError(
          'lockLost',
          `another process took over the download of ${repo}/${filePath} (it judged this one's lock stale). Run the download again; it resumes from ${paths.incomplete(meta.hash)}.`,
          { cause: error, partialPath: paths.incomplete(meta.hash) },
        );
      }
      throw error;
    }

    if (result.replacedPartial) warnings.push(result.replacedPartial);
    const digest = hasher.hex();
    if (digest !== meta.hash) {
      await unlink(paths.incomplete(meta.hash)).catch(() => undefined);
      throw new HubError(
        'corrupt',
        `the bytes received for ${repo}/${filePath} do not match its ${meta.hashKind === 'sha256' ? 'sha256' : 'git sha1'} (expected ${meta.hash}, got ${digest}); the partial file was deleted. Run the download again; if it fails the same way, the server or a proxy is altering the file.`,
      );
    }
    try {
      // The file renamed must be the one written and hashed: not something swapped in at its name since.
      const now = await lstat(paths.incomplete(meta.hash));
      if (!now.isFile() || now.dev !== result.identity.dev || now.ino !== result.identity.ino) {
        throw new HubError(
          'unsafeCache',
          `${paths.incomplete(meta.hash)} was replaced by something else while it was being downloaded; it was not moved into the cache. Run the download again.`,
        );
      }
      await rename(paths.incomplete(meta.hash), blobPath);
    } catch (error) {
      throw fileSystemError(error, blobPath);
    }
  } finally {
    await lock.release();
  }
  return finish('download', { ...result, waited, newBlob: true });
}

function offlineResult(
  cacheDir: string,
  repo: string,
  filePath: string,
  revision: string,
  cached: NonNullable<Awaited<ReturnType<typeof findCachedFile>>>,
): DownloadResult {
  const hashKind: BlobHashKind | undefined =
    cached.hash === undefined ? undefined : cached.hash.length === 64 ? 'sha256' : 'gitSha1';
  return {
    repo,
    path: filePath,
    revision,
    commit: cached.commit,
    localPath: cached.localPath,
    blobPath: cached.hash ? repoCachePaths(cacheDir, repo).blob(cached.hash) : undefined,
    size: cached.size,
    hash: cached.hash,
    hashKind,
    source: 'offline',
    resumedFrom: 0,
    transferred: 0,
    waited: false,
    warnings: [],
  };
}

/**
 * `refs/<revision>` = the commit, no trailing newline (as Python writes it), replaced atomically: written to a
 * fresh temp name (O_EXCL, so never through a planted link) in a checked folder, then renamed over whatever the
 * ref was (rename replaces a link, it does not follow it).
 */
async function writeRef(cacheRoot: string, path: string, commit: string): Promise<void> {
  await ensureCacheFolder(cacheRoot, dirname(path));
  const current = (await lstat(path).catch(() => undefined))?.isFile() ? await readCacheTextFile(path) : undefined;
  if (current === commit) return;
  // 0644: the cache is shared with Python and other users, who read the refs.
  await writeTextAtomic(path, commit, 0o644);
}

function fileSystemError(error: unknown, path: string): HubError {
  if (HubError.is(error)) return error;
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC' || code === 'EDQUOT')
    return new HubError('noSpace', `no space left on the device for ${path}.`, { cause: error });
  return new HubError(
    'fileSystem',
    `cannot write to the cache at ${path} (${code ?? String(error)}); check its permissions or choose another cache folder (HF_HUB_CACHE or --cache-dir).`,
    {
      cause: error,
    },
  );
}
