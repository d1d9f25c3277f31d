import assert from 'node:assert/strict';
import { runRecordVersion, type RunRecord } from '../../../../src/runs/model/runRecord';
import {
  formatLoss,
  formatRate,
  rowBudget,
  newestFirst,
  runAccessibleText,
  runCommandLine,
  runDescription,
  runTooltipMarkdown,
  shortRunLabel,
  uniqueRunLabels,
  type RunProgress,
} from '../../../../src/vscode/runs/runRows';

function run(id: string, over: Partial<RunRecord> = {}): RunRecord {
  return {
    version: runRecordVersion,
    id,
    kind: 'train',
    label: 'train 2017 cumulative v2',
    argv: ['torchrun', '--nproc_per_node', '8', 'train.py', '--exp_name', 'x y'],
    cwd: '/w/datacomp',
    env: {},
    host: 'h',
    simulated: false,
    status: 'running',
    createdAt: '2026-12-07T10:00:00.000Z',
    startedAt: '2026-12-07T10:00:01.000Z',
    logPath: `/w/.tic-studio/runs/${id}.log`,
    ...over,
  };
}

const now = Date.parse('2026-12-07T10:40:00.000Z');
const progress: RunProgress = { epoch: 2, epochs: 5, loss: 4.4612, samplesPerSecond: 4123 };

/** How a run shows as a row of the Runs view: the pure part the tree wraps. */
describe('Runs view rows', () => {
  it('describes a training run by epoch, last loss and throughput, short enough for the side bar', () => {
    assert.equal(runDescription(run('a'), progress, now), 'E3/5 · 4.46 · 4.1k/s');
    assert.equal(runDescription(run('a'), { ...progress, epochs: null, loss: null }, now), 'E3 · 4.1k/s');
  });

  it('leaves out the throughput, then the loss, or what else it adds to the state, when the label leaves no room', () => {
    const at = (label: string) => runDescription(run('a'), progress, now, label, rowBudget);
    assert.equal(at('2017'), 'E3/5 · 4.46 · 4.1k/s');
    assert.equal(at('2017 cumulative v2'), 'E3/5 · 4.46');
    assert.equal(at('2017 cumulative v2 #2'), 'E3/5 · 4.46');
    assert.equal(at('eval datacomp_medium-basic_cumulative_2017'), 'E3/5');
    const stopped = run('a', { status: 'stopped', endedAt: '2026-12-07T10:38:01.000Z' });
    assert.equal(runDescription(stopped, progress, now, '2017 cumulative', rowBudget), 'stopped at E3/5');
    assert.equal(runDescription(stopped, progress, now, '2017 cumulative v2 #2', rowBudget), 'stopped');
  });

  it('describes the other states by the state, with how long it ran or where it stopped', () => {
    const ended = { endedAt: '2026-12-07T10:38:01.000Z' };
    assert.equal(runDescription(run('a', { status: 'succeeded', ...ended }), progress, now), 'finished · 38m');
    assert.equal(runDescription(run('a', { status: 'stopped', ...ended }), progress, now), 'stopped at E3/5');
    assert.equal(runDescription(run('a', { status: 'failed', ...ended }), undefined, now), 'failed · 38m');
    assert.equal(runDescription(run('a', { status: 'lost' }), undefined, now), 'lost');
    assert.equal(runDescription(run('a', { kind: 'eval' }), undefined, now), 'running · 39m');
    assert.equal(runDescription(run('a', { startedAt: '2026-12-07T10:39:30.000Z' }), undefined, now), 'running');
    const pending = run('a', {
      status: 'queued',
      scheduler: 'slurm',
      slurm: {
        jobIds: ['12'],
        jobId: '12',
        scriptPath: '/s',
        state: 'PENDING',
        reason: 'Priority',
        nodesRequested: 1,
        gpusPerNode: 8,
        autoResume: false,
        maxResubmits: 0,
        resubmits: 0,
      },
    });
    assert.equal(runDescription(pending, undefined, now), 'queued (Priority)');
    // Where the label leaves no room for the reason, the tooltip and the accessible name still give it.
    assert.equal(runDescription(pending, undefined, now, '2017 cumulative v2', rowBudget), 'queued');
    assert.match(
      runTooltipMarkdown(pending, '2017 cumulative v2', undefined, now, undefined),
      /Slurm job 12 · PENDING \\\(Priority\\\)/,
    );
    assert.match(
      runAccessibleText(pending, '2017 cumulative v2', undefined),
      /, queued · Slurm job 12 · PENDING \(Priority\)$/,
    );
  });

  it('formats losses to three significant digits and throughput in k and M', () => {
    assert.deepEqual([4.4612, 0.08123, 12.34, 123.4].map(formatLoss), ['4.46', '0.0812', '12.3', '123']);
    assert.deepEqual([3.25, 950, 999.6, 4123, 41234, 2_345_678].map(formatRate), [
      '3.3/s',
      '950/s',
      '1k/s',
      '4.1k/s',
      '41k/s',
      '2.3M/s',
    ]);
  });

  it('puts the newest run first, whatever its state', () => {
    const rows = newestFirst([
      run('old', { status: 'running', createdAt: '2026-12-07T09:00:00.000Z' }),
      run('new', { status: 'failed', createdAt: '2026-12-07T11:00:00.000Z' }),
      run('mid', { status: 'succeeded', createdAt: '2026-12-07T10:00:00.000Z' }),
    ]);
    assert.deepEqual(
      rows.map((r) => r.id),
      ['new', 'mid', 'old'],
    );
  });

  it('gives two runs of one step distinct labels, the oldest keeping the plain one', () => {
    const labels = uniqueRunLabels([
      run('third', { createdAt: '2026-12-07T12:00:00.000Z' }),
      run('first', { createdAt: '2026-12-07T10:00:00.000Z' }),
      run('other', { label: 'train 2018 cumulative', createdAt: '2026-12-07T11:00:00.000Z' }),
      run('second', { createdAt: '2026-12-07T11:00:00.000Z' }),
    ]);
    assert.deepEqual(Object.fromEntries(labels), {
      first: '2017 cumulative v2',
      second: '2017 cumulative v2 #2',
      third: '2017 cumulative v2 #3',
      other: '2018 cumulative',
    });
  });

  it('shortens labels: a training run by its step, an evaluation of a file by its name', () => {
    assert.equal(shortRunLabel({ kind: 'train', label: 'train 2017 cumulative' }), '2017 cumulative');
    assert.equal(shortRunLabel({ kind: 'eval', label: 'eval /cache/snap/2016.pt' }), 'eval 2016.pt');
    assert.equal(shortRunLabel({ kind: 'eval', label: 'eval 2017 cumulative' }), 'eval 2017 cumulative');
  });

  it('says the whole label and the state in words to screen readers, simulated runs and attempts marked', () => {
    assert.equal(
      runAccessibleText(run('a', { simulated: true }), '2017 cumulative v2 #2', progress),
      'train 2017 cumulative v2 (simulated) (run 2), running · epoch 3 of 5 · loss 4.46 · 4.1k samples per second',
    );
    assert.equal(
      runAccessibleText(run('a', { status: 'succeeded' }), '2017 cumulative v2', progress),
      'train 2017 cumulative v2, succeeded',
    );
  });

  it('keeps the tooltip text the same from one step to the next of an epoch, and changes it with the epoch', () => {
    const r = run('a', { pid: 42, outputDir: '/w/results/x_[1]', simulated: true });
    const at = (p: RunProgress, t: number) => runTooltipMarkdown(r, '2017 cumulative v2', p, t, undefined);
    const first = at(progress, now);
    assert.equal(at({ ...progress, loss: 4.1, samplesPerSecond: 5000 }, now + 5000), first);
    assert.notEqual(at({ ...progress, epoch: 3 }, now), first);
    assert.match(first, /In epoch 3 of 5/);
    assert.match(first, /simulated/);
    assert.match(first, /x\\_\\\[1\\\]/, 'paths are escaped');
    assert.ok(first.includes("```sh\ncd /w/datacomp && torchrun --nproc_per_node 8 train.py --exp_name 'x y'\n```"));
  });

  it('writes the command for people: cd to its folder, arguments quoted where needed', () => {
    assert.equal(
      runCommandLine({ cwd: '/my work', argv: ['python', 'a b.py', "it's"] }),
      `cd '/my work' && python 'a b.py' 'it'\\''s'`,
    );
  });
});
