import { paramFloat, paramInt, paramString, type ParamsFile } from '../formats/paramsText';
import { dataYearsOf, type DataYears } from '../tic/trainDataYears';
import { parseResumeReference, type ResumeReference } from '../formats/resumeReference';
import { isTicScale, ticScaleConfigs, ticScales, type TicScale } from '../tic/ticScales';
import { firstDataYear, firstStepYear, lastDataYear, lastStepYear, type TicStrategy } from '../tic/ticTimeline';
import type { TrainInfo } from '../formats/trainInfo';
import { formatMonth, isTicMonth } from '../tic/ticMonths';
import type { TicTimescale } from '../tic/ticTimeStep';

/**
 * Which chain (strategy × filtering × scale) and which training step an experiment is.
 *
 * The name alone cannot be trusted: the public scripts name every year `datacomp_xlarge-basic_cumulative` even
 * at tic_medium (contracts §1.7 "script bugs"), and the internal runs call cumulative *and* sequential steps
 * `…_cumulative_seq_YEAR` and some sequential ones `…_restart_YEAR` (TIC `params/basic-sequential/2018.yaml`,
 * `params/bestpool-sequential/2017.yaml`). So the rules, in order:
 *
 * 1. **Data years decide** when params.txt has `train_data` (or info.pkl a `data_dir`), §1.7:
 *    - exactly 2014, 2015, 2016 → the first step, year 2016 (shared by cumulative and sequential; the strategy is
 *      the name's if it says sequential, else cumulative);
 *    - every year 2014…Y with Y ≥ 2017: with a checkpoint in `resume` → cumulative step Y; from scratch → the
 *      oracle (step Y, normally 2022);
 *    - the single year Y ≥ 2017 with a checkpoint in `resume` → sequential step Y;
 *    - anything else (gaps, one year from scratch) → unchained.
 * 2. **Else the name**: the year is the name's last `_YYYY` token (2016…2022); the strategy is `oracle`,
 *    `sequential` (also a lone `seq`) or `cumulative` when exactly one of them is there; `cumulative_seq` and
 *    `restart` are ambiguous without data years → unchained.
 * 3. **Scale**: info.pkl `scale`; else the run geometry in params.txt (model, lr and
 *    `batch_size = global_batch // world_size` of one tic_* scale, §1.2; then model and batch alone, since a method
 *    variant changes the lr); else the name's word (`medium` → tic_medium); else unknown. A step whose scale or
 *    filtering is still unknown takes its lineage parent's (chains.ts).
 * 4. **Filtering**: the name's `basic` / `bestpool` token; else the data paths' (`xlarge_basic_filter`); else unknown.
 *
 * A name year that disagrees with the data years is reported in `notes` and the data years win.
 *
 * **Monthly steps** (contracts §1.7, §4.3): when every data part is a month folder (`…/train/202001/`), the step is
 * the newest month: one month → sequential (cumulative when the name says so: a cumulative chain branched with
 * "months since the branch" trains one month first), several → cumulative; from scratch → unchained (TiC trains
 * months only on top of a checkpoint). Without data paths, a name ending `_m{YYYYMM}` (what TiC Studio names them)
 * with a strategy word. The identity's `year` is then the month, `YYYYMM`.
 */
export interface ExperimentIdentity {
  readonly strategy: TicStrategy;
  /** `yearly`, or `monthly` when the step trains a month (then `year` holds `YYYYMM`). */
  readonly timescale: TicTimescale;
  /** The training step: a year (2017), or for a monthly step the month (202001). */
  readonly year: number;
  /** The 2016 step (data 2014–2016): both continual strategies start from it. */
  readonly firstStep: boolean;
  readonly scale: TicScale | null;
  readonly filtering: string | null;
  /** How each part was decided, for people (tooltips, `tic-studio` JSON). */
  readonly notes: readonly string[];
}

export interface IdentityInput {
  /** The experiment folder name (`--exp_name`). */
  readonly name: string;
  readonly params: ParamsFile | null;
  readonly info: TrainInfo | null;
}

export type IdentityResult =
  { readonly ok: true; readonly identity: ExperimentIdentity } | { readonly ok: false; readonly reason: string };

export function identifyExperiment(input: IdentityInput): IdentityResult {
  const notes: string[] = [];
  const fromName = nameHints(input.name);
  const params = input.params;
  const trainData = params ? paramString(params, 'train_data') : undefined;
  const data = dataYearsOf(trainData ?? input.info?.dataDir ?? null);
  const resume: ResumeReference | null = params ? parseResumeReference(paramString(params, 'resume') ?? null) : null;

  if (data.monthly || (data.years.length === 0 && fromName.month !== null)) {
    const source = trainData ? 'params.txt train_data' : 'info.pkl data_dir';
    return identifyMonthlyStep(input, data.monthly ? data : null, fromName, resume !== null, source);
  }

  let strategy: TicStrategy;
  let year: number;
  let firstStep = false;
  if (data.years.length > 0) {
    const years = [...data.years].sort((a, b) => a - b);
    const max = years[years.length - 1]!;
    const contiguousFrom2014 = years[0] === firstDataYear && years.length === max - firstDataYear + 1;
    const source = trainData ? 'params.txt train_data' : 'info.pkl data_dir';
    if (contiguousFrom2014 && max === firstStepYear) {
      firstStep = true;
      year = firstStepYear;
      strategy = fromName.strategy === 'sequential' ? 'sequential' : 'cumulative';
      notes.push(`first step: ${source} covers 2014–2016 (contracts §1.7)`);
    } else if (contiguousFrom2014 && max > firstStepYear && max <= lastDataYear) {
      year = max;
      if (resume !== null) {
        strategy = 'cumulative';
        notes.push(`cumulative: ${source} covers 2014–${max} and it resumes from ${resume.path}`);
      } else {
        strategy = 'oracle';
        notes.push(`oracle: ${source} covers 2014–${max}, trained from scratch`);
      }
    } else if (years.length === 1 && max > firstStepYear && max <= lastDataYear) {
      if (resume === null) return { ok: false, reason: `trains only ${max} from scratch: not a TiC strategy` };
      strategy = 'sequential';
      year = max;
      notes.push(`sequential: ${source} covers only ${max} and it resumes from ${resume.path}`);
    } else {
      return { ok: false, reason: `data years ${data.years.join(', ')} fit no TiC strategy (contracts §1.7)` };
    }
    if (fromName.year !== null && fromName.year !== year) {
      notes.push(`the name says ${fromName.year}, the data years say ${year}: using ${year}`);
    }
  } else {
    if (fromName.year === null)
      return { ok: false, reason: 'no data years in params.txt/info.pkl and no _YYYY year in the name' };
    if (fromName.strategy === null) {
      return {
        ok: false,
        reason: fromName.ambiguous
          ? `the name's strategy is ambiguous (${fromName.ambiguous}) and there is no params.txt train_data to decide`
          : 'the name names no strategy (cumulative, sequential, oracle)',
      };
    }
    strategy = fromName.strategy;
    year = fromName.year;
    firstStep = year === firstStepYear && strategy !== 'oracle';
    notes.push(`from the name: ${strategy} ${year}`);
  }
  if (year < firstStepYear || year > lastStepYear) {
    return {
      ok: false,
      reason: `year ${year} is not a training step (${firstStepYear}…${lastStepYear}, contracts §4.2)`,
    };
  }

  const scale = scaleOf(input, fromName.scaleWord, notes);
  const filtering = fromName.filtering ?? data.filtering;
  if (filtering === null) notes.push('filtering unknown (neither the name nor the data paths say basic or bestpool)');
  return { ok: true, identity: { strategy, timescale: 'yearly', year, firstStep, scale, filtering, notes } };
}

function identifyMonthlyStep(
  input: IdentityInput,
  data: DataYears | null,
  fromName: NameHints,
  resumes: boolean,
  source: string,
): IdentityResult {
  const notes: string[] = [];
  const months = data?.months ?? [];
  let strategy: TicStrategy;
  let month: number;
  if (months.length > 0) {
    month = Math.max(...months);
    if (!resumes) {
      return { ok: false, reason: `trains months (${formatMonth(month)}) from scratch: not a TiC monthly step` };
    }
    if (months.length > 1) {
      strategy = 'cumulative';
      notes.push(`monthly cumulative: ${source} covers ${months.length} months up to ${formatMonth(month)}`);
    } else {
      strategy = fromName.strategy === 'cumulative' ? 'cumulative' : 'sequential';
      notes.push(`monthly ${strategy}: ${source} covers only ${formatMonth(month)}`);
    }
    if (fromName.month !== null && fromName.month !== month) {
      notes.push(
        `the name says ${formatMonth(fromName.month)}, the data says ${formatMonth(month)}: using ${formatMonth(month)}`,
      );
    }
  } else {
    month = fromName.month!;
    if (fromName.strategy === null || fromName.strategy === 'oracle') {
      return {
        ok: false,
        reason: `the name says month ${formatMonth(month)} but no continual strategy (cumulative, sequential)`,
      };
    }
    strategy = fromName.strategy;
    notes.push(`from the name: monthly ${strategy} ${formatMonth(month)}`);
  }
  const scale = scaleOf(input, fromName.scaleWord, notes);
  const filtering = fromName.filtering ?? data?.filtering ?? null;
  if (filtering === null) notes.push('filtering unknown (neither the name nor the data paths say basic or bestpool)');
  return {
    ok: true,
    identity: { strategy, timescale: 'monthly', year: month, firstStep: false, scale, filtering, notes },
  };
}

interface NameHints {
  readonly year: number | null;
  /** A last token `m{YYYYMM}` naming a TiC month (TiC Studio's monthly names). */
  readonly month: number | null;
  readonly strategy: TicStrategy | null;
  readonly ambiguous: string | null;
  readonly filtering: string | null;
  readonly scaleWord: string | null;
}

function nameHints(name: string): NameHints {
  const tokens = name
    .toLowerCase()
    .split(/[-_]+/)
    .filter((t) => t !== '');
  const last = tokens[tokens.length - 1] ?? '';
  const year = /^\d{4}$/.test(last) ? Number(last) : null;
  const monthToken = /^m(\d{6})$/.exec(last);
  const month = monthToken !== null && isTicMonth(Number(monthToken[1])) ? Number(monthToken[1]) : null;
  const has = (t: string): boolean => tokens.includes(t);
  let strategy: TicStrategy | null = null;
  let ambiguous: string | null = null;
  if (has('oracle')) strategy = 'oracle';
  else if (has('sequential')) strategy = 'sequential';
  else if (has('cumulative') && has('seq')) ambiguous = 'cumulative_seq';
  else if (has('restart')) ambiguous = 'restart';
  else if (has('cumulative')) strategy = 'cumulative';
  else if (has('seq')) strategy = 'sequential';
  const filtering = has('bestpool') ? 'bestpool' : has('basic') ? 'basic' : null;
  const scaleWord = ['xlarge', 'large', 'medium', 'small', 'debug'].find(has) ?? null;
  return { year, month, strategy, ambiguous, filtering, scaleWord };
}

function scaleOf(input: IdentityInput, scaleWord: string | null, notes: string[]): TicScale | null {
  const infoScale = input.info?.scale;
  if (infoScale && isTicScale(infoScale)) {
    notes.push(`scale ${infoScale} from info.pkl`);
    return infoScale;
  }
  if (input.params) {
    const p = input.params;
    const model = paramString(p, 'model');
    const lr = paramFloat(p, 'lr');
    const batch = paramInt(p, 'batch_size');
    const world = paramInt(p, 'world_size') ?? 1;
    const accum = paramInt(p, 'accum_freq') ?? 1;
    if (typeof model === 'string' && typeof lr === 'number' && typeof batch === 'number') {
      // per_gpu_batch = global_batch // (world_size * accum_freq) (contracts §1.2 "derived run geometry").
      const match = ticScales.filter((s) => {
        const c = ticScaleConfigs[s];
        return (
          c.model === model &&
          Math.abs(c.learningRate - lr) < 1e-12 &&
          Math.floor(c.globalBatch / (world * accum)) === batch
        );
      });
      if (match.length === 1) {
        notes.push(`scale ${match[0]} from the run geometry in params.txt (${model}, lr ${lr}, ${batch}×${world})`);
        return match[0]!;
      }
      // A method variant changes the lr (or another hyperparameter) but keeps the scale's model and batch.
      const byBatch = ticScales.filter((s) => {
        const c = ticScaleConfigs[s];
        return c.model === model && Math.floor(c.globalBatch / (world * accum)) === batch;
      });
      if (byBatch.length === 1) {
        const scale = byBatch[0]!;
        notes.push(
          `scale ${scale} from the model and batch in params.txt (${model}, ${batch}×${world}); its lr ${lr} is not the scale's ${ticScaleConfigs[scale].learningRate}`,
        );
        return scale;
      }
    }
  }
  const byWord = ticScales.find((s) => ticScaleConfigs[s].nameWord === scaleWord);
  if (byWord !== undefined) {
    notes.push(`scale ${byWord} from the name (not confirmed by info.pkl or params.txt)`);
    return byWord;
  }
  notes.push('scale unknown');
  return null;
}
