import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Frame } from 'playwright-core';
import { projectRoot } from '../../scripts/lib/codeServer.mjs';
import { screenshotOnFailure, Workbench } from './workbench';

/**
 * PyTorch's probabilities for the two tiny models (test/fixtures/probe/make_tiny_clip.py): the demo ships the same
 * ONNX files (test/unit/probe/sampleFolder.test.ts checks they are byte for byte the fixtures) and sample images
 * and labels taken from that expected.json, so the demo's first result must be these numbers.
 */
interface Expected {
  images: string[];
  labels: string[];
  probabilities: number[][];
}
const expectedOf = (fixture: string): Expected =>
  JSON.parse(readFileSync(join(projectRoot, 'test/fixtures/probe', fixture, 'expected.json'), 'utf8')) as Expected;
const expected = { 'tiny-clip-a': expectedOf('tiny-clip'), 'tiny-clip-b': expectedOf('tiny-clip-b') };

describe('The demo’s Probe: a first result in one click (the demo’s own settings, packaged .vsix)', () => {
  let wb: Workbench;
  let frame: Frame;
  screenshotOnFailure(() => wb);

  before(async function () {
    this.timeout(180000);
    wb = await Workbench.open();
  });

  after(async () => {
    await wb?.close();
  });

  it('opens with the demo’s two tiny random models ticked, its sample images and example labels', async () => {
    await wb.openContainer();
    await wb.page
      .getByRole('treeitem', { name: /^cumulative chain/ })
      .first()
      .waitFor({ timeout: 30000 });
    await wb.runCommand('TiC Studio: Open Probe');
    frame = await wb.webviewFrame('#probe-app[data-state="ready"]', 60000);
    await frame.locator('#probe-images [data-image-id]').nth(3).waitFor({ timeout: 20000 });
    await frame.locator('#probe-run:not([disabled])').waitFor({ timeout: 10000 });
    const boxes = await frame
      .locator('#probe-models vscode-checkbox[data-model-id]')
      .evaluateAll((all) =>
        all.map((b) => ({ label: b.textContent, checked: (b as HTMLElement & { checked: boolean }).checked })),
      );
    assert.deepEqual(boxes, [
      { label: 'Tiny random demo model A', checked: true },
      { label: 'Tiny random demo model B', checked: true },
    ]);
    const labels = await frame.locator('#probe-texts').evaluate((t) => (t as HTMLElement & { value: string }).value);
    assert.equal(labels, expected['tiny-clip-a'].labels.join('\n'));
    await wb.screenshot('demo-probe-1-ready');
  });

  it("gives PyTorch's probabilities for every sample image and both models on one click of Run", async () => {
    await frame.locator('#probe-run').click();
    await frame.locator('#probe-results[data-request-id] td[data-probability]').first().waitFor({ timeout: 60000 });
    const cells = await frame.locator('#probe-results td[data-probability]').evaluateAll((all) =>
      all.map((td) => ({
        image: td.closest('article')?.querySelector('h3')?.textContent ?? '',
        model: td.getAttribute('data-model') ?? '',
        label: td.closest('tr')?.querySelector('th')?.textContent ?? '',
        p: Number(td.getAttribute('data-probability')),
      })),
    );
    const images = [...new Set(cells.map((c) => c.image))].sort();
    assert.deepEqual(images, ['grey_small.png', 'palette.png', 'rgb_interlaced.png', 'rgba_tall.png']);
    for (const [folder, want] of Object.entries(expected)) {
      const dir = join(wb.workspace, 'probe', 'exports', folder);
      for (const image of images) {
        const row = want.images.indexOf(`../preprocess/${image}`);
        const mine = cells.filter((c) => c.image === image && c.model === dir);
        assert.equal(mine.length, want.labels.length, `${folder} × ${image}: one cell per label`);
        for (const c of mine) {
          const torch = want.probabilities[row]![want.labels.indexOf(c.label)]!;
          assert.ok(Math.abs(c.p - torch) < 1e-4, `${folder} × ${image} × ${c.label}: ${c.p} vs torch ${torch}`);
        }
      }
    }
    await frame.locator('#probe-results').scrollIntoViewIfNeeded();
    await wb.screenshot('demo-probe-2-result');
  });

  it('says once, in the Models card, what to do when there is no exported model', async () => {
    // The demo without its probe settings: a workspace with no exports yet.
    writeFileSync(
      join(wb.workspace, '.vscode', 'settings.json'),
      JSON.stringify({ 'ticStudio.runs.simulator': 'simulator', 'ticStudio.runs.dataRoot': 'data/train' }, null, 2),
    );
    await frame
      .locator('#probe-models vscode-checkbox[data-model-id]')
      .first()
      .waitFor({ state: 'detached', timeout: 30000 });
    const text = await frame.locator('#probe-app').innerText();
    assert.equal(text.match(/no exported checkpoint/gi)?.length ?? 0, 1, text);
    assert.equal(await frame.locator('#probe-notice').isVisible(), false);
    assert.equal(await frame.locator('#probe-run-reason').textContent(), 'No model yet: see Models above.');
    await frame.locator('#probe-models').scrollIntoViewIfNeeded();
    await wb.screenshot('demo-probe-3-no-exports');
  });
});
