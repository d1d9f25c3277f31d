import type { SlurmError } from '../model/slurmError';
import type { SlurmJobInfo } from './slurmJobInfo';
import {
  badOutput,
  catchSlurmError,
  checkReportedJobId,
  jobIdsArgument,
  nameText,
  nodesText,
  outputLines,
  reasonText,
  slurmJobInfo,
  slurmTimeText,
  splitFields,
  stateFromText,
  type ExitStatus,
} from './slurmOutputValues';

/**
 * What sacct prints about the jobs of our runs once they have left squeue (MinJobAge after they end), on clusters
 * with accounting (slurmdbd), from its `--parsable2` text. Its values are read as squeue's are (slurmOutputValues.ts).
 */

/**
 * `sacct --format=…`. All of them are fields of Slurm 22.05's sacct (the list in its sacct(1), Job Accounting
 * Fields; `sacct --helpformat` needs a working accounting storage). JobID rather than JobIDRaw: for an array task
 * JobID is `123_4`, the id TiC Studio asked for, where JobIDRaw is the task's own number. 22.05 has no Restarts field
 * (later releases added one): restarts come back null. JobName last, as it may contain the `|` delimiter.
 */
export const sacctFormatFields = 'JobID,State,ExitCode,Reason,NodeList,Start,End,JobName';

/**
 * The argv after `sacct`. Text, not `--json`: the JSON of Slurm 22.05 and 23.02 reports every normal exit as
 * return code 0 (their exit_code dumpers, _dump_job_exit_code in src/plugins/openapi/dbv0.0.38/parse.c and its
 * data_parser/v0.0.39 successor, write 0 in the WIFEXITED branch), so `exit 3` reads as success; the text says `3:0`.
 * `--allocations` leaves out the steps (`123.batch`, `123.extern`, `123.0`). With `--jobs`, the time window starts at
 * the epoch (sacct(1), `--starttime`), so old jobs are found. As for squeue, SLURM_TIME_FORMAT must be unset,
 * `standard` or `%s`.
 */
export function sacctArgs(jobIds: readonly string[]): string[] {
  return [
    '--jobs',
    jobIdsArgument(jobIds),
    '--allocations',
    '--noheader',
    '--parsable2',
    '--format',
    sacctFormatFields,
  ];
}

/**
 * sacct on a cluster without accounting storage (AccountingStorageType=accounting_storage/none) prints
 * `Slurm accounting storage is disabled` on stderr and exits 1 (recorded on 22.05.8); versions before 17.11
 * spell it `SLURM`, and data_parser versions add `. Could not query the following: [...]`.
 */
export function isAccountingDisabled(stderr: string): boolean {
  return /accounting storage is disabled/i.test(stderr);
}

/** `sacct --noheader --parsable2 --format=sacctFormatFields` → the jobs; step lines are skipped. */
export function parseSacctParsable(text: string): SlurmJobInfo[] | SlurmError {
  return catchSlurmError(() => {
    const jobs: SlurmJobInfo[] = [];
    for (const line of outputLines(text)) {
      const fields = splitFields(line, 8);
      if (fields === undefined) throw badOutput(`a sacct line without the 8 fields asked for: ${JSON.stringify(line)}`);
      const [jobId = '', state = '', exitCode = '', reason = '', nodes = '', start = '', end = '', name = ''] = fields;
      // `123.batch`, `123.extern`, `123.0`: steps, when --allocations was not given.
      if (jobId.includes('.')) continue;
      jobs.push(
        slurmJobInfo({
          jobId: checkReportedJobId(jobId.trim()),
          state: stateFromText(state),
          reason: reasonText(reason),
          nodes: nodesText(nodes),
          ...exitCodeText(exitCode),
          restarts: null,
          startTime: slurmTimeText(start),
          endTime: slurmTimeText(end),
          name: nameText(name),
        }),
      );
    }
    return jobs;
  });
}

/**
 * sacct's ExitCode, `<exit status>:<signal>` (sacct(1)): `3:0` exited with 3, `0:15` was killed by SIGTERM (its
 * exit status is then meaningless, print.c writes 0).
 */
function exitCodeText(text: string): ExitStatus {
  const m = /^(\d+):(\d+)$/.exec(text.trim());
  if (m === null) throw badOutput(`an exit code TiC Studio cannot read: ${JSON.stringify(text)}`);
  const signal = Number(m[2]);
  return signal === 0 ? { exitCode: Number(m[1]), signal: null } : { exitCode: null, signal };
}
