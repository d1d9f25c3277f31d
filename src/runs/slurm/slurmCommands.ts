import { execFile } from 'node:child_process';
import { isAccountingDisabled, parseSacctParsable, sacctArgs } from './sacctOutput';
import { SlurmError } from '../model/slurmError';
import type { SlurmJobInfo } from './slurmJobInfo';
import { parseSqueueFormat, parseSqueueJson, squeueArgs } from './squeueOutput';

export interface ExecResult {
  stdout: string;
  stderr: string;
  /** The exit code; null when killed (timeout). */
  code: number | null;
  /** ENOENT and friends: the program could not be started. */
  spawnError?: NodeJS.ErrnoException;
}

export type ExecFn = (
  file: string,
  args: readonly string[],
  options: { cwd?: string; env: NodeJS.ProcessEnv; timeoutMs: number; input?: Buffer },
) => Promise<ExecResult>;

export interface SlurmCommandsOptions {
  /** The environment of the Slurm commands (SLURM_CONF, PATH…). Default process.env. */
  env?: Readonly<Record<string, string | undefined>>;
  exec?: ExecFn;
  /** Per command. squeue with a bad SLURM_CONF retries for 60 s before it gives up. Default 30 s. */
  timeoutMs?: number;
}

/** Messages of a client that cannot find its configuration or controller (Slurm 22.05–24.x wording). */
const notConfigured =
  /Could not establish a configuration source|Unable to process configuration file|Unable to contact slurm controller|cannot stat file .*slurm|Connection refused|Zero Bytes were transmitted or received/i;

/**
 * The Slurm client commands, run with an argv (never a shell) and a timeout, their failures sorted into
 * SlurmError reasons. One squeue call asks for every job followed (a login node must not be hammered), as JSON
 * where the client has it (`--json`, 21.08+) and a fixed `--Format` otherwise; jobs that have left squeue (after
 * MinJobAge) are looked up with sacct's parsable text where the cluster keeps accounting.
 */
export class SlurmCommands {
  private readonly env: NodeJS.ProcessEnv;
  private readonly exec: ExecFn;
  private readonly timeoutMs: number;
  /** squeue --json exists from 21.08; older clients, or a data_parser that fails, fall back to --Format. */
  private queueMode: 'json' | 'format' = 'json';
  /** sacct's parsable text is read by every version alike; `disabled` once it says there is no accounting. */
  private accountingMode: 'parsable' | 'disabled' = 'parsable';

  constructor(options: SlurmCommandsOptions = {}) {
    this.env = { ...(options.env ?? process.env) };
    this.exec = options.exec ?? execFileResult;
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  /**
   * `sbatch --parsable` with the script's bytes on its standard input (sbatch reads the script from stdin when it
   * is given no file): what is submitted is exactly what the caller checked, never a file that can change on disk
   * between the check and sbatch's read (jobScript.ts). Resolves with the job id (`123`, or `123;cluster` on a
   * federation → `123`).
   */
  async submit(script: Buffer | string, cwd: string): Promise<string> {
    const input = typeof script === 'string' ? Buffer.from(script, 'utf8') : script;
    const result = await this.run('sbatch', ['--parsable'], cwd, this.timeoutMs, input);
    if (result.code !== 0) throw this.failure('sbatch', result, 'submitRefused');
    const id = result.stdout.trim().split(/\r?\n/).pop()?.split(';')[0]?.trim() ?? '';
    if (!/^\d+(_\d+)?$/.test(id))
      throw new SlurmError(
        'badOutput',
        `sbatch --parsable printed ${JSON.stringify(result.stdout.trim())}, not a job id`,
      );
    return id;
  }

  /** `scancel <ids>`: Slurm signals every step (SIGTERM, then SIGKILL after KillWait). */
  async cancel(jobIds: readonly string[]): Promise<void> {
    if (jobIds.length === 0) return;
    const result = await this.run('scancel', [...jobIds]);
    if (result.code !== 0) throw this.failure('scancel', result, 'commandFailed');
  }

  /** The partitions this cluster offers (`sinfo`), default first: also the check that Slurm answers at all. */
  async partitions(): Promise<{ name: string; isDefault: boolean; available: boolean }[]> {
    // Asked before every launch form: a client with a wrong SLURM_CONF retries for a minute, so give up sooner.
    const result = await this.run(
      'sinfo',
      ['--noheader', '--format', '%P|%a'],
      undefined,
      Math.min(this.timeoutMs, 8000),
    );
    if (result.code !== 0) throw this.failure('sinfo', result, 'commandFailed');
    const seen = new Map<string, { name: string; isDefault: boolean; available: boolean }>();
    for (const line of result.stdout.split(/\r?\n/)) {
      const [raw, avail] = line.trim().split('|');
      if (!raw) continue;
      const name = raw.replace(/\*$/, '');
      if (!seen.has(name)) seen.set(name, { name, isDefault: raw.endsWith('*'), available: avail === 'up' });
    }
    return [...seen.values()].sort((a, b) => Number(b.isDefault) - Number(a.isDefault));
  }

  /**
   * What Slurm knows of these jobs now: squeue (running, pending and recently ended jobs), then sacct for the ones
   * squeue has forgotten. A job neither knows is absent from the map.
   */
  async jobs(jobIds: readonly string[]): Promise<Map<string, SlurmJobInfo>> {
    const found = new Map<string, SlurmJobInfo>();
    if (jobIds.length === 0) return found;
    for (const job of await this.queue(jobIds)) if (jobIds.includes(job.jobId)) found.set(job.jobId, job);
    const missing = jobIds.filter((id) => !found.has(id));
    if (missing.length > 0 && this.accountingMode !== 'disabled') {
      for (const job of await this.accounting(missing)) if (missing.includes(job.jobId)) found.set(job.jobId, job);
    }
    return found;
  }

  private async queue(jobIds: readonly string[]): Promise<SlurmJobInfo[]> {
    if (this.queueMode === 'json') {
      const result = await this.run('squeue', squeueArgs(jobIds, 'json'));
      if (result.code === 0) {
        // Slurm 22.05's --json ignores --jobs and lists every job: jobs() keeps the ones asked for.
        const parsed = parseSqueueJson(result.stdout);
        if (!(parsed instanceof SlurmError)) return parsed;
      } else if (invalidJobIds(result)) {
        return [];
      } else if (notConfigured.test(result.stderr)) {
        throw this.failure('squeue', result, 'commandFailed');
      }
      this.queueMode = 'format';
    }
    const result = await this.run('squeue', squeueArgs(jobIds, 'format'));
    // Every id asked for has left the controller's memory: squeue says so and exits 1.
    if (result.code !== 0 && invalidJobIds(result)) return [];
    if (result.code !== 0) throw this.failure('squeue', result, 'commandFailed');
    const parsed = parseSqueueFormat(result.stdout);
    if (parsed instanceof SlurmError) throw parsed;
    return parsed;
  }

  private async accounting(jobIds: readonly string[]): Promise<SlurmJobInfo[]> {
    const result = await this.run('sacct', sacctArgs(jobIds));
    if (result.code !== 0 || isAccountingDisabled(result.stderr)) {
      if (isAccountingDisabled(result.stderr) || isAccountingDisabled(result.stdout)) {
        this.accountingMode = 'disabled';
        return [];
      }
      throw this.failure('sacct', result, 'commandFailed');
    }
    const parsed = parseSacctParsable(result.stdout);
    if (parsed instanceof SlurmError) throw parsed;
    return parsed;
  }

  private async run(
    program: string,
    args: readonly string[],
    cwd?: string,
    timeoutMs: number = this.timeoutMs,
    input?: Buffer,
  ): Promise<ExecResult> {
    // Times as epoch seconds: squeue/sacct text otherwise prints the cluster's local time without a zone. Only for
    // the queries: sbatch passes its environment on to the job, which must not inherit this.
    const query = program === 'squeue' || program === 'sacct';
    const result = await this.exec(program, args, {
      env: query ? { ...this.env, SLURM_TIME_FORMAT: '%s' } : this.env,
      timeoutMs,
      ...(cwd ? { cwd } : {}),
      ...(input ? { input } : {}),
    });
    if (result.spawnError?.code === 'ENOENT')
      throw new SlurmError(
        'notInstalled',
        `${program} was not found on PATH: this machine is not a Slurm submit host (or the Slurm module is not loaded)`,
      );
    if (result.spawnError) throw new SlurmError('commandFailed', `${program}: ${result.spawnError.message}`);
    if (result.code === null)
      throw new SlurmError('timeout', `${program} did not answer within ${Math.round(timeoutMs / 1000)} s`);
    return result;
  }

  private failure(program: string, result: ExecResult, otherwise: 'submitRefused' | 'commandFailed'): SlurmError {
    const message = lastLines(result.stderr || result.stdout) || `exit ${result.code}`;
    if (notConfigured.test(result.stderr))
      return new SlurmError('notConfigured', `${program} cannot reach a Slurm controller: ${message}`);
    return new SlurmError(otherwise, `${program}: ${message}`);
  }
}

function invalidJobIds(result: ExecResult): boolean {
  return /Invalid job id specified/i.test(result.stderr);
}

function lastLines(text: string): string {
  return text.trim().split(/\r?\n/).slice(-3).join(' ').slice(0, 500);
}

/** child_process.execFile as an ExecResult that never rejects; `input` is written to its stdin, then closed. */
export const execFileResult: ExecFn = (file, args, options) =>
  new Promise((resolve) => {
    const child = execFile(
      file,
      [...args],
      { cwd: options.cwd, env: options.env, timeout: options.timeoutMs, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const e = error as (NodeJS.ErrnoException & { code?: number | string; killed?: boolean }) | null;
        if (e && typeof e.code === 'string') {
          resolve({ stdout: String(stdout), stderr: String(stderr), code: null, spawnError: e });
          return;
        }
        const code = e === null ? 0 : e.killed ? null : typeof e.code === 'number' ? e.code : null;
        resolve({ stdout: String(stdout), stderr: String(stderr), code });
      },
    );
    if (options.input !== undefined) {
      // A program that exits without reading its input closes the pipe: EPIPE is its answer, not ours to throw.
      child.stdin?.on('error', () => undefined);
      child.stdin?.end(options.input);
    }
  });
