import '@vscode-elements/elements/dist/vscode-button/index.js';
import type { ChainWire, DashboardToHost, SnapshotWire, StepNodeWire } from '../../src/protocol/dashboardMessages';
import { el } from '../shared/dom';
import { formatCount } from '../shared/format';
import { preserveFocus } from '../shared/preserveFocus';
import { sceneToSvg } from '../shared/sceneToSvg';
import type { ThemeColors } from '../shared/themeColors';
import type { XRange } from '../shared/zoomRange';
import { formatTimeStep } from '../../src/tic/ticTimeStep';
import {
  defaultMonthRange,
  isDenseMonthView,
  snapMonthRange,
  visibleMonthColumns,
  type MonthColumn,
} from './monthAxis';

/** What the month section's label column and gutters take of the timeline's width, about (CSS pixels). */
const monthLabelAllowancePx = 320;
import { buildMonthGrid, monthZoomBar, type MonthlyChainWire } from './monthTimeline';
import { section } from './controls';
import { exportButton, type Exporter } from './exporter';
import { exportFileName } from './exportName';
import {
  canEvaluate,
  checkpointGlyph,
  checkpointWords,
  evalGlyph,
  evalWords,
  branchLinks,
  branchRoute,
  forkLinks,
  inheritedYears,
  type ForkLink,
  laneDescription,
  laneOrder,
  monthlyLaneOrder,
  ownSteps,
  runWords,
  stepLabel,
  stepSpan,
  svgPathOf,
  timelineYears,
} from './timelineModel';
import { buildTimelineScene } from './timelineScene';
import { formatSamples } from './volumeFormat';
import { computeLine, computeSentence, problemLine } from '../../src/protocol/protocolMarks';

/**
 * The year timeline: eval/data years across, the TiC-DataComp size of each year as a bar, and one swimlane per
 * chain with a focusable node (a button) per training step. Built from HTML and CSS (grid), so nodes are real
 * buttons; the exports draw the same content as a scene (timelineScene.ts).
 */
export class TimelineView {
  readonly element: HTMLElement;
  private readonly body: HTMLElement;
  private snapshot: SnapshotWire | null = null;
  /** The lanes in drawing order (variants under their parent). */
  private lanes: ChainWire[] = [];
  private grid: HTMLElement | null = null;
  /** The monthly lanes in drawing order (none: the timeline is the yearly one alone). */
  private monthlyLanes: MonthlyChainWire[] = [];
  /** The month section and the wrapper holding both grids and the branch connectors (null without monthly chains). */
  private monthGrid: HTMLElement | null = null;
  private stack: HTMLElement | null = null;
  /** The months shown: undefined follows the chains (fitted), null shows every month. */
  private monthView: XRange | null | undefined = undefined;
  /** Whether the month section was drawn dense (so a resize that changes it draws it again). */
  private monthDense = false;
  private readonly resize = new ResizeObserver(() => this.resized());

  constructor(
    private readonly send: (message: DashboardToHost) => void,
    private readonly exporter: Exporter,
    private readonly theme: () => ThemeColors,
  ) {
    this.body = el('div', { className: 'timeline-body' });
    this.element = section(
      'Timeline',
      [
        this.exporter.transparentBox('timeline-png-transparent'),
        exportButton('Export PNG', 'timeline-png', () => this.exportPng()),
        exportButton('Export SVG', 'timeline-svg', () => this.exportSvg()),
      ],
      this.body,
      legend(),
    );
    this.element.id = 'timeline';
  }

  update(snapshot: SnapshotWire): void {
    this.snapshot = snapshot;
    this.lanes = laneOrder(snapshot.chains);
    const monthly = snapshot.monthlyChains ?? [];
    this.monthlyLanes = monthlyLaneOrder(
      monthly,
      this.lanes.map((c) => c.key),
    );
    const labels = new Map([...snapshot.chains, ...monthly].map((c) => [c.key, c.label]));
    const steps = snapshot.chains.flatMap((c) => c.steps);
    const years = timelineYears(snapshot.dataVolume, steps);
    const grid = el('div', {
      className: 'tl-grid',
      attrs: {
        role: 'region',
        'aria-label': `Training timeline: ${snapshot.chains.length} chains over ${years[0]}–${years[years.length - 1]}`,
      },
    });
    // The label column grows with the longest label up to a bound; a longer label ends in an ellipsis (full text
    // in its tooltip and accessible name).
    grid.style.gridTemplateColumns = `fit-content(24em) repeat(${years.length}, minmax(5.5em, 1fr))`;
    const col = (year: number): number => year - years[0]! + 2;

    // Header row: years; then the data volume per year.
    grid.append(el('div', { className: 'tl-corner muted', text: 'data year' }));
    for (const year of years) grid.append(el('div', { className: 'tl-year', text: String(year) }));
    grid.append(el('div', { className: 'tl-lane-label muted', text: 'samples' }));
    const max = Math.max(1, ...snapshot.dataVolume.map((d) => d.samples));
    for (const year of years) {
      const volume = snapshot.dataVolume.find((d) => d.year === year);
      const cell = el('div', { className: 'tl-volume', attrs: { 'data-year': String(year) } });
      if (volume) {
        const label = formatSamples(volume.samples, volume.approximate);
        const bar = el('div', { className: 'tl-volume-bar' });
        bar.style.height = `${Math.max(2, (volume.samples / max) * 100)}%`;
        cell.append(el('span', { className: 'tl-volume-label', text: label }), bar);
        cell.title = `${year}: ${volume.approximate ? 'about ' : ''}${formatCount(volume.samples)} samples`;
        cell.setAttribute('aria-label', cell.title);
        cell.setAttribute('role', 'img');
      }
      grid.append(cell);
    }

    const span = (year: number): [number, number] | null => {
      const [a, b] = stepSpan(year);
      const from = Math.max(a, years[0]!);
      const to = Math.min(b, years[years.length - 1]!);
      return from > to ? null : [col(from), col(to) + 1];
    };
    this.lanes.forEach((chain, lane) => {
      const row = lane + 3;
      const parentLabel = chain.forkedFrom ? (labels.get(chain.forkedFrom.chain) ?? null) : null;
      const description = laneDescription(chain, parentLabel);
      const label = el('div', {
        className: `tl-lane-label${chain.forkedFrom ? ' variant' : ''}`,
        attrs: {
          title: description,
          'aria-label': description,
          role: 'heading',
          'aria-level': '3',
          'data-chain': chain.key,
        },
      });
      label.append(el('span', { className: 'tl-lane-name', text: chain.label }));
      if (chain.root) label.append(el('span', { className: 'tl-lane-root muted', text: chain.root }));
      const compute = chain.compute ? computeLine(chain.compute) : null;
      if (chain.compute && compute !== null) {
        // The lineage's cumulative compute, a line of its own under the name (the tooltip says it in full).
        const sentence = computeSentence(chain.compute);
        label.append(
          el('span', {
            className: 'tl-lane-compute muted',
            text: `Σ ${compute}`,
            attrs: { title: sentence, 'data-chain': chain.key },
          }),
        );
        label.setAttribute('aria-label', `${description}. ${sentence}`);
      }
      label.style.gridRow = String(row);
      const band = el('div', { className: 'tl-lane-band' });
      band.style.gridRow = String(row);
      band.style.gridColumn = `2 / ${years.length + 2}`;
      grid.append(label, band);
      const inherited = inheritedYears(chain);
      if (inherited.length > 0 && chain.forkedFrom) {
        // The shared steps are drawn once, in the parent's lane; here a note stands in their place.
        const first = span(Math.min(...inherited));
        const last = span(Math.max(...inherited));
        if (first && last) {
          const fork = chain.forkedFrom.year;
          const note = el('div', {
            className: 'tl-inherited muted',
            text: `forks after ${fork}`,
            attrs: {
              title: `${chain.label} shares ${inherited.join(', ')} with ${parentLabel ?? chain.forkedFrom.chain}`,
              'data-chain': chain.key,
            },
          });
          note.style.gridRow = String(row);
          note.style.gridColumn = `${first[0]} / ${last[1]}`;
          grid.append(note);
        }
      }
      for (const step of ownSteps(chain)) {
        const cols = span(step.year);
        if (!cols) continue;
        const cell = this.node(chain.key, chain.label, step);
        cell.style.gridRow = String(row);
        cell.style.gridColumn = `${cols[0]} / ${cols[1]}`;
        grid.append(cell);
      }
    });
    grid.append(el('div', { className: 'tl-forks-layer', attrs: { 'aria-hidden': 'true' } }));
    if (snapshot.chains.length === 0 && this.monthlyLanes.length === 0) {
      const empty = el('p', {
        className: 'tl-empty muted',
        text: 'No chains yet: the training steps of each chain appear here as a lane.',
      });
      empty.style.gridColumn = `1 / ${years.length + 2}`;
      grid.append(empty);
    }
    const monthGrid = this.monthlyLanes.length > 0 ? this.buildMonths(labels) : null;
    // Without monthly chains the yearly grid stands alone, exactly as before they existed.
    const stack = monthGrid
      ? el('div', { className: 'tl-stack' }, [
          grid,
          monthGrid,
          el('div', { className: 'tl-links-layer', attrs: { 'aria-hidden': 'true' } }),
        ])
      : null;
    preserveFocus(this.body, () => this.body.replaceChildren(stack ?? grid));
    for (const old of [this.grid, this.monthGrid]) if (old) this.resize.unobserve(old);
    this.grid = grid;
    this.monthGrid = monthGrid;
    this.stack = stack;
    for (const now of [grid, monthGrid]) if (now) this.resize.observe(now);
    for (const li of this.element.querySelectorAll<HTMLElement>('.tl-legend-months')) li.hidden = monthGrid === null;
    this.drawForks();
  }

  /** The month range shown now: what the user chose, else the chains' months with some context. */
  private monthRange(): XRange | null {
    return this.monthView === undefined ? this.fittedMonths() : snapMonthRange(this.monthView);
  }

  /** Whether `columns` are too many for words at the timeline's width (unknown while the tab is hidden). */
  private denseFor(columns: readonly MonthColumn[]): boolean {
    const width = this.body.clientWidth;
    return isDenseMonthView(columns, width > 0 ? width - monthLabelAllowancePx : null);
  }

  /** The panel was resized: redraw the connectors, and the month section where its density changes. */
  private resized(): void {
    if (this.monthGrid && this.snapshot) {
      const dense = this.denseFor(visibleMonthColumns(this.monthRange()));
      if (dense !== this.monthDense) {
        this.update(this.snapshot);
        return;
      }
    }
    this.drawForks();
  }

  private fittedMonths(): XRange | null {
    return defaultMonthRange(this.monthlyLanes.flatMap((c) => c.steps.map((s) => s.year)));
  }

  /** The month section: its axis over the range shown, a lane per monthly chain, the zoom bar in its corner. */
  private buildMonths(labels: ReadonlyMap<string, string>): HTMLElement {
    const range = this.monthRange();
    const columns = visibleMonthColumns(range);
    const controls = monthZoomBar(
      {
        range: () => range,
        fitted: () => this.fittedMonths(),
        show: (next) => {
          this.monthView = next;
          if (this.snapshot) this.update(this.snapshot);
          // The button just used may now be disabled (All, at every month): keep the focus in the zoom bar.
          const bar = this.monthGrid?.querySelector('.tl-months-controls');
          if (bar && !bar.contains(document.activeElement))
            bar.querySelector<HTMLElement>('vscode-button:not([disabled])')?.focus();
        },
      },
      columns,
    );
    this.monthDense = this.denseFor(columns);
    return buildMonthGrid({
      lanes: this.monthlyLanes,
      labels,
      columns,
      dense: this.monthDense,
      controls,
      node: (chain, label, step, dense) => this.node(chain, label, step, dense),
    });
  }

  /**
   * The fork connectors: from the parent lane's node at the fork year down to the variant's lane, then across to
   * its first own step. Drawn over the grid from the nodes' measured boxes (redrawn when the grid resizes). With
   * monthly chains, a layer over both grids carries the monthly forks and the branch connectors.
   */
  private drawForks(): void {
    const grid = this.grid;
    const layer = grid?.querySelector<HTMLElement>('.tl-forks-layer');
    if (!grid || !layer) return;
    const svg = overlaySvg(grid);
    drawForkPaths(svg, forkLinks(this.lanes), grid, grid, grid);
    layer.replaceChildren(svg);
    const stack = this.stack;
    const months = this.monthGrid;
    const links = stack?.querySelector<HTMLElement>('.tl-links-layer');
    if (!stack || !months || !links) return;
    const over = overlaySvg(stack);
    drawForkPaths(over, forkLinks(this.monthlyLanes), months, months, stack);
    const origin = stack.getBoundingClientRect();
    for (const link of branchLinks(this.monthlyLanes, this.lanes)) {
      const from = nodeBox(grid, link.yearly, link.year);
      const to = nodeBox(months, link.monthly, link.toMonth);
      if (!from || !to || from.width === 0 || to.width === 0) continue;
      const d = branchRoute(
        {
          left: from.left - origin.left,
          right: from.right - origin.left,
          top: from.top - origin.top,
          bottom: from.bottom - origin.top,
        },
        {
          left: to.left - origin.left,
          right: to.right - origin.left,
          top: to.top - origin.top,
          bottom: to.bottom - origin.top,
        },
      );
      const path = document.createElementNS(svgNs, 'path');
      path.setAttribute('d', svgPathOf(d.points));
      path.setAttribute('class', 'tl-branch');
      path.dataset.from = link.yearly;
      path.dataset.to = link.monthly;
      path.dataset.year = String(link.year);
      const head = document.createElementNS(svgNs, 'path');
      head.setAttribute('d', svgPathOf(d.head, true));
      head.setAttribute('class', 'tl-branch-head');
      over.append(path, head);
    }
    links.replaceChildren(over);
  }

  /** A step's node; `dense` (a month axis showing many months): the state in colour and tooltip, no words. */
  private node(chain: string, label: string, step: StepNodeWire, dense = false): HTMLElement {
    const name = stepLabel(label, step);
    const [a, b] = stepSpan(step.year);
    const when = formatTimeStep(step.year);
    const button = el('button', {
      className: `tl-node ckpt-${step.checkpoint} run-${step.run} eval-${step.evaluation}${step.shared ? ' shared' : ''}${step.published ? ' published' : ''}${dense ? ' dense' : ''}`,
      attrs: {
        type: 'button',
        'aria-label': name,
        title: name,
        'data-chain': chain,
        'data-year': String(step.year),
        'data-checkpoint': step.checkpoint,
        'data-run': step.run,
        'data-evaluation': step.evaluation,
      },
    });
    button.append(
      el('span', { className: 'tl-node-year', text: a === b ? when : `${step.year} (${a}–${b})` }),
      el('span', {
        className: 'tl-node-state',
        text: `${checkpointGlyph[step.checkpoint]} ${runWords[step.run]} ${evalGlyph[step.evaluation]}`,
        attrs: { 'aria-hidden': 'true' },
      }),
    );
    if (step.protocol) {
      const comparable = step.protocol.comparable;
      button.dataset.comparable = String(comparable);
      button.append(
        el('span', {
          className: `tl-node-protocol ${comparable ? 'comparable' : 'not-comparable'}`,
          // A node is one step-column wide: the count is in its tooltip and accessible name.
          text: comparable ? '✓ protocol' : '⚠ protocol',
          attrs: { 'aria-hidden': 'true' },
        }),
      );
      // The tooltip lists the problems; the accessible name says comparable or not (stepLabel).
      const problems = step.protocol.problems.map(problemLine);
      if (problems.length > 0) button.title = `${name}\n${problems.join('\n')}`;
    }
    if (step.shared)
      button.append(
        el('span', { className: 'tl-node-shared muted', text: 'shared', attrs: { 'aria-hidden': 'true' } }),
      );
    if (step.published)
      button.append(
        el('span', { className: 'tl-node-published', text: 'published', attrs: { 'aria-hidden': 'true' } }),
      );
    if (step.run === 'running') {
      const p = step.progress === null ? null : Math.min(1, Math.max(0, step.progress));
      const bar = el('span', {
        className: `tl-progress${p === null ? ' indeterminate' : ''}`,
        attrs: {
          role: 'progressbar',
          'aria-label': `${label} ${when} training progress`,
          'aria-valuemin': '0',
          'aria-valuemax': '100',
        },
      });
      if (p !== null) bar.setAttribute('aria-valuenow', String(Math.round(p * 100)));
      const fill = el('span', { className: 'tl-progress-fill' });
      fill.style.width = p === null ? '30%' : `${p * 100}%`;
      bar.append(fill);
      button.append(bar);
    }
    if (step.experiment !== null) {
      button.addEventListener('click', () => this.send({ type: 'reveal', chain, year: step.year }));
    } else {
      button.setAttribute('aria-disabled', 'true');
    }
    const cell = el('div', { className: 'tl-cell' }, [button]);
    // In a dense month axis a node is a few pixels wide: Evaluate stays in the sidebar and the roomier views.
    if (canEvaluate(step) && !dense) {
      const evaluate = el('vscode-button', {
        text: 'Evaluate',
        className: 'tl-evaluate',
        attrs: {
          secondary: '',
          'data-chain': chain,
          'data-year': String(step.year),
          'aria-label': `Evaluate ${label} ${when}`,
        },
      });
      evaluate.addEventListener('click', () => this.send({ type: 'evaluate', chain, year: step.year }));
      cell.append(evaluate);
    }
    return cell;
  }

  private scene(): ReturnType<typeof buildTimelineScene> | null {
    if (!this.snapshot) return null;
    const t = this.theme();
    return buildTimelineScene({
      width: Math.max(700, this.body.clientWidth || 900),
      dataVolume: this.snapshot.dataVolume,
      chains: this.lanes,
      monthly: this.monthlyLanes.length > 0 ? { lanes: this.monthlyLanes, range: this.monthRange() } : undefined,
      colors: { ...t, orange: t.series[1] ?? t.muted, purple: t.series[3] ?? t.foreground },
    });
  }

  private exportPng(): void {
    const scene = this.scene();
    if (!scene) return;
    this.exporter.exportPng(exportFileName(['tic-timeline'], 'png'), scene);
  }

  private exportSvg(): void {
    const scene = this.scene();
    if (!scene) return;
    this.exporter.export('svg', exportFileName(['tic-timeline'], 'svg'), sceneToSvg(scene));
  }
}

const svgNs = 'http://www.w3.org/2000/svg';

/** An SVG as large as the element it is laid over. */
function overlaySvg(over: HTMLElement): SVGSVGElement {
  const svg = document.createElementNS(svgNs, 'svg');
  svg.setAttribute('width', String(over.scrollWidth));
  svg.setAttribute('height', String(over.scrollHeight));
  return svg;
}

/** The box of a step's node (by chain key and step) inside `root`. */
function nodeBox(root: HTMLElement, chain: string, year: number): DOMRect | undefined {
  return [...root.querySelectorAll<HTMLElement>('.tl-node')]
    .find((n) => n.dataset.chain === chain && n.dataset.year === String(year))
    ?.getBoundingClientRect();
}

/** The fork connectors of `links`, between nodes inside `root`, in the coordinates of `frame`. */
function drawForkPaths(
  svg: SVGSVGElement,
  links: readonly ForkLink[],
  parentRoot: HTMLElement,
  variantRoot: HTMLElement,
  frame: HTMLElement,
): void {
  const origin = frame.getBoundingClientRect();
  for (const link of links) {
    const from = nodeBox(parentRoot, link.parent, link.fromYear);
    const to = nodeBox(variantRoot, link.variant, link.toYear);
    if (!from || !to || from.width === 0 || to.width === 0) continue;
    const x = from.right - origin.left - 12;
    const y0 = from.bottom - origin.top;
    const y1 = to.top + to.height / 2 - origin.top;
    const x1 = to.left - origin.left - 1;
    const path = document.createElementNS(svgNs, 'path');
    path.setAttribute('d', `M ${x} ${y0} V ${y1 - 6} Q ${x} ${y1} ${x + 6} ${y1} H ${x1 - 5}`);
    path.setAttribute('class', 'tl-fork');
    path.dataset.from = link.parent;
    path.dataset.to = link.variant;
    path.dataset.year = String(link.fromYear);
    const head = document.createElementNS(svgNs, 'path');
    head.setAttribute('d', `M ${x1 - 6} ${y1 - 4} L ${x1} ${y1} L ${x1 - 6} ${y1 + 4} Z`);
    head.setAttribute('class', 'tl-fork-head');
    svg.append(path, head);
  }
}

function legend(): HTMLElement {
  const list = el('ul', { className: 'tl-legend', attrs: { 'aria-label': 'Timeline legend' } });
  const item = (swatchClass: string, glyph: string, text: string): HTMLElement =>
    el('li', {}, [
      el('span', { className: `tl-swatch ${swatchClass}`, text: glyph, attrs: { 'aria-hidden': 'true' } }),
      document.createTextNode(text),
    ]);
  list.append(
    item('ckpt-local', checkpointGlyph.local, checkpointWords.local),
    item('ckpt-hub', checkpointGlyph.hub, checkpointWords.hub),
    item('ckpt-missing', checkpointGlyph.missing, checkpointWords.missing),
    item('run-queued', '', runWords.queued),
    item('run-running', '', runWords.running),
    item('run-finished', '', runWords.finished),
    item('run-incomplete', '', runWords.incomplete),
    item('run-failed', '', runWords.failed),
    item('eval-done', evalGlyph.done, evalWords.done),
    item('eval-partial', evalGlyph.partial, evalWords.partial),
    item('eval-missing', evalGlyph.missing, evalWords.missing),
    item('first-step', '', 'the first step (2016) trained on the data of 2014–2016'),
    item('published', '', 'published checkpoint (Hugging Face Hub)'),
    item('fork', '', 'a variant forks: it continues from that step with other settings'),
    item('protocol comparable', '✓', "protocol: trained under the paper's protocol, comparable"),
    item(
      'protocol not-comparable',
      '⚠',
      "deviations: not comparable to the paper (another budget, learning rate, data…; the node's tooltip lists them)",
    ),
    item('compute', 'Σ', "a lane's compute: samples seen, GPU-hours and the ratio to the oracle, where the logs say"),
  );
  // Shown only while the timeline has a month section.
  const months = [
    item('month-gap', '', 'a month without TiC-DataComp data (a gap in the monthly splits)'),
    item('branch', '', 'a monthly chain branches off a yearly step: it continues that checkpoint month by month'),
  ];
  for (const li of months) {
    li.classList.add('tl-legend-months');
    li.hidden = true;
  }
  list.append(...months);
  return list;
}
