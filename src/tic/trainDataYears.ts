import { isTicMonth } from './ticMonths';
import { firstDataYear } from './ticTimeline';

/**
 * The data years and the filtering a `train_data` (params.txt) or `--data_dir` (info.pkl) string names. Both are
 * `::`-joined parts (contracts §1.3): `…/train/2017/{00000000..00000409}.tar`, `…/train/2017/`, or the internal
 * `xlarge_basic_filter/2017/12/{…}.tar` (§4.4). A part's year is its last path segment that is a year (`2017`)
 * or a month (`201703`, the monthly layout) between 2014 and 2023.
 */
export interface DataYears {
  /** Distinct years in order of first appearance (the scripts list the newest first). */
  readonly years: readonly number[];
  /** `basic` / `bestpool` when a path segment says so (`xlarge_basic_filter`, `…/bestpool/…`), else null. */
  readonly filtering: string | null;
  /** Parts in which no year was found. */
  readonly partsWithoutYear: number;
  /**
   * Distinct TiC months (`YYYYMM`, contracts §3.4) in order of first appearance: the parts whose year segment is a
   * month folder of the monthly layout (`…/train/201703/`, §4.3). Empty for yearly data.
   */
  readonly months: readonly number[];
  /** Whether every part with a year names it by a month folder (monthly data), and at least one part does. */
  readonly monthly: boolean;
}

export function dataYearsOf(value: string | null | undefined): DataYears {
  const years: number[] = [];
  const months: number[] = [];
  let filtering: string | null = null;
  let partsWithoutYear = 0;
  let yearParts = 0;
  let monthParts = 0;
  if (value === null || value === undefined || value === '' || value === 'None') {
    return { years, filtering, partsWithoutYear, months, monthly: false };
  }
  for (const part of value.split('::')) {
    if (part === '') continue;
    let year: number | null = null;
    let month: number | null = null;
    for (const segment of part.split('/')) {
      const m = /^(20\d\d)(\d\d)?$/.exec(segment);
      if (m !== null) {
        const y = Number(m[1]);
        if (y >= firstDataYear && y <= 2023) {
          year = y;
          month = m[2] !== undefined && isTicMonth(Number(segment)) ? Number(segment) : null;
        }
      }
      filtering ??= filteringOfSegment(segment);
    }
    if (year === null) partsWithoutYear++;
    else {
      yearParts++;
      if (!years.includes(year)) years.push(year);
      if (month !== null) monthParts++;
      if (month !== null && !months.includes(month)) months.push(month);
    }
  }
  return { years, filtering, partsWithoutYear, months, monthly: yearParts > 0 && monthParts === yearParts };
}

function filteringOfSegment(segment: string): string | null {
  const tokens = segment.toLowerCase().split(/[-_.]/);
  if (tokens.includes('bestpool')) return 'bestpool';
  if (tokens.includes('basic')) return 'basic';
  return null;
}

/**
 * The folder that holds the year folders (`$TIC_DATACOMP_Y_PATH/train`, §4.3): the path before the year segment
 * of the first part that has one; null when no part names a year.
 */
export function dataRootOf(value: string | null | undefined): string | null {
  if (value === null || value === undefined || value === 'None') return null;
  for (const part of value.split('::')) {
    const segments = part.split('/');
    for (let i = segments.length - 1; i > 0; i--) {
      const m = /^(20\d\d)(\d\d)?$/.exec(segments[i]!);
      if (m !== null && Number(m[1]) >= firstDataYear && Number(m[1]) <= 2023) {
        const root = segments.slice(0, i).join('/');
        return root === '' ? '/' : root;
      }
    }
  }
  return null;
}
