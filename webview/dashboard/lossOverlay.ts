import type { LossAxis, LossField, LossSeriesWire } from '../../src/protocol/dashboardMessages';
import { formatReadout } from '../shared/axisTicks';
import { el } from '../shared/dom';
import type { ThemeColors } from '../shared/themeColors';
import { axisLabels, fieldLabels, stepAt } from './lossLabels';
import type { LossDrag } from './lossPointer';
import type { LossSceneResult } from './lossScene';
import { isAscending, nearestIndex } from './nearestPoint';
import { seriesStyle } from './seriesStyle';

/** What one drawing of the overlay shows. */
export interface LossOverlayInput {
  /** The last scene drawn, or null before the first paint. */
  scene: LossSceneResult | null;
  drag: Readonly<LossDrag> | null;
  hoverPx: number | null;
  /** What the host's last answer plots, or null before the first. */
  data: { readonly axis: LossAxis; readonly field: LossField } | null;
  /** The series of that answer that are still selected (asked only when the readout is drawn). */
  series: () => LossSeriesWire[];
  /** Where a chain sits in the snapshot, for its colour. */
  colorIndex: (chain: string) => number;
  /** The chain's label, for the readout. */
  labelOf: (chain: string) => string;
  formatX: (x: number) => string;
}

/**
 * The layer over the loss chart: a transparent canvas with the crosshair and the points under it, the readout
 * box beside it, or the x range being dragged. Redrawn on every pointer move without touching the chart below.
 */
export class LossOverlay {
  readonly canvas: HTMLCanvasElement;
  readonly readout: HTMLElement;

  constructor(
    private readonly chart: HTMLCanvasElement,
    private readonly theme: () => ThemeColors,
  ) {
    this.canvas = el('canvas', { className: 'loss-overlay', attrs: { 'aria-hidden': 'true' } }) as HTMLCanvasElement;
    this.readout = el('div', { className: 'loss-readout', attrs: { id: 'loss-readout', 'aria-hidden': 'true' } });
    this.readout.hidden = true;
  }

  /** The crosshair, the points under it and the readout, or the selection being dragged. */
  draw(input: LossOverlayInput): void {
    const last = input.scene;
    const o = this.canvas;
    const w = this.chart.clientWidth;
    const h = this.chart.clientHeight;
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
    if (input.drag) {
      const a = Math.min(p.x + p.w, Math.max(p.x, Math.min(input.drag.start, input.drag.now)));
      const b = Math.min(p.x + p.w, Math.max(p.x, Math.max(input.drag.start, input.drag.now)));
      ctx.globalAlpha = 0.18;
      ctx.fillStyle = theme.focus;
      ctx.fillRect(a, p.y, b - a, p.h);
      ctx.globalAlpha = 1;
      ctx.strokeStyle = theme.focus;
      ctx.strokeRect(a + 0.5, p.y + 0.5, b - a, p.h);
      return;
    }
    const px = input.hoverPx;
    const data = input.data;
    if (px === null || px < p.x || px > p.x + p.w || !data) return;
    const x = last.xScale.invert(px);
    const rows: HTMLElement[] = [
      el('div', { className: 'readout-x', text: `${axisLabels[data.axis]}: ${input.formatX(x)}` }),
    ];
    ctx.strokeStyle = theme.muted;
    ctx.setLineDash([2, 3]);
    ctx.beginPath();
    ctx.moveTo(px + 0.5, p.y);
    ctx.lineTo(px + 0.5, p.y + p.h);
    ctx.stroke();
    ctx.setLineDash([]);
    for (const s of input.series()) {
      const i = nearestIndex(s.x, s.y, x, isAscending(s.x));
      if (i < 0) continue;
      const { color } = seriesStyle(input.colorIndex(s.chain), theme.series);
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
      const step = stepAt(s.stepStarts, s.x[i]!);
      const text =
        `${input.labelOf(s.chain)}  x ${input.formatX(s.x[i]!)}${step === null ? '' : `  step ${step}`}  ${fieldLabels[data.field]} ${formatReadout(s.y[i]!)}` +
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
}
