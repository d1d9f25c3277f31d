import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as vscode from 'vscode';
import { inspectCheckpoint } from '../../checkpoint/report';
import { PlanError } from '../../plan/planError';
import { hasBlockingProblem } from '../../plan/planProblem';
import { planResume, type MonthlyData, type ResumePlan, type ResumeRequest } from '../../plan/resumePlan';
import { validateResumePlan } from '../../plan/resumeValidation';
import { simulatedTrainPlan } from '../../plan/simulatedPlan';
import { type TicStrategy } from '../../tic/ticTimeline';
import { firstMonthAfterYear, firstTicMonth, formatMonth } from '../../tic/ticMonths';
import { formatTimeStep } from '../../tic/ticTimeStep';
import { readRunSettings } from '../common/settings';
import { confirmCommand, firstExisting, forSimulation, hashParent, requireTrust, showProblems } from './launchPrompts';
import { selectedPython } from './pythonInterpreter';
import { askScale, askVariant, resolveStart, type ResolvedStart, type ResumeStart } from './resumeStart';
import { forkedBy } from '../../plan/chainResume';
import type { RunsService } from './runsService';
import { confirmSlurmScript, pickPlacement } from './slurmPrompts';
import type { RunPlan } from '../../runs/model/runPlan';
import { forPeople } from '../common/peopleText';
import { requireCheckout } from '../onboarding/checkoutPicker';
import { withSimulationOffer } from '../onboarding/simulationOffer';

/**
 * "Resume from YEAR": plans YEAR+1 (contracts §1.4, §1.7) from a chain step's checkpoint or from a published
 * TiC-CLIP checkpoint (then `--new_run --resume <the cached file>` at a scale whose model is the checkpoint's), asks
 * for the few things that vary (scale for a published start, strategy, GPUs, a variant name when the start already
 * continues elsewhere, experiment name, data root), validates, shows the exact command, launches.
 * From a month of a monthly chain it trains the next TiC month; with `monthlyBranch` ("Branch a Monthly Chain") a
 * yearly step or a published year starts a monthly chain with the first month after it (contracts §1.7, §4.3).
 */
export async function resumeFlow(runs: RunsService, start: ResumeStart, monthlyBranch = false): Promise<void> {
  if (!(await requireTrust()) || !(await requireCheckout(runs, 'train'))) return;
  const ws = runs.workspace;
  if (!ws || !runs.root) return;
  const settings = await withSimulationOffer(runs.root.fsPath, readRunSettings(runs.root.fsPath), runs.slurmCommands);
  if (!settings) return;
  const simulated = settings.simulator !== undefined;
  const resolved = await resolveStart(runs, start, monthlyBranch);
  if (!resolved) return;
  const { defaults } = resolved;
  const fromYear = defaults.fromYear;
  const monthly = defaults.timescale === 'monthly';
  const next = formatTimeStep(defaults.next);
  const title = monthlyBranch
    ? `Branch a monthly chain off ${fromYear}: train ${next}`
    : `Resume from ${formatTimeStep(fromYear)}: train ${next}`;
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
  const strategyPick = await vscode.window.showQuickPick(strategyItems(resolved, monthlyBranch), {
    title: stepTitle('strategy'),
    ignoreFocusOut: true,
  });
  if (!strategyPick) return;
  const { strategy, monthlyData } = strategyPick;
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

  const { timescale, fromMonth, branchYear } = defaults.request;
  const base: ResumeRequest = {
    strategy,
    ...(monthly ? { timescale, fromMonth, branchYear, ...(monthlyData ? { monthlyData } : {}) } : { fromYear }),
    checkpoint: defaults.request.checkpoint ?? null,
    scale: scale ?? 'tic_medium',
    filtering: defaults.request.filtering ?? 'basic',
    checkout: ws.checkout?.root ?? runs.root.fsPath,
    dataRoot: firstExisting(defaults.request.dataRoot, monthly ? settings.monthlyDataRoot : settings.dataRoot) ?? '',
    imagenetVal: firstExisting(defaults.request.imagenetVal, settings.imagenetVal) ?? '',
    outputDir: defaults.request.outputDir ?? join(ws.checkout?.datacompDir ?? runs.root.fsPath, 'results'),
    nprocPerNode: gpuPick.n,
    torchrun: python.includes('/') ? join(dirname(python), 'torchrun') : undefined,
  };
  let generated: ResumePlan;
  try {
    generated = planResume(base);
  } catch (error) {
    void vscode.window.showErrorMessage(error instanceof PlanError ? forPeople(error.message) : String(error));
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
    title: stepTitle(
      monthly
        ? 'data root ($TIC_DATACOMP_M_PATH/train, one folder of shards per month)'
        : 'data root ($TIC_DATACOMP_Y_PATH/train, one folder of shards per year)',
    ),
    value: base.dataRoot,
    ignoreFocusOut: true,
    validateInput: (v) =>
      v.trim() === '' ? `Needed: where the ${monthly ? 'monthly' : 'yearly'} shard folders are.` : undefined,
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
  const label = `train ${next} ${strategy}${variant !== null ? ` ${variant}` : ''}`;
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
  const data = monthlyData === 'sinceBranch' ? ', months since the branch point' : '';
  const what = `${title} with ${strategy}${data} (${expName})${start.kind === 'published' ? `, from ${resolved.name}` : ''}`;
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

interface StrategyItem extends vscode.QuickPickItem {
  readonly strategy: TicStrategy;
  /** Monthly cumulative: which months it trains on. */
  readonly monthlyData?: MonthlyData;
}

/**
 * The strategies a launch may take, the start's own first. A monthly cumulative step trains on every month up to
 * it, or (when the chain branched off a yearly step) only on the months since that branch point.
 */
function strategyItems(resolved: ResolvedStart, monthlyBranch: boolean): StrategyItem[] {
  const { defaults, start } = resolved;
  const mine = start.kind === 'published' ? 'as published' : monthlyBranch ? 'as the yearly chain' : 'this chain';
  const next = formatTimeStep(defaults.next);
  let items: StrategyItem[];
  if (defaults.timescale === 'yearly') {
    items = (['cumulative', 'sequential'] as const).map((strategy) => ({
      label: strategy,
      strategy,
      detail: strategy === 'cumulative' ? `all data 2014–${next}, replayed uniformly by shard` : `only ${next}'s data`,
    }));
  } else {
    const branchYear = defaults.request.branchYear;
    const since = branchYear === undefined ? null : firstMonthAfterYear(branchYear);
    items = [
      {
        label: 'cumulative · every month up to this one',
        strategy: 'cumulative',
        monthlyData: 'all',
        detail: `every month ${formatMonth(firstTicMonth)}–${next}, newest first`,
      },
      ...(branchYear === undefined || since === null
        ? []
        : [
            {
              label: 'cumulative · months since the branch point',
              strategy: 'cumulative' as const,
              monthlyData: 'sinceBranch' as const,
              detail:
                since === defaults.next
                  ? `the months after ${branchYear}: ${next} alone for now`
                  : `the months after ${branchYear}: ${formatMonth(since)}–${next}`,
            },
          ]),
      { label: 'sequential', strategy: 'sequential', detail: `only ${next}'s data` },
    ];
  }
  // The start's own way first: its strategy and, for a monthly cumulative chain, the months it trains on.
  const ownData = defaults.request.monthlyData;
  const isOwn = (i: StrategyItem): boolean =>
    i.strategy === resolved.strategy &&
    (i.monthlyData === undefined || ownData === undefined || i.monthlyData === ownData);
  const own = items.find(isOwn);
  return own === undefined ? items : [{ ...own, description: mine }, ...items.filter((i) => i !== own)];
}

/** The value of `make`, or null when it throws (a name shown as a hint must not break the prompt). */
function safeName(make: () => string): string | null {
  try {
    return make();
  } catch {
    return null;
  }
}
