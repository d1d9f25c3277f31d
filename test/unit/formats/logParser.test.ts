import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LogEvent, TrainStepEvent } from '../../../src/formats/logEvents';
import { LogParser, parseLogText } from '../../../src/formats/logParser';
import { summarizeLog } from '../../../src/formats/logSummary';
import { parseParamsText } from '../../../src/formats/paramsText';

const root = join(__dirname, '../../..');
const fixtures = join(root, 'test/fixtures/openclip');
const read = (name: string): Buffer => readFileSync(join(fixtures, name));

function steps(events: readonly LogEvent[]): TrainStepEvent[] {
  return events.filter((e): e is TrainStepEvent => e.type === 'trainStep');
}

function ofType<T extends LogEvent['type']>(events: readonly LogEvent[], type: T): Extract<LogEvent, { type: T }>[] {
  return events.filter((e): e is Extract<LogEvent, { type: T }> => e.type === type);
}

/** [time, epoch, seen, total, percent, data, batch, samples/s, lr] of every Train Epoch line in the real fixtures. */
type Row = [string, number, number, number, number, number, number, number, number];
const firstRun: Row[] = [
  ['15:38:50', 0, 4, 16, 25, 0.008, 5.865, 0.682013, 0.00025],
  ['15:38:52', 0, 8, 16, 50, 0.004, 1.782, 2.2446, 0.0005],
  ['15:38:54', 0, 12, 16, 75, 0.008, 1.767, 2.26396, 0.0005],
  ['15:38:56', 0, 16, 16, 100, 0.007, 2.351, 1.70124, 0.000488],
  ['15:39:08', 1, 4, 16, 25, 0.004, 2.24, 1.78572, 0.000452],
  ['15:39:10', 1, 8, 16, 50, 0.006, 1.722, 2.32224, 0.000397],
  ['15:39:12', 1, 12, 16, 75, 0.006, 1.892, 2.11429, 0.000327],
  ['15:39:13', 1, 16, 16, 100, 0.006, 1.793, 2.23068, 0.00025],
  ['15:39:30', 2, 4, 16, 25, 0.004, 2.585, 1.54765, 0.000173],
  ['15:39:33', 2, 8, 16, 50, 0.004, 2.75, 1.45441, 0.000103],
  ['15:39:35', 2, 12, 16, 75, 0.005, 2.429, 1.64701, 0.000048],
  ['15:39:38', 2, 16, 16, 100, 0.005, 2.548, 1.56991, 0.000012],
];
const newRun: Row[] = [
  ['15:40:34', 0, 4, 16, 25, 0.007, 5.781, 0.691953, 0.0005],
  ['15:40:35', 0, 8, 16, 50, 0.005, 1.848, 2.1647, 0.000427],
  ['15:40:37', 0, 12, 16, 75, 0.006, 1.392, 2.87431, 0.00025],
  ['15:40:38', 0, 16, 16, 100, 0.006, 1.389, 2.88027, 0.000073],
];

function assertRows(actual: TrainStepEvent[], expected: Row[]): void {
  assert.equal(actual.length, expected.length);
  actual.forEach((step, i) => {
    const [time, epoch, seen, total, percent, data, batch, sps, lr] = expected[i]!;
    assert.deepEqual(
      {
        timestamp: step.timestamp,
        epoch: step.epoch,
        samplesSeen: step.samplesSeen,
        samplesPerEpoch: step.samplesPerEpoch,
        percent: step.percent,
        dataTime: step.dataTime,
        batchTime: step.batchTime,
        samplesPerSecond: step.samplesPerSecond,
        samplesPerSecondPerGpu: step.samplesPerSecondPerGpu,
        lr: step.lr,
        logitScale: step.logitScale,
        losses: step.losses,
      },
      {
        timestamp: `2026-11-28,${time}`,
        epoch,
        samplesSeen: seen,
        samplesPerEpoch: total,
        percent,
        dataTime: data,
        batchTime: batch,
        samplesPerSecond: sps,
        samplesPerSecondPerGpu: sps,
        lr,
        logitScale: 14.286,
        losses: { contrastive_loss: { value: 1.3863, avg: 1.3863 }, loss: { value: 1.3863, avg: 1.3863 } },
      },
      `line ${step.line}`,
    );
  });
}

describe('LogParser on the real OpenCLIP fixtures (contracts §2.1–2.3)', () => {
  for (const file of ['out.sample.full.log', 'out.sample.filtered.log', 'out.sample.newrun.log']) {
    it(`parses every Train Epoch line of ${file} with its exact values and misreads no line`, () => {
      const text = read(file).toString('utf8');
      const events = parseLogText(text);
      const trainLines = text.split('\n').flatMap((l, i) => (l.includes('Train Epoch:') ? [i + 1] : []));
      assert.deepEqual(
        steps(events).map((s) => s.line),
        trainLines,
      );
      assertRows(steps(events), file === 'out.sample.newrun.log' ? newRun : firstRun);
      assert.deepEqual(ofType(events, 'unparsedLine'), []);
      assert.deepEqual(ofType(events, 'output'), [], 'every unprefixed line belongs to the model repr');
      assert.deepEqual(ofType(events, 'record'), [], 'every record is a known kind');
    });
  }

  it('reads the full log: two starts, resume lines, the model repr, both Params blocks and the 1-based evals', () => {
    const events = parseLogText(read('out.sample.full.log'));
    assert.deepEqual(
      ofType(events, 'resume').map((r) => [r.kind, r.path, r.epoch, r.line]),
      [
        ['noLatest', '/home/alice/ml-tic-clip/datacomp/results/tic_test/checkpoints', null, 1],
        ['foundLatest', '/home/alice/ml-tic-clip/datacomp/results/tic_test/checkpoints/epoch_latest.pt', null, 482],
        ['resuming', '/home/alice/ml-tic-clip/datacomp/results/tic_test/checkpoints/epoch_latest.pt', 3, 938],
      ],
    );
    assert.deepEqual(
      ofType(events, 'runStart').map((r) => [r.mode, r.device, r.worldSize, r.line]),
      [
        ['single', 'cpu', 1, 2],
        ['single', 'cpu', 1, 483],
      ],
    );
    assert.deepEqual(
      ofType(events, 'modelConfig').map((m) => m.model),
      ['ViT-B-32', 'ViT-B-32'],
    );
    const repr = ofType(events, 'modelRepr');
    assert.equal(repr.length, 2);
    assert.equal(repr[0]!.line, 5);
    assert.equal(repr[0]!.lineCount, 354);
    assert.ok(repr[0]!.text.startsWith('CLIP(\n  (visual): VisionTransformer('));
    assert.ok(repr[0]!.text.endsWith('\n)'));
    const params = ofType(events, 'params');
    assert.equal(params.length, 2);
    assert.equal(Object.keys(params[0]!.params.values).length, 97);
    assert.deepEqual(params[0]!.params.problems, []);
    assert.equal(params[0]!.params.values['csv_separator'], '\t', 'the literal TAB survives (§1.5)');
    assert.equal(params[0]!.params.values['pretrained'], '');
    // params.txt is rewritten on every start (§1.5): it equals the last Params block.
    assert.deepEqual(
      { ...params[1]!.params.values },
      { ...parseParamsText(read('params.sample.txt').toString()).values },
    );
    assert.deepEqual(
      ofType(events, 'startEpoch').map((s) => s.epoch),
      [0, 1, 2],
    );
    assert.deepEqual(
      ofType(events, 'evalMetrics').map((e) => [e.epoch, e.metrics]),
      [
        [2, { 'imagenet-zeroshot-val-top1': 0.1111, 'imagenet-zeroshot-val-top5': 0.6667 }],
        [3, { 'imagenet-zeroshot-val-top1': 0.1111, 'imagenet-zeroshot-val-top5': 0.6667 }],
      ],
    );
    assert.deepEqual(
      ofType(events, 'zeroShot').map((z) => z.phase),
      ['start', 'buildClassifier', 'useClassifier', 'finish', 'start', 'buildClassifier', 'useClassifier', 'finish'],
    );
  });

  it('cuts the appended log into starts and summarises each', () => {
    const summary = summarizeLog(parseLogText(read('out.sample.full.log')));
    assert.equal(summary.lines, 938);
    assert.equal(summary.runs.length, 2);
    assert.deepEqual(
      summary.runs.map((r) => [r.startLine, r.trainSteps, r.evals, r.resumes.map((x) => x.kind)]),
      [
        [1, 12, 2, ['noLatest']],
        [482, 0, 0, ['foundLatest', 'resuming']],
      ],
    );
    assert.deepEqual(
      summary.epochs.map((e) => [e.epoch, e.steps, e.lastStep.percent]),
      [
        [0, 4, 100],
        [1, 4, 100],
        [2, 4, 100],
      ],
    );
    assert.equal(summary.model, 'ViT-B-32');
    assert.equal(summary.firstNonFiniteLoss, null);
  });

  it('gives the same events whatever the chunking: bytes one at a time, odd sizes, strings, CRLF', () => {
    const bytes = read('out.sample.full.log');
    const whole = parseLogText(bytes);
    const chunked = (size: number): LogEvent[] => {
      const events: LogEvent[] = [];
      const parser = new LogParser((e) => events.push(e));
      for (let i = 0; i < bytes.length; i += size) parser.write(bytes.subarray(i, i + size));
      parser.end();
      return events;
    };
    assert.deepEqual(chunked(1), whole);
    assert.deepEqual(chunked(7), whole);
    assert.deepEqual(chunked(4093), whole);
    const text = bytes.toString('utf8');
    const asStrings: LogEvent[] = [];
    const stringParser = new LogParser((e) => asStrings.push(e));
    for (let i = 0; i < text.length; i += 333) stringParser.write(text.slice(i, i + 333));
    stringParser.end();
    assert.deepEqual(asStrings, whole);
    assert.deepEqual(parseLogText(text.replace(/\n/g, '\r\n')), whole);
  });

  it('decodes a UTF-8 character split across chunks', () => {
    const line = '2026-11-28,15:38:44 | INFO | No latest resume checkpoint found in /data/résultats/ツ/checkpoints.\n';
    const bytes = Buffer.from(line, 'utf8');
    const split = bytes.indexOf(Buffer.from('ツ', 'utf8')) + 1;
    const events: LogEvent[] = [];
    const parser = new LogParser((e) => events.push(e));
    parser.write(bytes.subarray(0, split));
    parser.write(bytes.subarray(split));
    parser.end();
    assert.deepEqual(
      ofType(events, 'resume').map((r) => r.path),
      ['/data/résultats/ツ/checkpoints'],
    );
  });

  for (const dir of readdirSync(join(root, 'demo/datacomp/results'))) {
    it(`parses the demo log of ${dir}: 5 epochs × 19 steps, evals after epochs 2, 4, 5`, () => {
      const text = readFileSync(join(root, 'demo/datacomp/results', dir, 'out.log'), 'utf8');
      const events = parseLogText(text);
      const summary = summarizeLog(events);
      assert.equal(summary.trainSteps, text.split('Train Epoch:').length - 1);
      assert.equal(summary.trainSteps, 95);
      assert.deepEqual(
        summary.epochs.map((e) => [e.epoch, e.steps, e.lastStep.samplesSeen, e.lastStep.samplesPerEpoch]),
        [0, 1, 2, 3, 4].map((e) => [e, 19, 3_686_400, 3_686_400]),
      );
      assert.deepEqual(
        summary.evals.map((e) => e.epoch),
        [2, 4, 5],
      );
      assert.equal(summary.runs.length, 1);
      assert.equal(summary.runs[0]!.worldSize, 8);
      assert.equal(summary.unparsedLines, 0);
      assert.deepEqual(ofType(events, 'output'), []);
      assert.deepEqual(ofType(events, 'record'), []);
      assert.equal(Object.keys(summary.params!.values).length, 97);
      const first = summary.firstStep!;
      assert.equal(first.samplesSeen, 4096, 'batch 1 of 900: 512 per GPU × 8 GPUs');
      assert.ok(first.samplesPerSecond > 0 && Number.isFinite(first.samplesPerSecond));
    });
  }
});

const ts = '2026-11-28,15:38:50 | INFO | ';

describe('LogParser on the lines contracts §2 describes but the fixtures lack', () => {
  it('reads nan and inf losses, %g exponents and a 0.000000 LR', () => {
    const [step] = parseLogText(
      `${ts}Train Epoch: 3 [ 1234567/36864000 (3%)] Data (t): 0.120 Batch (t): 0.613, 1.33640e+06/s, 16705.0/s/gpu LR: 0.000000 Logit Scale: 100.000 Contrastive_loss: nan (nan) Loss: inf (-inf)\n`,
    );
    assert.ok(step?.type === 'trainStep');
    assert.equal(step.samplesSeen, 1234567);
    assert.equal(step.samplesPerEpoch, 36864000);
    assert.equal(step.samplesPerSecond, 1336400);
    assert.equal(step.samplesPerSecondPerGpu, 16705);
    assert.equal(step.lr, 0);
    assert.ok(Number.isNaN(step.losses['contrastive_loss']!.value));
    assert.ok(Number.isNaN(step.losses['contrastive_loss']!.avg));
    assert.equal(step.losses['loss']!.value, Infinity);
    assert.equal(step.losses['loss']!.avg, -Infinity);
    assert.equal(summarizeLog([step]).firstNonFiniteLoss, step);
  });

  it('reads the distributed start line with rank and world size', () => {
    const [start] = parseLogText(
      `${ts}Running in distributed mode with multiple processes. Device: cuda:3.Process (global: 3, local 3), total 64.\n`,
    );
    assert.deepEqual(start, {
      type: 'runStart',
      line: 1,
      timestamp: '2026-11-28,15:38:50',
      mode: 'distributed',
      device: 'cuda:3',
      rank: 3,
      localRank: 3,
      worldSize: 64,
    });
  });

  it('reads the validation-loss lines and eval metrics whose names hold spaces', () => {
    const events = parseLogText(
      `${ts}Eval Epoch: 1 [512 / 10000]\tClip Loss: 2.345678\t\n${ts}Eval Epoch: 1 clip_val_loss: 2.3000\tepoch: 1.0000\tnum_samples: 10000.0000\timage_to_text_R@1: 0.0500\n`,
    );
    assert.deepEqual(events[0], {
      type: 'valProgress',
      line: 1,
      timestamp: '2026-11-28,15:38:50',
      epoch: 1,
      samples: 512,
      total: 10000,
      clipLoss: 2.345678,
    });
    assert.ok(events[1]?.type === 'evalMetrics');
    assert.deepEqual(events[1].metrics, {
      clip_val_loss: 2.3,
      epoch: 1,
      num_samples: 10000,
      'image_to_text_R@1': 0.05,
    });
  });

  it('reads the bare state-dict resume and the TIC patch sample count', () => {
    const events = parseLogText(`${ts}=> loaded checkpoint '/x/2017.pt' (epoch 0)\n${ts}Obtained 3686400 samples.\n`);
    assert.deepEqual(
      events.map((e) => e.type),
      ['resume', 'samplesObtained'],
    );
    assert.ok(events[0]?.type === 'resume' && events[0].kind === 'loaded' && events[0].path === '/x/2017.pt');
    assert.ok(events[1]?.type === 'samplesObtained' && events[1].samples === 3686400);
  });

  it("reads train.py's stdout markers: scale, world size, the already-exists trap, errors, Done training.", () => {
    const events = parseLogText(
      [
        'Running training on scale tic_medium',
        'World size is 8.',
        'Error. Experiment already exists. Use --name {} to specify a new experiment.',
        'Error running training. Exiting.',
        'Done training.',
        '',
      ].join('\n'),
    );
    assert.deepEqual(
      events.map((e) => [e.type, 'kind' in e ? e.kind : null]),
      [
        ['trainScale', null],
        ['worldSize', null],
        ['trainingError', 'experimentExists'],
        ['trainingError', 'trainingError'],
        ['doneTraining', null],
      ],
    );
    assert.ok(events[0]?.type === 'trainScale' && events[0].scale === 'tic_medium');
    assert.ok(events[1]?.type === 'worldSize' && events[1].worldSize === 8);
  });

  it('collects a Python traceback with its frames and its final exception line', () => {
    const events = parseLogText(
      [
        `${ts}Start epoch 0`,
        'Traceback (most recent call last):',
        '  File "/home/alice/ml-tic-clip/datacomp/train.py", line 312, in <module>',
        '    main(main_args)',
        '  File "/opt/conda/lib/python3.10/site-packages/training/train.py", line 88, in train_one_epoch',
        '    losses = loss(**model_out, output_dict=True)',
        'torch.cuda.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB',
        'Done training.',
        '',
      ].join('\n'),
    );
    const tb = ofType(events, 'traceback');
    assert.equal(tb.length, 1);
    assert.equal(tb[0]!.line, 2);
    assert.equal(tb[0]!.timestamp, '2026-11-28,15:38:50');
    assert.equal(tb[0]!.exceptionType, 'torch.cuda.OutOfMemoryError');
    assert.equal(tb[0]!.message, 'CUDA out of memory. Tried to allocate 2.00 GiB');
    assert.equal(tb[0]!.frames.length, 4);
    assert.equal(ofType(events, 'doneTraining').length, 1);
    assert.equal(summarizeLog(events).runs[0]!.errors.length, 1);
  });

  it('reports a traceback cut off by the end of the stream', () => {
    const events = parseLogText('Traceback (most recent call last):\n  File "x.py", line 1, in <module>\n');
    assert.deepEqual(
      events.map((e) => [e.type, e.type === 'traceback' ? e.exceptionType : null]),
      [['traceback', null]],
    );
  });

  it('drops tqdm bars redrawn with \\r and finds a record glued after one', () => {
    const events = parseLogText(
      [
        '  0%|          | 0/1000 [00:00<?, ?it/s]\r 45%|████▌     | 450/1000 [00:10<00:12, 43.2it/s]\r100%|██████████| 1000/1000 [00:22<00:00, 44.1it/s]',
        ` 50%|█████     | 5/10 [00:01<00:01,  4.50it/s]${ts}Finished zero-shot imagenet.`,
        `${ts}Eval Epoch: 2 imagenet-zeroshot-val-top1: 0.1111\timagenet-zeroshot-val-top5: 0.6667`,
        '',
      ].join('\n'),
    );
    assert.deepEqual(
      events.map((e) => [e.type, e.line]),
      [
        ['zeroShot', 2],
        ['evalMetrics', 3],
      ],
    );
  });

  it('reports a known line with a broken format as unparsed, and keeps going', () => {
    const events = parseLogText(
      `${ts}Train Epoch: 0 [ 4/16 (25%)] Data (t): 0.008 Batch (t): oops\n${ts}Eval Epoch: two top1: x\n${ts}Start epoch 1\n`,
    );
    assert.deepEqual(
      events.map((e) => [e.type, e.type === 'unparsedLine' ? e.expected : null]),
      [
        ['unparsedLine', 'trainStep'],
        ['unparsedLine', 'evalMetrics'],
        ['startEpoch', null],
      ],
    );
  });

  it('keeps other records and other output as generic events with their level', () => {
    const events = parseLogText(`2026-11-28,15:38:50 | WARNING | wandb is not installed\nsome print output\n`);
    assert.deepEqual(events, [
      {
        type: 'record',
        line: 1,
        timestamp: '2026-11-28,15:38:50',
        level: 'WARNING',
        message: 'wandb is not installed',
      },
      { type: 'output', line: 2, timestamp: '2026-11-28,15:38:50', text: 'some print output' },
    ]);
  });
});
