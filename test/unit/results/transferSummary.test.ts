import assert from 'node:assert/strict';
import {
  defaultFirstStepMode,
  foldFirstStep,
  isFirstStepMode,
  transferSummary,
  type StepTransfer,
  type TransferGrid,
} from '../../../src/results/transferSummary';

/** Equal within float noise; null only equals null. */
function near(actual: number | null, expected: number | null, what: string): void {
  if (expected === null || actual === null) {
    assert.equal(actual, expected, what);
    return;
  }
  assert.ok(Math.abs(actual - expected) < 1e-12, `${what}: ${actual} != ${expected}`);
}

function nearStep(actual: StepTransfer | undefined, expected: Omit<StepTransfer, 'cells'>, cells: number[]): void {
  assert.ok(actual);
  assert.equal(actual.year, expected.year);
  near(actual.backward, expected.backward, `${expected.year} backward`);
  near(actual.id, expected.id, `${expected.year} id`);
  near(actual.forward, expected.forward, `${expected.year} forward`);
  assert.deepEqual([actual.cells.backward, actual.cells.id, actual.cells.forward], cells, `${expected.year} cells`);
}

/**
 * Three steps × the eval years 2014–2018, with holes:
 *
 *          2014  2015  2016  2017  2018
 *   2016   0.30  0.40  0.50  0.20    ·
 *   2017   0.10    ·   0.30  0.60  0.40
 *   2018     ·     ·     ·   0.50  0.80
 */
const small = {
  family: 'retrieval' as const,
  metric: 'mean_recall@1',
  rows: [2016, 2017, 2018],
  columns: [2014, 2015, 2016, 2017, 2018],
  values: [
    [0.3, 0.4, 0.5, 0.2, null],
    [0.1, null, 0.3, 0.6, 0.4],
    [null, null, null, 0.5, 0.8],
  ],
};

describe('transfer summary (contracts §5): backward / ID / forward over the matrix', () => {
  it('merges the first step by default', () => {
    assert.equal(defaultFirstStepMode, 'merge');
    assert.equal(transferSummary(small).firstStep, 'merge');
    assert.ok(isFirstStepMode('separate'));
    assert.ok(!isFirstStepMode('sum'));
  });

  it('separate: 2014 and 2015 are backward for step 2016; cell means over the whole matrix', () => {
    const t = transferSummary(small, { firstStep: 'separate' });
    assert.deepEqual(t.columns, [2014, 2015, 2016, 2017, 2018]);
    // Backward cells: 0.30, 0.40 (row 2016); 0.10, 0.30 (row 2017); 0.50 (row 2018) → 1.60 / 5.
    near(t.backward, 1.6 / 5, 'backward');
    // The diagonal: 0.50, 0.60, 0.80 → 1.90 / 3.
    near(t.id, 1.9 / 3, 'id');
    // Forward cells: 0.20 (row 2016), 0.40 (row 2017) → 0.60 / 2.
    near(t.forward, 0.3, 'forward');
    assert.deepEqual(t.cells, { backward: 5, id: 3, forward: 2 });
    // The cell mean (0.32) is not the mean of the row means (0.35, 0.20, 0.50 → 0.35).
    assert.ok(Math.abs(t.backward! - 0.35) > 0.01);
    nearStep(t.perStep[0], { year: 2016, backward: 0.35, id: 0.5, forward: 0.2 }, [2, 1, 1]);
    nearStep(t.perStep[1], { year: 2017, backward: 0.2, id: 0.6, forward: 0.4 }, [2, 1, 1]);
    nearStep(t.perStep[2], { year: 2018, backward: 0.5, id: 0.8, forward: null }, [1, 1, 0]);
  });

  it('merge: 2014–2016 averaged per row into one 2016 column, the ID of step 2016 and one backward cell after', () => {
    // Merged column: row 2016 (0.30 + 0.40 + 0.50) / 3 = 0.40; row 2017 (0.10 + 0.30) / 2 = 0.20; row 2018 none.
    const folded = foldFirstStep(small, 'merge');
    assert.deepEqual(folded.columns, [2016, 2017, 2018]);
    near(folded.values[0]![0]!, 0.4, 'merged 2016');
    near(folded.values[1]![0]!, 0.2, 'merged 2017');
    assert.equal(folded.values[2]![0], null);
    assert.deepEqual(folded.values[2], [null, 0.5, 0.8]);

    const t = transferSummary(small, { firstStep: 'merge' });
    assert.deepEqual(t.columns, [2016, 2017, 2018]);
    // Backward: 0.20 (row 2017's merged cell), 0.50 (row 2018, 2017) → 0.70 / 2; row 2016 has none.
    near(t.backward, 0.35, 'backward');
    // ID: 0.40, 0.60, 0.80.
    near(t.id, 0.6, 'id');
    // Forward: 0.20 (row 2016, 2017), 0.40 (row 2017, 2018).
    near(t.forward, 0.3, 'forward');
    assert.deepEqual(t.cells, { backward: 2, id: 3, forward: 2 });
    nearStep(t.perStep[0], { year: 2016, backward: null, id: 0.4, forward: 0.2 }, [0, 1, 1]);
    nearStep(t.perStep[1], { year: 2017, backward: 0.2, id: 0.6, forward: 0.4 }, [1, 1, 1]);
    nearStep(t.perStep[2], { year: 2018, backward: 0.5, id: 0.8, forward: null }, [1, 1, 0]);
  });

  it('leaves the grid as it is in separate mode', () => {
    assert.deepEqual(foldFirstStep(small, 'separate'), {
      rows: small.rows,
      columns: small.columns,
      values: small.values,
    });
  });

  it('gives null, over zero cells, for an all-missing matrix, in both modes', () => {
    const empty = { ...small, values: small.values.map((r) => r.map(() => null)) };
    for (const firstStep of ['merge', 'separate'] as const) {
      const t = transferSummary(empty, { firstStep });
      assert.deepEqual([t.backward, t.id, t.forward, t.cells], [null, null, null, { backward: 0, id: 0, forward: 0 }]);
      assert.deepEqual(
        t.perStep.map((s) => [s.year, s.backward, s.id, s.forward]),
        [
          [2016, null, null, null],
          [2017, null, null, null],
          [2018, null, null, null],
        ],
      );
    }
  });

  it('reads an oracle row 2022 over all nine eval years: six backward cells merged, eight separate', () => {
    // 2014…2022 = 0.1, 0.2, …, 0.9.
    const oracle: TransferGrid & { family: 'datacompnet'; metric: string } = {
      family: 'datacompnet',
      metric: 'acc1',
      rows: [2022],
      columns: [2014, 2015, 2016, 2017, 2018, 2019, 2020, 2021, 2022],
      values: [[0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]],
    };
    const merged = transferSummary(oracle);
    // Merged 2016 = 0.2; backward = (0.2 + 0.4 + 0.5 + 0.6 + 0.7 + 0.8) / 6 = 3.2 / 6.
    near(merged.backward, 3.2 / 6, 'merged backward');
    near(merged.id, 0.9, 'merged id');
    assert.equal(merged.forward, null);
    assert.deepEqual(merged.cells, { backward: 6, id: 1, forward: 0 });
    const separate = transferSummary(oracle, { firstStep: 'separate' });
    // (0.1 + … + 0.8) / 8 = 3.6 / 8.
    near(separate.backward, 3.6 / 8, 'separate backward');
    assert.deepEqual(separate.cells, { backward: 8, id: 1, forward: 0 });
  });

  it('skips a non-finite cell of a hand-made grid like a missing one', () => {
    const grid = { ...small, values: [[NaN, 0.4, 0.5, Infinity, null], small.values[1]!, small.values[2]!] };
    const t = transferSummary(grid, { firstStep: 'separate' });
    nearStep(t.perStep[0], { year: 2016, backward: 0.4, id: 0.5, forward: null }, [1, 1, 0]);
    near(foldFirstStep(grid, 'merge').values[0]![0]!, 0.45, 'merged without NaN');
  });
});
