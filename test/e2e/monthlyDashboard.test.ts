import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Frame } from 'playwright-core';
import { screenshotOnFailure, Workbench } from './workbench';

const cumulative = 'tic_medium/basic/cumulative';
/** The demo's sequential monthly chain, branched off cumulative 2019 (demo/generate.py): 2020-01…2020-03. */
const monthly = 'tic_medium/basic/sequential/monthly';
const months = [202001, 202002, 202003];
/** A month written as a bare YYYYMM number (202001) anywhere in the text people read. */
const rawMonth = /\b20[12]\d(0[1-9]|1[0-2])\b/;

function trainLines(path: string): number {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.includes('| Train Epoch: ')).length;
}

async function showTab(frame: Frame, tab: 'timeline' | 'losses'): Promise<void> {
  await frame.locator(`vscode-tab-header[data-tab="${tab}"]`).click();
  await frame.locator(`vscode-tab-panel[data-tab="${tab}"]`).waitFor({ state: 'visible' });
}

describe("The dashboard shows the demo's monthly chain: a month axis on the timeline, its losses (dark theme)", () => {
  let wb: Workbench;
  let frame: Frame;
  screenshotOnFailure(() => wb);

  before(async function () {
    this.timeout(180000);
    wb = await Workbench.open();
    await wb.page.setViewportSize({ width: 1500, height: 950 });
  });

  after(async () => {
    await wb?.close();
  });

  it('draws the monthly chain as a lane of three months under the yearly lanes, branched off cumulative 2019', async () => {
    await wb.openContainer();
    await wb.page
      .getByRole('treeitem', { name: /^cumulative chain/ })
      .first()
      .waitFor({ timeout: 30000 });
    await wb.runCommand('TiC Studio: Open Dashboard');
    frame = await wb.webviewFrame('#app[data-snapshot="ready"] .tl-months', 60000);
    await showTab(frame, 'timeline');
    const node = (month: number) => frame.locator(`button.tl-node[data-chain="${monthly}"][data-year="${month}"]`);
    for (const m of months) await node(m).waitFor();
    assert.deepEqual(
      await Promise.all(months.map(async (m) => (await node(m).locator('.tl-node-year').textContent())?.trim())),
      ['2020-01', '2020-02', '2020-03'],
    );
    // The same states as a yearly step: 2020-01 and 02 evaluated, 2020-03 trained but not evaluated (it offers one).
    assert.deepEqual(await Promise.all(months.map((m) => node(m).getAttribute('data-evaluation'))), [
      'done',
      'done',
      'missing',
    ]);
    assert.equal(await node(202003).getAttribute('data-run'), 'finished');
    await frame.locator(`vscode-button.tl-evaluate[data-chain="${monthly}"][data-year="202003"]`).waitFor();
    assert.match((await node(202001).getAttribute('aria-label')) ?? '', /step 2020-01: trained, checkpoint local/);

    // The yearly lanes are the same three as without monthly chains; the monthly lane has its own label.
    const yearlyLanes = await frame
      .locator('.tl-lane-label[data-chain]')
      .evaluateAll((ls) => ls.map((l) => l.getAttribute('data-chain')));
    assert.equal(yearlyLanes.length, 3);
    const lane = frame.locator(`.tl-month-lane[data-month-chain="${monthly}"]`);
    // The host's label for the chain (its words are the workspace model's business): sequential, monthly.
    const laneName = (await lane.locator('.tl-lane-name').textContent())?.trim() ?? '';
    assert.match(laneName, /^tic_medium\/basic\/sequential\b.*monthly/);
    const branch = lane.locator('.tl-lane-branch');
    assert.match((await branch.textContent()) ?? '', /^branched off cumulative 2019/);
    for (const part of [lane.locator('.tl-lane-name'), branch])
      assert.ok(await part.evaluate((e) => e.scrollWidth <= e.clientWidth), 'the monthly lane label is cut off');

    // Opened on the chain's months and some context; no gap in that stretch.
    assert.equal(await frame.locator('#tl-months-range').textContent(), '2019-10 – 2020-06 (9 of 112 months)');
    assert.equal(await frame.locator('.tl-month-gap').count(), 0);
    // The branch connector runs from the cumulative 2019 node into the 2020-01 node.
    await frame
      .locator(`path.tl-branch[data-from="${cumulative}"][data-to="${monthly}"]`)
      .waitFor({ state: 'attached' });
    // Measured in the webview: where the path starts and ends against the two nodes' boxes.
    const g = await frame.evaluate(
      ([parent, child]) => {
        // No named inner functions here: the test's transpiler would wrap them in a helper the page lacks.
        const path = document.querySelector(
          `path.tl-branch[data-from="${parent}"][data-to="${child}"]`,
        ) as SVGPathElement;
        const svg = path.ownerSVGElement!.getBoundingClientRect();
        const [start, end] = [0, path.getTotalLength()]
          .map((length) => path.getPointAtLength(length))
          .map((p) => ({ x: svg.left + p.x, y: svg.top + p.y }));
        const [from, to] = [
          `button.tl-node[data-chain="${parent}"][data-year="2019"]`,
          `button.tl-node[data-chain="${child}"][data-year="202001"]`,
        ]
          .map((sel) => document.querySelector(sel)!.getBoundingClientRect())
          .map((r) => ({ left: r.left, right: r.right, top: r.top, bottom: r.bottom }));
        return { start: start!, end: end!, from: from!, to: to! };
      },
      [cumulative, monthly],
    );
    assert.ok(
      Math.abs(g.start.x - g.from.right) < 2,
      `connector starts at x ${g.start.x}, 2019 ends at ${g.from.right}`,
    );
    assert.ok(
      Math.abs(g.start.y - (g.from.top + g.from.bottom) / 2) < 2,
      `connector starts at y ${g.start.y}, 2019 spans ${g.from.top}…${g.from.bottom}`,
    );
    assert.ok(g.end.x > g.to.left && g.end.x < g.to.right, `connector ends at x ${g.end.x}, 2020-01 at ${g.to.left}`);
    assert.ok(Math.abs(g.end.y - g.to.top) < 8, `connector ends at y ${g.end.y}, 2020-01 starts at ${g.to.top}`);
    // The words of the month section: months for people, never YYYYMM.
    const words = await frame.locator('.tl-months').innerText();
    assert.ok(!rawMonth.test(words), words);
    await frame.locator('.tl-months').scrollIntoViewIfNeeded();
    await wb.screenshot('monthly-1-timeline-dark');
  });

  it('shows every month with the gaps marked, and fits the chain again', async () => {
    await frame.locator('#tl-months-all').click();
    await frame.locator('#tl-months-range', { hasText: '2014-03 – 2023-06 (112 of 112 months)' }).waitFor();
    // The ten months without TiC data, in six bands, each saying so; a gap month is never a step.
    const gaps = await frame
      .locator('.tl-month-gap')
      .evaluateAll((bands) => bands.map((b) => b.getAttribute('data-months')));
    assert.deepEqual(gaps, [
      '2014-05 2014-06',
      '2015-09',
      '2015-12 2016-01',
      '2016-03',
      '2016-11',
      '2022-02 2022-03 2022-04',
    ]);
    assert.match(
      (await frame.locator('.tl-month-gap').last().getAttribute('title')) ?? '',
      /^2022-02 – 2022-04: no TiC-DataComp data/,
    );
    assert.equal(await frame.locator('.tl-month.gap').count(), 10);
    // Dense: the years are labelled, every one of them.
    assert.deepEqual(await frame.locator('.tl-month-year').evaluateAll((ys) => ys.map((y) => y.textContent)), [
      '2014',
      '2015',
      '2016',
      '2017',
      '2018',
      '2019',
      '2020',
      '2021',
      '2022',
      '2023',
    ]);
    for (const m of months)
      await frame.locator(`button.tl-node.dense[data-chain="${monthly}"][data-year="${m}"]`).waitFor();
    // The whole axis fits the panel: no sideways scrolling.
    assert.ok(
      await frame.locator('.timeline-body').evaluate((e) => e.scrollWidth <= e.clientWidth + 1),
      'the month axis overflows the timeline',
    );
    await frame.locator('.tl-months').scrollIntoViewIfNeeded();
    await wb.screenshot('monthly-2-all-months-dark');
    await frame.locator('#tl-months-fit').click();
    await frame.locator('#tl-months-range', { hasText: '2019-10 – 2020-06 (9 of 112 months)' }).waitFor();
  });

  it("plots the monthly chain's losses stitched over its months, markers labelled 2020-01…", async () => {
    await showTab(frame, 'losses');
    const box = frame.locator(`#loss-chains vscode-checkbox[data-chain="${monthly}"]`);
    await box.waitFor();
    assert.match((await box.textContent())?.trim() ?? '', /^tic_medium\/basic\/sequential\b.*monthly/);
    // Only the monthly chain, so the total is its own: the train lines of its three months' logs.
    for (const b of await frame.locator('#loss-chains vscode-checkbox[data-chain]').all()) {
      const chain = await b.getAttribute('data-chain');
      const checked = await b.evaluate((e) => (e as unknown as { checked: boolean }).checked);
      if ((chain === monthly) !== checked) await b.click();
    }
    const expected = months.reduce(
      (n, m) => n + trainLines(join(wb.workspace, `datacomp/results/datacomp_medium-basic_sequential_m${m}/out.log`)),
      0,
    );
    assert.ok(expected > 0);
    await frame.waitForFunction(
      (n) => Number(document.querySelector('#loss-canvas')?.getAttribute('data-total')) === n,
      expected,
      { timeout: 30000 },
    );
    const title = (await frame.locator('#loss-canvas').getAttribute('aria-label')) ?? '';
    assert.match(title, /training steps start at 2020-01, 2020-02, 2020-03/);
    assert.ok(!rawMonth.test(title), title);
    // The readout names the month under the pointer.
    const canvas = frame.locator('#loss-canvas');
    const r = (await canvas.boundingBox())!;
    await canvas.hover({ position: { x: r.width * 0.6, y: r.height / 2 } });
    const readout = frame.locator('#loss-readout');
    await readout.waitFor({ state: 'visible' });
    const text = (await readout.textContent()) ?? '';
    assert.match(text, /step 2020-0[123]/);
    assert.ok(!rawMonth.test(text), text);
    await wb.screenshot('monthly-3-losses-dark');
  });
});
