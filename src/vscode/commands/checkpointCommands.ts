import * as vscode from 'vscode';
import { checkpointFileFilters } from '../editors/checkpointInspector';
import type { HubService } from '../hub/hubService';
import { isHubCheckpointNode } from '../views/checkpointsTree';
import { ensureLocal } from './hubCommands';
import { commandIds, customEditorTypes } from '../common/ids';
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

/** "Inspect Checkpoint" (explorer context menu and palette) and "Compare Checkpoints…". */
export function registerCheckpointCommands(
  extensionUri: vscode.Uri,
  log: Logger,
  hub: HubService,
): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand(commandIds.inspectCheckpoint, async (arg?: unknown) => {
      // A file (Explorer, palette dialog) or a Hub checkpoint of the Checkpoints view.
      const target =
        arg instanceof vscode.Uri
          ? arg
          : isHubCheckpointNode(arg)
            ? await ensureLocal(hub, arg)
            : await pickCheckpoint('Inspect Checkpoint');
      if (target)
        await vscode.commands.executeCommand('vscode.openWith', target, customEditorTypes.checkpointInspector);
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
        CheckpointDiffPanel.show(extensionUri, log, first, second);
      },
    ),
  ];
}
