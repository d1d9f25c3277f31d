import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Chain } from '../../../src/workspace/chains';
import { identifyExperiment } from '../../../src/workspace/experimentIdentity';
import { parseResumeReference } from '../../../src/formats/resumeReference';
import { dataRootOf, dataYearsOf } from '../../../src/tic/trainDataYears';
import { scanWorkspace, type Workspace } from '../../../src/workspace/workspaceScan';
import { parseParamsText } from '../../../src/formats/paramsText';
import { paramsText } from '../../support/openclipParams';
import { ScratchWorkspace } from '../runs/workspaceFixture';

const root = join(__dirname, '../../..');
const demo = join(root, 'demo');

const shards = (years: number[], base = '/data/train'): string =>
  years.map((y) => `${base}/${y}/{00000000..00000009}.tar`).join('::');

const mediumGeometry = { model: 'ViT-B-32', lr: '0.0005', batch_size: '512', world_size: '8', epochs: '5' };
const xlargeGeometry = { model: 'ViT-B-16', lr: '0.001', batch_size: '1408', world_size: '64', epochs: '5' };

function trainLine(epoch: number, step: number, steps: number, loss = '5.1234'): string {
  const total = 3686400;
  const seen = String(Math.round((step / steps) * total)).padStart(7, ' ');
  return `2025-03-03,10:00:00 | INFO | Train Epoch: ${epoch} [${seen}/${total} (${Math.round((100 * step) / steps)}%)] Data (t): 0.050 Batch (t): 0.620, 6606.45/s, 825.806/s/gpu LR: 0.000400 Logit Scale: 40.000 Contrastive_loss: ${loss} (${loss}) Loss: ${loss} (${loss})`;
}

function logText(epochsDone: number, tail: string[] = []): string {
  const lines = [
    '2025-03-03,10:00:00 | INFO | Running in distributed mode with multiple processes. Device: cuda:0.Process (global: 0, local 0), total 8.',
  ];
  for (let e = 0; e < epochsDone; e++) {
    lines.push(`2025-03-03,10:00:00 | INFO | Start epoch ${e}`, trainLine(e, 1, 900), trainLine(e, 900, 900));
  }
  return `${[...lines, ...tail].join('\n')}\n`;
}

function chain(ws: Workspace, key: string): Chain {
  const found = ws.chains.find((c) => c.key === key);
  assert.ok(found, `no chain ${key}; have ${ws.chains.map((c) => c.key).join(', ')}`);
  return found;
}

describe('scanWorkspace on the demo (tic_medium cumulative 2016–2019, its lr 1e-4 variant 2017–2018, sequential 2017–2018)', () => {
  let ws: Workspace;
  before(async () => {
    await scanWorkspace(demo);
    ws = await scanWorkspace(demo);
  });

  it('finds the checkout, eleven experiments and nine evaluations, in milliseconds', () => {
    assert.equal(ws.checkout?.root, demo);
    assert.equal(ws.checkout?.tasklistYml, join(demo, 'datacomp/tasklist.yml'));
    // The baseline's 6 runs, the lr 1e-4 variant's 2017 and 2018 and the monthly 2020-01…2020-03 (demo/generate.py),
    // each evaluated but cumulative 2019 and 2020-03.
    assert.equal(ws.experiments.length, 11);
    assert.equal(ws.evalDirs.length, 9);
    assert.deepEqual(ws.unchained, []);
    assert.ok(ws.elapsedMs < 1000, `${ws.elapsedMs} ms`);
  });

  it('reads each experiment: params, checkpoints with sizes, final checkpoint, finished status', () => {
    for (const exp of ws.experiments) {
      assert.equal(exp.model, 'ViT-B-32');
      assert.equal(exp.epochs, 5);
      assert.equal(exp.worldSize, 8);
      assert.deepEqual(
        exp.checkpoints.map((c) => c.name),
        ['epoch_1.pt', 'epoch_2.pt', 'epoch_3.pt', 'epoch_4.pt', 'epoch_5.pt', 'epoch_latest.pt'],
      );
      assert.ok(exp.checkpoints.every((c) => c.size > 1000));
      assert.equal(exp.finalCheckpoint?.name, 'epoch_latest.pt');
      assert.equal(exp.status.status, 'finished', exp.status.reason);
      assert.equal(exp.status.epochsDone, 5);
      assert.equal(exp.info?.scale, 'tic_medium');
      assert.equal(exp.identity?.scale, 'tic_medium');
      assert.equal(exp.identity?.filtering, 'basic');
      assert.deepEqual(exp.problems, []);
    }
  });

  it('chains cumulative 2016–2019 with 2020–2022 still to train', () => {
    const c = chain(ws, 'tic_medium/basic/cumulative');
    assert.equal(c.lastYear, 2019);
    assert.deepEqual(
      c.steps.map((s) => [s.year, s.expName, s.status, s.eval?.tasks ?? null, s.resumeMatchesChain]),
      [
        [2016, 'datacomp_medium-basic_cumulative_2016', 'finished', 18, null],
        [2017, 'datacomp_medium-basic_cumulative_2017', 'finished', 18, true],
        [2018, 'datacomp_medium-basic_cumulative_2018', 'finished', 18, true],
        [2019, 'datacomp_medium-basic_cumulative_2019', 'finished', null, true],
        [2020, null, null, null, null],
        [2021, null, null, null, null],
        [2022, null, null, null, null],
      ],
    );
    const step2017 = c.steps[1]!;
    assert.equal(
      step2017.finalCheckpoint?.path,
      join(demo, 'datacomp/results/datacomp_medium-basic_cumulative_2017/checkpoints/epoch_latest.pt'),
    );
    assert.equal(step2017.eval?.dir, join(demo, 'datacomp/eval_results/datacomp_medium-basic_cumulative_2017'));
    assert.equal(step2017.eval?.matchedBy, 'infoCheckpoint');
    assert.deepEqual(step2017.eval?.evalYears, [2014, 2015, 2016, 2017, 2018, 2019, 2020, 2021, 2022]);
    assert.equal(step2017.resumedFrom?.expName, 'datacomp_medium-basic_cumulative_2016');
  });

  it('chains sequential 2017–2018 on the shared cumulative 2016 step', () => {
    const c = chain(ws, 'tic_medium/basic/sequential');
    assert.deepEqual(
      c.steps.slice(0, 3).map((s) => [s.year, s.expName, s.shared, s.resumeMatchesChain]),
      [
        [2016, 'datacomp_medium-basic_cumulative_2016', true, null],
        [2017, 'datacomp_medium-basic_sequential_2017', false, true],
        [2018, 'datacomp_medium-basic_sequential_2018', false, true],
      ],
    );
    assert.equal(c.lastYear, 2018);
  });
});

describe('experiment identity rules', () => {
  const id = (
    name: string,
    params: Record<string, string> | null,
    info: { scale?: string; dataDir?: string } | null = null,
  ) =>
    identifyExperiment({
      name,
      params: params === null ? null : parseParamsText(paramsText(params)),
      info:
        info === null
          ? null
          : {
              scale: info.scale ?? null,
              checkpoint: null,
              model: null,
              dataDir: info.dataDir ?? null,
              scaleConfig: {},
            },
    });

  it('decides the strategy from the data years even when the internal name says cumulative_seq or restart', () => {
    const seq = id('datacomp_xlarge-basic_cumulative_seq_2018', {
      ...xlargeGeometry,
      train_data:
        'xlarge_basic_filter/2018/1/{00000000..00000832}.tar::xlarge_basic_filter/2018/10/{00000000..00000768}.tar',
      resume: 'xlarge_CL_basic_filter/restart_2017/datacomp_xlarge-basic_cumulative_seq_2017/checkpoints/epoch_5.pt',
    });
    assert.ok(seq.ok);
    assert.deepEqual(
      [seq.identity.strategy, seq.identity.year, seq.identity.scale, seq.identity.filtering],
      ['sequential', 2018, 'tic_xlarge', 'basic'],
    );
    const cum = id('datacomp_xlarge-bestpool_cumulative_seq_2017', {
      ...xlargeGeometry,
      train_data: shards([2016, 2015, 2014, 2017], 'xlarge_bestpool_filter'),
      resume:
        'xlarge_CL_bestpool_filter/cumulative_sequential_2016/datacomp_xlarge-bestpool-2023-09-12_08-24-13_cumulative_seq_2016/checkpoints/epoch_12.pt',
    });
    assert.ok(cum.ok);
    assert.deepEqual(
      [cum.identity.strategy, cum.identity.year, cum.identity.filtering],
      ['cumulative', 2017, 'bestpool'],
    );
    const restart = id('datacomp_xlarge-bestpool_restart_2017', {
      ...xlargeGeometry,
      train_data: shards([2017], 'xlarge_bestpool_filter'),
      resume: '/x/epoch_12.pt',
    });
    assert.ok(restart.ok);
    assert.equal(restart.identity.strategy, 'sequential');
    const first = id('datacomp_xlarge-bestpool-2023-09-12_08-24-13_cumulative_seq_2016', {
      ...xlargeGeometry,
      train_data: shards([2016, 2015, 2014]),
      resume: 'None',
    });
    assert.ok(first.ok);
    assert.deepEqual(
      [first.identity.strategy, first.identity.year, first.identity.firstStep],
      ['cumulative', 2016, true],
    );
  });

  it('reads the scale from info.pkl, then the run geometry, then the name (the scripts call tic_medium "xlarge")', () => {
    const buggy = id('datacomp_xlarge-basic_cumulative', {
      ...mediumGeometry,
      train_data: shards([2017, 2016, 2015, 2014]),
      resume: '/r/x/checkpoints/epoch_latest.pt',
    });
    assert.ok(buggy.ok);
    assert.deepEqual(
      [buggy.identity.strategy, buggy.identity.year, buggy.identity.scale],
      ['cumulative', 2017, 'tic_medium'],
    );
    const fromInfo = id('anything_2018', null, { scale: 'tic_large', dataDir: '/d/2018/' });
    assert.ok(!fromInfo.ok, 'one year from scratch is no TiC strategy');
    const infoScale = id('datacomp_large-basic_sequential_2018', null, { scale: 'tic_large' });
    assert.ok(infoScale.ok);
    assert.equal(infoScale.identity.scale, 'tic_large');
    const byName = id('datacomp_large-basic_sequential_2018', null);
    assert.ok(byName.ok);
    assert.equal(byName.identity.scale, 'tic_large');
    assert.match(byName.identity.notes.join(' '), /from the name/);
  });

  it('names the oracle from data 2014–2022 trained from scratch, and checks the name year against the data', () => {
    const oracle = id('datacomp_tic_medium-basic_oracle', {
      ...mediumGeometry,
      train_data: shards([2022, 2021, 2020, 2019, 2018, 2017, 2016, 2015, 2014]),
      resume: 'None',
    });
    assert.ok(oracle.ok);
    assert.deepEqual([oracle.identity.strategy, oracle.identity.year], ['oracle', 2022]);
    const mismatch = id('datacomp_medium-basic_cumulative_2019', {
      ...mediumGeometry,
      train_data: shards([2018, 2017, 2016, 2015, 2014]),
      resume: '/r/checkpoints/epoch_latest.pt',
    });
    assert.ok(mismatch.ok);
    assert.equal(mismatch.identity.year, 2018);
    assert.match(mismatch.identity.notes.join(' '), /name says 2019/);
  });

  it('leaves unchained what fits no rule, with a reason', () => {
    const cases: [string, Record<string, string> | null, RegExp][] = [
      ['my_experiment', { ...mediumGeometry, train_data: shards([2019]), resume: 'None' }, /from scratch/],
      [
        'gappy_2019',
        { ...mediumGeometry, train_data: shards([2019, 2015]), resume: '/r/checkpoints/epoch_latest.pt' },
        /fit no TiC strategy/,
      ],
      ['datacomp_xlarge-basic_cumulative_seq_2018', null, /ambiguous/],
      ['datacomp_medium-basic_2018', null, /names no strategy/],
      ['datacomp_medium-basic_cumulative', null, /no _YYYY year/],
      ['datacomp_medium-basic_cumulative_2013', null, /not a training step/],
    ];
    for (const [name, params, reason] of cases) {
      const r = id(name, params);
      assert.ok(!r.ok, name);
      assert.match(r.reason, reason, name);
    }
  });

  it('reads data years, the data root and resume references', () => {
    assert.deepEqual(dataYearsOf('/d/train/2017/{0..9}.tar::/d/train/2016/::/m/train/201703/x.tar::/d/nope'), {
      years: [2017, 2016],
      filtering: null,
      partsWithoutYear: 1,
      // One month folder among year folders: its month is read, but the data is not monthly.
      months: [201703],
      monthly: false,
    });
    assert.equal(dataYearsOf('xlarge_bestpool_filter/2018/12/{0..9}.tar').filtering, 'bestpool');
    assert.equal(
      dataRootOf('/home/demo/data/tic-datacomp-yearly/train/2017/{00000000..00000409}.tar::x'),
      '/home/demo/data/tic-datacomp-yearly/train',
    );
    assert.equal(dataRootOf('None'), null);
    assert.equal(parseResumeReference('latest'), null);
    assert.equal(parseResumeReference('None'), null);
    assert.deepEqual(parseResumeReference('/r/datacomp_medium-basic_cumulative_2016/checkpoints/epoch_5.pt'), {
      path: '/r/datacomp_medium-basic_cumulative_2016/checkpoints/epoch_5.pt',
      expName: 'datacomp_medium-basic_cumulative_2016',
      file: 'epoch_5.pt',
      epoch: 5,
      huggingFace: null,
    });
    const hf = parseResumeReference(
      '/root/.cache/huggingface/hub/models--apple--TiC-CLIP-bestpool-sequential/snapshots/0a1b/checkpoints/2019.pt',
    );
    assert.deepEqual(hf?.huggingFace, {
      repo: 'apple/TiC-CLIP-bestpool-sequential',
      filtering: 'bestpool',
      strategy: 'sequential',
      year: 2019,
    });
    assert.equal(hf?.expName, null);
  });
});

describe('scanWorkspace on a scratch workspace: statuses, reruns, evals, unchained', function () {
  this.timeout(30_000);
  let scratch: ScratchWorkspace;
  let ws: Workspace;
  const resumeOf = (exp: string): string => `/train-host/results/${exp}/checkpoints/epoch_latest.pt`;
  const writeExp = (
    dir: string,
    files: { params?: Record<string, string>; log?: string; epochs?: number[]; latest?: boolean; evalResults?: string },
  ) => {
    if (files.params) scratch.file(`${dir}/params.txt`, paramsText(files.params));
    if (files.log !== undefined) scratch.file(`${dir}/out.log`, files.log);
    for (const n of files.epochs ?? []) scratch.file(`${dir}/checkpoints/epoch_${n}.pt`, 'x'.repeat(n));
    if (files.latest) scratch.file(`${dir}/checkpoints/epoch_latest.pt`, 'latest');
    if (files.evalResults !== undefined) scratch.file(`${dir}/eval_results.jsonl`, files.evalResults);
  };
  const evalLine = (y: number): string =>
    `{"key": "tic/datacomp/retrieval/yearly/${y}", "dataset": "TiC-DataComp-Retrieval-Yearly-${y}", "metrics": {"mean_recall@1": 0.3, "main_metric": 0.3}}\n`;

  before(async () => {
    scratch = new ScratchWorkspace();
    const r = 'ml-tic-clip/datacomp/results';
    writeExp(`${r}/datacomp_medium-basic_cumulative_2016`, {
      params: {
        ...mediumGeometry,
        name: 'datacomp_medium-basic_cumulative_2016',
        train_data: shards([2016, 2015, 2014]),
        resume: 'None',
      },
      log: logText(5),
      epochs: [1, 2, 3, 4, 5],
      latest: true,
      evalResults: evalLine(2014) + evalLine(2015),
    });
    writeExp(`${r}/datacomp_medium-basic_cumulative_2017`, {
      params: {
        ...mediumGeometry,
        train_data: shards([2017, 2016, 2015, 2014]),
        resume: resumeOf('datacomp_medium-basic_cumulative_2016'),
        new_run: 'True',
      },
      log: logText(2),
      epochs: [1, 2],
      latest: true,
    });
    // A rerun of cumulative 2018 that crashed, and the one that finished.
    writeExp(`${r}/datacomp_medium-basic_cumulative_2018_try1`, {
      params: {
        ...mediumGeometry,
        train_data: shards([2018, 2017, 2016, 2015, 2014]),
        resume: resumeOf('datacomp_medium-basic_cumulative_2017'),
      },
      log: logText(1, [
        'Traceback (most recent call last):',
        '  File "train.py", line 1, in <module>',
        'RuntimeError: NCCL error',
      ]),
      epochs: [1],
    });
    writeExp(`${r}/datacomp_medium-basic_cumulative_2018`, {
      params: {
        ...mediumGeometry,
        train_data: shards([2018, 2017, 2016, 2015, 2014]),
        resume: resumeOf('datacomp_medium-basic_cumulative_2017'),
      },
      log: logText(5),
      epochs: [1, 2, 3, 4, 5],
    });
    // Sequential 2017 from the published cumulative 2016 model; no local sequential 2016.
    writeExp(`${r}/datacomp_medium-basic_sequential_2017`, {
      params: {
        ...mediumGeometry,
        train_data: shards([2017]),
        resume:
          '/root/.cache/huggingface/hub/models--apple--TiC-CLIP-basic-cumulative/snapshots/abc/checkpoints/2016.pt',
      },
      log: logText(5, ['Done training.']),
      epochs: [5],
      latest: true,
    });
    writeExp(`${r}/datacomp_medium-basic_sequential_2019`, {
      params: { ...mediumGeometry, train_data: shards([2019]), resume: resumeOf('x') },
    });
    writeExp(`${r}/my_experiment`, {
      params: { ...mediumGeometry, train_data: shards([2019]), resume: 'None' },
      log: logText(1),
    });
    // A "Done training." printed after an explicit resume into an existing dir: nothing trained (§1.4).
    writeExp(`${r}/datacomp_medium-basic_oracle_2022`, {
      params: {
        ...mediumGeometry,
        train_data: shards([2022, 2021, 2020, 2019, 2018, 2017, 2016, 2015, 2014]),
        resume: 'None',
      },
      log: logText(1, ['Error. Experiment already exists. Use --name {} to specify a new experiment.']),
    });
    // Evaluations kept elsewhere, given by the caller.
    scratch.file('evals/datacomp_medium-basic_sequential_2017/eval_results.jsonl', evalLine(2017));
    scratch.file('evals/other/eval_results.jsonl', evalLine(2018).slice(0, 40));
    scratch.file(
      'ml-tic-clip/datacomp/results/datacomp_medium-basic_cumulative_2018/eval_results.jsonl',
      evalLine(2018),
    );
    ws = await scanWorkspace(scratch.root, { evalDirs: ['evals'] });
  });
  after(() => scratch.cleanup());

  const exp = (name: string) => {
    const found = ws.experiments.find((e) => e.name === name);
    assert.ok(found, name);
    return found;
  };

  it('finds the checkout under the root and every experiment', () => {
    assert.equal(ws.checkout?.root, scratch.checkout);
    assert.equal(
      ws.checkout?.generateTasklistPy,
      join(scratch.checkout, 'dataset_creation/tic-datacomp/generate_tasklist.py'),
    );
    assert.equal(ws.experiments.length, 8);
  });

  it('derives finished, incomplete, failed and not-started runs from the log tail and the checkpoints', () => {
    assert.equal(exp('datacomp_medium-basic_cumulative_2016').status.status, 'finished');
    const incomplete = exp('datacomp_medium-basic_cumulative_2017').status;
    assert.deepEqual([incomplete.status, incomplete.epochsDone, incomplete.epochsPlanned], ['incomplete', 2, 5]);
    assert.match(incomplete.reason, /2 of 5 epochs/);
    const crashed = exp('datacomp_medium-basic_cumulative_2018_try1').status;
    assert.equal(crashed.status, 'failed');
    assert.match(crashed.reason, /RuntimeError: NCCL error/);
    assert.equal(exp('datacomp_medium-basic_sequential_2017').status.status, 'finished');
    assert.equal(exp('datacomp_medium-basic_sequential_2019').status.status, 'notStarted');
    const exists = exp('datacomp_medium-basic_oracle_2022').status;
    assert.equal(exists.status, 'failed');
    assert.match(exists.reason, /already there and trained nothing/);
  });

  it('keeps the finished rerun of a step and lists the other as an alternative', () => {
    const c = chain(ws, 'tic_medium/basic/cumulative');
    const s2018 = c.steps.find((s) => s.year === 2018)!;
    assert.equal(s2018.expName, 'datacomp_medium-basic_cumulative_2018');
    assert.deepEqual(s2018.alternatives, [join(scratch.outputDir, 'datacomp_medium-basic_cumulative_2018_try1')]);
    assert.equal(s2018.resumeMatchesChain, true);
    assert.equal(c.variant, null, 'attempts at a step are not variants');
    assert.equal(s2018.eval?.matchedBy, 'sameDir');
    assert.equal(c.steps.find((s) => s.year === 2016)!.eval?.tasks, 2);
    assert.equal(c.steps.find((s) => s.year === 2017)!.finalCheckpoint?.name, 'epoch_latest.pt');
  });

  it('accepts the published checkpoint of the previous year as the chain’s previous step', () => {
    const c = chain(ws, 'tic_medium/basic/sequential');
    const s2016 = c.steps.find((s) => s.year === 2016)!;
    // Its lineage starts on the published 2016 checkpoint, not on the workspace's own cumulative 2016.
    assert.equal(s2016.experiment, null);
    assert.equal(s2016.published?.repo, 'apple/TiC-CLIP-basic-cumulative');
    assert.deepEqual(c.root.kind, 'published');
    const s2017 = c.steps.find((s) => s.year === 2017)!;
    assert.equal(s2017.resumedFrom?.huggingFace?.repo, 'apple/TiC-CLIP-basic-cumulative');
    assert.equal(s2017.resumeMatchesChain, true);
    assert.equal(s2017.eval?.dir, join(scratch.root, 'evals/datacomp_medium-basic_sequential_2017'));
    assert.equal(s2017.eval?.matchedBy, 'name');
  });

  it('lists unmatched evaluations, the oracle chain, and what fits no chain', () => {
    assert.deepEqual(
      ws.unchained.map((u) => u.name),
      ['my_experiment'],
    );
    const oracle = chain(ws, 'tic_medium/basic/oracle');
    assert.deepEqual(
      oracle.steps.map((s) => [s.year, s.status]),
      [[2022, 'failed']],
    );
    const other = ws.evalDirs.find((e) => e.name === 'other');
    assert.equal(other?.truncatedTail, true);
    assert.deepEqual(
      ws.evalMatches.filter((m) => m.experiment === null).map((m) => m.evalDir),
      [join(scratch.root, 'evals/other')],
    );
  });

  it('survives a workspace without a checkout, scanning only the folders it is given', async () => {
    const bare = await scanWorkspace(join(scratch.root, 'evals'), { resultDirs: ['.'] });
    assert.equal(bare.checkout, null);
    assert.equal(bare.experiments.length, 0);
    assert.equal(bare.evalDirs.length, 2);
  });
});
