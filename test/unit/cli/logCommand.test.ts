import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../../../src/cli/common/cliIo';
import { runCliInProcess } from '../../support/runCliInProcess';
import { logCommand, logUsage } from '../../../src/cli/logCommand';

const root = join(__dirname, '../../..');

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return runCliInProcess(logCommand, args);
}

describe('tic-studio log (in-process)', () => {
  it('summarises the real appended log: two starts, epochs, evals', async () => {
    const r = await run([join(root, 'test/fixtures/openclip/out.sample.full.log')]);
    assert.equal(r.code, 0);
    assert.match(
      r.stdout,
      /^out\.sample\.full\.log: 938 lines \(45286 bytes\), 2 starts, 12 train steps in 3 epochs, 2 eval lines, model ViT-B-32/,
    );
    assert.match(
      r.stdout,
      /start 1 \(line 1, 2026-11-28,15:38:44\): no checkpoint to resume \(fresh start\); 12 steps/,
    );
    assert.match(
      r.stdout,
      /start 2 \(line 482, .*auto-resume from .*epoch_latest\.pt; resuming .* \(epoch 3\); 0 steps/,
    );
    assert.match(r.stdout, /\n\s+2\s+4\s+16\/16 \(100%\)\s+1\.3863 \(1\.3863\)/);
    assert.match(r.stdout, /eval epoch\s+imagenet-zeroshot-val-top1/);
  });

  it('prints every step and eval as JSON, with results.jsonl placed by the log', async () => {
    const r = await run(['--json', join(root, 'demo/datacomp/results/datacomp_medium-basic_cumulative_2018/out.log')]);
    assert.equal(r.code, 0);
    const out = JSON.parse(r.stdout);
    assert.equal(out.steps.length, 95);
    assert.deepEqual(Object.keys(out.steps[0]).slice(0, 4), ['type', 'line', 'timestamp', 'epoch']);
    assert.deepEqual(
      out.evals.map((e: { epoch: number }) => e.epoch),
      [2, 4, 5],
    );
    assert.deepEqual(
      out.results.rows.map((row: { epoch: number; epochSource: string }) => [row.epoch, row.epochSource]),
      [
        [2, 'log'],
        [4, 'log'],
        [5, 'log'],
      ],
    );
    assert.equal(out.summary.trainSteps, 95);
    assert.equal(out.summary.runs.length, 1);
    assert.ok(out.bytes > 40_000);
  });

  it('spells non-finite numbers as Python does, since JSON has no NaN', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tic-logcmd-'));
    try {
      const file = join(dir, 'stderr.log');
      writeFileSync(
        file,
        '2026-11-28,15:38:50 | INFO | Train Epoch: 0 [ 4/16 (25%)] Data (t): 0.008 Batch (t): 5.865, 0.682013/s, 0.682013/s/gpu LR: 0.000250 Logit Scale: 14.286 Contrastive_loss: nan (nan) Loss: inf (-inf)\nTraceback (most recent call last):\n  File "x.py", line 1\nValueError: boom\n',
      );
      const out = JSON.parse((await run(['--json', file])).stdout);
      assert.deepEqual(out.steps[0].losses, {
        contrastive_loss: { value: 'nan', avg: 'nan' },
        loss: { value: 'inf', avg: '-inf' },
      });
      assert.equal(out.results, null);
      const text = await run([file]);
      assert.match(text.stdout, /error at line 2: ValueError: boom/);
      assert.match(text.stdout, /loss is not finite from line 1/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exits 1 for a missing file and throws UsageError for bad arguments', async () => {
    const missing = await run(['/no/such/out.log']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /notFound/);
    await assert.rejects(run([]), UsageError);
    await assert.rejects(run(['a', 'b']), UsageError);
    await assert.rejects(run([root]), /is not a file/);
    assert.match(logUsage, /^Usage: tic-studio log FILE/);
  });
});
