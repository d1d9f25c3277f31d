import { firstTicMonth, formatMonth, isTicMonth, lastTicMonth, yearOfMonth } from '../../src/tic/ticMonths';
import type { XRange } from '../shared/zoomRange';

/**
 * The timeline's month axis: one column per calendar month from 2014-03 to 2023-06 (the first and last TiC months,
 * src/tic/ticMonths.ts). The 102 TiC months are columns that steps can stand in; the 10 calendar months without
 * TiC data (2014-05, 2014-06, …, 2022-02…04) are gap columns, drawn as gaps and never as steps. A visible range
 * is an `XRange` over column edges (column i spans [i, i + 1]), so the shared zoom helpers work on it.
 */
export interface MonthColumn {
  /** `YYYYMM`. */
  readonly month: number;
  /** Its place on the axis (0 = 2014-03). */
  readonly index: number;
  /** No TiC data for this month: a gap. */
  readonly gap: boolean;
}

const serial = (month: number): number => yearOfMonth(month) * 12 + ((month % 100) - 1);
const fromSerial = (s: number): number => Math.floor(s / 12) * 100 + (s % 12) + 1;

/** Every calendar month from the first TiC month to the last, gaps included. */
export const monthColumns: readonly MonthColumn[] = Object.freeze(
  Array.from({ length: serial(lastTicMonth) - serial(firstTicMonth) + 1 }, (_, index) => {
    const month = fromSerial(serial(firstTicMonth) + index);
    return Object.freeze({ month, index, gap: !isTicMonth(month) });
  }),
);

/** The whole axis as a range: what "all months" shows. */
export const monthExtent: XRange = Object.freeze({ x0: 0, x1: monthColumns.length });

/** The column of a `YYYYMM` month, or -1 for a month off the axis (or no month at all). */
export function monthColumnIndex(month: number): number {
  const m = month % 100;
  if (!Number.isInteger(month) || m < 1 || m > 12) return -1;
  const i = serial(month) - serial(firstTicMonth);
  return i >= 0 && i < monthColumns.length ? i : -1;
}

/** Columns fewer than this are not zoomed into: a month node needs some company to read as a timeline. */
export const minMonthColumns = 3;

/**
 * A range snapped to whole columns, at least `minMonthColumns` wide and inside the axis; null when it covers every
 * column (the whole axis is "no zoom", as in zoomRange).
 */
export function snapMonthRange(range: XRange | null): XRange | null {
  if (range === null || !Number.isFinite(range.x0) || !Number.isFinite(range.x1)) return null;
  const n = monthColumns.length;
  let a = Math.round(Math.min(range.x0, range.x1));
  let b = Math.round(Math.max(range.x0, range.x1));
  if (b - a < minMonthColumns) {
    const c = Math.round((a + b) / 2);
    a = c - Math.floor(minMonthColumns / 2);
    b = a + minMonthColumns;
  }
  if (a < 0) [a, b] = [0, b - a];
  if (b > n) [a, b] = [Math.max(0, a - (b - n)), n];
  return a <= 0 && b >= n ? null : { x0: a, x1: b };
}

/** The columns a range shows (all of them for null). */
export function visibleMonthColumns(range: XRange | null): MonthColumn[] {
  const r = snapMonthRange(range);
  return r === null ? [...monthColumns] : monthColumns.slice(r.x0, r.x1);
}

/**
 * The range the month section opens on: the months the chains cover, `context` months either side, widened to
 * `minColumns` around them where that is narrow; null (every month) when no chain has a month on the axis.
 */
export function defaultMonthRange(months: readonly number[], context = 3, minColumns = 9): XRange | null {
  const cols = months.map(monthColumnIndex).filter((i) => i >= 0);
  if (cols.length === 0) return null;
  let a = Math.min(...cols) - context;
  let b = Math.max(...cols) + 1 + context;
  if (b - a < minColumns) {
    const extra = minColumns - (b - a);
    a -= Math.floor(extra / 2);
    b += Math.ceil(extra / 2);
  }
  return snapMonthRange({ x0: a, x1: b });
}

/** Above this many visible columns the month axis is dense: labels per year, nodes without words. */
export const denseMonthColumns = 14;

/** The width a month column needs for a node with words (`2020-01`, its state), in CSS pixels. */
export const roomyMonthPx = 72;

/**
 * Whether the months in view are too many for nodes with words: more than `denseMonthColumns`, or, when the
 * width the month columns get is known (pixels, beside the lane labels), less than `columnPx` each.
 */
export function isDenseMonthView(
  columns: readonly MonthColumn[],
  widthPx: number | null = null,
  columnPx = roomyMonthPx,
): boolean {
  if (columns.length > denseMonthColumns) return true;
  return widthPx !== null && widthPx > 0 && columns.length * columnPx > widthPx;
}

/** A year's stretch of the visible columns, for the axis' year row. */
export interface MonthYearSpan {
  readonly year: number;
  /** Offsets into the visible columns, `to` exclusive. */
  readonly from: number;
  readonly to: number;
}

/** The visible columns grouped by year, in order. */
export function monthYearSpans(columns: readonly MonthColumn[]): MonthYearSpan[] {
  const spans: MonthYearSpan[] = [];
  columns.forEach((c, i) => {
    const year = yearOfMonth(c.month);
    const last = spans[spans.length - 1];
    if (last && last.year === year) spans[spans.length - 1] = { ...last, to: i + 1 };
    else spans.push({ year, from: i, to: i + 1 });
  });
  return spans;
}

/** What the month row shows under a column: its words, if any, and whether it starts a year (a longer tick). */
export interface MonthTick {
  readonly label: string | null;
  readonly major: boolean;
}

/**
 * The month row of the axis: while the view is roomy every month is labelled with its number (`01`…`12`, the year
 * row above names the year); when dense the months are ticks without words, the first visible month of each year
 * a major one, and the year row alone carries labels (one per year).
 */
export function monthTicks(columns: readonly MonthColumn[], dense = isDenseMonthView(columns)): MonthTick[] {
  return columns.map((c, i) => {
    const major = i === 0 || yearOfMonth(columns[i - 1]!.month) !== yearOfMonth(c.month);
    return { label: dense ? null : String(c.month % 100).padStart(2, '0'), major };
  });
}

/** A run of consecutive gap columns in view: one band, one sentence. */
export interface MonthGapRun {
  /** Offsets into the visible columns, `to` exclusive. */
  readonly from: number;
  readonly to: number;
  readonly months: readonly number[];
}

/** The gaps in view, each run of neighbouring gap months as one. */
export function monthGapRuns(columns: readonly MonthColumn[]): MonthGapRun[] {
  const runs: MonthGapRun[] = [];
  columns.forEach((c, i) => {
    if (!c.gap) return;
    const last = runs[runs.length - 1];
    if (last && last.to === i) runs[runs.length - 1] = { ...last, to: i + 1, months: [...last.months, c.month] };
    else runs.push({ from: i, to: i + 1, months: [c.month] });
  });
  return runs;
}

/** The words of a gap: `2022-02 – 2022-04: no TiC-DataComp data (a gap in the monthly splits)`. */
export function gapText(months: readonly number[]): string {
  const first = formatMonth(months[0]!);
  const span = months.length === 1 ? first : `${first} – ${formatMonth(months[months.length - 1]!)}`;
  return `${span}: no TiC-DataComp data (a gap in the monthly splits)`;
}

/** `2019-10 – 2020-06 (9 of 112 months)`: what the month section shows. */
export function monthRangeText(columns: readonly MonthColumn[]): string {
  if (columns.length === 0) return '';
  const first = formatMonth(columns[0]!.month);
  const last = formatMonth(columns[columns.length - 1]!.month);
  return `${first} – ${last} (${columns.length} of ${monthColumns.length} months)`;
}
