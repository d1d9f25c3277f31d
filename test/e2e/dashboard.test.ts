import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, renameSync } from 'node:fs';
import { basename, join } from 'node:path';
import { PNG } from 'pngjs';
import type { Frame } from 'playwright-core';
import { screenshotOnFailure, Workbench } from './workbench';

const cumulative = 'tic_medium/basic/cumulative';
const sequential = 'tic_medium/basic/sequential';
/** The demo's lr 1e-4 variant of the cumulative chain (demo/generate.py): it shares 2016 and forks after it. */
const variant = 'tic_medium/basic/cumulative@datacomp_medium-basic_cumulative_2017_lr1e4';
const years = [2014, 2015, 2016, 2017, 2018, 2019, 2020, 2021, 2022];
/**
 * An experiment named like markup (its `basic` keeps it in the basic chains: the filtering comes from the name),
 * whose log ends in a traceback that closes a script tag.
 */
const hostileName = 'datacomp_medium-basic_sequential_2018<img src=x onerror=window.__xss=1>';
const hostileError = 'RuntimeError: </script><script>window.__xss2=1</script>';

/** The expected cells, read from the workspace's eval_results.jsonl with JSON.parse (not by TiC Studio's code). */
function retrievalRow(workspace: string, exp: string): (number | null)[] {
  const file = join(workspace, 'datacomp/eval_results', exp, 'eval_results.jsonl');
  const byKey = new Map<string, Record<string, number>>();
  for (const line of readFileSync(file, 'utf8').split('\n').filter(Boolean)) {
    const record = JSON.parse(line) as { key: string; metrics: Record<string, number> };
    byKey.set(record.key, record.metrics);
  }
  return years.map((y) => byKey.get(`tic/datacomp/retrieval/yearly/${y}`)?.['mean_recall@1'] ?? null);
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/** The demo's monthly chain (demo/generate.py): sequential months 2020-01…2020-03 branched off cumulative 2019. */
const monthlyChain = 'tic_medium/basic/sequential/monthly';

/** mean_recall@1 per monthly retrieval task (`YYYYMM`) of one eval folder, read with JSON.parse. */
function monthlyRetrieval(workspace: string, exp: string): Map<number, number> {
  const file = join(workspace, 'datacomp/eval_results', exp, 'eval_results.jsonl');
  const out = new Map<number, number>();
  for (const line of readFileSync(file, 'utf8').split('\n').filter(Boolean)) {
    const record = JSON.parse(line) as { key: string; metrics: Record<string, number> };
    const m = /^tic\/datacomp\/retrieval\/monthly\/(\d{6})$/.exec(record.key);
    if (m) out.set(Number(m[1]), record.metrics['mean_recall@1']!);
  }
  return out;
}

function trainLines(path: string): number {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.includes('| Train Epoch: ')).length;
}

/** Puts the hostile experiment in place of the demo's sequential 2018 (its data years keep it in the chain). */
function addHostileExperiment(workspace: string): void {
  const results = join(workspace, 'datacomp/results');
  const dir = join(results, hostileName);
  renameSync(join(results, 'datacomp_medium-basic_sequential_2018'), dir);
  appendFileSync(
    join(dir, 'out.log'),
    [
      'Traceback (most recent call last):',
      '  File "/home/demo/ml-tic-clip/datacomp/train.py", line 1, in <module>',
      hostileError,
      '',
    ].join('\n'),
  );
}

/** Opens the dashboard once the scan found the demo's chains; resolves with its frame when the three lanes are in. */
async function openDashboard(wb: Workbench): Promise<Frame> {
  await wb.openContainer();
  await wb.page
    .getByRole('treeitem', { name: /^cumulative chain/ })
    .first()
    .waitFor({ timeout: 30000 });
  await wb.runCommand('TiC Studio: Open Dashboard');
  return wb.webviewFrame('#app[data-snapshot="ready"][data-chains="3"]', 60000);
}

async function showTab(frame: Frame, tab: 'timeline' | 'losses' | 'matrices'): Promise<void> {
  await frame.locator(`vscode-tab-header[data-tab="${tab}"]`).click();
  await frame.locator(`vscode-tab-panel[data-tab="${tab}"]`).waitFor({ state: 'visible' });
}

async function lossPoints(frame: Frame): Promise<{ points: number; total: number }> {
  return frame.evaluate(() => {
    const canvas = document.querySelector('#loss-canvas');
    return {
      points: Number(canvas?.getAttribute('data-points') ?? 0),
      total: Number(canvas?.getAttribute('data-total') ?? 0),
    };
  });
}

describe('The dashboard on the demo workspace: timeline, losses, matrices (dark theme)', () => {
  let wb: Workbench;
  let frame: Frame;
  screenshotOnFailure(() => wb);

  before(async function () {
    this.timeout(180000);
    wb = await Workbench.open({
      prepare: addHostileExperiment,
      // A slow stand-in, so the chart can be watched while the 2020 step trains: 50 steps of 300 ms, all logged.
      env: { TIC_STANDIN_STEP_MS: '300', TIC_STANDIN_STEPS_PER_EPOCH: '10', TIC_STANDIN_LOG_EVERY: '1' },
    });
    await wb.page.setViewportSize({ width: 1500, height: 950 });
  });

  after(async () => {
    await wb?.close();
  });

  it('shows every chain as a swimlane over 2014…2022 with the state of each step', async () => {
    frame = await openDashboard(wb);
    for (const year of years) await frame.locator(`.tl-volume[data-year="${year}"]`).waitFor();
    const node = (chain: string, year: number) =>
      frame.locator(`button.tl-node[data-chain="${chain}"][data-year="${year}"]`);
    assert.equal(await node(cumulative, 2017).getAttribute('data-checkpoint'), 'local');
    assert.equal(await node(cumulative, 2017).getAttribute('data-evaluation'), 'done');
    // The demo has no eval of cumulative 2019: its node offers one.
    assert.equal(await node(cumulative, 2019).getAttribute('data-evaluation'), 'missing');
    await frame.locator(`vscode-button.tl-evaluate[data-chain="${cumulative}"][data-year="2019"]`).waitFor();
    assert.equal(await node(cumulative, 2021).getAttribute('data-checkpoint'), 'missing');
    assert.equal(await node(sequential, 2018).getAttribute('data-run'), 'failed');
    await wb.screenshot('dashboard-1-timeline-dark');
  });

  it('draws the lr 1e-4 variant as its own lane under the baseline, forking after their shared 2016', async () => {
    const lanes = frame.locator('.tl-lane-label[data-chain]');
    const keys = await lanes.evaluateAll((ls) => ls.map((l) => l.getAttribute('data-chain')));
    // Two cumulative lineages, the variant right under the chain it forked from.
    assert.deepEqual(keys, [cumulative, variant, sequential]);
    const variantLabel = lanes.nth(1).locator('.tl-lane-name');
    const label = (await variantLabel.textContent()) ?? '';
    assert.match(label, /lr1e4/);
    assert.ok(label.startsWith(cumulative), label);
    // The whole label fits (not cut by an ellipsis) at this window size, and names the fork for screen readers.
    assert.ok(await variantLabel.evaluate((e) => e.scrollWidth <= e.clientWidth), 'the variant label is cut off');
    assert.match((await lanes.nth(1).getAttribute('aria-label')) ?? '', /forks after 2016/);
    const node = (chain: string, year: number) =>
      frame.locator(`button.tl-node[data-chain="${chain}"][data-year="${year}"]`);
    // The shared 2016 is drawn once, in the baseline's lane; the variant's own steps are 2017 and 2018.
    assert.equal(await node(variant, 2016).count(), 0);
    assert.equal(await node(variant, 2017).getAttribute('data-checkpoint'), 'local');
    assert.equal(await node(variant, 2018).getAttribute('data-evaluation'), 'done');
    assert.equal(await node(variant, 2019).getAttribute('data-checkpoint'), 'missing');
    await frame.locator(`.tl-inherited[data-chain="${variant}"]`, { hasText: 'forks after 2016' }).waitFor();
    // The connector runs from below the baseline's 2016 node to the left edge of the variant's 2017 node.
    const fork = frame.locator(`path.tl-fork[data-from="${cumulative}"][data-to="${variant}"]`);
    await fork.waitFor({ state: 'attached' });
    await wb.screenshot('dashboard-1b-fork-dark');

    // The protocol guard's marks (issue 15): the baseline's 2017 is protocol-exact, the variant's 2017 trained at
    // lr 1e-4 (demo/generate.py) where tic_medium's is 5e-4.
    assert.equal(await node(cumulative, 2017).getAttribute('data-comparable'), 'true');
    assert.equal((await node(cumulative, 2017).locator('.tl-node-protocol').textContent())?.trim(), '✓ protocol');
    assert.equal(await node(variant, 2017).getAttribute('data-comparable'), 'false');
    assert.equal((await node(variant, 2017).locator('.tl-node-protocol').textContent())?.trim(), '⚠ protocol');
    assert.match(
      (await node(variant, 2017).getAttribute('aria-label')) ?? '',
      /not comparable to the paper: 1 deviation from its protocol/,
    );
    assert.match(
      (await node(variant, 2017).getAttribute('title')) ?? '',
      /✗ learning rate: 0\.0001; expected 0\.0005 \(tic_medium\)/,
    );
    for (const chain of [cumulative, variant])
      assert.ok(
        await node(chain, 2017)
          .locator('.tl-node-protocol')
          .evaluate((e) => e.getBoundingClientRect().right <= e.parentElement!.getBoundingClientRect().right),
        `the protocol mark of ${chain} 2017 overflows its node`,
      );
    // The lane's cumulative compute, by hand: 2016…2019 each ran 4,500 steps of 4,096 samples = 73.7M in all.
    const compute = frame.locator(`.tl-lane-compute[data-chain="${cumulative}"]`);
    assert.match((await compute.textContent()) ?? '', /^Σ 73\.7M samples · [\d.]+ GPU-h · 1\.0× oracle$/);
    assert.match((await compute.getAttribute('title')) ?? '', /73,728,000 samples seen, 18,000 optimizer steps/);
    assert.ok(await compute.evaluate((e) => e.scrollWidth <= e.clientWidth), 'the compute line is cut off');
    await frame.locator('.tl-legend li', { hasText: 'deviations: not comparable to the paper' }).waitFor();
    // Measured in the webview (Playwright's boxes of SVG shapes are off by a few pixels).
    const [path, from, to] = await frame.evaluate(
      ([parent, child]) =>
        [
          `path.tl-fork[data-from="${parent}"][data-to="${child}"]`,
          `button.tl-node[data-chain="${parent}"][data-year="2016"]`,
          `button.tl-node[data-chain="${child}"][data-year="2017"]`,
        ].map((sel) => {
          const r = document.querySelector(sel)!.getBoundingClientRect();
          return { x: r.x, y: r.y, width: r.width, height: r.height };
        }),
      [cumulative, variant],
    );
    assert.ok(path!.x > from!.x && path!.x < from!.x + from!.width, `connector x ${path!.x} vs 2016 node ${from!.x}`);
    assert.ok(
      Math.abs(path!.y - (from!.y + from!.height)) < 2,
      `connector starts at ${path!.y}, node ends ${from!.y + from!.height}`,
    );
    assert.ok(
      Math.abs(path!.x + path!.width - to!.x) < 8,
      `connector ends at ${path!.x + path!.width}, node starts ${to!.x}`,
    );
    const y = path!.y + path!.height;
    assert.ok(y > to!.y && y < to!.y + to!.height, `connector reaches ${y}, node spans ${to!.y}…${to!.y + to!.height}`);
  });

  it('renders an experiment named like markup and a log line closing a script tag as text (XSS)', async () => {
    const label =
      (await frame
        .locator(`button.tl-node[data-chain="${sequential}"][data-year="2018"]`)
        .getAttribute('aria-label')) ?? '';
    assert.ok(label.includes(hostileName), label);
    assert.ok(label.includes('</script><script>'), label);
    const injected = await frame.evaluate(() => ({
      xss: (window as unknown as { __xss?: unknown }).__xss,
      xss2: (window as unknown as { __xss2?: unknown }).__xss2,
      images: document.querySelectorAll('img').length,
      injectedScripts: [...document.querySelectorAll('script')].filter((s) => s.textContent?.includes('__xss')).length,
    }));
    assert.deepEqual(injected, { xss: undefined, xss2: undefined, images: 0, injectedScripts: 0 });
  });

  it('reveals a step in the Experiments view when its node is clicked', async () => {
    await frame.locator(`button.tl-node[data-chain="${cumulative}"][data-year="2017"]`).click();
    await wb.page.locator('.monaco-list-row.selected', { hasText: '2017' }).first().waitFor({ timeout: 20000 });
  });

  it("stitches the chain's losses on one axis of samples seen", async () => {
    await showTab(frame, 'losses');
    const expected = [2016, 2017, 2018, 2019].reduce(
      (n, y) => n + trainLines(join(wb.workspace, `datacomp/results/datacomp_medium-basic_cumulative_${y}/out.log`)),
      0,
    );
    const cumulativeBox = frame.locator(`#loss-chains vscode-checkbox[data-chain="${cumulative}"]`);
    await cumulativeBox.waitFor();
    // Only the cumulative chain, so the total is its own.
    for (const box of await frame.locator('#loss-chains vscode-checkbox[data-chain]').all()) {
      const chain = await box.getAttribute('data-chain');
      const checked = await box.evaluate((b) => (b as unknown as { checked: boolean }).checked);
      if ((chain === cumulative) !== checked) await box.click();
    }
    await frame.waitForFunction(
      (n) => Number(document.querySelector('#loss-canvas')?.getAttribute('data-total')) === n,
      expected,
      {
        timeout: 20000,
      },
    );
    const { points } = await lossPoints(frame);
    assert.ok(points > 0 && points <= expected, `${points} points drawn of ${expected}`);
    await wb.screenshot('dashboard-2-losses-dark');

    // The variant's curve is its own lineage: the shared 2016, then its 2017 and 2018, not the baseline's.
    const variantBox = frame.locator(`#loss-chains vscode-checkbox[data-chain="${variant}"]`);
    assert.match((await variantBox.textContent()) ?? '', /lr1e4/);
    const own = ['cumulative_2016', 'cumulative_2017_lr1e4', 'cumulative_2018_lr1e4'].reduce(
      (n, exp) => n + trainLines(join(wb.workspace, `datacomp/results/datacomp_medium-basic_${exp}/out.log`)),
      0,
    );
    await variantBox.click();
    await cumulativeBox.click();
    await frame.waitForFunction(
      (n) => Number(document.querySelector('#loss-canvas')?.getAttribute('data-total')) === n,
      own,
      { timeout: 20000 },
    );
    // Back to the baseline alone for the live test below.
    await cumulativeBox.click();
    await variantBox.click();
    await frame.waitForFunction(
      (n) => Number(document.querySelector('#loss-canvas')?.getAttribute('data-total')) === n,
      expected,
      { timeout: 20000 },
    );
  });

  it('shows the retrieval matrix with the numbers of eval_results.jsonl and the hand-checked transfer', async () => {
    await showTab(frame, 'matrices');
    const table = frame.locator(
      `table.heatmap[data-chain="${cumulative}"][data-family="retrieval"][data-metric="mean_recall@1"]`,
    );
    await table.waitFor();
    const rows: Record<number, (number | null)[]> = {};
    for (const step of [2016, 2017, 2018]) {
      rows[step] = retrievalRow(wb.workspace, `datacomp_medium-basic_cumulative_${step}`);
      for (const [i, year] of years.entries()) {
        const cell = table.locator(`td[data-row-year="${step}"][data-col-year="${year}"]`);
        assert.equal(Number(await cell.getAttribute('data-value')), rows[step]![i], `${step} × ${year}`);
        assert.equal((await cell.textContent())?.trim(), (rows[step]![i]! * 100).toFixed(1));
      }
    }
    // 2019 was not evaluated: missing, never 0.
    const missing = table.locator('td[data-row-year="2019"][data-col-year="2019"]');
    assert.equal(await missing.getAttribute('data-value'), '');
    assert.equal((await missing.textContent())?.trim(), '—');

    // By hand, merge mode (the default): eval years 2014–2016 fold into one 2016 column, then
    // ID = the diagonal, backward = before the step, forward = after it, each the mean of its cells.
    const at = (step: number, year: number) => rows[step]![years.indexOf(year)]!;
    const merged = (step: number) => mean([2014, 2015, 2016].map((y) => at(step, y)));
    const id = mean([merged(2016), at(2017, 2017), at(2018, 2018)]);
    const backward = mean([merged(2017), merged(2018), at(2018, 2017)]);
    const forward = mean([
      ...[2017, 2018, 2019, 2020, 2021, 2022].map((y) => at(2016, y)),
      ...[2018, 2019, 2020, 2021, 2022].map((y) => at(2017, y)),
      ...[2019, 2020, 2021, 2022].map((y) => at(2018, y)),
    ]);
    const transfer = frame.locator(`#transfer-table tbody[data-chain="${cumulative}"]:not([data-steps])`);
    for (const [kind, value] of [
      ['id', id],
      ['backward', backward],
      ['forward', forward],
    ] as const) {
      const shown = Number(
        await transfer.locator(`td[data-kind="${kind}"][data-step="all"]`).getAttribute('data-value'),
      );
      assert.ok(Math.abs(shown - value) < 1e-12, `${kind}: shown ${shown}, by hand ${value}`);
    }
    // The demo's matrix is incomplete (rows 2016–2018 of 2016–2022): by hand, ID 3 of 7 (the diagonal), backward
    // 0 + 1 + 2 of 21, forward 6 + 5 + 4 of 21, 21 of 49 cells in all.
    const mark = transfer.locator('[data-mark="incomplete"]');
    assert.equal((await mark.textContent())?.trim(), '◐ 21 of 49 cells');
    assert.equal(
      await mark.getAttribute('title'),
      'Incomplete matrix: the means cover ID 3 of 7, backward 3 of 21, forward 15 of 21 cells.',
    );
    assert.ok(await mark.evaluate((e) => e.scrollWidth <= e.clientWidth), 'the incomplete mark is cut off');
    await frame.locator('#transfer-legend', { hasText: '◐ incomplete' }).waitFor();
    // The variant's summary averages its 2017 and 2018, trained off the protocol (lr 1e-4): marked, with the legend.
    const offMark = frame.locator(
      `#transfer-table tbody[data-chain="${variant}"]:not([data-steps]) [data-mark="not-comparable"]`,
    );
    assert.equal((await offMark.textContent())?.trim(), '⚠ off-protocol steps: 2017, 2018');
    assert.equal(await transfer.locator('[data-mark="not-comparable"]').count(), 0);
    await frame.locator('#transfer-legend', { hasText: '⚠ off-protocol steps' }).waitFor();
    await frame.locator('#transfer-legend').scrollIntoViewIfNeeded();
    await wb.screenshot('dashboard-3b-transfer-dark');
    await frame.locator('#app').evaluate(() => window.scrollTo(0, 0));
    await wb.screenshot('dashboard-3-matrices-dark');
  });

  it("builds the variant's matrix from its own lineage only, and names it by its label", async () => {
    const table = frame.locator(
      `table.heatmap[data-chain="${variant}"][data-family="retrieval"][data-metric="mean_recall@1"]`,
    );
    await table.waitFor();
    const expected: [number, string][] = [
      [2016, 'datacomp_medium-basic_cumulative_2016'],
      [2017, 'datacomp_medium-basic_cumulative_2017_lr1e4'],
      [2018, 'datacomp_medium-basic_cumulative_2018_lr1e4'],
    ];
    for (const [step, exp] of expected) {
      const row = retrievalRow(wb.workspace, exp);
      for (const [i, year] of years.entries()) {
        const cell = table.locator(`td[data-row-year="${step}"][data-col-year="${year}"]`);
        assert.equal(Number(await cell.getAttribute('data-value')), row[i], `${exp} × ${year}`);
      }
    }
    // Its 2016 row is the baseline's step (before the fork), and says so; its own rows do not.
    const shared = table.locator('tbody th.inherited');
    assert.equal(await shared.count(), 1);
    assert.match((await shared.getAttribute('title')) ?? '', /^before the fork: the step of .*baseline/);
    assert.match((await shared.textContent()) ?? '', /^2016/);
    const caption = (await table.locator('caption').textContent()) ?? '';
    assert.match(caption, /lr1e4/);
    assert.ok(!caption.includes(variant), caption);
    // The difference pickers and the transfer table show labels too.
    const options = await frame.locator('#diff-a vscode-option').allTextContents();
    assert.ok(
      options.some((o) => /lr1e4/.test(o)) && options.every((o) => !o.includes('@datacomp')),
      options.join(' | '),
    );
    const toggle = frame.locator(`#transfer-table tbody[data-chain="${variant}"] button.disclosure`);
    assert.match((await toggle.textContent()) ?? '', /lr1e4/);
  });

  it("shows the monthly chain's yearly means, and the months of 2020 when that year is chosen", async () => {
    await showTab(frame, 'matrices');
    const table = frame.locator(
      `table.heatmap[data-chain="${monthlyChain}"][data-family="retrieval"][data-metric="mean_recall@1"]`,
    );
    await table.waitFor();
    assert.equal(await table.getAttribute('data-view'), 'years');
    const texts = (locator: ReturnType<Frame['locator']>) => locator.evaluateAll((ts) => ts.map((t) => t.textContent));
    const evalYears = [...years, 2023];
    assert.deepEqual(await texts(table.locator('thead th[data-col-year]')), evalYears.map(String));
    assert.deepEqual(await texts(table.locator('tbody th')), ['2020-01', '2020-02', '2020-03']);
    assert.match((await table.locator('caption').textContent()) ?? '', /the mean of that eval year's months/);
    await frame.locator(`[data-chain="${monthlyChain}"] .monthly-branch`, { hasText: 'cumulative 2019' }).waitFor();
    // By hand: each cell is the mean of that eval year's monthly tasks in the step's eval_results.jsonl.
    for (const month of [202001, 202002]) {
      const byMonth = monthlyRetrieval(wb.workspace, `datacomp_medium-basic_sequential_m${month}`);
      for (const year of evalYears) {
        const values = [...byMonth].filter(([m]) => Math.floor(m / 100) === year).map(([, v]) => v);
        const cell = table.locator(`td[data-row-year="${month}"][data-col-year="${year}"]`);
        assert.equal((await cell.textContent())?.trim(), (mean(values) * 100).toFixed(1), `${month} × ${year}`);
        const region = year < 2020 ? 'backward' : year > 2020 ? 'forward' : 'mixed';
        assert.equal(await cell.getAttribute('data-region'), region, `${month} × ${year}`);
      }
    }
    // 2020-03 was trained but not evaluated: every cell missing, never 0.
    assert.deepEqual(await texts(table.locator('td[data-row-year="202003"]')), Array(10).fill('—'));
    await table.scrollIntoViewIfNeeded();
    await wb.screenshot('dashboard-3c-monthly-yearly-means-dark');

    // Drill down into 2020: its twelve months, the cells of the full month × month matrix.
    await table.locator('thead button[data-drill="2020"]').click();
    const months = frame.locator(`table.heatmap[data-chain="${monthlyChain}"][data-view="2020"]`);
    await months.waitFor();
    const of2020 = Array.from({ length: 12 }, (_, i) => 202001 + i);
    assert.deepEqual(
      await texts(months.locator('thead th[data-col-year]')),
      of2020.map((m) => `2020-${String(m % 100).padStart(2, '0')}`),
    );
    for (const month of [202001, 202002]) {
      const byMonth = monthlyRetrieval(wb.workspace, `datacomp_medium-basic_sequential_m${month}`);
      for (const m of of2020) {
        const cell = months.locator(`td[data-row-year="${month}"][data-col-year="${m}"]`);
        assert.equal(Number(await cell.getAttribute('data-value')), byMonth.get(m), `${month} × ${m}`);
        assert.equal((await cell.textContent())?.trim(), (byMonth.get(m)! * 100).toFixed(1));
        assert.equal(
          await cell.getAttribute('data-region'),
          m === month ? 'id' : m < month ? 'backward' : 'forward',
          `${month} × ${m}`,
        );
      }
    }
    assert.deepEqual(await texts(months.locator('td[data-row-year="202003"]')), Array(12).fill('—'));
    await months.scrollIntoViewIfNeeded();
    await wb.screenshot('dashboard-3d-monthly-2020-dark');
    // …and back to all years.
    await frame.locator(`button.heatmap-back[data-chain="${monthlyChain}"]`).click();
    await frame.locator(`table.heatmap[data-chain="${monthlyChain}"][data-view="years"]`).waitFor();

    // The transfer table lists the monthly chain with its months as steps.
    const steps = frame.locator(`#transfer-table tbody[data-chain="${monthlyChain}"][data-steps] th`);
    assert.deepEqual(await texts(steps), ['2020-01', '2020-02', '2020-03']);
    // ImageNet per step: the months after the years, each in the monthly chain's row.
    const imagenetSteps = await texts(frame.locator('#imagenet-table thead th[colspan]'));
    assert.deepEqual(imagenetSteps.slice(-3), ['2020-01', '2020-02', '2020-03']);
    const top1 = frame.locator(
      `#imagenet-table tr[data-chain="${monthlyChain}"] td[data-step="202001"][data-kind="top1"]`,
    );
    assert.notEqual((await top1.textContent())?.trim(), '—');
  });

  it('exports the loss chart as a PNG at twice its size, transparent on request, and says where it went', async () => {
    await showTab(frame, 'losses');
    const box = frame.locator('#losses-png-transparent');
    await box.click();
    assert.equal(await box.evaluate((b) => (b as unknown as { checked: boolean }).checked), true);
    const cssWidth = await frame.locator('#loss-canvas').evaluate((c) => (c as HTMLCanvasElement).clientWidth);
    await frame.locator('[data-export="losses-png"]').click();
    // The save dialog (code-server's simple file dialog: a path in a quick input) proposes the workspace folder.
    const dialog = wb.page.locator('.quick-input-widget');
    await dialog.waitFor();
    // The dialog shows the folder first and fills in the proposed name a moment later: wait for the name.
    await wb.page
      .waitForFunction(
        () =>
          /tic-losses[^/]*\.png$/.test(
            (document.querySelector('.quick-input-widget input') as HTMLInputElement | null)?.value ?? '',
          ),
        undefined,
        { timeout: 10000 },
      )
      .catch(() => undefined);
    const path = await dialog.locator('input').first().inputValue();
    assert.match(path, /tic-losses[^/]*\.png$/);
    await dialog.locator('input').first().focus();
    await wb.page.keyboard.press('Enter');
    const toast = wb.page.locator('.notification-toast', { hasText: 'Exported tic-losses' }).first();
    await toast.waitFor({ timeout: 20000 });
    await frame.locator('#export-status[data-state="saved"]').waitFor();
    const name = basename(path);
    const png = PNG.sync.read(readFileSync(join(wb.workspace, name)));
    assert.equal(png.width, 2 * cssWidth, 'twice the chart width');
    assert.equal(png.data[3], 0, 'the top-left pixel is transparent');
    await wb.screenshot('dashboard-3b-exported-dark');
    // Reveal in Explorer shows the file there.
    await toast.locator('.monaco-button', { hasText: 'Reveal in Explorer' }).click();
    await wb.page.locator('.explorer-folders-view .monaco-list-row.selected', { hasText: name }).waitFor();
    await wb.openContainer();
  });

  it('updates the loss chart live while a stand-in training run writes its log (Resume from 2019)', async () => {
    await showTab(frame, 'losses');
    const before = (await lossPoints(frame)).total;
    // The TiC Studio side bar is open (the reveal above focused it).
    const step = wb.page.getByRole('treeitem', { name: /^2019, finished/ }).first();
    // A click delivered without its row (the tree just refreshed) ends in the command's picker: the row is chosen there.
    await wb.rowAction(step, 'Resume Training From Year…', 'datacomp_medium-basic_cumulative_2019');
    for (const title of ['strategy', 'GPUs per node', 'experiment name', 'data root']) await wb.accept(title);
    const dialog = wb.page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: 30000 });
    await dialog.locator('.monaco-button', { hasText: 'Launch' }).click();
    // The 2020 step appears and its points arrive while it trains: the total grows more than once.
    const seen = new Set<number>();
    const paints = new Set<string>();
    const deadline = Date.now() + 60000;
    while (Date.now() < deadline && (seen.size < 3 || ![...paints].some((p) => p.startsWith('live-')))) {
      const { total } = await lossPoints(frame);
      if (total > before) seen.add(total);
      paints.add(await frame.evaluate(() => document.body.dataset.lossesPainted ?? ''));
      await wb.page.waitForTimeout(200);
    }
    assert.ok(seen.size >= 3, `the chart total went ${before} → ${[...seen].join(', ')}`);
    // At least one update was painted from the host's push (no request round trip): its paint id is live-N.
    assert.ok(
      [...paints].some((p) => p.startsWith('live-')),
      `paints seen: ${[...paints].join(', ')}`,
    );
    const node = frame.locator(`button.tl-node[data-chain="${cumulative}"][data-year="2020"]`);
    assert.match((await node.getAttribute('data-run')) ?? '', /running|finished/);
    await wb.screenshot('dashboard-4-live-dark');
  });
});

describe('The dashboard in the light theme', () => {
  let wb: Workbench;
  screenshotOnFailure(() => wb);

  before(async function () {
    this.timeout(180000);
    wb = await Workbench.open({ theme: 'light' });
    await wb.page.setViewportSize({ width: 1500, height: 950 });
  });

  after(async () => {
    await wb?.close();
  });

  it('is readable in every tab (screenshots)', async () => {
    const frame = await openDashboard(wb);
    await wb.screenshot('dashboard-5-timeline-light');
    await showTab(frame, 'losses');
    await frame.waitForFunction(
      () => Number(document.querySelector('#loss-canvas')?.getAttribute('data-points')) > 0,
      null,
      {
        timeout: 20000,
      },
    );
    await wb.screenshot('dashboard-6-losses-light');
    await showTab(frame, 'matrices');
    await frame.locator('table.heatmap').first().waitFor();
    await frame.locator('#heat-legend-yearly').waitFor();
    await wb.screenshot('dashboard-7-matrices-light');
  });

  it('is usable in a 1000 px wide window: nothing runs off the side (screenshots)', async () => {
    await wb.page.setViewportSize({ width: 1000, height: 800 });
    const frame = await wb.webviewFrame('#app[data-state="ready"]', 60000);
    for (const tab of ['timeline', 'losses', 'matrices'] as const) {
      await showTab(frame, tab);
      await wb.page.waitForTimeout(300);
      // The page itself never scrolls sideways (a wide table may scroll inside its own box).
      const overflow = await frame.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      assert.ok(overflow <= 1, `the ${tab} tab is ${overflow} px wider than the panel`);
      // Nor is a control or a chart cut off by its section (tables scroll inside their own box).
      const cut = await frame.evaluate(() => {
        const width = document.documentElement.clientWidth;
        return [...document.querySelectorAll('vscode-tab-panel:not([hidden]) :is(.toolbar > *, .control, canvas)')]
          .filter((e) => (e as HTMLElement).offsetParent !== null && e.getBoundingClientRect().right > width + 1)
          .map((e) => `${e.tagName.toLowerCase()}#${e.id || e.className}`);
      });
      assert.deepEqual(cut, [], `cut off in the ${tab} tab`);
      await wb.screenshot(`dashboard-8-${tab}-1000px-light`);
    }
  });
});
