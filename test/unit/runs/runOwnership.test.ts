import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { isProcessAlive, readProcessIdentity } from '../../../src/runs/local/processTree';
import { RunClaims } from '../../../src/runs/runClaims';
import { proveRunOwnership } from '../../../src/runs/local/runOwnershipProof';
import { runRecordsDir } from '../../../src/runs/model/runRecordStore';
import { plantRunRecord } from '../../support/plantedRunRecord';
import { Supervisor } from '../../../src/runs/local/supervisor';
import { SupervisorError } from '../../../src/runs/local/supervisorError';
import { stopProcessTree } from '../../../src/runs/local/supervisorStop';
import { userStateDir } from '../../../src/shared/userStateDir';
import type { ProcessIdentity } from '../../../src/runs/model/processIdentity';

/**
 * Issue: a run record in the workspace is a claim, not a proof. A planted `.tic-studio/runs/<id>.json` must never
 * make TiC Studio signal a process it did not start (pid 1 → kill(-1) signals every process of the user).
 */
describe('Stop proves a run is its own before any signal (planted records)', function () {
  this.timeout(20_000);
  let workspace: string;
  let stateDir: string;
  const children: ChildProcess[] = [];
  const supervisors: Supervisor[] = [];
  const realKill = process.kill.bind(process);
  let kills: Array<[number, string | number | undefined]> = [];

  beforeEach(() => {
    workspace = mkdtempSync(join(tmpdir(), 'tic-owner-'));
    stateDir = mkdtempSync(join(tmpdir(), 'tic-owner-state-'));
    kills = [];
    // Every signal this process sends is seen (signal 0, a liveness probe, sends nothing and is left out).
    // Calls that would hit init, everything (-1) or this test's own group are recorded and never passed on: on the
    // code before this fix a planted pid 1 really sent kill(-1, SIGINT).
    process.kill = ((pid: number, signal?: string | number) => {
      if (signal !== 0) kills.push([pid, signal]);
      if (Math.abs(pid) <= 1 || pid === 0 || Math.abs(pid) === process.pid) return true;
      return realKill(pid, signal);
    }) as typeof process.kill;
  });

  afterEach(() => {
    process.kill = realKill;
    for (const s of supervisors.splice(0)) s.dispose();
    for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    rmSync(workspace, { recursive: true, force: true });
    rmSync(stateDir, { recursive: true, force: true });
  });

  function supervisor(options: { trusted?: boolean; mayStop?: boolean; root?: string } = {}): Supervisor {
    const s = new Supervisor({
      workspaceRoot: options.root ?? workspace,
      isTrusted: () => options.trusted ?? true,
      ...(options.mayStop !== undefined ? { mayStop: () => options.mayStop! } : {}),
      stateDir,
      pollMs: 25,
      interruptGraceMs: 300,
      terminateGraceMs: 300,
    });
    supervisors.push(s);
    return s;
  }

  /** A victim: a process of this user that TiC Studio never started, leading its own process group. */
  async function victim(): Promise<ProcessIdentity> {
    const child = spawn('sleep', ['60'], { detached: true, stdio: 'ignore' });
    children.push(child);
    await new Promise<void>((resolve, reject) => child.once('spawn', resolve).once('error', reject));
    const identity = await readProcessIdentity(child.pid!);
    assert.ok(identity, 'the victim runs');
    return identity;
  }

  const plantRecord = (id: string, identity: ProcessIdentity, pgid: number, root = workspace) =>
    plantRunRecord(root, id, identity, { pgid, label: 'planted' });

  /** A real run TiC Studio starts: `sleep 30`, with its claim in the test's state folder. */
  const realRun = (s: Supervisor) =>
    s.start({ kind: 'eval', label: 'a real run', argv: ['sleep', '30'], cwd: workspace, env: {} });

  it('refuses a record naming a process the user started (real start time and boot id copied), signalling nothing', async () => {
    const target = await victim();
    plantRecord('20261207-100000-train-aaaaaa', target, target.pid);
    await assert.rejects(supervisor().stop('20261207-100000-train-aaaaaa'), (e: unknown) => {
      assert.ok(SupervisorError.is(e, 'notOwned'), String(e));
      assert.match((e as Error).message, /no proof that it started this run/);
      return true;
    });
    assert.deepEqual(kills, []);
    assert.equal(await isProcessAlive(target), true, 'the victim survived');
    const onDisk = JSON.parse(
      readFileSync(join(runRecordsDir(workspace), '20261207-100000-train-aaaaaa.json'), 'utf8'),
    );
    assert.equal(onDisk.stopRequestedAt, undefined, 'nothing is written into a record TiC Studio cannot prove');
  });

  for (const [what, pid, pgid] of [
    ['pid 1 / pgid 1', 1, 1],
    ['pgid 0', 4242, 0],
    ['pgid 1', 4242, 1],
  ] as const) {
    it(`refuses ${what} outright, without a single kill call`, async () => {
      const id = `20261207-100001-train-${String(pid).padStart(4, '0')}${pgid}0`;
      // The real start time and boot id of that pid, as an attacker would copy them from /proc.
      const real = await readProcessIdentity(pid);
      plantRecord(id, real ?? { pid, startTicks: 1, bootId: 'unknown' }, pgid);
      await assert.rejects(supervisor().stop(id), (e: unknown) => SupervisorError.is(e, 'notOwned'));
      assert.deepEqual(kills, []);
    });
  }

  it('refuses pid 1 even with a claim, and stopProcessTree itself never signals init or its own group', async () => {
    const id = '20261207-100002-train-bbbbbb';
    plantRecord(id, { pid: 1, startTicks: 1, bootId: 'x' }, 1);
    await new RunClaims({ stateDir, workspaceRoot: workspace, host: hostname() }).create(id);
    await assert.rejects(supervisor().stop(id), (e: unknown) => SupervisorError.is(e, 'notOwned'));
    await assert.rejects(
      stopProcessTree({
        root: { pid: process.pid, startTicks: 0, bootId: 'x' },
        pgid: process.pid,
        interruptGraceMs: 10,
        terminateGraceMs: 10,
        pollMs: 5,
      }),
      /refusing to signal/,
    );
    await assert.rejects(
      stopProcessTree({
        root: { pid: 1, startTicks: 0, bootId: 'x' },
        pgid: 1,
        interruptGraceMs: 10,
        terminateGraceMs: 10,
        pollMs: 5,
      }),
      /refusing to signal/,
    );
    assert.deepEqual(kills, []);
  });

  it('refuses a real run’s record edited to name another process: the claim exists, the secret is not there', async () => {
    const s = supervisor();
    const started = await realRun(s);
    const target = await victim();
    const path = join(runRecordsDir(workspace), `${started.id}.json`);
    const real = JSON.parse(readFileSync(path, 'utf8'));
    writeFileSync(path, JSON.stringify({ ...real, pid: target.pid, pgid: target.pid, process: target }));
    await assert.rejects(s.stop(started.id), (e: unknown) => {
      assert.ok(SupervisorError.is(e, 'notOwned'), String(e));
      assert.match((e as Error).message, /does not carry the run's secret/);
      return true;
    });
    assert.deepEqual(kills, []);
    assert.equal(await isProcessAlive(target), true);

    // Put back, the same stop works: the real run carries its secret.
    writeFileSync(path, JSON.stringify(real));
    const final = await s.stop(started.id);
    assert.equal(final.status, 'stopped');
    assert.equal(await isProcessAlive(target), true, 'only the run was stopped');
    // (assert.deepEqual above narrowed the type of `kills` to [].)
    const sent = kills as Array<[number, string | number | undefined]>;
    assert.ok(sent.length > 0 && sent.every(([pid]) => Math.abs(pid) === started.pid), JSON.stringify(sent));
  });

  it('refuses a real run’s record copied into another workspace (its claim names the first one)', async () => {
    const s = supervisor();
    const started = await realRun(s);
    const other = mkdtempSync(join(tmpdir(), 'tic-owner-other-'));
    try {
      plantRecord(started.id, started.process!, started.pgid!, other);
      await assert.rejects(supervisor({ root: other }).stop(started.id), (e: unknown) =>
        SupervisorError.is(e, 'notOwned'),
      );
      assert.deepEqual(kills, []);
    } finally {
      rmSync(other, { recursive: true, force: true });
      await s.stop(started.id);
    }
  });

  it('refuses a record whose boot id is "unknown" on a system with /proc', async () => {
    const s = supervisor();
    const started = await realRun(s);
    const proof = await proveRunOwnership(
      { ...started, process: { ...started.process!, bootId: 'unknown' } },
      { claims: s.claims },
    );
    assert.equal(proof.outcome, 'refused');
    assert.equal(proof.outcome === 'refused' && proof.reason, 'otherBoot');
    await s.stop(started.id);
  });

  it('does not stop, and is not offered to stop, from an untrusted workspace', async () => {
    const trusted = supervisor();
    const started = await realRun(trusted);
    await assert.rejects(supervisor({ trusted: false }).stop(started.id), (e: unknown) =>
      SupervisorError.is(e, 'untrusted'),
    );
    assert.deepEqual(kills, []);
    // The CLI's stop: not trusted to start anything, allowed to stop what it can prove.
    const final = await supervisor({ trusted: false, mayStop: true }).stop(started.id);
    assert.equal(final.status, 'stopped');
  });

  it('keeps the secret out of the workspace: not in the record, only in the run’s environment and the 0700 state folder', async () => {
    const s = supervisor();
    const started = await realRun(s);
    const claim = await s.claims.read(started.id);
    assert.ok(claim);
    assert.equal(statSync(stateDir).mode & 0o777, 0o700);
    assert.equal(statSync(join(stateDir, 'runs', `${started.id}.json`)).mode & 0o777, 0o600);
    const environ = readFileSync(`/proc/${started.pid}/environ`, 'utf8').split('\0');
    assert.ok(environ.includes(`TIC_STUDIO_RUN=${started.id}:${claim.secret}`));
    const wrapperEnviron = readFileSync(`/proc/${started.wrapper!.pid}/environ`, 'utf8');
    assert.ok(
      !wrapperEnviron.includes(`TIC_STUDIO_RUN=${started.id}:`),
      'the wrapper is not one of the run’s processes',
    );
    const grep = spawnSync('grep', ['-rl', claim.secret, workspace], { encoding: 'utf8' });
    assert.equal(grep.stdout, '', 'no file of the workspace holds the secret');
    await s.stop(started.id);
  });

  it('uses $XDG_STATE_HOME/tic-studio, else ~/.local/state/tic-studio', () => {
    assert.equal(userStateDir({ XDG_STATE_HOME: '/x/state' }, '/home/u'), '/x/state/tic-studio');
    assert.equal(userStateDir({ XDG_STATE_HOME: 'relative' }, '/home/u'), '/home/u/.local/state/tic-studio');
    assert.equal(userStateDir({}, '/home/u'), '/home/u/.local/state/tic-studio');
  });
});
