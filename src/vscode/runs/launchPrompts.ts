import { execFile } from 'node:child_process';
import * as vscode from 'vscode';
import type { CommandPlan } from '../../plan/commandPlan';
import { simulationBlocking, summarizeChecks } from '../../plan/checkSummary';
import { confirmInPreview } from '../launch/commandPreview';
import { fileSha256 } from '../../shared/fileSha256';
import { queryGpus, type GpuInfo } from '../../plan/gpuQuery';
import type { PlanProblem } from '../../plan/planProblem';
import { existsSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { isRemotePath } from '../../shared/pathProbe';
import type { Logger } from '../common/logger';
import { recordEvalProvenance } from './evalProvenanceRecord';
import { forPeople } from '../common/peopleText';
import { back, input, pick, type Back, type StepPosition } from '../launch/launchWizard';

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

/**
 * GPUs per node: the previous step's count, all of this machine, one, or Other… (a count typed in); which devices
 * (CUDA_VISIBLE_DEVICES). With `globalBatch` (the scale's), each choice says the global batch it gives: the batch
 * per GPU rounds down, so a count that does not divide the paper's batch trains with a smaller one.
 * In the launch wizard (`at`): Back, and the count chosen before (`kept`) is the active item.
 */
export async function pickGpus(
  title: string,
  planned: number | undefined,
  simulated: boolean,
  options: { at?: StepPosition; globalBatch?: number; kept?: number } = {},
): Promise<{ n: number; gpus: GpuInfo[] } | Back | undefined> {
  const gpus = await queryGpus(execFileText);
  const wanted = planned ?? Math.max(gpus.length, 1);
  const counts = [...new Set([wanted, gpus.length, 1, ...(options.kept ? [options.kept] : [])].filter((n) => n > 0))];
  const devices = (n: number): string =>
    gpus.length
      ? gpus
          .slice(0, n)
          .map(
            (g) =>
              `${g.index}: ${g.name} (${Math.round(g.memoryUsedMiB / 1024)}/${Math.round(g.memoryTotalMiB / 1024)} GiB used)`,
          )
          .join(', ')
      : simulated
        ? 'no NVIDIA GPU here: fine for a simulated run'
        : 'no NVIDIA GPU found by nvidia-smi: torchrun will fail on this machine';
  type Item = vscode.QuickPickItem & { n: number };
  const items: Item[] = counts.map((n) => ({
    label: `${n} GPU${n === 1 ? '' : 's'}`,
    description: [
      n === wanted ? 'as the previous step' : n === gpus.length ? 'all of this machine' : '',
      options.globalBatch ? batchNote(options.globalBatch, n) : '',
    ]
      .filter(Boolean)
      .join(' · '),
    detail: devices(n),
    n,
  }));
  items.push({ label: 'Other…', description: 'type a count', n: 0 });
  for (;;) {
    const kept = options.kept ?? wanted;
    const chosen = await pick({ title, items, active: (i) => i.n === kept, ...(options.at ? { at: options.at } : {}) });
    if (chosen === undefined || chosen === back) return chosen;
    let n = chosen.n;
    if (n === 0) {
      const typed = await input({
        title,
        value: String(kept),
        prompt: 'How many GPUs per node?',
        ...(options.at ? { at: { ...options.at, canGoBack: true } } : {}),
        validate: (v) => {
          if (!/^\d+$/.test(v.trim()) || Number(v) < 1) return 'A whole number of GPUs, 1 or more.';
          return options.globalBatch
            ? { message: batchNote(options.globalBatch, Number(v)), severity: vscode.InputBoxValidationSeverity.Info }
            : undefined;
        },
      });
      if (typed === undefined) return undefined;
      if (typed === back) continue;
      n = Number(typed.trim());
    }
    return { n, gpus: gpus.slice(0, n) };
  }
}

/** "global batch 4,096 (the paper's)" or "global batch 4,092: 99.9 % of the paper's 4,096" for `n` GPUs. */
export function batchNote(paper: number, n: number): string {
  const global = Math.floor(paper / n) * n;
  const fmt = (x: number): string => x.toLocaleString('en-US');
  if (global === paper) return `global batch ${fmt(global)} (the paper's)`;
  if (global === 0) return `more GPUs than the global batch of ${fmt(paper)}`;
  return `global batch ${fmt(global)}: ${((100 * global) / paper).toFixed(1)} % of the paper's ${fmt(paper)}`;
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

/**
 * Shows the exact command in a read-only editor beside, with the plan's checks grouped (checkSummary.ts), and asks:
 * Launch, Copy Command, Open in Terminal (commandPreview.ts). Resolves true to launch. `problems`: as validated,
 * before forSimulation; `checkpoint`: the file a training step resumes from (an epoch's file instead of the final
 * one is said).
 */
export async function confirmCommand(
  title: string,
  plan: CommandPlan,
  problems: readonly PlanProblem[],
  simulated: boolean,
  checkpoint?: string | null,
): Promise<boolean> {
  const checks = summarizeChecks(problems, { simulated, checkpoint: checkpoint ?? null, people: forPeople });
  const footer = simulated ? ['Simulated: the demo stand-in runs instead of the real program.'] : [];
  return confirmInPreview(title, plan, checks, footer);
}

export function showProblems(title: string, problems: readonly PlanProblem[]): void {
  const errors = problems.filter((p) => p.severity === 'error');
  void vscode.window.showErrorMessage(title, {
    modal: true,
    // Grouped and said without command-line options, as in the command preview (checkSummary.ts).
    detail: summarizeChecks(errors, { simulated: false, people: forPeople }).join('\n'),
  });
}

/**
 * Simulated runs (the demo) need no ml-tic-clip install, eval data or real-size checkpoints: only the problems that
 * would lose or corrupt results stay blocking; the rest become warnings that the confirmation shows.
 */
export function forSimulation(problems: readonly PlanProblem[]): PlanProblem[] {
  return problems.map((p) =>
    p.severity === 'error' && !simulationBlocking.has(p.reason)
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

/** The experiment name step's check as the user types: the allowed characters, and not a folder that exists. */
export function experimentNameProblem(value: string, outputDir: string): string | undefined {
  const v = value.trim();
  if (!/^[\w.+-]+$/.test(v)) return 'Letters, digits, . _ + - only.';
  if (existsSync(join(outputDir, v)))
    return 'This experiment folder already exists: OpenCLIP would train nothing. Choose another name.';
  return undefined;
}

/**
 * The data root step's message as the user types: which year (or month) folders it holds and whether the step's
 * are among them. Only an empty value blocks; the checks before launch say the rest again.
 */
export function dataRootMessage(
  value: string,
  stepDirs: () => readonly string[],
  monthly: boolean,
): string | vscode.InputBoxValidationMessage | undefined {
  const v = value.trim();
  const what = monthly ? 'month' : 'year';
  if (v === '') return `Needed: where the ${what} folders of shards are.`;
  const warn = (message: string): vscode.InputBoxValidationMessage => ({
    message,
    severity: vscode.InputBoxValidationSeverity.Warning,
  });
  if (isRemotePath(v))
    return { message: 'A remote folder: not checked here.', severity: vscode.InputBoxValidationSeverity.Info };
  let names: string[];
  try {
    names = readdirSync(v, { withFileTypes: true })
      .filter((e) => e.isDirectory() && (monthly ? /^\d{6}$/ : /^\d{4}$/).test(e.name))
      .map((e) => e.name)
      .sort();
  } catch {
    return warn('No such folder.');
  }
  if (names.length === 0) return warn(`No ${what} folders (${monthly ? 'YYYYMM' : 'YYYY'}) in this folder.`);
  let dirs: readonly string[];
  try {
    dirs = stepDirs();
  } catch {
    dirs = [];
  }
  const found = `Found ${what} folders ${spans(names.map(Number))}`;
  const missing = dirs.map((d) => basename(d.replace(/\/+$/, ''))).filter((d) => !names.includes(d));
  if (missing.length > 0) return warn(`${found}; this step also needs ${spans(missing.map(Number))}.`);
  return { message: `${found}: all this step trains on.`, severity: vscode.InputBoxValidationSeverity.Info };
}

/** "2014–2017, 2019": runs of consecutive numbers joined. */
function spans(values: readonly number[]): string {
  const out: string[] = [];
  let from: number | undefined;
  let to = 0;
  for (const v of [...values].sort((a, b) => a - b)) {
    if (from !== undefined && v === to + 1) {
      to = v;
      continue;
    }
    if (from !== undefined) out.push(from === to ? String(from) : `${from}–${to}`);
    from = to = v;
  }
  if (from !== undefined) out.push(from === to ? String(from) : `${from}–${to}`);
  return out.join(', ');
}

/** The eval data root step's message as the user types: only an empty value blocks. */
export function evalDataMessage(value: string): string | vscode.InputBoxValidationMessage | undefined {
  const v = value.trim();
  if (v === '') return 'Needed: where the evaluation datasets are.';
  if (isRemotePath(v))
    return { message: 'A remote folder: not checked here.', severity: vscode.InputBoxValidationSeverity.Info };
  let count: number;
  try {
    count = readdirSync(v, { withFileTypes: true }).filter((e) => e.isDirectory()).length;
  } catch {
    return { message: 'No such folder yet.', severity: vscode.InputBoxValidationSeverity.Warning };
  }
  return {
    message: `${count} dataset folder${count === 1 ? '' : 's'} here.`,
    severity: vscode.InputBoxValidationSeverity.Info,
  };
}
