import { homedir } from 'node:os';
import { dirname, join, relative } from 'node:path';

type Env = Readonly<Record<string, string | undefined>>;

function expandHome(path: string, homeDir: string): string {
  return path === '~' ? homeDir : path.startsWith('~/') ? join(homeDir, path.slice(2)) : path;
}

/**
 * Python huggingface_hub's HF_HOME: `HF_HOME`, else `$XDG_CACHE_HOME/huggingface`, else `~/.cache/huggingface`
 * (huggingface_hub/constants.py; `~` expanded as Python's expanduser does).
 */
export function resolveHfHome(options: { env: Env; homeDir?: string }): string {
  const home = options.homeDir ?? homedir();
  const { HF_HOME, XDG_CACHE_HOME } = options.env;
  if (HF_HOME) return expandHome(HF_HOME, home);
  return join(XDG_CACHE_HOME ? expandHome(XDG_CACHE_HOME, home) : join(home, '.cache'), 'huggingface');
}

/**
 * The hub cache root, the same folder Python's huggingface_hub uses: an explicit option, else `HF_HUB_CACHE`
 * (or its legacy name `HUGGINGFACE_HUB_CACHE`), else `HF_HOME/hub`, else `~/.cache/huggingface/hub`.
 */
export function resolveHubCacheDir(options: { cacheDir?: string; env: Env; homeDir?: string }): string {
  const home = options.homeDir ?? homedir();
  if (options.cacheDir) return expandHome(options.cacheDir, home);
  const fromEnv = options.env.HF_HUB_CACHE || options.env.HUGGINGFACE_HUB_CACHE;
  if (fromEnv) return expandHome(fromEnv, home);
  return join(resolveHfHome({ env: options.env, homeDir: home }), 'hub');
}

/** `apple/TiC-CLIP-basic-oracle` → `models--apple--TiC-CLIP-basic-oracle` (huggingface_hub repo_folder_name). */
export function repoFolderName(repoId: string): string {
  return `models--${repoId.split('/').join('--')}`;
}

/** The files of one repo in the hub cache (the layout Python's huggingface_hub reads and writes). */
export interface RepoCachePaths {
  readonly repoDir: string;
  readonly blobsDir: string;
  readonly snapshotsDir: string;
  readonly refsDir: string;
  /** `blobs/<hash>`: sha256 for LFS files, the git blob sha1 for small files (the ETag the Hub sends). */
  blob(hash: string): string;
  /** `blobs/<hash>.incomplete`: the bytes received so far, always a contiguous prefix (Python resumes from it too). */
  incomplete(hash: string): string;
  /** `blobs/<hash>.lock`: one downloader per blob across processes (see blobLock.ts). */
  lock(hash: string): string;
  /** `snapshots/<commit>/<path>`: a relative symlink to the blob. */
  snapshotFile(commit: string, filePath: string): string;
  /** `refs/<revision>`: the commit sha the revision pointed to, no trailing newline. */
  ref(revision: string): string;
}

export function repoCachePaths(cacheDir: string, repoId: string): RepoCachePaths {
  const repoDir = join(cacheDir, repoFolderName(repoId));
  const blobsDir = join(repoDir, 'blobs');
  const snapshotsDir = join(repoDir, 'snapshots');
  const refsDir = join(repoDir, 'refs');
  return {
    repoDir,
    blobsDir,
    snapshotsDir,
    refsDir,
    blob: (hash) => join(blobsDir, hash),
    incomplete: (hash) => join(blobsDir, `${hash}.incomplete`),
    lock: (hash) => join(blobsDir, `${hash}.lock`),
    snapshotFile: (commit, filePath) => join(snapshotsDir, commit, ...filePath.split('/')),
    ref: (revision) => join(refsDir, ...revision.split('/')),
  };
}

/**
 * The symlink text from `snapshots/<commit>/<path>` to `blobs/<hash>`: relative, as Python writes it
 * (`os.path.relpath`), so one more `../` per folder in the path: `README.md` → `../../blobs/<h>`,
 * `checkpoints/2016.pt` → `../../../blobs/<h>`.
 */
export function snapshotLinkTarget(paths: RepoCachePaths, commit: string, filePath: string, hash: string): string {
  const pointer = paths.snapshotFile(commit, filePath);
  return relative(dirname(pointer), paths.blob(hash));
}
