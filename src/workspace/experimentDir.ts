import { stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { parseLogFile } from '../formats/logFile';
import { LogSummaryBuilder, type LogSummary } from '../formats/logSummary';
import { paramBool, paramInt, paramString, parseParamsText, type ParamsFile } from '../formats/paramsText';
import { resultFileLimits } from '../formats/resultFileLimits';
import { notRegularFileError, readUntrustedText, UntrustedFileError } from '../shared/untrustedFile';
import { fileProblemText } from './fileProblem';
import { finalCheckpoint, listCheckpointFiles, type CheckpointFile } from '../formats/checkpointFiles';
import { identifyExperiment, type ExperimentIdentity } from './experimentIdentity';
import { fileStat, type FileStat } from '../shared/pathProbe';
import { parseResumeReference, type ResumeReference } from '../formats/resumeReference';
import { deriveRunStatus, type RunStatusInfo } from './runStatus';
import { dataYearsOf } from '../tic/trainDataYears';
import { readTrainInfo, type TrainInfo } from '../formats/trainInfo';
import { withPublishedBlob } from './publishedBlob';
import { hasSimulatedMarker } from '../formats/evalProvenance';

/**
 * One OpenCLIP output folder `{output_dir}/{exp_name}/` (contracts §1.5) as found on disk, without opening any
 * checkpoint: params.txt and info.pkl are read whole (a few KB, with a size limit), out.log only at its end
 * (`logTailBytes`). Every file is the workspace's: one that is there but is not a regular file (a named pipe…),
 * too large or unreadable is never waited on and is named in `fileProblems`.
 */
export interface Experiment {
  /** The folder name, i.e. `--exp_name`. */
  readonly name: string;
  readonly dir: string;
  /** The folder it is in, i.e. `--output_dir`. */
  readonly outputDir: string;
  readonly files: {
    readonly outLog: FileStat | null;
    readonly paramsTxt: FileStat | null;
    readonly infoPkl: FileStat | null;
    readonly resultsJsonl: FileStat | null;
    /** evaluate.py's output when it was pointed at the experiment itself (`--output_dir` defaults to it, §3.1). */
    readonly evalResultsJsonl: FileStat | null;
  };
  readonly params: ParamsFile | null;
  readonly info: TrainInfo | null;
  readonly model: string | null;
  readonly epochs: number | null;
  /** params.txt `train_data` (the expanded shard patterns). */
  readonly trainData: string | null;
  /** Years named by train_data (or info.pkl data_dir), in order of appearance. */
  readonly dataYears: readonly number[];
  /** params.txt `resume` when it names a checkpoint (not `latest`/`None`). */
  readonly resume: ResumeReference | null;
  /**
   * What this experiment was first started from, for its lineage: `resume`, unless that is `latest` or this
   * experiment's own checkpoint (a restart rewrites params.txt, contracts §1.4, §7.6): then the first start's
   * `Params:` block at the head of out.log says. Null: trained from scratch.
   */
  readonly origin: ResumeReference | null;
  /** False when neither params.txt nor out.log says what it started from (its lineage is then guessed). */
  readonly originKnown: boolean;
  readonly newRun: boolean | null;
  readonly worldSize: number | null;
  readonly checkpoints: readonly CheckpointFile[];
  /** `epoch_latest.pt`, else the highest `epoch_N.pt`. */
  readonly finalCheckpoint: CheckpointFile | null;
  /** Null when no chain rule fits (see `unchainedReason`). */
  readonly identity: ExperimentIdentity | null;
  readonly unchainedReason: string | null;
  readonly status: RunStatusInfo;
  /** The demo's stand-in trainer wrote here (`tic-studio-simulated.json`, contracts §9.3): made-up numbers. */
  readonly simulated: boolean;
  /** The log tail's summary (last steps, evals, errors), or null without out.log. */
  readonly logTail: LogSummary | null;
  /** Things that could not be read (an unreadable info.pkl, params.txt lines that are not `k: v`). */
  readonly problems: readonly string[];
  /** The part of `problems` about whole files: there, but not a regular file, too large or unreadable. */
  readonly fileProblems: readonly string[];
}

export interface ReadExperimentOptions {
  /** How much of the end of out.log to read for the status; default 256 KiB. */
  readonly logTailBytes?: number;
}

/** The files an experiment folder is recognised by and read from (contracts §1.5, §2.4, §3.3). */
export const experimentFileNames = [
  'out.log',
  'params.txt',
  'info.pkl',
  join('checkpoints', 'results.jsonl'),
  'eval_results.jsonl',
] as const;

/** Null when `dir` has none of out.log, params.txt, checkpoints/, info.pkl (or only an evaluation's info.pkl). */
export async function readExperimentDir(dir: string, options: ReadExperimentOptions = {}): Promise<Experiment | null> {
  const [outLog, paramsTxt, infoPkl, resultsJsonl, evalResultsJsonl, checkpointsDir] = await Promise.all([
    fileStat(join(dir, 'out.log')),
    fileStat(join(dir, 'params.txt')),
    fileStat(join(dir, 'info.pkl')),
    fileStat(join(dir, 'checkpoints', 'results.jsonl')),
    fileStat(join(dir, 'eval_results.jsonl')),
    isDir(join(dir, 'checkpoints')),
  ]);
  // An evaluate.py output dir also holds an info.pkl (§3.2): info.pkl alone makes an experiment only without results.
  if (outLog === null && paramsTxt === null && !checkpointsDir && (infoPkl === null || evalResultsJsonl !== null)) {
    return null;
  }
  const fileProblems = new Set<string>();
  const unreadable =
    (file: string) =>
    (error: unknown): null => {
      fileProblems.add(fileProblemText(file, error));
      return null;
    };
  // Known names that are there but are not files: said, not silently taken for absent.
  const notFiles = Promise.all(
    experimentFileNames.map(async (name) => {
      const error = await notRegularFileError(join(dir, name));
      if (error !== null) unreadable(name)(error);
    }),
  );

  const [params, info, checkpoints, logTail, simulated] = await Promise.all([
    paramsTxt === null
      ? null
      : readUntrustedText(paramsTxt.path, resultFileLimits.paramsTxt, { what: 'a params.txt' }).then(
          parseParamsText,
          unreadable('params.txt'),
        ),
    infoPkl === null ? null : readTrainInfo(infoPkl.path).catch(unreadable('info.pkl')),
    checkpointsDir ? listCheckpointFiles(join(dir, 'checkpoints')) : Promise.resolve([]),
    outLog === null ? null : readLogTail(outLog, options.logTailBytes ?? 256 * 1024).catch(unreadable('out.log')),
    hasSimulatedMarker(dir),
  ]);
  await notFiles;
  const problems = [...fileProblems].sort();
  for (const p of params?.problems ?? []) problems.push(`params.txt line ${p.line}: ${p.reason} (${p.text})`);

  // params.txt is rewritten on every start; without it, the log's own Params: block (if in the tail) stands in.
  const effectiveParams = params ?? logTail?.params ?? null;
  const trainData = effectiveParams ? (paramString(effectiveParams, 'train_data') ?? null) : null;
  const name = basename(dir);
  const identity = identifyExperiment({ name, params: effectiveParams, info });
  const resume = effectiveParams ? parseResumeReference(paramString(effectiveParams, 'resume') ?? null) : null;
  const found = await originOf(dir, effectiveParams, resume, outLog);
  const origin = found === undefined ? undefined : await withPublishedBlob(found);
  const epochs = effectiveParams ? (paramInt(effectiveParams, 'epochs') ?? null) : null;
  return {
    name,
    dir,
    outputDir: dirname(dir),
    files: { outLog, paramsTxt, infoPkl, resultsJsonl, evalResultsJsonl },
    params,
    info,
    model: (effectiveParams ? paramString(effectiveParams, 'model') : null) ?? info?.model ?? logTail?.model ?? null,
    epochs,
    trainData,
    dataYears: dataYearsOf(trainData ?? info?.dataDir ?? null).years,
    resume,
    origin: origin === undefined ? null : origin,
    originKnown: origin !== undefined,
    newRun: effectiveParams ? (paramBool(effectiveParams, 'new_run') ?? null) : null,
    worldSize: effectiveParams ? (paramInt(effectiveParams, 'world_size') ?? null) : null,
    checkpoints,
    finalCheckpoint: finalCheckpoint(checkpoints),
    identity: identity.ok ? identity.identity : null,
    unchainedReason: identity.ok ? null : identity.reason,
    status: deriveRunStatus({
      log: logTail,
      logModifiedMs: outLog?.modifiedMs ?? null,
      epochsPlanned: epochs,
      checkpoints,
    }),
    simulated,
    logTail,
    problems,
    fileProblems: [...fileProblems].sort(),
  };
}

/** How much of the head of out.log holds the first start's `Params:` block (after the `Model:` repr). */
const logHeadBytes = 256 * 1024;

/**
 * What the experiment started from: null = from scratch, undefined = nobody says. `resume: latest`, or a path into
 * this experiment's own checkpoints, is a restart of the same experiment (params.txt is rewritten on each start):
 * the first start's `Params:` block, at the head of the appended out.log, holds the original value.
 */
async function originOf(
  dir: string,
  params: ParamsFile | null,
  resume: ResumeReference | null,
  outLog: FileStat | null,
): Promise<ResumeReference | null | undefined> {
  const raw = params ? paramString(params, 'resume') : undefined;
  const restart = raw?.trim() === 'latest' || (resume !== null && isOwnCheckpoint(dir, resume));
  if (raw !== undefined && raw !== null && !restart) return resume;
  if (outLog === null) return raw === undefined || raw === null ? undefined : null;
  const first = await readFirstParams(outLog.path).catch(() => null);
  const firstRaw = first ? paramString(first, 'resume') : undefined;
  if (firstRaw === undefined || firstRaw === null) return raw === undefined || raw === null ? undefined : null;
  const firstRef = parseResumeReference(firstRaw);
  if (firstRef !== null && isOwnCheckpoint(dir, firstRef)) return undefined;
  return firstRef;
}

function isOwnCheckpoint(dir: string, ref: ResumeReference): boolean {
  return ref.expName === basename(dir);
}

async function readFirstParams(path: string): Promise<ParamsFile | null> {
  let first: ParamsFile | null = null;
  await parseLogFile(
    path,
    (event) => {
      if (event.type === 'params' && first === null) first = event.params;
    },
    { end: logHeadBytes },
  );
  return first;
}

/** The log's tail, summarised; throws UntrustedFileError when out.log is not a regular file (it raced the stat). */
async function readLogTail(log: FileStat, bytes: number): Promise<LogSummary | null> {
  const summary = new LogSummaryBuilder();
  try {
    await parseLogFile(log.path, summary.add, { start: Math.max(0, log.size - bytes) });
  } catch (error) {
    if (UntrustedFileError.is(error) && error.reason !== 'notFound') throw error;
    return null;
  }
  return summary.result();
}

async function isDir(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}
