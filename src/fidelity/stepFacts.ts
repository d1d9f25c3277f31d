import type { Chain, ChainStep } from '../workspace/chains';
import type { Experiment } from '../workspace/experimentDir';
import type { LogSummary } from '../formats/logSummary';
import type { ParamsFile } from '../formats/paramsText';
import { firstStepYear } from '../tic/ticTimeline';
import { ticScaleConfigs, type TicScaleConfig } from '../tic/ticScales';
import type { ProtocolCheck, ProtocolProblem, ProtocolSeverity, StepCompute } from './protocolReport';

/**
 * Everything the checks of one step read, gathered once: the step, its experiment, the chain around it, the
 * scale's reference values (contracts §9) and the step's role in the protocol.
 */
export interface StepFacts {
  readonly chain: Chain;
  /** The step's index in `chain.steps`. */
  readonly index: number;
  readonly step: ChainStep;
  readonly experiment: Experiment;
  /** Null when the chain's scale is unknown: nothing scale-specific can be checked. */
  readonly scale: TicScaleConfig | null;
  /**
   * params.txt; without it, the last `Params:` block of out.log (params.txt is rewritten on every start, the log
   * appended to, contracts §7.6, so both say the latest start's values).
   */
  readonly params: ParamsFile | null;
  /** The whole log's summary when the caller read it, else the tail the scan read (null without out.log). */
  readonly log: LogSummary | null;
  /** `log` covers the whole out.log (every start, every epoch). */
  readonly fullLog: boolean;
  /**
   * - `first`: the 2016 step of a continual chain, trained from scratch on 2014–2016 (contracts §1.7);
   * - `continual`: a later step, continued from the step before it;
   * - `oracle`: trained once from scratch on every year with 7 × a step's samples.
   */
  readonly role: 'first' | 'continual' | 'oracle';
  /** What the step cost (stepCompute.ts): its samples are the ones the budget check counts. */
  readonly compute: StepCompute;
  /** The final checkpoint's model by its shapes (checkpointModels.ts); null when not read or not recognised. */
  readonly checkpointModel: string | null;
}

export function stepFacts(
  chain: Chain,
  index: number,
  experiment: Experiment,
  logs: ReadonlyMap<string, LogSummary | null> | undefined,
  compute: StepCompute,
  checkpointModel: string | null = null,
): StepFacts {
  const step = chain.steps[index]!;
  const full = logs?.get(experiment.dir);
  const log = full ?? experiment.logTail;
  const role =
    chain.strategy === 'oracle'
      ? 'oracle'
      : experiment.identity?.firstStep === true || step.year === firstStepYear
        ? 'first'
        : 'continual';
  return {
    chain,
    index,
    step,
    experiment,
    scale: chain.scale === null ? null : ticScaleConfigs[chain.scale],
    params: experiment.params ?? full?.params ?? experiment.logTail?.params ?? null,
    log,
    fullLog: full !== undefined && full !== null,
    role,
    compute,
    checkpointModel,
  };
}

export function problem(
  check: ProtocolCheck,
  severity: ProtocolSeverity,
  expected: string,
  actual: string,
): ProtocolProblem {
  return { check, expected, actual, severity };
}

/** `18,432,000`. */
export function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** A float as people write it: `0.0005`, `1e-6`. */
export function float(x: number): string {
  if (x !== 0 && Math.abs(x) < 1e-4) return x.toExponential().replace(/\.?0+e/, 'e');
  return String(x);
}

/** `2.00 %` away from `reference`, signed: `+0.35 %`. */
export function deviation(actual: number, reference: number): string {
  const d = ((actual - reference) / reference) * 100;
  return `${d >= 0 ? '+' : '−'}${Math.abs(d).toFixed(2)} %`;
}

/** `2014–2017`, or `2014, 2016` when the years are not one run. */
export function yearsText(years: readonly number[]): string {
  const sorted = [...new Set(years)].sort((a, b) => a - b);
  if (sorted.length === 0) return 'none';
  const contiguous = sorted.every((y, i) => i === 0 || y === sorted[i - 1]! + 1);
  if (sorted.length === 1) return String(sorted[0]);
  return contiguous ? `${sorted[0]}–${sorted[sorted.length - 1]}` : sorted.join(', ');
}
