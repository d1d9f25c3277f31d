import type { ChainWire, MatrixWire, SnapshotWire, StepMarksWire } from '../../src/protocol/dashboardMessages';
import { buildCsv } from '../../src/shared/csv';
import { parseColor, type Rgba } from '../shared/cssColor';
import { el } from '../shared/dom';
import { preserveFocus } from '../shared/preserveFocus';
import type { ThemeColors } from '../shared/themeColors';
import { checkboxControl, section, selectControl } from './controls';
import type { DashboardState } from './dashboardState';
import { heatLegend } from './heatLegend';
import { exportButton, type Exporter } from './exporter';
import { emptyText } from './emptyState';
import { exportFileName } from './exportName';
import { divergingCellColors, heatCellColors } from './heatColors';
import { chainMarks, heatmapTable, markKinds, marksLegend } from './heatmapTable';
import { imagenetCsvRows, imagenetHeader, imagenetLegend, imagenetTable } from './imagenetTable';
import {
  differenceGrid,
  drillYears,
  findMatrix,
  findRollup,
  formatPercent,
  formatSignedPoints,
  metricOptions,
  monthlyColumnsOf,
  monthlyGrid,
  gridCsv,
  valueRange,
  type MetricOption,
  type MonthlyColumns,
} from './matrixMath';
import { otherTasksCsvRows, otherTasksHeader, otherTasksTable } from './otherTasksTable';
import { commonSteps, transferCsvRows, transferHeader, transferLegend, transferTable } from './transferTable';

const black: Rgba = { r: 0, g: 0, b: 0, a: 1 };
const white: Rgba = { r: 255, g: 255, b: 255, a: 1 };

/**
 * The matrices tab: a heatmap per chain for the chosen metric, the difference of two chains, the transfer
 * summary of all chains, ImageNet per step and the other DataComp tasks. Every table exports as CSV.
 *
 * Monthly chains (issue 19) come after the yearly ones. Their full matrix has the 102 eval months as columns, too
 * many to read at once: each shows its yearly roll-up (rows: its months, columns: eval years, each cell the mean
 * of that year's months) and, on demand, the months of one eval year (a column header or the select).
 */
export class MatricesView {
  readonly element: HTMLElement;
  private snapshot: SnapshotWire | null = null;
  /** An element to focus after the next render (a drill-down replaces the button that was clicked). */
  private focusNext: string | null = null;

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
    const next = this.focusNext;
    this.focusNext = null;
    if (next !== null) this.element.querySelector<HTMLElement>(next)?.focus();
  }

  private build(): void {
    const snapshot = this.snapshot;
    if (!snapshot) return;
    const yearly = snapshot.chains;
    const monthly = snapshot.monthlyChains ?? [];
    // Every list below (difference pickers, transfer, ImageNet) has the yearly chains, then the monthly ones.
    const chains = [...yearly, ...monthly];
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
    // One colour scale for the yearly chains, another for the monthly ones: the monthly tasks are other eval sets
    // than the yearly ones, and a shared scale would paint a whole monthly matrix in one shade. A roll-up's means
    // and a year's months lie within their chain's full matrix, so drilling down keeps the colours.
    const rangeOf = (list: readonly ChainWire[]) =>
      valueRange(list.map((c) => findMatrix(c, key)).filter((m) => m !== undefined));
    const scale = (list: readonly ChainWire[]) => {
      const range = rangeOf(list);
      return (v: number) => (range ? heatCellColors(v, range, { accent, background: bg, foreground: fg }) : null);
    };
    const legend = (list: readonly ChainWire[], id: string): HTMLElement[] => {
      const range = rangeOf(list);
      if (!range) return [];
      const colors = scale(list);
      return [
        heatLegend({
          id,
          low: range.min,
          high: range.max,
          lowLabel: `${formatPercent(range.min)}%`,
          highLabel: `${formatPercent(range.max)}%`,
          colors,
        }),
      ];
    };
    const colors = scale(yearly);
    const heatmaps = el('div', { className: 'heatmaps' });
    for (const chain of yearly) {
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
        colors,
        describe: (v) => `${formatPercent(v)}%`,
        rowNotes: inheritedRows(chain, chains),
        rowMarks: markedRows(chain, m),
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

    const monthlyColors = scale(monthly);
    const monthlyBlocks = monthly.map((chain, i) => this.monthlyBlock(chain, option, i, monthlyColors, chains));

    this.element.replaceChildren(
      toolbar,
      ...(yearly.length > 0
        ? [
            section(
              'Matrices: training step × eval year',
              [],
              ...legend(yearly, 'heat-legend-yearly'),
              ...present(matrixMarksLegend(yearly, key, 'marks-legend-yearly')),
              heatmaps,
            ),
          ]
        : []),
      ...(monthly.length > 0
        ? [
            section(
              'Monthly chains: training month × eval year, or × the months of one eval year',
              [],
              ...legend(monthly, 'heat-legend-monthly'),
              ...present(matrixMarksLegend(monthly, key, 'marks-legend-monthly')),
              el('div', { className: 'heatmaps' }, monthlyBlocks),
            ),
          ]
        : []),
      this.differenceSection(chains, key, fg, bg, t),
      this.transferSection(chains, option),
      this.imagenetSection(chains),
      ...this.otherTasksSections(chains),
    );
  }

  /**
   * One monthly chain's heatmap: the yearly roll-up by default, or the months of the eval year chosen (a roll-up
   * column header, or the select), with a way back to all years. Missing cells stay "—".
   */
  private monthlyBlock(
    chain: ChainWire,
    option: MetricOption,
    index: number,
    colors: (v: number) => ReturnType<typeof heatCellColors> | null,
    chains: readonly ChainWire[],
  ): HTMLElement {
    const m = findMatrix(chain, option.key);
    if (!m)
      return el('p', {
        className: 'muted',
        attrs: { 'data-chain': chain.key },
        text: `${chain.label}: no ${option.metric} results yet.`,
      });
    const saved = Object.hasOwn(this.state.monthlyColumns, chain.key)
      ? this.state.monthlyColumns[chain.key]
      : undefined;
    let columns: MonthlyColumns = monthlyColumnsOf(chain, option.key, saved);
    // A host that sent no roll-up (none is older than monthly chains, but the field is optional): the first year.
    if (columns === 'years' && !findRollup(chain, option.key)) columns = drillYears(chain, option.key)[0] ?? 'years';
    const grid = monthlyGrid(chain, option.key, columns);
    const years = drillYears(chain, option.key);
    const show = (next: MonthlyColumns, focus: string): void => {
      if (next === 'years') delete this.state.monthlyColumns[chain.key];
      else this.state.monthlyColumns[chain.key] = next;
      this.save();
      this.focusNext = focus;
      this.render();
    };
    const selectId = `monthly-columns-${index}`;
    const select = selectControl(
      selectId,
      'Eval columns',
      [
        { value: 'years', label: 'All years (yearly means)' },
        ...years.map((y) => ({ value: String(y), label: `The months of ${y}` })),
      ],
      String(columns),
      (value) => show(value === 'years' ? 'years' : Number(value), `#${selectId}`),
    );
    const controls: Node[] = [select.element];
    const backId = `monthly-back-${index}`;
    if (columns !== 'years') {
      const back = el('button', {
        className: 'heatmap-back',
        text: '← All eval years',
        attrs: { type: 'button', id: backId, 'data-chain': chain.key, title: 'Back to the yearly means' },
      });
      back.addEventListener('click', () =>
        show('years', `table.heatmap[data-chain="${CSS.escape(chain.key)}"] button[data-drill="${columns}"]`),
      );
      controls.push(back);
    }
    const parts: Node[] = [el('div', { className: 'toolbar' }, controls)];
    if (chain.branch)
      parts.unshift(el('p', { className: 'muted monthly-branch', text: `Branched off ${chain.branch.label}.` }));
    if (!grid) {
      parts.push(el('p', { className: 'muted', text: `${chain.label}: no ${option.metric} results to show here.` }));
      return el('div', { className: 'table-block', attrs: { 'data-chain': chain.key } }, parts);
    }
    const rollup = columns === 'years';
    const table = heatmapTable({
      grid,
      kind: rollup ? 'rollup' : 'months',
      caption: rollup
        ? `${chain.label} — ${option.family} ${option.metric} (percent), yearly means: each cell is the mean of that eval year's months`
        : `${chain.label} — ${option.family} ${option.metric} (percent), the eval months of ${columns}`,
      chain: chain.key,
      family: m.family,
      metric: m.metric,
      mode: 'separate',
      format: formatPercent,
      colors,
      describe: (v) => `${formatPercent(v)}%`,
      rowNotes: inheritedRows(chain, chains),
      rowMarks: markedRows(chain, grid),
      ...(rollup
        ? {
            columnAction: {
              title: (y: number) => `Show the months of ${y}`,
              run: (y: number) => show(y, `#${backId}`),
            },
          }
        : {}),
    });
    table.dataset.view = String(columns);
    parts.push(
      table,
      el('p', {
        className: 'muted heatmap-legend',
        text: rollup
          ? "Each cell is the mean of the eval year's evaluated months (— when none was). A row's own year (dashed) is mixed: it averages the months before, at and after the step. Choose a year to see its months."
          : "Outlined: the step's own month (in-distribution); earlier months are backward, later ones forward.",
      }),
    );
    const exports = [
      exportButton('Export CSV (all eval months)', `matrix:${chain.key}`, () =>
        this.exporter.export('csv', exportFileName([chain.label, m.family, m.metric], 'csv'), gridCsv(m)),
      ),
    ];
    if (rollup)
      exports.push(
        exportButton('Export CSV (yearly means)', `rollup:${chain.key}`, () =>
          this.exporter.export(
            'csv',
            exportFileName([chain.label, m.family, m.metric, 'yearly-means'], 'csv'),
            gridCsv(grid),
          ),
        ),
      );
    parts.push(el('div', { className: 'toolbar' }, exports));
    return el('div', { className: 'table-block', attrs: { 'data-chain': chain.key } }, parts);
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
    const chainA = chains.find((c) => c.key === this.state.diffA)!;
    const chainB = chains.find((c) => c.key === this.state.diffB)!;
    // Monthly chains compare by their yearly means (rows: months); a month row never meets a year row.
    const monthlyA = chainA.timescale === 'monthly';
    const monthlyB = chainB.timescale === 'monthly';
    const ma = monthlyA ? findRollup(chainA, key) : findMatrix(chainA, key);
    const mb = monthlyB ? findRollup(chainB, key) : findMatrix(chainB, key);
    const body: Node[] = [el('div', { className: 'toolbar' }, [a.element, b.element])];
    if (monthlyA !== monthlyB) {
      body.push(
        el('p', {
          className: 'muted',
          text: 'A monthly chain compares only with another monthly chain: its rows are months, a yearly chain’s are years.',
        }),
      );
    } else if (!ma || !mb) {
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
        caption: `${label}: ${ma.family} ${ma.metric}, difference in percentage points (green: A is better)${monthlyA ? ", of the yearly means of each eval year's months" : ''}`,
        chain: `${this.state.diffA} − ${this.state.diffB}`,
        family: ma.family,
        metric: ma.metric,
        mode: monthlyA ? 'separate' : this.snapshot!.firstStep,
        kind: monthlyA ? 'rollup' : 'yearly',
        format: formatSignedPoints,
        colors: (v) => divergingCellColors(v, maxAbs, { positive, negative, background: bg, foreground: fg }),
        describe: (v) => `${formatSignedPoints(v)} points`,
        rowMarks: eitherMarks(chainA, chainB, grid),
      });
      table.id = 'difference-table';
      if (maxAbs > 0)
        body.push(
          heatLegend({
            id: 'heat-legend-difference',
            low: -maxAbs,
            high: maxAbs,
            lowLabel: `${formatSignedPoints(-maxAbs)} points (B better)`,
            highLabel: `${formatSignedPoints(maxAbs)} points (A better)`,
            colors: (v) => divergingCellColors(v, maxAbs, { positive, negative, background: bg, foreground: fg }),
          }),
        );
      table.dataset.chainA = this.state.diffA!;
      table.dataset.chainB = this.state.diffB!;
      const marks = eitherMarks(chainA, chainB, grid);
      body.push(
        table,
        ...present(marksLegend(markKinds(marks.values()), 'marks-legend-difference')),
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
    const include = this.state.includeUnfinished;
    const common = this.state.commonSteps ? commonSteps(chains, option.key, include) : null;
    const table = transferTable(
      chains,
      option,
      this.snapshot!.firstStep,
      expanded,
      (chain, open) => {
        const set = new Set(this.state.expanded);
        if (open) set.add(chain);
        else set.delete(chain);
        this.state.expanded = [...set];
        this.save();
      },
      common,
      include,
    );
    const commonBox = checkboxControl('transfer-common-steps', 'Common steps only', this.state.commonSteps, (on) => {
      this.state.commonSteps = on;
      this.save();
      this.focusNext = '#transfer-common-steps';
      this.render();
    });
    commonBox.title =
      'Summaries over only the steps every chain has results for, so that chains compare like with like';
    const unfinishedBox = checkboxControl('transfer-include-unfinished', 'Include unfinished steps', include, (on) => {
      this.state.includeUnfinished = on;
      this.save();
      this.focusNext = '#transfer-include-unfinished';
      this.render();
    });
    unfinishedBox.title =
      'Count the steps whose training did not finish (stopped, failed or still running) in the summaries: their results are of an earlier checkpoint';
    return section(
      'Transfer summary',
      [
        commonBox,
        unfinishedBox,
        exportButton('Export CSV', 'transfer', () =>
          this.exporter.export(
            'csv',
            exportFileName(['tic-transfer', option.family, option.metric], 'csv'),
            buildCsv(transferHeader, transferCsvRows(chains, option.key, common, include)),
          ),
        ),
      ],
      table,
      ...present(transferLegend(chains, option.key, include)),
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
      ...present(imagenetLegend(chains)),
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

/** The element, as a list to spread: none for null. */
function present(e: HTMLElement | null): HTMLElement[] {
  return e === null ? [] : [e];
}

/** A heatmap's rows that show a value: a mark is on numbers, a row of "—" has none to mark. */
function rowsWithValues(grid: Pick<MatrixWire, 'rows' | 'values'>): number[] {
  return grid.rows.filter((_, i) => grid.values[i]?.some((v) => v !== null) ?? false);
}

/** The marks of the chain's steps among the heatmap's rows with a value. */
function markedRows(chain: ChainWire, grid: Pick<MatrixWire, 'rows' | 'values'>): Map<number, StepMarksWire> {
  const marks = chainMarks(chain);
  return new Map(rowsWithValues(grid).flatMap((r) => (marks.has(r) ? [[r, marks.get(r)!] as const] : [])));
}

/** A difference's rows with a value: marked when the step is marked in either chain. */
function eitherMarks(
  a: ChainWire,
  b: ChainWire,
  grid: Pick<MatrixWire, 'rows' | 'values'>,
): Map<number, StepMarksWire> {
  const ma = chainMarks(a);
  const mb = chainMarks(b);
  const out = new Map<number, StepMarksWire>();
  for (const r of rowsWithValues(grid)) {
    const x = ma.get(r);
    const y = mb.get(r);
    if (!x && !y) continue;
    out.set(r, {
      simulated: (x?.simulated ?? false) || (y?.simulated ?? false),
      unfinished: x?.unfinished ?? y?.unfinished ?? null,
    });
  }
  return out;
}

/** The legend under a group of heatmaps: one line per mark on a row of the metric's matrices. */
function matrixMarksLegend(chains: readonly ChainWire[], key: string, id: string): HTMLElement | null {
  return marksLegend(
    markKinds(
      chains.flatMap((c) => {
        const m = findMatrix(c, key);
        return m ? [...markedRows(c, m).values()] : [];
      }),
    ),
    id,
  );
}
