import type { ChainWire, FirstStepModeWire, StepMarksWire } from '../../src/protocol/dashboardMessages';
import { formatTimeStep } from '../../src/tic/ticTimeStep';
import { el } from '../shared/dom';
import type { CellColors } from './heatColors';
import { isFirstStepData } from '../../src/tic/transferRegion';
import { cellRegion, type CellRegion, type Grid, type GridKind } from './matrixMath';

export interface HeatmapOptions {
  grid: Grid;
  caption: string;
  /** data-chain of the table (`A − B` for a difference). */
  chain: string;
  family: string;
  metric: string;
  mode: FirstStepModeWire;
  /**
   * What the columns are to the rows (matrixMath.ts cellRegion): a yearly chain's eval years (default), a monthly
   * chain's eval months, or its roll-up's eval years (each the mean of that year's months).
   */
  kind?: GridKind;
  format: (v: number | null) => string;
  /** Colours of a present value; null = no colour. */
  colors: (v: number) => CellColors | null;
  /** Words for a cell's tooltip, e.g. "45.3%" or "+1.2 points". */
  describe: (v: number) => string;
  /** Rows that belong to another chain (a variant's steps before its fork): a mark and why, by row step. */
  rowNotes?: ReadonlyMap<number, string>;
  /** Steps whose results carry a mark (simulated, unfinished), by row step: a badge in the row header. */
  rowMarks?: ReadonlyMap<number, StepMarksWire>;
  /** Makes each column header a button (the roll-up: show that year's months). */
  columnAction?: { title: (column: number) => string; run: (column: number) => void };
}

const regionWords: Record<CellRegion, string> = {
  id: 'in-distribution',
  backward: 'backward',
  forward: 'forward',
  mixed: "mixed: the step's own year, months before, at and after it",
};

const corners: Record<GridKind, string> = {
  yearly: 'step \\ eval year',
  months: 'month \\ eval month',
  rollup: 'month \\ eval year',
};

/**
 * A training-step × eval-step matrix as a table: a row header per step, a column header per eval year (or month),
 * the value (or "—", uncoloured, when missing: never 0) per cell, the in-distribution cells outlined. Each cell
 * carries its steps and raw value in data-* attributes; steps are written for people (`2020-01` for a month).
 */
export function heatmapTable(o: HeatmapOptions): HTMLTableElement {
  const kind = o.kind ?? 'yearly';
  const table = el('table', {
    className: 'heatmap',
    attrs: {
      'data-chain': o.chain,
      'data-family': o.family,
      'data-metric': o.metric,
      'data-first-step': o.mode,
      'data-kind': kind,
    },
  }) as HTMLTableElement;
  table.append(el('caption', { text: o.caption }));
  const head = el('tr', {}, [el('th', { text: corners[kind], attrs: { scope: 'col' } })]);
  for (const c of o.grid.columns) {
    const label = formatTimeStep(c);
    const action = o.columnAction;
    const th = el('th', { attrs: { scope: 'col', 'data-col-year': String(c) } });
    if (action) {
      const button = el('button', {
        className: 'heatmap-drill',
        text: label,
        attrs: { type: 'button', title: action.title(c), 'aria-label': action.title(c), 'data-drill': String(c) },
      });
      button.addEventListener('click', () => action.run(c));
      th.append(button);
    } else th.textContent = label;
    head.append(th);
  }
  table.append(el('thead', {}, [head]));
  const body = el('tbody');
  o.grid.rows.forEach((r, i) => {
    const note = o.rowNotes?.get(r);
    const rowLabel = formatTimeStep(r);
    const header = el('th', {
      text: note === undefined ? rowLabel : `${rowLabel} ⤴`,
      attrs:
        note === undefined ? { scope: 'row' } : { scope: 'row', title: note, 'aria-label': `${rowLabel}, ${note}` },
    });
    if (note !== undefined) header.classList.add('inherited');
    const marks = o.rowMarks?.get(r);
    if (marks) header.append(...markBadges(marks));
    const tr = el('tr', {}, [header]);
    o.grid.columns.forEach((c, j) => {
      const v = o.grid.values[i]?.[j] ?? null;
      const region = cellRegion(r, c, kind, o.mode);
      const classes = [`region-${region}`];
      if (kind === 'yearly' && isFirstStepData(r, c)) classes.push('first-step-data');
      if (v === null) classes.push('missing');
      const on = kind === 'rollup' ? `, mean over the eval months of ${c}` : ` on ${formatTimeStep(c)} data`;
      const td = el('td', {
        className: classes.join(' '),
        text: o.format(v),
        attrs: {
          'data-row-year': String(r),
          'data-col-year': String(c),
          'data-value': v === null ? '' : String(v),
          'data-region': region,
          title: `step ${rowLabel}${on} (${regionWords[region]}): ${v === null ? 'missing' : o.describe(v)}`,
        },
      });
      if (v !== null) {
        const colors = o.colors(v);
        if (colors) {
          td.style.background = colors.background;
          td.style.color = colors.text;
        }
      }
      tr.append(td);
    });
    body.append(tr);
  });
  table.append(body);
  return table;
}

/** The marks a step's results can carry, in the order they are shown. */
export const stepMarkKinds = ['simulated', 'unfinished'] as const;
export type StepMarkKind = (typeof stepMarkKinds)[number];

/** The step's marks when it carries at least one, else undefined. */
export function marksOf(chain: ChainWire, year: number): StepMarksWire | undefined {
  const marks = chain.steps.find((s) => s.year === year)?.marks;
  return marks && (marks.simulated || marks.unfinished !== null) ? marks : undefined;
}

/** Per step of the chain, its marks (steps without one left out). */
export function chainMarks(chain: ChainWire): Map<number, StepMarksWire> {
  const out = new Map<number, StepMarksWire>();
  for (const s of chain.steps) {
    const marks = marksOf(chain, s.year);
    if (marks) out.set(s.year, marks);
  }
  return out;
}

/** The years of the chain's steps whose training did not finish. */
export function unfinishedSteps(chain: ChainWire): Set<number> {
  return new Set(chain.steps.filter((s) => (s.marks?.unfinished ?? null) !== null).map((s) => s.year));
}

/** The kinds among some marks, in display order. */
export function markKinds(marks: Iterable<StepMarksWire | undefined>): Set<StepMarkKind> {
  const kinds = new Set<StepMarkKind>();
  for (const m of marks) {
    if (m?.simulated) kinds.add('simulated');
    if (m && m.unfinished !== null) kinds.add('unfinished');
  }
  return new Set(stepMarkKinds.filter((k) => kinds.has(k)));
}

/** One badge per mark, each saying why in its tooltip. */
export function markBadges(marks: StepMarksWire): HTMLElement[] {
  const out: HTMLElement[] = [];
  if (marks.simulated)
    out.push(
      el('span', {
        className: 'step-mark simulated',
        text: 'simulated',
        attrs: {
          'data-mark': 'simulated',
          title: "Simulated: a demo stand-in wrote this step's training or evaluation, so its numbers are made up.",
        },
      }),
    );
  if (marks.unfinished !== null)
    out.push(
      el('span', {
        className: 'step-mark unfinished',
        text: 'unfinished',
        attrs: {
          'data-mark': 'unfinished',
          title: `Training did not finish: ${marks.unfinished.replace(/\.$/, '')}. These results are of an earlier checkpoint than the step's last.`,
        },
      }),
    );
  return out;
}

/** The legend's sentence for a mark (after its badge); `summaries`: what the transfer summaries do with it. */
export function markLegendText(kind: StepMarkKind, summaries: 'leftOut' | 'included' | null = null): string {
  if (kind === 'simulated')
    return 'A demo stand-in, not the real training or evaluation program, wrote this step: its numbers are made up.';
  const base =
    "This step's training did not finish (stopped, failed or still running), so its results are of an earlier checkpoint";
  return summaries === 'leftOut'
    ? `${base}. The summaries leave it out unless “Include unfinished steps” is on.`
    : summaries === 'included'
      ? `${base}. “Include unfinished steps” is on: the summaries count it.`
      : `${base}.`;
}

/** One legend line per mark shown, each opening with the mark's badge; null when none is shown. */
export function marksLegend(
  kinds: ReadonlySet<StepMarkKind>,
  id: string,
  summaries: 'leftOut' | 'included' | null = null,
): HTMLElement | null {
  if (kinds.size === 0) return null;
  return el(
    'div',
    { className: 'marks-legend', attrs: { id } },
    stepMarkKinds
      .filter((k) => kinds.has(k))
      .map((k) =>
        el('p', { attrs: { 'data-mark': k } }, [
          el('span', { className: `step-mark ${k}`, text: k }),
          document.createTextNode(` ${markLegendText(k, summaries)}`),
        ]),
      ),
  );
}
