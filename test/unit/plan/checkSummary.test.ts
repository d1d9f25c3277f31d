import assert from 'node:assert/strict';
import { summarizeChecks } from '../../../src/plan/checkSummary';
import { previewText } from '../../../src/plan/commandPlan';
import type { PlanProblem } from '../../../src/plan/planProblem';

const missing = (year: number): PlanProblem => ({
  reason: 'dataDirNotFound',
  severity: 'error',
  message: `data dir /d/train/${year}/ does not exist (expected $TIC_DATACOMP_Y_PATH/train/YEAR/, contracts §4.3)`,
  path: `/d/train/${year}/`,
});

describe("summarizeChecks (the launch preview lists a plan's checks)", () => {
  it('says one line for the same problem of several years, naming the years', () => {
    const lines = summarizeChecks([missing(2014), missing(2015), missing(2016)], { simulated: false });
    assert.deepEqual(lines, ['✗ No data folder for 2014, 2015, 2016 in /d/train.']);
  });

  it('folds, in a simulation, the checks the stand-in does not need into one line', () => {
    const lines = summarizeChecks(
      [
        missing(2014),
        missing(2015),
        { reason: 'checkoutNotFound', severity: 'error', message: 'train.py not found (contracts §0)' },
        { reason: 'imagenetValNotFound', severity: 'error', message: 'ImageNet val folder /x not found' },
        { reason: 'notComparable', severity: 'warning', message: 'Not comparable to the paper: a warmup.' },
      ],
      { simulated: true },
    );
    assert.deepEqual(lines, [
      '⚠ Not comparable to the paper: a warmup.',
      'Not checked, as the simulation does not need them: the data folders, the ml-tic-clip checkout, the ImageNet val folder.',
    ]);
  });

  it('keeps what would lose results blocking in a simulation, said without command-line options', () => {
    const lines = summarizeChecks(
      [
        {
          reason: 'experimentExists',
          severity: 'error',
          message: '/r/x already exists: with an explicit --resume … Choose another --exp-name or --output-dir.',
          path: '/r/x',
        },
      ],
      { simulated: true },
    );
    assert.equal(lines.length, 1);
    assert.match(lines[0] ?? '', /^✗ \/r\/x already exists/);
    assert.doesNotMatch(lines[0] ?? '', /--/);
  });

  it('says a missing checkout without the option that names it', () => {
    const lines = summarizeChecks(
      [
        {
          reason: 'checkoutNotFound',
          severity: 'error',
          message: '/c/datacomp/train.py not found: point --checkout at an ml-tic-clip checkout (contracts §0)',
          path: '/c/datacomp/train.py',
        },
      ],
      { simulated: false },
    );
    assert.deepEqual(lines, [
      '✗ /c/datacomp/train.py not found: choose an ml-tic-clip checkout (TiC Studio: Choose ml-tic-clip Checkout…).',
    ]);
  });

  it('warns when the step continues from an epoch file instead of the final checkpoint', () => {
    const lines = summarizeChecks([], { simulated: false, checkpoint: '/r/x_2016/checkpoints/epoch_4.pt' });
    assert.equal(lines.length, 1);
    assert.match(lines[0] ?? '', /^⚠ .*no final checkpoint \(epoch_latest\.pt\): using epoch_4\.pt/);
    assert.deepEqual(summarizeChecks([], { simulated: false, checkpoint: '/r/x/checkpoints/epoch_latest.pt' }), []);
  });

  it('rewrites the remaining sentences for people', () => {
    const lines = summarizeChecks(
      [
        {
          reason: 'remotePathNotChecked',
          severity: 'warning',
          message: 'data dir s3://b is remote: not checked (§1.4)',
        },
      ],
      { simulated: false, people: (s) => s.replace(/ \(§[\d.]+\)/, '') },
    );
    assert.deepEqual(lines, ['⚠ data dir s3://b is remote: not checked']);
  });
});

describe('previewText (the command, one option per line)', () => {
  it('puts each flag with its value on a line of its own, quoted, and stays one bash command', () => {
    const text = previewText(
      {
        argv: ['torchrun', '--nproc_per_node', '8', 'train.py', '--new_run', '--exp_name', "a b's"],
        cwd: '/c d',
        env: {},
      },
      ['Resume', 'two\nlines'],
    );
    assert.equal(
      text,
      [
        '# Resume',
        '# two lines',
        "cd '/c d'",
        'torchrun \\',
        '  --nproc_per_node 8 \\',
        '  train.py \\',
        '  --new_run \\',
        `  --exp_name 'a b'\\''s'`,
        '',
      ].join('\n'),
    );
  });
});
