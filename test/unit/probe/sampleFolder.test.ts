import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSampleLabels, readSampleFolder, sampleLimits } from '../../../src/probe/imageFile';
import { listProbeExports } from '../../../src/probe/probeExports';
import { makeFifo, releaseFifos } from '../shared/fifoFixture';

const root = join(__dirname, '../../..');
const preprocess = join(root, 'test/fixtures/probe/preprocess');
const demo = join(root, 'demo/probe');

/** Pillow's sizes of the fixture images (make_preprocess_reference.py). */
const pilSizes = new Map(
  (
    JSON.parse(readFileSync(join(preprocess, 'manifest.json'), 'utf8')) as {
      decodeCases: { image: string; width: number; height: number }[];
    }
  ).decodeCases.map((c) => [c.image, [c.width, c.height]]),
);

describe('a folder of sample images for the Probe', () => {
  let dir: string;
  const fifos: string[] = [];
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'tic-probe-samples-'))));
  afterEach(() => {
    releaseFifos(...fifos.splice(0));
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads its PNG and JPEG files in name order and its labels, ignoring other files', async () => {
    copyFileSync(join(preprocess, 'palette.png'), join(dir, 'b.png'));
    copyFileSync(join(preprocess, 'grey.jpg'), join(dir, 'a.JPG'));
    copyFileSync(join(preprocess, 'photo444.jpg'), join(dir, 'c.jpeg'));
    writeFileSync(join(dir, 'notes.md'), 'not an image');
    writeFileSync(join(dir, 'labels.txt'), '# examples\r\n a dog \n\n' + 'x'.repeat(300) + '\n');
    const folder = await readSampleFolder(dir);
    assert.deepEqual(
      folder.images.map((i) => i.name),
      ['a.JPG', 'b.png', 'c.jpeg'],
    );
    assert.deepEqual(
      folder.images.map((i) => [i.image.width, i.image.height]),
      [pilSizes.get('grey.jpg'), pilSizes.get('palette.png'), pilSizes.get('photo444.jpg')],
    );
    assert.deepEqual(folder.labels, ['a dog', 'x'.repeat(sampleLimits.labelLength)]);
    assert.deepEqual(folder.skipped, []);
  });

  it('skips, with a reason, what it must not or cannot read: a pipe, a big file, a broken image, extras', async () => {
    fifos.push(makeFifo(join(dir, 'a-pipe.png')));
    writeFileSync(join(dir, 'b-big.png'), Buffer.alloc(sampleLimits.imageBytes + 1));
    writeFileSync(join(dir, 'c-broken.jpg'), 'not a jpeg');
    mkdirSync(join(dir, 'd-folder.png'));
    for (let i = 0; i < sampleLimits.images; i++)
      copyFileSync(join(preprocess, 'grey_small.png'), join(dir, `e${String(i).padStart(2, '0')}.png`));
    fifos.push(makeFifo(join(dir, 'labels.txt')));
    const folder = await readSampleFolder(dir);
    // The first 12 names include the four bad ones, so 8 good images are read and 4 are past the limit.
    assert.equal(folder.images.length, sampleLimits.images - 4);
    assert.ok(folder.images.every((i) => i.name.startsWith('e')));
    assert.deepEqual(folder.labels, []);
    const reasons = folder.skipped.join('\n');
    for (const name of ['a-pipe.png', 'b-big.png', 'c-broken.jpg', 'd-folder.png', 'labels.txt'])
      assert.match(reasons, new RegExp(`^${name.replace('.', '\\.')}: `, 'm'), reasons);
    assert.match(reasons, /^4 images after the first 12/m);
  });

  it('gives nothing for a folder that is not there, saying so', async () => {
    const folder = await readSampleFolder(join(dir, 'missing'));
    assert.deepEqual([folder.images, folder.labels], [[], []]);
    assert.equal(folder.skipped.length, 1);
  });

  it('keeps at most 50 labels', () => {
    assert.equal(parseSampleLabels(Array.from({ length: 80 }, (_, i) => `l${i}`).join('\n')).length, 50);
  });
});

describe("the demo's probe", () => {
  it('lists two exports labelled as tiny random demo models', async () => {
    const listed = await listProbeExports([join(demo, 'exports')]);
    assert.deepEqual(
      listed.map((e) => e.label),
      ['Tiny random demo model A', 'Tiny random demo model B'],
    );
  });

  it('ships the ONNX files PyTorch made for test/fixtures/probe, so its expected.json holds for the demo', () => {
    for (const [copy, fixture] of [
      ['tiny-clip-a', 'tiny-clip'],
      ['tiny-clip-b', 'tiny-clip-b'],
    ])
      for (const file of ['image_encoder.onnx', 'text_encoder.onnx'])
        assert.ok(
          readFileSync(join(demo, 'exports', copy!, file)).equals(
            readFileSync(join(root, 'test/fixtures/probe', fixture!, file)),
          ),
          `${copy}/${file}`,
        );
  });

  it('has sample images and labels from that expected.json', async () => {
    const expected = JSON.parse(readFileSync(join(root, 'test/fixtures/probe/tiny-clip/expected.json'), 'utf8')) as {
      images: string[];
      labels: string[];
    };
    const folder = await readSampleFolder(join(demo, 'images'));
    assert.deepEqual(folder.skipped, []);
    assert.ok(folder.images.length >= 3);
    for (const image of folder.images) assert.ok(expected.images.includes(`../preprocess/${image.name}`), image.name);
    assert.deepEqual(folder.labels, expected.labels);
  });
});
