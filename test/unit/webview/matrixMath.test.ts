import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChainWire } from '../../../src/protocol/dashboardMessages';
import { buildDashboardSnapshot } from '../../../src/wire/dashboardSnapshot';
import { scanWorkspace } from '../../../src/workspace/workspaceScan';
import {
  cellRegion,
  differenceGrid,
  drillYears,
  findMatrix,
  formatPercent,
  formatSignedPoints,
  gridCsv,
  metricOptions,
  monthlyColumnsOf,
  monthlyGrid,
  valueRange,
} from '../../../webview/dashboard/matrixMath';

const chain = (key: string, metrics: [string, string][]): ChainWire => ({
  key,
  label: key,
  strategy: 'cumulative',
  variant: null,
  forkedFrom: null,
  root: null,
  steps: [],
  matrices: metrics.map(([family, metric]) => ({ family, metric, rows: [], columns: [], values: [] })),
  transfer: [],
  imagenet: [],
  otherTasks: [],
});

describe('matrix maths', () => {
  it('lists each metric present once, in the order met', () => {
    const options = metricOptions([
      chain('a', [
        ['retrieval', 'mean_recall@1'],
        ['datacompnet', 'acc1'],
      ]),
      chain('b', [
        ['retrieval', 'mean_recall@1'],
        ['retrieval', 'text_retrieval_recall@5'],
      ]),
    ]);
    assert.deepEqual(
      options.map((o) => o.key),
      ['retrieval/mean_recall@1', 'datacompnet/acc1', 'retrieval/text_retrieval_recall@5'],
    );
  });

  it('subtracts B from A cell by cell, missing where either is missing', () => {
    const a = {
      rows: [2016, 2017],
      columns: [2016, 2017],
      values: [
        [0.5, 0.4],
        [null, 0.6],
      ],
    };
    const b = {
      rows: [2016, 2018],
      columns: [2016, 2017],
      values: [
        [0.25, null],
        [0.1, 0.1],
      ],
    };
    const d = differenceGrid(a, b);
    assert.deepEqual(d.rows, [2016, 2017, 2018]);
    assert.deepEqual(d.values, [
      [0.25, null],
      [null, null],
      [null, null],
    ]);
  });

  it('finds the value range over present cells only', () => {
    assert.deepEqual(
      valueRange([
        { rows: [1], columns: [1, 2], values: [[null, 0.3]] },
        { rows: [1], columns: [1], values: [[0.1]] },
      ]),
      {
        min: 0.1,
        max: 0.3,
      },
    );
    assert.equal(valueRange([{ rows: [1], columns: [1], values: [[null]] }]), null);
  });

  it('shows fractions as percent with one decimal and missing as a dash, never 0', () => {
    assert.equal(formatPercent(0.4567), '45.7');
    assert.equal(formatPercent(0), '0.0');
    assert.equal(formatPercent(null), '—');
    assert.equal(formatSignedPoints(0.012), '+1.2');
    assert.equal(formatSignedPoints(-0.008), '\u22120.8');
    assert.equal(formatSignedPoints(0.0001), '0.0');
    assert.equal(formatSignedPoints(null), '—');
  });

  it('exports a matrix as CSV with raw fractions and empty missing cells', () => {
    assert.equal(
      gridCsv({
        rows: [2016, 2017],
        columns: [2016, 2017],
        values: [
          [0.5, null],
          [0.25, 0.125],
        ],
      }),
      'step,2016,2017\r\n2016,0.5,\r\n2017,0.25,0.125\r\n',
    );
  });
});

describe("matrix maths of a monthly chain (issue 19): the demo's 2020-01…2020-03", () => {
  const demo = join(__dirname, '../../../demo');
  const key = 'retrieval/mean_recall@1';
  let monthly: ChainWire;

  /** mean_recall@1 of a demo eval folder per monthly task, read with JSON.parse (not with our parser). */
  function recall(exp: string): Map<number, number> {
    const file = join(demo, 'datacomp/eval_results', exp, 'eval_results.jsonl');
    const out = new Map<number, number>();
    for (const line of readFileSync(file, 'utf8').split('\n').filter(Boolean)) {
      const r = JSON.parse(line) as { key: string; metrics: Record<string, number> };
      const m = /^tic\/datacomp\/retrieval\/monthly\/(\d{6})$/.exec(r.key);
      if (m) out.set(Number(m[1]), r.metrics['mean_recall@1']!);
    }
    return out;
  }

  before(async () => {
    const snapshot = await buildDashboardSnapshot({
      workspace: await scanWorkspace(demo),
      notice: null,
      firstStep: 'merge',
      activity: [],
    });
    monthly = snapshot.monthlyChains![0]!;
  });

  it('shows the yearly roll-up by default: months × eval years 2014…2023, each the mean of its months', () => {
    const grid = monthlyGrid(monthly, key, 'years')!;
    assert.deepEqual(grid.rows, [202001, 202002, 202003]);
    assert.deepEqual(grid.columns, [2014, 2015, 2016, 2017, 2018, 2019, 2020, 2021, 2022, 2023]);
    const jan = recall('datacomp_medium-basic_sequential_m202001');
    const of2022 = [...jan].filter(([m]) => Math.floor(m / 100) === 2022).map(([, v]) => v);
    // 2022 has 9 TiC months (no February…April).
    assert.equal(of2022.length, 9);
    const mean = of2022.reduce((a, b) => a + b, 0) / of2022.length;
    assert.ok(Math.abs(grid.values[0]![grid.columns.indexOf(2022)]! - mean) < 1e-12);
    assert.deepEqual(grid.values[2], Array(10).fill(null), '2020-03 was not evaluated: missing, never 0');
    assert.equal(monthlyColumnsOf(monthly, key, undefined), 'years');
  });

  it("drills into one eval year: that year's months as columns, the cells of the full matrix", () => {
    assert.deepEqual(drillYears(monthly, key), [2014, 2015, 2016, 2017, 2018, 2019, 2020, 2021, 2022, 2023]);
    const grid = monthlyGrid(monthly, key, 2020)!;
    assert.deepEqual(
      grid.columns,
      Array.from({ length: 12 }, (_, i) => 202001 + i),
    );
    const feb = recall('datacomp_medium-basic_sequential_m202002');
    assert.deepEqual(
      grid.values[1],
      grid.columns.map((m) => feb.get(m)!),
    );
    assert.deepEqual(grid.values[2], Array(12).fill(null));
    // A year with gaps has only its TiC months: 2016 has no January, March or November.
    assert.deepEqual(
      monthlyGrid(monthly, key, 2016)!.columns,
      [201602, 201604, 201605, 201606, 201607, 201608, 201609, 201610, 201612],
    );
    // A saved year the matrix has no months of falls back to the roll-up; an unknown metric has no grid.
    assert.equal(monthlyColumnsOf(monthly, key, 2020), 2020);
    assert.equal(monthlyColumnsOf(monthly, key, 2013), 'years');
    assert.equal(monthlyGrid(monthly, key, 2013), undefined);
    assert.equal(monthlyGrid(monthly, 'retrieval/none', 'years'), undefined);
  });

  it('shades months against months, and calls the roll-up column of the row’s own year mixed', () => {
    assert.equal(cellRegion(202002, 202002, 'months', 'merge'), 'id');
    assert.equal(cellRegion(202002, 202001, 'months', 'merge'), 'backward');
    assert.equal(cellRegion(202002, 202003, 'months', 'merge'), 'forward');
    // No first-step merge for months: 2016's months are plain backward months of 2020-02.
    assert.equal(cellRegion(202002, 201602, 'months', 'merge'), 'backward');
    assert.equal(cellRegion(202002, 2020, 'rollup', 'merge'), 'mixed');
    assert.equal(cellRegion(202002, 2019, 'rollup', 'merge'), 'backward');
    assert.equal(cellRegion(202002, 2021, 'rollup', 'merge'), 'forward');
    // A yearly chain keeps the host's rule (merge: 2014 is the first step's data, ID for row 2016).
    assert.equal(cellRegion(2016, 2014, 'yearly', 'merge'), 'id');
    assert.equal(cellRegion(2016, 2014, 'yearly', 'separate'), 'backward');
  });

  it('exports a monthly matrix as CSV with YYYY-MM headers and steps', () => {
    const grid = monthlyGrid(monthly, key, 2020)!;
    const [header, first] = gridCsv(grid).split('\r\n');
    assert.equal(
      header,
      `step,${Array.from({ length: 12 }, (_, i) => `2020-${String(i + 1).padStart(2, '0')}`).join(',')}`,
    );
    assert.match(first!, /^2020-01,0\.\d+,/);
    const full = gridCsv(findMatrix(monthly, key)!).split('\r\n')[0]!.split(',');
    assert.equal(full.length, 1 + 102);
    assert.deepEqual([full[1], full[102]], ['2014-03', '2023-06']);
    // The roll-up: eval years as they are, the unevaluated 2020-03 with empty cells (never 0).
    const rollup = gridCsv(monthlyGrid(monthly, key, 'years')!).split('\r\n');
    assert.equal(rollup[0], 'step,2014,2015,2016,2017,2018,2019,2020,2021,2022,2023');
    assert.equal(rollup[3], '2020-03,,,,,,,,,,');
  });
});
