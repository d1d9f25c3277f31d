import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as vscode from 'vscode';
import { inspectCheckpoint } from '../../checkpoint/report';
import { chainResumeDefaults } from '../../plan/chainResume';
import type { Chain } from '../../workspace/chains';
import { PlanError } from '../../plan/planError';
import { hasBlockingProblem } from '../../plan/planProblem';
import { planResume, type ResumeRequest } from '../../plan/resumePlan';
import { validateResumePlan } from '../../plan/resumeValidation';
import { simulatedTrainPlan } from '../../plan/simulatedPlan';
import { type TicStrategy } from '../../tic/ticTimeline';
import { readRunSettings } from '../common/settings';
import { confirmCommand, firstExisting, forSimulation, hashParent, requireTrust, showProblems } from './launchPrompts';
import { selectedPython } from './pythonInterpreter';
import type { RunsService } from './runsService';
import { confirmSlurmScript, pickPlacement } from './slurmPrompts';
import type { RunPlan } from '../../runs/model/runPlan';

/**
 * "Resume from YEAR": plans YEAR+1 of the chain (contracts §1.4, §1.7) from the step's checkpoint, asks for the few
 * things that vary (strategy, GPUs, experiment name, data root), validates, shows the exact command, launches.
 */
export async function resumeFlow(runs: RunsService, chain: Chain, fromYear: number): Promise<void> {
  if (!(await requireTrust())) return;
  const ws = runs.workspace;
  if (!ws || !runs.root) return;
  const settings = readRunSettings(runs.root.fsPath);
  const simulated = settings.simulator !== undefined;
  let defaults;
  try {
    defaults = chainResumeDefaults(chain, ws.experiments, fromYear);
  } catch (error) {
    void vscode.window.showErrorMessage(error instanceof PlanError ? error.message : String(error));
    return;
  }
  const title = `Resume from ${fromYear}: train ${fromYear + 1}`;
  const { python } = await selectedPython(runs.root, settings.python);
  const strategies: TicStrategy[] =
    chain.strategy === 'sequential' ? ['sequential', 'cumulative'] : ['cumulative', 'sequential'];
  const strategyPick = await vscode.window.showQuickPick(
    strategies.map((s) => ({
      label: s,
      description: s === chain.strategy ? 'this chain' : '',
      detail:
        s === 'cumulative'
          ? `all data 2014–${fromYear + 1}, replayed uniformly by shard (§1.7)`
          : `only ${fromYear + 1}'s data`,
    })),
    { title: `${title} (1/4): strategy`, ignoreFocusOut: true },
  );
  if (!strategyPick) return;
  const strategy = strategyPick.label as TicStrategy;

  const gpuPick = await pickPlacement(
    runs,
    title,
    `${title} (2/4): GPUs per node (--nproc_per_node)`,
    defaults.request.nprocPerNode,
    simulated,
  );
  if (!gpuPick) return;
  const { gpus, slurm } = gpuPick;

  const base: ResumeRequest = {
    strategy,
    fromYear,
    checkpoint: defaults.request.checkpoint ?? null,
    scale: defaults.request.scale ?? 'tic_medium',
    filtering: defaults.request.filtering ?? 'basic',
    checkout: ws.checkout?.root ?? runs.root.fsPath,
    dataRoot: firstExisting(defaults.request.dataRoot, settings.dataRoot) ?? '',
    imagenetVal: firstExisting(defaults.request.imagenetVal, settings.imagenetVal) ?? '',
    outputDir: defaults.request.outputDir ?? join(ws.checkout?.datacompDir ?? runs.root.fsPath, 'results'),
    nprocPerNode: gpuPick.n,
    torchrun: python.includes('/') ? join(dirname(python), 'torchrun') : undefined,
  };
  let generated;
  try {
    generated = planResume(base);
  } catch (error) {
    void vscode.window.showErrorMessage(error instanceof PlanError ? error.message : String(error));
    return;
  }
  // An existing experiment folder makes open_clip skip training silently (§1.4): propose a fresh name.
  let suggested = generated.expName;
  for (let i = 2; existsSync(join(base.outputDir, suggested)); i++) suggested = `${generated.expName}_run${i}`;
  const expName = await vscode.window.showInputBox({
    title: `${title} (3/4): experiment name (--exp_name, unique per step)`,
    value: suggested,
    prompt:
      suggested !== generated.expName
        ? `${generated.expName} already exists in ${base.outputDir}; reusing it would train nothing (contracts §1.4).`
        : `Written to ${base.outputDir}/${suggested}`,
    ignoreFocusOut: true,
    validateInput: (v) =>
      /^[\w.-]+$/.test(v)
        ? existsSync(join(base.outputDir, v))
          ? 'This experiment folder already exists: open_clip would train nothing.'
          : undefined
        : 'Letters, digits, . _ - only.',
  });
  if (!expName) return;
  const dataRoot = await vscode.window.showInputBox({
    title: `${title} (4/4): data root ($TIC_DATACOMP_Y_PATH/train, one folder of shards per year)`,
    value: base.dataRoot,
    ignoreFocusOut: true,
    validateInput: (v) => (v.trim() === '' ? 'Needed: where the yearly shard folders are.' : undefined),
  });
  if (!dataRoot) return;

  const plan = planResume({ ...base, expName, dataRoot: dataRoot.trim() });
  let problems = await validateResumePlan(plan, { inspect: (p) => inspectCheckpoint(p) });
  // The demo's checkpoints are tiny stand-ins of the scale's model: their shapes cannot match ViT-B-32.
  if (simulated) problems = forSimulation(problems);
  if (hasBlockingProblem(problems)) {
    showProblems(`${title}: this command would fail`, problems);
    return;
  }
  const run = simulated && settings.simulator ? simulatedTrainPlan(plan, settings.simulator) : plan;
  const env: Record<string, string> = { ...run.env, PYTHONUNBUFFERED: '1' };
  if (gpus.length > 0) env.CUDA_VISIBLE_DEVICES = gpus.map((g) => g.index).join(',');
  const label = `train ${fromYear + 1} ${strategy}`;
  let runPlan: RunPlan = {
    ...run,
    env,
    kind: 'train',
    label,
    simulated,
    outLogPath: join(plan.expDir, 'out.log'),
    outputDir: plan.expDir,
    ...(slurm ? { slurm } : {}),
  };
  const what = `${title} with ${strategy} (${expName})`;
  if (slurm && runs.slurm) {
    const prepared = runs.slurm.prepare(runPlan);
    if (!(await confirmSlurmScript(`${what} on Slurm`, prepared, problems, simulated))) return;
    runPlan = { ...runPlan, id: prepared.id };
  } else if (!(await confirmCommand(what, plan, problems, simulated))) return;
  const parentCheckpoint = plan.checkpoint ? await hashParent(plan.checkpoint) : undefined;
  // Resolves once started; a run waiting for busy GPUs (or in Slurm's queue) shows as queued meanwhile.
  runs
    .launch(
      { ...runPlan, ...(parentCheckpoint ? { parentCheckpoint } : {}) },
      gpus.map((g) => g.index),
    )
    .catch((error: unknown) =>
      vscode.window.showErrorMessage(
        `Could not start the run: ${error instanceof Error ? error.message : String(error)}`,
      ),
    );
  await vscode.commands.executeCommand('ticStudio.runs.focus');
}
