import assert from 'node:assert/strict';
import type { TransferWire } from '../../../src/protocol/dashboardMessages';
import { incompleteCells } from '../../../webview/dashboard/transferTable';

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
});
