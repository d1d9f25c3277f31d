import type { RgbImage } from './imageDecode';
import { ProbeError } from './probeError';
import type { ProbeModel } from './probeModel';

export type ProbeRunMode = 'labels' | 'captions';

export interface ProbeRunOptions {
  readonly signal?: AbortSignal;
  /** After each model (and within one, as its batches finish): done of total steps, and what runs. */
  onProgress?(done: number, total: number, message: string): void;
}

export interface ProbeRunResult {
  /** labels: per model, probabilities[image][label] (softmax over the labels). */
  readonly labels: { model: string; probabilities: number[][] }[] | null;
  /** captions: per model, recall@1/5 with image i paired with caption i, both directions. */
  readonly captions:
    { model: string; imageToText: { r1: number; r5: number }; textToImage: { r1: number; r5: number } }[] | null;
}

/** Runs the same images and texts through every model, one after the other (one model's sessions at a time). */
export async function runProbe(
  models: readonly ProbeModel[],
  images: readonly RgbImage[],
  texts: readonly string[],
  mode: ProbeRunMode,
  options: ProbeRunOptions = {},
): Promise<ProbeRunResult> {
  if (models.length === 0) throw new ProbeError('badInput', 'Choose at least one exported checkpoint.');
  if (images.length === 0) throw new ProbeError('badInput', 'Add at least one image.');
  const steps = 100;
  const total = models.length * steps;
  const labels: NonNullable<ProbeRunResult['labels']> = [];
  const captions: NonNullable<ProbeRunResult['captions']> = [];
  for (const [index, model] of models.entries()) {
    options.signal?.throwIfAborted();
    const name = model.dir;
    const onProgress = (fraction: number) =>
      options.onProgress?.(index * steps + Math.round(fraction * steps), total, `${model.manifest.arch}: ${name}`);
    onProgress(0);
    const encode = { ...(options.signal ? { signal: options.signal } : {}), onProgress };
    if (mode === 'labels') {
      const result = await model.classify(images, texts, encode);
      labels.push({ model: name, probabilities: result.probabilities });
    } else {
      const recall = await model.retrieval(images, texts, [1, 5], encode);
      captions.push({
        model: name,
        imageToText: { r1: recall.imageToText[1] ?? 0, r5: recall.imageToText[5] ?? 0 },
        textToImage: { r1: recall.textToImage[1] ?? 0, r5: recall.textToImage[5] ?? 0 },
      });
    }
    options.onProgress?.((index + 1) * steps, total, `${model.manifest.arch}: ${name}`);
  }
  return mode === 'labels' ? { labels, captions: null } : { labels: null, captions };
}
