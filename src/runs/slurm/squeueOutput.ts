import type { SlurmError } from '../model/slurmError';
import type { SlurmJobInfo } from './slurmJobInfo';
import {
  badOutput,
  catchSlurmError,
  checkReportedJobId,
  isRecord,
  jobIdsArgument,
  jsonExitStatus,
  jsonJobId,
  jsonJobs,
  jsonState,
  jsonText,
  jsonTime,
  nameText,
  nodesText,
  nonNegativeInteger,
  outputLines,
  parseJsonText,
  reasonText,
  slurmJobInfo,
  slurmTimeText,
  splitFields,
  stateFromText,
} from './slurmOutputValues';

/**
 * What squeue prints for the jobs of our runs, and how it is read back. Two forms: `--json` (structured, but its
 * shape changed in 23.02 and again in 23.11) and `--noheader --Format` (text, the same in all of them). The values
 * in them are read by slurmOutputValues.ts.
 */

/**
 * `squeue --noheader --Format=…`: each field ends in `|` (the `:|` suffix, no width, so no padding) except Name,
 * which comes last because a job name may itself contain `|` (test/fixtures/slurm/squeue-22.05-format.txt).
 */
export const squeueFormatFields = 'JobID:|,State:|,Reason:|,NodeList:|,RestartCnt:|,StartTime:|,EndTime:|,Name:';

/**
 * The argv after `squeue`. Run it with SLURM_TIME_FORMAT unset, `standard` or `%s` in its environment (any other
 * value changes how StartTime and EndTime print, and parseSqueueFormat refuses them). `--states all` keeps jobs that
 * ended a moment ago (for MinJobAge, 300 s by default) instead of only pending and running ones.
 *
 * Slurm 22.05 ignores `--jobs` and `--states` with `--json` (squeue(1): "All other formatting and filtering
 * arguments will be ignored"; seen on 22.05.8): its JSON holds every job of the cluster, so pick yours by jobId.
 */
export function squeueArgs(jobIds: readonly string[], mode: 'json' | 'format'): string[] {
  const ids = jobIdsArgument(jobIds);
  const common = ['--jobs', ids, '--states', 'all'];
  return mode === 'json' ? [...common, '--json'] : [...common, '--noheader', '--Format', squeueFormatFields];
}

/** `squeue --noheader --Format=squeueFormatFields` → the jobs, in squeue's order. */
export function parseSqueueFormat(text: string): SlurmJobInfo[] | SlurmError {
  return catchSlurmError(() => outputLines(text).map(parseFormatLine));
}

function parseFormatLine(line: string): SlurmJobInfo {
  const fields = splitFields(line, 8);
  if (fields === undefined) throw badOutput(`a squeue line without the 8 fields asked for: ${JSON.stringify(line)}`);
  const [jobId = '', state = '', reason = '', nodes = '', restarts = '', start = '', end = '', name = ''] = fields;
  return slurmJobInfo({
    jobId: checkReportedJobId(jobId.trim()),
    state: stateFromText(state),
    reason: reasonText(reason),
    nodes: nodesText(nodes),
    // squeue's text output has no exit code; sacct (or the JSON form) has.
    exitCode: null,
    signal: null,
    restarts: countText(restarts),
    startTime: slurmTimeText(start),
    endTime: slurmTimeText(end),
    name: nameText(name),
  });
}

function countText(text: string): number | null {
  const t = text.trim();
  if (t === '' || t.toUpperCase() === 'N/A') return null;
  if (!/^\d+$/.test(t)) throw badOutput(`a count that is not one: ${JSON.stringify(text)}`);
  return Number(t);
}

/**
 * `squeue --json` → the jobs. Shapes read (field names: src/plugins/openapi/v0.0.38 for 22.05, PARSER_ARRAY(JOB_INFO)
 * in src/plugins/data_parser/v0.0.39…v0.0.4x/parsers.c for 23.02 to 24.x; recorded and synthetic examples in
 * test/fixtures/slurm/): `jobs[]` with job_id, array_job_id / array_task_id / array_task_string, het_job_id /
 * het_job_offset, job_state, state_reason, nodes, exit_code, restart_cnt, start_time, end_time, name. Numbers may be
 * plain or `{set, infinite, number}`; see jsonState and jsonExitStatus for the rest.
 */
export function parseSqueueJson(text: string): SlurmJobInfo[] | SlurmError {
  return catchSlurmError(() => jsonJobs(parseJsonText(text, 'squeue'), 'squeue').map(parseJsonJob));
}

function parseJsonJob(job: unknown): SlurmJobInfo {
  if (!isRecord(job)) throw badOutput(`a squeue job that is not an object: ${JSON.stringify(job)}`);
  const { exitCode, signal } = jsonExitStatus(job.exit_code);
  return slurmJobInfo({
    jobId: jsonJobId({
      jobId: job.job_id,
      arrayJobId: job.array_job_id,
      arrayTaskId: job.array_task_id,
      arrayTasks: job.array_task_string,
      hetJobId: job.het_job_id,
      hetJobOffset: job.het_job_offset,
    }),
    state: jsonState(job.job_state),
    reason: reasonText(jsonText(job.state_reason, 'state reason')),
    nodes: nodesText(jsonText(job.nodes, 'node list')),
    exitCode,
    signal,
    restarts: nonNegativeInteger(job.restart_cnt, 'restart count'),
    startTime: jsonTime(job.start_time, 'start time'),
    endTime: jsonTime(job.end_time, 'end time'),
    name: nameText(jsonText(job.name, 'job name')),
  });
}
