import '@vscode-elements/elements/dist/vscode-button/index.js';
import type { DashboardToHost, SnapshotWire, StepNodeWire } from '../../src/protocol/dashboardMessages';
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
  runWords,
  stepLabel,
  stepSpan,
  timelineYears,
} from './timelineModel';
import { buildTimelineScene } from './timelineScene';
import { formatSamples } from './volumeFormat';

/**
 * The year timeline: eval/data years across, the TiC-DataComp size of each year as a bar, and one swimlane per
 * chain with a focusable node (a button) per training step. Built from HTML and CSS (grid), so nodes are real
 * buttons; the exports draw the same content as a scene (timelineScene.ts).
 */
export class TimelineView {
  readonly element: HTMLElement;
  private readonly body: HTMLElement;
  private snapshot: SnapshotWire | null = null;

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
    const steps = snapshot.chains.flatMap((c) => c.steps);
    const years = timelineYears(snapshot.dataVolume, steps);
    const grid = el('div', {
      className: 'tl-grid',
      attrs: {
        role: 'region',
        'aria-label': `Training timeline: ${snapshot.chains.length} chains over ${years[0]}–${years[years.length - 1]}`,
      },
    });
    grid.style.gridTemplateColumns = `minmax(9em, max-content) repeat(${years.length}, minmax(5.5em, 1fr))`;
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

    snapshot.chains.forEach((chain, lane) => {
      const row = lane + 3;
      const label = el('div', { className: 'tl-lane-label', text: chain.key, attrs: { title: chain.key } });
      label.style.gridRow = String(row);
      const band = el('div', { className: 'tl-lane-band' });
      band.style.gridRow = String(row);
      band.style.gridColumn = `2 / ${years.length + 2}`;
      grid.append(label, band);
      for (const step of chain.steps) {
        const [a, b] = stepSpan(step.year);
        const from = Math.max(a, years[0]!);
        const to = Math.min(b, years[years.length - 1]!);
        if (from > to) continue;
        const cell = this.node(chain.key, step);
        cell.style.gridRow = String(row);
        cell.style.gridColumn = `${col(from)} / ${col(to) + 1}`;
        grid.append(cell);
      }
    });
    if (snapshot.chains.length === 0) {
      const empty = el('p', {
        className: 'tl-empty muted',
        text: 'No chains yet: the training steps of each chain appear here as a lane.',
      });
      empty.style.gridColumn = `1 / ${years.length + 2}`;
      grid.append(empty);
    }
    preserveFocus(this.body, () => this.body.replaceChildren(grid));
  }

  private node(chain: string, step: StepNodeWire): HTMLElement {
    const name = stepLabel(chain, step);
    const [a, b] = stepSpan(step.year);
    const button = el('button', {
      className: `tl-node ckpt-${step.checkpoint} run-${step.run} eval-${step.evaluation}${step.shared ? ' shared' : ''}`,
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
    if (step.shared)
      button.append(
        el('span', { className: 'tl-node-shared muted', text: 'shared', attrs: { 'aria-hidden': 'true' } }),
      );
    if (step.run === 'running') {
      const p = step.progress === null ? null : Math.min(1, Math.max(0, step.progress));
      const bar = el('span', {
        className: `tl-progress${p === null ? ' indeterminate' : ''}`,
        attrs: {
          role: 'progressbar',
          'aria-label': `${chain} ${step.year} training progress`,
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
          'aria-label': `Evaluate ${chain} ${step.year}`,
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
      chains: this.snapshot.chains,
      colors: { ...t, orange: t.series[1] ?? t.muted },
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
  );
  return list;
}
