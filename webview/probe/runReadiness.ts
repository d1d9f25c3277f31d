import type { ProbeMode } from '../../src/protocol/probeMessages';

/** The limits parseProbeMessage enforces on a `run` (src/protocol/probeMessages.ts), checked before sending. */
export const runLimits = { models: 50, images: 500, texts: 1000, textLength: 1000 } as const;

export interface RunInputs {
  mode: ProbeMode;
  /** Models the host lists (exports found). */
  listed: number;
  /** Ticked models the host still lists. */
  models: number;
  images: number;
  texts: readonly string[];
  /** The host's reason why probing cannot run here, if any. */
  notice: string | null;
  running: boolean;
}

const plural = (n: number, one: string, many = `${one}s`): string =>
  `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

/** Why Run is disabled, in words for people; null when a run can start. */
export function runBlocker(inputs: RunInputs): string | null {
  const { mode, models, images, texts } = inputs;
  if (inputs.running) return 'A probe is running.';
  // The notice and the Models card say what to do; the reason next to Run only points at them (said once).
  if (inputs.notice !== null) return 'Not available here: see the note at the top.';
  if (inputs.listed === 0) return 'No model yet: see Models above.';
  if (models === 0) return 'Choose at least one model.';
  if (models > runLimits.models) return `Choose at most ${runLimits.models} models.`;
  if (images === 0) return 'Add at least one image.';
  if (images > runLimits.images) return `Use at most ${runLimits.images} images.`;
  const noun = mode === 'labels' ? 'label' : 'caption';
  if (texts.length === 0)
    return mode === 'labels' ? 'Write at least one label.' : 'Write one caption per image, one per line.';
  if (texts.length > runLimits.texts) return `Write at most ${runLimits.texts} ${noun}s.`;
  const long = texts.findIndex((t) => t.length > runLimits.textLength);
  if (long >= 0)
    return `${noun[0]!.toUpperCase()}${noun.slice(1)} ${long + 1} is longer than ${runLimits.textLength} characters.`;
  if (mode === 'captions' && texts.length !== images)
    return `${plural(texts.length, 'caption')} for ${plural(images, 'image')}: write exactly one caption per image, in the order of the images.`;
  return null;
}
