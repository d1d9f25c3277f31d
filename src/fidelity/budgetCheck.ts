import type { LogSummary } from '../formats/logSummary';
import { paramInt } from '../formats/paramsText';
import { samplesTolerance } from '../tic/ticProtocol';
import { oracleSampleFactor } from '../tic/ticScales';
import type { ProtocolProblem } from './protocolReport';
import { count, deviation, problem, type StepFacts } from './stepFacts';

/**
 * The `samples` check (contracts §1.2, §9): every step gets the scale's budget (global batch × steps), the oracle
 * 7 × it. Two ways to miss it:
 *
 * - planned: params.txt `train_num_samples` is datacomp's `train_num_samples // num_checkpoints`, so × `epochs` it
 *   gives back the budget datacomp was given; another value on a step means `--train_num_samples` was passed, which
 *   only the oracle does (with 7 ×);
 * - run: the samples the step trained (compute accounting's count over every start of the whole log; without the
 *   whole log, each epoch's last `[N/T]` in the tail) within 2 % of the budget; the batch count is rounded up per
 *   epoch, so a world size that does not divide the batch lands a little above it.
 *
 * A finished run whose samples the log cannot give is a warning; a run still going (or stopped) is only a note,
 * unless a later step continued from it.
 */
export function budgetCheck(facts: StepFacts): ProtocolProblem[] {
  const { scale, params, role, experiment, step } = facts;
  if (scale === null) return [];
  const factor = role === 'oracle' ? oracleSampleFactor : 1;
  const budget = scale.trainNumSamples * factor;
  const expected = `${count(budget)} (${scale.scale}${factor === 1 ? '' : `, ${factor} × a step's`})`;

  const perEpoch = params ? paramInt(params, 'train_num_samples') : undefined;
  const epochs = params ? paramInt(params, 'epochs') : undefined;
  if (typeof perEpoch === 'number' && typeof epochs === 'number' && epochs > 0) {
    const planned = perEpoch * epochs;
    if (perEpoch !== Math.floor(budget / epochs)) {
      const why = role === 'oracle' ? 'planned' : 'planned: a train_num_samples only the oracle sets';
      return [problem('samples', 'error', expected, `${count(planned)} (${why}, ${deviation(planned, budget)})`)];
    }
  }

  const seen =
    facts.compute.samplesSeen ??
    samplesSeen(facts.log, facts.fullLog, epochs ?? experiment.epochs ?? null, experiment.status.status);
  const finished = experiment.status.status === 'finished';
  if (seen === null) {
    return finished ? [problem('samples', 'warning', expected, 'not in the log (no train step lines)')] : [];
  }
  const off = Math.abs(seen - budget) > samplesTolerance * budget;
  if (!off) return [];
  const actual = `${count(seen)} (${deviation(seen, budget)})`;
  if (finished || seen > budget) return [problem('samples', 'error', expected, actual)];
  if (step.children.length > 0) {
    return [
      problem('samples', 'error', expected, `${count(seen)} when it stopped, and a later step continued from it`),
    ];
  }
  return [problem('samples', 'note', expected, `${count(seen)} so far (${experiment.status.status})`)];
}

/**
 * Samples the log shows: the sum of each epoch's last `[N/T]` (a restart redoes the epoch it stopped in, so its
 * last line counts it once). A tail that misses early epochs of a finished run stands in with epochs × the last
 * epoch's size; null when the log has no train step line.
 */
export function samplesSeen(
  log: LogSummary | null,
  fullLog: boolean,
  epochsPlanned: number | null,
  status: string,
): number | null {
  if (log === null || log.epochs.length === 0) return null;
  const complete = fullLog || log.epochs.every((e, i) => e.epoch === i);
  if (complete) return log.epochs.reduce((sum, e) => sum + e.lastStep.samplesSeen, 0);
  const last = log.lastStep;
  if (status === 'finished' && epochsPlanned !== null && last !== null) return epochsPlanned * last.samplesPerEpoch;
  return null;
}
