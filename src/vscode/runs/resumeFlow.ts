import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as vscode from 'vscode';
import { inspectCheckpoint } from '../../checkpoint/report';
import { PlanError } from '../../plan/planError';
import { hasBlockingProblem } from '../../plan/planProblem';
import { planResume, type ResumePlan, type ResumeRequest } from '../../plan/resumePlan';
import { validateResumePlan } from '../../plan/resumeValidation';
import { simulatedTrainPlan } from '../../plan/simulatedPlan';
import { type TicStrategy } from '../../tic/ticTimeline';
import { readRunSettings } from '../common/settings';
import { confirmCommand, firstExisting, forSimulation, hashParent, requireTrust, showProblems } from './launchPrompts';
import { selectedPython } from './pythonInterpreter';
import { askScale, askVariant, resolveStart, type ResumeStart } from './resumeStart';
import { forkedBy } from '../../plan/chainResume';
import type { RunsService } from './runsService';
import { confirmSlurmScript, pickPlacement } from './slurmPrompts';
import type { RunPlan } from '../../runs/model/runPlan';

/**
 * "Resume from YEAR": plans YEAR+1 (contracts §1.4, §1.7) from a chain step's checkpoint or from a published
 * TiC-CLIP checkpoint (then `--new_run --resume <the cached file>` at a scale whose model is the checkpoint's), asks
 * for the few things that vary (scale for a published start, strategy, GPUs, a variant name when the start already
 * continues elsewhere, experiment name, data root), validates, shows the exact command, launches.
 */
export async function resumeFlow(runs: RunsService, start: ResumeStart): Promise<void> {
  if (!(await requireTrust())) return;
  const ws = runs.workspace;
  if (!ws || !runs.root) return;
  const settings = readRunSettings(runs.root.fsPath);
  const simulated = settings.simulator !== undefined;
  const resolved = await resolveStart(runs, start);
  if (!resolved) return;
  const { defaults } = resolved;
  const fromYear = defaults.fromYear;
  const title = `Resume from ${fromYear}: train ${fromYear + 1}`;
  // The variant prompt comes only when the chosen strategy forks: dropped from the count once it is known.
  let total = 4 + (start.kind === 'published' ? 1 : 0) + (defaults.continuesAs.length > 0 ? 1 : 0);
  let at = 0;
  const stepTitle = (what: string): string => `${title} (${++at}/${total}): ${what}`;

  let scale = defaults.request.scale;
  if (start.kind === 'published') {
    scale = await askScale(stepTitle(`scale (its model must be ${resolved.model ?? "the checkpoint's"})`), resolved);
    if (!scale) return;
  }
  const { python } = await selectedPython(runs.root, settings.python);
  const own = resolved.strategy ?? 'cumulative';
  const strategies: TicStrategy[] = own === 'sequential' ? ['sequential', 'cumulative'] : ['cumulative', 'sequential'];
  const strategyPick = await vscode.window.showQuickPick(
    strategies.map((s) => ({
      label: s,
      description: s === resolved.strategy ? (start.kind === 'published' ? 'as published' : 'this chain') : '',
      detail:
        s === 'cumulative'
          ? `all data 2014–${fromYear + 1}, replayed uniformly by shard`
          : `only ${fromYear + 1}'s data`,
    })),
    { title: stepTitle('strategy'), ignoreFocusOut: true },
  );
  if (!strategyPick) return;
  const strategy = strategyPick.label as TicStrategy;
  const forks = forkedBy(defaults.continuesAs, strategy).length > 0;
  if (!forks && defaults.continuesAs.length > 0) total -= 1;

  const gpuPick = await pickPlacement(
    runs,
    title,
    stepTitle('GPUs per node'),
    defaults.request.nprocPerNode,
    simulated,
  );
  if (!gpuPick) return;
  const { gpus, slurm } = gpuPick;

  const base: ResumeRequest = {
    strategy,
    fromYear,
    checkpoint: defaults.request.checkpoint ?? null,
    scale: scale ?? 'tic_medium',
    filtering: defaults.request.filtering ?? 'basic',
    checkout: ws.checkout?.root ?? runs.root.fsPath,
    dataRoot: firstExisting(defaults.request.dataRoot, settings.dataRoot) ?? '',
    imagenetVal: firstExisting(defaults.request.imagenetVal, settings.imagenetVal) ?? '',
    outputDir: defaults.request.outputDir ?? join(ws.checkout?.datacompDir ?? runs.root.fsPath, 'results'),
    nprocPerNode: gpuPick.n,
    torchrun: python.includes('/') ? join(dirname(python), 'torchrun') : undefined,
  };
  let generated: ResumePlan;
  try {
    generated = planResume(base);
  } catch (error) {
    void vscode.window.showErrorMessage(error instanceof PlanError ? error.message : String(error));
    return;
  }
  const variant = forks
    ? await askVariant(
        stepTitle('variant name'),
        resolved,
        strategy,
        (v) => safeName(() => planResume({ ...base, variant: v }).expName) ?? '…',
      )
    : (defaults.request.variant ?? null);
  if (variant === undefined) return;
  if (variant !== null) generated = planResume({ ...base, variant });
  // An existing experiment folder makes open_clip skip training silently (§1.4): propose a fresh name.
  let suggested = generated.expName;
  for (let i = 2; existsSync(join(base.outputDir, suggested)); i++) suggested = `${generated.expName}_run${i}`;
  const expName = await vscode.window.showInputBox({
    title: stepTitle('experiment name (one per step)'),
    value: suggested,
    prompt:
      suggested !== generated.expName
        ? `${generated.expName} already exists in ${base.outputDir}; reusing it would train nothing.`
        : `Written to ${base.outputDir}/${suggested}`,
    ignoreFocusOut: true,
    validateInput: (v) =>
      /^[\w.+-]+$/.test(v)
        ? existsSync(join(base.outputDir, v))
          ? 'This experiment folder already exists: open_clip would train nothing.'
          : undefined
        : 'Letters, digits, . _ + - only.',
  });
  if (!expName) return;
  const dataRoot = await vscode.window.showInputBox({
    title: stepTitle('data root ($TIC_DATACOMP_Y_PATH/train, one folder of shards per year)'),
    value: base.dataRoot,
    ignoreFocusOut: true,
    validateInput: (v) => (v.trim() === '' ? 'Needed: where the yearly shard folders are.' : undefined),
  });
  if (!dataRoot) return;

  const plan = planResume({ ...base, ...(variant !== null ? { variant } : {}), expName, dataRoot: dataRoot.trim() });
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
  const label = `train ${fromYear + 1} ${strategy}${variant !== null ? ` ${variant}` : ''}`;
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
  const what = `${title} with ${strategy} (${expName})${start.kind === 'published' ? `, from ${resolved.name}` : ''}`;
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

/** The value of `make`, or null when it throws (a name shown as a hint must not break the prompt). */
function safeName(make: () => string): string | null {
  try {
    return make();
  } catch {
    return null;
  }
}
