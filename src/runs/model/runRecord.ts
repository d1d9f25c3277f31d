import { stat } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { runFailureReasons, type RunFailure, type RunFailureReason } from './runFailure';
import { parseSlurmRunInfo, type SlurmRunInfo } from './slurmRunInfo';
import type { ProcessIdentity } from './processIdentity';
import type { StopSignal } from './stopSignal';
import { runKinds, type RunKind, type RunPlan } from './runPlan';

/**
 * One training, evaluation or tasklist run started by TiC Studio, kept as `<workspace>/.tic-studio/runs/<id>.json`
 * so that another window, or this one after a reload, finds it again. Written atomically by RunRecordStore and
 * parsed at the boundary by parseRunRecord (ARCHITECTURE.md rule 3).
 */

/**
 * queued: written, not started yet. running: the process is (or was, at the last look) alive. succeeded /
 * failed: it ended (failed also with exit code 0, see runFailure.ts). stopped: it ended after a stop request.
 * lost: it is gone and how it ended cannot be known (the machine rebooted, the wrapper was killed, the pid was reused).
 */
export type RunRecordStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'stopped' | 'lost';
export const runRecordStatuses: readonly RunRecordStatus[] = [
  'queued',
  'running',
  'succeeded',
  'failed',
  'stopped',
  'lost',
];

export function isFinalStatus(status: RunRecordStatus): boolean {
  return status === 'succeeded' || status === 'failed' || status === 'stopped' || status === 'lost';
}

export const runRecordVersion = 1;

/** Who runs it: a process of this machine (the supervisor), or a Slurm job (slurm/slurmScheduler.ts). */
export type RunSchedulerKind = 'local' | 'slurm';

export interface RunRecord {
  version: typeof runRecordVersion;
  id: string;
  kind: RunKind;
  label: string;
  argv: string[];
  cwd: string;
  /** Only the variables TiC Studio set for this run (the plan's env, not the inherited one); secrets redacted. */
  env: Record<string, string>;
  host: string;
  /** Absent in records written before Slurm support: local. */
  scheduler?: RunSchedulerKind;
  /** Slurm runs: the job(s), their state and the script. */
  slurm?: SlurmRunInfo;
  /** A run of the stand-in trainer/evaluator (demo, tests), not of the real tools. */
  simulated: boolean;
  status: RunRecordStatus;
  createdAt: string;
  startedAt?: string;
  endedAt?: string;
  /** The run's own process (argv[0]); it leads its process group, so pgid === pid. */
  pid?: number;
  pgid?: number;
  /** pid + /proc starttime + boot id of that process: a reused pid does not match. */
  process?: ProcessIdentity;
  /** When that process started (boot time + starttime ticks), for people. */
  processStartedAt?: string;
  /** The supervisor's wrapper process, the parent of `pid`, which writes `<id>.exit.json`. */
  wrapper?: ProcessIdentity;
  /** stdout + stderr of the run (`<id>.log` next to the record). */
  logPath: string;
  /** open_clip's `{output_dir}/{exp_name}/out.log` (train runs), appended across resumes (§1.5). */
  outLogPath?: string;
  /** The size of out.log when this run started: this run's lines start there. */
  outLogOffset?: number;
  /** Train: `{output_dir}/{exp_name}`; eval: evaluate.py's `--output_dir`. Checked after the run (runFailure.ts). */
  outputDir?: string;
  parentCheckpoint?: { path: string; sha256: string };
  exitCode?: number | null;
  signal?: string | null;
  failure?: RunFailure;
  stopRequestedAt?: string;
  /** The signals a stop had to send, in order (['SIGINT'] when the run obeyed the first). */
  stopSignals?: StopSignal[];
}

export class RunRecordError extends Error {
  override readonly name = 'RunRecordError';
  constructor(
    readonly reason: 'unreadable' | 'notJson' | 'invalid',
    message: string,
    readonly path?: string,
  ) {
    super(message);
  }
}

/** Ids are also file names: `20261128-153844-train-3f9a1c`. */
export function newRunId(
  kind: RunKind,
  now: Date = new Date(),
  random: () => string = () => randomBytes(3).toString('hex'),
): string {
  const two = (n: number) => String(n).padStart(2, '0');
  const stamp = `${now.getUTCFullYear()}${two(now.getUTCMonth() + 1)}${two(now.getUTCDate())}-${two(now.getUTCHours())}${two(now.getUTCMinutes())}${two(now.getUTCSeconds())}`;
  return `${stamp}-${kind}-${random()}`;
}

export function isValidRunId(id: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/.test(id);
}

const secretName = /TOKEN|KEY|SECRET|PASSWORD|PASSWD|CREDENTIAL|PRIVATE/i;
const secretValue = /^(hf_[A-Za-z0-9]{20,}|gh[pousr]_[A-Za-z0-9]{20,}|sk-[A-Za-z0-9_-]{20,}|AKIA[A-Z0-9]{16})$/;
export const redactedValue = '<redacted>';

/** True for a variable that may hold a secret: its name says so, or its value looks like a known token. */
export function isSecretVariable(name: string, value: string): boolean {
  return secretName.test(name) || secretValue.test(value);
}

/**
 * The variables TiC Studio set for a run (a plan's `env`, not the inherited environment), with secrets replaced
 * by `<redacted>`: the record is plain JSON in the workspace, and a token must never reach it.
 */
export function recordedEnv(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const result: Record<string, string> = {};
  for (const name of Object.keys(env).sort()) {
    const value = env[name];
    if (value === undefined) continue;
    result[name] = isSecretVariable(name, value) ? redactedValue : value;
  }
  return result;
}

/** Turns untrusted JSON into a RunRecord or says what is wrong with it. Unknown extra fields are dropped. */
export function parseRunRecord(raw: unknown): RunRecord | RunRecordError {
  const bad = (what: string) => new RunRecordError('invalid', `run record: ${what}`);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return bad('not an object');
  const r = raw as Record<string, unknown>;
  if (r.version !== runRecordVersion) return bad(`unsupported version ${JSON.stringify(r.version)}`);
  if (typeof r.id !== 'string' || !isValidRunId(r.id)) return bad('id');
  if (!runKinds.includes(r.kind as RunKind)) return bad('kind');
  if (!runRecordStatuses.includes(r.status as RunRecordStatus)) return bad('status');
  if (typeof r.label !== 'string') return bad('label');
  if (!Array.isArray(r.argv) || r.argv.length === 0 || !r.argv.every((a) => typeof a === 'string')) return bad('argv');
  if (typeof r.cwd !== 'string') return bad('cwd');
  if (!isStringMap(r.env)) return bad('env');
  if (typeof r.host !== 'string') return bad('host');
  if (typeof r.simulated !== 'boolean') return bad('simulated');
  if (!isIsoDate(r.createdAt)) return bad('createdAt');
  if (typeof r.logPath !== 'string') return bad('logPath');
  const record: RunRecord = {
    version: runRecordVersion,
    id: r.id,
    kind: r.kind as RunKind,
    label: r.label,
    argv: [...(r.argv as string[])],
    cwd: r.cwd,
    env: { ...r.env },
    host: r.host,
    simulated: r.simulated,
    status: r.status as RunRecordStatus,
    createdAt: r.createdAt,
    logPath: r.logPath,
  };
  for (const key of ['startedAt', 'endedAt', 'stopRequestedAt', 'processStartedAt'] as const) {
    if (r[key] === undefined) continue;
    if (!isIsoDate(r[key])) return bad(key);
    record[key] = r[key];
  }
  for (const key of ['pid', 'pgid', 'outLogOffset'] as const) {
    if (r[key] === undefined) continue;
    if (!isNonNegativeInteger(r[key])) return bad(key);
    record[key] = r[key];
  }
  for (const key of ['outLogPath', 'outputDir'] as const) {
    if (r[key] === undefined) continue;
    if (typeof r[key] !== 'string') return bad(key);
    record[key] = r[key];
  }
  for (const key of ['process', 'wrapper'] as const) {
    if (r[key] === undefined) continue;
    const identity = parseIdentity(r[key]);
    if (identity === undefined) return bad(key);
    record[key] = identity;
  }
  if (r.scheduler !== undefined) {
    if (r.scheduler !== 'local' && r.scheduler !== 'slurm') return bad('scheduler');
    record.scheduler = r.scheduler;
  }
  if (r.slurm !== undefined) {
    const slurm = parseSlurmRunInfo(r.slurm);
    if (slurm === undefined) return bad('slurm');
    record.slurm = slurm;
  }
  if (record.scheduler === 'slurm' && record.slurm === undefined) return bad('slurm (a Slurm run without its job)');
  if (r.parentCheckpoint !== undefined) {
    const p = r.parentCheckpoint as Record<string, unknown> | null;
    if (
      typeof p !== 'object' ||
      p === null ||
      typeof p.path !== 'string' ||
      typeof p.sha256 !== 'string' ||
      !/^[0-9a-f]{64}$/.test(p.sha256)
    ) {
      return bad('parentCheckpoint');
    }
    record.parentCheckpoint = { path: p.path, sha256: p.sha256 };
  }
  if (r.exitCode !== undefined) {
    if (r.exitCode !== null && !Number.isInteger(r.exitCode)) return bad('exitCode');
    record.exitCode = r.exitCode as number | null;
  }
  if (r.signal !== undefined) {
    if (r.signal !== null && (typeof r.signal !== 'string' || !/^SIG[A-Z0-9]+$/.test(r.signal))) return bad('signal');
    record.signal = r.signal as string | null;
  }
  if (r.stopSignals !== undefined) {
    if (
      !Array.isArray(r.stopSignals) ||
      !r.stopSignals.every((x) => x === 'SIGINT' || x === 'SIGTERM' || x === 'SIGKILL')
    )
      return bad('stopSignals');
    record.stopSignals = [...(r.stopSignals as StopSignal[])];
  }
  if (r.failure !== undefined) {
    const f = r.failure as Record<string, unknown> | null;
    if (
      typeof f !== 'object' ||
      f === null ||
      !runFailureReasons.includes(f.reason as RunFailureReason) ||
      typeof f.detail !== 'string'
    ) {
      return bad('failure');
    }
    record.failure = { reason: f.reason as RunFailureReason, detail: f.detail };
  }
  return record;
}

/** Parses the text of a record file. */
export function parseRunRecordText(text: string, path?: string): RunRecord | RunRecordError {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return new RunRecordError('notJson', `run record is not JSON: ${(e as Error).message}`, path);
  }
  const parsed = parseRunRecord(raw);
  if (parsed instanceof RunRecordError) return new RunRecordError(parsed.reason, parsed.message, path);
  return parsed;
}

function parseIdentity(raw: unknown): ProcessIdentity | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const r = raw as Record<string, unknown>;
  if (!isNonNegativeInteger(r.pid) || !isNonNegativeInteger(r.startTicks) || typeof r.bootId !== 'string')
    return undefined;
  return { pid: r.pid, startTicks: r.startTicks, bootId: r.bootId };
}

function isStringMap(value: unknown): value is Record<string, string> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((v) => typeof v === 'string')
  );
}

function isNonNegativeInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

function isIsoDate(value: unknown): value is string {
  return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(value) && !Number.isNaN(Date.parse(value));
}

/**
 * The first record of a run, as both schedulers write it before starting or submitting (status queued): what the
 * plan says, with its env redacted, and where this run's lines start in an out.log that earlier runs appended to.
 */
export async function queuedRecordOf(
  plan: RunPlan,
  fields: { id: string; host: string; createdAt: Date; logPath: string },
): Promise<RunRecord> {
  const record: RunRecord = {
    version: runRecordVersion,
    id: fields.id,
    kind: plan.kind,
    label: plan.label,
    argv: [...plan.argv],
    cwd: plan.cwd,
    env: recordedEnv(plan.env),
    host: fields.host,
    simulated: plan.simulated ?? false,
    status: 'queued',
    createdAt: fields.createdAt.toISOString(),
    logPath: fields.logPath,
  };
  if (plan.outLogPath !== undefined) {
    record.outLogPath = plan.outLogPath;
    record.outLogOffset = await stat(plan.outLogPath).then(
      (st) => st.size,
      () => 0,
    );
  }
  if (plan.outputDir !== undefined) record.outputDir = plan.outputDir;
  if (plan.parentCheckpoint !== undefined) record.parentCheckpoint = { ...plan.parentCheckpoint };
  return record;
}
