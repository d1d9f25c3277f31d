import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  parseSlurmState,
  slurmJobStates,
  slurmStateMeaning,
  slurmStateText,
  type SlurmJobState,
  type SlurmStateMeaning,
} from '../../../../src/runs/model/slurmJobState';

const fixtures = join(__dirname, '../../../fixtures/slurm');

/** The mapping decided for the Slurm backend (one group per line), written out here rather than read from the code. */
const decided: Array<[SlurmStateMeaning, SlurmJobState[]]> = [
  [
    { phase: 'pending', status: 'queued', retryable: false },
    ['PENDING', 'REQUEUED', 'REQUEUE_FED', 'REQUEUE_HOLD', 'RESV_DEL_HOLD', 'SPECIAL_EXIT'],
  ],
  [
    { phase: 'running', status: 'running', retryable: false },
    ['CONFIGURING', 'RUNNING', 'COMPLETING', 'SUSPENDED', 'STOPPED', 'RESIZING', 'SIGNALING', 'STAGE_OUT'],
  ],
  [{ phase: 'ended', status: 'succeeded', retryable: false }, ['COMPLETED']],
  [{ phase: 'ended', status: 'stopped', retryable: false }, ['CANCELLED']],
  [{ phase: 'ended', status: 'failed', retryable: false }, ['FAILED', 'OUT_OF_MEMORY', 'DEADLINE', 'REVOKED']],
  [{ phase: 'ended', status: 'failed', retryable: true }, ['TIMEOUT', 'PREEMPTED', 'NODE_FAIL', 'BOOT_FAIL']],
];

/** squeue(1), JOB STATE CODES: the compact code of each state. */
const shortCodes: Record<string, SlurmJobState> = {
  BF: 'BOOT_FAIL',
  CA: 'CANCELLED',
  CD: 'COMPLETED',
  CF: 'CONFIGURING',
  CG: 'COMPLETING',
  DL: 'DEADLINE',
  F: 'FAILED',
  NF: 'NODE_FAIL',
  OOM: 'OUT_OF_MEMORY',
  PD: 'PENDING',
  PR: 'PREEMPTED',
  R: 'RUNNING',
  RD: 'RESV_DEL_HOLD',
  RF: 'REQUEUE_FED',
  RH: 'REQUEUE_HOLD',
  RQ: 'REQUEUED',
  RS: 'RESIZING',
  RV: 'REVOKED',
  S: 'SUSPENDED',
  SE: 'SPECIAL_EXIT',
  SI: 'SIGNALING',
  SO: 'STAGE_OUT',
  ST: 'STOPPED',
  TO: 'TIMEOUT',
};

describe('Slurm job states', () => {
  it('lists the 24 states of squeue(1) once each', () => {
    assert.equal(slurmJobStates.length, 24);
    assert.equal(new Set(slurmJobStates).size, 24);
    assert.deepEqual([...slurmJobStates].sort(), Object.values(shortCodes).sort());
  });

  it('reads every state by its name, in any case and with surrounding whitespace', () => {
    for (const state of slurmJobStates) {
      assert.equal(parseSlurmState(state), state);
      assert.equal(parseSlurmState(state.toLowerCase()), state);
      assert.equal(parseSlurmState(`  ${state}\n`), state);
    }
  });

  it("reads squeue's short codes", () => {
    for (const [code, state] of Object.entries(shortCodes)) {
      assert.equal(parseSlurmState(code), state, code);
      assert.equal(parseSlurmState(` ${code.toLowerCase()} `), state, code);
    }
  });

  it('reads the short and the long state squeue printed for the same job alike (recorded)', () => {
    const lines = readFileSync(join(fixtures, 'squeue-22.05-timeout-states.txt'), 'utf8').trim().split('\n');
    assert.equal(lines.length, 9);
    for (const line of lines) {
      const [, short = '', long = ''] = line.split('|');
      assert.notEqual(parseSlurmState(short), undefined, line);
      assert.equal(parseSlurmState(short), parseSlurmState(long), line);
    }
  });

  it("reads sacct's decorated states", () => {
    assert.equal(parseSlurmState('CANCELLED by 1000'), 'CANCELLED');
    assert.equal(parseSlurmState('CANCELLED by 0 '), 'CANCELLED');
    assert.equal(parseSlurmState('CANCELLED+'), 'CANCELLED');
    assert.equal(parseSlurmState('cancelled by 1000'), 'CANCELLED');
  });

  it('returns undefined for what is not a state', () => {
    for (const text of [
      '',
      '   ',
      'RUN',
      'CANCELED',
      'UNKNOWN',
      '?',
      'CANCELLED by',
      'COMPLETED now',
      'PD R',
      'OOM+x',
    ]) {
      assert.equal(parseSlurmState(text), undefined, JSON.stringify(text));
    }
  });

  it('gives every state the meaning decided for it', () => {
    const seen = new Set<SlurmJobState>();
    for (const [meaning, states] of decided) {
      for (const state of states) {
        assert.deepEqual(slurmStateMeaning(state), meaning, state);
        seen.add(state);
      }
    }
    assert.deepEqual([...seen].sort(), [...slurmJobStates].sort());
  });

  it('words every state for the Runs view, each differently', () => {
    const texts = slurmJobStates.map(slurmStateText);
    for (const text of texts) assert.match(text, /^[a-z][a-z :]*[a-z]$/);
    assert.equal(new Set(texts).size, slurmJobStates.length);
    assert.equal(slurmStateText('PENDING'), 'pending');
    assert.equal(slurmStateText('OUT_OF_MEMORY'), 'out of memory');
    assert.equal(slurmStateText('NODE_FAIL'), 'node failure');
    assert.equal(slurmStateText('TIMEOUT'), 'time limit reached');
    assert.equal(slurmStateText('PREEMPTED'), 'preempted');
    assert.equal(slurmStateText('REQUEUED'), 'requeued');
    assert.equal(slurmStateText('COMPLETING'), 'completing');
  });
});
