import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import {
  parseHostMessage,
  ProtocolError,
  type SnapshotWire,
  type StepNodeWire,
} from '../../../src/protocol/dashboardMessages';
import { parseParamsText } from '../../../src/formats/paramsText';
import { parseResumeReference } from '../../../src/formats/resumeReference';
import { buildDashboardSnapshot } from '../../../src/wire/dashboardSnapshot';
import { stepLineage, stepParamsWire } from '../../../src/wire/stepParamsWire';
import type { Experiment } from '../../../src/workspace/experimentDir';
import { scanWorkspace, type Workspace } from '../../../src/workspace/workspaceScan';

const demo = join(__dirname, '../../../demo');
const cumulative = 'tic_medium/basic/cumulative';
const variant = 'tic_medium/basic/cumulative@datacomp_medium-basic_cumulative_2017_lr1e4';
const sequential = 'tic_medium/basic/sequential';
const monthly = 'tic_medium/basic/sequential/monthly';

/** params.txt as `name: value` lines, split here with plain string operations (not TiC Studio's parser). */
function paramsOf(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of readFileSync(join(dir, 'params.txt'), 'utf8').split('\n')) {
    const at = line.indexOf(': ');
    if (at > 0) out.set(line.slice(0, at), line.slice(at + 2));
    else if (line.endsWith(':')) out.set(line.slice(0, -1), '');
  }
  return out;
}

function snapshotMessage(snapshot: SnapshotWire): unknown {
  return JSON.parse(JSON.stringify({ type: 'snapshot', ...snapshot }));
}

describe("each step's parameters and lineage on the dashboard wire (the steps table)", () => {
  let workspace: Workspace;
  let snapshot: SnapshotWire;
  const node = (key: string, year: number): StepNodeWire =>
    [...snapshot.chains, ...(snapshot.monthlyChains ?? [])]
      .find((c) => c.key === key)!
      .steps.find((s) => s.year === year)!;

  before(async () => {
    workspace = await scanWorkspace(demo);
    snapshot = await buildDashboardSnapshot({ workspace, notice: null, firstStep: 'merge', activity: [] });
  });

  it("carries params.txt's batch, GPUs, learning rate, warmup and samples for every step with an experiment", () => {
    let checked = 0;
    for (const chain of [...snapshot.chains, ...(snapshot.monthlyChains ?? [])])
      for (const step of chain.steps) {
        if (step.experiment === null) {
          assert.equal(step.params, undefined, `${chain.key} ${step.year} has no experiment`);
          continue;
        }
        const raw = paramsOf(step.experiment);
        const p = step.params!;
        const n = (key: string) => Number(raw.get(key));
        assert.equal(p.batchSize, n('batch_size'));
        assert.equal(p.worldSize, n('world_size'));
        assert.equal(p.accumFreq, n('accum_freq'));
        assert.equal(p.globalBatch, n('batch_size') * n('world_size') * n('accum_freq'));
        assert.equal(p.lr, n('lr'));
        assert.equal(p.warmup, n('warmup'));
        assert.equal(p.epochs, n('epochs'));
        assert.equal(p.samples, n('train_num_samples') * n('epochs'));
        assert.equal(p.scale, 'tic_medium');
        assert.deepEqual(
          p.values,
          [...raw].sort(([a], [b]) => (a < b ? -1 : 1)),
          `${basename(step.experiment)}: every key, as written`,
        );
        assert.equal(p.omitted, 0);
        checked++;
      }
    assert.ok(checked >= 11, `${checked} steps checked`);
    // The yearly steps' optimizers saw what the protocol guard counted from their logs (the demo: the full budget).
    assert.equal(node(cumulative, 2017).params!.samplesSeen, 18_432_000);
  });

  it('says what each step resumed from: the chain step holding that checkpoint, a fork, from scratch', () => {
    const lineage = (key: string, year: number) => node(key, year).params!.lineage;
    assert.equal(lineage(cumulative, 2016).text, 'from scratch');
    assert.equal(lineage(sequential, 2016).text, 'from scratch');
    assert.deepEqual(
      { ...lineage(cumulative, 2017), path: basename(lineage(cumulative, 2017).path!) },
      {
        kind: 'experiment',
        text: 'resumed from cumulative 2016 (baseline)',
        chain: cumulative,
        year: 2016,
        path: 'epoch_latest.pt',
        fork: false,
      },
    );
    // The variant's first own step forks from the baseline's 2016; its next step continues its own 2017.
    assert.equal(lineage(variant, 2017).text, 'forked from cumulative 2016 (baseline)');
    assert.equal(lineage(variant, 2017).fork, true);
    assert.equal(lineage(variant, 2017).chain, cumulative);
    assert.equal(lineage(variant, 2018).text, 'resumed from cumulative 2017 (lr1e4)');
    assert.equal(lineage(variant, 2018).chain, variant);
    assert.equal(lineage(sequential, 2017).text, 'resumed from cumulative 2016 (baseline)');
    assert.equal(lineage(sequential, 2018).text, 'resumed from sequential 2017');
    // The monthly chain's first month continues a yearly step, its next months their month before.
    assert.equal(lineage(monthly, 202001).text, 'resumed from cumulative 2019 (baseline)');
    assert.equal(lineage(monthly, 202002).text, 'resumed from sequential 2020-01');
  });

  it("is accepted by the webview's validator after a trip through JSON, and older snapshots without it still are", () => {
    const message = parseHostMessage(snapshotMessage(snapshot));
    assert.ok(!(message instanceof ProtocolError), message instanceof ProtocolError ? message.detail : '');
    const parsed = message as SnapshotWire;
    const params = (s: SnapshotWire) => s.chains.map((c) => c.steps.map((step) => step.params));
    assert.deepEqual(params(parsed), params(snapshot));
    const older = snapshotMessage(snapshot) as { chains: { steps: Record<string, unknown>[] }[] };
    for (const chain of older.chains) for (const step of chain.steps) delete step.params;
    assert.ok(!(parseHostMessage(older) instanceof ProtocolError));
  });

  it('refuses a step whose parameters are not bounded plain data', () => {
    const spoil = (change: (params: Record<string, unknown>) => void): ProtocolError | unknown => {
      const message = snapshotMessage(snapshot) as { chains: { steps: { params?: Record<string, unknown> }[] }[] };
      change(message.chains[0]!.steps[1]!.params!);
      return parseHostMessage(message);
    };
    const values = node(cumulative, 2017).params!.values;
    const refused = [
      spoil((p) => (p.values = [['__proto__', 'x'], ...values])),
      spoil((p) => (p.values = [...values, values[0]])),
      spoil((p) => (p.values = Array.from({ length: 201 }, (_, i) => [`k${i}`, 'v']))),
      spoil((p) => (p.values = [['lr', 'x'.repeat(1001)]])),
      spoil((p) => (p.lr = -1)),
      spoil((p) => (p.globalBatch = 1.5)),
      spoil((p) => (p.lineage = { ...(p.lineage as object), kind: 'somewhere' })),
      spoil((p) => (p.lineage = { ...(p.lineage as object), year: 202099 })),
      spoil((p) => (p.omitted = undefined)),
    ];
    for (const [i, r] of refused.entries()) assert.ok(r instanceof ProtocolError, `case ${i} accepted`);
  });

  it('keeps at most 200 keys and cuts long values; a published or outside checkpoint is named as such', () => {
    const chain = workspace.chains.find((c) => c.key === cumulative)!;
    const step = chain.steps.find((s) => s.year === 2017)!;
    const experiment = workspace.experiments.find((e) => e.dir === step.experiment)!;
    const lines = Array.from({ length: 250 }, (_, i) => `key_${String(i).padStart(3, '0')}: ${i}`);
    lines.push(`train_data: ${'/data/shard/{00000000..00000409}.tar::'.repeat(40)}`);
    const big: Experiment = { ...experiment, params: parseParamsText(lines.join('\n')) };
    const p = stepParamsWire(chain, step, big, workspace);
    assert.equal(p.values.length, 200);
    assert.equal(p.omitted, 51);
    assert.equal(p.values[0]![0], 'key_000');
    const cut = stepParamsWire(chain, step, { ...experiment, params: parseParamsText(lines.at(-1)!) }, workspace);
    assert.equal(cut.values[0]![1].length, 1000);
    assert.match(cut.values[0]![1], /^\/data\/shard.*….*::$/);

    const hub = parseResumeReference(
      '/home/me/.cache/huggingface/hub/models--apple--TiC-CLIP-basic-cumulative/snapshots/0123abc/checkpoints/2016.pt',
    );
    const published = stepLineage(chain, step, { ...experiment, origin: hub, originKnown: true }, workspace);
    assert.equal(published.kind, 'published');
    assert.equal(published.text, 'resumed from published apple/TiC-CLIP-basic-cumulative 2016');
    const outside = parseResumeReference('/scratch/other_run/checkpoints/epoch_3.pt');
    const external = stepLineage(chain, step, { ...experiment, origin: outside, originKnown: true }, workspace);
    assert.deepEqual([external.kind, external.text], ['external', 'resumed from other_run']);
    const unknown = stepLineage(chain, step, { ...experiment, origin: null, originKnown: false }, workspace);
    assert.deepEqual([unknown.kind, unknown.text], ['unknown', 'not recorded']);
  });
});
