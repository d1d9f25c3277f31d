import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readProcessIdentity } from '../../src/runs/local/processTree';
import { plantRunRecord } from '../support/plantedRunRecord';
import { screenshotOnFailure, Workbench } from './workbench';

/** The heart of TiC Studio on the demo: Resume from 2016 → a simulated 2017 run with a live loss → Stop. */
describe('Resume from 2016 in the demo workspace (simulated trainer)', () => {
  let wb: Workbench;
  screenshotOnFailure(() => wb);

  before(async function () {
    this.timeout(180000);
    wb = await Workbench.open();
  });

  after(async () => {
    await wb?.close();
  });

  /** The run's own process, from the record TiC Studio keeps in .tic-studio/runs/. */
  const pidOf = (): number => {
    const dir = join(wb.workspace, '.tic-studio/runs');
    const record = readdirSync(dir).find(
      (f) => f.endsWith('.json') && !f.endsWith('.exit.json') && !f.endsWith('.started.json'),
    );
    return (JSON.parse(readFileSync(join(dir, record!), 'utf8')) as { pid: number }).pid;
  };

  it('shows the demo chains and their years in the Experiments view', async () => {
    await wb.openContainer();
    await wb.page
      .getByRole('treeitem', { name: /^cumulative chain/ })
      .first()
      .waitFor({ timeout: 30000 });
    await wb.page
      .getByRole('treeitem', { name: /^sequential chain/ })
      .first()
      .waitFor();
    await wb.page
      .getByRole('treeitem', { name: /^2016, finished/ })
      .first()
      .waitFor();
    // The demo's lr 1e-4 run forks the cumulative chain at 2016: two variants, the shared 2016 shown once.
    await wb.page
      .getByRole('treeitem', { name: /^variant baseline of tic_medium\/basic\/cumulative, 2016–2019/ })
      .waitFor();
    await wb.page
      .getByRole('treeitem', { name: /^variant lr1e4 of tic_medium\/basic\/cumulative, from 2016 · 2017–2018/ })
      .waitFor();
    await wb.page.getByRole('treeitem', { name: /forked from baseline after 2016/ }).waitFor();
    await wb.screenshot('runs-1-experiments');
  });

  it('renames a variant from its row, keeps the name in the workspace, and an empty name brings back the derived one', async () => {
    const rename = async (row: RegExp, variant: string, name: string): Promise<void> => {
      // A click VS Code delivers without its row (the tree was just refreshed) ends in the command's picker.
      await wb.rowAction(wb.page.getByRole('treeitem', { name: row }), 'Rename Variant…', variant);
      const box = wb.page.locator('.quick-input-widget', { hasText: 'Rename the variant' });
      await box.waitFor();
      await box.locator('input').fill(name);
      await wb.page.keyboard.press('Enter');
    };
    const stored = (): unknown =>
      JSON.parse(readFileSync(join(wb.workspace, '.tic-studio/variants.json'), 'utf8')) as unknown;
    const key = 'tic_medium/basic/cumulative@datacomp_medium-basic_cumulative_2017_lr1e4';

    await rename(/^variant lr1e4 of tic_medium\/basic\/cumulative/, 'lr1e4', 'low lr');
    await wb.page.getByRole('treeitem', { name: /^variant low lr of tic_medium\/basic\/cumulative/ }).waitFor();
    assert.deepEqual(stored(), { version: 1, names: { [key]: 'low lr' } });
    await wb.screenshot('runs-1c-renamed-variant');

    await rename(/^variant low lr of tic_medium\/basic\/cumulative/, 'low lr', '');
    await wb.page.getByRole('treeitem', { name: /^variant lr1e4 of tic_medium\/basic\/cumulative/ }).waitFor();
    assert.deepEqual(stored(), { version: 1, names: {} });
  });

  it("marks each step against the paper's protocol, and the hover lists the deviations", async () => {
    // The baseline's steps are protocol-exact; the lr1e4 variant trained at lr 1e-4 (demo/generate.py) where
    // tic_medium's is 5e-4: one deviation per step.
    const exact = wb.page.getByRole('treeitem', { name: /^2016, finished · evaluated, comparable: trained under/ });
    await exact.first().waitFor({ timeout: 30000 });
    assert.equal((await exact.first().locator('.label-description').textContent())?.trim(), '✓ protocol');
    const off = wb.page.getByRole('treeitem', {
      name: /^2017, finished · evaluated, not comparable to the paper: 1 deviation from its protocol/,
    });
    await off.first().waitFor();
    const description = off.first().locator('.label-description');
    assert.equal((await description.textContent())?.trim(), '⚠ 1 deviation');
    // The whole description fits the side bar (no ellipsis).
    const row = off.first().locator('.monaco-icon-label-container');
    assert.ok(await row.evaluate((e) => e.scrollWidth <= e.clientWidth), 'the step description is cut off');
    // A tree refresh (the rescan after the rename above, the protocol check after it) replaces the hovered row and
    // its pending hover: move away and hover again, as a user would.
    const hover = wb.page
      .locator('.monaco-hover, .workbench-hover', { hasText: '✗ learning rate: 0.0001; expected 0.0005 (tic_medium)' })
      .first();
    for (let attempt = 1; ; attempt++) {
      await wb.page.mouse.move(0, 0);
      await off.first().hover();
      const shown = await hover.waitFor({ timeout: 5000 }).then(
        () => true,
        () => false,
      );
      if (shown) break;
      if (attempt === 3) await hover.waitFor({ timeout: 5000 });
    }
    await wb.screenshot('runs-1b-protocol-hover');
    await wb.page.mouse.move(0, 0);
  });

  it('plans the 2017 step from the 2016 checkpoint, shows the command and launches it', async () => {
    const step = wb.page.getByRole('treeitem', { name: /^2016, finished/ }).first();
    // A click delivered without its row (the tree just refreshed) ends in the command's picker: the row is chosen there.
    await wb.rowAction(step, 'Resume Training From Year…', 'datacomp_medium-basic_cumulative_2016');
    const input = wb.page.locator('.quick-input-widget input');
    // 1 strategy, 2 GPUs: take the defaults (the chain's strategy, the previous step's GPU count).
    for (const title of ['strategy', 'GPUs per node']) await wb.accept(title);
    // 3 variant name: the 2016 step already continues as the demo's cumulative 2017 (and its lr1e4 variant), so
    // this launch is another variant, named on purpose; a free name is proposed.
    await wb.page.locator('.quick-input-widget', { hasText: 'variant name' }).waitFor();
    assert.equal(await input.inputValue(), 'v2');
    await wb.accept('variant name');
    // 4 experiment name: the variant's own, so nothing exists under it (no §1.4 trap, no _run2).
    await wb.page.locator('.quick-input-widget', { hasText: 'experiment name' }).waitFor();
    assert.equal(await input.inputValue(), 'datacomp_medium-basic_cumulative_v2_2017');
    await wb.accept('experiment name');
    await wb.page.locator('.quick-input-widget', { hasText: 'data root' }).waitFor();
    assert.equal(await input.inputValue(), join(wb.workspace, 'data/train'));
    await wb.accept('data root');
    const dialog = wb.page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: 30000 });
    const text = (await dialog.textContent()) ?? '';
    for (const part of [
      'torchrun --nproc_per_node 8 --nnodes 1 train.py --scale tic_medium',
      '--new_run',
      '--resume',
      '--exp_name datacomp_medium-basic_cumulative_v2_2017',
      'train/2017/::',
      'train/2014/ ',
      'Simulated',
    ]) {
      assert.ok(text.includes(part), `the dialog does not show ${part}: ${text}`);
    }
    await wb.screenshot('runs-2-command');
    await dialog.locator('.monaco-button', { hasText: 'Launch' }).click();
    const run = wb.page
      .getByRole('treeitem', { name: /^train 2017 cumulative v2 \(simulated\), running.*loss \d/ })
      .first();
    await run.waitFor({ timeout: 60000 });
    await wb.screenshot('runs-3-running');
  });

  it('survives a window reload: the new extension host re-attaches and follows it', async () => {
    const pid = pidOf();
    await wb.page.reload();
    await wb.page.locator('.monaco-workbench').waitFor({ timeout: 60000 });
    await wb.openContainer();
    const run = wb.page
      .getByRole('treeitem', { name: /^train 2017 cumulative v2 \(simulated\), running.*loss \d/ })
      .first();
    await run.waitFor({ timeout: 60000 });
    assert.equal(pidOf(), pid);
    process.kill(pid, 0); // still alive (throws otherwise)
    await wb.screenshot('runs-4-after-reload');
  });

  it('stops the run and leaves no process behind', async () => {
    const run = wb.page.getByRole('treeitem', { name: /^train 2017 cumulative v2 \(simulated\), running/ }).first();
    await wb.rowAction(run, 'Stop Run…', 'train 2017 cumulative');
    await wb.page
      .getByRole('treeitem', { name: /^train 2017 cumulative v2 \(simulated\), stopped/ })
      .first()
      .waitFor({ timeout: 60000 });
    const files = readdirSync(join(wb.workspace, '.tic-studio/runs'));
    const records = files.filter(
      (f) => f.endsWith('.json') && !f.endsWith('.exit.json') && !f.endsWith('.started.json'),
    );
    assert.equal(records.length, 1, files.join(', '));
    assert.ok(existsSync(join(wb.workspace, 'datacomp/results/datacomp_medium-basic_cumulative_v2_2017/out.log')));
    // The record names the parent checkpoint and its sha256.
    const record = JSON.parse(readFileSync(join(wb.workspace, '.tic-studio/runs', records[0]!), 'utf8')) as {
      parentCheckpoint?: { path: string; sha256: string };
    };
    const parent = join(
      wb.workspace,
      'datacomp/results/datacomp_medium-basic_cumulative_2016/checkpoints/epoch_latest.pt',
    );
    assert.equal(record.parentCheckpoint?.path, parent);
    assert.equal(record.parentCheckpoint?.sha256, createHash('sha256').update(readFileSync(parent)).digest('hex'));
    assert.throws(() => process.kill(pidOf(), 0), 'the stopped run is gone');
    await wb.screenshot('runs-5-stopped');
  });

  it('refuses to stop a planted record that names a process TiC Studio never started, and says why', async () => {
    // A process of the user's (the test's), leading its own group, and a well-formed record naming it with its real
    // start time and boot id: what anyone who can write the workspace could commit.
    const victim = spawn('sleep', ['120'], { detached: true, stdio: 'ignore' });
    try {
      await new Promise<void>((resolve, reject) => victim.once('spawn', resolve).once('error', reject));
      const identity = await readProcessIdentity(victim.pid!);
      assert.ok(identity, 'the victim runs');
      plantRunRecord(wb.workspace, '20261207-120000-train-a1b2c3', identity);
      // A record written behind the window's back shows once the views are refreshed (or the window reloaded).
      await wb.runCommand('TiC Studio: Refresh');
      const row = wb.page.getByRole('treeitem', { name: /^planted run, running/ }).first();
      await row.waitFor({ timeout: 30000 });
      await wb.rowAction(row, 'Stop Run…', 'planted run');
      const toast = wb.page.locator('.notification-toast', { hasText: 'Did not stop planted run' });
      await toast.waitFor({ timeout: 30000 });
      assert.match((await toast.textContent()) ?? '', /cannot prove it started this run, so it signalled nothing/);
      await wb.screenshot('runs-6-planted-refused');
      // "Why?" opens the trust model, which ships in the .vsix.
      await toast.locator('.monaco-button', { hasText: 'Why?' }).click();
      await wb.page.locator('.tabs-container .tab', { hasText: 'security.md' }).first().waitFor({ timeout: 30000 });
      // The markdown preview is a webview: its heading shows once the built-in markdown extension has rendered it.
      const preview = await wb.webviewFrame('h2:has-text("Stopping a run: proof of ownership")', 60000);
      assert.ok(preview);
      await wb.screenshot('runs-7-trust-model');
      process.kill(victim.pid!, 0); // still alive (throws otherwise)
    } finally {
      victim.kill('SIGKILL');
    }
  });
});
