import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import type { ReportWire, TensorRowWire } from '../../src/protocol/checkpointMessages';
import { el } from '../shared/dom';
import { formatBytes, formatCount, formatNumber, formatShape } from '../shared/format';
import { VirtualTable } from '../shared/virtualTable';
import { section } from './checkpointSection';

function keyValues(pairs: [string, string][]): HTMLElement {
  const list = el('dl', { className: 'kv' });
  for (const [k, v] of pairs) list.append(el('dt', { text: k }), el('dd', { text: v }));
  return list;
}

function warningsBlock(warnings: ReportWire['warnings']): HTMLElement | null {
  if (warnings.length === 0) return null;
  const dangerous = warnings.some((w) => w.kind === 'dangerousGlobal');
  const list = el('ul', { className: 'warnings-list' });
  for (const w of warnings)
    list.append(el('li', {}, [el('strong', { text: `${w.kind}: ` }), document.createTextNode(w.detail)]));
  const intro = dangerous
    ? 'This file names functions that would run code if it were loaded with torch.load. TiC Studio never runs them; do not load this file in Python unless you trust its source.'
    : 'Things to know about this file:';
  return el('section', { className: `card warnings ${dangerous ? 'danger' : ''}`, attrs: { role: 'alert' } }, [
    el('h2', { text: dangerous ? `Security warnings (${warnings.length})` : `Warnings (${warnings.length})` }),
    el('p', { text: intro }),
    list,
  ]);
}

/**
 * The inspector's report of one checkpoint, drawn into `app`: the header with Compare with…, the warnings, the
 * summary, the inferred architecture, the optimizer state and the filterable tensor table. Every string from the
 * host is inserted as text.
 */
export function renderReport(app: HTMLElement, report: ReportWire, onCompare: () => void): void {
  const top = Object.entries(report.topLevel);
  const arch = report.architecture;
  const header = el('header', { className: 'report-header' }, [
    el('h1', { text: report.file.path.split(/[\\/]/).pop() ?? report.file.path }),
    el('span', {
      className: 'muted',
      text: `${report.format} · ${formatBytes(report.file.size)} · read ${formatBytes(report.stats.bytesRead)} in ${Math.round(report.stats.elapsedMs)} ms`,
    }),
  ]);
  const compare = el('vscode-button', {
    text: 'Compare with…',
    attrs: { id: 'compare', 'aria-label': 'Compare with another checkpoint' },
  });
  compare.addEventListener('click', () => onCompare());
  header.append(compare);

  const summary = section(
    'Summary',
    keyValues([
      ['Architecture', arch ? (arch.name ?? 'unrecognised CLIP shape') : 'not a CLIP state dict'],
      [
        'Parameters',
        `${formatCount(report.totalParams)} (visual ${formatCount(report.paramsByTower.visual)}, text ${formatCount(report.paramsByTower.text)}, other ${formatCount(report.paramsByTower.other)})`,
      ],
      ['Tensors', formatCount(report.tensors.length)],
      [
        'State dict',
        report.stateDictPath === null
          ? 'not found'
          : report.stateDictPath.length === 0
            ? 'top level'
            : `under ${report.stateDictPath.map((k) => `"${k}"`).join(' → ')}`,
      ],
      ['Prefix stripped', report.stripPrefix ?? 'none'],
      ...top.map(([k, v]): [string, string] => [k, v === null ? 'None' : String(v)]),
    ]),
  );
  const parts: HTMLElement[] = [header];
  const warnings = warningsBlock(report.warnings);
  if (warnings) parts.push(warnings);
  parts.push(summary);
  if (arch) {
    parts.push(
      section(
        'Architecture (inferred from tensor shapes)',
        keyValues(
          Object.entries(arch)
            .filter(([k]) => k !== 'name')
            .map(([k, v]): [string, string] => [k, v === null ? '—' : String(v)]),
        ),
      ),
    );
  }
  if (report.optimizer) {
    const o = report.optimizer;
    const groups = el('table', { className: 'small-table' });
    groups.append(
      el(
        'tr',
        {},
        ['group', 'params', 'lr', 'betas', 'eps', 'weight decay'].map((h) => el('th', { text: h })),
      ),
    );
    o.paramGroups.forEach((g, i) =>
      groups.append(
        el(
          'tr',
          {},
          [
            String(i),
            String(g.params),
            formatNumber(g.lr, 6),
            g.betas ? g.betas.join(', ') : '—',
            formatNumber(g.eps),
            formatNumber(g.weightDecay),
          ].map((t) => el('td', { text: t })),
        ),
      ),
    );
    parts.push(
      section(
        'Optimizer',
        keyValues([
          ['State entries', formatCount(o.stateEntries)],
          ['Step', o.stepCount === null ? '—' : formatCount(o.stepCount)],
          ['State size', formatBytes(o.stateBytes)],
        ]),
        groups,
      ),
    );
  }

  const table = new VirtualTable<TensorRowWire>(
    [
      { key: 'name', label: 'Name', text: (r) => r.name, sort: (r) => r.name, width: 'minmax(240px, 3fr)' },
      { key: 'dtype', label: 'dtype', text: (r) => r.dtype, sort: (r) => r.dtype, width: '90px' },
      {
        key: 'shape',
        label: 'Shape',
        text: (r) => formatShape(r.shape),
        sort: (r) => r.shape.length * 1e12 + r.numel,
        width: 'minmax(120px, 1fr)',
      },
      {
        key: 'numel',
        label: 'Elements',
        text: (r) => formatCount(r.numel),
        sort: (r) => r.numel,
        align: 'right',
        width: '120px',
      },
      {
        key: 'bytes',
        label: 'Bytes',
        text: (r) => formatBytes(r.bytes),
        sort: (r) => r.bytes,
        align: 'right',
        width: '90px',
      },
    ],
    (r, needle) => r.name.toLowerCase().includes(needle) || r.dtype.includes(needle),
    { label: 'Tensors' },
  );
  const filter = el('vscode-textfield', {
    attrs: { placeholder: 'Filter tensors by name or dtype', 'aria-label': 'Filter tensors', id: 'tensor-filter' },
  });
  filter.addEventListener('input', () => table.setFilter((filter as HTMLInputElement).value ?? ''));
  parts.push(section('Tensors', filter, table.element));
  app.replaceChildren(...parts);
  table.setRows(report.tensors);
  app.dataset.state = 'report';
}
