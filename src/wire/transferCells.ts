import { transferSummary, type TransferCellCounts } from '../results/transferSummary';
import { firstDataYear, lastDataYear, lastStepYear, trainingStepYears, type TicStrategy } from '../tic/ticTimeline';
import { ticMonths } from '../tic/ticMonths';
import type { FirstStepMode } from '../tic/transferRegion';

/**
 * The cells of a chain's full matrix per transfer region: every training step the strategy has (the oracle's one,
 * 2022; a continual chain's seven) × every eval year 2014…2022, folded as the summaries are (merge: 7 × 7, 49
 * cells). A summary over fewer cells is built from an incomplete matrix and does not compare with the paper's
 * (contracts §5). Counted by summarising a full grid, so the fold is the summaries' own.
 */
export function fullTransferCells(strategy: TicStrategy, firstStep: FirstStepMode): TransferCellCounts {
  const rows = strategy === 'oracle' ? [lastStepYear] : [...trainingStepYears];
  const columns = Array.from({ length: lastDataYear - firstDataYear + 1 }, (_, i) => firstDataYear + i);
  return fullCells(rows, columns, firstStep);
}

/**
 * The full matrix of a monthly chain: every month it has a step for (its first to its last month, contracts
 * §1.8) × the 102 eval months, in `separate` mode (the first-step merge is a yearly rule: a month is its own ID).
 * There is no published monthly protocol, so this says only whether the chain's own matrix is complete.
 */
export function fullMonthlyTransferCells(months: readonly number[]): TransferCellCounts {
  return fullCells(months, ticMonths, 'separate');
}

function fullCells(rows: readonly number[], columns: readonly number[], firstStep: FirstStepMode): TransferCellCounts {
  const values = rows.map(() => columns.map(() => 0));
  return transferSummary({ family: 'retrieval', metric: 'cells', rows, columns, values }, { firstStep }).cells;
}
