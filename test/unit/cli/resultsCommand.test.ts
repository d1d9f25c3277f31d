import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../../../src/cli/common/cliIo';
import { resultsCommand, resultsUsage } from '../../../src/cli/resultsCommand';
import { runCli } from '../../../src/cli/runCli';
import { runCliInProcess } from '../../support/runCliInProcess';

const demo = join(__dirname, '../../../demo');
const demoEvals = join(demo, 'datacomp/eval_results');

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return runCliInProcess(resultsCommand, args);
}

/** Through the top-level runner, which turns usage errors into exit code 2. */
function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return runCliInProcess(runCli, ['results', ...args]);
}

/** One value straight from a demo eval_results.jsonl, with JSON.parse. */
function demoValue(exp: string, key: string, metric: string): number {
  for (const line of readFileSync(join(demoEvals, exp, 'eval_results.jsonl'), 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const record = JSON.parse(line) as { key: string; metrics: Record<string, number> };
    if (record.key === key) return record.metrics[metric]!;
  }
  throw new Error(`no ${key} in ${exp}`);
}

interface JsonOut {
  root: string;
  firstStep: string;
  chains: {
    key: string;
    strategy: string;
    timescale: string;
    matrices: { family: string; metric: string; rows: number[]; columns: number[]; values: (number | null)[][] }[];
    transfer: {
      family: string;
      metric: string;
      id: number | null;
      backward: number | null;
      forward: number | null;
      cells: { id: number; backward: number; forward: number };
      perStep: { year: number; id: number | null }[];
    }[];
    imagenet: { year: number; source: string; top1: number | null }[];
  }[];
}

describe('tic-studio results (in-process)', () => {
  it('prints every chain’s matrices, transfer and ImageNet as JSON, null for every missing cell', async () => {
    const r = await run([demo, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as JsonOut;
    assert.equal(out.root, demo);
    assert.equal(out.firstStep, 'merge');
    assert.deepEqual(
      out.chains.map((c) => [c.key, c.strategy]),
      [
        ['tic_medium/basic/cumulative', 'cumulative'],
        ['tic_medium/basic/cumulative@datacomp_medium-basic_cumulative_2017_lr1e4', 'cumulative'],
        ['tic_medium/basic/sequential', 'sequential'],
        // The demo's monthly chain: sequential 2020-01…2020-03, branched off cumulative 2019.
        ['tic_medium/basic/sequential/monthly', 'sequential'],
      ],
    );
    const cumulative = out.chains[0]!;
    const recall = cumulative.matrices.find((m) => m.metric === 'mean_recall@1')!;
    assert.equal(recall.family, 'retrieval');
    assert.deepEqual(recall.rows, [2016, 2017, 2018, 2019, 2020, 2021, 2022]);
    assert.deepEqual(recall.columns, [2014, 2015, 2016, 2017, 2018, 2019, 2020, 2021, 2022]);
    assert.equal(
      recall.values[1]![5],
      demoValue('datacomp_medium-basic_cumulative_2017', 'tic/datacomp/retrieval/yearly/2019', 'mean_recall@1'),
    );
    assert.deepEqual(recall.values[3], Array(9).fill(null));
    assert.ok(!r.stdout.includes('NaN'));
    const transfer = cumulative.transfer.find((t) => t.metric === 'acc1')!;
    assert.equal(transfer.family, 'datacompnet');
    assert.equal(typeof transfer.id, 'number');
    assert.deepEqual(transfer.cells, { backward: 3, id: 3, forward: 15 });
    assert.equal(transfer.perStep.length, 7);
    assert.equal(transfer.perStep[6]!.id, null);
    assert.deepEqual(
      cumulative.imagenet.map((i) => [i.year, i.source]),
      [
        [2016, 'trainingZeroShot'],
        [2017, 'trainingZeroShot'],
        [2018, 'trainingZeroShot'],
        [2019, 'trainingZeroShot'],
      ],
    );
  });

  it('keeps one metric with --metric, and reads 2014–2016 as separate columns with --first-step separate', async () => {
    const out = JSON.parse(
      (await run([demo, '--json', '--metric', 'acc5', '--first-step', 'separate'])).stdout,
    ) as JsonOut;
    assert.equal(out.firstStep, 'separate');
    for (const chain of out.chains) {
      assert.deepEqual(
        chain.matrices.map((m) => m.metric),
        ['acc5'],
      );
      // The monthly chain's evaluated rows, 2020-01 and 2020-02, have 63 + 64 earlier and 38 + 37 later months.
      const cells =
        chain.timescale === 'monthly' ? { backward: 127, id: 2, forward: 75 } : { backward: 9, id: 3, forward: 15 };
      assert.deepEqual(
        chain.transfer.map((t) => [t.metric, t.cells]),
        [['acc5', cells]],
      );
    }
  });

  it('prints one tidy CSV row per matrix cell with --format csv (pandas), values as in eval_results.jsonl', async () => {
    const { code, stdout, stderr } = await cli(demo, '--format', 'csv');
    assert.equal(code, 0, stderr);
    const lines = stdout.split('\n');
    assert.equal(lines.at(-1), '', 'ends with a newline, LF only');
    assert.ok(!stdout.includes('\r'));
    assert.equal(lines[0], 'chain,strategy,scale,filtering,step,eval_step,family,metric,value');
    const rows = lines.slice(1, -1).map((l) => l.split(','));
    assert.ok(rows.every((r) => r.length === 9));
    const cell = (chain: string, step: string, evalStep: string, metric: string) =>
      rows.filter((r) => r[0] === chain && r[4] === step && r[5] === evalStep && r[7] === metric);
    const baseline = 'tic_medium/basic/cumulative · baseline';
    const [row] = cell(baseline, '2017', '2018', 'mean_recall@1');
    assert.deepEqual(row!.slice(1, 4), ['cumulative', 'tic_medium', 'basic']);
    assert.equal(
      Number(row![8]),
      demoValue('datacomp_medium-basic_cumulative_2017', 'tic/datacomp/retrieval/yearly/2018', 'mean_recall@1'),
    );
    // A step without an eval: its cells are there, empty (missing, never 0).
    const notEvaluated = cell(baseline, '2020', '2018', 'mean_recall@1');
    assert.equal(notEvaluated.length, 1);
    assert.equal(notEvaluated[0]![8], '');
    // A monthly chain: months as 2020-01 on both axes, from the monthly tasks.
    const monthly = rows.find((r) => r[4] === '2020-01' && r[5] === '2019-06' && r[7] === 'mean_recall@1');
    assert.ok(monthly, 'a monthly cell');
    assert.equal(
      Number(monthly[8]),
      demoValue('datacomp_medium-basic_sequential_m202001', 'tic/datacomp/retrieval/monthly/201906', 'mean_recall@1'),
    );
    // --metric keeps one metric; --json and --format json agree; a bad format is a usage error.
    const acc = await cli(demo, '--format', 'csv', '--metric', 'acc1');
    assert.ok(
      acc.stdout
        .split('\n')
        .slice(1, -1)
        .every((l) => l.split(',')[7] === 'acc1'),
    );
    assert.equal((await cli(demo, '--format', 'json')).stdout, (await cli(demo, '--json')).stdout);
    assert.equal((await cli(demo, '--format', 'xml')).code, 2);
    assert.equal((await cli(demo, '--format', 'csv', '--json')).code, 2);
  });

  it('prints readable tables: percent with one decimal, · for missing, the shared first step, transfer', async () => {
    const r = await run([demo]);
    assert.equal(r.code, 0, r.stderr);
    const value = demoValue(
      'datacomp_medium-basic_cumulative_2017',
      'tic/datacomp/retrieval/yearly/2019',
      'mean_recall@1',
    );
    const row2017 = r.stdout.split('\n').find((l) => l.startsWith('2017 '))!;
    assert.equal(row2017.trim().split(/\s+/)[6], (value * 100).toFixed(1));
    // The demo's cumulative chain has a variant (lr1e4), so the main lineage is labelled as the baseline.
    assert.match(
      r.stdout,
      /^tic_medium\/basic\/cumulative · baseline \(cumulative\): 4 of 7 step\(s\) trained, 3 evaluated/,
    );
    assert.match(r.stdout, /TiC-DataComp-Retrieval mean_recall@1, %/);
    assert.match(r.stdout, /TiC-DataCompNet acc1, %/);
    assert.doesNotMatch(r.stdout, /acc5, %/);
    assert.match(r.stdout, /\n2019(\s+·){9}\s+not evaluated\n/);
    assert.match(r.stdout, /shared first step \(datacomp_medium-basic_cumulative_2016\)/);
    assert.match(r.stdout, /metric\s+backward\s+ID\s+forward/);
    assert.match(r.stdout, /retrieval mean_recall@1\s+\d+\.\d\s+\d+\.\d\s+\d+\.\d\s+3\/3\/15/);
    assert.match(r.stdout, /ImageNet zero-shot/);
    const acc5 = await run([demo, '--metric', 'acc5']);
    assert.match(acc5.stdout, /TiC-DataCompNet acc5, %/);
    assert.doesNotMatch(acc5.stdout, /mean_recall@1, %/);
  });

  it('reads a results tree without a checkout as both result and eval folder', async () => {
    const tree = mkdtempSync(join(tmpdir(), 'tic-results-tree-'));
    try {
      cpSync(join(demo, 'datacomp/results'), join(tree, 'results'), { recursive: true });
      cpSync(demoEvals, join(tree, 'eval_results'), { recursive: true });
      const out = JSON.parse((await run([tree, '--json'])).stdout) as JsonOut;
      assert.deepEqual(
        out.chains.map((c) => c.key),
        [
          'tic_medium/basic/cumulative',
          'tic_medium/basic/cumulative@datacomp_medium-basic_cumulative_2017_lr1e4',
          'tic_medium/basic/sequential',
          'tic_medium/basic/sequential/monthly',
        ],
      );
      assert.equal(
        out.chains.find((c) => c.key === 'tic_medium/basic/sequential')!.matrices[0]!.values[0]![2],
        demoValue('datacomp_medium-basic_cumulative_2016', 'tic/datacomp/retrieval/yearly/2016', 'mean_recall@1'),
      );
    } finally {
      rmSync(tree, { recursive: true, force: true });
    }
  });

  it('exits 1 for a missing folder and for a folder without chains, saying where it looked', async () => {
    const missing = await cli('/no/such/workspace');
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /\/no\/such\/workspace: notFound/);
    const empty = mkdtempSync(join(tmpdir(), 'tic-results-empty-'));
    try {
      writeFileSync(join(empty, 'notes.txt'), 'nothing here\n');
      const r = await cli(empty, '--json');
      assert.equal(r.code, 1);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /no chains found in /);
      assert.match(r.stderr, /No ml-tic-clip checkout/);
      assert.ok(r.stderr.includes(`Looked, two levels deep, in: ${empty}`));
      assert.match(r.stderr, /Found 0 experiment\(s\) and 0 evaluation\(s\)/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('exits 2 for bad arguments, naming the problem', async () => {
    for (const [args, message] of [
      [[], /expects exactly one DIR/],
      [[demo, demo], /expects exactly one DIR/],
      [[demo, '--first-step', 'sum'], /--first-step must be merge or separate, not 'sum'/],
      [[demo, '--metric', 'recall'], /unknown --metric 'recall'; one of mean_recall@1, /],
      [[demo, '--bogus'], /bogus/],
      [[join(demo, 'README.md')], /is not a folder/],
    ] as const) {
      const r = await cli(...args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
    }
    await assert.rejects(run([demo, '--first-step', 'sum']), UsageError);
  });

  it('is listed in the help, with its own usage', async () => {
    assert.match((await runCliInProcess(runCli, ['--help'])).stdout, /\n {2}results {6}/);
    assert.equal((await cli('--help')).stdout, `${resultsUsage}\n`);
    assert.match(resultsUsage, /^Usage: tic-studio results DIR \[--json\] \[--first-step merge\|separate\]/);
  });
});
