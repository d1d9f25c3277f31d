/** An sRGB colour, channels 0…255 and alpha 0…1. */
export interface Rgba {
  r: number;
  g: number;
  b: number;
  a: number;
}

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));

/**
 * Reads the colour forms a browser gives back for a theme variable or a canvas fillStyle: `#rgb`, `#rgba`,
 * `#rrggbb`, `#rrggbbaa`, `rgb()`/`rgba()` with commas or spaces (alpha as a number or a percentage).
 * Anything else (a named colour, `color-mix(…)`) is null: the caller normalises it first.
 */
export function parseColor(text: string): Rgba | null {
  const s = text.trim().toLowerCase();
  const hex = /^#([0-9a-f]{3,8})$/.exec(s);
  if (hex) {
    const h = hex[1]!;
    if (h.length === 3 || h.length === 4) {
      const c = [...h].map((d) => parseInt(d + d, 16));
      return { r: c[0]!, g: c[1]!, b: c[2]!, a: h.length === 4 ? c[3]! / 255 : 1 };
    }
    if (h.length === 6 || h.length === 8) {
      const c = [0, 2, 4, 6].map((i) => parseInt(h.slice(i, i + 2), 16));
      return { r: c[0]!, g: c[1]!, b: c[2]!, a: h.length === 8 ? c[3]! / 255 : 1 };
    }
    return null;
  }
  const fn = /^rgba?\(([^)]*)\)$/.exec(s);
  if (!fn) return null;
  const parts = fn[1]!
    .split(/[\s,/]+/)
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
  if (parts.length !== 3 && parts.length !== 4) return null;
  const channel = (p: string): number => (p.endsWith('%') ? (parseFloat(p) / 100) * 255 : parseFloat(p));
  const [r, g, b] = parts.slice(0, 3).map(channel) as [number, number, number];
  const a = parts[3] === undefined ? 1 : parts[3].endsWith('%') ? parseFloat(parts[3]) / 100 : parseFloat(parts[3]);
  if (![r, g, b, a].every(Number.isFinite)) return null;
  return { r: clamp(r, 0, 255), g: clamp(g, 0, 255), b: clamp(b, 0, 255), a: clamp(a, 0, 1) };
}

/** `a` over `b` by weight t (t = 1: all `a`), like CSS `color-mix(in srgb, a t, b)`; the result is opaque if both are. */
export function mixColors(a: Rgba, b: Rgba, t: number): Rgba {
  const w = clamp(t, 0, 1);
  return {
    r: a.r * w + b.r * (1 - w),
    g: a.g * w + b.g * (1 - w),
    b: a.b * w + b.b * (1 - w),
    a: a.a * w + b.a * (1 - w),
  };
}

/** `top` composited over an opaque `bottom` (alpha dropped), for reading what a translucent colour looks like. */
export function flatten(top: Rgba, bottom: Rgba): Rgba {
  return { ...mixColors({ ...top, a: 1 }, { ...bottom, a: 1 }, top.a), a: 1 };
}

export function formatColor(c: Rgba): string {
  const r = Math.round(c.r);
  const g = Math.round(c.g);
  const b = Math.round(c.b);
  return c.a >= 1 ? `rgb(${r}, ${g}, ${b})` : `rgba(${r}, ${g}, ${b}, ${Number(c.a.toFixed(3))})`;
}

/** WCAG 2.x relative luminance. */
export function relativeLuminance(c: Rgba): number {
  const lin = (v: number): number => {
    const s = v / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(c.r) + 0.7152 * lin(c.g) + 0.0722 * lin(c.b);
}

/** WCAG 2.x contrast ratio, 1…21. */
export function contrastRatio(a: Rgba, b: Rgba): number {
  const la = relativeLuminance(a);
  const lb = relativeLuminance(b);
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
}

/** The candidate text colour that reads best on `background` (the first one wins a tie). */
export function bestTextColor(background: Rgba, candidates: readonly Rgba[]): Rgba {
  let best = candidates[0]!;
  let bestRatio = -1;
  for (const c of candidates) {
    const ratio = contrastRatio(background, c);
    if (ratio > bestRatio + 1e-9) {
      best = c;
      bestRatio = ratio;
    }
  }
  return best;
}
