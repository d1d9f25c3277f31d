import type { ChainWire, FirstStepModeWire, TransferWire } from '../../src/protocol/dashboardMessages';
import type { CsvCell } from '../../src/shared/csv';
import { formatTimeStep } from '../../src/tic/ticTimeStep';
import { el } from '../shared/dom';
import { formatPercent, metricKey, type MetricOption } from './matrixMath';

/** The caption saying how the merged first step is counted (transferSummary.ts). */
export function firstStepCaption(mode: FirstStepModeWire): string {
  return mode === 'merge'
    ? 'The first step (2016) trained on 2014–2016: per row the eval columns 2014–2016 are averaged into the 2016 column, so row 2016 has no backward cells and later rows count that column once.'
    : 'The first step (2016) trained on 2014–2016, but all 9 eval columns are kept: for row 2016, 2014 and 2015 count as backward; later rows have three backward cells before 2017.';
}

/** Said under the first-step caption when monthly chains are listed: their regions compare months. */
export const monthlyTransferCaption =
  "Monthly chains compare months: in-distribution is the step's own month, backward the earlier eval months, forward the later ones (there is no first-step merge).";

export function findTransfer(chain: ChainWire, key: string): TransferWire | undefined {
  return chain.transfer.find((t) => metricKey(t.family, t.metric) === key);
}

export const transferHeader = ['chain', 'step', 'backward', 'id', 'forward'];

const regions = [
  ['id', 'ID'],
  ['backward', 'backward'],
  ['forward', 'forward'],
] as const;

/** What the ◐ mark says of a summary built from fewer cells than the full matrix; null when complete or unknown. */
export interface IncompleteCells {
  readonly present: number;
  readonly full: number;
  /** `ID 3 of 7, backward 3 of 21, forward 15 of 21`. */
  readonly detail: string;
}

export function incompleteCells(t: TransferWire): IncompleteCells | null {
  const { cells, fullCells } = t;
  if (cells === undefined || fullCells === undefined) return null;
  if (regions.every(([k]) => cells[k] >= fullCells[k])) return null;
  return {
    present: cells.id + cells.backward + cells.forward,
    full: fullCells.id + fullCells.backward + fullCells.forward,
    detail: regions.map(([k, name]) => `${name} ${cells[k]} of ${fullCells[k]}`).join(', '),
  };
}

/**
 * The training steps a chain's summary averages over (rows with a present cell) that the protocol guard found not
 * comparable to the paper, in row order.
 */
export function offProtocolSteps(chain: ChainWire, t: TransferWire): number[] {
  const used = new Set(
    t.perStep.filter((s) => s.backward !== null || s.id !== null || s.forward !== null).map((s) => s.year),
  );
  return chain.steps
    .filter((s) => used.has(s.year) && s.protocol !== undefined && !s.protocol.comparable)
    .map((s) => s.year)
    .sort((a, b) => a - b);
}

type Summary = { backward: number | null; id: number | null; forward: number | null };

/** The steps of `t` with at least one present value. */
function stepsWithResults(t: TransferWire | undefined): number[] {
  return (t?.perStep ?? [])
    .filter((s) => s.backward !== null || s.id !== null || s.forward !== null)
    .map((s) => s.year);
}

/** "4/7 steps": the chain's steps with results out of its steps. */
export function stepCoverage(chain: ChainWire, key: string): { present: number; total: number } {
  return { present: stepsWithResults(findTransfer(chain, key)).length, total: chain.steps.length };
}

/**
 * Per chain, the steps every chain of its timescale has results for (yearly and monthly chains apart: a month is
 * not a year), for a summary that compares like with like.
 */
export function commonSteps(chains: readonly ChainWire[], key: string): Map<string, ReadonlySet<number>> {
  const out = new Map<string, ReadonlySet<number>>();
  for (const monthly of [false, true]) {
    const group = chains.filter((c) => (c.timescale === 'monthly') === monthly);
    const lists = group.map((c) => stepsWithResults(findTransfer(c, key)));
    const common = new Set(lists[0] ?? []);
    for (const list of lists.slice(1)) for (const year of [...common]) if (!list.includes(year)) common.delete(year);
    for (const c of group) out.set(c.key, common);
  }
  return out;
}

/**
 * The summary over some of the steps only: each region's mean of those rows' cells (a row's mean weighted by its
 * cell count, so it equals the mean over the cells, as the whole-chain summary is). Null when the host sent no
 * per-row cell counts.
 */
export function summaryOver(t: TransferWire, steps: ReadonlySet<number>): Summary | null {
  const out: Summary = { backward: null, id: null, forward: null };
  for (const kind of ['backward', 'id', 'forward'] as const) {
    let sum = 0;
    let count = 0;
    for (const s of t.perStep) {
      if (!steps.has(s.year)) continue;
      if (s.cells === undefined) return null;
      const v = s[kind];
      if (v === null || s.cells[kind] === 0) continue;
      sum += v * s.cells[kind];
      count += s.cells[kind];
    }
    out[kind] = count > 0 ? sum / count : null;
  }
  return out;
}

/** The legend under the table, one line per mark shown; null when no chain carries a mark. */
export function transferLegend(chains: readonly ChainWire[], key: string): HTMLElement | null {
  const lines: string[] = [];
  if (
    chains.some((c) => {
      const t = findTransfer(c, key);
      return t !== undefined && incompleteCells(t) !== null;
    })
  )
    lines.push(
      "◐ incomplete: the means cover fewer cells than the full matrix (every training step × the eval years, or a monthly chain's months × the 102 eval months), so they compare neither with the paper nor with a complete chain.",
    );
  if (
    chains.some((c) => {
      const t = findTransfer(c, key);
      return t !== undefined && offProtocolSteps(c, t).length > 0;
    })
  )
    lines.push(
      "⚠ off-protocol steps: the summary includes steps not comparable to the paper (the timeline's nodes say why).",
    );
  if (lines.length === 0) return null;
  return el(
    'div',
    { className: 'transfer-legend', attrs: { id: 'transfer-legend' } },
    lines.map((text) => el('p', { text })),
  );
}

/** CSV rows: one summary row per chain (step empty; over the common steps when `common` says), then its per-step rows. */
export function transferCsvRows(
  chains: readonly ChainWire[],
  key: string,
  common: ReadonlyMap<string, ReadonlySet<number>> | null = null,
): CsvCell[][] {
  const rows: CsvCell[][] = [];
  for (const chain of chains) {
    const t = findTransfer(chain, key);
    if (!t) continue;
    const only = common?.get(chain.key);
    const summary = (only ? summaryOver(t, only) : null) ?? t;
    rows.push([chain.label, null, summary.backward, summary.id, summary.forward]);
    for (const s of t.perStep) rows.push([chain.label, formatTimeStep(s.year), s.backward, s.id, s.forward]);
  }
  return rows;
}

/**
 * Backward / ID / forward transfer of every chain side by side for one metric; each chain's per-step rows open
 * and close with a disclosure button in its row header.
 */
export function transferTable(
  chains: readonly ChainWire[],
  option: MetricOption,
  mode: FirstStepModeWire,
  expanded: ReadonlySet<string>,
  onToggle: (chain: string, open: boolean) => void,
  /** Summaries over the steps every chain of the timescale has (the "common steps only" toggle); null = all. */
  common: ReadonlyMap<string, ReadonlySet<number>> | null = null,
): HTMLTableElement {
  const table = el('table', {
    className: 'data-table transfer',
    attrs: { 'data-family': option.family, 'data-metric': option.metric, id: 'transfer-table' },
  }) as HTMLTableElement;
  const monthly = chains.some((c) => c.timescale === 'monthly') ? ` ${monthlyTransferCaption}` : '';
  table.append(
    el('caption', {
      text: `Transfer for ${option.family} ${option.metric} (percent). ${firstStepCaption(mode)}${monthly}`,
    }),
  );
  table.append(
    el('thead', {}, [
      el('tr', {}, [
        el('th', { text: 'chain / step', attrs: { scope: 'col' } }),
        el('th', { text: 'backward', attrs: { scope: 'col' } }),
        el('th', { text: 'ID', attrs: { scope: 'col' } }),
        el('th', { text: 'forward', attrs: { scope: 'col' } }),
      ]),
    ]),
  );
  let index = 0;
  for (const chain of chains) {
    const t = findTransfer(chain, option.key);
    const open = expanded.has(chain.key);
    const body = el('tbody', { attrs: { 'data-chain': chain.key } });
    const stepsId = `transfer-steps-${index++}`;
    const toggle = el('button', {
      className: 'disclosure',
      text: chain.label,
      attrs: {
        type: 'button',
        'aria-expanded': String(open),
        'aria-controls': stepsId,
        title: 'Show the per-step values',
      },
    });
    const incomplete = t ? incompleteCells(t) : null;
    const marks: HTMLElement[] = [];
    if (incomplete !== null) {
      const what = `Incomplete matrix: the means cover ${incomplete.detail} cells.`;
      marks.push(
        el('span', {
          className: 'transfer-mark incomplete',
          text: `◐ ${incomplete.present} of ${incomplete.full} cells`,
          attrs: { title: what, 'data-mark': 'incomplete' },
        }),
      );
    }
    const off = t ? offProtocolSteps(chain, t) : [];
    if (off.length > 0) {
      const steps = off.map(formatTimeStep).join(', ');
      const what = `Includes ${off.length === 1 ? 'a step' : 'steps'} not comparable to the paper: ${steps}.`;
      marks.push(
        el('span', {
          className: 'transfer-mark not-comparable',
          text: `⚠ off-protocol steps: ${steps}`,
          attrs: { title: what, 'data-mark': 'not-comparable' },
        }),
      );
    }
    const only = common?.get(chain.key) ?? null;
    const restricted = t && only ? summaryOver(t, only) : null;
    const summaryCells = valueCells(restricted ?? t ?? null, 'all');
    if (restricted) {
      const steps = [...only!].sort((a, b) => a - b).map(formatTimeStep);
      for (const cell of summaryCells)
        cell.setAttribute(
          'title',
          steps.length > 0 ? `mean over the steps every chain has: ${steps.join(', ')}` : 'no step every chain has',
        );
    } else if (t?.cells !== undefined && t.fullCells !== undefined) {
      const { cells, fullCells } = t;
      for (const cell of summaryCells) {
        const kind = cell.getAttribute('data-kind') as 'id' | 'backward' | 'forward';
        cell.setAttribute('title', `mean of ${cells[kind]} of ${fullCells[kind]} cells`);
      }
    }
    const coverage = stepCoverage(chain, option.key);
    const stepsMark = el('span', {
      className: 'transfer-coverage muted',
      text: `${coverage.present}/${coverage.total} steps`,
      attrs: { title: `${coverage.present} of the chain's ${coverage.total} steps have results`, 'data-mark': 'steps' },
    });
    const summary = el('tr', { className: 'transfer-chain' }, [
      el('th', { attrs: { scope: 'row' } }, [toggle, stepsMark, ...marks]),
      ...summaryCells,
    ]);
    body.append(summary);
    const stepRows: HTMLElement[] = [];
    for (const s of t?.perStep ?? []) {
      const row = el('tr', { className: 'transfer-step', attrs: { 'data-step': String(s.year) } }, [
        el('th', { text: formatTimeStep(s.year), attrs: { scope: 'row' } }),
        ...valueCells(s, String(s.year)),
      ]);
      row.hidden = !open;
      stepRows.push(row);
    }
    const steps = el('tbody', { attrs: { id: stepsId, 'data-chain': chain.key, 'data-steps': '' } }, stepRows);
    toggle.addEventListener('click', () => {
      const now = toggle.getAttribute('aria-expanded') !== 'true';
      toggle.setAttribute('aria-expanded', String(now));
      for (const r of stepRows) r.hidden = !now;
      onToggle(chain.key, now);
    });
    if (!t) toggle.setAttribute('disabled', '');
    table.append(body, steps);
  }
  return table;
}

function valueCells(
  v: { backward: number | null; id: number | null; forward: number | null } | null,
  step: string,
): HTMLElement[] {
  return (['backward', 'id', 'forward'] as const).map((kind) => {
    const value = v ? v[kind] : null;
    return el('td', {
      className: value === null ? 'num missing' : 'num',
      text: formatPercent(value),
      attrs: { 'data-kind': kind, 'data-step': step, 'data-value': value === null ? '' : String(value) },
    });
  });
}
