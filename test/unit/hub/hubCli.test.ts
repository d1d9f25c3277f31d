import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { hubCommand, type HubCommandDeps } from '../../../src/cli/hubCommand';
import { UsageError } from '../../../src/cli/common/cliIo';
import { repoCachePaths } from '../../../src/hub/core/hubCachePaths';
import { startLoopbackHub, type LoopbackHub } from '../../support/loopbackHub';
import { captureIo, fileSize, scratch, spawnHubCli, ticClipLoopbackRepos, until } from './hubTestKit';

const repo = 'apple/TiC-CLIP-basic-oracle';
const big = 'checkpoints/2022.pt';
const secret = 'hf_loopbackSECRETtoken42';

describe('tic-studio hub (CLI)', () => {
  let hub: LoopbackHub;
  let cache: ReturnType<typeof scratch>;
  let bigSize: number;

  before(async () => {
    const repos = ticClipLoopbackRepos();
    const oracle = repos.find((r) => r.id === repo)!;
    oracle.files.find((f) => f.path === big)!.size = 6 * 1024 * 1024 + 777;
    hub = await startLoopbackHub({
      repos: [
        ...repos,
        { id: 'someone/gated', gated: true, access: false, files: [{ path: 'checkpoints/2020.pt', size: 1000 }] },
      ],
      token: secret,
      treePageSize: 5,
    });
    bigSize = hub.file(repo, big).content.size;
  });
  after(() => hub.close());
  beforeEach(() => {
    cache = scratch();
    hub.resetStats();
    for (const key of Object.keys(hub.faults)) delete hub.faults[key as keyof typeof hub.faults];
  });
  afterEach(() => cache.remove());

  const env = (extra: Record<string, string> = {}): Record<string, string> => ({
    HF_HUB_CACHE: cache.dir,
    HF_ENDPOINT: hub.url,
    HF_HOME: join(cache.dir, 'hf-home'),
    ...extra,
  });
  const run = async (args: string[], deps: HubCommandDeps = {}) => {
    const c = captureIo();
    const code = await hubCommand(args, c.io, { env: env(), handleSigint: false, ...deps });
    return { code, stdout: c.out(), stderr: c.err() };
  };
  const partialOf = () => repoCachePaths(cache.dir, repo).incomplete(hub.file(repo, big).sha256);

  describe('in process', () => {
    it('hub ls prints the six repos with commit, years and checkpoint counts', async () => {
      const r = await run(['ls']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, '');
      assert.match(r.stdout, /^repo\s+commit\s+years\s+checkpoints\s+cached\s+status/);
      assert.match(r.stdout, /apple\/TiC-CLIP-basic-cumulative\s+[0-9a-f]{10}\s+2016–2022\s+7 × /);
      assert.match(r.stdout, /apple\/TiC-CLIP-bestpool-oracle\s+[0-9a-f]{10}\s+2022\s+1 × /);
      assert.equal(r.stdout.trim().split('\n').length, 8);
    });

    it('hub ls REPO --json gives the files with sizes and sha256', async () => {
      const r = await run(['ls', repo, '--json', '--endpoint', hub.url]);
      assert.equal(r.code, 0, r.stderr);
      const [listed] = JSON.parse(r.stdout) as [
        { repo: string; commit: string; years: number[]; files: { path: string; sha256?: string; size: number }[] },
      ];
      assert.equal(listed.repo, repo);
      assert.equal(listed.commit, hub.commit(repo));
      assert.deepEqual(listed.years, [2022]);
      const ckpt = listed.files.find((f) => f.path === big)!;
      assert.deepEqual([ckpt.size, ckpt.sha256], [bigSize, hub.file(repo, big).sha256]);
    });

    it('hub download prints the snapshot path on stdout and a few progress lines on stderr', async () => {
      // 6 MiB at 4 MiB/s (one stream: the file fits in one 8 MiB chunk).
      hub.faults.bytesPerSecond = 4 * 1024 * 1024;
      const r = await run(['download', repo, big, '--connections', '2'], { progressIntervalMs: 250 });
      assert.equal(r.code, 0, r.stderr);
      const path = r.stdout.trim();
      assert.equal(
        path,
        join(
          cache.dir,
          'models--apple--TiC-CLIP-basic-oracle',
          'snapshots',
          hub.commit(repo),
          'checkpoints',
          '2022.pt',
        ),
      );
      assert.equal(readlinkSync(path), `../../../blobs/${hub.file(repo, big).sha256}`);
      const lines = r.stderr.trim().split('\n');
      // About 1.5 s of transfer at one line per 250 ms, plus the summary: a handful, not a flood.
      assert.ok(lines.length >= 3 && lines.length <= 12, r.stderr);
      assert.match(lines[0]!, /^checkpoints\/2022\.pt: [\d.]+ (KiB|MiB) of 6\.0 MiB \(\d+%\)/);
      assert.match(lines.at(-1)!, /downloaded 6\.0 MiB in [\d.]+ s .*sha256 verified/);

      const again = await run(['download', repo, big, '--json']);
      assert.equal(again.code, 0);
      const result = JSON.parse(again.stdout) as { source: string; localPath: string };
      assert.deepEqual([result.source, result.localPath], ['cache', path]);
      assert.match(again.stderr, /already in the cache/);
    });

    it('rejects bad input with one line and a usage error', async () => {
      const cases: [string[], RegExp][] = [
        [[], /expects 'ls' or 'download'/],
        [['fetch'], /unknown action 'fetch'/],
        [['download', repo], /expects REPO and PATH/],
        [['download', 'not-a-repo', big], /not a Hugging Face model repo id/],
        [['download', repo, '../../etc/passwd'], /not a file path inside a repo/],
        [['download', repo, big, '--connections', '0'], /--connections expects a whole number from 1 to 64/],
        [['download', repo, big, '--endpoint', 'ftp://x'], /not an http\(s\) URL/],
        [['ls', '--revision', 'x'], /belong to 'download'/],
      ];
      for (const [args, message] of cases) {
        await assert.rejects(
          run(args),
          (e: unknown) => e instanceof UsageError && message.test(e.message) && !e.message.includes('\n'),
          args.join(' '),
        );
      }
    });

    it('says what to do on 401/403/404 and never prints the token', async () => {
      const forbidden = await run(['download', 'someone/gated', 'checkpoints/2020.pt'], {
        env: env({ HF_TOKEN: secret }),
      });
      assert.equal(forbidden.code, 1);
      assert.match(forbidden.stderr, /^tic-studio hub: forbidden: .*403 \(forbidden\).*Accept the conditions/);
      assert.equal(forbidden.stderr.trim().split('\n').length, 1);

      const unauthorized = await run(['download', 'someone/gated', 'checkpoints/2020.pt']);
      assert.match(unauthorized.stderr, /^tic-studio hub: unauthorized: .*gated.*set HF_TOKEN/);

      const wrong = await run(['ls', repo], { env: env({ HF_TOKEN: 'hf_notTheRightOne' }) });
      assert.equal(wrong.code, 1);
      assert.match(wrong.stderr, /unauthorized: .*the token \(from HF_TOKEN\) was rejected/);

      const missing = await run(['download', repo, 'checkpoints/1999.pt'], { env: env({ HF_TOKEN: secret }) });
      assert.match(missing.stderr, /^tic-studio hub: notFound: file checkpoints\/1999\.pt was not found/);

      const ok = await run(['download', repo, big, '--json'], {
        env: env({ HF_TOKEN: secret }),
        progressIntervalMs: 0,
      });
      assert.equal(ok.code, 0, ok.stderr);
      const listed = await run(['ls', '--json'], { env: env({ HF_TOKEN: secret }) });
      assert.ok(
        hub.stats.requests.some((q) => q.authorization === 'valid'),
        'the token was used',
      );
      for (const r of [forbidden, unauthorized, wrong, missing, ok, listed]) {
        assert.ok(!r.stdout.includes(secret) && !r.stderr.includes(secret), 'the token never appears in output');
        assert.ok(!r.stdout.includes('hf_notTheRightOne') && !r.stderr.includes('hf_notTheRightOne'));
      }
    });

    it('lists the cache, marked offline, when the Hub cannot be reached', async () => {
      await run(['download', repo, 'params/2022.yaml']);
      const dead = await startLoopbackHub({ repos: [] });
      await dead.close();
      const r = await run(['ls', repo, '--endpoint', dead.url]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /^tic-studio hub: offline: .*Showing what the cache at .* holds\.\n$/);
      assert.match(r.stdout, /offline: from the local cache/);
      assert.match(r.stdout, /params\/2022\.yaml\s+\d+\s+[0-9a-f]{40}\s+cached/);
      const d = await run(['download', repo, 'params/2022.yaml', '--endpoint', dead.url]);
      assert.equal(d.code, 0);
      assert.match(d.stderr, /offline, from the local cache/);
    });
  });

  describe('as real processes', () => {
    const sha256File = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');
    const childEnv = (extra: Record<string, string> = {}): Record<string, string> => ({
      ...env(),
      TIC_TEST_HUB_CHUNK_SIZE: String(512 * 1024),
      TIC_TEST_HUB_LOCK_POLL_MS: '50',
      ...extra,
    });

    it('resumes after kill -9: the second run transfers only the missing bytes', async () => {
      hub.faults.bytesPerSecond = 1024 * 1024;
      const first = spawnHubCli(['download', repo, big], childEnv());
      await until(() => fileSize(partialOf()) >= 1024 * 1024, 15_000, 'the first run to write 1 MiB');
      first.child.kill('SIGKILL');
      const killed = await first.done;
      assert.equal(killed.signal, 'SIGKILL');
      const kept = fileSize(partialOf());
      assert.ok(kept >= 1024 * 1024 && kept < bigSize, `kept ${kept}`);
      // Always a contiguous prefix (no holes from the parallel ranges): Python resumes from its size too.
      assert.ok(
        readFileSync(partialOf()).equals(hub.file(repo, big).content.bytes(0, kept)),
        'the partial file is the first bytes of the blob',
      );
      assert.ok(
        existsSync(repoCachePaths(cache.dir, repo).lock(hub.file(repo, big).sha256)),
        'kill -9 leaves its lock behind',
      );

      delete hub.faults.bytesPerSecond;
      await new Promise((r) => setTimeout(r, 100));
      hub.resetStats();
      const second = spawnHubCli(['download', repo, big, '--json'], childEnv());
      const done = await second.done;
      assert.equal(done.code, 0, done.stderr);
      const result = JSON.parse(done.stdout) as { localPath: string; resumedFrom: number; transferred: number };
      assert.equal(result.resumedFrom, kept);
      assert.equal(hub.bytesServed(repo, big), bigSize - kept, 'only the missing bytes crossed the wire');
      assert.equal(sha256File(result.localPath), hub.file(repo, big).sha256);
      assert.ok(!existsSync(partialOf()));
    });

    it('stops on Ctrl+C (SIGINT) with exit code 130, keeping the partial file', async () => {
      hub.faults.bytesPerSecond = 1024 * 1024;
      const run1 = spawnHubCli(['download', repo, big], childEnv({ HF_TOKEN: secret }));
      await until(() => fileSize(partialOf()) >= 512 * 1024, 15_000, 'some bytes on disk');
      run1.child.kill('SIGINT');
      const done = await run1.done;
      assert.equal(done.code, 130, done.stderr);
      assert.match(
        done.stderr,
        /tic-studio hub: cancelled: download stopped\. The partial file is kept \(.*\.incomplete\); run the same command again to resume\./,
      );
      assert.ok(fileSize(partialOf()) >= 512 * 1024);
      assert.ok(!existsSync(repoCachePaths(cache.dir, repo).lock(hub.file(repo, big).sha256)), 'the lock is released');
      assert.ok(!done.stderr.includes(secret) && !done.stdout.includes(secret));
      assert.equal(done.stdout, '');
    });

    it('lets two processes download the same file at once: one transfers it, the other waits and links it', async () => {
      hub.faults.bytesPerSecond = 2 * 1024 * 1024;
      const a = spawnHubCli(['download', repo, big], childEnv());
      const b = spawnHubCli(['download', repo, big], childEnv());
      const [ra, rb] = await Promise.all([a.done, b.done]);
      assert.equal(ra.code, 0, ra.stderr);
      assert.equal(rb.code, 0, rb.stderr);
      assert.equal(ra.stdout, rb.stdout);
      assert.equal(hub.bytesServed(repo, big), bigSize, 'the server sent the file once');
      assert.match(ra.stderr + rb.stderr, /already in the cache \(another process just downloaded it\)/);
      assert.equal(sha256File(ra.stdout.trim()), hub.file(repo, big).sha256);
    });
  });
});
