import { dirname, join } from 'node:path';
import * as vscode from 'vscode';
import { inspectCheckpoint } from '../../checkpoint/report';
import { defaultTaskGroupsFor, planEval, timescaleOfExpName } from '../../plan/evalPlan';
import type { TicTimescale } from '../../tic/ticTimeStep';
import { validateEvalPlan } from '../../plan/evalValidation';
import { hasBlockingProblem } from '../../plan/planProblem';
import { simulatedEvalPlan } from '../../plan/simulatedPlan';
import type { SlurmJobOptions } from '../../runs/model/slurmJobOptions';
import { readRunSettings } from '../common/settings';
import {
  confirmCommand,
  evalDataMessage,
  forSimulation,
  recordEvalCode,
  requireTrust,
  showProblems,
} from './launchPrompts';
import { selectedPython } from './pythonInterpreter';
import type { RunsService } from './runsService';
import { askSlurmShape, confirmSlurmScript, pickWhereFrom, slurmPartitions, type Where } from './slurmPrompts';
import { answer, back, input, pick, runWizard } from '../launch/launchWizard';
import type { RunPlan } from '../../runs/model/runPlan';
import { requireCheckout } from '../onboarding/checkoutPicker';
import { withSimulationOffer } from '../onboarding/simulationOffer';

/**
 * "Evaluate": tasklist then evaluate.py with one output folder per checkpoint (contracts §3.2, §7.9). `knownModel`:
 * the model when the shapes do not say (a published TiC-CLIP checkpoint is ViT-B-16, contracts §6.1). A step of a
 * monthly chain (`timescale`, else a `…_m{YYYYMM}` experiment name) is scored on the monthly tasks (§3.4).
 */
export async function evaluateFlow(
  runs: RunsService,
  checkpoint: string,
  expName: string | null,
  knownModel?: string,
  timescale?: TicTimescale,
): Promise<void> {
  if (!(await requireTrust()) || !(await requireCheckout(runs, 'evaluate'))) return;
  const ws = runs.workspace;
  if (!ws || !runs.root) return;
  const settings = await withSimulationOffer(runs.root.fsPath, readRunSettings(runs.root.fsPath), runs.slurmCommands);
  if (!settings) return;
  const simulated = settings.simulator !== undefined;
  let arch: string | null;
  try {
    arch = (await inspectCheckpoint(checkpoint)).architecture?.name ?? null;
  } catch (error) {
    void vscode.window.showErrorMessage(
      `Cannot evaluate ${checkpoint}: ${error instanceof Error ? error.message : String(error)}`,
    );
    return;
  }
  const datacomp = ws.checkout?.datacompDir ?? join(runs.root.fsPath, 'datacomp');
  const name = expName ?? dirname(dirname(checkpoint)).split('/').pop() ?? 'checkpoint';
  const outputDir = join(datacomp, 'eval_results', name);
  const title = `Evaluate ${name}`;
  const partitions = await slurmPartitions(runs.slurmCommands, runs.log);
  const inferred = arch ?? knownModel ?? null;
  let model = inferred;
  let where: Where = { kind: 'local' };
  let slurm: SlurmJobOptions | undefined;
  let dataDir: string | undefined;
  const models = ['ViT-B-32', 'ViT-B-16', 'ViT-L-14'].map((label) => ({ label }));
  const done = await runWizard([
    {
      when: () => inferred === null,
      run: async (at) =>
        answer(
          await pick({
            title: `${title}: model (its shapes do not say which OpenCLIP model it is)`,
            items: models,
            active: (i) => i.label === model,
            at,
          }),
          (v) => (model = v.label),
        ),
    },
    {
      when: () => partitions !== null,
      run: async (at) => {
        const chosen = await pickWhereFrom(partitions ?? [], title, at);
        if (chosen === undefined || chosen === back) return chosen === back ? 'back' : 'cancel';
        where = chosen;
        if (where.kind !== 'slurm') {
          slurm = undefined;
          return 'next';
        }
        slurm = await askSlurmShape(
          title,
          where.options,
          (partitions ?? []).map((p) => p.name),
          false,
        );
        return slurm ? 'next' : 'cancel';
      },
    },
    {
      run: async (at) =>
        answer(
          await input({
            title: `${title}: eval data root`,
            value: dataDir ?? join(datacomp, 'data'),
            prompt: 'Where the evaluation datasets were downloaded.',
            browseFolder: true,
            validateAtOnce: true,
            at,
            validate: (v) => evalDataMessage(v),
          }),
          (v) => (dataDir = v.trim()),
        ),
    },
  ]);
  if (!done || model === null || dataDir === undefined) return;
  arch = model;
  const plan = planEval({
    checkout: ws.checkout?.root ?? runs.root.fsPath,
    checkpoint,
    arch,
    outputDir,
    dataDir,
    taskGroups: defaultTaskGroupsFor(timescale ?? timescaleOfExpName(name)),
    python: (await selectedPython(runs.root, settings.python)).python,
  });
  // An output dir holding another checkpoint's results would make evaluate.py keep the old scores (§3.2, §7.9).
  const checked = await validateEvalPlan(plan, { inspect: (p) => inspectCheckpoint(p) });
  let problems = checked;
  if (simulated) problems = forSimulation(problems);
  if (hasBlockingProblem(problems)) {
    showProblems(`Evaluate ${expName ?? checkpoint}: this command would fail`, problems);
    return;
  }
  const [tasklist, evaluate] = plan.steps;
  const run = simulated && settings.simulator ? simulatedEvalPlan(plan, settings.simulator) : evaluate;
  const what = `Evaluate ${expName ?? checkpoint} on ${plan.taskGroups.join(', ')}`;
  let evalRun: RunPlan = {
    ...run,
    env: { ...run.env, PYTHONUNBUFFERED: '1' },
    kind: 'eval',
    label: `eval ${expName ?? checkpoint}`,
    simulated,
    outputDir,
    ...(slurm ? { slurm } : {}),
  };
  if (slurm && runs.slurm) {
    const prepared = runs.slurm.prepare(evalRun);
    if (!(await confirmSlurmScript(`${what} on Slurm`, prepared, checked, simulated))) return;
    evalRun = { ...evalRun, id: prepared.id };
  } else if (!(await confirmCommand(what, evaluate, checked, simulated))) return;
  try {
    if (!simulated) {
      // evaluate.py reads datacomp/tasklist.yml: write it first, and wait for it (§3.2).
      const first = await runs.launch({
        ...tasklist,
        kind: 'tasklist',
        label: `tasklist for ${expName ?? 'checkpoint'}`,
        ...(slurm ? { slurm } : {}),
      });
      const done = await runs.waitForEnd(first);
      if (done?.status !== 'succeeded') {
        void vscode.window.showErrorMessage('generate_tasklist.py failed; see its log in the Runs view.');
        return;
      }
    }
    await recordEvalCode(runs.log, outputDir, ws.checkout?.root ?? runs.root.fsPath, plan.taskGroups);
    await runs.launch(evalRun);
    await vscode.commands.executeCommand('ticStudio.runs.focus');
  } catch (error) {
    void vscode.window.showErrorMessage(
      `Could not start the evaluation: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}
