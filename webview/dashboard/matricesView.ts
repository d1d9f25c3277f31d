import type { ChainWire, SnapshotWire } from '../../src/protocol/dashboardMessages';
import { buildCsv } from '../shared/csv';
import { parseColor, type Rgba } from '../shared/cssColor';
import { el } from '../shared/dom';
import { preserveFocus } from '../shared/preserveFocus';
import type { ThemeColors } from '../shared/themeColors';
import { section, selectControl } from './controls';
import type { DashboardState } from './dashboardState';
import { exportButton, type Exporter } from './exporter';
import { emptyText } from './emptyState';
import { exportFileName } from './exportName';
import { divergingCellColors, heatCellColors } from './heatColors';
import { heatmapTable } from './heatmapTable';
import { imagenetCsvRows, imagenetHeader, imagenetTable } from './imagenetTable';
import {
  differenceGrid,
  findMatrix,
  formatPercent,
  formatSignedPoints,
  metricOptions,
  gridCsv,
  valueRange,
  type MetricOption,
} from './matrixMath';
import { otherTasksCsvRows, otherTasksHeader, otherTasksTable } from './otherTasksTable';
import { transferCsvRows, transferHeader, transferLegend, transferTable } from './transferTable';

const black: Rgba = { r: 0, g: 0, b: 0, a: 1 };
const white: Rgba = { r: 255, g: 255, b: 255, a: 1 };

/**
 * The matrices tab: a heatmap per chain for the chosen metric, the difference of two chains, the transfer
 * summary of all chains, ImageNet per step and the other DataComp tasks. Every table exports as CSV.
 */
export class MatricesView {
  readonly element: HTMLElement;
  private snapshot: SnapshotWire | null = null;

  constructor(
    private readonly state: DashboardState,
    private readonly save: () => void,
    private readonly exporter: Exporter,
    private readonly theme: () => ThemeColors,
  ) {
    this.element = el('div', { className: 'matrices', attrs: { id: 'matrices' } });
  }

  update(snapshot: SnapshotWire): void {
    this.snapshot = snapshot;
    this.render();
  }

  /** Colours are computed from the theme: a theme change repaints the tables. */
  render(): void {
    preserveFocus(this.element, () => this.build());
  }

  private build(): void {
    const snapshot = this.snapshot;
    if (!snapshot) return;
    const chains = snapshot.chains;
    const options = metricOptions(chains);
    if (chains.length === 0) {
      this.element.replaceChildren(el('p', { className: 'empty-state', text: emptyText(snapshot) }));
      return;
    }
    if (options.length === 0) {
      this.element.replaceChildren(
        el('p', {
          className: 'empty-state',
          text: 'No evaluation results yet. Evaluate a checkpoint (the Evaluate button on a timeline node) to fill the matrices.',
        }),
      );
      return;
    }
    if (!this.state.metric || !options.some((o) => o.key === this.state.metric)) this.state.metric = options[0]!.key;
    const key = this.state.metric;
    const option = options.find((o) => o.key === key)!;
    const keys = chains.map((c) => c.key);
    if (!this.state.diffA || !keys.includes(this.state.diffA)) this.state.diffA = keys[0]!;
    if (!this.state.diffB || !keys.includes(this.state.diffB)) this.state.diffB = keys[Math.min(1, keys.length - 1)]!;

    const metric = selectControl(
      'matrix-metric',
      'Metric',
      options.map((o) => ({ value: o.key, label: `${o.family} · ${o.metric}` })),
      key,
      (value) => {
        this.state.metric = value;
        this.save();
        this.render();
      },
    );
    const toolbar = el('div', { className: 'toolbar' }, [metric.element]);

    const t = this.theme();
    const fg = parseColor(t.foreground) ?? white;
    const bg = parseColor(t.background) ?? black;
    const accent = parseColor(t.blue) ?? fg;
    const grids = chains.map((c) => findMatrix(c, key)).filter((m) => m !== undefined);
    const range = valueRange(grids);
    const heatmaps = el('div', { className: 'heatmaps' });
    for (const chain of chains) {
      const m = findMatrix(chain, key);
      if (!m) {
        heatmaps.append(el('p', { className: 'muted', text: `${chain.label}: no ${option.metric} results yet.` }));
        continue;
      }
      const table = heatmapTable({
        grid: m,
        caption: `${chain.label} — ${option.family} ${option.metric} (percent)`,
        chain: chain.key,
        family: m.family,
        metric: m.metric,
        mode: snapshot.firstStep,
        format: formatPercent,
        colors: (v) => (range ? heatCellColors(v, range, { accent, background: bg, foreground: fg }) : null),
        describe: (v) => `${formatPercent(v)}%`,
        rowNotes: inheritedRows(chain, chains),
      });
      const csv = (): string => gridCsv(m);
      heatmaps.append(
        el('div', { className: 'table-block' }, [
          table,
          exportButton('Export CSV', `matrix:${chain.key}`, () =>
            this.exporter.export('csv', exportFileName([chain.label, m.family, m.metric], 'csv'), csv()),
          ),
        ]),
      );
    }

    this.element.replaceChildren(
      toolbar,
      section('Matrices: training step × eval year', [], heatmaps),
      this.differenceSection(chains, key, fg, bg, t),
      this.transferSection(chains, option),
      this.imagenetSection(chains),
      ...this.otherTasksSections(chains),
    );
  }

  private differenceSection(
    chains: readonly ChainWire[],
    key: string,
    fg: Rgba,
    bg: Rgba,
    t: ThemeColors,
  ): HTMLElement {
    const keys = chains.map((c) => ({ value: c.key, label: c.label }));
    const labelOf = (key: string): string => chains.find((c) => c.key === key)?.label ?? key;
    const a = selectControl('diff-a', 'Chain A', keys, this.state.diffA!, (v) => {
      this.state.diffA = v;
      this.save();
      this.render();
    });
    const b = selectControl('diff-b', 'Chain B', keys, this.state.diffB!, (v) => {
      this.state.diffB = v;
      this.save();
      this.render();
    });
    const ma = findMatrix(
      chains.find((c) => c.key === this.state.diffA)!,
      key,
    );
    const mb = findMatrix(
      chains.find((c) => c.key === this.state.diffB)!,
      key,
    );
    const body: Node[] = [el('div', { className: 'toolbar' }, [a.element, b.element])];
    if (!ma || !mb) {
      body.push(el('p', { className: 'muted', text: 'Both chains need results for this metric to compare them.' }));
    } else {
      const grid = differenceGrid(ma, mb);
      const range = valueRange([grid]);
      const maxAbs = range ? Math.max(Math.abs(range.min), Math.abs(range.max)) : 0;
      const positive = parseColor(t.green) ?? fg;
      const negative = parseColor(t.red) ?? fg;
      const label = `${labelOf(this.state.diffA!)} − ${labelOf(this.state.diffB!)}`;
      const table = heatmapTable({
        grid,
        caption: `${label}: ${ma.family} ${ma.metric}, difference in percentage points (green: A is better)`,
        chain: `${this.state.diffA} − ${this.state.diffB}`,
        family: ma.family,
        metric: ma.metric,
        mode: this.snapshot!.firstStep,
        format: formatSignedPoints,
        colors: (v) => divergingCellColors(v, maxAbs, { positive, negative, background: bg, foreground: fg }),
        describe: (v) => `${formatSignedPoints(v)} points`,
      });
      table.id = 'difference-table';
      table.dataset.chainA = this.state.diffA!;
      table.dataset.chainB = this.state.diffB!;
      body.push(
        table,
        exportButton('Export CSV', 'difference', () =>
          this.exporter.export(
            'csv',
            exportFileName(
              [labelOf(this.state.diffA!), 'minus', labelOf(this.state.diffB!), ma.family, ma.metric],
              'csv',
            ),
            gridCsv(grid),
          ),
        ),
      );
    }
    return section('Difference A − B', [], ...body);
  }

  private transferSection(chains: readonly ChainWire[], option: MetricOption): HTMLElement {
    const expanded = new Set(this.state.expanded);
    const table = transferTable(chains, option, this.snapshot!.firstStep, expanded, (chain, open) => {
      const set = new Set(this.state.expanded);
      if (open) set.add(chain);
      else set.delete(chain);
      this.state.expanded = [...set];
      this.save();
    });
    return section(
      'Transfer summary',
      [
        exportButton('Export CSV', 'transfer', () =>
          this.exporter.export(
            'csv',
            exportFileName(['tic-transfer', option.family, option.metric], 'csv'),
            buildCsv(transferHeader, transferCsvRows(chains, option.key)),
          ),
        ),
      ],
      table,
      ...[transferLegend(chains, option.key)].filter((l): l is HTMLElement => l !== null),
    );
  }

  private imagenetSection(chains: readonly ChainWire[]): HTMLElement {
    if (!chains.some((c) => c.imagenet.length > 0))
      return section('ImageNet per step', [], el('p', { className: 'muted', text: 'No ImageNet results yet.' }));
    return section(
      'ImageNet per step',
      [
        exportButton('Export CSV', 'imagenet', () =>
          this.exporter.export(
            'csv',
            exportFileName(['tic-imagenet'], 'csv'),
            buildCsv(imagenetHeader, imagenetCsvRows(chains)),
          ),
        ),
      ],
      imagenetTable(chains),
    );
  }

  private otherTasksSections(chains: readonly ChainWire[]): HTMLElement[] {
    const withTasks = chains.filter((c) => c.otherTasks.length > 0);
    if (withTasks.length === 0) return [];
    const blocks = withTasks.map((chain) =>
      el('div', { className: 'table-block' }, [
        otherTasksTable(chain),
        exportButton('Export CSV', `other:${chain.key}`, () =>
          this.exporter.export(
            'csv',
            exportFileName([chain.label, 'other-tasks'], 'csv'),
            buildCsv(otherTasksHeader, otherTasksCsvRows(chain)),
          ),
        ),
      ]),
    );
    return [section('Other DataComp tasks', [], ...blocks)];
  }
}

/** A variant's rows before its fork: the same steps (and numbers) as the chain it forked from. */
function inheritedRows(chain: ChainWire, chains: readonly ChainWire[]): Map<number, string> {
  const from = chains.find((c) => c.key === chain.forkedFrom?.chain);
  return new Map(
    chain.steps
      .filter((s) => s.inherited && s.experiment !== null)
      .map((s) => [s.year, `before the fork: the step of ${from?.label ?? 'the chain it forked from'}`]),
  );
}
