/** Number formatting of the Probe panel (text only; never HTML). */

/** A probability or a recall 0…1 as a percent with one decimal: 0.8734 → `87.3%`. */
export function formatPercent(p: number): string {
  return `${(Math.round(p * 1000) / 10).toFixed(1)}%`;
}

/** How long a probe took: `850 ms`, `4.2 s`, `2 min 5 s`. */
export function formatElapsed(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${s % 60} s`;
}

/** An image's pixel size: `640 × 480 px`. */
export function formatPixels(width: number, height: number): string {
  return `${width} × ${height} px`;
}
