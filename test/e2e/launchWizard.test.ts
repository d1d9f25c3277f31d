import assert from 'node:assert/strict';
import { dirname } from 'node:path';
import { screenshotOnFailure, Workbench } from './workbench';

/**
 * The launch wizard on the demo: Resume from 2019 is one quick input of four steps (N/M in its title), Back keeps
 * an answer, a bad experiment name is refused as it is typed, the data root says which year folders it holds, and
 * the command opens beside, one option per line, with Copy Command (and its feedback) and Launch.
 */
describe('the launch wizard (Resume from 2019 in the demo)', () => {
  let wb: Workbench;
  screenshotOnFailure(() => wb);

  before(async function () {
    this.timeout(180000);
    wb = await Workbench.open();
  });

  after(async () => {
    await wb?.close();
  });

  it('walks the steps with Back, validates as you type, previews the command and launches it', async function () {
    this.timeout(240000);
    await wb.openContainer();
    const step = wb.page.getByRole('treeitem', { name: /^2019, finished/ }).first();
    await step.waitFor({ timeout: 30000 });
    await wb.rowAction(step, 'Resume Training From Year…', 'datacomp_medium-basic_cumulative_2019');
    const widget = wb.page.locator('.quick-input-widget');
    const title = widget.locator('.quick-input-title');
    const input = widget.locator('input').first();
    const message = widget.locator('.quick-input-message');

    // 1/4 strategy, 2/4 GPUs: the defaults. Nothing continues from 2019 yet, so no variant step.
    await wb.page.locator('.quick-input-widget', { hasText: 'strategy' }).waitFor({ timeout: 30000 });
    assert.match((await title.textContent()) ?? '', /strategy.*1\/4/);
    await wb.screenshot('wizard-1-strategy');
    await wb.accept('strategy');
    await wb.page.locator('.quick-input-widget', { hasText: 'GPUs per node' }).waitFor();
    assert.match((await title.textContent()) ?? '', /GPUs per node.*2\/4/);
    // Each count says the global batch it gives; "Other…" takes a count of its own.
    const rows = (await widget.locator('.quick-input-list .monaco-list-row').allTextContents()).join(' | ');
    assert.match(rows, /global batch 4,096 \(the paper's\)/);
    assert.match(rows, /Other…/);
    await wb.screenshot('wizard-2-gpus');
    await wb.accept('GPUs per node');

    // 3/4 experiment name: refused while it holds a space, then a name of our own.
    await wb.page.locator('.quick-input-widget', { hasText: 'experiment name' }).waitFor();
    assert.match((await title.textContent()) ?? '', /experiment name.*3\/4/);
    assert.equal(await input.inputValue(), 'datacomp_medium-basic_cumulative_2020');
    await input.fill('my first run');
    await message.filter({ hasText: 'Letters, digits, . _ + - only.' }).waitFor();
    await wb.screenshot('wizard-3-bad-name');
    await input.fill('datacomp_medium-basic_cumulative_2020_mine');

    // Back to the GPUs, forward again: the name typed is still there.
    await widget.locator('.quick-input-left-action-bar .action-label').first().click();
    await wb.page.locator('.quick-input-widget', { hasText: 'GPUs per node' }).waitFor();
    assert.match((await title.textContent()) ?? '', /2\/4/);
    await wb.accept('GPUs per node');
    await wb.page.locator('.quick-input-widget', { hasText: 'experiment name' }).waitFor();
    assert.equal(await input.inputValue(), 'datacomp_medium-basic_cumulative_2020_mine');
    await wb.accept('experiment name');

    // 4/4 data root: it says which year folders it holds, at once and as the path is typed.
    await wb.page.locator('.quick-input-widget', { hasText: 'data root' }).waitFor();
    assert.match((await title.textContent()) ?? '', /data root.*4\/4/);
    const root = await input.inputValue();
    await message.filter({ hasText: /Found year folders 2014–20\d\d: all this step trains on\./ }).waitFor();
    await wb.screenshot('wizard-4-data-root');
    await input.fill(dirname(root));
    await message.filter({ hasText: 'No year folders (YYYY) in this folder.' }).waitFor();
    await input.fill(root);
    await message.filter({ hasText: /Found year folders 2014–/ }).waitFor();
    await wb.accept('data root');

    // The command beside, one option per line; the dialog holds the three actions.
    const dialog = wb.page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: 30000 });
    const preview = wb.page.locator('.editor-instance', { hasText: 'torchrun' }).last();
    await preview.waitFor();
    const lines = (await preview.locator('.view-line').allTextContents()).map((l) => l.replace(/\u00a0/g, ' ').trim());
    assert.ok(lines.includes('--scale tic_medium \\'), lines.join('\n'));
    assert.ok(lines.includes('--new_run \\'), lines.join('\n'));
    assert.ok(!lines.some((l) => l.includes('--scale') && l.includes('--new_run')), lines.join('\n'));
    for (const button of ['Launch', 'Copy Command', 'Open in Terminal'])
      await dialog.locator('.monaco-button', { hasText: button }).waitFor();
    // The checks the demo stand-in does not need: one line, without §.
    const text = (await dialog.textContent()) ?? '';
    assert.match(text, /Not checked, as the simulation does not need them: the checkpoint's model\./);
    assert.doesNotMatch(text, /§/);
    await wb.screenshot('wizard-5-preview');
    await dialog.locator('.monaco-button', { hasText: 'Copy Command' }).click();
    const copied = wb.page.locator('.monaco-dialog-box', { hasText: 'Copied the command to the clipboard.' });
    await copied.waitFor();
    await wb.screenshot('wizard-6-copied');
    await copied.locator('.monaco-button', { hasText: 'Launch' }).click();
    await wb.page
      .getByRole('treeitem', { name: /^train 2020 cumulative \(simulated\), running/ })
      .first()
      .waitFor({ timeout: 60000 });
    await wb.screenshot('wizard-7-launched');
  });
});
