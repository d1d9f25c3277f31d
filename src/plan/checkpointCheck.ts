import { CheckpointError } from '../checkpoint/base/checkpointError';
import { inspectCheckpoint, type CheckpointReport } from '../checkpoint/report';
import { isRemotePath, pathKind } from '../shared/pathProbe';
import type { PlanProblem } from './planProblem';

/**
 * Checks that `path` is an OpenCLIP checkpoint of `model` (contracts §1.2, §2.7), from its pickle alone.
 * `why` ends the mismatch messages: "tic_medium trains ViT-B-32".
 */
export async function checkCheckpointModel(
  path: string,
  model: string,
  why: string,
  inspect: (path: string) => Promise<CheckpointReport> = inspectCheckpoint,
): Promise<PlanProblem[]> {
  if (isRemotePath(path)) {
    return [
      {
        reason: 'remotePathNotChecked',
        severity: 'warning',
        message: `checkpoint ${path} is remote: not checked`,
        path,
      },
    ];
  }
  const kind = await pathKind(path);
  if (kind !== 'file') {
    return [
      {
        reason: 'checkpointNotFound',
        severity: 'error',
        message: `checkpoint ${path} ${kind === null ? 'does not exist' : 'is not a file'}`,
        path,
      },
    ];
  }
  let report: CheckpointReport;
  try {
    report = await inspect(path);
  } catch (error) {
    if (CheckpointError.is(error)) {
      return [
        {
          reason: 'notOpenClipCheckpoint',
          severity: 'error',
          message: `${path} is not a readable checkpoint (${error.reason}: ${error.message})`,
          path,
        },
      ];
    }
    return [
      {
        reason: 'checkpointUnreadable',
        severity: 'error',
        message: `${path} could not be read: ${error instanceof Error ? error.message : String(error)}`,
        path,
      },
    ];
  }
  if (report.stateDictPath === null || report.architecture === null) {
    return [
      {
        reason: 'notOpenClipCheckpoint',
        severity: 'error',
        message: `${path} holds no OpenCLIP CLIP state dict (no visual.conv1.weight patch embedding, contracts §2.7)`,
        path,
      },
    ];
  }
  const found = report.architecture.name;
  if (found === null) {
    const a = report.architecture;
    return [
      {
        reason: 'architectureUnknown',
        severity: 'error',
        message: `${path} is a CLIP of unknown shape (patch ${a.patchSize}, vision ${a.visionWidth}×${a.visionLayers}); ${why} (contracts §1.2, §2.7)`,
        path,
      },
    ];
  }
  if (found !== model) {
    return [
      {
        reason: 'architectureMismatch',
        severity: 'error',
        message: `${path} is a ${found}, but ${why} (contracts §1.2; tic_medium is ViT-B-32, tic_large/tic_xlarge ViT-B-16)`,
        path,
      },
    ];
  }
  return [];
}
