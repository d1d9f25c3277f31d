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

  it('names the variant (lineage) whose step a run trained', async function () {
    this.timeout(20000);
    // A baseline 2016 → 2017 and an lr variant 2017 from the same 2016: a run that wrote the variant's folder.
    const results = join(root, 'results');
    const exp = (name: string, resume: string, lr = '0.0005'): string => {
      const dir = join(results, name);
      mkdirSync(join(dir, 'checkpoints'), { recursive: true });
      const year = name.match(/_(\d{4})/)![1]!;
      const years = Array.from({ length: Number(year) - 2013 }, (_, i) => Number(year) - i);
      const trainData = years.map((y) => `/data/train/${y}/{00000000..00000009}.tar`).join('::');
      const params = {
        batch_size: '512',
        epochs: '5',
        lr,
        model: 'ViT-B-32',
        resume,
        train_data: trainData,
        world_size: '8',
      };
      writeFileSync(
        join(dir, 'params.txt'),
        Object.entries(params)
          .map(([k, v]) => `${k}: ${v}\n`)
          .join(''),
      );
      writeFileSync(join(dir, 'checkpoints', 'epoch_latest.pt'), 'x');
      return dir;
    };
    const base = 'datacomp_medium-basic_cumulative';
    exp(`${base}_2016`, 'None');
    exp(`${base}_2017`, join(results, `${base}_2016`, 'checkpoints', 'epoch_latest.pt'));
    const variant = exp(
      `${base}_2017_lr1e4`,
      join(results, `${base}_2016`, 'checkpoints', 'epoch_latest.pt'),
      '0.0001',
    );
    const supervisor = new Supervisor({ workspaceRoot: root, isTrusted: () => true });
    const started = await supervisor.start({
      argv: [process.execPath, '-e', '0'],
      cwd: root,
      env: {},
      kind: 'train',
      label: 'train 2017 cumulative',
      outputDir: variant,
    });
    supervisor.dispose();
    const r = tic('runs', root, '--json');
    assert.equal(r.status, 0, r.stderr);
    const [run] = JSON.parse(r.stdout) as {
      id: string;
      chain: { key: string; variant: string; forkedFrom: { chain: string; year: number }; lineage: string[] } | null;
    }[];
    assert.equal(run?.id, started.id);
    assert.equal(run?.chain?.key, `tic_medium/basic/cumulative@${base}_2017_lr1e4`);
    assert.equal(run?.chain?.variant, 'lr1e4');
    assert.deepEqual(run?.chain?.forkedFrom, { chain: 'tic_medium/basic/cumulative', year: 2016 });
    assert.deepEqual(run?.chain?.lineage, [`${base}_2016`, `${base}_2017_lr1e4`]);
  });

  it('rejects two workspaces with exit 2', () => {
    assert.equal(tic('runs', 'a', 'b').status, 2);
  });
});
