import type {
  ChainWire,
  FirstStepModeWire,
  TransferCellsWire,
  TransferWire,
} from '../../src/protocol/dashboardMessages';
import type { CsvCell } from '../../src/shared/csv';
import { formatTimeStep } from '../../src/tic/ticTimeStep';
import { el } from '../shared/dom';
import { formatPercent, metricKey, type MetricOption } from './matrixMath';
import { markBadges, markKinds, markLegendText, marksOf, stepMarkKinds, unfinishedSteps } from './heatmapTable';

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

export function incompleteCells(
  t: TransferWire,
  /** The cells of a summary over some steps only (cellsOver); default the host's summary's. */
  cells: TransferCellsWire | undefined = t.cells,
): IncompleteCells | null {
  const { fullCells } = t;
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

/**
 * The steps a chain's summary is taken over, or null for all of them (the host's own summary): its unfinished
 * steps are left out unless `includeUnfinished`, and with "common steps only" just the steps in `common`.
 */
export function summarySteps(
  chain: ChainWire,
  t: TransferWire,
  includeUnfinished: boolean,
  common: ReadonlySet<number> | null,
): Set<number> | null {
  const unfinished = includeUnfinished ? new Set<number>() : unfinishedSteps(chain);
  const leavesOut = stepsWithResults(t).some((y) => unfinished.has(y));
  if (common === null && !leavesOut) return null;
  const base = common ?? new Set(t.perStep.map((s) => s.year));
  return new Set([...base].filter((y) => !unfinished.has(y)));
}

/** The unfinished steps with results that a summary leaves out (or, when brought in, counts), in step order. */
export function unfinishedWithResults(chain: ChainWire, t: TransferWire): number[] {
  const unfinished = unfinishedSteps(chain);
  return stepsWithResults(t)
    .filter((y) => unfinished.has(y))
    .sort((a, b) => a - b);
}

/** The present cells of some rows, per region; undefined when the host sent no per-row counts. */
export function cellsOver(t: TransferWire, steps: ReadonlySet<number>): TransferCellsWire | undefined {
  const out = { id: 0, backward: 0, forward: 0 };
  for (const s of t.perStep) {
    if (!steps.has(s.year)) continue;
    if (s.cells === undefined) return undefined;
    out.id += s.cells.id;
    out.backward += s.cells.backward;
    out.forward += s.cells.forward;
  }
  return out;
}

/** "4/7 steps": the chain's steps with results out of its steps. */
export function stepCoverage(chain: ChainWire, key: string): { present: number; total: number } {
  return { present: stepsWithResults(findTransfer(chain, key)).length, total: chain.steps.length };
}

/**
 * Per chain, the steps every chain of its timescale has results for (yearly and monthly chains apart: a month is
 * not a year), for a summary that compares like with like.
 */
export function commonSteps(
  chains: readonly ChainWire[],
  key: string,
  /** False: a chain's unfinished steps count as steps without results (the summaries leave them out). */
  includeUnfinished = true,
): Map<string, ReadonlySet<number>> {
  const out = new Map<string, ReadonlySet<number>>();
  for (const monthly of [false, true]) {
    const group = chains.filter((c) => (c.timescale === 'monthly') === monthly);
    const lists = group.map((c) => {
      const unfinished = includeUnfinished ? new Set<number>() : unfinishedSteps(c);
      return stepsWithResults(findTransfer(c, key)).filter((y) => !unfinished.has(y));
    });
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
export function transferLegend(
  chains: readonly ChainWire[],
  key: string,
  includeUnfinished = true,
): HTMLElement | null {
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
  // The step marks of the rows with results (a badge on each per-step row, a note on the chain's row).
  const kinds = markKinds(
    chains.flatMap((c) => {
      const t = findTransfer(c, key);
      return t ? stepsWithResults(t).map((y) => marksOf(c, y)) : [];
    }),
  );
  const summaries = includeUnfinished ? 'included' : 'leftOut';
  const marks = stepMarkKinds
    .filter((k) => kinds.has(k))
    .map((k) =>
      el('p', { attrs: { 'data-mark': k } }, [
        el('span', { className: `step-mark ${k}`, text: k }),
        document.createTextNode(` ${markLegendText(k, summaries)}`),
      ]),
    );
  if (lines.length === 0 && marks.length === 0) return null;
  return el('div', { className: 'transfer-legend', attrs: { id: 'transfer-legend' } }, [
    ...lines.map((text) => el('p', { text })),
    ...marks,
  ]);
}

/** CSV rows: one summary row per chain (step empty; over the common steps when `common` says), then its per-step rows. */
export function transferCsvRows(
  chains: readonly ChainWire[],
  key: string,
  common: ReadonlyMap<string, ReadonlySet<number>> | null = null,
  includeUnfinished = true,
): CsvCell[][] {
  const rows: CsvCell[][] = [];
  for (const chain of chains) {
    const t = findTransfer(chain, key);
    if (!t) continue;
    const only = summarySteps(chain, t, includeUnfinished, common?.get(chain.key) ?? null);
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
  /** Count the unfinished steps in the summaries (the "include unfinished steps" toggle). */
  includeUnfinished = true,
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
    const commonOnly = common?.get(chain.key) ?? null;
    const only = t ? summarySteps(chain, t, includeUnfinished, commonOnly) : null;
    const restricted = t && only ? summaryOver(t, only) : null;
    const incomplete = t ? incompleteCells(t, restricted && only ? cellsOver(t, only) : t.cells) : null;
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
    const unfinished = t ? unfinishedWithResults(chain, t) : [];
    if (unfinished.length > 0) {
      const steps = unfinished.map(formatTimeStep).join(', ');
      marks.push(
        el('span', {
          className: 'transfer-mark unfinished',
          text: includeUnfinished ? `includes unfinished: ${steps}` : `unfinished left out: ${steps}`,
          attrs: {
            title: includeUnfinished
              ? `The summary counts ${unfinished.length === 1 ? 'a step' : 'steps'} whose training did not finish: ${steps}.`
              : `The summary leaves out ${unfinished.length === 1 ? 'a step' : 'steps'} whose training did not finish: ${steps}.`,
            'data-mark': 'unfinished',
          },
        }),
      );
    }
    const simulated = t ? stepsWithResults(t).filter((y) => marksOf(chain, y)?.simulated === true) : [];
    if (simulated.length > 0) {
      const steps = simulated.map(formatTimeStep).join(', ');
      marks.push(
        el('span', {
          className: 'transfer-mark simulated',
          text: `simulated: ${steps}`,
          attrs: { title: `Made-up numbers of a demo stand-in in ${steps}.`, 'data-mark': 'simulated' },
        }),
      );
    }
    const summaryCells = valueCells(restricted ?? t ?? null, 'all');
    if (restricted) {
      const steps = [...only!].filter((y) => stepsWithResults(t).includes(y));
      const words = steps
        .sort((a, b) => a - b)
        .map(formatTimeStep)
        .join(', ');
      for (const cell of summaryCells)
        cell.setAttribute(
          'title',
          commonOnly
            ? steps.length > 0
              ? `mean over the steps every chain has: ${words}`
              : 'no step every chain has'
            : steps.length > 0
              ? `mean over the finished steps: ${words}`
              : 'no finished step has results',
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
      // A mark is on numbers: a row of "—" has none.
      const stepMarks = s.backward !== null || s.id !== null || s.forward !== null ? marksOf(chain, s.year) : undefined;
      const row = el('tr', { className: 'transfer-step', attrs: { 'data-step': String(s.year) } }, [
        el('th', { text: formatTimeStep(s.year), attrs: { scope: 'row' } }, stepMarks ? markBadges(stepMarks) : []),
        ...valueCells(s, String(s.year)),
      ]);
      if (stepMarks?.unfinished != null && !includeUnfinished) row.classList.add('left-out');
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
