import type { EvalProvenanceParse } from '../formats/evalProvenance';
import type { LogSummary } from '../formats/logSummary';
import type { Chain } from '../workspace/chains';
import type { Experiment } from '../workspace/experimentDir';
import type { Workspace } from '../workspace/workspaceScan';
import { budgetCheck } from './budgetCheck';
import { dataCheck } from './dataCheck';
import { evalCheck, evalReference } from './evalCheck';
import { hyperparameterChecks } from './hyperparameterChecks';
import { lineageChecks } from './lineageChecks';
import {
  protocolChecks,
  type ChainProtocol,
  type ProtocolProblem,
  type StepCompute,
  type StepProtocol,
} from './protocolReport';
import { stepFacts } from './stepFacts';

/**
 * The protocol guard for one chain (contracts §9): every step the chain trained itself (not the steps it shares
 * before a fork, nor a sibling's first step, nor published ones: those are judged in their own chain) checked
 * against the TiC-CLIP protocol, with what it cost. Pure: reads the scan's data, the logs the caller read in full
 * (`logs`, by experiment folder; without it, the tail the scan read) and the eval records
 * (`evalProvenance`, from readEvalProvenance; without it the `eval` check says nothing).
 */
export function chainProtocol(
  chain: Chain,
  workspace: Workspace,
  logs?: ReadonlyMap<string, LogSummary | null>,
  evalProvenance: ReadonlyMap<string, EvalProvenanceParse | null> = new Map(),
): ChainProtocol {
  const byDir = new Map(workspace.experiments.map((e) => [e.dir, e]));
  const reference = evalReference(chain, evalProvenance);
  const steps: StepProtocol[] = [];
  const costs: StepCompute[] = [];
  chain.steps.forEach((step, index) => {
    const experiment = step.experiment === null ? undefined : byDir.get(step.experiment);
    if (experiment === undefined) return;
    const compute = computeOf(experiment, logs?.get(experiment.dir) ?? null);
    costs.push(compute);
    if (step.inherited || step.shared || step.published !== null) return;
    const facts = stepFacts(chain, index, experiment, logs);
    const problems = ordered([
      ...hyperparameterChecks(facts),
      ...budgetCheck(facts),
      ...lineageChecks(facts, workspace),
      ...dataCheck(facts),
      ...evalCheck(step, reference, evalProvenance),
    ]);
    steps.push({
      step: step.year,
      experiment: experiment.dir,
      expName: experiment.name,
      comparable: problems.every((p) => p.severity !== 'error'),
      problems,
      compute,
    });
  });
  const totals = sumCompute(costs);
  return {
    chain: chain.key,
    label: chain.label,
    steps,
    comparable: steps.every((s) => s.comparable),
    totals,
    oracleRatio: null,
  };
}

/**
 * What a step cost. Compute accounting (samples, steps, GPU-hours, FLOPs from the whole log) is its own module;
 * until it is wired in here, every value is unknown.
 */
function computeOf(_experiment: Experiment, _log: LogSummary | null): StepCompute {
  return { samplesSeen: null, optimizerSteps: null, globalBatch: null, gpuHours: null, trainFlops: null };
}

/** Sums per field; a field is null as soon as one step does not say it. The global batch is the last step's. */
function sumCompute(costs: readonly StepCompute[]): StepCompute {
  const sum = (key: Exclude<keyof StepCompute, 'globalBatch'>): number | null =>
    costs.length === 0 || costs.some((c) => c[key] === null) ? null : costs.reduce((a, c) => a + c[key]!, 0);
  return {
    samplesSeen: sum('samplesSeen'),
    optimizerSteps: sum('optimizerSteps'),
    globalBatch: costs[costs.length - 1]?.globalBatch ?? null,
    gpuHours: sum('gpuHours'),
    trainFlops: sum('trainFlops'),
  };
}

/** In the order people read the checks, errors before warnings before notes within a check. */
function ordered(problems: readonly ProtocolProblem[]): ProtocolProblem[] {
  const rank = { error: 0, warning: 1, note: 2 } as const;
  return [...problems].sort(
    (a, b) => protocolChecks.indexOf(a.check) - protocolChecks.indexOf(b.check) || rank[a.severity] - rank[b.severity],
  );
}
