import { basename } from 'node:path';
import type { StepNodeWire } from '../protocol/dashboardMessages';
import { attemptState, type Chain, type ChainStep } from '../workspace/chains';
import { firstStepYear, trainingStepYears } from '../tic/ticTimeline';
import { ticMonths } from '../tic/ticMonths';
import { formatTimeStep } from '../tic/ticTimeStep';

/** A run TiC Studio knows about that writes (or will write) an experiment folder. */
export interface StepActivity {
  /** Train: `{output_dir}/{exp_name}` (RunRecord.outputDir / the queued plan's). */
  readonly outputDir: string;
  readonly state: 'queued' | 'running' | 'failed';
  /** 0…1 while running (samples seen / samples planned), when known. */
  readonly progress: number | null;
}

/**
 * The years each published repo holds (contracts §6.1): all six are tic_xlarge; sequential starts at 2017 (its
 * 2016 is cumulative's), oracle has 2022 only.
 */
export function publishedYears(
  chain: Pick<Chain, 'scale' | 'filtering' | 'strategy'> & { readonly timescale?: Chain['timescale'] },
): readonly number[] {
  // Nothing monthly is published: a monthly chain's months are on the Hub only as a step it stands on.
  if (chain.timescale === 'monthly') return [];
  if (chain.scale !== 'tic_xlarge' || (chain.filtering !== 'basic' && chain.filtering !== 'bestpool')) return [];
  if (chain.strategy === 'oracle') return [2022];
  // The sequential repo starts at 2017; its chain's 2016 step is cumulative's 2016.pt, which is published.
  return trainingStepYears;
}

/**
 * How many of the TiC months an evaluation folder scored (its monthly task keys), by folder; a monthly step counts
 * as evaluated when all 102 are there, as a yearly one does with its 9 years.
 */
export type EvaluatedMonths = (evalDir: string) => number;

/**
 * The timeline's nodes of one chain: per step, where its checkpoint is (here, on the Hub, nowhere), what its run is
 * doing (a live or queued run of TiC Studio wins over what the folder says) and whether it was evaluated. A
 * monthly chain's steps are months: evaluated means on the 102 monthly tasks (`evaluatedMonths`).
 */
export function timelineSteps(
  chain: Chain,
  activity: readonly StepActivity[],
  evaluatedMonths: EvaluatedMonths = () => 0,
): StepNodeWire[] {
  const hub = new Set(publishedYears(chain));
  const monthly = chain.timescale === 'monthly';
  return chain.steps.map((step) => {
    const live = step.experiment === null ? undefined : activity.find((a) => a.outputDir === step.experiment);
    // A published step of the lineage is the Hub's checkpoint, also when a cached copy is on this machine.
    const checkpoint =
      step.published !== null ? 'hub' : step.finalCheckpoint ? 'local' : hub.has(step.year) ? 'hub' : 'missing';
    const run = live?.state ?? runState(step);
    const scored = step.eval === null ? 0 : monthly ? evaluatedMonths(step.eval.dir) : step.eval.evalYears.length;
    const evaluation = step.eval === null ? 'missing' : scored < (monthly ? ticMonths.length : 9) ? 'partial' : 'done';
    return {
      year: step.year,
      experiment: step.experiment,
      expName: step.expName,
      shared: step.shared,
      inherited: step.inherited,
      published: step.published !== null,
      checkpoint,
      run,
      progress: live?.state === 'running' ? live.progress : null,
      evaluation,
      detail: describe(chain, step, checkpoint, run, evaluation, live?.progress ?? null, scored),
    };
  });
}

function runState(step: ChainStep): StepNodeWire['run'] {
  switch (step.status) {
    case 'finished':
      return 'finished';
    case 'failed':
      return 'failed';
    case 'incomplete':
      return 'incomplete';
    default:
      return 'none';
  }
}

function describe(
  chain: Chain,
  step: ChainStep,
  checkpoint: StepNodeWire['checkpoint'],
  run: StepNodeWire['run'],
  evaluation: StepNodeWire['evaluation'],
  progress: number | null,
  scored: number,
): string {
  const monthly = chain.timescale === 'monthly';
  const parts = [
    `${chain.strategy} ${formatTimeStep(step.year)}${!monthly && step.year === firstStepYear ? ' (data 2014–2016)' : ''}`,
  ];
  if (step.published) parts.push(`the published ${step.published.repo} ${step.published.year} checkpoint`);
  if (step.expName) parts.push(step.shared ? `${step.expName} (shared first step)` : step.expName);
  const attempts = attemptsText(step);
  if (attempts !== null) parts.push(attempts);
  parts.push(
    checkpoint === 'local'
      ? `checkpoint ${basename(step.finalCheckpoint?.path ?? '')}`
      : checkpoint === 'hub'
        ? 'checkpoint on the Hugging Face Hub'
        : 'no checkpoint',
  );
  if (run === 'running') parts.push(progress === null ? 'training' : `training, ${Math.round(progress * 100)}%`);
  else if (run !== 'none') parts.push(run === 'finished' ? 'training finished' : `training ${run}`);
  if (run === 'failed' && step.statusReason) parts.push(step.statusReason);
  const evaluatedAttempt = step.attempts.find((a) => a.experiment === step.eval?.experiment && !a.shown);
  const ofAttempt = evaluatedAttempt === undefined ? '' : ` (attempt ${evaluatedAttempt.number})`;
  parts.push(
    (evaluation === 'done'
      ? 'evaluated'
      : evaluation === 'partial'
        ? monthly
          ? `evaluated on ${scored} of ${ticMonths.length} months`
          : `evaluated on ${scored} of 9 years`
        : 'not evaluated') + ofAttempt,
  );
  return parts.join(' · ');
}

/**
 * `attempt 2 of 2 (attempt 1 stopped at epoch 2)`: which of the step's attempts the node shows (the running or
 * newest one, contracts §1.8) and how the others went; null for a step tried once.
 */
function attemptsText(step: ChainStep): string | null {
  const shown = step.attempts.find((a) => a.shown);
  if (shown === undefined) return null;
  const others = step.attempts.filter((a) => !a.shown).reverse();
  const listed = others.slice(0, 3).map((a) => `attempt ${a.number} ${attemptState(a)}`);
  if (others.length > 3) listed.push(`${others.length - 3} more`);
  return `attempt ${shown.number} of ${step.attempts.length} (${listed.join(', ')})`;
}
