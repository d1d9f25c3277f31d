/**
 * The protocol guard's marks in words, the same in the Experiments view and the dashboard: a step's short mark
 * ("✓ protocol", "⚠ 2 deviations"), its problems one per line, a chain's cumulative compute. Plain functions of the
 * wire shapes (dashboardMessages.ts), so the browser bundle and the extension host share them.
 */
import type { ChainComputeWire, ProtocolProblemWire, StepProtocolWire } from './dashboardMessages';

/** The checks (src/fidelity/protocolReport.ts) in plain words. */
const checkWords: Readonly<Record<string, string>> = {
  model: 'model',
  globalBatch: 'global batch',
  samples: 'samples seen',
  lr: 'learning rate',
  schedule: 'learning-rate schedule',
  warmup: 'warmup',
  optimizer: 'optimizer',
  continuation: 'continuation',
  data: 'training data',
  chain: 'chain',
  eval: 'evaluation',
};

const severityGlyph: Readonly<Record<ProtocolProblemWire['severity'], string>> = {
  error: '✗',
  warning: '⚠',
  note: 'ℹ',
};

/** The deviations that make a step not comparable (errors). */
export function deviations(protocol: StepProtocolWire): number {
  return protocol.problems.filter((p) => p.severity === 'error').length;
}

/** Short enough for the side bar: `✓ protocol` or `⚠ 2 deviations`. */
export function protocolMark(protocol: StepProtocolWire): string {
  const n = deviations(protocol);
  if (protocol.comparable || n === 0) return '✓ protocol';
  return `⚠ ${n} deviation${n === 1 ? '' : 's'}`;
}

/** For screen readers and the first line of a tooltip. */
export function protocolSentence(protocol: StepProtocolWire): string {
  const n = deviations(protocol);
  return protocol.comparable || n === 0
    ? "comparable: trained under the paper's protocol"
    : `not comparable to the paper: ${n} deviation${n === 1 ? '' : 's'} from its protocol`;
}

/** `✗ global batch: 2,048 (512 × 4 GPUs × 1); expected 4,096 (tic_medium)`. */
export function problemLine(problem: ProtocolProblemWire): string {
  const word = checkWords[problem.check] ?? problem.check;
  const tail = problem.severity === 'note' ? ` (${problem.expected})` : `; expected ${problem.expected}`;
  return `${severityGlyph[problem.severity]} ${word}: ${problem.actual}${tail}`;
}

/** The sentence, then every problem on its own line. */
export function protocolTooltip(protocol: StepProtocolWire): string {
  return [protocolSentence(protocol), ...protocol.problems.map(problemLine)].join('\n');
}

/** `2.3M samples · 1.5 GPU-h · 0.43× oracle`: only what is known, short for a lane's label; null when nothing is. */
export function computeLine(compute: ChainComputeWire): string | null {
  const parts: string[] = [];
  if (compute.samplesSeen !== null) parts.push(`${compact(compute.samplesSeen)} samples`);
  if (compute.gpuHours !== null) parts.push(`${hours(compute.gpuHours)} GPU-h`);
  if (compute.oracleRatio !== null) parts.push(`${compute.oracleRatio.toPrecision(2)}× oracle`);
  return parts.length === 0 ? null : parts.join(' · ');
}

/** The same in a sentence, with the training FLOPs and optimizer steps, for a tooltip. */
export function computeSentence(compute: ChainComputeWire): string {
  const known = [
    compute.samplesSeen === null ? null : `${compute.samplesSeen.toLocaleString('en-US')} samples seen`,
    compute.optimizerSteps === null ? null : `${compute.optimizerSteps.toLocaleString('en-US')} optimizer steps`,
    compute.gpuHours === null ? null : `${hours(compute.gpuHours)} GPU-hours`,
    compute.trainFlops === null ? null : `about ${compute.trainFlops.toExponential(2)} training FLOPs`,
    compute.oracleRatio === null
      ? null
      : `${Number(compute.oracleRatio.toPrecision(3))}× the samples of the oracle that reaches the same last step`,
  ].filter((x): x is string => x !== null);
  const what = known.length === 0 ? 'not known from its files' : known.join(', ');
  return `Compute of the lineage, its shared steps included: ${what}.`;
}

function compact(n: number): string {
  const abs = Math.abs(n);
  const [div, suffix] = abs >= 1e9 ? [1e9, 'B'] : abs >= 1e6 ? [1e6, 'M'] : abs >= 1e3 ? [1e3, 'k'] : [1, ''];
  return `${Number((n / div).toPrecision(3))}${suffix}`;
}

function hours(h: number): string {
  return h >= 100 ? Math.round(h).toLocaleString('en-US') : String(Number(h.toPrecision(2)));
}
