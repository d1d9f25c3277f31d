/**
 * The labels (zero-shot) result as the panel shows it: per image, the rows (labels) and per model the probability
 * and whether it is that model's top label, plus who picks what. Pure: the view only turns this into DOM.
 */
import type { LabelResultWire } from '../../src/protocol/probeMessages';
import { formatPercent } from './probeFormat';

/** With more labels than this, a card shows only the union of each model's top `topPerModel` labels. */
export const maxRowsShownInFull = 20;
export const topPerModel = 5;

export interface LabelCell {
  model: string;
  probability: number;
  top: boolean;
}

export interface LabelRow {
  textIndex: number;
  text: string;
  cells: LabelCell[];
}

export interface ModelPick {
  model: string;
  textIndex: number;
  probability: number;
}

export interface LabelImageView {
  imageId: string;
  rows: LabelRow[];
  /** Rows left out (too many labels to show them all); the CSV has every one. */
  hiddenRows: number;
  picks: ModelPick[];
}

/** The index of the largest value (the first one on a tie); -1 for an empty row. */
export function argmax(values: readonly number[]): number {
  let best = -1;
  for (let i = 0; i < values.length; i++) if (best < 0 || values[i]! > values[best]!) best = i;
  return best;
}

/** The indices of the `k` largest values, largest first (ties: lower index first). */
export function topIndices(values: readonly number[], k: number): number[] {
  return values
    .map((v, i) => ({ v, i }))
    .sort((a, b) => b.v - a.v || a.i - b.i)
    .slice(0, k)
    .map((x) => x.i);
}

/** Per image of the result (in its order), the rows and picks to show. */
export function labelImageViews(
  images: readonly string[],
  texts: readonly string[],
  labels: readonly LabelResultWire[],
): LabelImageView[] {
  return images.map((imageId, imageIndex) => {
    const perModel = labels.map((l) => ({ model: l.model, row: l.probabilities[imageIndex] ?? [] }));
    const tops = perModel.map(({ row }) => argmax(row));
    const picks = perModel.flatMap(({ model, row }, m) =>
      tops[m]! < 0 ? [] : [{ model, textIndex: tops[m]!, probability: row[tops[m]!]! }],
    );
    let shown: number[];
    if (texts.length <= maxRowsShownInFull) shown = texts.map((_, i) => i);
    else {
      const union = new Set<number>();
      for (const { row } of perModel) for (const i of topIndices(row, topPerModel)) union.add(i);
      // Ordered by the best probability any model gives the label, so the rows most worth reading come first.
      const best = (i: number): number => Math.max(...perModel.map(({ row }) => row[i] ?? 0));
      shown = [...union].sort((a, b) => best(b) - best(a) || a - b);
    }
    const rows = shown.map((textIndex) => ({
      textIndex,
      text: texts[textIndex] ?? '',
      cells: perModel.map(({ model, row }, m) => ({
        model,
        probability: row[textIndex] ?? 0,
        top: tops[m] === textIndex,
      })),
    }));
    return { imageId, rows, hiddenRows: texts.length - rows.length, picks };
  });
}

/**
 * "cumulative 2016 picks “a dog” (87.3%); cumulative 2022 picks “a cat” (55.0%): they disagree." With one model,
 * just what it picks.
 */
export function picksSummary(
  picks: readonly ModelPick[],
  texts: readonly string[],
  modelLabel: (id: string) => string,
): string {
  if (picks.length === 0) return 'No model gave a probability for this image.';
  const parts = picks.map(
    (p) => `${modelLabel(p.model)} picks “${texts[p.textIndex] ?? ''}” (${formatPercent(p.probability)})`,
  );
  if (picks.length === 1) return `${parts[0]}.`;
  const agree = picks.every((p) => p.textIndex === picks[0]!.textIndex);
  return `${parts.join('; ')}: ${agree ? 'they agree' : 'they disagree'}.`;
}
