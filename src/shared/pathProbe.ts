import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** Small file-system questions the validators and the workspace scan ask; none of them throws. */

/** A file's size and modification time. */
export interface FileStat {
  readonly path: string;
  readonly size: number;
  readonly modifiedMs: number;
}

/** Null when `path` is not a regular file (or cannot be stat'ed). */
export async function fileStat(path: string): Promise<FileStat | null> {
  try {
    const s = await stat(path);
    return s.isFile() ? { path, size: s.size, modifiedMs: s.mtimeMs } : null;
  } catch {
    return null;
  }
}

export type PathKind = 'file' | 'dir' | 'other' | null;

export async function pathKind(path: string): Promise<PathKind> {
  try {
    const s = await stat(path);
    return s.isFile() ? 'file' : s.isDirectory() ? 'dir' : 'other';
  } catch {
    return null;
  }
}

/** A URL train.py reads through fsspec/cloudpathlib (`s3://…`); nothing local to check. */
export function isRemotePath(path: string): boolean {
  return /^[a-z][\w+.-]*:\/\//i.test(path);
}

/**
 * Whether `dir` holds webdataset shards the way datacomp's `get_input_shards` finds them (contracts §1.3):
 * `*.tar` files in the folder, or in subfolders (the resharder's `meta.json` folders, the internal
 * `{YEAR}/{k}/*.tar` layout of §4.4), looked for up to `depth` levels down, reading at most `maxDirs` folders.
 */
export async function hasTarShards(dir: string, depth = 2, maxDirs = 200): Promise<boolean> {
  const queue: { path: string; level: number }[] = [{ path: dir, level: 0 }];
  let visited = 0;
  while (queue.length > 0 && visited < maxDirs) {
    const { path, level } = queue.shift()!;
    visited++;
    let entries;
    try {
      entries = await readdir(path, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const entry of entries) {
      if (entry.name.endsWith('.tar') && (entry.isFile() || entry.isSymbolicLink())) return true;
    }
    if (level < depth) {
      for (const entry of entries)
        if (entry.isDirectory()) queue.push({ path: join(path, entry.name), level: level + 1 });
    }
  }
  return false;
}
