import '@vscode-elements/elements/dist/vscode-button/index.js';
import type { ChainWire, DashboardToHost, SnapshotWire, StepNodeWire } from '../../src/protocol/dashboardMessages';
import { el } from '../shared/dom';
import { formatCount } from '../shared/format';
import { preserveFocus } from '../shared/preserveFocus';
import { sceneToCanvas } from '../shared/sceneToCanvas';
import { sceneToSvg } from '../shared/sceneToSvg';
import type { ThemeColors } from '../shared/themeColors';
import { section } from './controls';
import { exportButton, type Exporter } from './exporter';
import { exportFileName } from './exportName';
import {
  canEvaluate,
  checkpointGlyph,
  checkpointWords,
  evalGlyph,
  evalWords,
  forkLinks,
  inheritedYears,
  laneDescription,
  laneOrder,
  ownSteps,
  runWords,
  stepLabel,
  stepSpan,
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
  private readonly resize = new ResizeObserver(() => this.drawForks());

  constructor(
    private readonly send: (message: DashboardToHost) => void,
    private readonly exporter: Exporter,
    private readonly theme: () => ThemeColors,
  ) {
    this.body = el('div', { className: 'timeline-body' });
    this.element = section(
      'Timeline',
      [
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
    const labels = new Map(snapshot.chains.map((c) => [c.key, c.label]));
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
    if (snapshot.chains.length === 0) {
      const empty = el('p', {
        className: 'tl-empty muted',
        text: 'No chains yet: the training steps of each chain appear here as a lane.',
      });
      empty.style.gridColumn = `1 / ${years.length + 2}`;
      grid.append(empty);
    }
    preserveFocus(this.body, () => this.body.replaceChildren(grid));
    if (this.grid) this.resize.unobserve(this.grid);
    this.grid = grid;
    this.resize.observe(grid);
    this.drawForks();
  }

  /**
   * The fork connectors: from the parent lane's node at the fork year down to the variant's lane, then across to
   * its first own step. Drawn over the grid from the nodes' measured boxes (redrawn when the grid resizes).
   */
  private drawForks(): void {
    const grid = this.grid;
    const layer = grid?.querySelector<HTMLElement>('.tl-forks-layer');
    if (!grid || !layer) return;
    const origin = grid.getBoundingClientRect();
    const ns = 'http://www.w3.org/2000/svg';
    const svg = document.createElementNS(ns, 'svg');
    svg.setAttribute('width', String(grid.scrollWidth));
    svg.setAttribute('height', String(grid.scrollHeight));
    const box = (chain: string, year: number): DOMRect | undefined =>
      [...grid.querySelectorAll<HTMLElement>('.tl-node')]
        .find((n) => n.dataset.chain === chain && n.dataset.year === String(year))
        ?.getBoundingClientRect();
    for (const link of forkLinks(this.lanes)) {
      const from = box(link.parent, link.fromYear);
      const to = box(link.variant, link.toYear);
      if (!from || !to || from.width === 0 || to.width === 0) continue;
      const x = from.right - origin.left - 12;
      const y0 = from.bottom - origin.top;
      const y1 = to.top + to.height / 2 - origin.top;
      const x1 = to.left - origin.left - 1;
      const path = document.createElementNS(ns, 'path');
      path.setAttribute('d', `M ${x} ${y0} V ${y1 - 6} Q ${x} ${y1} ${x + 6} ${y1} H ${x1 - 5}`);
      path.setAttribute('class', 'tl-fork');
      path.dataset.from = link.parent;
      path.dataset.to = link.variant;
      path.dataset.year = String(link.fromYear);
      const head = document.createElementNS(ns, 'path');
      head.setAttribute('d', `M ${x1 - 6} ${y1 - 4} L ${x1} ${y1} L ${x1 - 6} ${y1 + 4} Z`);
      head.setAttribute('class', 'tl-fork-head');
      svg.append(path, head);
    }
    layer.replaceChildren(svg);
  }

  private node(chain: string, label: string, step: StepNodeWire): HTMLElement {
    const name = stepLabel(label, step);
    const [a, b] = stepSpan(step.year);
    const button = el('button', {
      className: `tl-node ckpt-${step.checkpoint} run-${step.run} eval-${step.evaluation}${step.shared ? ' shared' : ''}${step.published ? ' published' : ''}`,
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
      el('span', { className: 'tl-node-year', text: a === b ? String(step.year) : `${step.year} (${a}–${b})` }),
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
          'aria-label': `${label} ${step.year} training progress`,
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
    if (canEvaluate(step)) {
      const evaluate = el('vscode-button', {
        text: 'Evaluate',
        className: 'tl-evaluate',
        attrs: {
          secondary: '',
          'data-chain': chain,
          'data-year': String(step.year),
          'aria-label': `Evaluate ${label} ${step.year}`,
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
      colors: { ...t, orange: t.series[1] ?? t.muted, purple: t.series[3] ?? t.foreground },
    });
  }

  private exportPng(): void {
    const scene = this.scene();
    if (!scene) return;
    const canvas = document.createElement('canvas');
    sceneToCanvas(scene, canvas, Math.max(2, window.devicePixelRatio || 1));
    this.exporter.export('png', exportFileName(['tic-timeline'], 'png'), canvas.toDataURL('image/png'));
  }

  private exportSvg(): void {
    const scene = this.scene();
    if (!scene) return;
    this.exporter.export('svg', exportFileName(['tic-timeline'], 'svg'), sceneToSvg(scene));
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
  return list;
}
