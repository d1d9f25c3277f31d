import { firstStepYear } from '../tic/ticTimeline';
import type { ResultFamily } from './resultsMatrix';

/**
 * How the eval columns 2014, 2015 and 2016 meet the first training step, which trained on the data of all three
 * years and is called "2016" (contracts §4.2). The paper reports ID / backward / forward transfer over a T×T
 * matrix with T = 7 steps (§5), but how it folds the 9 eval years into 7 columns is not pinned (§3.6, §5 [U]), so
 * both readings are offered:
 *
 * - `merge` (the default): per row, the present cells of columns 2014, 2015, 2016 are averaged (unweighted, over
 *   the cells present) into one column "2016", giving the 7×7 matrix of the paper's protocol. Row 2016's ID is
 *   then that merged cell and the row has no backward cells; for the later rows the merged column is ONE backward
 *   cell (not three). This is the default because the first model trained on 2014–2016 data, so those years are
 *   in-distribution for it, and because it keeps every step's weight in the backward mean equal, as in a T×T
 *   matrix.
 * - `separate`: the 9 columns stay as they are; the diagonal is eval year == step year, so for row 2016 the columns
 *   2014 and 2015 count as backward, and for later rows 2014, 2015, 2016 are three backward cells.
 */
export type FirstStepMode = 'merge' | 'separate';

export const firstStepModes: readonly FirstStepMode[] = ['merge', 'separate'];

export const defaultFirstStepMode: FirstStepMode = 'merge';

export function isFirstStepMode(value: string): value is FirstStepMode {
  return (firstStepModes as readonly string[]).includes(value);
}

/** The numbers a transfer summary reads: rows = training step years, columns = eval years. */
export interface TransferGrid {
  readonly rows: readonly number[];
  readonly columns: readonly number[];
  readonly values: readonly (readonly (number | null)[])[];
}

export interface TransferCellCounts {
  readonly id: number;
  readonly backward: number;
  readonly forward: number;
}

export interface StepTransfer {
  /** The training step year (the row). */
  readonly year: number;
  /** Mean of the row's present cells in each region, null when the region has none. */
  readonly id: number | null;
  readonly backward: number | null;
  readonly forward: number | null;
  readonly cells: TransferCellCounts;
}

/** Plain data, safe to JSON.stringify. */
export interface TransferSummary {
  readonly family: ResultFamily;
  readonly metric: string;
  readonly firstStep: FirstStepMode;
  /** The eval columns the regions were read from (after the merge: 2016…2022). */
  readonly columns: readonly number[];
  /**
   * Cell averages over the whole matrix ("mean of E_ij with j < i", §5): every present cell of the region counts
   * once, whatever row it is in, so a row with more cells weighs more. Null when the region has no cell.
   */
  readonly id: number | null;
  readonly backward: number | null;
  readonly forward: number | null;
  /** The cells each mean was taken over. */
  readonly cells: TransferCellCounts;
  /** Per training step (row), in row order. */
  readonly perStep: readonly StepTransfer[];
}

export interface TransferOptions {
  /** Default `merge` (see FirstStepMode). */
  readonly firstStep?: FirstStepMode;
}

/**
 * In-distribution (eval year == step year), backward (eval years before the step) and forward (after it) transfer
 * of one matrix (contracts §5, Fig. "Proposed Dynamic Evaluation Tasks"). Missing cells are skipped.
 */
export function transferSummary(
  matrix: TransferGrid & { readonly family: ResultFamily; readonly metric: string },
  options: TransferOptions = {},
): TransferSummary {
  const firstStep = options.firstStep ?? defaultFirstStepMode;
  const grid = foldFirstStep(matrix, firstStep);
  const total = { id: new Mean(), backward: new Mean(), forward: new Mean() };
  const perStep = grid.rows.map((year, r): StepTransfer => {
    const row = { id: new Mean(), backward: new Mean(), forward: new Mean() };
    grid.columns.forEach((column, c) => {
      const value = grid.values[r]?.[c] ?? null;
      // Matrices never hold NaN (resultsMatrix.ts); a hand-made grid is held to the same rule.
      if (value === null || !Number.isFinite(value)) return;
      const region = column === year ? 'id' : column < year ? 'backward' : 'forward';
      row[region].add(value);
      total[region].add(value);
    });
    return {
      year,
      id: row.id.value(),
      backward: row.backward.value(),
      forward: row.forward.value(),
      cells: { id: row.id.count, backward: row.backward.count, forward: row.forward.count },
    };
  });
  return {
    family: matrix.family,
    metric: matrix.metric,
    firstStep,
    columns: grid.columns,
    id: total.id.value(),
    backward: total.backward.value(),
    forward: total.forward.value(),
    cells: { id: total.id.count, backward: total.backward.count, forward: total.forward.count },
    perStep,
  };
}

/**
 * The grid the regions are read from: in `merge` mode the columns up to 2016 are replaced by one column 2016
 * holding, per row, the mean of their present cells (null when none is present); in `separate` mode the grid as
 * given. Columns stay in their order.
 */
export function foldFirstStep(grid: TransferGrid, mode: FirstStepMode): TransferGrid {
  const merged = grid.columns.map((c, i) => ({ c, i })).filter(({ c }) => c <= firstStepYear);
  if (mode === 'separate' || merged.length === 0) {
    return { rows: [...grid.rows], columns: [...grid.columns], values: grid.values.map((row) => [...row]) };
  }
  const kept = grid.columns.map((c, i) => ({ c, i })).filter(({ c }) => c > firstStepYear);
  return {
    rows: [...grid.rows],
    columns: [firstStepYear, ...kept.map(({ c }) => c)],
    values: grid.values.map((row) => {
      const first = new Mean();
      for (const { i } of merged) {
        const v = row[i] ?? null;
        if (v !== null && Number.isFinite(v)) first.add(v);
      }
      return [first.value(), ...kept.map(({ i }) => row[i] ?? null)];
    }),
  };
}

class Mean {
  private sum = 0;
  count = 0;
  add(value: number): void {
    this.sum += value;
    this.count++;
  }
  value(): number | null {
    return this.count === 0 ? null : this.sum / this.count;
  }
}
