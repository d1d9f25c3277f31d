import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { aptGetWaitingForLocks } from '../../../scripts/lib/aptGet.mjs';

/** A process that holds apt's kind of lock (fcntl, as apt's GetLock takes it) on `files` until released. */
class LockHolder {
  private constructor(private readonly child: ChildProcess) {}

  static async hold(files: string[]): Promise<LockHolder> {
    const script = [
      'import fcntl, os, sys',
      'fds = [os.open(f, os.O_RDWR | os.O_CREAT) for f in sys.argv[1:]]',
      'for fd in fds: fcntl.lockf(fd, fcntl.LOCK_EX)',
      'print("locked", flush=True)',
      'sys.stdin.read()',
    ].join('\n');
    const child = spawn('python3', ['-c', script, ...files], { stdio: ['pipe', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('locked')) resolve();
      });
      child.on('exit', (code) => reject(new Error(`the lock holder exited (${code}) before locking`)));
    });
    return new LockHolder(child);
  }

  /** Lets go of the locks: the holder reads its stdin to the end, then exits. */
  release(): void {
    this.child.stdin!.end();
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.release();
    await exited;
  }
}

interface Attempt {
  readonly args: string[];
  readonly code: number;
  readonly output: string;
}

/** Runs the real apt-get; `onOutput` sees its output as it comes (to release a lock once apt says it waits). */
function aptGet(base: string[], attempts: Attempt[], onOutput?: (text: string) => void) {
  return (args: string[]): Promise<Attempt> =>
    new Promise((resolve) => {
      const child = spawn('apt-get', [...base, ...args], {
        env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive', LC_ALL: 'C' },
      });
      let output = '';
      const take = (chunk: Buffer): void => {
        output += chunk.toString();
        onOutput?.(output);
      };
      child.stdout.on('data', take);
      child.stderr.on('data', take);
      child.on('close', (code) => {
        const attempt = { args, code: code ?? 1, output };
        attempts.push(attempt);
        resolve(attempt);
      });
    });
}

const usable =
  process.platform === 'linux' &&
  process.getuid?.() === 0 &&
  spawnSync('apt-get', ['--version']).status === 0 &&
  spawnSync('python3', ['--version']).status === 0 &&
  existsSync('/var/lib/dpkg/status');

describe('apt-get waits for the package manager (real apt-get against a real lock holder)', function () {
  this.timeout(120_000);
  let dir: string;
  let holder: LockHolder | undefined;
  before(function () {
    // apt-get takes its locks only as root, on Debian-like systems (as npm test installs there).
    if (!usable) this.skip();
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tic-apt-lock-'));
    for (const sub of ['lists/partial', 'cache/archives/partial', 'dpkg'])
      mkdirSync(join(dir, sub), { recursive: true });
  });
  afterEach(async () => {
    await holder?.stop();
    holder = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs apt-get update again while the package lists lock is held, which apt itself does not wait for', async () => {
    writeFileSync(join(dir, 'sources.list'), '');
    // Its own lists, cache and (empty) sources: this update touches nothing of the system's and no network.
    const base = [
      ...['-o', `Dir::State::Lists=${join(dir, 'lists')}`, '-o', `Dir::Cache=${join(dir, 'cache')}`],
      ...[
        '-o',
        `Dir::Etc::sourcelist=${join(dir, 'sources.list')}`,
        '-o',
        `Dir::Etc::sourceparts=${join(dir, 'none')}`,
      ],
    ];
    holder = await LockHolder.hold([join(dir, 'lists/lock')]);
    const attempts: Attempt[] = [];
    const run = aptGet(base, attempts);
    const result = await aptGetWaitingForLocks(
      async (args) => {
        const attempt = await run(args);
        // Another apt finishing its update: the lock goes once the first attempt has found it held.
        holder!.release();
        return attempt;
      },
      ['update'],
      { retryMs: 200, timeoutSeconds: 60 },
    );
    assert.match(attempts[0]!.output, /Could not get lock .*lists\/lock/);
    assert.equal(result.code, 0, result.output);
    assert.equal(attempts.length, 2);
    assert.deepEqual(attempts[0]!.args.slice(0, 2), ['-o', 'DPkg::Lock::Timeout=60']);
  });

  it('passes DPkg::Lock::Timeout, so apt-get install waits for the dpkg lock instead of failing', async () => {
    copyFileSync('/var/lib/dpkg/status', join(dir, 'dpkg/status'));
    // A copy of the dpkg database, so its locks are ours to hold; coreutils is installed, so nothing changes.
    const base = ['-o', `Dir::State::status=${join(dir, 'dpkg/status')}`, '-o', `Dir::Cache=${join(dir, 'cache')}`];
    holder = await LockHolder.hold([join(dir, 'dpkg/lock-frontend'), join(dir, 'dpkg/lock')]);
    const attempts: Attempt[] = [];
    // The lock goes only once apt says it is waiting for it: an apt-get that fails at once never sees it go.
    const run = aptGet(base, attempts, (output) => {
      if (output.includes('Waiting for cache lock')) holder!.release();
    });
    const result = await aptGetWaitingForLocks(run, ['install', '-y', '--no-download', 'coreutils'], {
      retryMs: 200,
      timeoutSeconds: 20,
    });
    assert.equal(result.code, 0, result.output);
    assert.match(result.output, /Waiting for cache lock/);
    assert.equal(attempts.length, 1);
  });

  it('does not retry a failure that is not a held lock', async () => {
    copyFileSync('/var/lib/dpkg/status', join(dir, 'dpkg/status'));
    const base = ['-o', `Dir::State::status=${join(dir, 'dpkg/status')}`, '-o', `Dir::Cache=${join(dir, 'cache')}`];
    const attempts: Attempt[] = [];
    const result = await aptGetWaitingForLocks(
      aptGet(base, attempts),
      ['install', '-y', '--no-download', 'tic-studio-no-such-package'],
      { retryMs: 200, timeoutSeconds: 60 },
    );
    assert.notEqual(result.code, 0);
    assert.match(result.output, /Unable to locate package/);
    assert.equal(attempts.length, 1);
  });
});
