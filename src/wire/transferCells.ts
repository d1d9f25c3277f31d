import { transferSummary, type TransferCellCounts } from '../results/transferSummary';
import { firstDataYear, lastDataYear, lastStepYear, trainingStepYears, type TicStrategy } from '../tic/ticTimeline';
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
  const values = rows.map(() => columns.map(() => 0));
  return transferSummary({ family: 'retrieval', metric: 'cells', rows, columns, values }, { firstStep }).cells;
}
