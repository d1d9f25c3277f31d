import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { protocolCommand, protocolUsage } from '../../../src/cli/protocolCommand';
import { runCli } from '../../../src/cli/runCli';
import { paramsText } from '../../support/openclipParams';
import { runCliInProcess } from '../../support/runCliInProcess';

const demo = join(__dirname, '../../../demo');

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return runCliInProcess(runCli, ['protocol', ...args]);
}

interface JsonOut {
  root: string;
  comparable: boolean;
  chains: {
    chain: string;
    label: string;
    comparable: boolean;
    steps: {
      step: number;
      expName: string;
      comparable: boolean;
      problems: { check: string; expected: string; actual: string; severity: string }[];
      compute: Record<string, number | null>;
    }[];
    totals: Record<string, number | null>;
    oracleRatio: number | null;
  }[];
  unchained: unknown[];
}

describe('tic-studio protocol', () => {
  it('marks the demo’s steps comparable, and its lr 1e-4 variant flagged by the lr check alone', async () => {
    const r = await runCliInProcess(protocolCommand, [demo, '--json']);
    const out = JSON.parse(r.stdout) as JsonOut;
    assert.equal(out.root, demo);
    const steps = (key: string) => out.chains.find((c) => c.chain === key)!.steps;
    // The demo's README lists these steps; each is tic_medium at the exact protocol except the lr variant.
    assert.deepEqual(
      steps('tic_medium/basic/cumulative').map((s) => [s.step, s.expName, s.comparable, s.problems]),
      [2016, 2017, 2018, 2019].map((y) => [y, `datacomp_medium-basic_cumulative_${y}`, true, []]),
    );
    assert.deepEqual(
      steps('tic_medium/basic/sequential').map((s) => [s.step, s.expName, s.comparable, s.problems]),
      [2017, 2018].map((y) => [y, `datacomp_medium-basic_sequential_${y}`, true, []]),
    );
    const variant = out.chains.find((c) => c.label === 'tic_medium/basic/cumulative · lr1e4')!;
    assert.deepEqual(
      variant.steps.map((s) => [s.step, s.comparable, s.problems]),
      [2017, 2018].map((y) => [
        y,
        false,
        [{ check: 'lr', expected: '0.0005 (tic_medium)', actual: '0.0001', severity: 'error' }],
      ]),
    );
    assert.equal(out.comparable, false);
    assert.equal(r.code, 1, 'one step not comparable: exit 1, a CI gate');
    // Compute from the whole logs: 5 epochs × 900 steps of 512 × 8 GPUs (the demo's README).
    const baseline = out.chains.find((c) => c.chain === 'tic_medium/basic/cumulative')!;
    assert.deepEqual(
      baseline.steps.map((s) => [s.compute.samplesSeen, s.compute.optimizerSteps, s.compute.globalBatch]),
      [2016, 2017, 2018, 2019].map(() => [18_432_000, 4_500, 4_096]),
    );
    assert.equal(baseline.totals.samplesSeen, 4 * 18_432_000);
    assert.equal(typeof baseline.oracleRatio, 'number');
    for (const chain of out.chains) {
      for (const s of chain.steps) {
        assert.deepEqual(Object.keys(s.compute).sort(), [
          'globalBatch',
          'gpuHours',
          'optimizerSteps',
          'samplesSeen',
          'trainFlops',
        ]);
      }
      assert.ok('oracleRatio' in chain && 'totals' in chain);
    }
  });

  it('exits 0 when every step of every chain is comparable, with one line per step', async () => {
    const tree = mkdtempSync(join(tmpdir(), 'tic-protocol-cli-'));
    try {
      for (const strategy of ['cumulative', 'sequential']) {
        const name = `datacomp_medium-basic_${strategy}_2017`;
        cpSync(join(demo, 'datacomp/results', name), join(tree, name), { recursive: true });
      }
      cpSync(
        join(demo, 'datacomp/results/datacomp_medium-basic_cumulative_2016'),
        join(tree, 'datacomp_medium-basic_cumulative_2016'),
        { recursive: true },
      );
      const r = await cli(tree);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      const lines = r.stdout.split('\n');
      assert.equal(lines.filter((l) => /^\s+2016 .*✓ comparable$/.test(l)).length, 1, r.stdout);
      assert.equal(lines.filter((l) => /^\s+2017 .*✓ comparable$/.test(l)).length, 2, r.stdout);
      assert.match(r.stdout, /All 3 step\(s\) comparable\.\n$/);

      // The same tree with 2017's batch halved: that step's line names the check, and the exit is 1.
      const params = join(tree, 'datacomp_medium-basic_sequential_2017', 'params.txt');
      const resume = join(tree, 'datacomp_medium-basic_cumulative_2016', 'checkpoints', 'epoch_latest.pt');
      writeFileSync(
        params,
        paramsText({
          batch_size: '256',
          world_size: '8',
          lr: '0.0005',
          model: 'ViT-B-32',
          epochs: '5',
          train_num_samples: '3686400',
          new_run: 'True',
          resume,
          warmup: '0',
          train_data: '/home/demo/data/tic-datacomp-yearly/train/2017/{00000000..00000409}.tar',
          precision: 'amp',
        }),
      );
      const bad = await cli(tree);
      assert.equal(bad.code, 1);
      assert.match(
        bad.stdout,
        /\n\s+2017 +datacomp_medium-basic_sequential_2017 .*✗ globalBatch 2,048 \(256 × 8 GPUs × accum 1, −50\.00 %\), expected 4,096 \(tic_medium\)\n/,
      );
      assert.match(bad.stdout, /1 of 3 step\(s\) not comparable\.\n$/);
    } finally {
      rmSync(tree, { recursive: true, force: true });
    }
  });

  it('exits 1 with a reason when no chain is found, 2 on bad usage', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'tic-protocol-empty-'));
    try {
      const none = await cli(empty);
      assert.equal(none.code, 1);
      assert.match(none.stderr, /^tic-studio protocol: no chains found in /);
      assert.equal((await cli()).code, 2);
      assert.equal((await cli(empty, empty)).code, 2);
      const unknown = await cli(empty, '--metric', 'acc1');
      assert.equal(unknown.code, 2);
      assert.match(unknown.stderr, /^tic-studio protocol: /);
      const missing = await cli(join(empty, 'nope'));
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /nope: notFound: no such folder/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('has its usage under --help and a line in the command list', async () => {
    const help = await cli('--help');
    assert.equal(help.code, 0);
    assert.equal(help.stdout, `${protocolUsage}\n`);
    const list = await runCliInProcess(runCli, ['--help']);
    assert.match(list.stdout, /\n {2}protocol {5}per chain: whether each step ran under the TiC-CLIP protocol/);
  });
});
