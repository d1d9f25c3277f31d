import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import type { DiffWire, GroupDeltaWire, TensorDeltaWire } from '../../src/protocol/checkpointMessages';
import { el } from '../shared/dom';
import { formatNumber, formatShape } from '../shared/format';
import { VirtualTable, type Column } from '../shared/virtualTable';
import { barChart } from './barChart';
import { section } from './checkpointSection';

/** ‖B−A‖/‖A‖ and ‖B−A‖₂, the two columns every diff table has. */
function deltaColumns<T extends { relDelta: number | null; l2Delta: number }>(): Column<T>[] {
  return [
    {
      key: 'rel',
      label: '‖B−A‖/‖A‖',
      text: (r) => formatNumber(r.relDelta),
      sort: (r) => r.relDelta,
      align: 'right',
      width: '120px',
    },
    {
      key: 'l2',
      label: '‖B−A‖₂',
      text: (r) => formatNumber(r.l2Delta),
      sort: (r) => r.l2Delta,
      align: 'right',
      width: '120px',
    },
  ];
}

function groupTable(groups: GroupDeltaWire[], label: string): HTMLElement {
  const t = new VirtualTable<GroupDeltaWire>(
    [
      { key: 'name', label, text: (g) => g.name, sort: (g) => g.name, width: 'minmax(220px, 3fr)' },
      ...deltaColumns<GroupDeltaWire>(),
      {
        key: 'n',
        label: 'Tensors',
        text: (g) => String(g.tensors),
        sort: (g) => g.tensors,
        align: 'right',
        width: '80px',
      },
    ],
    (g, needle) => g.name.toLowerCase().includes(needle),
    { label, height: `${Math.min(groups.length, 12) * 24 + 8}px` },
  );
  t.setRows(groups);
  return t.element;
}

/**
 * The diff of two checkpoints, drawn into `app`: the structure differences, the relative change per block, the
 * per-tower table and the filterable per-tensor table (largest relative change first).
 */
export function renderDiff(app: HTMLElement, diff: DiffWire): void {
  const name = (p: string): string => p.split(/[\\/]/).slice(-3).join('/');
  const parts: HTMLElement[] = [
    el('header', { className: 'report-header' }, [
      el('h1', { text: 'Checkpoint diff' }),
      el('span', { className: 'muted', text: `A = ${name(diff.a)} · B = ${name(diff.b)}` }),
    ]),
  ];
  if (diff.onlyInA.length || diff.onlyInB.length || diff.shapeMismatch.length) {
    const list = el('ul', { className: 'warnings-list' });
    for (const n of diff.onlyInA) list.append(el('li', { text: `only in A: ${n}` }));
    for (const n of diff.onlyInB) list.append(el('li', { text: `only in B: ${n}` }));
    for (const m of diff.shapeMismatch)
      list.append(el('li', { text: `shape differs: ${m.name} ${formatShape(m.shapeA)} vs ${formatShape(m.shapeB)}` }));
    parts.push(el('section', { className: 'card warnings' }, [el('h2', { text: 'Structure differences' }), list]));
  }
  parts.push(
    section(
      'Relative change per block (‖B−A‖₂ / ‖A‖₂)',
      barChart(diff.blocks.map((b) => ({ label: b.name, value: b.relDelta ?? 0 }))),
    ),
  );
  parts.push(section('Per tower', groupTable(diff.towers, 'Tower')));
  const tensors = new VirtualTable<TensorDeltaWire>(
    [
      { key: 'name', label: 'Tensor', text: (t) => t.name, sort: (t) => t.name, width: 'minmax(240px, 3fr)' },
      ...deltaColumns<TensorDeltaWire>(),
      {
        key: 'cos',
        label: 'cosine(A, B)',
        text: (t) => formatNumber(t.cosine, 6),
        sort: (t) => t.cosine,
        align: 'right',
        width: '120px',
      },
    ],
    (t, needle) => t.name.toLowerCase().includes(needle),
    { label: 'Tensor changes', initialSort: { key: 'rel', dir: -1 } },
  );
  const filter = el('vscode-textfield', { attrs: { placeholder: 'Filter tensors', 'aria-label': 'Filter tensors' } });
  filter.addEventListener('input', () => tensors.setFilter((filter as HTMLInputElement).value ?? ''));
  parts.push(section('Per tensor', filter, tensors.element));
  app.replaceChildren(...parts);
  tensors.setRows(diff.tensors);
  app.dataset.state = 'diff';
}
