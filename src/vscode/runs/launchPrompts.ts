import { execFile } from 'node:child_process';
import * as vscode from 'vscode';
import { shellQuoteArgv, type CommandPlan } from '../../plan/commandPlan';
import { fileSha256 } from '../../shared/fileSha256';
import { queryGpus, type GpuInfo } from '../../plan/gpuQuery';
import type { PlanProblem } from '../../plan/planProblem';
import { existsSync } from 'node:fs';
import type { Logger } from '../common/logger';
import { recordEvalProvenance } from './evalProvenanceRecord';
import { forPeople } from '../common/peopleText';

// What the launch flows (resume, evaluate, continue a chain) ask, show and check in the same way.

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

export function execFileText(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(cmd, args, { timeout: 10000 }, (error, stdout) => (error ? reject(error) : resolve(stdout))),
  );
}

export function firstExisting(...paths: (string | undefined)[]): string | undefined {
  return paths.find((p) => p !== undefined && existsSync(p)) ?? paths.find((p) => p !== undefined);
}

/** GPUs per node: the previous step's count, all of this machine, or one; which devices (CUDA_VISIBLE_DEVICES). */
export async function pickGpus(
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
        ? 'no NVIDIA GPU here: fine for a simulated run'
        : 'no NVIDIA GPU found by nvidia-smi: torchrun will fail on this machine',
    n,
  }));
  const pick = await vscode.window.showQuickPick(items, { title, ignoreFocusOut: true });
  return pick && { n: pick.n, gpus: gpus.slice(0, pick.n) };
}

/** The checkpoint a run starts from and its sha256, for the run record (hashing 1.8 GB takes a few seconds). */
export async function hashParent(path: string): Promise<{ path: string; sha256: string } | undefined> {
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
export async function confirmCommand(
  title: string,
  plan: CommandPlan,
  problems: readonly PlanProblem[],
  simulated: boolean,
): Promise<boolean> {
  const command = shellQuoteArgv(plan.argv);
  const warnings = problems.filter((p) => p.severity === 'warning').map((p) => `⚠ ${forPeople(p.message)}`);
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

export function showProblems(title: string, problems: readonly PlanProblem[]): void {
  const errors = problems.filter((p) => p.severity === 'error');
  void vscode.window.showErrorMessage(title, {
    modal: true,
    detail: errors.map((p) => `• ${forPeople(p.message)}`).join('\n'),
  });
}

/**
 * Simulated runs (the demo) need no ml-tic-clip install, eval data or real-size checkpoints: only the problems that
 * would lose or corrupt results stay blocking; the rest become warnings that the confirmation shows.
 */
export function forSimulation(problems: readonly PlanProblem[]): PlanProblem[] {
  const blocking = new Set<PlanProblem['reason']>(['experimentExists', 'evalOutputHasOtherResults']);
  return problems.map((p) =>
    p.severity === 'error' && !blocking.has(p.reason)
      ? { ...p, severity: 'warning' as const, message: `${p.message} (not needed by the demo simulator)` }
      : p,
  );
}

/**
 * Records the eval code next to an evaluation about to launch (evalProvenanceRecord.ts). When that fails the
 * evaluation still runs, and the user is told what the protocol guard will miss, in the window and the log.
 */
export async function recordEvalCode(
  log: Logger,
  outputDir: string,
  checkout: string,
  taskGroups: readonly string[],
): Promise<void> {
  const unrecorded = await recordEvalProvenance(outputDir, checkout, taskGroups);
  if (unrecorded === null) return;
  log.warn(unrecorded);
  void vscode.window.showWarningMessage(
    `${unrecorded} The evaluation runs all the same; the protocol guard will not know which eval code scored it.`,
  );
}
