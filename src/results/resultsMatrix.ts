import { firstDataYear, lastDataYear } from '../tic/ticTimeline';
import { latestEvalRecords, type EvalRecord } from '../formats/evalResultsJsonl';
import { ticMonths, yearOfMonth } from '../tic/ticMonths';
import type { TicTimescale } from '../tic/ticTimeStep';

/**
 * The training-step × eval-year matrix of one chain (contracts §3.6): no upstream code builds it, so it is
 * assembled here from one evaluate.py output per training step. Row = training step year (2016 covers the data
 * of 2014–2016, §4.2), column = the `YYYY` of a yearly TiC-DataComp task key (§3.4), 2014…2022.
 *
 * Values are the fractions evaluate.py wrote (0–1, not percent). A cell with nothing to show is `null`, never 0:
 * no eval for that step, no record for that year, the metric absent, Python's `None`, or a non-finite number
 * (NaN/Infinity from a diverged model, which `parsePythonJson` keeps as numbers) — averaging NaN into the transfer
 * means would poison them, and 0 would read as a real, terrible score.
 *
 * A monthly chain's matrix (contracts §3.6) has its months as rows and the 102 eval months of the monthly tasks
 * (`tic/datacomp/{family}/monthly/YYYYMM`, §3.4) as columns; its yearly roll-up (yearlyRollup) averages the months
 * of each eval year, so it can sit next to a yearly chain's matrix.
 */
export type ResultFamily = 'retrieval' | 'datacompnet';

export interface ResultFamilySpec {
  readonly family: ResultFamily;
  /** The task's `name` prefix (§3.4), for people. */
  readonly label: string;
  /** The family's `main_metric` (§3.4, §3.6) first, then the other metrics kept in matrices. */
  readonly metrics: readonly string[];
}

/** Yearly TiC-DataComp task families and their metrics (contracts §3.3–3.4); the first metric is the main one. */
export const resultFamilies: readonly ResultFamilySpec[] = [
  {
    family: 'retrieval',
    label: 'TiC-DataComp-Retrieval',
    metrics: [
      'mean_recall@1',
      'image_retrieval_recall@1',
      'image_retrieval_recall@5',
      'image_retrieval_recall@10',
      'text_retrieval_recall@1',
      'text_retrieval_recall@5',
      'text_retrieval_recall@10',
    ],
  },
  { family: 'datacompnet', label: 'TiC-DataCompNet', metrics: ['acc1', 'acc5'] },
];

/** Eval years, the matrix columns: 2014…2022 (`YEARS = range(2014, 2023)`, §3.4). */
export const evalYears: readonly number[] = Array.from(
  { length: lastDataYear - firstDataYear + 1 },
  (_, i) => firstDataYear + i,
);

/** One training step's evaluation, the input of one matrix row. */
export interface MatrixRowInput {
  /** The training step year (the row). */
  readonly year: number;
  /** The evaluate.py output dir the records were read from; null for a step without an eval. */
  readonly evalDir: string | null;
  /** That dir's eval_results.jsonl records, in file order (a key written twice: the last one wins). */
  readonly records: readonly EvalRecord[];
}

/** Plain data, safe to JSON.stringify. */
export interface ResultsMatrix {
  readonly family: ResultFamily;
  readonly metric: string;
  /** Whether `metric` is the family's main metric. */
  readonly main: boolean;
  /** The columns' timescale: eval years, or eval months (`YYYYMM`) for a monthly chain's matrix. */
  readonly timescale: TicTimescale;
  /** Training steps in the chain's order: years, or months (`YYYYMM`) for a monthly chain. */
  readonly rows: readonly number[];
  /** Eval years 2014…2022; eval months 201403…202306 (the 102 TiC months); a roll-up's eval years 2014…2023. */
  readonly columns: readonly number[];
  /** `values[row][column]`: a fraction, or null when missing (never 0, never NaN). */
  readonly values: readonly (readonly (number | null)[])[];
  /** Per row: the eval dir its values came from (null: the step has no eval). */
  readonly evalDirs: readonly (string | null)[];
  /** How many cells hold a value. */
  readonly cells: number;
}

/** The spec of `family`. */
export function familySpec(family: ResultFamily): ResultFamilySpec {
  return resultFamilies.find((f) => f.family === family)!;
}

/**
 * One matrix. Only `tic/datacomp/{family}/yearly/YYYY` records count (for `monthly`:
 * `tic/datacomp/{family}/monthly/YYYYMM`); the other timescale's keys, other TiC datasets and stock DataComp tasks
 * are ignored here, as are periods outside the columns. For the family's main metric a record without the named
 * metric falls back to its `main_metric` (which evaluate.py sets to that metric, §3.4).
 */
export function buildResultsMatrix(
  rows: readonly MatrixRowInput[],
  family: ResultFamily,
  metric: string,
  timescale: TicTimescale = 'yearly',
): ResultsMatrix {
  const main = familySpec(family).metrics[0] === metric;
  const columns = timescale === 'monthly' ? ticMonths : evalYears;
  let cells = 0;
  const values = rows.map((row) => {
    const out: (number | null)[] = columns.map(() => null);
    for (const record of recordsOf(row.records, family, timescale)) {
      const column = columns.indexOf(Number(record.task!.period));
      if (column < 0) continue;
      const value = cellValue(record, metric, main);
      out[column] = value;
    }
    cells += out.filter((v) => v !== null).length;
    return out;
  });
  return {
    family,
    metric,
    main,
    timescale,
    rows: rows.map((r) => r.year),
    columns: [...columns],
    values,
    evalDirs: rows.map((r) => r.evalDir),
    cells,
  };
}

/**
 * Every matrix worth showing: the main metric of each family always (all-null when nothing was evaluated, so a
 * view has its grid), the other metrics only when at least one cell holds a value. In `resultFamilies` order.
 */
export function buildResultsMatrices(
  rows: readonly MatrixRowInput[],
  timescale: TicTimescale = 'yearly',
): ResultsMatrix[] {
  const out: ResultsMatrix[] = [];
  for (const spec of resultFamilies) {
    for (const metric of spec.metrics) {
      const matrix = buildResultsMatrix(rows, spec.family, metric, timescale);
      if (matrix.main || matrix.cells > 0) out.push(matrix);
    }
  }
  return out;
}

/** A finite number, else null (NaN, ±Infinity and null all mean "no value"). */
export function finiteOrNull(value: number | null | undefined): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/**
 * The yearly roll-up of a monthly matrix: the same rows, one column per calendar year of the eval months
 * (2014…2023), each cell the unweighted mean of that row's present months of the year (null when none is present).
 */
export function yearlyRollup(matrix: ResultsMatrix): ResultsMatrix {
  const years = [...new Set(matrix.columns.map(yearOfMonth))];
  let cells = 0;
  const values = matrix.values.map((row) =>
    years.map((year) => {
      let sum = 0;
      let count = 0;
      matrix.columns.forEach((month, i) => {
        const v = row[i] ?? null;
        if (yearOfMonth(month) === year && v !== null) {
          sum += v;
          count++;
        }
      });
      if (count === 0) return null;
      cells++;
      return sum / count;
    }),
  );
  return { ...matrix, timescale: 'yearly', columns: years, values, cells };
}

function recordsOf(records: readonly EvalRecord[], family: ResultFamily, timescale: TicTimescale): EvalRecord[] {
  return latestEvalRecords(records).filter(
    (r) =>
      r.task !== null && r.task.dataset === 'datacomp' && r.task.family === family && r.task.timescale === timescale,
  );
}

function cellValue(record: EvalRecord, metric: string, main: boolean): number | null {
  const named = record.metrics[metric];
  if (named !== undefined) return finiteOrNull(named);
  return main ? finiteOrNull(record.mainMetric) : null;
}
