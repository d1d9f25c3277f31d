import type { ChainWire } from '../../src/protocol/dashboardMessages';
import type { CsvCell } from '../../src/shared/csv';
import { formatTimeStep } from '../../src/tic/ticTimeStep';
import { el } from '../shared/dom';
import { formatPercent } from './matrixMath';

export const otherTasksHeader = ['chain', 'step', 'task', 'dataset', 'value'];

export function otherTasksCsvRows(chain: ChainWire): CsvCell[][] {
  return chain.otherTasks.map((o): CsvCell[] => [chain.label, formatTimeStep(o.year), o.key, o.dataset, o.value]);
}

/** The other DataComp evaluation tasks of one chain: a row per task, a column per training step (percent). */
export function otherTasksTable(chain: ChainWire): HTMLTableElement {
  const years = [...new Set(chain.otherTasks.map((o) => o.year))].sort((a, b) => a - b);
  const tasks = new Map<string, string>();
  for (const o of chain.otherTasks) if (!tasks.has(o.key)) tasks.set(o.key, o.dataset);
  const table = el('table', {
    className: 'data-table other-tasks',
    attrs: { 'data-chain': chain.key },
  }) as HTMLTableElement;
  table.append(el('caption', { text: `Other DataComp tasks of ${chain.label} (percent)` }));
  table.append(
    el('thead', {}, [
      el('tr', {}, [
        el('th', { text: 'task', attrs: { scope: 'col' } }),
        ...years.map((y) => el('th', { text: formatTimeStep(y), attrs: { scope: 'col' } })),
      ]),
    ]),
  );
  const body = el('tbody');
  for (const [key, dataset] of [...tasks].sort((a, b) => a[0].localeCompare(b[0]))) {
    const row = el('tr', { attrs: { 'data-task': key } }, [
      el('th', { text: dataset && dataset !== key ? `${key} (${dataset})` : key, attrs: { scope: 'row' } }),
    ]);
    for (const y of years) {
      const v = chain.otherTasks.find((o) => o.key === key && o.year === y)?.value ?? null;
      row.append(
        el('td', {
          className: v === null ? 'num missing' : 'num',
          text: formatPercent(v),
          attrs: { 'data-step': String(y), 'data-value': v === null ? '' : String(v) },
        }),
      );
    }
    body.append(row);
  }
  table.append(body);
  return table;
}
