import type { LogRun, LogSummary } from '../formats/logSummary';
import { paramInt, type ParamsFile } from '../formats/paramsText';
import { parseLogTimestamp } from '../formats/stepSeries';
import { oracleSampleFactor, ticScaleConfigs, type TicScale } from '../tic/ticScales';
import { firstStepYear, lastStepYear } from '../tic/ticTimeline';
import type { Experiment } from '../workspace/experimentDir';
import { clipDimsOf, clipForwardFlops, trainFlopsPerForwardFlop } from './clipFlops';
import type { StepCompute } from './protocolReport';

/**
 * What one training step cost, from its files (contracts §9 says how each number is computed):
 * - `globalBatch`: params.txt (else the log's last `Params:` block) batch_size × world_size × accum_freq;
 * - `optimizerSteps`, `samplesSeen`: from the `Train Epoch` lines of every start in `log` (§2.2);
 * - `gpuHours`: Σ over the starts of (its last timestamp − its first) × its world size;
 * - `trainFlops`: 3 × the model's forward FLOPs per image-text pair × samplesSeen.
 *
 * `log` must be the summary of the **whole** out.log (readChainLogs): counts from a tail would miss the starts and
 * epochs before it. A tail is recognised where it can be (the scan's tail of a log longer than it reads, or a first
 * start whose beginning is cut off) and then only params.txt's numbers are given. Null where the files do not say.
 */
export function stepCompute(exp: Experiment, log: LogSummary | null): StepCompute {
  const params = exp.params ?? log?.params ?? exp.logTail?.params ?? null;
  const globalBatch = params === null ? null : globalBatchOf(params);
  const whole = log !== null && isWholeLog(exp, log) ? log : null;
  const progress = whole === null ? null : logProgress(whole);
  const samplesSeen = progress?.samples ?? null;
  const dims = clipDimsOf(exp.model ?? whole?.model ?? null);
  return {
    samplesSeen,
    optimizerSteps: progress?.steps ?? null,
    globalBatch,
    gpuHours: whole === null ? null : gpuHours(whole),
    trainFlops:
      dims === null || samplesSeen === null
        ? null
        : trainFlopsPerForwardFlop * clipForwardFlops(dims).total * samplesSeen,
  };
}

/** A chain's totals: each field summed over the steps, null when a step does not say it (and for the batch). */
export function sumStepCompute(steps: readonly StepCompute[]): StepCompute {
  const sum = (key: keyof StepCompute): number | null => {
    let total = 0;
    for (const step of steps) {
      const value = step[key];
      if (value === null) return null;
      total += value;
    }
    return steps.length === 0 ? null : total;
  };
  const batches = new Set(steps.map((s) => s.globalBatch));
  return {
    samplesSeen: sum('samplesSeen'),
    optimizerSteps: sum('optimizerSteps'),
    // Not a sum: the batch the steps share, if they share one.
    globalBatch: batches.size === 1 ? (steps[0]?.globalBatch ?? null) : null,
    gpuHours: sum('gpuHours'),
    trainFlops: sum('trainFlops'),
  };
}

/**
 * A chain's samples ÷ the samples of the oracle that reaches the same last step: how much its lineage cost against
 * retraining once from scratch on all the data up to then (contracts §9). The scripts' oracle reaches 2022 with
 * 7 × a step's samples, one step's budget per training step 2016…2022 (`TIC:scripts/run_medium_basic_oracle.sh`);
 * for an earlier last step Y the same rule gives (Y − 2015) × a step's samples: the budget of the steps it stands
 * for. Null without samples, a known scale or a training-step year.
 */
export function oracleRatio(
  totalSamples: number | null,
  scale: TicScale | null,
  lastStep: number | null,
): number | null {
  if (totalSamples === null || scale === null || lastStep === null) return null;
  if (!Number.isInteger(lastStep) || lastStep < firstStepYear || lastStep > lastStepYear) return null;
  // 2022: the scripts' factor; before: one step's budget per training step it stands for (7 at 2022 as well).
  const steps = lastStep === lastStepYear ? oracleSampleFactor : lastStep - firstStepYear + 1;
  return totalSamples / (ticScaleConfigs[scale].trainNumSamples * steps);
}

function globalBatchOf(params: ParamsFile): number | null {
  const batch = paramInt(params, 'batch_size');
  const world = paramInt(params, 'world_size');
  const accum = paramInt(params, 'accum_freq');
  if (!positive(batch) || !positive(world) || !positive(accum)) return null;
  return batch * world * accum;
}

function positive(n: number | null | undefined): n is number {
  return n !== null && n !== undefined && Number.isSafeInteger(n) && n > 0;
}

/** How much of out.log the scan reads for a status (src/workspace/experimentDir.ts, its default). */
const scanTailBytes = 256 * 1024;

/**
 * False for a summary known to be a tail: the scan's (`exp.logTail`) of a log longer than what it reads, or one
 * whose first start began before the text read. A tail that happens to begin exactly at a start is not recognised
 * here: pass the whole log's summary.
 */
function isWholeLog(exp: Experiment, log: LogSummary): boolean {
  if (log === exp.logTail && (exp.files.outLog === null || exp.files.outLog.size > scanTailBytes)) return false;
  const first = log.runs[0];
  return first === undefined || first.startSeen;
}

interface EpochCover {
  /** How far the start got in the epoch: samples ÷ the epoch's. */
  readonly fraction: number;
  readonly steps: number;
  readonly samples: number;
}

/**
 * The optimizer steps and samples every start ran together, a restart's repeated steps counted once. A start
 * resumes from `epoch_latest.pt`, saved at the end of an epoch (contracts §1.4), so it begins an epoch at its first
 * batch: every epoch a start left was complete, and its last logged epoch got as far as its last train line. Per
 * epoch the start that got furthest counts. Null when a start's geometry (its Params block) is missing or does not
 * fit its train lines.
 */
function logProgress(log: LogSummary): { steps: number; samples: number } | null {
  const epochs = new Map<number, EpochCover>();
  for (const run of log.runs) {
    if (run.firstStep === null || run.lastStep === null) continue;
    const covers = runCovers(run);
    if (covers === null) return null;
    for (const [epoch, cover] of covers) {
      const best = epochs.get(epoch);
      if (best === undefined || cover.fraction >= best.fraction) epochs.set(epoch, cover);
    }
  }
  let steps = 0;
  let samples = 0;
  for (const cover of epochs.values()) {
    steps += cover.steps;
    samples += cover.samples;
  }
  return { steps, samples };
}

function runCovers(run: LogRun): Map<number, EpochCover> | null {
  const first = run.firstStep!;
  const last = run.lastStep!;
  const { batchSize, accumFreq, worldSize } = run;
  if (!positive(batchSize) || !positive(accumFreq) || !positive(worldSize)) return null;
  // `N = batch_count × per-GPU batch × accum_freq × world size` (contracts §2.2).
  const globalBatch = batchSize * accumFreq * worldSize;
  // Samples per epoch = OpenCLIP's batches × per-GPU batch × world; one optimizer step takes accum_freq batches.
  const batchesPerEpoch = last.samplesPerEpoch / (batchSize * worldSize);
  if (!Number.isSafeInteger(batchesPerEpoch) || batchesPerEpoch <= 0) return null;
  const stepsPerEpoch = Math.floor(batchesPerEpoch / accumFreq);
  const lastSteps = last.samplesSeen / globalBatch;
  if (!Number.isSafeInteger(lastSteps) || lastSteps < 1 || lastSteps > stepsPerEpoch) return null;
  // Each epoch logs at least one line: more epochs than lines is not a log OpenCLIP wrote.
  if (last.epoch < first.epoch || last.epoch - first.epoch >= run.trainSteps) return null;
  const covers = new Map<number, EpochCover>();
  for (let epoch = first.epoch; epoch < last.epoch; epoch++) {
    covers.set(epoch, { fraction: 1, steps: stepsPerEpoch, samples: stepsPerEpoch * globalBatch });
  }
  covers.set(last.epoch, { fraction: lastSteps / stepsPerEpoch, steps: lastSteps, samples: last.samplesSeen });
  return covers;
}

/** Σ over the starts of wall time × world size; null when a start that lasted has no world size or timestamps. */
function gpuHours(log: LogSummary): number | null {
  let gpuSeconds = 0;
  for (const run of log.runs) {
    if (run.startTimestamp === null || run.lastTimestamp === null) return null;
    const seconds = (parseLogTimestamp(run.lastTimestamp) - parseLogTimestamp(run.startTimestamp)) / 1000;
    // A clock set back (a daylight-saving change: the log has local time and no zone, §2.1) gives no answer.
    if (!Number.isFinite(seconds) || seconds < 0) return null;
    if (seconds === 0) continue;
    if (!positive(run.worldSize)) return null;
    gpuSeconds += seconds * run.worldSize;
  }
  return gpuSeconds / 3600;
}
