import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadClipTokenizer } from '../../../src/probe/clipTokenizer';
import { decodeImage } from '../../../src/probe/imageDecode';
import { loadOnnxRuntime, OnnxTower, type OrtModule } from '../../../src/probe/onnxSession';
import { parseProbeManifest, ProbeModel, probeFiles } from '../../../src/probe/probeModel';
import { expectProbeError, expectProbeRejection, tinyClipDir } from './probeFixtures';
import { readImageFile } from '../../../src/probe/imageFile';

interface Expected {
  images: string[];
  labels: string[];
  labelIds: number[][];
  imageFeatures: number[][];
  labelFeatures: number[][];
  logits: number[][];
  probabilities: number[][];
  captions: string[];
  captionIds: number[][];
  recall: { imageToText: Record<string, number>; textToImage: Record<string, number> };
}

const expected = JSON.parse(readFileSync(join(tinyClipDir, 'expected.json'), 'utf8')) as Expected;
const images = () => expected.images.map((p) => decodeImage(readFileSync(join(tinyClipDir, p))));
const validManifest = JSON.parse(readFileSync(join(tinyClipDir, probeFiles.manifest), 'utf8')) as Record<
  string,
  unknown
>;

function maxDiff(actual: ArrayLike<number>, wanted: readonly number[]): number {
  assert.equal(actual.length, wanted.length);
  let max = 0;
  for (let i = 0; i < wanted.length; i++) max = Math.max(max, Math.abs((actual[i] as number) - (wanted[i] as number)));
  return max;
}

function scratch(): string {
  return mkdtempSync(join(tmpdir(), 'tic-probe-'));
}

describe('probe model (probe.json + two ONNX towers)', function () {
  describe('probe.json', function () {
    it('accepts the schema exportProbe.py writes', function () {
      const manifest = parseProbeManifest(validManifest);
      assert.equal(manifest.imageSize, 64);
      assert.equal(manifest.contextLength, 77);
      assert.equal(manifest.vocab, 'bpe_simple_vocab_16e6.txt.gz');
      close(manifest.logitScale, 100, 1e-4);
    });

    const broken: [string, unknown][] = [
      ['imageSize', 0],
      ['imageSize', 22.5],
      ['mean', [0.5, 0.5]],
      ['std', [0.5, 0, 0.5]],
      ['contextLength', '77'],
      ['logitScale', -1],
      ['sourceSha256', 'abc'],
      ['opset', 3],
      ['vocab', '../../etc/passwd'],
      ['arch', ''],
    ];
    for (const [key, value] of broken) {
      it(`refuses ${key} = ${JSON.stringify(value)}, naming the field`, function () {
        expectProbeError(
          () => parseProbeManifest({ ...validManifest, [key]: value }),
          'badManifest',
          new RegExp(`"${key}"`),
        );
      });
    }

    it('refuses a missing field and a non-object', function () {
      const { logitScale: _dropped, ...rest } = validManifest;
      expectProbeError(() => parseProbeManifest(rest), 'badManifest', /logitScale/);
      expectProbeError(() => parseProbeManifest([]), 'badManifest');
    });
  });

  describe('opening an export directory', function () {
    it('reports a directory without probe.json as missing', async function () {
      const dir = scratch();
      try {
        await expectProbeRejection(() => ProbeModel.open(dir), 'missingFile', /probe\.json/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('reports probe.json that is not JSON, and a missing tower', async function () {
      const dir = scratch();
      try {
        writeFileSync(join(dir, probeFiles.manifest), '{ not json');
        await expectProbeRejection(() => ProbeModel.open(dir), 'badManifest');
        writeFileSync(join(dir, probeFiles.manifest), JSON.stringify(validManifest));
        cpSync(join(tinyClipDir, probeFiles.imageEncoder), join(dir, probeFiles.imageEncoder));
        await expectProbeRejection(() => ProbeModel.open(dir), 'missingFile', /text_encoder\.onnx/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('fails the first encode, not the open, with runtimeUnavailable when onnxruntime cannot load', async function () {
      const importRuntime = () => Promise.reject(new Error('libonnxruntime.so.1: cannot open shared object file'));
      const model = await ProbeModel.open(tinyClipDir, { importRuntime });
      await expectProbeRejection(
        () => model.encodeTokenIds(expected.labelIds),
        'runtimeUnavailable',
        /onnxruntime-node.*cannot open shared object/,
      );
    });
  });

  describe('against torch on a tiny CLIP (test/fixtures/probe/make_tiny_clip.py)', function () {
    let model: ProbeModel;
    let imports = 0;
    before(async function () {
      const importRuntime = async () => {
        imports++;
        return import('onnxruntime-node');
      };
      model = await ProbeModel.open(tinyClipDir, { importRuntime, batchSize: 4 });
    });
    after(async function () {
      await model.dispose();
    });

    it("tokenises the labels to open_clip's ids", function () {
      const ids = loadClipTokenizer().tokenize(expected.labels, 77);
      assert.deepEqual(
        ids.map((row) => [...row]),
        expected.labelIds,
      );
    });

    it('gives the same image features (preprocess + ONNX image tower) within 1e-4', async function () {
      const progress: number[] = [];
      const features = await model.encodeImages(images(), { onProgress: (f) => progress.push(f) });
      assert.equal(features.rows, expected.images.length);
      assert.ok(maxDiff(features.data, expected.imageFeatures.flat()) <= 1e-4);
      assert.deepEqual(progress, [4 / 6, 1]);
    });

    it('gives the same text features for the same ids within 1e-4', async function () {
      const features = await model.encodeTokenIds(expected.labelIds);
      assert.ok(maxDiff(features.data, expected.labelFeatures.flat()) <= 1e-4);
    });

    it("matches torch's zero-shot probabilities within 1e-4", async function () {
      const result = await model.classify(images(), expected.labels);
      const diff = maxDiff(result.probabilities.flat(), expected.probabilities.flat());
      assert.ok(diff <= 1e-4, `max probability difference ${diff}`);
      assert.ok(maxDiff(result.logits.flat(), expected.logits.flat()) <= 1e-3);
      for (const row of result.probabilities)
        close(
          row.reduce((a, b) => a + b, 0),
          1,
          1e-9,
        );
    });

    it("matches torch's recall@1 and @5 for image–caption pairs", async function () {
      const recall = await model.retrieval(images(), expected.captions, [1, 5]);
      for (const k of [1, 5]) {
        close(recall.imageToText[k] as number, expected.recall.imageToText[String(k)] as number, 1e-6);
        close(recall.textToImage[k] as number, expected.recall.textToImage[String(k)] as number, 1e-6);
      }
    });

    it('loads onnxruntime once and reuses one session per tower', async function () {
      const before = imports;
      await model.encodeTokenIds(expected.labelIds.slice(0, 1));
      await model.encodeImages(images().slice(0, 1));
      assert.equal(imports, before);
      assert.ok(imports <= 2, `${imports} imports`);
    });

    it('reads image files and names the file that fails', async function () {
      const paths = expected.images.slice(0, 2).map((p) => join(tinyClipDir, p));
      const fromFiles = await model.encodeImages(await Promise.all(paths.map(readImageFile)));
      assert.deepEqual(fromFiles.data, (await model.encodeImages(images().slice(0, 2))).data);
      const dir = scratch();
      try {
        writeFileSync(join(dir, 'cut.png'), readFileSync(paths[0] as string).subarray(0, 200));
        await expectProbeRejection(() => readImageFile(join(dir, 'cut.png')), 'corruptImage', /cut\.png/);
        await expectProbeRejection(() => readImageFile(join(dir, 'none.png')), 'missingFile', /none\.png/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('refuses token rows of the wrong length', async function () {
      await expectProbeRejection(() => model.encodeTokenIds([[49406, 49407]]), 'badInput', /77/);
    });

    it('stops between batches when aborted', async function () {
      const controller = new AbortController();
      controller.abort();
      await assert.rejects(() => model.encodeImages(images(), { signal: controller.signal }), { name: 'AbortError' });
    });
  });

  describe('onnxruntime loading', function () {
    it('turns an import failure into runtimeUnavailable', async function () {
      await expectProbeRejection(
        () => loadOnnxRuntime(() => Promise.reject(new Error('invalid ELF header'))),
        'runtimeUnavailable',
        /invalid ELF header/,
      );
    });

    it('refuses a module without InferenceSession', async function () {
      await expectProbeRejection(
        () => loadOnnxRuntime(() => Promise.resolve({} as OrtModule)),
        'runtimeUnavailable',
        /InferenceSession/,
      );
    });

    it('reports a file that is not an ONNX model as an inference failure', async function () {
      const dir = scratch();
      try {
        writeFileSync(join(dir, 'broken.onnx'), 'not a protobuf');
        await expectProbeRejection(() => OnnxTower.open(join(dir, 'broken.onnx')), 'inferenceFailed', /broken\.onnx/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it("reads the text tower's input type and converts int32 ids to the int64 it declares", async function () {
      const tower = await OnnxTower.open(join(tinyClipDir, probeFiles.textEncoder));
      try {
        assert.equal(tower.inputType, 'int64');
        const ids = Int32Array.from(expected.labelIds[0] as number[]);
        const out = await tower.run({ type: 'int32', data: ids, dims: [1, 77] });
        assert.deepEqual(out.dims, [1, expected.labelFeatures[0]?.length]);
        assert.ok(maxDiff(out.data, expected.labelFeatures[0] as number[]) <= 1e-4);
        await expectProbeRejection(
          () => tower.run({ type: 'float32', data: new Float32Array(77), dims: [1, 77] }),
          'badInput',
          /int64/,
        );
      } finally {
        await tower.dispose();
      }
    });
  });
});

function close(actual: number, wanted: number, tolerance: number) {
  assert.ok(Math.abs(actual - wanted) <= tolerance, `${actual} is not ${wanted}`);
}
