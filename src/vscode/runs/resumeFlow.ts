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
import {
  confirmCommand,
  dataRootMessage,
  experimentNameProblem,
  firstExisting,
  forSimulation,
  hashParent,
  requireTrust,
  showProblems,
} from './launchPrompts';
import { answer, input, pick, runWizard } from '../launch/launchWizard';
import { ticScaleConfigs } from '../../tic/ticScales';
import type { GpuInfo } from '../../plan/gpuQuery';
import type { SlurmJobOptions } from '../../runs/model/slurmJobOptions';
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
  const { python } = await selectedPython(runs.root, settings.python);
  const { timescale, fromMonth, branchYear } = defaults.request;
  const strategies = strategyItems(resolved, monthlyBranch);

  // The answers, kept when the user goes Back; each step reads the ones before it.
  let scale = defaults.request.scale;
  let strategyPick: StrategyItem | undefined;
  let gpuPick: { n: number; gpus: GpuInfo[]; slurm?: SlurmJobOptions } | undefined;
  let variant: string | null = defaults.request.variant ?? null;
  let variantAsked = false;
  let expName: string | undefined;
  /** The name expName was proposed as: a kept answer is dropped when the proposal changes (another variant). */
  let proposedFor: string | undefined;
  let dataRoot: string | undefined;
  const forks = (): boolean =>
    strategyPick !== undefined && forkedBy(defaults.continuesAs, strategyPick.strategy).length > 0;
  const baseOf = (): ResumeRequest => {
    const strategy = strategyPick?.strategy ?? 'cumulative';
    const monthlyData = strategyPick?.monthlyData;
    return {
      strategy,
      ...(monthly ? { timescale, fromMonth, branchYear, ...(monthlyData ? { monthlyData } : {}) } : { fromYear }),
      checkpoint: defaults.request.checkpoint ?? null,
      scale: scale ?? 'tic_medium',
      filtering: defaults.request.filtering ?? 'basic',
      checkout: ws.checkout?.root ?? runs.root?.fsPath ?? '',
      dataRoot: firstExisting(defaults.request.dataRoot, monthly ? settings.monthlyDataRoot : settings.dataRoot) ?? '',
      imagenetVal: firstExisting(defaults.request.imagenetVal, settings.imagenetVal) ?? '',
      outputDir: defaults.request.outputDir ?? join(ws.checkout?.datacompDir ?? runs.root?.fsPath ?? '', 'results'),
      nprocPerNode: gpuPick?.n ?? 1,
      torchrun: python.includes('/') ? join(dirname(python), 'torchrun') : undefined,
      ...(variant !== null ? { variant } : {}),
    };
  };
  const planned = (): ResumePlan | undefined => {
    try {
      return planResume(baseOf());
    } catch (error) {
      void vscode.window.showErrorMessage(error instanceof PlanError ? forPeople(error.message) : String(error));
      return undefined;
    }
  };
  const done = await runWizard([
    {
      when: () => start.kind === 'published',
      run: async (at) =>
        answer(
          await askScale(
            `${title}: scale (its model must be ${resolved.model ?? "the checkpoint's"})`,
            resolved,
            at,
            scale,
          ),
          (v) => (scale = v),
        ),
    },
    {
      run: async (at) =>
        answer(
          await pick({
            title: `${title}: strategy`,
            items: strategies,
            active: (i) => i === strategyPick,
            at,
          }),
          (v) => (strategyPick = v),
        ),
    },
    {
      run: async (at) =>
        answer(
          await pickPlacement(runs, title, `${title}: GPUs per node`, defaults.request.nprocPerNode, simulated, {
            at,
            globalBatch: ticScaleConfigs[scale ?? 'tic_medium'].globalBatch,
            ...(gpuPick ? { kept: gpuPick.n } : {}),
          }),
          (v) => (gpuPick = v),
        ),
    },
    {
      // The variant prompt comes only when the chosen strategy forks: counted once the strategy is known.
      when: () => (strategyPick === undefined ? defaults.continuesAs.length > 0 : forks()),
      run: async (at) => {
        if (!forks()) return 'next';
        const plan = planned();
        if (!plan) return 'cancel';
        const own = defaults.request.variant ?? null;
        return answer(
          await askVariant(
            `${title}: variant name`,
            resolved,
            strategyPick?.strategy ?? 'cumulative',
            (v) => safeName(() => planResume({ ...baseOf(), variant: v }).expName) ?? '…',
            at,
            variantAsked ? variant : undefined,
          ),
          (v) => {
            variant = v ?? own;
            variantAsked = true;
          },
        );
      },
    },
    {
      run: async (at) => {
        if (!forks()) variant = defaults.request.variant ?? null;
        const generated = planned();
        if (!generated) return 'cancel';
        const outputDir = baseOf().outputDir;
        // An existing experiment folder makes open_clip skip training silently: propose a fresh name.
        let suggested = generated.expName;
        for (let i = 2; existsSync(join(outputDir, suggested)); i++) suggested = `${generated.expName}_run${i}`;
        const value = proposedFor === suggested && expName !== undefined ? expName : suggested;
        return answer(
          await input({
            title: `${title}: experiment name (one per step)`,
            value,
            prompt:
              suggested !== generated.expName
                ? `${generated.expName} already exists in ${outputDir}; reusing it would train nothing.`
                : `Written to ${outputDir}/${suggested}`,
            at,
            validate: (v) => experimentNameProblem(v, outputDir),
            onBack: (v) => {
              expName = v.trim();
              proposedFor = suggested;
            },
          }),
          (v) => {
            expName = v.trim();
            proposedFor = suggested;
          },
        );
      },
    },
    {
      run: async (at) =>
        answer(
          await input({
            title: `${title}: ${
              monthly ? 'data root (one folder of shards per month)' : 'data root (one folder of shards per year)'
            }`,
            value: dataRoot ?? baseOf().dataRoot,
            prompt: monthly ? 'Usually $TIC_DATACOMP_M_PATH/train.' : 'Usually $TIC_DATACOMP_Y_PATH/train.',
            at,
            browseFolder: true,
            validateAtOnce: true,
            onBack: (v) => (dataRoot = v.trim()),
            validate: (v) =>
              dataRootMessage(v, () => planResume({ ...baseOf(), dataRoot: v.trim() }).dataDirs, monthly),
          }),
          (v) => (dataRoot = v.trim()),
        ),
    },
  ]);
  if (!done || !strategyPick || !gpuPick || expName === undefined || dataRoot === undefined) return;
  const { strategy, monthlyData } = strategyPick;
  const { gpus, slurm } = gpuPick;
  const base = baseOf();
  let plan: ResumePlan;
  try {
    plan = planResume({ ...base, expName, dataRoot });
  } catch (error) {
    void vscode.window.showErrorMessage(error instanceof PlanError ? forPeople(error.message) : String(error));
    return;
  }
  const checked = await validateResumePlan(plan, { inspect: (p) => inspectCheckpoint(p) });
  let problems = checked;
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
    if (!(await confirmSlurmScript(`${what} on Slurm`, prepared, checked, simulated, plan.checkpoint))) return;
    runPlan = { ...runPlan, id: prepared.id };
  } else if (!(await confirmCommand(what, plan, checked, simulated, plan.checkpoint))) return;
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
