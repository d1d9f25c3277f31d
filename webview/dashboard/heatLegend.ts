import { el } from '../shared/dom';
import type { CellColors } from './heatColors';

/** Stops drawn between the low and the high end. */
const stops = 6;

/**
 * The colour key of a heatmap: the low end's value, the shades in between, the high end's value, and what a
 * missing cell looks like. `colors` is the same function the cells use, so the key cannot disagree with them.
 */
export function heatLegend(options: {
  id: string;
  low: number;
  high: number;
  lowLabel: string;
  highLabel: string;
  colors: (v: number) => CellColors | null;
}): HTMLElement {
  const swatches: HTMLElement[] = [];
  for (let i = 0; i < stops; i++) {
    const v = options.low + ((options.high - options.low) * i) / (stops - 1);
    const c = options.colors(v);
    const swatch = el('span', { className: 'heat-legend-swatch', attrs: { 'aria-hidden': 'true' } });
    if (c) swatch.style.background = c.background;
    swatches.push(swatch);
  }
  const missing = el('span', { className: 'heat-legend-missing', text: '—' });
  return el(
    'div',
    {
      className: 'heat-legend',
      attrs: {
        id: options.id,
        role: 'img',
        'aria-label': `Colour key: from ${options.lowLabel} to ${options.highLabel}; a missing result is shown as —`,
      },
    },
    [
      el('span', { className: 'heat-legend-label', text: options.lowLabel }),
      el('span', { className: 'heat-legend-bar' }, swatches),
      el('span', { className: 'heat-legend-label', text: options.highLabel }),
      missing,
      el('span', { className: 'heat-legend-label muted', text: 'no result' }),
    ],
  );
}
