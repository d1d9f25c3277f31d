import type { ChainWire, ImageNetWire } from '../../src/protocol/dashboardMessages';
import type { CsvCell } from '../../src/shared/csv';
import { formatTimeStep } from '../../src/tic/ticTimeStep';
import { el } from '../shared/dom';
import { formatPercent } from './matrixMath';
import { chainMarks, markBadges, markKinds, marksLegend, marksOf } from './heatmapTable';

export const imagenetHeader = ['chain', 'step', 'top1', 'top5', 'source'];

export function imagenetCsvRows(chains: readonly ChainWire[]): CsvCell[][] {
  return chains.flatMap((c) =>
    c.imagenet.map((i): CsvCell[] => [c.label, formatTimeStep(i.year), i.top1, i.top5, i.source]),
  );
}

/** Where a value came from, for its tooltip. */
export function imagenetSourceText(i: ImageNetWire): string {
  if (i.source === 'evalResults') return 'evaluate.py imagenet1k';
  if (i.source === 'trainingZeroShot')
    return i.epoch === undefined || i.epoch === null
      ? 'zero-shot during training'
      : `zero-shot during training, after epoch ${i.epoch}`;
  return i.source;
}

/** The legend under the ImageNet table: one line per step mark shown; null when none is. */
export function imagenetLegend(chains: readonly ChainWire[]): HTMLElement | null {
  return marksLegend(markKinds(chains.flatMap((c) => c.imagenet.map((i) => marksOf(c, i.year)))), 'imagenet-legend');
}

/**
 * ImageNet zero-shot top-1 / top-5 (percent) per chain (rows) and training step (column pairs): the years, then
 * the months of monthly chains (`2020-01`); a chain without a step there shows "—".
 */
export function imagenetTable(chains: readonly ChainWire[]): HTMLTableElement {
  const years = [...new Set(chains.flatMap((c) => c.imagenet.map((i) => i.year)))].sort((a, b) => a - b);
  const table = el('table', { className: 'data-table imagenet', attrs: { id: 'imagenet-table' } }) as HTMLTableElement;
  table.append(el('caption', { text: 'ImageNet zero-shot accuracy (percent) of each training step' }));
  const top = el('tr', {}, [el('th', { text: 'chain', attrs: { scope: 'col', rowspan: '2' } })]);
  const sub = el('tr');
  for (const y of years) {
    top.append(el('th', { text: formatTimeStep(y), attrs: { scope: 'colgroup', colspan: '2' } }));
    sub.append(
      el('th', { text: 'top-1', attrs: { scope: 'col' } }),
      el('th', { text: 'top-5', attrs: { scope: 'col' } }),
    );
  }
  table.append(el('thead', {}, [top, sub]));
  const body = el('tbody');
  for (const chain of chains) {
    const row = el('tr', { attrs: { 'data-chain': chain.key } }, [
      el('th', { text: chain.label, attrs: { scope: 'row' } }),
    ]);
    const marks = chainMarks(chain);
    for (const y of years) {
      const i = chain.imagenet.find((x) => x.year === y);
      const stepMarks = i ? marks.get(y) : undefined;
      for (const kind of ['top1', 'top5'] as const) {
        const v = i ? i[kind] : null;
        const cell = el('td', {
          className: v === null ? 'num missing' : 'num',
          text: formatPercent(v),
          attrs: {
            'data-step': String(y),
            'data-kind': kind,
            'data-value': v === null ? '' : String(v),
            ...(i ? { title: imagenetSourceText(i) } : {}),
          },
        });
        // The badges once per step, under its top-1.
        if (stepMarks && kind === 'top1') cell.append(el('span', { className: 'cell-marks' }, markBadges(stepMarks)));
        row.append(cell);
      }
    }
    body.append(row);
  }
  table.append(body);
  return table;
}
