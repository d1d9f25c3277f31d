import assert from 'node:assert/strict';
import { screenshotOnFailure, Workbench } from './workbench';

describe('TiC Studio in the workbench (packaged .vsix, demo workspace)', () => {
  let wb: Workbench;
  screenshotOnFailure(() => wb);

  before(async function () {
    this.timeout(180000);
    wb = await Workbench.open();
  });

  after(async () => {
    await wb?.close();
  });

  it('shows the TiC Studio container with the Experiments, Checkpoints and Runs views', async () => {
    await wb.openContainer();
    const headers = wb.page.locator('.pane-header');
    for (const title of ['Experiments', 'Checkpoints', 'Runs']) {
      await headers.filter({ hasText: title }).first().waitFor();
    }
    await wb.screenshot('foundation-1-container');
  });

  it('opens the dashboard from the command palette', async () => {
    await wb.runCommand('TiC Studio: Open Dashboard');
    const frame = await wb.webviewFrame('#app[data-state="ready"]');
    const heading = await frame.locator('h1').textContent();
    assert.equal(heading, 'TiC Studio Dashboard');
    const text = await frame.locator('#app').textContent();
    assert.match(text ?? '', /Workspace: demo/);
    await wb.page.locator('.tab', { hasText: 'TiC Studio Dashboard' }).first().waitFor();
    await wb.screenshot('foundation-2-dashboard');
  });
});
