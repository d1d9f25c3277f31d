import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { preprocessBatch, type ClipPreprocessConfig } from './clipPreprocess';
import { CLIP_VOCAB_FILE, loadClipTokenizer } from './clipTokenizer';
import type { RgbImage } from './imageDecode';
import { OnnxTower, type ImportRuntime } from './onnxSession';
import { ProbeError } from './probeError';
import {
  pairRecall,
  zeroShotClassify,
  type FeatureMatrix,
  type RetrievalRecall,
  type ZeroShotResult,
} from './zeroShot';

/**
 * A probe export directory, as python/exportProbe.py writes it:
 *
 *   probe.json          the manifest below
 *   image_encoder.onnx  float32 N×3×S×S (open_clip eval preprocessing) → N×D features (`model.encode_image`)
 *   text_encoder.onnx   int64 N×contextLength token ids → N×D features (`model.encode_text`)
 *   <vocab>             the BPE vocabulary (bpe_simple_vocab_16e6.txt.gz)
 *
 * Each tower gets one onnxruntime session, opened on first use and reused.
 */
export const probeFiles = {
  manifest: 'probe.json',
  imageEncoder: 'image_encoder.onnx',
  textEncoder: 'text_encoder.onnx',
} as const;

export interface ProbeManifest {
  /** The open_clip architecture name (e.g. 'ViT-B-16'). */
  readonly arch: string;
  readonly imageSize: number;
  readonly mean: readonly [number, number, number];
  readonly std: readonly [number, number, number];
  readonly contextLength: number;
  /** `model.logit_scale.exp()`: the temperature CLIP multiplies cosine similarities with. */
  readonly logitScale: number;
  /** The checkpoint the export was made from (a path or a name; informational). */
  readonly sourceCheckpoint: string;
  /** sha256 of that checkpoint file, lower-case hex. */
  readonly sourceSha256: string;
  readonly opset: number;
  /** File name of the BPE vocabulary inside the export directory. */
  readonly vocab: string;
}

/** Check a parsed probe.json; a ProbeError('badManifest') names the first field that is wrong. */
export function parseProbeManifest(raw: unknown): ProbeManifest {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw bad('the top level must be an object');
  }
  const o = raw as Record<string, unknown>;
  const text = (key: string, pattern?: RegExp): string => {
    const v = o[key];
    if (typeof v !== 'string' || v.length === 0 || (pattern !== undefined && !pattern.test(v))) {
      throw bad(`"${key}" must be ${pattern === undefined ? 'a non-empty string' : `a string matching ${pattern}`}`);
    }
    return v;
  };
  const integer = (key: string, min: number, max: number): number => {
    const v = o[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      throw bad(`"${key}" must be an integer from ${min} to ${max}`);
    }
    return v;
  };
  const triple = (key: string, positive: boolean): [number, number, number] => {
    const v = o[key];
    if (
      !Array.isArray(v) ||
      v.length !== 3 ||
      !v.every((x) => typeof x === 'number' && Number.isFinite(x) && (!positive || x > 0))
    ) {
      throw bad(`"${key}" must be three ${positive ? 'positive ' : ''}numbers`);
    }
    return [v[0], v[1], v[2]] as [number, number, number];
  };
  const logitScale = o['logitScale'];
  if (typeof logitScale !== 'number' || !Number.isFinite(logitScale) || logitScale <= 0) {
    throw bad('"logitScale" must be a positive number');
  }
  const vocab = text('vocab');
  if (basename(vocab) !== vocab || vocab === '.' || vocab === '..') {
    throw bad('"vocab" must be a file name inside the export directory');
  }
  return {
    arch: text('arch'),
    imageSize: integer('imageSize', 1, 4096),
    mean: triple('mean', false),
    std: triple('std', true),
    contextLength: integer('contextLength', 2, 4096),
    logitScale,
    sourceCheckpoint: text('sourceCheckpoint'),
    sourceSha256: text('sourceSha256', /^[0-9a-f]{64}$/),
    opset: integer('opset', 7, 100),
    vocab,
  };
}

function bad(what: string): ProbeError {
  return new ProbeError('badManifest', `probe.json is invalid: ${what}.`);
}

/** What the probe needs from a tokenizer (src/probe/clipTokenizer.ts provides it). */
export interface ProbeTokenizer {
  tokenize(texts: readonly string[], contextLength?: number): ArrayLike<number>[];
}

export interface ProbeModelOptions {
  readonly importRuntime?: ImportRuntime;
  readonly intraOpNumThreads?: number;
  /** Images / texts per onnxruntime call. Default 16. */
  readonly batchSize?: number;
  /** How to get a tokenizer for a vocabulary path; default loadClipTokenizer. */
  readonly loadTokenizer?: (vocabPath: string | undefined) => ProbeTokenizer;
}

export interface EncodeOptions {
  readonly signal?: AbortSignal;
  /** Called after each batch with the share of the work done (0..1]. */
  readonly onProgress?: (fraction: number) => void;
}

export class ProbeModel {
  private imageTower: Promise<OnnxTower> | undefined;
  private textTower: Promise<OnnxTower> | undefined;
  private tokenizer: ProbeTokenizer | undefined;

  private constructor(
    readonly dir: string,
    readonly manifest: ProbeManifest,
    private readonly options: ProbeModelOptions,
  ) {}

  /** Read and check probe.json and that the towers exist; the ONNX sessions open on first use. */
  static async open(dir: string, options: ProbeModelOptions = {}): Promise<ProbeModel> {
    const manifestPath = join(dir, probeFiles.manifest);
    let text: string;
    try {
      text = await readFile(manifestPath, 'utf8');
    } catch (error) {
      throw new ProbeError('missingFile', `No probe export at ${dir}: cannot read ${probeFiles.manifest}.`, {
        cause: error,
      });
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (error) {
      throw new ProbeError('badManifest', `${manifestPath} is not valid JSON.`, { cause: error });
    }
    const manifest = parseProbeManifest(raw);
    for (const file of [probeFiles.imageEncoder, probeFiles.textEncoder]) {
      if (!existsSync(join(dir, file))) {
        throw new ProbeError('missingFile', `The probe export at ${dir} lacks ${file}; export it again.`);
      }
    }
    const batchSize = options.batchSize ?? 16;
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new ProbeError('badInput', `The batch size must be a positive integer, not ${batchSize}.`);
    }
    return new ProbeModel(dir, manifest, options);
  }

  get preprocessConfig(): ClipPreprocessConfig {
    return { imageSize: this.manifest.imageSize, mean: this.manifest.mean, std: this.manifest.std };
  }

  /** Image features (not normalised), one row per image, preprocessed with open_clip's eval transform. */
  async encodeImages(images: readonly RgbImage[], options: EncodeOptions = {}): Promise<FeatureMatrix> {
    const tower = await this.tower('image');
    const size = this.manifest.imageSize;
    return this.encodeInBatches(images.length, options, async (from, to) => {
      const batch = preprocessBatch(images.slice(from, to), this.preprocessConfig);
      return tower.run({ type: 'float32', data: batch, dims: [to - from, 3, size, size] }, options.signal);
    });
  }

  /** Text features for token ids (each row exactly contextLength ids, as open_clip's tokenize returns). */
  async encodeTokenIds(ids: readonly ArrayLike<number>[], options: EncodeOptions = {}): Promise<FeatureMatrix> {
    const context = this.manifest.contextLength;
    ids.forEach((row, i) => {
      if (row.length !== context) {
        throw new ProbeError('badInput', `Token row ${i} has ${row.length} ids; the text tower takes ${context}.`);
      }
    });
    const tower = await this.tower('text');
    return this.encodeInBatches(ids.length, options, async (from, to) => {
      const data = new BigInt64Array((to - from) * context);
      for (let r = from; r < to; r++) {
        const row = ids[r] as ArrayLike<number>;
        for (let i = 0; i < context; i++) {
          data[(r - from) * context + i] = BigInt(row[i] as number);
        }
      }
      return tower.run({ type: 'int64', data, dims: [to - from, context] }, options.signal);
    });
  }

  /** Tokenise with the export's vocabulary (CLIP's BPE), then encodeTokenIds. */
  async encodeTexts(texts: readonly string[], options: EncodeOptions = {}): Promise<FeatureMatrix> {
    const ids = this.getTokenizer().tokenize(texts, this.manifest.contextLength);
    return this.encodeTokenIds(ids, options);
  }

  /** Zero-shot classification: each image against the label prompts (softmax over the labels). */
  async classify(
    images: readonly RgbImage[],
    labels: readonly string[],
    options: EncodeOptions = {},
  ): Promise<ZeroShotResult> {
    if (labels.length === 0) {
      throw new ProbeError('badInput', 'Zero-shot classification needs at least one label.');
    }
    const textFeatures = await this.encodeTexts(labels, { ...(options.signal ? { signal: options.signal } : {}) });
    const imageFeatures = await this.encodeImages(images, options);
    return zeroShotClassify(imageFeatures, textFeatures, this.manifest.logitScale);
  }

  /** Retrieval recall@k over image–caption pairs (image i goes with caption i). */
  async retrieval(
    images: readonly RgbImage[],
    captions: readonly string[],
    ks: readonly number[] = [1, 5],
    options: EncodeOptions = {},
  ): Promise<RetrievalRecall> {
    if (images.length !== captions.length) {
      throw new ProbeError('badInput', `${images.length} images but ${captions.length} captions: they must pair up.`);
    }
    const imageFeatures = await this.encodeImages(images, options);
    const textFeatures = await this.encodeTexts(captions, { ...(options.signal ? { signal: options.signal } : {}) });
    return pairRecall(imageFeatures, textFeatures, ks);
  }

  /** Release both onnxruntime sessions (the model can be used again afterwards; sessions reopen). */
  async dispose(): Promise<void> {
    const towers = [this.imageTower, this.textTower];
    this.imageTower = undefined;
    this.textTower = undefined;
    await Promise.all(
      towers.map(async (tower) => {
        if (tower !== undefined) {
          await (await tower.catch(() => undefined))?.dispose();
        }
      }),
    );
  }

  private getTokenizer(): ProbeTokenizer {
    if (this.tokenizer === undefined) {
      const own = join(this.dir, this.manifest.vocab);
      // The export normally carries its vocabulary; CLIP's standard one is also bundled with the extension.
      const path = existsSync(own) ? own : this.manifest.vocab === CLIP_VOCAB_FILE ? undefined : own;
      const load = this.options.loadTokenizer ?? ((p: string | undefined) => loadClipTokenizer(p));
      this.tokenizer = load(path);
    }
    return this.tokenizer;
  }

  private tower(kind: 'image' | 'text'): Promise<OnnxTower> {
    const open = () => {
      const file = kind === 'image' ? probeFiles.imageEncoder : probeFiles.textEncoder;
      const promise = OnnxTower.open(join(this.dir, file), {
        ...(this.options.importRuntime ? { importRuntime: this.options.importRuntime } : {}),
        ...(this.options.intraOpNumThreads ? { intraOpNumThreads: this.options.intraOpNumThreads } : {}),
      });
      // A failed open is not kept: the next call tries again.
      promise.catch(() => {
        if (kind === 'image' && this.imageTower === promise) this.imageTower = undefined;
        if (kind === 'text' && this.textTower === promise) this.textTower = undefined;
      });
      return promise;
    };
    if (kind === 'image') {
      return (this.imageTower ??= open());
    }
    return (this.textTower ??= open());
  }

  private async encodeInBatches(
    count: number,
    options: EncodeOptions,
    runBatch: (from: number, to: number) => Promise<{ data: Float32Array; dims: readonly number[] }>,
  ): Promise<FeatureMatrix> {
    const batchSize = this.options.batchSize ?? 16;
    let dim: number | undefined;
    let out: Float32Array | undefined;
    if (count === 0) {
      return { rows: 0, dim: 0, data: new Float32Array(0) };
    }
    for (let from = 0; from < count; from += batchSize) {
      options.signal?.throwIfAborted();
      const to = Math.min(count, from + batchSize);
      const result = await runBatch(from, to);
      const batchDim = result.dims.length === 2 ? (result.dims[1] as number) : NaN;
      if (!Number.isInteger(batchDim) || batchDim < 1 || result.data.length !== (to - from) * batchDim) {
        throw new ProbeError(
          'inferenceFailed',
          `A tower returned features of shape ${JSON.stringify(result.dims)}; expected [${to - from}, D].`,
        );
      }
      dim ??= batchDim;
      out ??= new Float32Array(count * dim);
      if (batchDim !== dim) {
        throw new ProbeError('inferenceFailed', 'A tower returned features of a different width between batches.');
      }
      out.set(result.data, from * dim);
      options.onProgress?.(to / count);
    }
    return { rows: count, dim: dim as number, data: out as Float32Array };
  }
}
