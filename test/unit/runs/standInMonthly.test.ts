import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ticMonths } from '../../../src/tic/ticMonths';
import { standInEnv, standInEvaluate, standInTrainArgv } from '../../fixtures/standIn/standIn';

// The demo's monthly steps run by the stand-ins (demo/simulator) as the simulated runs do: month data folders,
// a loss that continues the resumed run, and the monthly eval tasks (contracts §1.7, §3.4, §4.3).
const demoResults = join(__dirname, '../../../demo/datacomp/results');
const month202003 = join(demoResults, 'datacomp_medium-basic_sequential_m202003');
const year2019 = join(demoResults, 'datacomp_medium-basic_cumulative_2019');

interface Row {
  key: string;
  dataset: string;
  metrics: Record<string, number>;
}

/** The running average of the last train line of an out.log (read here with a regex, not the log parser). */
function lastAverageLoss(outLog: string): number {
  const lines = readFileSync(outLog, 'utf8')
    .split('\n')
    .filter((l) => l.includes('| Train Epoch: '));
  return Number(/Loss: [\d.]+ \(([\d.]+)\)$/.exec(lines[lines.length - 1]!)![1]);
}

function trainLosses(outLog: string): { epoch: number; loss: number; scale: number }[] {
  return readFileSync(outLog, 'utf8')
    .split('\n')
    .flatMap((l) => {
      const m = /Train Epoch: (\d+) .* Logit Scale: ([\d.]+) Contrastive_loss: .* Loss: ([\d.]+) \(/.exec(l);
      return m ? [{ epoch: Number(m[1]), scale: Number(m[2]), loss: Number(m[3]) }] : [];
    });
}

describe('the stand-ins on monthly steps (demo/simulator)', function () {
  this.timeout(20_000);
  let dir: string;
  let monthlyRoot: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tic-standin-monthly-'));
    // $TIC_DATACOMP_M_PATH/train/{YYYYMM}/ with one shard each (contracts §4.3).
    monthlyRoot = join(dir, 'tic-datacomp-monthly', 'train');
    for (const month of ['202003', '202004']) {
      mkdirSync(join(monthlyRoot, month), { recursive: true });
      writeFileSync(join(monthlyRoot, month, '00000000.tar'), '');
    }
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const run = (argv: string[], env: Record<string, string> = standInEnv({ stepMs: 1 })) =>
    spawnSync(argv[0]!, argv.slice(1), { env: { ...process.env, ...env }, encoding: 'utf8', cwd: dir });

  const evalRows = (outputDir: string): Row[] =>
    readFileSync(join(outputDir, 'eval_results.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Row);

  it('trains 2020-04 on its month folder from the demo’s 2020-03 checkpoint, the loss going on from where 2020-03 ended', () => {
    const resume = join(month202003, 'checkpoints', 'epoch_latest.pt');
    const r = run(
      standInTrainArgv({
        dataDir: `${monthlyRoot}/202004/`,
        outputDir: join(dir, 'out'),
        expName: 'datacomp_medium-basic_sequential_m202004',
        extra: ['--new_run', '--warmup', '0', '--resume', resume],
      }),
      standInEnv({ epochs: 2, stepsPerEpoch: 4 }),
    );
    assert.equal(r.status, 0, r.stderr);
    const exp = join(dir, 'out', 'datacomp_medium-basic_sequential_m202004');
    const params = readFileSync(join(exp, 'params.txt'), 'utf8').split('\n');
    assert.ok(params.includes(`train_data: ${monthlyRoot}/202004/`), params.join('\n'));
    assert.ok(params.includes(`resume: ${resume}`));
    assert.ok(params.includes('warmup: 0'));

    const ended = lastAverageLoss(join(month202003, 'out.log')); // 4.33 in the demo
    const lines = trainLosses(join(exp, 'out.log'));
    assert.equal(lines.length, 8);
    // A small bump on the new month, then below where it started; never back at a from-scratch loss (about 8.3).
    assert.ok(Math.abs(lines[0]!.loss - ended) < 0.25, `first loss ${lines[0]!.loss}, 2020-03 ended at ${ended}`);
    for (const l of lines) assert.ok(Math.abs(l.loss - ended) < 0.3, `loss ${l.loss} far from ${ended}`);
    assert.ok(lines[lines.length - 1]!.loss < lines[0]!.loss);
    // The logit scale goes on too (2020-03 ended at 67.3).
    assert.ok(lines[0]!.scale >= 67.3 && lines[lines.length - 1]!.scale > lines[0]!.scale, JSON.stringify(lines));
  });

  it('keeps the continued curve when a --resume latest restart finishes the run, and reads ::-joined months', () => {
    const args = (resume: string[]) =>
      standInTrainArgv({
        dataDir: `${monthlyRoot}/202004/::${monthlyRoot}/202003/`,
        outputDir: join(dir, 'out'),
        expName: 'datacomp_medium-basic_cumulative_m202004',
        extra: ['--warmup', '0', ...resume],
      });
    const first = run(
      args(['--new_run', '--resume', join(year2019, 'checkpoints', 'epoch_latest.pt')]),
      standInEnv({ epochs: 1, stepsPerEpoch: 4 }),
    );
    assert.equal(first.status, 0, first.stderr);
    const restart = run(args(['--resume', 'latest']), standInEnv({ epochs: 2, stepsPerEpoch: 4 }));
    assert.equal(restart.status, 0, restart.stderr);
    assert.match(restart.stderr, /=> resuming checkpoint '.*epoch_latest\.pt' \(epoch 1\)/);
    const ended = lastAverageLoss(join(year2019, 'out.log')); // 4.54 in the demo
    const lines = trainLosses(join(dir, 'out', 'datacomp_medium-basic_cumulative_m202004', 'out.log'));
    assert.deepEqual(
      lines.map((l) => l.epoch),
      [0, 0, 0, 0, 1, 1, 1, 1],
    );
    for (const l of lines) assert.ok(Math.abs(l.loss - ended) < 0.3, `loss ${l.loss} far from ${ended}`);
  });

  it('fails like train.py when a month folder of the data is missing', () => {
    const r = run(
      standInTrainArgv({
        dataDir: `${monthlyRoot}/202005/::${monthlyRoot}/202004/`,
        outputDir: join(dir, 'out'),
        expName: 'm202005',
      }),
    );
    assert.equal(r.status, 1);
    assert.match(
      r.stderr,
      new RegExp(`FileNotFoundError: \\[Errno 2\\] No such file or directory: '${monthlyRoot}/202005'`),
    );
  });

  it('evaluates a monthly step on the 102 monthly tasks of both families by default, best on its own month', () => {
    const outputDir = join(dir, 'eval');
    const r = run([standInEvaluate, '--train_output_dir', month202003, '--output_dir', outputDir]);
    assert.equal(r.status, 0, r.stderr);
    const rows = evalRows(outputDir);
    // generate_tasklist.py's order (yaml.dump with sorted keys): DataCompNet, then retrieval, months ascending.
    assert.deepEqual(
      rows.map((row) => [row.key, row.dataset]),
      [
        ...ticMonths.map((m) => [`tic/datacomp/datacompnet/monthly/${m}`, `TiC-DataCompNet-Monthly-${m}`]),
        ...ticMonths.map((m) => [`tic/datacomp/retrieval/monthly/${m}`, `TiC-DataComp-Retrieval-Monthly-${m}`]),
      ],
    );
    const retrieval = rows.find((row) => row.key === 'tic/datacomp/retrieval/monthly/202003')!;
    assert.equal(retrieval.metrics['main_metric'], retrieval.metrics['mean_recall@1']);
    const dcnet = rows.find((row) => row.key === 'tic/datacomp/datacompnet/monthly/202003')!;
    assert.equal(dcnet.metrics['main_metric'], dcnet.metrics['acc1']);
    assert.match(
      readFileSync(join(outputDir, 'eval_results.jsonl'), 'utf8'),
      /^\{"key": "tic\/datacomp\/datacompnet\/monthly\/201403", "dataset": "TiC-DataCompNet-Monthly-201403", "metrics": \{"acc1": 0\.\d+, /,
    );
    for (const family of ['retrieval', 'datacompnet']) {
      const score = (m: number) =>
        rows.find((row) => row.key === `tic/datacomp/${family}/monthly/${m}`)!.metrics['main_metric']!;
      const best = ticMonths.reduce((a, b) => (score(b) > score(a) ? b : a));
      assert.equal(best, 202003, family);
      assert.ok(score(202306) < score(202003) - 0.01, `${family}: the future is lower`);
      assert.ok(score(201403) < score(202003) - 0.01, `${family}: older months are lower`);
      // The demo's level (demo/generate.py: mean_recall@1 about 0.31, acc1 about 0.23 on the own month).
      assert.ok(score(202003) > 0.2 && score(202003) < 0.36, `${family}: ${score(202003)}`);
    }
    assert.match(r.stdout, /^Evaluating\nEvaluating on TiC-DataCompNet-Monthly-201403\nScore: 0\.\d{4}\n/);
  });

  it('writes the task list generate_tasklist.py would for --eval-tasks and --sample-eval (or their environment)', () => {
    const yearly = join(dir, 'eval-yearly');
    const r = run([
      standInEvaluate,
      '--train_output_dir',
      year2019,
      '--output_dir',
      yearly,
      '--eval-tasks',
      'retrieval/monthly',
    ]);
    assert.equal(r.status, 0, r.stderr);
    const rows = evalRows(yearly);
    assert.deepEqual(
      rows.map((row) => row.key),
      ticMonths.map((m) => `tic/datacomp/retrieval/monthly/${m}`),
    );
    // The 2019 step counts as trained through 2019-12: the month after it scores about the same, later ones lower.
    const score = (m: number) => rows.find((row) => row.key.endsWith(`/${m}`))!.metrics['main_metric']!;
    assert.ok(score(202306) < score(202001) - 0.01);

    const sample = join(dir, 'eval-sample');
    const s = run(
      [standInEvaluate, '--train_output_dir', month202003, '--output_dir', sample],
      standInEnv({ stepMs: 1 }, { TIC_STANDIN_SAMPLE_EVAL: '1' }),
    );
    assert.equal(s.status, 0, s.stderr);
    assert.deepEqual(
      evalRows(sample).map((row) => row.dataset),
      [
        'TiC-DataCompNet-Monthly-201403',
        'TiC-DataCompNet-Yearly-2014',
        'TiC-DataComp-Retrieval-Monthly-201403',
        'TiC-DataComp-Retrieval-Yearly-2014',
      ],
    );
    const both = join(dir, 'eval-both');
    const b = run(
      [standInEvaluate, '--train_output_dir', month202003, '--output_dir', both],
      standInEnv({ stepMs: 1 }, { TIC_STANDIN_EVAL_TASKS: 'datacompnet/yearly' }),
    );
    assert.equal(b.status, 0, b.stderr);
    assert.deepEqual(
      evalRows(both).map((row) => row.key),
      [2014, 2015, 2016, 2017, 2018, 2019, 2020, 2021, 2022].map((y) => `tic/datacomp/datacompnet/yearly/${y}`),
    );
  });
});
