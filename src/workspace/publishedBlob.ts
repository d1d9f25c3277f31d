import { readdir, readlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { ResumeReference } from '../formats/resumeReference';

/** `…/models--apple--TiC-CLIP-{filtering}-{strategy}/blobs/{sha256}`: a resolved Hub cache link (contracts §6.3). */
const blobPath =
  /^(.*[\\/]models--apple--TiC-CLIP-(basic|bestpool)-(cumulative|sequential|oracle))[\\/]blobs[\\/]([0-9a-f]{64})$/;

/** At most this many snapshots are looked through (a cache holds one per revision downloaded). */
const maxSnapshots = 64;

/**
 * A `resume` that names a Hub cache **blob** (someone resolved the snapshot link, `realpath`) says the repo but not
 * the year: the snapshot links of that cache folder say which `checkpoints/YEAR.pt` points at the blob. Only links
 * are read, never a file; what they say names a lineage's root, nothing more (the cache is not ours, contracts §1.8).
 * Anything else, or a blob no snapshot links to, is returned unchanged.
 */
export async function withPublishedBlob(ref: ResumeReference | null): Promise<ResumeReference | null> {
  if (ref === null || ref.huggingFace !== null) return ref;
  const match = blobPath.exec(ref.path);
  if (match === null) return ref;
  const [, repoDir, filtering, strategy, hash] = match;
  let snapshots: string[];
  try {
    snapshots = (await readdir(join(repoDir!, 'snapshots'))).slice(0, maxSnapshots);
  } catch {
    return ref;
  }
  for (const snapshot of snapshots) {
    let files: string[];
    try {
      files = await readdir(join(repoDir!, 'snapshots', snapshot, 'checkpoints'));
    } catch {
      continue;
    }
    for (const file of files) {
      const year = /^(\d{4})\.pt$/.exec(file)?.[1];
      if (year === undefined) continue;
      const target = await readlink(join(repoDir!, 'snapshots', snapshot, 'checkpoints', file)).catch(() => null);
      if (target !== null && basename(target) === hash) {
        return {
          ...ref,
          huggingFace: {
            repo: `apple/TiC-CLIP-${filtering}-${strategy}`,
            filtering: filtering!,
            strategy: strategy!,
            year: Number(year),
          },
        };
      }
    }
  }
  return ref;
}
