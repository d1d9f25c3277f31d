import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { repoCachePaths } from '../../../src/hub/core/hubCachePaths';
import { downloadToCache } from '../../../src/hub/downloadToCache';
import { classifyRepoPath, listHubCatalog } from '../../../src/hub/hubCatalog';
import { HubError } from '../../../src/hub/core/hubError';
import { HubToken } from '../../../src/hub/core/hubToken';
import { ticClipRepos } from '../../../src/tic/ticClipRepos';
import { startLoopbackHub, type LoopbackHub } from '../../support/loopbackHub';
import { scratch, ticClipLoopbackRepos } from './hubTestKit';

describe('hub catalog (against a loopback Hub)', () => {
  let hub: LoopbackHub;
  let cache: ReturnType<typeof scratch>;
  const extra = 'someone/TiC-CLIP-finetune';

  before(async () => {
    hub = await startLoopbackHub({
      repos: [
        ...ticClipLoopbackRepos(),
        {
          id: extra,
          files: [
            { path: 'checkpoints/2023.pt', size: 4096 },
            { path: 'checkpoints/notes.txt', content: 'x' },
          ],
        },
        { id: 'someone/gated-model', gated: true, files: [{ path: 'checkpoints/2020.pt', size: 1000 }] },
      ],
      // Three entries a page: every listing of a TiC-CLIP repo needs several pages.
      treePageSize: 3,
      token: 'hf_loopbacktoken',
    });
  });
  after(() => hub.close());
  beforeEach(() => {
    cache = scratch();
    hub.resetStats();
  });
  afterEach(() => cache.remove());

  const deps = () => ({ endpoint: hub.url, fetch, cacheDir: cache.dir });

  it('lists the six TiC-CLIP repos with commit, years, sizes and LFS sha256s, following tree pagination', async () => {
    const repos = await listHubCatalog({}, deps());
    assert.deepEqual(
      repos.map((r) => r.repo),
      [...ticClipRepos],
    );
    const cumulative = repos[0]!;
    assert.equal(cumulative.offline, false);
    assert.equal(cumulative.error, undefined);
    assert.equal(cumulative.commit, hub.commit(cumulative.repo));
    assert.deepEqual(cumulative.years, [2016, 2017, 2018, 2019, 2020, 2021, 2022]);
    assert.deepEqual(
      repos.find((r) => r.repo.endsWith('basic-sequential'))!.years,
      [2017, 2018, 2019, 2020, 2021, 2022],
    );
    assert.deepEqual(repos.find((r) => r.repo.endsWith('bestpool-oracle'))!.years, [2022]);
    const ckpt = cumulative.files.find((f) => f.path === 'checkpoints/2016.pt')!;
    const served = hub.file(cumulative.repo, 'checkpoints/2016.pt');
    assert.deepEqual(
      {
        size: ckpt.size,
        sha256: ckpt.sha256,
        gitOid: ckpt.gitOid,
        lfs: ckpt.lfs,
        kind: ckpt.kind,
        year: ckpt.year,
        cached: ckpt.cached,
      },
      {
        size: served.content.size,
        sha256: served.sha256,
        gitOid: served.gitOid,
        lfs: true,
        kind: 'checkpoint',
        year: 2016,
        cached: false,
      },
    );
    const params = cumulative.files.find((f) => f.path === 'params/2016.yaml')!;
    assert.deepEqual(
      [params.kind, params.year, params.lfs, params.sha256, params.gitOid],
      ['params', 2016, false, undefined, hub.file(cumulative.repo, 'params/2016.yaml').gitOid],
    );
    assert.equal(cumulative.files.length, 2 + 7 * 2);
    // 16 files + 2 folders at 3 entries a page = 6 pages for this repo.
    const pages = hub.stats.requests.filter((r) => r.url.startsWith(`/api/models/${cumulative.repo}/tree/`));
    assert.equal(pages.length, 6);
    assert.ok(pages.slice(1).every((p) => p.url.includes('cursor=')));
    // Listed by commit, not by the moving branch.
    assert.ok(pages.every((p) => p.url.includes(`/tree/${cumulative.commit}`)));
  });

  it("adds the caller's extra repos once, and years come only from checkpoints/YEAR.pt", async () => {
    const repos = await listHubCatalog({ extraRepos: [extra, ticClipRepos[0]] }, deps());
    assert.equal(repos.length, 7);
    const mine = repos.at(-1)!;
    assert.equal(mine.repo, extra);
    assert.deepEqual(mine.years, [2023]);
    assert.deepEqual(classifyRepoPath('checkpoints/notes.txt'), { kind: 'other', year: undefined });
    assert.deepEqual(classifyRepoPath('checkpoints/2016.pt.bak'), { kind: 'other', year: undefined });
  });

  it('marks what the cache holds, including a partial download waiting to resume', async () => {
    const repo = 'apple/TiC-CLIP-basic-oracle';
    await downloadToCache({ repo, path: 'params/2022.yaml' }, deps());
    const [r] = await listHubCatalog({ repos: [repo] }, deps());
    const yaml = r!.files.find((f) => f.path === 'params/2022.yaml')!;
    assert.equal(yaml.cached, true);
    assert.match(yaml.localPath ?? '', /snapshots\/[0-9a-f]{40}\/params\/2022\.yaml$/);
    const ckpt = r!.files.find((f) => f.path === 'checkpoints/2022.pt')!;
    assert.equal(ckpt.cached, false);
    assert.equal(ckpt.partialBytes, 0);
    writeFileSync(repoCachePaths(cache.dir, repo).incomplete(ckpt.sha256!), Buffer.alloc(1000));
    const [again] = await listHubCatalog({ repos: [repo] }, deps());
    assert.equal(again!.files.find((f) => f.path === 'checkpoints/2022.pt')!.partialBytes, 1000);
  });

  it('falls back to what the cache holds, marked offline, when the Hub cannot be reached', async () => {
    const repo = 'apple/TiC-CLIP-bestpool-cumulative';
    await downloadToCache({ repo, path: 'checkpoints/2018.pt' }, deps());
    await downloadToCache({ repo, path: 'params/2018.yaml' }, deps());
    const down = await startLoopbackHub({ repos: [] });
    const deadUrl = down.url;
    await down.close();
    const repos = await listHubCatalog(
      { repos: [repo, 'apple/TiC-CLIP-basic-oracle'] },
      { ...deps(), endpoint: deadUrl },
    );
    const [cached, empty] = repos;
    assert.equal(cached!.offline, true);
    assert.equal(cached!.error?.reason, 'network');
    assert.equal(cached!.commit, hub.commit(repo));
    assert.deepEqual(cached!.years, [2018]);
    assert.deepEqual(
      cached!.files.map((f) => [f.path, f.size, f.sha256 ?? f.gitOid, f.cached]),
      [
        [
          'checkpoints/2018.pt',
          hub.file(repo, 'checkpoints/2018.pt').content.size,
          hub.file(repo, 'checkpoints/2018.pt').sha256,
          true,
        ],
        [
          'params/2018.yaml',
          hub.file(repo, 'params/2018.yaml').content.size,
          hub.file(repo, 'params/2018.yaml').gitOid,
          true,
        ],
      ],
    );
    assert.equal(empty!.offline, true);
    assert.deepEqual(empty!.files, []);
    // HF_HUB_OFFLINE: the cache only, without asking.
    const offline = await listHubCatalog({ repos: [repo], offline: true }, { ...deps(), endpoint: deadUrl });
    assert.equal(offline[0]!.offline, true);
    assert.equal(offline[0]!.error, undefined);
  });

  it('reports a gated repo as unauthorized without a token, lists it with one, and keeps listing the others', async () => {
    const repos = await listHubCatalog({ repos: ['someone/gated-model', 'apple/TiC-CLIP-basic-oracle'] }, deps());
    assert.equal(repos[0]!.error?.reason, 'unauthorized');
    assert.match(repos[0]!.error!.message, /gated/);
    assert.match(repos[0]!.error!.message, /accept the conditions/);
    assert.match(repos[0]!.error!.message, /HF_TOKEN|Set Hugging Face Token/);
    assert.equal(repos[0]!.offline, false);
    assert.equal(repos[1]!.error, undefined);
    const withToken = await listHubCatalog(
      { repos: ['someone/gated-model'] },
      { ...deps(), token: new HubToken('hf_loopbacktoken', 'supplied') },
    );
    assert.deepEqual(withToken[0]!.years, [2020]);
    assert.ok(hub.stats.requests.some((r) => r.authorization === 'valid'));
  });

  it('reports a repo that does not exist as notFound and rejects an invalid repo id', async () => {
    const [missing] = await listHubCatalog({ repos: ['apple/no-such-repo'] }, deps());
    assert.equal(missing!.error?.reason, 'notFound');
    assert.match(missing!.error!.message, /apple\/no-such-repo was not found/);
    await assert.rejects(listHubCatalog({ repos: ['not a repo'] }, deps()), (e) => HubError.is(e, 'invalidInput'));
  });
});
