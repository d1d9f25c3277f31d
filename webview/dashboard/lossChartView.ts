import '@vscode-elements/elements/dist/vscode-button/index.js';
import {
  lossAxes,
  lossFields,
  type DashboardToHost,
  type HostToDashboard,
  type LossSeriesWire,
} from '../../src/protocol/dashboardMessages';
import { formatReadout, formatTimestamp } from '../shared/axisTicks';
import type { ScaleKind } from '../shared/chartScale';
import { el } from '../shared/dom';
import { formatCount } from '../shared/format';
import { sceneToCanvas } from '../shared/sceneToCanvas';
import { sceneToSvg } from '../shared/sceneToSvg';
import type { ThemeColors } from '../shared/themeColors';
import { panRange, rangeFromDrag, zoomRange, type XRange } from '../shared/zoomRange';
import { checkboxControl, section, selectControl } from './controls';
import { clampSmoothing, maxSmoothing, type DashboardState } from './dashboardState';
import { exportButton, type Exporter } from './exporter';
import { exportFileName } from './exportName';
import { LossRequests } from './lossRequests';
import { axisLabels, fieldLabels, timeScaleToMs } from './lossLabels';
import { buildLossScene, type LossSceneResult } from './lossScene';
import { isAscending, nearestIndex } from './nearestPoint';
import { seriesStyle } from './seriesStyle';

type LossesMessage = Extract<HostToDashboard, { type: 'losses' }>;

/** Chains plotted when the user has not chosen any yet. */
const defaultChainCount = 6;
/** How long after a resize to re-ask the host for points at the new width. */
const resizeDelayMs = 250;

/**
 * The loss chart: a canvas line chart (no chart library) of one training field for the selected chains, with
 * x axis / log / smoothing controls, step-start markers, a hover readout, and zoom by dragging an x range or by
 * keyboard. The host downsamples: every change of view asks it for the visible range at about one point per
 * device pixel, through LossRequests (one in flight, one pending).
 */
export class LossChartView {
  readonly element: HTMLElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly overlay: HTMLCanvasElement;
  private readonly frame: HTMLElement;
  private readonly readout: HTMLElement;
  private readonly info: HTMLElement;
  private readonly chainList: HTMLElement;
  private readonly resetButton: HTMLElement;
  private readonly xLogBox: HTMLElement & { checked: boolean; disabled: boolean };
  private readonly requests: LossRequests;
  private allChains: string[] = [];
  private data: LossesMessage | null = null;
  private last: LossSceneResult | null = null;
  private visible = false;
  private stale = true;
  private drag: { start: number; now: number } | null = null;
  private hoverPx: number | null = null;
  private lastBuckets = 0;
  private resizeTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly state: DashboardState,
    private readonly save: () => void,
    private readonly send: (message: DashboardToHost) => void,
    private readonly exporter: Exporter,
    private readonly theme: () => ThemeColors,
  ) {
    this.requests = new LossRequests(
      (request) => this.send({ type: 'requestLosses', ...request }),
      () => performance.now(),
    );
    setInterval(() => this.requests.expire(), 5000);

    this.chainList = el('fieldset', { className: 'chain-list', attrs: { id: 'loss-chains' } }, [
      el('legend', { text: 'Chains' }),
    ]);
    const field = selectControl(
      'loss-field',
      'Field',
      lossFields.map((f) => ({ value: f, label: fieldLabels[f] })),
      state.field,
      (v) => {
        const f = lossFields.find((x) => x === v);
        if (!f) return;
        this.state.field = f;
        this.changed();
      },
    );
    const axis = selectControl(
      'loss-axis',
      'X axis',
      lossAxes.map((a) => ({ value: a, label: axisLabels[a] })),
      state.axis,
      (v) => {
        const a = lossAxes.find((x) => x === v);
        if (!a || a === this.state.axis) return;
        this.state.axis = a;
        this.state.zoom = null;
        this.syncControls();
        this.changed();
      },
    );
    this.xLogBox = checkboxControl('loss-xlog', 'log x', state.xLog, (checked) => {
      this.state.xLog = checked;
      this.changed();
    });
    const yLog = checkboxControl('loss-ylog', 'log y', state.yLog, (checked) => {
      this.state.yLog = checked;
      this.changed();
    });
    const smoothingOut = el('output', {
      text: state.smoothing.toFixed(2),
      attrs: { for: 'loss-smoothing', id: 'loss-smoothing-value' },
    });
    const smoothing = el('input', {
      attrs: {
        id: 'loss-smoothing',
        type: 'range',
        min: '0',
        max: String(maxSmoothing),
        step: '0.01',
        'aria-label': 'EMA smoothing',
      },
    }) as HTMLInputElement;
    smoothing.value = String(state.smoothing);
    smoothing.addEventListener('input', () => {
      this.state.smoothing = clampSmoothing(Number(smoothing.value));
      smoothingOut.textContent = this.state.smoothing.toFixed(2);
      this.changed();
    });
    this.resetButton = el('vscode-button', { text: 'Reset zoom', attrs: { id: 'loss-reset-zoom', secondary: '' } });
    this.resetButton.addEventListener('click', () => this.setZoom(null));

    const controls = el('div', { className: 'toolbar loss-controls' }, [
      field.element,
      axis.element,
      el('div', { className: 'control' }, [this.xLogBox, yLog]),
      el('div', { className: 'control smoothing' }, [
        el('label', { text: 'Smoothing', attrs: { for: 'loss-smoothing' } }),
        smoothing,
        smoothingOut,
      ]),
      this.resetButton,
    ]);

    this.canvas = el('canvas', {
      className: 'loss-canvas',
      attrs: {
        id: 'loss-canvas',
        tabindex: '0',
        role: 'img',
        'aria-label': 'Loss chart',
        'data-points': '0',
        'data-total': '0',
      },
    }) as HTMLCanvasElement;
    this.overlay = el('canvas', { className: 'loss-overlay', attrs: { 'aria-hidden': 'true' } }) as HTMLCanvasElement;
    this.readout = el('div', { className: 'loss-readout', attrs: { id: 'loss-readout', 'aria-hidden': 'true' } });
    this.readout.hidden = true;
    this.frame = el('div', { className: 'loss-frame' }, [this.canvas, this.overlay, this.readout]);
    this.info = el('p', { className: 'muted loss-info', attrs: { id: 'loss-info', role: 'status' } });
    const help = el('p', {
      className: 'muted hint',
      text: 'Drag across the chart to zoom into an x range; with the chart focused, + and − zoom, ← and → pan, 0 resets. Double-click resets.',
    });
    this.element = section(
      'Losses',
      [
        exportButton('Export PNG', 'losses-png', () => this.exportPng()),
        exportButton('Export SVG', 'losses-svg', () => this.exportSvg()),
      ],
      el('div', { className: 'loss-layout' }, [
        this.chainList,
        el('div', { className: 'loss-main' }, [controls, this.frame, this.info, help]),
      ]),
    );
    this.element.id = 'losses';
    this.wireCanvas();
    this.syncControls();
    new ResizeObserver(() => this.resized()).observe(this.frame);
  }

  /** The chains of the snapshot changed (or arrived). */
  setChains(keys: readonly string[]): void {
    const same = keys.length === this.allChains.length && keys.every((k, i) => k === this.allChains[i]);
    this.allChains = [...keys];
    if (!same) this.renderChainList();
    if (!same || !this.data) this.requestView();
  }

  setVisible(visible: boolean): void {
    this.visible = visible;
    if (!visible) return;
    requestAnimationFrame(() => {
      this.paint();
      if (this.stale || !this.data) this.requestView();
    });
  }

  onLosses(message: LossesMessage): void {
    const accepted = this.requests.reply(message.requestId);
    if (!accepted) return;
    // A newer view is already on its way; this answer is only worth showing while it still fits the controls.
    if (accepted.superseded && (message.field !== this.state.field || message.axis !== this.state.axis)) return;
    this.data = message;
    this.paint();
    const id = message.requestId;
    requestAnimationFrame(() => {
      const ms = Math.max(0, performance.now() - accepted.sentAt);
      // The e2e test and the benchmark watch these (the time first, so it is current when the id changes).
      document.body.dataset.lossesPaintMs = String(Math.round(ms));
      document.body.dataset.lossesPainted = String(id);
      this.send({ type: 'painted', requestId: id, ms });
    });
  }

  onLossesChanged(chains: readonly string[]): void {
    const selected = this.selectedChains();
    if (chains.some((c) => selected.includes(c))) this.requestView();
  }

  /** Theme colours changed: draw again. */
  repaint(): void {
    this.renderChainList();
    this.paint();
  }

  // -------------------------------------------------------------------------------------------------------------

  private selectedChains(): string[] {
    const chosen = this.state.chains;
    if (chosen === null) return this.allChains.slice(0, defaultChainCount);
    return this.allChains.filter((k) => chosen.includes(k));
  }

  private renderChainList(): void {
    const selected = new Set(this.selectedChains());
    const palette = this.theme().series;
    const boxes = this.allChains.map((key, i) => {
      const { color, dash } = seriesStyle(i, palette);
      const swatch = el('span', { className: 'swatch', attrs: { 'aria-hidden': 'true' } });
      swatch.style.borderTopColor = color;
      swatch.style.borderTopStyle = dash.length === 0 ? 'solid' : dash[0]! > 3 ? 'dashed' : 'dotted';
      const box = checkboxControl(`loss-chain-${i}`, key, selected.has(key), () => this.chainsChanged());
      box.replaceChildren(swatch, document.createTextNode(key));
      box.dataset.chain = key;
      return box;
    });
    const legend = el('legend', { text: 'Chains' });
    if (boxes.length === 0) this.chainList.replaceChildren(legend, el('p', { className: 'muted', text: 'No chains.' }));
    else this.chainList.replaceChildren(legend, ...boxes);
  }

  private chainsChanged(): void {
    const boxes = [...this.chainList.querySelectorAll<HTMLElement & { checked: boolean }>('vscode-checkbox')];
    this.state.chains = boxes.filter((b) => b.checked).map((b) => b.dataset.chain ?? '');
    this.changed();
  }

  private syncControls(): void {
    const time = this.state.axis === 'time';
    this.xLogBox.disabled = time;
    this.xLogBox.title = time ? 'Wall time has no log scale' : '';
    this.resetButton.toggleAttribute('disabled', this.state.zoom === null);
  }

  /** A control changed the view: remember it, draw what we have, ask the host for the rest. */
  private changed(): void {
    this.save();
    this.syncControls();
    this.paint();
    this.requestView();
  }

  private setZoom(zoom: XRange | null): void {
    this.state.zoom = zoom;
    this.changed();
  }

  private buckets(): number {
    const plotWidth = this.last?.plot.w ?? Math.max(100, this.canvas.clientWidth - 82);
    return Math.min(20_000, Math.max(16, Math.round(plotWidth * (window.devicePixelRatio || 1))));
  }

  private requestView(): void {
    if (!this.visible) {
      this.stale = true;
      return;
    }
    this.stale = false;
    const chains = this.selectedChains();
    if (chains.length === 0) {
      this.paint();
      return;
    }
    const buckets = this.buckets();
    this.lastBuckets = buckets;
    const zoom = this.state.zoom;
    this.requests.request({
      chains,
      field: this.state.field,
      axis: this.state.axis,
      x0: zoom ? zoom.x0 : null,
      x1: zoom ? zoom.x1 : null,
      buckets,
      smoothing: this.state.smoothing,
    });
  }

  private resized(): void {
    if (!this.visible) return;
    this.paint();
    clearTimeout(this.resizeTimer);
    this.resizeTimer = setTimeout(() => {
      const b = this.buckets();
      if (Math.abs(b - this.lastBuckets) > this.lastBuckets * 0.1) this.requestView();
    }, resizeDelayMs);
  }

  private xKind(): ScaleKind {
    return this.state.xLog && this.state.axis !== 'time' ? 'log' : 'linear';
  }

  /** The series of the last answer that are still selected, in snapshot order. */
  private shownSeries(): LossSeriesWire[] {
    if (!this.data) return [];
    const selected = new Set(this.selectedChains());
    return this.data.series.filter((s) => selected.has(s.chain));
  }

  private extent(): XRange | null {
    let lo = Infinity;
    let hi = -Infinity;
    for (const s of this.shownSeries()) {
      if (s.total === 0 && s.x.length === 0) continue;
      lo = Math.min(lo, s.extent[0]);
      hi = Math.max(hi, s.extent[1]);
    }
    if (!(lo < hi)) return null;
    if (this.xKind() === 'log' && !(lo > 0)) {
      // The log axis starts at the smallest positive x the answer holds.
      let min = Infinity;
      for (const s of this.shownSeries()) for (const x of s.x) if (x > 0 && x < min) min = x;
      lo = min;
    }
    return lo < hi ? { x0: lo, x1: hi } : null;
  }

  private paint(): void {
    const width = this.canvas.clientWidth;
    const height = this.canvas.clientHeight;
    if (!width || !height) return;
    const theme = this.theme();
    const data = this.data;
    const series = this.shownSeries();
    const axis = data?.axis ?? this.state.axis;
    const field = data?.field ?? this.state.field;
    const chainsShown = this.selectedChains();
    const result = buildLossScene({
      width,
      height,
      series: (data ? series : []).map((s) => ({ ...s, colorIndex: Math.max(0, this.allChains.indexOf(s.chain)) })),
      field,
      axis,
      xKind: this.xKind(),
      yKind: this.state.yLog ? 'log' : 'linear',
      view: axis === this.state.axis ? this.state.zoom : null,
      extent: this.extent(),
      colors: { ...theme, highContrast: theme.kind === 'highContrast' || theme.kind === 'highContrastLight' },
    });
    if (!data && chainsShown.length > 0) {
      // Nothing has come back yet: say so rather than "select a chain".
      result.scene.items = result.scene.items.filter((i) => i.kind !== 'text' || !i.text.startsWith('Select'));
      result.scene.items.push({
        kind: 'text',
        x: result.plot.x + result.plot.w / 2,
        y: result.plot.y + result.plot.h / 2,
        text: 'Loading losses…',
        fill: theme.muted,
        anchor: 'middle',
        baseline: 'middle',
        size: theme.fontSize,
      });
    }
    sceneToCanvas(result.scene, this.canvas, window.devicePixelRatio || 1);
    this.last = result;
    this.canvas.dataset.points = String(result.pointsDrawn);
    this.canvas.setAttribute('aria-label', result.scene.title);
    const total = series.reduce((n, s) => n + s.total, 0);
    this.canvas.dataset.total = String(total);
    const zoom = this.state.zoom;
    this.info.textContent =
      `${formatCount(result.pointsDrawn)} points drawn of ${formatCount(total)} logged` +
      (zoom ? `; zoomed to ${this.formatX(zoom.x0)} – ${this.formatX(zoom.x1)}` : '') +
      (this.state.smoothing > 0 ? `; EMA smoothing ${this.state.smoothing.toFixed(2)} (raw values faint)` : '');
    this.drawOverlay();
  }

  private formatX(x: number): string {
    if (this.state.axis !== 'time') return formatReadout(x);
    return formatTimestamp(x * timeScaleToMs(this.extent()?.x1 ?? x));
  }

  // -------------------------------------------------------------------------------------------------------------
  // Interaction

  private wireCanvas(): void {
    const c = this.canvas;
    const localX = (e: PointerEvent | MouseEvent): number => e.clientX - c.getBoundingClientRect().left;
    c.addEventListener('pointerdown', (e) => {
      if (e.button !== 0 || !this.last) return;
      const x = localX(e);
      const p = this.last.plot;
      if (x < p.x || x > p.x + p.w) return;
      this.drag = { start: x, now: x };
      c.setPointerCapture(e.pointerId);
    });
    c.addEventListener('pointermove', (e) => {
      const x = localX(e);
      if (this.drag) this.drag.now = x;
      this.hoverPx = x;
      this.drawOverlay();
    });
    c.addEventListener('pointerup', (e) => {
      const drag = this.drag;
      this.drag = null;
      if (c.hasPointerCapture(e.pointerId)) c.releasePointerCapture(e.pointerId);
      if (!drag || !this.last) return;
      const p = this.last.plot;
      const clamp = (v: number): number => Math.min(p.x + p.w, Math.max(p.x, v));
      const range = rangeFromDrag(clamp(drag.start), clamp(localX(e)), (px) => this.last!.xScale.invert(px));
      if (range) this.setZoom(range);
      else this.drawOverlay();
    });
    c.addEventListener('pointerleave', () => {
      if (this.drag) return;
      this.hoverPx = null;
      this.drawOverlay();
    });
    c.addEventListener('dblclick', () => this.setZoom(null));
    c.addEventListener('keydown', (e) => {
      const extent = this.extent();
      if (!extent) return;
      const kind = this.xKind();
      let next: XRange | null | undefined;
      if (e.key === '+' || e.key === '=') next = zoomRange(this.state.zoom, extent, 0.5, 0.5, kind);
      else if (e.key === '-' || e.key === '_') next = zoomRange(this.state.zoom, extent, 2, 0.5, kind);
      else if (e.key === 'ArrowLeft') next = panRange(this.state.zoom, extent, -0.25, kind);
      else if (e.key === 'ArrowRight') next = panRange(this.state.zoom, extent, 0.25, kind);
      else if (e.key === '0' || e.key === 'Home' || e.key === 'Escape') next = null;
      else return;
      e.preventDefault();
      this.setZoom(next);
    });
  }

  /** The crosshair, the points under it and the readout, or the selection being dragged. */
  private drawOverlay(): void {
    const last = this.last;
    const o = this.overlay;
    const w = this.canvas.clientWidth;
    const h = this.canvas.clientHeight;
    const ratio = window.devicePixelRatio || 1;
    if (o.width !== Math.round(w * ratio) || o.height !== Math.round(h * ratio)) {
      o.width = Math.round(w * ratio);
      o.height = Math.round(h * ratio);
    }
    const ctx = o.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, w, h);
    this.readout.hidden = true;
    if (!last) return;
    const theme = this.theme();
    const p = last.plot;
    if (this.drag) {
      const a = Math.min(p.x + p.w, Math.max(p.x, Math.min(this.drag.start, this.drag.now)));
      const b = Math.min(p.x + p.w, Math.max(p.x, Math.max(this.drag.start, this.drag.now)));
      ctx.globalAlpha = 0.18;
      ctx.fillStyle = theme.focus;
      ctx.fillRect(a, p.y, b - a, p.h);
      ctx.globalAlpha = 1;
      ctx.strokeStyle = theme.focus;
      ctx.strokeRect(a + 0.5, p.y + 0.5, b - a, p.h);
      return;
    }
    const px = this.hoverPx;
    if (px === null || px < p.x || px > p.x + p.w || !this.data) return;
    const x = last.xScale.invert(px);
    const rows: HTMLElement[] = [
      el('div', { className: 'readout-x', text: `${axisLabels[this.data.axis]}: ${this.formatX(x)}` }),
    ];
    ctx.strokeStyle = theme.muted;
    ctx.setLineDash([2, 3]);
    ctx.beginPath();
    ctx.moveTo(px + 0.5, p.y);
    ctx.lineTo(px + 0.5, p.y + p.h);
    ctx.stroke();
    ctx.setLineDash([]);
    for (const s of this.shownSeries()) {
      const i = nearestIndex(s.x, s.y, x, isAscending(s.x));
      if (i < 0) continue;
      const { color } = seriesStyle(Math.max(0, this.allChains.indexOf(s.chain)), theme.series);
      const y = s.smoothed ? s.smoothed[i]! : s.y[i]!;
      const cx = last.xScale.map(s.x[i]!);
      const cy = last.yScale.map(Number.isFinite(y) ? y : s.y[i]!);
      if (Number.isFinite(cx) && Number.isFinite(cy)) {
        ctx.fillStyle = color;
        ctx.beginPath();
        ctx.arc(cx, cy, 3.5, 0, Math.PI * 2);
        ctx.fill();
      }
      const swatch = el('span', { className: 'swatch', attrs: { 'aria-hidden': 'true' } });
      swatch.style.borderTopColor = color;
      const text =
        `${s.chain}  x ${this.formatX(s.x[i]!)}  ${fieldLabels[this.data.field]} ${formatReadout(s.y[i]!)}` +
        (s.smoothed ? `  smoothed ${formatReadout(s.smoothed[i]!)}` : '');
      rows.push(el('div', { className: 'readout-row' }, [swatch, document.createTextNode(text)]));
    }
    this.readout.replaceChildren(...rows);
    this.readout.hidden = false;
    const box = this.readout.getBoundingClientRect();
    const left = px + 14 + box.width > w ? Math.max(0, px - 14 - box.width) : px + 14;
    this.readout.style.left = `${left}px`;
    this.readout.style.top = `${p.y + 4}px`;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Export

  private exportName(ext: string): string {
    return exportFileName(
      ['tic-losses', this.data?.field ?? this.state.field, this.data?.axis ?? this.state.axis],
      ext,
    );
  }

  private exportPng(): void {
    if (!this.last) return;
    this.exporter.export('png', this.exportName('png'), this.canvas.toDataURL('image/png'));
  }

  private exportSvg(): void {
    if (!this.last) return;
    this.exporter.export('svg', this.exportName('svg'), sceneToSvg(this.last.scene));
  }
}
