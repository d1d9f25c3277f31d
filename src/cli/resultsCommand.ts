import { parseArgs } from 'node:util';
import { buildChainResults, type ChainResults, type ChainResultsStep } from '../workspace/chainResults';
import { familySpec, resultFamilies, type ResultsMatrix } from '../results/resultsMatrix';
import { defaultFirstStepMode, isFirstStepMode, type TransferSummary } from '../results/transferSummary';
import { cliChains } from './common/cliWorkspace';
import { formatTimeStep } from '../tic/ticTimeStep';
import { resultsCsv } from './resultsCsv';
import { UsageError, type CliIo } from './common/cliIo';
import { table } from './common/table';

const knownMetrics = resultFamilies.flatMap((f) => f.metrics);
const mainMetrics = resultFamilies.map((f) => f.metrics[0]!);

export const resultsUsage = `Usage: tic-studio results DIR [--json] [--first-step merge|separate] [--metric NAME] [--format table|json|csv]
                          [--include-unfinished]

Each chain's training step × eval year matrix (contracts §3.6): one row per training step (2016 covers the data of
2014–2016), one column per TiC-DataComp eval year 2014…2022, read from each step's eval_results.jsonl (yearly
tasks; a key written twice: the last line wins); then backward / ID / forward transfer (§5) and ImageNet zero-shot
(the last line of checkpoints/results.jsonl, and evaluate.py's imagenet1k when run). Missing cells stay missing,
never 0. DIR is a workspace with the ml-tic-clip checkout (its datacomp/results and datacomp/eval_results are
read), or, when no checkout is found there, a results folder searched two levels deep for experiments and
evaluate.py outputs. A chain is one lineage of checkpoints (each step started from the one before it, as its
params.txt resume says); where a step has several children the chain forks into variants, each listed with its
own steps and cells, named by .tic-studio/variants.json, the exp names' suffix or the hyperparameters it changes.
A monthly chain (steps trained on month folders, branched off a yearly step) has month rows and the 102 eval
months 2014-03…2023-06 as columns (monthly tasks); the table shows its yearly roll-up (the mean of each eval
year's months), --json both.
Steps are marked where their numbers are shown: "simulated" when the demo's stand-in trainer or evaluator wrote
them (a tic-studio-simulated.json in the experiment or evaluation folder), "unfinished" when the step's training
did not finish (stopped, failed or still running: its results are of an earlier checkpoint). Unfinished steps are
left out of the transfer means unless --include-unfinished.
  --first-step merge|separate  merge (default): eval years 2014–2016 averaged into one 2016 column, the 7×7 matrix
                               of the paper's protocol; separate: 9 columns, 2014 and 2015 backward for step 2016
  --metric NAME   the matrix to show (default: ${mainMetrics.join(' and ')}); one of
                  ${knownMetrics.join(', ')}. With --json, keeps only that metric's matrix and transfer
  --include-unfinished  count the unfinished steps in the transfer means too
  --format csv    one row per matrix cell, for pandas: chain,strategy,scale,filtering,step,eval_step,family,
                  metric,value (steps as 2017 or 2020-01, values as fractions, empty when missing)
  --json          (--format json) {root, firstStep, chains: [{key, variant, label, lineage, forkedFrom: {chain, year} | null,
                  timescale: yearly|monthly, branch: {year, chain, expName, published} | null, strategy, scale,
                  filtering, steps: [{year, experiment, expName, shared, inherited, published, evalDir,
                  simulated, unfinished, unfinishedReason}], includeUnfinished, matrices: [{family, metric, timescale, rows, columns, values, evalDirs}],
                  transfer: [{family, metric, id, backward, forward, cells, perStep}], rollup (monthly: the
                  matrices by eval year), imagenet, otherTasks}]; a monthly chain's steps, rows and columns are
                  YYYYMM numbers,
                  problems: [{dir, message}]}: fractions as written, null for every missing cell; problems: files
                  that are there but could not be read, and lineages that could not be followed`;

export async function resultsCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      json: { type: 'boolean', default: false },
      format: { type: 'string' },
      'first-step': { type: 'string' },
      metric: { type: 'string' },
      'include-unfinished': { type: 'boolean', default: false },
    },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length !== 1) throw new UsageError('expects exactly one DIR (see --help).');
  const firstStep = values['first-step'] ?? defaultFirstStepMode;
  if (!isFirstStepMode(firstStep)) {
    throw new UsageError(`--first-step must be merge or separate, not '${firstStep}'.`);
  }
  const metric = values.metric;
  if (metric !== undefined && !knownMetrics.includes(metric)) {
    throw new UsageError(`unknown --metric '${metric}'; one of ${knownMetrics.join(', ')}.`);
  }
  const format = values.format ?? (values.json ? 'json' : 'table');
  if (format !== 'table' && format !== 'json' && format !== 'csv') {
    throw new UsageError(`--format must be table, json or csv, not '${format}'.`);
  }
  if (values.json && format !== 'json') throw new UsageError('--json and --format ' + format + ' disagree.');
  const found = await cliChains('results', positionals[0]!, io, format === 'json');
  if ('exit' in found) return found.exit;
  const workspace = found.workspace;
  const includeUnfinished = values['include-unfinished'];
  const chains = await buildChainResults(workspace, { firstStep, includeUnfinished });
  if (format === 'csv') {
    io.stdout.write(resultsCsv(chains, metric));
    return 0;
  }
  if (format === 'json') {
    const shown = metric === undefined ? chains : chains.map((c) => onlyMetric(c, metric));
    const json = { root: workspace.root, firstStep, includeUnfinished, chains: shown, problems: workspace.problems };
    io.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
    return 0;
  }
  io.stdout.write(chains.map((c) => describeChain(c, chains, metric)).join('\n'));
  return 0;
}

function onlyMetric(chain: ChainResults, metric: string): ChainResults {
  return {
    ...chain,
    matrices: chain.matrices.filter((m) => m.metric === metric),
    transfer: chain.transfer.filter((t) => t.metric === metric),
    rollup: chain.rollup.filter((m) => m.metric === metric),
  };
}

const missing = '·';

function percent(value: number | null): string {
  return value === null ? missing : (value * 100).toFixed(1);
}

function labelOf(chains: readonly ChainResults[], key: string): string {
  return chains.find((c) => c.key === key)?.label ?? key;
}

function describeChain(chain: ChainResults, chains: readonly ChainResults[], metric: string | undefined): string {
  const trained = chain.steps.filter((s) => s.experiment !== null).length;
  const evaluated = chain.steps.filter((s) => s.evalDir !== null).length;
  const out: string[] = [
    `${chain.label} (${chain.strategy}): ${trained} of ${chain.steps.length} step(s) trained, ${evaluated} evaluated`,
  ];
  if (chain.branch !== null) {
    const from =
      chain.branch.published !== null
        ? `the published ${chain.branch.published} ${chain.branch.year}`
        : `${chain.branch.expName ?? `the ${chain.branch.year} step`}${chain.branch.chain !== null ? ` (${labelOf(chains, chain.branch.chain)})` : ''}`;
    out.push(`  monthly: branched off ${from}`);
  }
  if (chain.forkedFrom !== null) {
    out.push(
      `  a variant: shares the steps up to ${formatTimeStep(chain.forkedFrom.year)} with ${labelOf(chains, chain.forkedFrom.chain)}`,
    );
  }
  if (chain.lineage.length > 0) out.push(`  lineage: ${chain.lineage.join(' → ')}`);
  const shown = metric === undefined ? mainMetrics : [metric];
  for (const name of shown) {
    const matrix = (chain.timescale === 'monthly' ? chain.rollup : chain.matrices).find((m) => m.metric === name);
    out.push('');
    if (!matrix) {
      out.push(`${name}: no values in this chain's eval results.`);
      continue;
    }
    out.push(describeMatrix(chain, matrix));
  }
  out.push('');
  out.push(
    chain.timescale === 'monthly'
      ? "Transfer, % (month × month: ID is the step's own month, backward the months before it; cell means):"
      : chain.firstStep === 'merge'
        ? 'Transfer, % (eval years 2014–2016 averaged into one 2016 column; cell means over the matrix):'
        : 'Transfer, % (9 eval columns; 2014 and 2015 are backward for step 2016; cell means over the matrix):',
  );
  out.push(describeTransfer(chain.transfer).trimEnd());
  const withCells = new Set(
    chain.matrices.flatMap((m) => m.rows.filter((_, r) => m.values[r]?.some((v) => v !== null))),
  );
  const unfinished = chain.steps
    .filter((s) => s.unfinished && withCells.has(s.year))
    .map((s) => formatTimeStep(s.year));
  if (unfinished.length > 0) {
    out.push(
      chain.includeUnfinished
        ? `  (these means count the unfinished ${plural(unfinished, 'step')} ${unfinished.join(', ')})`
        : `  (unfinished ${plural(unfinished, 'step')} ${unfinished.join(', ')} left out of these means; --include-unfinished counts ${unfinished.length === 1 ? 'it' : 'them'})`,
    );
  }
  if (chain.imagenet.length > 0) {
    out.push('');
    out.push('ImageNet zero-shot, %:');
    out.push(
      table(
        ['step', 'top1', 'top5', 'epoch', 'from', 'marks'],
        chain.imagenet.map((r) => [
          formatTimeStep(r.year),
          percent(r.top1),
          percent(r.top5),
          r.epoch === null ? '' : String(r.epoch),
          r.source === 'trainingZeroShot' ? 'training (checkpoints/results.jsonl)' : 'evaluate.py imagenet1k',
          stepMarks(chain.steps.find((s) => s.year === r.year)),
        ]),
        new Set([1, 2, 3]),
      ).trimEnd(),
    );
  }
  const marked = chain.steps.filter((s) => s.simulated || s.unfinished);
  if (marked.length > 0) {
    out.push('');
    if (marked.some((s) => s.simulated))
      out.push('simulated: a demo stand-in, not train.py or evaluate.py, wrote this step; its numbers are made up.');
    for (const s of marked.filter((m) => m.unfinished))
      out.push(
        `unfinished ${formatTimeStep(s.year)}: training did not finish: ${(s.unfinishedReason ?? '').replace(/\.$/, '')}. Its results are of an earlier checkpoint.`,
      );
  }
  if (chain.otherTasks.length > 0) {
    out.push('');
    out.push('Other tasks (main_metric), %:');
    out.push(
      table(
        ['task', 'step', 'main'],
        chain.otherTasks.map((t) => [t.key, formatTimeStep(t.year), percent(t.mainMetric)]),
        new Set([2]),
      ).trimEnd(),
    );
  }
  return `${out.join('\n')}\n`;
}

function describeMatrix(chain: ChainResults, matrix: ResultsMatrix): string {
  const title =
    chain.timescale === 'monthly'
      ? `${familySpec(matrix.family).label} ${matrix.metric}, % (rows: training month, columns: eval year, the mean of its months; the month × month matrix: --json)`
      : `${familySpec(matrix.family).label} ${matrix.metric}, % (rows: training step, columns: eval year)`;
  const rows = matrix.rows.map((year, r) => {
    const step = chain.steps[r];
    const note =
      step?.published != null
        ? `published ${step.published}`
        : step === undefined || step.experiment === null
          ? 'not trained'
          : step.evalDir === null
            ? 'not evaluated'
            : step.shared
              ? `shared first step (${step.expName ?? ''})`
              : step.inherited
                ? `before the fork (${step.expName ?? ''})`
                : '';
    const marks = stepMarks(step);
    return [
      formatTimeStep(year),
      ...(matrix.values[r] ?? []).map(percent),
      [marks, note].filter((t) => t !== '').join(' · '),
    ];
  });
  const right = new Set(matrix.columns.map((_, i) => i + 1));
  return `${title}\n${table(['step', ...matrix.columns.map(String), 'note'], rows, right).trimEnd()}`;
}

/** `simulated`, `unfinished`, both, or '' for a step whose numbers carry no mark. */
function stepMarks(step: ChainResultsStep | undefined): string {
  if (!step) return '';
  return [step.simulated ? 'simulated' : '', step.unfinished ? 'unfinished' : ''].filter((t) => t !== '').join(', ');
}

function plural(items: readonly unknown[], word: string): string {
  return items.length === 1 ? word : `${word}s`;
}

function describeTransfer(transfer: readonly TransferSummary[]): string {
  return table(
    ['metric', 'backward', 'ID', 'forward', 'cells (b/ID/f)'],
    transfer.map((t) => [
      `${t.family} ${t.metric}`,
      percent(t.backward),
      percent(t.id),
      percent(t.forward),
      `${t.cells.backward}/${t.cells.id}/${t.cells.forward}`,
    ]),
    new Set([1, 2, 3]),
  );
}
