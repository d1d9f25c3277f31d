import type { ChainWire, MatrixWire } from '../../src/protocol/dashboardMessages';
import { buildCsv, type CsvCell } from '../shared/csv';

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

/** A matrix as CSV: header `step,2014,…`, then a row per step with the raw fractions (missing: empty). */
export function gridCsv(grid: Grid): string {
  const rows = grid.rows.map((r, i): CsvCell[] => [r, ...grid.columns.map((_, j) => grid.values[i]?.[j] ?? null)]);
  return buildCsv(['step', ...grid.columns.map(String)], rows);
}
