import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The checkpoint files of an experiment's `checkpoints/` folder (contracts §1.5): `epoch_N.pt` (N = completed
 * epoch, 1-based) and `epoch_latest.pt` (written as `tmp.pt`, then renamed). Listed with sizes from `stat`; the
 * files themselves are not opened.
 */
export interface CheckpointFile {
  readonly name: string;
  readonly path: string;
  /** N of `epoch_N.pt`; null for `epoch_latest.pt`. */
  readonly epoch: number | null;
  readonly latest: boolean;
  readonly size: number;
  readonly modifiedMs: number;
}

/** Sorted: epoch_1 … epoch_N, then epoch_latest. An absent folder gives []. `tmp.pt` (a save in progress) is left out. */
export async function listCheckpointFiles(checkpointsDir: string): Promise<CheckpointFile[]> {
  let names: string[];
  try {
    names = await readdir(checkpointsDir);
  } catch {
    return [];
  }
  const files = await Promise.all(
    names.map(async (name): Promise<CheckpointFile | null> => {
      const m = /^epoch_(\d+)\.pt$/.exec(name);
      const latest = name === 'epoch_latest.pt';
      if (m === null && !latest) return null;
      const path = join(checkpointsDir, name);
      try {
        const s = await stat(path);
        if (!s.isFile()) return null;
        return { name, path, epoch: m === null ? null : Number(m[1]), latest, size: s.size, modifiedMs: s.mtimeMs };
      } catch {
        return null;
      }
    }),
  );
  return files
    .filter((f): f is CheckpointFile => f !== null)
    .sort((a, b) => (a.latest ? 1 : 0) - (b.latest ? 1 : 0) || (a.epoch ?? 0) - (b.epoch ?? 0));
}

/**
 * The checkpoint a step hands to the next one: `epoch_latest.pt` (what datacomp asserts and records in info.pkl,
 * §1.3, §1.4), else the highest `epoch_N.pt`.
 */
export function finalCheckpoint(files: readonly CheckpointFile[]): CheckpointFile | null {
  const latest = files.find((f) => f.latest);
  if (latest) return latest;
  let best: CheckpointFile | null = null;
  for (const f of files) if (f.epoch !== null && (best === null || f.epoch > (best.epoch ?? 0))) best = f;
  return best;
}

/** The highest N of `epoch_N.pt`, 0 when there is none. */
export function highestSavedEpoch(files: readonly CheckpointFile[]): number {
  return files.reduce((max, f) => (f.epoch !== null && f.epoch > max ? f.epoch : max), 0);
}
