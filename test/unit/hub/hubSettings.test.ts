import assert from 'node:assert/strict';
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import {
  repoCachePaths,
  repoFolderName,
  resolveHubCacheDir,
  snapshotLinkTarget,
} from '../../../src/hub/core/hubCachePaths';
import { resolveHubEndpoint } from '../../../src/hub/core/hubEndpoint';
import { HubError } from '../../../src/hub/core/hubError';
import { parseRepoFilePath, parseRepoId } from '../../../src/hub/core/hubRepoId';
import { resolveHubSettings } from '../../../src/hub/hubSettings';
import { findHubToken, hubTokenPath } from '../../../src/hub/core/hubToken';
import { ProgressThrottle, type DownloadProgress } from '../../../src/hub/downloadProgress';
import { scratch } from './hubTestKit';

describe('hub settings: cache folder, endpoint, token (the same rules as Python huggingface_hub)', () => {
  const home = '/home/someone';

  it('finds the cache root: option, then HF_HUB_CACHE, then HF_HOME/hub, then XDG_CACHE_HOME, then ~/.cache/huggingface/hub', () => {
    assert.equal(resolveHubCacheDir({ cacheDir: '/x', env: { HF_HUB_CACHE: '/y' }, homeDir: home }), '/x');
    assert.equal(resolveHubCacheDir({ env: { HF_HUB_CACHE: '/y', HF_HOME: '/z' }, homeDir: home }), '/y');
    assert.equal(resolveHubCacheDir({ env: { HUGGINGFACE_HUB_CACHE: '/legacy' }, homeDir: home }), '/legacy');
    assert.equal(resolveHubCacheDir({ env: { HF_HOME: '/z' }, homeDir: home }), '/z/hub');
    assert.equal(resolveHubCacheDir({ env: { HF_HOME: '~/hf' }, homeDir: home }), '/home/someone/hf/hub');
    assert.equal(resolveHubCacheDir({ env: { XDG_CACHE_HOME: '/xdg' }, homeDir: home }), '/xdg/huggingface/hub');
    assert.equal(resolveHubCacheDir({ env: {}, homeDir: home }), '/home/someone/.cache/huggingface/hub');
  });

  it('names repo folders and blob, partial, lock, snapshot and ref paths as Python does', () => {
    assert.equal(repoFolderName('apple/TiC-CLIP-basic-oracle'), 'models--apple--TiC-CLIP-basic-oracle');
    const p = repoCachePaths('/c', 'apple/TiC-CLIP-basic-oracle');
    const h = 'a'.repeat(64);
    const c = 'b'.repeat(40);
    assert.equal(p.blob(h), `/c/models--apple--TiC-CLIP-basic-oracle/blobs/${h}`);
    assert.equal(p.incomplete(h), `/c/models--apple--TiC-CLIP-basic-oracle/blobs/${h}.incomplete`);
    assert.equal(p.lock(h), `/c/models--apple--TiC-CLIP-basic-oracle/blobs/${h}.lock`);
    assert.equal(
      p.snapshotFile(c, 'checkpoints/2016.pt'),
      `/c/models--apple--TiC-CLIP-basic-oracle/snapshots/${c}/checkpoints/2016.pt`,
    );
    assert.equal(p.ref('main'), '/c/models--apple--TiC-CLIP-basic-oracle/refs/main');
    assert.equal(p.ref('refs/pr/1'), '/c/models--apple--TiC-CLIP-basic-oracle/refs/refs/pr/1');
  });

  it('points snapshot symlinks at the blob relatively, one ../ per folder in the path', () => {
    const p = repoCachePaths('/c', 'o/n');
    const c = 'b'.repeat(40);
    assert.equal(snapshotLinkTarget(p, c, 'README.md', 'h1'), '../../blobs/h1');
    assert.equal(snapshotLinkTarget(p, c, 'checkpoints/2016.pt', 'h2'), '../../../blobs/h2');
    assert.equal(snapshotLinkTarget(p, c, 'a/b/c.bin', 'h3'), '../../../../blobs/h3');
  });

  it('takes the endpoint from the option, then HF_ENDPOINT, and rejects what is not an http(s) URL', () => {
    assert.equal(resolveHubEndpoint({ env: {} }), 'https://huggingface.co');
    assert.equal(resolveHubEndpoint({ env: { HF_ENDPOINT: 'https://hf-mirror.com/' } }), 'https://hf-mirror.com');
    assert.equal(
      resolveHubEndpoint({ endpoint: 'http://127.0.0.1:9', env: { HF_ENDPOINT: 'https://x' } }),
      'http://127.0.0.1:9',
    );
    assert.throws(
      () => resolveHubEndpoint({ endpoint: 'ftp://x', env: {} }),
      (e) => HubError.is(e, 'invalidInput'),
    );
    assert.throws(
      () => resolveHubEndpoint({ endpoint: 'not a url', env: {} }),
      (e) => HubError.is(e, 'invalidInput'),
    );
  });

  it('accepts repo ids and file paths that stay inside the repo, and nothing else', () => {
    assert.equal(parseRepoId('apple/TiC-CLIP-basic-oracle'), 'apple/TiC-CLIP-basic-oracle');
    for (const bad of ['apple', 'a/b/c', '../x', 'apple/..', 'apple/-x', 'a/b c', ''])
      assert.throws(
        () => parseRepoId(bad),
        (e) => HubError.is(e, 'invalidInput'),
        bad,
      );
    assert.equal(parseRepoFilePath('checkpoints/2016.pt'), 'checkpoints/2016.pt');
    for (const bad of ['/etc/passwd', '../x', 'a/../../x', 'a//b', 'a\\b', ''])
      assert.throws(
        () => parseRepoFilePath(bad),
        (e) => HubError.is(e, 'invalidInput'),
        bad,
      );
  });

  it('looks the token up in HF_TOKEN, then the token file (HF_TOKEN_PATH, HF_HOME/token), then the caller', async () => {
    const s = scratch();
    try {
      const hfHome = join(s.dir, 'hf');
      mkdirSync(hfHome);
      writeFileSync(join(hfHome, 'token'), 'hf_fromfile\n');
      writeFileSync(join(s.dir, 'other-token'), '  hf_frompath  \n');
      const supplied = (): string => 'hf_fromsecretstorage';
      assert.equal(
        (await findHubToken({ env: { HF_TOKEN: 'hf_env', HF_HOME: hfHome }, supplied }))?.source,
        'HF_TOKEN',
      );
      const fromFile = await findHubToken({ env: { HF_HOME: hfHome }, supplied });
      assert.equal(fromFile?.source, 'tokenFile');
      assert.equal(fromFile?.reveal(), 'hf_fromfile');
      assert.equal(
        (await findHubToken({ env: { HF_HOME: hfHome, HF_TOKEN_PATH: join(s.dir, 'other-token') } }))?.reveal(),
        'hf_frompath',
      );
      const fromCaller = await findHubToken({ env: { HF_HOME: join(s.dir, 'none') }, supplied });
      assert.equal(fromCaller?.source, 'supplied');
      assert.equal(await findHubToken({ env: { HF_HOME: join(s.dir, 'none'), HF_TOKEN: '  ' } }), undefined);
      assert.equal(hubTokenPath({ env: {}, homeDir: home }), '/home/someone/.cache/huggingface/token');
    } finally {
      s.remove();
    }
  });

  it('never shows the token value when the token object is printed, inspected or JSON-encoded', async () => {
    const token = await findHubToken({ env: { HF_TOKEN: 'hf_verysecretvalue' } });
    assert.ok(token);
    for (const shown of [String(token), inspect(token), JSON.stringify(token), JSON.stringify({ token }), `${token}`]) {
      assert.ok(!shown.includes('verysecret'), shown);
    }
    const settings = await resolveHubSettings({
      env: { HF_TOKEN: 'hf_verysecretvalue', HF_HUB_OFFLINE: '1' },
      homeDir: home,
    });
    assert.ok(!inspect(settings).includes('verysecret'));
    assert.ok(!JSON.stringify(settings).includes('verysecret'));
    assert.equal(settings.offline, true);
  });

  it('throttles progress calls and reports a rate and an ETA', () => {
    let now = 0;
    const seen: DownloadProgress[] = [];
    const throttle = new ProgressThrottle(
      (p) => seen.push(p),
      { repo: 'o/n', path: 'f' },
      { intervalMs: 1000, now: () => now },
    );
    for (let i = 0; i <= 100; i++) {
      now = i * 100;
      throttle.update('downloading', i * 1_000_000, 200_000_000);
    }
    // t = 0 (phase change), then once per second.
    assert.equal(seen.length, 11);
    const last = seen.at(-1)!;
    assert.ok(Math.abs(last.bytesPerSecond - 10_000_000) < 1, String(last.bytesPerSecond));
    assert.ok(Math.abs(last.etaSeconds! - 10) < 0.01, String(last.etaSeconds));
  });
});
