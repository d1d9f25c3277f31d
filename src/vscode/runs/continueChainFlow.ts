import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as vscode from 'vscode';
import { inspectCheckpoint } from '../../checkpoint/report';
import { defaultTaskGroupsFor, planEval } from '../../plan/evalPlan';
import { remainingSteps } from '../../plan/chainResume';
import { validateEvalPlan } from '../../plan/evalValidation';
import { PlanError } from '../../plan/planError';
import { hasBlockingProblem } from '../../plan/planProblem';
import { planResume, type ResumeRequest } from '../../plan/resumePlan';
import { validateResumePlan } from '../../plan/resumeValidation';
import { simulatedEvalPlan, simulatedTrainPlan } from '../../plan/simulatedPlan';
import { lastStepYear, type TicStrategy } from '../../tic/ticTimeline';
import { formatMonth, lastTicMonth } from '../../tic/ticMonths';
import { formatTimeStep } from '../../tic/ticTimeStep';
import { ticScaleConfigs } from '../../tic/ticScales';
import { runChainSchedule, type ScheduledStep } from '../../runs/queue/chainSchedule';
import { describeRunFailure } from '../common/errors';
import { readRunSettings } from '../common/settings';
import { firstExisting, forSimulation, hashParent, recordEvalCode, requireTrust } from './launchPrompts';
import { selectedPython } from './pythonInterpreter';
import { askScale, askVariant, resolveStart, type ResumeStart } from './resumeStart';
import type { RunsService } from './runsService';
import { pickPlacement } from './slurmPrompts';
import { back } from '../launch/launchWizard';

/**
 * "Continue the Chain to 2022": queues train + eval for every remaining year, each step starting when the previous
 * one succeeded, stopping at the first failure (chainSchedule.ts). On a monthly chain, "to 2023-06": every remaining
 * TiC month (gaps skipped), each evaluated on the monthly tasks. It follows the lineage it was started on: the
 * chain's own step (or a published TiC-CLIP checkpoint, then at a scale whose model is the checkpoint's), and when
 * that step already continues elsewhere the new steps form a variant with a name of its own. Each step's plan is
 * built when its turn comes, from the checkpoint the previous step wrote, and validated like a single resume.
 */
export async function continueChainFlow(runs: RunsService, start: ResumeStart): Promise<void> {
  if (!(await requireTrust())) return;
  const ws = runs.workspace;
  if (!ws || !runs.root || !runs.queue) return;
  const settings = readRunSettings(runs.root.fsPath);
  const simulated = settings.simulator !== undefined;
  const resolved = await resolveStart(runs, start);
  if (!resolved) return;
  const { defaults } = resolved;
  const fromYear = defaults.fromYear;
  const monthly = defaults.timescale === 'monthly';
  let years = remainingSteps(defaults.timescale, fromYear);
  // Yearly plans continue `fromYear`, monthly ones `fromMonth` (a month, or the year a branch starts from).
  const stepOf = (from: number): Pick<ResumeRequest, 'fromYear' | 'fromMonth'> =>
    monthly ? { fromMonth: from } : { fromYear: from };
  const strategy: TicStrategy = resolved.strategy ?? 'cumulative';
  const end = monthly ? formatMonth(lastTicMonth) : String(lastStepYear);
  if (years.length === 0) {
    void vscode.window.showInformationMessage(`The ${strategy} chain already reaches ${end}.`);
    return;
  }
  let title = `Continue ${strategy} from ${formatTimeStep(fromYear)} to ${end}`;
  let scale = defaults.request.scale;
  if (start.kind === 'published') {
    const asked = await askScale(
      `${title}: scale (its model must be ${resolved.model ?? "the checkpoint's"})`,
      resolved,
    );
    if (!asked || asked === back) return;
    scale = asked;
  }
  const gpuPick = await pickPlacement(runs, title, `${title}: GPUs per node`, defaults.request.nprocPerNode, simulated);
  if (!gpuPick || gpuPick === back) return;
  const { slurm } = gpuPick;
  const { python } = await selectedPython(runs.root, settings.python);
  const datacomp = ws.checkout?.datacompDir ?? join(runs.root.fsPath, 'datacomp');
  const first: ResumeRequest = {
    strategy,
    checkpoint: defaults.request.checkpoint ?? null,
    scale: scale ?? 'tic_medium',
    filtering: defaults.request.filtering ?? 'basic',
    checkout: ws.checkout?.root ?? runs.root.fsPath,
    ...(monthly
      ? {
          timescale: 'monthly' as const,
          ...(defaults.request.branchYear !== undefined ? { branchYear: defaults.request.branchYear } : {}),
          ...(defaults.request.monthlyData !== undefined ? { monthlyData: defaults.request.monthlyData } : {}),
        }
      : {}),
    dataRoot: firstExisting(monthly ? settings.monthlyDataRoot : settings.dataRoot, defaults.request.dataRoot) ?? '',
    imagenetVal: firstExisting(settings.imagenetVal, defaults.request.imagenetVal) ?? '',
    outputDir: defaults.request.outputDir ?? join(datacomp, 'results'),
    nprocPerNode: gpuPick.n,
    torchrun: python.includes('/') ? join(dirname(python), 'torchrun') : undefined,
  };
  const variant = await askVariant(`${title}: variant name`, resolved, strategy, (v) => {
    try {
      return planResume({ ...first, ...stepOf(fromYear), variant: v }).expName;
    } catch {
      return '…';
    }
  });
  if (variant === undefined || variant === back) return;
  const base: ResumeRequest = variant !== null ? { ...first, variant } : first;
  if (monthly) {
    // Months are often downloaded a few at a time: go as far as the data does, and say where it ends, rather than
    // queue every month to 2023-06 and stop at the first one without shards.
    const reach = monthsWithData(years, base.dataRoot);
    const root = base.dataRoot || 'the monthly data root';
    if (reach === 0) {
      void vscode.window.showErrorMessage(
        `${title}: no data for ${formatMonth(years[0]!)} (no shards in ${join(root, String(years[0]))}). Download it, or set the monthly data root in the settings.`,
      );
      return;
    }
    if (reach < years.length) {
      const to = `Continue to ${formatMonth(years[reach - 1]!)}`;
      const answer = await vscode.window.showWarningMessage(
        `${title}: the months ${span(years.slice(0, reach))} have data; ${formatMonth(years[reach]!)} has none in ${root}.`,
        { modal: true, detail: `${to} trains and evaluates ${reach} month${reach === 1 ? '' : 's'}.` },
        to,
      );
      if (answer !== to) return;
      years = years.slice(0, reach);
      title = `Continue ${strategy} from ${formatTimeStep(fromYear)} to ${formatMonth(years[reach - 1]!)}`;
    }
  }
  // Each step continues the one before it: the start for the first.
  const fromOf = new Map(years.map((y, i) => [y, i === 0 ? fromYear : years[i - 1]!]));
  const evalDataDir = await vscode.window.showInputBox({
    title: `${title}: eval data root (the folder evaluate.py reads the tasks' data from)`,
    value: join(datacomp, 'data'),
    ignoreFocusOut: true,
  });
  if (!evalDataDir) return;
  const unique = (name: string): string => {
    let candidate = name;
    for (let i = 2; existsSync(join(base.outputDir, candidate)); i++) candidate = `${name}_run${i}`;
    return candidate;
  };
  const names = new Map(years.map((y) => [y, unique(planResume({ ...base, ...stepOf(fromOf.get(y)!) }).expName)]));
  const taskGroups = defaultTaskGroupsFor(defaults.timescale);
  const detail = [
    start.kind === 'published' ? `From ${resolved.name} (${base.checkpoint ?? ''}).` : '',
    ...stepLines(years.map((y) => `${formatTimeStep(y)}: train ${names.get(y)}, then evaluate it`)),
    monthly ? 'Each month is evaluated on the monthly tasks.' : '',
    'Stops at the first failure. Each step starts from the checkpoint the previous one wrote.',
    slurm
      ? `On Slurm: ${slurm.nodes} node(s) × ${slurm.gpusPerNode} GPU(s)${slurm.partition ? `, partition ${slurm.partition}` : ''}; each job's sbatch script is kept next to its run record (.tic-studio/runs/).`
      : '',
    simulated ? 'Simulated: the demo stand-in runs instead of the real programs.' : '',
  ]
    .filter(Boolean)
    .join('\n');
  if ((await vscode.window.showInformationMessage(title, { modal: true, detail }, 'Start')) !== 'Start') return;
  const env: Record<string, string> = { PYTHONUNBUFFERED: '1' };
  if (gpuPick.gpus.length > 0) env.CUDA_VISIBLE_DEVICES = gpuPick.gpus.map((g) => g.index).join(',');
  const gpus = gpuPick.gpus.map((g) => g.index);
  let checkpoint = base.checkpoint;
  const steps: ScheduledStep[] = years.map((year) => ({
    year,
    gpus,
    train: async () => {
      const plan = planResume({ ...base, ...stepOf(fromOf.get(year)!), checkpoint, expName: names.get(year) });
      let problems = await validateResumePlan(plan, { inspect: (p) => inspectCheckpoint(p) });
      if (simulated) problems = forSimulation(problems);
      if (hasBlockingProblem(problems)) throw new PlanError('invalidOption', problems.map((p) => p.message).join('; '));
      checkpoint = join(plan.expDir, 'checkpoints', 'epoch_latest.pt');
      const run = simulated && settings.simulator ? simulatedTrainPlan(plan, settings.simulator) : plan;
      const parentCheckpoint = plan.checkpoint ? await hashParent(plan.checkpoint) : undefined;
      return {
        ...run,
        env: { ...run.env, ...env },
        ...(parentCheckpoint ? { parentCheckpoint } : {}),
        kind: 'train' as const,
        label: `train ${formatTimeStep(year)} ${strategy}${variant !== null ? ` ${variant}` : ''}`,
        simulated,
        outLogPath: join(plan.expDir, 'out.log'),
        outputDir: plan.expDir,
        ...(slurm ? { slurm } : {}),
      };
    },
    eval: async () => {
      const trained = checkpoint ?? '';
      const arch = (await inspectCheckpoint(trained)).architecture?.name ?? ticScaleConfigs[base.scale].model;
      const plan = planEval({
        checkout: base.checkout,
        checkpoint: trained,
        arch,
        outputDir: join(datacomp, 'eval_results', names.get(year) ?? String(year)),
        dataDir: evalDataDir,
        taskGroups,
        python,
      });
      let problems = await validateEvalPlan(plan, { inspect: (p) => inspectCheckpoint(p) });
      if (simulated) problems = forSimulation(problems);
      if (hasBlockingProblem(problems)) throw new PlanError('invalidOption', problems.map((p) => p.message).join('; '));
      const evaluate = plan.steps[1];
      const run = simulated && settings.simulator ? simulatedEvalPlan(plan, settings.simulator) : evaluate;
      await recordEvalCode(runs.log, plan.outputDir, base.checkout, plan.taskGroups);
      return {
        ...run,
        env: { ...run.env, ...env },
        kind: 'eval' as const,
        label: `eval ${formatTimeStep(year)} ${strategy}`,
        simulated,
        outputDir: plan.outputDir,
        ...(slurm ? { slurm } : {}),
      };
    },
  }));
  void vscode.commands.executeCommand('ticStudio.runs.focus');
  if (!simulated) {
    // evaluate.py reads datacomp/tasklist.yml (§3.2): write it once, before the first evaluation.
    const [tasklist] = planEval({
      checkout: base.checkout,
      checkpoint: base.checkpoint ?? '',
      arch: 'ViT-B-16',
      outputDir: datacomp,
      dataDir: evalDataDir,
      taskGroups,
      python,
    }).steps;
    const first = await runs.launch({
      ...tasklist,
      kind: 'tasklist',
      label: `tasklist for ${strategy}`,
      ...(slurm ? { slurm } : {}),
    });
    const done = await runs.waitForEnd(first);
    if (done?.status !== 'succeeded') {
      void vscode.window.showErrorMessage(`${title}: generate_tasklist.py failed; see its log in the Runs view.`);
      return;
    }
  }
  const queue = runs.queue;
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title, cancellable: true },
    (progress, token) => {
      const abort = new AbortController();
      token.onCancellationRequested(() => abort.abort());
      return runChainSchedule(steps, {
        submit: (plan, g) => runs.submit(plan, g),
        cancel: (ticket) => queue.cancel(ticket),
        signal: abort.signal,
        onStep: (e) => e.type === 'started' && progress.report({ message: `${formatTimeStep(e.year)}: ${e.phase}` }),
      });
    },
  );
  const done = result.completed.map(formatTimeStep).join(', ');
  if (result.failedAt) {
    const f = result.failedAt;
    const why = f.record?.failure
      ? describeRunFailure(f.record.failure)
      : f.error instanceof Error
        ? f.error.message
        : (f.record?.status ?? 'failed');
    void vscode.window.showErrorMessage(
      `${title}: ${formatTimeStep(f.year)} ${f.phase} failed (${why}). Done: ${done || 'none'}.`,
    );
  } else if (result.cancelled) {
    void vscode.window.showInformationMessage(
      `${title}: cancelled after ${done || 'no step'}; a running step keeps running (stop it in the Runs view).`,
    );
  } else {
    void vscode.window.showInformationMessage(`${title}: every step trained and evaluated (${done}).`);
  }
}

/** How many of `months`, from the first, have a folder with `*.tar` shards under `root` (the monthly layout). */
function monthsWithData(months: readonly number[], root: string): number {
  const hasShards = (month: number): boolean => {
    try {
      return readdirSync(join(root, String(month))).some((f) => f.endsWith('.tar'));
    } catch {
      return false;
    }
  };
  const missing = months.findIndex((m) => !hasShards(m));
  return missing === -1 ? months.length : missing;
}

/** `2020-04–2020-06`, or `2020-04` alone. */
function span(months: readonly number[]): string {
  const a = formatMonth(months[0]!);
  const b = formatMonth(months[months.length - 1]!);
  return a === b ? a : `${a}–${b}`;
}

/** The confirmation's step lines: all of them up to 8, else the first 3, how many more, and the last. */
function stepLines(lines: readonly string[]): string[] {
  if (lines.length <= 8) return [...lines];
  return [...lines.slice(0, 3), `… ${lines.length - 4} more …`, lines[lines.length - 1]!];
}
