import assert from 'node:assert/strict';
import { utimesSync } from 'node:fs';
import { join } from 'node:path';
import { resultsCommand } from '../../../src/cli/resultsCommand';
import { lossChainInputs } from '../../../src/wire/lossStore';
import { timelineSteps } from '../../../src/wire/timelineSteps';
import { attemptLabel, type Chain, type ChainStep } from '../../../src/workspace/chains';
import { scanWorkspace, type Workspace } from '../../../src/workspace/workspaceScan';
import { runCliInProcess } from '../../support/runCliInProcess';
import { paramsText } from '../../support/openclipParams';
import { trainLine } from '../../support/openclipTrainLine';
import { ScratchWorkspace } from '../runs/workspaceFixture';

const medium = { model: 'ViT-B-32', lr: '0.0005', batch_size: '512', world_size: '8', epochs: '5' };
const years = (to: number): number[] => Array.from({ length: to - 2013 }, (_, i) => to - i);
const shards = (ys: number[]): string => ys.map((y) => `/data/train/${y}/{00000000..00000009}.tar`).join('::');
const base = 'datacomp_medium-basic_cumulative';
/** The path a run had on the training host. */
const elsewhere = (exp: string): string => `/train-host/results/${exp}/checkpoints/epoch_latest.pt`;

/** An out.log whose last train step is in `epoch` (0-based) at `percent`; `tail` lines after it. */
function logUpTo(epoch: number, percent: number, tail: string[] = []): string {
  const lines: string[] = [];
  for (let e = 0; e <= epoch; e++) {
    lines.push(`2026-11-28,10:00:00 | INFO | Start epoch ${e}`);
    lines.push(trainLine('2026-11-28,10:00:01', e, e === epoch ? percent * 10 : 1000, 1000, 5 - e / 10));
  }
  return `${[...lines, ...tail].join('\n')}\n`;
}

const traceback = [
  'Traceback (most recent call last):',
  '  File "train.py", line 1, in <module>',
  'RuntimeError: CUDA out of memory',
];

function evalLines(values: Record<number, number>): string {
  return Object.entries(values)
    .map(
      ([y, v]) =>
        `{"key": "tic/datacomp/retrieval/yearly/${y}", "dataset": "TiC-DataComp-Retrieval-Yearly-${y}", "metrics": {"text_image_R@1": ${v}, "image_text_R@1": ${v}, "mean_recall@1": ${v}, "main_metric": ${v}}}\n`,
    )
    .join('');
}

interface AttemptSpec {
  /** Saved epochs (`epoch_N.pt`, and `epoch_latest.pt` when any). */
  readonly saved: number;
  readonly log: string;
  /** When its out.log was last written (seconds ago); the attempts' start order. */
  readonly writtenAgo: number;
  readonly evals?: Record<number, number>;
  /** Zero-shot top-1 lines of checkpoints/results.jsonl. */
  readonly zeroShot?: readonly number[];
  readonly lr?: string;
}

describe('attempts: a step tried more than once shows the running or newest attempt (issue 17)', function () {
  this.timeout(30_000);
  let scratch: ScratchWorkspace;
  beforeEach(() => {
    scratch = new ScratchWorkspace();
  });
  afterEach(() => scratch.cleanup());

  function experiment(name: string, year: number, resume: string, spec: AttemptSpec): string {
    const dir = `ml-tic-clip/datacomp/results/${name}`;
    scratch.file(
      `${dir}/params.txt`,
      paramsText({
        ...medium,
        ...(spec.lr ? { lr: spec.lr } : {}),
        name,
        train_data: shards(years(year)),
        resume,
        new_run: resume === 'None' ? 'False' : 'True',
      }),
    );
    const log = scratch.file(`${dir}/out.log`, spec.log);
    for (let e = 1; e <= spec.saved; e++) scratch.file(`${dir}/checkpoints/epoch_${e}.pt`, 'x');
    if (spec.saved > 0) scratch.file(`${dir}/checkpoints/epoch_latest.pt`, 'x');
    if (spec.zeroShot)
      scratch.file(
        `${dir}/checkpoints/results.jsonl`,
        spec.zeroShot.map((t) => `{"imagenet-zeroshot-val-top1": ${t}, "imagenet-zeroshot-val-top5": 0.5}\n`).join(''),
      );
    if (spec.evals) scratch.file(`ml-tic-clip/datacomp/eval_results/${name}/eval_results.jsonl`, evalLines(spec.evals));
    const when = Date.now() / 1000 - spec.writtenAgo;
    utimesSync(log, when, when);
    return join(scratch.root, dir);
  }

  const finished = (writtenAgo: number, more: Partial<AttemptSpec> = {}): AttemptSpec => ({
    saved: 5,
    log: logUpTo(4, 100),
    writtenAgo,
    ...more,
  });
  /** Stopped in its second epoch (epoch_1.pt saved), no end in its log. */
  const stopped = (writtenAgo: number, more: Partial<AttemptSpec> = {}): AttemptSpec => ({
    saved: 1,
    log: logUpTo(1, 40),
    writtenAgo,
    ...more,
  });
  /** A retry that has just started: a few steps of its first epoch, no checkpoint yet. */
  const justStarted = (more: Partial<AttemptSpec> = {}): AttemptSpec => ({
    saved: 0,
    log: logUpTo(0, 5),
    writtenAgo: 0,
    ...more,
  });

  function chain(ws: Workspace, key = 'tic_medium/basic/cumulative'): Chain {
    const found = ws.chains.find((c) => c.key === key);
    assert.ok(found, `no chain ${key}; have ${ws.chains.map((c) => c.key).join(', ')}`);
    return found;
  }
  const step = (c: Chain, year: number): ChainStep => c.steps.find((s) => s.year === year)!;

  it('shows a retry that has no checkpoint yet, lists the stopped attempt under it, and the losses read the retry', async () => {
    experiment(`${base}_2016`, 2016, 'None', finished(7200));
    const first = experiment(`${base}_2017`, 2017, elsewhere(`${base}_2016`), stopped(3600));
    const retry = experiment(`${base}_2017_run2`, 2017, elsewhere(`${base}_2016`), justStarted());
    const ws = await scanWorkspace(scratch.root);
    const c = chain(ws);
    assert.equal(ws.chains.length, 1, 'an attempt is not a variant');
    const s2017 = step(c, 2017);
    assert.equal(s2017.experiment, retry);
    assert.equal(s2017.finalCheckpoint, null, 'the retry has no checkpoint yet');
    assert.deepEqual(s2017.alternatives, [first]);
    assert.deepEqual(
      s2017.attempts.map((a) => [a.experiment, a.number, a.shown, a.status, a.lastEpoch]),
      [
        [first, 1, false, 'incomplete', 2],
        [retry, 2, true, 'incomplete', 1],
      ],
    );
    assert.equal(attemptLabel(s2017.attempts[0]!), 'attempt 1 · stopped at epoch 2');
    assert.deepEqual(c.lineage, [`${base}_2016`, `${base}_2017_run2`]);

    // The loss chart follows the shown attempt.
    const losses = lossChainInputs(ws, [c.key])[0]!;
    assert.deepEqual(
      losses.steps.map((s) => s.outLog),
      [join(scratch.outputDir, `${base}_2016`, 'out.log'), join(retry, 'out.log')],
    );
    // The timeline's node says which attempt it is (its tooltip and accessible name carry `detail`).
    const node = timelineSteps(c, [{ outputDir: retry, state: 'running', progress: 0.01 }]).find(
      (n) => n.year === 2017,
    )!;
    assert.equal(node.experiment, retry);
    assert.equal(node.run, 'running');
    assert.match(
      node.detail,
      /datacomp_medium-basic_cumulative_2017_run2 · attempt 2 of 2 \(attempt 1 stopped at epoch 2\) · no checkpoint · training, 1%/,
    );
    // A step tried once says nothing about attempts.
    assert.deepEqual(step(c, 2016).attempts, []);
    assert.doesNotMatch(timelineSteps(c, []).find((n) => n.year === 2016)!.detail, /attempt/);
  });

  it('shows a finished retry over the failed attempt before it, and a failed retry never hides a finished attempt', async () => {
    experiment(`${base}_2016`, 2016, 'None', finished(7200));
    const crashed = experiment(`${base}_2017`, 2017, elsewhere(`${base}_2016`), {
      saved: 0,
      log: logUpTo(0, 30, traceback),
      writtenAgo: 5000,
    });
    const done = experiment(`${base}_2017_run2`, 2017, elsewhere(`${base}_2016`), finished(4000));
    const again = experiment(`${base}_2017_run3`, 2017, elsewhere(`${base}_2016`), {
      saved: 0,
      log: logUpTo(0, 1, traceback),
      writtenAgo: 10,
    });
    const s2017 = step(chain(await scanWorkspace(scratch.root)), 2017);
    assert.equal(s2017.experiment, done);
    assert.equal(s2017.status, 'finished');
    assert.equal(s2017.finalCheckpoint?.name, 'epoch_latest.pt', 'the chain can go on from the finished attempt');
    assert.deepEqual(s2017.alternatives, [again, crashed], 'the others, newest first');
    assert.deepEqual(s2017.attempts.map(attemptLabel), [
      'attempt 1 · failed at epoch 1',
      'attempt 2 · finished',
      'attempt 3 · failed at epoch 1',
    ]);
  });

  it('keeps a retry of a variant in that variant, and the baseline as it was', async () => {
    experiment(`${base}_2016`, 2016, 'None', finished(9000));
    const baseline = experiment(`${base}_2017`, 2017, elsewhere(`${base}_2016`), finished(8000));
    const lr = { lr: '0.0001' };
    const first = experiment(`${base}_2017_lr1e4`, 2017, elsewhere(`${base}_2016`), stopped(3000, lr));
    const key = `tic_medium/basic/cumulative@${base}_2017_lr1e4`;
    assert.equal(step(chain(await scanWorkspace(scratch.root), key), 2017).experiment, first);
    const retry = experiment(`${base}_2017_lr1e4_run2`, 2017, elsewhere(`${base}_2016`), justStarted(lr));
    const ws = await scanWorkspace(scratch.root);
    assert.equal(ws.chains.length, 2, 'the baseline and one lr1e4 variant, not a third lineage for the retry');
    // Same key as before the retry: the variant's name in .tic-studio/variants.json still applies.
    const variant = chain(ws, key);
    assert.equal(variant.variant, 'lr1e4');
    assert.equal(step(variant, 2017).experiment, retry);
    assert.deepEqual(
      step(variant, 2017).attempts.map((a) => [a.expName, a.shown]),
      [
        [`${base}_2017_lr1e4`, false],
        [`${base}_2017_lr1e4_run2`, true],
      ],
    );
    assert.equal(step(variant, 2017).alternatives[0], first);
    const main = chain(ws);
    assert.equal(step(main, 2017).experiment, baseline);
    assert.deepEqual(step(main, 2017).attempts, []);
  });

  it('shows the attempt the chain went on from, unless a run of TiC Studio is writing another one', async () => {
    experiment(`${base}_2016`, 2016, 'None', finished(9000));
    const first = experiment(`${base}_2017`, 2017, elsewhere(`${base}_2016`), finished(8000));
    experiment(`${base}_2018`, 2018, elsewhere(`${base}_2017`), finished(7000));
    const retry = experiment(`${base}_2017_run2`, 2017, elsewhere(`${base}_2016`), justStarted());
    // On disk alone: the 2018 step resumed from the first attempt, so the chain's 2017 is that one.
    const onDisk = step(chain(await scanWorkspace(scratch.root)), 2017);
    assert.equal(onDisk.experiment, first);
    assert.equal(attemptLabel(onDisk.attempts[1]!), 'attempt 2 · stopped at epoch 1');
    // The runs service knows the retry is running: it is shown while it runs.
    const live = step(chain(await scanWorkspace(scratch.root, { live: new Set([retry]) })), 2017);
    assert.equal(live.experiment, retry);
    assert.equal(attemptLabel(live.attempts[0]!), 'attempt 1 · finished');
    assert.equal(live.attempts[1]!.live, true);
  });

  it('orders attempts whose logs were written at the same time by the number in their names', async () => {
    experiment(`${base}_2016`, 2016, 'None', finished(9000));
    const first = experiment(`${base}_2017`, 2017, elsewhere(`${base}_2016`), stopped(100));
    const second = experiment(`${base}_2017_run2`, 2017, elsewhere(`${base}_2016`), stopped(100));
    const third = experiment(`${base}_2017_run10`, 2017, elsewhere(`${base}_2016`), stopped(100));
    const s2017 = step(chain(await scanWorkspace(scratch.root)), 2017);
    assert.deepEqual(
      s2017.attempts.map((a) => a.experiment),
      [first, second, third],
    );
    assert.equal(s2017.experiment, third);
  });

  describe('results: the newest attempt’s results win; an attempt without results does not hide an earlier one’s', () => {
    interface ResultsJson {
      chains: {
        key: string;
        steps: { year: number; experiment: string | null; evalDir: string | null }[];
        matrices: { family: string; rows: number[]; columns: number[]; values: (number | null)[][] }[];
        imagenet: { year: number; source: string; top1: number | null; file: string }[];
      }[];
    }
    const results = async (): Promise<ResultsJson> => {
      const { code, stdout } = await runCliInProcess(resultsCommand, [scratch.root, '--json']);
      assert.equal(code, 0);
      return JSON.parse(stdout) as ResultsJson;
    };
    const cell = (out: ResultsJson, row: number, column: number): number | null => {
      const m = out.chains[0]!.matrices.find((x) => x.family === 'retrieval')!;
      return m.values[m.rows.indexOf(row)]![m.columns.indexOf(column)]!;
    };

    it('keeps the stopped attempt’s evaluation while its retry has none, then takes the retry’s', async () => {
      experiment(`${base}_2016`, 2016, 'None', finished(9000, { evals: { 2016: 0.3 } }));
      experiment(`${base}_2017`, 2017, elsewhere(`${base}_2016`), stopped(3000, { evals: { 2016: 0.25, 2017: 0.27 } }));
      const retry = experiment(`${base}_2017_run2`, 2017, elsewhere(`${base}_2016`), justStarted());
      const before = await results();
      const row = before.chains[0]!.steps.find((s) => s.year === 2017)!;
      assert.equal(row.experiment, retry, 'the step is the retry');
      assert.equal(row.evalDir, join(scratch.checkout, 'datacomp/eval_results', `${base}_2017`));
      assert.equal(cell(before, 2017, 2017), 0.27, 'the earlier attempt’s cells still count');
      // The timeline says whose evaluation it is.
      const node = timelineSteps(chain(await scanWorkspace(scratch.root)), []).find((n) => n.year === 2017)!;
      assert.equal(node.evaluation, 'partial');
      assert.match(node.detail, / · evaluated on 2 of 9 years \(attempt 1\)$/);

      // The retry is evaluated: its numbers replace the earlier attempt's.
      scratch.file(
        `ml-tic-clip/datacomp/eval_results/${base}_2017_run2/eval_results.jsonl`,
        evalLines({ 2016: 0.31, 2017: 0.33 }),
      );
      const after = await results();
      assert.equal(cell(after, 2017, 2017), 0.33);
      assert.equal(cell(after, 2017, 2016), 0.31);
    });

    it('marks a step unfinished by the attempt its results come from, not by a retry that has none yet', async () => {
      experiment(`${base}_2016`, 2016, 'None', finished(9000, { evals: { 2016: 0.3 } }));
      experiment(
        `${base}_2017`,
        2017,
        elsewhere(`${base}_2016`),
        finished(3000, { evals: { 2016: 0.25, 2017: 0.27 } }),
      );
      const retry = experiment(`${base}_2017_run2`, 2017, elsewhere(`${base}_2016`), justStarted());
      const rows = async () => {
        const { stdout } = await runCliInProcess(resultsCommand, [scratch.root, '--json']);
        return (
          JSON.parse(stdout) as {
            chains: { steps: { year: number; experiment: string | null; unfinished: boolean }[] }[];
          }
        ).chains[0]!.steps;
      };
      // The retry (shown, just started) has no results: the finished attempt's numbers are not of an unfinished step.
      const [row] = (await rows()).filter((s) => s.year === 2017);
      assert.equal(row!.experiment, retry);
      assert.equal(row!.unfinished, false);
      // Once the unfinished retry has its own evaluation, its numbers are the step's, and unfinished ones.
      scratch.file(`ml-tic-clip/datacomp/eval_results/${base}_2017_run2/eval_results.jsonl`, evalLines({ 2017: 0.2 }));
      const [after] = (await rows()).filter((s) => s.year === 2017);
      assert.equal(after!.unfinished, true);
    });

    it('keeps the stopped attempt’s training zero-shot while its retry has written none, then takes the retry’s', async () => {
      experiment(`${base}_2016`, 2016, 'None', finished(9000, { zeroShot: [0.2] }));
      const first = experiment(`${base}_2017`, 2017, elsewhere(`${base}_2016`), stopped(3000, { zeroShot: [0.21] }));
      const retry = experiment(`${base}_2017_run2`, 2017, elsewhere(`${base}_2016`), justStarted());
      const imagenet = async (): Promise<{ top1: number | null; file: string } | undefined> =>
        (await results()).chains[0]!.imagenet.find((r) => r.year === 2017 && r.source !== 'evalResults');
      assert.deepEqual(await imagenet(), {
        ...(await imagenet()),
        top1: 0.21,
        file: join(first, 'checkpoints/results.jsonl'),
      });
      scratch.file(
        `ml-tic-clip/datacomp/results/${base}_2017_run2/checkpoints/results.jsonl`,
        '{"imagenet-zeroshot-val-top1": 0.23, "imagenet-zeroshot-val-top5": 0.5}\n',
      );
      const after = await imagenet();
      assert.equal(after?.top1, 0.23);
      assert.equal(after?.file, join(retry, 'checkpoints/results.jsonl'));
    });
  });
});
