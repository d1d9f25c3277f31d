import { hostname } from 'node:os';
import * as vscode from 'vscode';
import type { PlanProblem } from '../../plan/planProblem';
import { summarizeChecks } from '../../plan/checkSummary';
import type { SlurmCommands } from '../../runs/slurm/slurmCommands';
import { SlurmError } from '../../runs/model/slurmError';
import { parseSlurmJobOptions, type SlurmJobOptions } from '../../runs/model/slurmJobOptions';
import type { PreparedSlurmRun } from '../../runs/slurm/slurmScheduler';
import type { GpuInfo } from '../../plan/gpuQuery';
import type { Logger } from '../common/logger';
import { readSlurmJobOptions } from '../common/settings';
import { pickGpus } from './launchPrompts';
import type { RunsService } from './runsService';
import { forPeople } from '../common/peopleText';
import { back, pick, type Back, type StepPosition } from '../launch/launchWizard';

export type Where = { readonly kind: 'local' } | { readonly kind: 'slurm'; readonly options: SlurmJobOptions };

const scriptScheme = 'tic-studio-sbatch';
const scripts = new Map<string, string>();

/** Read-only documents of the scripts shown before submission (no "save changes?" when they are closed). */
export function registerScriptPreview(): vscode.Disposable {
  return vscode.workspace.registerTextDocumentContentProvider(scriptScheme, {
    provideTextDocumentContent: (uri) => scripts.get(uri.path) ?? '',
  });
}

/**
 * "Where": this machine or the Slurm cluster. Asked only where a Slurm client answers (`sinfo` lists partitions),
 * so a GPU box without Slurm is never asked; a client that is there but fails is logged, not hidden silently.
 * Returns undefined when the user cancelled.
 */
export async function pickWhere(
  commands: SlurmCommands,
  log: Logger,
  title: string,
): Promise<{ where: Where; partitions: string[] } | undefined> {
  const partitions = await slurmPartitions(commands, log);
  if (partitions === null) return { where: { kind: 'local' }, partitions: [] };
  const where = await pickWhereFrom(partitions, title);
  if (where === undefined || where === back) return undefined;
  return { where, partitions: where.kind === 'slurm' ? partitions.map((p) => p.name) : [] };
}

interface Partition {
  readonly name: string;
  readonly isDefault: boolean;
  readonly available: boolean;
}

/** The Slurm partitions, or null where no Slurm client answers (a failing one is logged). */
export async function slurmPartitions(commands: SlurmCommands, log: Logger): Promise<Partition[] | null> {
  try {
    return await commands.partitions();
  } catch (error) {
    if (!(error instanceof SlurmError && error.reason === 'notInstalled'))
      log.info(`Slurm is not offered: ${error instanceof Error ? error.message : String(error)}`);
    return null;
  }
}

/** "Where" among the partitions found: this machine or the cluster; Back in the launch wizard (`at`). */
export async function pickWhereFrom(
  partitions: readonly Partition[],
  title: string,
  at?: StepPosition,
): Promise<Where | Back | undefined> {
  const settings = readSlurmJobOptions();
  const items = [
    {
      label: '$(vm) This machine',
      description: hostname(),
      detail: 'runs here, in its own process group, followed across window reloads',
      slurm: false,
    },
    {
      label: '$(server-environment) Slurm cluster',
      description: partitions
        .map((p) => `${p.name}${p.isDefault ? '*' : ''}${p.available ? '' : ' (down)'}`)
        .join(', '),
      detail:
        settings instanceof SlurmError
          ? `The Slurm settings need fixing: ${settings.message}`
          : 'submits a generated script (shown before submission); multi-node torchrun',
      slurm: true,
    },
  ];
  const chosen = await pick({ title: `${title}: where`, items, ...(at ? { at } : {}) });
  if (chosen === undefined || chosen === back) return chosen;
  if (!chosen.slurm) return { kind: 'local' };
  if (settings instanceof SlurmError) {
    void vscode.window
      .showErrorMessage(settings.message, 'Open Settings')
      .then((a) =>
        a ? vscode.commands.executeCommand('workbench.action.openSettings', 'ticStudio.slurm') : undefined,
      );
    return undefined;
  }
  return { kind: 'slurm', options: settings };
}

/**
 * Where a training run goes and on how many GPUs: this machine (which GPUs, CUDA_VISIBLE_DEVICES) or Slurm (nodes ×
 * GPUs per node, partition). `n` is torchrun's --nproc_per_node either way.
 */
export async function pickPlacement(
  runs: RunsService,
  title: string,
  gpuTitle: string,
  plannedGpus: number | undefined,
  simulated: boolean,
  options: Parameters<typeof pickGpus>[3] = {},
): Promise<{ n: number; gpus: GpuInfo[]; slurm?: SlurmJobOptions } | Back | undefined> {
  const place = await pickWhere(runs.slurmCommands, runs.log, title);
  if (!place) return undefined;
  if (place.where.kind === 'local') return pickGpus(gpuTitle, plannedGpus, simulated, options);
  const slurm = await askSlurmShape(title, place.where.options, place.partitions, true);
  return slurm && { n: Math.max(1, slurm.gpusPerNode), gpus: [], slurm };
}

/** Nodes (training only), GPUs per node and partition for one job, starting from the settings. */
export async function askSlurmShape(
  title: string,
  options: SlurmJobOptions,
  partitions: readonly string[],
  training: boolean,
): Promise<SlurmJobOptions | undefined> {
  const count = async (prompt: string, value: number, min: number): Promise<number | undefined> => {
    const raw = await vscode.window.showInputBox({
      title: `${title}: ${prompt}`,
      value: String(value),
      ignoreFocusOut: true,
      validateInput: (v) => (/^\d+$/.test(v.trim()) && Number(v) >= min ? undefined : `A whole number ≥ ${min}.`),
    });
    return raw === undefined ? undefined : Number(raw.trim());
  };
  const nodes = training ? await count('nodes', options.nodes, 1) : 1;
  if (nodes === undefined) return undefined;
  const gpusPerNode = await count('GPUs per node', options.gpusPerNode, 0);
  if (gpusPerNode === undefined) return undefined;
  let partition = options.partition;
  if (partition === undefined && partitions.length > 1) {
    partition = await vscode.window.showQuickPick([...partitions], {
      title: `${title}: partition`,
      ignoreFocusOut: true,
    });
    if (partition === undefined) return undefined;
  }
  const parsed = parseSlurmJobOptions({ ...options, nodes, gpusPerNode, ...(partition ? { partition } : {}) });
  if (parsed instanceof SlurmError) {
    void vscode.window.showErrorMessage(parsed.message);
    return undefined;
  }
  return parsed;
}

/**
 * Shows the sbatch script (a read-only editor beside) and asks to submit it; "Copy Script" copies it and asks
 * again. Resolves true to submit. `problems`: as validated, before forSimulation (the checks are grouped as in the
 * command preview, checkSummary.ts).
 */
export async function confirmSlurmScript(
  title: string,
  prepared: PreparedSlurmRun,
  problems: readonly PlanProblem[],
  simulated: boolean,
  checkpoint?: string | null,
): Promise<boolean> {
  scripts.set(`/${prepared.id}.sbatch`, prepared.script);
  const uri = vscode.Uri.from({ scheme: scriptScheme, path: `/${prepared.id}.sbatch` });
  const doc = await vscode.workspace.openTextDocument(uri);
  await vscode.languages.setTextDocumentLanguage(doc, 'shellscript').then(undefined, () => undefined);
  await vscode.window.showTextDocument(doc, {
    preview: true,
    viewColumn: vscode.window.tabGroups.activeTabGroup.activeTab ? vscode.ViewColumn.Beside : vscode.ViewColumn.Active,
    preserveFocus: true,
  });
  const checks = summarizeChecks(problems, { simulated, checkpoint: checkpoint ?? null, people: forPeople });
  const detail = [
    `The sbatch script is open beside (it is kept as ${prepared.scriptPath}).`,
    `Output and errors: ${prepared.logPath}`,
    ...checks,
    simulated ? 'Simulated: the demo stand-in runs instead of the real program.' : '',
  ]
    .filter(Boolean)
    .join('\n\n');
  for (;;) {
    const answer = await vscode.window.showInformationMessage(
      title,
      { modal: true, detail },
      'Submit to Slurm',
      'Copy Script',
    );
    if (answer === 'Copy Script') {
      await vscode.env.clipboard.writeText(prepared.script);
      continue;
    }
    if (answer !== 'Submit to Slurm') scripts.delete(`/${prepared.id}.sbatch`);
    return answer === 'Submit to Slurm';
  }
}
