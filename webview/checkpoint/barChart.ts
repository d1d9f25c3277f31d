import { formatNumber } from '../shared/format';

const svgNs = 'http://www.w3.org/2000/svg';

function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number>,
  text?: string,
): SVGElementTagNameMap[K] {
  const node = document.createElementNS(svgNs, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

/**
 * A horizontal bar chart in SVG (one bar per block, in the given order), coloured by theme variables.
 * Labels are text nodes; the chart has an ARIA description and each bar a <title> readout.
 */
export function barChart(bars: { label: string; value: number }[]): SVGSVGElement {
  const rowH = 18;
  const labelW = 300;
  const width = 900;
  const max = Math.max(...bars.map((b) => b.value), 1e-12);
  const root = svg('svg', {
    viewBox: `0 0 ${width} ${bars.length * rowH + 24}`,
    role: 'img',
    'aria-label': `Relative change of ${bars.length} blocks`,
    class: 'bar-chart',
  });
  bars.forEach((bar, i) => {
    const y = i * rowH;
    const w = ((width - labelW - 90) * bar.value) / max;
    const g = svg('g', {});
    g.append(svg('title', {}, `${bar.label}: ${formatNumber(bar.value)}`));
    g.append(svg('text', { x: labelW - 8, y: y + 13, 'text-anchor': 'end', class: 'bar-label' }, bar.label));
    g.append(svg('rect', { x: labelW, y: y + 3, width: Math.max(w, 1), height: rowH - 6, class: 'bar' }));
    g.append(svg('text', { x: labelW + w + 6, y: y + 13, class: 'bar-value' }, formatNumber(bar.value)));
    root.append(g);
  });
  return root;
}
