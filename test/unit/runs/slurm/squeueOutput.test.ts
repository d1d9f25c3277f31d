import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SlurmError } from '../../../../src/runs/model/slurmError';
import type { SlurmJobInfo } from '../../../../src/runs/slurm/slurmJobInfo';
import { slurmTimeText } from '../../../../src/runs/slurm/slurmOutputValues';
import {
  parseSqueueFormat,
  parseSqueueJson,
  squeueArgs,
  squeueFormatFields,
} from '../../../../src/runs/slurm/squeueOutput';

const fixtures = join(__dirname, '../../../fixtures/slurm');
const fixture = (name: string) => readFileSync(join(fixtures, name), 'utf8');

/** The recorded fixtures hold the local time of a cluster in UTC; these tests read them in a chosen zone. */
function inTimeZone(zone: string): void {
  let saved: string | undefined;
  before(() => {
    saved = process.env.TZ;
    process.env.TZ = zone;
  });
  after(() => {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  });
}

function jobs(result: SlurmJobInfo[] | SlurmError): SlurmJobInfo[] {
  if (result instanceof SlurmError) assert.fail(`${result.reason}: ${result.message}`);
  return result;
}

function byId(list: SlurmJobInfo[]): Map<string, SlurmJobInfo> {
  return new Map(list.map((job) => [job.jobId, job]));
}

function badOutput(result: SlurmJobInfo[] | SlurmError, mentions?: string): void {
  assert.ok(result instanceof SlurmError, 'expected a SlurmError');
  assert.equal(result.reason, 'badOutput');
  if (mentions !== undefined) assert.ok(result.message.includes(mentions), result.message);
}

/** squeue's text output has no exit code: the same job, as the format output should give it. */
const withoutExit = (job: SlurmJobInfo): SlurmJobInfo => ({ ...job, exitCode: null, signal: null });

/**
 * test/fixtures/slurm/squeue-22.05.json, read by hand: epoch seconds → UTC, exit_code 768 = exit 3, 15 = SIGTERM;
 * pending jobs lose their projected times, the running one its projected end.
 */
const recorded2131: SlurmJobInfo[] = [
  {
    jobId: '1',
    state: 'COMPLETED',
    reason: null,
    nodes: 'vm',
    exitCode: 0,
    signal: null,
    restarts: 0,
    startTime: '2026-11-28T21:30:03.000Z',
    endTime: '2026-11-28T21:30:09.000Z',
    name: 't1',
  },
  {
    jobId: '2',
    state: 'FAILED',
    reason: 'NonZeroExitCode',
    nodes: 'vm',
    exitCode: 3,
    signal: null,
    restarts: 0,
    startTime: '2026-11-28T21:30:22.000Z',
    endTime: '2026-11-28T21:30:22.000Z',
    name: 'fail.sh',
  },
  {
    jobId: '3',
    state: 'CANCELLED',
    reason: null,
    nodes: 'vm',
    exitCode: null,
    signal: 15,
    restarts: 0,
    startTime: '2026-11-28T21:30:22.000Z',
    endTime: '2026-11-28T21:30:23.000Z',
    name: 'long.sh',
  },
  {
    jobId: '4',
    state: 'CANCELLED',
    reason: null,
    nodes: 'vm',
    exitCode: null,
    signal: 15,
    restarts: 0,
    startTime: '2026-11-28T21:30:23.000Z',
    endTime: '2026-11-28T21:31:23.000Z',
    name: 'long.sh',
  },
  {
    jobId: '5',
    state: 'PENDING',
    reason: 'BeginTime',
    nodes: null,
    exitCode: null,
    signal: null,
    restarts: 1,
    startTime: null,
    endTime: null,
    name: 'train 2017|x',
  },
  {
    jobId: '6',
    state: 'RUNNING',
    reason: null,
    nodes: 'vm',
    exitCode: null,
    signal: null,
    restarts: 0,
    startTime: '2026-11-28T21:31:27.000Z',
    endTime: null,
    name: 's30.sh',
  },
  {
    jobId: '7',
    state: 'PENDING',
    reason: 'BeginTime',
    nodes: null,
    exitCode: null,
    signal: null,
    restarts: 0,
    startTime: null,
    endTime: null,
    name: 's30.sh',
  },
  {
    jobId: '8',
    state: 'PENDING',
    reason: 'Resources',
    nodes: null,
    exitCode: null,
    signal: null,
    restarts: 0,
    startTime: null,
    endTime: null,
    name: 's30.sh',
  },
];

describe('squeue output', () => {
  describe('squeueArgs', () => {
    it('asks for the jobs in every state, as JSON or as the fixed text format', () => {
      assert.deepEqual(squeueArgs(['12', '13_4'], 'json'), ['--jobs', '12,13_4', '--states', 'all', '--json']);
      assert.deepEqual(squeueArgs(['12'], 'format'), [
        '--jobs',
        '12',
        '--states',
        'all',
        '--noheader',
        '--Format',
        'JobID:|,State:|,Reason:|,NodeList:|,RestartCnt:|,StartTime:|,EndTime:|,Name:',
      ]);
      assert.ok(squeueFormatFields.endsWith(',Name:'), 'Name comes last: it may contain the delimiter');
    });

    it('refuses no job, and ids that are not job ids', () => {
      for (const ids of [[], [''], ['12,13'], ['12 '], ['-1'], ['12_'], ['abc'], ['12;rm -rf ~'], ['12', '1.batch']]) {
        assert.throws(
          () => squeueArgs(ids, 'format'),
          (e: unknown) => e instanceof SlurmError && e.reason === 'invalidOptions',
          JSON.stringify(ids),
        );
      }
    });
  });

  describe('recorded on Slurm 22.05.8, cluster in UTC', () => {
    inTimeZone('UTC');

    it('reads the JSON: exit statuses, a requeued pending job, projected times left out', () => {
      assert.deepEqual(jobs(parseSqueueJson(fixture('squeue-22.05.json'))), recorded2131);
    });

    it('reads the text format recorded with it the same, but for the exit code it lacks', () => {
      const format = jobs(parseSqueueFormat(fixture('squeue-22.05-format.txt')));
      assert.deepEqual(
        format.map((job) => job.jobId),
        ['3', '4', '1', '2', '5', '7', '8', '6'],
      );
      const expected = byId(recorded2131.map(withoutExit));
      for (const job of format) assert.deepEqual(job, expected.get(job.jobId), job.jobId);
    });

    it('keeps a | in a job name, in both forms', () => {
      const json = byId(jobs(parseSqueueJson(fixture('squeue-22.05.json'))));
      const format = byId(jobs(parseSqueueFormat(fixture('squeue-22.05-format.txt'))));
      assert.equal(json.get('5')?.name, 'train 2017|x');
      assert.equal(format.get('5')?.name, 'train 2017|x');
    });

    it('reads a job that reached its time limit as TIMEOUT, ended by SIGTERM', () => {
      const json = byId(jobs(parseSqueueJson(fixture('squeue-22.05-timeout.json'))));
      const timedOut: SlurmJobInfo = {
        jobId: '9',
        state: 'TIMEOUT',
        reason: 'TimeLimit',
        nodes: 'vm',
        exitCode: null,
        signal: 15,
        restarts: 0,
        startTime: '2026-11-28T21:31:31.000Z',
        endTime: '2026-11-28T21:32:57.000Z',
        name: 'timeout-me',
      };
      assert.deepEqual(json.get('9'), timedOut);
      const format = byId(jobs(parseSqueueFormat(fixture('squeue-22.05-timeout-format.txt'))));
      assert.deepEqual(format.get('9'), withoutExit(timedOut));
      // 7 was cancelled while pending: no nodes, and Slurm writes the cancel time as both start and end.
      assert.deepEqual(format.get('7'), {
        jobId: '7',
        state: 'CANCELLED',
        reason: 'BeginTime',
        nodes: null,
        exitCode: null,
        signal: null,
        restarts: 0,
        startTime: '2026-11-28T21:31:31.000Z',
        endTime: '2026-11-28T21:31:31.000Z',
        name: 's30.sh',
      });
    });

    it('reads JSON and text recorded in the same second alike', () => {
      for (const [json, text] of [
        ['squeue-22.05-timeout.json', 'squeue-22.05-timeout-format.txt'],
        ['squeue-22.05-last.json', 'squeue-22.05-last-epoch-format.txt'],
      ] as const) {
        const fromJson = byId(jobs(parseSqueueJson(fixture(json))).map(withoutExit));
        const fromText = jobs(parseSqueueFormat(fixture(text)));
        assert.equal(fromText.length, fromJson.size, text);
        for (const job of fromText) assert.deepEqual(job, fromJson.get(job.jobId), `${text} ${job.jobId}`);
      }
    });

    it('keeps the restart count of a requeued job once it completed', () => {
      const json = byId(jobs(parseSqueueJson(fixture('squeue-22.05-last.json'))));
      assert.deepEqual(json.get('5'), {
        jobId: '5',
        state: 'COMPLETED',
        reason: null,
        nodes: 'vm',
        exitCode: 0,
        signal: null,
        restarts: 1,
        startTime: '2026-11-28T21:33:57.000Z',
        endTime: '2026-11-28T21:34:27.000Z',
        name: 'train 2017|x',
      });
    });
  });

  describe('times printed in another time zone', () => {
    inTimeZone('America/New_York');

    it("reads squeue's local time in this process's zone", () => {
      // squeue ran with TZ=America/New_York: 16:30:23 there is 21:30:23 UTC, the JSON's epoch seconds.
      const fromText = jobs(parseSqueueFormat(fixture('squeue-22.05-last-newyork-format.txt')));
      const fromJson = byId(jobs(parseSqueueJson(fixture('squeue-22.05-last.json'))).map(withoutExit));
      assert.equal(fromText[0]?.startTime, '2026-11-28T21:30:23.000Z');
      for (const job of fromText) assert.deepEqual(job, fromJson.get(job.jobId), job.jobId);
    });

    it('reads seconds since the epoch (SLURM_TIME_FORMAT=%s) whatever the zone', () => {
      const fromText = jobs(parseSqueueFormat(fixture('squeue-22.05-last-epoch-format.txt')));
      assert.equal(fromText[0]?.startTime, '2026-11-28T21:30:23.000Z');
    });
  });

  describe('newer JSON shapes (synthetic)', () => {
    it('reads 23.02: NO_VAL objects, a raw exit status, an array task', () => {
      assert.deepEqual(jobs(parseSqueueJson(fixture('synthetic-squeue-23.02.json'))), [
        {
          jobId: '301',
          state: 'RUNNING',
          reason: null,
          nodes: 'gpu[01-02]',
          exitCode: null,
          signal: null,
          restarts: 0,
          startTime: '2026-11-28T22:00:00.000Z',
          endTime: null,
          name: 'train 2016',
        },
        {
          jobId: '302',
          state: 'FAILED',
          reason: 'NonZeroExitCode',
          nodes: 'gpu03',
          exitCode: 1,
          signal: null,
          restarts: 0,
          startTime: '2026-11-28T22:04:00.000Z',
          endTime: '2026-11-28T22:05:00.000Z',
          name: 'eval 2016',
        },
        {
          jobId: '303_7',
          state: 'PREEMPTED',
          reason: null,
          nodes: 'gpu04',
          exitCode: null,
          signal: 15,
          restarts: 0,
          startTime: '2026-11-28T22:10:00.000Z',
          endTime: '2026-11-28T22:15:00.000Z',
          name: 'sweep',
        },
        {
          jobId: '304',
          state: 'REQUEUE_HOLD',
          reason: 'JobHeldAdmin',
          nodes: null,
          exitCode: null,
          signal: null,
          restarts: 2,
          startTime: null,
          endTime: null,
          name: 'train 2017',
        },
      ]);
    });

    it('reads 23.11+: state lists shown as squeue shows them, verbose exit codes, pending array tasks', () => {
      assert.deepEqual(jobs(parseSqueueJson(fixture('synthetic-squeue-23.11.json'))), [
        {
          jobId: '401',
          state: 'RUNNING',
          reason: null,
          nodes: 'gpu[01-04]',
          exitCode: null,
          signal: null,
          restarts: 0,
          startTime: '2026-11-29T22:00:00.000Z',
          endTime: null,
          name: 'train 2018',
        },
        {
          jobId: '402',
          state: 'REQUEUED',
          reason: 'BeginTime',
          nodes: null,
          exitCode: null,
          signal: null,
          restarts: 1,
          startTime: null,
          endTime: null,
          name: 'train 2019',
        },
        {
          jobId: '403',
          state: 'TIMEOUT',
          reason: 'TimeLimit',
          nodes: 'gpu05',
          exitCode: null,
          signal: 15,
          restarts: 0,
          startTime: '2026-11-29T22:00:00.000Z',
          endTime: '2026-11-29T23:01:00.000Z',
          name: 'train 2020',
        },
        {
          jobId: '404',
          state: 'COMPLETING',
          reason: null,
          nodes: 'gpu06',
          exitCode: null,
          signal: null,
          restarts: 0,
          startTime: '2026-11-29T22:01:40.000Z',
          endTime: null,
          name: 'eval 2020',
        },
        {
          jobId: '405',
          state: 'FAILED',
          reason: 'NonZeroExitCode',
          nodes: 'gpu07',
          exitCode: 3,
          signal: null,
          restarts: 0,
          startTime: '2026-11-29T22:01:40.000Z',
          endTime: '2026-11-29T22:02:30.000Z',
          name: 'eval 2021',
        },
        {
          jobId: '410_[3-9%2]',
          state: 'PENDING',
          reason: 'JobArrayTaskLimit',
          nodes: null,
          exitCode: null,
          signal: null,
          restarts: 0,
          startTime: null,
          endTime: null,
          name: 'sweep',
        },
      ]);
    });
  });

  describe('text format details', () => {
    inTimeZone('UTC');

    it('reads N/A, NONE, Unknown and empty times as no time', () => {
      const list = jobs(parseSqueueFormat('21|COMPLETED|None|vm|0|N/A|NONE|a\n22|FAILED|None|vm|N/A|Unknown||b\n'));
      assert.deepEqual(
        list.map((job) => [job.startTime, job.endTime, job.restarts]),
        [
          [null, null, 0],
          [null, null, null],
        ],
      );
      assert.equal(slurmTimeText(' 0 '), null);
      assert.equal(slurmTimeText('2026-11-28T21:30:22'), '2026-11-28T21:30:22.000Z');
    });

    it('skips blank lines and carriage returns; an empty output is no job', () => {
      assert.deepEqual(jobs(parseSqueueFormat('')), []);
      const list = jobs(parseSqueueFormat('\r\n31|RUNNING|None|gpu[01-04]|0|2026-11-28T21:30:22|N/A|x\r\n\n'));
      assert.equal(list.length, 1);
      assert.equal(list[0]?.nodes, 'gpu[01-04]');
      assert.equal(list[0]?.name, 'x');
    });

    it('reports a line that is not what was asked for as bad output', () => {
      badOutput(parseSqueueFormat('31|RUNNING|None'), '31|RUNNING|None');
      badOutput(parseSqueueFormat('JOBID|STATE|REASON|NODELIST|RESTARTS|START_TIME|END_TIME|NAME'));
      badOutput(parseSqueueFormat('31|RUNNING|None|vm|x|N/A|N/A|a'));
      badOutput(parseSqueueFormat('31|RUNNING|None|vm|0|Tomorr 08:00|N/A|a'), 'Tomorr 08:00');
      badOutput(parseSqueueFormat('31|RUNNING|None|vm|0|2026-02-31T10:00:00|N/A|a'));
      badOutput(parseSqueueFormat('31.batch|RUNNING|None|vm|0|N/A|N/A|a'));
    });

    it('reports a state it does not know instead of dropping the job', () => {
      badOutput(parseSqueueFormat('31|HIBERNATING|None|vm|0|N/A|N/A|a'), 'HIBERNATING');
    });
  });

  describe('JSON details', () => {
    const job = (fields: Record<string, unknown>) =>
      JSON.stringify({ jobs: [{ job_id: 41, job_state: 'RUNNING', ...fields }] });

    it('reports what is not squeue JSON as bad output', () => {
      badOutput(parseSqueueJson('squeue: error: Invalid user'));
      badOutput(parseSqueueJson(''));
      badOutput(parseSqueueJson('[]'));
      badOutput(parseSqueueJson('{"jobs": {}}'));
      badOutput(parseSqueueJson('{"jobs": [7]}'));
      badOutput(parseSqueueJson('{"jobs": [{"job_state": "RUNNING"}]}'));
      badOutput(parseSqueueJson(job({ job_id: '41' })));
      badOutput(parseSqueueJson(job({ job_state: 3 })));
      badOutput(parseSqueueJson(job({ job_state: [] })));
      badOutput(parseSqueueJson(job({ nodes: ['vm'] })));
      badOutput(parseSqueueJson(job({ start_time: '2026-11-28' })));
      badOutput(parseSqueueJson(job({ start_time: { set: true, infinite: false } })));
      badOutput(parseSqueueJson(job({ restart_cnt: -1 })));
      badOutput(parseSqueueJson(job({ exit_code: 'SUCCESS' })));
    });

    it('reports a state it does not know, alone or in a list, instead of dropping the job', () => {
      badOutput(parseSqueueJson(job({ job_state: 'HIBERNATING' })), 'HIBERNATING');
      badOutput(parseSqueueJson(job({ job_state: ['RUNNING', 'WARP_SPEED'] })), 'WARP_SPEED');
    });

    it("reports Slurm's own errors as a failed command", () => {
      const result = parseSqueueJson(
        JSON.stringify({ errors: [{ error: 'Invalid job id specified', error_number: 2017 }], jobs: [] }),
      );
      assert.ok(result instanceof SlurmError);
      assert.equal(result.reason, 'commandFailed');
      assert.match(result.message, /Invalid job id specified/);
    });

    it('takes absent optional fields as unknown', () => {
      assert.deepEqual(jobs(parseSqueueJson(job({}))), [
        {
          jobId: '41',
          state: 'RUNNING',
          reason: null,
          nodes: null,
          exitCode: null,
          signal: null,
          restarts: null,
          startTime: null,
          endTime: null,
          name: null,
        },
      ]);
    });

    it('reads a raw exit status of 4294967294 (NO_VAL) as no exit code', () => {
      const [ended] = jobs(parseSqueueJson(job({ job_state: 'FAILED', exit_code: 4294967294 })));
      assert.equal(ended?.exitCode, null);
      assert.equal(ended?.signal, null);
    });
  });
});
