import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  descendantsOf,
  isProcessAlive,
  listProcesses,
  readProcessIdentity,
  type ProcessInfo,
} from '../../../../src/runs/local/processTree';
import { parseRunRecordText, runRecordVersion, type RunRecord } from '../../../../src/runs/model/runRecord';
import { runRecordsDir, RunRecordStore } from '../../../../src/runs/model/runRecordStore';
import type { RunLogSource } from '../../../../src/runs/runLogFollow';
import { Supervisor, type SupervisorOptions } from '../../../../src/runs/local/supervisor';
import { SupervisorError } from '../../../../src/runs/local/supervisorError';
import {
  standInEnv,
  standInEvaluate,
  standInTrainArgv,
  standInTasklist,
  type StandInEnvOptions,
} from '../../../fixtures/standIn/standIn';
import type { RunPlan } from '../../../../src/runs/model/runPlan';

// contracts.md §2.2, the regex tested against the real logs.
const trainEpochLine =
  /^(\d{4}-\d{2}-\d{2},\d{2}:\d{2}:\d{2}) \| (\w+) \| Train Epoch: (\d+) \[\s*(\d+)\/(\d+) \((\d+)%\)\] Data \(t\): ([\d.]+) Batch \(t\): ([\d.]+), ([\d.eE+-]+)\/s, ([\d.eE+-]+)\/s\/gpu LR: ([\d.eE+-]+) Logit Scale: ([\d.]+) (.*)$/;

describe('Supervisor (real child processes: the stand-in trainer and evaluator)', function () {
  this.timeout(20_000);
  let workspace: string;
  let dataDir: string;
  let outputDir: string;
  const supervisors: Supervisor[] = [];

  beforeEach(() => {
    workspace = mkdtempSync(join(tmpdir(), 'tic-supervisor-'));
    dataDir = join(workspace, 'data', '2016');
    outputDir = join(workspace, 'results');
    mkdirSync(dataDir, { recursive: true });
  });

  afterEach(() => {
    for (const s of supervisors.splice(0)) s.dispose();
    rmSync(workspace, { recursive: true, force: true });
  });

  function supervisor(options: Partial<SupervisorOptions> = {}): Supervisor {
    const s = new Supervisor({
      workspaceRoot: workspace,
      isTrusted: () => true,
      pollMs: 25,
      interruptGraceMs: 400,
      terminateGraceMs: 400,
      ...options,
    });
    supervisors.push(s);
    return s;
  }

  function trainPlan(
    expName: string,
    env: StandInEnvOptions = {},
    extra: string[] = [],
    envExtra: Record<string, string> = {},
  ): RunPlan {
    return {
      kind: 'train',
      label: `train ${expName}`,
      argv: standInTrainArgv({ dataDir, outputDir, expName, extra }),
      cwd: workspace,
      env: standInEnv(env, envExtra),
      simulated: true,
      outLogPath: join(outputDir, expName, 'out.log'),
      outputDir: join(outputDir, expName),
    };
  }

  function readRecordFile(id: string): RunRecord {
    const parsed = parseRunRecordText(readFileSync(join(runRecordsDir(workspace), `${id}.json`), 'utf8'));
    assert.ok(!(parsed instanceof Error), String(parsed));
    return parsed;
  }

  async function waitForLine(lines: string[], pattern: RegExp, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!lines.some((l) => pattern.test(l))) {
      if (Date.now() > deadline) throw new Error(`no line matching ${pattern} in:\n${lines.join('\n')}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Until the first Train Epoch line: a stop during Python's start-up would just kill the interpreter. */
  async function runningTraining(s: Supervisor, id: string): Promise<void> {
    const lines: string[] = [];
    const following = s.follow(id, { onLine: (l) => lines.push(l) });
    try {
      await waitForLine(lines, /\| Train Epoch: 0 /);
    } finally {
      following.dispose();
    }
  }

  it('starts a training run detached, follows stdout/stderr and out.log, and records success with the expected files', async () => {
    const s = supervisor();
    const started = await s.start(trainPlan('cumulative_2016', { epochs: 2, stepsPerEpoch: 3 }));
    assert.equal(started.status, 'running');
    assert.ok(started.pid !== undefined && started.pid === started.pgid, 'the run leads its own process group');
    assert.equal(started.process?.pid, started.pid);
    assert.ok(started.wrapper !== undefined && started.wrapper.pid !== started.pid);

    const lines: Record<RunLogSource, string[]> = { console: [], outLog: [] };
    let chunks = '';
    const ended = new Promise<RunRecord>((resolve) => {
      s.follow(started.id, {
        onChunk: (text, source) => {
          if (source === 'console') chunks += text;
        },
        onLine: (line, source) => lines[source].push(line),
        onEnd: resolve,
      });
    });
    const final = await ended;

    assert.equal(final.status, 'succeeded');
    assert.equal(final.exitCode, 0);
    assert.equal(final.signal, null);
    assert.equal(final.failure, undefined);
    assert.deepEqual(readRecordFile(started.id), final);
    // stdout (DC) and stderr (open_clip logging) both reach the console log.
    assert.ok(lines.console.includes('Running training on scale tic_medium'));
    assert.equal(lines.console[lines.console.length - 1], 'Done training.');
    assert.equal(chunks, readFileSync(final.logPath, 'utf8'));
    const trainLines = lines.outLog.filter((l) => l.includes('| Train Epoch:'));
    assert.equal(trainLines.length, 6, 'log_every_n_steps 1: every batch of 2 epochs x 3 steps');
    for (const line of trainLines) assert.match(line, trainEpochLine);
    assert.ok(
      lines.outLog.some((l) =>
        /\| Eval Epoch: 2 imagenet-zeroshot-val-top1: [\d.]+\timagenet-zeroshot-val-top5: [\d.]+$/.test(l),
      ),
    );

    const exp = join(outputDir, 'cumulative_2016');
    for (const file of [
      'out.log',
      'params.txt',
      'info.pkl',
      'checkpoints/epoch_1.pt',
      'checkpoints/epoch_2.pt',
      'checkpoints/epoch_latest.pt',
      'checkpoints/results.jsonl',
    ]) {
      assert.ok(existsSync(join(exp, file)), file);
    }
    assert.ok(!existsSync(join(exp, 'checkpoints/tmp.pt')));
    assert.equal(
      readFileSync(join(exp, 'checkpoints/results.jsonl'), 'utf8').trim().split('\n').length,
      1,
      'zero-shot after epoch 2 only',
    );
  });

  it('marks a run that ends in a Python traceback failed with the root exception, not torchrun’s summary', async () => {
    const s = supervisor();
    const started = await s.start(trainPlan('crash', { mode: 'crash' }));
    const final = await s.waitForEnd(started.id);
    assert.equal(final.status, 'failed');
    assert.equal(final.exitCode, 1);
    assert.equal(final.failure?.reason, 'traceback');
    assert.match(final.failure?.detail ?? '', /^RuntimeError: CUDA out of memory/);
  });

  it('marks "Experiment already exists" failed although train.py exits 0', async () => {
    const s = supervisor();
    const started = await s.start(trainPlan('exists', { mode: 'exists' }));
    const final = await s.waitForEnd(started.id);
    assert.equal(final.exitCode, 0);
    assert.equal(final.status, 'failed');
    assert.equal(final.failure?.reason, 'experimentExists');
    assert.match(readFileSync(final.logPath, 'utf8'), /Error running training\. Exiting\.\nDone training\.\n$/);
  });

  it('falls into the real §1.4 trap: an explicit --resume into an exp dir that has an out.log', async () => {
    const s = supervisor();
    const first = await s.waitForEnd((await s.start(trainPlan('again', { epochs: 1 }))).id);
    assert.equal(first.status, 'succeeded');
    const latest = join(outputDir, 'again', 'checkpoints', 'epoch_latest.pt');
    const second = await s.waitForEnd(
      (await s.start(trainPlan('again', { epochs: 1 }, ['--new_run', '--resume', latest]))).id,
    );
    assert.equal(second.exitCode, 0);
    assert.equal(second.failure?.reason, 'experimentExists');
  });

  it('reports argparse errors (--blur_field is not an open_clip option) as badArguments', async () => {
    const s = supervisor();
    const final = await s.waitForEnd((await s.start(trainPlan('blur', {}, ['--blur_field', 'face_bboxes']))).id);
    assert.equal(final.exitCode, 2);
    assert.equal(final.failure?.reason, 'badArguments');
    assert.equal(final.failure?.detail, 'train.py: error: unrecognized arguments: --blur-field face_bboxes');
  });

  it('stops a run that obeys SIGINT with SIGINT alone (KeyboardInterrupt, exit 130)', async () => {
    const s = supervisor();
    const started = await s.start(trainPlan('interrupt', { stepMs: 50, epochs: 20 }));
    await runningTraining(s, started.id);
    const final = await s.stop(started.id);
    assert.equal(final.status, 'stopped');
    assert.deepEqual(final.stopSignals, ['SIGINT']);
    assert.equal(final.exitCode, 130);
    assert.match(readFileSync(final.logPath, 'utf8'), /\nKeyboardInterrupt\n/);
  });

  it('escalates SIGINT → SIGTERM → SIGKILL for a hung run', async () => {
    const s = supervisor();
    const started = await s.start(trainPlan('hang', { mode: 'hang' }));
    await runningTraining(s, started.id);
    const t0 = Date.now();
    const final = await s.stop(started.id, { interruptGraceMs: 300, terminateGraceMs: 300 });
    assert.ok(Date.now() - t0 >= 600, 'both grace periods were waited for');
    assert.equal(final.status, 'stopped');
    assert.deepEqual(final.stopSignals, ['SIGINT', 'SIGTERM', 'SIGKILL']);
    assert.equal(final.signal, 'SIGKILL');
    assert.equal(final.exitCode, null);
    assert.equal(await isProcessAlive(started.process!), false);
  });

  it('stops a run that ignores SIGINT with SIGTERM', async () => {
    const s = supervisor();
    const started = await s.start(trainPlan('noint', { mode: 'ignoreSigint', stepMs: 50, epochs: 20 }));
    await runningTraining(s, started.id);
    const final = await s.stop(started.id, { interruptGraceMs: 300, terminateGraceMs: 3000 });
    assert.equal(final.status, 'stopped');
    assert.deepEqual(final.stopSignals, ['SIGINT', 'SIGTERM']);
    assert.equal(final.signal, 'SIGTERM');
  });

  it('leaves no process of the tree behind, also workers in another process group orphaned by the stop', async () => {
    const s = supervisor();
    const started = await s.start(trainPlan('workers', { mode: 'spawnWorkers', stepMs: 50, epochs: 20 }));
    let tree: ProcessInfo[] = [];
    const deadline = Date.now() + 10_000;
    // Until both workers run, and the detached one has called setsid (between fork and exec it is still in our group).
    while (tree.length < 3 || !tree.some((p) => p.pgid !== started.pgid)) {
      assert.ok(Date.now() < deadline, 'the stand-in did not start its workers');
      await new Promise((r) => setTimeout(r, 25));
      tree = [
        { pid: started.pid!, ppid: 0, pgid: started.pgid!, state: 'S', startTicks: started.process!.startTicks },
        ...descendantsOf(started.pid!, await listProcesses()),
      ];
    }
    const final = await s.stop(started.id, { interruptGraceMs: 300, terminateGraceMs: 1000 });
    assert.equal(final.status, 'stopped');
    assert.equal(final.exitCode, 130, 'the trainer obeyed SIGINT and left its workers running');
    assert.deepEqual(final.stopSignals, ['SIGINT', 'SIGTERM'], 'the orphaned workers needed SIGTERM');
    const live = new Set((await listProcesses()).filter((p) => p.state !== 'Z').map((p) => `${p.pid}:${p.startTicks}`));
    for (const p of tree) assert.ok(!live.has(`${p.pid}:${p.startTicks}`), `process ${p.pid} is still running`);
  });

  it('re-attaches after a reload: a new supervisor follows the still-running run and records its exit code', async () => {
    const first = supervisor();
    const started = await first.start(trainPlan('reload', { stepMs: 40, epochs: 3, stepsPerEpoch: 4 }));
    first.dispose(); // The window reloads: timers gone, the run keeps going.

    const second = supervisor();
    const attached = await second.reattach();
    assert.deepEqual(
      attached.map((r) => [r.id, r.status]),
      [[started.id, 'running']],
    );
    const lines: string[] = [];
    const ended = new Promise<RunRecord>((resolve) =>
      second.follow(started.id, { onLine: (l, source) => source === 'outLog' && lines.push(l), onEnd: resolve }),
    );
    const final = await ended;
    assert.equal(final.status, 'succeeded');
    assert.equal(final.exitCode, 0);
    assert.equal(
      lines.filter((l) => l.includes('| Train Epoch:')).length,
      12,
      'the whole out.log of this run, from its first line',
    );
    assert.equal(readRecordFile(started.id).status, 'succeeded');
  });

  it('re-attaches to a run that ended while no window was open and takes its exit code from the wrapper', async () => {
    const first = supervisor();
    const started = await first.start(trainPlan('ended', { mode: 'crash' }));
    first.dispose();
    const exitFile = join(runRecordsDir(workspace), `${started.id}.exit.json`);
    while (!existsSync(exitFile)) await new Promise((r) => setTimeout(r, 20));
    assert.equal(readRecordFile(started.id).status, 'running', 'nobody watched it end');
    const [record] = await supervisor().reattach();
    assert.equal(record?.status, 'failed');
    assert.equal(record?.exitCode, 1);
    assert.equal(record?.failure?.reason, 'traceback');
  });

  it('marks a run lost when its pid now belongs to another process (start time differs)', async () => {
    const store = new RunRecordStore(runRecordsDir(workspace));
    await store.ensureDir();
    const me = await readProcessIdentity(process.pid);
    assert.ok(me !== undefined);
    const fake: RunRecord = {
      version: runRecordVersion,
      id: '20260101-000000-train-abcdef',
      kind: 'train',
      label: 'pid reused',
      argv: ['torchrun', 'train.py'],
      cwd: workspace,
      env: {},
      host: (await import('node:os')).hostname(),
      simulated: false,
      status: 'running',
      createdAt: new Date(Date.now() - 3_600_000).toISOString(),
      startedAt: new Date(Date.now() - 3_600_000).toISOString(),
      pid: process.pid,
      pgid: process.pid,
      process: { ...me, startTicks: me.startTicks + 1 },
      logPath: store.logPath('20260101-000000-train-abcdef'),
    };
    await store.write(fake);
    const [record] = await supervisor().reattach();
    assert.equal(record?.status, 'lost');
    assert.equal(readRecordFile(fake.id).status, 'lost');
  });

  it('refuses to start anything in an untrusted workspace', async () => {
    const s = supervisor({ isTrusted: () => false });
    await assert.rejects(s.start(trainPlan('untrusted')), (e: unknown) => SupervisorError.is(e, 'untrusted'));
    assert.equal(existsSync(runRecordsDir(workspace)), false, 'no record, no log, no wrapper');
  });

  it('never writes token-like variables to the record, and records only what TiC Studio set', async () => {
    const s = supervisor();
    const secrets = {
      HF_TOKEN: 'hf_abcdefghijklmnopqrstuvwxyz0123',
      WANDB_API_KEY: 'wandb-secret-value-1234',
      DB_PASSWORD: 'pw-hunter2-xyz',
      INNOCENT: 'hf_ABCDEFGHIJKLMNOPQRSTUVWX99',
    };
    const started = await s.start(trainPlan('env', { epochs: 1 }, [], { ...secrets, WANDB_PROJECT: 'tic' }));
    await s.waitForEnd(started.id);
    const raw = readFileSync(join(runRecordsDir(workspace), `${started.id}.json`), 'utf8');
    for (const value of Object.values(secrets)) assert.ok(!raw.includes(value), `${value} leaked`);
    const record = readRecordFile(started.id);
    assert.equal(record.env.HF_TOKEN, '<redacted>');
    assert.equal(record.env.WANDB_API_KEY, '<redacted>');
    assert.equal(record.env.DB_PASSWORD, '<redacted>');
    assert.equal(record.env.INNOCENT, '<redacted>', 'a Hugging Face token under an innocent name');
    assert.equal(record.env.WANDB_PROJECT, 'tic');
    assert.equal(record.env.TIC_STANDIN_MODE, 'ok');
    assert.equal(record.env.HOME, undefined, 'inherited variables are not recorded');
  });

  it('runs the evaluator and checks its eval_results.jsonl', async () => {
    const s = supervisor();
    const trainDir = join(outputDir, 'cumulative_2017');
    await s.waitForEnd((await s.start(trainPlan('cumulative_2017', { epochs: 1 }))).id);
    const evalDir = join(workspace, 'eval', 'cumulative_2017');
    const plan: RunPlan = {
      kind: 'eval',
      label: 'eval 2017',
      argv: [
        standInEvaluate,
        '--train_output_dir',
        trainDir,
        '--output_dir',
        evalDir,
        '--data_dir',
        join(workspace, 'data'),
        '--tasklist',
        standInTasklist,
      ],
      cwd: workspace,
      env: standInEnv({ stepMs: 5 }),
      simulated: true,
      outputDir: evalDir,
    };
    const final = await s.waitForEnd((await s.start(plan)).id);
    assert.equal(final.status, 'succeeded');
    const rows = readFileSync(join(evalDir, 'eval_results.jsonl'), 'utf8').trim().split('\n');
    assert.equal(rows.length, 18);
    assert.match(
      rows[0]!,
      /^\{"key": "tic\/datacomp\/datacompnet\/yearly\/2014", "dataset": "TiC-DataCompNet-Yearly-2014", "metrics": \{"acc1": [\d.]+, "acc5": [\d.]+, "mean_per_class_recall": [\d.]+, "main_metric": [\d.]+\}\}$/,
    );
    assert.match(readFileSync(final.logPath, 'utf8'), /=== Final results ===\nTiC-DataCompNet-Yearly-2014: /);

    const crashed = await s.waitForEnd(
      (
        await s.start({
          ...plan,
          outputDir: join(workspace, 'eval', 'crash'),
          argv: [...plan.argv.slice(0, 4), join(workspace, 'eval', 'crash'), ...plan.argv.slice(5)],
          env: standInEnv({ mode: 'crash', stepMs: 5 }),
        })
      ).id,
    );
    assert.equal(crashed.status, 'failed');
    assert.equal(crashed.failure?.reason, 'traceback');
  });

  it('records a command that cannot be started as failed (spawnFailed) and says so', async () => {
    const s = supervisor();
    const plan: RunPlan = {
      kind: 'train',
      label: 'missing',
      argv: [join(workspace, 'no-such-torchrun')],
      cwd: workspace,
      env: standInEnv(),
    };
    const error = await s.start(plan).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(SupervisorError.is(error, 'spawnFailed'), String(error));
    const record = readRecordFile((error as SupervisorError).runId!);
    assert.equal(record.status, 'failed');
    assert.equal(record.failure?.reason, 'spawnFailed');
    assert.match(record.failure?.detail ?? '', /ENOENT/);
  });

  it('rejects a plan whose cwd is not a folder', async () => {
    const s = supervisor();
    await assert.rejects(s.start({ ...trainPlan('x'), cwd: join(workspace, 'nope') }), (e: unknown) =>
      SupervisorError.is(e, 'invalidPlan'),
    );
  });

  it('writes the run’s log outside the run’s output dir and keeps the wrapper out of the process group', async () => {
    const s = supervisor();
    const started = await s.start(trainPlan('layout', { epochs: 1 }));
    const final = await s.waitForEnd(started.id);
    assert.equal(final.logPath, join(runRecordsDir(workspace), `${started.id}.log`));
    assert.ok(statSync(final.logPath).size > 0);
    assert.ok(existsSync(join(runRecordsDir(workspace), `${started.id}.exit.json`)));
  });
});
