import { listFiles } from '@huggingface/hub';
import { blobState, findCachedFile, readCachedSnapshot } from './cache/hubCacheScan';
import { repoCachePaths } from './core/hubCachePaths';
import { HubError, type HubErrorReason } from './core/hubError';
import { errorFromFailure, strictHubFetch, type HubClient } from './http/hubHttp';
import { parseRepoId, parseRevision } from './core/hubRepoId';
import { parseTreeEntry } from './http/hubTreeEntry';
import { resolveCommit } from './http/resolveRevision';
import { ticClipRepos } from '../tic/ticClipRepos';

export interface CatalogFile {
  /** Path inside the repo. */
  path: string;
  /** The file's real size (for LFS files the object's, not the pointer's). */
  size: number;
  /** The LFS object id (sha256 of the bytes), for LFS files. */
  sha256: string | undefined;
  /** The git blob sha1 (for an LFS file, the pointer's). */
  gitOid: string | undefined;
  lfs: boolean;
  /** checkpoint: `checkpoints/YEAR.pt`; params: `params/YEAR.yaml` (contracts.md §6.1). */
  kind: 'checkpoint' | 'params' | 'other';
  year: number | undefined;
  /** The blob is in the local cache (a download would only link it). */
  cached: boolean;
  /** Bytes of an interrupted download waiting to be resumed (0 when none). */
  partialBytes: number;
  /** `snapshots/<commit>/<path>` when it exists at this commit. */
  localPath: string | undefined;
}

export interface CatalogRepo {
  repo: string;
  revision: string;
  /** The commit listed (live) or the cached snapshot's commit (offline); undefined when neither is known. */
  commit: string | undefined;
  /** True when the listing comes from the local cache because the Hub could not be reached (or offline mode). */
  offline: boolean;
  /** Training years with a checkpoint, ascending. */
  years: number[];
  files: CatalogFile[];
  /** Why the live listing failed (the files then come from the cache, if it holds any). */
  error?: { reason: HubErrorReason; message: string };
  /**
   * Entries of the Hub's listing that were dropped because they are not valid (a path with '..', a malformed
   * id or size, …), each named; the rest of the listing stands. Empty when there were none.
   */
  warnings: string[];
}

export interface CatalogOptions {
  /** Default: the six TiC-CLIP repos. */
  repos?: readonly string[];
  /** Added after `repos` (duplicates dropped), e.g. the user's own fine-tunes from a setting. */
  extraRepos?: readonly string[];
  /** Default `main`. */
  revision?: string;
  signal?: AbortSignal;
  /** HF_HUB_OFFLINE: list only what the cache holds. */
  offline?: boolean;
}

export interface CatalogDeps extends HubClient {
  cacheDir: string;
}

/** A listing longer than this stops there (with a warning): a model repo is not a tree of millions of files. */
export const maxListedEntries = 100_000;

const checkpointPath = /^checkpoints\/(\d{4})\.pt$/;
const paramsPath = /^params\/(\d{4})\.yaml$/;

/** The training year of `checkpoints/YEAR.pt` (or `params/YEAR.yaml`), and which of the two it is. */
export function classifyRepoPath(path: string): { kind: CatalogFile['kind']; year: number | undefined } {
  const checkpoint = checkpointPath.exec(path);
  if (checkpoint) return { kind: 'checkpoint', year: Number(checkpoint[1]) };
  const params = paramsPath.exec(path);
  if (params) return { kind: 'params', year: Number(params[1]) };
  return { kind: 'other', year: undefined };
}

/**
 * The TiC-CLIP repos (and the caller's extras) with their years, files, sizes, LFS sha256s and commit, listed
 * live from the Hub (model info for the commit, then the tree API by that commit, following pagination). A repo
 * whose listing fails comes back with `error` and what the cache holds; when the Hub cannot be reached that is
 * marked `offline: true`. Never throws for one repo's failure; throws only for invalid input.
 */
export async function listHubCatalog(options: CatalogOptions, deps: CatalogDeps): Promise<CatalogRepo[]> {
  const revision = parseRevision(options.revision ?? 'main');
  const repos = [...new Set([...(options.repos ?? ticClipRepos), ...(options.extraRepos ?? [])])].map(parseRepoId);
  return Promise.all(repos.map((repo) => listCatalogRepo(repo, revision, deps, options)));
}

/** One repo of the catalog (live, else from the cache). */
export async function listCatalogRepo(
  repo: string,
  revision: string,
  deps: CatalogDeps,
  options: Pick<CatalogOptions, 'signal' | 'offline'> = {},
): Promise<CatalogRepo> {
  if (options.offline) return cachedRepo(repo, revision, deps.cacheDir, undefined);
  try {
    return await liveRepo(repo, revision, deps, options.signal);
  } catch (error) {
    const hubError = errorFromFailure(error, `listing ${repo}`, options.signal);
    if (['cancelled', 'invalidInput', 'insecureEndpoint'].includes(hubError.reason)) throw hubError;
    return cachedRepo(repo, revision, deps.cacheDir, hubError);
  }
}

async function liveRepo(
  repo: string,
  revision: string,
  deps: CatalogDeps,
  signal: AbortSignal | undefined,
): Promise<CatalogRepo> {
  const commit = await resolveCommit(repo, revision, deps, signal);
  const paths = repoCachePaths(deps.cacheDir, repo);
  const files: CatalogFile[] = [];
  const warnings: string[] = [];
  const seen = new Set<string>();
  let count = 0;
  const entries = listFiles({
    repo: { type: 'model', name: repo },
    recursive: true,
    revision: commit,
    hubUrl: deps.endpoint,
    fetch: strictHubFetch(deps, { repo, revision }, `listing ${repo}`, signal),
  });
  for await (const raw of entries as AsyncIterable<unknown>) {
    if (++count > maxListedEntries) {
      warnings.push(`the Hub listed more than ${maxListedEntries} entries for ${repo}; the rest were not read.`);
      break;
    }
    // Checked before any of it builds a path (parseTreeEntry): a bad entry is dropped and named, never used.
    const parsed = parseTreeEntry(raw);
    if (parsed.kind === 'bad') {
      warnings.push(`the Hub's listing of ${repo} has an invalid entry, left out: ${parsed.problem}.`);
      continue;
    }
    if (parsed.kind !== 'file') continue;
    const entry = parsed.file;
    if (seen.has(entry.path)) {
      warnings.push(`the Hub's listing of ${repo} names ${entry.path} twice; the second entry was left out.`);
      continue;
    }
    seen.add(entry.path);
    const sha256 = entry.lfs?.oid;
    const size = entry.lfs?.size ?? entry.size;
    const state = await blobState(paths, sha256 ?? entry.gitOid, size);
    const local = await findCachedFile(deps.cacheDir, repo, entry.path, commit);
    const linked = local !== undefined && local.size === size;
    files.push({
      path: entry.path,
      size,
      sha256,
      gitOid: entry.gitOid,
      lfs: entry.lfs !== undefined,
      ...classifyRepoPath(entry.path),
      cached: state.present || linked,
      partialBytes: state.partialBytes,
      localPath: linked ? local.localPath : undefined,
    });
  }
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { repo, revision, commit, offline: false, years: yearsOf(files), files, warnings };
}

async function cachedRepo(
  repo: string,
  revision: string,
  cacheDir: string,
  error: HubError | undefined,
): Promise<CatalogRepo> {
  const snapshot = await readCachedSnapshot(cacheDir, repo, revision);
  const files: CatalogFile[] = (snapshot?.files ?? []).map((f) => ({
    path: f.path,
    size: f.size,
    sha256: f.hash?.length === 64 ? f.hash : undefined,
    gitOid: f.hash?.length === 40 ? f.hash : undefined,
    lfs: f.hash?.length === 64,
    ...classifyRepoPath(f.path),
    cached: true,
    partialBytes: 0,
    localPath: f.localPath,
  }));
  return {
    repo,
    revision,
    commit: snapshot?.commit,
    offline: error === undefined || error.reason === 'network',
    years: yearsOf(files),
    files,
    ...(error ? { error: { reason: error.reason, message: error.message } } : {}),
    warnings: [],
  };
}

function yearsOf(files: CatalogFile[]): number[] {
  return [...new Set(files.filter((f) => f.kind === 'checkpoint' && f.year !== undefined).map((f) => f.year!))].sort(
    (a, b) => a - b,
  );
}
