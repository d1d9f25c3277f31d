import assert from 'node:assert/strict';
import { parseRunRecord, runRecordVersion, type RunRecord } from '../../../../src/runs/model/runRecord';
import { slurmJobStates } from '../../../../src/runs/model/slurmJobState';
import { resubmitDecision, type ResubmitInput } from '../../../../src/runs/slurm/slurmResubmit';

const base: ResubmitInput = {
  state: 'PREEMPTED',
  kind: 'train',
  autoResume: true,
  resubmits: 0,
  maxResubmits: 3,
  stopRequested: false,
  progressed: false,
};

describe('resubmitDecision: auto-resume after the cluster, not the job, ended a training run (§1.4)', () => {
  it('resubmits training that was preempted, lost its node or failed to boot, progress or not', () => {
    for (const state of ['PREEMPTED', 'NODE_FAIL', 'BOOT_FAIL'] as const)
      assert.deepEqual(resubmitDecision({ ...base, state }), { resubmit: true }, state);
  });

  it('resubmits after a time limit only when the job saved a checkpoint meanwhile', () => {
    assert.deepEqual(resubmitDecision({ ...base, state: 'TIMEOUT', progressed: true }), { resubmit: true });
    const stuck = resubmitDecision({ ...base, state: 'TIMEOUT', progressed: false });
    assert.equal(stuck.resubmit, false);
    assert.match(!stuck.resubmit ? (stuck.why ?? '') : '', /without saving a checkpoint; raise --time/);
  });

  it('never resubmits an end that is the job’s own, a stop, an evaluation, or past the limit', () => {
    const retryable = new Set(['PREEMPTED', 'NODE_FAIL', 'BOOT_FAIL', 'TIMEOUT']);
    for (const state of slurmJobStates.filter((s) => !retryable.has(s)))
      assert.deepEqual(resubmitDecision({ ...base, state, progressed: true }), { resubmit: false }, state);
    assert.equal(resubmitDecision({ ...base, stopRequested: true }).resubmit, false);
    assert.equal(resubmitDecision({ ...base, kind: 'eval' }).resubmit, false);
    const off = resubmitDecision({ ...base, autoResume: false });
    assert.ok(!off.resubmit && /auto-resume is off/.test(off.why ?? ''));
    const spent = resubmitDecision({ ...base, resubmits: 3 });
    assert.ok(!spent.resubmit && /gave up after 3/.test(spent.why ?? ''));
  });
});

describe('run records of Slurm runs', () => {
  const record = (over: Record<string, unknown>): unknown => ({
    version: runRecordVersion,
    id: '20261128-120000-train-abc123',
    kind: 'train',
    label: 'train 2017',
    argv: ['torchrun', 'train.py'],
    cwd: '/w',
    env: {},
    host: 'login1',
    simulated: false,
    status: 'queued',
    createdAt: '2026-11-28T12:00:00.000Z',
    logPath: '/w/.tic-studio/runs/x.log',
    ...over,
  });
  const slurm = {
    jobId: '4242',
    jobIds: ['4241', '4242'],
    scriptPath: '/w/.tic-studio/runs/x.sbatch',
    state: 'PENDING',
    reason: 'Priority',
    nodesRequested: 4,
    gpusPerNode: 8,
    autoResume: true,
    maxResubmits: 10,
    resubmits: 1,
  };

  it('keeps the scheduler, the jobs and their state', () => {
    const parsed = parseRunRecord(record({ scheduler: 'slurm', slurm })) as RunRecord;
    assert.equal(parsed.scheduler, 'slurm');
    assert.deepEqual(parsed.slurm, slurm);
  });

  it('reads records written before Slurm support as local', () => {
    const parsed = parseRunRecord(record({})) as RunRecord;
    assert.equal(parsed.scheduler, undefined);
    assert.equal(parsed.slurm, undefined);
  });

  for (const [what, over] of [
    ['an unknown scheduler', { scheduler: 'pbs' }],
    ['a Slurm run without its job', { scheduler: 'slurm' }],
    ['a job id that is not a number', { scheduler: 'slurm', slurm: { ...slurm, jobId: '42; rm -rf /' } }],
    ['an unknown Slurm state', { scheduler: 'slurm', slurm: { ...slurm, state: 'HIBERNATING' } }],
    ['a negative resubmission count', { scheduler: 'slurm', slurm: { ...slurm, resubmits: -1 } }],
  ] as const) {
    it(`refuses ${what}`, () => {
      const parsed = parseRunRecord(record(over));
      assert.ok(parsed instanceof Error, JSON.stringify(parsed));
    });
  }
});
