import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { isFinalStatus, type RunRecord } from '../../../../src/runs/model/runRecord';
import { RunRecordStore, runRecordsDir } from '../../../../src/runs/model/runRecordStore';
import { SlurmCommands } from '../../../../src/runs/slurm/slurmCommands';
import { SlurmScheduler } from '../../../../src/runs/slurm/slurmScheduler';
import { RunClaims } from '../../../../src/runs/runClaims';
import { claimSlurmRun, slurmRunRecord } from '../../../support/slurmRunRecord';

/**
 * A training job hit its time limit, with auto-resume on, and several look at it. Of two VS Code windows on one
 * workspace exactly one may submit the next job, and the other must neither submit one too nor record the run as
 * ended while the first is still waiting for sbatch; an untrusted window and `tic-studio runs` never submit. The
 * Slurm clients are stand-ins (bash programs on PATH, run as real child processes): squeue reports the job TIMEOUT,
 * sbatch takes a second to answer and logs each call.
 */
describe('auto-resume: who submits the next job', () => {
  let root: string;
  let stateDir: string;
  let bin: string;
  let calls: string;
  const schedulers: SlurmScheduler[] = [];
  const id = '20261129-030000-train-abc123';
  const submitted = new Date(Date.now() - 120_000);

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'tic-two-windows-'));
    stateDir = mkdtempSync(join(tmpdir(), 'tic-two-windows-state-'));
    bin = join(root, 'bin');
    mkdirSync(bin);
    calls = join(bin, 'calls.log');
    writeFileSync(calls, '');
    const ended = (date: Date) => date.toISOString().slice(0, 19);
    program(
      'squeue',
      `for a in "$@"; do [ "$a" = --json ] && { echo "squeue: unrecognized option '--json'" >&2; exit 1; }; done
echo "41|TIMEOUT|TimeLimit|node07|0|${ended(submitted)}|${ended(new Date())}|train 2017"`,
    );
    program('sbatch', '/bin/sleep 1; echo 42');
  });
  afterEach(() => {
    for (const s of schedulers.splice(0)) s.dispose();
    rmSync(root, { recursive: true, force: true });
    rmSync(stateDir, { recursive: true, force: true });
  });

  function program(name: string, body: string): void {
    const path = join(bin, name);
    writeFileSync(path, `#!/bin/bash\necho "${name} $*" >> ${JSON.stringify(calls)}\n${body}\n`);
    chmodSync(path, 0o755);
  }

  /**
   * A training run this user submitted from host login1 (its claim in the state folder lists job 41 and the
   * script's sha256), whose job 41 saved a checkpoint before its time limit (so a resubmission makes progress).
   */
  async function timedOutRun(): Promise<RunRecordStore> {
    mkdirSync(runRecordsDir(root), { recursive: true });
    const store = new RunRecordStore(runRecordsDir(root));
    const outputDir = join(root, 'results', 'cumulative_2017');
    mkdirSync(join(outputDir, 'checkpoints'), { recursive: true });
    writeFileSync(join(outputDir, 'checkpoints', 'epoch_latest.pt'), 'stand-in checkpoint');
    const record = slurmRunRecord(
      root,
      id,
      {
        label: 'train 2017 (cumulative)',
        status: 'running',
        createdAt: submitted.toISOString(),
        startedAt: submitted.toISOString(),
        outputDir,
      },
      { state: 'RUNNING', nodes: 'node07', autoResume: true, maxResubmits: 3 },
    );
    await store.write(record);
    await claimSlurmRun(stateDir, root, record, '#!/bin/bash\n');
    return store;
  }

  function window(trusted = true, polling: { pollMs?: number; maxPollMs?: number } = {}) {
    const scheduler = new SlurmScheduler({
      workspaceRoot: root,
      isTrusted: () => trusted,
      commands: new SlurmCommands({ env: { PATH: bin } }),
      hostname: () => 'login1',
      stateDir,
      ...polling,
    });
    schedulers.push(scheduler);
    const finals: RunRecord[] = [];
    scheduler.onDidChangeRun((r) => {
      if (isFinalStatus(r.status)) finals.push(r);
    });
    return { scheduler, finals };
  }

  it('submits the next job once; the other window neither submits nor ends the run', async () => {
    const store = await timedOutRun();
    const [a, b] = [window(), window()];
    // Both windows look at the queue at the same moment, as two windows opened on the workspace would.
    await Promise.all([a.scheduler.refresh(), b.scheduler.refresh()]);

    const sbatches = readFileSync(calls, 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('sbatch'));
    assert.equal(sbatches.length, 1, `one sbatch call, not ${sbatches.length}`);
    const record = (await store.read(id)) as RunRecord;
    assert.equal(record.status, 'queued');
    assert.equal(record.slurm?.jobId, '42');
    assert.deepEqual(record.slurm?.jobIds, ['41', '42']);
    assert.equal(record.slurm?.resubmits, 1);
    assert.equal(record.endedAt, undefined, 'the run has not ended');
    assert.equal(record.failure, undefined, 'no failure recorded by the window that lost the claim');
    assert.deepEqual([...a.finals, ...b.finals], [], 'neither window reported the run as ended');
    const claim = await new RunClaims({ stateDir, workspaceRoot: root, host: 'login1' }).read(id);
    assert.deepEqual(claim?.slurm?.jobIds, ['41', '42'], 'the claim lists the resubmitted job too');
  });

  it('ends the run when the window that claimed the resubmission closed before sbatch answered', async () => {
    const store = await timedOutRun();
    // What the closed window left: its claim on job 41, made longer ago than a submission takes, and no job 42.
    const claim = join(runRecordsDir(root), `${id}.resubmit-41`);
    writeFileSync(claim, '');
    const longAgo = new Date(Date.now() - 5 * 60_000);
    utimesSync(claim, longAgo, longAgo);

    const { scheduler, finals } = window();
    await scheduler.refresh();
    assert.equal(readFileSync(calls, 'utf8').includes('sbatch'), false, 'no second submission of job 41');
    const record = (await store.read(id)) as RunRecord;
    assert.equal(record.status, 'failed');
    assert.equal(record.failure?.reason, 'slurmJob');
    assert.match(record.failure?.detail ?? '', /TIMEOUT \(TimeLimit\).*job 41; not resubmitted: another window/);
    assert.deepEqual(
      finals.map((r) => r.status),
      ['failed'],
    );
  });

  it('is never done by an untrusted window or by `tic-studio runs`, which show the job TIMEOUT and leave the run open', async () => {
    const store = await timedOutRun();
    const { scheduler, finals } = window(false);
    await scheduler.refresh();
    const cli = spawnSync(process.execPath, [join(__dirname, '../../../../dist/cli.js'), 'runs', root, '--json'], {
      encoding: 'utf8',
      env: { ...process.env, PATH: bin },
    });
    assert.equal(cli.status, 0, cli.stderr);

    assert.equal(readFileSync(calls, 'utf8').includes('sbatch'), false, 'nothing submitted');
    const record = (await store.read(id)) as RunRecord;
    assert.equal(record.status, 'running', 'the run waits for a trusted window');
    assert.equal(record.slurm?.state, 'TIMEOUT');
    assert.equal(record.slurm?.jobId, '41');
    assert.deepEqual(finals, []);
    const [listed] = JSON.parse(cli.stdout) as { status: string; slurm: { state: string } }[];
    assert.equal(listed?.status, 'running');
    assert.equal(listed?.slurm.state, 'TIMEOUT');

    // A trusted window then takes it on.
    await window().scheduler.refresh();
    assert.equal(((await store.read(id)) as RunRecord).slurm?.jobId, '42');
  });

  it('backs off while an untrusted window waits for a trusted one, instead of asking squeue at the first interval', async function () {
    this.timeout(15000);
    await timedOutRun();
    const { scheduler } = window(false, { pollMs: 100, maxPollMs: 1600 });
    await scheduler.reattach();
    await new Promise((resolve) => setTimeout(resolve, 3000));
    scheduler.dispose();
    // 100 ms growing by half up to 1.6 s: about 8 looks in 3 s; without the back-off about 30.
    const looks = readFileSync(calls, 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('squeue') && !l.includes('--json')).length;
    assert.ok(looks >= 2 && looks <= 14, `${looks} looks at the queue in 3 s`);
    assert.equal(readFileSync(calls, 'utf8').includes('sbatch'), false);
  });
});
