/**
 * A TiC eval task key from `generate_tasklist.py` (contracts §3.4): `tic/{dataset}/{family}/{timescale}/{period}`,
 * e.g. `tic/datacomp/retrieval/yearly/2014` or `tic/datacomp/datacompnet/monthly/201403`. evaluate.py's path
 * mapping reads the same four trailing parts (§3.5).
 */
export interface TicTaskKey {
  readonly key: string;
  /** `datacomp` for TiC-DataComp. */
  readonly dataset: string;
  /** `retrieval` or `datacompnet` for the generated tasks; kept as written otherwise. */
  readonly family: string;
  readonly timescale: 'yearly' | 'monthly';
  /** `2014` (yearly) or `201403` (monthly), as in the key. */
  readonly period: string;
  readonly year: number;
  /** 1–12 for monthly keys, null for yearly ones. */
  readonly month: number | null;
  /** The metric evaluate.py uses as `main_metric` for this family (§3.4, §3.6), or null when unknown. */
  readonly mainMetric: 'mean_recall@1' | 'acc1' | null;
}

/** Null for anything that is not a TiC task key (the stock DataComp keys such as `imagenet1k`, malformed keys). */
export function parseTicTaskKey(key: string): TicTaskKey | null {
  const parts = key.split('/');
  if (parts.length !== 5 || parts[0] !== 'tic') return null;
  const [, dataset, family, timescale, period] = parts as [string, string, string, string, string];
  if (!/^[\w-]+$/.test(dataset) || !/^[\w-]+$/.test(family)) return null;
  let year: number;
  let month: number | null = null;
  if (timescale === 'yearly') {
    if (!/^\d{4}$/.test(period)) return null;
    year = Number(period);
  } else if (timescale === 'monthly') {
    if (!/^\d{6}$/.test(period)) return null;
    year = Number(period.slice(0, 4));
    month = Number(period.slice(4));
    if (month < 1 || month > 12) return null;
  } else {
    return null;
  }
  const mainMetric = family === 'retrieval' ? 'mean_recall@1' : family === 'datacompnet' ? 'acc1' : null;
  return { key, dataset, family, timescale, period, year, month, mainMetric };
}
