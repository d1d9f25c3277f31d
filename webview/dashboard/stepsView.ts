import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import type { ChainWire, SnapshotWire } from '../../src/protocol/dashboardMessages';
import { el } from '../shared/dom';
import { preserveFocus } from '../shared/preserveFocus';
import { checkboxControl, selectControl } from './controls';
import type { DashboardState } from './dashboardState';
import { emptyText } from './emptyState';
import { exportButton, type Exporter } from './exporter';
import { exportFileName } from './exportName';
import {
  filterRows,
  formatCell,
  paramDiff,
  sortRows,
  stepRows,
  stepsColumns,
  stepsCsv,
  transferMetrics,
  visibleColumns,
  type StepRow,
  type StepsColumn,
  type StepsColumnId,
} from './stepsTable';

/**
 * The steps tab: every step of every chain as a row (its parameters, what it resumed from, its results), sorted by
 * a header, filtered by a box, with the columns the user picks, CSV export of what is shown, and the parameters
 * that differ between two rows picked by their boxes. The toolbar is built once per snapshot (typing in the
 * filter box keeps its focus); the table is rebuilt on every change.
 */
export class StepsView {
  readonly element: HTMLElement;
  private chains: ChainWire[] = [];
  private rows: StepRow[] = [];
  /** Keys of the picked rows, in the order picked (A, then B); at most two. */
  private picked: string[] = [];
  private comparing = false;
  private columnsOpen = false;
  private readonly toolbar = el('div', { className: 'toolbar steps-toolbar' });
  private readonly columnsPanel = el('fieldset', { className: 'steps-columns', attrs: { id: 'steps-columns' } });
  private readonly count = el('p', { className: 'muted steps-count', attrs: { id: 'steps-count', role: 'status' } });
  private readonly about = el('p', {
    className: 'muted steps-about',
    attrs: { id: 'steps-about' },
    text: 'Every step of every chain: its parameters, the checkpoint it resumed from, and its results (percent). Click a header to sort; tick two rows to compare their parameters.',
  });
  private readonly scroll = el('div', { className: 'steps-scroll', attrs: { id: 'steps-scroll' } });
  private readonly compare = el('section', { className: 'steps-compare', attrs: { id: 'steps-compare' } });
  private compareButton: (HTMLElement & { disabled: boolean }) | null = null;
  private metricsKey = '';

  constructor(
    private readonly state: DashboardState,
    private readonly save: () => void,
    private readonly exporter: Exporter,
  ) {
    this.element = el('div', { className: 'steps-view' });
    this.columnsPanel.hidden = true;
    this.compare.hidden = true;
  }

  update(snapshot: SnapshotWire): void {
    this.chains = [...snapshot.chains, ...(snapshot.monthlyChains ?? [])];
    if (this.chains.length === 0) {
      this.element.replaceChildren(el('p', { className: 'empty-state', text: emptyText(snapshot) }));
      return;
    }
    // The toolbar is rebuilt only when the metrics change, so a snapshot that comes while the user types in the
    // filter box leaves it alone.
    const metricsKey = JSON.stringify(transferMetrics(this.chains));
    if (metricsKey !== this.metricsKey || this.toolbar.childElementCount === 0) {
      this.metricsKey = metricsKey;
      preserveFocus(this.toolbar, () => this.buildToolbar());
    }
    if (this.element.firstChild !== this.toolbar) {
      this.buildColumnsPanel();
      this.element.replaceChildren(this.toolbar, this.columnsPanel, this.about, this.count, this.scroll, this.compare);
    }
    this.rows = stepRows(this.chains, this.metric());
    this.renderTable();
  }

  private get steps() {
    return this.state.steps;
  }

  private metric(): string | null {
    const metrics = transferMetrics(this.chains);
    if (!metrics.some((m) => m.key === this.steps.metric)) return metrics[0]?.key ?? null;
    return this.steps.metric;
  }

  private buildToolbar(): void {
    const filter = el('vscode-textfield', {
      attrs: {
        id: 'steps-filter',
        placeholder: 'Filter steps',
        'aria-label': 'Filter steps by chain, step or any text',
        type: 'search',
      },
    }) as HTMLElement & { value: string };
    filter.value = this.steps.filter;
    filter.setAttribute('value', this.steps.filter);
    filter.addEventListener('input', () => {
      this.steps.filter = (filter.value ?? '').slice(0, 200);
      this.save();
      this.renderTable();
    });
    const filterControl = el('div', { className: 'control steps-filter' }, [
      el('label', { text: 'Filter', attrs: { for: 'steps-filter' } }),
      filter,
    ]);
    const metrics = transferMetrics(this.chains);
    const metric = this.metric();
    const parts: Node[] = [filterControl];
    if (metrics.length > 0 && metric !== null)
      parts.push(
        selectControl(
          'steps-metric',
          'ID, backward, forward of',
          metrics.map((m) => ({ value: m.key, label: m.label })),
          metric,
          (value) => {
            this.steps.metric = value;
            this.save();
            this.rows = stepRows(this.chains, value);
            this.renderTable();
          },
        ).element,
      );
    const columns = el('vscode-button', {
      text: 'Columns…',
      attrs: { id: 'steps-columns-button', secondary: '', 'aria-expanded': String(this.columnsOpen) },
    });
    columns.setAttribute('aria-controls', 'steps-columns');
    columns.addEventListener('click', () => {
      this.columnsOpen = !this.columnsOpen;
      columns.setAttribute('aria-expanded', String(this.columnsOpen));
      this.columnsPanel.hidden = !this.columnsOpen;
    });
    const compare = el('vscode-button', {
      text: 'Compare Parameters',
      attrs: { id: 'steps-compare-button', secondary: '' },
    }) as HTMLElement & { disabled: boolean };
    compare.title = 'Pick two steps with their boxes to see the parameters that differ';
    compare.addEventListener('click', () => {
      if (this.picked.length !== 2) return;
      this.comparing = true;
      this.renderCompare();
      this.compare.querySelector<HTMLElement>('h2')?.focus();
    });
    this.compareButton = compare;
    const csv = exportButton('Export CSV', 'steps-csv', () => {
      const shown = this.shownRows();
      this.exporter.export(
        'csv',
        exportFileName(['tic-steps'], 'csv'),
        stepsCsv(shown, visibleColumns(this.steps.columns), this.metric()),
      );
    });
    csv.title = 'Export the rows and columns shown, in their order';
    this.toolbar.replaceChildren(...parts, el('div', { className: 'steps-actions' }, [columns, compare, csv]));
  }

  private buildColumnsPanel(): void {
    this.columnsPanel.hidden = !this.columnsOpen;
    const shown = new Set(visibleColumns(this.steps.columns).map((c) => c.id));
    const boxes = stepsColumns
      .filter((c) => !c.fixed)
      .map((c) => {
        const box = checkboxControl(`steps-column-${c.id}`, c.title, shown.has(c.id), (checked) => {
          const now = visibleColumns(this.steps.columns)
            .filter((x) => !x.fixed)
            .map((x) => x.id);
          const next: StepsColumnId[] = checked ? [...now, c.id] : now.filter((id) => id !== c.id);
          this.steps.columns = stepsColumns.filter((x) => next.includes(x.id)).map((x) => x.id);
          this.save();
          this.renderTable();
        });
        box.title = c.help;
        box.dataset.column = c.id;
        return box;
      });
    const reset = el('vscode-button', { text: 'Default Columns', attrs: { secondary: '', id: 'steps-columns-reset' } });
    reset.addEventListener('click', () => {
      this.steps.columns = null;
      this.save();
      this.buildColumnsPanel();
      this.renderTable();
    });
    this.columnsPanel.replaceChildren(
      el('legend', { text: 'Columns shown' }),
      el('div', { className: 'steps-column-boxes' }, boxes),
      reset,
    );
  }

  private shownRows(): StepRow[] {
    return sortRows(filterRows(this.rows, this.steps.filter), this.steps.sort);
  }

  private renderTable(): void {
    const known = new Set(this.rows.map((r) => r.key));
    this.picked = this.picked.filter((k) => known.has(k));
    const rows = this.shownRows();
    const columns = visibleColumns(this.steps.columns);
    this.count.textContent =
      this.rows.length === 0
        ? 'No step has an experiment yet.'
        : rows.length === this.rows.length
          ? `${rows.length} step${rows.length === 1 ? '' : 's'}`
          : `${rows.length} of ${this.rows.length} steps match the filter`;
    preserveFocus(this.scroll, () => this.scroll.replaceChildren(this.table(rows, columns)));
    if (this.compareButton) {
      this.compareButton.disabled = this.picked.length !== 2;
      if (this.picked.length !== 2) this.compareButton.setAttribute('disabled', '');
      else this.compareButton.removeAttribute('disabled');
    }
    this.renderCompare();
  }

  private table(rows: readonly StepRow[], columns: readonly StepsColumn[]): HTMLElement {
    const table = el('table', { className: 'data-table steps-table', attrs: { id: 'steps-table' } });
    // The caption is read out with the table; the sentence people see stays above the box (it would scroll).
    table.append(el('caption', { className: 'visually-hidden', text: 'Steps of every chain' }));
    table.setAttribute('aria-describedby', 'steps-about');
    const head = el('tr', {}, [
      el('th', { className: 'steps-pick', attrs: { scope: 'col' } }, [
        el('span', { className: 'visually-hidden', text: 'Compare' }),
      ]),
    ]);
    for (const column of columns) head.append(this.header(column));
    table.append(el('thead', {}, [head]));
    const body = el('tbody');
    for (const row of rows) {
      const tr = el('tr', { attrs: { 'data-row': row.key, 'data-chain': row.chain, 'data-step': String(row.step) } });
      if (this.picked.includes(row.key)) tr.classList.add('picked');
      const box = el('input', {
        attrs: {
          type: 'checkbox',
          // An id that survives a rebuild, so the keyboard focus stays on the box just ticked (preserveFocus).
          id: `steps-pick-${row.chain}-${row.step}`,
          'aria-label': `Compare ${row.chainLabel} ${row.stepText}`,
          'data-pick': '',
        },
      }) as HTMLInputElement;
      box.checked = this.picked.includes(row.key);
      box.addEventListener('change', () => this.pick(row.key, box.checked));
      tr.append(el('td', { className: 'steps-pick' }, [box]));
      for (const column of columns) {
        const value = row.values[column.id];
        const text = formatCell(column, value);
        const attrs: Record<string, string> = { 'data-column': column.id };
        const title = row.titles[column.id];
        if (title) attrs.title = title;
        if (column.id === 'lineage' && row.lineage?.fork) attrs['data-fork'] = '';
        const className = [column.kind === 'text' ? 'text' : 'num', value === null ? 'missing' : '']
          .filter(Boolean)
          .join(' ');
        tr.append(
          column.id === 'chain'
            ? el('th', { className, text, attrs: { ...attrs, scope: 'row' } })
            : el('td', { className, text, attrs }),
        );
      }
      body.append(tr);
    }
    table.append(body);
    return table;
  }

  private header(column: StepsColumn): HTMLElement {
    const sort = this.steps.sort;
    const sorted = sort?.column === column.id;
    const th = el('th', {
      className: column.kind === 'text' ? 'text' : 'num',
      attrs: { scope: 'col', 'data-column': column.id, title: column.help },
    });
    if (sorted) th.setAttribute('aria-sort', sort.descending ? 'descending' : 'ascending');
    const button = el(
      'button',
      { className: 'sort-button', attrs: { type: 'button', id: `steps-sort-${column.id}`, 'data-sort': column.id } },
      [
        document.createTextNode(column.title),
        el('span', {
          className: 'sort-mark',
          text: sorted ? (sort.descending ? ' ▼' : ' ▲') : '',
          attrs: { 'aria-hidden': 'true' },
        }),
      ],
    );
    button.addEventListener('click', () => {
      const current = this.steps.sort;
      this.steps.sort =
        current?.column !== column.id
          ? { column: column.id, descending: false }
          : current.descending
            ? null
            : { column: column.id, descending: true };
      this.save();
      this.renderTable();
    });
    th.append(button);
    return th;
  }

  /** Checks or unchecks a row; a third pick lets go of the first. */
  private pick(key: string, checked: boolean): void {
    this.picked = this.picked.filter((k) => k !== key);
    if (checked) this.picked.push(key);
    if (this.picked.length > 2) this.picked = this.picked.slice(-2);
    if (this.picked.length < 2) this.comparing = false;
    this.renderTable();
  }

  private renderCompare(): void {
    const [a, b] = this.picked.map((k) => this.rows.find((r) => r.key === k));
    this.compare.hidden = !this.comparing || a === undefined || b === undefined;
    if (this.compare.hidden || a === undefined || b === undefined) {
      this.compare.replaceChildren();
      return;
    }
    const name = (r: StepRow) => `${r.chainLabel} ${r.stepText}`;
    const close = el('vscode-button', { text: 'Close', attrs: { secondary: '', id: 'steps-compare-close' } });
    close.addEventListener('click', () => {
      this.comparing = false;
      this.renderCompare();
      this.compareButton?.focus();
    });
    const heading = el('h2', { text: 'Parameters that differ', attrs: { tabindex: '-1' } });
    const parts: Node[] = [el('div', { className: 'section-head' }, [heading, close])];
    const missing = [a, b].filter((r) => r.params === null);
    if (missing.length > 0) {
      parts.push(
        el('p', {
          className: 'muted',
          text: `${missing.map(name).join(' and ')} ${missing.length === 1 ? 'has' : 'have'} no recorded parameters (a published checkpoint has none), so there is nothing to compare.`,
        }),
      );
    } else {
      const diff = paramDiff(a.params!, b.params!);
      if (diff.length === 0) parts.push(el('p', { text: 'The two steps have the same parameters.' }));
      else {
        const table = el('table', { className: 'data-table steps-diff', attrs: { id: 'steps-diff' } });
        table.append(
          el('caption', {
            text: `${diff.length} parameter${diff.length === 1 ? '' : 's'} differ: A is ${name(a)}, B is ${name(b)}`,
          }),
          el('thead', {}, [
            el('tr', {}, [
              el('th', { text: 'Parameter', attrs: { scope: 'col' } }),
              el('th', { text: `A: ${name(a)}`, attrs: { scope: 'col' } }),
              el('th', { text: `B: ${name(b)}`, attrs: { scope: 'col' } }),
            ]),
          ]),
        );
        const body = el('tbody');
        for (const d of diff)
          body.append(
            el('tr', { attrs: { 'data-param': d.name } }, [
              el('th', { text: d.name, attrs: { scope: 'row' } }),
              el('td', {
                className: d.a === null ? 'text missing' : 'text',
                text: d.a ?? '(not set)',
                attrs: { 'data-side': 'a' },
              }),
              el('td', {
                className: d.b === null ? 'text missing' : 'text',
                text: d.b ?? '(not set)',
                attrs: { 'data-side': 'b' },
              }),
            ]),
          );
        table.append(body);
        parts.push(table);
      }
    }
    this.compare.replaceChildren(...parts);
  }
}
