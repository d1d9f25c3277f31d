import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { hubCommand } from '../../../src/cli/hubCommand';
import { downloadToCache, type DownloadDeps } from '../../../src/hub/downloadToCache';
import { listCatalogRepo } from '../../../src/hub/hubCatalog';
import { HubError } from '../../../src/hub/core/hubError';
import { tokenMayTravelTo } from '../../../src/hub/http/hubHttp';
import { machineScopedSetting } from '../../../src/hub/hubSettings';
import { HubToken } from '../../../src/hub/core/hubToken';
import { startLoopbackHub, type LoopbackHub } from '../../support/loopbackHub';
import { headerKeepingFetch, recordingUnreachableFetch } from '../../support/loopbackHubFetch';
import { captureIo, scratch } from './hubTestKit';

const repo = 'apple/TiC-CLIP-basic-oracle';
const big = 'checkpoints/2022.pt';
const token = 'hf_loopbacktoken';

/** Tree entries a Hub, a mirror or a proxy could send: each must be dropped and named, never used. */
const badEntries: { entry: unknown; named: RegExp }[] = [
  {
    entry: { type: 'file', path: '../../escape.pt', oid: 'a'.repeat(40), size: 1 },
    named: /'\.\.\/\.\.\/escape\.pt': .*'\.\.'/,
  },
  {
    entry: { type: 'file', path: 'checkpoints/../../../x.pt', oid: 'a'.repeat(40), size: 1 },
    named: /x\.pt': .*'\.\.'/,
  },
  {
    entry: { type: 'file', path: '/etc/passwd', oid: 'a'.repeat(40), size: 1 },
    named: /'\/etc\/passwd': it is absolute/,
  },
  { entry: { type: 'file', path: 'a\\b.pt', oid: 'a'.repeat(40), size: 1 }, named: /backslash/ },
  { entry: { type: 'file', path: 'a//b.pt', oid: 'a'.repeat(40), size: 1 }, named: /'a\/\/b\.pt': .*empty/ },
  {
    entry: { type: 'file', path: 'checkpoints/\u001b]0;pwned\u0007.pt', oid: 'a'.repeat(40), size: 1 },
    named: /checkpoints\/\\x1b\]0;pwned\\x07\.pt': it holds a control character/,
  },
  { entry: { type: 'file', path: 'bad-oid.pt', oid: 'zz', size: 1 }, named: /'bad-oid\.pt': its git blob id/ },
  {
    entry: { type: 'file', path: 'bad-lfs.pt', oid: 'a'.repeat(40), size: 1, lfs: { oid: 'abc', size: 1 } },
    named: /'bad-lfs\.pt': its LFS sha256/,
  },
  { entry: { type: 'file', path: 'negative.pt', oid: 'a'.repeat(40), size: -1 }, named: /'negative\.pt': its size/ },
  { entry: { type: 'file', path: 'fraction.pt', oid: 'a'.repeat(40), size: 1.5 }, named: /'fraction\.pt': its size/ },
  { entry: { type: 'file', path: 'huge.pt', oid: 'a'.repeat(40), size: 2 ** 60 }, named: /'huge\.pt': its size/ },
  {
    entry: { type: 'file', path: 'huge-lfs.pt', oid: 'a'.repeat(40), size: 1, lfs: { oid: 'b'.repeat(64), size: -7 } },
    named: /'huge-lfs\.pt': its LFS size/,
  },
];

describe("the Hub's answers are validated like user input", () => {
  let hub: LoopbackHub;
  let cache: ReturnType<typeof scratch>;

  before(async () => {
    hub = await startLoopbackHub({
      repos: [
        {
          id: repo,
          files: [
            { path: big, size: 300_000 },
            { path: 'README.md', content: '# oracle\n' },
          ],
        },
      ],
      token,
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

  describe('tree listings', () => {
    it('drops entries with unsafe paths, malformed ids or sizes, names each, and keeps the rest', async () => {
      hub.faults.extraTreeEntries = badEntries.map((b) => b.entry);
      const listed = await listCatalogRepo(repo, 'main', deps());
      assert.equal(listed.error, undefined);
      assert.deepEqual(
        listed.files.map((f) => f.path),
        ['README.md', big],
        'only the valid entries are listed',
      );
      assert.equal(listed.warnings.length, badEntries.length, listed.warnings.join('\n'));
      for (const { named } of badEntries)
        assert.ok(
          listed.warnings.some((w) => named.test(w)),
          `a warning matches ${named}:\n${listed.warnings.join('\n')}`,
        );
      for (const w of listed.warnings)
        assert.ok(![...w].some((c) => c.charCodeAt(0) < 0x20), `no raw control characters in: ${w}`);
      assert.deepEqual(readdirSync(cache.dir), [], 'listing wrote nothing into the cache');
    });

    it('tic-studio hub ls names the dropped entries on stderr, escaped, and still lists the repo', async () => {
      hub.faults.extraTreeEntries = badEntries.map((b) => b.entry);
      const c = captureIo();
      const code = await hubCommand(['ls', repo, '--endpoint', hub.url, '--cache-dir', cache.dir], c.io, {
        env: {},
        handleSigint: false,
      });
      assert.equal(code, 0, c.err());
      assert.match(
        c.err(),
        /tic-studio hub: warning: the Hub's listing of apple\/TiC-CLIP-basic-oracle has an invalid entry, left out: '\.\.\/\.\.\/escape\.pt'/,
      );
      assert.match(c.err(), /\\x1b\]0;pwned\\x07/);
      assert.ok(!c.err().includes('\u001b'), 'no raw escape reaches the terminal');
      assert.match(c.out(), /checkpoints\/2022\.pt/);
      assert.doesNotMatch(c.out(), /escape\.pt|passwd/);
    });
  });

  describe('file metadata (HEAD resolve)', () => {
    it('refuses a commit that is not a 40-character sha before writing anything', async () => {
      hub.faults.resolveHeaders = { 'x-repo-commit': '../../../../tmp/evil' };
      const failed = await downloadToCache({ repo, path: big }, deps(), {}).catch((e: unknown) => e);
      assert.ok(HubError.is(failed, 'badResponse'), String(failed));
      assert.match(failed.message, /not a 40-character sha/);
      assert.equal(hub.bytesServed(repo, big), 0);
    });

    it('refuses a redirect to something that is not http(s) (a data: URL is not a CDN)', async () => {
      hub.faults.resolveHeaders = { location: 'data:application/octet-stream;base64,AAAA' };
      const failed = await downloadToCache({ repo, path: big }, deps(), {}).catch((e: unknown) => e);
      assert.ok(HubError.is(failed, 'badResponse'), String(failed));
      assert.match(failed.message, /not an http\(s\) URL/);
      assert.equal(existsSync(join(cache.dir, 'models--apple--TiC-CLIP-basic-oracle', 'snapshots')), false);
    });
  });

  describe('the token', () => {
    it('is never sent to a plain-http endpoint other than this machine: refused with a message, nothing sent', async () => {
      const net = recordingUnreachableFetch();
      const failed = await downloadToCache(
        { repo, path: big },
        deps({ endpoint: 'http://hub.example.test', fetch: net.fetch, token: new HubToken(token, 'HF_TOKEN') }),
        {},
      ).catch((e: unknown) => e);
      assert.ok(HubError.is(failed, 'insecureEndpoint'), String(failed));
      assert.match(
        failed.message,
        /token was not sent to http:\/\/hub\.example\.test: it is plain http and not this machine/,
      );
      assert.deepEqual(
        net.requests.filter((r) => r.authorization),
        [],
        'no request carried the token',
      );
      assert.ok(!failed.message.includes(token));
    });

    it('the catalog refuses the same way instead of listing each repo as failed', async () => {
      const net = recordingUnreachableFetch();
      const failed = await listCatalogRepo(repo, 'main', {
        ...deps({ endpoint: 'http://10.1.2.3:8080', fetch: net.fetch }),
        token: new HubToken(token, 'HF_TOKEN'),
      }).catch((e: unknown) => e);
      assert.ok(HubError.is(failed, 'insecureEndpoint'), String(failed));
      assert.equal(net.requests.length, 0);
    });

    it('without a token, a plain-http mirror is still asked (public repos need none)', async () => {
      const net = recordingUnreachableFetch();
      const listed = await listCatalogRepo(
        repo,
        'main',
        deps({ endpoint: 'http://hub.example.test', fetch: net.fetch }),
      );
      assert.equal(listed.error?.reason, 'network');
      assert.ok(net.requests.length > 0);
    });

    it('may travel over https anywhere and over http to loopback only', () => {
      for (const ok of [
        'https://huggingface.co',
        'http://127.0.0.1:9',
        'http://127.5.6.7',
        'http://localhost:8080',
        'http://[::1]:9',
      ])
        assert.equal(tokenMayTravelTo(new URL(ok)), true, ok);
      for (const bad of [
        'http://huggingface.co',
        'http://10.0.0.1',
        'http://127.0.0.1.example.com',
        'http://[::2]',
        'ftp://127.0.0.1',
      ])
        assert.equal(tokenMayTravelTo(new URL(bad)), false, bad);
    });

    for (const [name, makeFetch] of [
      ["with Node's fetch", () => fetch],
      ['with a fetch that keeps headers across redirects', headerKeepingFetch],
    ] as const) {
      it(`does not follow a redirect to another origin (the CDN) ${name}`, async () => {
        // The signed CDN URL is refused once (expired), so the download falls back to the Hub's resolve URL,
        // which carries the token and redirects to the CDN again.
        hub.faults.cdnRefusals = 1;
        const r = await downloadToCache(
          { repo, path: big },
          deps({ fetch: makeFetch(), token: new HubToken(token, 'HF_TOKEN') }),
          { connections: 1 },
        );
        assert.equal(r.source, 'download');
        const resolveGets = hub.stats.requests.filter(
          (q) => q.origin === 'hub' && q.method === 'GET' && q.url.includes('/resolve/'),
        );
        assert.ok(
          resolveGets.length > 0 && resolveGets.every((q) => q.authorization === 'valid'),
          'the fallback went through the Hub with the token',
        );
        const cdn = hub.stats.requests.filter((q) => q.origin === 'cdn');
        assert.ok(cdn.length >= 2);
        assert.deepEqual(
          cdn.map((q) => q.authorization),
          cdn.map(() => 'none'),
          'the CDN never saw the token',
        );
      });
    }
  });

  describe('settings a workspace must not choose (hub.endpoint, hub.cacheDir)', () => {
    it('takes the user or machine value and ignores workspace and folder values, naming them', () => {
      assert.deepEqual(
        machineScopedSetting({
          defaultValue: '',
          globalValue: ' https://hf-mirror.example ',
          workspaceValue: 'http://attacker.example',
          workspaceFolderValue: 'http://attacker.example',
        }),
        { value: 'https://hf-mirror.example', ignored: ['workspace', 'workspaceFolder'] },
      );
      assert.deepEqual(machineScopedSetting({ defaultValue: '', workspaceValue: '/tmp/planted-cache' }), {
        value: undefined,
        ignored: ['workspace'],
      });
      assert.deepEqual(machineScopedSetting({ defaultValue: '', globalValue: 42 }), { value: undefined, ignored: [] });
      assert.deepEqual(machineScopedSetting(undefined), { value: undefined, ignored: [] });
    });
  });
});
