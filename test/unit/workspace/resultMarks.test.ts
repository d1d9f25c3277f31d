import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planEval } from '../../../src/plan/evalPlan';
import { simulatedEvalPlan, simulatedTrainPlan } from '../../../src/plan/simulatedPlan';
import { planResume } from '../../../src/plan/resumePlan';
import { parseHostMessage, ProtocolError, type ChainWire } from '../../../src/protocol/dashboardMessages';
import { resultsCommand } from '../../../src/cli/resultsCommand';
import { buildDashboardSnapshot } from '../../../src/wire/dashboardSnapshot';
import { buildChainResults, type ChainResults } from '../../../src/workspace/chainResults';
import { scanWorkspace } from '../../../src/workspace/workspaceScan';
import {
  commonSteps,
  findTransfer,
  summaryOver,
  summarySteps,
  transferCsvRows,
} from '../../../webview/dashboard/transferTable';
import { chainMarks } from '../../../webview/dashboard/heatmapTable';
import { restoreDashboardState } from '../../../webview/dashboard/dashboardState';
import { runCliInProcess } from '../../support/runCliInProcess';
import { stopDemoRunAfterEpoch } from '../../support/stoppedRun';

const demo = join(__dirname, '../../../demo');
const simulator = join(demo, 'simulator');
const cumulative = 'tic_medium/basic/cumulative';
const exp = (year: number) => `datacomp_medium-basic_cumulative_${year}`;
const key = 'retrieval/mean_recall@1';

/** A copy of the demo to change. */
function demoCopy(prefix: string): string {
  const root = mkdtempSync(join(tmpdir(), prefix));
  cpSync(demo, root, { recursive: true });
  return root;
}

/** The retrieval mean_recall@1 of one eval folder by eval year, read with JSON.parse (not TiC Studio's reader). */
function recallByYear(root: string, name: string): Map<number, number> {
  const out = new Map<number, number>();
  const file = join(root, 'datacomp/eval_results', name, 'eval_results.jsonl');
  for (const line of readFileSync(file, 'utf8').split('\n').filter(Boolean)) {
    const r = JSON.parse(line) as { key: string; metrics: Record<string, number> };
    const m = /^tic\/datacomp\/retrieval\/yearly\/(\d{4})$/.exec(r.key);
    if (m) out.set(Number(m[1]), r.metrics['mean_recall@1']!);
  }
  return out;
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * ID and backward transfer by hand (merge mode, contracts §5): per row, eval years 2014–2016 averaged into one
 * 2016 cell; ID is the row's own year, backward the years before it; every cell of the region counts once.
 */
function handTransfer(root: string, steps: readonly number[]): { id: number; backward: number } {
  const id: number[] = [];
  const backward: number[] = [];
  for (const step of steps) {
    const row = recallByYear(root, exp(step));
    const cells = new Map<number, number>([[2016, mean([2014, 2015, 2016].map((y) => row.get(y)!))]]);
    for (const [y, v] of row) if (y > 2016) cells.set(y, v);
    for (const [y, v] of cells) {
      if (y === step) id.push(v);
      else if (y < step) backward.push(v);
    }
  }
  return { id: mean(id), backward: mean(backward) };
}

function chainOf(results: readonly ChainResults[]): ChainResults {
  return results.find((c) => c.key === cumulative)!;
}

const close = (a: number | null | undefined, b: number): boolean => a != null && Math.abs(a - b) < 1e-12;

describe('results of simulated runs are marked (tic-studio-simulated.json)', function () {
  this.timeout(60000);
  let root: string;
  before(() => {
    root = demoCopy('tic-marks-sim-');
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('a simulated evaluation by the real stand-in is read back as simulated, and only that step', async () => {
    // The demo's cumulative 2019 is trained, not evaluated: evaluate it as the dashboard's Evaluate does, simulated.
    const outputDir = join(root, 'datacomp/eval_results', exp(2019));
    const plan = planEval({
      checkout: root,
      checkpoint: join(root, 'datacomp/results', exp(2019), 'checkpoints/epoch_latest.pt'),
      arch: 'ViT-B-32',
      outputDir,
      dataDir: join(root, 'datacomp/data'),
      taskGroups: ['retrieval/yearly', 'datacompnet/yearly'],
    });
    const sim = simulatedEvalPlan(plan, simulator);
    const r = spawnSync(sim.argv[0]!, sim.argv.slice(1), {
      cwd: sim.cwd,
      env: { ...process.env, ...sim.env, TIC_STANDIN_STEP_MS: '1' },
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    assert.ok(existsSync(join(outputDir, 'tic-studio-simulated.json')), 'the stand-in left no marker');

    const workspace = await scanWorkspace(root);
    const chain = chainOf(await buildChainResults(workspace));
    const marked = chain.steps.filter((s) => s.simulated).map((s) => s.year);
    assert.deepEqual(marked, [2019]);
    assert.equal(chain.steps.find((s) => s.year === 2019)?.evalDir, outputDir);
    // Its numbers are in the matrix (marked, not hidden).
    const m = chain.matrices.find((x) => `${x.family}/${x.metric}` === key)!;
    assert.ok(m.values[m.rows.indexOf(2019)]!.some((v) => v !== null));

    // On the wire: the step's marks, which the webview's heatmap rows and legend read.
    const snapshot = await buildDashboardSnapshot({ workspace, notice: null, firstStep: 'merge', activity: [] });
    const wire = snapshot.chains.find((c) => c.key === cumulative)!;
    assert.deepEqual([...chainMarks(wire).keys()], [2019]);
    assert.deepEqual(wire.steps.find((s) => s.year === 2019)?.marks, { simulated: true, unfinished: null });
    const parsed = parseHostMessage({ type: 'snapshot', ...snapshot });
    assert.ok(!(parsed instanceof ProtocolError), String(parsed));

    // The CLI's table says so on the row and in a legend line.
    const text = (await runCliInProcess(resultsCommand, [root])).stdout;
    assert.match(text, /^2019 .*simulated/m);
    assert.match(text, /^simulated: a demo stand-in/m);
    const json = JSON.parse((await runCliInProcess(resultsCommand, [root, '--json'])).stdout) as {
      chains: { key: string; steps: { year: number; simulated: boolean }[] }[];
    };
    const steps = json.chains.find((c) => c.key === cumulative)!.steps;
    assert.deepEqual(
      steps.filter((s) => s.simulated).map((s) => s.year),
      [2019],
    );
  });

  it('a simulated training by the real stand-in marks its step', async () => {
    const plan = planResume({
      strategy: 'cumulative',
      fromYear: 2019,
      checkpoint: join(root, 'datacomp/results', exp(2019), 'checkpoints/epoch_latest.pt'),
      scale: 'tic_medium',
      filtering: 'basic',
      checkout: root,
      dataRoot: join(root, 'data/train'),
      imagenetVal: join(root, 'data/imagenet/val'),
      outputDir: join(root, 'datacomp/results'),
      nprocPerNode: 1,
    });
    const sim = simulatedTrainPlan(plan, simulator, { TIC_STANDIN_STEP_MS: '1', TIC_STANDIN_STEPS_PER_EPOCH: '2' });
    const r = spawnSync(sim.argv[0]!, sim.argv.slice(1), {
      cwd: sim.cwd,
      env: { ...process.env, ...sim.env, TIC_STANDIN_EPOCHS: '1' },
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    const chain = chainOf(await buildChainResults(await scanWorkspace(root)));
    const step = chain.steps.find((s) => s.year === 2020)!;
    assert.equal(step.expName, exp(2020));
    assert.equal(step.simulated, true);
    assert.equal(step.unfinished, false);
  });
});

describe('an unfinished step is marked and left out of the transfer summaries', function () {
  this.timeout(60000);
  let root: string;
  before(() => {
    // The demo's cumulative 2018, stopped during its third epoch (its evaluation stays: it scored epoch 2).
    root = demoCopy('tic-marks-unfinished-');
    stopDemoRunAfterEpoch(join(root, 'datacomp/results', exp(2018)), 2);
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it("marks the step, its ImageNet is the early epoch's, and the summary leaves it out unless asked", async () => {
    const workspace = await scanWorkspace(root);
    const chain = chainOf(await buildChainResults(workspace));
    const step = chain.steps.find((s) => s.year === 2018)!;
    assert.equal(step.unfinished, true);
    assert.match(step.unfinishedReason ?? '', /2 of 5 epochs/);
    assert.deepEqual(
      chain.steps.filter((s) => s.unfinished).map((s) => s.year),
      [2018],
    );
    const imagenet = chain.imagenet.find((i) => i.year === 2018 && i.source === 'trainingZeroShot')!;
    assert.equal(imagenet.epoch, 2);

    const t = chain.transfer.find((x) => `${x.family}/${x.metric}` === key)!;
    const without = handTransfer(root, [2016, 2017]);
    const withIt = handTransfer(root, [2016, 2017, 2018]);
    assert.ok(close(t.id, without.id), `${t.id} vs ${without.id}`);
    assert.ok(close(t.backward, without.backward));
    // Its row is still there, with its own values.
    assert.ok(t.perStep.find((p) => p.year === 2018)?.id !== null);
    const all = chainOf(await buildChainResults(workspace, { includeUnfinished: true }));
    const tAll = all.transfer.find((x) => `${x.family}/${x.metric}` === key)!;
    assert.ok(close(tAll.id, withIt.id));
    assert.ok(close(tAll.backward, withIt.backward));
    assert.notEqual(without.id, withIt.id);
  });

  it('the dashboard: left out by default, the toggle brings it in, common steps leave it out too', async () => {
    const workspace = await scanWorkspace(root);
    const snapshot = await buildDashboardSnapshot({ workspace, notice: null, firstStep: 'merge', activity: [] });
    const chains: ChainWire[] = snapshot.chains;
    const wire = chains.find((c) => c.key === cumulative)!;
    assert.match(wire.steps.find((s) => s.year === 2018)?.marks?.unfinished ?? '', /2 of 5 epochs/);
    const t = findTransfer(wire, key)!;
    const without = handTransfer(root, [2016, 2017]);
    const withIt = handTransfer(root, [2016, 2017, 2018]);
    const byDefault = summaryOver(t, summarySteps(wire, t, false, null)!)!;
    assert.ok(close(byDefault.id, without.id));
    assert.ok(close(byDefault.backward, without.backward));
    // Brought in: the host's own summary over every row.
    assert.equal(summarySteps(wire, t, true, null), null);
    assert.ok(close(t.id, withIt.id));
    // The CSV's summary row follows the toggle.
    const csv = (include: boolean) => transferCsvRows([wire], key, null, include)[0]![3] as number;
    assert.ok(close(csv(false), without.id));
    assert.ok(close(csv(true), withIt.id));
    // Common steps: an unfinished step is no step with results while it is left out.
    const common = commonSteps(chains, key, false).get(cumulative)!;
    assert.ok(!common.has(2018));
    assert.ok(commonSteps(chains, key, true).get(cumulative)!.has(2018));
    // ImageNet from the stopped run: epoch 2, on the wire for its tooltip.
    assert.deepEqual(
      wire.imagenet.filter((i) => i.year === 2018).map((i) => [i.source, i.epoch]),
      [['trainingZeroShot', 2]],
    );
  });

  it('the CLI marks it, says it is left out, and counts it with --include-unfinished', async () => {
    const text = (await runCliInProcess(resultsCommand, [root])).stdout;
    assert.match(text, /^2018 .*unfinished/m);
    assert.match(text, /unfinished step 2018 left out of these means/);
    assert.match(text, /^unfinished 2018: training did not finish: 2 of 5 epochs/m);
    const ids = async (args: string[]) => {
      const json = JSON.parse((await runCliInProcess(resultsCommand, [root, '--json', ...args])).stdout) as {
        includeUnfinished: boolean;
        chains: { key: string; transfer: { family: string; metric: string; id: number }[] }[];
      };
      const c = json.chains.find((x) => x.key === cumulative)!;
      return { include: json.includeUnfinished, id: c.transfer.find((x) => `${x.family}/${x.metric}` === key)!.id };
    };
    const byDefault = await ids([]);
    const included = await ids(['--include-unfinished']);
    assert.equal(byDefault.include, false);
    assert.ok(close(byDefault.id, handTransfer(root, [2016, 2017]).id));
    assert.equal(included.include, true);
    assert.ok(close(included.id, handTransfer(root, [2016, 2017, 2018]).id));
  });
});

describe('a planted tic-studio-simulated.json only ever adds a mark', function () {
  this.timeout(60000);
  let root: string;
  before(() => {
    root = demoCopy('tic-marks-planted-');
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('whatever it is (a named pipe, a link to a device, a folder, junk), the scan does not wait and no number changes', async function () {
    const before = await buildChainResults(await scanWorkspace(root));
    const results = join(root, 'datacomp/results');
    const evals = join(root, 'datacomp/eval_results');
    const fifo = spawnSync('mkfifo', [join(results, exp(2016), 'tic-studio-simulated.json')]);
    if (fifo.status !== 0) this.skip();
    symlinkSync('/dev/zero', join(evals, exp(2017), 'tic-studio-simulated.json'));
    mkdirSync(join(evals, exp(2018), 'tic-studio-simulated.json'));
    writeFileSync(
      join(results, 'datacomp_medium-basic_sequential_2018', 'tic-studio-simulated.json'),
      '{"simulated": false, "trusted": true}',
    );
    const workspace = await scanWorkspace(root);
    const after = await buildChainResults(workspace);
    const chain = chainOf(after);
    assert.deepEqual(
      chain.steps.filter((s) => s.simulated).map((s) => s.year),
      [2016, 2017, 2018],
    );
    const sequential = after.find((c) => c.key === 'tic_medium/basic/sequential')!;
    // "simulated": false inside counts for nothing: the name alone marks.
    assert.equal(sequential.steps.find((s) => s.year === 2018)?.simulated, true);
    // Every number and every other flag as before: the mark is all a marker adds.
    const strip = (list: readonly ChainResults[]) =>
      list.map((c) => ({ ...c, steps: c.steps.map(({ simulated: _s, ...rest }) => rest) }));
    assert.deepEqual(strip(after), strip(before));
    assert.deepEqual(
      workspace.problems.filter((p) => p.message.includes('tic-studio-simulated')),
      [],
    );
  });
});

describe('the marks on the wire and in the saved dashboard state', () => {
  it('accepts a step with marks, and refuses marks with another field or a reason that is not a string', async () => {
    const snapshot = await buildDashboardSnapshot({
      workspace: await scanWorkspace(demo),
      notice: null,
      firstStep: 'merge',
      activity: [],
    });
    const withMarks = (marks: unknown) => {
      const chains = snapshot.chains.map((c, i) =>
        i === 0 ? { ...c, steps: c.steps.map((s, j) => (j === 0 ? { ...s, marks } : s)) } : c,
      );
      return parseHostMessage({ type: 'snapshot', ...snapshot, chains });
    };
    assert.ok(!(withMarks({ simulated: true, unfinished: 'stopped at epoch 3' }) instanceof ProtocolError));
    assert.ok(withMarks({ simulated: true, unfinished: null, trusted: true }) instanceof ProtocolError);
    assert.ok(withMarks({ simulated: 'no', unfinished: null }) instanceof ProtocolError);
    assert.ok(withMarks({ simulated: false, unfinished: 3 }) instanceof ProtocolError);
  });

  it('keeps "Include unfinished steps" across reloads, off by default and for anything but a boolean', () => {
    assert.equal(restoreDashboardState({}).includeUnfinished, false);
    assert.equal(restoreDashboardState({ includeUnfinished: true }).includeUnfinished, true);
    assert.equal(restoreDashboardState({ includeUnfinished: 'yes' }).includeUnfinished, false);
  });
});
