/**
 * The months of TiC-DataComp (contracts §3.4): `MONTHS` of `generate_tasklist.py`, 102 of them from 2014-03 to
 * 2023-06, with gaps where the data has none. The monthly training folders (`$TIC_DATACOMP_M_PATH/train/{YYYYMM}/`,
 * §4.3) and the monthly eval tasks both follow this list; a month that is not in it is never made up.
 * A month is a `YYYYMM` number (201703); people read it as `2017-03` (formatMonth).
 */
const monthsOf = (year: number, ...months: number[]): number[] => months.map((m) => year * 100 + m);
const wholeYear = (year: number): number[] => monthsOf(year, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12);

export const ticMonths: readonly number[] = Object.freeze([
  ...monthsOf(2014, 3, 4, 7, 8, 9, 10, 11, 12),
  ...monthsOf(2015, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11),
  ...monthsOf(2016, 2, 4, 5, 6, 7, 8, 9, 10, 12),
  ...wholeYear(2017),
  ...wholeYear(2018),
  ...wholeYear(2019),
  ...wholeYear(2020),
  ...wholeYear(2021),
  ...monthsOf(2022, 1, 5, 6, 7, 8, 9, 10, 11, 12),
  ...monthsOf(2023, 1, 2, 3, 4, 5, 6),
]);

export const firstTicMonth = ticMonths[0]!;
export const lastTicMonth = ticMonths[ticMonths.length - 1]!;

const monthSet = new Set(ticMonths);

/** Whether `value` is one of the 102 months (a `YYYYMM` number). */
export function isTicMonth(value: number): boolean {
  return monthSet.has(value);
}

/** The calendar year of a `YYYYMM` month. */
export function yearOfMonth(month: number): number {
  return Math.floor(month / 100);
}

/**
 * The first TiC month after `month` (any `YYYYMM`, in the list or in a gap): gaps are skipped, so 201612 → 201701
 * and 202201 → 202205; null after 2023-06.
 */
export function nextMonth(month: number): number | null {
  return ticMonths.find((m) => m > month) ?? null;
}

/** The last TiC month before `month`; null before 2014-03. */
export function previousMonth(month: number): number | null {
  for (let i = ticMonths.length - 1; i >= 0; i--) if (ticMonths[i]! < month) return ticMonths[i]!;
  return null;
}

/** The TiC months of a calendar year, in order (none for a year outside 2014…2023). */
export function monthsOfYear(year: number): number[] {
  return ticMonths.filter((m) => yearOfMonth(m) === year);
}

/** The first TiC month after a yearly step: what a monthly chain branched off that year trains first. */
export function firstMonthAfterYear(year: number): number | null {
  return nextMonth(year * 100 + 12);
}

/** `2017-03` for 201703. */
export function formatMonth(month: number): string {
  return `${yearOfMonth(month)}-${String(month % 100).padStart(2, '0')}`;
}

/** 201703 for `201703` or `2017-03`; null for anything else, including a month outside the list. */
export function parseMonth(text: string): number | null {
  const m = /^(\d{4})-?(\d{2})$/.exec(text.trim());
  if (m === null) return null;
  const month = Number(m[1]) * 100 + Number(m[2]);
  return isTicMonth(month) ? month : null;
}
