import { resolve } from 'node:path';
import type { ChainProtocol } from '../fidelity/protocolReport';
import { paramFloat, paramInt, type ParamsFile } from '../formats/paramsText';
import type { ChainWire, StepLineageWire, StepParamsWire } from '../protocol/dashboardMessages';
import { isPlainParamName, maxParamKeys, maxParamValue } from '../protocol/stepParams';
import { formatTimeStep } from '../tic/ticTimeStep';
import type { Chain, ChainStep } from '../workspace/chains';
import type { Experiment } from '../workspace/experimentDir';
import type { Workspace } from '../workspace/workspaceScan';

/** What the lineage of a step is looked up in: the scan's experiments and chains. */
export type LineageScope = Pick<Workspace, 'experiments' | 'chains' | 'monthlyChains'>;

/**
 * Every step node that has an experiment (or stands for a published checkpoint) gets its parameters and lineage
 * (the steps table and its parameter diff); `reports` (the protocol guard's, possibly none) add the samples each
 * step's optimizer saw. The nodes are matched to the scan's steps by experiment, else by step.
 */
export function withStepParams(
  wires: readonly ChainWire[],
  workspace: Workspace | undefined,
  reports: readonly ChainProtocol[],
): ChainWire[] {
  if (workspace === undefined) return [...wires];
  const chains = new Map([...workspace.chains, ...workspace.monthlyChains].map((c) => [c.key, c]));
  const experiments = new Map(workspace.experiments.map((e) => [e.dir, e]));
  const samplesSeen = new Map<string, number | null>();
  for (const report of reports) for (const s of report.steps) samplesSeen.set(s.experiment, s.compute.samplesSeen);
  return wires.map((wire) => {
    const chain = chains.get(wire.key);
    if (chain === undefined) return wire;
    return {
      ...wire,
      steps: wire.steps.map((node) => {
        const step =
          (node.experiment === null ? undefined : chain.steps.find((s) => s.experiment === node.experiment)) ??
          chain.steps.find((s) => s.year === node.year);
        if (step === undefined || (node.experiment === null && step.published === null)) return node;
        const experiment = node.experiment === null ? undefined : experiments.get(node.experiment);
        if (node.experiment !== null && experiment === undefined) return node;
        const params = stepParamsWire(chain, step, experiment, workspace);
        const seen = node.experiment === null ? undefined : samplesSeen.get(node.experiment);
        return { ...node, params: seen === undefined ? params : { ...params, samplesSeen: seen } };
      }),
    };
  });
}

/** A step's parameters as params.txt says them (else the log's `Params:` block); nulls where neither does. */
export function stepParamsWire(
  chain: Chain,
  step: ChainStep,
  experiment: Experiment | undefined,
  scope: LineageScope,
): StepParamsWire {
  const params = experiment === undefined ? null : (experiment.params ?? experiment.logTail?.params ?? null);
  const int = (key: string): number | null => {
    const n = params === null ? undefined : paramInt(params, key);
    return typeof n === 'number' && n >= 0 ? n : null;
  };
  const batchSize = int('batch_size');
  const accumFreq = int('accum_freq');
  const worldSize = int('world_size') ?? experiment?.worldSize ?? null;
  const epochs = int('epochs') ?? experiment?.epochs ?? null;
  const perEpoch = int('train_num_samples');
  const lr = params === null ? undefined : paramFloat(params, 'lr');
  const { values, omitted } = paramValues(params);
  return {
    scale: chain.scale,
    model: experiment?.model ?? null,
    batchSize,
    accumFreq,
    worldSize,
    globalBatch:
      batchSize !== null && accumFreq !== null && worldSize !== null && batchSize * accumFreq * worldSize > 0
        ? batchSize * accumFreq * worldSize
        : null,
    lr: typeof lr === 'number' && Number.isFinite(lr) && lr >= 0 ? lr : null,
    warmup: int('warmup'),
    epochs,
    samples: perEpoch !== null && epochs !== null ? safe(perEpoch * epochs) : null,
    samplesSeen: null,
    lineage: stepLineage(chain, step, experiment, scope),
    values,
    omitted,
  };
}

const safe = (n: number): number | null => (Number.isSafeInteger(n) ? n : null);

/** The params map for the diff: sorted by name, plain names only, at most maxParamKeys, long values cut. */
function paramValues(params: ParamsFile | null): { values: [string, string][]; omitted: number } {
  if (params === null) return { values: [], omitted: 0 };
  const names = Object.keys(params.values).filter(isPlainParamName).sort();
  const kept = names.slice(0, maxParamKeys);
  return {
    values: kept.map((name): [string, string] => {
      const value = params.values[name] ?? '';
      return [name, value.length <= maxParamValue ? value : cutMiddle(value, maxParamValue)];
    }),
    omitted: Object.keys(params.values).length - kept.length,
  };
}

/** Both ends of a long value (a list of shards differs at its start, a path at its end), `…` between. */
function cutMiddle(value: string, max: number): string {
  const head = Math.ceil((max - 1) * 0.6);
  return `${value.slice(0, head)}…${value.slice(value.length - (max - 1 - head))}`;
}

/**
 * Where a step's weights came from, in words: `resumed from cumulative 2017` (the chain step holding that
 * experiment: its strategy, step and variant), `forked from cumulative 2016` for a variant's first own step,
 * `resumed from published apple/TiC-CLIP-basic-cumulative 2016`, `from scratch`. A published step of a lineage
 * says which checkpoint it is.
 */
export function stepLineage(
  chain: Chain,
  step: ChainStep,
  experiment: Experiment | undefined,
  scope: LineageScope,
): StepLineageWire {
  const none = { chain: null, year: null, fork: false };
  if (experiment === undefined) {
    if (step.published !== null)
      return {
        ...none,
        kind: 'published',
        text: `published ${step.published.repo} ${formatTimeStep(step.published.year)}`,
        path: step.published.path,
      };
    return { ...none, kind: 'unknown', text: 'not recorded', path: null };
  }
  if (!experiment.originKnown) {
    // `resume: None` alone does not say (OpenCLIP writes it too when `latest` found nothing); the first step of a
    // lineage the chain rules found rooted nowhere was trained from scratch.
    const first = chain.steps.find((s) => s.experiment !== null || s.published !== null);
    return chain.root.kind === 'scratch' && first === step
      ? { ...none, kind: 'scratch', text: 'from scratch', path: null }
      : { ...none, kind: 'unknown', text: 'not recorded', path: null };
  }
  const origin = experiment.origin;
  if (origin === null) return { ...none, kind: 'scratch', text: 'from scratch', path: null };
  if (origin.huggingFace !== null) {
    const hf = origin.huggingFace;
    return { ...none, kind: 'published', text: `resumed from published ${hf.repo} ${hf.year}`, path: origin.path };
  }
  const parent = origin.expName === null ? undefined : parentExperiment(origin.path, origin.expName, scope);
  if (parent === undefined)
    return {
      ...none,
      kind: 'external',
      text: `resumed from ${origin.expName ?? shortPath(origin.path)}`,
      path: origin.path,
    };
  const holder = holdingStep(parent.dir, scope);
  const fork = isFirstOwnStepOfFork(chain, step);
  const verb = fork ? 'forked from' : 'resumed from';
  return {
    kind: 'experiment',
    text: `${verb} ${holder === undefined ? parent.name : stepName(holder.chain, holder.year)}`,
    chain: holder?.chain.key ?? null,
    year: holder?.year ?? null,
    path: origin.path,
    fork,
  };
}

/** `cumulative 2017`, `cumulative 2017 (lr1e4)`, `sequential 2020-01`. */
function stepName(chain: Chain, year: number): string {
  return `${chain.strategy} ${formatTimeStep(year)}${chain.variant === null ? '' : ` (${chain.variant})`}`;
}

/** The experiment a resume path names: the folder itself when the workspace has it, else the one of that name. */
function parentExperiment(path: string, expName: string, scope: LineageScope): Experiment | undefined {
  const parts = path.split(/[\\/]+/);
  const dir = resolve(parts.slice(0, -2).join('/') || '/');
  const named = scope.experiments.filter((e) => e.name === expName);
  return named.find((e) => resolve(e.dir) === dir) ?? named[0];
}

/** The chain step that trained this experiment (not one that shares or inherits it), else any that shows it. */
function holdingStep(dir: string, scope: LineageScope): { chain: Chain; year: number } | undefined {
  let any: { chain: Chain; year: number } | undefined;
  for (const chain of [...scope.chains, ...scope.monthlyChains])
    for (const s of chain.steps) {
      if (s.experiment !== dir) continue;
      if (!s.shared && !s.inherited) return { chain, year: s.year };
      any ??= { chain, year: s.year };
    }
  return any;
}

/** A variant's first step after its fork (the steps before are inherited from the chain it forked from). */
function isFirstOwnStepOfFork(chain: Chain, step: ChainStep): boolean {
  if (chain.forkedFrom === null || step.inherited || step.shared) return false;
  const first = chain.steps.find((s) => !s.inherited && !s.shared && s.year > chain.forkedFrom!.year);
  return first === step;
}

/** The last folders of a path outside the workspace: `…/run/checkpoints/epoch_5.pt`. */
function shortPath(path: string): string {
  const parts = path.split(/[\\/]+/);
  return parts.length <= 3 ? path : `…/${parts.slice(-3).join('/')}`;
}
