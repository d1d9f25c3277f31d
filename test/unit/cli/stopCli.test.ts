import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isProcessAlive, readProcessIdentity } from '../../../src/runs/local/processTree';
import { plantRunRecord } from '../../support/plantedRunRecord';
import { Supervisor } from '../../../src/runs/local/supervisor';
import type { ProcessIdentity } from '../../../src/runs/model/processIdentity';

const cli = join(__dirname, '../../../dist/cli.js');

describe('tic-studio stop (the real CLI process)', function () {
  this.timeout(30_000);
  let root: string;
  let stateHome: string;
  const children: ChildProcess[] = [];

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'tic-stop-cli-'));
    stateHome = mkdtempSync(join(tmpdir(), 'tic-stop-state-'));
  });
  afterEach(() => {
    for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    rmSync(root, { recursive: true, force: true });
    rmSync(stateHome, { recursive: true, force: true });
  });

  /** The CLI as a user runs it, sharing the state folder (XDG_STATE_HOME) with the supervisor of the test. */
  function tic(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [cli, ...args], { env: { ...process.env, XDG_STATE_HOME: stateHome } });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('close', (status) => resolve({ status, stdout, stderr }));
    });
  }

  async function sleeper(): Promise<ProcessIdentity> {
    const child = spawn('sleep', ['60'], { detached: true, stdio: 'ignore' });
    children.push(child);
    await new Promise<void>((resolve, reject) => child.once('spawn', resolve).once('error', reject));
    return (await readProcessIdentity(child.pid!))!;
  }

  const plant = (id: string, identity: ProcessIdentity) => plantRunRecord(root, id, identity);

  it('refuses a planted record naming a process of the user: one line naming why, exit 3, the process survives', async () => {
    const victim = await sleeper();
    plant('20261207-110000-train-cccccc', victim);
    const r = await tic('stop', '20261207-110000-train-cccccc', root);
    assert.equal(r.status, 3, r.stderr);
    assert.equal(r.stdout, '');
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, /^tic-studio stop: refused to stop 20261207-110000-train-cccccc: .*no proof/);
    assert.equal(await isProcessAlive(victim), true);

    const json = await tic('stop', '20261207-110000-train-cccccc', root, '--json');
    assert.equal(json.status, 3);
    const answer = JSON.parse(json.stdout) as { refused: boolean; reason: string };
    assert.equal(answer.refused, true);
    assert.equal(answer.reason, 'notOwned');
    assert.equal(await isProcessAlive(victim), true);
  });

  it('stops a run TiC Studio started, with the same escalation, after its window is gone', async () => {
    const supervisor = new Supervisor({
      workspaceRoot: root,
      isTrusted: () => true,
      stateDir: join(stateHome, 'tic-studio'),
    });
    // A run that ignores SIGINT (as a hung data loader would): the CLI must escalate to SIGTERM.
    const started = await supervisor.start({
      kind: 'eval',
      label: 'an eval that ignores SIGINT',
      argv: [process.execPath, '-e', "process.on('SIGINT', () => {}); setInterval(() => {}, 1000)"],
      cwd: root,
      env: {},
    });
    supervisor.dispose(); // the window closes; the run goes on
    await new Promise((r) => setTimeout(r, 300));
    const r = await tic('stop', started.id, root, '--json');
    assert.equal(r.status, 0, r.stderr);
    const answer = JSON.parse(r.stdout) as { status: string; stopSignals: string[] };
    assert.equal(answer.status, 'stopped');
    assert.deepEqual(answer.stopSignals, ['SIGINT', 'SIGTERM']);
    assert.equal(await isProcessAlive(started.process!), false);
    const again = await tic('stop', started.id, root);
    assert.equal(again.status, 0);
    assert.match(again.stdout, /had already ended \(stopped\); nothing was signalled/);
  });

  it('says which run is unknown, and what a bad id is', async () => {
    const r = await tic('stop', '20261207-110000-train-dddddd', root);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /no run 20261207-110000-train-dddddd in /);
    const bad = await tic('stop', '../etc/passwd', root);
    assert.equal(bad.status, 2);
  });
});
