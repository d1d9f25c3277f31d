/** How an axis maps data to pixels. */
export type ScaleKind = 'linear' | 'log';

/** Data → the space the scale is linear in (log10 for a log axis; NaN for a value a log axis cannot show). */
export function toScaleSpace(kind: ScaleKind, v: number): number {
  if (kind === 'linear') return v;
  return v > 0 ? Math.log10(v) : NaN;
}

export function fromScaleSpace(kind: ScaleKind, t: number): number {
  return kind === 'linear' ? t : 10 ** t;
}

/**
 * A linear or log10 mapping from a data domain onto a pixel range (the range may run backwards, as a y axis
 * does). A degenerate domain (one value) is widened so every value still maps somewhere sensible.
 */
export class ChartScale {
  private readonly t0: number;
  private readonly t1: number;
  private readonly widened: boolean;

  constructor(
    readonly kind: ScaleKind,
    readonly domain: readonly [number, number],
    readonly range: readonly [number, number],
  ) {
    let t0 = toScaleSpace(kind, domain[0]);
    let t1 = toScaleSpace(kind, domain[1]);
    if (!Number.isFinite(t0) || !Number.isFinite(t1)) {
      t0 = 0;
      t1 = 1;
    }
    if (t0 === t1) {
      const pad = kind === 'log' ? 0.5 : Math.abs(t0) * 0.05 || 1;
      t0 -= pad;
      t1 += pad;
    }
    this.widened = t0 !== toScaleSpace(kind, domain[0]) || t1 !== toScaleSpace(kind, domain[1]);
    this.t0 = t0;
    this.t1 = t1;
  }

  /** The domain actually used (after widening a degenerate one). */
  get effectiveDomain(): [number, number] {
    if (!this.widened) return [this.domain[0], this.domain[1]];
    return [fromScaleSpace(this.kind, this.t0), fromScaleSpace(this.kind, this.t1)];
  }

  /** Pixel position of `v`; NaN when the scale cannot show it (non-positive on a log axis, NaN). */
  map(v: number): number {
    const t = toScaleSpace(this.kind, v);
    return this.range[0] + ((t - this.t0) / (this.t1 - this.t0)) * (this.range[1] - this.range[0]);
  }

  invert(px: number): number {
    const f = (px - this.range[0]) / (this.range[1] - this.range[0]);
    return fromScaleSpace(this.kind, this.t0 + f * (this.t1 - this.t0));
  }
}
