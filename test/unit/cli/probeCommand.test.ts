import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { probeCommand } from '../../../src/cli/probeCommand';
import { runCliInProcess } from '../../support/runCliInProcess';

const fixtures = join(__dirname, '../../fixtures/probe');
const tiny = join(fixtures, 'tiny-clip');
/** torch's own forward pass of the same model on the same images (make_tiny_clip.py). */
const expected = JSON.parse(readFileSync(join(tiny, 'expected.json'), 'utf8')) as {
  images: string[];
  labels: string[];
  captions: string[];
  probabilities: number[][];
  recall: { imageToText: Record<string, number>; textToImage: Record<string, number> };
};
const images = expected.images.map((p) => join(tiny, p));

describe('tic-studio probe', () => {
  it("gives torch's probabilities for every image and label (--json), through onnxruntime-node", async () => {
    const { code, stdout, stderr } = await runCliInProcess(probeCommand, [
      '--model',
      tiny,
      '--image',
      ...images,
      '--labels',
      expected.labels.join(','),
      '--json',
    ]);
    assert.equal(code, 0, stderr);
    const out = JSON.parse(stdout) as { labels: { model: string; probabilities: number[][] }[]; texts: string[] };
    assert.deepEqual(out.texts, expected.labels);
    const got = out.labels[0]!.probabilities;
    expected.probabilities.forEach((row, i) =>
      row.forEach((p, t) =>
        assert.ok(Math.abs(got[i]![t]! - p) < 1e-4, `image ${i} label ${t}: ${got[i]![t]} vs ${p}`),
      ),
    );
  });

  it('puts two models side by side and reports caption recall', async () => {
    const { code, stdout } = await runCliInProcess(probeCommand, [
      '--model',
      tiny,
      '--model',
      tiny,
      '--image',
      ...images,
      '--captions',
      expected.captions.join('|'),
      '--json',
    ]);
    assert.equal(code, 0);
    const out = JSON.parse(stdout) as {
      captions: { imageToText: { r1: number; r5: number }; textToImage: { r1: number; r5: number } }[];
    };
    assert.equal(out.captions.length, 2);
    assert.ok(Math.abs(out.captions[0]!.imageToText.r5 - expected.recall.imageToText['5']!) < 1e-6);
    assert.ok(Math.abs(out.captions[1]!.textToImage.r1 - expected.recall.textToImage['1']!) < 1e-6);
  });

  it('prints a table per image without --json', async () => {
    const { code, stdout } = await runCliInProcess(probeCommand, [
      '--model',
      tiny,
      '--image',
      images[0]!,
      '--labels',
      'car, city',
    ]);
    assert.equal(code, 0);
    assert.match(stdout, /rgb_wide\.png\n/);
    assert.match(stdout, /car\s+\d+\.\d%/);
  });

  it('says what is wrong with bad input', async () => {
    const usage = (args: string[]) =>
      runCliInProcess(probeCommand, args).then(
        () => assert.fail('expected a usage error'),
        (error: unknown) => assert.ok(error instanceof Error && error.constructor.name === 'UsageError', String(error)),
      );
    await usage(['--image', images[0]!, '--labels', 'a']);
    await usage(['--model', tiny, '--labels', 'a']);
    await usage(['--model', tiny, '--image', images[0]!]);
    await usage(['--model', tiny, '--image', images[0]!, images[1]!, '--captions', 'only one']);
    const missing = await runCliInProcess(probeCommand, ['--model', tiny, '--image', '/no/such.png', '--labels', 'a']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /missingFile: Cannot read the image \/no\/such\.png/);
    const notAnExport = await runCliInProcess(probeCommand, [
      '--model',
      fixtures,
      '--image',
      images[0]!,
      '--labels',
      'a',
    ]);
    assert.equal(notAnExport.code, 1);
    assert.match(notAnExport.stderr, /missingFile: No probe export/);
  });
});
