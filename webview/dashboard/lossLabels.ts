import type { LossAxis, LossField, StepStartWire } from '../../src/protocol/dashboardMessages';
import { formatTimeStep } from '../../src/tic/ticTimeStep';

/** Words for the loss chart's fields and axes (one place, as ARCHITECTURE.md rule 4 asks for words). */
export const fieldLabels: Record<LossField, string> = {
  loss: 'loss',
  contrastive_loss: 'contrastive loss',
  lr: 'learning rate',
  logitScale: 'logit scale',
  samplesPerSecond: 'samples / s',
};

export const axisLabels: Record<LossAxis, string> = {
  samples: 'samples seen',
  optSteps: 'optimizer steps',
  time: 'wall time (as logged)',
};

/**
 * The wall-time axis is milliseconds since the Unix epoch, the log's local timestamps read as UTC (stepSeries.ts),
 * so showing them in UTC shows the clock the log was written with. Values under 1e11 (all of them before March
 * 1973 as milliseconds) are read as seconds instead, in case a host sends time.time().
 */
export function timeScaleToMs(extentMax: number): number {
  return Math.abs(extentMax) < 1e11 ? 1000 : 1;
}

/**
 * The training step a point at `x` belongs to, for people (`2019`, `2020-01`): the last step starting at or before
 * it; null before the first start or without any.
 */
export function stepAt(starts: readonly StepStartWire[], x: number): string | null {
  let best: StepStartWire | null = null;
  for (const s of starts) if (s.x <= x && (best === null || s.x >= best.x)) best = s;
  return best === null ? null : formatTimeStep(best.year);
}
