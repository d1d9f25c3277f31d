import assert from 'node:assert/strict';
import { join } from 'node:path';
import { resultsCommand } from '../../../src/cli/resultsCommand';
import { ticMonths } from '../../../src/tic/ticMonths';
import { dataYearsOf } from '../../../src/tic/trainDataYears';
import type { Chain } from '../../../src/workspace/chains';
import { scanWorkspace, type Workspace } from '../../../src/workspace/workspaceScan';
import { paramsText } from '../../support/openclipParams';
import { runCliInProcess } from '../../support/runCliInProcess';
import { ScratchWorkspace } from '../runs/workspaceFixture';

const medium = { model: 'ViT-B-32', lr: '0.0005', batch_size: '512', world_size: '8', epochs: '5' };
const years = (to: number): number[] => Array.from({ length: to - 2013 }, (_, i) => to - i);
const yearShards = (ys: number[]): string => ys.map((y) => `/data/train/${y}/{00000000..00000009}.tar`).join('::');
const monthShards = (ms: number[]): string =>
  ms.map((m) => `/data/tic-datacomp-monthly/train/${m}/{00000000..00000003}.tar`).join('::');
const finishedLog = `${Array.from({ length: 5 }, (_, e) => `2026-11-28,10:00:0${e} | INFO | Start epoch ${e}`).join('\n')}\n`;

/** evaluate.py records of the monthly retrieval tasks (contracts §3.3–3.4). */
function monthlyEval(values: Record<number, number>): string {
  return Object.entries(values)
    .map(
      ([m, v]) =>
        `{"key": "tic/datacomp/retrieval/monthly/${m}", "dataset": "TiC-DataComp-Retrieval-Monthly-${m}", "metrics": {"mean_recall@1": ${v}, "main_metric": ${v}}}\n`,
    )
    .join('');
}

describe('monthly chains: months branched off a yearly step (issue 19)', function () {
  this.timeout(30_000);
  let scratch: ScratchWorkspace;
  const results = 'ml-tic-clip/datacomp/results';
  const elsewhere = (exp: string): string => `/train-host/results/${exp}/checkpoints/epoch_latest.pt`;
  const cumulative = 'datacomp_medium-basic_cumulative';
  const sequential = 'datacomp_medium-basic_sequential';

  function experiment(name: string, trainData: string | null, resume: string, evals?: string): string {
    const dir = `${results}/${name}`;
    if (trainData !== null) {
      scratch.file(
        `${dir}/params.txt`,
        paramsText({ ...medium, name, train_data: trainData, resume, new_run: resume === 'None' ? 'False' : 'True' }),
      );
    }
    scratch.file(`${dir}/out.log`, finishedLog);
    scratch.file(`${dir}/checkpoints/epoch_latest.pt`, 'x');
    // Every planned epoch saved: a finished step, whose results the summaries count.
    scratch.file(`${dir}/checkpoints/epoch_5.pt`, 'x');
    if (evals !== undefined) scratch.file(`ml-tic-clip/datacomp/eval_results/${name}/eval_results.jsonl`, evals);
    return join(scratch.root, dir);
  }

  function yearlyChain(): void {
    experiment(`${cumulative}_2016`, yearShards(years(2016)), 'None');
    for (const y of [2017, 2018, 2019])
      experiment(`${cumulative}_${y}`, yearShards(years(y)), elsewhere(`${cumulative}_${y - 1}`));
  }

  function monthly(ws: Workspace, key: string): Chain {
    const found = ws.monthlyChains.find((c) => c.key === key);
    assert.ok(found, `no monthly chain ${key}; have ${ws.monthlyChains.map((c) => c.key).join(', ')}`);
    return found;
  }

  beforeEach(() => {
    scratch = new ScratchWorkspace();
  });

  it('reads months from the monthly data layout and keeps the yearly reading of the internal one', () => {
    const m = dataYearsOf(monthShards([202003, 202002, 202001]));
    assert.deepEqual(m.months, [202003, 202002, 202001]);
    assert.equal(m.monthly, true);
    assert.deepEqual(m.years, [2020]);
    const internal = dataYearsOf('/data/xlarge_basic_filter/2017/12/{00000000..00000009}.tar');
    assert.deepEqual([internal.years, internal.months, internal.monthly], [[2017], [], false]);
    // A month that is not a TiC month (2022-02 is a gap) is no month.
    assert.equal(dataYearsOf('/data/train/202202/{0..1}.tar').monthly, false);
  });

  it('makes a sequential monthly chain off the cumulative 2019 step, apart from the yearly chains', async () => {
    yearlyChain();
    const m1 = `${sequential}_m202001`;
    const m2 = `${sequential}_m202002`;
    experiment(
      m1,
      monthShards([202001]),
      elsewhere(`${cumulative}_2019`),
      monthlyEval({ 201912: 0.3, 202001: 0.4, 202002: 0.35 }),
    );
    experiment(m2, monthShards([202002]), elsewhere(m1), monthlyEval({ 202001: 0.38, 202002: 0.42 }));
    // Skips 2020-03: a lineage with a gap keeps an empty step for the month it skipped.
    experiment(`${sequential}_m202004`, monthShards([202004]), elsewhere(m2));
    const ws = await scanWorkspace(scratch.root);

    // The yearly chain is the yearly steps only.
    assert.deepEqual(
      ws.chains.map((c) => [c.key, c.timescale, c.steps.filter((s) => s.experiment !== null).length]),
      [['tic_medium/basic/cumulative', 'yearly', 4]],
    );
    assert.deepEqual(ws.unchained, []);
    const c = monthly(ws, 'tic_medium/basic/sequential/monthly');
    assert.equal(c.timescale, 'monthly');
    assert.equal(c.strategy, 'sequential');
    assert.deepEqual(
      c.steps.map((s) => [s.year, s.expName]),
      [
        [202001, m1],
        [202002, m2],
        [202003, null],
        [202004, `${sequential}_m202004`],
      ],
    );
    assert.equal(c.lastYear, 202004);
    assert.deepEqual(c.branch, {
      year: 2019,
      chain: 'tic_medium/basic/cumulative',
      expName: `${cumulative}_2019`,
      published: null,
    });
    assert.deepEqual(
      c.steps.map((s) => s.resumeMatchesChain),
      [true, true, null, true],
      'each month resumes from the step before it in its lineage (2020-04 from 2020-02: the lineage skipped 2020-03)',
    );
    assert.equal(c.forkedFrom, null);
    assert.equal(c.variant, null);
  });

  it('tells cumulative months from sequential ones and places a month without params by its name', async () => {
    yearlyChain();
    const m1 = `${cumulative}_m202001`;
    experiment(m1, monthShards([202001]), elsewhere(`${cumulative}_2019`));
    experiment(`${cumulative}_m202002`, monthShards([202002, 202001]), elsewhere(m1));
    experiment(`${cumulative}_m202003`, null, '');
    const ws = await scanWorkspace(scratch.root);
    const c = monthly(ws, 'tic_medium/basic/cumulative/monthly');
    assert.deepEqual(
      c.steps.map((s) => [s.year, s.expName, s.byNameRules]),
      [
        [202001, m1, false],
        [202002, `${cumulative}_m202002`, false],
        [202003, `${cumulative}_m202003`, true],
      ],
    );
    assert.equal(c.guessed, true);
  });

  it('branches off a published 2022.pt into 2023-01, next to a workspace branch: two named monthly chains', async () => {
    yearlyChain();
    experiment(`${sequential}_m202001`, monthShards([202001]), elsewhere(`${cumulative}_2019`));
    const published =
      '/home/alice/.cache/huggingface/hub/models--apple--TiC-CLIP-basic-sequential/snapshots/0a1b/checkpoints/2022.pt';
    experiment(`${sequential}_m202301`, monthShards([202301]), published);
    const ws = await scanWorkspace(scratch.root);
    assert.equal(ws.monthlyChains.length, 2);
    const fromPublished = ws.monthlyChains.find((c) => c.branch?.published !== null)!;
    assert.deepEqual(fromPublished.branch, {
      year: 2022,
      chain: null,
      expName: null,
      published: 'apple/TiC-CLIP-basic-sequential',
    });
    assert.deepEqual(
      fromPublished.steps.map((s) => [s.year, s.resumeMatchesChain]),
      [[202301, true]],
    );
    assert.deepEqual(ws.monthlyChains.map((c) => c.variant).sort(), ['from 2019', 'from published 2022']);
    // The yearly chain did not gain published steps or a variant from the monthly lineage.
    assert.deepEqual(
      ws.chains.map((c) => c.key),
      ['tic_medium/basic/cumulative'],
    );
  });

  it('tic-studio results --json: month × month matrices, YYYYMM rows and columns, null cells, a yearly roll-up', async () => {
    yearlyChain();
    const m1 = `${sequential}_m202001`;
    experiment(
      m1,
      monthShards([202001]),
      elsewhere(`${cumulative}_2019`),
      monthlyEval({ 201912: 0.3, 202001: 0.4, 202002: 0.36 }),
    );
    experiment(
      `${sequential}_m202002`,
      monthShards([202002]),
      elsewhere(m1),
      monthlyEval({ 201911: 0.2, 201912: 0.3, 202002: 0.5 }),
    );
    const out = await runCliInProcess(resultsCommand, [scratch.root, '--json']);
    assert.equal(out.code, 0, out.stderr);
    const json = JSON.parse(out.stdout) as {
      chains: {
        key: string;
        timescale: string;
        steps: { year: number }[];
        matrices: { metric: string; rows: number[]; columns: number[]; values: (number | null)[][] }[];
        transfer: { metric: string; id: number | null; backward: number | null; forward: number | null }[];
        rollup: { metric: string; columns: number[]; values: (number | null)[][] }[];
      }[];
    };
    const yearly = json.chains.find((c) => c.key === 'tic_medium/basic/cumulative')!;
    assert.equal(yearly.timescale, 'yearly');
    assert.deepEqual(yearly.rollup, []);
    const c = json.chains.find((x) => x.key === 'tic_medium/basic/sequential/monthly')!;
    assert.equal(c.timescale, 'monthly');
    assert.deepEqual(
      c.steps.map((s) => s.year),
      [202001, 202002],
    );
    const m = c.matrices.find((x) => x.metric === 'mean_recall@1')!;
    assert.deepEqual(m.rows, [202001, 202002]);
    assert.equal(m.columns.length, 102);
    assert.deepEqual(m.columns, [...ticMonths]);
    const at = (row: number, month: number): number | null => m.values[row]![m.columns.indexOf(month)]!;
    assert.deepEqual([at(0, 201912), at(0, 202001), at(0, 202002), at(0, 202003)], [0.3, 0.4, 0.36, null]);
    assert.deepEqual([at(1, 201911), at(1, 202001), at(1, 202002)], [0.2, null, 0.5]);
    // ID: the step's own month; backward: months before it; forward: after it (cell means over the matrix).
    const t = c.transfer.find((x) => x.metric === 'mean_recall@1')!;
    assert.equal(t.id, (0.4 + 0.5) / 2);
    assert.equal(t.backward, (0.3 + 0.2 + 0.3) / 3);
    assert.equal(t.forward, 0.36);
    // Roll-up: per eval year, the mean of the row's present months of that year.
    const r = c.rollup.find((x) => x.metric === 'mean_recall@1')!;
    assert.deepEqual(r.columns, [2014, 2015, 2016, 2017, 2018, 2019, 2020, 2021, 2022, 2023]);
    assert.deepEqual(r.values[0]!.slice(5, 7), [0.3, (0.4 + 0.36) / 2]);
    assert.deepEqual(r.values[1]!.slice(5, 7), [(0.2 + 0.3) / 2, 0.5]);
    assert.equal(r.values[0]![9], null);

    const text = await runCliInProcess(resultsCommand, [scratch.root]);
    assert.match(
      text.stdout,
      /tic_medium\/basic\/sequential · monthly \(sequential\): 2 of 2 step\(s\) trained, 2 evaluated/,
    );
    assert.match(
      text.stdout,
      /monthly: branched off datacomp_medium-basic_cumulative_2019 \(tic_medium\/basic\/cumulative\)/,
    );
    assert.match(text.stdout, /\n2020-01 +· +· +· +· +· +30\.0 +38\.0 +· +· +·\n/);
  });
});
