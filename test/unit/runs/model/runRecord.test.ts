import assert from 'node:assert/strict';
import {
  isSecretVariable,
  isValidRunId,
  newRunId,
  parseRunRecord,
  parseRunRecordText,
  recordedEnv,
  RunRecordError,
  type RunRecord,
} from '../../../../src/runs/model/runRecord';

const valid: RunRecord = {
  version: 1,
  id: '20261128-153844-train-3f9a1c',
  kind: 'train',
  label: 'cumulative 2017',
  argv: ['torchrun', '--nproc_per_node', '8', '--nnodes', '1', 'train.py', '--scale', 'tic_medium'],
  cwd: '/home/u/ml-tic-clip/datacomp',
  env: { WANDB_PROJECT: 'tic' },
  host: 'gpu-node-1',
  simulated: false,
  status: 'failed',
  createdAt: '2026-11-28T15:38:44.000Z',
  startedAt: '2026-11-28T15:38:45.000Z',
  endedAt: '2026-11-28T16:00:00.000Z',
  pid: 4242,
  pgid: 4242,
  process: { pid: 4242, startTicks: 123456, bootId: 'b1' },
  processStartedAt: '2026-11-28T15:38:45.120Z',
  wrapper: { pid: 4241, startTicks: 123450, bootId: 'b1' },
  logPath: '/w/.tic-studio/runs/20261128-153844-train-3f9a1c.log',
  outLogPath: '/w/results/x/out.log',
  outLogOffset: 0,
  outputDir: '/w/results/x',
  parentCheckpoint: { path: '/w/results/prev/checkpoints/epoch_latest.pt', sha256: 'a'.repeat(64) },
  exitCode: 0,
  signal: null,
  failure: {
    reason: 'experimentExists',
    detail: 'Error. Experiment already exists. Use --name {} to specify a new experiment.',
  },
  stopSignals: ['SIGINT'],
};

describe('run records', () => {
  it('round-trips a complete record through JSON', () => {
    assert.deepEqual(parseRunRecordText(JSON.stringify(valid)), valid);
  });

  it('reports a bad file instead of throwing', () => {
    const notJson = parseRunRecordText('{"version": 1,', '/w/x.json');
    assert.ok(notJson instanceof RunRecordError);
    assert.equal(notJson.reason, 'notJson');
    assert.equal(notJson.path, '/w/x.json');
    for (const [field, value] of [
      ['kind', 'pretrain'],
      ['status', 'done'],
      ['argv', []],
      ['pid', -1],
      ['signal', 'KILL'],
      ['process', { pid: 1 }],
      ['failure', { reason: 'oops', detail: '' }],
      ['parentCheckpoint', { path: '/x', sha256: 'nothex' }],
      ['createdAt', 'yesterday'],
      ['version', 2],
      ['id', '../../etc/passwd'],
    ] as const) {
      const parsed = parseRunRecord({ ...valid, [field]: value });
      assert.ok(parsed instanceof RunRecordError, field);
      assert.equal(parsed.reason, 'invalid');
    }
  });

  it('drops unknown fields at the boundary', () => {
    const parsed = parseRunRecord({ ...valid, injected: 'x' });
    assert.ok(!(parsed instanceof RunRecordError));
    assert.equal('injected' in parsed, false);
  });

  it('makes ids that are safe file names and sort by time', () => {
    const id = newRunId('eval', new Date('2026-11-28T15:38:44Z'), () => 'abc123');
    assert.equal(id, '20261128-153844-eval-abc123');
    assert.ok(isValidRunId(id));
    assert.ok(!isValidRunId('a/b') && !isValidRunId('.hidden') && !isValidRunId('x.json'));
  });

  it('records the variables a plan sets, secrets redacted', () => {
    const env = {
      CUDA_VISIBLE_DEVICES: '0,1',
      WANDB_API_KEY: 'k',
      AWS_SECRET_ACCESS_KEY: 's',
      HUGGING_FACE_HUB_TOKEN: 't',
      MY_PASSWORD: 'p',
      PYTHONUNBUFFERED: '1',
      UNSET: undefined,
    };
    assert.deepEqual(recordedEnv(env), {
      AWS_SECRET_ACCESS_KEY: '<redacted>',
      CUDA_VISIBLE_DEVICES: '0,1',
      HUGGING_FACE_HUB_TOKEN: '<redacted>',
      MY_PASSWORD: '<redacted>',
      PYTHONUNBUFFERED: '1',
      WANDB_API_KEY: '<redacted>',
    });
    assert.ok(isSecretVariable('SOMETHING', 'hf_abcdefghijklmnopqrstuvwxyz'));
    assert.ok(!isSecretVariable('WANDB_PROJECT', 'tic-datacomp'));
  });
});
