import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runRecordsDir } from '../../../src/runs/model/runRecordStore';
import { Supervisor } from '../../../src/runs/local/supervisor';
import { slurmRunRecord } from '../../support/slurmRunRecord';

const cli = join(__dirname, '../../../dist/cli.js');

function tic(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
}

/** The same, on a host whose PATH has no Slurm client (an empty folder). */
function ticWithoutSlurm(
  emptyBin: string,
  ...args: string[]
): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env: { ...process.env, PATH: emptyBin } });
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

  it('shows a Slurm run as last known where Slurm does not answer, says so, and leaves its record alone', () => {
    const id = '20261129-020000-train-abc123';
    const dir = runRecordsDir(root);
    mkdirSync(dir, { recursive: true });
    const recordPath = join(dir, `${id}.json`);
    const text = `${JSON.stringify(slurmRunRecord(root, id), null, 2)}\n`;
    writeFileSync(recordPath, text);
    const emptyBin = join(root, 'bin');
    mkdirSync(emptyBin);

    const r = ticWithoutSlurm(emptyBin, 'runs', root, '--json');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /Slurm did not answer; its runs show their last known state: .*squeue/);
    const [run] = JSON.parse(r.stdout) as {
      id: string;
      status: string;
      slurm: { state: string; pollError?: string };
    }[];
    assert.equal(run?.id, id);
    assert.equal(run?.status, 'queued');
    assert.equal(run?.slurm.state, 'PENDING');
    assert.equal(run?.slurm.pollError, undefined);
    assert.equal(readFileSync(recordPath, 'utf8'), text, 'the record is not rewritten');
  });

  it('rejects two workspaces with exit 2', () => {
    assert.equal(tic('runs', 'a', 'b').status, 2);
  });
});
