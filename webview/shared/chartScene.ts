/**
 * A chart as plain data: what to draw, in CSS pixels, with resolved colours (no CSS variables: an exported SVG
 * or PNG must look the same outside VS Code). The canvas renderer and the SVG writer draw the same scene, so an
 * export shows what the screen shows.
 */
export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

interface Styled {
  /** Draw only inside the scene's plot area. */
  clip?: boolean;
  alpha?: number;
}

export interface PolylineItem extends Styled {
  kind: 'polyline';
  /** Flat [x0, y0, x1, y1, …]; a NaN coordinate ends a run of connected points (a gap). */
  points: ArrayLike<number>;
  stroke: string;
  width: number;
  dash?: number[];
}

export interface LineItem extends Styled {
  kind: 'line';
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  stroke: string;
  width: number;
  dash?: number[];
}

export interface RectItem extends Styled {
  kind: 'rect';
  x: number;
  y: number;
  w: number;
  h: number;
  fill?: string;
  stroke?: string;
  strokeWidth?: number;
  dash?: number[];
  radius?: number;
}

export interface TextItem extends Styled {
  kind: 'text';
  x: number;
  y: number;
  text: string;
  fill: string;
  anchor: 'start' | 'middle' | 'end';
  baseline: 'top' | 'middle' | 'bottom';
  size: number;
  bold?: boolean;
  /** Degrees, around (x, y). */
  rotate?: number;
}

export type SceneItem = PolylineItem | LineItem | RectItem | TextItem;

export interface Scene {
  width: number;
  height: number;
  background: string;
  fontFamily: string;
  /** The plot area that `clip` items stay inside. */
  plot: Rect;
  /** What the chart shows, for an accessible name and the SVG <title>. */
  title: string;
  items: SceneItem[];
}

/** Runs of connected points of a flat polyline, split at NaN coordinates; single points are kept. */
export function polylineRuns(points: ArrayLike<number>): number[][] {
  const runs: number[][] = [];
  let run: number[] = [];
  for (let i = 0; i + 1 < points.length; i += 2) {
    const x = points[i]!;
    const y = points[i + 1]!;
    if (Number.isFinite(x) && Number.isFinite(y)) run.push(x, y);
    else if (run.length) {
      runs.push(run);
      run = [];
    }
  }
  if (run.length) runs.push(run);
  return runs;
}
