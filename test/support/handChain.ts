import type { Chain, ChainStep } from '../../src/workspace/chains';

/**
 * A hand-built yearly chain `tic_medium/basic/cumulative` of the given steps (the Chain interface of
 * src/workspace/chains.ts), for tests of what reads chains; `more` overrides any field (a monthly chain:
 * `timescale: 'monthly'`, `branch`, a `…/monthly` key).
 */
export function handChain(steps: ChainStep[], more: Partial<Chain> = {}): Chain {
  return {
    key: 'tic_medium/basic/cumulative',
    group: 'tic_medium/basic/cumulative',
    strategy: 'cumulative',
    timescale: 'yearly',
    branch: null,
    scale: 'tic_medium',
    filtering: 'basic',
    variant: null,
    variantSource: null,
    label: 'tic_medium/basic/cumulative',
    forkedFrom: null,
    root: { kind: 'scratch' },
    lineage: steps.flatMap((s) => (s.expName === null ? [] : [s.expName])),
    guessed: false,
    steps,
    lastYear: Math.max(...steps.filter((s) => s.experiment !== null || s.published !== null).map((s) => s.year)),
    ...more,
  };
}
