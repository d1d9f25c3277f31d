import { constants } from 'node:fs';
import { mkdir, open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { detectRunFailure } from '../model/runFailure';
import { isFinalStatus, isValidRunId, type RunRecord } from '../model/runRecord';
import type { RunRecordStore } from '../model/runRecordStore';
import { SlurmError } from '../model/slurmError';
import { slurmStateMeaning } from '../model/slurmJobState';
import type { SlurmNotResubmitted } from '../model/slurmRunInfo';
import type { RunClaims } from '../runClaims';
import { readRunOutcome } from '../runOutcome';
import type { RunRecordKeeper } from '../runRecordKeeper';
import { jobScriptSha256, readJobScript, type JobScriptRead } from './jobScript';
import type { SlurmCommands } from './slurmCommands';
import { mergeJob, type SlurmJobInfo } from './slurmJobInfo';
import { resubmitDecision } from './slurmResubmit';
import { claimJob, requireRunFolder, submitGraceMs } from './slurmSubmission';

export interface SlurmAutoResumeOptions {
  /** The Slurm scheduler's records: read, updated and settled here as there. */
  records: RunRecordKeeper;
  /** What this user submitted (the per-user state folder): the only proof a resubmission accepts. */
  claims: RunClaims;
  commands: SlurmCommands;
  now: () => Date;
  /** This host: only the host that submitted a run holds its claim, so only it resubmits. */
  host: string;
  /** Workspace trust; nothing is resubmitted while it is false. */
  isTrusted: () => boolean;
}

/**
 * What happens when a Slurm job of a run has ended: the run ends with how the job ended, or, when the run asked for
 * auto-resume and the end was not the job's fault, the same script is submitted again and the run goes on (it then
 * continues with `--resume latest`, contracts §1.4). Also the user's answer when auto-resume refused (a changed
 * script, a run without a claim): currentScript to show, resubmitShown to submit what was shown.
 *
 * The SlurmScheduler calls ended() from its look at the queue; watching the queue stays there.
 */
export class SlurmAutoResume {
  private readonly records: RunRecordKeeper;
  private readonly store: RunRecordStore;
  private readonly claims: RunClaims;
  private readonly commands: SlurmCommands;
  private readonly now: () => Date;
  private readonly host: string;

  constructor(private readonly options: SlurmAutoResumeOptions) {
    this.records = options.records;
    this.store = options.records.store;
    this.claims = options.claims;
    this.commands = options.commands;
    this.now = options.now;
    this.host = options.host;
  }

  /**
   * The job has ended: resubmit it (auto-resume) or record how the run ended. Returns false when this look changed
   * nothing (the job waits for a trusted window, or for another window's sbatch), so the polling backs off.
   */
  async ended(record: RunRecord, job: SlurmJobInfo): Promise<boolean> {
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
      const shown = await this.records.update(record.id, (r) =>
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
        await this.records.update(record.id, (r) =>
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
    const final = await this.records.update(record.id, (r) => {
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
    this.records.settle(final ?? (await this.records.read(record.id)) ?? record);
    return true;
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
    const record = await this.records.require(id);
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
    const unclaimed = await claimJob(this.claims, id, jobId);
    await this.note(
      id,
      `submitted again as job ${jobId} after you reviewed its script (sha256 ${sha256})${unclaimed ? `; it could not be noted in TiC Studio's state folder (${unclaimed}): cancel it with scancel ${jobId} if needed` : ''}`,
    );
    const next = await this.records.update(id, (r) => {
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
    return next ?? record;
  }

  private async resubmit(record: RunRecord, job: SlurmJobInfo, script: Buffer): Promise<void> {
    const note = (text: string) => this.note(record.id, text);
    let jobId: string;
    try {
      jobId = await this.commands.submit(script, await requireRunFolder(record.cwd));
    } catch (error) {
      const detail = `job ${job.jobId} ended ${job.state}; resubmitting failed: ${error instanceof Error ? error.message : String(error)}`;
      await note(detail);
      const failed = await this.records.update(record.id, (r) => ({
        ...r,
        status: 'failed',
        slurm: mergeJob(r.slurm, job),
        endedAt: this.now().toISOString(),
        failure: { reason: 'submitFailed', detail },
      }));
      this.records.settle(failed ?? record);
      return;
    }
    const unclaimed = await claimJob(this.claims, record.id, jobId);
    await note(
      `job ${job.jobId} ended ${job.state}: resubmitted as job ${jobId}, which continues the experiment with --resume latest (contracts §1.4)${unclaimed ? `; it could not be noted in TiC Studio's state folder (${unclaimed}): cancel it with scancel ${jobId} if needed` : ''}`,
    );
    await this.records.update(record.id, (r) => {
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

const signalNames: Record<number, string> = { 1: 'SIGHUP', 2: 'SIGINT', 6: 'SIGABRT', 9: 'SIGKILL', 15: 'SIGTERM' };

function signalName(signal: number): string {
  return signalNames[signal] ?? `SIG${signal}`;
}
