import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Frame } from 'playwright-core';
import { screenshotOnFailure, Workbench } from './workbench';

const cumulative = 'tic_medium/basic/cumulative';
/** The demo's lr 1e-4 variant of the cumulative chain (demo/generate.py): it shares 2016 and forks after it. */
const variant = 'tic_medium/basic/cumulative@datacomp_medium-basic_cumulative_2017_lr1e4';

/** params.txt as `name → value`, split here with plain string operations (not TiC Studio's parser). */
function paramsTxt(workspace: string, experiment: string): Map<string, string> {
  const out = new Map<string, string>();
  const text = readFileSync(join(workspace, 'datacomp/results', experiment, 'params.txt'), 'utf8');
  for (const line of text.split('\n')) {
    const at = line.indexOf(': ');
    if (at > 0) out.set(line.slice(0, at), line.slice(at + 2));
  }
  return out;
}

async function texts(frame: Frame, selector: string): Promise<string[]> {
  return frame.locator(selector).evaluateAll((nodes) => nodes.map((n) => (n.textContent ?? '').trim()));
}

describe('The steps table of the dashboard on the demo workspace', () => {
  let wb: Workbench;
  let frame: Frame;
  screenshotOnFailure(() => wb);
  const rows = () => frame.locator('#steps-table tbody tr');
  const row = (chain: string, step: number) =>
    frame.locator(`#steps-table tbody tr[data-chain="${chain}"][data-step="${step}"]`);

  before(async function () {
    this.timeout(180000);
    wb = await Workbench.open();
    await wb.page.setViewportSize({ width: 1500, height: 950 });
  });

  after(async () => {
    await wb?.close();
  });

  it("says in the Experiments view's step tooltip what the step resumed from: a variant's first step forked", async () => {
    await wb.openContainer();
    await wb.page
      .getByRole('treeitem', { name: /^cumulative chain/ })
      .first()
      .waitFor({ timeout: 30000 });
    // The lr1e4 variant's 2017 (its lr is off the protocol: the only 2017 with a deviation).
    const step = wb.page
      .getByRole('treeitem', { name: /^2017, finished · evaluated, not comparable to the paper: 1 deviation/ })
      .first();
    await step.waitFor({ timeout: 30000 });
    const hover = wb.page
      .locator('.monaco-hover, .workbench-hover', { hasText: 'Forked from cumulative 2016 (baseline)' })
      .first();
    // A tree refresh (the protocol check after the scan) replaces the hovered row and its pending hover: move away
    // and hover again, as a user would.
    for (let attempt = 1; ; attempt++) {
      await wb.page.mouse.move(0, 0);
      await step.hover();
      const shown = await hover.waitFor({ timeout: 5000 }).then(
        () => true,
        () => false,
      );
      if (shown) break;
      if (attempt === 3) await hover.waitFor({ timeout: 5000 });
    }
    await wb.screenshot('steps-0-tree-tooltip-dark');
    await wb.page.mouse.move(0, 0);
  });

  it('lists every step of every chain with its parameters, what it resumed from and its results', async () => {
    await wb.runCommand('TiC Studio: Open Dashboard');
    frame = await wb.webviewFrame('#app[data-snapshot="ready"][data-chains="3"]', 60000);
    await frame.locator('vscode-tab-header[data-tab="steps"]').click();
    await frame.locator('vscode-tab-panel[data-tab="steps"]').waitFor({ state: 'visible' });
    await rows().first().waitFor();
    // Cumulative 2016–2019, the variant's 2016–2018, sequential 2016–2018 and the three months of the monthly chain.
    assert.equal(await rows().count(), 13);
    assert.equal(await frame.locator('#steps-count').textContent(), '13 steps');
    const cell = (chain: string, step: number, column: string) =>
      row(chain, step).locator(`[data-column="${column}"]`).textContent();
    assert.equal(await cell(variant, 2017, 'lineage'), 'forked from cumulative 2016 (baseline)');
    assert.equal(await cell(variant, 2018, 'lineage'), 'resumed from cumulative 2017 (lr1e4)');
    assert.equal(await cell(cumulative, 2016, 'lineage'), 'from scratch');
    assert.equal(await cell(variant, 2017, 'lr'), '1e-4');
    assert.equal(await cell(cumulative, 2017, 'lr'), '5e-4');
    assert.equal(await cell(cumulative, 2017, 'globalBatch'), '4,096');
    assert.equal(await cell(cumulative, 2017, 'gpus'), '8');
    // Headers are buttons inside column headers; the chain names each row.
    assert.equal(await frame.locator('#steps-table thead th[scope="col"] button.sort-button').count(), 14);
    assert.equal(await frame.locator('#steps-table tbody th[scope="row"]').count(), 13);
    await wb.screenshot('steps-1-table-1500-dark');
  });

  it('sorts by a column header, ascending then descending, numbers as numbers', async () => {
    const header = frame.locator('#steps-table thead th[data-column="lr"]');
    await header.locator('button').click();
    await frame.locator('#steps-table thead th[data-column="lr"][aria-sort="ascending"]').waitFor();
    // The rebuilt table keeps the keyboard focus on the header just used.
    assert.equal(await frame.evaluate(() => document.activeElement?.id), 'steps-sort-lr');
    const keys = async () =>
      rows().evaluateAll((trs) => trs.map((tr) => `${tr.getAttribute('data-chain')} ${tr.getAttribute('data-step')}`));
    assert.deepEqual((await keys()).slice(0, 2), [`${variant} 2017`, `${variant} 2018`]);
    await frame.locator('#steps-table thead th[data-column="lr"] button').click();
    await frame.locator('#steps-table thead th[data-column="lr"][aria-sort="descending"]').waitFor();
    assert.deepEqual((await keys()).slice(-2), [`${variant} 2017`, `${variant} 2018`]);
    // Only the sorted header says how it is sorted.
    assert.equal(await frame.locator('#steps-table thead th[aria-sort]').count(), 1);
  });

  it('filters the rows by any text, and shows how many match', async () => {
    const filter = frame.locator('#steps-filter input');
    await filter.fill('lr1e4');
    await frame.locator('#steps-count', { hasText: '3 of 13 steps match the filter' }).waitFor();
    assert.deepEqual(await texts(frame, '#steps-table tbody th[data-column="chain"]'), [
      'tic_medium/basic/cumulative · lr1e4',
      'tic_medium/basic/cumulative · lr1e4',
      'tic_medium/basic/cumulative · lr1e4',
    ]);
    await filter.fill('forked');
    await frame.locator('#steps-count', { hasText: '1 of 13 steps' }).waitFor();
    await filter.fill('');
    await frame.locator('#steps-count', { hasText: '13 steps' }).waitFor();
  });

  it('shows the columns the user picks', async () => {
    await frame.locator('#steps-columns-button').click();
    await frame.locator('#steps-columns').waitFor({ state: 'visible' });
    await frame.locator('#steps-column-experiment').click();
    await frame.locator('#steps-column-model').click();
    await frame.locator('#steps-column-warmup').click();
    await frame.locator('#steps-table thead th[data-column="experiment"]').waitFor();
    await frame.locator('#steps-table thead th[data-column="model"]').waitFor();
    assert.equal(await frame.locator('#steps-table thead th[data-column="warmup"]').count(), 0);
    assert.equal(await row(cumulative, 2017).locator('[data-column="model"]').textContent(), 'ViT-B-32');
    await wb.screenshot('steps-2-columns-1500-dark');
    await frame.locator('#steps-columns-button').click();
    await frame.locator('#steps-columns').waitFor({ state: 'hidden' });
  });

  it("exports what it shows as CSV, each row's parameters those of its params.txt", async () => {
    await frame.locator('[data-export="steps-csv"]').click();
    const dialog = wb.page.locator('.quick-input-widget');
    await dialog.waitFor();
    const input = dialog.locator('input').first();
    // The simple file dialog shows the folder first, then the proposed name.
    let path = '';
    for (let i = 0; i < 50 && !path.endsWith('.csv'); i++) {
      if (i > 0) await wb.page.waitForTimeout(200);
      path = await input.inputValue();
    }
    assert.match(path, /tic-steps\.csv$/);
    await input.focus();
    await wb.page.keyboard.press('Enter');
    await wb.page.locator('.notification-toast', { hasText: 'Exported tic-steps' }).first().waitFor({ timeout: 20000 });
    await frame.locator('#export-status[data-state="saved"]').waitFor();
    const csv = readFileSync(join(wb.workspace, basename(path)), 'utf8');
    assert.ok(!csv.includes('"'), 'no quoted fields in this table');
    const [head, ...lines] = csv.trimEnd().split('\r\n');
    const header = head!.split(',');
    assert.deepEqual(header, [
      'chain',
      'step',
      'experiment',
      'state',
      'scale',
      'model',
      'global_batch',
      'gpus',
      'lr',
      'samples',
      'resumed_from',
      'id',
      'backward',
      'forward',
      'imagenet_top1',
      'transfer_metric',
    ]);
    assert.equal(lines.length, 13);
    const at = (cells: string[], name: string) => cells[header.indexOf(name)]!;
    const lrs: number[] = [];
    for (const line of lines) {
      const cells = line.split(',');
      const params = paramsTxt(wb.workspace, at(cells, 'experiment'));
      const n = (key: string) => Number(params.get(key));
      assert.equal(Number(at(cells, 'lr')), n('lr'), line);
      assert.equal(Number(at(cells, 'gpus')), n('world_size'), line);
      assert.equal(Number(at(cells, 'global_batch')), n('batch_size') * n('world_size') * n('accum_freq'), line);
      assert.equal(Number(at(cells, 'samples')), n('train_num_samples') * n('epochs'), line);
      assert.equal(at(cells, 'model'), params.get('model'), line);
      lrs.push(n('lr'));
    }
    // In the order shown: by learning rate, descending.
    assert.deepEqual(
      lrs,
      [...lrs].sort((a, b) => b - a),
    );
  });

  it("compares two steps' parameters: the lr 1e-4 variant against its baseline differs in lr", async () => {
    const compare = frame.locator('#steps-compare-button');
    assert.equal(await compare.getAttribute('disabled'), '');
    await row(variant, 2017).locator('input[data-pick]').check();
    await row(cumulative, 2017).locator('input[data-pick]').check();
    await frame.locator('#steps-compare-button:not([disabled])').waitFor();
    await compare.click();
    await frame.locator('#steps-diff').waitFor();
    const names = await texts(frame, '#steps-diff tbody th');
    assert.ok(names.includes('lr'), names.join(', '));
    const lr = frame.locator('#steps-diff tr[data-param="lr"]');
    assert.equal(await lr.locator('[data-side="a"]').textContent(), '0.0001');
    assert.equal(await lr.locator('[data-side="b"]').textContent(), '0.0005');
    // Only what differs: every row's two sides are not the same.
    const sides = await frame
      .locator('#steps-diff tbody tr')
      .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
    for (const [a, b] of sides) assert.notEqual(a, b);
    assert.match((await frame.locator('#steps-diff caption').textContent()) ?? '', /A is .*lr1e4 2017, B is/);
    await frame.locator('#steps-compare').scrollIntoViewIfNeeded();
    await wb.screenshot('steps-3-compare-1500-dark');
  });

  it('is usable at 1000 px wide: the table scrolls inside its own box, nothing else is cut off', async () => {
    await wb.page.setViewportSize({ width: 1000, height: 800 });
    await frame.locator('#steps-scroll').scrollIntoViewIfNeeded();
    const fit = await frame.evaluate(() => {
      const width = document.documentElement.clientWidth;
      const box = document.querySelector('#steps-scroll')!;
      const controls = [...document.querySelectorAll('.steps-toolbar vscode-button, .steps-toolbar .control')];
      return {
        pageScrolls: document.documentElement.scrollWidth > width + 1,
        boxRight: box.getBoundingClientRect().right,
        width,
        boxScrolls: box.scrollWidth > box.clientWidth,
        cut: controls.filter((c) => c.getBoundingClientRect().right > width + 1).map((c) => c.textContent),
      };
    });
    assert.equal(fit.pageScrolls, false, 'the page itself does not scroll sideways');
    assert.ok(fit.boxRight <= fit.width + 1, `the table's box ends at ${fit.boxRight} of ${fit.width}`);
    assert.deepEqual(fit.cut, []);
    await wb.screenshot('steps-4-table-1000-dark');
    await frame.locator('#steps-scroll').evaluate((box) => box.scrollBy({ left: 2000 }));
    await wb.screenshot('steps-5-table-1000-scrolled-dark');
  });
});
