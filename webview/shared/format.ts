/** Number formatting shared by the webviews (text only; never HTML). */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

export function formatBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = n;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(value >= 100 ? 0 : value >= 10 ? 1 : 2)} ${units[unit]}`;
}

export function formatNumber(n: number | null, digits = 4): string {
  if (n === null) return '—';
  // toPrecision then Number drops trailing zeros: 1e-6, 0.000427, 0.2, 1.234e+21
  return String(Number(n.toPrecision(digits)));
}

export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}
