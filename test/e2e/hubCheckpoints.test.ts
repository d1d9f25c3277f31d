import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { downloadToCache } from '../../src/hub/downloadToCache';
import { ticClipRepos } from '../../src/tic/ticClipRepos';
import type { Locator } from 'playwright-core';
import { startLoopbackHub, type LoopbackHub, type LoopbackRepoSpec } from '../support/loopbackHub';
import { screenshotOnFailure, Workbench } from './workbench';

/** Real torch bytes, so the downloaded checkpoint can be inspected afterwards. */
const checkpointBytes = readFileSync(join(__dirname, '../fixtures/checkpoints/epoch_2.pt'));

describe('the Checkpoints view against a loopback Hugging Face Hub', () => {
  let hub: LoopbackHub;
  let wb: Workbench;
  screenshotOnFailure(() => wb);
  let cacheDir: string;

  const repos: LoopbackRepoSpec[] = ticClipRepos.map((id) => ({
    id,
    files: [
      { path: 'README.md', content: `# ${id}\n` },
      ...(id.endsWith('oracle')
        ? [2022]
        : id.endsWith('sequential')
          ? [2017, 2018, 2019, 2020, 2021, 2022]
          : [2016, 2017, 2018, 2019, 2020, 2021, 2022]
      ).flatMap((year) => [
        { path: `checkpoints/${year}.pt`, content: checkpointBytes, lfs: true },
        { path: `params/${year}.yaml`, content: `model: ViT-B-16\n` },
      ]),
    ],
  }));
  /** The Hub's port: nothing listens there until the offline test brings the Hub up (as after a reconnect). */
  let port: number;

  before(async function () {
    this.timeout(180000);
    cacheDir = mkdtempSync(join(tmpdir(), 'tic-e2e-hf-cache-'));
    // One year is cached already (by an earlier session), so the offline view has something to show.
    const earlier = await startLoopbackHub({ repos });
    await downloadToCache(
      { repo: 'apple/TiC-CLIP-basic-cumulative', path: 'checkpoints/2018.pt' },
      { endpoint: earlier.url, fetch, cacheDir },
    );
    await earlier.close();
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    wb = await Workbench.open({
      settings: { 'ticStudio.hub.endpoint': `http://127.0.0.1:${port}`, 'ticStudio.hub.cacheDir': cacheDir },
    });
  });

  after(async () => {
    await wb?.close();
    await hub?.close();
    rmSync(cacheDir, { recursive: true, force: true });
  });

  it('offline: one banner, the cached year, actions that help; Retry once the Hub is up lists the remote years', async () => {
    await wb.openContainer();
    const pane = wb.page.locator('.pane').filter({ has: wb.page.locator('.pane-header', { hasText: 'Checkpoints' }) });
    await pane.getByText('Hugging Face Hub unreachable — showing cached checkpoints only.').waitFor({ timeout: 60000 });
    for (const action of ['Retry', 'Use a Mirror…', 'Open Cache Folder'])
      await pane.getByRole('treeitem', { name: action, exact: true }).waitFor();
    // The cached year stays usable; no row repeats the connection's error code.
    await pane.getByRole('treeitem', { name: /^apple\/TiC-CLIP-basic-cumulative, 2018$/ }).click();
    await pane.getByRole('treeitem', { name: /^2018, [\d.]+ [kMG]B · cached/ }).waitFor();
    await pane.getByRole('treeitem', { name: /^apple\/TiC-CLIP-basic-oracle, not cached$/ }).click();
    await pane.getByRole('treeitem', { name: 'Nothing cached yet', exact: true }).waitFor();
    assert.doesNotMatch((await pane.textContent()) ?? '', /ECONNREFUSED|ENOTFOUND|connection failed/);
    await wb.screenshot('hub-0-offline-banner');

    // A Download picker would be empty: it says why instead, with Retry.
    await wb.runCommand('TiC Studio: Download Checkpoint…');
    const toast = wb.page.locator('.notification-toast', { hasText: 'Nothing to download' });
    await toast.waitFor();
    assert.match((await toast.textContent()) ?? '', /cannot be reached/);
    await toast.locator('.monaco-button', { hasText: 'Retry' }).waitFor();
    await wb.screenshot('hub-0b-offline-download');
    await wb.runCommand('Notifications: Clear All Notifications');

    // Use a Mirror… checks the address as it is typed.
    await pane.getByRole('treeitem', { name: 'Use a Mirror…', exact: true }).click();
    const input = wb.page.locator('.quick-input-widget', { hasText: 'Use a Hugging Face Hub Mirror' });
    await input.waitFor();
    await input.locator('input').fill('hf-mirror.example.org');
    await input.locator('.quick-input-message', { hasText: 'is not a URL' }).waitFor();
    await wb.screenshot('hub-0c-mirror-validation');
    await wb.page.keyboard.press('Escape');

    hub = await startLoopbackHub({ repos, port });
    await pane.getByRole('treeitem', { name: 'Retry', exact: true }).click();
    await pane.getByRole('treeitem', { name: /^apple\/TiC-CLIP-basic-oracle, 2022$/ }).waitFor({ timeout: 30000 });
    await pane.getByRole('treeitem', { name: /^2022, [\d.]+ [kMG]B · remote/ }).waitFor();
    assert.equal(await pane.getByText('showing cached checkpoints only').count(), 0);
    assert.equal(await pane.getByRole('treeitem', { name: 'Retry', exact: true }).count(), 0);
    await wb.screenshot('hub-0d-back-online');
    // Back to the walk's starting point: the repos collapsed.
    for (const repo of ['apple/TiC-CLIP-basic-cumulative', 'apple/TiC-CLIP-basic-oracle'])
      await pane.getByRole('treeitem', { name: new RegExp(`^${repo}`) }).click();
  });

  it('lists the six apple/TiC-CLIP repos with their years', async () => {
    await wb.openContainer();
    for (const id of ticClipRepos)
      await wb.page
        .getByRole('treeitem', { name: new RegExp(`^${id}`) })
        .first()
        .waitFor({ timeout: 30000 });
    const cumulative = wb.page.getByRole('treeitem', { name: /^apple\/TiC-CLIP-basic-cumulative/ }).first();
    assert.match((await cumulative.textContent()) ?? '', /2016–2022/);
    await wb.screenshot('hub-1-repos');
  });

  it('downloads a year into the Hugging Face cache layout and inspects it', async () => {
    await wb.page
      .getByRole('treeitem', { name: /^apple\/TiC-CLIP-basic-oracle/ })
      .first()
      .click();
    const year = wb.page.getByRole('treeitem', { name: /^2022/ }).first();
    await year.waitFor();
    assert.match((await year.textContent()) ?? '', /remote/);
    await year.hover();
    await year.locator('.actions [aria-label="Download Checkpoint…"]').click();
    await wb.page
      .getByRole('treeitem', { name: /^2022.*cached/ })
      .first()
      .waitFor({ timeout: 60000 });

    const repoDir = join(cacheDir, 'models--apple--TiC-CLIP-basic-oracle');
    const commit = readFileSync(join(repoDir, 'refs/main'), 'utf8');
    assert.equal(commit, hub.commit('apple/TiC-CLIP-basic-oracle'));
    const sha = hub.file('apple/TiC-CLIP-basic-oracle', 'checkpoints/2022.pt').sha256;
    assert.equal(readlinkSync(join(repoDir, 'snapshots', commit, 'checkpoints/2022.pt')), `../../../blobs/${sha}`);
    assert.ok(existsSync(join(repoDir, 'blobs', sha)));
    await wb.screenshot('hub-2-cached');

    await wb.page
      .getByRole('treeitem', { name: /^2022.*cached/ })
      .first()
      .click();
    const frame = await wb.webviewFrame('#app[data-state="report"]');
    assert.match((await frame.locator('#app').textContent()) ?? '', /tic_fixture/);
    await wb.screenshot('hub-3-inspect');
  });

  it('resumes from a published checkpoint: downloads it, plans --new_run --resume <the cached file> at a ViT-B-16 scale, launches', async () => {
    const repoRow = wb.page.getByRole('treeitem', { name: /^apple\/TiC-CLIP-bestpool-cumulative/ }).first();
    await repoRow.click();
    // The only remote 2016 on screen (the Experiments view's steps read "2016, finished").
    const year = wb.page.getByRole('treeitem', { name: /^2016, [\d.]+ [kMG]B · remote/ }).first();
    await year.waitFor();
    assert.match((await year.textContent()) ?? '', /remote/);
    await wb.contextMenu(year, 'Resume Training From Year…');
    // Not cached yet: it is downloaded first (with the download's own progress), then the plan goes on.
    const repoDir = join(cacheDir, 'models--apple--TiC-CLIP-bestpool-cumulative');
    const picker = wb.page.locator('.quick-input-widget', { hasText: 'scale' });
    await picker.waitFor({ timeout: 60000 });
    const cached = join(repoDir, 'snapshots', hub.commit('apple/TiC-CLIP-bestpool-cumulative'), 'checkpoints/2016.pt');
    assert.ok(existsSync(cached), 'the checkpoint is in the Hugging Face cache before the plan');
    // 1 scale: only the ViT-B-16 scales, and why tic_medium is not one of them.
    const rows = (await picker.locator('.quick-input-list .monaco-list-row').allTextContents()).map((t) => t.trim());
    assert.match(rows[0] ?? '', /^tic_xlarge\s*ViT-B-16/);
    assert.match(rows[1] ?? '', /^tic_large\s*ViT-B-16/);
    const medium = rows.find((t) => t.includes('tic_medium')) ?? '';
    assert.match(medium, /trains ViT-B-32/);
    assert.match(medium, /model card's example/);
    assert.ok(
      rows.some((t) => /cannot continue a ViT-B-16 checkpoint/.test(t)),
      rows.join(' | '),
    );
    await wb.screenshot('hub-4-resume-scale');
    await wb.accept('scale');
    // 2 strategy (the repo's), 3 GPUs: the defaults.
    const input = wb.page.locator('.quick-input-widget input');
    await wb.page.locator('.quick-input-widget', { hasText: 'strategy' }).waitFor();
    assert.match(
      (await wb.page.locator('.quick-input-widget .quick-input-list .monaco-list-row').first().textContent()) ?? '',
      /cumulative.*as published/,
    );
    await wb.accept('strategy');
    await wb.accept('GPUs per node');
    await wb.page.locator('.quick-input-widget', { hasText: 'experiment name' }).waitFor();
    assert.equal(await input.inputValue(), 'datacomp_xlarge-bestpool_cumulative_2017');
    await wb.accept('experiment name');
    await wb.accept('data root');
    const dialog = wb.page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: 30000 });
    const text = (await dialog.textContent()) ?? '';
    for (const part of [
      '--scale tic_xlarge',
      '--new_run',
      `--resume ${cached}`,
      '--exp_name datacomp_xlarge-bestpool_cumulative_2017',
      'train/2017/::',
      'from apple/TiC-CLIP-bestpool-cumulative 2016',
      'Simulated',
    ]) {
      assert.ok(text.includes(part), `the dialog does not show ${part}: ${text}`);
    }
    await wb.screenshot('hub-5-resume-command');
    await dialog.locator('.monaco-button', { hasText: 'Launch' }).click();
    await wb.page
      .getByRole('treeitem', { name: /^train 2017 cumulative \(simulated\)/ })
      .first()
      .waitFor({ timeout: 60000 });
    await wb.screenshot('hub-6-resume-running');
    assert.ok(
      existsSync(join(wb.workspace, 'datacomp/results/datacomp_xlarge-bestpool_cumulative_2017/out.log')),
      'the run writes into the workspace results folder',
    );
    // The Experiments view: a lineage rooted at the published checkpoint, its first row saying so, then the new step.
    // The new lineage is the last of the Experiments view: scroll down to it, as a user would.
    const experiments = wb.page
      .locator('.pane')
      .filter({ has: wb.page.locator('.pane-header', { hasText: 'Experiments' }) })
      .locator('.monaco-list')
      .first();
    const chain = experiments.getByRole('treeitem', { name: /bestpool · xlarge · on published 2016/ }).first();
    const scrollUntil = async (row: Locator): Promise<void> => {
      for (let attempt = 1; !(await row.isVisible()); attempt++) {
        await experiments.hover();
        await wb.page.mouse.wheel(0, 400);
        if (attempt === 20) await row.waitFor({ timeout: 30000 });
        else await row.waitFor({ timeout: 1000 }).catch(() => undefined);
      }
    };
    await scrollUntil(chain);
    // Rows are recycled, so the DOM order is not the screen order: data-index is.
    const index = Number(await chain.getAttribute('data-index'));
    const rowAt = (i: number): Locator => experiments.locator(`.monaco-list-row[data-index="${i}"]`);
    await scrollUntil(rowAt(index + 2));
    assert.match((await rowAt(index + 1).textContent()) ?? '', /^2016: published checkpoint/);
    assert.match((await rowAt(index + 2).textContent()) ?? '', /^2017/);
    await wb.screenshot('hub-7-published-lineage');
  });

  it('asks for a variant name when the published checkpoint already continues as an experiment', async () => {
    const year = wb.page.getByRole('treeitem', { name: /^2016, [\d.]+ [kMG]B · cached/ }).first();
    await wb.contextMenu(year, 'Resume Training From Year…');
    for (const title of ['scale', 'strategy', 'GPUs per node']) await wb.accept(title);
    const prompt = wb.page.locator('.quick-input-widget', { hasText: 'variant name' });
    await prompt.waitFor();
    const input = wb.page.locator('.quick-input-widget input');
    assert.equal(await input.inputValue(), 'v2');
    assert.match(
      (await prompt.textContent()) ?? '',
      /This checkpoint already continues as datacomp_xlarge-bestpool_cumulative_2017\. A new run from it starts another variant/,
    );
    // Checked as typed: an underscore would split the experiment name.
    await input.fill('lr_1e4');
    await prompt.locator('.quick-input-message', { hasText: 'underscores' }).waitFor();
    await input.fill('lr1e-4');
    await prompt
      .locator('.quick-input-message', { hasText: 'datacomp_xlarge-bestpool_cumulative_lr1e-4_2017' })
      .waitFor();
    await wb.screenshot('hub-8-variant-name');
    await wb.accept('variant name');
    await wb.page.locator('.quick-input-widget', { hasText: 'experiment name' }).waitFor();
    assert.equal(await input.inputValue(), 'datacomp_xlarge-bestpool_cumulative_lr1e-4_2017');
    await wb.accept('experiment name');
    await wb.accept('data root');
    const dialog = wb.page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: 30000 });
    assert.ok(
      ((await dialog.textContent()) ?? '').includes('--exp_name datacomp_xlarge-bestpool_cumulative_lr1e-4_2017'),
    );
    await dialog.locator('.monaco-button', { hasText: 'Cancel' }).click();
  });

  it("evaluates a lineage's published step from the dashboard timeline: the cached checkpoint, not a dead end", async () => {
    await wb.runCommand('TiC Studio: Open Dashboard');
    const frame = await wb.webviewFrame('#app[data-snapshot="ready"]', 60000);
    const evaluate = frame.locator(
      'vscode-button.tl-evaluate[data-chain="tic_xlarge/bestpool/cumulative"][data-year="2016"]',
    );
    await evaluate.waitFor({ timeout: 30000 });
    await wb.screenshot('hub-9-published-step-on-timeline');
    await evaluate.click();
    // The evaluation flow of the cached apple/TiC-CLIP-bestpool-cumulative 2016.pt asks where its eval data is.
    await wb.page.locator('.quick-input-widget', { hasText: 'eval data root' }).waitFor({ timeout: 30000 });
    await wb.screenshot('hub-10-evaluate-published');
    await wb.page.keyboard.press('Escape');
  });
});
