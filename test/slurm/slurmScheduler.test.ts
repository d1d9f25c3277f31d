import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { runsCommand } from '../../src/cli/runsCommand';
import { planResume } from '../../src/plan/resumePlan';
import { RunClaims } from '../../src/runs/runClaims';
import type { RunRecord } from '../../src/runs/model/runRecord';
import { RunRecordStore, runRecordsDir } from '../../src/runs/model/runRecordStore';
import { simulatedTrainPlan } from '../../src/plan/simulatedPlan';
import { SlurmCommands } from '../../src/runs/slurm/slurmCommands';
import { parseSlurmJobOptions, type SlurmJobOptions } from '../../src/runs/model/slurmJobOptions';
import { SlurmScheduler } from '../../src/runs/slurm/slurmScheduler';
import { standInDir } from '../fixtures/standIn/standIn';
import { ddpProbePlan } from '../support/ddpProbePlan';
import { ensureTorchrunInstalled, localSlurmOrSkipReason, type LocalSlurm } from '../support/localSlurm';
import { runCliInProcess } from '../support/runCliInProcess';
import { slurmRunRecord } from '../support/slurmRunRecord';
import type { RunPlan } from '../../src/runs/model/runPlan';

/** Processes whose command line mentions `marker` (the run's unique experiment folder). */
function processesMentioning(marker: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmdline.includes(marker) && Number(pid) !== process.pid) found.push(`${pid}: ${cmdline.slice(0, 200)}`);
    } catch {
      // Gone meanwhile.
    }
  }
  return found;
}

async function until<T>(what: string, check: () => T | undefined | Promise<T | undefined>, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('SlurmScheduler against a real one-node Slurm (Debian slurm-wlm + munge, started for these tests)', function () {
  this.timeout(240_000);
  let cluster: LocalSlurm | undefined;
  let root: string;
  /** The per-user state folder of these tests (never the real one): the claims of the runs they submit. */
  let stateDir: string;
  let scheduler: SlurmScheduler;
  let commands: SlurmCommands;
  const seen = new Map<string, RunRecord[]>();

  before(async function () {
    const started = await localSlurmOrSkipReason();
    if (typeof started === 'string') {
      console.log(`      skipped: ${started}`);
      this.skip();
    }
    cluster = started;
  });
  after(async () => cluster?.stop());

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'tic-slurm-ws-'));
    stateDir = mkdtempSync(join(tmpdir(), 'tic-slurm-state-'));
    commands = new SlurmCommands({ env: { ...process.env, ...cluster!.env } });
    scheduler = new SlurmScheduler({
      workspaceRoot: root,
      isTrusted: () => true,
      commands,
      stateDir,
      pollMs: 250,
      maxPollMs: 1000,
    });
    seen.clear();
    scheduler.onDidChangeRun((r) => seen.set(r.id, [...(seen.get(r.id) ?? []), r]));
  });
  afterEach(async () => {
    scheduler.dispose();
    rmSync(root, { recursive: true, force: true });
    rmSync(stateDir, { recursive: true, force: true });
  });

  /** This user's claim on a run, as the scheduler keeps it. */
  const claimOf = (id: string) => new RunClaims({ stateDir, workspaceRoot: root, host: hostname() }).read(id);

  /** Resume from 2016 → train 2017 cumulative, simulated: the stand-in trainer in torchrun's place. */
  function trainPlan(env: Record<string, string>, options: Partial<SlurmJobOptions> = {}): RunPlan {
    const checkout = join(root, 'ml-tic-clip');
    mkdirSync(join(checkout, 'datacomp'), { recursive: true });
    for (const year of [2014, 2015, 2016, 2017]) mkdirSync(join(root, 'data', String(year)), { recursive: true });
    const plan = planResume({
      strategy: 'cumulative',
      fromYear: 2016,
      checkpoint: join(standInDir, 'seedCheckpoint.pt'),
      scale: 'tic_medium',
      filtering: 'basic',
      checkout,
      dataRoot: join(root, 'data'),
      imagenetVal: join(root, 'imagenet'),
      outputDir: join(root, 'results'),
      nprocPerNode: 1,
    });
    const simulated = simulatedTrainPlan(plan, standInDir, {});
    const slurm = parseSlurmJobOptions({ nodes: 1, gpusPerNode: 0, rdzvPort: 29500, ...options });
    assert.ok(!(slurm instanceof Error));
    return {
      ...simulated,
      env: { ...simulated.env, TIC_STANDIN_MAX_MS: '120000', ...env },
      kind: 'train',
      label: 'train 2017 cumulative',
      simulated: true,
      outLogPath: join(plan.expDir, 'out.log'),
      outputDir: plan.expDir,
      slurm,
    };
  }

  /** A job that holds every CPU of the node for a while, so the next one has to wait (PENDING, Resources). */
  function occupyNode(seconds: number): string {
    const script = join(root, 'blocker.sh');
    writeFileSync(script, `#!/bin/bash\nsleep ${seconds}\n`);
    const r = spawnSync(
      'sbatch',
      ['--parsable', `--cpus-per-task=${cpus().length}`, '-o', join(root, 'blocker.log'), script],
      {
        env: { ...process.env, ...cluster!.env },
        encoding: 'utf8',
      },
    );
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.trim();
  }

  it('submits a generated training job that waits, runs the stand-in and completes: PENDING → RUNNING → COMPLETED', async () => {
    occupyNode(4);
    const plan = trainPlan({ TIC_STANDIN_STEP_MS: '100', TIC_STANDIN_STEPS_PER_EPOCH: '4', TIC_STANDIN_EPOCHS: '2' });
    const started = await scheduler.start(plan);
    assert.equal(started.scheduler, 'slurm');
    assert.match(started.slurm?.jobId ?? '', /^\d+$/);
    assert.equal(started.status, 'queued');
    // The script shown before submission is the one kept next to the record, and Slurm ran it.
    assert.equal(started.slurm?.scriptPath, join(root, '.tic-studio', 'runs', `${started.id}.sbatch`));
    assert.match(
      readFileSync(started.slurm!.scriptPath, 'utf8'),
      /^srun --kill-on-bad-exit=1 .*standInTrain\.mjs'? --nnodes "\$SLURM_NNODES"/m,
    );

    const final = await scheduler.waitForEnd(started.id);
    assert.equal(final.status, 'succeeded', JSON.stringify(final.failure ?? final.slurm));
    assert.equal(final.slurm?.state, 'COMPLETED');
    assert.equal(final.exitCode, 0);
    assert.ok(final.slurm?.nodes, 'the node list Slurm allocated');

    // What squeue said along the way, in order (the first PENDING is ours at submission; "Resources" is Slurm's).
    const states = (seen.get(started.id) ?? []).map(
      (r) => `${r.status}:${r.slurm?.state}${r.slurm?.reason ? `(${r.slurm.reason})` : ''}`,
    );
    const pendingFromSlurm = states.findIndex((s) => /^queued:PENDING\(\w+\)$/.test(s));
    const running = states.findIndex((s) => s.startsWith('running:RUNNING'));
    const completed = states.findIndex((s) => s === 'succeeded:COMPLETED');
    assert.ok(pendingFromSlurm >= 0 && running > pendingFromSlurm && completed > running, states.join(' → '));

    // The job really trained: the stand-in's out.log lines and checkpoints, and the job log with our header.
    const outLog = readFileSync(plan.outLogPath!, 'utf8');
    assert.equal(outLog.split('\n').filter((l) => l.includes('| Train Epoch: ')).length, 8);
    assert.ok(existsSync(join(plan.outputDir!, 'checkpoints', 'epoch_latest.pt')));
    const jobLog = readFileSync(final.logPath, 'utf8');
    assert.match(jobLog, new RegExp(`^\\[tic-studio\\] job ${final.slurm!.jobId} \\(restart 0\\) on `, 'm'));
    assert.match(jobLog, /^Done training\.$/m);

    // `tic-studio runs` lists it with its job.
    const cli = await runCliInProcess(runsCommand, [root, '--json']);
    assert.equal(cli.code, 0, cli.stderr);
    const listed = (JSON.parse(cli.stdout) as Array<Record<string, unknown>>).find((r) => r.id === started.id);
    assert.equal(listed?.scheduler, 'slurm');
    assert.equal((listed?.slurm as { jobId?: string } | null)?.jobId, final.slurm!.jobId);
  });

  it('cancels a running job with scancel and leaves nothing running', async () => {
    const plan = trainPlan({ TIC_STANDIN_STEP_MS: '1000', TIC_STANDIN_STEPS_PER_EPOCH: '30', TIC_STANDIN_EPOCHS: '5' });
    const started = await scheduler.start(plan);
    await until(
      'the stand-in to train',
      () => existsSync(plan.outLogPath!) && readFileSync(plan.outLogPath!, 'utf8').includes('Train Epoch'),
    );
    assert.ok(processesMentioning(root).length > 0, 'the stand-in runs under slurmstepd');
    assert.deepEqual((await claimOf(started.id))?.slurm?.jobIds, [started.slurm!.jobId]);
    const stopped = await scheduler.stop(started.id);
    assert.equal(stopped.status, 'stopped');
    assert.equal(stopped.slurm?.state, 'CANCELLED');
    assert.ok(stopped.stopRequestedAt);
    await until(
      'every process of the job to end',
      () => processesMentioning(root).length === 0 || undefined,
      30_000,
    ).catch(() => assert.fail(`still running: ${processesMentioning(root).join('\n')}`));
  });

  it('never cancels a job a planted record names: scancel is not run and the job keeps running', async () => {
    // A job of this user that TiC Studio did not submit, and a record in the workspace claiming it.
    const jobId = occupyNode(60);
    const env = { ...process.env, ...cluster!.env };
    try {
      const stateOf = () =>
        spawnSync('squeue', ['-h', '-j', jobId, '-o', '%T'], { env, encoding: 'utf8' }).stdout.trim();
      await until('the job to run', () => stateOf() === 'RUNNING' || undefined);
      const id = '20261129-050000-train-f00d00';
      mkdirSync(runRecordsDir(root), { recursive: true });
      await new RunRecordStore(runRecordsDir(root)).write(
        slurmRunRecord(root, id, { host: hostname(), status: 'running' }, { jobId, jobIds: [jobId], state: 'RUNNING' }),
      );
      await assert.rejects(scheduler.stop(id), (e: Error & { reason?: string }) => e.reason === 'notOwned');
      assert.equal(stateOf(), 'RUNNING', 'the job was not cancelled');
    } finally {
      spawnSync('scancel', [jobId], { env });
    }
  });

  it('records a job whose program crashed as failed, with the traceback from its log', async () => {
    const plan = trainPlan({ TIC_STANDIN_MODE: 'crash', TIC_STANDIN_STEP_MS: '20' });
    const started = await scheduler.start(plan);
    const final = await scheduler.waitForEnd(started.id);
    assert.equal(final.status, 'failed');
    assert.equal(final.slurm?.state, 'FAILED');
    assert.equal(final.failure?.reason, 'traceback', JSON.stringify(final.failure));
    assert.notEqual(final.exitCode, 0);
  });

  it('reruns a requeued job: the same script continues the experiment with --resume latest (§1.4)', async () => {
    const plan = trainPlan(
      // Long enough that the requeue meets it running: epoch 1 is saved after ~2 s, the whole run takes ~8 s.
      { TIC_STANDIN_STEP_MS: '500', TIC_STANDIN_STEPS_PER_EPOCH: '4', TIC_STANDIN_EPOCHS: '4' },
      { requeue: true },
    );
    const started = await scheduler.start(plan);
    const checkpoint = join(plan.outputDir!, 'checkpoints', 'epoch_1.pt');
    await until('the first epoch checkpoint', () => existsSync(checkpoint) || undefined);
    const requeue = spawnSync('scontrol', ['requeue', started.slurm!.jobId!], {
      env: { ...process.env, ...cluster!.env },
      encoding: 'utf8',
    });
    assert.equal(requeue.status, 0, requeue.stderr);
    // A requeued job waits (BeginTime) until the old job credential has expired: 10 s in the test cluster's config.
    const env = { ...process.env, ...cluster!.env };
    const jobId = started.slurm!.jobId!;
    const seenStates: string[] = [];
    await until(
      'the requeued job to run again',
      () => {
        const [state = '', restarts = '0'] = spawnSync(
          'squeue',
          ['-h', '-t', 'all', '-j', jobId, '-O', 'State:|,RestartCnt:|,Reason:'],
          { env, encoding: 'utf8' },
        )
          .stdout.trim()
          .split('|');
        if (seenStates.at(-1) !== `${state}/${restarts}`) seenStates.push(`${state}/${restarts}`);
        // Until Slurm has counted the requeue, what squeue says is still the first run's.
        if (restarts === '0') return undefined;
        return state === 'RUNNING' || state === 'COMPLETED' || undefined;
      },
      60_000,
    ).catch((error: Error) =>
      assert.fail(`${error.message}: ${seenStates.join(' → ')}\n${readFileSync(started.logPath, 'utf8')}`),
    );
    const final = await scheduler.waitForEnd(started.id);
    assert.equal(final.status, 'succeeded', JSON.stringify(final.failure ?? final.slurm));
    assert.equal(final.slurm?.jobId, started.slurm?.jobId, 'Slurm requeues under the same job id');
    assert.ok((final.slurm?.restarts ?? 0) >= 1);
    const outLog = readFileSync(plan.outLogPath!, 'utf8');
    assert.match(outLog, /Found latest resume checkpoint at .*epoch_latest\.pt\./);
    const jobLog = readFileSync(final.logPath, 'utf8');
    assert.match(jobLog, /\(restart 1\)/);
  });

  it('resubmits a training job that hit its time limit; the next job continues with --resume latest (auto-resume)', async function () {
    this.timeout(420_000);
    // 12 epochs of 10 s against a 1-minute limit (Slurm enforces it 60–90 s in): at least one resubmission.
    const plan = trainPlan(
      {
        TIC_STANDIN_STEP_MS: '1000',
        TIC_STANDIN_STEPS_PER_EPOCH: '10',
        TIC_STANDIN_EPOCHS: '12',
        TIC_STANDIN_MAX_MS: '400000',
      },
      { time: '1', autoResume: true, maxResubmits: 4 },
    );
    const started = await scheduler.start(plan);
    const final = await scheduler.waitForEnd(started.id);
    assert.equal(final.status, 'succeeded', JSON.stringify(final.failure ?? final.slurm));
    const jobs = final.slurm!.jobIds;
    assert.ok(jobs.length >= 2, `resubmitted: ${jobs.join(', ')}`);
    // Every job is noted in this user's claim, and each resubmission ran the script as written at submission.
    const claim = await claimOf(started.id);
    assert.deepEqual(claim?.slurm?.jobIds, jobs);
    assert.equal(
      claim?.slurm?.scriptSha256,
      createHash('sha256').update(readFileSync(started.slurm!.scriptPath)).digest('hex'),
    );
    assert.equal(final.slurm!.resubmits, jobs.length - 1);
    const history = (seen.get(started.id) ?? []).map((r) => `${r.slurm?.jobId}:${r.slurm?.state}`);
    assert.ok(history.includes(`${jobs[0]}:TIMEOUT`), history.join(' → '));
    const jobLog = readFileSync(final.logPath, 'utf8');
    assert.match(jobLog, new RegExp(`job ${jobs[0]} ended TIMEOUT: resubmitted as job ${jobs[1]}`));
    const outLog = readFileSync(plan.outLogPath!, 'utf8');
    assert.match(outLog, /Found latest resume checkpoint at /);
    // Every epoch was trained, and no resumed job started over at epoch 0: each continued where the last left off.
    const starts = outLog
      .split('\n')
      .filter((l) => / \| Start epoch \d+$/.test(l))
      .map((l) => Number(/(\d+)$/.exec(l)![1]));
    assert.deepEqual(
      [...new Set(starts)].sort((a, b) => a - b),
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
    );
    assert.equal(starts.filter((e) => e === 0).length, 1, starts.join(', '));
  });

  it('starts the real torchrun with a c10d rendezvous on the first node: 2 workers of a torch.distributed job meet', async function () {
    this.timeout(600_000); // a first apt install of python3-torch (~60 MB) on a fresh machine
    const torch = await ensureTorchrunInstalled();
    if (!torch.ok) {
      console.log(`      skipped: ${torch.reason}`);
      this.skip();
    }
    // Two CPU workers on the one node.
    const plan = ddpProbePlan(root, { nodes: 1, workersPerNode: 2 });
    const started = await scheduler.start(plan);
    const final = await scheduler.waitForEnd(started.id);
    assert.equal(
      final.status,
      'succeeded',
      `${JSON.stringify(final.failure ?? final.slurm)}\n${readFileSync(final.logPath, 'utf8')}`,
    );
    const ddp = JSON.parse(readFileSync(join(root, 'results', 'ddp', 'ddp.json'), 'utf8')) as Record<string, unknown>;
    assert.deepEqual(ddp, { world_size: 2, sum: 3, rdzv_id: final.slurm!.jobId, nnodes_env: '1' });
  });
});
