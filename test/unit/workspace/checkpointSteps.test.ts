import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { diffNames, resumeParentOf } from '../../../src/workspace/checkpointSteps';
import { scanWorkspace, type Workspace } from '../../../src/workspace/workspaceScan';

const demo = join(__dirname, '../../../demo');
const results = (root: string) => join(root, 'datacomp/results');
const ckpt = (root: string, exp: string, file = 'epoch_latest.pt') =>
  join(results(root), `datacomp_medium-basic_${exp}`, 'checkpoints', file);

describe('checkpoints as steps of chains (the demo, scanned)', () => {
  let ws: Workspace;
  before(async () => {
    ws = await scanWorkspace(demo);
  });

  it('names two steps of one chain by strategy and years, the older as A whatever the order given', () => {
    const names = diffNames(ws, ckpt(demo, 'cumulative_2018'), ckpt(demo, 'cumulative_2017'));
    assert.equal(names.title, 'cumulative 2017 → 2018');
    assert.equal(names.a, ckpt(demo, 'cumulative_2017'));
    assert.equal(names.b, ckpt(demo, 'cumulative_2018'));
  });

  it('names two epochs of one step by their files, the earlier epoch as A', () => {
    const names = diffNames(ws, ckpt(demo, 'cumulative_2017'), ckpt(demo, 'cumulative_2017', 'epoch_1.pt'));
    assert.equal(names.title, 'cumulative 2017: epoch_1.pt → epoch_latest.pt');
    assert.equal(names.a, ckpt(demo, 'cumulative_2017', 'epoch_1.pt'));
  });

  it("names a fork's step and the shared step before it by the fork's chain", () => {
    assert.equal(
      diffNames(ws, ckpt(demo, 'cumulative_2017_lr1e4'), ckpt(demo, 'cumulative_2016')).title,
      'cumulative lr1e4 2016 → 2017',
    );
  });

  it('names steps of two chains each by its chain, and a month after its year', () => {
    assert.equal(
      diffNames(ws, ckpt(demo, 'cumulative_2018_lr1e4'), ckpt(demo, 'cumulative_2017')).title,
      'cumulative 2017 → cumulative lr1e4 2018',
    );
    // The same step of two chains: neither is older.
    assert.equal(
      diffNames(ws, ckpt(demo, 'cumulative_2018_lr1e4'), ckpt(demo, 'cumulative_2018')).title,
      'cumulative lr1e4 2018 ↔ cumulative 2018',
    );
    assert.equal(
      diffNames(ws, ckpt(demo, 'sequential_m202001'), ckpt(demo, 'cumulative_2019')).title,
      'cumulative 2019 → sequential 2020-01',
    );
  });

  it('names files outside every chain by their file names, keeping the order given', () => {
    const names = diffNames(ws, '/tmp/x/model_b.pt', '/tmp/y/model_a.pt');
    assert.deepEqual(names, { a: '/tmp/x/model_b.pt', b: '/tmp/y/model_a.pt', title: 'model_b.pt ↔ model_a.pt' });
    assert.equal(diffNames(ws, '/tmp/x/m.pt', '/tmp/y/m.pt').title, 'x/m.pt ↔ y/m.pt');
    assert.equal(diffNames(ws, '/tmp/x/m.pt', ckpt(demo, 'cumulative_2017')).title, 'm.pt ↔ epoch_latest.pt');
  });

  it("finds the checkpoint a step resumed from through the lineage (its params name another machine's path)", () => {
    const step = (exp: string) =>
      ws.chains.flatMap((c) => c.steps).find((s) => s.expName === `datacomp_medium-basic_${exp}` && !s.inherited)!;
    assert.deepEqual(resumeParentOf(ws, step('cumulative_2018')), {
      kind: 'checkpoint',
      path: ckpt(demo, 'cumulative_2017'),
    });
    assert.deepEqual(resumeParentOf(ws, step('sequential_2017')), {
      kind: 'checkpoint',
      path: ckpt(demo, 'cumulative_2016'),
    });
    // `resume: None` and a log without its Params block: the files do not say it started from scratch.
    assert.deepEqual(resumeParentOf(ws, step('cumulative_2016')), { kind: 'unknown' });
  });
});

describe('checkpoints as steps of a lineage rooted at a published checkpoint', () => {
  let root: string;
  let ws: Workspace;
  const published =
    '/home/someone/.cache/huggingface/hub/models--apple--TiC-CLIP-basic-cumulative/snapshots/0123abc/checkpoints/2016.pt';
  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'tic-checkpoint-steps-'));
    cpSync(join(demo, 'datacomp'), join(root, 'datacomp'), { recursive: true });
    const params = (exp: string) => join(results(root), `datacomp_medium-basic_${exp}`, 'params.txt');
    const retarget = (exp: string, resume: string) =>
      writeFileSync(params(exp), readFileSync(params(exp), 'utf8').replace(/^resume: .*$/m, `resume: ${resume}`));
    rmSync(join(results(root), 'datacomp_medium-basic_cumulative_2016'), { recursive: true });
    retarget('cumulative_2017', published);
    retarget('sequential_2017', '/elsewhere/my_model.pt');
    ws = await scanWorkspace(root);
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  const step = (exp: string) =>
    ws.chains.flatMap((c) => c.steps).find((s) => s.expName === `datacomp_medium-basic_${exp}` && !s.inherited)!;

  it('says which published checkpoint a step resumed from, and names the pair by the chain', () => {
    assert.deepEqual(resumeParentOf(ws, step('cumulative_2017')), {
      kind: 'published',
      repo: 'apple/TiC-CLIP-basic-cumulative',
      year: 2016,
      path: published,
    });
    assert.equal(diffNames(ws, ckpt(root, 'cumulative_2017'), published).title, 'cumulative 2016 → 2017');
  });

  it('says when the checkpoint it resumed from is outside the workspace', () => {
    assert.deepEqual(resumeParentOf(ws, step('sequential_2017')), {
      kind: 'elsewhere',
      path: '/elsewhere/my_model.pt',
    });
  });
});
