import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { isStale } from '../../../src/hub/cache/blobLock';
import { downloadToCache, type DownloadDeps, type DownloadOptions } from '../../../src/hub/downloadToCache';
import { repoCachePaths } from '../../../src/hub/core/hubCachePaths';
import { HubError } from '../../../src/hub/core/hubError';
import { startLoopbackHub, type LoopbackHub } from '../../support/loopbackHub';
import { scratch } from './hubTestKit';

const repo = 'apple/TiC-CLIP-basic-oracle';
const big = 'checkpoints/2022.pt';
const bigSize = 1536 * 1024 + 77;
const small = 'params/2022.yaml';
const fast: DownloadOptions = { chunkSize: 256 * 1024, connections: 4, retries: 0, lockPollMs: 20 };
const victimBytes = Buffer.from('the victim: a file outside the cache that a planted link points at\n');

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function mkfifo(path: string): boolean {
  return spawnSync('mkfifo', [path]).status === 0;
}

/**
 * Item: HF cache writes never follow a planted link. Each test plants what a shared cache or an unpacked archive
 * can hold (a link, a hard link, a pipe, a pointer elsewhere, a lock from the future) and checks, against a real
 * loopback Hub, that the download neither writes through it nor trusts it.
 */
describe('Hugging Face cache: writes never follow a planted link', () => {
  let hub: LoopbackHub;
  let cache: ReturnType<typeof scratch>;
  let outside: ReturnType<typeof scratch>;

  before(async () => {
    hub = await startLoopbackHub({
      repos: [
        {
          id: repo,
          files: [
            { path: big, size: bigSize },
            { path: 'checkpoints/2021.pt', size: bigSize, seed: 99 },
            { path: small, content: 'model: ViT-B-16\n' },
          ],
        },
      ],
    });
  });
  after(() => hub.close());
  beforeEach(() => {
    cache = scratch('tic-hub-cache-');
    outside = scratch('tic-hub-outside-');
    hub.resetStats();
    for (const key of Object.keys(hub.faults)) delete hub.faults[key as keyof typeof hub.faults];
  });
  afterEach(() => {
    cache.remove();
    outside.remove();
  });

  const deps = (): DownloadDeps => ({ endpoint: hub.url, fetch, cacheDir: cache.dir });
  const paths = () => repoCachePaths(cache.dir, repo);
  const f = () => hub.file(repo, big);
  const pointer = () => paths().snapshotFile(hub.commit(repo), big);
  const plantVictim = (name = 'victim.txt'): string => {
    const victim = join(outside.dir, name);
    writeFileSync(victim, victimBytes);
    return victim;
  };

  describe('the partial file (blobs/<hash>.incomplete)', () => {
    it('replaces a symlinked .incomplete instead of writing through it: the victim stays byte-identical', async () => {
      const victim = plantVictim();
      mkdirSync(paths().blobsDir, { recursive: true });
      symlinkSync(victim, paths().incomplete(f().sha256));

      const r = await downloadToCache({ repo, path: big }, deps(), fast).catch((e: Error) => e);

      assert.deepEqual(readFileSync(victim), victimBytes, 'the victim is untouched');
      if (r instanceof Error) throw r;
      assert.equal(r.source, 'download');
      assert.equal(r.resumedFrom, 0, 'nothing was resumed from the link');
      assert.equal(sha256(readFileSync(r.localPath)), f().sha256);
      assert.ok(lstatSync(paths().blob(f().sha256)).isFile(), 'the blob is a regular file, not the link');
      assert.match(r.warnings.join('\n'), /\.incomplete was a symbolic link .*removed/);
    });

    it('does not resume into a hard link to another file (a partial file with two names)', async () => {
      const victim = plantVictim();
      mkdirSync(paths().blobsDir, { recursive: true });
      linkSync(victim, paths().incomplete(f().sha256));

      const r = await downloadToCache({ repo, path: big }, deps(), fast).catch((e: Error) => e);

      assert.deepEqual(readFileSync(victim), victimBytes, 'the victim is untouched');
      if (r instanceof Error) throw r;
      assert.equal(sha256(readFileSync(r.localPath)), f().sha256);
      assert.match(r.warnings.join('\n'), /2 names/);
    });

    it('replaces a named pipe at .incomplete instead of hanging on it', async function () {
      mkdirSync(paths().blobsDir, { recursive: true });
      if (!mkfifo(paths().incomplete(f().sha256))) this.skip();
      // The bound only turns a hang into a failure; the download takes milliseconds.
      const r = await downloadToCache({ repo, path: big }, deps(), { ...fast, signal: AbortSignal.timeout(10_000) });
      assert.equal(sha256(readFileSync(r.localPath)), f().sha256);
      assert.match(r.warnings.join('\n'), /not a regular file/);
    });
  });

  describe('the cache folders (models--*, blobs, snapshots/<commit>, refs)', () => {
    const planted: { name: string; link: () => string }[] = [
      { name: 'models--*', link: () => paths().repoDir },
      { name: 'blobs', link: () => paths().blobsDir },
      { name: 'snapshots', link: () => paths().snapshotsDir },
      { name: 'snapshots/<commit>', link: () => join(paths().snapshotsDir, hub.commit(repo)) },
      { name: 'refs', link: () => paths().refsDir },
    ];
    for (const { name, link } of planted) {
      it(`refuses a symlinked ${name} folder pointing elsewhere, and writes nothing into it`, async () => {
        const at = link();
        mkdirSync(dirname(at), { recursive: true });
        symlinkSync(outside.dir, at);

        const failed = await downloadToCache({ repo, path: big }, deps(), fast).catch((e: unknown) => e);

        assert.deepEqual(readdirSync(outside.dir), [], 'nothing was written where the link points');
        assert.ok(HubError.is(failed, 'unsafeCache'), String(failed));
        assert.match(failed.message, /is a symbolic link .*does not write through links in the cache/);
        assert.equal(hub.bytesServed(repo, big), 0, 'refused before any byte was fetched');
      });
    }

    it('neither hangs on nor writes through a named pipe planted at refs/main', async function () {
      mkdirSync(paths().refsDir, { recursive: true });
      if (!mkfifo(join(paths().refsDir, 'main'))) this.skip();
      const r = await downloadToCache({ repo, path: small }, deps(), fast);
      const ref = join(paths().refsDir, 'main');
      assert.ok(lstatSync(ref).isFile(), 'the pipe was replaced by the ref file');
      assert.equal(readFileSync(ref, 'utf8'), r.commit);
    });

    it('replaces a refs/main that is a link to a victim file, leaving the victim alone', async () => {
      const victim = plantVictim();
      mkdirSync(paths().refsDir, { recursive: true });
      symlinkSync(victim, join(paths().refsDir, 'main'));
      const r = await downloadToCache({ repo, path: small }, deps(), fast);
      assert.deepEqual(readFileSync(victim), victimBytes);
      assert.equal(readFileSync(join(paths().refsDir, 'main'), 'utf8'), r.commit);
    });
  });

  describe('"already in the cache" only for a pointer that resolves to its blob', () => {
    it('does not take a pointer to a right-size file outside the cache as cached, and re-points it', async () => {
      const fake = join(outside.dir, 'fake.pt');
      writeFileSync(fake, Buffer.alloc(bigSize, 7));
      mkdirSync(dirname(pointer()), { recursive: true });
      symlinkSync(fake, pointer());

      const r = await downloadToCache({ repo, path: big }, deps(), fast);

      assert.equal(r.source, 'download');
      assert.equal(readlinkSync(pointer()), `../../../blobs/${f().sha256}`);
      assert.equal(sha256(readFileSync(r.localPath)), f().sha256);
      assert.deepEqual(readFileSync(fake), Buffer.alloc(bigSize, 7), 'the file it pointed at is untouched');
    });

    it('does not take a pointer to another blob of the same size as cached', async () => {
      const other = 'e'.repeat(64);
      mkdirSync(paths().blobsDir, { recursive: true });
      writeFileSync(paths().blob(other), Buffer.alloc(bigSize, 1));
      mkdirSync(dirname(pointer()), { recursive: true });
      symlinkSync(`../../../blobs/${other}`, pointer());

      const r = await downloadToCache({ repo, path: big }, deps(), fast);

      assert.equal(r.source, 'download');
      assert.equal(readlinkSync(pointer()), `../../../blobs/${f().sha256}`);
      assert.equal(sha256(readFileSync(r.localPath)), f().sha256);
    });

    it('does not take a pointer to a wrong-size blob as cached', async () => {
      mkdirSync(paths().blobsDir, { recursive: true });
      writeFileSync(paths().blob(f().sha256), Buffer.alloc(1000, 2));
      mkdirSync(dirname(pointer()), { recursive: true });
      symlinkSync(`../../../blobs/${f().sha256}`, pointer());

      const r = await downloadToCache({ repo, path: big }, deps(), fast);

      assert.equal(r.source, 'download');
      assert.equal(sha256(readFileSync(r.localPath)), f().sha256);
    });

    it('does not take a blob that is a link to a right-size file as cached; the file it points at is untouched', async () => {
      const fake = join(outside.dir, 'fake.pt');
      writeFileSync(fake, Buffer.alloc(bigSize, 3));
      mkdirSync(paths().blobsDir, { recursive: true });
      symlinkSync(fake, paths().blob(f().sha256));

      const r = await downloadToCache({ repo, path: big }, deps(), fast);

      assert.equal(r.source, 'download');
      assert.ok(lstatSync(paths().blob(f().sha256)).isFile());
      assert.equal(sha256(readFileSync(r.localPath)), f().sha256);
      assert.deepEqual(readFileSync(fake), Buffer.alloc(bigSize, 3));
    });

    it('does not take a copy of the right size but other bytes as cached, and replaces it with the link', async () => {
      mkdirSync(dirname(pointer()), { recursive: true });
      writeFileSync(pointer(), Buffer.alloc(bigSize, 4));

      const r = await downloadToCache({ repo, path: big }, deps(), fast);

      assert.equal(r.source, 'download');
      assert.ok(lstatSync(pointer()).isSymbolicLink());
      assert.equal(sha256(readFileSync(r.localPath)), f().sha256);
    });
  });

  describe('a lock whose heartbeat lies in the future', () => {
    const futureLock = (): string => {
      const future = '2100-01-01T00:00:00.000Z';
      mkdirSync(paths().blobsDir, { recursive: true });
      const lock = paths().lock(f().sha256);
      writeFileSync(
        lock,
        JSON.stringify({
          pid: 1,
          host: 'a-host-whose-clock-runs-ahead',
          startedAt: future,
          heartbeatAt: future,
          id: 'f',
        }),
      );
      utimesSync(lock, new Date(future), new Date(future));
      return lock;
    };

    it('is taken over once it has stayed unchanged for the stale timeout', async () => {
      futureLock();
      // The abort only turns an endless wait into a failure; the takeover comes after about 300 ms.
      const r = await downloadToCache({ repo, path: big }, deps(), {
        ...fast,
        staleLockMs: 300,
        signal: AbortSignal.timeout(10_000),
      });
      assert.equal(r.source, 'download');
      assert.equal(r.waited, true, 'it did wait for the holder first');
      assert.equal(existsSync(paths().lock(f().sha256)), false);
    });

    it('a named pipe planted as the lock neither hangs the waiter nor stops the download', async function () {
      mkdirSync(paths().blobsDir, { recursive: true });
      if (!mkfifo(paths().lock(f().sha256))) this.skip();
      const r = await downloadToCache({ repo, path: big }, deps(), {
        ...fast,
        staleLockMs: 300,
        signal: AbortSignal.timeout(10_000),
      });
      assert.equal(sha256(readFileSync(r.localPath)), f().sha256);
    });

    it('isStale: a future heartbeat is stale only after the waiter saw it unchanged for staleMs', () => {
      const now = Date.parse('2025-01-01T00:00:00Z');
      const beat = '2100-01-01T00:00:00.000Z';
      const seen = {
        record: { pid: 1, host: 'elsewhere', startedAt: beat, heartbeatAt: beat, id: 'x' },
        mtimeMs: Date.parse(beat),
      };
      const at = { now, staleMs: 60_000, host: 'here' };
      assert.equal(isStale(seen, at), false);
      assert.equal(isStale({ ...seen, unchangedForMs: 59_000 }, at), false);
      assert.equal(isStale({ ...seen, unchangedForMs: 61_000 }, at), true);
    });
  });
});
