import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { openUntrustedFile } from '../shared/untrustedFile';
import type { RunOutcome } from './model/runFailure';
import type { RunRecord } from './model/runRecord';

const logTailBytes = 64 * 1024;

/** How the run's program ended, as its launcher (the wrapper, or Slurm) reports it. */
export interface RunExit {
  exitCode: number | null;
  signal: string | null;
  spawnError?: string;
}

/**
 * What detectRunFailure needs about a run that has ended, whoever ran it: the end of its console log and what it
 * left in its output folder (train: a fresh `epoch_latest.pt`; eval: `eval_results.jsonl`).
 */
export async function readRunOutcome(record: RunRecord, exit: RunExit): Promise<RunOutcome> {
  const outcome: RunOutcome = {
    kind: record.kind,
    exitCode: exit.exitCode,
    signal: exit.signal,
    logTail: await readTail(record.logPath, logTailBytes),
  };
  if (exit.spawnError !== undefined) outcome.spawnError = exit.spawnError;
  if (record.outputDir !== undefined && record.kind === 'train') {
    const checkpoint = await stat(join(record.outputDir, 'checkpoints', 'epoch_latest.pt')).catch(() => undefined);
    outcome.checkpointExists = checkpoint !== undefined;
    // 2 s of slack: file systems with coarse mtimes.
    if (checkpoint !== undefined)
      outcome.checkpointUpdated = checkpoint.mtimeMs >= Date.parse(record.startedAt ?? record.createdAt) - 2000;
  }
  if (record.outputDir !== undefined && record.kind === 'eval') {
    outcome.evalResultsExists = await stat(join(record.outputDir, 'eval_results.jsonl')).then(
      () => true,
      () => false,
    );
  }
  return outcome;
}

/**
 * The last `bytes` of the console log; '' when there is none. The record names the path, and the record is the
 * workspace's: a named pipe or a device there is opened non-blocking and refused, never waited on.
 */
async function readTail(path: string, bytes: number): Promise<string> {
  const handle = await openUntrustedFile(path).catch(() => undefined);
  if (handle === undefined) return '';
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, bytes);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, size - length);
    return buffer.toString('utf8');
  } finally {
    await handle.close();
  }
}
