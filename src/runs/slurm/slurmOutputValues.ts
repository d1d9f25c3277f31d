import { SlurmError } from '../model/slurmError';
import type { SlurmJobInfo } from './slurmJobInfo';
import { parseSlurmState, slurmStateMeaning, type SlurmJobState } from '../model/slurmJobState';

/**
 * The values in what squeue and sacct print, and how each is read: job ids, states, times, exit statuses, in their
 * text encodings (squeue and sacct) and JSON ones (squeue only: sacct is read as text, see sacctArgs).
 * squeueOutput.ts and sacctOutput.ts put them together into jobs.
 */

/** The ids TiC Studio asks about: what `sbatch --parsable` printed (a job, or one task of an array). */
const requestableJobId = /^\d+(_\d+)?$/;

/** The job ids in argv form, `1,2,3`; throws SlurmError('invalidOptions') for none or a malformed one. */
export function jobIdsArgument(jobIds: readonly string[]): string {
  if (jobIds.length === 0) throw new SlurmError('invalidOptions', 'No Slurm job id to look up.');
  for (const id of jobIds) {
    if (!requestableJobId.test(id)) throw new SlurmError('invalidOptions', `Not a Slurm job id: ${JSON.stringify(id)}`);
  }
  return jobIds.join(',');
}

/**
 * A job id as squeue and sacct print it: `123`, an array task `123_4`, the tasks of an array still pending together
 * `123_[5-9%2]`, a component of a heterogeneous job `123+1`.
 */
const reportedJobId = /^\d+(?:_\d+|_\[[\d,\-%:]+\]|\+\d+)?$/;

export function checkReportedJobId(text: string): string {
  if (!reportedJobId.test(text)) throw badOutput(`a job id that is not one: ${JSON.stringify(text)}`);
  return text;
}

/** The decoders throw this; the parse functions catch it and return it (ARCHITECTURE.md rule 3: no throw out). */
export function badOutput(what: string): SlurmError {
  return new SlurmError('badOutput', `Slurm printed ${what}.`);
}

/** Runs a decoder, turning the SlurmError it throws into the value returned. */
export function catchSlurmError<T>(decode: () => T): T | SlurmError {
  try {
    return decode();
  } catch (e) {
    if (e instanceof SlurmError) return e;
    throw e;
  }
}

/** The text of a state, or badOutput naming it: a job in a state we cannot read must not look gone. */
export function stateFromText(text: string): SlurmJobState {
  const state = parseSlurmState(text);
  if (state === undefined) throw badOutput(`a job state TiC Studio does not know: ${JSON.stringify(text)}`);
  return state;
}

/** What a job reports, before dropping what Slurm only projects (see SlurmJobInfo). */
export function slurmJobInfo(reported: SlurmJobInfo): SlurmJobInfo {
  const { phase } = slurmStateMeaning(reported.state);
  return {
    ...reported,
    exitCode: phase === 'ended' ? reported.exitCode : null,
    signal: phase === 'ended' ? reported.signal : null,
    startTime: phase === 'pending' ? null : reported.startTime,
    endTime: phase === 'ended' ? reported.endTime : null,
  };
}

/** Slurm's words for "no value" in text output. */
const blankTimes = new Set(['', 'N/A', 'NONE', 'UNKNOWN', '0']);
const standardTime = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/;

/**
 * A StartTime / EndTime / Start / End field → ISO 8601 UTC, or null when Slurm has none. The standard form
 * (`2026-11-28T21:30:22`) is the local time of the squeue or sacct process, without a zone: it is read in the time
 * zone of this process, which is right when they run on this machine with the same TZ, and wrong when they run
 * elsewhere (over ssh on a login node in another zone). With SLURM_TIME_FORMAT=%s they print seconds since the
 * epoch instead, which need no zone at all (test/fixtures/slurm/squeue-22.05-last-epoch-format.txt).
 */
export function slurmTimeText(text: string): string | null {
  const t = text.trim();
  if (blankTimes.has(t.toUpperCase())) return null;
  if (/^\d+$/.test(t)) return epochSeconds(Number(t));
  const m = standardTime.exec(t);
  if (m === null) throw badOutput(`a time TiC Studio cannot read: ${JSON.stringify(text)} (is SLURM_TIME_FORMAT set?)`);
  const [year = NaN, month = NaN, day = NaN, hour = NaN, minute = NaN, second = NaN] = m.slice(1).map(Number);
  const local = new Date(year, month - 1, day, hour, minute, second);
  // Date rolls 2026-02-31 over to March: such a text is not a time. (A wall time skipped by a DST change moves by
  // an hour instead, which is the best reading of it.)
  if (local.getFullYear() !== year || local.getMonth() !== month - 1 || local.getDate() !== day) {
    throw badOutput(`a date that does not exist: ${JSON.stringify(text)}`);
  }
  return local.toISOString();
}

/** Seconds since the epoch → ISO 8601 UTC; 0 (Slurm's "not set") and values past what Date holds → null. */
function epochSeconds(seconds: number): string | null {
  if (!Number.isSafeInteger(seconds) || seconds < 0) throw badOutput(`a time that is not one: ${seconds}`);
  if (seconds === 0 || seconds > 8.64e12) return null;
  return new Date(seconds * 1000).toISOString();
}

/** `None` (squeue's and sacct's "no reason") and '' → null. */
export function reasonText(text: string): string | null {
  const t = text.trim();
  return t === '' || t === 'None' ? null : t;
}

/** '', `(null)` (squeue) and `None assigned` (sacct, a job that never got nodes) → null. */
export function nodesText(text: string): string | null {
  const t = text.trim();
  return t === '' || t === '(null)' || t === 'None assigned' ? null : t;
}

export function nameText(text: string): string | null {
  return text === '' ? null : text;
}

/** The first `count - 1` `|` separate fields; the last field is the rest of the line, `|` included. */
export function splitFields(line: string, count: number): string[] | undefined {
  const fields: string[] = [];
  let rest = line;
  for (let i = 1; i < count; i++) {
    const at = rest.indexOf('|');
    if (at < 0) return undefined;
    fields.push(rest.slice(0, at));
    rest = rest.slice(at + 1);
  }
  fields.push(rest);
  return fields;
}

/** The non-blank lines of a command's output, without their `\r`. */
export function outputLines(text: string): string[] {
  return text
    .split('\n')
    .map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line))
    .filter((line) => line.trim() !== '');
}

// ---- JSON ----------------------------------------------------------------------------------------------------

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** JSON text → the value, or badOutput. */
export function parseJsonText(text: string, command: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw badOutput(`${command} output that is not JSON: ${JSON.stringify(text.slice(0, 80))}`);
  }
}

/**
 * The `jobs` array of Slurm's JSON, which puts Slurm's errors in an `errors` list (objects with an `error` and, from
 * 23.02's data_parser on, a `description`; empty in every recorded fixture): a non-empty one means the command
 * itself failed.
 */
export function jsonJobs(root: unknown, command: string): unknown[] {
  if (!isRecord(root)) throw badOutput(`${command} JSON that is not an object`);
  const errors = root.errors;
  if (Array.isArray(errors) && errors.length > 0) {
    const words = errors.map((e) =>
      isRecord(e) ? [e.description, e.error].filter((w) => typeof w === 'string' && w !== '').join(': ') : String(e),
    );
    throw new SlurmError('commandFailed', `${command}: ${words.join('; ')}`);
  }
  if (!Array.isArray(root.jobs)) throw badOutput(`${command} JSON without a "jobs" list`);
  return root.jobs;
}

/** Slurm's "not set" (NO_VAL) and "unlimited" (INFINITE) in the 32-bit fields that older versions print as is. */
const noVal32 = 0xfffffffe;

/**
 * A number field, in either of its encodings: a plain number (22.05, and the fields 23.02+ did not convert), or the
 * `{set, infinite, number}` object of data_parser's *_NO_VAL types (23.02+: openapi_release_notes/slurm-23.02.html
 * "Switch integer to have NO_VAL tagging"). null, unset and infinite → null. `what` names it in errors.
 */
function noValNumber(value: unknown, what: string): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw badOutput(`a ${what} that is not a number: ${value}`);
    return value >= noVal32 && value <= 0xffffffff ? null : value;
  }
  if (isRecord(value) && typeof value.set === 'boolean') {
    if (!value.set || value.infinite === true) return null;
    if (typeof value.number !== 'number' || !Number.isFinite(value.number)) {
      throw badOutput(`a ${what} without its number: ${JSON.stringify(value)}`);
    }
    return value.number;
  }
  throw badOutput(`a ${what} of an unknown shape: ${JSON.stringify(value)}`);
}

export function nonNegativeInteger(value: unknown, what: string): number | null {
  const n = noValNumber(value, what);
  if (n !== null && (!Number.isSafeInteger(n) || n < 0)) throw badOutput(`a ${what} that is not a count: ${n}`);
  return n;
}

/** A string field; absent or null → ''. */
export function jsonText(value: unknown, what: string): string {
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') throw badOutput(`a ${what} that is not text: ${JSON.stringify(value)}`);
  return value;
}

export function jsonTime(value: unknown, what: string): string | null {
  const seconds = nonNegativeInteger(value, what);
  return seconds === null ? null : epochSeconds(seconds);
}

export interface ExitStatus {
  readonly exitCode: number | null;
  readonly signal: number | null;
}

const noExitStatus: ExitStatus = { exitCode: null, signal: null };

/**
 * A raw wait(2) status, as slurmctld keeps it (`exit_code` of squeue --json before 23.11: 768 is exit 3, 15 is
 * SIGTERM): low 7 bits the signal, the next 8 the exit status.
 */
function waitStatus(status: number): ExitStatus {
  if (!Number.isSafeInteger(status) || status < 0) throw badOutput(`an exit status that is not one: ${status}`);
  const signal = status % 128;
  if (signal === 0) return { exitCode: Math.floor(status / 256) % 256, signal: null };
  // 0x7f in the low bits is a stopped process (WIFSTOPPED), not an ended one.
  return signal === 0x7f ? noExitStatus : { exitCode: null, signal };
}

/**
 * `exit_code` of squeue --json in any version: a raw wait status (22.05 to 23.02.3), the same in a NO_VAL object
 * (23.02.4+, openapi_release_notes/slurm-23.02.html "Tag … exit_code as UINT32_NO_VAL"), or data_parser's
 * PROCESS_EXIT_CODE_VERBOSE (23.11+, slurm-23.11.html "Swap job exit codes to verbose output"):
 * `{status: ["SUCCESS" | "ERROR" | "SIGNALED" | "CORE_DUMPED" | "PENDING" | "INVALID"], return_code: NO_VAL,
 * signal: {id: NO_VAL, name}}` (proc_exit_code_status_t in src/plugins/data_parser/v0.0.4x/parsers.c).
 */
export function jsonExitStatus(value: unknown): ExitStatus {
  if (value === undefined || value === null) return noExitStatus;
  if (isRecord(value) && ('return_code' in value || 'status' in value || 'signal' in value)) {
    return verboseExitStatus(value);
  }
  const raw = nonNegativeInteger(value, 'exit code');
  return raw === null ? noExitStatus : waitStatus(raw);
}

function verboseExitStatus(value: Record<string, unknown>): ExitStatus {
  const exitCode = nonNegativeInteger(value.return_code, 'exit code');
  let signal: number | null = null;
  if (value.signal !== undefined && value.signal !== null) {
    if (!isRecord(value.signal)) throw badOutput(`an exit signal of an unknown shape: ${JSON.stringify(value.signal)}`);
    signal = nonNegativeInteger(value.signal.id, 'signal');
  }
  // A signal ended the process: whatever return code came with it is not the script's.
  return signal !== null && signal !== 0 ? { exitCode: null, signal } : { exitCode, signal: null };
}

/**
 * Flags that data_parser (23.11+) lists in a job's state array, in the order job_state_string() lets them win over
 * the base state: squeue's text output shows the first one present instead of the base state, and so do we.
 */
const flagPrecedence: readonly SlurmJobState[] = [
  'COMPLETING',
  'STAGE_OUT',
  'CONFIGURING',
  'RESIZING',
  'REQUEUED',
  'REQUEUE_FED',
  'REQUEUE_HOLD',
  'SPECIAL_EXIT',
  'STOPPED',
  'REVOKED',
  'RESV_DEL_HOLD',
  'SIGNALING',
];

/** Flags in that array that job_state_string() never shows: they say nothing about where the job is. */
const silentFlags = new Set(['LAUNCH_FAILED', 'UPDATE_DB', 'RECONFIG_FAIL', 'POWER_UP_NODE', 'EXPEDITING']);

/**
 * A job state in JSON: one string (22.05's openapi/v0.0.38 and 23.02's data_parser/v0.0.39 print
 * job_state_string()), or the list of the base state and its flags (data_parser v0.0.40+, Slurm 23.11+:
 * `["PENDING", "REQUEUED"]`), read as squeue's text output would show it.
 */
export function jsonState(value: unknown): SlurmJobState {
  if (typeof value === 'string') return stateFromText(value);
  if (!Array.isArray(value) || value.length === 0) {
    throw badOutput(`a job state of an unknown shape: ${JSON.stringify(value)}`);
  }
  const states: SlurmJobState[] = [];
  for (const entry of value) {
    if (typeof entry !== 'string') throw badOutput(`a job state that is not text: ${JSON.stringify(entry)}`);
    if (!silentFlags.has(entry)) states.push(stateFromText(entry));
  }
  const shown = flagPrecedence.find((flag) => states.includes(flag)) ?? states[0];
  if (shown === undefined) throw badOutput(`a job state with no state in it: ${JSON.stringify(value)}`);
  return shown;
}

/**
 * A job id from JSON, written the way squeue and sacct write it in text: `<array job>_<task>` for an array task,
 * `<array job>_[<tasks>]` for tasks pending together, `<het job>+<offset>` for a heterogeneous component.
 */
export function jsonJobId(parts: {
  jobId: unknown;
  arrayJobId: unknown;
  arrayTaskId: unknown;
  arrayTasks: unknown;
  hetJobId: unknown;
  hetJobOffset: unknown;
}): string {
  const jobId = nonNegativeInteger(parts.jobId, 'job id');
  if (jobId === null) throw badOutput('a job without its job id');
  const arrayJobId = nonNegativeInteger(parts.arrayJobId, 'array job id');
  if (arrayJobId !== null && arrayJobId > 0) {
    const task = nonNegativeInteger(parts.arrayTaskId, 'array task id');
    if (task !== null) return checkReportedJobId(`${arrayJobId}_${task}`);
    const tasks = jsonText(parts.arrayTasks, 'array task list');
    if (tasks !== '') return checkReportedJobId(`${arrayJobId}_[${tasks}]`);
  }
  const hetJobId = nonNegativeInteger(parts.hetJobId, 'het job id');
  if (hetJobId !== null && hetJobId > 0) {
    return checkReportedJobId(`${hetJobId}+${nonNegativeInteger(parts.hetJobOffset, 'het job offset') ?? 0}`);
  }
  return String(jobId);
}
