import type { ChainWire } from '../../src/protocol/dashboardMessages';
import type { CsvCell } from '../../src/shared/csv';
import { formatTimeStep } from '../../src/tic/ticTimeStep';
import { el } from '../shared/dom';
import { formatPercent } from './matrixMath';

export const imagenetHeader = ['chain', 'step', 'top1', 'top5', 'source'];

export function imagenetCsvRows(chains: readonly ChainWire[]): CsvCell[][] {
  return chains.flatMap((c) =>
    c.imagenet.map((i): CsvCell[] => [c.label, formatTimeStep(i.year), i.top1, i.top5, i.source]),
  );
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
    for (const y of years) {
      const i = chain.imagenet.find((x) => x.year === y);
      for (const kind of ['top1', 'top5'] as const) {
        const v = i ? i[kind] : null;
        row.append(
          el('td', {
            className: v === null ? 'num missing' : 'num',
            text: formatPercent(v),
            attrs: {
              'data-step': String(y),
              'data-kind': kind,
              'data-value': v === null ? '' : String(v),
              ...(i ? { title: i.source } : {}),
            },
          }),
        );
      }
    }
    body.append(row);
  }
  table.append(body);
  return table;
}
