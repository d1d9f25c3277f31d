import { join } from 'node:path';
import type { CommandPlan } from './commandPlan';
import type { EvalPlan } from './evalPlan';

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

/**
 * evaluate.py's arguments, after `python evaluate.py`, given to the stand-in evaluator. The stand-in skips the
 * generate_tasklist.py step, so the plan's task groups (and `--sample-eval`) go with it in its environment: it scores
 * exactly the tasks the real task list would hold.
 */
export function simulatedEvalPlan(plan: EvalPlan, simulator: string): CommandPlan {
  const [generate, evaluate] = plan.steps;
  const script = evaluate.argv.findIndex((a) => a.endsWith('evaluate.py'));
  return {
    argv: [process.execPath, join(simulator, 'standInEvaluate.mjs'), ...evaluate.argv.slice(script + 1)],
    cwd: evaluate.cwd,
    env: {
      ...evaluate.env,
      ELECTRON_RUN_AS_NODE: '1',
      TIC_STANDIN_EVAL_TASKS: plan.taskGroups.join(','),
      TIC_STANDIN_SAMPLE_EVAL: generate.argv.includes('--sample-eval') ? '1' : '0',
    },
  };
}
