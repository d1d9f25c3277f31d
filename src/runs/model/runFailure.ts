import type { RunKind } from './runPlan';

/**
 * Why a run failed. The exit code alone is not enough: DC train.py exits 0 after "Error. Experiment already
 * exists" (contracts.md §1.4), and a Python traceback can end a run that torchrun reports oddly.
 */
export type RunFailureReason =
  /** OC refused an explicit --resume into an exp dir that has an out.log; nothing was trained (§1.4, pitfall 1). */
  | 'experimentExists'
  /** DC printed "Error running training. Exiting." (OC main() returned -1). */
  | 'trainingError'
  /** argparse rejected the command line (`train.py: error: …`, exit 2), e.g. --blur_field (§1.1). */
  | 'badArguments'
  /** A Python traceback ends the log; `detail` is the exception line (the root cause, not torchrun's summary). */
  | 'traceback'
  /** A train run ended with exit 0 but `checkpoints/epoch_latest.pt` is missing. */
  | 'missingCheckpoint'
  /** A train run ended with exit 0 without a Train Epoch line and without writing a new epoch_latest.pt (pitfall 2). */
  | 'nothingTrained'
  /** An eval run ended with exit 0 but `eval_results.jsonl` is missing. */
  | 'missingEvalResults'
  /** A non-zero exit code with no better explanation in the log. */
  | 'exitCode'
  /** Killed by a signal that TiC Studio did not send. */
  | 'signal'
  /** The command could not be started (argv[0] not found, not executable, bad cwd). */
  | 'spawnFailed'
  /** sbatch refused the job or could not be run; `detail` is Slurm's message. */
  | 'submitFailed'
  /** The Slurm job ended in a failed state (TIMEOUT, OUT_OF_MEMORY, NODE_FAIL, PREEMPTED…); `detail` names it. */
  | 'slurmJob';

export const runFailureReasons: readonly RunFailureReason[] = [
  'experimentExists',
  'trainingError',
  'badArguments',
  'traceback',
  'missingCheckpoint',
  'nothingTrained',
  'missingEvalResults',
  'exitCode',
  'signal',
  'spawnFailed',
  'submitFailed',
  'slurmJob',
];

export interface RunFailure {
  reason: RunFailureReason;
  /** The log line or fact behind the reason, verbatim (words for people live in src/vscode/common/errors.ts). */
  detail: string;
}

/** What is known when a run has ended. Output-dir facts are undefined when they could not be checked. */
export interface RunOutcome {
  kind: RunKind;
  exitCode: number | null;
  signal: string | null;
  /** The end of the run's stdout + stderr (the supervisor reads the last 64 KiB). */
  logTail: string;
  spawnError?: string;
  /** Train: `{exp dir}/checkpoints/epoch_latest.pt` exists. */
  checkpointExists?: boolean;
  /** Train: that file was written after the run started. */
  checkpointUpdated?: boolean;
  /** Eval: `{output_dir}/eval_results.jsonl` exists. */
  evalResultsExists?: boolean;
}

const experimentExists = /^Error\. Experiment already exists\..*$/m;
const trainingError = /^Error running training\. Exiting\.$/m;
const argparseError = /^usage: [\s\S]*?^([\w.-]+\.py: error: .*)$/m;
const tracebackHeader = 'Traceback (most recent call last):';
const logRecord = /^\d{4}-\d{2}-\d{2},\d{2}:\d{2}:\d{2} \| \w+ \| /;
const trainEpoch = /\| Train Epoch: \d+ \[/;

/** Pure: the failure a finished (not stopped) run shows, or undefined when it succeeded. */
export function detectRunFailure(outcome: RunOutcome): RunFailure | undefined {
  if (outcome.spawnError !== undefined) return { reason: 'spawnFailed', detail: outcome.spawnError };
  const tail = outcome.logTail.replace(/\r\n/g, '\n');
  const exists = experimentExists.exec(tail);
  if (exists) return { reason: 'experimentExists', detail: exists[0] };
  const usage = argparseError.exec(tail);
  if (usage?.[1] !== undefined && outcome.exitCode !== 0) return { reason: 'badArguments', detail: usage[1] };
  const exitedCleanly = outcome.exitCode === 0 && outcome.signal === null;
  const traceback = finalTraceback(tail, !exitedCleanly);
  if (traceback !== undefined) return { reason: 'traceback', detail: traceback };
  const error = trainingError.exec(tail);
  if (error) return { reason: 'trainingError', detail: error[0] };
  if (outcome.signal !== null) return { reason: 'signal', detail: outcome.signal };
  if (outcome.exitCode !== 0) return { reason: 'exitCode', detail: String(outcome.exitCode) };
  if (outcome.kind === 'train') {
    if (outcome.checkpointExists === false)
      return { reason: 'missingCheckpoint', detail: 'checkpoints/epoch_latest.pt' };
    if (outcome.checkpointUpdated === false && !trainEpoch.test(tail))
      return { reason: 'nothingTrained', detail: 'checkpoints/epoch_latest.pt' };
  }
  if (outcome.kind === 'eval' && outcome.evalResultsExists === false)
    return { reason: 'missingEvalResults', detail: 'eval_results.jsonl' };
  return undefined;
}

/**
 * The exception line of the traceback(s) that end the log: those after the last line that shows progress (an
 * open_clip log record, "Done training.", evaluate.py's progress). torchrun adds its own ChildFailedError
 * traceback after the worker's, so the first exception of that final block that is not torchrun's wins. With
 * `anywhere` (the run failed anyway), a traceback followed by progress counts too.
 */
function finalTraceback(tail: string, anywhere: boolean): string | undefined {
  const lines = tail.split('\n');
  const starts: number[] = [];
  lines.forEach((line, i) => {
    if (line.trimEnd() === tracebackHeader) starts.push(i);
  });
  if (starts.length === 0) return undefined;
  const isProgress = (line: string) =>
    logRecord.test(line) ||
    line === 'Done training.' ||
    line.startsWith('Evaluating on ') ||
    line === '=== Final results ===';
  const progressAfter = (from: number, to: number) => lines.slice(from + 1, to).some(isProgress);
  const last = starts[starts.length - 1] as number;
  if (progressAfter(last, lines.length) && !anywhere) return undefined;
  let first = starts.length - 1;
  while (first > 0 && !progressAfter(starts[first - 1] as number, starts[first] as number)) first--;
  const exceptions = starts
    .slice(first)
    .map((start) => exceptionLine(lines, start))
    .filter((e): e is string => e !== undefined);
  const root = exceptions.find((e) => !/torch\.distributed\.elastic|ChildFailedError/.test(e));
  return (root ?? exceptions[exceptions.length - 1] ?? tracebackHeader).slice(0, 500);
}

/** The first unindented line after a traceback's frames: `RuntimeError: CUDA out of memory…`. */
function exceptionLine(lines: readonly string[], start: number): string | undefined {
  for (let i = start + 1; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line === '' || /^\s/.test(line)) continue;
    if (line.trimEnd() === tracebackHeader) return undefined;
    return line.trimEnd();
  }
  return undefined;
}
