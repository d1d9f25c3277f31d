import assert from 'node:assert/strict';
import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SeriesCache } from '../../../src/formats/seriesCache/seriesCache';
import { LossStore, lossChainInputs, type LossChainInput } from '../../../src/wire/lossStore';
import { scanWorkspace } from '../../../src/workspace/workspaceScan';
import { trainLine } from '../../support/openclipTrainLine';

const demo = join(__dirname, '../../../demo');
const cumulative = 'tic_medium/basic/cumulative';
const view = {
  field: 'loss',
  axis: 'samples',
  x0: null,
  x1: null,
  buckets: 100_000,
  smoothing: 0,
  emaPerStep: false,
} as const;

/** Train lines of a log, counted with a plain text search (not with the parser under test). */
function trainLines(path: string): number {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.includes('| Train Epoch: ')).length;
}

describe('LossStore: the parsed training curves the dashboard asks for', () => {
  let root: string;
  let chains: LossChainInput[];
  const exp = (year: number): string => join(root, `datacomp/results/datacomp_medium-basic_cumulative_${year}`);

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'tic-loss-store-'));
    cpSync(demo, root, { recursive: true });
    chains = lossChainInputs(await scanWorkspace(root), [cumulative, 'no/such/chain']);
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it("lists each step's out.log with its samples per optimizer step from params.txt", () => {
    assert.equal(chains.length, 1, 'unknown chain keys are skipped');
    const [chain] = chains;
    assert.deepEqual(
      chain!.steps.map((s) => s.year),
      [2016, 2017, 2018, 2019],
    );
    assert.equal(chain!.steps[3]!.outLog, join(exp(2019), 'out.log'));
    // demo params.txt: batch_size 512 (per GPU) × accum_freq 1 × world_size 8.
    assert.equal(chain!.steps[3]!.samplesPerOptStep, 512 * 8);
  });

  it('stitches every train line of the four steps, one step after the other', async () => {
    const store = new LossStore();
    const [series] = await store.query(chains, view);
    const expected = [2016, 2017, 2018, 2019].reduce((n, y) => n + trainLines(join(exp(y), 'out.log')), 0);
    assert.equal(series!.total, expected);
    assert.equal(series!.x.length, expected, 'with more buckets than points nothing is dropped');
    assert.deepEqual(
      series!.stepStarts.map((s) => s.year),
      [2016, 2017, 2018, 2019],
    );
    for (let i = 1; i < series!.x.length; i++) assert.ok(series!.x[i]! > series!.x[i - 1]!, 'x strictly increases');
    // The 2017 step starts where 2016 ended: after all the samples 2016 saw.
    assert.equal(series!.stepStarts[1]!.x, series!.x[trainLines(join(exp(2016), 'out.log')) - 1]);
  });

  it('reads only what a live run appended and reports which logs changed', async () => {
    const store = new LossStore();
    const log = join(exp(2019), 'out.log');
    const before = (await store.query(chains, view))[0]!;
    assert.deepEqual(await store.refresh([log]), [], 'nothing was appended yet');
    // Epoch 5 of a resumed run (epochs 0–4 are in the log): 2 more lines.
    appendFileSync(
      log,
      `${trainLine('2026-01-01,00:00:00', 5, 4096, 3_686_400, 1.25)}\n${trainLine('2026-01-01,00:01:00', 5, 409600, 3_686_400, 1.125)}\n`,
    );
    assert.deepEqual(await store.refresh([log, join(exp(2016), 'out.log'), '/not/followed/out.log']), [log]);
    const after = (await store.query(chains, view))[0]!;
    assert.equal(after.total, before.total + 2);
    assert.equal(after.y[after.y.length - 1], 1.125);
  });

  it('downsamples to the buckets asked for and keeps the extremes', async () => {
    const store = new LossStore();
    const full = (await store.query(chains, view))[0]!;
    const small = (await store.query(chains, { ...view, buckets: 10 }))[0]!;
    assert.ok(small.x.length <= 4 * 10 + 2, `${small.x.length} points for 10 buckets`);
    const finite = (ys: number[]) => ys.filter((v) => Number.isFinite(v));
    assert.equal(Math.max(...finite(small.y)), Math.max(...finite(full.y)));
    assert.equal(Math.min(...finite(small.y)), Math.min(...finite(full.y)));
  });
});

describe("LossStore: a monthly chain's curve (issue 19)", () => {
  const monthlyKey = 'tic_medium/basic/sequential/monthly';
  const exp = (month: number): string =>
    join(demo, `datacomp/results/datacomp_medium-basic_sequential_m${month}/out.log`);

  it('looks a monthly chain key up among the monthly chains and stitches its months in order', async () => {
    const chains = lossChainInputs(await scanWorkspace(demo), [monthlyKey]);
    assert.deepEqual(
      chains.map((c) => [c.key, c.steps.map((s) => s.year)]),
      [[monthlyKey, [202001, 202002, 202003]]],
    );
    assert.equal(chains[0]!.steps[0]!.outLog, exp(202001));
    const [series] = await new LossStore().query(chains, view);
    const expected = [202001, 202002, 202003].reduce((n, m) => n + trainLines(exp(m)), 0);
    assert.equal(series!.chain, monthlyKey);
    assert.equal(series!.total, expected);
    assert.deepEqual(
      series!.stepStarts.map((s) => s.year),
      [202001, 202002, 202003],
    );
    // 2020-02 starts where 2020-01 ended.
    assert.equal(series!.stepStarts[1]!.x, series!.x[trainLines(exp(202001)) - 1]);
  });
});

describe('LossStore: the series cache between windows (issue 16)', () => {
  let root: string;
  let cacheDir: string;
  let chains: LossChainInput[];
  let logs: string[];
  const years = [2016, 2017, 2018, 2019];
  const exp = (year: number): string => join(root, `datacomp/results/datacomp_medium-basic_cumulative_${year}`);
  const size = (paths: string[]) => paths.reduce((n, p) => n + statSync(p).size, 0);
  /** A window: a store of its own over the shared cache folder. */
  const window = (options: { saveEveryMs?: number } = {}) =>
    new LossStore({ cache: new SeriesCache({ dir: cacheDir }), ...options });
  /** What a store without any cache shows for the same files: the reference. */
  const parsed = async () => (await new LossStore({ cache: null }).query(chains, view))[0]!;
  const timeView = { ...view, axis: 'time', field: 'lr' } as const;

  beforeEach(async () => {
    root = mkdtempSync(join(tmpdir(), 'tic-loss-cache-'));
    cacheDir = join(root, 'cache');
    cpSync(demo, join(root, 'ws'), { recursive: true });
    root = join(root, 'ws');
    chains = lossChainInputs(await scanWorkspace(root), [cumulative]);
    logs = years.map((y) => join(exp(y), 'out.log'));
  });
  afterEach(() => rmSync(join(root, '..'), { recursive: true, force: true }));

  it('a window opening the unchanged workspace again parses no log', async () => {
    const first = window();
    const before = (await first.query(chains, view))[0]!;
    assert.equal(first.stats.parsedBytes, size(logs), 'the first window parses every log');
    await first.persist();

    const second = window();
    const after = (await second.query(chains, view))[0]!;
    assert.equal(second.stats.parsedBytes, 0, 'not one byte of a log went through the parser');
    assert.deepEqual(second.stats.opened, { hit: 4, tail: 0, miss: 0, corrupt: 0 });
    assert.deepEqual(after, before);
    assert.deepEqual((await second.query(chains, timeView))[0], (await first.query(chains, timeView))[0]);
  });

  it('a log that grew is parsed from where the last window stopped, only its tail', async () => {
    const first = window();
    await first.query(chains, view);
    await first.persist();
    const added = `${trainLine('2026-01-01,00:00:00', 5, 4096, 3_686_400, 1.25)}\n${trainLine('2026-01-01,00:01:00', 5, 409600, 3_686_400, 1.125)}\n`;
    appendFileSync(logs[3]!, added);

    const second = window();
    const after = (await second.query(chains, view))[0]!;
    assert.equal(second.stats.parsedBytes, Buffer.byteLength(added), 'the bytes parsed are the tail');
    assert.deepEqual(second.stats.opened, { hit: 3, tail: 1, miss: 0, corrupt: 0 });
    assert.deepEqual(after, await parsed());
    assert.equal(after.y[after.y.length - 1], 1.125);
  });

  it('a live log’s new lines reach the cache, so the next window parses nothing', async () => {
    const first = window({ saveEveryMs: 0 });
    await first.query(chains, view);
    appendFileSync(logs[3]!, `${trainLine('2026-01-01,00:00:00', 5, 4096, 3_686_400, 1.25)}\n`);
    assert.deepEqual(await first.refresh([logs[3]!]), [logs[3]!]);
    await first.persist();
    const second = window();
    assert.deepEqual((await second.query(chains, view))[0], await parsed());
    assert.equal(second.stats.parsedBytes, 0);
  });

  it('a corrupt entry is parsed again, with the right values, and rebuilt', async () => {
    const first = window();
    await first.query(chains, view);
    await first.persist();
    const entry = new SeriesCache({ dir: cacheDir }).entryPath(logs[1]!);
    const bytes = readFileSync(entry);
    bytes[bytes.length - 40]! ^= 0x10;
    writeFileSync(entry, bytes);

    const second = window();
    assert.deepEqual((await second.query(chains, view))[0], await parsed());
    assert.deepEqual(second.stats.opened, { hit: 3, tail: 0, miss: 0, corrupt: 1 });
    assert.equal(second.stats.parsedBytes, statSync(logs[1]!).size, 'only the damaged entry’s log');
    await second.persist();

    const third = window();
    assert.deepEqual((await third.query(chains, view))[0], await parsed());
    assert.equal(third.stats.parsedBytes, 0, 'rebuilt');
  });

  it('a log rewritten since is parsed again', async () => {
    const first = window();
    await first.query(chains, view);
    await first.persist();
    // A new run in the same file: truncated and written again (2018's lines in 2019's log).
    writeFileSync(logs[3]!, readFileSync(logs[2]!));
    const second = window();
    assert.deepEqual((await second.query(chains, view))[0], await parsed());
    assert.equal(second.stats.parsedBytes, statSync(logs[3]!).size);
    assert.deepEqual(second.stats.opened, { hit: 3, tail: 0, miss: 1, corrupt: 0 });
  });
});
