import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { screenshotOnFailure, Workbench } from './workbench';

/** The demo's cumulative 2017 step, as a run that reported to W&B writes its params.txt (OpenCLIP's keys). */
const exp = 'datacomp_medium-basic_cumulative_2017';
const project = 'tic-datacomp-medium-basic-cumulative-2017';

function reportToWandb(workspace: string): void {
  const file = join(workspace, 'datacomp/results', exp, 'params.txt');
  const text = readFileSync(file, 'utf8')
    .replace(/^report_to: .*$/m, 'report_to: wandb')
    .replace(/^wandb: .*$/m, 'wandb: True')
    .replace(/^wandb_project_name: .*$/m, `wandb_project_name: ${project}`);
  writeFileSync(file, text);
}

describe('A step that reported to W&B links to its run', () => {
  let wb: Workbench;
  screenshotOnFailure(() => wb);

  before(async function () {
    this.timeout(180000);
    wb = await Workbench.open({ prepare: reportToWandb });
    await wb.page.setViewportSize({ width: 1400, height: 900 });
  });

  after(async () => {
    await wb?.close();
  });

  it('opens https://wandb.ai/<entity>/<project>/runs/<experiment> after asking for the entity once', async () => {
    await wb.openContainer();
    const baseline = wb.page.getByRole('treeitem', { name: /^variant baseline of tic_medium\/basic\/cumulative/ });
    await baseline.waitFor({ timeout: 30000 });
    const step = wb.page.getByRole('treeitem', { name: /^2017, finished/ }).first();
    await step.waitFor();
    await wb.contextMenu(step, 'Open Run in Weights and Biases');
    const input = wb.page.locator('.quick-input-widget', { hasText: 'W&B user or team' });
    await input.waitFor();
    await input.locator('input').first().fill('not a/name');
    await wb.page.locator('.quick-input-widget .quick-input-message', { hasText: 'letters, digits' }).waitFor();
    await wb.screenshot('wandb-1-entity');
    await input.locator('input').first().fill('alice-lab');
    // This machine has no internet: the browser gets a stand-in page for W&B (the address is what is checked).
    await wb.page
      .context()
      .route('https://wandb.ai/**', (route) =>
        route.fulfill({ status: 200, contentType: 'text/html', body: '<title>W&B stand-in</title>' }),
      );
    const opened = wb.page.context().waitForEvent('page', { timeout: 20000 });
    await wb.page.keyboard.press('Enter');
    // code-server may first ask whether to open an external site.
    const confirm = wb.page.locator('.monaco-dialog-box .monaco-button', { hasText: 'Open' }).first();
    const page = await Promise.race([
      opened,
      confirm.waitFor({ timeout: 10000 }).then(async () => {
        const next = wb.page.context().waitForEvent('page', { timeout: 20000 });
        await confirm.click();
        return next;
      }),
    ]);
    await page.waitForURL(/wandb\.ai/, { timeout: 10000 });
    assert.equal(page.url(), `https://wandb.ai/alice-lab/${project}/runs/${exp}`);
    await page.close();
  });
});
