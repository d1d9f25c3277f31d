/**
 * A TiC-DataComp yearly size as the contracts quote it: 2.0B, 480M; "≈" in front when the contracts give only a
 * rounded figure (then with the digits they give: ≈1.96B).
 */
export function formatSamples(samples: number, approximate = false): string {
  if (!Number.isFinite(samples)) return '—';
  const abs = Math.abs(samples);
  const [div, suffix] = abs >= 1e9 ? [1e9, 'B'] : abs >= 1e6 ? [1e6, 'M'] : abs >= 1e3 ? [1e3, 'k'] : [1, ''];
  const v = samples / div;
  let text = String(Number(v.toPrecision(3)));
  if (div > 1 && !text.includes('.') && Math.abs(v) < 100) text += '.0';
  return `${approximate ? '\u2248' : ''}${text}${suffix}`;
}
