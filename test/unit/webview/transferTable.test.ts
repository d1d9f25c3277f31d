import assert from 'node:assert/strict';
import type { ChainWire, StepNodeWire, TransferWire } from '../../../src/protocol/dashboardMessages';
import { imagenetCsvRows } from '../../../webview/dashboard/imagenetTable';
import { incompleteCells, offProtocolSteps, transferCsvRows } from '../../../webview/dashboard/transferTable';
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
