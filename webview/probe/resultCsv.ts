/**
 * A probe result as CSV (RFC 4180, through shared/csv.ts so names that look like formulas are defused): labels in
 * long form, one row per image × label × model, so a spreadsheet can pivot it either way; captions one row per model.
 */
import type { HostToProbe } from '../../src/protocol/probeMessages';
import { buildCsv, type CsvCell } from '../../src/shared/csv';
import { argmax } from './labelResults';
import type { ResultContext } from './probeUiState';

type ResultMessage = Extract<HostToProbe, { type: 'result' }>;

export function resultCsv(result: ResultMessage, context: ResultContext): string {
  const modelLabel = (id: string): string => context.modelLabels[id] ?? id;
  if (result.mode === 'captions') {
    return buildCsv(
      ['model', 'model_id', 'image_to_text_r1', 'image_to_text_r5', 'text_to_image_r1', 'text_to_image_r5'],
      (result.captions ?? []).map((c) => [
        modelLabel(c.model),
        c.model,
        c.imageToText.r1,
        c.imageToText.r5,
        c.textToImage.r1,
        c.textToImage.r5,
      ]),
    );
  }
  const rows: CsvCell[][] = [];
  result.images.forEach((imageId, i) => {
    for (const l of result.labels ?? []) {
      const row = l.probabilities[i] ?? [];
      const top = argmax(row);
      row.forEach((p, t) =>
        rows.push([
          context.imageNames[imageId] ?? imageId,
          imageId,
          t,
          result.texts[t] ?? '',
          modelLabel(l.model),
          l.model,
          p,
          t === top ? 1 : 0,
        ]),
      );
    }
  });
  return buildCsv(['image', 'image_id', 'text_index', 'text', 'model', 'model_id', 'probability', 'top'], rows);
}
