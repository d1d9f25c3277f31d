import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  isAccountingDisabled,
  parseSacctParsable,
  sacctArgs,
  sacctFormatFields,
} from '../../../../src/runs/slurm/sacctOutput';
import { SlurmError } from '../../../../src/runs/model/slurmError';
import type { SlurmJobInfo } from '../../../../src/runs/slurm/slurmJobInfo';

const fixtures = join(__dirname, '../../../fixtures/slurm');
const fixture = (name: string) => readFileSync(join(fixtures, name), 'utf8');

function jobs(result: SlurmJobInfo[] | SlurmError): SlurmJobInfo[] {
  if (result instanceof SlurmError) assert.fail(`${result.reason}: ${result.message}`);
  return result;
}

function badOutput(result: SlurmJobInfo[] | SlurmError, mentions?: string): void {
  assert.ok(result instanceof SlurmError, 'expected a SlurmError');
  assert.equal(result.reason, 'badOutput');
  if (mentions !== undefined) assert.ok(result.message.includes(mentions), result.message);
}

/** test/fixtures/slurm/synthetic-sacct-22.05-parsable.txt, read by hand (times in UTC; sacct has no restart count). */
const parsable: SlurmJobInfo[] = [
  {
    jobId: '101',
    state: 'COMPLETED',
    reason: null,
    nodes: 'gpu[01-02]',
    exitCode: 0,
    signal: null,
    restarts: null,
    startTime: '2026-11-28T10:00:00.000Z',
    endTime: '2026-11-28T12:00:00.000Z',
    name: 'train 2016',
  },
  {
    jobId: '102',
    state: 'CANCELLED',
    reason: null,
    nodes: 'gpu03',
    exitCode: null,
    signal: 15,
    restarts: null,
    startTime: '2026-11-28T10:00:05.000Z',
    endTime: '2026-11-28T10:30:00.000Z',
    name: 'eval|with|pipes',
  },
  {
    jobId: '103',
    state: 'FAILED',
    reason: 'NonZeroExitCode',
    nodes: 'gpu04',
    exitCode: 3,
    signal: null,
    restarts: null,
    startTime: '2026-11-28T11:00:00.000Z',
    endTime: '2026-11-28T11:00:42.000Z',
    name: 'train 2017',
  },
  {
    jobId: '104',
    state: 'PENDING',
    reason: 'Priority',
    nodes: null,
    exitCode: null,
    signal: null,
    restarts: null,
    startTime: null,
    endTime: null,
    name: 'train 2018',
  },
  {
    jobId: '105',
    state: 'TIMEOUT',
    reason: 'TimeLimit',
    nodes: 'gpu[05-08]',
    exitCode: null,
    signal: 15,
    restarts: null,
    startTime: '2026-11-27T22:00:00.000Z',
    endTime: '2026-11-28T22:00:10.000Z',
    name: 'train 2019',
  },
  {
    jobId: '106',
    state: 'RUNNING',
    reason: null,
    nodes: 'gpu09',
    exitCode: null,
    signal: null,
    restarts: null,
    startTime: '2026-11-28T21:00:00.000Z',
    endTime: null,
    name: 'train 2020',
  },
  {
    jobId: '107_3',
    state: 'NODE_FAIL',
    reason: null,
    nodes: 'gpu10',
    exitCode: 0,
    signal: null,
    restarts: null,
    startTime: '2026-11-28T09:00:00.000Z',
    endTime: '2026-11-28T09:45:00.000Z',
    name: 'sweep',
  },
];

describe('sacct output', () => {
  describe('sacctArgs', () => {
    it('asks for the allocations only, as parsable text with JobName last', () => {
      assert.deepEqual(sacctArgs(['12', '13_4']), [
        '--jobs',
        '12,13_4',
        '--allocations',
        '--noheader',
        '--parsable2',
        '--format',
        'JobID,State,ExitCode,Reason,NodeList,Start,End,JobName',
      ]);
      assert.ok(sacctFormatFields.endsWith(',JobName'));
    });

    it('refuses no job, and ids that are not job ids', () => {
      for (const ids of [[], ['12.batch'], ['x'], ['12,13']]) {
        assert.throws(
          () => sacctArgs(ids),
          (e: unknown) => e instanceof SlurmError && e.reason === 'invalidOptions',
          JSON.stringify(ids),
        );
      }
    });
  });

  describe('isAccountingDisabled', () => {
    it("recognises sacct's answer on a cluster without accounting (recorded on 22.05.8)", () => {
      assert.equal(isAccountingDisabled(fixture('sacct-22.05-accounting-disabled.stderr.txt')), true);
    });

    it('recognises the older and the newer wording, and nothing else', () => {
      assert.equal(isAccountingDisabled('SLURM accounting storage is disabled\n'), true);
      assert.equal(
        isAccountingDisabled('Slurm accounting storage is disabled. Could not query the following: [TRES].'),
        true,
      );
      assert.equal(isAccountingDisabled('sacct: error: Problem talking to the database: Connection refused'), false);
      assert.equal(isAccountingDisabled(''), false);
    });
  });

  describe('parsable output', () => {
    let savedTz: string | undefined;
    before(() => {
      savedTz = process.env.TZ;
      process.env.TZ = 'UTC';
    });
    after(() => {
      if (savedTz === undefined) delete process.env.TZ;
      else process.env.TZ = savedTz;
    });

    it('reads jobs and skips their steps: exit codes with signals, decorated states, | in names (synthetic 22.05)', () => {
      assert.deepEqual(jobs(parseSacctParsable(fixture('synthetic-sacct-22.05-parsable.txt'))), parsable);
    });

    it('reports a line that is not what was asked for as bad output', () => {
      badOutput(parseSacctParsable('101|COMPLETED|0:0'));
      badOutput(parseSacctParsable('101|COMPLETED|0|None|vm|Unknown|Unknown|a'), '"0"');
      badOutput(parseSacctParsable('101|COMPLETED|0:0|None|vm|Yesterday|Unknown|a'), 'Yesterday');
      badOutput(parseSacctParsable('JobID|State|ExitCode|Reason|NodeList|Start|End|JobName'));
    });

    it('reports a state it does not know instead of dropping the job', () => {
      badOutput(parseSacctParsable('101|HIBERNATING|0:0|None|vm|Unknown|Unknown|a'), 'HIBERNATING');
    });
  });
});
