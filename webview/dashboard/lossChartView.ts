import '@vscode-elements/elements/dist/vscode-button/index.js';
import {
  sameLossView,
  type DashboardToHost,
  type HostToDashboard,
  type LossQuery,
  type LossSeriesWire,
} from '../../src/protocol/dashboardMessages';
import { formatReadout, formatTimestamp } from '../shared/axisTicks';
import type { ScaleKind } from '../shared/chartScale';
import { el } from '../shared/dom';
import { formatCount } from '../shared/format';
import { sceneToCanvas } from '../shared/sceneToCanvas';
import { sceneToSvg } from '../shared/sceneToSvg';
import type { ThemeColors } from '../shared/themeColors';
import type { XRange } from '../shared/zoomRange';
import { checkboxControl, section } from './controls';
import type { DashboardState } from './dashboardState';
import { exportButton, type Exporter } from './exporter';
import { exportFileName } from './exportName';
import { LossOverlay } from './lossOverlay';
import { LossPointer } from './lossPointer';
import { LossRequests, mergeLiveSeries } from './lossRequests';
import { timeScaleToMs } from './lossLabels';
import { buildLossScene, type LossSceneResult } from './lossScene';
import { LossToolbar } from './lossToolbar';
import { seriesStyle } from './seriesStyle';

type LossesMessage = Extract<HostToDashboard, { type: 'losses' }>;
type LossesLiveMessage = Extract<HostToDashboard, { type: 'lossesLive' }>;

/** Chains plotted when the user has not chosen any yet. */
const defaultChainCount = 6;
/** How long after a resize to re-ask the host for points at the new width. */
const resizeDelayMs = 250;

/**
 * The loss chart: a canvas line chart (no chart library) of one training field for the selected chains, with
 * x axis / log / smoothing controls (LossToolbar), step-start markers, a hover readout (LossOverlay), and zoom by
 * dragging an x range or by keyboard (LossPointer). This class coordinates them: the chain list, the view state,
 * painting and export. The host downsamples: every change of view asks it for the visible range at about one
 * point per device pixel, through LossRequests (one in flight, one pending). The host is told the view shown
 * (`lossView`), and pushes the new points of a growing chain for it (`lossesLive`): merged into the data here,
 * without a request, when they are for the view the data answers.
 */
export class LossChartView {
  readonly element: HTMLElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly overlay: LossOverlay;
  private readonly frame: HTMLElement;
  private readonly info: HTMLElement;
  private readonly chainList: HTMLElement;
  private readonly toolbar: LossToolbar;
  private readonly pointer: LossPointer;
  private readonly requests: LossRequests;
  private allChains: string[] = [];
  private labels = new Map<string, string>();
  private data: LossesMessage | null = null;
  /** The chains received so far of an answer that comes in parts. */
  private parts: { requestId: number; series: LossSeriesWire[] } | null = null;
  /** The query `data` answers. */
  private dataQuery: LossQuery | null = null;
  /** The query last asked for, and the view last reported to the host (JSON; the host starts with none). */
  private shownQuery: LossQuery | null = null;
  private reportedView = 'null';
  private livePaints = 0;
  private last: LossSceneResult | null = null;
  private visible = false;
  private stale = true;
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
    this.toolbar = new LossToolbar(
      state,
      () => this.changed(),
      () => this.setZoom(null),
    );

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
    this.overlay = new LossOverlay(this.canvas, this.theme);
    this.frame = el('div', { className: 'loss-frame' }, [this.canvas, this.overlay.canvas, this.overlay.readout]);
    this.info = el('p', { className: 'muted loss-info', attrs: { id: 'loss-info', role: 'status' } });
    const help = el('p', {
      className: 'muted hint',
      text: 'Drag across the chart to zoom into an x range; with the chart focused, + and − zoom, ← and → pan, 0 resets. Double-click resets.',
    });
    this.element = section(
      'Losses',
      [
        this.exporter.transparentBox('losses-png-transparent'),
        exportButton('Export PNG', 'losses-png', () => this.exportPng()),
        exportButton('Export SVG', 'losses-svg', () => this.exportSvg()),
      ],
      el('div', { className: 'loss-layout' }, [
        this.chainList,
        el('div', { className: 'loss-main' }, [this.toolbar.element, this.frame, this.info, help]),
      ]),
    );
    this.element.id = 'losses';
    this.pointer = new LossPointer(this.canvas, {
      scene: () => this.last,
      extent: () => this.extent(),
      xKind: () => this.xKind(),
      zoom: () => this.state.zoom,
      setZoom: (zoom) => this.setZoom(zoom),
      redraw: () => this.drawOverlay(),
    });
    this.toolbar.sync();
    new ResizeObserver(() => this.resized()).observe(this.frame);
  }

  /** The chains of the snapshot changed (or arrived): keys identify them, labels are what people read. */
  setChains(chains: readonly { key: string; label: string }[]): void {
    const keys = chains.map((c) => c.key);
    const same =
      keys.length === this.allChains.length &&
      keys.every((k, i) => k === this.allChains[i] && chains[i]!.label === this.labels.get(k));
    this.allChains = keys;
    this.labels = new Map(chains.map((c) => [c.key, c.label]));
    if (!same) this.renderChainList();
    if (!same || !this.data) this.requestView();
  }

  setVisible(visible: boolean): void {
    this.visible = visible;
    if (!visible) {
      this.reportView(null);
      return;
    }
    requestAnimationFrame(() => {
      this.paint();
      if (this.stale || !this.data) this.requestView();
      else this.reportView(this.shownQuery);
    });
  }

  onLosses(message: LossesMessage): void {
    if (message.partial) {
      this.onLossesPart(message);
      return;
    }
    const accepted = this.requests.reply(message.requestId);
    const parts = this.parts?.requestId === message.requestId ? this.parts.series : [];
    this.parts = null;
    if (!accepted) return;
    // A newer view is already on its way; this answer is only worth showing while it still fits the controls.
    if (accepted.superseded && (message.field !== this.state.field || message.axis !== this.state.axis)) return;
    this.data = parts.length === 0 ? message : { ...message, series: [...parts, ...message.series] };
    this.dataQuery = accepted.query;
    if (this.followLatest()) return;
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

  /**
   * Some chains of the answer under way (the host streams a slow answer chain by chain): they are drawn now, alone,
   * with how many are still coming; the last part completes the answer.
   */
  private onLossesPart(message: LossesMessage): void {
    const current = this.requests.part(message.requestId);
    if (!current) return;
    if (this.parts?.requestId !== message.requestId) this.parts = { requestId: message.requestId, series: [] };
    this.parts.series.push(...message.series);
    if (message.field !== this.state.field || message.axis !== this.state.axis) return;
    this.data = { ...message, series: [...this.parts.series] };
    this.dataQuery = current.query;
    this.paint();
    const count = this.parts.series.length;
    requestAnimationFrame(() => {
      // The benchmark watches these: when the first chains of a slow answer were painted.
      document.body.dataset.lossesPartMs = String(Math.round(Math.max(0, performance.now() - current.sentAt)));
      document.body.dataset.lossesPartChains = String(count);
    });
  }

  /**
   * New points of growing chains, pushed by the host for the view it was last told: they replace those chains'
   * series when the data shown answers that same view; otherwise the request under way brings them (or, when that
   * request is for this view, one more is queued after it: its answer may predate the push).
   */
  onLossesLive(message: LossesLiveMessage): void {
    const arrived = performance.now();
    const data = this.data;
    const series = data && this.dataQuery ? mergeLiveSeries(data.series, this.dataQuery, message) : null;
    if (!data || !series) {
      if (this.shownQuery && sameLossView(this.shownQuery, message.view) && this.requests.busy) this.requestView();
      return;
    }
    this.data = { ...data, series };
    if (this.followLatest()) return;
    this.paint();
    const id = `live-${++this.livePaints}`;
    requestAnimationFrame(() => {
      // The benchmark watches these: from the host's notice (its wall clock: one machine) and from the arrival.
      document.body.dataset.lossesPaintMs = String(Math.max(0, Math.round(Date.now() - message.noticedAt)));
      document.body.dataset.lossesLiveMs = String(Math.round(performance.now() - arrived));
      document.body.dataset.lossesPainted = id;
    });
  }

  /**
   * "Follow latest": when zoomed and the data now reaches past the zoom window's right edge, the window slides
   * (same width) to end at the newest point and that view is asked for. Returns whether it slid.
   */
  private followLatest(): boolean {
    const zoom = this.state.zoom;
    if (!this.state.followLatest || !zoom) return false;
    const end = Math.max(-Infinity, ...this.shownSeries().map((s) => s.extent[1]));
    if (!(end > zoom.x1)) return false;
    this.setZoom({ x0: end - (zoom.x1 - zoom.x0), x1: end });
    return true;
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

  /** What people read for a chain key (the key itself before a snapshot names it). */
  private labelOf(key: string): string {
    return this.labels.get(key) ?? key;
  }

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
      const label = this.labelOf(key);
      const box = checkboxControl(`loss-chain-${i}`, label, selected.has(key), () => this.chainsChanged());
      box.replaceChildren(swatch, document.createTextNode(label));
      box.title = label;
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

  /** A control changed the view: remember it, draw what we have, ask the host for the rest. */
  private changed(): void {
    this.save();
    this.toolbar.sync();
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
      this.reportView(null);
      return;
    }
    this.stale = false;
    const chains = this.selectedChains();
    if (chains.length === 0) {
      this.shownQuery = null;
      this.reportView(null);
      this.paint();
      return;
    }
    const buckets = this.buckets();
    this.lastBuckets = buckets;
    const zoom = this.state.zoom;
    const query: LossQuery = {
      chains,
      field: this.state.field,
      axis: this.state.axis,
      x0: zoom ? zoom.x0 : null,
      x1: zoom ? zoom.x1 : null,
      buckets,
      smoothing: this.state.smoothing,
      emaPerStep: this.state.emaPerStep,
    };
    this.shownQuery = query;
    this.reportView(query);
    this.requests.request(query);
  }

  /** Tells the host the view shown (null: none), when it changed: live updates come for it. */
  private reportView(query: LossQuery | null): void {
    const json = JSON.stringify(query);
    if (json === this.reportedView) return;
    this.reportedView = json;
    this.send({ type: 'lossView', query });
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
      series: (data ? series : []).map((s) => ({
        ...s,
        chain: this.labelOf(s.chain),
        colorIndex: Math.max(0, this.allChains.indexOf(s.chain)),
      })),
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
    const coming = data?.partial ? chainsShown.filter((c) => !data.series.some((s) => s.chain === c)).length : 0;
    this.info.textContent =
      `${formatCount(result.pointsDrawn)} points drawn of ${formatCount(total)} logged` +
      (coming > 0 ? `; loading ${coming} more ${coming === 1 ? 'chain' : 'chains'}…` : '') +
      (zoom ? `; zoomed to ${this.formatX(zoom.x0)} – ${this.formatX(zoom.x1)}` : '') +
      (this.state.smoothing > 0 ? `; EMA smoothing ${this.state.smoothing.toFixed(2)} (raw values faint)` : '');
    this.drawOverlay();
  }

  private formatX(x: number): string {
    if (this.state.axis !== 'time') return formatReadout(x);
    return formatTimestamp(x * timeScaleToMs(this.extent()?.x1 ?? x));
  }

  /** The crosshair, the points under it and the readout, or the selection being dragged. */
  private drawOverlay(): void {
    this.overlay.draw({
      scene: this.last,
      drag: this.pointer.drag,
      hoverPx: this.pointer.hoverPx,
      data: this.data,
      series: () => this.shownSeries(),
      colorIndex: (chain) => Math.max(0, this.allChains.indexOf(chain)),
      labelOf: (chain) => this.labelOf(chain),
      formatX: (x) => this.formatX(x),
    });
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
    this.exporter.exportPng(this.exportName('png'), this.last.scene);
  }

  private exportSvg(): void {
    if (!this.last) return;
    this.exporter.export('svg', this.exportName('svg'), sceneToSvg(this.last.scene));
  }
}
