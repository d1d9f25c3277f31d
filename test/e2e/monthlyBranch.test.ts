import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { screenshotOnFailure, Workbench } from './workbench';

/**
 * "Branch a Monthly Chain…" on the demo's cumulative 2019 step: the first month after it, 2020-01, trained
 * (simulated) from the 2019 checkpoint on the demo's monthly data root, with the Resume preview before the launch.
 */
describe('Branch a monthly chain off 2019 (simulated, fast pace)', () => {
  let wb: Workbench;
  screenshotOnFailure(() => wb);

  before(async function () {
    this.timeout(180000);
    wb = await Workbench.open({ env: { TIC_STANDIN_STEP_MS: '20', TIC_STANDIN_STEPS_PER_EPOCH: '3' } });
  });

  after(async () => {
    await wb?.close();
  });

  it('plans 2020-01 from the 2019 checkpoint on the months since the branch point, and trains it', async function () {
    this.timeout(180000);
    await wb.openContainer();
    const step = wb.page.getByRole('treeitem', { name: /^2019, finished/ }).first();
    await step.waitFor({ timeout: 30000 });
    await wb.contextMenu(step, 'Branch a Monthly Chain…');
    // 1 strategy: the months since the branch point (2020-01 alone for now).
    const strategy = wb.page.locator('.quick-input-widget', {
      hasText: 'Branch a monthly chain off 2019: train 2020-01',
    });
    await strategy.waitFor();
    for (const offered of [
      'cumulative · every month up to this one',
      'cumulative · months since the branch point',
      'sequential',
    ]) {
      await strategy.locator('.quick-input-list .monaco-list-row', { hasText: offered }).first().waitFor();
    }
    await wb.screenshot('monthly-1-strategy');
    await strategy
      .locator('.quick-input-list .monaco-list-row', { hasText: 'months since the branch point' })
      .first()
      .click();
    // 2 GPUs, 3 experiment name, 4 data root: the defaults.
    await wb.accept('GPUs per node');
    const input = wb.page.locator('.quick-input-widget input');
    await wb.page.locator('.quick-input-widget', { hasText: 'experiment name' }).waitFor();
    assert.equal(await input.inputValue(), 'datacomp_medium-basic_cumulative_m202001');
    await wb.accept('experiment name');
    await wb.page.locator('.quick-input-widget', { hasText: 'one folder of shards per month' }).waitFor();
    assert.equal(await input.inputValue(), join(wb.workspace, 'data/train-monthly'));
    await wb.accept('data root');
    const dialog = wb.page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: 30000 });
    const text = (await dialog.textContent()) ?? '';
    for (const part of [
      'Branch a monthly chain off 2019: train 2020-01 with cumulative, months since the branch point',
      `--data_dir ${join(wb.workspace, 'data/train-monthly/202001/')} `,
      '--exp_name datacomp_medium-basic_cumulative_m202001',
      '--new_run',
      'datacomp_medium-basic_cumulative_2019/checkpoints/epoch_latest.pt',
      'Simulated',
    ]) {
      assert.ok(text.includes(part), `the dialog does not show ${part}: ${text}`);
    }
    await wb.screenshot('monthly-2-command');
    await dialog.locator('.monaco-button', { hasText: 'Launch' }).click();
    await wb.page
      .getByRole('treeitem', { name: /^train 2020-01 cumulative \(simulated\), succeeded/ })
      .first()
      .waitFor({ timeout: 120000 });
    const exp = join(wb.workspace, 'datacomp/results/datacomp_medium-basic_cumulative_m202001');
    assert.ok(existsSync(join(exp, 'out.log')));
    const params = readFileSync(join(exp, 'params.txt'), 'utf8');
    assert.match(params, /^resume: .*datacomp_medium-basic_cumulative_2019\/checkpoints\/epoch_latest\.pt$/m);
    assert.match(params, /^train_data: .*train-monthly\/202001\//m);
    await wb.screenshot('monthly-3-trained');
  });

  it('shows the new monthly chain in the Experiments view: where it branched off, its months by year', async function () {
    this.timeout(120000);
    // The yearly chains fill the view: fold them (a click on a parent row toggles it) to bring the monthly ones up.
    for (const name of [/^cumulative chains, /, /^sequential chain, /]) {
      const row = wb.page.getByRole('treeitem', { name }).first();
      await row.waitFor({ timeout: 30000 });
      if ((await row.getAttribute('aria-expanded')) === 'true') await row.click();
    }
    const chain = wb.page.getByRole('treeitem', { name: /^cumulative, monthly chain, basic · medium · 2020-01$/ });
    await chain.waitFor({ timeout: 60000 });
    await wb.page.getByRole('treeitem', { name: 'branched off 2019, cumulative · baseline' }).first().waitFor();
    await wb.page
      .getByRole('treeitem', { name: /^2020, 1 month$/ })
      .first()
      .waitFor();
    await wb.page
      .getByRole('treeitem', { name: /^2020-01, finished · no eval$/ })
      .first()
      .waitFor();
    // The demo's own monthly chain (sequential 2020-01…2020-03, branched off the same step) stays apart from it.
    await wb.page
      .getByRole('treeitem', { name: /^sequential, monthly chain, basic · medium · 2020-01–2020-03$/ })
      .first()
      .waitFor();
    await wb.screenshot('monthly-4-tree');
  });

  it('continues the demo’s monthly chain from 2020-03 as far as the month data goes (2020-06), train + eval each', async function () {
    this.timeout(240000);
    // Fold the monthly chain the first test made, so that the demo's 2020-03 is in view.
    const made = wb.page.getByRole('treeitem', { name: /^cumulative, monthly chain, / }).first();
    if ((await made.getAttribute('aria-expanded')) === 'true') await made.click();
    const step = wb.page.getByRole('treeitem', { name: /^2020-03, finished · no eval$/ }).first();
    await step.waitFor({ timeout: 30000 });
    await wb.contextMenu(step, 'Continue the Chain to 2023-06…');
    await wb.accept('GPUs per node');
    // The demo has month folders 2020-01…2020-06 (and 2023): the flow says where the data ends.
    const warning = wb.page.locator('.monaco-dialog-box', { hasText: 'the months 2020-04–2020-06 have data' });
    await warning.waitFor({ timeout: 30000 });
    assert.match((await warning.textContent()) ?? '', /2020-07 has none in .*train-monthly/);
    await wb.screenshot('monthly-5-data-ends');
    await warning.locator('.monaco-button', { hasText: 'Continue to 2020-06' }).click();
    await wb.accept('eval data root');
    const confirm = wb.page.locator('.monaco-dialog-box', { hasText: 'Continue sequential from 2020-03 to 2020-06' });
    await confirm.waitFor({ timeout: 30000 });
    const text = (await confirm.textContent()) ?? '';
    for (const m of ['202004', '202005', '202006'])
      assert.ok(text.includes(`train datacomp_medium-basic_sequential_m${m}, then evaluate it`), text);
    assert.ok(text.includes('Each month is evaluated on the monthly tasks.'), text);
    await confirm.locator('.monaco-button', { hasText: 'Start' }).click();
    await wb.page
      .getByRole('treeitem', { name: /^eval 2020-06 sequential \(simulated\), succeeded/ })
      .first()
      .waitFor({ timeout: 200000 });
    // Each month was scored on the 102 monthly tasks of both families.
    const keys = readFileSync(
      join(wb.workspace, 'datacomp/eval_results/datacomp_medium-basic_sequential_m202006/eval_results.jsonl'),
      'utf8',
    )
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { key: string }).key);
    assert.equal(keys.length, 204);
    assert.ok(
      keys.every((k) => /^tic\/datacomp\/(retrieval|datacompnet)\/monthly\/\d{6}$/.test(k)),
      keys[0],
    );
    const params = readFileSync(
      join(wb.workspace, 'datacomp/results/datacomp_medium-basic_sequential_m202006/params.txt'),
      'utf8',
    );
    assert.match(params, /^resume: .*datacomp_medium-basic_sequential_m202005\/checkpoints\/epoch_latest\.pt$/m);
    assert.match(params, /^train_data: .*train-monthly\/202006\//m);
    await wb.screenshot('monthly-6-continued');
  });

  it('shows the months it trained on the dashboard: in the monthly lane of the timeline and in the monthly matrix', async function () {
    this.timeout(120000);
    await wb.runCommand('TiC Studio: Open Dashboard');
    const frame = await wb.webviewFrame('#app[data-snapshot="ready"] .tl-months', 60000);
    const sequential = 'tic_medium/basic/sequential/monthly';
    const node = (chain: string, month: number) =>
      frame.locator(`button.tl-node[data-chain="${chain}"][data-year="${month}"]`);
    // The months the walk trained and evaluated (2020-04…06), and the chain it branched (cumulative, 2020-01).
    for (const month of [202004, 202005, 202006]) {
      await node(sequential, month).waitFor({ timeout: 30000 });
      assert.equal(await node(sequential, month).getAttribute('data-evaluation'), 'done', String(month));
    }
    await node('tic_medium/basic/cumulative/monthly', 202001).waitFor();
    assert.equal(await node('tic_medium/basic/cumulative/monthly', 202001).getAttribute('data-evaluation'), 'missing');
    await frame.locator('.tl-months').scrollIntoViewIfNeeded();
    await wb.screenshot('monthly-7-timeline');
    // The matrix: 2020-06 is a row of the yearly means, its 2020 cell the mean of the 2020 months it was scored on
    // (read here with JSON.parse from the eval_results.jsonl the stand-in wrote).
    await frame.locator('vscode-tab-header[data-tab="matrices"]').click();
    const table = frame.locator(
      `table.heatmap[data-chain="${sequential}"][data-family="retrieval"][data-metric="mean_recall@1"]`,
    );
    await table.waitFor({ timeout: 30000 });
    const scores = readFileSync(
      join(wb.workspace, 'datacomp/eval_results/datacomp_medium-basic_sequential_m202006/eval_results.jsonl'),
      'utf8',
    )
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { key: string; metrics: Record<string, number> })
      .filter((r) => /^tic\/datacomp\/retrieval\/monthly\/2020\d\d$/.test(r.key))
      .map((r) => r.metrics['mean_recall@1']!);
    assert.equal(scores.length, 12);
    const cell = table.locator('td[data-row-year="202006"][data-col-year="2020"]');
    assert.equal(
      (await cell.textContent())?.trim(),
      ((scores.reduce((a, b) => a + b, 0) / scores.length) * 100).toFixed(1),
    );
    await table.scrollIntoViewIfNeeded();
    await wb.screenshot('monthly-8-matrix');
  });
});
