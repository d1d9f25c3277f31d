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

  /** The rows of the Runs view, in order, by accessible name. */
  const runRows = async (): Promise<string[]> =>
    wb.page
      .locator('.pane', { has: wb.page.locator('.pane-header', { hasText: /^Runs/ }) })
      .getByRole('treeitem')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('aria-label') ?? ''));

  it('describes the running run in a few characters that fit the side bar, with its details in the tooltip', async () => {
    const run = wb.page
      .getByRole('treeitem', { name: /^train 2017 cumulative v2 \(simulated\), running.*loss \d/ })
      .first();
    await run.waitFor({ timeout: 30000 });
    assert.equal((await run.locator('.label-name').textContent())?.trim(), '2017 cumulative v2');
    // Epoch of epochs · last loss (· samples per second where the side bar has room for it).
    const description = (await run.locator('.label-description').textContent())?.trim() ?? '';
    assert.match(description, /^E\d+\/\d+ · \d[\d.]*( · [\d.]+[kM]?\/s)?$/);
    const row = run.locator('.monaco-icon-label-container');
    assert.ok(await row.evaluate((e) => e.scrollWidth <= e.clientWidth), `the run's row is cut off: ${description}`);
    const hover = wb.page.locator('.monaco-hover, .workbench-hover', { hasText: 'Training run' }).first();
    for (let attempt = 1; ; attempt++) {
      await wb.page.mouse.move(0, 0);
      await run.hover();
      const shown = await hover.waitFor({ timeout: 5000 }).then(
        () => true,
        () => false,
      );
      if (shown) break;
      if (attempt === 3) await hover.waitFor({ timeout: 5000 });
    }
    const tooltip = (await hover.textContent()) ?? '';
    for (const part of [
      'simulated by the demo stand-in',
      'Running since',
      'datacomp_medium-basic_cumulative_v2_2017',
      'cd ',
    ])
      assert.ok(tooltip.includes(part), `the tooltip does not show ${part}: ${tooltip}`);
    await wb.screenshot('runs-4b-run-tooltip');
    await wb.page.mouse.move(0, 0);
  });

  it("offers the run's actions in its context menu: Copy Command copies it and says so", async () => {
    const run = wb.page.getByRole('treeitem', { name: /^train 2017 cumulative v2 \(simulated\), running/ }).first();
    await run.click({ button: 'right' });
    const menu = wb.page.locator('.context-view');
    await menu.locator('.action-label', { hasText: 'Copy Command' }).waitFor({ timeout: 10000 });
    const items = (await menu.locator('.action-label').allTextContents()).map((t) => t.trim()).filter(Boolean);
    for (const item of ['Stop Run…', 'Show Run Log', 'Open in Dashboard', 'Reveal Output Folder', 'Copy Command'])
      assert.ok(items.includes(item), `the context menu lacks ${item}: ${items.join(', ')}`);
    // Rerun and Remove Record are for runs that ended.
    assert.ok(!items.includes('Rerun…') && !items.includes('Remove Record'), items.join(', '));
    await wb.screenshot('runs-4c-context-menu');
    await wb.page.keyboard.press('Escape');
    await wb.contextMenu(run, 'Copy Command');
    await wb.page
      .locator('.notification-toast', { hasText: 'Copied the command of 2017 cumulative v2' })
      .waitFor({ timeout: 10000 });
  });

  it('opens the run log at its end and follows it as it grows', async () => {
    const run = wb.page.getByRole('treeitem', { name: /^train 2017 cumulative v2 \(simulated\), running/ }).first();
    await wb.contextMenu(run, 'Show Run Log');
    await wb.page.locator('.tabs-container .tab', { hasText: /\.log/ }).first().waitFor({ timeout: 15000 });
    const dir = join(wb.workspace, '.tic-studio/runs');
    const log = join(
      dir,
      readdirSync(dir).find((f) => f.endsWith('.log'))!,
    );
    const lastStep = (): string => {
      const lines = readFileSync(log, 'utf8')
        .split('\n')
        .filter((l) => l.includes('Train Epoch:'));
      return /Train Epoch: \d+ \[\s*\d+\/\d+/.exec(lines.at(-1) ?? '')?.[0]?.replace(/\s+/g, ' ') ?? '?';
    };
    assert.ok(readFileSync(log, 'utf8').split('\n').length > 60, 'the log is longer than a screen');
    const editor = wb.page.locator('.editor-instance .view-lines').last();
    const shows = async (text: string): Promise<boolean> =>
      ((await editor.textContent()) ?? '').replace(/[\s\u00a0]+/g, ' ').includes(text);
    // The step logged last shows, then a later one as the run writes more: the editor follows the tail.
    const first = lastStep();
    for (let i = 0; !(await shows(lastStep())); i++) {
      assert.ok(i < 100, `the editor never showed the log's last step (${lastStep()})`);
      await wb.page.waitForTimeout(200);
    }
    for (let i = 0; lastStep() === first || !(await shows(lastStep())); i++) {
      assert.ok(i < 150, `the editor did not follow the log past ${first}`);
      await wb.page.waitForTimeout(200);
    }
    await wb.screenshot('runs-4d-run-log-tail');
    await wb.runCommand('View: Close All Editors');
  });

  it('asks before Stop, says what is kept, and Cancel keeps the run going', async () => {
    const run = wb.page.getByRole('treeitem', { name: /^train 2017 cumulative v2 \(simulated\), running/ }).first();
    await wb.rowAction(run, 'Stop Run…', 'train 2017 cumulative');
    const dialog = wb.page.locator('.monaco-dialog-box', { hasText: 'Stop 2017 cumulative v2?' });
    await dialog.waitFor({ timeout: 30000 });
    const text = (await dialog.textContent()) ?? '';
    assert.match(text, /Kept: .*the log/);
    assert.match(text, /Lost: /);
    await wb.screenshot('runs-4e-stop-confirmation');
    await dialog.locator('.monaco-button', { hasText: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    process.kill(pidOf(), 0); // still alive (throws otherwise)
    await wb.page
      .getByRole('treeitem', { name: /^train 2017 cumulative v2 \(simulated\), running/ })
      .first()
      .waitFor();
  });

  it('stops the run and leaves no process behind', async () => {
    const run = wb.page.getByRole('treeitem', { name: /^train 2017 cumulative v2 \(simulated\), running/ }).first();
    await wb.rowAction(run, 'Stop Run…', 'train 2017 cumulative');
    const confirm = wb.page.locator('.monaco-dialog-box', { hasText: 'Stop 2017 cumulative v2?' });
    await confirm.waitFor({ timeout: 30000 });
    await confirm.locator('.monaco-button', { hasText: /^Stop$/ }).click();
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

  it('reruns the stopped run as a new attempt, shown first and told apart from the first', async () => {
    const stopped = wb.page.getByRole('treeitem', { name: /^train 2017 cumulative v2 \(simulated\), stopped/ }).first();
    await wb.contextMenu(stopped, 'Rerun…');
    const dialog = wb.page.locator('.monaco-dialog-box', { hasText: 'Run 2017 cumulative v2 again?' });
    await dialog.waitFor({ timeout: 30000 });
    const text = (await dialog.textContent()) ?? '';
    assert.ok(text.includes('As a new attempt, datacomp_medium-basic_cumulative_v2_2017_run2'), text);
    await dialog.locator('.monaco-button', { hasText: 'Rerun' }).click();
    const again = wb.page
      .getByRole('treeitem', { name: /^train 2017 cumulative v2 \(simulated\) \(run 2\), running.*loss \d/ })
      .first();
    await again.waitFor({ timeout: 60000 });
    assert.equal((await again.locator('.label-name').textContent())?.trim(), '2017 cumulative v2 #2');
    // Newest first, whatever the state.
    const rows = await runRows();
    assert.match(rows[0] ?? '', /^train 2017 cumulative v2 \(simulated\) \(run 2\), running/, rows.join('\n'));
    assert.match(rows[1] ?? '', /^train 2017 cumulative v2 \(simulated\), stopped/, rows.join('\n'));
    const row = again.locator('.monaco-icon-label-container');
    assert.ok(await row.evaluate((e) => e.scrollWidth <= e.clientWidth), "the second run's row is cut off");
    assert.ok(existsSync(join(wb.workspace, 'datacomp/results/datacomp_medium-basic_cumulative_v2_2017_run2/out.log')));
    await wb.screenshot('runs-5b-rerun');
    await wb.rowAction(again, 'Stop Run…', 'run 2');
    const confirm = wb.page.locator('.monaco-dialog-box', { hasText: 'Stop 2017 cumulative v2 #2?' });
    await confirm.waitFor({ timeout: 30000 });
    await confirm.locator('.monaco-button', { hasText: /^Stop$/ }).click();
    await wb.page
      .getByRole('treeitem', { name: /^train 2017 cumulative v2 \(simulated\) \(run 2\), stopped/ })
      .first()
      .waitFor({ timeout: 60000 });
  });

  it('removes a record from its context menu, and Clear Finished Runs the rest', async () => {
    const dir = join(wb.workspace, '.tic-studio/runs');
    const recordFiles = () =>
      readdirSync(dir).filter((f) => /^[\w-]+\.json$/.test(f) && !/\.(exit|started)\.json$/.test(f));
    assert.equal(recordFiles().length, 2);
    // Both stopped runs' rows fit the side bar, the second one's label and state included.
    const rows = wb.page
      .locator('.pane', { has: wb.page.locator('.pane-header', { hasText: /^Runs/ }) })
      .locator('.monaco-icon-label-container');
    for (const fits of await rows.evaluateAll((all) => all.map((e) => e.scrollWidth <= e.clientWidth)))
      assert.ok(fits, 'a row of the Runs view is cut off');
    const first = wb.page.getByRole('treeitem', { name: /^train 2017 cumulative v2 \(simulated\), stopped/ }).first();
    await wb.contextMenu(first, 'Remove Record');
    const dialog = wb.page.locator('.monaco-dialog-box', { hasText: 'Remove the record of 2017 cumulative v2?' });
    await dialog.waitFor({ timeout: 30000 });
    await wb.screenshot('runs-5c-remove-record');
    await dialog.locator('.monaco-button', { hasText: 'Remove Record' }).click();
    // The second run is the only one of its step now: it takes the plain label.
    await wb.page
      .getByRole('treeitem', { name: /\(run 2\), stopped/ })
      .first()
      .waitFor({ state: 'detached', timeout: 30000 });
    assert.equal((await runRows()).length, 1, (await runRows()).join('\n'));
    assert.equal(recordFiles().length, 1);
    // The experiment folder stays.
    assert.ok(existsSync(join(wb.workspace, 'datacomp/results/datacomp_medium-basic_cumulative_v2_2017/out.log')));
    const second = wb.page.getByRole('treeitem', { name: /^train 2017 cumulative v2 \(simulated\), stopped/ }).first();
    await second.waitFor({ timeout: 30000 });
    await wb.runCommand('TiC Studio: Clear Finished Runs');
    const clear = wb.page.locator('.monaco-dialog-box', { hasText: 'Remove the record of 1 finished run?' });
    await clear.waitFor({ timeout: 30000 });
    await clear.locator('.monaco-button', { hasText: 'Clear' }).click();
    await second.waitFor({ state: 'detached', timeout: 30000 });
    assert.deepEqual(recordFiles(), []);
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.endsWith('.log')),
      [],
      'the console logs went with their records',
    );
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
      // Asked first like any Stop; the refusal comes after.
      const confirm = wb.page.locator('.monaco-dialog-box', { hasText: 'Stop planted run?' });
      await confirm.waitFor({ timeout: 30000 });
      await confirm.locator('.monaco-button', { hasText: /^Stop$/ }).click();
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
