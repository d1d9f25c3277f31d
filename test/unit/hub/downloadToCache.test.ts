import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { downloadToCache, type DownloadDeps, type DownloadOptions } from '../../../src/hub/downloadToCache';
import type { DownloadProgress } from '../../../src/hub/downloadProgress';
import { repoCachePaths } from '../../../src/hub/core/hubCachePaths';
import { HubError } from '../../../src/hub/core/hubError';
import { HubToken } from '../../../src/hub/core/hubToken';
import { startLoopbackHub, type LoopbackHub } from '../../support/loopbackHub';
import { fileSize, scratch } from './hubTestKit';

const repo = 'apple/TiC-CLIP-basic-cumulative';
const big = 'checkpoints/2016.pt';
const bigSize = 3 * 1024 * 1024 + 12345;
const small = 'params/2016.yaml';
const smallText = 'model: ViT-B-16\nbatch_size: 2816\n';
// Small chunks so a 3 MiB file is fetched as 13 parallel ranges.
const fast: DownloadOptions = { chunkSize: 256 * 1024, connections: 4, retries: 0, lockPollMs: 20 };

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

describe('downloadToCache (against a loopback Hub)', () => {
  let hub: LoopbackHub;
  let cache: ReturnType<typeof scratch>;

  before(async () => {
    hub = await startLoopbackHub({
      repos: [
        {
          id: repo,
          files: [
            { path: big, size: bigSize },
            { path: 'checkpoints/2017.pt', size: 700_000 },
            { path: small, content: smallText },
            { path: 'README.md', content: '# TiC-CLIP\n' },
          ],
        },
        { id: 'someone/gated', gated: true, access: false, files: [{ path: 'checkpoints/2020.pt', size: 1000 }] },
        { id: 'someone/private', private: true, files: [{ path: 'a.bin', size: 1000 }] },
      ],
      token: 'hf_loopbacktoken',
    });
  });
  after(() => hub.close());
  beforeEach(() => {
    cache = scratch();
    hub.resetStats();
    for (const key of Object.keys(hub.faults)) delete hub.faults[key as keyof typeof hub.faults];
  });
  afterEach(() => cache.remove());

  const deps = (extra: Partial<DownloadDeps> = {}): DownloadDeps => ({
    endpoint: hub.url,
    fetch,
    cacheDir: cache.dir,
    ...extra,
  });
  const paths = () => repoCachePaths(cache.dir, repo);
  const bigFile = () => hub.file(repo, big);
  const blobsLeft = () => readdirSync(paths().blobsDir).sort();

  it('writes the exact layout Python huggingface_hub reads: blobs by sha256 / git sha1, relative symlinks, refs/main', async () => {
    const commit = hub.commit(repo);
    const r1 = await downloadToCache({ repo, path: big }, deps(), fast);
    const r2 = await downloadToCache({ repo, path: small }, deps(), fast);
    const r3 = await downloadToCache({ repo, path: 'README.md' }, deps(), fast);
    const root = join(cache.dir, 'models--apple--TiC-CLIP-basic-cumulative');
    const f = bigFile();
    const yaml = hub.file(repo, small);
    const readme = hub.file(repo, 'README.md');

    assert.equal(r1.localPath, join(root, 'snapshots', commit, 'checkpoints', '2016.pt'));
    assert.equal(r1.blobPath, join(root, 'blobs', f.sha256));
    assert.deepEqual(
      [r1.commit, r1.hash, r1.hashKind, r1.size, r1.source],
      [commit, f.sha256, 'sha256', bigSize, 'download'],
    );
    assert.equal(readlinkSync(r1.localPath), `../../../blobs/${f.sha256}`);
    assert.equal(sha256(readFileSync(r1.localPath)), f.sha256);

    // Small files are stored under their git blob sha1 (the ETag), one level up.
    assert.deepEqual([r2.hash, r2.hashKind], [yaml.gitOid, 'gitSha1']);
    assert.equal(readlinkSync(r2.localPath), `../../../blobs/${yaml.gitOid}`);
    assert.equal(readFileSync(r2.localPath, 'utf8'), smallText);
    assert.equal(readlinkSync(r3.localPath), `../../blobs/${readme.gitOid}`);

    assert.equal(
      readFileSync(join(root, 'refs', 'main'), 'utf8'),
      commit,
      'refs/main holds the commit without a newline',
    );
    assert.deepEqual(
      blobsLeft(),
      [f.sha256, readme.gitOid, yaml.gitOid].sort(),
      'no .incomplete, .lock or temp files remain',
    );
    assert.ok(lstatSync(r1.localPath).isSymbolicLink());
    assert.deepEqual(readdirSync(join(root, 'snapshots')), [commit]);
    assert.deepEqual(readdirSync(root).sort(), ['blobs', 'refs', 'snapshots']);
  });

  it('resolves main to a commit once and fetches by that commit, in parallel ranged requests', async () => {
    await downloadToCache({ repo, path: big }, deps(), fast);
    const commit = hub.commit(repo);
    const infos = hub.stats.requests.filter((r) => r.url.startsWith(`/api/models/${repo}/revision/main`));
    assert.equal(infos.length, 1);
    const heads = hub.stats.requests.filter((r) => r.method === 'HEAD');
    assert.deepEqual(
      heads.map((r) => r.url),
      [`/${repo}/resolve/${commit}/checkpoints/2016.pt`],
    );
    const ranges = hub.stats.requests.filter((r) => r.url.startsWith('/cdn/')).map((r) => r.range);
    assert.equal(ranges.length, Math.ceil(bigSize / (256 * 1024)));
    assert.equal(ranges[0], `bytes=0-${256 * 1024 - 1}`);
    assert.equal(hub.bytesServed(repo, big), bigSize);
  });

  it('does not download a blob that is already present, and needs no refs for a commit revision', async () => {
    await downloadToCache({ repo, path: big }, deps(), fast);
    hub.resetStats();
    const again = await downloadToCache({ repo, path: big }, deps(), fast);
    assert.equal(again.source, 'cache');
    assert.equal(hub.stats.bodyBytes, 0);

    const other = scratch();
    hub.resetStats();
    try {
      const commit = hub.commit(repo);
      const r = await downloadToCache(
        { repo, path: small, revision: commit },
        { ...deps(), cacheDir: other.dir },
        fast,
      );
      assert.equal(r.commit, commit);
      assert.equal(existsSync(join(other.dir, 'models--apple--TiC-CLIP-basic-cumulative', 'refs')), false);
      assert.equal(
        hub.stats.requests.filter((q) => q.url.includes('/revision/')).length,
        0,
        'a commit sha is not resolved',
      );
      // A commit resolved earlier (the catalog's) is used as is, and refs/main still records it.
      const listed = await downloadToCache(
        { repo, path: 'README.md', commit },
        { ...deps(), cacheDir: other.dir },
        fast,
      );
      assert.equal(listed.commit, commit);
      assert.equal(
        readFileSync(join(other.dir, 'models--apple--TiC-CLIP-basic-cumulative', 'refs', 'main'), 'utf8'),
        commit,
      );
      assert.equal(hub.stats.requests.filter((q) => q.url.includes('/revision/')).length, 0);
    } finally {
      other.remove();
    }
  });

  it('resumes after a broken connection from the byte where it stopped, transferring only the missing bytes', async () => {
    hub.faults.cutAfterBytes = 1_000_000;
    hub.faults.cutTimes = 1;
    const failed = await downloadToCache({ repo, path: big }, deps(), { ...fast, connections: 1 }).then(
      () => assert.fail('expected a network error'),
      (e: unknown) => e,
    );
    assert.ok(HubError.is(failed, 'network'), String(failed));
    assert.match(failed.message, /run the download again to resume/);
    const partial = fileSize(paths().incomplete(bigFile().sha256));
    assert.equal(partial, 1_000_000);
    assert.equal(failed.partialPath, paths().incomplete(bigFile().sha256));
    assert.equal(existsSync(paths().lock(bigFile().sha256)), false, 'the lock is released');

    hub.resetStats();
    const progress: DownloadProgress[] = [];
    const r = await downloadToCache({ repo, path: big }, deps(), {
      ...fast,
      onProgress: (p) => progress.push(p),
      progressIntervalMs: 0,
    });
    assert.equal(r.resumedFrom, partial);
    assert.equal(r.transferred, bigSize - partial);
    assert.equal(hub.bytesServed(repo, big), bigSize - partial);
    const ranges = hub.stats.requests.filter((q) => q.url.startsWith('/cdn/')).map((q) => q.range);
    assert.ok(ranges.includes(`bytes=${partial}-${partial + 256 * 1024 - 1}`), ranges.join());
    assert.ok(
      progress.some((p) => p.phase === 'verifying' && p.bytesDone === partial),
      'the partial bytes are hashed again first',
    );
    assert.equal(sha256(readFileSync(r.localPath)), bigFile().sha256);
  });

  it('retries a broken range by itself when retries are allowed', async () => {
    hub.faults.cutAfterBytes = 100_000;
    hub.faults.cutTimes = 2;
    const r = await downloadToCache({ repo, path: big }, deps(), { ...fast, retries: 3 });
    assert.equal(sha256(readFileSync(r.localPath)), bigFile().sha256);
    assert.equal(hub.bytesServed(repo, big), bigSize, 'each retry continues where its range stopped');
  });

  it('drops a request that stalls (no byte for the idle timeout) and says so', async () => {
    hub.faults.bytesPerSecond = 100_000;
    const failed = await downloadToCache({ repo, path: big }, deps(), {
      ...fast,
      connections: 1,
      idleTimeoutMs: 200,
    }).catch((e: unknown) => e);
    assert.ok(HubError.is(failed, 'network'), String(failed));
    assert.match(failed.message, /ETIMEDOUT/);
    assert.ok(fileSize(paths().incomplete(bigFile().sha256)) > 0, 'what arrived is kept');
  });

  it('cancels on the AbortSignal, keeps the partial file, and a later call resumes it', async () => {
    hub.faults.bytesPerSecond = 2 * 1024 * 1024;
    const controller = new AbortController();
    const cancelled = await downloadToCache({ repo, path: big }, deps(), {
      ...fast,
      signal: controller.signal,
      progressIntervalMs: 0,
      onProgress: (p) => {
        if (p.bytesDone > 1024 * 1024) controller.abort();
      },
    }).then(
      () => assert.fail('expected cancellation'),
      (e: unknown) => e,
    );
    assert.ok(HubError.is(cancelled, 'cancelled'), String(cancelled));
    const partial = fileSize(paths().incomplete(bigFile().sha256));
    assert.ok(partial > 0 && partial < bigSize, `partial ${partial}`);
    assert.equal(existsSync(paths().lock(bigFile().sha256)), false);

    delete hub.faults.bytesPerSecond;
    hub.resetStats();
    await new Promise((r) => setTimeout(r, 50));
    hub.resetStats();
    const r = await downloadToCache({ repo, path: big }, deps(), fast);
    assert.equal(r.resumedFrom, partial);
    assert.equal(hub.bytesServed(repo, big), bigSize - partial);
    assert.equal(sha256(readFileSync(r.localPath)), bigFile().sha256);
  });

  it('detects wrong bytes: reason corrupt, the partial file deleted, nothing linked', async () => {
    hub.faults.corruptAt = 2_000_000;
    const failed = await downloadToCache({ repo, path: big }, deps(), fast).then(
      () => assert.fail('expected corrupt'),
      (e: unknown) => e,
    );
    assert.ok(HubError.is(failed, 'corrupt'), String(failed));
    assert.match(failed.message, /do not match its sha256/);
    assert.match(failed.message, /partial file was deleted/);
    assert.deepEqual(blobsLeft(), []);
    assert.equal(existsSync(join(paths().snapshotsDir)), false);
  });

  it('checks the bytes of a resumed partial file too: a tampered prefix is caught', async () => {
    const f = bigFile();
    mkdirSync(paths().blobsDir, { recursive: true });
    const prefix = Buffer.from(readFileSync(await downloadIntoScratch()).subarray(0, 500_000));
    prefix[1234]! ^= 1;
    writeFileSync(paths().incomplete(f.sha256), prefix);
    const failed = await downloadToCache({ repo, path: big }, deps(), fast).catch((e: unknown) => e);
    assert.ok(HubError.is(failed, 'corrupt'), String(failed));
    assert.equal(existsSync(paths().incomplete(f.sha256)), false);
  });

  async function downloadIntoScratch(): Promise<string> {
    const other = scratch();
    const r = await downloadToCache({ repo, path: big }, { ...deps(), cacheDir: other.dir }, fast);
    const bytes = readFileSync(r.localPath);
    other.remove();
    const file = join(cache.dir, 'reference.bin');
    writeFileSync(file, bytes);
    return file;
  }

  it('starts again from byte 0 when the server ignores Range (200 instead of 206)', async () => {
    const f = bigFile();
    hub.faults.cutAfterBytes = 600_000;
    hub.faults.cutTimes = 1;
    await downloadToCache({ repo, path: big }, deps(), { ...fast, connections: 1 }).catch(() => undefined);
    assert.equal(fileSize(paths().incomplete(f.sha256)), 600_000);
    hub.resetStats();
    hub.faults.ignoreRange = true;
    const r = await downloadToCache({ repo, path: big }, deps(), fast);
    assert.equal(sha256(readFileSync(r.localPath)), f.sha256);
    assert.equal(readFileSync(r.localPath).length, bigSize);
    const cdn = hub.stats.requests.filter((q) => q.url.startsWith('/cdn/'));
    assert.equal(cdn.at(-1)!.range, undefined, 'the restart asks for the whole file');
    assert.equal(cdn.at(-1)!.status, 200);
  });

  it('lets two concurrent downloads of one blob share it: the server sends the file once', async () => {
    hub.faults.bytesPerSecond = 4 * 1024 * 1024;
    const [a, b] = await Promise.all([
      downloadToCache({ repo, path: big }, deps(), fast),
      downloadToCache({ repo, path: big }, deps(), fast),
    ]);
    assert.equal(a.localPath, b.localPath);
    assert.deepEqual([a.source, b.source].sort(), ['cache', 'download']);
    assert.equal((a.source === 'cache' ? a : b).waited, true);
    assert.equal(hub.bytesServed(repo, big), bigSize);
    assert.equal(sha256(readFileSync(a.localPath)), bigFile().sha256);
  });

  it('breaks a lock left by a dead process on this host at once', async () => {
    const f = bigFile();
    const dead = spawnSync(process.execPath, ['-e', 'process.pid'], { encoding: 'utf8' }).pid!;
    mkdirSync(paths().blobsDir, { recursive: true });
    const now = new Date().toISOString();
    writeFileSync(
      paths().lock(f.sha256),
      JSON.stringify({ pid: dead, host: hostname(), startedAt: now, heartbeatAt: now, id: 'deadbeef' }),
    );
    const started = Date.now();
    const r = await downloadToCache({ repo, path: big }, deps(), { ...fast, staleLockMs: 60_000 });
    assert.equal(r.source, 'download');
    assert.ok(Date.now() - started < 5000);
    assert.deepEqual(blobsLeft(), [f.sha256]);
  });

  it('breaks a lock whose heartbeat is older than the stale timeout (holder on another host)', async () => {
    const f = bigFile();
    mkdirSync(paths().blobsDir, { recursive: true });
    const old = new Date(Date.now() - 120_000).toISOString();
    writeFileSync(
      paths().lock(f.sha256),
      JSON.stringify({ pid: 1, host: 'some-other-host', startedAt: old, heartbeatAt: old, id: 'cafe' }),
    );
    utimesSync(paths().lock(f.sha256), new Date(Date.now() - 120_000), new Date(Date.now() - 120_000));
    const r = await downloadToCache({ repo, path: big }, deps(), { ...fast, staleLockMs: 60_000 });
    assert.equal(r.source, 'download');
  });

  it('waits for a live lock holder (cancellable while waiting)', async () => {
    const f = bigFile();
    mkdirSync(paths().blobsDir, { recursive: true });
    const now = new Date().toISOString();
    // This test process is alive and on this host, so its lock is respected.
    writeFileSync(
      paths().lock(f.sha256),
      JSON.stringify({ pid: process.pid, host: hostname(), startedAt: now, heartbeatAt: now, id: 'alive' }),
    );
    const controller = new AbortController();
    const phases: string[] = [];
    setTimeout(() => controller.abort(), 300);
    const failed = await downloadToCache({ repo, path: big }, deps(), {
      ...fast,
      signal: controller.signal,
      onProgress: (p) => phases.push(p.phase),
    }).catch((e: unknown) => e);
    assert.ok(HubError.is(failed, 'cancelled'), String(failed));
    assert.ok(phases.includes('waiting'));
    assert.equal(hub.bytesServed(repo, big), 0);
    assert.equal(existsSync(paths().lock(f.sha256)), true, "someone else's lock is left alone");
  });

  it('refuses to start without enough free space (reason noSpace), before any byte is fetched', async () => {
    const failed = await downloadToCache({ repo, path: big }, deps({ freeBytes: async () => 1000 }), fast).catch(
      (e: unknown) => e,
    );
    assert.ok(HubError.is(failed, 'noSpace'), String(failed));
    assert.match(failed.message, /needs 3\.0 MiB more, 1000 B is free/);
    assert.equal(hub.bytesServed(repo, big), 0);
  });

  it('stops on ENOSPC while writing with reason noSpace and a resumable partial file', async function () {
    // A real full file system: a 1 MiB tmpfs as the cache (root only; a partial file linked to /dev/full is no
    // longer written through, see cacheLinks.test.ts). The free-space check is told there is room, so the
    // transfer starts and the disk fills under it.
    const small = scratch('tic-hub-tmpfs-');
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', small.dir]).status === 0;
    if (!mounted) {
      small.remove();
      this.skip();
    }
    try {
      const tight = repoCachePaths(small.dir, repo);
      const failed = await downloadToCache(
        { repo, path: big },
        deps({ cacheDir: small.dir, freeBytes: async () => 1e12 }),
        fast,
      ).catch((e: unknown) => e);
      assert.ok(HubError.is(failed, 'noSpace'), String(failed));
      assert.match(failed.message, /no space left on the device .*run the download again to resume/);
      assert.equal(failed.partialPath, tight.incomplete(bigFile().sha256));
      assert.ok(fileSize(tight.incomplete(bigFile().sha256)) > 0, 'what fitted is kept');
      assert.equal(existsSync(tight.lock(bigFile().sha256)), false);
    } finally {
      spawnSync('umount', ['-l', small.dir]);
      small.remove();
    }
  });

  it("keeps a live holder's lock fresh with heartbeats, so a short stale timeout does not break it", async () => {
    hub.faults.bytesPerSecond = 1024 * 1024;
    const tight = { ...fast, staleLockMs: 400, heartbeatMs: 50 };
    const [a, b] = await Promise.all([
      downloadToCache({ repo, path: big }, deps(), tight),
      downloadToCache({ repo, path: big }, deps(), tight),
    ]);
    assert.deepEqual([a.source, b.source].sort(), ['cache', 'download']);
    assert.equal(hub.bytesServed(repo, big), bigSize, 'the waiter never broke in: one transfer');
  });

  it('copies or moves the blob into the snapshot where symlinks are impossible', async () => {
    const noSymlinks = async (): Promise<void> => {
      throw Object.assign(new Error('symlinks not supported'), { code: 'EPERM' });
    };
    const r = await downloadToCache({ repo, path: 'checkpoints/2017.pt' }, deps({ symlink: noSymlinks }), fast);
    assert.ok(lstatSync(r.localPath).isFile());
    assert.equal(sha256(readFileSync(r.localPath)), hub.file(repo, 'checkpoints/2017.pt').sha256);
    // The snapshot file itself counts as cached: no second transfer.
    hub.resetStats();
    const again = await downloadToCache({ repo, path: 'checkpoints/2017.pt' }, deps({ symlink: noSymlinks }), fast);
    assert.equal(again.source, 'cache');
    assert.equal(hub.stats.bodyBytes, 0);
  });

  it('answers from the cache, marked offline, when the Hub cannot be reached; notCached otherwise', async () => {
    await downloadToCache({ repo, path: small }, deps(), fast);
    const dead = await startLoopbackHub({ repos: [] });
    await dead.close();
    const r = await downloadToCache({ repo, path: small }, deps({ endpoint: dead.url }), fast);
    assert.equal(r.source, 'offline');
    assert.equal(readFileSync(r.localPath, 'utf8'), smallText);
    const missing = await downloadToCache({ repo, path: big }, deps({ endpoint: dead.url }), fast).catch(
      (e: unknown) => e,
    );
    assert.ok(HubError.is(missing, 'network'), String(missing));
    assert.match(missing.message, /not in the cache either/);
    const offline = await downloadToCache({ repo, path: big }, deps({ endpoint: dead.url }), { offline: true }).catch(
      (e: unknown) => e,
    );
    assert.ok(HubError.is(offline, 'notCached'), String(offline));
  });

  it('says unauthorized / forbidden / notFound with what to do, and never shows the token', async () => {
    const token = new HubToken('hf_loopbacktoken', 'HF_TOKEN');
    const gatedNoToken = await downloadToCache(
      { repo: 'someone/gated', path: 'checkpoints/2020.pt' },
      deps(),
      fast,
    ).catch((e: unknown) => e);
    assert.ok(HubError.is(gatedNoToken, 'unauthorized'), String(gatedNoToken));
    assert.match(gatedNoToken.message, /gated repo/);
    assert.match(gatedNoToken.message, /accept the conditions on http:\/\/127\.0\.0\.1:\d+\/someone\/gated/);
    assert.match(gatedNoToken.message, /set HF_TOKEN .*"TiC Studio: Set Hugging Face Token"/);

    const gatedNoAccess = await downloadToCache(
      { repo: 'someone/gated', path: 'checkpoints/2020.pt' },
      deps({ token }),
      fast,
    ).catch((e: unknown) => e);
    assert.ok(HubError.is(gatedNoAccess, 'forbidden'), String(gatedNoAccess));
    assert.match(gatedNoAccess.message, /403 \(forbidden\)/);
    assert.match(gatedNoAccess.message, /Accept the conditions/);

    const badToken = new HubToken('hf_wrongwrongwrong', 'HF_TOKEN');
    const rejected = await downloadToCache({ repo, path: small }, deps({ token: badToken }), fast).catch(
      (e: unknown) => e,
    );
    assert.ok(HubError.is(rejected, 'unauthorized'), String(rejected));
    assert.match(rejected.message, /rejected \(invalid or expired\)/);

    const privateNoToken = await downloadToCache({ repo: 'someone/private', path: 'a.bin' }, deps(), fast).catch(
      (e: unknown) => e,
    );
    assert.ok(HubError.is(privateNoToken, 'notFound'), String(privateNoToken));
    assert.match(privateNoToken.message, /If it is private or gated, set HF_TOKEN/);
    const privateOk = await downloadToCache({ repo: 'someone/private', path: 'a.bin' }, deps({ token }), fast);
    assert.equal(privateOk.source, 'download');

    const noFile = await downloadToCache({ repo, path: 'checkpoints/1999.pt' }, deps({ token }), fast).catch(
      (e: unknown) => e,
    );
    assert.ok(HubError.is(noFile, 'notFound'), String(noFile));
    assert.match(noFile.message, /file checkpoints\/1999\.pt was not found in apple\/TiC-CLIP-basic-cumulative/);
    const noRepo = await downloadToCache({ repo: 'apple/nope', path: 'x.pt' }, deps({ token }), fast).catch(
      (e: unknown) => e,
    );
    assert.ok(HubError.is(noRepo, 'notFound'), String(noRepo));
    assert.match(noRepo.message, /repo apple\/nope was not found/);
    const noRevision = await downloadToCache({ repo, path: small, revision: 'v9' }, deps(), fast).catch(
      (e: unknown) => e,
    );
    assert.ok(HubError.is(noRevision, 'notFound'), String(noRevision));
    assert.match(noRevision.message, /revision 'v9' was not found/);

    for (const e of [gatedNoToken, gatedNoAccess, rejected, privateNoToken, noFile, noRepo]) {
      assert.ok(
        !String((e as Error).message).includes('hf_loopbacktoken') &&
          !String((e as Error).message).includes('hf_wrongwrong'),
      );
    }
    // The token went to the Hub, never to the CDN.
    const sent = hub.stats.requests.filter((q) => q.authorization !== 'none');
    assert.ok(sent.length > 0);
    assert.ok(sent.every((q) => !q.url.startsWith('/cdn/')));
  });
});
