import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { screenshotOnFailure, Workbench } from './workbench';

const cumulative = 'tic_medium/basic/cumulative';
const first = 'datacomp_medium-basic_cumulative_2020';
const retry = `${first}_run2`;

/**
 * A retried step stays visible while it runs (issue 17): in the demo, a simulated 2020 is stopped in its second
 * epoch and trained again as another attempt (`_run2`); while the retry is in its first epoch, before it saves a
 * checkpoint, the Experiments view shows it as the 2020 step with the stopped attempt under it, and the dashboard's
 * 2020 node is the running one.
 */
describe('A retried step in the demo: the running attempt is the step, the stopped one is listed under it', () => {
  let wb: Workbench;
  screenshotOnFailure(() => wb);

  before(async function () {
    this.timeout(180000);
    // 12 steps of 700 ms per epoch: the first attempt is stopped once it is in its second epoch, and the retry's
    // first epoch (no checkpoint yet) lasts long enough to be looked at.
    wb = await Workbench.open({ env: { TIC_STANDIN_STEP_MS: '700', TIC_STANDIN_STEPS_PER_EPOCH: '12' } });
    await wb.page.setViewportSize({ width: 1500, height: 950 });
  });

  after(async () => {
    await wb?.close();
  });

  const outLog = (exp: string): string => join(wb.workspace, 'datacomp/results', exp, 'out.log');
  const runsPane = () => wb.page.locator('.pane', { has: wb.page.locator('.pane-header', { hasText: /^Runs/ }) });

  /** Resume from the cumulative 2019 step, through the launch prompts, up to the Launch button. */
  async function resumeFrom2019(): Promise<void> {
    const step = wb.page.getByRole('treeitem', { name: /^2019, finished/ }).first();
    await wb.rowAction(step, 'Resume Training From Year…', 'datacomp_medium-basic_cumulative_2019');
  }

  async function launch(): Promise<void> {
    const dialog = wb.page.locator('.monaco-dialog-box', { hasText: 'Launch' });
    await dialog.waitFor({ timeout: 30000 });
    await dialog.locator('.monaco-button', { hasText: 'Launch' }).click();
  }

  it('stops a simulated 2020 in its second epoch', async () => {
    await wb.openContainer();
    await wb.page
      .getByRole('treeitem', { name: /^2019, finished/ })
      .first()
      .waitFor({ timeout: 30000 });
    await resumeFrom2019();
    for (const title of ['strategy', 'GPUs per node', 'experiment name', 'data root']) await wb.accept(title);
    await launch();
    // Into its second epoch (epoch 1 of OpenCLIP's 0-based count): epoch_1.pt is saved, the second is not.
    for (
      let i = 0;
      !(existsSync(outLog(first)) && readFileSync(outLog(first), 'utf8').includes('Train Epoch: 1 ['));
      i++
    ) {
      assert.ok(i < 300, 'the first attempt never reached its second epoch');
      await wb.page.waitForTimeout(200);
    }
    const run = runsPane()
      .getByRole('treeitem', { name: /^train 2020 cumulative \(simulated\), running/ })
      .first();
    await wb.rowAction(run, 'Stop Run…', 'train 2020 cumulative');
    const confirm = wb.page.locator('.monaco-dialog-box', { hasText: 'Stop 2020 cumulative?' });
    await confirm.waitFor({ timeout: 30000 });
    await confirm.locator('.monaco-button', { hasText: /^Stop$/ }).click();
    await runsPane()
      .getByRole('treeitem', { name: /^train 2020 cumulative \(simulated\), stopped/ })
      .first()
      .waitFor({ timeout: 60000 });
  });

  it('retries it as another attempt (_run2), which the tree shows as the 2020 step at once, the stopped one under it', async () => {
    await resumeFrom2019();
    for (const title of ['strategy', 'GPUs per node']) await wb.accept(title);
    // 2019 already continues as the stopped 2020: another attempt, not a new variant.
    const choice = wb.page.locator('.quick-input-widget', { hasText: 'Another attempt at this step' });
    await choice.waitFor({ timeout: 30000 });
    await wb.screenshot('attempts-1-retry-or-variant');
    await choice.locator('.quick-input-list .monaco-list-row', { hasText: 'Another attempt at this step' }).click();
    await wb.page.locator('.quick-input-widget', { hasText: 'experiment name' }).waitFor();
    assert.equal(await wb.page.locator('.quick-input-widget input').inputValue(), retry);
    for (const title of ['experiment name', 'data root']) await wb.accept(title);
    await launch();

    // The 2020 step is the running retry, before it saves its first checkpoint.
    const step = wb.page.getByRole('treeitem', { name: /^2020, running.*attempt 2 of 2/ }).first();
    await step.waitFor({ timeout: 60000 });
    assert.ok(
      !existsSync(join(wb.workspace, 'datacomp/results', retry, 'checkpoints/epoch_1.pt')),
      'the retry saved a checkpoint before the tree showed it: the walk is too slow to tell',
    );
    await step.click();
    const attempt = wb.page.getByRole('treeitem', { name: new RegExp(`^attempt 1 · stopped at epoch 2, ${first}$`) });
    await attempt.waitFor({ timeout: 30000 });
    // In the side bar: `attempt 1  stopped at E2/5`, as the Runs view says it, whole.
    assert.equal((await attempt.locator('.label-description').textContent())?.trim(), 'stopped at E2/5');
    assert.ok(
      await attempt.locator('.monaco-icon-label-container').evaluate((e) => e.scrollWidth <= e.clientWidth),
      'the attempt row is cut off',
    );
    // The attempt's own files: its checkpoint, its log and its folder (the keyboard scrolls the short pane to them).
    await attempt.click();
    for (let i = 0; i < 3; i++) await wb.page.keyboard.press('ArrowDown');
    await wb.page
      .getByRole('treeitem', { name: `output folder, ${first}, reveal in the Explorer` })
      .waitFor({ timeout: 30000 });
    await wb.screenshot('attempts-2-tree');
  });

  it('draws the running retry as the 2020 node of the timeline, and says which attempt it is', async () => {
    await wb.runCommand('TiC Studio: Open Dashboard');
    const frame = await wb.webviewFrame('#app[data-snapshot="ready"]', 60000);
    const node = frame.locator(`button.tl-node[data-chain="${cumulative}"][data-year="2020"][data-run="running"]`);
    await node.waitFor({ timeout: 30000 });
    const title = (await node.getAttribute('title')) ?? '';
    assert.match(title, new RegExp(`${retry} · attempt 2 of 2 \\(attempt 1 stopped at epoch 2\\)`));
    assert.match((await node.getAttribute('aria-label')) ?? '', /attempt 2 of 2 \(attempt 1 stopped at epoch 2\)/);
    await wb.screenshot('attempts-3-timeline');
  });
});
