import { paramBool, paramString } from '../formats/paramsText';
import { parseResumeReference } from '../formats/resumeReference';
import type { LogSummary } from '../formats/logSummary';
import type { ChainStep } from '../workspace/chains';
import type { Workspace } from '../workspace/workspaceScan';
import { dataYearsOf } from '../tic/trainDataYears';
import type { ProtocolProblem } from './protocolReport';
import { count, problem, type StepFacts } from './stepFacts';

/**
 * The checks of a step's place in its lineage (contracts §1.4, §1.8, §9):
 *
 * - `continuation`: the first step and the oracle train from scratch; a continual step starts from the previous
 *   step's final checkpoint with a fresh optimizer and schedule (`new_run` True). A restart of the same step
 *   (`resume` latest or its own checkpoint, after a preemption) is fine; a restart that changed the epoch length
 *   (open_clip #413) is not.
 * - `chain`: the steps of one chain share the scale, the filtering and the model, and none is skipped.
 */
export function lineageChecks(facts: StepFacts, workspace: Workspace): ProtocolProblem[] {
  return [...continuationCheck(facts, workspace), ...chainCheck(facts, workspace)];
}

function continuationCheck(facts: StepFacts, workspace: Workspace): ProtocolProblem[] {
  const { step, role, params, experiment } = facts;
  const out: ProtocolProblem[] = [];
  const origin = step.resumedFrom;
  if (role !== 'continual') {
    if (origin !== null)
      out.push(problem('continuation', 'error', 'trained from scratch', `resumes from ${origin.path}`));
  } else {
    const previous = previousPresentStep(facts);
    const previousName = previous === null ? null : stepName(previous);
    const expected =
      previous === null ? "the previous step's final checkpoint" : `the final checkpoint of ${previousName}`;
    if (origin === null) {
      out.push(
        problem('continuation', 'error', expected, experiment.originKnown ? 'trained from scratch' : 'not recorded'),
      );
    } else if (!namesStep(origin, previous)) {
      out.push(problem('continuation', 'error', expected, origin.path));
    } else if (!isFinalCheckpoint(origin.epoch, origin.file, previous, workspace)) {
      out.push(problem('continuation', 'error', expected, `${origin.file} of ${previousName}`));
    }
    // A restart rewrote params.txt (contracts §7.6): its new_run is the restart's, not the step's first start.
    const raw = params ? paramString(params, 'resume') : undefined;
    const restart = raw === 'latest' || parseResumeReference(raw)?.expName === experiment.name;
    const newRun = params ? paramBool(params, 'new_run') : undefined;
    if (!restart) {
      if (newRun === false || newRun === null) {
        out.push(
          problem(
            'continuation',
            'error',
            'new_run True: a fresh optimizer and schedule',
            "new_run False: the previous step's optimizer state and epoch",
          ),
        );
      } else if (newRun === undefined) {
        out.push(problem('continuation', 'warning', 'new_run True: a fresh optimizer and schedule', 'not recorded'));
      }
    }
  }
  const lengths = epochLengths(facts.log);
  if (lengths.length > 1) {
    out.push(
      problem(
        'continuation',
        'error',
        'the same epoch length in every start',
        `${lengths.map(count).join(', then ')} samples per epoch`,
      ),
    );
  }
  return out;
}

function chainCheck(facts: StepFacts, workspace: Workspace): ProtocolProblem[] {
  const { chain, step, experiment, role, params } = facts;
  const out: ProtocolProblem[] = [];
  if (chain.scale === null) {
    out.push(
      problem(
        'chain',
        'warning',
        'a TiC scale (tic_debug … tic_xlarge)',
        'unknown: the scale’s values are not checked',
      ),
    );
  }
  const ownScale = experiment.identity?.scale ?? null;
  if (chain.scale !== null && ownScale !== null && ownScale !== chain.scale) {
    out.push(problem('chain', 'error', `${chain.scale} (the chain's scale)`, ownScale));
  }
  const trainData = experiment.trainData ?? experiment.info?.dataDir ?? null;
  const ownFiltering = experiment.identity?.filtering ?? dataYearsOf(trainData).filtering;
  if (chain.filtering !== null && ownFiltering !== null && ownFiltering !== chain.filtering) {
    out.push(problem('chain', 'error', `${chain.filtering} (the chain's filtering)`, ownFiltering));
  }
  const previous = previousPresentStep(facts);
  // With a known scale the model check compares each step with the scale's model already.
  if (chain.scale === null && previous?.experiment != null) {
    const before = workspace.experiments.find((e) => e.dir === previous.experiment)?.model ?? null;
    const model = (params ? paramString(params, 'model') : null) ?? experiment.model;
    if (before !== null && model !== null && model !== before) {
      out.push(problem('chain', 'error', `${before} (as ${stepName(previous)})`, model));
    }
  }
  if (role === 'continual' && previous !== null && previous.year < step.year - 1) {
    const skipped = Array.from({ length: step.year - previous.year - 1 }, (_, i) => previous.year + 1 + i);
    out.push(
      problem(
        'chain',
        'error',
        `a step for ${skipped.join(', ')}`,
        `${skipped.join(', ')} skipped: continues ${stepName(previous)} (${previous.year})`,
      ),
    );
  }
  return out;
}

/** The closest earlier step of the chain that has an experiment or a published checkpoint. */
function previousPresentStep({ chain, index }: StepFacts): ChainStep | null {
  for (let i = index - 1; i >= 0; i--) {
    const s = chain.steps[i]!;
    if (s.experiment !== null || s.published !== null) return s;
  }
  return null;
}

function stepName(step: ChainStep): string {
  return step.expName ?? (step.published ? `${step.published.repo} ${step.published.year}` : String(step.year));
}

function namesStep(origin: NonNullable<ChainStep['resumedFrom']>, previous: ChainStep | null): boolean {
  if (previous === null) return false;
  if (previous.published !== null) return origin.huggingFace?.year === previous.year;
  return origin.expName !== null && origin.expName === previous.expName;
}

/**
 * `epoch_latest.pt` (what the scripts pass), or the `epoch_N.pt` of the previous step's last epoch; a published
 * step's `checkpoints/YEAR.pt` is its final one.
 */
function isFinalCheckpoint(
  epoch: number | null,
  file: string,
  previous: ChainStep | null,
  workspace: Workspace,
): boolean {
  if (previous === null || previous.published !== null || file === 'epoch_latest.pt') return true;
  if (epoch === null) return false;
  const exp = workspace.experiments.find((e) => e.dir === previous.experiment);
  const last = exp?.epochs ?? previous.finalCheckpoint?.epoch ?? null;
  return last === null || epoch >= last;
}

/** The distinct epoch sizes (`[N/T]`'s T) of the log's starts, in order. */
function epochLengths(log: LogSummary | null): number[] {
  const out: number[] = [];
  for (const run of log?.runs ?? []) {
    for (const s of [run.firstStep, run.lastStep]) {
      if (s !== null && out[out.length - 1] !== s.samplesPerEpoch) out.push(s.samplesPerEpoch);
    }
  }
  return new Set(out).size > 1 ? out : [];
}
