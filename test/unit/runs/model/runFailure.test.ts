import assert from 'node:assert/strict';
import { detectRunFailure, type RunOutcome } from '../../../../src/runs/model/runFailure';

// Lines of a real open_clip out.log (shared/fixtures/openclip/out.sample.filtered.log, contracts.md §8).
const realLog = [
  '2026-11-28,15:38:44 | INFO | No latest resume checkpoint found in /home/alice/ml-tic-clip/datacomp/results/tic_test/checkpoints.',
  '2026-11-28,15:38:44 | INFO | Running with a single process. Device cpu.',
  '2026-11-28,15:38:45 | INFO | Start epoch 0',
  '2026-11-28,15:38:50 | INFO | Train Epoch: 0 [ 4/16 (25%)] Data (t): 0.008 Batch (t): 5.865, 0.682013/s, 0.682013/s/gpu LR: 0.000250 Logit Scale: 14.286 Contrastive_loss: 1.3863 (1.3863) Loss: 1.3863 (1.3863)',
  '2026-11-28,15:38:56 | INFO | Train Epoch: 0 [16/16 (100%)] Data (t): 0.007 Batch (t): 2.351, 1.70124/s, 1.70124/s/gpu LR: 0.000488 Logit Scale: 14.286 Contrastive_loss: 1.3863 (1.3863) Loss: 1.3863 (1.3863)',
  '2026-11-28,15:39:13 | INFO | Starting zero-shot imagenet.',
  '2026-11-28,15:39:15 | INFO | Eval Epoch: 2 imagenet-zeroshot-val-top1: 0.1111\timagenet-zeroshot-val-top5: 0.6667',
  '',
].join('\n');
const dcStart = 'Running training on scale tic_medium\nWorld size is 8.\n';

function train(logTail: string, extra: Partial<RunOutcome> = {}): RunOutcome {
  return {
    kind: 'train',
    exitCode: 0,
    signal: null,
    logTail,
    checkpointExists: true,
    checkpointUpdated: true,
    ...extra,
  };
}

const oomTraceback = [
  'Traceback (most recent call last):',
  '  File "/home/u/ml-tic-clip/datacomp/train.py", line 333, in <module>',
  '    success = main(main_args)',
  '  File "/opt/conda/lib/python3.10/site-packages/training/train.py", line 101, in train_one_epoch',
  '    model_out = model(images, texts)',
  'RuntimeError: CUDA out of memory. Tried to allocate 2.00 GiB',
].join('\n');

const torchrunSummary = [
  'ERROR:torch.distributed.elastic.multiprocessing.api:failed (exitcode: 1) local_rank: 0 (pid: 42) of binary: /usr/bin/python',
  'Traceback (most recent call last):',
  '  File "/usr/bin/torchrun", line 8, in <module>',
  '    sys.exit(main())',
  'torch.distributed.elastic.multiprocessing.errors.ChildFailedError: ',
  '============================================================',
  'train.py FAILED',
  '============================================================',
].join('\n');

describe('detectRunFailure (pure: log tail + output-dir facts)', () => {
  it('accepts a real open_clip log that ends with "Done training." and a fresh epoch_latest.pt', () => {
    assert.equal(detectRunFailure(train(`${dcStart}${realLog}Done training.\n`)), undefined);
  });

  it('fails "Error. Experiment already exists" although the exit code is 0 (§1.4)', () => {
    const tail = `${dcStart}Error. Experiment already exists. Use --name {} to specify a new experiment.\nError running training. Exiting.\nDone training.\n`;
    assert.deepEqual(detectRunFailure(train(tail, { checkpointUpdated: false })), {
      reason: 'experimentExists',
      detail: 'Error. Experiment already exists. Use --name {} to specify a new experiment.',
    });
  });

  it('fails "Error running training. Exiting." on its own', () => {
    assert.equal(
      detectRunFailure(train(`${dcStart}Error running training. Exiting.\nDone training.\n`))?.reason,
      'trainingError',
    );
  });

  it('names the worker’s exception, not torchrun’s ChildFailedError that follows it', () => {
    const failure = detectRunFailure(train(`${realLog}${oomTraceback}\n${torchrunSummary}\n`, { exitCode: 1 }));
    assert.deepEqual(failure, {
      reason: 'traceback',
      detail: 'RuntimeError: CUDA out of memory. Tried to allocate 2.00 GiB',
    });
  });

  it('fails a traceback at the end of the log even with exit code 0', () => {
    assert.equal(detectRunFailure(train(`${realLog}${oomTraceback}\n`))?.reason, 'traceback');
  });

  it('ignores a traceback that training got past (log records follow it) when the run exited 0', () => {
    const tail = `${oomTraceback}\n${realLog}Done training.\n`;
    assert.equal(detectRunFailure(train(tail)), undefined);
  });

  it('takes a chained traceback’s last exception line', () => {
    const chained = `${oomTraceback}\n\nDuring handling of the above exception, another exception occurred:\n\nTraceback (most recent call last):\n  File "x.py", line 1, in <module>\n    f()\nValueError: boom\n`;
    assert.equal(
      detectRunFailure(train(chained, { exitCode: 1 }))?.detail,
      'RuntimeError: CUDA out of memory. Tried to allocate 2.00 GiB',
    );
  });

  it('reports argparse errors as badArguments', () => {
    const tail = `${dcStart}usage: train.py [-h] [--train-data TRAIN_DATA] …\ntrain.py: error: unrecognized arguments: --blur-field x\n`;
    assert.deepEqual(detectRunFailure(train(tail, { exitCode: 2 })), {
      reason: 'badArguments',
      detail: 'train.py: error: unrecognized arguments: --blur-field x',
    });
  });

  it('falls back to the exit code or the signal', () => {
    assert.deepEqual(detectRunFailure(train('Segmentation fault\n', { exitCode: 139 })), {
      reason: 'exitCode',
      detail: '139',
    });
    assert.deepEqual(detectRunFailure(train('', { exitCode: null, signal: 'SIGKILL' })), {
      reason: 'signal',
      detail: 'SIGKILL',
    });
  });

  it('fails a train run that exited 0 without checkpoints/epoch_latest.pt', () => {
    assert.equal(
      detectRunFailure(train(`${realLog}Done training.\n`, { checkpointExists: false }))?.reason,
      'missingCheckpoint',
    );
  });

  it('fails a train run that trained nothing (a finished checkpoint resumed without --new_run, pitfall 2)', () => {
    const tail = `${dcStart}2026-11-28,15:40:24 | INFO | => resuming checkpoint '/r/ckpt.pt' (epoch 5)\nDone training.\n`;
    assert.equal(detectRunFailure(train(tail, { checkpointUpdated: false }))?.reason, 'nothingTrained');
    assert.equal(
      detectRunFailure(train(`${realLog}Done training.\n`, { checkpointUpdated: false })),
      undefined,
      'it logged Train Epoch lines',
    );
  });

  it('checks evaluation runs for a traceback and for eval_results.jsonl', () => {
    const ok =
      'Evaluating\nEvaluating on TiC-DataCompNet-Yearly-2014\nScore: 0.4070\n=== Final results ===\nTiC-DataCompNet-Yearly-2014: 0.407\n';
    assert.equal(
      detectRunFailure({ kind: 'eval', exitCode: 0, signal: null, logTail: ok, evalResultsExists: true }),
      undefined,
    );
    assert.equal(
      detectRunFailure({ kind: 'eval', exitCode: 0, signal: null, logTail: ok, evalResultsExists: false })?.reason,
      'missingEvalResults',
    );
    const crashed = `Evaluating\nEvaluating on TiC-DataCompNet-Yearly-2014\nTraceback (most recent call last):\n  File "evaluate.py", line 3, in <module>\n    x\nFileNotFoundError: [Errno 2] No such file or directory: 'data/tic/datacomp/yearly/eval/datacompnet/2014/count.txt'\n`;
    assert.match(
      detectRunFailure({ kind: 'eval', exitCode: 1, signal: null, logTail: crashed })?.detail ?? '',
      /^FileNotFoundError: .*count\.txt'$/,
    );
  });

  it('reports a spawn error first', () => {
    assert.deepEqual(detectRunFailure(train('', { exitCode: null, spawnError: 'spawn torchrun ENOENT' })), {
      reason: 'spawnFailed',
      detail: 'spawn torchrun ENOENT',
    });
  });
});
