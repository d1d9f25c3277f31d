import { join } from 'node:path';
import type { CommandPlan } from './commandPlan';

/**
 * The demo's "simulated" runs: the same plan, with the real program swapped for the stand-in of the simulator
 * folder (`ticStudio.runs.simulator`), run by this Node (ELECTRON_RUN_AS_NODE so it works inside Electron too).
 * torchrun's own flags stay in front of train.py: the stand-in accepts them as torchrun would.
 */
export function simulatedTrainPlan(
  plan: CommandPlan,
  simulator: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): CommandPlan {
  // A pace a person can watch (one logged step a second, 30 per epoch), unless the environment sets another.
  const pace = {
    TIC_STANDIN_STEP_MS: env.TIC_STANDIN_STEP_MS ?? '1000',
    TIC_STANDIN_STEPS_PER_EPOCH: env.TIC_STANDIN_STEPS_PER_EPOCH ?? '30',
    TIC_STANDIN_LOG_EVERY: env.TIC_STANDIN_LOG_EVERY ?? '1',
  };
  return {
    argv: [process.execPath, join(simulator, 'standInTrain.mjs'), ...plan.argv.slice(1)],
    cwd: plan.cwd,
    env: { ...plan.env, ...pace, ELECTRON_RUN_AS_NODE: '1' },
  };
}

/** evaluate.py's arguments, after `python evaluate.py`, given to the stand-in evaluator. */
export function simulatedEvalPlan(plan: CommandPlan, simulator: string): CommandPlan {
  const script = plan.argv.findIndex((a) => a.endsWith('evaluate.py'));
  return {
    argv: [process.execPath, join(simulator, 'standInEvaluate.mjs'), ...plan.argv.slice(script + 1)],
    cwd: plan.cwd,
    env: { ...plan.env, ELECTRON_RUN_AS_NODE: '1' },
  };
}
