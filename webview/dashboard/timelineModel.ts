import type { DataVolumeWire, StepNodeWire } from '../../src/protocol/dashboardMessages';
import { firstDataYear, firstStepYear } from '../../src/tic/ticTimeline';

/** The TiC-DataComp years, 2014…2022 (contracts §4.1), widened to whatever the snapshot holds. */
export function timelineYears(dataVolume: readonly DataVolumeWire[], steps: readonly StepNodeWire[]): number[] {
  let lo = firstDataYear;
  let hi = 2022;
  for (const y of [...dataVolume.map((d) => d.year), ...steps.map((s) => s.year)]) {
    lo = Math.min(lo, y);
    hi = Math.max(hi, y);
  }
  // A sane bound: the validator allows 1900…2200, a timeline of 300 columns helps nobody.
  hi = Math.min(hi, lo + 40);
  return Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
}

/** The data years a step's node covers: the first step (2016) trained on 2014–2016, any other on its own year. */
export function stepSpan(year: number): [number, number] {
  return year === firstStepYear ? [firstDataYear, firstStepYear] : [year, year];
}

export const runWords: Record<StepNodeWire['run'], string> = {
  none: 'not trained',
  queued: 'queued',
  running: 'running',
  finished: 'trained',
  incomplete: 'incomplete',
  failed: 'failed',
};

export const checkpointWords: Record<StepNodeWire['checkpoint'], string> = {
  local: 'checkpoint local',
  hub: 'checkpoint on the Hub',
  missing: 'no checkpoint',
};

export const evalWords: Record<StepNodeWire['evaluation'], string> = {
  done: 'evaluated',
  partial: 'partly evaluated',
  missing: 'not evaluated',
};

/** Short glyphs shown on a node; the words above are its accessible name. */
export const checkpointGlyph: Record<StepNodeWire['checkpoint'], string> = { local: '●', hub: '☁', missing: '○' };
export const evalGlyph: Record<StepNodeWire['evaluation'], string> = { done: '✓', partial: '◐', missing: '–' };

/** The node's state in words: run, checkpoint, evaluation, progress. */
export function stepStateText(step: StepNodeWire): string {
  const run =
    step.run === 'running' && step.progress !== null
      ? `running ${Math.round(Math.min(1, Math.max(0, step.progress)) * 100)}%`
      : runWords[step.run];
  return `${run}, ${checkpointWords[step.checkpoint]}, ${evalWords[step.evaluation]}`;
}

/** The accessible name and tooltip of a node: year (with the data it covers), state, then the host's detail. */
export function stepLabel(chain: string, step: StepNodeWire): string {
  const [a, b] = stepSpan(step.year);
  const data = a === b ? `${step.year}` : `${step.year} (data ${a}–${b})`;
  const shared = step.shared ? ', shared with the sibling chain' : '';
  return `${chain} step ${data}: ${stepStateText(step)}${shared}. ${step.detail}`.trim();
}

/** A node offers "Evaluate" when there is a checkpoint to evaluate and no evaluation at all yet. */
export function canEvaluate(step: StepNodeWire): boolean {
  return step.checkpoint !== 'missing' && step.evaluation === 'missing' && step.run !== 'running';
}
