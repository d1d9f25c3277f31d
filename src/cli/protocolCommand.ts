import { parseArgs } from 'node:util';
import { workspaceProtocol } from '../fidelity/workspaceProtocol';
import type { ChainProtocol, ProtocolProblem, StepCompute, StepProtocol } from '../fidelity/protocolReport';
import { cliChains } from './common/cliWorkspace';
import { UsageError, type CliIo } from './common/cliIo';
import { table } from './common/table';

export const protocolUsage = `Usage: tic-studio protocol DIR [--json]

Whether each training step of each chain ran under the TiC-CLIP protocol (contracts §9), so that its numbers compare
with the paper's: the scale's model, global batch (batch_size × world_size × accum_freq within 0.2 %), samples (the
step budget within 2 %, 7 × it for the oracle), lr, a cosine schedule without cooldown, warmup (the scale's for the
first step and the oracle, 0 after), AdamW β1 0.9, β2 0.98, eps 1e-6, wd 0.2 with amp, a continual step started
from the previous step's final checkpoint with new_run, exactly the strategy's data years without weights, one
scale, filtering and model along the chain with no year skipped, and one task list and eval-code commit across the
chain's evaluations (recorded by TiC Studio next to the evaluations it launches). Read from each step's params.txt,
out.log and info.pkl, for runs TiC Studio launched or not; a step is comparable when no error remains (warnings and
notes are shown, and do not count). Only the steps a chain trained itself are listed: a variant's steps before its
fork, a sibling strategy's first step and published checkpoints are judged in their own chain. Monthly chains are
not checked (the paper's protocol is for its yearly steps) and are listed as such. DIR is scanned as by
tic-studio results.
Exit status: 0 when every step of every chain is comparable, 1 when one is not (or no chain is found), 2 on bad
usage.
  --json  {root, comparable, chains: [{chain, label, comparable, steps: [{step, experiment, expName, comparable,
          problems: [{check, expected, actual, severity}], compute: {samplesSeen, optimizerSteps, globalBatch,
          gpuHours, trainFlops}}], totals, oracleRatio}], notChecked: [{chain, label, reason}] (monthly chains),
          unchained: [{experiment, name, reason}],
          problems: [{dir, message}]}; severity is error, warning or note; null where the files do not say`;

export async function protocolCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { json: { type: 'boolean', default: false } },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length !== 1) throw new UsageError('expects exactly one DIR (see --help).');
  const found = await cliChains('protocol', positionals[0]!, io, values.json);
  if ('exit' in found) return found.exit;
  const workspace = found.workspace;
  const chains = await workspaceProtocol(workspace);
  const comparable = chains.every((c) => c.comparable);
  const notChecked = workspace.monthlyChains.map((c) => ({ chain: c.key, label: c.label, reason: monthlyReason }));
  if (values.json) {
    const json = {
      root: workspace.root,
      comparable,
      chains,
      notChecked,
      unchained: workspace.unchained,
      problems: workspace.problems,
    };
    io.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
    return comparable ? 0 : 1;
  }
  io.stdout.write(chains.map(describeChain).join('\n'));
  if (notChecked.length > 0) {
    io.stdout.write(`\nNot checked (${monthlyReason}):\n${notChecked.map((c) => `  ${c.label}\n`).join('')}`);
  }
  if (workspace.unchained.length > 0) {
    io.stdout.write(
      `\nNot in any chain, so not checked:\n${workspace.unchained.map((u) => `  ${u.name}: ${u.reason}\n`).join('')}`,
    );
  }
  const steps = chains.flatMap((c) => c.steps);
  const bad = steps.filter((s) => !s.comparable).length;
  io.stdout.write(
    `\n${bad === 0 ? `All ${steps.length} step(s) comparable.` : `${bad} of ${steps.length} step(s) not comparable.`}\n`,
  );
  return comparable ? 0 : 1;
}

const monthlyReason = 'monthly chains: the TiC-CLIP protocol is defined for its yearly steps';

const marks = { error: '✗', warning: '⚠', note: '·' } as const;

function describeChain(chain: ChainProtocol): string {
  const bad = chain.steps.filter((s) => !s.comparable).length;
  const head =
    chain.steps.length === 0
      ? `${chain.label}: no step of its own`
      : `${chain.label}: ${chain.steps.length} step(s), ${bad === 0 ? 'all comparable' : `${bad} not comparable`}`;
  const rows = chain.steps.map((s) => [String(s.step), s.expName, ...computeCells(s.compute), protocolCell(s)]);
  const totals = chain.totals;
  const summary =
    `  the chain (shared steps included): ${computeCells(totals)
      .map((v, i) => `${['samples', 'steps', 'GPU-hours', 'FLOPs'][i]} ${v}`)
      .join(', ')}` +
    `, ${chain.oracleRatio === null ? 'oracle ratio -' : `${fixed(chain.oracleRatio, 2)} × the oracle`}`;
  if (rows.length === 0) return `${head}\n${summary}\n`;
  const body = table(
    ['step', 'experiment', 'samples', 'steps', 'GPU-h', 'FLOPs', 'protocol'],
    rows,
    new Set([2, 3, 4, 5]),
  )
    .trimEnd()
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
  return `${head}\n${body}\n${summary}\n`;
}

function protocolCell(step: StepProtocol): string {
  const problems = step.problems.map(problemText);
  if (step.comparable) return ['✓ comparable', ...problems].join('; ');
  return problems.join('; ');
}

function problemText(p: ProtocolProblem): string {
  return `${marks[p.severity]} ${p.check} ${p.actual}, expected ${p.expected}`;
}

function computeCells(c: StepCompute): string[] {
  return [
    c.samplesSeen === null ? '-' : c.samplesSeen.toLocaleString('en-US'),
    c.optimizerSteps === null ? '-' : c.optimizerSteps.toLocaleString('en-US'),
    c.gpuHours === null ? '-' : fixed(c.gpuHours, 1),
    c.trainFlops === null ? '-' : c.trainFlops.toExponential(2),
  ];
}

function fixed(value: number, digits: number): string {
  return value.toFixed(digits);
}
