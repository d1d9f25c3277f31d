import { inspectCheckpoint } from '../checkpoint/report';
import type { Workspace } from '../workspace/workspaceScan';

/** A checkpoint's model as its tensor shapes say (`ViT-B-16`), null when they fit no known CLIP or it cannot be read. */
export type CheckpointModels = ReadonlyMap<string, string | null>;

/** Reuse between scans: a checkpoint is read again only when its size or modification time changed. */
export type CheckpointModelCache = Map<string, { readonly stamp: string; readonly model: Promise<string | null> }>;

/**
 * The model of each chain step's final checkpoint, from its shapes (src/checkpoint: the zip's directory and its
 * `data.pkl`, never the weights, never running pickle), by checkpoint path: params.txt says what was asked for, the
 * checkpoint what was trained (contracts §9, the `model` check). Never throws: an unreadable file is null.
 */
export async function readCheckpointModels(
  workspace: Workspace,
  cache: CheckpointModelCache = new Map(),
): Promise<Map<string, string | null>> {
  const files = new Map<string, string>();
  for (const chain of workspace.chains) {
    for (const step of chain.steps) {
      const file = step.finalCheckpoint;
      if (file && !step.inherited && !step.shared) files.set(file.path, `${file.size}:${file.modifiedMs}`);
    }
  }
  const out = new Map<string, string | null>();
  await Promise.all(
    [...files].map(async ([path, stamp]) => {
      let entry = cache.get(path);
      if (entry?.stamp !== stamp) {
        entry = {
          stamp,
          model: inspectCheckpoint(path).then(
            (report) => report.architecture?.name ?? null,
            () => null,
          ),
        };
        cache.set(path, entry);
      }
      out.set(path, await entry.model);
    }),
  );
  return out;
}
