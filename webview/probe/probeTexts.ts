import type { ProbeMode } from '../../src/protocol/probeMessages';

/**
 * The textarea → the `texts` of a run. Labels: one per line; a single line is split on commas too, so
 * `dog, cat, bird` is three labels while `a photo of a dog, sitting` on its own line among others stays one.
 * Captions: one per line (caption i belongs to image i), commas kept. Trimmed, empties dropped.
 */
export function parseTexts(raw: string, mode: ProbeMode): string[] {
  const lines = raw
    .split(/\r\n|\r|\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
  if (mode === 'labels' && lines.length === 1)
    return lines[0]!
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part.length > 0);
  return lines;
}

/** "3 labels" / "2 captions for 3 images" under the textarea. */
export function textsSummary(mode: ProbeMode, texts: number, images: number): string {
  if (mode === 'labels') return texts === 1 ? '1 label' : `${texts} labels`;
  return `${texts === 1 ? '1 caption' : `${texts} captions`} for ${images === 1 ? '1 image' : `${images} images`}`;
}
