import { spawn as nodeSpawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { constants } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { hostname as osHostname } from 'node:os';
import { isAbsolute, join } from 'node:path';
import {
  defaultProcRoot,
  descendantsOf,
  isProcessAlive,
  listProcesses,
  processStartMs,
  readBootTimeMs,
  readProcessIdentity,
} from './processTree';
import { readUntrustedText } from '../../shared/untrustedFile';
import { RunClaims, runSecretVariable } from '../runClaims';
import { proveRunOwnership } from './runOwnershipProof';
import { detectRunFailure } from '../model/runFailure';
import { followRunWhenRead, type RunLogListener } from '../runLogFollow';
import { RunEvents } from '../runEvents';
import { RunRecordKeeper } from '../runRecordKeeper';
import { readRunOutcome } from '../runOutcome';
import type { RunScheduler } from '../runScheduler';
import { isFinalStatus, isValidRunId, newRunId, queuedRecordOf, type RunRecord } from '../model/runRecord';
import { RunRecordStore, runRecordsDir } from '../model/runRecordStore';
import { SupervisorError } from './supervisorError';
import { stopProcessTree } from './supervisorStop';
import {
  installSupervisorWrapper,
  parseWrapperExit,
  parseWrapperStarted,
  type WrapperExit,
  type WrapperStarted,
  wrapperSecretVariable,
} from './supervisorWrapper';
import { ensureUserStateDir, userStateDir } from '../../shared/userStateDir';
import type { ProcessIdentity } from '../model/processIdentity';
import type { StopSignal } from '../model/stopSignal';
import type { RunPlan } from '../model/runPlan';

export interface StopOptions {
  /** Wait after SIGINT before SIGTERM. Default: the supervisor's (10 s). */
  interruptGraceMs?: number;
  /** Wait after SIGTERM before SIGKILL. Default: the supervisor's (10 s). */
  terminateGraceMs?: number;
  /** Told each signal as it is sent (only once the run is proven to be ours), e.g. to show progress. */
  onSignal?: (signal: StopSignal, pgid: number) => void;
}

export type SpawnFunction = (command: string, args: readonly string[], options: SpawnOptions) => ChildProcess;

export interface SupervisorOptions {
  workspaceRoot: string;
  /** Workspace trust; nothing starts while it is false. */
  isTrusted: () => boolean;
  /**
   * Whether stop() may signal at all. Default: isTrusted. The CLI's `stop` says true: a user on a terminal names
   * the run; the ownership proof (runOwnershipProof.ts) is what decides which process may be signalled.
   */
  mayStop?: () => boolean;
  /** The per-user state folder with the runs' claims and the wrapper (userStateDir.ts). Default userStateDir(). */
  stateDir?: string;
  spawn?: SpawnFunction;
  /** The Node that runs the wrapper. Default process.execPath (VS Code's own, with ELECTRON_RUN_AS_NODE=1). */
  nodePath?: string;
  /** The environment plan.env is put on top of (the user's, with conda activated). Default process.env. */
  baseEnv?: Readonly<Record<string, string | undefined>>;
  now?: () => Date;
  hostname?: () => string;
  procRoot?: string;
  /** How often exits and logs are polled. Default 500 ms. */
  pollMs?: number;
  /** Stop escalation defaults. */
  interruptGraceMs?: number;
  terminateGraceMs?: number;
  /** How long start() waits for the wrapper to report the run's pid. Default 10 s. */
  startTimeoutMs?: number;
}

interface Monitor {
  timer: NodeJS.Timeout;
  checking: boolean;
  ticks: number;
  /** Descendants seen while the run was alive, pid → start ticks: a stop also ends the ones orphaned since. */
  known: Map<number, number>;
}

const descendantScanEveryTicks = 4;
const staleQueuedMs = 60_000;

/**
 * Starts training / evaluation runs so that they survive a window reload, finds them again afterwards, follows
 * their logs, stops them with their whole process tree, and records how they ended.
 *
 * Design: each run is started through the wrapper (supervisorWrapper.ts) as a detached process in its own
 * session, with stdout + stderr going to `<id>.log` (opened here, passed as fds; then `unref()`). The wrapper
 * starts argv in a new process group and writes `<id>.started.json` and `<id>.exit.json`, so any supervisor
 * (this one, or a new one after a reload, or another window) learns the pid and later the exit code by polling
 * files; liveness is checked with /proc (pid + start time + boot id). All state is in the record files.
 */
export class Supervisor implements RunScheduler {
  readonly kind = 'local' as const;
  readonly store: RunRecordStore;
  readonly claims: RunClaims;
  private readonly stateDir: string;
  private readonly spawnFn: SpawnFunction;
  private readonly nodePath: string;
  private readonly baseEnv: Readonly<Record<string, string | undefined>>;
  private readonly now: () => Date;
  private readonly host: string;
  private readonly procRoot: string;
  private readonly pollMs: number;
  private readonly monitors = new Map<string, Monitor>();
  private readonly events = new RunEvents();
  private readonly records: RunRecordKeeper;
  private disposed = false;

  constructor(private readonly options: SupervisorOptions) {
    this.store = new RunRecordStore(runRecordsDir(options.workspaceRoot));
    this.spawnFn = options.spawn ?? (nodeSpawn as SpawnFunction);
    this.nodePath = options.nodePath ?? process.execPath;
    this.baseEnv = options.baseEnv ?? process.env;
    this.now = options.now ?? (() => new Date());
    this.host = (options.hostname ?? osHostname)();
    this.procRoot = options.procRoot ?? defaultProcRoot;
    this.pollMs = options.pollMs ?? 500;
    this.stateDir = options.stateDir ?? userStateDir();
    this.claims = new RunClaims({ stateDir: this.stateDir, workspaceRoot: options.workspaceRoot, host: this.host });
    this.records = new RunRecordKeeper({
      store: this.store,
      events: this.events,
      notFound: (id) => new SupervisorError('notFound', `no run record ${id}`, id),
      onSettled: (id) => this.stopMonitor(id),
    });
  }

  /** Called with every record this supervisor writes or sees end. Other windows' changes: store.watch(). */
  onDidChangeRun(listener: (record: RunRecord) => void): { dispose(): void } {
    return this.events.onDidChangeRun(listener);
  }

  /**
   * Starts a plan. Resolves once the run's process exists (status running; or already ended, for a very short
   * run). Throws SupervisorError `untrusted`, `invalidPlan`, or `spawnFailed` (then the record says failed).
   */
  async start(plan: RunPlan): Promise<RunRecord> {
    if (!this.options.isTrusted())
      throw new SupervisorError('untrusted', 'The workspace is not trusted; TiC Studio starts no processes in it.');
    await this.validatePlan(plan);
    await this.store.ensureDir();
    // The wrapper is executed: it lives in the user's own state folder, never in the workspace.
    const wrapperDir = join(await ensureUserStateDir(this.stateDir), 'bin');
    const wrapperPath = await installSupervisorWrapper(await ensureUserStateDir(wrapperDir));
    const created = this.now();
    const id = plan.id ?? newRunId(plan.kind, created);
    // The proof that this run is ours: the secret its processes carry, kept outside the workspace.
    const claim = await this.claims.create(id);
    let record = await queuedRecordOf(plan, {
      id,
      host: this.host,
      createdAt: created,
      logPath: this.store.logPath(id),
    });
    await this.records.write(record);

    // A fresh file, never a link planted under the new run's name.
    const log = await open(
      record.logPath,
      constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
      0o644,
    );
    let wrapper: ChildProcess;
    try {
      const env: Record<string, string> = {};
      for (const [name, value] of Object.entries(this.baseEnv)) if (value !== undefined) env[name] = value;
      Object.assign(env, plan.env);
      // Not in plan.env: the record (in the workspace) must never hold the secret.
      delete env[runSecretVariable];
      env[wrapperSecretVariable] = RunClaims.envValue(claim);
      const keepElectron = env.ELECTRON_RUN_AS_NODE !== undefined ? 'keep' : 'drop';
      wrapper = this.spawnFn(
        this.nodePath,
        [wrapperPath, this.store.startedPath(id), this.store.exitPath(id), keepElectron, '--', ...plan.argv],
        {
          cwd: plan.cwd,
          env: { ...env, ELECTRON_RUN_AS_NODE: '1' },
          detached: true,
          stdio: ['ignore', log.fd, log.fd],
        },
      );
      await new Promise<void>((resolve, reject) => {
        wrapper.once('spawn', resolve);
        wrapper.once('error', reject);
      });
    } catch (e) {
      await log.close();
      const failed = await this.records.update(id, (r) => ({
        ...r,
        status: 'failed',
        endedAt: this.now().toISOString(),
        failure: { reason: 'spawnFailed', detail: (e as Error).message },
      }));
      this.records.settle(failed ?? record);
      throw new SupervisorError(
        'spawnFailed',
        `could not start the wrapper (${this.nodePath}): ${(e as Error).message}`,
        id,
      );
    }
    wrapper.on('error', () => undefined);
    wrapper.unref();
    await log.close();
    const wrapperIdentity = wrapper.pid === undefined ? undefined : await this.identityOf(wrapper.pid);
    record =
      (await this.records.update(id, (r) => ({
        ...r,
        status: 'running',
        startedAt: this.now().toISOString(),
        ...(wrapperIdentity ? { wrapper: wrapperIdentity } : {}),
      }))) ?? record;

    const deadline = Date.now() + (this.options.startTimeoutMs ?? 10_000);
    for (;;) {
      // Liveness first: a wrapper that is gone has already written its exit file (it writes, then exits).
      const wrapperGone = wrapperIdentity === undefined || !(await this.isAlive(wrapperIdentity));
      const exit = await readJsonFile(this.store.exitPath(id), parseWrapperExit);
      if (exit?.spawnError !== undefined) {
        const ended = await this.finish(record, exit);
        throw new SupervisorError('spawnFailed', `could not start ${plan.argv[0]}: ${exit.spawnError}`, ended.id);
      }
      const started = await readJsonFile(this.store.startedPath(id), parseWrapperStarted);
      if (started !== undefined) {
        record = await this.mergeStarted(record, started);
        break;
      }
      if (exit !== undefined || wrapperGone || Date.now() > deadline) break;
      await sleep(Math.min(this.pollMs, 20));
    }
    this.ensureMonitor(id);
    return record;
  }

  /**
   * After a reload (or in another window): looks at every unfinished run of this host, marks the ones whose
   * process is gone `lost` (or records their exit, when the wrapper left one), and keeps watching the rest.
   * Runs of another host (a shared file system) are watched for their exit file only.
   */
  async reattach(): Promise<RunRecord[]> {
    const { records } = await this.store.list();
    const result: RunRecord[] = [];
    for (const r of records) {
      // Slurm jobs are followed by the SlurmScheduler: no process of this machine tells anything about them.
      if (isFinalStatus(r.status) || r.scheduler === 'slurm') continue;
      if (r.status === 'queued' && r.wrapper === undefined && !this.isStaleQueued(r)) continue;
      const checked = await this.checkRun(r.id);
      if (checked === undefined) continue;
      if (!isFinalStatus(checked.status)) this.ensureMonitor(r.id);
      result.push(checked);
    }
    return result;
  }

  /**
   * Stops a run: SIGINT to its process group, SIGTERM after the interrupt grace, SIGKILL after the terminate
   * grace, including descendants that left the group; resolves with the final record (status stopped).
   */
  async stop(id: string, options: StopOptions = {}): Promise<RunRecord> {
    if (!(this.options.mayStop ?? this.options.isTrusted)())
      throw new SupervisorError(
        'untrusted',
        'The workspace is not trusted; TiC Studio stops no processes from it.',
        id,
      );
    let record = await this.records.require(id);
    if (isFinalStatus(record.status)) return record;
    if (record.host !== this.host)
      throw new SupervisorError('otherHost', `run ${id} runs on ${record.host}; it can only be stopped there.`, id);
    // No claim, no stop: not even the stop request is written into a record TiC Studio cannot prove is its own.
    if ((await this.claims.read(id)) === undefined) {
      const refused = await proveRunOwnership(record, this.proofOptions());
      throw new SupervisorError(
        'notOwned',
        refused.outcome === 'refused'
          ? refused.message
          : 'TiC Studio has no proof that it started this run as you on this machine; nothing was signalled.',
        id,
      );
    }
    this.ensureMonitor(id);
    const deadline = Date.now() + (this.options.startTimeoutMs ?? 10_000);
    while (record.process === undefined && !isFinalStatus(record.status) && Date.now() < deadline) {
      await sleep(this.pollMs);
      record = (await this.checkRun(id)) ?? record;
    }
    const proof = await proveRunOwnership(record, this.proofOptions());
    if (proof.outcome === 'refused') throw new SupervisorError('notOwned', proof.message, id);
    record =
      (await this.records.update(id, (r) =>
        r.stopRequestedAt === undefined ? { ...r, stopRequestedAt: this.now().toISOString() } : undefined,
      )) ?? record;
    let signalsNoted: Promise<unknown> = Promise.resolve();
    if (
      proof.outcome === 'proven' &&
      record.process !== undefined &&
      record.pgid !== undefined &&
      !isFinalStatus(record.status)
    ) {
      await stopProcessTree({
        secretEntry: proof.secretEntry,
        root: record.process,
        pgid: record.pgid,
        interruptGraceMs: options.interruptGraceMs ?? this.options.interruptGraceMs ?? 10_000,
        terminateGraceMs: options.terminateGraceMs ?? this.options.terminateGraceMs ?? 10_000,
        pollMs: Math.min(this.pollMs, 100),
        procRoot: this.procRoot,
        known: [...(this.monitors.get(id)?.known ?? new Map<number, number>())].map(([pid, startTicks]) => ({
          pid,
          startTicks,
        })),
        onSignal: (signal, sent) => {
          options.onSignal?.(signal, record.pgid!);
          signalsNoted = this.records.update(id, (r) => ({ ...r, stopSignals: [...sent] })).catch(() => undefined);
        },
      });
    }
    // The run's own process may have ended (and its record with it) before workers outside its group needed
    // SIGTERM: the final record is read once the last signal is written into it.
    await signalsNoted;
    return this.waitForEnd(id);
  }

  private proofOptions() {
    return { claims: this.claims, procRoot: this.procRoot };
  }

  /** Resolves with the final record once the run has ended (watching it if nobody does yet). */
  async waitForEnd(id: string): Promise<RunRecord> {
    const record = await this.records.require(id);
    if (isFinalStatus(record.status)) return record;
    const ended = this.events.ended(id);
    this.ensureMonitor(id);
    return ended;
  }

  /**
   * Follows a run's stdout + stderr and (train) its out.log from this run's first byte (`from: 'start'`, the
   * default) or from now on (`'end'`). Works for a finished run too: it then reads what is there and ends.
   */
  follow(id: string, listener: RunLogListener, options: { from?: 'start' | 'end' } = {}): { dispose(): void } {
    return followRunWhenRead(this.records.require(id), () => this.waitForEnd(id), listener, {
      ...options,
      pollMs: this.pollMs,
    });
  }

  /** Stops watching (timers, followers' waits). Never stops a run: runs outlive the window by design. */
  dispose(): void {
    this.disposed = true;
    for (const m of this.monitors.values()) clearInterval(m.timer);
    this.monitors.clear();
    this.events.dispose();
  }

  private ensureMonitor(id: string): void {
    if (this.disposed || this.monitors.has(id)) return;
    const monitor: Monitor = {
      checking: false,
      ticks: 0,
      known: new Map(),
      timer: setInterval(() => {
        if (monitor.checking) return;
        monitor.checking = true;
        monitor.ticks++;
        void this.checkRun(id, monitor)
          .catch(() => undefined)
          .finally(() => {
            monitor.checking = false;
          });
      }, this.pollMs),
    };
    monitor.timer.unref();
    this.monitors.set(id, monitor);
  }

  /** One look at a run: merge its start, record its end, or find it gone. Returns the current record. */
  private async checkRun(id: string, monitor?: Monitor): Promise<RunRecord | undefined> {
    let record = await this.records.read(id);
    if (record === undefined) {
      this.stopMonitor(id);
      return undefined;
    }
    if (isFinalStatus(record.status)) {
      this.records.settle(record);
      return record;
    }
    if (record.process === undefined) {
      const started = await readJsonFile(this.store.startedPath(id), parseWrapperStarted);
      if (started !== undefined) record = await this.mergeStarted(record, started);
    }
    const exit = await readJsonFile(this.store.exitPath(id), parseWrapperExit);
    if (exit !== undefined) return this.finish(record, exit);
    if (record.host !== this.host) return record;
    // Written, not spawned yet (start() is between writing the record and spawning): nothing to judge.
    if (record.wrapper === undefined && record.process === undefined && !this.isStaleQueued(record)) return record;
    const runAlive = record.process !== undefined && (await this.isAlive(record.process));
    const wrapperAlive = record.wrapper !== undefined && (await this.isAlive(record.wrapper));
    if (runAlive || wrapperAlive) {
      if (runAlive && monitor !== undefined && monitor.ticks % descendantScanEveryTicks === 1)
        await this.noteDescendants(record, monitor);
      return record;
    }
    // Both gone. The wrapper writes exit.json just before it exits: look once more, then at the record again.
    const lateExit = await readJsonFile(this.store.exitPath(id), parseWrapperExit);
    if (lateExit !== undefined) return this.finish(record, lateExit);
    const gone = await this.records.update(id, (r) =>
      isFinalStatus(r.status)
        ? undefined
        : { ...r, status: r.stopRequestedAt !== undefined ? 'stopped' : 'lost', endedAt: this.now().toISOString() },
    );
    const final = gone ?? (await this.records.read(id)) ?? record;
    this.records.settle(final);
    return final;
  }

  private async finish(record: RunRecord, exit: WrapperExit): Promise<RunRecord> {
    const outcome = await readRunOutcome(record, exit);
    const final = await this.records.update(record.id, (r) => {
      if (isFinalStatus(r.status)) return undefined;
      const ended: RunRecord = { ...r, exitCode: exit.exitCode, signal: exit.signal, endedAt: exit.endedAt };
      if (exit.spawnError !== undefined)
        return { ...ended, status: 'failed', failure: { reason: 'spawnFailed', detail: exit.spawnError } };
      if (r.stopRequestedAt !== undefined) return { ...ended, status: 'stopped' };
      const failure = detectRunFailure(outcome);
      return failure === undefined ? { ...ended, status: 'succeeded' } : { ...ended, status: 'failed', failure };
    });
    const result = final ?? (await this.records.read(record.id)) ?? record;
    this.records.settle(result);
    return result;
  }

  private async mergeStarted(record: RunRecord, started: WrapperStarted): Promise<RunRecord> {
    const identity: ProcessIdentity =
      started.startTicks !== null && started.bootId !== null
        ? { pid: started.pid, startTicks: started.startTicks, bootId: started.bootId }
        : ((await this.identityOf(started.pid)) ?? { pid: started.pid, startTicks: 0, bootId: 'unknown' });
    const bootTime = await readBootTimeMs(this.procRoot);
    const processStartedAt =
      bootTime !== undefined && identity.bootId !== 'unknown'
        ? new Date(processStartMs(identity.startTicks, bootTime)).toISOString()
        : started.startedAt;
    const merged = await this.records.update(record.id, (r) =>
      r.process !== undefined
        ? undefined
        : {
            ...r,
            status: isFinalStatus(r.status) ? r.status : 'running',
            pid: started.pid,
            pgid: started.pgid,
            process: identity,
            processStartedAt,
          },
    );
    const result = merged ?? (await this.records.read(record.id)) ?? record;
    this.events.emit(result);
    return result;
  }

  private async noteDescendants(record: RunRecord, monitor: Monitor): Promise<void> {
    if (record.process === undefined) return;
    const processes = await listProcesses(this.procRoot);
    const live = new Set(processes.map((p) => `${p.pid}:${p.startTicks}`));
    for (const [pid, ticks] of monitor.known) if (!live.has(`${pid}:${ticks}`)) monitor.known.delete(pid);
    for (const d of descendantsOf(record.process.pid, processes)) monitor.known.set(d.pid, d.startTicks);
  }

  private async identityOf(pid: number): Promise<ProcessIdentity | undefined> {
    return (
      (await readProcessIdentity(pid, this.procRoot)) ??
      (processExists(pid) ? { pid, startTicks: 0, bootId: 'unknown' } : undefined)
    );
  }

  /** Same pid, start time and boot; without /proc (macOS) only "some process has this pid". */
  private async isAlive(identity: ProcessIdentity): Promise<boolean> {
    if (identity.bootId === 'unknown') return processExists(identity.pid);
    return isProcessAlive(identity, this.procRoot);
  }

  /** A record that never got a process: its window died between writing it and spawning. */
  private isStaleQueued(record: RunRecord): boolean {
    return record.host === this.host && this.now().getTime() - Date.parse(record.createdAt) > staleQueuedMs;
  }

  private async validatePlan(plan: RunPlan): Promise<void> {
    const bad = (what: string) => new SupervisorError('invalidPlan', what);
    if (plan.argv.length === 0 || plan.argv[0] === '') throw bad('argv is empty');
    if (plan.slurm !== undefined) throw bad('a Slurm plan goes to the Slurm scheduler, not to this machine');
    if (plan.id !== undefined && (!isValidRunId(plan.id) || (await this.store.read(plan.id)) !== undefined))
      throw bad(`run id ${plan.id} is not valid or is taken`);
    if (plan.argv.some((a) => typeof a !== 'string' || a.includes('\0'))) throw bad('an argument contains a NUL byte');
    if (
      Object.entries(plan.env).some(
        ([k, v]) => typeof v !== 'string' || k.includes('=') || k.includes('\0') || v.includes('\0'),
      )
    )
      throw bad('bad environment variable');
    if (!isAbsolute(plan.cwd)) throw bad(`cwd is not absolute: ${plan.cwd}`);
    const cwd = await stat(plan.cwd).catch(() => undefined);
    if (!cwd?.isDirectory()) throw bad(`cwd is not a folder: ${plan.cwd}`);
  }

  private stopMonitor(id: string): void {
    const monitor = this.monitors.get(id);
    if (monitor !== undefined) clearInterval(monitor.timer);
    this.monitors.delete(id);
  }
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The wrapper's started/exit files: a few hundred bytes; a FIFO or a huge file in their place is no answer. */
const maxWrapperFileBytes = 64 * 1024;

async function readJsonFile<T>(path: string, parse: (raw: unknown) => T | undefined): Promise<T | undefined> {
  try {
    return parse(JSON.parse(await readUntrustedText(path, maxWrapperFileBytes)));
  } catch {
    return undefined;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
