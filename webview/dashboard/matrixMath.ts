import type { ChainWire, FirstStepModeWire, MatrixWire } from '../../src/protocol/dashboardMessages';
import { yearOfMonth } from '../../src/tic/ticMonths';
import { formatTimeStep } from '../../src/tic/ticTimeStep';
import { transferRegion } from '../../src/tic/transferRegion';
import { buildCsv, type CsvCell } from '../../src/shared/csv';

export interface MetricOption {
  /** `family/metric`, the value kept in the state and the select. */
  key: string;
  family: string;
  metric: string;
}

export function metricKey(family: string, metric: string): string {
  return `${family}/${metric}`;
}

/** The metrics any chain has a matrix of, in the order the host lists them (main metric first). */
export function metricOptions(chains: readonly ChainWire[]): MetricOption[] {
  const seen = new Map<string, MetricOption>();
  for (const chain of chains)
    for (const m of chain.matrices) {
      const key = metricKey(m.family, m.metric);
      if (!seen.has(key)) seen.set(key, { key, family: m.family, metric: m.metric });
    }
  return [...seen.values()];
}

export function findMatrix(chain: ChainWire, key: string): MatrixWire | undefined {
  return chain.matrices.find((m) => metricKey(m.family, m.metric) === key);
}

export interface Grid {
  rows: number[];
  columns: number[];
  values: (number | null)[][];
}

/** A − B per cell over the union of rows and columns; a cell is null when either side is missing. */
export function differenceGrid(a: Grid, b: Grid): Grid {
  const rows = [...new Set([...a.rows, ...b.rows])].sort((x, y) => x - y);
  const columns = [...new Set([...a.columns, ...b.columns])].sort((x, y) => x - y);
  const at = (g: Grid, r: number, c: number): number | null => {
    const i = g.rows.indexOf(r);
    const j = g.columns.indexOf(c);
    return i < 0 || j < 0 ? null : (g.values[i]?.[j] ?? null);
  };
  return {
    rows,
    columns,
    values: rows.map((r) =>
      columns.map((c) => {
        const va = at(a, r, c);
        const vb = at(b, r, c);
        return va === null || vb === null ? null : va - vb;
      }),
    ),
  };
}

/** Smallest and largest present value over the grids, or null when there is none. */
export function valueRange(grids: readonly Grid[]): { min: number; max: number } | null {
  let min = Infinity;
  let max = -Infinity;
  for (const g of grids)
    for (const row of g.values)
      for (const v of row)
        if (v !== null && Number.isFinite(v)) {
          if (v < min) min = v;
          if (v > max) max = v;
        }
  return min <= max ? { min, max } : null;
}

/** A fraction (as evaluate.py writes it) as a percentage with one decimal; null is "—", never 0. */
export function formatPercent(v: number | null): string {
  return v === null || !Number.isFinite(v) ? '—' : (v * 100).toFixed(1);
}

/** A difference of fractions in percentage points, signed: +1.2, −0.8, 0.0. */
export function formatSignedPoints(v: number | null): string {
  if (v === null || !Number.isFinite(v)) return '—';
  const text = (Math.abs(v) * 100).toFixed(1);
  if (Number(text) === 0) return '0.0';
  return `${v > 0 ? '+' : '\u2212'}${text}`;
}

/**
 * A matrix as CSV: header `step,2014,…`, then a row per step with the raw fractions (missing: empty). Months are
 * written as people read them, `2020-01`, in the header and the step column alike.
 */
export function gridCsv(grid: Grid): string {
  const rows = grid.rows.map((r, i): CsvCell[] => [
    formatTimeStep(r),
    ...grid.columns.map((_, j) => grid.values[i]?.[j] ?? null),
  ]);
  return buildCsv(['step', ...grid.columns.map(formatTimeStep)], rows);
}

// ---------------------------------------------------------------------------------------------------------------
// Monthly chains (issue 19): rows are months, the full matrix has the 102 eval months as columns. It is shown as
// its yearly roll-up (the host's mean of each eval year's months) and, on demand, one eval year's months.

/** What a monthly chain's heatmap shows: the yearly roll-up, or the months of one eval year. */
export type MonthlyColumns = 'years' | number;

export function findRollup(chain: ChainWire, key: string): MatrixWire | undefined {
  return chain.rollup?.find((m) => metricKey(m.family, m.metric) === key);
}

/** The eval years a monthly chain's matrix has months of (the years one can drill into), in order. */
export function drillYears(chain: ChainWire, key: string): number[] {
  const m = findMatrix(chain, key);
  return m ? [...new Set(m.columns.map(yearOfMonth))].sort((a, b) => a - b) : [];
}

/**
 * The grid a monthly chain's heatmap shows for one metric: the roll-up (rows: months, columns: eval years), or the
 * months of one eval year cut out of the full matrix (columns in the matrix's order). Undefined when the chain has
 * no such matrix (or no roll-up of it), or the year has no month among the columns.
 */
export function monthlyGrid(chain: ChainWire, key: string, columns: MonthlyColumns): Grid | undefined {
  if (columns === 'years') return findRollup(chain, key);
  const m = findMatrix(chain, key);
  if (!m) return undefined;
  const picked = m.columns.map((c, j) => ({ c, j })).filter(({ c }) => yearOfMonth(c) === columns);
  if (picked.length === 0) return undefined;
  return {
    rows: [...m.rows],
    columns: picked.map(({ c }) => c),
    values: m.rows.map((_, i) => picked.map(({ j }) => m.values[i]?.[j] ?? null)),
  };
}

/** How a heatmap's columns relate to its rows: eval years of a yearly chain, eval months, or a roll-up's years. */
export type GridKind = 'yearly' | 'months' | 'rollup';

/**
 * Where a cell counts: in-distribution, backward, forward, or (roll-up only) `mixed`.
 *
 * - `yearly`: the host's rule (src/tic/transferRegion.ts), with the first-step mode.
 * - `months`: months compare as months: ID = the row's own month, backward = earlier months, forward = later ones
 *   (the first-step merge is a yearly rule; the host's monthly transfer uses `separate` too).
 * - `rollup`: a row is a month, a column the mean of a whole eval year. Columns of earlier years hold only earlier
 *   months (backward), later years only later months (forward); the row's own year holds its ID month together
 *   with the months before and after it, so it is `mixed`. Calling that cell ID would make a mean that is mostly
 *   backward and forward months read as in-distribution accuracy; it is marked apart (dashed) and named mixed.
 */
export type CellRegion = 'id' | 'backward' | 'forward' | 'mixed';

export function cellRegion(row: number, column: number, kind: GridKind, mode: FirstStepModeWire): CellRegion {
  if (kind === 'yearly') return transferRegion(row, column, mode);
  if (kind === 'months') return transferRegion(row, column, 'separate');
  const year = yearOfMonth(row);
  return column === year ? 'mixed' : column < year ? 'backward' : 'forward';
}

/**
 * The columns a monthly chain shows after a saved choice: the roll-up unless the saved year is one it has months
 * of (a year that is no longer there falls back to the roll-up).
 */
export function monthlyColumnsOf(chain: ChainWire, key: string, saved: number | undefined): MonthlyColumns {
  return saved !== undefined && drillYears(chain, key).includes(saved) ? saved : 'years';
}
