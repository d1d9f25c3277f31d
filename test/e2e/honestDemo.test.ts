import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Frame } from 'playwright-core';
import { planEval } from '../../src/plan/evalPlan';
import { simulatedEvalPlan } from '../../src/plan/simulatedPlan';
import { stopDemoRunAfterEpoch } from '../support/stoppedRun';
import { screenshotOnFailure, Workbench } from './workbench';

const cumulative = 'tic_medium/basic/cumulative';
const exp = (year: number) => `datacomp_medium-basic_cumulative_${year}`;

/** mean_recall@1 of one eval folder by eval year, read with JSON.parse (not TiC Studio's reader). */
function recallByYear(workspace: string, name: string): Map<number, number> {
  const out = new Map<number, number>();
  const file = join(workspace, 'datacomp/eval_results', name, 'eval_results.jsonl');
  for (const line of readFileSync(file, 'utf8').split('\n').filter(Boolean)) {
    const r = JSON.parse(line) as { key: string; metrics: Record<string, number> };
    const m = /^tic\/datacomp\/retrieval\/yearly\/(\d{4})$/.exec(r.key);
    if (m) out.set(Number(m[1]), r.metrics['mean_recall@1']!);
  }
  return out;
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/** ID transfer by hand, merge mode: row 2016's ID is the mean of its 2014–2016 cells, later rows their own year. */
function handId(workspace: string, steps: readonly number[]): number {
  return mean(
    steps.map((step) => {
      const row = recallByYear(workspace, exp(step));
      return step === 2016 ? mean([2014, 2015, 2016].map((y) => row.get(y)!)) : row.get(step)!;
    }),
  );
}

/** The demo's stand-in evaluator on a checkpoint, with the argv the dashboard's Evaluate runs (simulated). */
function simulatedEvaluation(workspace: string, year: number): Promise<void> {
  const plan = planEval({
    checkout: workspace,
    checkpoint: join(workspace, 'datacomp/results', exp(year), 'checkpoints/epoch_latest.pt'),
    arch: 'ViT-B-32',
    outputDir: join(workspace, 'datacomp/eval_results', exp(year)),
    dataDir: join(workspace, 'datacomp/data'),
    taskGroups: ['retrieval/yearly', 'datacompnet/yearly'],
  });
  const sim = simulatedEvalPlan(plan, join(workspace, 'simulator'));
  return new Promise((resolve, reject) => {
    const child = spawn(sim.argv[0]!, sim.argv.slice(1), {
      cwd: sim.cwd,
      env: { ...process.env, ...sim.env, TIC_STANDIN_STEP_MS: '1' },
      stdio: 'ignore',
    });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`the stand-in exited ${code}`))));
  });
}

async function notCutOff(frame: Frame, selector: string): Promise<void> {
  for (const e of await frame.locator(selector).all())
    assert.ok(await e.evaluate((n) => n.scrollWidth <= n.clientWidth), `${selector} is cut off`);
}

/**
 * Issue 17: the demo says which numbers are made up and which steps did not finish. The demo's cumulative 2018 is
 * stopped during its third epoch (its evaluation and its epoch-2 ImageNet stay), and 2019 is evaluated by the
 * stand-in while the dashboard is open.
 */
describe('An honest demo: simulated and unfinished steps are marked, and unfinished ones left out of the summaries', () => {
  let wb: Workbench;
  let frame: Frame;
  screenshotOnFailure(() => wb);

  before(async function () {
    this.timeout(180000);
    wb = await Workbench.open({
      prepare: (workspace) => stopDemoRunAfterEpoch(join(workspace, 'datacomp/results', exp(2018)), 2),
    });
    await wb.page.setViewportSize({ width: 1100, height: 900 });
  });

  after(async () => {
    await wb?.close();
  });

  it('marks the stopped step in the matrix, the transfer table and the ImageNet table, with a legend', async () => {
    await wb.openContainer();
    await wb.page
      .getByRole('treeitem', { name: /^cumulative chain/ })
      .first()
      .waitFor({ timeout: 30000 });
    await wb.runCommand('TiC Studio: Open Dashboard');
    frame = await wb.webviewFrame('#app[data-snapshot="ready"][data-chains="3"]', 60000);
    await frame.locator('vscode-tab-header[data-tab="matrices"]').click();
    const heatmap = frame.locator(
      `table.heatmap[data-chain="${cumulative}"][data-family="retrieval"][data-metric="mean_recall@1"]`,
    );
    const badge = heatmap.locator('tbody th:has(+ td[data-row-year="2018"]) [data-mark="unfinished"]');
    await badge.waitFor();
    assert.equal((await badge.textContent())?.trim(), 'unfinished');
    assert.match((await badge.getAttribute('title')) ?? '', /^Training did not finish: 2 of 5 epochs done/);
    // Only that row: 2016 and 2017 finished.
    assert.equal(await heatmap.locator('[data-mark]').count(), 1);
    const legend = frame.locator('#marks-legend-yearly p[data-mark="unfinished"]');
    assert.match((await legend.textContent()) ?? '', /^unfinished This step's training did not finish/);
    assert.equal(await frame.locator('#marks-legend-yearly p[data-mark="simulated"]').count(), 0);
    await heatmap.scrollIntoViewIfNeeded();
    await notCutOff(frame, '.step-mark');
    await wb.screenshot('honest-1-unfinished-matrix');

    // ImageNet: the stopped run's zero-shot is epoch 2's, marked, and its tooltip says so.
    const top1 = frame.locator(`#imagenet-table tr[data-chain="${cumulative}"] td[data-step="2018"][data-kind="top1"]`);
    assert.equal(await top1.locator('[data-mark="unfinished"]').count(), 1);
    assert.equal(await top1.getAttribute('title'), 'zero-shot during training, after epoch 2');
    await frame.locator('#imagenet-legend p[data-mark="unfinished"]').waitFor();
    await top1.scrollIntoViewIfNeeded();
    await wb.screenshot('honest-2-unfinished-imagenet');
  });

  it('leaves the stopped step out of the transfer summary; "Include unfinished steps" brings it in', async () => {
    const summary = frame.locator(`#transfer-table tbody[data-chain="${cumulative}"]:not([data-steps])`);
    const id = async () =>
      Number(await summary.locator('td[data-kind="id"][data-step="all"]').getAttribute('data-value'));
    const without = handId(wb.workspace, [2016, 2017]);
    const withIt = handId(wb.workspace, [2016, 2017, 2018]);
    assert.ok(Math.abs((await id()) - without) < 1e-12, `shown ${await id()}, by hand ${without}`);
    const mark = summary.locator('[data-mark="unfinished"]');
    assert.equal((await mark.textContent())?.trim(), 'unfinished left out: 2018');
    await frame.locator('#transfer-legend p[data-mark="unfinished"]', { hasText: 'leave it out' }).waitFor();
    await summary.scrollIntoViewIfNeeded();
    await notCutOff(frame, '#transfer-table .transfer-mark');
    await wb.screenshot('honest-3-transfer-left-out');

    await frame.locator('#transfer-include-unfinished').click();
    await summary.locator('[data-mark="unfinished"]', { hasText: 'includes unfinished: 2018' }).waitFor();
    assert.ok(Math.abs((await id()) - withIt) < 1e-12, `shown ${await id()}, by hand ${withIt}`);
    await frame.locator('#transfer-legend p[data-mark="unfinished"]', { hasText: 'the summaries count it' }).waitFor();
    await wb.screenshot('honest-4-transfer-included');
    // Back off: the default again.
    await frame.locator('#transfer-include-unfinished').click();
    await summary.locator('[data-mark="unfinished"]', { hasText: 'left out' }).waitFor();
    assert.ok(Math.abs((await id()) - without) < 1e-12);
  });

  it('marks a simulated evaluation as it arrives, with its legend line', async function () {
    this.timeout(120000);
    await simulatedEvaluation(wb.workspace, 2019);
    const row = frame.locator(
      `table.heatmap[data-chain="${cumulative}"][data-family="retrieval"][data-metric="mean_recall@1"] tbody th:has(+ td[data-row-year="2019"])`,
    );
    const badge = row.locator('[data-mark="simulated"]');
    await badge.waitFor({ timeout: 60000 });
    assert.equal((await badge.textContent())?.trim(), 'simulated');
    assert.match((await badge.getAttribute('title')) ?? '', /demo stand-in/);
    // Its numbers are shown (marked, not hidden).
    const cell = frame.locator(
      `table.heatmap[data-chain="${cumulative}"][data-metric="mean_recall@1"] td[data-row-year="2019"][data-col-year="2019"]`,
    );
    assert.notEqual(await cell.getAttribute('data-value'), '');
    const legend = frame.locator('#marks-legend-yearly');
    assert.deepEqual(await legend.locator('p').evaluateAll((ps) => ps.map((p) => p.getAttribute('data-mark'))), [
      'simulated',
      'unfinished',
    ]);
    assert.match(
      (await legend.locator('p[data-mark="simulated"]').textContent()) ?? '',
      /^simulated A demo stand-in, not the real training or evaluation program, wrote this step/,
    );
    await row.scrollIntoViewIfNeeded();
    await notCutOff(frame, '.step-mark');
    await wb.screenshot('honest-5-simulated-matrix');
    // The transfer summary counts the simulated step (it is the demo's number) and says so.
    const summary = frame.locator(`#transfer-table tbody[data-chain="${cumulative}"]:not([data-steps])`);
    assert.equal((await summary.locator('[data-mark="simulated"]').textContent())?.trim(), 'simulated: 2019');
    await summary.scrollIntoViewIfNeeded();
    await wb.screenshot('honest-6-simulated-transfer');
  });
});
