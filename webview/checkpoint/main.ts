import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import '@vscode-elements/elements/dist/vscode-progress-bar/index.js';
import {
  parseHostToInspector,
  type DiffWire,
  type GroupDeltaWire,
  type HostToInspector,
  type InspectorToHost,
  type ReportWire,
  type TensorDeltaWire,
  type TensorRowWire,
} from '../../src/protocol/checkpointMessages';
import { ProtocolError } from '../../src/protocol/validate';
import { el } from '../shared/dom';
import { formatBytes, formatCount, formatNumber, formatShape } from '../shared/format';
import { VirtualTable, type Column } from '../shared/virtualTable';
import { getVsCodeApi } from '../shared/vscodeApi';
import { barChart } from './barChart';

/** The checkpoint inspector and diff webview. All host data is validated, then inserted as text only. */
const vscode = getVsCodeApi<{ last?: HostToInspector }>();
const app = document.getElementById('app')!;

function send(message: InspectorToHost): void {
  vscode.postMessage(message);
}

function section(title: string, ...children: Node[]): HTMLElement {
  return el('section', { className: 'card' }, [el('h2', { text: title }), ...children]);
}

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

function renderReport(report: ReportWire): void {
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
  compare.addEventListener('click', () => send({ type: 'compareWith' }));
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

function renderDiff(diff: DiffWire): void {
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

function renderProgress(message: Extract<HostToInspector, { type: 'diffProgress' | 'loading' }>): void {
  const text =
    message.type === 'loading' ? `Reading ${message.path}…` : `Comparing tensors: ${message.done} of ${message.total}`;
  const bar = el('vscode-progress-bar', { attrs: { 'aria-label': text } });
  const cancel = el('vscode-button', { text: 'Cancel', attrs: { secondary: '' } });
  cancel.addEventListener('click', () => send({ type: 'cancel' }));
  app.replaceChildren(el('p', { text }), bar, ...(message.type === 'diffProgress' ? [cancel] : []));
  app.dataset.state = 'loading';
}

function renderError(reason: string, message: string): void {
  app.replaceChildren(
    el('section', { className: 'card warnings danger', attrs: { role: 'alert' } }, [
      el('h2', { text: `Cannot read this checkpoint (${reason})` }),
      el('p', { text: message }),
    ]),
  );
  app.dataset.state = 'error';
}

function handle(message: HostToInspector): void {
  switch (message.type) {
    case 'report':
      renderReport(message.report);
      break;
    case 'diff':
      renderDiff(message.diff);
      break;
    case 'loading':
    case 'diffProgress':
      renderProgress(message);
      break;
    case 'error':
      renderError(message.reason, message.message);
      break;
  }
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const message = parseHostToInspector(event.data);
  if (message instanceof ProtocolError) {
    console.warn(`TiC Studio: dropped a host message (${message.detail})`);
    return;
  }
  if (message.type === 'report' || message.type === 'diff') vscode.setState({ last: message });
  handle(message);
});

const saved = vscode.getState()?.last;
if (saved) handle(saved);
send({ type: 'ready' });
