import { join } from 'node:path';
import { readUntrustedText, UntrustedFileError } from '../shared/untrustedFile';
import type { ChainBranch, ChainStep } from './chains';
import type { TicTimescale } from '../tic/ticTimeStep';
import type { TicScale } from '../tic/ticScales';
import type { TicStrategy } from '../tic/ticTimeline';
import type { Workspace } from './workspaceScan';
import { latestEvalRecords, type EvalRecord } from '../formats/evalResultsJsonl';
import { resultFileLimits } from '../formats/resultFileLimits';
import { parseResultsJsonl, type ResultsEpochHints } from '../formats/resultsJsonl';
import {
  buildResultsMatrices,
  finiteOrNull,
  yearlyRollup,
  type MatrixRowInput,
  type ResultsMatrix,
} from '../results/resultsMatrix';
import { defaultFirstStepMode, transferSummary, type TransferSummary } from '../results/transferSummary';
import type { FirstStepMode } from '../tic/transferRegion';

/** What one chain scored: matrices, transfer, ImageNet. Plain data, safe to JSON.stringify. */
export interface ChainResults {
  readonly key: string;
  /** The variant's name, null while its strategy × filtering × scale has one lineage (chains.ts). */
  readonly variant: string | null;
  readonly label: string;
  /** Exp names of the lineage's steps, oldest first. */
  readonly lineage: readonly string[];
  /** The chain and year this variant leaves, null for a main lineage. */
  readonly forkedFrom: { readonly chain: string; readonly year: number } | null;
  /** `monthly`: steps, rows and matrix columns are `YYYYMM` months (contracts §3.6). */
  readonly timescale: TicTimescale;
  /** A monthly chain's branch point: the yearly step (or published checkpoint) its first month resumed from. */
  readonly branch: ChainBranch | null;
  readonly strategy: TicStrategy;
  readonly scale: TicScale | null;
  readonly filtering: string | null;
  readonly firstStep: FirstStepMode;
  readonly steps: readonly ChainResultsStep[];
  /**
   * Whether `transfer`'s summaries count the unfinished steps (`ChainResultsStep.unfinished`): false by default,
   * as an early checkpoint's numbers say little about the method. `perStep` lists every row either way.
   */
  readonly includeUnfinished: boolean;
  /** Main metrics of both families always; other metrics when at least one cell holds a value. */
  readonly matrices: readonly ResultsMatrix[];
  /** One per matrix, in the same order; the summaries leave the unfinished steps out unless `includeUnfinished`. */
  readonly transfer: readonly TransferSummary[];
  /** A monthly chain's matrices rolled up to eval years (one per matrix, same order); empty for a yearly chain. */
  readonly rollup: readonly ResultsMatrix[];
  /** Per step, the training-time zero-shot (results.jsonl) and/or evaluate.py's `imagenet1k`, in step order. */
  readonly imagenet: readonly ImageNetResult[];
  /** Stock DataComp (and other non-TiC-DataComp) tasks found in the steps' eval results, by key then step. */
  readonly otherTasks: readonly OtherTaskResult[];
  /**
   * Files of this chain's steps that are there but could not be read (a named pipe, a file over its size limit…),
   * one sentence each: the cells they would fill stay missing, and this says why.
   */
  readonly problems: readonly string[];
}

export interface ChainResultsStep {
  /** The step: a year, or a `YYYYMM` month in a monthly chain. */
  readonly year: number;
  /** The step's experiment dir, null for a step not trained (yet). */
  readonly experiment: string | null;
  readonly expName: string | null;
  /** The sibling chain's 2016 step (continual chains share their first step, §1.7); its eval is that one's. */
  readonly shared: boolean;
  /** A step before this variant's fork (the chain it forked from has it too). */
  readonly inherited: boolean;
  /** The published checkpoint standing as this step (`apple/TiC-CLIP-…`), null otherwise. */
  readonly published: string | null;
  /** The evaluate.py output dir the step's row came from, null when it was not evaluated. */
  readonly evalDir: string | null;
  /**
   * A demo stand-in wrote the step's training or its evaluation (a `tic-studio-simulated.json` in the experiment
   * or the evaluation folder, contracts §9.3): its numbers are made up.
   */
  readonly simulated: boolean;
  /**
   * The step's training did not finish (stopped, failed or still running: the log's status, runStatus.ts), so its
   * results, ImageNet included, are of an earlier checkpoint than the step's last; left out of the transfer
   * summaries unless asked for.
   */
  readonly unfinished: boolean;
  /** Why, one sentence (runStatus.ts's reason); null when the step is not unfinished. */
  readonly unfinishedReason: string | null;
}

export interface ImageNetResult {
  readonly year: number;
  /**
   * - `trainingZeroShot`: the last line of the experiment's `checkpoints/results.jsonl` (contracts §2.4), i.e. the
   *   last zero-shot eval during training (the final epoch when the run finished);
   * - `evalResults`: the `imagenet1k` record of evaluate.py's eval_results.jsonl (§3.3), when that task was run.
   */
  readonly source: 'trainingZeroShot' | 'evalResults';
  /** Fractions; null when missing or not finite. */
  readonly top1: number | null;
  readonly top5: number | null;
  /** For `trainingZeroShot`: the epoch that line belongs to (§2.4's rule or the log), null if unknown. */
  readonly epoch: number | null;
  /** The file it was read from. */
  readonly file: string;
}

export interface OtherTaskResult {
  readonly year: number;
  readonly key: string;
  readonly dataset: string;
  /** `metrics.main_metric`; null when absent, None or not finite. */
  readonly mainMetric: number | null;
  readonly evalDir: string;
}

export interface ChainResultsOptions {
  /** How eval years 2014–2016 meet the first step in the transfer summaries; default `merge`. */
  readonly firstStep?: FirstStepMode;
  /** Count the unfinished steps in the transfer summaries too; default false. */
  readonly includeUnfinished?: boolean;
}

/**
 * The results of every chain of a scanned workspace, in the workspace's chain order, the monthly chains after the
 * yearly ones (their matrices month × month, contracts §3.6; their transfer regions compare months, and the
 * first-step merge does not apply to them). Reads each step's
 * `checkpoints/results.jsonl` (small); everything else comes from the scan. A step without an experiment or an
 * eval gives an all-null row.
 */
export async function buildChainResults(
  workspace: Workspace,
  options: ChainResultsOptions = {},
): Promise<ChainResults[]> {
  const firstStep = options.firstStep ?? defaultFirstStepMode;
  const includeUnfinished = options.includeUnfinished ?? false;
  const simulatedEvals = new Set(workspace.evalDirs.filter((e) => e.simulated).map((e) => e.dir));
  const evalRecords = new Map(workspace.evalDirs.map((e) => [e.dir, e.records]));
  const experiments = new Map(workspace.experiments.map((e) => [e.dir, e]));
  const evalProblems = new Map(workspace.evalDirs.map((e) => [e.dir, e.problems]));
  const zeroShot = new Map<string, Promise<ImageNetResult | string | null>>();
  const readZeroShot = (step: ChainStep): Promise<ImageNetResult | string | null> => {
    // The shown attempt's results.jsonl, else the newest other attempt's (chains.ts, contracts §1.8).
    const from = step.zeroShotFrom ?? step.experiment;
    const exp = from === null ? undefined : experiments.get(from);
    if (!exp || exp.files.resultsJsonl === null) return Promise.resolve(null);
    // A shared first step is read once for both chains.
    let pending = zeroShot.get(exp.dir);
    if (!pending) {
      // The log tail's Eval Epoch lines place the rows; without them, §2.4's zero-shot rule with params' epochs.
      pending = readTrainingZeroShot(step.year, exp.files.resultsJsonl.path, {
        evalEvents: exp.logTail?.evals ?? [],
        ...(exp.epochs !== null ? { epochs: exp.epochs } : {}),
      });
      zeroShot.set(exp.dir, pending);
    }
    return pending.then((r) => (r === null || typeof r === 'string' ? r : { ...r, year: step.year }));
  };

  return Promise.all(
    [...workspace.chains, ...workspace.monthlyChains].map(async (chain) => {
      const rows = chain.steps.map((step): MatrixRowInput & { latest: EvalRecord[] } => {
        const evalDir = step.eval?.dir ?? null;
        const records = evalDir === null ? [] : (evalRecords.get(evalDir) ?? []);
        return { year: step.year, evalDir, records, latest: latestEvalRecords(records) };
      });
      const monthly = chain.timescale === 'monthly';
      const matrices = buildResultsMatrices(rows, chain.timescale);
      const chainFirstStep: FirstStepMode = monthly ? 'separate' : firstStep;
      const training = await Promise.all(chain.steps.map(readZeroShot));
      const problems = new Set<string>();
      for (const step of chain.steps) {
        const exp = step.experiment === null ? undefined : experiments.get(step.experiment);
        for (const p of exp?.fileProblems ?? []) problems.add(p);
        for (const p of step.eval ? (evalProblems.get(step.eval.dir) ?? []) : []) problems.add(p);
      }
      for (const t of training) if (typeof t === 'string') problems.add(t);
      const imagenet: ImageNetResult[] = [];
      rows.forEach((row, i) => {
        const t = training[i];
        if (t && typeof t !== 'string') imagenet.push(t);
        const evaluated = row.latest.find((r) => r.key === 'imagenet1k');
        if (evaluated && row.evalDir !== null) {
          imagenet.push({
            year: row.year,
            source: 'evalResults',
            top1: finiteOrNull(evaluated.metrics['acc1'] ?? evaluated.mainMetric),
            top5: finiteOrNull(evaluated.metrics['acc5']),
            epoch: null,
            file: join(row.evalDir, 'eval_results.jsonl'),
          });
        }
      });
      const steps = chain.steps.map((s, i) =>
        stepSummary(s, rows[i]!.evalDir, {
          simulated:
            (s.experiment !== null && experiments.get(s.experiment)?.simulated === true) ||
            (rows[i]!.evalDir !== null && simulatedEvals.has(rows[i]!.evalDir!)),
        }),
      );
      const leftOut = includeUnfinished ? [] : steps.filter((s) => s.unfinished).map((s) => s.year);
      return {
        key: chain.key,
        variant: chain.variant,
        label: chain.label,
        lineage: chain.lineage,
        forkedFrom: chain.forkedFrom,
        timescale: chain.timescale,
        branch: chain.branch,
        strategy: chain.strategy,
        scale: chain.scale,
        filtering: chain.filtering,
        firstStep: chainFirstStep,
        steps,
        includeUnfinished,
        matrices,
        transfer: matrices.map((m) => transferLeavingOut(m, leftOut, chainFirstStep)),
        rollup: monthly ? matrices.map(yearlyRollup) : [],
        imagenet,
        otherTasks: otherTasks(rows),
        problems: [...problems],
      };
    }),
  );
}

function stepSummary(step: ChainStep, evalDir: string | null, marks: { simulated: boolean }): ChainResultsStep {
  // A step whose results come from an attempt whose log does not say it finished; a published or untrained step is
  // not unfinished. The results may be an earlier attempt's while a retry has none yet (contracts §1.8): that
  // attempt's state is the one that says what the numbers are worth.
  const resultsFrom = step.eval?.experiment ?? step.zeroShotFrom ?? step.experiment;
  const other = resultsFrom !== step.experiment ? step.attempts.find((a) => a.experiment === resultsFrom) : undefined;
  const status = other ? other.status : step.status;
  const unfinished = step.experiment !== null && status !== null && status !== 'finished';
  return {
    year: step.year,
    experiment: step.experiment,
    expName: step.expName,
    shared: step.shared,
    inherited: step.inherited,
    published: step.published?.repo ?? null,
    evalDir,
    simulated: marks.simulated,
    unfinished,
    unfinishedReason: !unfinished
      ? null
      : other
        ? `attempt ${other.number}, whose results these are, is ${other.status}`
        : (step.statusReason ?? `training ${step.status ?? 'not finished'}`),
  };
}

/**
 * The matrix's transfer summary with the rows of `leftOut` not counted (their cells taken as missing), and every
 * row's own values in `perStep`, so that a reader can still add them back (a cell-weighted mean of the rows).
 */
function transferLeavingOut(
  matrix: ResultsMatrix,
  leftOut: readonly number[],
  firstStep: FirstStepMode,
): TransferSummary {
  const all = transferSummary(matrix, { firstStep });
  if (!matrix.rows.some((r) => leftOut.includes(r))) return all;
  const values = matrix.values.map((row, i) => (leftOut.includes(matrix.rows[i]!) ? row.map(() => null) : row));
  return { ...transferSummary({ ...matrix, values }, { firstStep }), perStep: all.perStep };
}

/** Everything but the TiC-DataComp tasks (whose yearly keys make the matrices and whose monthly keys are left out). */
function otherTasks(rows: readonly (MatrixRowInput & { latest: EvalRecord[] })[]): OtherTaskResult[] {
  const out: OtherTaskResult[] = [];
  for (const row of rows) {
    if (row.evalDir === null) continue;
    for (const record of row.latest) {
      if (record.task !== null && record.task.dataset === 'datacomp') continue;
      out.push({
        year: row.year,
        key: record.key,
        dataset: record.dataset,
        mainMetric: finiteOrNull(record.mainMetric),
        evalDir: row.evalDir,
      });
    }
  }
  return out.sort((a, b) => a.key.localeCompare(b.key) || a.year - b.year);
}

/** The zero-shot row, null when the file has none (or is gone), or a sentence saying why it cannot be read. */
async function readTrainingZeroShot(
  year: number,
  path: string,
  hints: ResultsEpochHints,
): Promise<ImageNetResult | string | null> {
  let text: string;
  try {
    text = await readUntrustedText(path, resultFileLimits.resultsJsonl, { what: 'a results.jsonl' });
  } catch (error) {
    if (UntrustedFileError.is(error, 'notFound')) return null;
    return error instanceof Error ? error.message : String(error);
  }
  const file = parseResultsJsonl(text, hints);
  const last = file.rows[file.rows.length - 1];
  if (!last) return null;
  return {
    year,
    source: 'trainingZeroShot',
    top1: finiteOrNull(last.metrics['imagenet-zeroshot-val-top1']),
    top5: finiteOrNull(last.metrics['imagenet-zeroshot-val-top5']),
    epoch: last.epoch,
    file: path,
  };
}
