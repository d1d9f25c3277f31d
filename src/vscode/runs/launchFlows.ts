import { existsSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import * as vscode from 'vscode';
import { inspectCheckpoint } from '../../checkpoint/report';
import { chainResumeDefaults } from '../../runs/chainResume';
import type { Chain } from '../../runs/chains';
import { shellQuoteArgv, type CommandPlan } from '../../runs/commandPlan';
import { planEval } from '../../runs/evalPlan';
import { fileSha256 } from '../../runs/fileSha256';
import { queryGpus, type GpuInfo } from '../../runs/gpuQuery';
import { PlanError } from '../../runs/planError';
import { hasBlockingProblem, type PlanProblem } from '../../runs/planProblem';
import { planResume, type ResumeRequest } from '../../runs/resumePlan';
import { validateResumePlan } from '../../runs/resumeValidation';
import { simulatedEvalPlan, simulatedTrainPlan } from '../../runs/simulatedPlan';
import { lastStepYear, type TicStrategy } from '../../runs/ticTimeline';
import { runChainSchedule, type ScheduledStep } from '../../runs/chainSchedule';
import { describeRunFailure } from '../errors';
import { readRunSettings } from '../settings';
import { selectedPython } from './pythonInterpreter';
import type { RunsService } from './runsService';

/** Launching needs a trusted workspace: say so, and offer the way to trust it. */
export async function requireTrust(): Promise<boolean> {
  if (vscode.workspace.isTrusted) return true;
  const action = await vscode.window.showWarningMessage(
    'TiC Studio does not launch training or evaluation in an untrusted workspace (its settings could choose the program to run). Trust this workspace to launch runs.',
    'Manage Workspace Trust',
  );
  if (action) await vscode.commands.executeCommand('workbench.trust.manage');
  return false;
}

function execFileText(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(cmd, args, { timeout: 10000 }, (error, stdout) => (error ? reject(error) : resolve(stdout))),
  );
}

function firstExisting(...paths: (string | undefined)[]): string | undefined {
  return paths.find((p) => p !== undefined && existsSync(p)) ?? paths.find((p) => p !== undefined);
}

/** GPUs per node: the previous step's count, all of this machine, or one; which devices (CUDA_VISIBLE_DEVICES). */
async function pickGpus(
  title: string,
  planned: number | undefined,
  simulated: boolean,
): Promise<{ n: number; gpus: GpuInfo[] } | undefined> {
  const gpus = await queryGpus(execFileText);
  const wanted = planned ?? Math.max(gpus.length, 1);
  const items = [...new Set([wanted, gpus.length, 1].filter((n) => n > 0))].map((n) => ({
    label: `${n} GPU${n === 1 ? '' : 's'}`,
    description: n === wanted ? 'as the previous step' : n === gpus.length ? 'all of this machine' : '',
    detail: gpus.length
      ? gpus
          .slice(0, n)
          .map(
            (g) =>
              `${g.index}: ${g.name} (${Math.round(g.memoryUsedMiB / 1024)}/${Math.round(g.memoryTotalMiB / 1024)} GiB used)`,
          )
          .join(', ')
      : simulated
        ? 'no NVIDIA GPU here: fine for the simulated demo'
        : 'no NVIDIA GPU found by nvidia-smi: torchrun will fail on this machine',
    n,
  }));
  const pick = await vscode.window.showQuickPick(items, { title, ignoreFocusOut: true });
  return pick && { n: pick.n, gpus: gpus.slice(0, pick.n) };
}

/** The checkpoint a run starts from and its sha256, for the run record (hashing 1.8 GB takes a few seconds). */
async function hashParent(path: string): Promise<{ path: string; sha256: string } | undefined> {
  try {
    const sha256 = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: `Hashing ${path.split('/').pop()}` },
      () => fileSha256(path),
    );
    return { path, sha256 };
  } catch {
    return undefined;
  }
}

/** Shows the exact command; resolves true to launch. "Copy Command" copies it and asks again. */
async function confirmCommand(
  title: string,
  plan: CommandPlan,
  problems: readonly PlanProblem[],
  simulated: boolean,
): Promise<boolean> {
  const command = shellQuoteArgv(plan.argv);
  const warnings = problems.filter((p) => p.severity === 'warning').map((p) => `⚠ ${p.message}`);
  const detail = [
    `cd ${shellQuoteArgv([plan.cwd])}`,
    command,
    ...warnings,
    simulated ? 'Simulated: the demo stand-in runs instead of the real program.' : '',
  ]
    .filter(Boolean)
    .join('\n\n');
  for (;;) {
    const answer = await vscode.window.showInformationMessage(title, { modal: true, detail }, 'Launch', 'Copy Command');
    if (answer === 'Copy Command') {
      await vscode.env.clipboard.writeText(`cd ${shellQuoteArgv([plan.cwd])} && ${command}`);
      continue;
    }
    return answer === 'Launch';
  }
}

function showProblems(title: string, problems: readonly PlanProblem[]): void {
  const errors = problems.filter((p) => p.severity === 'error');
  void vscode.window.showErrorMessage(title, { modal: true, detail: errors.map((p) => `• ${p.message}`).join('\n') });
}

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

  const gpuPick = await pickGpus(
    `${title} (2/4): GPUs per node (--nproc_per_node)`,
    defaults.request.nprocPerNode,
    simulated,
  );
  if (!gpuPick) return;
  const { gpus } = gpuPick;

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
  if (simulated) {
    // The demo's checkpoints are tiny stand-ins of the scale's model: their shapes cannot match ViT-B-32.
    problems = problems.map((p) =>
      p.reason === 'architectureUnknown' || p.reason === 'architectureMismatch'
        ? {
            ...p,
            severity: 'warning' as const,
            message: `${p.message} (expected in the demo: its checkpoints are tiny stand-ins)`,
          }
        : p,
    );
  }
  if (hasBlockingProblem(problems)) {
    showProblems(`${title}: this command would fail`, problems);
    return;
  }
  const run = simulated && settings.simulator ? simulatedTrainPlan(plan, settings.simulator) : plan;
  if (!(await confirmCommand(`${title} with ${strategy} (${expName})`, plan, problems, simulated))) return;
  const env: Record<string, string> = { ...run.env, PYTHONUNBUFFERED: '1' };
  if (gpus.length > 0) env.CUDA_VISIBLE_DEVICES = gpus.map((g) => g.index).join(',');
  const parentCheckpoint = plan.checkpoint ? await hashParent(plan.checkpoint) : undefined;
  // Resolves once started; a run waiting for busy GPUs shows as queued meanwhile.
  runs
    .launch(
      {
        ...run,
        env,
        kind: 'train',
        label: `train ${fromYear + 1} ${strategy}`,
        simulated,
        outLogPath: join(plan.expDir, 'out.log'),
        outputDir: plan.expDir,
        ...(parentCheckpoint ? { parentCheckpoint } : {}),
      },
      gpus.map((g) => g.index),
    )
    .catch((error: unknown) =>
      vscode.window.showErrorMessage(
        `Could not start the run: ${error instanceof Error ? error.message : String(error)}`,
      ),
    );
  await vscode.commands.executeCommand('ticStudio.runs.focus');
}

/** "Evaluate": tasklist then evaluate.py with one output folder per checkpoint (contracts §3.2, §7.9). */
export async function evaluateFlow(runs: RunsService, checkpoint: string, expName: string | null): Promise<void> {
  if (!(await requireTrust())) return;
  const ws = runs.workspace;
  if (!ws || !runs.root) return;
  const settings = readRunSettings(runs.root.fsPath);
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
  arch ??=
    (await vscode.window.showQuickPick(['ViT-B-32', 'ViT-B-16', 'ViT-L-14'], {
      title: 'The architecture could not be inferred from the shapes: which OpenCLIP model is it?',
    })) ?? null;
  if (!arch) return;
  const datacomp = ws.checkout?.datacompDir ?? join(runs.root.fsPath, 'datacomp');
  const outputDir = join(
    datacomp,
    'eval_results',
    expName ?? dirname(dirname(checkpoint)).split('/').pop() ?? 'checkpoint',
  );
  const dataDir = await vscode.window.showInputBox({
    title: 'Evaluate: eval data root (--data_dir)',
    value: join(datacomp, 'data'),
    ignoreFocusOut: true,
  });
  if (!dataDir) return;
  const plan = planEval({
    checkout: ws.checkout?.root ?? runs.root.fsPath,
    checkpoint,
    arch,
    outputDir,
    dataDir,
    python: settings.python,
  });
  const [tasklist, evaluate] = plan.steps;
  const run = simulated && settings.simulator ? simulatedEvalPlan(evaluate, settings.simulator) : evaluate;
  if (
    !(await confirmCommand(
      `Evaluate ${expName ?? checkpoint} on ${plan.taskGroups.join(', ')}`,
      evaluate,
      [],
      simulated,
    ))
  )
    return;
  try {
    if (!simulated) {
      // evaluate.py reads datacomp/tasklist.yml: write it first, and wait for it (§3.2).
      const first = await runs.launch({
        ...tasklist,
        kind: 'tasklist',
        label: `tasklist for ${expName ?? 'checkpoint'}`,
      });
      const done = await runs.supervisor?.waitForEnd(first.id);
      if (done?.status !== 'succeeded') {
        void vscode.window.showErrorMessage('generate_tasklist.py failed; see its log in the Runs view.');
        return;
      }
    }
    await runs.launch({
      ...run,
      env: { ...run.env, PYTHONUNBUFFERED: '1' },
      kind: 'eval',
      label: `eval ${expName ?? checkpoint}`,
      simulated,
      outputDir,
    });
    await vscode.commands.executeCommand('ticStudio.runs.focus');
  } catch (error) {
    void vscode.window.showErrorMessage(
      `Could not start the evaluation: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

/**
 * "Continue the Chain to 2022": queues train + eval for every remaining year of the chain, each step starting when
 * the previous one succeeded, stopping at the first failure (chainSchedule.ts). Each step's plan is built when its
 * turn comes, from the checkpoint the previous step wrote, and validated like a single resume.
 */
export async function continueChainFlow(runs: RunsService, chain: Chain, fromYear: number): Promise<void> {
  if (!(await requireTrust())) return;
  const ws = runs.workspace;
  if (!ws || !runs.root || !runs.queue) return;
  const settings = readRunSettings(runs.root.fsPath);
  const simulated = settings.simulator !== undefined;
  let defaults;
  try {
    defaults = chainResumeDefaults(chain, ws.experiments, fromYear);
  } catch (error) {
    void vscode.window.showErrorMessage(error instanceof PlanError ? error.message : String(error));
    return;
  }
  const years = Array.from({ length: lastStepYear - fromYear }, (_, i) => fromYear + 1 + i);
  if (years.length === 0) {
    void vscode.window.showInformationMessage(`The ${chain.strategy} chain already reaches ${lastStepYear}.`);
    return;
  }
  const title = `Continue ${chain.strategy} from ${fromYear} to ${lastStepYear}`;
  const gpuPick = await pickGpus(`${title}: GPUs per node`, defaults.request.nprocPerNode, simulated);
  if (!gpuPick) return;
  const { python } = await selectedPython(runs.root, settings.python);
  const datacomp = ws.checkout?.datacompDir ?? join(runs.root.fsPath, 'datacomp');
  const base: ResumeRequest = {
    strategy: chain.strategy,
    checkpoint: defaults.request.checkpoint ?? null,
    scale: defaults.request.scale ?? 'tic_medium',
    filtering: defaults.request.filtering ?? 'basic',
    checkout: ws.checkout?.root ?? runs.root.fsPath,
    dataRoot: firstExisting(settings.dataRoot, defaults.request.dataRoot) ?? '',
    imagenetVal: firstExisting(settings.imagenetVal, defaults.request.imagenetVal) ?? '',
    outputDir: defaults.request.outputDir ?? join(datacomp, 'results'),
    nprocPerNode: gpuPick.n,
    torchrun: python.includes('/') ? join(dirname(python), 'torchrun') : undefined,
  };
  const unique = (name: string): string => {
    let candidate = name;
    for (let i = 2; existsSync(join(base.outputDir, candidate)); i++) candidate = `${name}_run${i}`;
    return candidate;
  };
  const names = new Map(years.map((y) => [y, unique(planResume({ ...base, fromYear: y - 1 }).expName)]));
  const detail = [
    ...years.map((y) => `${y}: train ${names.get(y)}, then evaluate it`),
    'Stops at the first failure. Each step starts from the checkpoint the previous one wrote.',
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
      const plan = planResume({ ...base, fromYear: year - 1, checkpoint, expName: names.get(year) });
      let problems = await validateResumePlan(plan, { inspect: (p) => inspectCheckpoint(p) });
      if (simulated)
        problems = problems.filter((p) => p.reason !== 'architectureUnknown' && p.reason !== 'architectureMismatch');
      if (hasBlockingProblem(problems)) throw new PlanError('invalidOption', problems.map((p) => p.message).join('; '));
      checkpoint = join(plan.expDir, 'checkpoints', 'epoch_latest.pt');
      const run = simulated && settings.simulator ? simulatedTrainPlan(plan, settings.simulator) : plan;
      const parentCheckpoint = plan.checkpoint ? await hashParent(plan.checkpoint) : undefined;
      return {
        ...run,
        env: { ...run.env, ...env },
        ...(parentCheckpoint ? { parentCheckpoint } : {}),
        kind: 'train' as const,
        label: `train ${year} ${chain.strategy}`,
        simulated,
        outLogPath: join(plan.expDir, 'out.log'),
        outputDir: plan.expDir,
      };
    },
    eval: async () => {
      const trained = checkpoint ?? '';
      const arch =
        (await inspectCheckpoint(trained)).architecture?.name ??
        (base.scale === 'tic_medium' ? 'ViT-B-32' : 'ViT-B-16');
      const plan = planEval({
        checkout: base.checkout,
        checkpoint: trained,
        arch,
        outputDir: join(datacomp, 'eval_results', names.get(year) ?? String(year)),
        dataDir: join(datacomp, 'data'),
        python,
      });
      const evaluate = plan.steps[1];
      const run = simulated && settings.simulator ? simulatedEvalPlan(evaluate, settings.simulator) : evaluate;
      return {
        ...run,
        env: { ...run.env, ...env },
        kind: 'eval' as const,
        label: `eval ${year} ${chain.strategy}`,
        simulated,
        outputDir: plan.outputDir,
      };
    },
  }));
  void vscode.commands.executeCommand('ticStudio.runs.focus');
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
        onStep: (e) => e.type === 'started' && progress.report({ message: `${e.year}: ${e.phase}` }),
      });
    },
  );
  if (result.failedAt) {
    const f = result.failedAt;
    const why = f.record?.failure
      ? describeRunFailure(f.record.failure)
      : f.error instanceof Error
        ? f.error.message
        : (f.record?.status ?? 'failed');
    void vscode.window.showErrorMessage(
      `${title}: ${f.year} ${f.phase} failed (${why}). Done: ${result.completed.join(', ') || 'none'}.`,
    );
  } else if (result.cancelled) {
    void vscode.window.showInformationMessage(
      `${title}: cancelled after ${result.completed.join(', ') || 'no step'}; a running step keeps running (stop it in the Runs view).`,
    );
  } else {
    void vscode.window.showInformationMessage(
      `${title}: every step trained and evaluated (${result.completed.join(', ')}).`,
    );
  }
}
