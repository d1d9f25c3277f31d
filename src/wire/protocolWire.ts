import { readChainLogs } from '../fidelity/chainLogs';
import type { CheckpointModelCache } from '../fidelity/checkpointModels';
import type { ChainProtocol, StepProtocol } from '../fidelity/protocolReport';
import { workspaceProtocol } from '../fidelity/workspaceProtocol';
import type { LogSummary } from '../formats/logSummary';
import type { ChainComputeWire, ChainWire, StepProtocolWire } from '../protocol/dashboardMessages';
import type { Workspace } from '../workspace/workspaceScan';

interface CachedLog {
  readonly size: number;
  readonly modifiedMs: number;
  readonly summary: Promise<LogSummary | null>;
}

/**
 * Whole-log summaries of the last check, by experiment folder, with the size and time the scan saw: a log is
 * parsed again only when it changed. Compute needs whole logs (every start; stepCompute.ts), and the views check
 * again after every scan, which comes with every change while a run trains: only the training step's log is
 * read again then. A summary is a few hundred bytes; folders the scan no longer has are dropped.
 */
const logCache = new Map<string, CachedLog>();

/** The final checkpoints' models (from their shapes), kept while a checkpoint's size and time do not change. */
const checkpointCache: CheckpointModelCache = new Map();

/**
 * The protocol guard over a scan, as the views show it: the scan's data, every step's whole out.log (read once
 * and kept while it does not change), each evaluation's provenance record, each final checkpoint's model.
 */
export async function scanProtocol(workspace: Workspace): Promise<ChainProtocol[]> {
  const cache = new Map<string, Promise<LogSummary | null>>();
  const stats = new Map(workspace.experiments.map((e) => [e.dir, e.files.outLog]));
  for (const [dir, stat] of stats) {
    const hit = logCache.get(dir);
    if (stat && hit && hit.size === stat.size && hit.modifiedMs === stat.modifiedMs) cache.set(dir, hit.summary);
  }
  const logs = new Map<string, LogSummary | null>();
  for (const chain of workspace.chains) {
    for (const [dir, summary] of await readChainLogs(chain, workspace, { cache })) logs.set(dir, summary);
  }
  logCache.clear();
  for (const [dir, summary] of cache) {
    const stat = stats.get(dir);
    if (stat) logCache.set(dir, { size: stat.size, modifiedMs: stat.modifiedMs, summary });
  }
  return workspaceProtocol(workspace, logs, checkpointCache);
}

/**
 * The protocol guard's reports (src/fidelity/) as the dashboard shows them: every step node with an experiment
 * gets the report of the chain that trained it (a shared or inherited step is judged once, in its own chain), and
 * every chain its cumulative compute.
 */
export function withProtocol(chains: readonly ChainWire[], reports: readonly ChainProtocol[]): ChainWire[] {
  const byExperiment = new Map<string, StepProtocol>();
  for (const report of reports) for (const step of report.steps) byExperiment.set(step.experiment, step);
  const byChain = new Map(reports.map((r) => [r.chain, r]));
  return chains.map((chain) => {
    const report = byChain.get(chain.key);
    return {
      ...chain,
      steps: chain.steps.map((node) => {
        const step = node.experiment === null ? undefined : byExperiment.get(node.experiment);
        return step === undefined ? node : { ...node, protocol: stepProtocolWire(step) };
      }),
      ...(report === undefined ? {} : { compute: chainComputeWire(report) }),
    };
  });
}

export function stepProtocolWire(step: StepProtocol): StepProtocolWire {
  return {
    comparable: step.comparable,
    problems: step.problems.map((p) => ({
      check: p.check,
      expected: p.expected,
      actual: p.actual,
      severity: p.severity,
    })),
  };
}

function chainComputeWire(report: ChainProtocol): ChainComputeWire {
  const { totals } = report;
  return {
    samplesSeen: totals.samplesSeen,
    optimizerSteps: totals.optimizerSteps,
    gpuHours: totals.gpuHours,
    trainFlops: totals.trainFlops,
    oracleRatio: report.oracleRatio,
    comparable: report.comparable,
  };
}
