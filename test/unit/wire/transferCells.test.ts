import assert from 'node:assert/strict';
import { fullTransferCells } from '../../../src/wire/transferCells';

describe('fullTransferCells: the cells of a complete matrix, against which a summary is marked incomplete', () => {
  it('counts 7 × 7 for a continual chain in merge mode: 7 ID, 21 backward, 21 forward', () => {
    // Rows 2016…2022, columns 2016 (2014–2016 merged)…2022: the diagonal, the triangles below and above it.
    assert.deepEqual(fullTransferCells('cumulative', 'merge'), { id: 7, backward: 21, forward: 21 });
    assert.deepEqual(fullTransferCells('sequential', 'merge'), { id: 7, backward: 21, forward: 21 });
  });

  it('counts 7 × 9 in separate mode: row 2016 has 2014 and 2015 as backward, so 2 + 3 + … + 8 = 35', () => {
    assert.deepEqual(fullTransferCells('cumulative', 'separate'), { id: 7, backward: 35, forward: 21 });
  });

  it("counts the oracle's one row, 2022: everything before it is backward", () => {
    assert.deepEqual(fullTransferCells('oracle', 'merge'), { id: 1, backward: 6, forward: 0 });
    assert.deepEqual(fullTransferCells('oracle', 'separate'), { id: 1, backward: 8, forward: 0 });
  });
});
