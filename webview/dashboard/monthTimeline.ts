import '@vscode-elements/elements/dist/vscode-button/index.js';
import type { ChainWire, StepNodeWire } from '../../src/protocol/dashboardMessages';
import { computeLine, computeSentence } from '../../src/protocol/protocolMarks';
import { formatMonth } from '../../src/tic/ticMonths';
import { el } from '../shared/dom';
import { panRange, zoomRange, type XRange } from '../shared/zoomRange';
import {
  gapText,
  minMonthColumns,
  monthColumnIndex,
  monthExtent,
  monthGapRuns,
  monthRangeText,
  monthTicks,
  monthYearSpans,
  snapMonthRange,
  type MonthColumn,
} from './monthAxis';
import { branchText, monthlyLaneDescription, ownMonthSteps } from './timelineModel';

/** A monthly chain as the snapshot sends it (steps, matrix rows… are `YYYYMM` months). */
export type MonthlyChainWire = ChainWire;

export interface MonthGridInput {
  /** The monthly lanes in drawing order (timelineModel.monthlyLaneOrder). */
  lanes: readonly MonthlyChainWire[];
  /** Every chain's label by key (yearly and monthly), for the fork sentences. */
  labels: ReadonlyMap<string, string>;
  columns: readonly MonthColumn[];
  /** Too many months for nodes with words (monthAxis.isDenseMonthView). */
  dense: boolean;
  /** The zoom bar, put in the grid's corner (left of every month column, so no connector crosses it). */
  controls: HTMLElement;
  /** A step's node (the same as a yearly step's), `dense` without words. */
  node: (chain: string, label: string, step: StepNodeWire, dense: boolean) => HTMLElement;
}

/**
 * The month section of the timeline: a year row and a month row across (one column per calendar month in view,
 * the months without TiC data hatched as gaps), then one swimlane per monthly chain with its month nodes. The
 * lane labels carry `data-month-chain` (not `data-chain`), so what lists the yearly lanes keeps listing only those.
 */
export function buildMonthGrid(input: MonthGridInput): HTMLElement {
  const { columns, lanes } = input;
  const dense = input.dense;
  const first = columns[0]!;
  const grid = el('div', {
    className: `tl-grid tl-months${dense ? ' dense' : ''}`,
    attrs: {
      role: 'region',
      'aria-label': `Monthly chains: ${lanes.length} chain${lanes.length === 1 ? '' : 's'} over ${monthRangeText(columns)}`,
    },
  });
  grid.style.gridTemplateColumns = `fit-content(24em) repeat(${columns.length}, minmax(${dense ? '6px' : '5.5em'}, 1fr))`;
  const col = (offset: number): number => offset + 2;

  const corner = el('div', { className: 'tl-corner tl-months-corner' }, [input.controls]);
  corner.style.gridRow = '1 / 3';
  grid.append(corner);
  for (const span of monthYearSpans(columns)) {
    // A year cut to a column or two at the edge of a dense view keeps its name in the tooltip only.
    const named = !dense || span.to - span.from >= 3;
    const cell = el('div', {
      className: 'tl-year tl-month-year',
      text: named ? String(span.year) : '',
      attrs: { title: String(span.year), 'data-year': String(span.year) },
    });
    cell.style.gridRow = '1';
    cell.style.gridColumn = `${col(span.from)} / ${col(span.to)}`;
    grid.append(cell);
  }
  const ticks = monthTicks(columns, dense);
  columns.forEach((c, i) => {
    const tick = ticks[i]!;
    const cell = el('div', {
      className: `tl-month${c.gap ? ' gap' : ''}${tick.major ? ' major' : ''}`,
      text: tick.label ?? '',
      attrs: { title: c.gap ? gapText([c.month]) : formatMonth(c.month), 'data-month': formatMonth(c.month) },
    });
    cell.style.gridRow = '2';
    cell.style.gridColumn = String(col(i));
    grid.append(cell);
  });

  const firstRow = 3;
  lanes.forEach((chain, lane) => {
    const row = firstRow + lane;
    const parentLabel = chain.forkedFrom ? (input.labels.get(chain.forkedFrom.chain) ?? null) : null;
    const description = monthlyLaneDescription(chain, parentLabel);
    const label = el('div', {
      className: `tl-lane-label tl-month-lane${chain.forkedFrom ? ' variant' : ''}`,
      attrs: {
        title: description,
        'aria-label': description,
        role: 'heading',
        'aria-level': '3',
        'data-month-chain': chain.key,
      },
    });
    label.append(el('span', { className: 'tl-lane-name', text: chain.label }));
    const branch = branchText(chain.branch);
    if (branch) label.append(el('span', { className: 'tl-lane-branch muted', text: branch }));
    if (chain.root) label.append(el('span', { className: 'tl-lane-root muted', text: chain.root }));
    const compute = chain.compute ? computeLine(chain.compute) : null;
    if (chain.compute && compute !== null) {
      const sentence = computeSentence(chain.compute);
      label.append(
        el('span', { className: 'tl-lane-compute muted', text: `Σ ${compute}`, attrs: { title: sentence } }),
      );
      label.setAttribute('aria-label', `${description}. ${sentence}`);
    }
    label.style.gridRow = String(row);
    const band = el('div', { className: 'tl-lane-band' });
    band.style.gridRow = String(row);
    band.style.gridColumn = `2 / ${columns.length + 2}`;
    grid.append(label, band);
    const steps = ownMonthSteps(chain);
    let shown = 0;
    for (const step of steps) {
      const offset = monthColumnIndex(step.year) - first.index;
      if (offset < 0 || offset >= columns.length) continue;
      const cell = input.node(chain.key, chain.label, step, dense);
      cell.style.gridRow = String(row);
      cell.style.gridColumn = String(col(offset));
      grid.append(cell);
      shown++;
    }
    if (shown === 0 && steps.length > 0) {
      // Every month of the lane is out of view: say where they are rather than show an empty lane.
      const span = `${formatMonth(steps[0]!.year)} – ${formatMonth(steps[steps.length - 1]!.year)}`;
      const note = el('div', {
        className: 'tl-months-away muted',
        text: `its months (${span}) are out of view`,
        attrs: { 'data-month-chain': chain.key },
      });
      note.style.gridRow = String(row);
      note.style.gridColumn = `2 / ${columns.length + 2}`;
      grid.append(note);
    }
  });

  // The gaps, over the month row's cells and every lane: hatched, with their words in the tooltip.
  for (const run of monthGapRuns(columns)) {
    const text = gapText(run.months);
    const band = el('div', {
      className: 'tl-month-gap',
      text: dense ? '' : 'no data',
      attrs: { title: text, 'aria-label': text, role: 'img', 'data-months': run.months.map(formatMonth).join(' ') },
    });
    band.style.gridRow = `${firstRow} / ${firstRow + Math.max(1, lanes.length)}`;
    band.style.gridColumn = `${col(run.from)} / ${col(run.to)}`;
    grid.append(band);
  }
  return grid;
}

/** What the zoom bar of the month section asks of the timeline. */
export interface MonthZoomHost {
  /** The range shown: null = every month. */
  range(): XRange | null;
  /** The range it opens on (the chains' months and some context), null = every month. */
  fitted(): XRange | null;
  /** Show this range; `undefined` = follow the chains (the fitted range, also as they grow). */
  show(range: XRange | null | undefined): void;
}

/**
 * The zoom bar: zoom in and out around the middle, move earlier and later by half a view, fit the chains' months,
 * or show every month. Buttons with ids, so the keyboard focus stays on them across a re-render.
 */
export function monthZoomBar(host: MonthZoomHost, columns: readonly MonthColumn[]): HTMLElement {
  const range = host.range();
  const snapped = (r: XRange | null): XRange | null => snapMonthRange(r);
  const button = (id: string, text: string, label: string, enabled: boolean, next: () => XRange | null | undefined) => {
    const b = el('vscode-button', { text, attrs: { id, secondary: '', title: label } });
    b.setAttribute('aria-label', label);
    if (!enabled) b.setAttribute('disabled', '');
    b.addEventListener('click', () => {
      if (!b.hasAttribute('disabled')) host.show(next());
    });
    return b;
  };
  const atStart = range === null || range.x0 <= monthExtent.x0;
  const atEnd = range === null || range.x1 >= monthExtent.x1;
  const fitted = host.fitted();
  const isFitted =
    (fitted === null && range === null) ||
    (fitted !== null && range !== null && fitted.x0 === range.x0 && fitted.x1 === range.x1);
  const bar = el('div', { className: 'tl-months-zoom', attrs: { role: 'toolbar', 'aria-label': 'Month axis' } }, [
    button('tl-months-out', '−', 'Show more months', range !== null, () =>
      snapped(zoomRange(range, monthExtent, 2, 0.5, 'linear')),
    ),
    button('tl-months-in', '+', 'Show fewer months', columns.length > minMonthColumns, () =>
      snapped(zoomRange(range, monthExtent, 0.5, 0.5, 'linear')),
    ),
    button('tl-months-earlier', '‹', 'Earlier months', !atStart, () =>
      snapped(panRange(range, monthExtent, -0.5, 'linear')),
    ),
    button('tl-months-later', '›', 'Later months', !atEnd, () => snapped(panRange(range, monthExtent, 0.5, 'linear'))),
  ]);
  const views = el('div', { className: 'tl-months-zoom' }, [
    button('tl-months-fit', 'Fit', "Fit to the chains' months", !isFitted, () => undefined),
    button('tl-months-all', 'All', 'Show every month, 2014-03 – 2023-06', range !== null, () => null),
  ]);
  return el('div', { className: 'tl-months-controls' }, [
    el('span', { className: 'tl-months-title', text: 'Months' }),
    bar,
    views,
    el('span', { className: 'tl-months-range muted', text: monthRangeText(columns), attrs: { id: 'tl-months-range' } }),
  ]);
}
