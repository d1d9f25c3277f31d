import { constants } from 'node:fs';
import { mkdir, open, stat } from 'node:fs/promises';
import { hostname as osHostname } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { detectRunFailure } from '../model/runFailure';
import { followRunWhenRead, type RunLogListener } from '../runLogFollow';
import { RunEvents } from '../runEvents';
import { readRunOutcome } from '../runOutcome';
import {
  isFinalStatus,
  isValidRunId,
  newRunId,
  recordedEnv,
  RunRecordError,
  runRecordVersion,
  type RunRecord,
} from '../model/runRecord';
import { RunClaims, type RunClaim } from '../runClaims';
import { RunRecordStore, runRecordsDir } from '../model/runRecordStore';
import type { RunScheduler } from '../runScheduler';
import { userStateDir } from '../../shared/userStateDir';
import { jobScriptSha256, readJobScript, writeNewJobScript, type JobScriptRead } from './jobScript';
import { sbatchScriptOfPlan } from './sbatchScript';
import type { SlurmCommands } from './slurmCommands';
import { SlurmError } from '../model/slurmError';
import type { SlurmJobInfo } from './slurmJobInfo';
import type { SlurmJobOptions } from '../model/slurmJobOptions';
import { slurmStateMeaning } from '../model/slurmJobState';
import { resubmitDecision } from './slurmResubmit';
import type { SlurmNotResubmitted } from '../model/slurmRunInfo';
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

/** A job that vanished from squeue without accounting is given this long after submission to show up. */
const submitGraceMs = 60_000;

/**
 * Runs plans as Slurm batch jobs: writes the script next to the record, submits it with `sbatch --parsable`,
 * follows every unfinished job of the workspace with ONE squeue call per look (sacct for jobs squeue has
 * forgotten), backing off while nothing changes, cancels with scancel, and resubmits preempted or timed-out
 * training when the run asked for auto-resume (the script then continues with `--resume latest`, §1.4).
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
      version: runRecordVersion,
      id: prepared.id,
      kind: plan.kind,
      label: plan.label,
      argv: [...plan.argv],
      cwd: plan.cwd,
      env: recordedEnv(plan.env),
      host: this.host,
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
      simulated: plan.simulated ?? false,
      status: 'queued',
      createdAt: created.toISOString(),
      logPath: prepared.logPath,
    };
    if (plan.outLogPath !== undefined) {
      record.outLogPath = plan.outLogPath;
      record.outLogOffset = await stat(plan.outLogPath).then(
        (s) => s.size,
        () => 0,
      );
    }
    if (plan.outputDir !== undefined) record.outputDir = plan.outputDir;
    if (plan.parentCheckpoint !== undefined) record.parentCheckpoint = { ...plan.parentCheckpoint };
    await this.store.write(record);
    this.events.emit(record);

    let jobId: string;
    try {
      // The bytes just written and hashed, on sbatch's stdin: not the file, which the workspace can change meanwhile.
      jobId = await this.commands.submit(script, plan.cwd);
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      const failed = await this.update(record.id, (r) => ({
        ...r,
        status: 'failed',
        endedAt: this.now().toISOString(),
        failure: { reason: 'submitFailed', detail },
      }));
      this.settle(failed ?? record);
      throw error;
    }
    const unclaimed = await this.claimJob(record.id, jobId);
    record =
      (await this.update(record.id, (r) => ({
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
    const record = await this.requireRecord(id);
    if (isFinalStatus(record.status)) return record;
    if (record.slurm?.jobId !== undefined) await this.requireOwnJob(id, record.slurm.jobId);
    const requested =
      (await this.update(id, (r) =>
        r.stopRequestedAt === undefined ? { ...r, stopRequestedAt: this.now().toISOString() } : undefined,
      )) ?? record;
    const jobId = requested.slurm?.jobId;
    // Another window may have moved the run on to a next job meanwhile: that one must be ours too.
    if (jobId !== undefined && jobId !== record.slurm?.jobId) await this.requireOwnJob(id, jobId);
    if (jobId === undefined) {
      const stopped = await this.update(id, (r) =>
        isFinalStatus(r.status) ? undefined : { ...r, status: 'stopped', endedAt: this.now().toISOString() },
      );
      this.settle(stopped ?? requested);
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
    const record = await this.requireRecord(id);
    if (isFinalStatus(record.status)) return record;
    const ended = this.events.ended(id);
    this.followed.add(id);
    this.schedule();
    return ended;
  }

  follow(id: string, listener: RunLogListener, options: { from?: 'start' | 'end' } = {}): { dispose(): void } {
    return followRunWhenRead(this.requireRecord(id), () => this.waitForEnd(id), listener, {
      ...options,
      pollMs: this.logPollMs,
    });
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
      const record = await this.readRecord(id);
      if (record === undefined || isFinalStatus(record.status)) {
        this.followed.delete(id);
        if (record) this.settle(record);
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
          await this.update(r.id, (c) => ({ ...c, slurm: { ...c.slurm!, pollError: message } }));
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
      await this.update(record.id, (r) => {
        if (isFinalStatus(r.status) || r.slurm?.jobId !== job.jobId) return undefined;
        const next: RunRecord = { ...r, status: meaning.status, slurm: mergeJob(r.slurm, job) };
        if (meaning.phase === 'running' && next.startedAt === undefined)
          next.startedAt = job.startTime ?? this.now().toISOString();
        return next;
      });
      return true;
    }
    return this.ended(record, job);
  }

  /**
   * The job has ended: resubmit it (auto-resume) or record how the run ended. Returns false when this look changed
   * nothing (the job waits for a trusted window, or for another window's sbatch), so the polling backs off.
   */
  private async ended(record: RunRecord, job: SlurmJobInfo): Promise<boolean> {
    const decision = resubmitDecision({
      state: job.state,
      kind: record.kind,
      autoResume: record.slurm!.autoResume,
      resubmits: record.slurm!.resubmits,
      maxResubmits: record.slurm!.maxResubmits,
      stopRequested: record.stopRequestedAt !== undefined,
      progressed: await this.progressedSince(record),
    });
    // Submitting is launching, which only a trusted window does (the CLI's `runs` never does); and only the host
    // that submitted the run holds its claim. The record shows how this job ended, and the run goes on when a
    // trusted window on that host looks.
    if (decision.resubmit && (!this.options.isTrusted() || record.host !== this.host)) {
      const shown = await this.update(record.id, (r) =>
        isFinalStatus(r.status) || r.slurm?.jobId !== job.jobId || r.slurm.state === job.state
          ? undefined
          : { ...r, slurm: mergeJob(r.slurm, job) },
      );
      return shown !== undefined;
    }
    let abandoned = false;
    // Only the script TiC Studio wrote for this run, unchanged, for a job this user submitted: anything else is
    // shown and asked about (resubmitShown), never submitted silently.
    const script = decision.resubmit ? await this.scriptToResubmit(record, job.jobId) : undefined;
    const refused = script !== undefined && 'refused' in script ? script : undefined;
    if (decision.resubmit && script !== undefined && 'content' in script) {
      const claim = await this.claimResubmit(record, job.jobId);
      if (claim === 'ours') {
        // The record shows how this job ended before it moves on to the next one.
        await this.update(record.id, (r) =>
          isFinalStatus(r.status) ? undefined : { ...r, slurm: mergeJob(r.slurm, job) },
        );
        await this.resubmit(record, job, script.content);
        return true;
      }
      // Another window is submitting the next job right now: the next look follows that one.
      if (claim === 'theirs') return false;
      // 'abandoned': the window that claimed it never recorded a next job (it closed before sbatch answered).
      abandoned = true;
    }
    const meaning = slurmStateMeaning(job.state);
    const exit = { exitCode: job.exitCode, signal: job.signal === null ? null : `SIG${job.signal}` };
    const outcome = await readRunOutcome(record, {
      exitCode: job.exitCode ?? (meaning.status === 'succeeded' ? 0 : null),
      signal: exit.signal,
    });
    const final = await this.update(record.id, (r) => {
      // Final already, or another window has moved the run on to its next job.
      if (isFinalStatus(r.status) || r.slurm?.jobId !== job.jobId) return undefined;
      const base: RunRecord = {
        ...r,
        slurm: mergeJob(r.slurm, job),
        exitCode: exit.exitCode,
        signal: job.signal === null ? null : signalName(job.signal),
        endedAt: job.endTime ?? this.now().toISOString(),
        ...(r.startedAt === undefined && job.startTime !== null ? { startedAt: job.startTime } : {}),
      };
      if (r.stopRequestedAt !== undefined || meaning.status === 'stopped') return { ...base, status: 'stopped' };
      if (meaning.status === 'succeeded') {
        const failure = detectRunFailure(outcome);
        return failure === undefined ? { ...base, status: 'succeeded' } : { ...base, status: 'failed', failure };
      }
      // FAILED: the log says why better than the state; the other states (TIMEOUT, OUT_OF_MEMORY…) are the why.
      const fromLog = job.state === 'FAILED' ? detectRunFailure(outcome) : undefined;
      const why = `${job.state}${job.reason ? ` (${job.reason})` : ''}${job.exitCode !== null ? `, exit ${job.exitCode}` : ''}; job ${job.jobId}${abandoned ? `; not resubmitted: another window took that on and closed before it recorded the next job (squeue --me lists it if sbatch took it)` : refused ? `; ${refused.why}` : !decision.resubmit && decision.why ? `; ${decision.why}` : ''}`;
      const failed: RunRecord = { ...base, status: 'failed', failure: fromLog ?? { reason: 'slurmJob', detail: why } };
      if (refused) failed.slurm = { ...failed.slurm!, notResubmitted: refused.refused };
      return failed;
    });
    this.settle(final ?? (await this.readRecord(record.id)) ?? record);
    return true;
  }

  private async resubmit(record: RunRecord, job: SlurmJobInfo, script: Buffer): Promise<void> {
    const note = (text: string) => this.note(record.id, text);
    let jobId: string;
    try {
      jobId = await this.commands.submit(script, await requireRunFolder(record.cwd));
    } catch (error) {
      const detail = `job ${job.jobId} ended ${job.state}; resubmitting failed: ${error instanceof Error ? error.message : String(error)}`;
      await note(detail);
      const failed = await this.update(record.id, (r) => ({
        ...r,
        status: 'failed',
        slurm: mergeJob(r.slurm, job),
        endedAt: this.now().toISOString(),
        failure: { reason: 'submitFailed', detail },
      }));
      this.settle(failed ?? record);
      return;
    }
    const unclaimed = await this.claimJob(record.id, jobId);
    await note(
      `job ${job.jobId} ended ${job.state}: resubmitted as job ${jobId}, which continues the experiment with --resume latest (contracts §1.4)${unclaimed ? `; it could not be noted in TiC Studio's state folder (${unclaimed}): cancel it with scancel ${jobId} if needed` : ''}`,
    );
    await this.update(record.id, (r) => {
      const slurm = { ...r.slurm!, jobId, jobIds: [...r.slurm!.jobIds, jobId], resubmits: r.slurm!.resubmits + 1 };
      delete slurm.nodes;
      delete slurm.reason;
      return { ...r, status: 'queued', slurm: { ...slurm, state: 'PENDING', submittedAt: this.now().toISOString() } };
    });
  }

  /**
   * The script to submit again for `record`, whose job `jobId` ended: the bytes of `.tic-studio/runs/<id>.sbatch`
   * (the path derived from the run id, never the record's scriptPath, which a planted record can point at any
   * file), a plain file whose sha256 is the one the claim kept at submission, for a job the claim lists.
   */
  private async scriptToResubmit(
    record: RunRecord,
    jobId: string,
  ): Promise<{ content: Buffer } | { refused: SlurmNotResubmitted; why: string }> {
    const claim = await this.claims.read(record.id);
    if (claim?.slurm === undefined || !claim.slurm.jobIds.includes(jobId))
      return {
        refused: 'notOurs',
        why: `not resubmitted: job ${jobId} was not submitted by TiC Studio as you on this host`,
      };
    const read = await readJobScript(this.store.scriptPath(record.id));
    if ('problem' in read)
      return { refused: 'scriptUnusable', why: `not resubmitted: the job script cannot be used: ${read.detail}` };
    if (read.sha256 !== claim.slurm.scriptSha256)
      return { refused: 'scriptChanged', why: 'not resubmitted: the job script changed since it was submitted' };
    return { content: read.content };
  }

  /** The run's script as it is now (`.tic-studio/runs/<id>.sbatch`, a plain file), to show before resubmitShown. */
  currentScript(id: string): Promise<JobScriptRead> {
    if (!isValidRunId(id)) return Promise.resolve({ problem: 'missing', detail: `not a run id: ${id}` });
    return readJobScript(this.store.scriptPath(id));
  }

  /**
   * The user's answer to a run auto-resume did not resubmit (a changed script, or a run this host's state folder
   * has no claim on): submits `script`, the bytes the user was shown (currentScript), as the run's next job. The
   * claim (created if there was none: the user has taken the run on) then keeps that script's sha256 and the new
   * job, so the next auto-resume accepts this script and no other. Resolves with the record, queued again.
   */
  async resubmitShown(id: string, script: Buffer): Promise<RunRecord> {
    if (!this.options.isTrusted())
      throw new SlurmError('untrusted', 'The workspace is not trusted; TiC Studio submits no jobs from it.');
    const record = await this.requireRecord(id);
    const held = record.slurm?.notResubmitted;
    if (!isFinalStatus(record.status) || (held !== 'scriptChanged' && held !== 'notOurs'))
      throw new SlurmError('invalidOptions', `run ${id} is not waiting for a decision about its script`);
    if (record.host !== this.host)
      throw new SlurmError('notOwned', `run ${id} was submitted from ${record.host}; resubmit it there`);
    const cwd = await requireRunFolder(record.cwd);
    const sha256 = jobScriptSha256(script);
    if ((await this.claims.read(id)) === undefined)
      await this.claims.create(id).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'EEXIST')
          throw new SlurmError('notOwned', `run ${id} is claimed by another workspace or host in ${this.claims.dir}`);
        throw error;
      });
    await this.claims.update(id, (c) => ({ ...c, slurm: { jobIds: c.slurm?.jobIds ?? [], scriptSha256: sha256 } }));
    const jobId = await this.commands.submit(script, cwd);
    const unclaimed = await this.claimJob(id, jobId);
    await this.note(
      id,
      `submitted again as job ${jobId} after you reviewed its script (sha256 ${sha256})${unclaimed ? `; it could not be noted in TiC Studio's state folder (${unclaimed}): cancel it with scancel ${jobId} if needed` : ''}`,
    );
    const next = await this.update(id, (r) => {
      const again: RunRecord = { ...r, status: 'queued' };
      delete again.failure;
      delete again.endedAt;
      delete again.exitCode;
      delete again.signal;
      const slurm = { ...r.slurm!, jobId, jobIds: [...r.slurm!.jobIds, jobId], resubmits: r.slurm!.resubmits + 1 };
      delete slurm.notResubmitted;
      delete slurm.nodes;
      delete slurm.reason;
      again.slurm = { ...slurm, state: 'PENDING', submittedAt: this.now().toISOString() };
      return again;
    });
    this.followed.add(id);
    this.pollSoon();
    return next ?? record;
  }

  /** Adds a job sbatch accepted to the run's claim; resolves with why that failed, or undefined. */
  private async claimJob(id: string, jobId: string): Promise<string | undefined> {
    try {
      const claim = await this.claims.update(id, (c: RunClaim) => ({
        ...c,
        slurm: { ...c.slurm, jobIds: [...(c.slurm?.jobIds ?? []), jobId] },
      }));
      return claim === undefined ? 'the run has no claim there' : undefined;
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
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

  /** A `[tic-studio]` line in the run's console log (derived from the id; never written through a link or FIFO). */
  private async note(id: string, text: string): Promise<void> {
    await appendNote(this.store.logPath(id), `[tic-studio] ${this.now().toISOString()} ${text}\n`).catch(
      () => undefined,
    );
  }

  /**
   * Only one window resubmits a job: the one that creates this file first ('ours'). Another window that finds the
   * file leaves the job to it ('theirs'), unless the file is older than the grace a submission gets and the record
   * still follows the ended job: then the claimer died before sbatch answered ('abandoned'), and the run ends here.
   */
  private async claimResubmit(record: RunRecord, jobId: string): Promise<'ours' | 'theirs' | 'abandoned'> {
    const lock = join(this.store.dir, `${record.id}.resubmit-${jobId}`);
    try {
      await mkdir(this.store.dir, { recursive: true });
      const handle = await open(lock, 'wx');
      await handle.close();
      return 'ours';
    } catch (error) {
      // A lock that cannot be written (a read-only folder): no window can resubmit, so the run ends here.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') return 'abandoned';
      const claimed = await stat(lock).catch(() => undefined);
      if (claimed === undefined) return 'theirs';
      return this.now().getTime() - claimed.mtimeMs > submitGraceMs ? 'abandoned' : 'theirs';
    }
  }

  /** Training wrote a checkpoint during the current job (a time limit that saves nothing would only repeat). */
  private async progressedSince(record: RunRecord): Promise<boolean> {
    if (record.outputDir === undefined || record.slurm?.submittedAt === undefined) return false;
    const checkpoint = await stat(join(record.outputDir, 'checkpoints', 'epoch_latest.pt')).catch(() => undefined);
    return checkpoint !== undefined && checkpoint.mtimeMs >= Date.parse(record.slurm.submittedAt) - 2000;
  }

  /** squeue and sacct no longer know the job (purged after MinJobAge, no accounting): its end is unknown. */
  private async vanished(record: RunRecord): Promise<boolean> {
    const submitted = Date.parse(record.slurm?.submittedAt ?? record.createdAt);
    if (this.now().getTime() - submitted < submitGraceMs) return false;
    const final = await this.update(record.id, (r) =>
      isFinalStatus(r.status)
        ? undefined
        : { ...r, status: r.stopRequestedAt !== undefined ? 'stopped' : 'lost', endedAt: this.now().toISOString() },
    );
    this.settle(final ?? record);
    return true;
  }

  private async readRecord(id: string): Promise<RunRecord | undefined> {
    const result = await this.store.read(id);
    return result instanceof RunRecordError ? undefined : result;
  }

  private async requireRecord(id: string): Promise<RunRecord> {
    const record = await this.readRecord(id);
    if (record === undefined || record.scheduler !== 'slurm')
      throw new SlurmError('invalidOptions', `no Slurm run record ${id}`);
    return record;
  }

  private async update(
    id: string,
    change: (record: RunRecord) => RunRecord | undefined,
  ): Promise<RunRecord | undefined> {
    const changed = await this.store.update(id, change);
    if (changed !== undefined) this.events.emit(changed);
    return changed;
  }

  private settle(record: RunRecord): void {
    if (this.events.settle(record)) this.followed.delete(record.id);
  }
}

/** A run's folder, to submit from: absolute and a folder (a record's cwd is the workspace's word). */
async function requireRunFolder(cwd: string): Promise<string> {
  const isFolder = await stat(cwd).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!isAbsolute(cwd) || !isFolder) throw new SlurmError('invalidOptions', `the run's folder does not exist: ${cwd}`);
  return cwd;
}

/** Appends to a log that must be a plain file: O_NOFOLLOW (a planted link), O_NONBLOCK (a FIFO without a reader). */
async function appendNote(path: string, text: string): Promise<void> {
  const handle = await open(
    path,
    constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_NONBLOCK,
    0o644,
  );
  try {
    if ((await handle.stat()).isFile()) await handle.appendFile(text, 'utf8');
  } finally {
    await handle.close();
  }
}

function requireSlurmOptions(plan: RunPlan): SlurmJobOptions {
  if (plan.slurm === undefined) throw new SlurmError('invalidOptions', 'this plan has no Slurm options');
  return plan.slurm;
}

function mergeJob(info: RunRecord['slurm'], job: SlurmJobInfo): NonNullable<RunRecord['slurm']> {
  const next = { ...info!, state: job.state };
  delete next.pollError;
  if (job.reason !== null) next.reason = job.reason;
  else delete next.reason;
  if (job.nodes !== null) next.nodes = job.nodes;
  if (job.restarts !== null) next.restarts = job.restarts;
  return next;
}

const signalNames: Record<number, string> = { 1: 'SIGHUP', 2: 'SIGINT', 6: 'SIGABRT', 9: 'SIGKILL', 15: 'SIGTERM' };

function signalName(signal: number): string {
  return signalNames[signal] ?? `SIG${signal}`;
}
