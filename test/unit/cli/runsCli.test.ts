import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Supervisor } from '../../../src/runs/supervisor';

const cli = join(__dirname, '../../../dist/cli.js');

function tic(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
}

describe('tic-studio runs (real supervised processes)', () => {
  let root: string;
  beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'tic-runs-cli-'))));
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('lists nothing, and writes nothing, in a workspace without runs', () => {
    const r = tic('runs', root, '--json');
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), []);
    assert.deepEqual(spawnSync('ls', ['-A', root], { encoding: 'utf8' }).stdout, '');
  });

  it('shows a run that ended while nobody watched as ended, with its exit code', async function () {
    this.timeout(20000);
    const supervisor = new Supervisor({ workspaceRoot: root, isTrusted: () => true });
    const started = await supervisor.start({
      argv: [process.execPath, '-e', 'setTimeout(() => process.exit(3), 300)'],
      cwd: root,
      env: {},
      kind: 'eval',
      label: 'a short eval',
    });
    // Drop the supervisor before the run ends, as a closed window would.
    supervisor.dispose();
    await new Promise((r) => setTimeout(r, 1500));
    const r = tic('runs', root, '--json');
    assert.equal(r.status, 0, r.stderr);
    const [run] = JSON.parse(r.stdout) as { id: string; status: string; exitCode: number; label: string }[];
    assert.equal(run?.id, started.id);
    assert.equal(run?.label, 'a short eval');
    assert.equal(run?.status, 'failed');
    assert.equal(run?.exitCode, 3);
    assert.match(tic('runs', root).stdout, /a short eval/);
  });

  it('rejects two workspaces with exit 2', () => {
    assert.equal(tic('runs', 'a', 'b').status, 2);
  });
});
