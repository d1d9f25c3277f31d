import { buildCsv, type CsvCell } from '../shared/csv';
import { formatTimeStep } from '../tic/ticTimeStep';
import type { ChainResults } from '../workspace/chainResults';

/** The columns of `tic-studio results --format csv`: one row per matrix cell (contracts §3.6). */
export const resultsCsvHeader = [
  'chain',
  'strategy',
  'scale',
  'filtering',
  'step',
  'eval_step',
  'family',
  'metric',
  'value',
] as const;

/**
 * Every cell of every chain's matrices as a tidy table for pandas (`pd.read_csv(…).pivot_table(…)`): the chain's
 * label, its strategy, scale and filtering, the training step and eval step as people write them (`2017`,
 * `2020-01`), the family and metric, and the value as a fraction (empty: missing, never 0); LF line ends. A monthly chain's rows are
 * its months × the eval months. `metric` keeps only that metric's cells.
 */
export function resultsCsv(chains: readonly ChainResults[], metric?: string): string {
  const rows: CsvCell[][] = [];
  for (const chain of chains) {
    for (const matrix of chain.matrices) {
      if (metric !== undefined && matrix.metric !== metric) continue;
      matrix.rows.forEach((step, r) => {
        matrix.columns.forEach((evalStep, c) => {
          rows.push([
            chain.label,
            chain.strategy,
            chain.scale,
            chain.filtering,
            formatTimeStep(step),
            formatTimeStep(evalStep),
            matrix.family,
            matrix.metric,
            matrix.values[r]?.[c] ?? null,
          ]);
        });
      });
    }
  }
  return buildCsv(resultsCsvHeader, rows, '\n');
}
