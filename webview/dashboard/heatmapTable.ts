import type { FirstStepModeWire } from '../../src/protocol/dashboardMessages';
import { el } from '../shared/dom';
import type { CellColors } from './heatColors';
import { isFirstStepData, transferRegion } from '../../src/tic/transferRegion';
import type { Grid } from './matrixMath';

export interface HeatmapOptions {
  grid: Grid;
  caption: string;
  /** data-chain of the table (`A − B` for a difference). */
  chain: string;
  family: string;
  metric: string;
  mode: FirstStepModeWire;
  format: (v: number | null) => string;
  /** Colours of a present value; null = no colour. */
  colors: (v: number) => CellColors | null;
  /** Words for a cell's tooltip, e.g. "45.3%" or "+1.2 points". */
  describe: (v: number) => string;
  /** Rows that belong to another chain (a variant's steps before its fork): a mark and why, by row year. */
  rowNotes?: ReadonlyMap<number, string>;
}

const regionWords = { id: 'in-distribution', backward: 'backward', forward: 'forward' } as const;

/**
 * A training-step × eval-year matrix as a table: a row header per step, a column header per eval year, the
 * value (or "—", uncoloured, when missing: never 0) per cell, the in-distribution cells outlined. Each cell
 * carries its years and raw value in data-* attributes.
 */
export function heatmapTable(o: HeatmapOptions): HTMLTableElement {
  const table = el('table', {
    className: 'heatmap',
    attrs: { 'data-chain': o.chain, 'data-family': o.family, 'data-metric': o.metric, 'data-first-step': o.mode },
  }) as HTMLTableElement;
  table.append(el('caption', { text: o.caption }));
  const head = el('tr', {}, [el('th', { text: 'step \\ eval year', attrs: { scope: 'col' } })]);
  for (const c of o.grid.columns) head.append(el('th', { text: String(c), attrs: { scope: 'col' } }));
  table.append(el('thead', {}, [head]));
  const body = el('tbody');
  o.grid.rows.forEach((r, i) => {
    const note = o.rowNotes?.get(r);
    const header = el('th', {
      text: note === undefined ? String(r) : `${r} ⤴`,
      attrs: note === undefined ? { scope: 'row' } : { scope: 'row', title: note, 'aria-label': `${r}, ${note}` },
    });
    if (note !== undefined) header.classList.add('inherited');
    const tr = el('tr', {}, [header]);
    o.grid.columns.forEach((c, j) => {
      const v = o.grid.values[i]?.[j] ?? null;
      const region = transferRegion(r, c, o.mode);
      const classes = [`region-${region}`];
      if (isFirstStepData(r, c)) classes.push('first-step-data');
      if (v === null) classes.push('missing');
      const td = el('td', {
        className: classes.join(' '),
        text: o.format(v),
        attrs: {
          'data-row-year': String(r),
          'data-col-year': String(c),
          'data-value': v === null ? '' : String(v),
          'data-region': region,
          title: `step ${r} on ${c} data (${regionWords[region]}): ${v === null ? 'missing' : o.describe(v)}`,
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
