import { fromScaleSpace, toScaleSpace, type ScaleKind } from './chartScale';

/** A visible x range in data units; the full extent is `null` (the caller shows everything). */
export interface XRange {
  x0: number;
  x1: number;
}

/** The smallest visible width, as a fraction of the extent's (in scale space), so zooming cannot collapse. */
const minFraction = 1e-6;

function space(kind: ScaleKind, r: XRange): [number, number] {
  return [toScaleSpace(kind, r.x0), toScaleSpace(kind, r.x1)];
}

function fromSpace(kind: ScaleKind, t0: number, t1: number): XRange {
  return { x0: fromScaleSpace(kind, t0), x1: fromScaleSpace(kind, t1) };
}

/**
 * Fits [t0, t1] inside the extent [e0, e1] (all in scale space) without changing its width, or returns null
 * when it would cover the whole extent: zoomed all the way out is "no zoom".
 */
function fit(kind: ScaleKind, t0: number, t1: number, e0: number, e1: number): XRange | null {
  const extentWidth = e1 - e0;
  let width = t1 - t0;
  if (!(extentWidth > 0) || width >= extentWidth * (1 - 1e-9)) return null;
  width = Math.max(width, extentWidth * minFraction);
  let a = t0;
  if (a < e0) a = e0;
  if (a + width > e1) a = e1 - width;
  return fromSpace(kind, a, a + width);
}

/**
 * Zooms the visible range by `factor` (< 1 zooms in, > 1 out) around the point at `anchor` (0 = left edge,
 * 1 = right edge), in scale space, so a log axis zooms evenly per decade. `range` null means the full extent.
 */
export function zoomRange(
  range: XRange | null,
  extent: XRange,
  factor: number,
  anchor: number,
  kind: ScaleKind,
): XRange | null {
  const [e0, e1] = space(kind, extent);
  if (!Number.isFinite(e0) || !Number.isFinite(e1)) return range;
  const [t0, t1] = range ? space(kind, range) : [e0, e1];
  if (!Number.isFinite(t0) || !Number.isFinite(t1)) return null;
  const c = t0 + (t1 - t0) * anchor;
  return fit(kind, c - (c - t0) * factor, c + (t1 - c) * factor, e0, e1);
}

/** Moves the visible range by `fraction` of its width (negative: left), staying inside the extent. */
export function panRange(range: XRange | null, extent: XRange, fraction: number, kind: ScaleKind): XRange | null {
  if (!range) return null;
  const [e0, e1] = space(kind, extent);
  const [t0, t1] = space(kind, range);
  if (![e0, e1, t0, t1].every(Number.isFinite)) return range;
  const shift = (t1 - t0) * fraction;
  return fit(kind, t0 + shift, t1 + shift, e0, e1);
}

/**
 * The range a drag selected between two pixel positions, or null when the drag was too short to mean a
 * selection (a click). `invert` maps a pixel back to data.
 */
export function rangeFromDrag(px0: number, px1: number, invert: (px: number) => number, minPixels = 4): XRange | null {
  if (Math.abs(px1 - px0) < minPixels) return null;
  const a = invert(Math.min(px0, px1));
  const b = invert(Math.max(px0, px1));
  if (!Number.isFinite(a) || !Number.isFinite(b) || a === b) return null;
  return { x0: Math.min(a, b), x1: Math.max(a, b) };
}
