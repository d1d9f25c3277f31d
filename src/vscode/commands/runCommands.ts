import { existsSync, readdirSync } from 'node:fs';
import { join, sep } from 'node:path';
import * as vscode from 'vscode';
import { isFinalStatus, type RunRecord } from '../../runs/model/runRecord';
import { SlurmError } from '../../runs/model/slurmError';
import { SupervisorError } from '../../runs/local/supervisorError';
import { commandIds } from '../common/ids';
import { continueChainFlow } from '../runs/continueChainFlow';
import { evaluateFlow } from '../runs/evaluateFlow';
import { resumeFlow } from '../runs/resumeFlow';
import type { RunsService } from '../runs/runsService';
import { isStepNode, type StepNode } from '../views/experimentsTree';
import { isHubCheckpointNode, type HubCheckpointNode } from '../views/checkpointsTree';
import type { HubService } from '../hub/hubService';
import { publishedRepoMethod } from '../../tic/publishedRepoMethod';
import { ticClipRepos } from '../../tic/ticClipRepos';
import { monthlyChainsOf, type ResumeStart } from '../runs/resumeStart';
import { formatTimeStep } from '../../tic/ticTimeStep';
import { ensureLocal } from './hubCommands';
import { isQueuedNode, isRunNode } from '../views/runsTree';
import { shellQuoteArgv } from '../../plan/commandPlan';
import { hashParent, requireTrust } from '../runs/launchPrompts';
import { RunLogTails } from '../runs/runLogTail';
import { rerunOf } from '../runs/runRerun';
import { runCommandLine, uniqueRunLabels } from '../runs/runRows';

/** What a launch command was given or picked: a step of a chain, or a published checkpoint of the Hub catalog. */
type Picked = { kind: 'step'; node: StepNode } | { kind: 'hub'; node: HubCheckpointNode };

/**
 * From the palette: pick a chain step that has a checkpoint, or a published checkpoint of the Hub catalog (cached or
 * not: a launch from one downloads it first). `continual`: only starts that can be continued (no oracle). `steps`:
 * the steps of yearly chains, of monthly chains (their months), or both; published checkpoints are yearly steps.
 */
async function pickStart(
  runs: RunsService,
  hub: HubService,
  title: string,
  continual: boolean,
  steps: 'yearly' | 'monthly' | 'both' = 'yearly',
): Promise<Picked | undefined> {
  await runs.rescan();
  const ws = runs.workspace;
  const chains = [
    ...(steps !== 'monthly' ? (ws?.chains ?? []) : []),
    ...(steps !== 'yearly' && ws ? monthlyChainsOf(ws) : []),
  ];
  const stepItems = chains.flatMap((chain) =>
    chain.steps
      .filter((step) => step.finalCheckpoint !== null && !(continual && chain.strategy === 'oracle'))
      .map((step) => ({
        label: formatTimeStep(step.year),
        description: `${chain.strategy} · ${chain.filtering ?? '?'} · ${chain.scale ?? '?'}${chain.timescale === 'monthly' ? ' · monthly' : ''}`,
        detail: step.expName ?? undefined,
        choice: { kind: 'step', node: { kind: 'step' as const, chain, step } } as Picked,
      })),
  );
  if (steps !== 'monthly' && hub.catalog.kind !== 'ready') await hub.refresh();
  const catalog = hub.catalog;
  const published =
    steps === 'monthly' || catalog.kind !== 'ready'
      ? []
      : catalog.repos
          .filter((r) => !(continual && publishedRepoMethod(r.repo)?.strategy === 'oracle'))
          .flatMap((r) =>
            r.files
              .filter((f) => f.kind === 'checkpoint' && f.year !== undefined)
              .map((file) => ({
                label: `${file.year}`,
                description: `published · ${r.repo}`,
                detail: file.cached ? 'cached on this machine' : 'downloaded first (about 1.8 GB)',
                choice: { kind: 'hub', node: { kind: 'hubCheckpoint' as const, repo: r.repo, file } } as Picked,
              })),
          );
  if (stepItems.length === 0 && published.length === 0) {
    void vscode.window.showInformationMessage(
      steps === 'monthly'
        ? 'No month of a monthly chain with a checkpoint was found in this workspace. Branch a monthly chain off a yearly step first.'
        : 'No training step with a checkpoint was found in this workspace (datacomp/results/<exp>/checkpoints/), and the Hugging Face Hub catalog is not available.',
    );
    return undefined;
  }
  type Item = vscode.QuickPickItem & { choice?: Picked };
  const items: Item[] = [
    ...(stepItems.length > 0
      ? [{ label: 'This workspace', kind: vscode.QuickPickItemKind.Separator }, ...stepItems]
      : []),
    ...(published.length > 0
      ? [{ label: 'Published TiC-CLIP checkpoints', kind: vscode.QuickPickItemKind.Separator }, ...published]
      : []),
  ];
  const pick = await vscode.window.showQuickPick(items, { title, matchOnDescription: true, matchOnDetail: true });
  return pick?.choice;
}

/** The given argument (a step of the Experiments view, a checkpoint of the Checkpoints view), else one picked. */
function given(arg: unknown): Picked | undefined {
  if (isStepNode(arg)) return { kind: 'step', node: arg };
  if (isHubCheckpointNode(arg)) return { kind: 'hub', node: arg };
  return undefined;
}

/**
 * `{kind: 'publishedYear', repo, year}` (the dashboard's Evaluate on a published step of a lineage): that year's
 * checkpoint of the Hub catalog, as the Checkpoints view would give it.
 */
function isPublishedYear(arg: unknown): arg is { kind: 'publishedYear'; repo: string; year: number } {
  const a = arg as { kind?: unknown; repo?: unknown; year?: unknown } | undefined;
  return a?.kind === 'publishedYear' && typeof a.repo === 'string' && typeof a.year === 'number';
}

async function publishedYear(
  hub: HubService,
  a: { kind: 'publishedYear'; repo: string; year: number },
): Promise<Picked | undefined> {
  if (hub.catalog.kind !== 'ready') await hub.refresh();
  const catalog = hub.catalog;
  const repo = catalog.kind === 'ready' ? catalog.repos.find((r) => r.repo === a.repo) : undefined;
  const file = repo?.files.find((f) => f.kind === 'checkpoint' && f.year === a.year);
  if (!repo || !file) {
    void vscode.window.showErrorMessage(
      `The ${a.year} checkpoint of ${a.repo} is not in the Hugging Face Hub catalog (is the Hub reachable?): see the Checkpoints view.`,
    );
    return undefined;
  }
  return { kind: 'hub', node: { kind: 'hubCheckpoint', repo: repo.repo, file } };
}

/** A launch's start: a chain step, or a published checkpoint made local first (downloaded, with its progress). */
async function startOf(hub: HubService, picked: Picked): Promise<ResumeStart | undefined> {
  if (picked.kind === 'step') return { kind: 'step', chain: picked.node.chain, year: picked.node.step.year };
  const { repo, file } = picked.node;
  const oracle = publishedRepoMethod(repo)?.strategy === 'oracle';
  if (oracle || file.year === undefined) {
    // Said before a 1.8 GB download rather than after it.
    void vscode.window.showErrorMessage(
      oracle
        ? `${repo} is an oracle: it was trained once on all years, so there is no next year to continue it with. Evaluate it, or continue a cumulative or sequential checkpoint.`
        : `${file.path} names no training year: TiC Studio cannot tell which year to train next.`,
    );
    return undefined;
  }
  const uri = await ensureLocal(hub, picked.node);
  return uri && { kind: 'published', repo, year: file.year, path: uri.fsPath };
}

async function pickRun(
  runs: RunsService,
  title: string,
  filter: (r: RunRecord) => boolean,
): Promise<RunRecord | undefined> {
  const candidates = runs.runs.filter(filter);
  if (candidates.length === 0) {
    void vscode.window.showInformationMessage('No such run in this workspace.');
    return undefined;
  }
  return (
    await vscode.window.showQuickPick(
      candidates.map((r) => ({ label: r.label, description: `${r.status} · ${r.id}`, r })),
      { title },
    )
  )?.r;
}

function runOf(runs: RunsService, arg: unknown): RunRecord | undefined {
  const id = isRunNode(arg) ? arg.id : typeof arg === 'string' ? arg : undefined;
  return id ? runs.runs.find((r) => r.id === id) : undefined;
}

/** docs/security.md, shipped in the .vsix: what TiC Studio trusts and what a Stop requires. */
function showTrustModel(extensionUri: vscode.Uri): Thenable<unknown> {
  return vscode.commands.executeCommand(
    'markdown.showPreview',
    vscode.Uri.joinPath(extensionUri, 'docs', 'security.md'),
  );
}

/**
 * What a Stop keeps and loses, said before it is sent: a training run keeps the checkpoints it saved (counted in its
 * experiment's checkpoints/ folder) and its log, and loses the current epoch's progress since the last of them.
 */
function stopConsequences(record: RunRecord): string {
  const slurmJob = record.scheduler === 'slurm' ? record.slurm?.jobId : undefined;
  if (slurmJob && record.status === 'queued')
    return `Slurm job ${slurmJob} has not started yet: cancelling it loses nothing.`;
  const job = slurmJob ? `Slurm job ${slurmJob} is cancelled.\n\n` : '';
  if (record.kind !== 'train')
    return `${job}Kept: the log and the results written so far.\nLost: the evaluation in progress (run it again to finish it).`;
  const epochs = record.outputDir ? savedEpochs(join(record.outputDir, 'checkpoints')) : undefined;
  if (epochs === undefined)
    return `${job}Kept: the checkpoints saved so far and the log.\nLost: the current epoch's progress since the last checkpoint.`;
  if (epochs.length === 0)
    return `${job}Kept: the log.\nLost: everything trained so far, as no checkpoint has been saved yet (one is saved after each epoch).`;
  const last = Math.max(...epochs);
  return `${job}Kept: the ${epochs.length === 1 ? 'checkpoint' : `${epochs.length} checkpoints`} saved so far (the last after epoch ${last}) and the log.\nLost: the current epoch's progress since that checkpoint.`;
}

/** The epochs with a saved `epoch_N.pt` in a checkpoints folder ([] when it has none yet); undefined when unreadable. */
function savedEpochs(dir: string): number[] | undefined {
  try {
    return readdirSync(dir).flatMap((name) => {
      const m = /^epoch_(\d+)\.pt$/.exec(name);
      return m ? [Number(m[1])] : [];
    });
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? [] : undefined;
  }
}

/** The run's label as the Runs view shows it (`2017 cumulative v2 (run 2)`). */
function viewLabel(runs: RunsService, record: RunRecord): string {
  return uniqueRunLabels(runs.runs).get(record.id) ?? record.label;
}

/** Runs the recorded command of an ended run of this machine again, as a new attempt where needed, once confirmed. */
async function rerun(runs: RunsService, record: RunRecord, extensionUri: vscode.Uri): Promise<void> {
  if (!(await requireTrust())) return;
  if (!isFinalStatus(record.status)) {
    void vscode.window.showInformationMessage(`${record.label} is still ${record.status}: rerun it once it has ended.`);
    return;
  }
  // The record is the workspace's word: its command runs again only when TiC Studio itself started it, as for Stop.
  if (record.scheduler !== 'slurm' && (await runs.supervisor?.claims.read(record.id)) === undefined) {
    const why = await vscode.window.showWarningMessage(
      `Did not rerun ${record.label}: TiC Studio cannot prove it started this run, so it does not run its command again.`,
      'Why?',
    );
    if (why) await showTrustModel(extensionUri);
    return;
  }
  const again = rerunOf(record, existsSync);
  if (typeof again === 'string') {
    void vscode.window.showWarningMessage(again);
    return;
  }
  const { plan, gpus, attempt, withoutSecrets } = again;
  const detail = [
    attempt ? `As a new attempt, ${attempt.to}: the folder of ${attempt.from} is kept.` : '',
    `cd ${shellQuoteArgv([plan.cwd])}`,
    shellQuoteArgv(plan.argv),
    withoutSecrets.length > 0
      ? `${withoutSecrets.join(', ')} ${withoutSecrets.length === 1 ? 'comes' : 'come'} from this window's environment: the record keeps no secrets.`
      : '',
    plan.simulated ? 'Simulated: the demo stand-in runs instead of the real program.' : '',
  ]
    .filter(Boolean)
    .join('\n\n');
  const answer = await vscode.window.showInformationMessage(
    `Run ${viewLabel(runs, record)} again?`,
    { modal: true, detail },
    'Rerun',
  );
  if (answer !== 'Rerun') return;
  const parent =
    record.parentCheckpoint && existsSync(record.parentCheckpoint.path)
      ? await hashParent(record.parentCheckpoint.path)
      : undefined;
  runs
    .launch({ ...plan, ...(parent ? { parentCheckpoint: parent } : {}) }, gpus)
    .catch((error: unknown) =>
      vscode.window.showErrorMessage(
        `Could not start the run: ${error instanceof Error ? error.message : String(error)}`,
      ),
    );
  await vscode.commands.executeCommand('ticStudio.runs.focus');
}

/** Shows the output folder: in the Explorer when it is in the workspace, else in the system's file manager. */
async function revealOutput(runs: RunsService, record: RunRecord): Promise<void> {
  const dir = record.outputDir;
  if (!dir) {
    void vscode.window.showInformationMessage(`${record.label} has no output folder.`);
    return;
  }
  if (!existsSync(dir)) {
    void vscode.window.showInformationMessage(`${record.label} has not created its output folder yet (${dir}).`);
    return;
  }
  const root = runs.root?.fsPath;
  if (root && (dir === root || dir.startsWith(root.endsWith(sep) ? root : root + sep)))
    await vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(dir));
  else if (!vscode.env.remoteName) await vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(dir));
  else {
    // In a remote window the system's file manager is on the other machine.
    const copy = await vscode.window.showInformationMessage(
      `The output folder is outside this workspace: ${dir}`,
      'Copy Path',
    );
    if (copy) await vscode.env.clipboard.writeText(dir);
  }
}

export function registerRunCommands(runs: RunsService, extensionUri: vscode.Uri, hub: HubService): vscode.Disposable[] {
  const tails = new RunLogTails();
  return [
    tails,
    vscode.commands.registerCommand(commandIds.resumeFromYear, async (arg?: unknown) => {
      const picked = given(arg) ?? (await pickStart(runs, hub, 'Resume Training From Year…', true));
      const start = picked && (await startOf(hub, picked));
      if (start) await resumeFlow(runs, start);
    }),
    vscode.commands.registerCommand(commandIds.resumeFromMonth, async (arg?: unknown) => {
      const picked = given(arg) ?? (await pickStart(runs, hub, 'Resume Training From Month…', true, 'monthly'));
      const start = picked && (await startOf(hub, picked));
      if (start) await resumeFlow(runs, start);
    }),
    vscode.commands.registerCommand(commandIds.branchMonthlyChain, async (arg?: unknown) => {
      const picked =
        given(arg) ??
        (isPublishedYear(arg)
          ? await publishedYear(hub, arg)
          : await pickStart(runs, hub, 'Branch a Monthly Chain off…', true));
      if (picked?.kind === 'step' && picked.node.chain.timescale === 'monthly') {
        void vscode.window.showInformationMessage(
          `${formatTimeStep(picked.node.step.year)} is already a month of a monthly chain: resume it from there instead.`,
        );
        return;
      }
      const start = picked && (await startOf(hub, picked));
      if (start) await resumeFlow(runs, start, true);
    }),
    vscode.commands.registerCommand(commandIds.evaluateCheckpoint, async (arg?: unknown) => {
      if (arg instanceof vscode.Uri) return evaluateFlow(runs, arg.fsPath, null);
      const picked =
        given(arg) ??
        (isPublishedYear(arg)
          ? await publishedYear(hub, arg)
          : await pickStart(runs, hub, 'Evaluate Checkpoint…', false, 'both'));
      if (picked?.kind === 'step' && picked.node.step.finalCheckpoint)
        await evaluateFlow(
          runs,
          picked.node.step.finalCheckpoint.path,
          picked.node.step.expName,
          undefined,
          picked.node.chain.timescale,
        );
      if (picked?.kind === 'hub') {
        const uri = await ensureLocal(hub, picked.node);
        // One eval folder per published checkpoint: TiC-CLIP-bestpool-cumulative_2016.
        const name = `${picked.node.repo.split('/').pop() ?? picked.node.repo}_${picked.node.file.year ?? 'checkpoint'}`;
        const published = (ticClipRepos as readonly string[]).includes(picked.node.repo);
        if (uri) await evaluateFlow(runs, uri.fsPath, name, published ? 'ViT-B-16' : undefined);
      }
    }),
    vscode.commands.registerCommand(commandIds.continueChain, async (arg?: unknown) => {
      const picked = given(arg) ?? (await pickStart(runs, hub, 'Continue the Chain to 2022 from…', true));
      const start = picked && (await startOf(hub, picked));
      if (start) await continueChainFlow(runs, start);
    }),
    vscode.commands.registerCommand(commandIds.continueMonthlyChain, async (arg?: unknown) => {
      const picked = given(arg) ?? (await pickStart(runs, hub, 'Continue the Chain to 2023-06 from…', true, 'monthly'));
      const start = picked && (await startOf(hub, picked));
      if (start) await continueChainFlow(runs, start);
    }),
    vscode.commands.registerCommand(commandIds.stopRun, async (arg?: unknown) => {
      // A restricted window shows the runs but signals nothing: its records are the workspace's word, not ours.
      if (!vscode.workspace.isTrusted) {
        const action = await vscode.window.showWarningMessage(
          'TiC Studio does not stop runs from an untrusted workspace. Trust this workspace to stop its runs.',
          'Manage Workspace Trust',
        );
        if (action) await vscode.commands.executeCommand('workbench.trust.manage');
        return;
      }
      if (isQueuedNode(arg)) {
        runs.queue?.cancel(arg.ticket);
        return;
      }
      const record =
        runOf(runs, arg) ??
        (await pickRun(
          runs,
          'Stop Run…',
          (r) => r.status === 'running' || (r.status === 'queued' && r.scheduler === 'slurm'),
        ));
      if (!record) return;
      const slurmJob = record.scheduler === 'slurm' ? record.slurm?.jobId : undefined;
      const confirmed = await vscode.window.showWarningMessage(
        `Stop ${viewLabel(runs, record)}?`,
        { modal: true, detail: stopConsequences(record) },
        'Stop',
      );
      if (confirmed !== 'Stop') return;
      await vscode.window.withProgress(
        {
          location: vscode.ProgressLocation.Notification,
          title: slurmJob
            ? `Cancelling Slurm job ${slurmJob} (${record.label})…`
            : `Stopping ${record.label} (SIGINT, then SIGTERM, then SIGKILL)…`,
        },
        async () => {
          try {
            const stopped = await runs.stop(record.id);
            void vscode.window.showInformationMessage(
              slurmJob
                ? `${record.label}: Slurm job ${stopped?.slurm?.jobId ?? slurmJob} cancelled (${stopped?.slurm?.state ?? 'CANCELLED'}).`
                : `${record.label} stopped (${stopped?.stopSignals?.join(' → ') ?? 'SIGINT'}).`,
            );
          } catch (error) {
            const detail = error instanceof Error ? error.message : String(error);
            if (SupervisorError.is(error, 'notOwned') || (error instanceof SlurmError && error.reason === 'notOwned')) {
              // A refusal, not a failure: the record names something TiC Studio cannot prove it started.
              runs.log.warn(`Did not stop ${record.label} (${record.id}): ${detail}`);
              void vscode.window
                .showWarningMessage(
                  `Did not stop ${record.label}: TiC Studio cannot prove it started this run, so it signalled nothing.`,
                  'Why?',
                )
                .then((answer) => answer && showTrustModel(extensionUri));
              return;
            }
            void vscode.window.showErrorMessage(`Could not stop ${record.label}: ${detail}`);
          }
        },
      );
    }),
    vscode.commands.registerCommand(commandIds.showJobScript, async (arg?: unknown) => {
      const record = runOf(runs, arg) ?? (await pickRun(runs, 'Show Slurm Job Script', (r) => r.scheduler === 'slurm'));
      if (!record?.slurm || !runs.slurm) return;
      // The script as submitted (and resubmitted), kept next to the record: its path comes from the run id, not from
      // the record, which could name any file.
      const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(runs.slurm.store.scriptPath(record.id)));
      await vscode.window.showTextDocument(doc, { preview: true });
    }),
    vscode.commands.registerCommand(commandIds.showRunLog, async (arg?: unknown) => {
      const record = runOf(runs, arg) ?? (await pickRun(runs, 'Show Run Log', () => true));
      if (!record) return;
      if (!existsSync(record.logPath)) {
        void vscode.window.showInformationMessage(
          record.scheduler === 'slurm'
            ? `${record.label} has no log yet: Slurm writes ${record.logPath} once job ${record.slurm?.jobId ?? ''} starts.`
            : `${record.label} has no log yet (${record.logPath}).`,
        );
        return;
      }
      await tails.show(vscode.Uri.file(record.logPath));
    }),
    vscode.commands.registerCommand(commandIds.openRunInDashboard, async (arg?: unknown) => {
      // The dashboard has no focus on one step yet: it opens as it is, with the run's chain among the others.
      if (runOf(runs, arg)) await vscode.commands.executeCommand(commandIds.openDashboard);
    }),
    vscode.commands.registerCommand(commandIds.revealRunOutput, async (arg?: unknown) => {
      const record = runOf(runs, arg);
      if (record) await revealOutput(runs, record);
    }),
    vscode.commands.registerCommand(commandIds.copyRunCommand, async (arg?: unknown) => {
      const record = runOf(runs, arg);
      if (!record) return;
      await vscode.env.clipboard.writeText(runCommandLine(record));
      void vscode.window.showInformationMessage(`Copied the command of ${viewLabel(runs, record)}.`);
    }),
    vscode.commands.registerCommand(commandIds.rerunRun, async (arg?: unknown) => {
      const record = runOf(runs, arg);
      if (record) await rerun(runs, record, extensionUri);
    }),
    vscode.commands.registerCommand(commandIds.removeRunRecord, async (arg?: unknown) => {
      const record = runOf(runs, arg);
      if (!record) return;
      if (!isFinalStatus(record.status)) {
        void vscode.window.showInformationMessage(`${record.label} is still ${record.status}: stop it first.`);
        return;
      }
      const answer = await vscode.window.showWarningMessage(
        `Remove the record of ${viewLabel(runs, record)}?`,
        {
          modal: true,
          detail: `It leaves the Runs view and its console log is deleted.${record.outputDir ? ' Its output folder and checkpoints stay.' : ''}`,
        },
        'Remove Record',
      );
      if (answer === 'Remove Record') await removeRecords(runs, [record.id]);
    }),
    vscode.commands.registerCommand(commandIds.clearFinishedRuns, async () => {
      const ended = runs.runs.filter((r) => isFinalStatus(r.status));
      if (ended.length === 0) {
        void vscode.window.showInformationMessage('No finished runs to clear.');
        return;
      }
      const answer = await vscode.window.showWarningMessage(
        ended.length === 1
          ? 'Remove the record of 1 finished run?'
          : `Remove the records of ${ended.length} finished runs?`,
        {
          modal: true,
          detail:
            'Runs that ended (finished, failed, stopped or lost) leave the Runs view and their console logs are deleted. Output folders and checkpoints stay; runs still going are kept.',
        },
        'Clear',
      );
      if (answer === 'Clear')
        await removeRecords(
          runs,
          ended.map((r) => r.id),
        );
    }),
  ];
}

async function removeRecords(runs: RunsService, ids: string[]): Promise<void> {
  try {
    await runs.removeRecords(ids);
  } catch (error) {
    void vscode.window.showErrorMessage(
      `Could not remove the run records: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

/** "$(sync~spin) 2 runs" while runs are going; click to see them. */
export function runsStatusBar(runs: RunsService): vscode.Disposable {
  const item = vscode.window.createStatusBarItem('ticStudio.runs', vscode.StatusBarAlignment.Left, 10);
  item.name = 'TiC Studio Runs';
  item.command = 'ticStudio.runs.focus';
  const update = (): void => {
    const running = runs.runs.filter((r) => r.status === 'running');
    if (running.length === 0) {
      item.hide();
      return;
    }
    const live = running.map((r) => runs.liveStats(r.id)?.loss).find((l) => l !== undefined && l !== null);
    item.text = `$(sync~spin) ${running.length} TiC run${running.length === 1 ? '' : 's'}${live ? ` · loss ${live.toFixed(3)}` : ''}`;
    item.tooltip = running.map((r) => `${r.label} (${r.id})`).join('\n');
    item.show();
  };
  const sub = runs.onDidChange(update);
  update();
  return { dispose: () => (sub.dispose(), item.dispose()) };
}
