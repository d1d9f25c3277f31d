import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { standInEnv, standInEvaluate, standInTrain, standInTrainArgv } from '../../fixtures/standIn/standIn';

// The stand-ins are only useful if they print what the real tools print: these pin them to contracts.md.
const prefix = /^\d{4}-\d{2}-\d{2},\d{2}:\d{2}:\d{2} \| INFO \| /;
const trainEpochLine =
  /^(\d{4}-\d{2}-\d{2},\d{2}:\d{2}:\d{2}) \| (\w+) \| Train Epoch: (\d+) \[\s*(\d+)\/(\d+) \((\d+)%\)\] Data \(t\): ([\d.]+) Batch \(t\): ([\d.]+), ([\d.eE+-]+)\/s, ([\d.eE+-]+)\/s\/gpu LR: ([\d.eE+-]+) Logit Scale: ([\d.]+) (.*)$/;

describe('the stand-in trainer and evaluator (demo/simulator)', function () {
  this.timeout(15_000);
  let dir: string;
  let dataDir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tic-standin-'));
    dataDir = join(dir, 'data');
    mkdirSync(dataDir);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const run = (argv: string[], env = standInEnv()) =>
    spawnSync(argv[0]!, argv.slice(1), { env: { ...process.env, ...env }, encoding: 'utf8', cwd: dir });

  it('logs the real formats to stderr and out.log, DC lines to stdout, and writes the §1.5 layout', () => {
    const r = run(
      standInTrainArgv({ dataDir, outputDir: join(dir, 'out'), expName: 'e', nproc: 2 }),
      standInEnv({ epochs: 2, stepsPerEpoch: 4 }),
    );
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'Running training on scale tic_medium\nWorld size is 2.\nDone training.\n');
    const exp = join(dir, 'out', 'e');
    const outLog = readFileSync(join(exp, 'out.log'), 'utf8');
    assert.equal(r.stderr, outLog, 'every log record goes to both');
    const train = outLog.split('\n').filter((l) => l.includes('Train Epoch'));
    assert.equal(train.length, 8);
    const first = trainEpochLine.exec(train[0]!);
    assert.ok(first, train[0]);
    // tic_medium on 2 GPUs: per-GPU batch 2048, 4 steps of 4096 samples per epoch.
    assert.deepEqual([first[3], first[4], first[5], first[6]], ['0', '4096', '16384', '25']);
    assert.match(train[0]!, /\[ 4096\/16384 \(25%\)\]/, 'right-aligned to the width of the total');
    assert.match(first[13]!, /^Contrastive_loss: \d\.\d{4} \(\d\.\d{4}\) Loss: \d\.\d{4} \(\d\.\d{4}\)$/);
    assert.match(first[9]!, /^\d+(\.\d+)?(e\+\d\d)?$/);
    assert.ok(
      outLog.includes(
        '| Running in distributed mode with multiple processes. Device: cuda:0.Process (global: 0, local 0), total 2.',
      ),
    );
    assert.match(
      outLog,
      /\| Eval Epoch: 2 imagenet-zeroshot-val-top1: 0\.\d{4}\timagenet-zeroshot-val-top5: 0\.\d{4}\n/,
    );
    for (const line of outLog.split('\n').filter((l) => l !== '' && !l.startsWith(' ') && l !== ')'))
      assert.match(line, prefix, line);

    const params = readFileSync(join(exp, 'params.txt'), 'utf8').trim().split('\n');
    const names = params.map((l) => l.slice(0, l.indexOf(': ')));
    assert.deepEqual(names, [...names].sort());
    assert.ok(
      params.includes('model: ViT-B-32') &&
        params.includes('epochs: 2') &&
        params.includes('name: e') &&
        params.includes('batch_size: 2048'),
    );

    assert.match(
      readFileSync(join(exp, 'checkpoints', 'results.jsonl'), 'utf8'),
      /^\{"imagenet-zeroshot-val-top1": 0\.\d+, "imagenet-zeroshot-val-top5": 0\.\d+\}\n$/,
    );
    // Real torch checkpoints (copies of the resumed or seed checkpoint; the stand-in keeps their zip root, where
    // open_clip's epoch_latest.pt would have tmp/, §2.6).
    assert.ok(readFileSync(join(exp, 'checkpoints', 'epoch_latest.pt')).includes('/data.pkl'));
    assert.ok(
      readFileSync(join(exp, 'checkpoints', 'epoch_2.pt')).includes('/data.pkl'),
      'a real torch zip checkpoint',
    );
    assert.ok(statSync(join(exp, 'info.pkl')).size > 0);
  });

  it('rejects --blur_field like open_clip’s argparse, and unknown or missing arguments like DC’s', () => {
    const blur = run([
      standInTrain,
      '--scale',
      'tic_medium',
      '--data_dir',
      dataDir,
      '--output_dir',
      dir,
      '--blur_field',
      'bbox',
    ]);
    assert.equal(blur.status, 2);
    assert.match(blur.stderr, /^usage: train\.py .*\ntrain\.py: error: unrecognized arguments: --blur-field bbox\n$/);
    const missing = run([standInTrain, '--data_dir', dataDir]);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /train\.py: error: the following arguments are required: --scale, --output_dir\n$/);
    const unknown = run([
      standInTrain,
      '--scale',
      'tic_medium',
      '--data_dir',
      dataDir,
      '--output_dir',
      dir,
      '--frobnicate',
    ]);
    assert.match(unknown.stderr, /train\.py: error: unrecognized arguments: --frobnicate\n$/);
  });

  it('resumes a finished run with --resume latest and trains nothing (§1.4)', () => {
    const args = standInTrainArgv({ dataDir, outputDir: join(dir, 'out'), expName: 'r' });
    assert.equal(run(args, standInEnv({ epochs: 1 })).status, 0);
    const again = run(args, standInEnv({ epochs: 1 }));
    assert.equal(again.status, 0);
    assert.match(again.stderr, /\| Found latest resume checkpoint at .*epoch_latest\.pt\.\n/);
    assert.match(again.stderr, /=> resuming checkpoint '.*epoch_latest\.pt' \(epoch 1\)\n/);
    assert.doesNotMatch(again.stderr, /Train Epoch/);
  });

  it('writes eval_results.jsonl rows exactly like json.dumps in evaluate.py, and skips cached tasks', () => {
    const trainDir = join(dir, 'out', 'cumulative_2018');
    assert.equal(
      run(
        standInTrainArgv({ dataDir, outputDir: join(dir, 'out'), expName: 'cumulative_2018' }),
        standInEnv({ epochs: 1 }),
      ).status,
      0,
    );
    const evalDir = join(dir, 'eval');
    const args = [standInEvaluate, '--train_output_dir', trainDir, '--output_dir', evalDir];
    const r = run(args);
    assert.equal(r.status, 0, r.stderr);
    const rows = readFileSync(join(evalDir, 'eval_results.jsonl'), 'utf8').trim().split('\n');
    assert.equal(rows.length, 18);
    const retrieval = JSON.parse(rows[9]!) as { key: string; dataset: string; metrics: Record<string, number> };
    assert.equal(retrieval.key, 'tic/datacomp/retrieval/yearly/2014');
    assert.deepEqual(Object.keys(retrieval.metrics), [
      'image_retrieval_recall@1',
      'text_retrieval_recall@1',
      'image_retrieval_recall@5',
      'text_retrieval_recall@5',
      'image_retrieval_recall@10',
      'text_retrieval_recall@10',
      'mean_recall@1',
      'main_metric',
    ]);
    assert.equal(
      retrieval.metrics['mean_recall@1'],
      0.5 * (retrieval.metrics['text_retrieval_recall@1']! + retrieval.metrics['image_retrieval_recall@1']!),
    );
    assert.ok(
      rows.every((row) => row.includes('", "dataset": "') && row.includes('"metrics": {')),
      'Python separators',
    );
    // Best near the training year (2018), worse for the future.
    const score = (year: number) => (JSON.parse(rows[year - 2014]!) as { metrics: { acc1: number } }).metrics.acc1;
    assert.ok(score(2018) > score(2022));
    assert.match(r.stdout, /^Evaluating\nEvaluating on TiC-DataCompNet-Yearly-2014\nScore: 0\.\d{4}\n/);
    assert.match(
      r.stdout,
      /Evaluation time: 0 hour\(s\) 0 minute\(s\) \d+ second\(s\)\n\n=== Final results ===\nTiC-DataCompNet-Yearly-2014: 0\.\d+\n/,
    );

    const cached = run(args);
    assert.match(
      cached.stdout,
      /^Found 18 eval result\(s\) in .*eval_results\.jsonl\.\nEvaluating\nSkipping TiC-DataCompNet-Yearly-2014 since results are already in /,
    );
    assert.equal(readFileSync(join(evalDir, 'eval_results.jsonl'), 'utf8').trim().split('\n').length, 18);
  });

  it('fails like evaluate.py without info.pkl or with a missing --use_model checkpoint', () => {
    const noInfo = run([standInEvaluate, '--train_output_dir', join(dir, 'nothing')]);
    assert.equal(noInfo.status, 1);
    assert.match(noInfo.stderr, /\nFileNotFoundError: \[Errno 2\] No such file or directory: '.*info\.pkl'\n$/);
    const missing = run([
      standInEvaluate,
      '--train_output_dir',
      dir,
      '--output_dir',
      join(dir, 'e'),
      '--use_model',
      `ViT-B-16 ${join(dir, '2022.pt')}`,
    ]);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /RuntimeError: Pretrained weights \(.*2022\.pt\) not found for model ViT-B-16\.\n$/);
    assert.ok(existsSync(join(dir, 'e', 'info.pkl')), 'the bare-bones info.pkl is written first (§3.2)');
  });
});
