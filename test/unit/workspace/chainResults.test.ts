import assert from 'node:assert/strict';
import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildChainResults, type ChainResults } from '../../../src/workspace/chainResults';
import type { ResultsMatrix } from '../../../src/results/resultsMatrix';
import { scanWorkspace } from '../../../src/workspace/workspaceScan';

const demo = join(__dirname, '../../../demo');
const demoResults = join(demo, 'datacomp/results');
const demoEvals = join(demo, 'datacomp/eval_results');
const years = [2014, 2015, 2016, 2017, 2018, 2019, 2020, 2021, 2022];

/**
 * The expected numbers, read straight from the demo's files with JSON.parse (not with the code under test):
 * key → metrics, the last line of a key winning.
 */
function evalFile(dir: string, exp: string): Map<string, Record<string, number>> {
  const out = new Map<string, Record<string, number>>();
  for (const line of readFileSync(join(dir, exp, 'eval_results.jsonl'), 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const record = JSON.parse(line) as { key: string; metrics: Record<string, number> };
    out.set(record.key, record.metrics);
  }
  return out;
}

function fileRow(dir: string, exp: string, family: string, metric: string): (number | null)[] {
  const file = evalFile(dir, exp);
  return years.map((y) => file.get(`tic/datacomp/${family}/yearly/${y}`)?.[metric] ?? null);
}

function lastZeroShot(exp: string): { top1: number; top5: number } {
  const lines = readFileSync(join(demoResults, exp, 'checkpoints/results.jsonl'), 'utf8')
    .trim()
    .split('\n');
  const last = JSON.parse(lines[lines.length - 1]!) as Record<string, number>;
  return { top1: last['imagenet-zeroshot-val-top1']!, top5: last['imagenet-zeroshot-val-top5']! };
}

function chainOf(all: ChainResults[], key: string): ChainResults {
  const found = all.find((c) => c.key === key);
  assert.ok(found, `no chain ${key}; have ${all.map((c) => c.key).join(', ')}`);
  return found;
}

function matrixOf(chain: ChainResults, metric: string): ResultsMatrix {
  const found = chain.matrices.find((m) => m.metric === metric);
  assert.ok(found, `no ${metric} matrix in ${chain.key}`);
  return found;
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const exp = (strategy: string, year: number): string => `datacomp_medium-basic_${strategy}_${year}`;

describe('buildChainResults on the demo workspace (cumulative 2016–2019, its lr 1e-4 variant, sequential 2017–2018)', () => {
  let chains: ChainResults[];
  let separate: ChainResults[];
  before(async () => {
    const ws = await scanWorkspace(demo);
    chains = await buildChainResults(ws);
    separate = await buildChainResults(ws, { firstStep: 'separate' });
  });

  it('has the three yearly chains, each with the 7 steps 2016…2022 as rows and 2014…2022 as columns', () => {
    // The demo's monthly chain (sequential 2020-01…2020-03, branched off cumulative 2019) comes after them.
    assert.deepEqual(
      chains.map((c) => [c.key, c.timescale]),
      [
        ['tic_medium/basic/cumulative', 'yearly'],
        ['tic_medium/basic/cumulative@datacomp_medium-basic_cumulative_2017_lr1e4', 'yearly'],
        ['tic_medium/basic/sequential', 'yearly'],
        ['tic_medium/basic/sequential/monthly', 'monthly'],
      ],
    );
    const yearly = chains.filter((c) => c.timescale === 'yearly');
    assert.deepEqual(
      yearly.map((c) => [c.key, c.strategy, c.scale, c.filtering, c.firstStep]),
      [
        ['tic_medium/basic/cumulative', 'cumulative', 'tic_medium', 'basic', 'merge'],
        [
          'tic_medium/basic/cumulative@datacomp_medium-basic_cumulative_2017_lr1e4',
          'cumulative',
          'tic_medium',
          'basic',
          'merge',
        ],
        ['tic_medium/basic/sequential', 'sequential', 'tic_medium', 'basic', 'merge'],
      ],
    );
    for (const chain of yearly) {
      for (const m of chain.matrices) {
        assert.deepEqual(m.rows, [2016, 2017, 2018, 2019, 2020, 2021, 2022]);
        assert.deepEqual(m.columns, years);
      }
      // The demo writes every retrieval and DataCompNet metric, so all nine matrices are there, each with a transfer.
      assert.deepEqual(
        chain.matrices.map((m) => m.metric),
        [
          'mean_recall@1',
          'image_retrieval_recall@1',
          'image_retrieval_recall@5',
          'image_retrieval_recall@10',
          'text_retrieval_recall@1',
          'text_retrieval_recall@5',
          'text_retrieval_recall@10',
          'acc1',
          'acc5',
        ],
      );
      assert.deepEqual(
        chain.transfer.map((t) => t.metric),
        chain.matrices.map((m) => m.metric),
      );
    }
  });

  it('fills the cumulative rows 2016–2018 from their own eval_results.jsonl, value for value', () => {
    const cumulative = chainOf(chains, 'tic_medium/basic/cumulative');
    const recall = matrixOf(cumulative, 'mean_recall@1');
    const file2017 = evalFile(demoEvals, exp('cumulative', 2017));
    assert.equal(recall.values[1]![5], file2017.get('tic/datacomp/retrieval/yearly/2019')!['mean_recall@1']);
    for (const [r, year] of [2016, 2017, 2018].entries()) {
      assert.deepEqual(recall.values[r], fileRow(demoEvals, exp('cumulative', year), 'retrieval', 'mean_recall@1'));
      assert.deepEqual(
        matrixOf(cumulative, 'acc5').values[r],
        fileRow(demoEvals, exp('cumulative', year), 'datacompnet', 'acc5'),
      );
      assert.equal(recall.evalDirs[r], join(demoEvals, exp('cumulative', year)));
    }
  });

  it('leaves the unevaluated 2019 step and the untrained 2020–2022 steps all null, in every matrix', () => {
    const cumulative = chainOf(chains, 'tic_medium/basic/cumulative');
    for (const m of cumulative.matrices) {
      for (const r of [3, 4, 5, 6]) assert.deepEqual(m.values[r], Array(9).fill(null), `${m.metric} row ${r}`);
      assert.deepEqual(m.evalDirs.slice(3), [null, null, null, null]);
    }
    assert.deepEqual(
      cumulative.steps.map((s) => [s.year, s.expName, s.evalDir === null]),
      [
        [2016, exp('cumulative', 2016), false],
        [2017, exp('cumulative', 2017), false],
        [2018, exp('cumulative', 2018), false],
        [2019, exp('cumulative', 2019), true],
        [2020, null, true],
        [2021, null, true],
        [2022, null, true],
      ],
    );
  });

  it('gives the sequential chain its shared 2016 row from the cumulative 2016 eval', () => {
    const sequential = chainOf(chains, 'tic_medium/basic/sequential');
    assert.deepEqual(sequential.steps[0], {
      year: 2016,
      experiment: join(demoResults, exp('cumulative', 2016)),
      expName: exp('cumulative', 2016),
      shared: true,
      inherited: false,
      published: null,
      evalDir: join(demoEvals, exp('cumulative', 2016)),
      simulated: false,
      unfinished: false,
      unfinishedReason: null,
    });
    const recall = matrixOf(sequential, 'mean_recall@1');
    assert.deepEqual(recall.values[0], fileRow(demoEvals, exp('cumulative', 2016), 'retrieval', 'mean_recall@1'));
    assert.deepEqual(recall.values[1], fileRow(demoEvals, exp('sequential', 2017), 'retrieval', 'mean_recall@1'));
    assert.deepEqual(
      matrixOf(sequential, 'acc1').values[2],
      fileRow(demoEvals, exp('sequential', 2018), 'datacompnet', 'acc1'),
    );
    assert.deepEqual(recall.values[3], Array(9).fill(null));
  });

  it('computes ID / backward / forward from the file values, merged and separate', () => {
    const rows = [2016, 2017, 2018].map((y) => fileRow(demoEvals, exp('cumulative', y), 'retrieval', 'mean_recall@1'));
    const at = (step: number, year: number): number => rows[step - 2016]![year - 2014]!;
    const merged2016 = (step: number): number => mean([at(step, 2014), at(step, 2015), at(step, 2016)]);

    const m = chainOf(chains, 'tic_medium/basic/cumulative').transfer[0]!;
    assert.equal(m.metric, 'mean_recall@1');
    assert.ok(Math.abs(m.id! - mean([merged2016(2016), at(2017, 2017), at(2018, 2018)])) < 1e-12);
    assert.ok(Math.abs(m.backward! - mean([merged2016(2017), merged2016(2018), at(2018, 2017)])) < 1e-12);
    const forward = [
      ...[2017, 2018, 2019, 2020, 2021, 2022].map((y) => at(2016, y)),
      ...[2018, 2019, 2020, 2021, 2022].map((y) => at(2017, y)),
      ...[2019, 2020, 2021, 2022].map((y) => at(2018, y)),
    ];
    assert.ok(Math.abs(m.forward! - mean(forward)) < 1e-12);
    assert.deepEqual(m.cells, { backward: 3, id: 3, forward: 15 });
    assert.deepEqual(
      m.perStep.map((s) => s.year),
      [2016, 2017, 2018, 2019, 2020, 2021, 2022],
    );
    assert.deepEqual(m.perStep[3], {
      year: 2019,
      id: null,
      backward: null,
      forward: null,
      cells: { id: 0, backward: 0, forward: 0 },
    });

    const s = chainOf(separate, 'tic_medium/basic/cumulative').transfer[0]!;
    assert.equal(s.firstStep, 'separate');
    assert.ok(Math.abs(s.id! - mean([at(2016, 2016), at(2017, 2017), at(2018, 2018)])) < 1e-12);
    const backward = [at(2016, 2014), at(2016, 2015), at(2017, 2014), at(2017, 2015), at(2017, 2016)];
    backward.push(at(2018, 2014), at(2018, 2015), at(2018, 2016), at(2018, 2017));
    assert.ok(Math.abs(s.backward! - mean(backward)) < 1e-12);
    assert.deepEqual(s.cells, { backward: 9, id: 3, forward: 15 });
  });

  it('reports the last zero-shot line of each trained step’s results.jsonl as its ImageNet result', () => {
    const cumulative = chainOf(chains, 'tic_medium/basic/cumulative');
    assert.deepEqual(
      cumulative.imagenet,
      [2016, 2017, 2018, 2019].map((year) => ({
        year,
        source: 'trainingZeroShot',
        ...lastZeroShot(exp('cumulative', year)),
        epoch: 5,
        file: join(demoResults, exp('cumulative', year), 'checkpoints/results.jsonl'),
      })),
    );
    const sequential = chainOf(chains, 'tic_medium/basic/sequential');
    assert.deepEqual(
      sequential.imagenet.map((r) => [r.year, r.top1]),
      [
        [2016, lastZeroShot(exp('cumulative', 2016)).top1],
        [2017, lastZeroShot(exp('sequential', 2017)).top1],
        [2018, lastZeroShot(exp('sequential', 2018)).top1],
      ],
    );
    assert.deepEqual(cumulative.otherTasks, []);
  });

  it('is plain data that survives a JSON round trip', () => {
    assert.deepEqual(JSON.parse(JSON.stringify(chains)), chains);
  });
});

describe('buildChainResults with extra tasks, a re-evaluated key and a diverged value', () => {
  let root: string;
  let chains: ChainResults[];
  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'tic-chain-results-'));
    cpSync(join(demo, 'datacomp'), join(root, 'datacomp'), { recursive: true });
    const evals = join(root, 'datacomp/eval_results');
    appendFileSync(
      join(evals, exp('cumulative', 2017), 'eval_results.jsonl'),
      [
        '{"key": "imagenet1k", "dataset": "ImageNet 1k", "metrics": {"acc1": 0.25, "acc5": 0.5, "mean_per_class_recall": 0.25, "main_metric": 0.25}}',
        '{"key": "misc/winogavil", "dataset": "WinoGAViL", "metrics": {"jaccard_score_10-12": 0.4, "main_metric": 0.4}}',
        '{"key": "tic/datacomp/retrieval/monthly/201905", "dataset": "TiC-DataComp-Retrieval-Monthly-201905", "metrics": {"mean_recall@1": 0.9, "main_metric": 0.9}}',
        '{"key": "tic/datacomp/retrieval/yearly/2019", "dataset": "TiC-DataComp-Retrieval-Yearly-2019", "metrics": {"mean_recall@1": 0.125, "main_metric": 0.125}}',
        '{"key": "tic/datacomp/datacompnet/yearly/2020", "dataset": "TiC-DataCompNet-Yearly-2020", "metrics": {"acc1": NaN, "acc5": NaN, "main_metric": NaN}}',
        '',
      ].join('\n'),
    );
    chains = await buildChainResults(await scanWorkspace(root));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('takes the re-evaluated 2019 cell, ignores the monthly key, and nulls the NaN', () => {
    const cumulative = chainOf(chains, 'tic_medium/basic/cumulative');
    const recall = matrixOf(cumulative, 'mean_recall@1');
    assert.equal(recall.values[1]![5], 0.125);
    // The rest of the row is the demo's, untouched by the monthly key.
    const expected = fileRow(demoEvals, exp('cumulative', 2017), 'retrieval', 'mean_recall@1');
    expected[5] = 0.125;
    assert.deepEqual(recall.values[1], expected);
    assert.equal(matrixOf(cumulative, 'acc1').values[1]![6], null);
    assert.equal(matrixOf(cumulative, 'acc5').values[1]![6], null);
  });

  it('adds evaluate.py’s imagenet1k next to the training zero-shot, and lists the non-TiC tasks per step', () => {
    const cumulative = chainOf(chains, 'tic_medium/basic/cumulative');
    const evalDir = join(root, 'datacomp/eval_results', exp('cumulative', 2017));
    assert.deepEqual(
      cumulative.imagenet.filter((r) => r.year === 2017),
      [
        {
          year: 2017,
          source: 'trainingZeroShot',
          ...lastZeroShot(exp('cumulative', 2017)),
          epoch: 5,
          file: join(root, 'datacomp/results', exp('cumulative', 2017), 'checkpoints/results.jsonl'),
        },
        {
          year: 2017,
          source: 'evalResults',
          top1: 0.25,
          top5: 0.5,
          epoch: null,
          file: join(evalDir, 'eval_results.jsonl'),
        },
      ],
    );
    assert.deepEqual(cumulative.otherTasks, [
      { year: 2017, key: 'imagenet1k', dataset: 'ImageNet 1k', mainMetric: 0.25, evalDir },
      { year: 2017, key: 'misc/winogavil', dataset: 'WinoGAViL', mainMetric: 0.4, evalDir },
    ]);
    assert.deepEqual(chainOf(chains, 'tic_medium/basic/sequential').otherTasks, []);
  });
});
