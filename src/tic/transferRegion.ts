import { firstDataYear, firstStepYear } from './ticTimeline';

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

/** Where a cell of the step × eval-year matrix counts: on the diagonal, before it, or after it. */
export type TransferRegion = 'id' | 'backward' | 'forward';

/** The eval column a cell counts in: in `merge` mode the first step's data years are its one column 2016. */
export function regionColumn(evalYear: number, mode: FirstStepMode): number {
  return mode === 'merge' && evalYear >= firstDataYear && evalYear <= firstStepYear ? firstStepYear : evalYear;
}

/**
 * The one rule for the host's transfer summary and the dashboard's heatmap: in-distribution when the (merged) eval
 * column is the step's year, backward before it, forward after it.
 */
export function transferRegion(stepYear: number, evalYear: number, mode: FirstStepMode): TransferRegion {
  const column = regionColumn(evalYear, mode);
  return column === stepYear ? 'id' : column < stepYear ? 'backward' : 'forward';
}

/** Whether the cell is data the first (merged) step trained on: row 2016, columns 2014–2016. */
export function isFirstStepData(stepYear: number, evalYear: number): boolean {
  return stepYear === firstStepYear && evalYear >= firstDataYear && evalYear <= firstStepYear;
}
