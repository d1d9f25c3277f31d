import { firstStepYear } from '../tic/ticTimeline';
import { transferRegion, type FirstStepMode } from '../tic/transferRegion';
import type { ResultFamily } from './resultsMatrix';

/** The modes, for settings and the CLI (what each means: src/tic/transferRegion.ts). */
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
      // The grid is folded already: the columns are compared as they are.
      const region = transferRegion(year, column, 'separate');
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
