import { paramString, type ParamsFile } from '../formats/paramsText';

/**
 * What an experiment's name says beyond the TiC naming rule `datacomp_{scale}-{filtering}_{strategy}_{year}`
 * (contracts §1.8): `datacomp_medium-basic_cumulative_2017_lr1e4`, `…_cumulative_lr1e4_2017` and the monthly
 * `…_sequential_lr1e4_m202001` → `lr1e4`. The
 * `_runN` of a retried attempt is not a variant. Null when nothing is left.
 */
export function nameVariant(name: string): string | null {
  const tokens = name.split('_').filter((t) => t !== '');
  const rest = tokens.filter((token, i) => {
    const t = token.toLowerCase();
    if (i === 0 && t === 'datacomp') return false;
    if (/^(datacomp-)?(debug|small|medium|large|xlarge)(-(basic|bestpool))?$/.test(t)) return false;
    if (/^(basic|bestpool)$/.test(t)) return false;
    if (/^(cumulative|sequential|oracle|seq|restart)$/.test(t)) return false;
    if (/^20(1[4-9]|2[0-2])$/.test(t)) return false;
    if (/^m20[12]\d(0[1-9]|1[0-2])$/.test(t)) return false;
    if (isAttemptToken(t)) return false;
    return true;
  });
  return rest.length === 0 ? null : rest.join('_');
}

/** `run2`, `retry`, `try1`, `attempt3`: an attempt marker the launch flow (and people) append to a step's name. */
function isAttemptToken(token: string): boolean {
  return /^(run|retry|try|attempt)\d*$/.test(token);
}

/** The name without its attempt marker: attempts of one step share it. */
export function attemptBase(name: string): string {
  const tokens = name.split('_');
  while (tokens.length > 1 && isAttemptToken(tokens[tokens.length - 1]!.toLowerCase())) tokens.pop();
  return tokens.join('_');
}

/**
 * The attempt a name's marker says: `_run3` → 3, `_try2` → 2, no marker → 1, a marker without a number
 * (`_retry`) → 2. Only orders attempts whose logs were written at the same time.
 */
export function attemptNumber(name: string): number {
  const last = name.split('_').pop()!.toLowerCase();
  if (name.split('_').length < 2 || !isAttemptToken(last)) return 1;
  const n = /\d+$/.exec(last);
  return n === null ? 2 : Number(n[0]);
}

/**
 * The params.txt keys a method variant changes (the optimizer, the schedule, the batch, the data mix, the loss), in
 * the order a name lists them. Paths, names, logging and the resume itself are left out: they differ per step.
 */
const methodKeys: readonly { key: string; label: string }[] = [
  { key: 'lr', label: 'lr' },
  { key: 'wd', label: 'wd' },
  { key: 'warmup', label: 'warmup' },
  { key: 'batch_size', label: 'batch' },
  { key: 'accum_freq', label: 'accum' },
  { key: 'epochs', label: 'epochs' },
  { key: 'beta1', label: 'β1' },
  { key: 'beta2', label: 'β2' },
  { key: 'eps', label: 'eps' },
  { key: 'lr_scheduler', label: 'schedule' },
  { key: 'lr_cooldown_end', label: 'cooldown end' },
  { key: 'epochs_cooldown', label: 'cooldown' },
  { key: 'train_num_samples', label: 'samples' },
  { key: 'train_data_upsampling_factors', label: 'data weights' },
  { key: 'model', label: 'model' },
  { key: 'precision', label: 'precision' },
  { key: 'grad_clip_norm', label: 'grad clip' },
  { key: 'local_loss', label: 'local loss' },
  { key: 'siglip', label: 'siglip' },
  { key: 'seed', label: 'seed' },
];

/** "lr 1e-4, wd 0.1": the method keys whose values differ between two params files (a's values), or null. */
export function paramsDifference(a: ParamsFile | null, b: ParamsFile | null): string | null {
  if (a === null || b === null) return null;
  const parts: string[] = [];
  for (const { key, label } of methodKeys) {
    const va = paramString(a, key);
    const vb = paramString(b, key);
    if (va === undefined || vb === undefined || va === vb) continue;
    if (numbersEqual(va, vb)) continue;
    parts.push(`${label} ${shortValue(va)}`);
  }
  return parts.length === 0 ? null : parts.slice(0, 3).join(', ');
}

function numbersEqual(a: string | null, b: string | null): boolean {
  if (a === null || b === null) return false;
  const x = Number(a);
  const y = Number(b);
  return a.trim() !== '' && b.trim() !== '' && Number.isFinite(x) && x === y;
}

/** `0.0001` → `1e-4`; other values as written, cut to 24 characters. */
function shortValue(value: string | null): string {
  if (value === null) return 'None';
  const n = Number(value);
  if (value.trim() !== '' && Number.isFinite(n) && n !== 0 && Math.abs(n) < 0.01) {
    const [mantissa, exponent] = n.toExponential().split('e');
    return `${Number(mantissa)}e${Number(exponent)}`;
  }
  return value.length <= 24 ? value : `${value.slice(0, 23)}…`;
}
