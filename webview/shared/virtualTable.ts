import { el } from './dom';

export interface Column<Row> {
  key: string;
  label: string;
  /** Text shown in the cell (always inserted as text). */
  text: (row: Row) => string;
  /** Value used for sorting; numbers sort numerically, null last. */
  sort: (row: Row) => number | string | null;
  align?: 'left' | 'right';
  width: string;
}

const rowHeight = 24;
const overscan = 12;

/**
 * A sortable, filterable table that renders only the rows in view, so 100,000 tensors scroll as smoothly as 10.
 * Header cells are buttons (keyboard reachable) carrying aria-sort; the body is a grid with aria-rowcount.
 */
export class VirtualTable<Row> {
  readonly element: HTMLElement;
  private readonly viewport: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly body: HTMLElement;
  private readonly count: HTMLElement;
  private readonly headerButtons = new Map<string, HTMLElement>();
  private all: Row[] = [];
  private shown: Row[] = [];
  private filter = '';
  private sortKey: string | null = null;
  private sortDir: 1 | -1 = 1;
  private frame = 0;

  constructor(
    private readonly columns: Column<Row>[],
    private readonly matches: (row: Row, needle: string) => boolean,
    options: { label: string; height?: string; initialSort?: { key: string; dir: 1 | -1 } },
  ) {
    const template = columns.map((c) => c.width).join(' ');
    const header = el('div', { className: 'vt-header', attrs: { role: 'row' } });
    header.style.gridTemplateColumns = template;
    for (const column of columns) {
      const button = el('button', {
        className: `vt-head ${column.align === 'right' ? 'right' : ''}`,
        text: column.label,
        attrs: { role: 'columnheader', 'aria-sort': 'none', title: `Sort by ${column.label}` },
      });
      button.addEventListener('click', () => this.sortBy(column.key));
      this.headerButtons.set(column.key, button);
      header.append(button);
    }
    this.spacer = el('div', { className: 'vt-spacer' });
    this.body = el('div', { className: 'vt-rows', attrs: { role: 'rowgroup' } });
    this.viewport = el('div', { className: 'vt-viewport', attrs: { tabindex: '0', 'aria-label': options.label } }, [
      this.spacer,
      this.body,
    ]);
    this.viewport.style.height = options.height ?? '60vh';
    this.viewport.addEventListener('scroll', () => this.schedule());
    this.count = el('span', { className: 'muted vt-count' });
    this.element = el('div', { className: 'vt', attrs: { role: 'grid', 'aria-label': options.label } }, [
      header,
      this.viewport,
      this.count,
    ]);
    this.element.style.setProperty('--vt-columns', template);
    if (options.initialSort) {
      this.sortKey = options.initialSort.key;
      this.sortDir = options.initialSort.dir;
    }
  }

  setRows(rows: Row[]): void {
    this.all = rows;
    this.apply();
  }

  setFilter(needle: string): void {
    this.filter = needle.trim().toLowerCase();
    this.apply();
  }

  sortBy(key: string): void {
    this.sortDir = this.sortKey === key ? (this.sortDir === 1 ? -1 : 1) : 1;
    this.sortKey = key;
    this.apply();
  }

  /** The rows currently shown, in order (after filter and sort). */
  get visibleRows(): readonly Row[] {
    return this.shown;
  }

  private apply(): void {
    const needle = this.filter;
    this.shown = needle ? this.all.filter((r) => this.matches(r, needle)) : this.all.slice();
    const column = this.columns.find((c) => c.key === this.sortKey);
    if (column) {
      const dir = this.sortDir;
      this.shown.sort((a, b) => compare(column.sort(a), column.sort(b)) * dir);
    }
    for (const [key, button] of this.headerButtons) {
      button.setAttribute('aria-sort', key !== this.sortKey ? 'none' : this.sortDir === 1 ? 'ascending' : 'descending');
    }
    this.element.setAttribute('aria-rowcount', String(this.shown.length));
    this.count.textContent =
      this.shown.length === this.all.length
        ? `${this.all.length} rows`
        : `${this.shown.length} of ${this.all.length} rows`;
    this.spacer.style.height = `${this.shown.length * rowHeight}px`;
    this.render();
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
    });
  }

  private render(): void {
    const top = this.viewport.scrollTop;
    const height = this.viewport.clientHeight || 600;
    const first = Math.max(0, Math.floor(top / rowHeight) - overscan);
    const last = Math.min(this.shown.length, Math.ceil((top + height) / rowHeight) + overscan);
    const rows: HTMLElement[] = [];
    for (let i = first; i < last; i++) {
      const row = this.shown[i]!;
      const line = el('div', { className: 'vt-row', attrs: { role: 'row', 'aria-rowindex': String(i + 1) } });
      line.style.gridTemplateColumns = 'var(--vt-columns)';
      for (const column of this.columns) {
        line.append(
          el('div', {
            className: `vt-cell ${column.align === 'right' ? 'right' : ''}`,
            text: column.text(row),
            attrs: { role: 'gridcell' },
          }),
        );
      }
      rows.push(line);
    }
    this.body.style.transform = `translateY(${first * rowHeight}px)`;
    this.body.replaceChildren(...rows);
  }
}

function compare(a: number | string | null, b: number | string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a).localeCompare(String(b), undefined, { numeric: true });
}
