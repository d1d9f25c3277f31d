import assert from 'node:assert/strict';
import type { ChainWire, StepNodeWire, TransferWire } from '../../../src/protocol/dashboardMessages';
import { imagenetCsvRows } from '../../../webview/dashboard/imagenetTable';
import {
  commonSteps,
  findTransfer,
  incompleteCells,
  offProtocolSteps,
  stepCoverage,
  summaryOver,
  transferCsvRows,
} from '../../../webview/dashboard/transferTable';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { transferSummary } from '../../../src/results/transferSummary';
import { buildDashboardSnapshot } from '../../../src/wire/dashboardSnapshot';
import { scanWorkspace } from '../../../src/workspace/workspaceScan';
import { stepNodeWire } from '../../support/stepNodeWire';

describe('the transfer table marks a summary built from an incomplete matrix', () => {
  const summary = (over: Partial<TransferWire>): TransferWire => ({
    family: 'retrieval',
    metric: 'mean_recall@1',
    backward: 0.5,
    id: 0.6,
    forward: 0.4,
    perStep: [],
    ...over,
  });
  const full = { id: 7, backward: 21, forward: 21 };

  it('marks fewer cells than the full matrix with the counts per region', () => {
    assert.deepEqual(incompleteCells(summary({ cells: { id: 3, backward: 3, forward: 15 }, fullCells: full })), {
      present: 21,
      full: 49,
      detail: 'ID 3 of 7, backward 3 of 21, forward 15 of 21',
    });
    // One missing cell is enough.
    assert.equal(
      incompleteCells(summary({ cells: { id: 7, backward: 20, forward: 21 }, fullCells: full }))?.present,
      48,
    );
  });

  it('leaves a complete matrix, and a host that sends no counts, unmarked', () => {
    assert.equal(incompleteCells(summary({ cells: { ...full }, fullCells: full })), null);
    assert.equal(incompleteCells(summary({})), null);
  });

  it('names the steps off the protocol among the rows the summary averages', () => {
    const node = (year: number, comparable?: boolean): StepNodeWire =>
      stepNodeWire({
        year,
        experiment: comparable === undefined ? null : `/r/${year}`,
        expName: null,
        ...(comparable === undefined ? {} : { protocol: { comparable, problems: [] } }),
      });
    const chain = {
      steps: [node(2016, true), node(2017, false), node(2018, false), node(2019)],
    } as unknown as ChainWire;
    const row = (year: number, id: number | null) => ({ year, backward: null, id, forward: null });
    // 2018 has no cell: it does not weigh in the summary.
    const t = summary({ perStep: [row(2016, 0.5), row(2017, 0.4), row(2018, null)] });
    assert.deepEqual(offProtocolSteps(chain, t), [2017]);
    assert.deepEqual(offProtocolSteps(chain, summary({ perStep: [row(2016, 0.5)] })), []);
  });
});

describe('the transfer and ImageNet CSVs of a monthly chain (issue 19)', () => {
  it('write months as people read them (2020-01), years as they are', () => {
    const t: TransferWire = {
      family: 'retrieval',
      metric: 'mean_recall@1',
      backward: 0.3,
      id: 0.4,
      forward: null,
      perStep: [
        { year: 202001, backward: 0.3, id: 0.4, forward: null },
        { year: 202002, backward: null, id: null, forward: null },
      ],
    };
    const chain = (key: string, year: number) =>
      ({
        key,
        label: key,
        transfer: [{ ...t, perStep: t.perStep.map((s) => ({ ...s, year: year + (s.year - 202001) })) }],
        imagenet: [{ year, top1: 0.17, top5: null, source: 'trainingZeroShot' }],
      }) as unknown as ChainWire;
    const chains = [chain('yearly', 2017), chain('monthly', 202001)];
    assert.deepEqual(
      transferCsvRows(chains, 'retrieval/mean_recall@1').map((r) => r[1]),
      [null, '2017', '2018', null, '2020-01', '2020-02'],
    );
    assert.deepEqual(imagenetCsvRows(chains), [
      ['yearly', '2017', 0.17, null, 'trainingZeroShot'],
      ['monthly', '2020-01', 0.17, null, 'trainingZeroShot'],
    ]);
  });
});

describe('the transfer table over the steps every chain has (common steps only)', () => {
  let chains: ChainWire[];
  const key = 'retrieval/mean_recall@1';

  let root: string;
  before(async () => {
    // The demo with sequential 2018 not evaluated: sequential has 2016–2017, the cumulative chains 2016–2018.
    root = mkdtempSync(join(tmpdir(), 'tic-common-steps-'));
    cpSync(join(__dirname, '../../../demo'), root, { recursive: true });
    for (const dir of ['eval_results', 'results']) {
      const exp = join(root, 'datacomp', dir, 'datacomp_medium-basic_sequential_2018');
      rmSync(join(exp, dir === 'results' ? 'checkpoints/results.jsonl' : 'eval_results.jsonl'), { force: true });
    }
    const workspace = await scanWorkspace(root);
    const snapshot = await buildDashboardSnapshot({ workspace, notice: null, firstStep: 'merge', activity: [] });
    chains = snapshot.chains;
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  /** The host's own summary of the chain's matrix cut to `rows` (src/results, not the webview code under test). */
  function hostSummaryOver(chain: ChainWire, rows: readonly number[]) {
    const m = chain.matrices.find((x) => `${x.family}/${x.metric}` === key)!;
    const kept = m.rows.flatMap((r, i) => (rows.includes(r) ? [i] : []));
    return transferSummary(
      {
        family: 'retrieval',
        metric: m.metric,
        rows: kept.map((i) => m.rows[i]!),
        columns: m.columns,
        values: kept.map((i) => m.values[i]!),
      },
      { firstStep: 'merge' },
    );
  }

  it('counts the steps with results of each chain, "n/7 steps"', () => {
    const cumulative = chains.find((c) => c.key === 'tic_medium/basic/cumulative')!;
    const steps = findTransfer(cumulative, key)!.perStep.filter((s) => s.id !== null || s.backward !== null);
    assert.deepEqual(stepCoverage(cumulative, key), { present: steps.length, total: 7 });
    assert.ok(steps.length > 0 && steps.length < 7);
  });

  it("over all its steps equals the host's summary; over the common steps, the host's summary of those rows", () => {
    const common = commonSteps(chains, key);
    const withResults = chains.filter((c) => findTransfer(c, key));
    assert.ok(withResults.length >= 2);
    const shared = common.get(withResults[0]!.key)!;
    // The steps every yearly chain has results for.
    assert.deepEqual([...shared].sort(), [2016, 2017]);
    assert.equal(
      stepCoverage(
        chains.find((c) => c.key === 'tic_medium/basic/cumulative')!,
        key,
      ).present,
      3,
    );
    for (const chain of withResults) {
      const t = findTransfer(chain, key)!;
      const all = summaryOver(t, new Set(t.perStep.map((s) => s.year)))!;
      for (const kind of ['backward', 'id', 'forward'] as const) {
        if (t[kind] === null) assert.equal(all[kind], null);
        else assert.ok(Math.abs(all[kind]! - t[kind]!) < 1e-12, `${chain.key} ${kind}: ${all[kind]} vs ${t[kind]}`);
      }
      const restricted = summaryOver(t, shared)!;
      const expected = hostSummaryOver(chain, [...shared]);
      for (const kind of ['backward', 'id', 'forward'] as const) {
        if (expected[kind] === null) assert.equal(restricted[kind], null, `${chain.key} ${kind}`);
        else assert.ok(Math.abs(restricted[kind]! - expected[kind]!) < 1e-12, `${chain.key} ${kind}`);
      }
    }
    // The CSV's summary rows follow the toggle.
    const rows = transferCsvRows(withResults, key, common).filter((r) => r[1] === null);
    const first = hostSummaryOver(withResults[0]!, [...shared]);
    assert.ok(Math.abs((rows[0]![3] as number) - first.id!) < 1e-12);
  });

  it('gives no restricted summary when the host sent no per-step cell counts', () => {
    const t = findTransfer(
      chains.find((c) => findTransfer(c, key))!,
      key,
    )!;
    const stripped = { ...t, perStep: t.perStep.map(({ cells: _cells, ...rest }) => rest) };
    assert.equal(summaryOver(stripped, new Set([2016])), null);
  });
});
