import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { catalogReach, emptyDownloadReason } from '../../../src/hub/catalogReach';
import { downloadToCache } from '../../../src/hub/downloadToCache';
import { listHubCatalog } from '../../../src/hub/hubCatalog';
import { startLoopbackHub, type LoopbackHub } from '../../support/loopbackHub';
import { scratch, ticClipLoopbackRepos } from './hubTestKit';

/** A loopback port nothing listens on (taken, then given back). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('whether the catalog reached the Hub (one fact for the Checkpoints view)', () => {
  let cache: ReturnType<typeof scratch>;
  let hub: LoopbackHub | undefined;
  beforeEach(() => (cache = scratch()));
  afterEach(async () => {
    await hub?.close();
    hub = undefined;
    cache.remove();
  });

  it('is unreachable while nothing listens, showing what the cache holds; online once the Hub is up there', async () => {
    const port = await closedPort();
    const endpoint = `http://127.0.0.1:${port}`;
    const deps = { endpoint, fetch, cacheDir: cache.dir };

    const down = await listHubCatalog({}, deps);
    const reach = catalogReach(down);
    assert.equal(reach.kind, 'unreachable');
    assert.match(reach.kind === 'unreachable' ? reach.detail : '', /connection failed/);
    assert.equal(emptyDownloadReason(down), 'unreachable');

    // The same endpoint, now answering (as after a Retry).
    hub = await startLoopbackHub({ repos: ticClipLoopbackRepos(), port });
    const up = await listHubCatalog({}, deps);
    assert.deepEqual(catalogReach(up), { kind: 'online' });
    assert.equal(emptyDownloadReason(up), undefined);

    // A cached year, then the Hub gone again: still unreachable, with that year listed from the cache.
    await downloadToCache({ repo: 'apple/TiC-CLIP-basic-oracle', path: 'checkpoints/2022.pt' }, deps);
    await hub.close();
    hub = undefined;
    const cachedOnly = await listHubCatalog({}, deps);
    assert.equal(catalogReach(cachedOnly).kind, 'unreachable');
    assert.deepEqual(cachedOnly.find((r) => r.repo === 'apple/TiC-CLIP-basic-oracle')!.years, [2022]);
    assert.equal(emptyDownloadReason(cachedOnly), 'unreachable');
  });

  it('is offline mode when the cache is read on purpose, and stays online when only one repo fails', async () => {
    hub = await startLoopbackHub({
      repos: [...ticClipLoopbackRepos(), { id: 'someone/gated', gated: true, files: [] }],
    });
    const deps = { endpoint: hub.url, fetch, cacheDir: cache.dir };
    assert.deepEqual(catalogReach(await listHubCatalog({ offline: true }, deps)), { kind: 'offlineMode' });
    const mixed = await listHubCatalog({ extraRepos: ['someone/gated'] }, deps);
    assert.equal(mixed.find((r) => r.repo === 'someone/gated')!.error?.reason, 'unauthorized');
    assert.deepEqual(catalogReach(mixed), { kind: 'online' });
  });

  it('says when no repo has a checkpoint at all', async () => {
    hub = await startLoopbackHub({ repos: [{ id: 'someone/empty', files: [{ path: 'README.md', content: 'x' }] }] });
    const repos = await listHubCatalog({ repos: ['someone/empty'] }, { endpoint: hub.url, fetch, cacheDir: cache.dir });
    assert.equal(emptyDownloadReason(repos), 'noCheckpoints');
  });
});
