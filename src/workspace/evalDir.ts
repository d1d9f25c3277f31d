import { basename, join } from 'node:path';
import { parseEvalResultsJsonl, type EvalRecord } from '../formats/evalResultsJsonl';
import { resultFileLimits } from '../formats/resultFileLimits';
import { readUntrustedText, UntrustedFileError } from '../shared/untrustedFile';
import { fileProblemText } from './fileProblem';
import { fileStat, type FileStat } from '../shared/pathProbe';
import { parseResumeReference } from '../formats/resumeReference';
import { readTrainInfo, type TrainInfo } from '../formats/trainInfo';
import { hasSimulatedMarker } from '../formats/evalProvenance';

/**
 * One evaluate.py `--output_dir` (contracts §3.2–3.3): `eval_results.jsonl` and, usually, the `info.pkl` that
 * evaluate.py (re)writes there, which names the checkpoint it scored.
 */
export interface EvalDir {
  readonly dir: string;
  readonly name: string;
  readonly results: FileStat;
  readonly records: readonly EvalRecord[];
  /** The file ends in half a line: evaluate.py is writing, or was stopped mid-write. */
  readonly truncatedTail: boolean;
  /** Lines that are not valid records. */
  readonly badLines: number;
  /** Years of the TiC tasks present, sorted. */
  readonly evalYears: readonly number[];
  readonly info: TrainInfo | null;
  /** The checkpoint info.pkl names, as written on the machine that ran the evaluation. */
  readonly checkpoint: string | null;
  /** The experiment that checkpoint belongs to (`…/{exp}/checkpoints/…`), when the path says. */
  readonly checkpointExperiment: string | null;
  /** `epoch_latest.pt`, `epoch_5.pt`, `2017.pt`… */
  readonly checkpointFile: string | null;
  /** The demo's stand-in evaluator wrote here (`tic-studio-simulated.json`, contracts §9.3): made-up numbers. */
  readonly simulated: boolean;
  /**
   * Files that are there but could not be read (eval_results.jsonl too large, info.pkl a named pipe…), one
   * sentence each; an unreadable eval_results.jsonl leaves `records` empty, and this says why.
   */
  readonly problems: readonly string[];
}

/**
 * Null when `dir` has no eval_results.jsonl (or one that is not a regular file: the workspace scan names those).
 * Both files are read as untrusted: non-blocking, regular files only, with a size limit.
 */
export async function readEvalDir(dir: string): Promise<EvalDir | null> {
  const results = await fileStat(join(dir, 'eval_results.jsonl'));
  if (results === null) return null;
  const problems: string[] = [];
  const [text, info, simulated] = await Promise.all([
    readUntrustedText(results.path, resultFileLimits.evalResultsJsonl, { what: 'an eval_results.jsonl' }).catch(
      (error: unknown) => {
        problems.push(fileProblemText('eval_results.jsonl', error));
        return '';
      },
    ),
    readTrainInfo(join(dir, 'info.pkl')).catch((error: unknown) => {
      // Most evaluation folders have one; one without it simply names no checkpoint.
      if (!UntrustedFileError.is(error, 'notFound')) problems.push(fileProblemText('info.pkl', error));
      return null;
    }),
    hasSimulatedMarker(dir),
  ]);
  const parsed = parseEvalResultsJsonl(text);
  const evalYears = [...new Set(parsed.records.flatMap((r) => (r.task === null ? [] : [r.task.year])))].sort(
    (a, b) => a - b,
  );
  const ref = parseResumeReference(info?.checkpoint ?? null);
  return {
    dir,
    name: basename(dir),
    results,
    records: parsed.records,
    truncatedTail: parsed.truncatedTail,
    badLines: parsed.problems.length,
    evalYears,
    info,
    checkpoint: info?.checkpoint ?? null,
    checkpointExperiment: ref?.expName ?? null,
    checkpointFile: ref?.file ?? null,
    simulated,
    problems: problems.sort(),
  };
}
