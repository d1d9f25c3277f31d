import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { screenshotOnFailure, Workbench } from './workbench';

/** "Continue the Chain to 2022" on the demo's cumulative chain: 2020, 2021, 2022, each trained then evaluated. */
describe('Continue the chain to 2022 (simulated, fast pace)', () => {
  let wb: Workbench;
  screenshotOnFailure(() => wb);

  before(async function () {
    this.timeout(180000);
    // A fast stand-in: a few logged steps per epoch.
    wb = await Workbench.open({ env: { TIC_STANDIN_STEP_MS: '20', TIC_STANDIN_STEPS_PER_EPOCH: '3' } });
  });

  after(async () => {
    await wb?.close();
  });

  it('trains and evaluates every remaining year in order, each from the checkpoint before it', async function () {
    this.timeout(240000);
    await wb.openContainer();
    const step = wb.page.getByRole('treeitem', { name: /^2019, finished/ }).first();
    await step.waitFor({ timeout: 30000 });
    await wb.contextMenu(step, 'Continue the Chain to 2022…');
    await wb.accept('GPUs per node');
    await wb.accept('eval data root');
    const dialog = wb.page.locator('.monaco-dialog-box');
    await dialog.waitFor();
    const text = (await dialog.textContent()) ?? '';
    for (const year of [2020, 2021, 2022]) assert.ok(text.includes(`datacomp_medium-basic_cumulative_${year}`), text);
    await wb.screenshot('chain-1-confirm');
    await dialog.locator('.monaco-button', { hasText: 'Start' }).click();
    const results = join(
      wb.workspace,
      'datacomp/eval_results/datacomp_medium-basic_cumulative_2022/eval_results.jsonl',
    );
    const deadline = Date.now() + 200000;
    while (!existsSync(results) && Date.now() < deadline) await wb.page.waitForTimeout(500);
    assert.ok(existsSync(results), 'the 2022 evaluation never wrote its results');
    await wb.page
      .getByRole('treeitem', { name: /^eval 2022 cumulative \(simulated\), succeeded/ })
      .first()
      .waitFor({ timeout: 30000 });
    // Each year resumed from the previous year's checkpoint (params.txt `resume`, contracts §1.4).
    for (const year of [2020, 2021, 2022]) {
      const params = readFileSync(
        join(wb.workspace, `datacomp/results/datacomp_medium-basic_cumulative_${year}/params.txt`),
        'utf8',
      );
      assert.match(
        params,
        new RegExp(`^resume: .*datacomp_medium-basic_cumulative_${year - 1}/checkpoints/epoch_latest\\.pt$`, 'm'),
      );
    }
    const files = readdirSync(join(wb.workspace, '.tic-studio/runs'));
    const records = files.filter(
      (f) => f.endsWith('.json') && !f.endsWith('.exit.json') && !f.endsWith('.started.json'),
    );
    assert.equal(records.length, 6, files.join(', '));
    await wb.screenshot('chain-2-done');
  });
});
