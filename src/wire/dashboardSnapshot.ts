import type {
  ChainBranchWire,
  ChainWire,
  FirstStepModeWire,
  MatrixWire,
  SnapshotWire,
  StepNodeWire,
  TransferCellsWire,
} from '../protocol/dashboardMessages';
import type { Chain, LineageRoot } from '../workspace/chains';
import type { Workspace, WorkspaceProblem } from '../workspace/workspaceScan';
import { buildChainResults, type ChainResults } from '../workspace/chainResults';
import type { ResultsMatrix } from '../results/resultsMatrix';
import { ticDataVolume } from '../tic/ticDataVolume';
import { isTicMonth } from '../tic/ticMonths';
import { timelineSteps, type StepActivity } from './timelineSteps';
import { fullMonthlyTransferCells, fullTransferCells } from './transferCells';
import { scanProtocol, withProtocol } from './protocolWire';
import { withStepParams } from './stepParamsWire';

export interface SnapshotInput {
  /** The last scan, undefined while the first one runs (or without a folder). */
  readonly workspace: Workspace | undefined;
  readonly notice: string | null;
  readonly firstStep: FirstStepModeWire;
  readonly activity: readonly StepActivity[];
  /**
   * Whether to run the protocol guard (every whole out.log, read once and kept while it does not change): default
   * true; false gives the snapshot without the protocol marks and compute, for a first paint while it runs.
   */
  readonly protocol?: boolean;
}

/** Everything the dashboard shows except the loss series (sent on request): timeline, matrices, transfer, ImageNet. */
export async function buildDashboardSnapshot(input: SnapshotInput): Promise<SnapshotWire> {
  const workspace = input.workspace;
  // Every step counts in the summaries sent: the webview leaves the unfinished ones out (its toggle brings them back).
  const results = workspace
    ? await buildChainResults(workspace, { firstStep: input.firstStep, includeUnfinished: true })
    : [];
  const byKey = new Map(results.map((r) => [r.key, r]));
  // Whole logs, each parsed again only when it changed (protocolWire.ts): the compute needs every start.
  const reports = workspace && input.protocol !== false ? await scanProtocol(workspace) : [];
  const plain = (workspace?.chains ?? []).map((chain): ChainWire => {
    const result = byKey.get(chain.key);
    return {
      ...chainIdentityWire(chain),
      steps: withMarks(timelineSteps(chain, input.activity), result),
      ...(result
        ? resultsWire(result, fullTransferCells(chain.strategy, input.firstStep))
        : { matrices: [], transfer: [], imagenet: [], otherTasks: [] }),
    };
  });
  const chains = input.protocol === false ? plain : withProtocol(plain, reports);
  // Monthly chains get no protocol marks and no compute: there is no published monthly protocol to compare with.
  const evaluatedMonths = monthsPerEvalDir(workspace);
  const monthlyChains = (workspace?.monthlyChains ?? []).map((chain): ChainWire => {
    const result = byKey.get(chain.key);
    return {
      ...chainIdentityWire(chain),
      steps: withMarks(
        timelineSteps(chain, input.activity, (dir) => evaluatedMonths.get(dir) ?? 0),
        result,
      ),
      ...(result
        ? resultsWire(result, fullMonthlyTransferCells(chain.steps.map((s) => s.year)))
        : { matrices: [], transfer: [], imagenet: [], otherTasks: [] }),
      timescale: 'monthly',
      branch: branchWire(chain, workspace?.chains ?? []),
      rollup: (result?.rollup ?? []).map(matrixWire),
    };
  });
  const notice =
    input.notice ??
    (workspace && chains.length === 0 && monthlyChains.length === 0
      ? 'No TiC-CLIP experiments were found: TiC Studio looks in datacomp/results and datacomp/eval_results of the ml-tic-clip checkout (setting ticStudio.runs.checkout).'
      : null) ??
    unreadableNotice(workspace?.problems ?? []);
  return {
    firstStep: input.firstStep,
    dataVolume: ticDataVolume.map((v) => ({ ...v })),
    // Each step's parameters and lineage, for the steps table (stepParamsWire.ts).
    chains: withStepParams(chains, workspace, reports),
    monthlyChains: withStepParams(monthlyChains, workspace, reports),
    notice,
  };
}

/** Each step's marks (simulated, unfinished) from the chain's results, steps matched by their step. */
function withMarks(steps: StepNodeWire[], result: ChainResults | undefined): StepNodeWire[] {
  if (!result) return steps;
  const byStep = new Map(result.steps.map((s) => [s.year, s]));
  return steps.map((node) => {
    const s = byStep.get(node.year);
    return s ? { ...node, marks: { simulated: s.simulated, unfinished: s.unfinishedReason } } : node;
  });
}

/**
 * Where a monthly chain branched off, for people: `cumulative 2019` (the yearly chain's strategy and step, with its
 * variant's name when it has one), `published apple/TiC-CLIP-basic-sequential 2022`, or the experiment's name when
 * no yearly chain holds it. Null for a yearly chain or an unknown branch.
 */
export function branchWire(chain: Chain, yearly: readonly Chain[]): ChainBranchWire | null {
  const branch = chain.branch;
  if (branch === null) return null;
  const from = branch.chain === null ? undefined : yearly.find((c) => c.key === branch.chain);
  const label =
    branch.published !== null
      ? `published ${branch.published} ${branch.year}`
      : from !== undefined
        ? `${from.strategy} ${branch.year}${from.variant === null ? '' : ` (${from.variant})`}`
        : branch.expName !== null
          ? `${branch.expName} (${branch.year})`
          : String(branch.year);
  return { year: branch.year, chain: from === undefined ? null : from.key, label };
}

/** How many distinct TiC months each evaluation folder holds monthly task results for. */
function monthsPerEvalDir(workspace: Workspace | undefined): Map<string, number> {
  const counts = new Map<string, number>();
  for (const evalDir of workspace?.evalDirs ?? []) {
    const months = new Set<number>();
    for (const r of evalDir.records) {
      if (r.task?.timescale !== 'monthly') continue;
      const month = Number(r.task.period);
      if (isTicMonth(month)) months.add(month);
    }
    if (months.size > 0) counts.set(evalDir.dir, months.size);
  }
  return counts;
}

/**
 * What names a chain on the wire: the key stays the identifier (messages, saved state), the label is what people
 * read, and the fork and root let the timeline draw where a variant leaves its parent lineage.
 */
export function chainIdentityWire(
  chain: Chain,
): Pick<ChainWire, 'key' | 'label' | 'strategy' | 'variant' | 'forkedFrom' | 'root'> {
  return {
    key: chain.key,
    label: chain.label,
    strategy: chain.strategy,
    variant: chain.variant,
    forkedFrom: chain.forkedFrom === null ? null : { chain: chain.forkedFrom.chain, year: chain.forkedFrom.year },
    root: rootSentence(chain.root),
  };
}

/** The lineage's root for people, one short sentence; null for a lineage trained from scratch (nothing to say). */
export function rootSentence(root: LineageRoot): string | null {
  switch (root.kind) {
    case 'scratch':
      return null;
    case 'published':
      return `continues the published ${root.repo} ${root.year} checkpoint`;
    case 'external':
      return `continues ${root.path}, a checkpoint from outside the workspace's experiments`;
    case 'missing':
      return `continues ${root.path}, which is not among the workspace's experiments`;
  }
}

/** The protocol caps a notice at 2000 characters: the first few of each kind, then a count. */
const shownProblems = 3;

/** Files the scan could not read, so that a missing cell is not mistaken for a run that wrote nothing. */
function unreadableNotice(problems: readonly WorkspaceProblem[]): string | null {
  const files = problems.filter((p) => p.kind === 'file');
  const lineages = problems.filter((p) => p.kind === 'lineage');
  const parts: string[] = [];
  if (files.length > 0) {
    const what =
      files.length === 1
        ? 'A file in the results could not be read, so what it holds'
        : `${files.length} files in the results could not be read, so what they hold`;
    parts.push(`${what} is missing here: ${listed(files)}.`);
  }
  if (lineages.length > 0) {
    const what =
      lineages.length === 1
        ? 'A lineage could not be followed, so its chain starts where it does'
        : `${lineages.length} lineages could not be followed, so their chains start where they do`;
    parts.push(`${what}: ${listed(lineages)}.`);
  }
  return parts.length === 0 ? null : truncate(parts.join(' '), 2000);
}

/** The first few messages, each cut to 300 characters, then a count. */
function listed(problems: readonly WorkspaceProblem[]): string {
  const shown = problems.slice(0, shownProblems).map((p) => truncate(p.message.replace(/\.$/, ''), 300));
  const more = problems.length - shown.length;
  return `${shown.join('; ')}${more > 0 ? `; and ${more} more` : ''}`;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function matrixWire(m: ResultsMatrix): MatrixWire {
  return {
    family: m.family,
    metric: m.metric,
    rows: [...m.rows],
    columns: [...m.columns],
    values: m.values.map((row) => [...row]),
  };
}

function resultsWire(
  result: ChainResults,
  fullCells: TransferCellsWire,
): Pick<ChainWire, 'matrices' | 'transfer' | 'imagenet' | 'otherTasks'> {
  return {
    matrices: result.matrices.map(matrixWire),
    transfer: result.transfer.map((t) => ({
      family: t.family,
      metric: t.metric,
      backward: t.backward,
      id: t.id,
      forward: t.forward,
      perStep: t.perStep.map((p) => ({
        year: p.year,
        backward: p.backward,
        id: p.id,
        forward: p.forward,
        cells: { ...p.cells },
      })),
      cells: { ...t.cells },
      fullCells: { ...fullCells },
    })),
    imagenet: result.imagenet.map((i) => ({
      year: i.year,
      top1: i.top1,
      top5: i.top5,
      source: i.source,
      ...(i.source === 'trainingZeroShot' ? { epoch: i.epoch } : {}),
    })),
    otherTasks: result.otherTasks.map((o) => ({ year: o.year, key: o.key, dataset: o.dataset, value: o.mainMetric })),
  };
}
