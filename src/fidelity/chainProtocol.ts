import type { EvalProvenanceParse } from '../formats/evalProvenance';
import type { LogSummary } from '../formats/logSummary';
import type { Chain } from '../workspace/chains';
import type { Experiment } from '../workspace/experimentDir';
import type { Workspace } from '../workspace/workspaceScan';
import { budgetCheck } from './budgetCheck';
import type { CheckpointModels } from './checkpointModels';
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
import { oracleRatio, stepCompute, sumStepCompute } from './stepCompute';

/**
 * The protocol guard for one chain (contracts §9): every step the chain trained itself (not the steps it shares
 * before a fork, nor a sibling's first step, nor published ones: those are judged in their own chain) checked
 * against the TiC-CLIP protocol, with what it cost. Pure: reads the scan's data, the logs the caller read in full
 * (`logs`, by experiment folder; without it, the tail the scan read) and the eval records
 * (`evalProvenance`, from readEvalProvenance; without it the `eval` check says nothing) and the final checkpoints'
 * models by their shapes (`checkpointModels`, from readCheckpointModels; without it only the files' word counts).
 */
export function chainProtocol(
  chain: Chain,
  workspace: Workspace,
  logs?: ReadonlyMap<string, LogSummary | null>,
  evalProvenance: ReadonlyMap<string, EvalProvenanceParse | null> = new Map(),
  checkpointModels: CheckpointModels = new Map(),
): ChainProtocol {
  const byDir = new Map(workspace.experiments.map((e) => [e.dir, e]));
  const reference = evalReference(chain, evalProvenance);
  const steps: StepProtocol[] = [];
  const costs: StepCompute[] = [];
  chain.steps.forEach((step, index) => {
    const experiment = step.experiment === null ? undefined : byDir.get(step.experiment);
    if (experiment === undefined) return;
    const compute = computeOf(experiment, logs);
    costs.push(compute);
    if (step.inherited || step.shared || step.published !== null) return;
    const checkpointModel = checkpointModels.get(step.finalCheckpoint?.path ?? '') ?? null;
    const facts = stepFacts(chain, index, experiment, logs, compute, checkpointModel);
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
  const totals = sumStepCompute(costs);
  return {
    chain: chain.key,
    label: chain.label,
    steps,
    comparable: steps.every((s) => s.comparable),
    totals,
    oracleRatio: oracleRatio(totals.samplesSeen, chain.scale, chain.lastYear),
  };
}

/**
 * What a step cost (stepCompute.ts), from the whole log when the caller read it; else from the scan's tail, which
 * stepCompute recognises and then gives only what params.txt says.
 */
function computeOf(experiment: Experiment, logs: ReadonlyMap<string, LogSummary | null> | undefined): StepCompute {
  const log = logs?.has(experiment.dir) ? logs.get(experiment.dir)! : experiment.logTail;
  return stepCompute(experiment, log);
}

/** In the order people read the checks, errors before warnings before notes within a check. */
function ordered(problems: readonly ProtocolProblem[]): ProtocolProblem[] {
  const rank = { error: 0, warning: 1, note: 2 } as const;
  return [...problems].sort(
    (a, b) => protocolChecks.indexOf(a.check) - protocolChecks.indexOf(b.check) || rank[a.severity] - rank[b.severity],
  );
}
