import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseHostMessage, ProtocolError, type SnapshotWire } from '../../../src/protocol/dashboardMessages';
import { branchWire, buildDashboardSnapshot } from '../../../src/wire/dashboardSnapshot';
import { ticMonths } from '../../../src/tic/ticMonths';
import type { Chain } from '../../../src/workspace/chains';
import { publishedYears } from '../../../src/wire/timelineSteps';
import { scanWorkspace, type Workspace } from '../../../src/workspace/workspaceScan';

const demo = join(__dirname, '../../../demo');
const results = join(demo, 'datacomp/results');

describe('the dashboard snapshot of the demo workspace', () => {
  let workspace: Workspace;
  let snapshot: SnapshotWire;
  const chain = (key: string) => snapshot.chains.find((c) => c.key === key)!;
  const step = (key: string, year: number) => chain(key).steps.find((s) => s.year === year)!;

  before(async () => {
    workspace = await scanWorkspace(demo);
    snapshot = await buildDashboardSnapshot({ workspace, notice: null, firstStep: 'merge', activity: [] });
  });

  it('can leave the protocol guard out for a first paint: the same chains and steps, without marks or compute', async () => {
    const quick = await buildDashboardSnapshot({
      workspace,
      notice: null,
      firstStep: 'merge',
      activity: [],
      protocol: false,
    });
    assert.deepEqual(
      quick.chains.map((c) => [c.key, c.steps.map((s) => s.year)]),
      snapshot.chains.map((c) => [c.key, c.steps.map((s) => s.year)]),
    );
    assert.ok(snapshot.chains.some((c) => c.compute !== undefined && c.steps.some((s) => s.protocol !== undefined)));
    assert.ok(quick.chains.every((c) => c.compute === undefined && c.steps.every((s) => s.protocol === undefined)));
    assert.deepEqual(quick.chains[0]!.matrices, snapshot.chains[0]!.matrices);
    const message = parseHostMessage(JSON.parse(JSON.stringify({ type: 'snapshot', ...quick })));
    assert.ok(!(message instanceof ProtocolError), message instanceof ProtocolError ? message.detail : '');
  });

  it("is a message the webview's validator accepts, after a trip through JSON", () => {
    const message = parseHostMessage(JSON.parse(JSON.stringify({ type: 'snapshot', ...snapshot })));
    assert.ok(!(message instanceof ProtocolError), message instanceof ProtocolError ? message.detail : '');
    assert.deepEqual(message, { type: 'snapshot', ...snapshot });
  });

  it('has one swimlane per chain with the seven training steps 2016…2022', () => {
    assert.deepEqual(
      snapshot.chains.map((c) => c.key),
      [
        'tic_medium/basic/cumulative',
        'tic_medium/basic/cumulative@datacomp_medium-basic_cumulative_2017_lr1e4',
        'tic_medium/basic/sequential',
      ],
    );
    for (const c of snapshot.chains)
      assert.deepEqual(
        c.steps.map((s) => s.year),
        [2016, 2017, 2018, 2019, 2020, 2021, 2022],
      );
    assert.equal(snapshot.notice, null);
  });

  it('marks checkpoints, finished training and evaluations as the folders have them', () => {
    const c2019 = step('tic_medium/basic/cumulative', 2019);
    assert.equal(c2019.checkpoint, 'local');
    assert.equal(c2019.run, 'finished');
    assert.equal(c2019.evaluation, 'missing', 'the demo has no eval of cumulative 2019');
    assert.equal(c2019.experiment, join(results, 'datacomp_medium-basic_cumulative_2019'));
    const c2017 = step('tic_medium/basic/cumulative', 2017);
    assert.equal(c2017.evaluation, 'done');
    const c2020 = step('tic_medium/basic/cumulative', 2020);
    assert.deepEqual(
      [c2020.checkpoint, c2020.run, c2020.evaluation, c2020.experiment],
      ['missing', 'none', 'missing', null],
    );
    // The sequential chain shows cumulative's 2016 (both continual chains start from it, contracts §1.7).
    const s2016 = step('tic_medium/basic/sequential', 2016);
    assert.equal(s2016.shared, true);
    assert.equal(s2016.experiment, join(results, 'datacomp_medium-basic_cumulative_2016'));
  });

  it("shows TiC Studio's own runs over what the folder says: running with progress, queued", async () => {
    const withRuns = await buildDashboardSnapshot({
      workspace,
      notice: null,
      firstStep: 'merge',
      activity: [
        { outputDir: join(results, 'datacomp_medium-basic_cumulative_2019'), state: 'running', progress: 0.25 },
        { outputDir: join(results, 'datacomp_medium-basic_sequential_2018'), state: 'queued', progress: null },
      ],
    });
    const byKey = (key: string) => withRuns.chains.find((c) => c.key === key)!;
    const c2019 = byKey('tic_medium/basic/cumulative').steps.find((s) => s.year === 2019)!;
    assert.equal(c2019.run, 'running');
    assert.equal(c2019.progress, 0.25);
    assert.match(c2019.detail, /training, 25%/);
    assert.equal(byKey('tic_medium/basic/sequential').steps.find((s) => s.year === 2018)!.run, 'queued');
  });

  it('gives the data volume of every year 2014…2022, marking the rounded ones', () => {
    assert.deepEqual(
      snapshot.dataVolume.map((v) => v.year),
      [2014, 2015, 2016, 2017, 2018, 2019, 2020, 2021, 2022],
    );
    // contracts §4.1: 2016 is 11,134,037,568 bytes of 16-byte uids after a 128-byte header.
    assert.equal(snapshot.dataVolume[2]!.samples, (11_134_037_568 - 128) / 16);
    assert.deepEqual(
      snapshot.dataVolume.filter((v) => v.approximate).map((v) => v.year),
      [2015, 2018, 2021],
    );
  });

  it('carries the retrieval matrix cells of the eval_results.jsonl files, null where there is none', () => {
    const matrix = chain('tic_medium/basic/cumulative').matrices.find((m) => m.metric === 'mean_recall@1')!;
    const file = join(demo, 'datacomp/eval_results/datacomp_medium-basic_cumulative_2018/eval_results.jsonl');
    const record = readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { key: string; metrics: Record<string, number> })
      .find((r) => r.key === 'tic/datacomp/retrieval/yearly/2021')!;
    assert.equal(
      matrix.values[matrix.rows.indexOf(2018)]![matrix.columns.indexOf(2021)],
      record.metrics['mean_recall@1'],
    );
    assert.ok(matrix.values[matrix.rows.indexOf(2019)]!.every((v) => v === null));
  });

  it("says how many cells the demo's transfer summaries hold against the full 7 × 7 (they are incomplete)", () => {
    const transfer = chain('tic_medium/basic/cumulative').transfer.find((t) => t.metric === 'mean_recall@1')!;
    // Rows 2016–2018 are evaluated on every year: ID 3 (the diagonal), backward 0 + 1 + 2, forward 6 + 5 + 4.
    assert.deepEqual(transfer.cells, { id: 3, backward: 3, forward: 15 });
    assert.deepEqual(transfer.fullCells, { id: 7, backward: 21, forward: 21 });
  });

  it("marks each trained step comparable or not: the demo's lr 1e-4 variant deviates in its learning rate", () => {
    const variant = 'tic_medium/basic/cumulative@datacomp_medium-basic_cumulative_2017_lr1e4';
    for (const year of [2017, 2018]) {
      const protocol = step(variant, year).protocol!;
      assert.equal(protocol.comparable, false, `${year}`);
      // demo/generate.py trains the variant at lr 1e-4; tic_medium's is 5e-4 (contracts §1.2).
      assert.deepEqual(
        protocol.problems.filter((p) => p.severity === 'error').map((p) => [p.check, p.actual]),
        [['lr', '0.0001']],
      );
    }
    for (const year of [2016, 2017, 2018, 2019])
      assert.equal(step('tic_medium/basic/cumulative', year).protocol?.comparable, true, `${year}`);
    // The sequential chain's shared 2016 carries the report of the chain that trained it; untrained steps none.
    assert.equal(step('tic_medium/basic/sequential', 2016).protocol?.comparable, true);
    assert.equal(step('tic_medium/basic/cumulative', 2020).protocol, undefined);
  });

  it("gives each chain's cumulative compute from the whole logs", () => {
    const compute = chain('tic_medium/basic/cumulative').compute!;
    // 2016…2019 each ran tic_medium's budget: 4 × 4,500 optimizer steps of 4,096 samples.
    assert.equal(compute.optimizerSteps, 4 * 4500);
    assert.equal(compute.samplesSeen, 4 * 4500 * 4096);
    assert.equal(compute.comparable, true);
    assert.equal(
      chain('tic_medium/basic/cumulative@datacomp_medium-basic_cumulative_2017_lr1e4').compute?.comparable,
      false,
    );
  });

  it("carries the demo's lr 1e-4 variant as its own lineage, forking after the shared 2016", () => {
    const variant = chain('tic_medium/basic/cumulative@datacomp_medium-basic_cumulative_2017_lr1e4');
    assert.equal(variant.label, 'tic_medium/basic/cumulative · lr1e4');
    assert.equal(variant.variant, 'lr1e4');
    assert.deepEqual(variant.forkedFrom, { chain: 'tic_medium/basic/cumulative', year: 2016 });
    assert.equal(variant.root, null);
    assert.deepEqual(
      variant.steps.slice(0, 3).map((s) => [s.year, s.expName, s.inherited]),
      [
        [2016, 'datacomp_medium-basic_cumulative_2016', true],
        [2017, 'datacomp_medium-basic_cumulative_2017_lr1e4', false],
        [2018, 'datacomp_medium-basic_cumulative_2018_lr1e4', false],
      ],
    );
    assert.ok(chain('tic_medium/basic/cumulative').steps.every((s) => !s.inherited));
    // Its matrix row 2017 is the variant's own evaluation, not the baseline's.
    const matrix = variant.matrices.find((m) => m.metric === 'mean_recall@1')!;
    const file = join(demo, 'datacomp/eval_results/datacomp_medium-basic_cumulative_2017_lr1e4/eval_results.jsonl');
    const record = readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { key: string; metrics: Record<string, number> })
      .find((r) => r.key === 'tic/datacomp/retrieval/yearly/2017')!;
    assert.equal(
      matrix.values[matrix.rows.indexOf(2017)]![matrix.columns.indexOf(2017)],
      record.metrics['mean_recall@1'],
    );
  });

  it('says what to do when a folder has no chains, and what is going on before the first scan', async () => {
    const empty = await buildDashboardSnapshot({
      workspace: { ...workspace, chains: [], monthlyChains: [], experiments: [], evalDirs: [] },
      notice: null,
      firstStep: 'merge',
      activity: [],
    });
    assert.match(empty.notice ?? '', /datacomp\/results/);
    const scanning = await buildDashboardSnapshot({
      workspace: undefined,
      notice: 'Scanning…',
      firstStep: 'merge',
      activity: [],
    });
    assert.deepEqual([scanning.chains, scanning.notice], [[], 'Scanning…']);
  });
});

describe("the dashboard snapshot of the demo's monthly chain (issue 19)", () => {
  const key = 'tic_medium/basic/sequential/monthly';
  const monthlyExp = (m: number) => `datacomp_medium-basic_sequential_m${m}`;
  let workspace: Workspace;
  let snapshot: SnapshotWire;
  const monthly = () => {
    const found = snapshot.monthlyChains?.find((c) => c.key === key);
    assert.ok(found, `no monthly chain ${key} in ${JSON.stringify(snapshot.monthlyChains?.map((c) => c.key))}`);
    return found;
  };

  /** The records of a demo eval folder, read with JSON.parse (not with the parser under test). */
  function records(exp: string): Map<string, Record<string, number>> {
    const file = join(demo, 'datacomp/eval_results', exp, 'eval_results.jsonl');
    return new Map(
      readFileSync(file, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { key: string; metrics: Record<string, number> })
        .map((r) => [r.key, r.metrics]),
    );
  }

  before(async () => {
    workspace = await scanWorkspace(demo);
    snapshot = await buildDashboardSnapshot({ workspace, notice: null, firstStep: 'merge', activity: [] });
  });

  it('lists the monthly chain apart from the yearly ones, its steps months, branched off cumulative 2019', () => {
    assert.deepEqual(
      snapshot.monthlyChains?.map((c) => c.key),
      [key],
    );
    assert.ok(snapshot.chains.every((c) => c.timescale === undefined && c.branch === undefined));
    const c = monthly();
    assert.equal(c.timescale, 'monthly');
    assert.deepEqual(
      c.steps.map((s) => [s.year, s.expName]),
      [202001, 202002, 202003].map((m) => [m, monthlyExp(m)]),
    );
    // The demo's cumulative chain has a variant, so the baseline's name is said too.
    assert.deepEqual(c.branch, {
      year: 2019,
      chain: 'tic_medium/basic/cumulative',
      label: 'cumulative 2019 (baseline)',
    });
    assert.equal(c.forkedFrom, null);
  });

  it('marks 2020-01 and 2020-02 evaluated on the 102 monthly tasks and 2020-03 not, in words with months', () => {
    const c = monthly();
    assert.deepEqual(
      c.steps.map((s) => [s.checkpoint, s.run, s.evaluation]),
      [
        ['local', 'finished', 'done'],
        ['local', 'finished', 'done'],
        ['local', 'finished', 'missing'],
      ],
    );
    assert.match(c.steps[0]!.detail, /^sequential 2020-01 · datacomp_medium-basic_sequential_m202001 · /);
    assert.match(c.steps[2]!.detail, /not evaluated$/);
  });

  it('carries no protocol marks and no compute for the monthly chain (no published monthly protocol)', () => {
    const c = monthly();
    assert.equal('compute' in c, false);
    assert.ok(c.steps.every((s) => !('protocol' in s)));
    // The yearly chains keep theirs.
    assert.ok(snapshot.chains.find((x) => x.key === 'tic_medium/basic/cumulative')!.compute !== undefined);
  });

  it('carries the month × month matrix and the yearly roll-up as the eval_results.jsonl files have them', () => {
    const c = monthly();
    const matrix = c.matrices.find((m) => m.family === 'retrieval' && m.metric === 'mean_recall@1')!;
    assert.deepEqual(matrix.rows, [202001, 202002, 202003]);
    assert.deepEqual(matrix.columns, [...ticMonths]);
    const r202002 = records(monthlyExp(202002));
    for (const m of [201403, 202001, 202002, 202306])
      assert.equal(
        matrix.values[1]![matrix.columns.indexOf(m)],
        r202002.get(`tic/datacomp/retrieval/monthly/${m}`)!['mean_recall@1'],
        `2020-02 × ${m}`,
      );
    assert.ok(
      matrix.values[2]!.every((v) => v === null),
      '2020-03 was not evaluated: missing, never 0',
    );

    const rollup = c.rollup?.find((m) => m.family === 'retrieval' && m.metric === 'mean_recall@1');
    assert.ok(rollup, 'no roll-up of mean_recall@1');
    assert.deepEqual(rollup.rows, [202001, 202002, 202003]);
    assert.deepEqual(rollup.columns, [2014, 2015, 2016, 2017, 2018, 2019, 2020, 2021, 2022, 2023]);
    const r202001 = records(monthlyExp(202001));
    for (const year of [2014, 2020, 2022, 2023]) {
      const values = [...r202001]
        .filter(([k]) => k.startsWith(`tic/datacomp/retrieval/monthly/${year}`))
        .map(([, metrics]) => metrics['mean_recall@1']!);
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      assert.ok(values.length > 0);
      assert.ok(Math.abs(rollup.values[0]![rollup.columns.indexOf(year)]! - mean) < 1e-12, `2020-01 × ${year}`);
    }
    assert.ok(rollup.values[2]!.every((v) => v === null));
    assert.equal(c.rollup!.length, c.matrices.length, 'one roll-up per matrix');
  });

  it("counts the monthly transfer against its full matrix: the chain's 3 months × the 102 eval months", () => {
    const t = monthly().transfer.find((x) => x.metric === 'mean_recall@1')!;
    // By hand: 63 TiC months lie before 2020-01 (8 + 10 + 9 in 2014–2016, 36 in 2017–2019), 38 after it.
    assert.deepEqual(t.fullCells, { id: 3, backward: 63 + 64 + 65, forward: 38 + 37 + 36 });
    assert.deepEqual(t.cells, { id: 2, backward: 63 + 64, forward: 38 + 37 });
    assert.deepEqual(
      t.perStep.map((s) => s.year),
      [202001, 202002, 202003],
    );
  });

  it('is not an empty dashboard when only monthly chains are there', async () => {
    const onlyMonthly = await buildDashboardSnapshot({
      workspace: { ...workspace, chains: [] },
      notice: null,
      firstStep: 'merge',
      activity: [],
    });
    assert.deepEqual(onlyMonthly.chains, []);
    assert.equal(onlyMonthly.monthlyChains?.length, 1);
    assert.equal(onlyMonthly.notice, null);
  });

  it('says a monthly step is evaluated on some of the months when its eval holds fewer than 102', async () => {
    const partial = {
      ...workspace,
      evalDirs: workspace.evalDirs.map((e) =>
        e.name === monthlyExp(202001)
          ? { ...e, records: e.records.filter((r) => r.task?.timescale !== 'monthly' || r.task.year === 2020) }
          : e,
      ),
    };
    const s = await buildDashboardSnapshot({ workspace: partial, notice: null, firstStep: 'merge', activity: [] });
    const step = s.monthlyChains!.find((c) => c.key === key)!.steps[0]!;
    assert.equal(step.evaluation, 'partial');
    assert.match(step.detail, /evaluated on 12 of 102 months$/);
  });

  it('is a message the webview accepts, monthly chains included, after a trip through JSON', () => {
    const message = parseHostMessage(JSON.parse(JSON.stringify({ type: 'snapshot', ...snapshot })));
    assert.ok(!(message instanceof ProtocolError), message instanceof ProtocolError ? message.detail : '');
    assert.ok(message.type === 'snapshot');
    assert.deepEqual(message.monthlyChains, snapshot.monthlyChains);
  });
});

describe('branchWire: where a monthly chain branched off, for people', () => {
  const base = { timescale: 'monthly', strategy: 'sequential', variant: null } as const;
  const yearly = [{ key: 'tic_medium/basic/cumulative', strategy: 'cumulative', variant: null }] as unknown as Chain[];
  const chainWith = (branch: Chain['branch']) => ({ ...base, branch }) as unknown as Chain;

  it('names a yearly step of a chain, a published checkpoint, an experiment outside chains; null when unknown', () => {
    assert.deepEqual(
      branchWire(
        chainWith({ year: 2019, chain: 'tic_medium/basic/cumulative', expName: 'x_2019', published: null }),
        yearly,
      ),
      { year: 2019, chain: 'tic_medium/basic/cumulative', label: 'cumulative 2019' },
    );
    assert.deepEqual(
      branchWire(
        chainWith({ year: 2022, chain: null, expName: null, published: 'apple/TiC-CLIP-basic-sequential' }),
        yearly,
      ),
      { year: 2022, chain: null, label: 'published apple/TiC-CLIP-basic-sequential 2022' },
    );
    assert.deepEqual(
      branchWire(chainWith({ year: 2018, chain: 'gone/chain', expName: 'x_2018', published: null }), yearly),
      { year: 2018, chain: null, label: 'x_2018 (2018)' },
    );
    assert.equal(branchWire(chainWith(null), yearly), null);
  });
});

describe('publishedYears: which steps the Hub has (contracts §6.1)', () => {
  it('has the xlarge basic/bestpool chains only', () => {
    assert.deepEqual(publishedYears({ scale: 'tic_xlarge', filtering: 'basic', strategy: 'oracle' }), [2022]);
    assert.equal(publishedYears({ scale: 'tic_xlarge', filtering: 'bestpool', strategy: 'sequential' }).length, 7);
    assert.deepEqual(publishedYears({ scale: 'tic_medium', filtering: 'basic', strategy: 'cumulative' }), []);
    assert.deepEqual(publishedYears({ scale: 'tic_xlarge', filtering: null, strategy: 'cumulative' }), []);
    // Nothing monthly is published.
    assert.deepEqual(
      publishedYears({ scale: 'tic_xlarge', filtering: 'basic', strategy: 'sequential', timescale: 'monthly' }),
      [],
    );
  });
});
