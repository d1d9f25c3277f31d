import { oracleSampleFactor, ticScaleConfigs } from '../tic/ticScales';
import type { PlanProblem } from './planProblem';
import type { ResumePlan } from './resumePlan';

/**
 * What in a training plan would make its step not comparable to TiC-CLIP's (contracts §9), said before launch: the
 * protocol-exact values come from the scale (§1.2), so only what the user changed can break it: a warmup, data
 * weights, more arguments for train.py, or a GPU count that does not divide the global batch. Read from the plan's
 * argv, the exact command that will run, so every way a value got there (an option, extra arguments) is seen.
 * Warnings, not errors: a variant that changes the protocol on purpose is research too; it must only not be
 * mistaken for the paper's protocol.
 */
export function protocolPlanProblems(plan: ResumePlan): PlanProblem[] {
  const config = ticScaleConfigs[plan.scale];
  const args = trainArgs(plan.argv);
  const world = positiveInt(launcherValue(plan.argv, '--nproc_per_node')) ?? 1;
  const problems: PlanProblem[] = [];
  const warn = (why: string): void => {
    problems.push({ reason: 'notComparable', severity: 'warning', message: `Not comparable to the paper: ${why}` });
  };
  const oracle = plan.strategy === 'oracle';

  const warmup = positiveIntOrZero(args.get('--warmup')) ?? config.warmup;
  const expectedWarmup = plan.fromScratch ? config.warmup : 0;
  if (warmup !== expectedWarmup) {
    warn(
      plan.fromScratch
        ? `the learning rate warms up over ${count(warmup)} steps; ${oracle ? 'the oracle' : 'the first step'} of ${plan.scale} warms up over ${count(expectedWarmup)}.`
        : `the learning rate warms up over ${count(warmup)} steps; TiC-CLIP's continual steps start at the full rate (no warmup).`,
    );
  }

  const weights = args.get('--data_weights');
  if (weights !== undefined) {
    warn(
      `the data years are weighted (${weights.split('::').join(', ')}); TiC-CLIP samples every year's shards alike.`,
    );
  }

  const precision = args.get('--precision');
  if (precision !== undefined && precision !== 'amp') {
    warn(`it trains in ${precision} precision; TiC-CLIP trains in mixed precision (amp).`);
  }

  // The run geometry of contracts §1.2: the per-GPU batch rounds down, the batches per epoch round up.
  const accum = positiveInt(args.get('--accum_freq')) ?? 1;
  const workers = positiveInt(args.get('--workers')) ?? 4;
  const epochs = positiveInt(args.get('--num_checkpoints')) ?? 5;
  const budget = config.trainNumSamples * (oracle ? oracleSampleFactor : 1);
  // `args.train_num_samples or config[…]`: 0 also means the scale's (§1.1).
  const asked = positiveInt(args.get('--train_num_samples')) ?? config.trainNumSamples;
  const perGpu = Math.floor(config.globalBatch / (world * accum));
  const globalBatch = perGpu * world * accum;
  if (perGpu === 0) {
    warn(
      `${world} GPUs × ${accum} accumulation steps are more than the global batch of ${count(config.globalBatch)}: every GPU would get an empty batch.`,
    );
    return problems;
  }
  if (Math.abs(globalBatch - config.globalBatch) > 0.002 * config.globalBatch) {
    warn(
      `on ${world} GPUs the batch per GPU rounds down to ${count(perGpu)}, so every optimizer step sees ${count(globalBatch)} samples instead of ${count(config.globalBatch)} (${percent(globalBatch, config.globalBatch)}). Pick a GPU count that divides ${count(config.globalBatch)}.`,
    );
  }
  const perEpoch = Math.floor(asked / epochs);
  const batches = Math.ceil(Math.ceil(perEpoch / (perGpu * world)) / workers) * workers;
  const samples = batches * perGpu * world * epochs;
  if (Math.abs(samples - budget) > 0.02 * budget) {
    warn(
      `it trains on ${count(samples)} samples (${percent(samples, budget)}); ${oracle ? `the oracle's budget at ${plan.scale} is ${count(budget)} (7 steps' worth)` : `every step of ${plan.scale} gets the same ${count(budget)}`}.`,
    );
  }
  return problems;
}

/** train.py's arguments, last one wins as with argparse; `--flag=value` too. Flags without a value map to ''. */
function trainArgs(argv: readonly string[]): Map<string, string> {
  const start = argv.indexOf('train.py');
  const out = new Map<string, string>();
  const rest = start < 0 ? [] : argv.slice(start + 1);
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    if (!arg.startsWith('--')) continue;
    const eq = arg.indexOf('=');
    if (eq > 0) {
      out.set(arg.slice(0, eq), arg.slice(eq + 1));
      continue;
    }
    const next = rest[i + 1];
    if (next !== undefined && !next.startsWith('--')) {
      out.set(arg, next);
      i++;
    } else out.set(arg, '');
  }
  return out;
}

function launcherValue(argv: readonly string[], flag: string): string | undefined {
  const end = argv.indexOf('train.py');
  const launcher = end < 0 ? argv : argv.slice(0, end);
  const at = launcher.indexOf(flag);
  return at < 0 ? undefined : launcher[at + 1];
}

function positiveInt(value: string | undefined): number | undefined {
  const n = positiveIntOrZero(value);
  return n === undefined || n === 0 ? undefined : n;
}

function positiveIntOrZero(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+$/.test(value)) return undefined;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : undefined;
}

const count = (n: number): string => n.toLocaleString('en-US');

function percent(actual: number, expected: number): string {
  const p = ((actual - expected) / expected) * 100;
  return `${p > 0 ? '+' : '−'}${Math.abs(p).toFixed(Math.abs(p) < 1 ? 2 : 1)} %`;
}
