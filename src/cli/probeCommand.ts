import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import type { RgbImage } from '../probe/imageDecode';
import { readImageFile } from '../probe/imageFile';
import { ProbeError } from '../probe/probeError';
import { probeLabel } from '../probe/probeExports';
import { ProbeModel } from '../probe/probeModel';
import { runProbe } from '../probe/runProbe';
import { UsageError, type CliIo } from './common/cliIo';
import { table } from './common/table';

export const probeUsage = `Usage: tic-studio probe --model EXPORT_DIR [--model EXPORT_DIR2 …] --image FILE… (--labels "a dog,a cat" | --captions "c1|c2|…") [--json]

Zero-shot checks of exported checkpoints on the CPU (onnxruntime-node): each image against the labels, side by side
per model; or, with --captions, image i paired with caption i and recall@1/5 both ways. An EXPORT_DIR holds
probe.json, image_encoder.onnx, text_encoder.onnx and the BPE vocabulary (TiC Studio: Export Checkpoint for Probing
writes them, or python/exportProbe.py).
  --model DIR      an export folder (repeat for several models)
  --image FILE     a PNG or JPEG (repeat, or list several after one --image)
  --labels TEXT    comma-separated labels (prompts), e.g. "a photo of a dog,a photo of a cat"
  --captions TEXT  captions separated by |, one per image in order
  --json           {models[], images[], texts[], labels|captions}`;

export async function probeCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      model: { type: 'string', multiple: true },
      image: { type: 'string', multiple: true },
      labels: { type: 'string' },
      captions: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
    allowPositionals: true,
    strict: true,
  });
  const models = values.model ?? [];
  // `--image a.png b.png`: the files after the last --image arrive as positionals.
  const imagePaths = [...(values.image ?? []), ...positionals];
  if (models.length === 0) throw new UsageError('needs at least one --model EXPORT_DIR (see --help).');
  if (imagePaths.length === 0 || !values.image) throw new UsageError('needs at least one --image FILE.');
  if ((values.labels === undefined) === (values.captions === undefined))
    throw new UsageError('needs either --labels or --captions.');
  const mode = values.labels !== undefined ? 'labels' : 'captions';
  const texts = (values.labels ?? values.captions ?? '')
    .split(mode === 'labels' ? ',' : '|')
    .map((t) => t.trim())
    .filter((t) => t !== '');
  if (texts.length === 0) throw new UsageError(`--${mode} has no text.`);
  if (mode === 'captions' && texts.length !== imagePaths.length)
    throw new UsageError(`${imagePaths.length} images but ${texts.length} captions: they pair up in order.`);

  const opened: ProbeModel[] = [];
  try {
    const images: RgbImage[] = [];
    for (const path of imagePaths) images.push(await readImageFile(path));
    for (const dir of models) opened.push(await ProbeModel.open(dir));
    const result = await runProbe(opened, images, texts, mode);
    const names = opened.map((m) => probeLabel(m.manifest.sourceCheckpoint));
    if (values.json) {
      io.stdout.write(
        `${JSON.stringify({
          models: opened.map((m, i) => ({ dir: m.dir, label: names[i], arch: m.manifest.arch })),
          images: imagePaths,
          texts,
          labels: result.labels,
          captions: result.captions,
        })}\n`,
      );
      return 0;
    }
    if (result.labels) {
      for (const [i, path] of imagePaths.entries()) {
        io.stdout.write(`${basename(path)}\n`);
        const rows = texts.map((text, t) => [
          text,
          ...result.labels!.map((r) => `${(r.probabilities[i]![t]! * 100).toFixed(1)}%`),
        ]);
        io.stdout.write(`${table(['label', ...names], rows)}\n`);
      }
    } else if (result.captions) {
      const rows = result.captions.map((r, i) => [
        names[i]!,
        pct(r.imageToText.r1),
        pct(r.imageToText.r5),
        pct(r.textToImage.r1),
        pct(r.textToImage.r5),
      ]);
      io.stdout.write(`${table(['model', 'image→text R@1', 'R@5', 'text→image R@1', 'R@5'], rows)}\n`);
    }
    return 0;
  } catch (error) {
    if (error instanceof ProbeError) {
      io.stderr.write(`tic-studio probe: ${error.reason}: ${error.message}\n`);
      return 1;
    }
    throw error;
  } finally {
    await Promise.all(opened.map((m) => m.dispose()));
  }
}

const pct = (v: number): string => `${(v * 100).toFixed(1)}%`;
