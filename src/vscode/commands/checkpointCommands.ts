import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import { diffNames, resumeParentOf, type CheckpointScan } from '../../workspace/checkpointSteps';
import { formatTimeStep } from '../../tic/ticTimeStep';
import { checkpointFileFilters, inspectorViewTypeFor } from '../editors/checkpointInspector';
import type { HubService } from '../hub/hubService';
import type { RunsService } from '../runs/runsService';
import { isHubCheckpointNode } from '../views/checkpointsTree';
import { isStepNode, type StepNode } from '../views/experimentsTree';
import { ensureLocal } from './hubCommands';
import { commandIds } from '../common/ids';
import type { Logger } from '../common/logger';
import { CheckpointDiffPanel } from '../panels/checkpointDiffPanel';

async function pickCheckpoint(title: string, near?: vscode.Uri): Promise<vscode.Uri | undefined> {
  const picked = await vscode.window.showOpenDialog({
    title,
    canSelectMany: false,
    filters: checkpointFileFilters,
    defaultUri: near ? vscode.Uri.joinPath(near, '..') : vscode.workspace.workspaceFolders?.[0]?.uri,
    openLabel: 'Select',
  });
  return picked?.[0];
}

const noScan: CheckpointScan = { experiments: [], chains: [], monthlyChains: [] };

/**
 * The local file of a published checkpoint a step resumed from: the path it named when that is on this machine,
 * else the year in the Hugging Face cache; undefined when it is not downloaded.
 */
async function publishedLocal(hub: HubService, repo: string, year: number, named: string): Promise<string | undefined> {
  if (existsSync(named)) return named;
  if (hub.catalog.kind !== 'ready') await hub.refresh();
  const state = hub.catalog;
  if (state.kind !== 'ready') return undefined;
  const file = state.repos.find((r) => r.repo === repo)?.files.find((f) => f.path === `checkpoints/${year}.pt`);
  return file?.localPath;
}

/** "Inspect Checkpoint" (explorer context menu and palette), "Compare Checkpoints…" and "Compare with the Checkpoint It Resumed From". */
export function registerCheckpointCommands(
  extensionUri: vscode.Uri,
  log: Logger,
  hub: HubService,
  runs: RunsService,
): vscode.Disposable[] {
  /** Opens the diff tab, A the older step, named by experiment and step where the files are steps of chains. */
  const showDiff = (first: vscode.Uri, second: vscode.Uri): void => {
    const names = diffNames(runs.workspace ?? noScan, first.fsPath, second.fsPath);
    CheckpointDiffPanel.show(extensionUri, log, vscode.Uri.file(names.a), vscode.Uri.file(names.b), names.title);
  };

  const compareWithResumeParent = async (node: StepNode): Promise<void> => {
    const { chain, step } = node;
    const name = `The ${chain.strategy} ${formatTimeStep(step.year)} step`;
    const own = step.finalCheckpoint?.path;
    if (!own) {
      void vscode.window.showInformationMessage(`${name} has no checkpoint yet: there is nothing to compare.`);
      return;
    }
    const parent = resumeParentOf(runs.workspace ?? noScan, step);
    switch (parent.kind) {
      case 'checkpoint':
      case 'elsewhere':
        if (existsSync(parent.path)) showDiff(vscode.Uri.file(parent.path), vscode.Uri.file(own));
        else
          void vscode.window.showWarningMessage(`${name} resumed from ${parent.path}, which is not on this machine.`);
        return;
      case 'published': {
        const local = await publishedLocal(hub, parent.repo, parent.year, parent.path);
        if (local) {
          showDiff(vscode.Uri.file(local), vscode.Uri.file(own));
          return;
        }
        const action = await vscode.window.showInformationMessage(
          `${name} resumed from the published ${parent.repo} ${parent.year} checkpoint, which is not downloaded yet.`,
          'Download and Compare',
        );
        if (action !== 'Download and Compare') return;
        const result = await hub.download(parent.repo, `checkpoints/${parent.year}.pt`);
        if (result) showDiff(vscode.Uri.file(result.localPath), vscode.Uri.file(own));
        return;
      }
      case 'scratch':
        void vscode.window.showInformationMessage(
          `${name} was trained from scratch: there is no checkpoint it resumed from.`,
        );
        return;
      case 'unknown':
        void vscode.window.showInformationMessage(
          `${name}'s files do not say which checkpoint it resumed from (no resume path in its parameters or log).`,
        );
        return;
    }
  };

  return [
    vscode.commands.registerCommand(commandIds.inspectCheckpoint, async (arg?: unknown) => {
      // A file (Explorer, palette dialog) or a Hub checkpoint of the Checkpoints view.
      const target =
        arg instanceof vscode.Uri
          ? arg
          : isHubCheckpointNode(arg)
            ? await ensureLocal(hub, arg)
            : await pickCheckpoint('Inspect Checkpoint');
      if (target) await vscode.commands.executeCommand('vscode.openWith', target, inspectorViewTypeFor(target));
    }),
    vscode.commands.registerCommand(
      commandIds.compareCheckpoints,
      async (a?: vscode.Uri, b?: vscode.Uri | vscode.Uri[]) => {
        // From the explorer with two files selected, VS Code passes (clicked, [all selected]).
        const selected = Array.isArray(b) ? b.filter((u) => u.toString() !== a?.toString()) : b ? [b] : [];
        const first =
          a instanceof vscode.Uri ? a : await pickCheckpoint('Compare Checkpoints: choose A (the earlier checkpoint)');
        if (!first) return;
        const second = selected[0] ?? (await pickCheckpoint(`Compare ${first.path.split('/').pop()} with… (B)`, first));
        if (!second) return;
        showDiff(first, second);
      },
    ),
    vscode.commands.registerCommand(commandIds.compareWithResumeParent, async (node?: unknown) => {
      if (isStepNode(node)) await compareWithResumeParent(node);
    }),
  ];
}
