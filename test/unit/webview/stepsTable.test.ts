import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChainWire, SnapshotWire } from '../../../src/protocol/dashboardMessages';
import { buildDashboardSnapshot } from '../../../src/wire/dashboardSnapshot';
import { restoreDashboardState } from '../../../webview/dashboard/dashboardState';
import { scanWorkspace } from '../../../src/workspace/workspaceScan';
import {
  filterRows,
  formatCell,
  paramDiff,
  restoreStepsState,
  rowKey,
  sortRows,
  stepRows,
  stepsColumn,
  stepsCsv,
  transferMetrics,
  visibleColumns,
  type StepRow,
} from '../../../webview/dashboard/stepsTable';

const demo = join(__dirname, '../../../demo');
const cumulative = 'tic_medium/basic/cumulative';
const variant = 'tic_medium/basic/cumulative@datacomp_medium-basic_cumulative_2017_lr1e4';

describe('the steps table: rows, sort, filter, columns, CSV and the parameter diff', () => {
  let chains: ChainWire[];
  let rows: StepRow[];
  let metric: string;
  const row = (chain: string, step: number) => rows.find((r) => r.key === rowKey(chain, step))!;

  before(async () => {
    const workspace = await scanWorkspace(demo);
    const snapshot: SnapshotWire = await buildDashboardSnapshot({
      workspace,
      notice: null,
      firstStep: 'merge',
      activity: [],
    });
    chains = [...snapshot.chains, ...(snapshot.monthlyChains ?? [])];
    metric = transferMetrics(chains)[0]!.key;
    rows = stepRows(chains, metric);
  });

  it('has one row per step with an experiment, with its parameters, lineage and results', () => {
    // The demo: cumulative 2016–2019, its lr1e4 variant 2016–2018 (2016 inherited), sequential 2016–2018 (2016
    // shared), the monthly chain's three months; the steps not trained yet have no row.
    assert.deepEqual(
      rows.map((r) => `${r.chain.split('/').pop()} ${r.stepText}`),
      [
        'cumulative 2016',
        'cumulative 2017',
        'cumulative 2018',
        'cumulative 2019',
        'cumulative@datacomp_medium-basic_cumulative_2017_lr1e4 2016',
        'cumulative@datacomp_medium-basic_cumulative_2017_lr1e4 2017',
        'cumulative@datacomp_medium-basic_cumulative_2017_lr1e4 2018',
        'sequential 2016',
        'sequential 2017',
        'sequential 2018',
        'monthly 2020-01',
        'monthly 2020-02',
        'monthly 2020-03',
      ],
    );
    const v = row(variant, 2017).values;
    assert.equal(v.lr, 0.0001);
    assert.equal(v.globalBatch, 4096);
    assert.equal(v.gpus, 8);
    assert.equal(v.warmup, 0);
    assert.equal(v.samples, 18_432_000);
    assert.equal(v.scale, 'tic_medium');
    assert.equal(v.lineage, 'forked from cumulative 2016 (baseline)');
    assert.equal(row(variant, 2017).lineage?.fork, true);
    assert.equal(row(cumulative, 2016).values.lineage, 'from scratch');
    assert.equal(row(cumulative, 2017).titles.globalBatch, '512 per GPU × 8 GPUs × accumulation 1');
    assert.equal(v.state, 'finished · evaluated');
    // The results are the transfer table's per-step numbers of the chosen metric and ImageNet's top-1.
    const transfer = chains.find((c) => c.key === variant)!.transfer.find((t) => `${t.family}/${t.metric}` === metric)!;
    const perStep = transfer.perStep.find((p) => p.year === 2017)!;
    assert.deepEqual([v.id, v.backward, v.forward], [perStep.id, perStep.backward, perStep.forward]);
    assert.equal(typeof v.imagenet, 'number');
  });

  it('sorts numbers as numbers and text in natural order, in both directions, with missing values last', () => {
    const make = (chain: string, lr: number | null, state: string): StepRow => ({
      ...rows[0]!,
      key: rowKey(chain, 2017),
      chain,
      values: { ...rows[0]!.values, lr, state },
    });
    const few = [make('a', 1e-3, 'run 10'), make('b', null, 'run 9'), make('c', 5e-4, 'run 100'), make('d', 2e-3, '')];
    const order = (column: 'lr' | 'state', descending: boolean) =>
      sortRows(few, { column, descending }).map((r) => r.chain);
    assert.deepEqual(order('lr', false), ['c', 'a', 'd', 'b']);
    assert.deepEqual(order('lr', true), ['d', 'a', 'c', 'b']);
    assert.deepEqual(order('state', false), ['d', 'b', 'a', 'c']);
    assert.deepEqual(order('state', true), ['c', 'a', 'b', 'd']);
    assert.deepEqual(
      sortRows(few, null).map((r) => r.chain),
      ['a', 'b', 'c', 'd'],
    );
    // On the demo: the lr 1e-4 variant's own steps come first by learning rate; ties keep the table's order.
    const byLr = sortRows(rows, { column: 'lr', descending: false });
    assert.deepEqual(
      byLr.slice(0, 2).map((r) => r.key),
      [rowKey(variant, 2017), rowKey(variant, 2018)],
    );
  });

  it('filters on chain, step and any text cell, every word', () => {
    const keys = (q: string) => filterRows(rows, q).map((r) => r.key);
    assert.deepEqual(keys('LR1E4'), [rowKey(variant, 2016), rowKey(variant, 2017), rowKey(variant, 2018)]);
    assert.deepEqual(keys('forked'), [rowKey(variant, 2017)]);
    assert.deepEqual(keys('2020-02'), [
      rowKey('tic_medium/basic/sequential/monthly', 202002),
      rowKey('tic_medium/basic/sequential/monthly', 202003), // "resumed from sequential 2020-02"
    ]);
    assert.deepEqual(keys('sequential 2017'), [
      rowKey('tic_medium/basic/sequential', 2017),
      rowKey('tic_medium/basic/sequential', 2018), // "resumed from sequential 2017"
    ]);
    assert.equal(keys('  ').length, rows.length);
    assert.deepEqual(keys('no such thing'), []);
  });

  it('shows the chosen columns in table order, chain and step always', () => {
    assert.deepEqual(
      visibleColumns(null).map((c) => c.id),
      [
        'chain',
        'step',
        'state',
        'scale',
        'globalBatch',
        'gpus',
        'lr',
        'samples',
        'warmup',
        'lineage',
        'id',
        'backward',
        'forward',
        'imagenet',
      ],
    );
    assert.deepEqual(
      visibleColumns(['lr', 'model']).map((c) => c.id),
      ['chain', 'step', 'model', 'lr'],
    );
  });

  it('formats cells for people: missing as —, percentages, samples, learning rates', () => {
    assert.equal(formatCell(stepsColumn('id'), null), '—');
    assert.equal(formatCell(stepsColumn('id'), 0.2834), '28.3');
    assert.equal(formatCell(stepsColumn('samples'), 18_432_000), '18.4M');
    assert.equal(formatCell(stepsColumn('lr'), 0.0005), '5e-4');
    assert.equal(formatCell(stepsColumn('lr'), 0.00025), '2.5e-4');
    assert.equal(formatCell(stepsColumn('globalBatch'), 90112), '90,112');
    assert.equal(formatCell(stepsColumn('step'), 202001), '2020-01');
  });

  it('exports the rows and columns shown as CSV, numbers at full precision, missing cells empty', () => {
    const shown = sortRows(filterRows(rows, 'cumulative'), { column: 'lr', descending: true });
    const csv = stepsCsv(shown, visibleColumns(['lr', 'gpus', 'lineage', 'id']), metric);
    const lines = csv.trimEnd().split('\r\n');
    assert.equal(lines[0], 'chain,step,gpus,lr,resumed_from,id,transfer_metric');
    assert.equal(lines.length, 1 + shown.length);
    const first = shown[0]!;
    assert.equal(
      lines[1],
      [first.chainLabel, first.stepText, 8, 0.0005, first.values.lineage, first.values.id ?? '', metric].join(','),
    );
    const last = lines.at(-1)!.split(',');
    assert.equal(last[3], '0.0001');
    // Without transfer columns there is no metric column.
    assert.equal(stepsCsv(shown, visibleColumns([]), metric).split('\r\n')[0], 'chain,step');
  });

  it('compares two steps: only the parameters that differ, A then B', () => {
    const diff = paramDiff(row(variant, 2017).params!, row(cumulative, 2017).params!);
    assert.deepEqual(
      diff.map((d) => d.name),
      ['checkpoint_path', 'log_path', 'lr', 'name'],
    );
    // The values are params.txt's, as written (read here with plain string operations).
    const lrLine = (exp: string) =>
      readFileSync(join(demo, 'datacomp/results', exp, 'params.txt'), 'utf8')
        .split('\n')
        .find((l) => l.startsWith('lr: '))!
        .slice(4);
    assert.deepEqual(
      diff.find((d) => d.name === 'lr'),
      {
        name: 'lr',
        a: lrLine('datacomp_medium-basic_cumulative_2017_lr1e4'),
        b: lrLine('datacomp_medium-basic_cumulative_2017'),
      },
    );
    assert.deepEqual(paramDiff(row(cumulative, 2017).params!, row(cumulative, 2017).params!), []);
    assert.deepEqual(paramDiff(new Map([['a', '1']]), new Map([['b', '2']])), [
      { name: 'a', a: '1', b: null },
      { name: 'b', a: null, b: '2' },
    ]);
  });

  it('reads a saved table state back like any input', () => {
    assert.deepEqual(restoreStepsState(undefined), { columns: null, sort: null, filter: '', metric: null });
    assert.deepEqual(
      restoreStepsState({
        columns: ['lr', 'nonsense', 'lr', 7],
        sort: { column: 'gpus', descending: true },
        filter: 'lr1e4',
        metric: 'retrieval/mean_recall@1',
      }),
      {
        columns: ['lr'],
        sort: { column: 'gpus', descending: true },
        filter: 'lr1e4',
        metric: 'retrieval/mean_recall@1',
      },
    );
    // Part of the dashboard's saved state, with the tab.
    const restored = restoreDashboardState({ tab: 'steps', steps: { columns: ['model'], filter: 'lr1e4' } });
    assert.equal(restored.tab, 'steps');
    assert.deepEqual(restored.steps, { columns: ['model'], sort: null, filter: 'lr1e4', metric: null });
    assert.deepEqual(restoreStepsState({ sort: { column: '__proto__', descending: 1 }, filter: 'x'.repeat(201) }), {
      columns: null,
      sort: null,
      filter: '',
      metric: null,
    });
  });
});
