import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator } from 'playwright-core';
import { screenshotOnFailure, Workbench } from './workbench';

const step2017 = 'datacomp/results/datacomp_medium-basic_cumulative_2017/checkpoints';

describe('the checkpoint inspector in the workbench', () => {
  let wb: Workbench;
  screenshotOnFailure(() => wb);

  before(async function () {
    this.timeout(180000);
    wb = await Workbench.open();
  });

  after(async () => {
    await wb?.close();
  });

  async function pickInSimpleDialog(path: string): Promise<void> {
    // code-server uses VS Code's "simple" file dialog: a quick input that accepts a typed path.
    // It fills in the starting folder asynchronously: wait for that, or it overwrites what we type.
    const input = wb.page.locator('.quick-input-widget input');
    await input.waitFor();
    await wb.page.waitForFunction(() =>
      (document.querySelector('.quick-input-widget input') as HTMLInputElement | null)?.value.startsWith('/'),
    );
    await wb.page.waitForTimeout(300);
    await input.fill(path);
    await wb.page.waitForTimeout(500);
    assert.equal(await input.inputValue(), path);
    await wb.page.keyboard.press('Enter');
    await wb.page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
  }

  it('opens a .pt from the explorer in the inspector by default (a plain click) and shows the report', async () => {
    // (clicking the Explorer icon would hide the side bar when the Explorer is already showing)
    await wb.runCommand('View: Show Explorer');
    for (const segment of ['datacomp', 'results', 'datacomp_medium-basic_cumulative_2017', 'checkpoints']) {
      await wb.page.getByRole('treeitem', { name: segment, exact: true }).first().click();
    }
    // No context menu, no "Open With…": the inspector is the default editor of .pt files.
    await wb.page.getByRole('treeitem', { name: 'epoch_latest.pt', exact: true }).first().click();
    const frame = await wb.webviewFrame('#app[data-state="report"]');
    const text = (await frame.locator('#app').textContent()) ?? '';
    assert.match(text, /epoch_latest\.pt/);
    assert.match(text, /torch-zip/);
    assert.match(text, /epoch5/, 'the top-level epoch of the 5-epoch demo run');
    assert.match(text, /Prefix strippedmodule\./);
    const rows = await frame.locator('.vt-row').count();
    assert.ok(rows > 10, `only ${rows} tensor rows rendered`);
    await frame.locator('#tensor-filter').click();
    await wb.page.keyboard.type('ln_final');
    await frame.locator('.vt-count', { hasText: /2 of \d+ rows/ }).waitFor();
    await wb.screenshot('inspector-1-report');
  });

  it('compares it with an earlier epoch and shows the per-block chart', async () => {
    const frame = await wb.webviewFrame('#compare');
    await frame.locator('#compare').click();
    await pickInSimpleDialog(join(wb.workspace, step2017, 'epoch_1.pt'));
    const diff = await wb.webviewFrame('#app[data-state="diff"]', 60000);
    const text = (await diff.locator('#app').textContent()) ?? '';
    assert.match(text, /Checkpoint diff/);
    assert.ok((await diff.locator('.bar-chart rect.bar').count()) >= 3, 'one bar per block');
    // Named by experiment and step, the earlier epoch as A (it was picked second).
    await wb.page
      .locator('.tabs-container .tab', { hasText: 'cumulative 2017: epoch_1.pt → epoch_latest.pt' })
      .waitFor();
    await wb.screenshot('inspector-2-diff');
  });

  it('compares a step of the Experiments view with the checkpoint it resumed from', async () => {
    await wb.openContainer();
    const experiments = wb.page
      .locator('.pane')
      .filter({ has: wb.page.locator('.pane-header', { hasText: 'Experiments' }) })
      .locator('.monaco-list')
      .first();
    // The 2018 step of the main cumulative chain (its variant row reads "baseline"); rows are recycled, so the
    // screen order is data-index, not the DOM's.
    const chain = experiments.getByRole('treeitem', { name: /^variant baseline of tic_medium\/basic\/cumulative/ });
    await chain.first().waitFor({ timeout: 30000 });
    const index = Number(await chain.first().getAttribute('data-index'));
    let step: Locator | undefined;
    for (let i = index + 1; i <= index + 8 && !step; i++) {
      const row = experiments.locator(`.monaco-list-row[data-index="${i}"]`);
      if (/^2018/.test((await row.textContent()) ?? '')) step = row;
    }
    assert.ok(step, 'the 2018 step under the baseline chain');
    await wb.contextMenu(step, 'Compare with the Checkpoint It Resumed From');
    await wb.page.locator('.tabs-container .tab', { hasText: 'cumulative 2017 → 2018' }).waitFor({ timeout: 30000 });
    await wb.webviewFrame('#app[data-state="diff"]', 60000);
    await wb.screenshot('inspector-4-resumed-from-diff');
  });

  it('shows a hostile file as a security warning, without running it', async () => {
    await wb.runCommand('TiC Studio: Inspect Checkpoint');
    const fixture = join(__dirname, '../fixtures/checkpoints/malicious_os_system.pt');
    assert.ok(readFileSync(fixture).length > 0);
    await pickInSimpleDialog(fixture);
    const frame = await wb.webviewFrame('.warnings.danger');
    const text = (await frame.locator('.warnings.danger').textContent()) ?? '';
    assert.match(text, /Security warnings/);
    assert.match(text, /posix\.system/);
    await wb.screenshot('inspector-3-security-warning');
  });
});
