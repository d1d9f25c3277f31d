import { formatMonth, parseMonth } from './ticMonths';

/**
 * A TiC time step is a year (`2017`, the yearly data and tasks) or a month (`201703`, the monthly ones; contracts
 * §3.4, §4.3). Both are plain numbers; the digits tell them apart: four for a year, six (`YYYYMM`) for a month.
 */
export type TicTimescale = 'yearly' | 'monthly';

export const ticTimescales: readonly TicTimescale[] = ['yearly', 'monthly'];

export function isTicTimescale(value: string): value is TicTimescale {
  return (ticTimescales as readonly string[]).includes(value);
}

/** `yearly` for 2017, `monthly` for 201703; null for a number that is neither shape. */
export function timescaleOfStep(step: number): TicTimescale | null {
  if (!Number.isSafeInteger(step)) return null;
  if (step >= 1000 && step <= 9999) return 'yearly';
  if (step >= 100001 && step <= 999912 && step % 100 >= 1 && step % 100 <= 12) return 'monthly';
  return null;
}

/**
 * A step as people type it: `2017` (a year), `201703` or `2017-03` (a month, which must be one of the TiC months).
 * Null for anything else.
 */
export function parseTimeStep(text: string): number | null {
  const t = text.trim();
  if (/^\d{4}$/.test(t)) return Number(t);
  return parseMonth(t);
}

/** `2017` or `2017-03`, for people. */
export function formatTimeStep(step: number): string {
  return timescaleOfStep(step) === 'monthly' ? formatMonth(step) : String(step);
}
