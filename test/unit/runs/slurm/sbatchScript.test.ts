import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planResume } from '../../../../src/plan/resumePlan';
import { sbatchScript, slurmJobName, type SbatchScriptInput } from '../../../../src/runs/slurm/sbatchScript';
import { SlurmError } from '../../../../src/runs/model/slurmError';
import { defaultSlurmJobOptions, parseSlurmJobOptions } from '../../../../src/runs/model/slurmJobOptions';

/** `#SBATCH` options of a script, in order. */
function directives(script: string): string[] {
  return script
    .split('\n')
    .filter((l) => l.startsWith('#SBATCH '))
    .map((l) => l.slice('#SBATCH '.length));
}

/**
 * Runs a generated script with bash, as sbatch would on the first node, with stand-ins for `srun` (writes its
 * argv as JSON) and `scontrol show hostnames` (prints the node list), and returns what srun was given.
 */
function runScript(
  script: string,
  env: Record<string, string>,
): { srunArgv: string[]; srunEnv: Record<string, string>; stdout: string; status: number | null } {
  const bin = mkdtempSync(join(tmpdir(), 'tic-sbatch-bin-'));
  const argvFile = join(bin, 'srun-argv.json');
  writeFileSync(
    join(bin, 'srun'),
    `#!${process.execPath}\nrequire('node:fs').writeFileSync(${JSON.stringify(argvFile)}, JSON.stringify({ argv: process.argv.slice(2), env: process.env }));\n`,
  );
  writeFileSync(
    join(bin, 'scontrol'),
    `#!/bin/bash\n[ "$1 $2" = "show hostnames" ] || exit 9\nprintf 'gpu-a07\\ngpu-a08\\n'\n`,
  );
  chmodSync(join(bin, 'srun'), 0o755);
  chmodSync(join(bin, 'scontrol'), 0o755);
  const file = join(bin, 'job.sbatch');
  writeFileSync(file, script);
  const result = spawnSync('bash', [file], {
    env: {
      PATH: `${bin}:/usr/bin:/bin`,
      SLURM_JOB_ID: '4242',
      SLURM_NNODES: '2',
      SLURM_JOB_NODELIST: 'gpu-a[07-08]',
      ...env,
    },
    encoding: 'utf8',
  });
  let srunArgv: string[] = [];
  let srunEnv: Record<string, string> = {};
  try {
    ({ argv: srunArgv, env: srunEnv } = JSON.parse(readFileSync(argvFile, 'utf8')) as {
      argv: string[];
      env: Record<string, string>;
    });
  } catch {
    // srun was not reached; the caller asserts on status and argv.
  }
  rmSync(bin, { recursive: true, force: true });
  return { srunArgv, srunEnv, stdout: result.stdout + result.stderr, status: result.status };
}

describe('sbatchScript: the batch script of a plan (multi-node torchrun, contracts §1.4, §1.7)', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'tic-sbatch-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  function trainInput(over: Partial<SbatchScriptInput> = {}): SbatchScriptInput {
    const checkout = join(root, 'ml tic clip');
    mkdirSync(join(checkout, 'datacomp'), { recursive: true });
    const plan = planResume({
      strategy: 'cumulative',
      fromYear: 2016,
      checkpoint: `${root}/prev year/epoch_latest.pt`,
      scale: 'tic_medium',
      filtering: 'basic',
      checkout,
      dataRoot: '/data/tic/train',
      imagenetVal: '/data/imagenet/val',
      outputDir: join(root, 'results'),
      nprocPerNode: 8,
      maxRestarts: 3,
    });
    const options = parseSlurmJobOptions({
      nodes: 2,
      gpusPerNode: 4,
      cpusPerTask: 32,
      mem: '200G',
      time: '2-00:00:00',
      partition: 'gpu',
      account: 'tic',
      qos: 'high',
      requeue: true,
      extraDirectives: ['--constraint=a100', '--exclusive'],
    });
    assert.ok(!(options instanceof SlurmError));
    return {
      runId: '20261128-120000-train-abc123',
      kind: 'train',
      label: 'train 2017 cumulative',
      argv: plan.argv,
      cwd: plan.cwd,
      env: { ...plan.env, WANDB_MODE: 'offline' },
      logPath: join(root, '.tic-studio/runs/20261128-120000-train-abc123.log'),
      options,
      expDir: plan.expDir,
      ...over,
    };
  }

  it('asks Slurm for the nodes, GPUs, CPUs, memory, time, partition, account, QOS, logs and requeue', () => {
    const input = trainInput();
    assert.deepEqual(directives(sbatchScript(input)), [
      '--job-name=tic-train-2017-cumulative',
      '--nodes=2',
      '--ntasks-per-node=1',
      '--gpus-per-node=4',
      '--cpus-per-task=32',
      '--mem=200G',
      '--time=2-00:00:00',
      '--partition=gpu',
      '--account=tic',
      '--qos=high',
      `--output=${input.logPath}`,
      `--error=${input.logPath}`,
      '--open-mode=append',
      '--requeue',
      '--constraint=a100',
      '--exclusive',
    ]);
  });

  it('asks for GPUs with --gres on clusters that want it, and for none with 0 GPUs', () => {
    const input = trainInput();
    const gres = directives(
      sbatchScript({ ...input, options: { ...input.options, gpuDirective: 'gres', gresName: 'gpu:a100' } }),
    );
    assert.ok(gres.includes('--gres=gpu:a100:4'));
    assert.ok(!gres.some((d) => d.startsWith('--gpus-per-node')));
    const none = directives(sbatchScript({ ...input, options: { ...input.options, gpusPerNode: 0 } }));
    assert.ok(!none.some((d) => d.startsWith('--gres') || d.startsWith('--gpus')));
  });

  it('starts torchrun once per node with a c10d rendezvous on the first node and the plan’s train.py arguments', () => {
    const input = trainInput();
    const { srunArgv, status, stdout } = runScript(sbatchScript(input), {});
    assert.equal(status, 0, stdout);
    const at = srunArgv.indexOf('train.py');
    assert.deepEqual(srunArgv.slice(0, at + 1), [
      '--kill-on-bad-exit=1',
      'torchrun',
      '--nnodes',
      '2',
      '--nproc_per_node',
      '4',
      '--rdzv_backend',
      'c10d',
      '--rdzv_endpoint',
      `gpu-a07:${29500 + (4242 % 1000)}`,
      '--rdzv_id',
      '4242',
      '--max_restarts',
      '3',
      'train.py',
    ]);
    // The plan's train.py arguments, every one intact (spaces included), then the resume of the first attempt.
    const planArgs = input.argv.slice(input.argv.indexOf('train.py') + 1);
    const withoutResume = planArgs.filter(
      (a, i) => a !== '--new_run' && a !== '--resume' && planArgs[i - 1] !== '--resume',
    );
    assert.deepEqual(srunArgv.slice(at + 1), [
      ...withoutResume,
      '--new_run',
      '--resume',
      `${root}/prev year/epoch_latest.pt`,
    ]);
  });

  it('continues the experiment with --resume latest when a checkpoint is there (requeue, resubmission: §1.4)', () => {
    const input = trainInput();
    mkdirSync(join(input.expDir!, 'checkpoints'), { recursive: true });
    writeFileSync(join(input.expDir!, 'checkpoints', 'epoch_latest.pt'), 'x');
    writeFileSync(join(input.expDir!, 'out.log'), 'first attempt\n');
    const { srunArgv, status, stdout } = runScript(sbatchScript(input), {});
    assert.equal(status, 0, stdout);
    assert.deepEqual(srunArgv.slice(-2), ['--resume', 'latest']);
    assert.ok(!srunArgv.includes('--new_run'), '--new_run would restart at epoch 0 without the optimizer (§1.4)');
    assert.equal(
      readFileSync(join(input.expDir!, 'out.log'), 'utf8'),
      'first attempt\n',
      'out.log stays for OC to append',
    );
  });

  it('keeps the out.log of an attempt that died before its first save, so the explicit resume is not refused', () => {
    const input = trainInput();
    mkdirSync(input.expDir!, { recursive: true });
    writeFileSync(join(input.expDir!, 'out.log'), 'died early\n');
    const { srunArgv, status, stdout } = runScript(sbatchScript(input), { SLURM_RESTART_COUNT: '1' });
    assert.equal(status, 0, stdout);
    assert.deepEqual(srunArgv.slice(-3), ['--new_run', '--resume', `${root}/prev year/epoch_latest.pt`]);
    const files = readdirSync(input.expDir!);
    assert.deepEqual(files, ['out.log.attempt-4242-1']);
    assert.equal(readFileSync(join(input.expDir!, 'out.log.attempt-4242-1'), 'utf8'), 'died early\n');
  });

  it('runs the first step (from scratch) as planned: its default --resume latest already continues (§1.4)', () => {
    const input = trainInput();
    const plan = planResume({
      strategy: 'cumulative',
      fromYear: 2015,
      scale: 'tic_medium',
      filtering: 'basic',
      checkout: join(root, 'ml tic clip'),
      dataRoot: '/data/tic/train',
      imagenetVal: '/data/imagenet/val',
      outputDir: join(root, 'results'),
      nprocPerNode: 8,
    });
    const script = sbatchScript({ ...input, argv: plan.argv, expDir: plan.expDir });
    assert.ok(!script.includes('epoch_latest.pt'));
    const { srunArgv, status, stdout } = runScript(script, {});
    assert.equal(status, 0, stdout);
    assert.deepEqual(
      srunArgv.slice(srunArgv.indexOf('train.py') + 1),
      plan.argv.slice(plan.argv.indexOf('train.py') + 1),
    );
  });

  it('exports the plan’s variables but never writes a token into the script', () => {
    const input = trainInput({
      env: { PYTHONUNBUFFERED: '1', HF_TOKEN: 'hf_abcdefghijklmnopqrstuvwxyz0123', NOTE: "it's" },
    });
    const script = sbatchScript(input);
    assert.ok(!script.includes('hf_abcdefghijklmnopqrstuvwxyz0123'));
    assert.match(script, /^# HF_TOKEN: not written here/m);
    const { srunEnv, status, stdout } = runScript(script, {});
    assert.equal(status, 0, stdout);
    assert.equal(srunEnv.PYTHONUNBUFFERED, '1');
    assert.equal(srunEnv.NOTE, "it's");
    assert.equal(srunEnv.HF_TOKEN, undefined);
  });

  it('runs an evaluation as one task on one node, whatever the nodes asked for training', () => {
    const input = trainInput();
    const argv = [
      '/opt/conda/bin/python',
      'evaluate.py',
      '--use_model',
      'ViT-B-16 /ckpt/a b.pt',
      '--output_dir',
      '/out',
    ];
    const script = sbatchScript({ ...input, kind: 'eval', label: 'eval 2017', argv });
    assert.ok(directives(script).includes('--nodes=1'));
    assert.ok(!script.includes('torchrun'));
    const { srunArgv, status, stdout } = runScript(script, {});
    assert.equal(status, 0, stdout);
    assert.deepEqual(srunArgv, ['--nodes=1', '--ntasks=1', ...argv]);
  });

  it('refuses a log path sbatch would cut or expand, and a training plan without a script', () => {
    const input = trainInput();
    assert.throws(() => sbatchScript({ ...input, logPath: '/a b/run.log' }), /space, a quote or %/);
    assert.throws(() => sbatchScript({ ...input, logPath: '/runs/%j.log' }), SlurmError);
    assert.throws(() => sbatchScript({ ...input, argv: ['torchrun', '--nnodes', '1'] }), /train\.py/);
  });

  it('names jobs after the run so squeue shows which step it is', () => {
    assert.equal(slurmJobName('train 2017 cumulative'), 'tic-train-2017-cumulative');
    assert.equal(slurmJobName('eval ViT/B 16 <x>'), 'tic-eval-vit-b-16-x');
    assert.equal(slurmJobName('***'), 'tic-run');
  });
});

describe('parseSlurmJobOptions: settings and form values (rule 3)', () => {
  it('fills defaults and keeps valid values', () => {
    const parsed = parseSlurmJobOptions({ nodes: 4, time: '04:00:00', partition: 'gpu,gpu-long' });
    assert.ok(!(parsed instanceof SlurmError));
    assert.equal(parsed.nodes, 4);
    assert.equal(parsed.gpusPerNode, defaultSlurmJobOptions.gpusPerNode);
    assert.equal(parsed.partition, 'gpu,gpu-long');
  });

  for (const [name, raw, pattern] of [
    ['zero nodes', { nodes: 0 }, /nodes must be a whole number from 1/],
    ['a fractional GPU count', { gpusPerNode: 1.5 }, /gpusPerNode/],
    ['a partition with a space', { partition: 'gpu long' }, /partition/],
    ['a time limit in words', { time: 'two days' }, /time limit/],
    ['memory with a shell character', { mem: '200G;rm' }, /mem/],
    ['a directive with a quote', { extraDirectives: ['--comment="x y"'] }, /extra directive/],
    ['a directive TiC Studio sets itself', { extraDirectives: ['--output=/tmp/x'] }, /--output is set by TiC Studio/],
    ['an unknown GPU directive', { gpuDirective: 'gpus' }, /gpuDirective/],
  ] as const) {
    it(`refuses ${name}`, () => {
      const parsed = parseSlurmJobOptions(raw);
      assert.ok(parsed instanceof SlurmError);
      assert.equal(parsed.reason, 'invalidOptions');
      assert.match(parsed.message, pattern);
    });
  }
});
