import type { ScaleKind } from '../shared/chartScale';
import { panRange, rangeFromDrag, zoomRange, type XRange } from '../shared/zoomRange';
import type { LossSceneResult } from './lossScene';

/** What the pointer reads from the loss chart and asks of it. */
export interface LossPointerChart {
  /** The last scene drawn (its plot box and scales), or null before the first paint. */
  scene(): LossSceneResult | null;
  /** The full x range the keyboard zooms and pans within, or null when nothing is plotted. */
  extent(): XRange | null;
  xKind(): ScaleKind;
  /** The visible x range, null = everything. */
  zoom(): XRange | null;
  setZoom(zoom: XRange | null): void;
  /** The hover or the drag moved: draw the overlay again. */
  redraw(): void;
}

/** An x range being dragged across the plot, in CSS pixels from the canvas' left edge. */
export interface LossDrag {
  start: number;
  now: number;
}

/**
 * The pointer and keyboard on the loss chart's canvas: the hover position (for the crosshair and readout), zoom
 * by dragging an x range across the plot, and with the canvas focused + / − to zoom, ← / → to pan, 0, Home or
 * Escape (or a double-click) to reset.
 */
export class LossPointer {
  private dragging: LossDrag | null = null;
  private hover: number | null = null;

  constructor(canvas: HTMLCanvasElement, chart: LossPointerChart) {
    const c = canvas;
    const localX = (e: PointerEvent | MouseEvent): number => e.clientX - c.getBoundingClientRect().left;
    c.addEventListener('pointerdown', (e) => {
      const last = chart.scene();
      if (e.button !== 0 || !last) return;
      const x = localX(e);
      const p = last.plot;
      if (x < p.x || x > p.x + p.w) return;
      this.dragging = { start: x, now: x };
      c.setPointerCapture(e.pointerId);
    });
    c.addEventListener('pointermove', (e) => {
      const x = localX(e);
      if (this.dragging) this.dragging.now = x;
      this.hover = x;
      chart.redraw();
    });
    c.addEventListener('pointerup', (e) => {
      const drag = this.dragging;
      this.dragging = null;
      if (c.hasPointerCapture(e.pointerId)) c.releasePointerCapture(e.pointerId);
      const last = chart.scene();
      if (!drag || !last) return;
      const p = last.plot;
      const clamp = (v: number): number => Math.min(p.x + p.w, Math.max(p.x, v));
      const range = rangeFromDrag(clamp(drag.start), clamp(localX(e)), (px) => last.xScale.invert(px));
      if (range) chart.setZoom(range);
      else chart.redraw();
    });
    c.addEventListener('pointerleave', () => {
      if (this.dragging) return;
      this.hover = null;
      chart.redraw();
    });
    c.addEventListener('dblclick', () => chart.setZoom(null));
    c.addEventListener('keydown', (e) => {
      const extent = chart.extent();
      if (!extent) return;
      const kind = chart.xKind();
      const zoom = chart.zoom();
      let next: XRange | null | undefined;
      if (e.key === '+' || e.key === '=') next = zoomRange(zoom, extent, 0.5, 0.5, kind);
      else if (e.key === '-' || e.key === '_') next = zoomRange(zoom, extent, 2, 0.5, kind);
      else if (e.key === 'ArrowLeft') next = panRange(zoom, extent, -0.25, kind);
      else if (e.key === 'ArrowRight') next = panRange(zoom, extent, 0.25, kind);
      else if (e.key === '0' || e.key === 'Home' || e.key === 'Escape') next = null;
      else return;
      e.preventDefault();
      chart.setZoom(next);
    });
  }

  /** The x range being dragged, or null. */
  get drag(): Readonly<LossDrag> | null {
    return this.dragging;
  }

  /** Where the pointer is over the canvas (CSS pixels from its left edge), or null when it left. */
  get hoverPx(): number | null {
    return this.hover;
  }
}
