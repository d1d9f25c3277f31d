import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { localSlurmOrSkipReason, type LocalSlurm } from '../support/localSlurm';
import { screenshotOnFailure, Workbench } from './workbench';

/**
 * Resume from 2016 on a real one-node Slurm (started for this test): "Where: Slurm cluster", the sbatch script
 * shown before submission, the job's states in the Runs view, and Stop cancelling a job.
 */
describe('Resume from 2016 on Slurm in the demo workspace (real slurmctld + slurmd, simulated trainer)', () => {
  let wb: Workbench;
  let cluster: LocalSlurm | undefined;
  screenshotOnFailure(() => wb);

  before(async function () {
    this.timeout(240000);
    const started = await localSlurmOrSkipReason();
    if (typeof started === 'string') {
      console.log(`      skipped: ${started}`);
      this.skip();
    }
    cluster = started;
    wb = await Workbench.open({
      // The extension host (and so sbatch/squeue) talks to this cluster; the stand-in trains 2 short epochs.
      env: { ...cluster.env, TIC_STANDIN_STEP_MS: '250', TIC_STANDIN_STEPS_PER_EPOCH: '12', TIC_STANDIN_EPOCHS: '2' },
      settings: {
        'ticStudio.slurm.gpusPerNode': 0,
        'ticStudio.slurm.pollSeconds': 1,
        'ticStudio.slurm.maxPollSeconds': 2,
      },
    });
  });

  after(async () => {
    await wb?.close();
    await cluster?.stop();
  });

  const slurmEnv = () => ({ ...process.env, ...cluster!.env });

  /** Drags the side bar wider, so the Runs rows show their Slurm job and state in the screenshots. */
  async function widenSideBar(): Promise<void> {
    const box = await wb.page.locator('#workbench\\.parts\\.sidebar').boundingBox();
    if (!box) return;
    const y = box.y + box.height / 2;
    await wb.page.mouse.move(box.x + box.width + 2, y);
    await wb.page.mouse.down();
    await wb.page.mouse.move(box.x + 760, y, { steps: 8 });
    await wb.page.mouse.up();
  }

  /** A job that holds every CPU of the node, so the next one waits in the queue (PENDING, Resources). */
  function occupyNode(seconds: number): string {
    const script = join(tmpdir(), `tic-e2e-blocker-${process.pid}.sh`);
    writeFileSync(script, `#!/bin/bash\nsleep ${seconds}\n`);
    const r = spawnSync('sbatch', ['--parsable', `--cpus-per-task=${cpus().length}`, '-o', '/dev/null', script], {
      env: slurmEnv(),
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.trim();
  }

  async function resumeOnSlurm(): Promise<string> {
    // The activity-bar icon toggles: click it only when the container is not showing.
    if (!(await wb.page.locator('.pane-header', { hasText: 'Experiments' }).first().isVisible()))
      await wb.openContainer();
    const step = wb.page.getByRole('treeitem', { name: /^2016, finished/ }).first();
    await step.waitFor({ timeout: 30000 });
    // A click delivered without its row (the tree just refreshed) ends in the command's picker: the row is chosen there.
    await wb.rowAction(step, 'Resume Training From Year…', 'datacomp_medium-basic_cumulative_2016');
    await wb.accept('strategy');
    // Where: this machine or the cluster (offered because sinfo answers).
    const where = wb.page.locator('.quick-input-widget', { hasText: 'where' });
    await where.waitFor({ timeout: 30000 });
    await wb.page.getByRole('option', { name: /Slurm cluster/ }).click();
    // The 2016 step already continues as the demo's cumulative 2017: this launch is a variant, named on purpose.
    for (const title of ['nodes', 'GPUs per node', 'variant name', 'experiment name', 'data root'])
      await wb.accept(title);
    const dialog = wb.page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: 30000 });
    assert.match((await dialog.textContent()) ?? '', /on Slurm/);
    // The script is open beside the dialog, read-only, before anything is submitted.
    const editor = wb.page.locator('.editor-instance .view-lines').last();
    const script = (await editor.textContent()) ?? '';
    return script;
  }

  it('shows the sbatch script, submits it, and the Runs view follows the job PENDING → RUNNING → COMPLETED', async () => {
    const blocker = occupyNode(300);
    const script = await resumeOnSlurm();
    for (const part of ['#SBATCH --nodes=1', 'srun', '--rdzv_backend c10d', '--rdzv_id', 'resume=(--resume latest)'])
      assert.ok(script.replace(/\u00a0/g, ' ').includes(part), `the script does not show ${part}: ${script}`);
    await wb.screenshot('slurm-1-script');
    await wb.page.locator('.monaco-dialog-box .monaco-button', { hasText: 'Submit to Slurm' }).click();
    await widenSideBar();

    const row = (pattern: RegExp) => wb.page.getByRole('treeitem', { name: pattern }).first();
    await row(
      /^train 2017 cumulative v2 \(simulated\), queued · Slurm job \d+ · PENDING \((Resources|Priority)\)/,
    ).waitFor({
      timeout: 30000,
    });
    await wb.screenshot('slurm-2-pending');
    spawnSync('scancel', [blocker], { env: slurmEnv() });
    // Followed like a local run: the job's --output file gives the live loss.
    await row(/^train 2017 cumulative v2 \(simulated\), running · Slurm job \d+ · RUNNING on \S+ · .*loss \d/).waitFor({
      timeout: 60000,
    });
    await wb.screenshot('slurm-3-running');
    await row(/^train 2017 cumulative v2 \(simulated\), succeeded · Slurm job \d+ · COMPLETED on \S+/).waitFor({
      timeout: 90000,
    });
    await wb.screenshot('slurm-4-completed');
    // The script it ran, from the run (here through the palette, which offers the Slurm runs).
    await wb.runCommand('View: Close All Editors');
    await wb.runCommand('TiC Studio: Show Slurm Job Script');
    await wb.page.locator('.quick-input-list .monaco-list-row', { hasText: 'train 2017 cumulative' }).first().click();
    await wb.page
      .locator('.tab', { hasText: /\.sbatch/ })
      .first()
      .waitFor({ timeout: 15000 });
    const shown = (await wb.page.locator('.editor-instance .view-lines').last().textContent()) ?? '';
    assert.match(shown.replace(/\u00a0/g, ' '), /#SBATCH --job-name=tic-train-2017-cumulative/);

    // The record notes the scheduler and the job; the script it ran is kept next to it, as shown.
    const dir = join(wb.workspace, '.tic-studio/runs');
    const name = readdirSync(dir).find((f) => /^[\w-]+\.json$/.test(f))!;
    const record = JSON.parse(readFileSync(join(dir, name), 'utf8')) as {
      id: string;
      scheduler: string;
      slurm: { jobId: string; scriptPath: string; state: string };
    };
    assert.equal(record.scheduler, 'slurm');
    assert.equal(record.slurm.state, 'COMPLETED');
    assert.notEqual(record.slurm.jobId, blocker);
    // The editor's text has no line breaks; with all whitespace dropped, what was shown is what was kept.
    const squeeze = (text: string) => text.replace(/[\s\u00a0]+/g, '');
    assert.equal(squeeze(script), squeeze(readFileSync(record.slurm.scriptPath, 'utf8')));
    assert.match(readFileSync(join(dir, `${record.id}.log`), 'utf8'), /^Done training\.$/m);
  });

  it('finds a waiting job again after a window reload, and Stop cancels it (scancel)', async () => {
    const blocker = occupyNode(120);
    await resumeOnSlurm();
    await wb.page.locator('.monaco-dialog-box .monaco-button', { hasText: 'Submit to Slurm' }).click();
    let pending = wb.page.getByRole('treeitem', { name: /, queued · Slurm job \d+ · PENDING/ }).first();
    await pending.waitFor({ timeout: 30000 });
    const jobId = /Slurm job (\d+)/.exec((await pending.getAttribute('aria-label')) ?? '')?.[1];
    assert.ok(jobId);
    // A new extension host re-attaches to the job from its record and asks squeue again.
    await wb.page.reload();
    await wb.page.locator('.monaco-workbench').waitFor({ timeout: 60000 });
    await wb.openContainer();
    pending = wb.page.getByRole('treeitem', { name: new RegExp(`, queued · Slurm job ${jobId} · PENDING`) }).first();
    await pending.waitFor({ timeout: 60000 });
    await wb.rowAction(pending, 'Stop Run…', 'train 2017 cumulative');
    // Stop asks first; a job that has not started loses nothing.
    const confirm = wb.page.locator('.monaco-dialog-box', { hasText: 'has not started yet' });
    await confirm.waitFor({ timeout: 30000 });
    await confirm.locator('.monaco-button', { hasText: /^Stop$/ }).click();
    await wb.page
      .getByRole('treeitem', { name: new RegExp(`, stopped · Slurm job ${jobId} · CANCELLED`) })
      .first()
      .waitFor({ timeout: 60000 });
    await wb.screenshot('slurm-5-cancelled');
    const state = spawnSync('squeue', ['-h', '-t', 'all', '-j', jobId, '-o', '%T'], {
      env: slurmEnv(),
      encoding: 'utf8',
    });
    assert.equal(state.stdout.trim(), 'CANCELLED');
    spawnSync('scancel', [blocker], { env: slurmEnv() });
  });
});
