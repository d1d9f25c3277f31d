/**
 * The years of TiC-DataComp (contracts §4.2): training data covers 2014…2022; the first training step merges
 * 2014, 2015 and 2016 and is called "2016"; then one step per year up to 2022, 7 steps in all (§1.7).
 */
export const firstDataYear = 2014;
export const lastDataYear = 2022;
export const firstStepYear = 2016;
export const lastStepYear = 2022;

/** 2016, 2017, …, 2022. */
export const trainingStepYears: readonly number[] = Array.from(
  { length: lastStepYear - firstStepYear + 1 },
  (_, i) => firstStepYear + i,
);

/** The continual-learning strategies the TIC scripts implement (§1.7). */
export type TicStrategy = 'cumulative' | 'sequential' | 'oracle';

export const ticStrategies: readonly TicStrategy[] = ['cumulative', 'sequential', 'oracle'];

export function isTicStrategy(value: string): value is TicStrategy {
  return (ticStrategies as readonly string[]).includes(value);
}

/**
 * The data years of a training step, newest first as the scripts build `--data_dir` (§1.7):
 * the first step 2016, 2015, 2014; cumulative Y, Y−1, …, 2014; sequential Y only; the oracle 2022, …, 2014.
 */
export function stepDataYears(strategy: TicStrategy, year: number): number[] {
  const down = (from: number): number[] => Array.from({ length: from - firstDataYear + 1 }, (_, i) => from - i);
  if (strategy === 'oracle') return down(lastDataYear);
  if (year === firstStepYear) return down(firstStepYear);
  return strategy === 'cumulative' ? down(year) : [year];
}
