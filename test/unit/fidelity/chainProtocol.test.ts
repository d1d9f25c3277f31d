import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { workspaceProtocol } from '../../../src/fidelity/workspaceProtocol';
import type { ChainProtocol, StepProtocol } from '../../../src/fidelity/protocolReport';
import { scanWorkspace } from '../../../src/workspace/workspaceScan';
import { paramsText } from '../../support/openclipParams';
import { trainLine } from '../../support/openclipTrainLine';
import { ScratchWorkspace } from '../runs/workspaceFixture';

/*
 * Experiment folders written as datacomp + OpenCLIP leave them (contracts §1.5): params.txt (the real 97-key sample
 * with the run's values), out.log with the real record lines, checkpoints/. The reference values below are the
 * tic_medium row of contracts §9, typed in by hand: ViT-B-32, 512 per GPU × 8 GPUs = 4,096, lr 5e-4, 5 epochs of
 * 3,686,400 samples (18,432,000 per step), warmup 500 for the first step and 0 after.
 */

const perEpoch = 3_686_400;

interface StepSpec {
  readonly name: string;
  readonly years: readonly number[];
  /** The experiment it continues (its epoch_latest.pt), or null for a step from scratch. */
  readonly from: string | null;
  readonly params?: Record<string, string>;
  /** Samples per epoch the log prints (`[N/T]`'s T); default 3,686,400. */
  readonly logEpoch?: number;
  /** Each start's epoch size, for a log with restarts. */
  readonly starts?: readonly number[];
  /** No out.log (a run copied without its log). */
  readonly noLog?: boolean;
}

function trainData(years: readonly number[]): string {
  return years.map((y) => `/data/tic-datacomp/train/${y}/{00000000..00000409}.tar`).join('::');
}

function writeStep(root: string, spec: StepSpec): string {
  const dir = join(root, spec.name);
  mkdirSync(join(dir, 'checkpoints'), { recursive: true });
  const continual = spec.from !== null;
  const params: Record<string, string> = {
    accum_freq: '1',
    batch_size: '512',
    dataset_resampled: 'True',
    epochs: '5',
    epochs_cooldown: 'None',
    logs: root,
    lr: '0.0005',
    lr_scheduler: 'cosine',
    model: 'ViT-B-32',
    name: spec.name,
    new_run: continual ? 'True' : 'False',
    precision: 'amp',
    resume: continual ? join(root, spec.from!, 'checkpoints', 'epoch_latest.pt') : 'None',
    train_data: trainData(spec.years),
    train_data_upsampling_factors: 'None',
    train_num_samples: String(perEpoch),
    warmup: continual ? '0' : '500',
    world_size: '8',
    ...spec.params,
  };
  writeFileSync(join(dir, 'params.txt'), paramsText(params));
  for (const f of ['epoch_1.pt', 'epoch_2.pt', 'epoch_3.pt', 'epoch_4.pt', 'epoch_5.pt', 'epoch_latest.pt']) {
    writeFileSync(join(dir, 'checkpoints', f), 'not opened by the scan');
  }
  // A restart (`--resume latest`) rewrote params.txt; the first start's Params: block keeps what it started from.
  const first = { ...params, resume: continual ? join(root, spec.from!, 'checkpoints', 'epoch_latest.pt') : 'None' };
  if (!spec.noLog) writeFileSync(join(dir, 'out.log'), outLog(spec, first, params));
  return dir;
}

/**
 * One start per entry of `starts`: rank 0's start line, the model, the `Params:` block (the first start's params,
 * then the latest), the resume line, then each epoch's first and last step.
 */
function outLog(spec: StepSpec, first: Record<string, string>, params: Record<string, string>): string {
  const world = Number(params.world_size);
  const global = Number(params.batch_size) * world * Number(params.accum_freq);
  const starts = spec.starts ?? [spec.logEpoch ?? perEpoch];
  const lines: string[] = [];
  let minute = 0;
  const ts = (): string => {
    minute++;
    return `2025-03-03,${String(10 + Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}:00`;
  };
  starts.forEach((size, start) => {
    const epochs = start === starts.length - 1 ? [0, 1, 2, 3, 4].slice(start) : [start];
    lines.push(
      `${ts()} | INFO | Running in distributed mode with multiple processes. Device: cuda:0.Process (global: 0, local 0), total ${world}.`,
    );
    lines.push(`${ts()} | INFO | Loaded ${params.model} model config.`);
    const block = start === 0 ? first : params;
    const at = ts();
    lines.push(`${at} | INFO | Params:`);
    for (const line of paramsText(block).trimEnd().split('\n')) lines.push(`${at} | INFO |   ${line}`);
    if (spec.from !== null && start === 0) {
      lines.push(`${ts()} | INFO | => resuming checkpoint '${params.resume}' (epoch 0)`);
    }
    for (const epoch of epochs) {
      lines.push(`${ts()} | INFO | Start epoch ${epoch}`);
      lines.push(trainLine(ts(), epoch, global, size, 5.1));
      lines.push(trainLine(ts(), epoch, size, size, 4.9));
    }
  });
  return `${lines.join('\n')}\n`;
}

const cumulative = (year: number): number[] => Array.from({ length: year - 2013 }, (_, i) => year - i);
const exp = (year: number, suffix = ''): string => `datacomp_medium-basic_cumulative_${year}${suffix}`;

/** 2016 from scratch, then 2017 and 2018, each continuing the one before: the exact protocol. */
function exactChain(overrides: Partial<Record<number, Partial<StepSpec>>> = {}): StepSpec[] {
  return [2016, 2017, 2018].map((year) => ({
    name: exp(year),
    years: cumulative(year),
    from: year === 2016 ? null : exp(year - 1),
    ...overrides[year],
  }));
}

describe('chainProtocol: the TiC-CLIP protocol, step by step (contracts §9)', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'tic-protocol-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  async function check(specs: readonly StepSpec[]): Promise<ChainProtocol[]> {
    for (const spec of specs) writeStep(root, spec);
    const ws = await scanWorkspace(root, { resultDirs: ['.'], evalDirs: ['.'] });
    return workspaceProtocol(ws);
  }

  function only(chains: ChainProtocol[]): ChainProtocol {
    assert.equal(chains.length, 1, chains.map((c) => c.label).join(', '));
    return chains[0]!;
  }

  function byYear(chain: ChainProtocol, year: number): StepProtocol {
    const step = chain.steps.find((s) => s.step === year);
    assert.ok(step, `no step ${year} in ${chain.label}`);
    return step;
  }

  it('stays quiet on the exact protocol: every step comparable, no problem at all', async () => {
    const chain = only(await check(exactChain()));
    assert.equal(chain.chain, 'tic_medium/basic/cumulative');
    assert.deepEqual(
      chain.steps.map((s) => [s.step, s.expName, s.comparable, s.problems]),
      [
        [2016, exp(2016), true, []],
        [2017, exp(2017), true, []],
        [2018, exp(2018), true, []],
      ],
    );
    assert.equal(chain.comparable, true);
  });

  // Each deviation, on the 2017 step: exactly its own check fires there, and the other steps stay quiet.
  const deviations: { what: string; check: string; spec: Partial<StepSpec>; expected: string; actual: string }[] = [
    {
      what: 'another per-GPU batch size',
      check: 'globalBatch',
      spec: { params: { batch_size: '256' } },
      expected: '4,096 (tic_medium)',
      actual: '2,048 (256 × 8 GPUs × accum 1, −50.00 %)',
    },
    {
      what: 'another lr',
      check: 'lr',
      spec: { params: { lr: '0.0001' } },
      expected: '0.0005 (tic_medium)',
      actual: '0.0001',
    },
    {
      what: 'a warmup on a continual step',
      check: 'warmup',
      spec: { params: { warmup: '500' } },
      expected: '0 (a continual step)',
      actual: '500',
    },
    {
      what: 'data weights',
      check: 'data',
      spec: { params: { train_data_upsampling_factors: '2::1::1::1' } },
      expected: 'no weights (each year in proportion to its shards)',
      actual: 'weights 2::1::1::1',
    },
    {
      what: 'another model',
      check: 'model',
      spec: { params: { model: 'ViT-B-16' } },
      expected: 'ViT-B-32 (tic_medium)',
      actual: 'ViT-B-16',
    },
    {
      what: 'a train_num_samples on a non-oracle step',
      check: 'samples',
      spec: { params: { train_num_samples: '7372800' }, logEpoch: 7_372_800 },
      expected: '18,432,000 (tic_medium)',
      actual: '36,864,000 (planned: a train_num_samples only the oracle sets, +100.00 %)',
    },
    {
      what: 'no new_run',
      check: 'continuation',
      spec: { params: { new_run: 'False' } },
      expected: 'new_run True: a fresh optimizer and schedule',
      actual: "new_run False: the previous step's optimizer state and epoch",
    },
    {
      what: 'a cooldown',
      check: 'schedule',
      spec: { params: { lr_scheduler: 'const-cooldown', epochs_cooldown: '1' } },
      expected: 'cosine, no cooldown',
      actual: 'const-cooldown, a cooldown over the last 1 epoch(s)',
    },
    {
      what: 'another beta2',
      check: 'optimizer',
      spec: { params: { beta2: '0.95' } },
      expected: 'beta2 0.98',
      actual: 'beta2 0.95',
    },
  ];
  for (const d of deviations) {
    it(`flags ${d.what} with the ${d.check} check alone`, async () => {
      const chain = only(await check(exactChain({ 2017: d.spec })));
      const step = byYear(chain, 2017);
      assert.deepEqual(step.problems, [{ check: d.check, expected: d.expected, actual: d.actual, severity: 'error' }]);
      assert.equal(step.comparable, false);
      assert.equal(chain.comparable, false);
      assert.deepEqual(byYear(chain, 2016).problems, []);
      assert.deepEqual(byYear(chain, 2018).problems, []);
    });
  }

  it('reads what a final checkpoint holds: a ViT-B-16 where params.txt says ViT-B-32 fires the model check', async () => {
    for (const spec of exactChain()) writeStep(root, spec);
    // Real torch checkpoints of CLIP shapes (zip + data.pkl, as torch.save writes them, storages sparse), moved over
    // the stand-ins.
    const shapes = new ScratchWorkspace();
    renameSync(await shapes.clipCheckpoint('b16.pt', 'ViT-B-16'), join(root, exp(2017), 'checkpoints/epoch_latest.pt'));
    renameSync(await shapes.clipCheckpoint('b32.pt', 'ViT-B-32'), join(root, exp(2018), 'checkpoints/epoch_latest.pt'));
    const chain = only(await workspaceProtocol(await scanWorkspace(root, { resultDirs: ['.'], evalDirs: ['.'] })));
    assert.deepEqual(byYear(chain, 2017).problems, [
      {
        check: 'model',
        expected: 'ViT-B-32 (tic_medium)',
        actual: "ViT-B-16 (the final checkpoint's shapes)",
        severity: 'error',
      },
    ]);
    assert.deepEqual(byYear(chain, 2018).problems, [], 'a ViT-B-32 checkpoint is what tic_medium trains');
    assert.deepEqual(byYear(chain, 2016).problems, [], 'a file that is not a checkpoint says nothing');
  });

  it('notes an epochs_cooldown that the cosine schedule ignores, comparable all the same', async () => {
    const chain = only(await check(exactChain({ 2017: { params: { epochs_cooldown: '1' } } })));
    assert.deepEqual(byYear(chain, 2017).problems, [
      {
        check: 'schedule',
        expected: 'no cooldown',
        actual: 'epochs_cooldown 1, which the cosine schedule ignores',
        severity: 'note',
      },
    ]);
    assert.equal(byYear(chain, 2017).comparable, true);
  });

  it('flags a skipped year with the chain check alone (2019 continues 2017)', async () => {
    const chain = only(
      await check([
        { name: exp(2016), years: cumulative(2016), from: null },
        { name: exp(2017), years: cumulative(2017), from: exp(2016) },
        { name: exp(2019), years: cumulative(2019), from: exp(2017) },
      ]),
    );
    assert.deepEqual(
      chain.steps.map((s) => s.step),
      [2016, 2017, 2019],
    );
    assert.deepEqual(byYear(chain, 2019).problems, [
      {
        check: 'chain',
        expected: 'a step for 2018',
        actual: `2018 skipped: continues ${exp(2017)} (2017)`,
        severity: 'error',
      },
    ]);
    assert.deepEqual(byYear(chain, 2017).problems, []);
  });

  it('passes tic_medium on 6 GPUs: 682 × 6 = 4,092 (−0.1 %), 904 batches per epoch, 18,495,840 samples (+0.35 %)', async () => {
    // 3,686,400 / 4,092 = 900.9 → 901 batches, rounded up to a multiple of 4 workers: 904; 904 × 4,092 = 3,699,168.
    const chain = only(
      await check(exactChain({ 2017: { params: { batch_size: '682', world_size: '6' }, logEpoch: 3_699_168 } })),
    );
    assert.deepEqual(byYear(chain, 2017).problems, []);
    assert.equal(chain.comparable, true);
  });

  it('flags a run that trained half its budget, from the samples its log shows', async () => {
    // The same planned samples, but the log's epochs hold 1,843,200 each (a hand-edited epoch length).
    const chain = only(await check(exactChain({ 2018: { logEpoch: 1_843_200 } })));
    assert.deepEqual(byYear(chain, 2018).problems, [
      { check: 'samples', expected: '18,432,000 (tic_medium)', actual: '9,216,000 (−50.00 %)', severity: 'error' },
    ]);
  });

  it('says only a warning when a finished run has no log to count its samples from', async () => {
    const chain = only(await check(exactChain({ 2018: { noLog: true } })));
    assert.deepEqual(byYear(chain, 2018).problems, [
      {
        check: 'samples',
        expected: '18,432,000 (tic_medium)',
        actual: 'not in the log (no train step lines)',
        severity: 'warning',
      },
    ]);
    assert.equal(byYear(chain, 2018).comparable, true);
  });

  it('flags a restart that changed the epoch length (open_clip #413), not a restart as such', async () => {
    const changed = only(await check(exactChain({ 2018: { starts: [perEpoch, 1_843_200] } })));
    const problems = byYear(changed, 2018).problems.filter((p) => p.check === 'continuation');
    assert.deepEqual(problems, [
      {
        check: 'continuation',
        expected: 'the same epoch length in every start',
        actual: '3,686,400, then 1,843,200 samples per epoch',
        severity: 'error',
      },
    ]);
  });

  it('accepts a restart of the same step with --resume latest: the first start says where it came from', async () => {
    // OpenCLIP resolves `latest` before it writes params.txt: the restart's resume is the step's own checkpoint.
    const own = join(root, exp(2018), 'checkpoints', 'epoch_latest.pt');
    const specs = exactChain({ 2018: { starts: [perEpoch, perEpoch], params: { resume: own } } });
    const chain = only(await check(specs));
    assert.deepEqual(byYear(chain, 2018).problems, []);
  });

  it('flags a variant that skips a year (2019 continues 2017 while 2018 exists) with the chain check alone', async () => {
    const chain = only(
      await check([...exactChain(), { name: exp(2019), years: cumulative(2019), from: exp(2017), params: {} }]).then(
        (cs) => cs.filter((c) => c.steps.some((s) => s.step === 2019)),
      ),
    );
    // 2019 resumes from 2017 while 2018 exists: the lineage forks at 2017 and 2019's variant skips 2018.
    assert.deepEqual(
      byYear(chain, 2019).problems.map((p) => p.check),
      ['chain'],
    );
  });

  it('asks the first step for the scale’s warmup and the oracle for 7 × the budget', async () => {
    const oracle = 'datacomp_medium-basic_oracle_2022';
    const chains = await check([
      { name: exp(2016), years: cumulative(2016), from: null, params: { warmup: '0' } },
      {
        name: oracle,
        years: cumulative(2022),
        from: null,
        // run_medium_basic_oracle.sh: train_num_samples = 4096 × 4500 × 7, over 5 epochs.
        params: { train_num_samples: String((4096 * 4500 * 7) / 5) },
        logEpoch: (4096 * 4500 * 7) / 5,
      },
    ]);
    const first = chains.find((c) => c.chain === 'tic_medium/basic/cumulative')!;
    assert.deepEqual(byYear(first, 2016).problems, [
      { check: 'warmup', expected: '500 (tic_medium, the first step)', actual: '0', severity: 'error' },
    ]);
    const o = chains.find((c) => c.chain === 'tic_medium/basic/oracle')!;
    assert.deepEqual(byYear(o, 2022).problems, []);
  });

  it('notes the released xlarge runs’ warmup of 2000 on a continual step, comparable all the same', async () => {
    const name = (y: number): string => `datacomp_xlarge-basic_cumulative_${y}`;
    const xlarge = { batch_size: '1408', world_size: '64', lr: '0.001', model: 'ViT-B-16' };
    const xlargeEpoch = 90112 * 4100; // 20,500 steps over 5 epochs (contracts §1.2)
    const chain = only(
      await check([
        {
          name: name(2016),
          years: cumulative(2016),
          from: null,
          params: { ...xlarge, warmup: '10000', train_num_samples: String(xlargeEpoch) },
          logEpoch: xlargeEpoch,
        },
        {
          name: name(2017),
          years: cumulative(2017),
          from: name(2016),
          params: { ...xlarge, warmup: '2000', train_num_samples: String(xlargeEpoch) },
          logEpoch: xlargeEpoch,
        },
      ]),
    );
    assert.equal(chain.chain, 'tic_xlarge/basic/cumulative');
    assert.deepEqual(byYear(chain, 2016).problems, []);
    assert.deepEqual(byYear(chain, 2017).problems, [
      {
        check: 'warmup',
        expected: '0 (a continual step)',
        actual: '2,000: matches the released xlarge runs (2,000), not the scripts',
        severity: 'note',
      },
    ]);
    assert.equal(byYear(chain, 2017).comparable, true);
  });

  describe('the eval check (tic-studio-eval.json next to each evaluation)', () => {
    const a = 'a'.repeat(40);
    const b = 'b'.repeat(40);
    const tasks = ['tic/datacomp/retrieval/yearly/2016', 'tic/datacomp/datacompnet/yearly/2016'];

    function writeEval(name: string, record: string | null): void {
      const dir = join(root, 'eval', name);
      mkdirSync(dir, { recursive: true });
      writeFileSync(
        join(dir, 'eval_results.jsonl'),
        '{"key": "tic/datacomp/retrieval/yearly/2016", "dataset": "TiC-DataComp-Retrieval-Yearly-2016", "metrics": {"mean_recall@1": 0.3, "main_metric": 0.3}}\n',
      );
      if (record !== null) writeFileSync(join(dir, 'tic-studio-eval.json'), record);
    }
    const record = (commit: string | null, t: readonly string[] | null, dirty = false): string =>
      JSON.stringify({ version: 1, checkoutCommit: commit, dirty, tasks: t });

    async function checkWithEvals(): Promise<ChainProtocol> {
      for (const spec of exactChain()) writeStep(root, spec);
      const ws = await scanWorkspace(root, { resultDirs: ['.'], evalDirs: ['eval'] });
      return only(await workspaceProtocol(ws));
    }

    it('flags the evaluation made with other eval code, and other tasks, against the chain’s others', async () => {
      writeEval(exp(2016), record(a, tasks));
      writeEval(exp(2017), record(a, tasks));
      writeEval(exp(2018), record(b, [tasks[0]!]));
      const chain = await checkWithEvals();
      assert.deepEqual(byYear(chain, 2016).problems, []);
      assert.deepEqual(byYear(chain, 2017).problems, []);
      assert.deepEqual(byYear(chain, 2018).problems, [
        {
          check: 'eval',
          expected: "eval code at aaaaaaaaaaaa, as the chain's other evaluations",
          actual: 'eval code at bbbbbbbbbbbb',
          severity: 'error',
        },
        {
          check: 'eval',
          expected:
            "the tasks of the chain's other evaluations: tic/datacomp/datacompnet/yearly/2016, tic/datacomp/retrieval/yearly/2016",
          actual: 'without tic/datacomp/datacompnet/yearly/2016',
          severity: 'error',
        },
      ]);
    });

    it('says nothing without records, warns on a dirty checkout and on a record it cannot read', async () => {
      writeEval(exp(2016), null);
      writeEval(exp(2017), record(a, tasks, true));
      writeEval(exp(2018), '{"version": 1, "checkoutCommit": "HEAD"}');
      const chain = await checkWithEvals();
      assert.deepEqual(byYear(chain, 2016).problems, []);
      assert.deepEqual(byYear(chain, 2017).problems, [
        {
          check: 'eval',
          expected: 'eval code as committed',
          actual: 'the checkout had uncommitted changes',
          severity: 'warning',
        },
      ]);
      assert.deepEqual(byYear(chain, 2018).problems, [
        {
          check: 'eval',
          expected: 'a readable record of the eval code',
          actual: 'tic-studio-eval.json has a checkoutCommit that is not 40 lower-case hex digits',
          severity: 'warning',
        },
      ]);
      assert.equal(chain.comparable, true);
    });
  });
});
