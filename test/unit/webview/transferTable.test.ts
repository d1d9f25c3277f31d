import assert from 'node:assert/strict';
import type { ChainWire, StepNodeWire, TransferWire } from '../../../src/protocol/dashboardMessages';
import { incompleteCells, offProtocolSteps } from '../../../webview/dashboard/transferTable';
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
