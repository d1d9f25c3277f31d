import type { ScaleKind } from './chartScale';

/**
 * 1, 2 or 5 × 10^k: the one nearest (geometrically) to `span / count`, so an axis gets about `count` intervals
 * (never fewer than half as many).
 */
export function niceStep(span: number, count: number): number {
  if (!(span > 0) || !Number.isFinite(span)) return 1;
  const raw = span / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const f = raw / power;
  const nice = f < Math.SQRT2 ? 1 : f < Math.sqrt(10) ? 2 : f < Math.sqrt(50) ? 5 : 10;
  return nice * power;
}

/** Round multiples of a nice step inside [d0, d1] (both ends included when they fall on a multiple). */
export function linearTicks(d0: number, d1: number, count: number): number[] {
  const lo = Math.min(d0, d1);
  const hi = Math.max(d0, d1);
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  if (lo === hi) return [lo];
  const step = niceStep(hi - lo, count);
  const first = Math.ceil(lo / step - 1e-9);
  const last = Math.floor(hi / step + 1e-9);
  const ticks: number[] = [];
  for (let i = first; i <= last && ticks.length <= 1000; i++) ticks.push(cleanFloat(i * step));
  return ticks;
}

/**
 * Ticks for a log10 axis over a positive domain: the powers of ten (every n-th one when there are too many),
 * with 2× and 5× (or all of 1…9×) when the domain spans few decades. A domain too narrow for two such ticks falls
 * back to linear ticks, so an axis always shows at least two labels where it can.
 */
export function logTicks(d0: number, d1: number, count: number): number[] {
  const lo = Math.min(d0, d1);
  const hi = Math.max(d0, d1);
  if (!(lo > 0) || !Number.isFinite(hi)) return [];
  const e0 = Math.floor(Math.log10(lo));
  const e1 = Math.ceil(Math.log10(hi));
  const decades = e1 - e0;
  const max = Math.max(2, count);
  const inside = (v: number): boolean => v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9);
  let ticks: number[] = [];
  if (decades > max) {
    const stride = Math.ceil(decades / max);
    for (let e = Math.ceil(e0 / stride) * stride; e <= e1; e += stride) if (inside(10 ** e)) ticks.push(10 ** e);
  } else {
    const multipliers = decades * 3 <= max ? (decades * 9 <= max ? [1, 2, 3, 4, 5, 6, 7, 8, 9] : [1, 2, 5]) : [1];
    for (let e = e0; e <= e1; e++)
      for (const m of multipliers) {
        const v = cleanFloat(m * 10 ** e);
        if (inside(v)) ticks.push(v);
      }
  }
  if (ticks.length < 2) ticks = linearTicks(lo, hi, Math.min(count, 4)).filter((v) => v > 0);
  return ticks;
}

export function ticksFor(kind: ScaleKind, d0: number, d1: number, count: number): number[] {
  return kind === 'log' ? logTicks(d0, d1, count) : linearTicks(d0, d1, count);
}

/** Drops binary noise from a multiple of a decimal step (0.1 * 3 → 0.3). */
function cleanFloat(v: number): number {
  return Number(v.toPrecision(12));
}

const si: [number, string][] = [
  [1e12, 'T'],
  [1e9, 'B'],
  [1e6, 'M'],
  [1e3, 'k'],
];

/** The fewest decimals (0…max) that write `step` exactly, so every tick a step apart reads differently. */
function decimalsFor(step: number, max: number): number {
  for (let d = 0; d < max; d++) {
    const scaled = step * 10 ** d;
    if (Math.abs(Math.round(scaled) - scaled) < 1e-6 * Math.max(1, scaled)) return d;
  }
  return max;
}

function siUnit(abs: number): [number, string] {
  for (const unit of si) if (abs >= unit[0]) return unit;
  return [1, ''];
}

/**
 * A tick label with just the digits the step needs: 2.5B, 400k, 1.25M, 0.25, 3e-5. Billions are "B" (the
 * TiC-DataComp sizes are quoted that way).
 */
export function formatTick(v: number, step: number): string {
  if (!Number.isFinite(v)) return '';
  if (v === 0) return '0';
  const abs = Math.abs(v);
  const s = Math.abs(step) || abs;
  const [div, suffix] = siUnit(abs);
  if (div > 1) return `${trimZeros((v / div).toFixed(decimalsFor(s / div, 3)))}${suffix}`;
  if (abs < 1e-3) return Number(v.toPrecision(3)).toExponential();
  return trimZeros(v.toFixed(decimalsFor(s, 6)));
}

/** A value in a readout: four significant digits, SI suffixes for large values. */
export function formatReadout(v: number): string {
  if (!Number.isFinite(v)) return '—';
  if (v === 0) return '0';
  const abs = Math.abs(v);
  const [div, suffix] = siUnit(abs);
  if (div === 1 && abs < 1e-3) return Number(v.toPrecision(4)).toExponential();
  return `${Number((v / div).toPrecision(4))}${suffix}`;
}

function trimZeros(text: string): string {
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}

// ---------------------------------------------------------------------------------------------------------------
// Time (milliseconds since the Unix epoch, shown in UTC: the host reads the log's local clock as UTC)

const second = 1000;
const minute = 60 * second;
const hour = 60 * minute;
const day = 24 * hour;
const timeSteps = [
  second,
  2 * second,
  5 * second,
  10 * second,
  15 * second,
  30 * second,
  minute,
  2 * minute,
  5 * minute,
  10 * minute,
  15 * minute,
  30 * minute,
  hour,
  2 * hour,
  3 * hour,
  6 * hour,
  12 * hour,
  day,
  2 * day,
  7 * day,
  14 * day,
  30 * day,
  91 * day,
  365 * day,
];

/** Time ticks at round UTC instants (whole minutes, hours, days…), at most about `count` of them. */
export function timeTicks(t0: number, t1: number, count: number): { values: number[]; step: number } {
  const lo = Math.min(t0, t1);
  const hi = Math.max(t0, t1);
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || lo === hi) return { values: [lo], step: second };
  const raw = (hi - lo) / Math.max(1, count);
  const step = timeSteps.find((s) => s >= raw) ?? Math.ceil(raw / (365 * day)) * 365 * day;
  const values: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi && values.length <= 1000; t += step) values.push(t);
  return { values, step };
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** A time tick label whose precision follows the step: 2024-03-05 / 03-05 14:30 / 14:30:15 (UTC). */
export function formatTimeTick(t: number, step: number): string {
  const d = new Date(t);
  if (Number.isNaN(d.getTime())) return '';
  const date = `${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  const hm = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
  if (step >= day) return `${d.getUTCFullYear()}-${date}`;
  if (step >= minute) return `${date} ${hm}`;
  return `${hm}:${pad(d.getUTCSeconds())}`;
}

/** A full timestamp for a readout, in UTC: 2024-03-05 14:30:15. */
export function formatTimestamp(t: number): string {
  const d = new Date(t);
  if (Number.isNaN(d.getTime())) return '—';
  return d.toISOString().slice(0, 19).replace('T', ' ');
}
