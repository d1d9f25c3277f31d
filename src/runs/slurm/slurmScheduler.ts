import { hostname as osHostname } from 'node:os';
import { followRunWhenRead, type RunLogListener } from '../runLogFollow';
import { RunEvents } from '../runEvents';
import { RunRecordKeeper } from '../runRecordKeeper';
import { isFinalStatus, isValidRunId, newRunId, queuedRecordOf, type RunRecord } from '../model/runRecord';
import { RunClaims } from '../runClaims';
import { RunRecordStore, runRecordsDir } from '../model/runRecordStore';
import type { RunScheduler } from '../runScheduler';
import { userStateDir } from '../../shared/userStateDir';
import { jobScriptSha256, writeNewJobScript, type JobScriptRead } from './jobScript';
import { sbatchScriptOfPlan } from './sbatchScript';
import { SlurmAutoResume } from './slurmAutoResume';
import type { SlurmCommands } from './slurmCommands';
import { SlurmError } from '../model/slurmError';
import { mergeJob, type SlurmJobInfo } from './slurmJobInfo';
import type { SlurmJobOptions } from '../model/slurmJobOptions';
import { slurmStateMeaning } from '../model/slurmJobState';
import { claimJob, requireRunFolder, submitGraceMs } from './slurmSubmission';
import type { RunPlan } from '../model/runPlan';

export interface SlurmSchedulerOptions {
  workspaceRoot: string;
  /** Workspace trust; nothing is submitted while it is false. */
  isTrusted: () => boolean;
  /**
   * Whether stop() may cancel jobs (still only the ones this user submitted). Default isTrusted; the CLI's
   * `tic-studio stop`, run by the user on a terminal, allows it without a trusted window.
   */
  mayStop?: () => boolean;
  /**
   * The per-user state folder (userStateDir()) where the claims are kept: which jobs this user submitted for each
   * run and the sha256 of each script. Tests pass a temporary folder.
   */
  stateDir?: string;
  commands: SlurmCommands;
  now?: () => Date;
  hostname?: () => string;
  /** The first interval between two looks at the queue. Default 15 s. */
  pollMs?: number;
  /** The longest interval the back-off reaches while nothing changes or Slurm does not answer. Default 2 min. */
  maxPollMs?: number;
  /** How often log files are read while followed. Default 500 ms. */
  logPollMs?: number;
}

/** A plan turned into its sbatch script, not submitted yet: what the user is shown before submitting. */
export interface PreparedSlurmRun {
  readonly id: string;
  readonly script: string;
  readonly scriptPath: string;
  readonly logPath: string;
}

/**
 * Runs plans as Slurm batch jobs: writes the script next to the record, submits it with `sbatch --parsable`,
 * follows every unfinished job of the workspace with ONE squeue call per look (sacct for jobs squeue has
 * forgotten), backing off while nothing changes, and cancels with scancel. What happens once a job has ended (the
 * run ends, or auto-resume submits its script again: preempted or timed-out training continues with `--resume
 * latest`, §1.4) is SlurmAutoResume's (slurmAutoResume.ts).
 *
 * All state is in the record files, as for local runs: a reload, or another window, picks the jobs up again.
 * Logs are the job's `--output` file (the record's logPath) and out.log, followed like a local run's.
 */
export class SlurmScheduler implements RunScheduler {
  readonly kind = 'slurm' as const;
  readonly store: RunRecordStore;
  /** What this user submitted, kept outside the workspace: the only proof stop() and auto-resume accept. */
  readonly claims: RunClaims;
  private readonly commands: SlurmCommands;
  private readonly now: () => Date;
  private readonly host: string;
  private readonly pollMs: number;
  private readonly maxPollMs: number;
  private readonly logPollMs: number;
  private readonly followed = new Set<string>();
  private readonly events = new RunEvents();
  private readonly records: RunRecordKeeper;
  /** What happens when a job has ended: the run ends, or its script is submitted again. */
  private readonly autoResume: SlurmAutoResume;
  private interval: number;
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private pollAgain = false;
  private disposed = false;

  constructor(private readonly options: SlurmSchedulerOptions) {
    this.store = new RunRecordStore(runRecordsDir(options.workspaceRoot));
    this.commands = options.commands;
    this.now = options.now ?? (() => new Date());
    this.host = (options.hostname ?? osHostname)();
    this.claims = new RunClaims({
      stateDir: options.stateDir ?? userStateDir(),
      workspaceRoot: options.workspaceRoot,
      host: this.host,
      now: this.now,
    });
    this.pollMs = options.pollMs ?? 15_000;
    this.maxPollMs = Math.max(this.pollMs, options.maxPollMs ?? 120_000);
    this.logPollMs = options.logPollMs ?? 500;
    this.interval = this.pollMs;
    this.records = new RunRecordKeeper({
      store: this.store,
      events: this.events,
      notFound: (id) => new SlurmError('invalidOptions', `no Slurm run record ${id}`),
      owns: (record) => record.scheduler === 'slurm',
      onSettled: (id) => this.followed.delete(id),
    });
    this.autoResume = new SlurmAutoResume({
      records: this.records,
      claims: this.claims,
      commands: this.commands,
      now: this.now,
      host: this.host,
      isTrusted: () => options.isTrusted(),
    });
  }

  onDidChangeRun(listener: (record: RunRecord) => void): { dispose(): void } {
    return this.events.onDidChangeRun(listener);
  }

  /** The script a plan would be submitted with, under a fresh run id (nothing is written). */
  prepare(plan: RunPlan, id: string = newRunId(plan.kind, this.now())): PreparedSlurmRun {
    const logPath = this.store.logPath(id);
    const script = sbatchScriptOfPlan(plan, id, logPath);
    return { id, script, scriptPath: this.store.scriptPath(id), logPath };
  }

  /**
   * Writes the script (the one prepare() shows for `plan.id`) and the record, submits. Resolves with the record
   * (queued, with its job id). Throws SlurmError (`submitRefused`, `notInstalled`, `notConfigured`…; the record
   * then says failed) or, untrusted or with a bad plan, SlurmError `invalidOptions`.
   */
  async start(plan: RunPlan): Promise<RunRecord> {
    if (!this.options.isTrusted())
      throw new SlurmError('invalidOptions', 'The workspace is not trusted; TiC Studio submits no jobs from it.');
    const options = requireSlurmOptions(plan);
    if (plan.id !== undefined && (!isValidRunId(plan.id) || (await this.store.read(plan.id)) !== undefined))
      throw new SlurmError('invalidOptions', `run id ${plan.id} is not valid or is taken`);
    const prepared = this.prepare(plan, plan.id);
    await requireRunFolder(plan.cwd);
    await this.store.ensureDir();
    // The proof before anything lands in the workspace: a claim in the per-user state folder, then the script
    // (never written through a file or link already at its path), whose sha256 the claim keeps for auto-resume.
    await this.claims.create(prepared.id).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'EEXIST') throw new SlurmError('invalidOptions', `run id ${prepared.id} is taken`);
      throw error;
    });
    const script = Buffer.from(prepared.script, 'utf8');
    await writeNewJobScript(prepared.scriptPath, prepared.script).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'EEXIST' || error.code === 'ELOOP')
        throw new SlurmError(
          'invalidOptions',
          `${prepared.scriptPath} is already there (a file or a link TiC Studio did not write); remove it and submit again`,
        );
      throw error;
    });
    await this.claims.update(prepared.id, (c) => ({
      ...c,
      slurm: { jobIds: [], scriptSha256: jobScriptSha256(script) },
    }));
    const created = this.now();
    let record: RunRecord = {
      ...(await queuedRecordOf(plan, {
        id: prepared.id,
        host: this.host,
        createdAt: created,
        logPath: prepared.logPath,
      })),
      scheduler: 'slurm',
      slurm: {
        jobIds: [],
        scriptPath: prepared.scriptPath,
        nodesRequested: plan.kind === 'train' ? options.nodes : 1,
        gpusPerNode: options.gpusPerNode,
        ...(options.partition !== undefined ? { partition: options.partition } : {}),
        autoResume: options.autoResume && plan.kind === 'train',
        maxResubmits: options.maxResubmits,
        resubmits: 0,
      },
    };
    await this.records.write(record);

    let jobId: string;
    try {
      // The bytes just written and hashed, on sbatch's stdin: not the file, which the workspace can change meanwhile.
      jobId = await this.commands.submit(script, plan.cwd);
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      const failed = await this.records.update(record.id, (r) => ({
        ...r,
        status: 'failed',
        endedAt: this.now().toISOString(),
        failure: { reason: 'submitFailed', detail },
      }));
      this.records.settle(failed ?? record);
      throw error;
    }
    const unclaimed = await claimJob(this.claims, record.id, jobId);
    record =
      (await this.records.update(record.id, (r) => ({
        ...r,
        slurm: {
          ...r.slurm!,
          jobId,
          jobIds: [...r.slurm!.jobIds, jobId],
          state: 'PENDING',
          submittedAt: this.now().toISOString(),
        },
      }))) ?? record;
    this.followed.add(record.id);
    this.pollSoon();
    if (unclaimed !== undefined)
      throw new SlurmError(
        'commandFailed',
        `Slurm job ${jobId} was submitted, but TiC Studio could not note it in ${this.claims.dir} (${unclaimed}), so it will neither cancel nor resubmit it; cancel it with scancel ${jobId} if needed.`,
      );
    return record;
  }

  /** The unfinished Slurm runs of the workspace (this window's, another's, or from before a reload). */
  async reattach(): Promise<RunRecord[]> {
    const { records } = await this.store.list();
    const result: RunRecord[] = [];
    for (const r of records) {
      if (r.scheduler !== 'slurm' || isFinalStatus(r.status)) continue;
      this.followed.add(r.id);
      result.push(r);
    }
    if (result.length > 0) this.pollSoon();
    return result;
  }

  /**
   * One look at the queue now, for the unfinished Slurm runs of the workspace (the CLI's `runs`). When Slurm does
   * not answer, resolves its error instead of writing it into the records: a read-mostly look from a host without
   * Slurm must not mark the runs a window on the login node follows.
   */
  async refresh(): Promise<{ error?: string }> {
    await this.reattach();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.polling;
    return this.poll({ recordError: false });
  }

  /**
   * Cancels the job (scancel) and resolves with the final record (status stopped). Refuses (SlurmError
   * `untrusted`) where mayStop is false, and (`notOwned`) a job this user's state folder does not list as submitted
   * by TiC Studio for this run from this workspace and host: the record alone can name anyone's job.
   */
  async stop(id: string): Promise<RunRecord> {
    if (!(this.options.mayStop ?? this.options.isTrusted)())
      throw new SlurmError(
        'untrusted',
        'The workspace is not trusted; TiC Studio cancels no Slurm job from it. Trust the workspace to stop the run, or run tic-studio stop in a terminal.',
      );
    const record = await this.records.require(id);
    if (isFinalStatus(record.status)) return record;
    if (record.slurm?.jobId !== undefined) await this.requireOwnJob(id, record.slurm.jobId);
    const requested =
      (await this.records.update(id, (r) =>
        r.stopRequestedAt === undefined ? { ...r, stopRequestedAt: this.now().toISOString() } : undefined,
      )) ?? record;
    const jobId = requested.slurm?.jobId;
    // Another window may have moved the run on to a next job meanwhile: that one must be ours too.
    if (jobId !== undefined && jobId !== record.slurm?.jobId) await this.requireOwnJob(id, jobId);
    if (jobId === undefined) {
      const stopped = await this.records.update(id, (r) =>
        isFinalStatus(r.status) ? undefined : { ...r, status: 'stopped', endedAt: this.now().toISOString() },
      );
      this.records.settle(stopped ?? requested);
      return stopped ?? requested;
    }
    this.followed.add(id);
    const ended = this.waitForEnd(id);
    try {
      await this.commands.cancel([jobId]);
    } catch (error) {
      // A job that ended meanwhile cannot be cancelled; the next look records how it ended.
      if (!(error instanceof SlurmError && /already (completing|completed)|Invalid job id/i.test(error.message)))
        throw error;
    }
    this.pollSoon();
    return ended;
  }

  async waitForEnd(id: string): Promise<RunRecord> {
    const record = await this.records.require(id);
    if (isFinalStatus(record.status)) return record;
    const ended = this.events.ended(id);
    this.followed.add(id);
    this.schedule();
    return ended;
  }

  follow(id: string, listener: RunLogListener, options: { from?: 'start' | 'end' } = {}): { dispose(): void } {
    return followRunWhenRead(this.records.require(id), () => this.waitForEnd(id), listener, {
      ...options,
      pollMs: this.logPollMs,
    });
  }

  /** The run's script as it is now (`.tic-studio/runs/<id>.sbatch`, a plain file), to show before resubmitShown. */
  currentScript(id: string): Promise<JobScriptRead> {
    return this.autoResume.currentScript(id);
  }

  /**
   * The user's answer to a run auto-resume did not resubmit (SlurmAutoResume.resubmitShown): submits `script`, the
   * bytes the user was shown, as the run's next job, and follows it. Resolves with the record, queued again.
   */
  async resubmitShown(id: string, script: Buffer): Promise<RunRecord> {
    const next = await this.autoResume.resubmitShown(id, script);
    this.followed.add(id);
    this.pollSoon();
    return next;
  }

  /** Stops looking at the queue. Never cancels a job: jobs outlive the window by design. */
  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.events.dispose();
  }

  /** Looks at the queue now and starts the back-off again from the first interval. */
  private pollSoon(): void {
    this.interval = this.pollMs;
    if (this.polling) {
      this.pollAgain = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.schedule(0);
  }

  private schedule(delay: number = this.interval): void {
    if (this.disposed || this.timer || this.polling || this.followed.size === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.polling = this.poll()
        .then(() => undefined)
        .catch(() => undefined)
        .finally(() => {
          this.polling = undefined;
          const again = this.pollAgain;
          this.pollAgain = false;
          this.schedule(again ? 0 : this.interval);
        });
    }, delay);
    this.timer.unref();
  }

  /** One look at every followed job; the interval grows by half while nothing changes, up to maxPollMs. */
  private async poll({ recordError = true } = {}): Promise<{ error?: string }> {
    const records: RunRecord[] = [];
    for (const id of [...this.followed]) {
      const record = await this.records.read(id);
      if (record === undefined || isFinalStatus(record.status)) {
        this.followed.delete(id);
        if (record) this.records.settle(record);
        continue;
      }
      records.push(record);
    }
    // A record whose window died between writing it and sbatch's answer never gets a job: it is lost.
    for (const r of records) if (r.slurm?.jobId === undefined) await this.vanished(r);
    const ids = records.flatMap((r) => (r.slurm?.jobId === undefined ? [] : [r.slurm.jobId]));
    if (ids.length === 0) return {};
    let jobs: Map<string, SlurmJobInfo>;
    try {
      jobs = await this.commands.jobs(ids);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (!recordError) return { error: message };
      for (const r of records)
        if (r.slurm?.pollError !== message)
          await this.records.update(r.id, (c) => ({ ...c, slurm: { ...c.slurm!, pollError: message } }));
      this.interval = Math.min(this.interval * 2, this.maxPollMs);
      return { error: message };
    }
    let changed = false;
    for (const record of records) {
      const jobId = record.slurm?.jobId;
      if (jobId === undefined) continue;
      const job = jobs.get(jobId);
      if (job === undefined) changed = (await this.vanished(record)) || changed;
      else changed = (await this.observe(record, job)) || changed;
    }
    this.interval = changed ? this.pollMs : Math.min(Math.round(this.interval * 1.5), this.maxPollMs);
    return {};
  }

  /** Merges what Slurm says about the record's job; returns whether anything changed. */
  private async observe(record: RunRecord, job: SlurmJobInfo): Promise<boolean> {
    const meaning = slurmStateMeaning(job.state);
    const before = record.slurm!;
    const same =
      before.state === job.state &&
      (before.reason ?? null) === job.reason &&
      (before.nodes ?? null) === job.nodes &&
      (before.restarts ?? null) === job.restarts &&
      before.pollError === undefined;
    if (meaning.phase !== 'ended') {
      if (same && record.status === meaning.status) return false;
      await this.records.update(record.id, (r) => {
        if (isFinalStatus(r.status) || r.slurm?.jobId !== job.jobId) return undefined;
        const next: RunRecord = { ...r, status: meaning.status, slurm: mergeJob(r.slurm, job) };
        if (meaning.phase === 'running' && next.startedAt === undefined)
          next.startedAt = job.startTime ?? this.now().toISOString();
        return next;
      });
      return true;
    }
    return this.autoResume.ended(record, job);
  }

  /** Throws SlurmError `notOwned` unless this user's claim on run `id` lists `jobId`. */
  private async requireOwnJob(id: string, jobId: string): Promise<void> {
    const claim = await this.claims.read(id);
    if (claim?.slurm?.jobIds.includes(jobId)) return;
    throw new SlurmError(
      'notOwned',
      `Slurm job ${jobId} was not submitted by TiC Studio as you from this workspace on this host (${this.host}), so TiC Studio does not cancel it. If it is your job, cancel it with scancel ${jobId}.`,
    );
  }

  /** squeue and sacct no longer know the job (purged after MinJobAge, no accounting): its end is unknown. */
  private async vanished(record: RunRecord): Promise<boolean> {
    const submitted = Date.parse(record.slurm?.submittedAt ?? record.createdAt);
    if (this.now().getTime() - submitted < submitGraceMs) return false;
    const final = await this.records.update(record.id, (r) =>
      isFinalStatus(r.status)
        ? undefined
        : { ...r, status: r.stopRequestedAt !== undefined ? 'stopped' : 'lost', endedAt: this.now().toISOString() },
    );
    this.records.settle(final ?? record);
    return true;
  }
}

function requireSlurmOptions(plan: RunPlan): SlurmJobOptions {
  if (plan.slurm === undefined) throw new SlurmError('invalidOptions', 'this plan has no Slurm options');
  return plan.slurm;
}
