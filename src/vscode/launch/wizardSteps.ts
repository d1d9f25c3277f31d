// The launch wizard's step machine, without `vscode` (unit-tested): steps that ask and store their answers in the
// flow's own state, Back to the step asked before, steps skipped by the answers so far, "N/M" recounted as it goes.

/** What a step's prompt answers besides a value: the user pressed Back. */
export const back = Symbol('back');
export type Back = typeof back;

/** Where a step stands in the walk: shown as "N/M"; `canGoBack` adds the Back button. */
export interface StepPosition {
  readonly step: number;
  readonly totalSteps: number;
  readonly canGoBack: boolean;
}

export interface WizardStep {
  /** Asks; 'next' once its answer is stored, 'back' for the previous step, 'cancel' to end the launch. */
  readonly run: (at: StepPosition) => Promise<'next' | 'back' | 'cancel'>;
  /** Whether the step is asked, given the answers so far (read each time the walk moves). Default: always. */
  readonly when?: () => boolean;
}

/** Walks the steps; resolves true when the last one answered, false when cancelled. */
export async function runWizard(steps: readonly WizardStep[]): Promise<boolean> {
  const history: number[] = [];
  let i = 0;
  for (;;) {
    while (i < steps.length && steps[i]?.when?.() === false) i++;
    if (i >= steps.length) return true;
    const ahead = steps.filter((s, k) => k > i && s.when?.() !== false).length;
    const position = {
      step: history.length + 1,
      totalSteps: history.length + 1 + ahead,
      canGoBack: history.length > 0,
    };
    const step = steps[i];
    if (!step) return true;
    const outcome = await step.run(position);
    if (outcome === 'cancel') return false;
    if (outcome === 'back') {
      const previous = history.pop();
      if (previous !== undefined) i = previous;
      continue;
    }
    history.push(i);
    i++;
  }
}

/** Maps a prompt's answer to the walk: undefined cancels, Back goes back, a value is stored by `keep`. */
export function answer<T>(value: T | Back | undefined, keep: (v: T) => void): 'next' | 'back' | 'cancel' {
  if (value === undefined) return 'cancel';
  if (value === back) return 'back';
  keep(value);
  return 'next';
}
