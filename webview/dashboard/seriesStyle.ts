/** The colour slot and dash of the n-th chain: six theme chart colours, then the same colours dashed. */
export function seriesStyle(index: number, palette: readonly string[]): { color: string; dash: number[] } {
  const i = Math.max(0, index);
  const color = palette.length ? palette[i % palette.length]! : '#888888';
  const round = palette.length ? Math.floor(i / palette.length) : 0;
  return { color, dash: round === 0 ? [] : round === 1 ? [6, 3] : [2, 3] };
}
