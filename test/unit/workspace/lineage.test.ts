import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, symlinkSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { resultsCommand } from '../../../src/cli/resultsCommand';
import { buildDashboardSnapshot } from '../../../src/wire/dashboardSnapshot';
import type { Chain } from '../../../src/workspace/chains';
import { readVariantNames, writeVariantName } from '../../../src/workspace/variantNamesFile';
import { scanWorkspace, type Workspace } from '../../../src/workspace/workspaceScan';
import { runCliInProcess } from '../../support/runCliInProcess';
import { paramsText } from '../../support/openclipParams';
import { ScratchWorkspace } from '../runs/workspaceFixture';

const medium = { model: 'ViT-B-32', lr: '0.0005', batch_size: '512', world_size: '8', epochs: '5' };
const large = { model: 'ViT-B-16', lr: '0.0005', batch_size: '1024', world_size: '8', epochs: '5' };
const years = (to: number): number[] => Array.from({ length: to - 2013 }, (_, i) => to - i);
const shards = (ys: number[]): string => ys.map((y) => `/data/train/${y}/{00000000..00000009}.tar`).join('::');

/** An out.log `Params:` block (contracts §2.1): one record, then one indented `key: value` line per argument. */
function paramsBlock(time: string, values: Record<string, string>): string {
  return [
    `2026-11-28,${time} | INFO | Params:`,
    ...Object.keys(values)
      .sort()
      .map((k) => `2026-11-28,${time} | INFO |   ${k}: ${values[k]}`),
  ].join('\n');
}

const finishedLog = (epochs: number): string =>
  `${Array.from({ length: epochs }, (_, e) => `2026-11-28,10:00:0${e} | INFO | Start epoch ${e}`).join('\n')}\n`;

function evalLines(values: Record<number, number>): string {
  return Object.entries(values)
    .map(
      ([y, v]) =>
        `{"key": "tic/datacomp/retrieval/yearly/${y}", "dataset": "TiC-DataComp-Retrieval-Yearly-${y}", "metrics": {"text_image_R@1": ${v}, "image_text_R@1": ${v}, "mean_recall@1": ${v}, "main_metric": ${v}}}\n`,
    )
    .join('');
}

function chain(ws: Workspace, key: string): Chain {
  const found = ws.chains.find((c) => c.key === key);
  assert.ok(found, `no chain ${key}; have ${ws.chains.map((c) => c.key).join(', ')}`);
  return found;
}

const names = (c: Chain): (string | null)[] => c.steps.map((s) => s.expName);

describe('lineage: a chain is one lineage of checkpoints (issue 18)', function () {
  this.timeout(30_000);
  let scratch: ScratchWorkspace;
  /** The path a run had on the training host: another prefix than the workspace's. */
  const elsewhere = (exp: string): string => `/train-host/results/${exp}/checkpoints/epoch_latest.pt`;
  const base = 'datacomp_medium-basic_cumulative';

  function experiment(
    name: string,
    year: number,
    resume: string,
    options: { lr?: string; evals?: Record<number, number>; log?: string } = {},
  ): string {
    const dir = `ml-tic-clip/datacomp/results/${name}`;
    scratch.file(
      `${dir}/params.txt`,
      paramsText({
        ...medium,
        ...(options.lr ? { lr: options.lr } : {}),
        name,
        train_data: shards(years(year)),
        resume,
        new_run: resume === 'None' ? 'False' : 'True',
      }),
    );
    scratch.file(`${dir}/out.log`, options.log ?? finishedLog(5));
    for (let e = 1; e <= 5; e++) scratch.file(`${dir}/checkpoints/epoch_${e}.pt`, 'x');
    scratch.file(`${dir}/checkpoints/epoch_latest.pt`, 'x');
    if (options.evals)
      scratch.file(`ml-tic-clip/datacomp/eval_results/${name}/eval_results.jsonl`, evalLines(options.evals));
    return join(scratch.root, dir);
  }

  beforeEach(() => {
    scratch = new ScratchWorkspace();
  });

  /** The scenario: the baseline 2016–2019 and an lr 1e-4 variant of 2017 and 2018 next to it. */
  function baselineAndVariant(): void {
    experiment(`${base}_2016`, 2016, 'None', { evals: { 2016: 0.3 } });
    experiment(`${base}_2017`, 2017, elsewhere(`${base}_2016`), { evals: { 2016: 0.31, 2017: 0.32 } });
    experiment(`${base}_2018`, 2018, elsewhere(`${base}_2017`), { evals: { 2017: 0.33, 2018: 0.34 } });
    experiment(`${base}_2019`, 2019, elsewhere(`${base}_2018`), { evals: { 2018: 0.35, 2019: 0.36 } });
    experiment(`${base}_2017_lr1e4`, 2017, elsewhere(`${base}_2016`), {
      lr: '0.0001',
      evals: { 2016: 0.11, 2017: 0.12 },
    });
    experiment(`${base}_2018_lr1e4`, 2018, elsewhere(`${base}_2017_lr1e4`), {
      lr: '0.0001',
      evals: { 2017: 0.13, 2018: 0.14 },
    });
  }

  it('keeps the baseline and the lr variant apart: two chains, each with its own steps and matrix', async () => {
    baselineAndVariant();
    const ws = await scanWorkspace(scratch.root);
    const cumulative = ws.chains.filter((c) => c.group === 'tic_medium/basic/cumulative');
    assert.equal(cumulative.length, 2);
    const baseline = chain(ws, 'tic_medium/basic/cumulative');
    const variant = chain(ws, `tic_medium/basic/cumulative@${base}_2017_lr1e4`);
    assert.deepEqual(names(baseline).slice(0, 4), [`${base}_2016`, `${base}_2017`, `${base}_2018`, `${base}_2019`]);
    assert.deepEqual(names(variant).slice(0, 4), [`${base}_2016`, `${base}_2017_lr1e4`, `${base}_2018_lr1e4`, null]);
    assert.equal(baseline.variant, 'baseline');
    assert.equal(variant.variant, 'lr1e4');
    assert.equal(variant.variantSource, 'suffix');
    assert.equal(variant.label, 'tic_medium/basic/cumulative · lr1e4');
    assert.deepEqual(variant.forkedFrom, { chain: 'tic_medium/basic/cumulative', year: 2016 });
    assert.equal(baseline.forkedFrom, null);
    assert.deepEqual(
      variant.steps.filter((s) => s.inherited).map((s) => s.year),
      [2016],
      'the shared 2016 step is the baseline’s: inherited in the variant',
    );
    assert.deepEqual(variant.lineage, [`${base}_2016`, `${base}_2017_lr1e4`, `${base}_2018_lr1e4`]);
    const s2016 = baseline.steps.find((s) => s.year === 2016)!;
    assert.equal(s2016.children.length, 2, 'the fork step knows both children');
    assert.deepEqual(ws.problems, []);

    // The CLI, as a researcher runs it: each chain's matrix holds only its own lineage's numbers.
    const { code, stdout } = await runCliInProcess(resultsCommand, [scratch.root, '--json']);
    assert.equal(code, 0);
    const out = JSON.parse(stdout) as {
      chains: {
        key: string;
        variant: string | null;
        lineage: string[];
        forkedFrom: { chain: string; year: number } | null;
        matrices: { family: string; metric: string; rows: number[]; columns: number[]; values: (number | null)[][] }[];
      }[];
    };
    const cell = (key: string, row: number, column: number): number | null => {
      const c = out.chains.find((x) => x.key === key)!;
      const m = c.matrices.find((x) => x.family === 'retrieval')!;
      return m.values[m.rows.indexOf(row)]![m.columns.indexOf(column)]!;
    };
    const jsonBaseline = out.chains.find((c) => c.key === 'tic_medium/basic/cumulative')!;
    const jsonVariant = out.chains.find((c) => c.key === `tic_medium/basic/cumulative@${base}_2017_lr1e4`)!;
    assert.equal(jsonVariant.variant, 'lr1e4');
    assert.deepEqual(jsonVariant.forkedFrom, { chain: 'tic_medium/basic/cumulative', year: 2016 });
    assert.deepEqual(jsonBaseline.lineage, [`${base}_2016`, `${base}_2017`, `${base}_2018`, `${base}_2019`]);
    assert.equal(cell(jsonBaseline.key, 2017, 2017), 0.32);
    assert.equal(cell(jsonBaseline.key, 2018, 2018), 0.34);
    assert.equal(cell(jsonVariant.key, 2017, 2017), 0.12);
    assert.equal(cell(jsonVariant.key, 2018, 2018), 0.14);
    assert.equal(cell(jsonVariant.key, 2016, 2016), 0.3, 'the shared first step is in both');
    assert.equal(cell(jsonVariant.key, 2019, 2019), null, 'the baseline’s 2019 is not the variant’s');
  });

  it('says which variant a fork of a variant leaves: the variant, not the baseline', async () => {
    baselineAndVariant();
    // A second child of the lr variant's 2017: it forks off the variant, after 2017.
    experiment(`${base}_2018_lr1e4wd`, 2018, elsewhere(`${base}_2017_lr1e4`), { lr: '0.0001' });
    const ws = await scanWorkspace(scratch.root);
    const lr = chain(ws, `tic_medium/basic/cumulative@${base}_2017_lr1e4`);
    const wd = chain(ws, `tic_medium/basic/cumulative@${base}_2018_lr1e4wd`);
    assert.deepEqual(wd.forkedFrom, { chain: lr.key, year: 2017 });
    assert.deepEqual(
      wd.steps.filter((s) => s.inherited).map((s) => s.expName),
      [`${base}_2016`, `${base}_2017_lr1e4`],
    );
    assert.deepEqual(names(wd).slice(0, 3), [`${base}_2016`, `${base}_2017_lr1e4`, `${base}_2018_lr1e4wd`]);
  });

  it('names a variant without a suffix by the params.txt keys it changes, and by the user’s name once given', async () => {
    experiment(`${base}_2016`, 2016, 'None');
    experiment(`${base}_2017`, 2017, elsewhere(`${base}_2016`));
    const later = experiment('datacomp-medium-basic_cumulative_2017', 2017, elsewhere(`${base}_2016`), {
      lr: '0.0001',
    });
    // Trained after the baseline's 2017: the variant, though neither name says so.
    const hourLater = new Date(Date.now() + 3_600_000);
    utimesSync(join(later, 'out.log'), hourLater, hourLater);
    let ws = await scanWorkspace(scratch.root);
    const variant = ws.chains.find((c) => c.group === 'tic_medium/basic/cumulative' && c.forkedFrom !== null)!;
    assert.ok(variant, 'a forked chain');
    assert.equal(variant.variant, 'lr 1e-4');
    assert.equal(variant.variantSource, 'params');

    await writeVariantName(scratch.root, variant.key, 'low lr');
    ws = await scanWorkspace(scratch.root);
    assert.equal(chain(ws, variant.key).variant, 'low lr');
    assert.equal(chain(ws, variant.key).variantSource, 'user');
    const stored = JSON.parse(readFileSync(join(scratch.root, '.tic-studio/variants.json'), 'utf8')) as unknown;
    assert.deepEqual(stored, { version: 1, names: { [variant.key]: 'low lr' } });
  });

  it('takes a planted variants file as a claim: bad entries skipped and said, never a crash', async () => {
    scratch.file(
      '.tic-studio/variants.json',
      JSON.stringify({ version: 1, names: { a: 'ok', b: 42, c: 'x\u202Ey', d: 'y'.repeat(81) } }),
    );
    const read = await readVariantNames(scratch.root);
    assert.deepEqual([...read.names], [['a', 'ok']]);
    assert.match(read.problem ?? '', /3 entries are not a usable name/);
    scratch.file('.tic-studio/variants.json', '{not json');
    assert.match((await readVariantNames(scratch.root)).problem ?? '', /is not JSON/);
  });

  it('roots a lineage at the published 2016.pt: a fork at 2016 whose earlier step is the published one', async () => {
    const published =
      '/home/alice/.cache/huggingface/hub/models--apple--TiC-CLIP-bestpool-cumulative/snapshots/0a1b/checkpoints/2016.pt';
    const name = 'datacomp_large-bestpool_cumulative_2017';
    const dir = `ml-tic-clip/datacomp/results/${name}`;
    scratch.file(
      `${dir}/params.txt`,
      paramsText({ ...large, name, train_data: shards(years(2017)), resume: published, new_run: 'True' }),
    );
    scratch.file(`${dir}/out.log`, finishedLog(5));
    const ws = await scanWorkspace(scratch.root);
    const c = chain(ws, 'tic_large/bestpool/cumulative');
    assert.deepEqual(c.root, {
      kind: 'published',
      repo: 'apple/TiC-CLIP-bestpool-cumulative',
      year: 2016,
      path: published,
    });
    const s2016 = c.steps.find((s) => s.year === 2016)!;
    assert.equal(s2016.experiment, null);
    assert.deepEqual(s2016.published, { repo: 'apple/TiC-CLIP-bestpool-cumulative', year: 2016, path: published });
    assert.equal(c.steps.find((s) => s.year === 2017)!.resumeMatchesChain, true);
    assert.deepEqual(c.lineage, ['apple/TiC-CLIP-bestpool-cumulative:checkpoints/2016.pt', name]);
    assert.equal(c.lastYear, 2017);
  });

  it('knows a published checkpoint by its Hub cache blob, through the cache’s snapshot links', async () => {
    const hash = 'ab'.repeat(32);
    const repoDir = join(scratch.root, 'hf/models--apple--TiC-CLIP-basic-cumulative');
    scratch.file(`hf/models--apple--TiC-CLIP-basic-cumulative/blobs/${hash}`, 'x');
    mkdirSync(join(repoDir, 'snapshots/c0ffee/checkpoints'), { recursive: true });
    symlinkSync(`../../../blobs/${hash}`, join(repoDir, 'snapshots/c0ffee/checkpoints/2018.pt'));
    experiment(`${base}_2019`, 2019, join(repoDir, 'blobs', hash));
    const ws = await scanWorkspace(scratch.root);
    const c = chain(ws, 'tic_medium/basic/cumulative');
    assert.equal(c.root.kind, 'published');
    assert.deepEqual(c.root.kind === 'published' ? [c.root.repo, c.root.year] : null, [
      'apple/TiC-CLIP-basic-cumulative',
      2018,
    ]);
    assert.equal(c.steps.find((s) => s.year === 2019)!.resumeMatchesChain, true);
  });

  it('gives lineages on two published checkpoints their own keys and names', async () => {
    const cache = '/home/alice/.cache/huggingface/hub/models--apple--TiC-CLIP-bestpool-cumulative/snapshots/0a1b';
    const write = (name: string, year: number, resume: string): void => {
      const dir = `ml-tic-clip/datacomp/results/${name}`;
      scratch.file(
        `${dir}/params.txt`,
        paramsText({ ...large, name, train_data: shards(years(year)), resume, new_run: 'True' }),
      );
      scratch.file(`${dir}/out.log`, finishedLog(5));
    };
    write('datacomp_large-bestpool_cumulative_2017', 2017, `${cache}/checkpoints/2016.pt`);
    write('datacomp_large-bestpool_cumulative_2018', 2018, `${cache}/checkpoints/2017.pt`);
    const ws = await scanWorkspace(scratch.root);
    const chains = ws.chains.filter((c) => c.group === 'tic_large/bestpool/cumulative');
    assert.equal(new Set(chains.map((c) => c.key)).size, 2, chains.map((c) => c.key).join(', '));
    const on2017 = chains.find((c) => c.root.kind === 'published' && c.root.year === 2017)!;
    assert.equal(on2017.key, 'tic_large/bestpool/cumulative@datacomp_large-bestpool_cumulative_2018');
    assert.equal(on2017.variant, 'from published 2017');
    assert.deepEqual(
      on2017.steps.filter((s) => s.published !== null).map((s) => s.year),
      [2016, 2017],
      'the published lineage’s earlier years stand as its earlier steps',
    );
  });

  it('keeps a `--resume latest` restart one experiment: its first start’s parent from the head of out.log', async () => {
    experiment(`${base}_2016`, 2016, 'None');
    // The restart rewrote params.txt with its own checkpoint; out.log was appended to (contracts §1.4, §7.6).
    const name = `${base}_2017`;
    const log = [
      paramsBlock('10:00:00', { name, resume: elsewhere(`${base}_2016`), new_run: 'True' }),
      '2026-11-28,10:00:01 | INFO | Start epoch 0',
      paramsBlock('11:00:00', { name, resume: elsewhere(name), new_run: 'True' }),
      '2026-11-28,11:00:01 | INFO | Start epoch 3',
      '',
    ].join('\n');
    experiment(name, 2017, elsewhere(name), { log });
    const ws = await scanWorkspace(scratch.root);
    const cumulative = ws.chains.filter((c) => c.group === 'tic_medium/basic/cumulative');
    assert.equal(cumulative.length, 1, 'a restart is not a child of itself');
    assert.deepEqual(names(cumulative[0]!).slice(0, 2), [`${base}_2016`, name]);
    assert.equal(cumulative[0]!.steps[1]!.byNameRules, false, 'placed by its lineage, not by name');
    assert.equal(cumulative[0]!.steps[1]!.resumedFrom?.expName, `${base}_2016`);
  });

  it('reports a parent that is not in the workspace and a loop, and still builds every chain', async () => {
    experiment(`${base}_2016`, 2016, 'None');
    experiment(`${base}_2018`, 2018, elsewhere(`${base}_2017_gone`));
    experiment(`${base}_2019_a`, 2019, elsewhere(`${base}_2019_b`));
    experiment(`${base}_2019_b`, 2019, elsewhere(`${base}_2019_a`));
    const ws = await scanWorkspace(scratch.root);
    const messages = ws.problems.map((p) => p.message).join('\n');
    assert.match(
      messages,
      new RegExp(`${base}_2018 started from .*${base}_2017_gone.* no experiment ${base}_2017_gone`),
    );
    assert.match(messages, /start from each other in a loop/);
    assert.ok(ws.problems.every((p) => p.kind === 'lineage'));
    // The dashboard says lineages, not files: nothing here failed to be read.
    const notice = (await buildDashboardSnapshot({ workspace: ws, notice: null, firstStep: 'merge', activity: [] }))
      .notice;
    assert.match(
      notice ?? '',
      /^3 lineages could not be followed, so their chains start where they do: .*its lineage starts there; .*in a loop; .*trains 2019 again .*in its chain\.$/,
    );
    assert.doesNotMatch(notice ?? '', /could not be read/);
    const dangling = ws.chains.find((c) => c.steps.some((s) => s.expName === `${base}_2018`))!;
    assert.equal(dangling.root.kind, 'missing');
    // The loop is cut at one of them, which the name rules then place after the other: 2019 twice on one lineage.
    assert.match(messages, /trains 2019 again on top of/);
    assert.ok(ws.chains.some((c) => c.lineage.includes(`${base}_2019_a`) && c.lineage.includes(`${base}_2019_b`)));
  });

  it('places experiments without a readable lineage by the name rules, and says so', async () => {
    experiment(`${base}_2016`, 2016, 'None');
    // Only checkpoints and a log tail: no params.txt, no Params block.
    scratch.file(`ml-tic-clip/datacomp/results/${base}_2017/checkpoints/epoch_latest.pt`, 'x');
    const ws = await scanWorkspace(scratch.root);
    const c = chain(ws, 'tic_medium/basic/cumulative');
    assert.deepEqual(names(c).slice(0, 2), [`${base}_2016`, `${base}_2017`]);
    assert.equal(c.steps[1]!.byNameRules, true);
    assert.equal(c.guessed, true);
  });
});
