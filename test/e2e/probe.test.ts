import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Frame } from 'playwright-core';
import { projectRoot } from '../../scripts/lib/codeServer.mjs';
import { screenshotOnFailure, Workbench } from './workbench';

const fixtures = join(projectRoot, 'test/fixtures/probe');
const modelA = join(fixtures, 'tiny-clip');
const modelB = join(fixtures, 'tiny-clip-b');
/** torch's probabilities for model A (make_tiny_clip.py): the panel must show the same numbers. */
const expected = JSON.parse(readFileSync(join(modelA, 'expected.json'), 'utf8')) as {
  images: string[];
  labels: string[];
  probabilities: number[][];
};
const pick = [0, 4]; // rgb_wide.png and large.png

describe('The Probe panel: two exported checkpoints side by side (packaged .vsix, onnxruntime-node)', () => {
  let wb: Workbench;
  let frame: Frame;
  screenshotOnFailure(() => wb);

  before(async function () {
    this.timeout(180000);
    wb = await Workbench.open({
      settings: { 'ticStudio.probe.exportDirs': [fixtures] },
      // Without the demo's own probe settings (its tiny models and sample images: demoProbe.test.ts), so the
      // exports are the fixtures of the user setting and the images the ones this test adds.
      prepare: (workspace) =>
        writeFileSync(
          join(workspace, '.vscode', 'settings.json'),
          JSON.stringify({ 'ticStudio.runs.simulator': 'simulator', 'ticStudio.runs.dataRoot': 'data/train' }),
        ),
    });
    await wb.page.setViewportSize({ width: 1500, height: 950 });
  });

  after(async () => {
    await wb?.close();
  });

  it('lists the exported checkpoints and takes images and labels', async () => {
    // Once the Experiments view has its chains, the extension host is up and TiC Studio is active.
    await wb.openContainer();
    await wb.page
      .getByRole('treeitem', { name: /^cumulative chain/ })
      .first()
      .waitFor({ timeout: 30000 });
    await wb.runCommand('TiC Studio: Open Probe');
    frame = await wb.webviewFrame('#probe-app[data-state="ready"]', 60000);
    const boxes = frame.locator('#probe-models vscode-checkbox[data-model-id]');
    await boxes.nth(1).waitFor();
    assert.deepEqual(await boxes.evaluateAll((all) => all.map((b) => b.getAttribute('data-model-id'))), [
      modelA,
      modelB,
    ]);
    // A panel opened for the first time ticks the models it lists (at most four).
    assert.deepEqual(
      await boxes.evaluateAll((all) => all.map((b) => (b as HTMLElement & { checked: boolean }).checked)),
      [true, true],
    );
    await frame.locator('#probe-file-input').setInputFiles(pick.map((i) => join(modelA, expected.images[i]!)));
    await frame.locator('#probe-images [data-image-id]').nth(1).waitFor({ timeout: 20000 });
    await frame.locator('#probe-texts').evaluate((area, text) => {
      const field = area as HTMLElement & { value: string };
      field.value = text;
      field.dispatchEvent(new Event('input', { bubbles: true }));
      field.dispatchEvent(new Event('change', { bubbles: true }));
    }, expected.labels.join('\n'));
    await frame.locator('#probe-run:not([disabled])').waitFor({ timeout: 10000 });
  });

  it("runs both models on the CPU and shows torch's probabilities side by side", async () => {
    await frame.locator('#probe-run').click();
    await frame.locator('#probe-results[data-request-id] td[data-probability]').first().waitFor({ timeout: 60000 });
    const cells = await frame.locator('#probe-results td[data-probability]').evaluateAll((all) =>
      all.map((td) => ({
        image: td.closest('[data-image-id]')?.getAttribute('data-image-id') ?? '',
        model: td.getAttribute('data-model') ?? '',
        text: Number(td.getAttribute('data-text-index')),
        p: Number(td.getAttribute('data-probability')),
      })),
    );
    const imageIds = [...new Set(cells.map((c) => c.image))];
    assert.equal(imageIds.length, 2, 'one card per image');
    assert.deepEqual([...new Set(cells.map((c) => c.model))].sort(), [modelA, modelB]);
    for (const [card, image] of imageIds.entries()) {
      for (const model of [modelA, modelB]) {
        const row = cells.filter((c) => c.image === image && c.model === model);
        assert.equal(row.length, expected.labels.length);
        assert.ok(Math.abs(row.reduce((s, c) => s + c.p, 0) - 1) < 1e-6, 'a softmax over the labels');
      }
      for (const c of cells.filter((x) => x.image === image && x.model === modelA)) {
        const want = expected.probabilities[pick[card]!]![c.text]!;
        assert.ok(Math.abs(c.p - want) < 1e-4, `${expected.labels[c.text]}: ${c.p} vs torch ${want}`);
      }
    }
    await frame.locator('#probe-results').scrollIntoViewIfNeeded();
    await wb.screenshot('probe-1-side-by-side-dark');
  });
});
