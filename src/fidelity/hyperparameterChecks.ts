import { paramBool, paramFloat, paramInt, paramString } from '../formats/paramsText';
import {
  continualWarmup,
  globalBatchTolerance,
  releasedXlargeContinualWarmup,
  ticLrScheduler,
  ticOptimizer,
  ticPrecision,
  type TicOptimizerKey,
} from '../tic/ticProtocol';
import type { ProtocolProblem } from './protocolReport';
import { count, deviation, float, problem, type StepFacts } from './stepFacts';

/**
 * The checks of one step's hyperparameters against its scale (contracts §1.2, §9): `model`, `globalBatch`, `lr`,
 * `schedule`, `warmup`, `optimizer`. Each reads params.txt (or the log's `Params:` block); a value the files do not
 * give is a `warning`, never a guess.
 */
export function hyperparameterChecks(facts: StepFacts): ProtocolProblem[] {
  return [
    ...modelCheck(facts),
    ...globalBatchCheck(facts),
    ...lrCheck(facts),
    ...scheduleCheck(facts),
    ...warmupCheck(facts),
    ...optimizerCheck(facts),
  ];
}

const notRecorded = 'not recorded (no params.txt)';

/** params.txt `model` (else the log's `Loaded … model config.`) and info.pkl's model, against the scale's. */
function modelCheck({ scale, params, experiment, checkpointModel }: StepFacts): ProtocolProblem[] {
  if (scale === null) return [];
  const expected = `${scale.model} (${scale.scale})`;
  const trained = (params ? paramString(params, 'model') : null) ?? experiment.logTail?.model ?? null;
  const recorded = experiment.info?.model ?? null;
  const out: ProtocolProblem[] = [];
  if (trained === null && recorded === null) out.push(problem('model', 'warning', expected, 'not recorded'));
  if (trained !== null && trained !== scale.model) out.push(problem('model', 'error', expected, trained));
  if (recorded !== null && recorded !== scale.model && recorded !== trained) {
    out.push(problem('model', 'error', expected, `${recorded} (info.pkl)`));
  }
  // What was trained, whatever params.txt asked for (a checkpoint copied in, a config edited by hand).
  if (checkpointModel !== null && checkpointModel !== scale.model && checkpointModel !== trained) {
    out.push(problem('model', 'error', expected, `${checkpointModel} (the final checkpoint's shapes)`));
  }
  return out;
}

/**
 * batch_size × world_size × accum_freq within 0.2 % of the scale's global batch: the per-GPU batch is the global
 * one divided by the GPUs (an integer division), so only a world size that does not divide it changes it, a little.
 */
function globalBatchCheck({ scale, params }: StepFacts): ProtocolProblem[] {
  if (scale === null) return [];
  const expected = `${count(scale.globalBatch)} (${scale.scale})`;
  const batch = params ? paramInt(params, 'batch_size') : undefined;
  const world = params ? paramInt(params, 'world_size') : undefined;
  const accum = params ? paramInt(params, 'accum_freq') : undefined;
  if (typeof batch !== 'number' || typeof world !== 'number' || typeof accum !== 'number') {
    return [
      problem(
        'globalBatch',
        'warning',
        expected,
        params ? 'batch_size, world_size or accum_freq missing' : notRecorded,
      ),
    ];
  }
  const global = batch * world * accum;
  if (Math.abs(global - scale.globalBatch) <= globalBatchTolerance * scale.globalBatch) return [];
  return [
    problem(
      'globalBatch',
      'error',
      expected,
      `${count(global)} (${batch} × ${world} GPUs × accum ${accum}, ${deviation(global, scale.globalBatch)})`,
    ),
  ];
}

function lrCheck({ scale, params }: StepFacts): ProtocolProblem[] {
  if (scale === null) return [];
  const expected = `${float(scale.learningRate)} (${scale.scale})`;
  const lr = params ? paramFloat(params, 'lr') : undefined;
  if (typeof lr !== 'number') return [problem('lr', 'warning', expected, params ? 'lr missing' : notRecorded)];
  return sameFloat(lr, scale.learningRate) ? [] : [problem('lr', 'error', expected, params!.values.lr!)];
}

/**
 * Cosine with no cooldown. OpenCLIP reads `epochs_cooldown` only for its `const-cooldown` scheduler, so with cosine
 * it is a note: set, but without effect. An OpenCLIP too old to have the keys had only cosine.
 */
function scheduleCheck({ params }: StepFacts): ProtocolProblem[] {
  if (params === null) return [problem('schedule', 'warning', `${ticLrScheduler}, no cooldown`, notRecorded)];
  const out: ProtocolProblem[] = [];
  const scheduler = paramString(params, 'lr_scheduler');
  const cooldown = paramString(params, 'epochs_cooldown');
  if (scheduler !== undefined && scheduler !== ticLrScheduler) {
    const actual = `${scheduler ?? 'None'}${typeof cooldown === 'string' ? `, a cooldown over the last ${cooldown} epoch(s)` : ''}`;
    out.push(problem('schedule', 'error', `${ticLrScheduler}, no cooldown`, actual));
  } else if (typeof cooldown === 'string') {
    out.push(
      problem('schedule', 'note', 'no cooldown', `epochs_cooldown ${cooldown}, which the cosine schedule ignores`),
    );
  }
  if (paramBool(params, 'skip_scheduler') === true) {
    out.push(problem('schedule', 'error', ticLrScheduler, 'no schedule (skip_scheduler True)'));
  }
  return out;
}

/**
 * The first step and the oracle warm up for the scale's steps; a continual step starts at the full rate
 * (`--warmup 0` in the public scripts, contracts §1.4). 2000 at xlarge is what the released models used.
 */
function warmupCheck({ scale, params, role }: StepFacts): ProtocolProblem[] {
  if (scale === null) return [];
  const fromScratch = role !== 'continual';
  const want = fromScratch ? scale.warmup : continualWarmup;
  const expected = fromScratch
    ? `${count(want)} (${scale.scale}, ${role === 'oracle' ? 'the oracle' : 'the first step'})`
    : `${want} (a continual step)`;
  const warmup = params ? paramInt(params, 'warmup') : undefined;
  if (typeof warmup !== 'number') {
    return [problem('warmup', 'warning', expected, params ? 'warmup missing' : notRecorded)];
  }
  if (warmup === want) return [];
  if (!fromScratch && scale.scale === 'tic_xlarge' && warmup === releasedXlargeContinualWarmup) {
    return [
      problem(
        'warmup',
        'note',
        expected,
        `${count(warmup)}: matches the released xlarge runs (${count(releasedXlargeContinualWarmup)}), not the scripts`,
      ),
    ];
  }
  return [problem('warmup', 'error', expected, count(warmup))];
}

const optimizerKeys: readonly TicOptimizerKey[] = ['beta1', 'beta2', 'eps', 'wd'];

function optimizerCheck({ params }: StepFacts): ProtocolProblem[] {
  const expected = (key: TicOptimizerKey): string => `${key} ${float(ticOptimizer[key])}`;
  if (params === null) {
    return [
      problem(
        'optimizer',
        'warning',
        `AdamW ${optimizerKeys.map(expected).join(', ')}, precision ${ticPrecision}`,
        notRecorded,
      ),
    ];
  }
  const out: ProtocolProblem[] = [];
  const missing: string[] = [];
  for (const key of optimizerKeys) {
    const value = paramFloat(params, key);
    if (typeof value !== 'number') missing.push(key);
    else if (!sameFloat(value, ticOptimizer[key])) {
      out.push(problem('optimizer', 'error', expected(key), `${key} ${params.values[key]!}`));
    }
  }
  const precision = paramString(params, 'precision');
  if (typeof precision !== 'string') missing.push('precision');
  else if (precision !== ticPrecision) {
    out.push(problem('optimizer', 'error', `precision ${ticPrecision}`, `precision ${precision}`));
  }
  if (missing.length > 0) {
    out.push(problem('optimizer', 'warning', `${missing.join(', ')} recorded`, `${missing.join(', ')} missing`));
  }
  return out;
}

/** Python prints what it parsed (`0.0005`, `1e-06`): equal up to rounding in the last digit. */
function sameFloat(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
}
