import { paramString } from '../formats/paramsText';
import { dataYearsOf } from '../tic/trainDataYears';
import { stepDataYears } from '../tic/ticTimeline';
import type { ProtocolProblem } from './protocolReport';
import { problem, yearsText, type StepFacts } from './stepFacts';

/**
 * The `data` check (contracts §1.7, §4.5, §9): exactly the strategy's years (the first step 2014–2016, cumulative
 * 2014…Y, sequential Y, the oracle 2014–2022), read from params.txt `train_data` (else info.pkl's `data_dir`),
 * and no per-folder weights (`train_data_upsampling_factors` None in every released run): with resampling and no
 * weights each year is replayed in proportion to its shard count, as in the paper.
 */
export function dataCheck({ chain, step, params, experiment, role }: StepFacts): ProtocolProblem[] {
  const strategyYears = stepDataYears(chain.strategy, step.year);
  const what =
    role === 'oracle' ? 'the oracle' : role === 'first' ? 'the first step' : `${chain.strategy} ${step.year}`;
  const expected = `${yearsText(strategyYears)} (${what})`;
  const out: ProtocolProblem[] = [];
  const source = experiment.trainData ?? experiment.info?.dataDir ?? null;
  const data = dataYearsOf(source);
  if (data.years.length === 0 && data.partsWithoutYear === 0) {
    out.push(problem('data', 'warning', expected, 'not recorded (no train_data)'));
  } else {
    const have = new Set(data.years);
    const missing = strategyYears.filter((y) => !have.has(y));
    const extra = data.years.filter((y) => !strategyYears.includes(y));
    if (missing.length > 0 || extra.length > 0) {
      const parts = [
        ...(missing.length > 0 ? [`without ${yearsText(missing)}`] : []),
        ...(extra.length > 0 ? [`with ${yearsText(extra)}`] : []),
      ];
      out.push(problem('data', 'error', expected, `${yearsText(data.years)} (${parts.join(', ')})`));
    }
    if (data.partsWithoutYear > 0) {
      out.push(problem('data', 'error', expected, `${data.partsWithoutYear} data part(s) in no year folder`));
    }
  }
  const weights = params ? paramString(params, 'train_data_upsampling_factors') : null;
  if (typeof weights === 'string') {
    out.push(problem('data', 'error', 'no weights (each year in proportion to its shards)', `weights ${weights}`));
  }
  return out;
}
