import { bestTextColor, formatColor, mixColors, type Rgba } from '../shared/cssColor';

export interface CellColors {
  background: string;
  text: string;
}

/** Weakest and strongest share of the accent colour in a cell, so the lowest value still reads as "a value". */
const minShare = 0.1;
const maxShare = 0.75;

/**
 * A heatmap cell: the accent colour mixed into the editor background by how high `value` sits in [min, max],
 * and whichever of the theme's foreground/background reads better on it (WCAG contrast).
 */
export function heatCellColors(
  value: number,
  range: { min: number; max: number },
  theme: { accent: Rgba; background: Rgba; foreground: Rgba },
): CellColors {
  const span = range.max - range.min;
  const t = span > 0 ? (value - range.min) / span : 1;
  const bg = mixColors(theme.accent, theme.background, minShare + (maxShare - minShare) * Math.min(1, Math.max(0, t)));
  return { background: formatColor(bg), text: formatColor(bestTextColor(bg, [theme.foreground, theme.background])) };
}

/** A difference cell: green for a gain, red for a loss, stronger with |value| / maxAbs; 0 gets no colour. */
export function divergingCellColors(
  value: number,
  maxAbs: number,
  theme: { positive: Rgba; negative: Rgba; background: Rgba; foreground: Rgba },
): CellColors {
  const t = maxAbs > 0 ? Math.min(1, Math.abs(value) / maxAbs) : 0;
  const share = value === 0 || t === 0 ? 0 : minShare + (maxShare - minShare) * t;
  const bg = mixColors(value >= 0 ? theme.positive : theme.negative, theme.background, share);
  return { background: formatColor(bg), text: formatColor(bestTextColor(bg, [theme.foreground, theme.background])) };
}
