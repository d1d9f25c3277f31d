import { polylineRuns, type Scene, type SceneItem } from './chartScene';

/** Escapes text for XML character data and attribute values (both quote kinds). */
export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Also drops the control characters XML 1.0 forbids, which would make the file unreadable. */
function xmlText(text: string): string {
  // eslint-disable-next-line no-control-regex
  return escapeXml(text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, ''));
}

const n = (v: number): string => String(Math.round(v * 100) / 100);

function common(item: SceneItem): string {
  const parts: string[] = [];
  if (item.alpha !== undefined && item.alpha < 1) parts.push(`opacity="${n(item.alpha)}"`);
  if ('dash' in item && item.dash?.length) parts.push(`stroke-dasharray="${item.dash.map(n).join(' ')}"`);
  return parts.length ? ` ${parts.join(' ')}` : '';
}

function itemSvg(item: SceneItem): string {
  switch (item.kind) {
    case 'polyline': {
      const d = polylineRuns(item.points)
        .map((run) => {
          const segs = [`M${n(run[0]!)} ${n(run[1]!)}`];
          for (let i = 2; i < run.length; i += 2) segs.push(`L${n(run[i]!)} ${n(run[i + 1]!)}`);
          // A lone point still shows, as a dot the line width across.
          if (run.length === 2) segs.push('h0.01');
          return segs.join('');
        })
        .join('');
      if (!d) return '';
      return `<path d="${d}" fill="none" stroke="${xmlText(item.stroke)}" stroke-width="${n(item.width)}" stroke-linejoin="round" stroke-linecap="round"${common(item)}/>`;
    }
    case 'line':
      return `<line x1="${n(item.x1)}" y1="${n(item.y1)}" x2="${n(item.x2)}" y2="${n(item.y2)}" stroke="${xmlText(item.stroke)}" stroke-width="${n(item.width)}"${common(item)}/>`;
    case 'rect': {
      const fill = item.fill ? `fill="${xmlText(item.fill)}"` : 'fill="none"';
      const stroke = item.stroke ? ` stroke="${xmlText(item.stroke)}" stroke-width="${n(item.strokeWidth ?? 1)}"` : '';
      const radius = item.radius ? ` rx="${n(item.radius)}"` : '';
      return `<rect x="${n(item.x)}" y="${n(item.y)}" width="${n(Math.max(0, item.w))}" height="${n(Math.max(0, item.h))}"${radius} ${fill}${stroke}${common(item)}/>`;
    }
    case 'text': {
      const baseline = item.baseline === 'top' ? 'hanging' : item.baseline === 'bottom' ? 'text-after-edge' : 'central';
      const rotate = item.rotate ? ` transform="rotate(${n(item.rotate)} ${n(item.x)} ${n(item.y)})"` : '';
      const weight = item.bold ? ' font-weight="bold"' : '';
      return `<text x="${n(item.x)}" y="${n(item.y)}" fill="${xmlText(item.fill)}" font-size="${n(item.size)}" text-anchor="${item.anchor}" dominant-baseline="${baseline}"${weight}${rotate}${common(item)}>${xmlText(item.text)}</text>`;
    }
  }
}

/** A standalone SVG document of the scene, items in order; every text and attribute value is escaped. */
export function sceneToSvg(scene: Scene): string {
  const { width, height, plot } = scene;
  const body: string[] = [];
  let inClip = false;
  for (const item of scene.items) {
    const svg = itemSvg(item);
    if (!svg) continue;
    if (Boolean(item.clip) !== inClip) {
      body.push(inClip ? '</g>' : '<g clip-path="url(#plot)">');
      inClip = !inClip;
    }
    body.push(svg);
  }
  if (inClip) body.push('</g>');
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" width="${n(width)}" height="${n(height)}" viewBox="0 0 ${n(width)} ${n(height)}" font-family="${xmlText(scene.fontFamily)}" role="img" aria-label="${xmlText(scene.title)}">`,
    `<title>${xmlText(scene.title)}</title>`,
    `<defs><clipPath id="plot"><rect x="${n(plot.x)}" y="${n(plot.y)}" width="${n(plot.w)}" height="${n(plot.h)}"/></clipPath></defs>`,
    `<rect width="100%" height="100%" fill="${xmlText(scene.background)}"/>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}
