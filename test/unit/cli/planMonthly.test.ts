import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../../../src/cli/common/cliIo';
import { planCommand } from '../../../src/cli/planCommand';
import { runCliInProcess } from '../../support/runCliInProcess';
import { ScratchWorkspace } from '../runs/workspaceFixture';

const root = join(__dirname, '../../..');
const demoResults = join(root, 'demo/datacomp/results');

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return runCliInProcess(planCommand, args);
}

const valueOf = (argv: readonly string[], flag: string): string | undefined => argv[argv.indexOf(flag) + 1];

describe('tic-studio plan resume --timescale monthly (in-process)', function () {
  this.timeout(30_000);
  let ws: ScratchWorkspace;
  let mPath: string;
  let hub: string;
  let savedEnv: string | undefined;
  let paths: string[];
  before(async () => {
    ws = new ScratchWorkspace();
    // $TIC_DATACOMP_M_PATH/train/{YYYYMM}/ with one shard each for 2022-12…2023-01 (contracts §4.3).
    mPath = join(ws.root, 'tic-datacomp-monthly');
    for (const month of ['202211', '202212', '202301']) {
      mkdirSync(join(mPath, 'train', month), { recursive: true });
      writeFileSync(join(mPath, 'train', month, '00000000.tar'), '');
    }
    hub = await ws.clipCheckpoint(
      'hf/hub/models--apple--TiC-CLIP-basic-sequential/snapshots/4f3e2d1c/checkpoints/2022.pt',
      'ViT-B-16',
    );
    savedEnv = process.env['TIC_DATACOMP_M_PATH'];
    process.env['TIC_DATACOMP_M_PATH'] = mPath;
    paths = ['--scale', 'tic_large', '--checkout', ws.checkout, '--imagenet-val', ws.imagenetVal];
  });
  after(() => {
    if (savedEnv === undefined) delete process.env['TIC_DATACOMP_M_PATH'];
    else process.env['TIC_DATACOMP_M_PATH'] = savedEnv;
    ws.cleanup();
  });

  it('continues the published 2022.pt on 2023-01: --data_dir is exactly that month’s folder, --new_run --resume it', async () => {
    // The command, as a researcher types it.
    const args = [
      'resume',
      '--timescale',
      'monthly',
      '--from',
      '202212',
      '--checkpoint',
      hub,
      '--strategy',
      'sequential',
    ];
    const r = await run([...args, ...paths]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const lines = r.stdout.split('\n');
    assert.equal(lines[0], `tic_large basic sequential 2023-01: continues from ${hub} (ViT-B-16)`);
    const command = lines.find((l) => l.startsWith('command: '))!;
    assert.ok(command.includes(` --data_dir ${mPath}/train/202301/ `), command);
    assert.ok(command.includes(` --new_run --warmup 0 --resume ${hub}`), command);
    assert.ok(command.includes(' --exp_name datacomp_large-basic_sequential_m202301 '), command);
    assert.ok(lines.includes('checks: all passed'), r.stdout);

    const json = await run([...args, ...paths, '--json']);
    const out = JSON.parse(json.stdout);
    assert.equal(valueOf(out.argv, '--data_dir'), `${mPath}/train/202301/`);
    assert.equal(valueOf(out.argv, '--resume'), hub);
    assert.ok(out.argv.includes('--new_run'));
    assert.equal(out.step.timescale, 'monthly');
    assert.equal(out.step.trainMonth, 202301);
    assert.equal(out.step.trainYear, 2023);
    assert.deepEqual(out.step.dataDirs, [`${mPath}/train/202301/`]);
    assert.equal(out.valid, true);
  });

  it('takes the yearly parent as --from 2022, 2022-12, or from the published file alone', async () => {
    for (const from of [['--from', '2022'], ['--from', '2022-12'], []]) {
      const r = await run(['resume', '--timescale', 'monthly', ...from, '--checkpoint', hub, ...paths, '--json']);
      assert.equal(r.code, 0, r.stderr + r.stdout);
      const out = JSON.parse(r.stdout);
      assert.equal(out.step.strategy, 'sequential', 'from the repo name');
      assert.equal(valueOf(out.argv, '--data_dir'), `${mPath}/train/202301/`, from.join(' '));
    }
  });

  it('plans a cumulative month from the monthly root given with --data-root, all months or since the branch', async () => {
    const ckpt = await ws.clipCheckpoint('runs/datacomp_large-basic_cumulative_m202211/epoch_latest.pt', 'ViT-B-16');
    const common = ['resume', '--timescale', 'monthly', '--strategy', 'cumulative', '--checkpoint', ckpt];
    const since = await run([
      ...common,
      '--from',
      '202211',
      '--monthly-data',
      'since-branch',
      '--branch-year',
      '2021',
      '--data-root',
      join(mPath, 'train'),
      ...paths,
      '--json',
    ]);
    // 2022-12, 2022-11 are on disk; 2022-01 and 2022-05…2022-10 are not: each is named.
    const out = JSON.parse(since.stdout);
    assert.equal(since.code, 1);
    assert.equal(
      valueOf(out.argv, '--data_dir'),
      ['202212', '202211', '202210', '202209', '202208', '202207', '202206', '202205', '202201']
        .map((m) => `${mPath}/train/${m}/`)
        .join('::'),
    );
    assert.deepEqual(
      out.problems.map((p: { message: string }) => /^no data for (\S+):/.exec(p.message)?.[1]),
      ['2022-10', '2022-09', '2022-08', '2022-07', '2022-06', '2022-05', '2022-01'],
    );
    assert.equal(out.step.monthlyData, 'sinceBranch');
    assert.equal(out.step.expName, 'datacomp_large-basic_cumulative_m202212');

    const all = JSON.parse((await run([...common, '--from', '2022-11', ...paths, '--json', '--no-validate'])).stdout);
    const parts = valueOf(all.argv, '--data_dir')!.split('::');
    // Every month up to 2022-12: 8 + 10 + 9 (2014–2016) + 60 (2017–2021) + 9 (2022-01, 2022-05…2022-12).
    assert.equal(parts.length, 96);
    assert.equal(parts[0], `${mPath}/train/202212/`);
    assert.equal(parts[95], `${mPath}/train/201403/`);
  });

  it('names the missing month and exits 1', async () => {
    const ckpt = await ws.clipCheckpoint('runs/datacomp_large-basic_sequential_m202301/epoch_latest.pt', 'ViT-B-16');
    const r = await run([
      'resume',
      '--timescale',
      'monthly',
      '--strategy',
      'sequential',
      '--from',
      '202301',
      '--checkpoint',
      ckpt,
      ...paths,
    ]);
    assert.equal(r.code, 1);
    assert.ok(
      r.stdout.includes(
        `  error dataDirNotFound: no data for 2023-02: ${mPath}/train/202302/ does not exist (expected $TIC_DATACOMP_M_PATH/train/202302/, contracts §4.3)`,
      ),
      r.stdout,
    );
  });

  it('branches a monthly chain off a yearly step of a chain (--chain, --from YEAR)', async () => {
    const chain = join(demoResults, 'datacomp_medium-basic_cumulative_2019');
    const r = await run([
      'resume',
      '--chain',
      chain,
      '--timescale',
      'monthly',
      '--from',
      '2019',
      '--json',
      '--no-validate',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(valueOf(out.argv, '--resume'), join(chain, 'checkpoints/epoch_latest.pt'));
    assert.equal(out.step.trainMonth, 202001);
    assert.equal(out.step.expName, 'datacomp_medium-basic_cumulative_m202001');
    const parts = valueOf(out.argv, '--data_dir')!.split('::');
    assert.equal(parts[0], `${mPath}/train/202001/`, 'the monthly root, not the chain’s yearly one');
    assert.equal(parts.length, 8 + 10 + 9 + 36 + 1);
    assert.match(out.notes.join('\n'), /branches a monthly chain off its 2019 step/);
  });

  it('continues a monthly chain with --chain: its month step trains the next month on top of it', async () => {
    // The demo's sequential monthly chain (2020-01…2020-03 branched off cumulative 2019, demo/generate.py).
    const step = join(demoResults, 'datacomp_medium-basic_sequential_m202002');
    const base = ['resume', '--chain', step, '--json', '--no-validate'];
    const r = await run([...base, '--timescale', 'monthly', '--from', '202002']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.step.trainMonth, 202003);
    assert.equal(out.step.expName, 'datacomp_medium-basic_sequential_m202003');
    assert.equal(valueOf(out.argv, '--resume'), join(step, 'checkpoints/epoch_latest.pt'));
    // The chain's own monthly root (its train_data), as a yearly chain goes on with its own data root.
    assert.equal(valueOf(out.argv, '--data_dir'), '/home/demo/data/tic-datacomp-monthly/train/202003/');
    await assert.rejects(run(base), /is a step of a monthly chain: add --timescale monthly/);
  });

  it('writes the same argv into the sbatch script with --scheduler slurm', async () => {
    const args = ['resume', '--timescale', 'monthly', '--from', '2022', '--checkpoint', hub, ...paths, '--json'];
    const local = JSON.parse((await run([...args, '--no-validate'])).stdout);
    const slurm = JSON.parse(
      (await run([...args, '--no-validate', '--scheduler', 'slurm', '--workspace', ws.root])).stdout,
    );
    assert.equal(slurm.scheduler, 'slurm');
    assert.deepEqual(slurm.argv, local.argv);
    assert.ok(slurm.slurm.script.includes(`--data_dir ${mPath}/train/202301/`), slurm.slurm.script);
  });

  it('refuses what is no monthly step', async () => {
    const monthly = ['resume', '--timescale', 'monthly', '--checkpoint', hub, ...paths];
    await assert.rejects(run([...monthly, '--from', '201405']), /--from expects a year .* a TiC-DataComp month/);
    await assert.rejects(run([...monthly, '--from', '202206']), /checkpoints\/2022\.pt is the 2022 step/);
    await assert.rejects(run([...monthly, '--monthly-data', 'some']), /--monthly-data must be all or since-branch/);
    await assert.rejects(
      run(['resume', '--strategy', 'sequential', '--timescale', 'weekly']),
      /--timescale must be yearly or monthly/,
    );
    await assert.rejects(run(['resume', '--strategy', 'cumulative', '--monthly-data', 'all']), UsageError);
    await assert.rejects(
      run(['resume', '--timescale', 'monthly', '--strategy', 'sequential', '--checkpoint', '/x.pt', ...paths]),
      /needs --from/,
    );
    const last = await run([
      'resume',
      '--timescale',
      'monthly',
      '--strategy',
      'sequential',
      '--from',
      '202306',
      '--checkpoint',
      '/x.pt',
      ...paths,
    ]);
    assert.equal(last.code, 1);
    assert.match(last.stderr, /^tic-studio plan: monthOutOfRange: 2023-06 is the last TiC-DataComp month/);
  });
});
