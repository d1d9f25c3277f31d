import assert from 'node:assert/strict';
import type { ChainComputeWire, StepProtocolWire } from '../../../src/protocol/dashboardMessages';
import {
  computeLine,
  computeSentence,
  problemLine,
  protocolMark,
  protocolSentence,
  protocolTooltip,
} from '../../../src/protocol/protocolMarks';

describe('protocol marks: what the Experiments view and the dashboard say of a step and a chain', () => {
  const lr = { check: 'lr', expected: '0.0005 (tic_medium)', actual: '0.0001', severity: 'error' } as const;
  const batch = {
    check: 'globalBatch',
    expected: '4,096 (tic_medium)',
    actual: '2,048 (512 × 4 GPUs × 1)',
    severity: 'error',
  } as const;
  const warmup = {
    check: 'warmup',
    expected: 'matches the released xlarge runs (2000), not the scripts',
    actual: '2,000',
    severity: 'note',
  } as const;

  it('marks a comparable step "✓ protocol", notes and all', () => {
    const ok: StepProtocolWire = { comparable: true, problems: [warmup] };
    assert.equal(protocolMark(ok), '✓ protocol');
    assert.equal(protocolSentence(ok), "comparable: trained under the paper's protocol");
  });

  it('counts the deviations of a step that is not comparable, and lists every problem in words', () => {
    const off: StepProtocolWire = { comparable: false, problems: [batch, lr, warmup] };
    assert.equal(protocolMark(off), '⚠ 2 deviations');
    assert.equal(protocolMark({ comparable: false, problems: [lr] }), '⚠ 1 deviation');
    assert.equal(
      protocolTooltip(off),
      [
        'not comparable to the paper: 2 deviations from its protocol',
        '✗ global batch: 2,048 (512 × 4 GPUs × 1); expected 4,096 (tic_medium)',
        '✗ learning rate: 0.0001; expected 0.0005 (tic_medium)',
        'ℹ warmup: 2,000 (matches the released xlarge runs (2000), not the scripts)',
      ].join('\n'),
    );
    assert.equal(
      problemLine({ ...lr, severity: 'warning', actual: 'not recorded' }),
      '⚠ learning rate: not recorded; expected 0.0005 (tic_medium)',
    );
  });

  it("says a chain's compute with what is known, and nothing for what is not", () => {
    const compute: ChainComputeWire = {
      samplesSeen: 73_728_000,
      optimizerSteps: 18_000,
      gpuHours: 28.7667,
      trainFlops: 3.268e18,
      oracleRatio: 4 / 7,
      comparable: true,
    };
    assert.equal(computeLine(compute), '73.7M samples · 29 GPU-h · 0.57× oracle');
    assert.equal(
      computeSentence(compute),
      'Compute of the lineage, its shared steps included: 73,728,000 samples seen, 18,000 optimizer steps, 29 GPU-hours, about 3.27e+18 training FLOPs, 0.571× the samples of the oracle that reaches the same last step.',
    );
    const unknown = {
      ...compute,
      samplesSeen: null,
      optimizerSteps: null,
      gpuHours: null,
      trainFlops: null,
      oracleRatio: null,
    };
    assert.equal(computeLine(unknown), null);
    assert.equal(
      computeSentence(unknown),
      'Compute of the lineage, its shared steps included: not known from its files.',
    );
    assert.equal(computeLine({ ...unknown, gpuHours: 1234.4 }), '1,234 GPU-h');
  });
});
