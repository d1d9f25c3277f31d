import { lstat, mkdir } from 'node:fs/promises';
import { basename, dirname } from 'node:path';

/**
 * `.tic-studio/runs` comes with the workspace, and a repository can commit `.tic-studio` (or `runs`) as a
 * symlink to any folder the user can write: `~/.ssh`, another project. Records, logs and batch scripts are only
 * ever written into real folders, checked with lstat (which does not follow a link) before every write.
 */
export type RunsFolderErrorReason = 'symlink' | 'notFolder';

export class RunsFolderError extends Error {
  override readonly name = 'RunsFolderError';

  constructor(
    readonly reason: RunsFolderErrorReason,
    message: string,
    readonly path: string,
  ) {
    super(message);
  }
}

/**
 * The folders to check for a runs folder: itself, and its parent when that is the workspace's `.tic-studio`.
 * Folders above the workspace's own are the user's (a home folder on a symlinked disk is fine).
 */
function guardedFolders(runsDir: string): string[] {
  const parent = dirname(runsDir);
  return basename(parent) === '.tic-studio' ? [parent, runsDir] : [runsDir];
}

/** Throws RunsFolderError when a guarded folder exists and is a symlink or not a folder; a missing one is fine. */
export async function assertRealRunsFolder(runsDir: string): Promise<void> {
  for (const path of guardedFolders(runsDir)) {
    let stats;
    try {
      stats = await lstat(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    if (stats.isSymbolicLink()) {
      throw new RunsFolderError(
        'symlink',
        `${path} is a symbolic link; TiC Studio writes its run records only into a real folder inside the workspace. Remove the link (a repository may have brought it) and try again.`,
        path,
      );
    }
    if (!stats.isDirectory()) {
      throw new RunsFolderError(
        'notFolder',
        `${path} is not a folder; TiC Studio keeps its run records there. Remove or rename it and try again.`,
        path,
      );
    }
  }
}

/** Creates the runs folder (and `.tic-studio`) as real folders; refuses, as assertRealRunsFolder, a planted link. */
export async function ensureRealRunsFolder(runsDir: string): Promise<void> {
  await assertRealRunsFolder(runsDir);
  const folders = guardedFolders(runsDir);
  // The workspace itself (or whatever holds an unguarded folder) may be created as usual.
  await mkdir(dirname(folders[0]!), { recursive: true });
  for (const path of folders) {
    // One level at a time: mkdir -p would follow a link planted between the check and here.
    await mkdir(path).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
  }
  await assertRealRunsFolder(runsDir);
}
