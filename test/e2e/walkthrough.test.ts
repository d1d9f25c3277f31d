import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Locator } from 'playwright-core';
import { ticClipRepos } from '../../src/tic/ticClipRepos';
import { startLoopbackHub, type LoopbackHub } from '../support/loopbackHub';
import { screenshotOnFailure, Workbench } from './workbench';

/** Real torch bytes, so the downloaded checkpoint can be inspected and resumed from. */
const checkpointBytes = readFileSync(join(__dirname, '../fixtures/checkpoints/epoch_2.pt'));

/**
 * A newcomer's first minutes: an empty folder, no GPU, no settings. The walkthrough leads to a checkout chosen through
 * the folder picker, a published checkpoint downloaded from a (loopback) Hub and inspected, and a first resume, which
 * TiC Studio offers to simulate because this machine has no GPU; each step is ticked off as it happens.
 */
describe('the Get Started walkthrough from an empty folder', () => {
  let hub: LoopbackHub;
  let wb: Workbench;
  screenshotOnFailure(() => wb);
  let cacheDir: string;
  /** The stand-in ml-tic-clip checkout, outside the opened folder: datacomp/train.py and evaluate.py only. */
  let checkout: string;

  before(async function () {
    this.timeout(180000);
    hub = await startLoopbackHub({
      repos: ticClipRepos.map((id) => ({
        id,
        files: [
          { path: 'README.md', content: `# ${id}\n` },
          { path: `checkpoints/${id.endsWith('oracle') ? 2022 : 2016}.pt`, content: checkpointBytes, lfs: true },
        ],
      })),
    });
    cacheDir = mkdtempSync(join(tmpdir(), 'tic-e2e-hf-cache-'));
    wb = await Workbench.open({
      settings: { 'ticStudio.hub.endpoint': hub.url, 'ticStudio.hub.cacheDir': cacheDir },
      // The simulated run needs no more than to start; a stray stand-in ends on its own.
      env: { TIC_STANDIN_MAX_MS: '120000' },
      prepare: (workspace) => {
        checkout = join(workspace, '..', 'ml-tic-clip');
        mkdirSync(join(checkout, 'datacomp'), { recursive: true });
        for (const file of ['train.py', 'evaluate.py'])
          copyFileSync(join(workspace, 'datacomp', file), join(checkout, 'datacomp', file));
        // The folder the user opens is empty: no checkout, no settings, no simulator.
        for (const entry of readdirSync(workspace)) rmSync(join(workspace, entry), { recursive: true, force: true });
      },
    });
  });

  after(async () => {
    await wb?.close();
    await hub?.close();
    rmSync(cacheDir, { recursive: true, force: true });
  });

  const walkthrough = (): Locator => wb.page.locator('.gettingStartedContainer');
  /** The heading of each step's page (media/walkthrough/*.md). */
  const headings: Record<string, string> = {
    chooseCheckout: 'Your ml-tic-clip checkout',
    downloadCheckpoint: 'A published TiC-CLIP checkpoint',
    resume: 'Train the next year from it',
  };
  /**
   * A step's button in the open walkthrough. The step is selected first, and its page (a webview) has loaded: a page
   * that loads after the button was pressed takes the focus, which closes the picker the button opened.
   */
  const stepButton = async (step: string, button: string): Promise<Locator> => {
    await walkthrough().locator(`button.getting-started-step[data-step-id$="#${step}"]`).click();
    const link = walkthrough().locator('.getting-started-step.expanded .monaco-button', { hasText: button });
    await link.waitFor();
    await wb.webviewFrame(`h1:has-text("${headings[step]}")`);
    await wb.page.waitForTimeout(500);
    return link;
  };
  const done = (step: string): Locator => walkthrough().locator(`[data-done-step-id$="#${step}"][aria-checked="true"]`);
  const backToWalkthrough = async (): Promise<void> => {
    await wb.page.locator('.tabs-container .tab', { hasText: 'Welcome' }).first().click();
    await walkthrough().waitFor();
  };

  it('offers the first actions as buttons in the empty Experiments view, and opens the walkthrough', async () => {
    await wb.openContainer();
    const welcome = wb.page.locator('.welcome-view-content', { hasText: 'No ml-tic-clip experiments' }).first();
    await welcome.waitFor({ timeout: 30000 });
    for (const label of ['Choose ml-tic-clip Checkout…', 'Download a Published Checkpoint…', 'Open the Walkthrough'])
      await welcome.locator('.monaco-button', { hasText: label }).waitFor();
    assert.doesNotMatch((await welcome.textContent()) ?? '', /ticStudio\.|--/);
    await wb.screenshot('walkthrough-0-empty-folder-welcome');
    await welcome.locator('.monaco-button', { hasText: 'Open the Walkthrough' }).click();
    await walkthrough().locator('.getting-started-step').first().waitFor({ timeout: 30000 });
    assert.match((await walkthrough().textContent()) ?? '', /Get Started with TiC Studio/);
    // Nothing is done yet in an empty folder.
    assert.equal(await walkthrough().locator('[data-done-step-id][aria-checked="true"]').count(), 0);
    // The walkthrough's own texts fit its column: no step title or description cut off.
    const clipped = await walkthrough()
      .locator('.getting-started-step .step-title, .category-description-container .category-description')
      .evaluateAll((nodes) =>
        nodes
          .filter((n) => n.scrollWidth > n.clientWidth || n.scrollHeight > n.clientHeight + 1)
          .map((n) => n.textContent),
      );
    assert.deepEqual(clipped, []);
    await wb.screenshot('walkthrough-1-opened');
  });

  it('chooses the checkout through the folder picker, which writes the setting and ticks the step', async () => {
    await (await stepButton('chooseCheckout', 'Choose ml-tic-clip Checkout…')).click();
    // code-server's "simple" file dialog: a quick input that takes a typed path once it has filled in its own.
    const input = wb.page.locator('.quick-input-widget input');
    await input.waitFor();
    await wb.page.waitForFunction(() =>
      (document.querySelector('.quick-input-widget input') as HTMLInputElement | null)?.value.startsWith('/'),
    );
    await wb.page.waitForTimeout(300);
    await input.fill(checkout);
    await wb.page.waitForTimeout(500);
    await wb.screenshot('walkthrough-2-folder-picker');
    // Enter on a folder may first open it in the dialog; then Enter again chooses it.
    for (let attempt = 1; await wb.page.locator('.quick-input-widget').isVisible(); attempt++) {
      await wb.page.keyboard.press('Enter');
      await wb.page.waitForTimeout(700);
      if (attempt === 3) await wb.page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
    }
    await done('chooseCheckout').waitFor({ timeout: 30000 });
    const settings = join(wb.workspace, '.vscode', 'settings.json');
    assert.ok(existsSync(settings), 'the checkout is remembered for this folder');
    assert.ok(readFileSync(settings, 'utf8').includes(checkout), readFileSync(settings, 'utf8'));
    await wb.screenshot('walkthrough-3-checkout-chosen');
  });

  it('downloads a published checkpoint from the Hub and inspects it', async () => {
    await (await stepButton('downloadCheckpoint', 'Download a Published Checkpoint…')).click();
    const repoPick = wb.page.locator('.quick-input-widget', { hasText: 'repository' });
    await repoPick.waitFor({ timeout: 30000 });
    await repoPick
      .locator('.quick-input-list .monaco-list-row', { hasText: 'apple/TiC-CLIP-basic-cumulative' })
      .first()
      .click();
    const yearPick = wb.page.locator('.quick-input-widget', { hasText: 'year of' });
    await yearPick.waitFor();
    await yearPick.locator('.quick-input-list .monaco-list-row', { hasText: '2016' }).first().click();
    const toast = wb.page.locator('.notification-toast', { hasText: 'is in the Hugging Face cache' });
    await toast.waitFor({ timeout: 60000 });
    await done('downloadCheckpoint').waitFor({ timeout: 30000 });
    await wb.screenshot('walkthrough-4-downloaded');
    await toast.locator('.monaco-button', { hasText: 'Inspect' }).click();
    const frame = await wb.webviewFrame('#app[data-state="report"]');
    assert.match((await frame.locator('#app').textContent()) ?? '', /tic_fixture/);
    await wb.screenshot('walkthrough-5-inspected');
    await backToWalkthrough();
    await done('inspectCheckpoint').waitFor({ timeout: 30000 });
  });

  it('resumes from it on a machine without a GPU: offers to simulate, then plans and launches a simulated run', async () => {
    await (await stepButton('resume', 'Resume Training From Year…')).click();
    const startPick = wb.page.locator('.quick-input-widget', { hasText: 'Resume Training From Year' });
    await startPick.waitFor({ timeout: 30000 });
    await startPick
      .locator('.quick-input-list .monaco-list-row', { hasText: 'cached on this machine' })
      .first()
      .click();
    // No NVIDIA GPU and no Slurm here: the flow asks before planning a command that could only fail.
    const offer = wb.page.locator('.monaco-dialog-box', { hasText: 'No NVIDIA GPU was found on this machine' });
    await offer.waitFor({ timeout: 30000 });
    await wb.screenshot('walkthrough-6-simulate-offer');
    await offer.locator('.monaco-button', { hasText: 'Simulate' }).click();
    for (const title of ['scale', 'strategy', 'GPUs per node', 'experiment name']) await wb.accept(title);
    // The stand-in data shipped with the extension: nothing to type.
    await wb.page.locator('.quick-input-widget', { hasText: 'data root' }).waitFor();
    assert.match(await wb.page.locator('.quick-input-widget input').inputValue(), /demo\/data\/train$/);
    await wb.accept('data root');
    const dialog = wb.page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: 30000 });
    const text = (await dialog.textContent()) ?? '';
    for (const part of ['--resume', join(checkout, 'datacomp'), 'Simulated'])
      assert.ok(text.includes(part), `the dialog does not show ${part}: ${text}`);
    await wb.screenshot('walkthrough-7-resume-command');
    await dialog.locator('.monaco-button', { hasText: 'Launch' }).click();
    await wb.page
      .getByRole('treeitem', { name: /^train 2017 cumulative/ })
      .first()
      .waitFor({ timeout: 60000 });
    await wb.screenshot('walkthrough-8-simulated-run');
    // The run writes into the chosen checkout's results folder, not into the empty folder.
    const outLog = join(checkout, 'datacomp/results/datacomp_xlarge-basic_cumulative_2017/out.log');
    for (let polls = 0; !existsSync(outLog) && polls < 300; polls++) await wb.page.waitForTimeout(100);
    assert.ok(existsSync(outLog), `${outLog} is missing`);
    assert.ok(!existsSync(join(wb.workspace, 'datacomp')), 'nothing is written into the opened folder but records');
    await backToWalkthrough();
    await done('resume').waitFor({ timeout: 30000 });
  });
});
